// SPDX-License-Identifier: LGPL-2.1-or-later
// Streams against a scripted fake daemon on a unix socket (a thread of this program): data
// split across packets and read in small pieces, our data cut into packets of the
// protocol's chunk size, finish and abort handshakes, a daemon's error packet becoming the
// virError of every later call, a stream freed while open, packets read before the opening
// call returned, and the connection lost under an event-driven stream.  Things a real
// modvirt-qemud does not do on demand.

#include "client-private.h"
#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define assert_api(expr) \
    do { \
        if (!(expr)) \
            g_error("%s failed: %s", #expr, virGetLastErrorMessage()); \
    } while (0)

/* What the fake daemon does once it has answered OPEN_CONSOLE. */
typedef enum {
    AFTER_OPEN_NOTHING,
    AFTER_OPEN_DATA,     /* "hello ", "world", a big packet of 'x', end of data */
    AFTER_OPEN_ERROR,    /* "partial", then an error packet */
    AFTER_OPEN_HANGUP,   /* "bye", then the connection closes */
    BEFORE_REPLY,        /* "early" and the end of data, sent before the reply */
} AfterOpen;

/* Bytes of 'x' in the big packet: more than one chunk, as the protocol allows. */
#define BIG_PACKET (MV_MESSAGE_STREAM_CHUNK + 1000)

typedef struct {
    int status;
    unsigned serial;
    int proc;
    size_t len;
} Received;

typedef struct {
    char *dir;
    char *path;
    char *uri;
    int listen_fd;
    GThread *thread;
    AfterOpen after_open;
    GMutex lock;
    GArray *received;        /* Received: every STREAM packet from the client */
    unsigned open_serial;
} Fake;

static void
quiet(void *data, virErrorPtr err)
{
}

static void
send_packet(int fd, GBytes *b)
{
    g_assert_cmpint(mv_write_all(fd, b, NULL, 0), ==, 0);
}

static void
reply(int fd, const mv_message_header *call, xdrproc_t proc, const void *body)
{
    mv_message_header h = *call;
    h.type = MV_MSG_REPLY;
    h.status = MV_STATUS_OK;
    g_autoptr(GBytes) b = mv_packet_encode(&h, proc, body, 0, NULL);
    send_packet(fd, b);
}

static void
stream_packet(int fd, const mv_message_header *open, int status, const void *data, size_t len)
{
    mv_message_header h = *open;
    h.type = MV_MSG_STREAM;
    h.status = status;
    g_autoptr(GBytes) b = mv_packet_encode_raw(&h, data, len);
    send_packet(fd, b);
}

/* The script after OPEN_CONSOLE's reply.  Returns false when the connection is to close. */
static bool
run_after_open(Fake *f, int fd, const mv_message_header *open)
{
    switch (f->after_open) {
    case AFTER_OPEN_DATA: {
        stream_packet(fd, open, MV_STATUS_CONTINUE, "hello ", 6);
        stream_packet(fd, open, MV_STATUS_CONTINUE, "world", 5);
        g_autofree char *big = g_malloc(BIG_PACKET);
        memset(big, 'x', BIG_PACKET);
        stream_packet(fd, open, MV_STATUS_CONTINUE, big, BIG_PACKET);
        stream_packet(fd, open, MV_STATUS_CONTINUE, NULL, 0);
        return true;
    }
    case AFTER_OPEN_ERROR: {
        stream_packet(fd, open, MV_STATUS_CONTINUE, "partial", 7);
        g_autoptr(GError) err = NULL;
        mv_error_set(&err, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED, "console of 'fake' went away");
        mv_message_header h = *open;
        h.type = MV_MSG_STREAM;
        g_autoptr(GBytes) b = mv_packet_encode_error(&h, err);
        send_packet(fd, b);
        return true;
    }
    case AFTER_OPEN_HANGUP:
        stream_packet(fd, open, MV_STATUS_CONTINUE, "bye", 3);
        return false;
    default:
        return true;
    }
}

/* Answer one CALL.  Returns false when the connection is to close. */
static bool
answer_call(Fake *f, int fd, const MvPacket *pkt)
{
    const mv_message_header *h = &pkt->hdr;
    switch (h->proc) {
    case REMOTE_PROC_AUTH_LIST: {
        remote_auth_type none = REMOTE_AUTH_NONE;
        remote_auth_list_ret ret = { .types = { 1, &none } };
        reply(fd, h, (xdrproc_t)xdr_remote_auth_list_ret, &ret);
        return true;
    }
    case REMOTE_PROC_CONNECT_SUPPORTS_FEATURE: {
        remote_connect_supports_feature_ret ret = { 0 };
        reply(fd, h, (xdrproc_t)xdr_remote_connect_supports_feature_ret, &ret);
        return true;
    }
    case REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME: {
        remote_domain_ret ret = { .dom = { .name = (char *)"fake", .id = 1 } };
        reply(fd, h, (xdrproc_t)xdr_remote_domain_ret, &ret);
        return true;
    }
    case REMOTE_PROC_DOMAIN_OPEN_CONSOLE:
        g_mutex_lock(&f->lock);
        f->open_serial = h->serial;
        g_mutex_unlock(&f->lock);
        if (f->after_open == BEFORE_REPLY) {
            stream_packet(fd, h, MV_STATUS_CONTINUE, "early", 5);
            stream_packet(fd, h, MV_STATUS_CONTINUE, NULL, 0);
        }
        reply(fd, h, NULL, NULL);
        return run_after_open(f, fd, h);
    case REMOTE_PROC_CONNECT_CLOSE:
        reply(fd, h, NULL, NULL);
        return false;
    default:
        /* CONNECT_OPEN and anything else: void. */
        reply(fd, h, NULL, NULL);
        return true;
    }
}

static gpointer
fake_thread(gpointer data)
{
    Fake *f = data;
    int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    MvRx rx;
    mv_rx_init(&rx);
    for (bool go = true; go;) {
        MvPacket *pkt = NULL;
        g_autoptr(GError) error = NULL;
        if (mv_rx_read(&rx, fd, &pkt, &error) != MV_RX_PACKET)
            break;
        if (pkt->hdr.type == MV_MSG_STREAM) {
            Received r = { pkt->hdr.status, pkt->hdr.serial, pkt->hdr.proc, pkt->len - pkt->payload_off };
            g_mutex_lock(&f->lock);
            g_array_append_val(f->received, r);
            g_mutex_unlock(&f->lock);
            /* Finish and abort are confirmed with an empty OK. */
            if (pkt->hdr.status != MV_STATUS_CONTINUE)
                stream_packet(fd, &pkt->hdr, MV_STATUS_OK, NULL, 0);
        } else if (pkt->hdr.type == MV_MSG_CALL) {
            go = answer_call(f, fd, pkt);
        }
        mv_packet_free(pkt);
    }
    mv_rx_clear(&rx);
    close(fd);
    return NULL;
}

static Fake *
fake_start(AfterOpen after_open)
{
    Fake *f = g_new0(Fake, 1);
    f->dir = g_dir_make_tmp("mvstream-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->path = g_build_filename(f->dir, "sock", NULL);
    f->uri = g_strdup_printf("qemu+unix:///system?socket=%s", f->path);
    f->after_open = after_open;
    f->received = g_array_new(FALSE, FALSE, sizeof(Received));
    g_mutex_init(&f->lock);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_assert_cmpuint(strlen(f->path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, f->path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(listen(f->listen_fd, 1), ==, 0);
    f->thread = g_thread_new("fake-daemon", fake_thread, f);
    return f;
}

static void
fake_stop(Fake *f)
{
    g_thread_join(f->thread);
    close(f->listen_fd);
    unlink(f->path);
    rmdir(f->dir);
    g_array_unref(f->received);
    g_mutex_clear(&f->lock);
    g_free(f->dir);
    g_free(f->path);
    g_free(f->uri);
    g_free(f);
}

/* The STREAM packets the fake received so far (a copy). */
static GArray *
fake_received(Fake *f)
{
    g_mutex_lock(&f->lock);
    GArray *copy = g_array_copy(f->received);
    g_mutex_unlock(&f->lock);
    return copy;
}

/* A connection to @f and a console stream on its one domain. */
static virStreamPtr
open_console(Fake *f, unsigned int flags, virConnectPtr *ret_conn)
{
    virConnectPtr conn = virConnectOpen(f->uri);
    assert_api(conn);
    virDomainPtr dom = virDomainLookupByName(conn, "fake");
    assert_api(dom);
    virStreamPtr st = virStreamNew(conn, flags);
    assert_api(st);
    assert_api(virDomainOpenConsole(dom, NULL, st, 0) == 0);
    virDomainFree(dom);
    *ret_conn = conn;
    return st;
}

/* A call the fake answers only after every packet sent before it. */
static void
round_trip(virConnectPtr conn)
{
    virDomainPtr dom = virDomainLookupByName(conn, "fake");
    assert_api(dom);
    virDomainFree(dom);
}

static void
test_data(void)
{
    Fake *f = fake_start(AFTER_OPEN_DATA);
    virConnectPtr conn;
    virStreamPtr st = open_console(f, 0, &conn);

    /* Read in pieces smaller than the packets: the bytes come back whole and in order. */
    g_autoptr(GString) got = g_string_new(NULL);
    char buf[7];
    int n;
    while ((n = virStreamRecv(st, buf, sizeof(buf))) > 0)
        g_string_append_len(got, buf, n);
    g_assert_cmpint(n, ==, 0);
    g_assert_cmpuint(got->len, ==, 11 + BIG_PACKET);
    g_assert_true(g_str_has_prefix(got->str, "hello worldxxx"));
    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, 0);

    /* Ours: cut into packets of the protocol's chunk size, with the call's serial. */
    size_t big = 2 * MV_MESSAGE_STREAM_CHUNK + 100;
    g_autofree char *data = g_malloc0(big);
    g_assert_cmpint(virStreamSend(st, "abc", 3), ==, 3);
    g_assert_cmpint(virStreamSend(st, data, big), ==, (int)big);
    assert_api(virStreamFinish(st) == 0);
    g_autoptr(GArray) r = fake_received(f);
    g_assert_cmpuint(r->len, ==, 5);
    const size_t sizes[] = { 3, MV_MESSAGE_STREAM_CHUNK, MV_MESSAGE_STREAM_CHUNK, 100, 0 };
    for (guint i = 0; i < r->len; i++) {
        Received *p = &g_array_index(r, Received, i);
        g_assert_cmpuint(p->serial, ==, f->open_serial);
        g_assert_cmpint(p->proc, ==, REMOTE_PROC_DOMAIN_OPEN_CONSOLE);
        g_assert_cmpuint(p->len, ==, sizes[i]);
        g_assert_cmpint(p->status, ==, i < 4 ? MV_STATUS_CONTINUE : MV_STATUS_OK);
    }
    assert_api(virStreamFree(st) == 0);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
    fake_stop(f);
}

static void
test_error_packet(void)
{
    Fake *f = fake_start(AFTER_OPEN_ERROR);
    virConnectPtr conn;
    virStreamPtr st = open_console(f, 0, &conn);
    const char *msg = "operation failed: console of 'fake' went away";
    char buf[64];

    /* Data before the error is still delivered. */
    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, 7);
    g_assert_cmpint(memcmp(buf, "partial", 7), ==, 0);
    /* Then the daemon's error, with its code, domain and text, on every call. */
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, -1);
        virErrorPtr e = virGetLastError();
        g_assert_nonnull(e);
        g_assert_cmpint(e->code, ==, VIR_ERR_OPERATION_FAILED);
        g_assert_cmpint(e->domain, ==, VIR_FROM_QEMU);
        g_assert_cmpstr(e->message, ==, msg);
    }
    g_assert_cmpint(virStreamSend(st, "x", 1), ==, -1);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, msg);
    /* Finishing a failed stream reports its error; nothing more goes to the daemon, which
     * considers the stream over. */
    g_assert_cmpint(virStreamFinish(st), ==, -1);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, msg);
    g_assert_cmpint(virStreamAbort(st), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    round_trip(conn);
    g_autoptr(GArray) r = fake_received(f);
    g_assert_cmpuint(r->len, ==, 0);
    assert_api(virStreamFree(st) == 0);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
    fake_stop(f);
}

static void
test_abort_and_free(void)
{
    Fake *f = fake_start(AFTER_OPEN_NOTHING);
    virConnectPtr conn;
    virStreamPtr st = open_console(f, VIR_STREAM_NONBLOCK, &conn);
    char buf[8];

    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, -2);
    assert_api(virStreamAbort(st) == 0);
    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, -1);
    assert_api(virStreamFree(st) == 0);

    /* Freed while open: aborted on the way out, without waiting for the answer. */
    virDomainPtr dom = virDomainLookupByName(conn, "fake");
    assert_api(dom);
    st = virStreamNew(conn, 0);
    assert_api(virDomainOpenConsole(dom, NULL, st, 0) == 0);
    unsigned second = f->open_serial;
    virDomainFree(dom);
    assert_api(virStreamFree(st) == 0);
    round_trip(conn);

    g_autoptr(GArray) r = fake_received(f);
    g_assert_cmpuint(r->len, ==, 2);
    g_assert_cmpint(g_array_index(r, Received, 0).status, ==, MV_STATUS_ERROR);
    g_assert_cmpuint(g_array_index(r, Received, 0).len, ==, 0);
    g_assert_cmpint(g_array_index(r, Received, 1).status, ==, MV_STATUS_ERROR);
    g_assert_cmpuint(g_array_index(r, Received, 1).serial, ==, second);
    /* The late confirmation of that abort is a stale packet: ignored. */
    round_trip(conn);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
    fake_stop(f);
}

/* Packets read before the opening call has returned (here: sent before its reply; in
 * life: read by another thread right after it) still reach the stream. */
static void
test_before_reply(void)
{
    Fake *f = fake_start(BEFORE_REPLY);
    virConnectPtr conn;
    virStreamPtr st = open_console(f, VIR_STREAM_NONBLOCK, &conn);
    char buf[16];

    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, 5);
    g_assert_cmpint(memcmp(buf, "early", 5), ==, 0);
    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, 0);
    assert_api(virStreamFinish(st) == 0);
    assert_api(virStreamFree(st) == 0);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
    fake_stop(f);
}

typedef struct {
    GString *seen;
    int events;       /* every event reported, or-ed */
    int frees;
} Watch;

static void
on_stream(virStreamPtr st, int events, void *opaque)
{
    Watch *w = opaque;
    char buf[64];
    int n;

    w->events |= events;
    while ((n = virStreamRecv(st, buf, sizeof(buf))) > 0)
        g_string_append_len(w->seen, buf, n);
    if (n == -1)
        virStreamEventRemoveCallback(st);
}

static void
on_stream_free(void *opaque)
{
    ((Watch *)opaque)->frees++;
}

static void
test_hangup(void)
{
    Fake *f = fake_start(AFTER_OPEN_HANGUP);
    virConnectPtr conn;
    virStreamPtr st = open_console(f, VIR_STREAM_NONBLOCK, &conn);
    Watch w = { .seen = g_string_new(NULL) };

    assert_api(virStreamEventAddCallback(st, VIR_STREAM_EVENT_READABLE, on_stream, &w, on_stream_free) == 0);
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (w.frees == 0 && g_get_monotonic_time() < end)
        assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(w.frees, ==, 1);
    g_assert_cmpstr(w.seen->str, ==, "bye");
    g_assert_cmpint(w.events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP), ==,
                    VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP);
    /* Every call on the stream now says the connection is gone. */
    char buf[8];
    g_assert_cmpint(virStreamRecv(st, buf, sizeof(buf)), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_RPC);
    g_assert_cmpint(virStreamFinish(st), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_RPC);
    assert_api(virStreamFree(st) == 0);
    g_assert_cmpint(virConnectIsAlive(conn), ==, 0);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
    g_string_free(w.seen, TRUE);
    fake_stop(f);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    virSetErrorFunc(NULL, quiet);
    assert_api(virEventRegisterDefaultImpl() == 0);
    g_test_add_func("/client/stream/data", test_data);
    g_test_add_func("/client/stream/error-packet", test_error_packet);
    g_test_add_func("/client/stream/abort-and-free", test_abort_and_free);
    g_test_add_func("/client/stream/before-reply", test_before_reply);
    g_test_add_func("/client/stream/hangup", test_hangup);
    return g_test_run();
}
