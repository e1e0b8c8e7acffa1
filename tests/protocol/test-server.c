// SPDX-License-Identifier: LGPL-2.1-or-later
// The RPC server in-process: a test program of our own rows served on socketpairs and
// unix listeners, driven by the synchronous client and by raw packets.  The main thread
// owns the default main context and runs it (it is the server's I/O thread); each test's
// client side runs in threads of its own.

#include "proto-test.h"
#include "rpc/rpc-client.h"
#include "rpc/rpc-io.h"
#include "rpc/rpc-server.h"
#include "daemon/daemon-sockets.h"
#include "util/util-error.h"
#include "remote.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------- the test program ---------- */

#define TEST_PROGRAM 0x4d565453u   /* "MVTS" */

enum {
    T_OPEN = 1,       /* {str? name, uint flags}: flags bit 0 opens read-only */
    T_HELLO,          /* -> "hello"; allowed before open, inline */
    T_ECHO,           /* {str} -> {str}, on a worker */
    T_ECHO_INLINE,    /* the same on the I/O thread */
    T_SLEEP,          /* {int ms} -> {int ms}, sleeps on a worker */
    T_FDS_OUT,        /* {int n} -> {int n} and n pipe read ends, each holding "fd<i>" */
    T_FD_IN,          /* call fds -> "<nfds>:<cloexec|inherit>:<bytes read from fds[0]>" */
    T_MUTATE,         /* void; not allowed to read-only clients */
    T_CLOSE,          /* void; close after the reply (worker) */
    T_CLOSE_INLINE,   /* the same, inline */
    T_KEEPALIVE,      /* void; the client asked for keepalive */
    T_EVENT,          /* {int callbackID}: sends a lifecycle event, then replies */
    T_FAIL,           /* {str name}: fails with "Domain not found" */
    T_FAIL_SILENT,    /* fails without setting an error */
    T_FDS_UNENCODABLE,/* succeeds with one fd but a reply array over its bound */
    T_SECRET,         /* {int, uint flags} -> "secret"; flag bit 0 is denied to read-only */
};

static gint sleep_running;
static gint sleep_max;

static bool
h_open(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_open_args *a = args;
    mv_client_set_open(call->client, a->flags & 1);
    return true;
}

static bool
h_hello(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_hostname_ret *)ret)->hostname = g_strdup("hello");
    return true;
}

static bool
h_echo(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_hostname_ret *)ret)->hostname =
        g_strdup(((remote_domain_lookup_by_name_args *)args)->name);
    return true;
}

static bool
h_sleep(MvCall *call, void *args, void *ret, GError **error)
{
    int ms = ((remote_connect_supports_feature_args *)args)->feature;
    int now = g_atomic_int_add(&sleep_running, 1) + 1;
    int max;

    while (now > (max = g_atomic_int_get(&sleep_max)) &&
           !g_atomic_int_compare_and_exchange(&sleep_max, max, now))
        ;
    g_usleep((gulong)ms * 1000);
    g_atomic_int_add(&sleep_running, -1);
    ((remote_int_ret *)ret)->num = ms;
    return true;
}

static bool
h_fds_out(MvCall *call, void *args, void *ret, GError **error)
{
    int n = ((remote_connect_supports_feature_args *)args)->feature;

    if (n < 0 || n > 8) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INVALID_ARG, "bad fd count %d", n);
        return false;
    }
    if (n > 0) {
        call->ret_fds = g_new(int, n);
        call->ret_nfds = n;
    }
    for (int i = 0; i < n; i++) {
        int p[2];
        g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
        g_autofree char *msg = g_strdup_printf("fd%d", i);
        g_assert_cmpint(write(p[1], msg, strlen(msg)), ==, (ssize_t)strlen(msg));
        close(p[1]);
        call->ret_fds[i] = p[0];
    }
    ((remote_int_ret *)ret)->num = n;
    return true;
}

static bool
h_fd_in(MvCall *call, void *args, void *ret, GError **error)
{
    MvPacket *pkt = call->pkt;
    char buf[256] = { 0 };

    if (pkt->nfds < 1) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INVALID_ARG, "no file descriptor passed");
        return false;
    }
    ssize_t n = read(pkt->fds[0], buf, sizeof(buf) - 1);
    if (n < 0) {
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot read passed fd");
        return false;
    }
    bool cloexec = fcntl(pkt->fds[0], F_GETFD) & FD_CLOEXEC;
    ((remote_connect_get_hostname_ret *)ret)->hostname =
        g_strdup_printf("%u:%s:%s", pkt->nfds, cloexec ? "cloexec" : "inherit", buf);
    return true;
}

static bool
h_void(MvCall *call, void *args, void *ret, GError **error)
{
    return true;
}

static bool
h_close(MvCall *call, void *args, void *ret, GError **error)
{
    call->close_after_reply = true;
    return true;
}

static bool
h_keepalive(MvCall *call, void *args, void *ret, GError **error)
{
    mv_client_enable_keepalive(call->client);
    return true;
}

static const guint8 uuid_vm1[16] = { 0x6d, 0x76, 0xd0, 0xc5, 0x4e, 0x12, 0x8a, 0x2b,
                                     0xb3, 0xc1, 0x05, 0xa7, 0xe2, 0xd4, 0xf0, 0x09 };

/* The event of golden case msg-event-callback-lifecycle. */
static bool
send_lifecycle(MvClient *c, int callback_id)
{
    remote_domain_event_callback_lifecycle_msg m = { 0 };
    char name[] = "vm1";

    m.callbackID = callback_id;
    m.msg.dom.name = name;
    memcpy(m.msg.dom.uuid, uuid_vm1, 16);
    m.msg.dom.id = -1;
    m.msg.event = 5;
    m.msg.detail = 1;
    return mv_client_send_message(c, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                                  REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                                  (xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg, &m);
}

static bool
h_event(MvCall *call, void *args, void *ret, GError **error)
{
    send_lifecycle(call->client, ((remote_connect_supports_feature_args *)args)->feature);
    return true;
}

static bool
h_fail(MvCall *call, void *args, void *ret, GError **error)
{
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_NO_DOMAIN, "no domain with matching name '%s'",
                 ((remote_domain_lookup_by_name_args *)args)->name);
    return false;
}

static bool
h_fail_silent(MvCall *call, void *args, void *ret, GError **error)
{
    return false;
}

/* A handler that succeeds, hands out an fd, and returns a body that cannot be encoded:
 * the client must get a clean error reply, and no fd behind it. */
static bool
h_fds_unencodable(MvCall *call, void *args, void *ret, GError **error)
{
    remote_auth_list_ret *r = ret;
    int p[2];

    /* One entry over the array bound.  (An over-long string would do too, but libtirpc's
     * xdr_free refuses to free a string over its bound, which would leak here.) */
    r->types.types_len = REMOTE_AUTH_TYPE_LIST_MAX + 1;
    r->types.types_val = g_new0(remote_auth_type, REMOTE_AUTH_TYPE_LIST_MAX + 1);
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    close(p[1]);
    call->ret_fds = g_new(int, 1);
    call->ret_fds[0] = p[0];
    call->ret_nfds = 1;
    return true;
}

static bool
h_secret(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_hostname_ret *)ret)->hostname = g_strdup("secret");
    return true;
}

enum {
    ANY = MV_PROC_READONLY_OK,
    PRE = MV_PROC_BEFORE_OPEN | MV_PROC_READONLY_OK,
};

static const MvProcedure test_rows[] = {
    MV_PROC_ROW_NORET(T_OPEN, "virConnectOpen", remote_connect_open_args, h_open, PRE | MV_PROC_PRIORITY),
    MV_PROC_ROW_NOARGS(T_HELLO, "virTestHello", remote_connect_get_hostname_ret, h_hello, PRE | MV_PROC_INLINE),
    MV_PROC_ROW(T_ECHO, "virTestEcho", remote_domain_lookup_by_name_args, remote_connect_get_hostname_ret,
                h_echo, ANY),
    MV_PROC_ROW(T_ECHO_INLINE, "virTestEchoInline", remote_domain_lookup_by_name_args,
                remote_connect_get_hostname_ret, h_echo, ANY | MV_PROC_INLINE),
    MV_PROC_ROW(T_SLEEP, "virTestSleep", remote_connect_supports_feature_args, remote_int_ret, h_sleep, ANY),
    MV_PROC_ROW(T_FDS_OUT, "virTestFdsOut", remote_connect_supports_feature_args, remote_int_ret,
                h_fds_out, ANY),
    MV_PROC_ROW_NOARGS(T_FD_IN, "virTestFdIn", remote_connect_get_hostname_ret, h_fd_in, ANY),
    MV_PROC_ROW_VOID(T_MUTATE, "virTestMutate", h_void, 0),
    MV_PROC_ROW_VOID(T_CLOSE, "virConnectClose", h_close, PRE),
    MV_PROC_ROW_VOID(T_CLOSE_INLINE, "virConnectCloseInline", h_close, PRE | MV_PROC_INLINE),
    MV_PROC_ROW_VOID(T_KEEPALIVE, "virTestKeepalive", h_keepalive, PRE | MV_PROC_INLINE),
    MV_PROC_ROW_NORET(T_EVENT, "virTestEvent", remote_connect_supports_feature_args, h_event, ANY),
    MV_PROC_ROW_NORET(T_FAIL, "virTestFail", remote_domain_lookup_by_name_args, h_fail, ANY),
    MV_PROC_ROW_VOID(T_FAIL_SILENT, "virTestFailSilent", h_fail_silent, ANY),
    MV_PROC_ROW_NOARGS(T_FDS_UNENCODABLE, "virTestFdsUnencodable", remote_auth_list_ret,
                       h_fds_unencodable, ANY),
    MV_PROC_ROW_RO_DENY(T_SECRET, "virTestSecret", remote_connect_list_all_domains_args,
                        remote_connect_get_hostname_ret, h_secret, ANY, 1u << 0),
};

/* ---------- server side, on the main thread ---------- */

typedef struct {
    MvServer *srv;
    char *dir;             /* for unix sockets */
    unsigned fds_before;
    gint closes;           /* on_close hook calls */
} Fixture;

static unsigned
count_open_fds(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    g_assert_nonnull(d);
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void
on_close(MvClient *c, void *data)
{
    Fixture *f = data;
    g_assert_true(g_main_context_is_owner(NULL));   /* hooks run on the I/O thread */
    g_atomic_int_inc(&f->closes);
}

static void
test_limits(MvServerLimits *l)
{
    mv_server_limits_default(l);
    l->keepalive_interval = 0;   /* no pings unless a test asks for them */
}

static void
fixture_start(Fixture *f, const MvServerLimits *limits)
{
    MvServerLimits l;
    if (!limits) {
        test_limits(&l);
        limits = &l;
    }
    f->fds_before = count_open_fds();
    f->srv = mv_server_new("test", limits);
    MvProgram *p = mv_program_new(TEST_PROGRAM, 1);
    mv_program_add(p, test_rows, G_N_ELEMENTS(test_rows));
    mv_server_add_program(f->srv, p);
    mv_server_set_hooks(f->srv, on_close, NULL, f);
    g_atomic_int_set(&sleep_running, 0);
    g_atomic_int_set(&sleep_max, 0);
}

/* A temporary directory for unix sockets, removed by fixture_stop. */
static const char *
fixture_dir(Fixture *f)
{
    if (!f->dir) {
        g_autoptr(GError) err = NULL;
        f->dir = g_dir_make_tmp("mv-proto-XXXXXX", &err);
        g_assert_no_error(err);
    }
    return f->dir;
}

/* Free the server, let the loop run what is still queued for it, and check that no
 * descriptor outlived it. */
static void
fixture_stop(Fixture *f)
{
    g_clear_pointer(&f->srv, mv_server_free);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    if (f->dir) {
        GDir *d = g_dir_open(f->dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *path = g_build_filename(f->dir, name, NULL);
            unlink(path);
        }
        g_clear_pointer(&d, g_dir_close);
        rmdir(f->dir);
        g_clear_pointer(&f->dir, g_free);
    }
    g_assert_cmpuint(count_open_fds(), ==, f->fds_before);
}

/* Run @fn(@data) on the I/O thread and wait for it. */
typedef struct {
    void (*fn)(gpointer);
    gpointer data;
    GMutex lock;
    GCond cond;
    bool done;
} IoCall;

static gboolean
io_call_cb(gpointer p)
{
    IoCall *ic = p;
    ic->fn(ic->data);
    g_mutex_lock(&ic->lock);
    ic->done = true;
    g_cond_signal(&ic->cond);
    g_mutex_unlock(&ic->lock);
    return G_SOURCE_REMOVE;
}

static void
io_call(void (*fn)(gpointer), gpointer data)
{
    if (g_main_context_is_owner(NULL)) {
        fn(data);
        return;
    }
    IoCall ic = { .fn = fn, .data = data };
    g_mutex_init(&ic.lock);
    g_cond_init(&ic.cond);
    g_main_context_invoke(NULL, io_call_cb, &ic);
    g_mutex_lock(&ic.lock);
    while (!ic.done)
        g_cond_wait(&ic.cond, &ic.lock);
    g_mutex_unlock(&ic.lock);
    g_mutex_clear(&ic.lock);
    g_cond_clear(&ic.cond);
}

typedef struct {
    Fixture *f;
    bool readonly;
    int fd;               /* out: the client end */
    MvClient *client;     /* out: the server's side (valid while connected) */
    unsigned count;       /* out: for server_count */
} PairReq;

static void
pair_cb(gpointer p)
{
    PairReq *r = p;
    int sv[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    r->client = mv_server_add_client_fd(r->f->srv, sv[0], r->readonly);
    r->fd = sv[1];
}

/* A new connection to the server: the client end (blocking), from any thread. */
static int
connect_pair(Fixture *f, bool readonly, MvClient **ret_client)
{
    PairReq r = { .f = f, .readonly = readonly };
    io_call(pair_cb, &r);
    if (ret_client)
        *ret_client = r.client;
    return r.fd;
}

static void
count_cb(gpointer p)
{
    PairReq *r = p;
    r->count = mv_server_client_count(r->f->srv);
}

static unsigned
server_count(Fixture *f)
{
    PairReq r = { .f = f };
    io_call(count_cb, &r);
    return r.count;
}

/* Wait (from a client thread) until the server has @n clients. */
static void
wait_server_count(Fixture *f, unsigned n, int timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (server_count(f) != n) {
        if (g_get_monotonic_time() > end)
            g_error("server still has %u clients, expected %u", server_count(f), n);
        g_usleep(10 * 1000);
    }
}

/* ---------- client threads ---------- */

typedef void (*ClientFn)(gpointer data);

typedef struct {
    ClientFn fn;
    gpointer data;
    gint *pending;
} ClientJob;

static gpointer
client_thread(gpointer p)
{
    ClientJob *j = p;
    j->fn(j->data);
    g_atomic_int_add(j->pending, -1);
    g_main_context_wakeup(NULL);
    return NULL;
}

/* Run @n client threads (@fns[i] with @datas[i]) while the main thread serves. */
static void
run_clients(const ClientFn *fns, gpointer *datas, guint n)
{
    gint pending = n;
    g_autofree ClientJob *jobs = g_new0(ClientJob, n);
    g_autofree GThread **threads = g_new0(GThread *, n);

    for (guint i = 0; i < n; i++) {
        jobs[i] = (ClientJob){ fns[i], datas[i], &pending };
        threads[i] = g_thread_new("client", client_thread, &jobs[i]);
    }
    while (g_atomic_int_get(&pending) > 0)
        g_main_context_iteration(NULL, TRUE);
    for (guint i = 0; i < n; i++)
        g_thread_join(threads[i]);
}

static void
run_client(ClientFn fn, gpointer data)
{
    run_clients(&fn, &data, 1);
}

/* ---------- raw client helpers ---------- */

typedef struct {
    int fd;
    MvRx rx;
} Raw;

static Raw *
raw_new(int fd)
{
    Raw *r = g_new0(Raw, 1);
    r->fd = fd;
    mv_rx_init(&r->rx);
    g_assert_cmpint(fcntl(fd, F_SETFL, O_NONBLOCK), ==, 0);
    return r;
}

static void
raw_free(Raw *r)
{
    mv_rx_clear(&r->rx);
    close(r->fd);
    g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Raw, raw_free)

/* Write all of @p; false when the server has gone. */
static bool
raw_write(Raw *r, const void *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(r->fd, (const char *)p + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd pfd = { .fd = r->fd, .events = POLLOUT };
            poll(&pfd, 1, 1000);
            continue;
        }
        if (n < 0)
            return false;
        off += n;
    }
    return true;
}

static void
append_packet(GByteArray *out, unsigned prog, unsigned vers, int proc, int type, guint32 serial,
              int status, xdrproc_t body_proc, const void *body)
{
    mv_message_header hdr = { prog, vers, proc, type, serial, status };
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, body_proc, body, 0, &err);
    g_assert_no_error(err);
    g_byte_array_append(out, g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static void
raw_send(Raw *r, unsigned prog, unsigned vers, int proc, int type, guint32 serial, int status,
         xdrproc_t body_proc, const void *body)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    append_packet(b, prog, vers, proc, type, serial, status, body_proc, body);
    g_assert_true(raw_write(r, b->data, b->len));
}

static void
raw_call(Raw *r, int proc, guint32 serial, xdrproc_t body_proc, const void *body)
{
    raw_send(r, TEST_PROGRAM, 1, proc, MV_MSG_CALL, serial, MV_STATUS_OK, body_proc, body);
}

typedef enum { RAW_PACKET, RAW_EOF, RAW_TIMEOUT } RawResult;

/* Next packet within @timeout_ms.  A read error counts as EOF: a server that closes a
 * socket with unread input makes the peer see ECONNRESET instead of EOF. */
static RawResult
raw_recv(Raw *r, int timeout_ms, MvPacket **ret_pkt)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    *ret_pkt = NULL;
    for (;;) {
        g_autoptr(GError) err = NULL;
        MvRxResult res = mv_rx_read(&r->rx, r->fd, ret_pkt, &err);
        if (res == MV_RX_PACKET)
            return RAW_PACKET;
        if (res == MV_RX_EOF || res == MV_RX_ERROR)
            return RAW_EOF;
        gint64 left = (end - g_get_monotonic_time()) / 1000;
        if (left <= 0)
            return RAW_TIMEOUT;
        struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
        poll(&pfd, 1, (int)left);
    }
}

static MvPacket *
raw_expect_packet(Raw *r)
{
    MvPacket *pkt = NULL;
    RawResult res = raw_recv(r, 10000, &pkt);
    g_assert_cmpint(res, ==, RAW_PACKET);
    return pkt;
}

static void
raw_expect_eof(Raw *r, int timeout_ms)
{
    MvPacket *pkt = NULL;
    RawResult res;
    /* Replies already on their way may come first. */
    while ((res = raw_recv(r, timeout_ms, &pkt)) == RAW_PACKET)
        mv_packet_free(pkt);
    g_assert_cmpint(res, ==, RAW_EOF);
}

/* @pkt is an error reply to (@proc, @serial) with @domain, @code, level 2 and a message
 * containing @text (at its start if @prefix). */
static void
assert_error_packet(const MvPacket *pkt, unsigned prog, int proc, guint32 serial,
                    int domain, int code, const char *text, bool prefix)
{
    mv_message_error e = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_cmphex(pkt->hdr.prog, ==, prog);
    g_assert_cmpint(pkt->hdr.proc, ==, proc);
    g_assert_cmpuint(pkt->hdr.serial, ==, serial);
    g_assert_cmpint(pkt->hdr.type, ==, MV_MSG_REPLY);
    g_assert_cmpint(pkt->hdr.status, ==, MV_STATUS_ERROR);
    g_assert_cmpuint(pkt->payload_off, ==, 28);
    g_assert_true(mv_packet_decode_body(pkt, (xdrproc_t)xdr_mv_message_error, &e, &err));
    g_assert_cmpint(e.code, ==, code);
    g_assert_cmpint(e.domain, ==, domain);
    g_assert_cmpint(e.level, ==, 2);
    g_assert_nonnull(e.message);
    if (prefix)
        g_assert_true(g_str_has_prefix(*e.message, text));
    else
        g_assert_nonnull(strstr(*e.message, text));
    g_assert_null(e.dom);
    g_assert_null(e.net);
    xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);
}

/* ---------- synchronous client helpers ---------- */

static void
assert_rpc_error(const GError *err, int domain, int code, const char *text)
{
    g_assert_nonnull(err);
    g_assert_true(err->domain == mv_error_quark(domain));
    g_assert_cmpint(err->code, ==, code);
    g_assert_nonnull(strstr(err->message, text));
}

static bool
call_open(MvRpcClient *c, unsigned flags, GError **error)
{
    remote_connect_open_args a = { .name = NULL, .flags = flags };
    return mv_rpc_client_call(c, TEST_PROGRAM, T_OPEN, (xdrproc_t)xdr_remote_connect_open_args, &a,
                              NULL, NULL, error);
}

/* Call T_ECHO-like @proc with @s; the reply string (g_free) or NULL with @error. */
static char *
call_echo(MvRpcClient *c, int proc, const char *s, GError **error)
{
    remote_domain_lookup_by_name_args a = { .name = (char *)s };
    remote_connect_get_hostname_ret r = { 0 };
    if (!mv_rpc_client_call(c, TEST_PROGRAM, proc, (xdrproc_t)xdr_remote_domain_lookup_by_name_args, &a,
                            (xdrproc_t)xdr_remote_connect_get_hostname_ret, &r, error))
        return NULL;
    char *out = g_strdup(r.hostname);
    xdr_free((xdrproc_t)xdr_remote_connect_get_hostname_ret, (char *)&r);
    return out;
}

static bool
call_void(MvRpcClient *c, int proc, GError **error)
{
    return mv_rpc_client_call(c, TEST_PROGRAM, proc, NULL, NULL, NULL, NULL, error);
}

/* T_SECRET with @flags: true when answered "secret". */
static bool
call_secret(MvRpcClient *c, unsigned flags, GError **error)
{
    remote_connect_list_all_domains_args a = { .need_results = 1, .flags = flags };
    remote_connect_get_hostname_ret r = { 0 };
    if (!mv_rpc_client_call(c, TEST_PROGRAM, T_SECRET, (xdrproc_t)xdr_remote_connect_list_all_domains_args,
                            &a, (xdrproc_t)xdr_remote_connect_get_hostname_ret, &r, error))
        return false;
    bool ok = g_strcmp0(r.hostname, "secret") == 0;
    xdr_free((xdrproc_t)xdr_remote_connect_get_hostname_ret, (char *)&r);
    return ok;
}

static void
echo_ok(MvRpcClient *c, const char *s)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *got = call_echo(c, T_ECHO, s, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(got, ==, s);
}

/* ---------- basic calls ---------- */

static void
basic_echo_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(f, false, NULL));
    g_autoptr(GError) err = NULL;

    /* Before CONNECT_OPEN only rows that allow it run. */
    remote_connect_get_hostname_ret hello = { 0 };
    g_assert_true(mv_rpc_client_call(c, TEST_PROGRAM, T_HELLO, NULL, NULL,
                                     (xdrproc_t)xdr_remote_connect_get_hostname_ret, &hello, &err));
    g_assert_cmpstr(hello.hostname, ==, "hello");
    xdr_free((xdrproc_t)xdr_remote_connect_get_hostname_ret, (char *)&hello);
    g_assert_null(call_echo(c, T_ECHO, "early", &err));
    assert_rpc_error(err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection not open");
    g_clear_error(&err);
    g_assert_false(call_void(c, T_MUTATE, &err));
    assert_rpc_error(err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection not open");
    g_clear_error(&err);

    g_assert_true(call_open(c, 0, &err));
    echo_ok(c, "hello world");
    echo_ok(c, "");
    g_autofree char *inl = call_echo(c, T_ECHO_INLINE, "inline", &err);
    g_assert_cmpstr(inl, ==, "inline");

    /* A reply far larger than the socket buffer goes out in pieces. */
    g_autofree char *big = g_malloc(4000001);
    for (int i = 0; i < 4000000; i++)
        big[i] = 'a' + i % 26;
    big[4000000] = '\0';
    echo_ok(c, big);
    g_autofree char *big_inline = call_echo(c, T_ECHO_INLINE, big, &err);
    g_assert_cmpstr(big_inline, ==, big);

    /* Handler errors reach the client with their domain, code and text. */
    g_assert_null(call_echo(c, T_FAIL, "vm9", &err));
    assert_rpc_error(err, MV_FROM_QEMU, MV_ERR_NO_DOMAIN, "no domain with matching name 'vm9'");
    g_assert_cmpstr(err->message, ==, "Domain not found: no domain with matching name 'vm9'");
    g_clear_error(&err);
    g_assert_false(call_void(c, T_FAIL_SILENT, &err));
    assert_rpc_error(err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "failed without an error");
    g_clear_error(&err);
    g_assert_true(call_void(c, T_MUTATE, &err));
    echo_ok(c, "still fine");
}

static void
test_basic_echo(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(basic_echo_client, &f);
    fixture_stop(&f);
}

static void
basic_errors_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    MvPacket *pkt;

    /* Unknown procedures: code 39, domain 7, level 2, "unknown procedure..." */
    const int procs[] = { 999, 0, -7, 100000 };
    for (size_t i = 0; i < G_N_ELEMENTS(procs); i++) {
        raw_call(r, procs[i], 42 + i, NULL, NULL);
        pkt = raw_expect_packet(r);
        assert_error_packet(pkt, TEST_PROGRAM, procs[i], 42 + i, MV_FROM_RPC, MV_ERR_RPC,
                            "unknown procedure", true);
        mv_packet_free(pkt);
    }
    raw_call(r, 999, 1, NULL, NULL);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, TEST_PROGRAM, 999, 1, MV_FROM_RPC, MV_ERR_RPC, "unknown procedure: 999", true);
    mv_packet_free(pkt);

    /* Unknown program or version. */
    raw_send(r, 0x11223344, 1, 1, MV_MSG_CALL, 5, MV_STATUS_OK, NULL, NULL);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, 0x11223344, 1, 5, MV_FROM_RPC, MV_ERR_RPC,
                        "Cannot find program 287454020 version 1", true);
    mv_packet_free(pkt);
    raw_send(r, TEST_PROGRAM, 2, T_HELLO, MV_MSG_CALL, 6, MV_STATUS_OK, NULL, NULL);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, TEST_PROGRAM, T_HELLO, 6, MV_FROM_RPC, MV_ERR_RPC, "Cannot find program", true);
    g_assert_cmpuint(pkt->hdr.vers, ==, 2);   /* the reply echoes what was asked */
    mv_packet_free(pkt);

    /* A call whose status is not OK. */
    raw_send(r, TEST_PROGRAM, 1, T_HELLO, MV_MSG_CALL, 7, MV_STATUS_ERROR, NULL, NULL);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, TEST_PROGRAM, T_HELLO, 7, MV_FROM_RPC, MV_ERR_RPC, "status", false);
    mv_packet_free(pkt);

    /* Before open. */
    raw_call(r, T_MUTATE, 8, NULL, NULL);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, TEST_PROGRAM, T_MUTATE, 8, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR,
                        "connection not open", false);
    mv_packet_free(pkt);

    /* Arguments that do not decode. */
    remote_connect_open_args open = { 0 };
    raw_call(r, T_OPEN, 9, (xdrproc_t)xdr_remote_connect_open_args, &open);
    pkt = raw_expect_packet(r);
    g_assert_cmpint(pkt->hdr.status, ==, MV_STATUS_OK);
    g_assert_cmpint(pkt->hdr.type, ==, MV_MSG_REPLY);
    g_assert_cmpuint(pkt->len, ==, 28);   /* void reply: header only */
    mv_packet_free(pkt);
    remote_connect_supports_feature_args bad = { -1 };   /* a string length of 0xffffffff */
    raw_send(r, TEST_PROGRAM, 1, T_ECHO, MV_MSG_CALL, 10, MV_STATUS_OK,
             (xdrproc_t)xdr_remote_connect_supports_feature_args, &bad);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, TEST_PROGRAM, T_ECHO, 10, MV_FROM_RPC, MV_ERR_RPC,
                        "Unable to decode message payload", false);
    mv_packet_free(pkt);

    /* Packets a client has no business sending are ignored, as are unknown keepalive
     * procedures and PONGs: the next thing back is the answer to the next call. */
    raw_send(r, TEST_PROGRAM, 1, T_HELLO, MV_MSG_REPLY, 11, MV_STATUS_OK, NULL, NULL);
    raw_send(r, TEST_PROGRAM, 1, T_HELLO, MV_MSG_MESSAGE, 12, MV_STATUS_OK, NULL, NULL);
    raw_send(r, TEST_PROGRAM, 1, T_HELLO, MV_MSG_STREAM, 13, MV_STATUS_CONTINUE, NULL, NULL);
    raw_send(r, TEST_PROGRAM, 1, T_HELLO, MV_MSG_STREAM_HOLE, 14, MV_STATUS_OK, NULL, NULL);
    raw_send(r, MV_KEEPALIVE_PROGRAM, 1, 9, MV_MSG_MESSAGE, 0, MV_STATUS_OK, NULL, NULL);
    raw_send(r, MV_KEEPALIVE_PROGRAM, 1, MV_KEEPALIVE_PROC_PONG, MV_MSG_MESSAGE, 0, MV_STATUS_OK, NULL, NULL);
    raw_call(r, T_HELLO, 77, NULL, NULL);
    pkt = raw_expect_packet(r);
    g_assert_cmpuint(pkt->hdr.serial, ==, 77);
    g_assert_cmpint(pkt->hdr.status, ==, MV_STATUS_OK);
    mv_packet_free(pkt);

    /* An fd sent with a call that fails is closed by the server: with our copy of the
     * read end gone too, writing into the pipe then fails. */
    int p[2];
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    mv_message_header hdr = { TEST_PROGRAM, 1, 999, MV_MSG_CALL_WITH_FDS, 15, MV_STATUS_OK };
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 1, NULL);
    g_assert_cmpint(fcntl(r->fd, F_SETFL, 0), ==, 0);
    g_assert_cmpint(mv_write_all(r->fd, b, &p[0], 1), ==, 0);
    g_assert_cmpint(fcntl(r->fd, F_SETFL, O_NONBLOCK), ==, 0);
    close(p[0]);
    pkt = raw_expect_packet(r);
    assert_error_packet(pkt, TEST_PROGRAM, 999, 15, MV_FROM_RPC, MV_ERR_RPC, "unknown procedure", true);
    mv_packet_free(pkt);
    /* One more round trip: the server has finished with the failed call's packet. */
    raw_call(r, T_HELLO, 16, NULL, NULL);
    mv_packet_free(raw_expect_packet(r));
    g_assert_cmpint(write(p[1], "x", 1), ==, -1);
    g_assert_cmpint(errno, ==, EPIPE);
    close(p[1]);
}

static void
test_basic_errors(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(basic_errors_client, &f);
    fixture_stop(&f);
}

static void
read_only_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(GError) err = NULL;

    /* A client of a read-only socket stays read-only whatever it asks for. */
    g_autoptr(MvRpcClient) ro = mv_rpc_client_new_fd(connect_pair(f, true, NULL));
    g_assert_false(call_void(ro, T_MUTATE, &err));   /* not open comes first */
    assert_rpc_error(err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection not open");
    g_clear_error(&err);
    g_assert_true(call_open(ro, 0, &err));
    g_assert_false(call_void(ro, T_MUTATE, &err));
    assert_rpc_error(err, MV_FROM_NONE, MV_ERR_OPERATION_DENIED, "read only access prevents virTestMutate");
    g_clear_error(&err);
    echo_ok(ro, "reading is fine");
    /* A row's read-only-denied flag bits are refused before its handler runs; the others
     * pass. */
    g_assert_false(call_secret(ro, 1 | 2, &err));
    assert_rpc_error(err, MV_FROM_NONE, MV_ERR_OPERATION_DENIED, "virTestSecret with secure flag");
    g_clear_error(&err);
    g_assert_true(call_secret(ro, 2, &err));
    g_assert_no_error(err);

    /* A read-write socket, opened read-only. */
    g_autoptr(MvRpcClient) asked = mv_rpc_client_new_fd(connect_pair(f, false, NULL));
    g_assert_true(call_open(asked, 1, &err));
    g_assert_false(call_void(asked, T_MUTATE, &err));
    assert_rpc_error(err, MV_FROM_NONE, MV_ERR_OPERATION_DENIED, "read only access prevents");
    g_clear_error(&err);

    /* And read-write. */
    g_autoptr(MvRpcClient) rw = mv_rpc_client_new_fd(connect_pair(f, false, NULL));
    g_assert_true(call_open(rw, 0, &err));
    g_assert_true(call_void(rw, T_MUTATE, &err));
    g_assert_no_error(err);
    g_assert_true(call_secret(rw, 1, &err));
    g_assert_no_error(err);
}

static void
test_basic_read_only(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(read_only_client, &f);
    fixture_stop(&f);
}

/* ---------- keepalive ---------- */

static void
pong_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    g_autoptr(GBytes) ping = proto_golden_load("keepalive-ping");
    g_autoptr(GBytes) pong = proto_golden_load("keepalive-pong");

    /* Before anything else, and again after a call. */
    for (int i = 0; i < 2; i++) {
        g_assert_true(raw_write(r, g_bytes_get_data(ping, NULL), g_bytes_get_size(ping)));
        g_autoptr(MvPacket) pkt = raw_expect_packet(r);
        g_assert_cmpmem(pkt->data, pkt->len, g_bytes_get_data(pong, NULL), g_bytes_get_size(pong));
        raw_call(r, T_HELLO, 1, NULL, NULL);
        g_autoptr(MvPacket) reply = raw_expect_packet(r);
        g_assert_cmpint(reply->hdr.proc, ==, T_HELLO);
    }
}

static void
test_keepalive_pong(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(pong_client, &f);
    fixture_stop(&f);
}

typedef struct {
    Fixture *f;
    gint silent_done;     /* the silent client has been dropped */
    gint64 dropped_after; /* µs from its last packet to the drop */
    int pings_seen;
} KeepaliveState;

/* Asks for keepalive, then reads but never answers: must be dropped. */
static void
silent_client(gpointer data)
{
    KeepaliveState *st = data;
    g_autoptr(Raw) r = raw_new(connect_pair(st->f, false, NULL));
    g_autoptr(GBytes) ping = proto_golden_load("keepalive-ping");

    raw_call(r, T_KEEPALIVE, 0, NULL, NULL);
    g_autoptr(MvPacket) reply = raw_expect_packet(r);
    g_assert_cmpint(reply->hdr.status, ==, MV_STATUS_OK);
    gint64 start = g_get_monotonic_time();
    for (;;) {
        MvPacket *pkt = NULL;
        RawResult res = raw_recv(r, 15000, &pkt);
        g_assert_cmpint(res, !=, RAW_TIMEOUT);
        if (res == RAW_EOF)
            break;
        g_assert_cmpmem(pkt->data, pkt->len, g_bytes_get_data(ping, NULL), g_bytes_get_size(ping));
        st->pings_seen++;
        mv_packet_free(pkt);
    }
    st->dropped_after = g_get_monotonic_time() - start;
    g_atomic_int_set(&st->silent_done, 1);
}

/* Asks for keepalive and answers every ping (the client library does): stays. */
static void
answering_client(gpointer data)
{
    KeepaliveState *st = data;
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(st->f, false, NULL));
    g_autoptr(GError) err = NULL;

    g_assert_true(call_void(c, T_KEEPALIVE, &err));
    g_assert_true(call_open(c, 0, &err));
    while (!g_atomic_int_get(&st->silent_done))
        g_assert_true(mv_rpc_client_poll(c, 100, &err));
    gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end)
        g_assert_true(mv_rpc_client_poll(c, 100, &err));
    g_assert_true(mv_rpc_client_is_alive(c));
    echo_ok(c, "answered every ping");
}

/* Never asked for keepalive and never reads: is never pinged, so never dropped. */
static void
idle_client(gpointer data)
{
    KeepaliveState *st = data;
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(st->f, false, NULL));
    g_autoptr(GError) err = NULL;

    g_assert_true(call_open(c, 0, &err));
    while (!g_atomic_int_get(&st->silent_done))
        g_usleep(50 * 1000);
    g_usleep(2 * G_USEC_PER_SEC);
    echo_ok(c, "idle but here");
}

static void
test_keepalive_timeout(void)
{
    Fixture f = { 0 };
    MvServerLimits l;
    test_limits(&l);
    l.keepalive_interval = 1;
    l.keepalive_count = 2;
    fixture_start(&f, &l);
    KeepaliveState st = { .f = &f };
    ClientFn fns[] = { silent_client, answering_client, idle_client };
    gpointer datas[] = { &st, &st, &st };
    run_clients(fns, datas, G_N_ELEMENTS(fns));
    g_test_message("silent client dropped after %.1f s and %d pings",
                   st.dropped_after / 1e6, st.pings_seen);
    g_assert_cmpint(st.pings_seen, ==, 2);
    /* count pings one interval apart, then one more interval: 2..4 s, with slack */
    g_assert_cmpint(st.dropped_after, >=, 1500 * 1000);
    g_assert_cmpint(st.dropped_after, <=, 8 * G_USEC_PER_SEC);
    fixture_stop(&f);
    g_assert_cmpint(g_atomic_int_get(&f.closes), ==, 3);
}

typedef struct {
    Fixture *f;
    gint gone;
} UnwritableState;

/* Asks for keepalive, then shuts down its reading side: the server's pings cannot be
 * written (EPIPE) and the server must drop it without tripping over itself. */
static void
unwritable_client(gpointer data)
{
    UnwritableState *st = data;
    g_autoptr(Raw) r = raw_new(connect_pair(st->f, false, NULL));

    raw_call(r, T_KEEPALIVE, 0, NULL, NULL);
    g_autoptr(MvPacket) reply = raw_expect_packet(r);
    g_assert_cmpint(shutdown(r->fd, SHUT_RD), ==, 0);
    wait_server_count(st->f, 1, 10000);
    g_atomic_int_set(&st->gone, 1);
}

static void
bystander_client(gpointer data)
{
    UnwritableState *st = data;
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(st->f, false, NULL));
    g_autoptr(GError) err = NULL;

    g_assert_true(call_void(c, T_KEEPALIVE, &err));
    g_assert_true(call_open(c, 0, &err));
    while (!g_atomic_int_get(&st->gone))
        g_assert_true(mv_rpc_client_poll(c, 100, &err));
    echo_ok(c, "bystander");
}

static void
test_keepalive_unwritable(void)
{
    Fixture f = { 0 };
    MvServerLimits l;
    test_limits(&l);
    l.keepalive_interval = 1;
    l.keepalive_count = 5;
    fixture_start(&f, &l);
    UnwritableState st = { .f = &f };
    ClientFn fns[] = { unwritable_client, bystander_client };
    gpointer datas[] = { &st, &st };
    run_clients(fns, datas, 2);
    fixture_stop(&f);
}

/* ---------- hostile clients ---------- */

typedef struct {
    const char *what;
    guint8 bytes[40];
    size_t len;
    bool half_close;     /* shut down our writing side after the bytes */
    bool fd_less_byte;   /* follow with a plain byte where an fd is due */
} Garbage;

static const Garbage garbage[] = {
    { .what = "length word 5", .bytes = { 0, 0, 0, 5 }, .len = 4 },
    { .what = "length word 0", .bytes = { 0, 0, 0, 0 }, .len = 4 },
    { .what = "length word 27", .bytes = { 0, 0, 0, 27 }, .len = 4 },
    { .what = "length word 0xffffffff", .bytes = { 0xff, 0xff, 0xff, 0xff }, .len = 4 },
    { .what = "length word 16 MiB + 5", .bytes = { 0x01, 0x00, 0x00, 0x05 }, .len = 4 },
    { .what = "fd count 99",
      .bytes = { 0, 0, 0, 32, 0x4d, 0x56, 0x54, 0x53, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4,
                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99 }, .len = 32 },
    { .what = "EOF inside a packet", .bytes = { 0, 0, 0, 64, 0x4d, 0x56, 0x54, 0x53 }, .len = 8,
      .half_close = true },
    { .what = "plain byte where an fd is due",
      .bytes = { 0, 0, 0, 32, 0x4d, 0x56, 0x54, 0x53, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4,
                 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, .len = 32, .fd_less_byte = true },
};

static void
garbage_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(MvRpcClient) good = mv_rpc_client_new_fd(connect_pair(f, false, NULL));
    g_autoptr(GError) err = NULL;

    g_assert_true(call_open(good, 0, &err));
    for (size_t i = 0; i < G_N_ELEMENTS(garbage); i++) {
        const Garbage *g = &garbage[i];
        g_test_message("garbage: %s", g->what);
        g_autoptr(Raw) bad = raw_new(connect_pair(f, false, NULL));
        g_assert_cmpuint(server_count(f), ==, 2);
        raw_write(bad, g->bytes, g->len);
        if (g->fd_less_byte)
            raw_write(bad, "", 1);
        if (g->half_close)
            shutdown(bad->fd, SHUT_WR);
        raw_expect_eof(bad, 5000);
        wait_server_count(f, 1, 5000);
        echo_ok(good, g->what);
    }

    /* Seeded random junk, one connection each. */
    g_autoptr(GRand) rand = g_rand_new_with_seed(0x6a756e6b);   /* "junk" */
    for (int i = 0; i < 200; i++) {
        g_autoptr(Raw) bad = raw_new(connect_pair(f, false, NULL));
        guint8 junk[64];
        int len = g_rand_int_range(rand, 1, sizeof(junk));
        for (int k = 0; k < len; k++)
            junk[k] = (guint8)g_rand_int(rand);
        if (len >= 4 && g_rand_boolean(rand)) {
            guint32 be = GUINT32_TO_BE((guint32)len);
            memcpy(junk, &be, 4);
        }
        raw_write(bad, junk, len);
        shutdown(bad->fd, SHUT_WR);
        raw_expect_eof(bad, 5000);
    }
    wait_server_count(f, 1, 5000);
    echo_ok(good, "survived the junk");
}

static void
test_hostile_garbage(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(garbage_client, &f);
    fixture_stop(&f);
}

/* ---------- fd passing ---------- */

static void
fds_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(f, false, NULL));
    g_autoptr(GError) err = NULL;
    int p[2];

    g_assert_true(call_open(c, 0, &err));

    /* CALL_WITH_FDS: the handler reads what we wrote into the pipe. */
    for (unsigned n = 1; n <= 3; n++) {
        g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
        g_assert_cmpint(write(p[1], "through the pipe", 16), ==, 16);
        close(p[1]);
        int fds[3] = { p[0], p[0], p[0] };
        remote_connect_get_hostname_ret r = { 0 };
        g_assert_true(mv_rpc_client_call_fds(c, TEST_PROGRAM, T_FD_IN, NULL, NULL, fds, n,
                                             (xdrproc_t)xdr_remote_connect_get_hostname_ret, &r,
                                             NULL, NULL, &err));
        g_assert_no_error(err);
        g_autofree char *want = g_strdup_printf("%u:cloexec:through the pipe", n);
        g_assert_cmpstr(r.hostname, ==, want);
        xdr_free((xdrproc_t)xdr_remote_connect_get_hostname_ret, (char *)&r);
        close(p[0]);
    }
    /* The same row without fds fails cleanly. */
    g_assert_false(mv_rpc_client_call(c, TEST_PROGRAM, T_FD_IN, NULL, NULL,
                                      (xdrproc_t)xdr_remote_connect_get_hostname_ret,
                                      &(remote_connect_get_hostname_ret){ 0 }, &err));
    assert_rpc_error(err, MV_FROM_RPC, MV_ERR_INVALID_ARG, "no file descriptor passed");
    g_clear_error(&err);

    /* REPLY_WITH_FDS: each returned pipe end holds "fd<i>". */
    for (int n = 0; n <= 3; n++) {
        remote_connect_supports_feature_args a = { n };
        remote_int_ret r = { 0 };
        g_autofree int *fds = NULL;
        unsigned nfds = 99;
        g_assert_true(mv_rpc_client_call_fds(c, TEST_PROGRAM, T_FDS_OUT,
                                             (xdrproc_t)xdr_remote_connect_supports_feature_args, &a,
                                             NULL, 0, (xdrproc_t)xdr_remote_int_ret, &r, &fds, &nfds, &err));
        g_assert_no_error(err);
        g_assert_cmpint(r.num, ==, n);
        g_assert_cmpuint(nfds, ==, (unsigned)n);
        for (int i = 0; i < n; i++) {
            char buf[16] = { 0 };
            g_autofree char *want = g_strdup_printf("fd%d", i);
            g_assert_cmpint(fcntl(fds[i], F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
            g_assert_cmpint(read(fds[i], buf, sizeof(buf) - 1), ==, (ssize_t)strlen(want));
            g_assert_cmpstr(buf, ==, want);
            close(fds[i]);
        }
    }

    /* On the wire: type 5 with the count word when there are fds, plain REPLY otherwise. */
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    remote_connect_open_args open = { 0 };
    raw_call(r, T_OPEN, 0, (xdrproc_t)xdr_remote_connect_open_args, &open);
    mv_packet_free(raw_expect_packet(r));
    remote_connect_supports_feature_args two = { 2 };
    raw_call(r, T_FDS_OUT, 1, (xdrproc_t)xdr_remote_connect_supports_feature_args, &two);
    g_autoptr(MvPacket) with = raw_expect_packet(r);
    g_assert_cmpint(with->hdr.type, ==, MV_MSG_REPLY_WITH_FDS);
    g_assert_cmpuint(with->payload_off, ==, 32);
    guint32 w;
    memcpy(&w, with->data + 28, 4);
    g_assert_cmpuint(GUINT32_FROM_BE(w), ==, 2);
    g_assert_cmpuint(with->nfds, ==, 2);
    g_assert_cmpuint(with->len, ==, 36);   /* header, count word, int num */
    remote_connect_supports_feature_args zero = { 0 };
    raw_call(r, T_FDS_OUT, 2, (xdrproc_t)xdr_remote_connect_supports_feature_args, &zero);
    g_autoptr(MvPacket) without = raw_expect_packet(r);
    g_assert_cmpint(without->hdr.type, ==, MV_MSG_REPLY);
    g_assert_cmpuint(without->payload_off, ==, 28);
    g_assert_cmpuint(without->nfds, ==, 0);
}

static void
fds_unencodable_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    remote_connect_open_args open = { 0 };

    raw_call(r, T_OPEN, 1, (xdrproc_t)xdr_remote_connect_open_args, &open);
    mv_packet_free(raw_expect_packet(r));
    raw_call(r, T_FDS_UNENCODABLE, 2, NULL, NULL);
    g_autoptr(MvPacket) err = raw_expect_packet(r);
    assert_error_packet(err, TEST_PROGRAM, T_FDS_UNENCODABLE, 2, MV_FROM_RPC, MV_ERR_RPC,
                        "unable to encode", false);
    g_assert_cmpuint(err->nfds, ==, 0);
    /* The stream is still in step: the next call gets its own reply. */
    raw_call(r, T_HELLO, 3, NULL, NULL);
    MvPacket *next = NULL;
    g_assert_cmpint(raw_recv(r, 5000, &next), ==, RAW_PACKET);
    g_assert_cmpuint(next->hdr.serial, ==, 3);
    g_assert_cmpint(next->hdr.status, ==, MV_STATUS_OK);
    mv_packet_free(next);
}

static void
test_fds_unencodable(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(fds_unencodable_client, &f);
    fixture_stop(&f);
}

static void
test_fds(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(fds_client, &f);
    fixture_stop(&f);
}

/* ---------- calls in flight ---------- */

static void
queue_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    g_autoptr(GByteArray) batch = g_byte_array_new();
    remote_connect_open_args open = { 0 };
    remote_connect_supports_feature_args ms = { 100 };
    bool seen[10] = { false };
    bool pong = false;

    raw_call(r, T_OPEN, 1, (xdrproc_t)xdr_remote_connect_open_args, &open);
    mv_packet_free(raw_expect_packet(r));

    /* Ten slow calls and a ping in one write, five times the per-client limit. */
    for (int i = 0; i < 10; i++) {
        append_packet(batch, TEST_PROGRAM, 1, T_SLEEP, MV_MSG_CALL, 100 + i, MV_STATUS_OK,
                      (xdrproc_t)xdr_remote_connect_supports_feature_args, &ms);
        if (i == 4)
            append_packet(batch, MV_KEEPALIVE_PROGRAM, 1, MV_KEEPALIVE_PROC_PING, MV_MSG_MESSAGE, 0,
                          MV_STATUS_OK, NULL, NULL);
    }
    gint64 start = g_get_monotonic_time();
    g_assert_true(raw_write(r, batch->data, batch->len));
    for (int k = 0; k < 11; k++) {
        g_autoptr(MvPacket) pkt = raw_expect_packet(r);
        if (pkt->hdr.prog == MV_KEEPALIVE_PROGRAM) {
            g_assert_cmpint(pkt->hdr.proc, ==, MV_KEEPALIVE_PROC_PONG);
            pong = true;
            continue;
        }
        g_assert_cmpint(pkt->hdr.status, ==, MV_STATUS_OK);
        g_assert_cmpint(pkt->hdr.proc, ==, T_SLEEP);
        guint32 s = pkt->hdr.serial - 100;
        g_assert_cmpuint(s, <, 10);
        g_assert_false(seen[s]);
        seen[s] = true;
        remote_int_ret ret = { 0 };
        g_assert_true(mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_int_ret, &ret, NULL));
        g_assert_cmpint(ret.num, ==, 100);
    }
    gint64 took = g_get_monotonic_time() - start;
    g_assert_true(pong);
    /* Six workers, but never more than two of this client's calls at once. */
    g_assert_cmpint(g_atomic_int_get(&sleep_max), ==, 2);
    g_assert_cmpint(took, >=, 450 * 1000);
}

static void
test_calls_queue(void)
{
    Fixture f = { 0 };
    MvServerLimits l;
    test_limits(&l);
    l.max_calls_per_client = 2;
    l.workers = 6;
    fixture_start(&f, &l);
    run_client(queue_client, &f);
    fixture_stop(&f);
}

static void
close_client(gpointer data)
{
    Fixture *f = data;
    g_autoptr(GError) err = NULL;

    /* CONNECT_CLOSE on a worker: the reply arrives, then the connection ends. */
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(f, false, NULL));
    g_assert_true(call_open(c, 0, &err));
    g_assert_true(call_void(c, T_CLOSE, &err));
    g_assert_no_error(err);
    g_assert_false(mv_rpc_client_poll(c, 5000, &err));
    g_assert_false(mv_rpc_client_is_alive(c));
    g_clear_error(&err);
    wait_server_count(f, 0, 5000);

    /* The same on the I/O thread. */
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    raw_call(r, T_CLOSE_INLINE, 3, NULL, NULL);
    g_autoptr(MvPacket) reply = raw_expect_packet(r);
    g_assert_cmpuint(reply->hdr.serial, ==, 3);
    g_assert_cmpint(reply->hdr.status, ==, MV_STATUS_OK);
    raw_expect_eof(r, 5000);

    wait_server_count(f, 0, 5000);
}

static void
test_calls_close(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(close_client, &f);
    g_assert_cmpint(g_atomic_int_get(&f.closes), ==, 2);
    fixture_stop(&f);
}

/* Send @batch (a close with serial 1 first) on a new connection; true if the close's
 * reply came back before the connection ended. */
static bool
close_reply_arrives(Fixture *f, GByteArray *batch)
{
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    bool seen = false;
    MvPacket *pkt;

    g_assert_true(raw_write(r, batch->data, batch->len));
    while (raw_recv(r, 5000, &pkt) == RAW_PACKET) {
        if (pkt->hdr.prog == TEST_PROGRAM && pkt->hdr.serial == 1)
            seen = true;
        mv_packet_free(pkt);
    }
    return seen;
}

/* CONNECT_CLOSE while the I/O thread is busy with the same client (calls or pings right
 * behind it): the close's reply must never be lost.  Several connections at once keep
 * workers and the I/O thread on different CPUs, where the race shows. */
typedef struct {
    Fixture *f;
    gint lost;
} CloseRace;

static void
close_race_client(gpointer data)
{
    CloseRace *cr = data;
    enum { ROUNDS = 150 };

    for (int it = 0; it < ROUNDS; it++) {
        g_autoptr(GByteArray) batch = g_byte_array_new();
        /* Mostly the worker row, sometimes the inline one; then pings, or calls. */
        append_packet(batch, TEST_PROGRAM, 1, it % 10 == 9 ? T_CLOSE_INLINE : T_CLOSE, MV_MSG_CALL, 1,
                      MV_STATUS_OK, NULL, NULL);
        for (int i = 0; i < 512; i++) {
            if (it % 2)
                append_packet(batch, TEST_PROGRAM, 1, T_HELLO, MV_MSG_CALL, 2 + i, MV_STATUS_OK, NULL, NULL);
            else
                append_packet(batch, MV_KEEPALIVE_PROGRAM, 1, MV_KEEPALIVE_PROC_PING, MV_MSG_MESSAGE, 0,
                              MV_STATUS_OK, NULL, NULL);
        }
        if (!close_reply_arrives(cr->f, batch))
            g_atomic_int_inc(&cr->lost);
    }
}

static void
test_calls_close_race(void)
{
    enum { THREADS = 4 };
    Fixture f = { 0 };
    CloseRace cr = { &f, 0 };
    ClientFn fns[THREADS];
    gpointer datas[THREADS];

    fixture_start(&f, NULL);
    for (int i = 0; i < THREADS; i++) {
        fns[i] = close_race_client;
        datas[i] = &cr;
    }
    run_clients(fns, datas, THREADS);
    fixture_stop(&f);
    if (cr.lost)
        g_test_message("%d of %d CONNECT_CLOSE replies lost", cr.lost, THREADS * 150);
    g_assert_cmpint(cr.lost, ==, 0);
}

/* ---------- many clients through a listener ---------- */

typedef struct {
    Fixture *f;
    char *path;
    int id;
} ManyArg;

static void
many_client(gpointer data)
{
    ManyArg *a = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(MvRpcClient) c = mv_rpc_client_connect_unix(a->path, &err);
    g_assert_no_error(err);

    g_assert_true(call_open(c, 0, &err));
    for (int i = 0; i < 100; i++) {
        g_autofree char *s = g_strdup_printf("client-%d-call-%d", a->id, i);
        if (i % 10 == 9) {
            remote_connect_supports_feature_args ms = { 0 };
            remote_int_ret r = { -1 };
            g_assert_true(mv_rpc_client_call(c, TEST_PROGRAM, T_SLEEP,
                                             (xdrproc_t)xdr_remote_connect_supports_feature_args, &ms,
                                             (xdrproc_t)xdr_remote_int_ret, &r, &err));
            g_assert_cmpint(r.num, ==, 0);
            continue;
        }
        g_autofree char *got = call_echo(c, i % 2 ? T_ECHO_INLINE : T_ECHO, s, &err);
        g_assert_no_error(err);
        g_assert_cmpstr(got, ==, s);
    }
}

static void
test_many_clients(void)
{
    Fixture f = { 0 };
    enum { N = 50 };
    g_autoptr(GError) err = NULL;
    fixture_start(&f, NULL);
    g_autofree char *path = g_build_filename(fixture_dir(&f), "sock", NULL);
    int lfd = mv_unix_listen(path, 0600, &err);
    g_assert_no_error(err);
    mv_server_add_listener(f.srv, lfd, false);

    ManyArg args[N];
    ClientFn fns[N];
    gpointer datas[N];
    for (int i = 0; i < N; i++) {
        args[i] = (ManyArg){ &f, path, i };
        fns[i] = many_client;
        datas[i] = &args[i];
    }
    run_clients(fns, datas, N);
    /* The clients are gone; the server notices on its own. */
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (mv_server_client_count(f.srv) > 0 && g_get_monotonic_time() < end) {
        if (!g_main_context_iteration(NULL, FALSE))
            g_usleep(1000);
    }
    g_assert_cmpuint(mv_server_client_count(f.srv), ==, 0);
    g_assert_cmpint(g_atomic_int_get(&f.closes), ==, N);
    fixture_stop(&f);
}

typedef struct {
    Fixture *f;
    char *rw;
    char *ro;
} ListenArg;

static void
listener_client(gpointer data)
{
    ListenArg *a = data;
    g_autoptr(GError) err = NULL;

    /* Read-only listener. */
    g_autoptr(MvRpcClient) ro = mv_rpc_client_connect_unix(a->ro, &err);
    g_assert_no_error(err);
    g_assert_true(call_open(ro, 0, &err));
    g_assert_false(call_void(ro, T_MUTATE, &err));
    assert_rpc_error(err, MV_FROM_NONE, MV_ERR_OPERATION_DENIED, "read only access prevents virTestMutate");
    g_clear_error(&err);

    /* max_readonly_clients = 1: a second read-only client is closed at accept, and takes
     * nothing from the read-write ones. */
    g_autoptr(MvRpcClient) ro2 = mv_rpc_client_connect_unix(a->ro, &err);
    g_assert_no_error(err);
    g_assert_false(call_open(ro2, 0, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    /* max_clients = 2 (read-write): the third is closed at accept. */
    g_autoptr(MvRpcClient) c2 = mv_rpc_client_connect_unix(a->rw, &err);
    g_assert_true(call_open(c2, 0, &err));
    g_assert_true(call_void(c2, T_MUTATE, &err));
    MvRpcClient *c3 = mv_rpc_client_connect_unix(a->rw, &err);
    g_assert_true(call_open(c3, 0, &err));
    g_autoptr(MvRpcClient) c4 = mv_rpc_client_connect_unix(a->rw, &err);
    g_assert_no_error(err);   /* the kernel accepts; the server then hangs up */
    g_assert_false(call_open(c4, 0, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_cmpuint(server_count(a->f), ==, 3);

    /* Room again once one leaves. */
    mv_rpc_client_free(c3);
    wait_server_count(a->f, 2, 5000);
    g_autoptr(MvRpcClient) c5 = mv_rpc_client_connect_unix(a->rw, &err);
    g_assert_true(call_open(c5, 0, &err));
    echo_ok(c5, "room again");
}

static void
test_listener(void)
{
    Fixture f = { 0 };
    MvServerLimits l;
    g_autoptr(GError) err = NULL;
    /* The refused client is logged as a warning, which g_test makes fatal. */
    GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    test_limits(&l);
    l.max_clients = 2;
    l.max_readonly_clients = 1;
    fixture_start(&f, &l);
    ListenArg a = { &f, g_build_filename(fixture_dir(&f), "sock", NULL),
                    g_build_filename(fixture_dir(&f), "sock-ro", NULL) };
    mv_server_add_listener(f.srv, mv_unix_listen(a.rw, 0600, &err), false);
    g_assert_no_error(err);
    mv_server_add_listener(f.srv, mv_unix_listen(a.ro, 0666, &err), true);
    g_assert_no_error(err);
    run_client(listener_client, &a);
    g_log_set_always_fatal(fatal);
    g_free(a.rw);
    g_free(a.ro);
    fixture_stop(&f);
}

/* ---------- events ---------- */

typedef struct {
    Fixture *f;
    MvClient *server_side;
    GPtrArray *events;   /* GBytes */
} EventState;

static void
collect_event(MvRpcClient *c, const MvPacket *pkt, void *data)
{
    EventState *st = data;
    g_ptr_array_add(st->events, g_bytes_new(pkt->data, pkt->len));
}

static void
send_from_io(gpointer data)
{
    EventState *st = data;
    g_assert_true(send_lifecycle(st->server_side, 3));
}

static void
event_client(gpointer data)
{
    EventState *st = data;
    g_autoptr(MvRpcClient) c = mv_rpc_client_new_fd(connect_pair(st->f, false, &st->server_side));
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) golden = proto_golden_load("msg-event-callback-lifecycle");

    mv_rpc_client_set_event_func(c, collect_event, st);
    g_assert_true(call_open(c, 0, &err));

    /* Sent by a handler on a worker, ahead of its reply. */
    remote_connect_supports_feature_args id = { 3 };
    g_assert_true(mv_rpc_client_call(c, TEST_PROGRAM, T_EVENT, (xdrproc_t)xdr_remote_connect_supports_feature_args,
                                     &id, NULL, NULL, &err));
    g_assert_cmpuint(st->events->len, ==, 1);

    /* Sent from the I/O thread. */
    io_call(send_from_io, st);
    for (int i = 0; i < 50 && st->events->len < 2; i++)
        g_assert_true(mv_rpc_client_poll(c, 100, &err));
    g_assert_cmpuint(st->events->len, ==, 2);
    for (guint i = 0; i < st->events->len; i++)
        g_assert_true(g_bytes_equal(st->events->pdata[i], golden));
}

static void
test_events(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    EventState st = { &f, NULL, g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref) };
    run_client(event_client, &st);
    g_ptr_array_unref(st.events);
    fixture_stop(&f);
}

/* ---------- shutdown with work in flight ---------- */

static void
shutdown_cb(gpointer data)
{
    mv_server_shutdown(((Fixture *)data)->srv);
}

static void
shutdown_client(gpointer data)
{
    Fixture *f = data;
    remote_connect_open_args open = { 0 };
    remote_connect_supports_feature_args ms = { 300 };

    /* A client that leaves while its call runs. */
    g_autoptr(Raw) gone = raw_new(connect_pair(f, false, NULL));
    raw_call(gone, T_OPEN, 1, (xdrproc_t)xdr_remote_connect_open_args, &open);
    mv_packet_free(raw_expect_packet(gone));
    raw_call(gone, T_SLEEP, 2, (xdrproc_t)xdr_remote_connect_supports_feature_args, &ms);
    g_clear_pointer(&gone, raw_free);

    /* The server shuts down while a call runs. */
    g_autoptr(Raw) r = raw_new(connect_pair(f, false, NULL));
    raw_call(r, T_OPEN, 1, (xdrproc_t)xdr_remote_connect_open_args, &open);
    mv_packet_free(raw_expect_packet(r));
    raw_call(r, T_SLEEP, 2, (xdrproc_t)xdr_remote_connect_supports_feature_args, &ms);
    g_usleep(50 * 1000);
    io_call(shutdown_cb, f);
    raw_expect_eof(r, 5000);
    g_assert_cmpuint(server_count(f), ==, 0);
}

static void
test_shutdown(void)
{
    Fixture f = { 0 };
    fixture_start(&f, NULL);
    run_client(shutdown_client, &f);
    g_assert_cmpint(g_atomic_int_get(&f.closes), ==, 2);
    fixture_stop(&f);   /* waits for the sleeping workers */
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* Writing to a pipe whose reader the server closed must fail, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    /* This thread is the server's I/O thread for the whole run. */
    g_assert_true(g_main_context_acquire(NULL));

    g_test_add_func("/server/basic/echo", test_basic_echo);
    g_test_add_func("/server/basic/errors", test_basic_errors);
    g_test_add_func("/server/basic/read-only", test_basic_read_only);
    g_test_add_func("/server/basic/events", test_events);
    g_test_add_func("/server/basic/shutdown", test_shutdown);
    g_test_add_func("/server/keepalive/pong", test_keepalive_pong);
    g_test_add_func("/server/keepalive/timeout", test_keepalive_timeout);
    g_test_add_func("/server/keepalive/unwritable", test_keepalive_unwritable);
    g_test_add_func("/server/hostile/garbage", test_hostile_garbage);
    g_test_add_func("/server/fds/pass-and-return", test_fds);
    g_test_add_func("/server/fds/unencodable-reply", test_fds_unencodable);
    g_test_add_func("/server/calls/queue-above-limit", test_calls_queue);
    g_test_add_func("/server/calls/close-after-reply", test_calls_close);
    g_test_add_func("/server/calls/close-race", test_calls_close_race);
    g_test_add_func("/server/calls/many-clients", test_many_clients);
    g_test_add_func("/server/calls/listener", test_listener);
    int r = g_test_run();
    g_main_context_release(NULL);
    return r;
}
