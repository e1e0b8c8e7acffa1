// SPDX-License-Identifier: LGPL-2.1-or-later
// Streams: the data channel a call (the domain console) attaches, carried as STREAM packets
// with the serial and procedure of the opening call.  Whichever thread reads the socket
// queues the packets here; Recv, Finish and Abort read the socket themselves when they
// must wait, and stream callbacks run from the default event loop.  What the bytes mean is
// the caller's business.

#include "client-private.h"
#include "util/util-error.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Bytes received but not read yet, per stream.  The socket carries every other call too,
 * so it cannot stop being read for one slow stream: past this the stream fails rather
 * than grow without bound. */
#define MV_STREAM_RX_MAX (16 * 1024 * 1024)

/* Bytes of STREAM packets kept per connection while a stream-opening call is in flight
 * and its serial is not known yet (see stash_packet); the rest is dropped. */
#define MV_STREAM_STASH_MAX (4 * 1024 * 1024)

typedef enum {
    STREAM_NEW,       /* not attached to a call yet */
    STREAM_OPEN,      /* attached: data flows both ways */
    STREAM_CLOSING,   /* finish or abort sent; waiting for the daemon to confirm */
    STREAM_CLOSED,    /* over; only virStreamFree is left */
} StreamState;

typedef struct StreamCallback StreamCallback;

struct _virStream {
    guint32 magic;
    gint refs;                /* atomic */
    virConnectPtr conn;       /* holds a reference */
    unsigned int flags;       /* virStreamFlags */
    int wake_fd;              /* eventfd, readable exactly while has_news() (update_wake) */
    /* Everything below is guarded by streams_lock. */
    StreamState state;
    int proc;                 /* of the opening call */
    unsigned serial;
    GQueue rx;                /* GBytes received, oldest first */
    size_t rx_off;            /* bytes of the head already read */
    size_t rx_len;            /* bytes in rx not read yet */
    bool eof;                 /* the daemon's end of data */
    bool confirmed;           /* the daemon answered our finish or abort */
    GError *error;            /* the stream failed; kept for every later call */
    bool hangup;              /* ... because the connection went away */
    bool woken;               /* wake_fd holds a count */
    StreamCallback *cb;       /* the event callback, or NULL */
};

/* The event callback of a stream: one watch on the stream's wake_fd (the application's
 * events) and one on the connection's socket (so that packets get read).  Each watch holds
 * a reference; the last release frees the callback's opaque data and its stream reference. */
struct StreamCallback {
    gint refs;                /* atomic; one per watch */
    virStreamPtr st;          /* a reference */
    int events;               /* virStreamEventType wanted; streams_lock */
    virStreamEventCallback fn;
    void *opaque;
    virFreeCallback ff;
    int wake_watch;
    int sock_watch;
};

/* A STREAM packet that arrived while a stream-opening call was in flight on its connection
 * and no open stream had its serial: it may be the first data of the stream being opened. */
typedef struct {
    virConnectPtr conn;       /* not a reference: dropped before the opener returns */
    unsigned serial;
    int proc;
    int status;
    GBytes *payload;
} Stashed;

/* Guards the state of every stream, the open list and the stash.  Taken inside the RPC
 * client's lock (the packet hook runs there); nothing calls the RPC client holding it. */
static GMutex streams_lock;
/* Streams OPEN or CLOSING, which packets are routed to; not references (a stream leaves
 * the list before it is freed). */
static GPtrArray *open_streams;
/* Stream-opening calls in flight, per connection (conn -> count), and what they stashed. */
static GHashTable *opening;
static GPtrArray *stash;

static bool
stream_valid(virStreamPtr st)
{
    return st && st->magic == MV_CLIENT_STREAM_MAGIC;
}

/* Start of a public entry point taking a stream. */
static bool
stream_enter(virStreamPtr st, const char *func, GError **error)
{
    mv_client_error_reset();
    if (!stream_valid(st)) {
        mv_error_set(error, MV_FROM_STREAMS, VIR_ERR_INVALID_STREAM, "invalid stream pointer in %s", func);
        return false;
    }
    return true;
}

static void
stream_report(virStreamPtr st, const GError *error)
{
    mv_client_report(stream_valid(st) ? st->conn : NULL, error);
}

/* ---- state (streams_lock held) ---- */

/* Whether a thread waiting on @st has something to look at. */
static bool
has_news(virStreamPtr st)
{
    switch (st->state) {
    case STREAM_OPEN:
        return st->rx_len > 0 || st->eof || st->error;
    case STREAM_CLOSING:
        return st->confirmed || st->error;
    default:
        return false;
    }
}

/* Make wake_fd readable exactly while has_news(): poll() then works level-triggered for
 * blocking waits and for the event loop alike. */
static void
update_wake(virStreamPtr st)
{
    bool want = has_news(st);
    if (want && !st->woken) {
        uint64_t one = 1;
        if (write(st->wake_fd, &one, sizeof(one)) < 0) {
            /* EAGAIN: the counter is non-zero already, which is all we need. */
        }
        st->woken = true;
    } else if (!want && st->woken) {
        uint64_t count;
        if (read(st->wake_fd, &count, sizeof(count)) < 0) {
            /* EAGAIN: nothing was counted; the fd is quiet, as wanted. */
        }
        st->woken = false;
    }
}

static void
rx_clear(virStreamPtr st)
{
    g_queue_clear_full(&st->rx, (GDestroyNotify)g_bytes_unref);
    st->rx_off = 0;
    st->rx_len = 0;
}

/* Fail @st with a copy of @err unless it failed already.  What arrived before stays
 * readable: the error comes after it, as it came after it on the wire. */
static void
fail_locked(virStreamPtr st, const GError *err, bool hangup)
{
    if (!st->error) {
        st->error = g_error_copy(err);
        st->hangup = hangup;
    }
    update_wake(st);
}

/* Take @st out of routing; it is over. */
static void
close_locked(virStreamPtr st)
{
    if (open_streams)
        g_ptr_array_remove(open_streams, st);
    st->state = STREAM_CLOSED;
    rx_clear(st);
    update_wake(st);
}

/* One STREAM packet for @st: data, end of data, confirmation or error. */
static void
take_packet(virStreamPtr st, int status, const guint8 *payload, size_t len)
{
    switch (status) {
    case MV_STATUS_CONTINUE:
        if (st->state != STREAM_OPEN || st->error || st->eof) {
            /* Data after we finished or after the end: nobody will read it. */
        } else if (len == 0) {
            st->eof = true;
        } else if (st->rx_len + len > MV_STREAM_RX_MAX) {
            g_autoptr(GError) err = NULL;
            mv_error_set(&err, MV_FROM_STREAMS, MV_ERR_INTERNAL_ERROR,
                         "stream of procedure %d has more than %d bytes unread", st->proc, MV_STREAM_RX_MAX);
            rx_clear(st);
            fail_locked(st, err, false);
        } else {
            g_queue_push_tail(&st->rx, g_bytes_new(payload, len));
            st->rx_len += len;
        }
        break;
    case MV_STATUS_OK:
        /* The answer to our finish or abort; before them the daemon has no reason to
         * send one, so take it for an end of data. */
        if (st->state == STREAM_CLOSING)
            st->confirmed = true;
        else
            st->eof = true;
        break;
    case MV_STATUS_ERROR: {
        g_autoptr(GError) err = NULL;
        mv_message_error e = { 0 };
        /* A daemon that fails the stream says why; an empty body is an abort. */
        if (len == 0) {
            mv_error_set(&err, MV_FROM_STREAMS, MV_ERR_RPC, "stream aborted by the daemon");
        } else {
            XDR xdr;
            xdrmem_create(&xdr, (char *)payload, len, XDR_DECODE);
            if (xdr_mv_message_error(&xdr, &e))
                mv_message_error_to_gerror(&e, &err);
            else
                mv_error_set(&err, MV_FROM_RPC, MV_ERR_RPC, "cannot decode the error of a stream packet");
            xdr_destroy(&xdr);
            xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);
            mv_client_error_from_wire(err);
        }
        if (st->state == STREAM_CLOSING)
            st->confirmed = true;
        fail_locked(st, err, false);
        break;
    }
    default:
        break;
    }
    update_wake(st);
}

static virStreamPtr
find_open(virConnectPtr conn, unsigned serial, int proc)
{
    for (guint i = 0; open_streams && i < open_streams->len; i++) {
        virStreamPtr st = open_streams->pdata[i];
        if (st->conn == conn && st->serial == serial && st->proc == proc)
            return st;
    }
    return NULL;
}

static void
stashed_free(gpointer p)
{
    Stashed *s = p;
    g_bytes_unref(s->payload);
    g_free(s);
}

/* Keep a packet that may belong to a stream being opened on @conn: its serial is known
 * only once the opening call returns, and another thread may read the socket first. */
static void
stash_packet(virConnectPtr conn, const MvPacket *pkt)
{
    size_t len = pkt->len - pkt->payload_off, kept = 0;
    for (guint i = 0; i < stash->len; i++) {
        Stashed *s = stash->pdata[i];
        if (s->conn == conn)
            kept += g_bytes_get_size(s->payload);
    }
    if (kept + len > MV_STREAM_STASH_MAX) {
        g_debug("dropping a stream packet for serial %u: %zu bytes stashed already", pkt->hdr.serial, kept);
        return;
    }
    Stashed *s = g_new0(Stashed, 1);
    s->conn = conn;
    s->serial = pkt->hdr.serial;
    s->proc = pkt->hdr.proc;
    s->status = pkt->hdr.status;
    s->payload = g_bytes_new(pkt->data + pkt->payload_off, len);
    g_ptr_array_add(stash, s);
}

/* The RPC client's STREAM hook; runs with the socket's lock held, so it only queues. */
static void
on_stream_packet(MvRpcClient *c, const MvPacket *pkt, void *data)
{
    virConnectPtr conn = data;

    if (pkt->hdr.prog != REMOTE_PROGRAM)
        return;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&streams_lock);
    virStreamPtr st = find_open(conn, pkt->hdr.serial, pkt->hdr.proc);
    if (st)
        take_packet(st, pkt->hdr.status, pkt->data + pkt->payload_off, pkt->len - pkt->payload_off);
    else if (opening && g_hash_table_contains(opening, conn))
        stash_packet(conn, pkt);
    /* Otherwise stale (a stream closed or freed already): ignored, as the protocol says. */
}

void
mv_client_streams_attach(virConnectPtr conn)
{
    mv_rpc_client_set_stream_func(conn->rpc, on_stream_packet, conn);
}

/* A stream-opening call starts on @conn (streams_lock held). */
static void
opening_begin(virConnectPtr conn)
{
    if (!opening) {
        opening = g_hash_table_new(NULL, NULL);
        stash = g_ptr_array_new_with_free_func(stashed_free);
    }
    int n = GPOINTER_TO_INT(g_hash_table_lookup(opening, conn));
    g_hash_table_insert(opening, conn, GINT_TO_POINTER(n + 1));
}

/* The call ended (streams_lock held): hand @st (NULL if it failed) what was stashed for
 * it, and drop the stash of @conn once no opening call is left. */
static void
opening_end(virConnectPtr conn, virStreamPtr st)
{
    int n = GPOINTER_TO_INT(g_hash_table_lookup(opening, conn)) - 1;
    for (guint i = 0; i < stash->len;) {
        Stashed *s = stash->pdata[i];
        bool mine = st && s->conn == conn && s->serial == st->serial && s->proc == st->proc;
        if (mine) {
            gsize len;
            const guint8 *p = g_bytes_get_data(s->payload, &len);
            take_packet(st, s->status, p, len);
        }
        if (mine || (n == 0 && s->conn == conn))
            g_ptr_array_remove_index(stash, i);   /* keeps the arrival order */
        else
            i++;
    }
    if (n > 0)
        g_hash_table_insert(opening, conn, GINT_TO_POINTER(n));
    else
        g_hash_table_remove(opening, conn);
}

/* ---- waiting ---- */

/* Fail every stream of @conn: its connection is gone. */
static void
fail_conn(virConnectPtr conn, const GError *err)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&streams_lock);
    for (guint i = 0; open_streams && i < open_streams->len; i++) {
        virStreamPtr st = open_streams->pdata[i];
        if (st->conn == conn)
            fail_locked(st, err, true);
    }
}

/* Read what the socket of @conn holds, without waiting; a dead connection fails its
 * streams. */
static void
read_socket(virConnectPtr conn)
{
    g_autoptr(GError) err = NULL;
    if (!mv_rpc_client_poll(conn->rpc, 0, &err))
        fail_conn(conn, err);
}

/* Wait until @st has news (has_news), reading the socket meanwhile: another thread may be
 * reading it too (a call waiting for its reply, the event loop), in which case the packets
 * it reads for us wake us through wake_fd. */
static void
stream_wait(virStreamPtr st)
{
    for (;;) {
        g_mutex_lock(&streams_lock);
        bool ready = has_news(st) || (st->state != STREAM_OPEN && st->state != STREAM_CLOSING);
        g_mutex_unlock(&streams_lock);
        if (ready)
            return;
        if (!mv_rpc_client_is_alive(st->conn->rpc)) {
            read_socket(st->conn);   /* fails with the connection's error */
            continue;
        }
        struct pollfd p[2] = {
            { .fd = mv_rpc_client_fd(st->conn->rpc), .events = POLLIN },
            { .fd = st->wake_fd, .events = POLLIN },
        };
        if (poll(p, G_N_ELEMENTS(p), -1) < 0) {
            if (errno == EINTR)
                continue;
            g_autoptr(GError) err = NULL;
            mv_error_set_errno(&err, MV_FROM_STREAMS, errno, "cannot wait for stream data");
            g_mutex_lock(&streams_lock);
            fail_locked(st, err, false);
            g_mutex_unlock(&streams_lock);
            return;
        }
        if (p[0].revents)
            read_socket(st->conn);
    }
}

/* ---- objects ---- */

virStreamPtr
virStreamNew(virConnectPtr conn, unsigned int flags)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) {
        mv_error_set_errno(&error, MV_FROM_STREAMS, errno, "cannot create a stream");
        mv_client_report(conn, error);
        return NULL;
    }
    virStreamPtr st = g_new0(virStream, 1);
    st->magic = MV_CLIENT_STREAM_MAGIC;
    st->refs = 1;
    mv_client_conn_ref(conn);
    st->conn = conn;
    /* Unknown flags are kept and ignored, as libvirt does. */
    st->flags = flags;
    st->wake_fd = fd;
    g_queue_init(&st->rx);
    return st;
}

int
virStreamRef(virStreamPtr st)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error)) {
        stream_report(st, error);
        return -1;
    }
    g_atomic_int_inc(&st->refs);
    return 0;
}

/* Drop a reference without touching the thread's last error.  The last one aborts a
 * stream that is still open (not waiting for the answer, which will be ignored as stale)
 * so the daemon lets go of its end. */
static void
stream_unref(virStreamPtr st)
{
    if (!g_atomic_int_dec_and_test(&st->refs))
        return;
    g_mutex_lock(&streams_lock);
    bool was_open = st->state == STREAM_OPEN && !st->error;
    close_locked(st);
    g_mutex_unlock(&streams_lock);
    if (was_open && mv_rpc_client_is_alive(st->conn->rpc)) {
        g_autoptr(GError) ignored = NULL;
        mv_rpc_client_send_stream(st->conn->rpc, REMOTE_PROGRAM, st->proc, st->serial, MV_STATUS_ERROR,
                                  NULL, 0, &ignored);
    }
    st->magic = 0;
    g_clear_error(&st->error);
    close(st->wake_fd);
    mv_client_conn_unref(st->conn);
    g_free(st);
}

int
virStreamFree(virStreamPtr st)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error)) {
        stream_report(st, error);
        return -1;
    }
    stream_unref(st);
    return 0;
}

/* ---- data ---- */

/* Set @error for a data call on @st that is not OPEN (streams_lock held). */
static void
not_open(virStreamPtr st, const char *func, GError **error)
{
    if (st->state == STREAM_NEW)
        mv_error_set(error, MV_FROM_STREAMS, MV_ERR_NO_SUPPORT, "%s", func);
    else
        mv_error_set(error, MV_FROM_STREAMS, MV_ERR_OPERATION_INVALID, "stream is not open");
}

int
virStreamSend(virStreamPtr st, const char *data, size_t nbytes)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error) || !mv_client_check_arg(data, G_STRFUNC, "data", &error)) {
        stream_report(st, error);
        return -1;
    }
    g_mutex_lock(&streams_lock);
    if (st->state != STREAM_OPEN)
        not_open(st, G_STRFUNC, &error);
    else if (st->error)
        error = g_error_copy(st->error);
    int proc = st->proc;
    unsigned serial = st->serial;
    g_mutex_unlock(&streams_lock);
    if (error) {
        stream_report(st, error);
        return -1;
    }
    /* The count comes back as an int; an empty send would read as our end of data. */
    size_t total = MIN(nbytes, (size_t)G_MAXINT);
    for (size_t off = 0; off < total;) {
        size_t n = MIN(total - off, (size_t)MV_MESSAGE_STREAM_CHUNK);
        if (!mv_rpc_client_send_stream(st->conn->rpc, REMOTE_PROGRAM, proc, serial, MV_STATUS_CONTINUE,
                                       data + off, n, &error)) {
            fail_conn(st->conn, error);
            stream_report(st, error);
            return -1;
        }
        off += n;
    }
    return (int)total;
}

/* Copy up to @nbytes of what @st received into @data (streams_lock held). */
static size_t
rx_take(virStreamPtr st, char *data, size_t nbytes)
{
    size_t done = 0;
    while (done < nbytes && !g_queue_is_empty(&st->rx)) {
        GBytes *head = g_queue_peek_head(&st->rx);
        gsize len;
        const guint8 *p = g_bytes_get_data(head, &len);
        size_t n = MIN(nbytes - done, len - st->rx_off);
        memcpy(data + done, p + st->rx_off, n);
        done += n;
        st->rx_off += n;
        if (st->rx_off == len) {
            g_bytes_unref(g_queue_pop_head(&st->rx));
            st->rx_off = 0;
        }
    }
    st->rx_len -= done;
    update_wake(st);
    return done;
}

static int
stream_recv(virStreamPtr st, char *data, size_t nbytes, const char *func)
{
    g_autoptr(GError) error = NULL;
    int ret = 0;

    nbytes = MIN(nbytes, (size_t)G_MAXINT);
    for (;;) {
        g_mutex_lock(&streams_lock);
        bool must_wait = false;
        if (st->state != STREAM_OPEN) {
            not_open(st, func, &error);
        } else if (st->rx_len > 0) {
            ret = (int)rx_take(st, data, nbytes);
        } else if (st->error) {
            error = g_error_copy(st->error);
        } else if (st->eof) {
            ret = 0;
        } else if (st->flags & VIR_STREAM_NONBLOCK) {
            ret = -2;
        } else {
            must_wait = true;
        }
        g_mutex_unlock(&streams_lock);
        if (!must_wait)
            break;
        stream_wait(st);
    }
    if (error) {
        stream_report(st, error);
        return -1;
    }
    return ret;
}

int
virStreamRecv(virStreamPtr st, char *data, size_t nbytes)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error) || !mv_client_check_arg(data, G_STRFUNC, "data", &error)) {
        stream_report(st, error);
        return -1;
    }
    return stream_recv(st, data, nbytes, G_STRFUNC);
}

int
virStreamRecvFlags(virStreamPtr st, char *data, size_t nbytes, unsigned int flags)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error) || !mv_client_check_arg(data, G_STRFUNC, "data", &error)) {
        stream_report(st, error);
        return -1;
    }
    if (flags & ~VIR_STREAM_RECV_STOP_AT_HOLE) {
        mv_client_invalid_arg(&error, "unsupported flags (0x%x) in function %s",
                              flags & ~VIR_STREAM_RECV_STOP_AT_HOLE, G_STRFUNC);
        stream_report(st, error);
        return -1;
    }
    /* No stream opened here is sparse, so there is never a hole to stop at. */
    return stream_recv(st, data, nbytes, G_STRFUNC);
}

/* ---- ending ---- */

/* Finish (@status OK) or abort (ERROR) @st: send the packet, wait for the daemon's answer.
 * A stream that failed already has nothing to send: finish reports its error, abort
 * succeeds (the stream is over either way). */
static int
end_stream(virStreamPtr st, int status, const char *func)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, func, &error)) {
        stream_report(st, error);
        return -1;
    }
    g_mutex_lock(&streams_lock);
    bool need_send = false;
    if (st->state != STREAM_OPEN) {
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_OPERATION_INVALID, "stream is not open");
    } else if (st->error) {
        if (status == MV_STATUS_OK)
            error = g_error_copy(st->error);
        close_locked(st);
    } else {
        st->state = STREAM_CLOSING;
        rx_clear(st);
        update_wake(st);
        need_send = true;
    }
    g_mutex_unlock(&streams_lock);
    if (need_send) {
        if (mv_rpc_client_send_stream(st->conn->rpc, REMOTE_PROGRAM, st->proc, st->serial, status, NULL, 0, &error))
            stream_wait(st);
        else
            fail_conn(st->conn, error);
        g_clear_error(&error);
        g_mutex_lock(&streams_lock);
        if (st->error)
            error = g_error_copy(st->error);
        close_locked(st);
        g_mutex_unlock(&streams_lock);
    }
    if (error) {
        stream_report(st, error);
        return -1;
    }
    return 0;
}

int
virStreamFinish(virStreamPtr st)
{
    return end_stream(st, MV_STATUS_OK, G_STRFUNC);
}

int
virStreamAbort(virStreamPtr st)
{
    return end_stream(st, MV_STATUS_ERROR, G_STRFUNC);
}

/* ---- events ---- */

static int
handle_events(int stream_events)
{
    int ev = 0;
    /* wake_fd is readable while there is news; an eventfd is always writable, which is
     * what a stream whose sends never wait is. */
    if (stream_events & VIR_STREAM_EVENT_READABLE)
        ev |= VIR_EVENT_HANDLE_READABLE;
    if (stream_events & VIR_STREAM_EVENT_WRITABLE)
        ev |= VIR_EVENT_HANDLE_WRITABLE;
    return ev;
}

static void
callback_release(void *opaque)
{
    StreamCallback *cb = opaque;
    if (!g_atomic_int_dec_and_test(&cb->refs))
        return;
    if (cb->ff)
        cb->ff(cb->opaque);
    stream_unref(cb->st);
    g_free(cb);
}

/* The stream's wake_fd or writability: tell the application what it asked for. */
static void
on_wake(int watch, int fd, int handle_events_seen, void *opaque)
{
    StreamCallback *cb = opaque;
    virStreamPtr st = cb->st;
    int ev = 0;

    g_mutex_lock(&streams_lock);
    bool open = st->state == STREAM_OPEN;
    if (st->cb == cb && open) {
        if ((cb->events & VIR_STREAM_EVENT_READABLE) && (st->rx_len > 0 || st->eof || st->error))
            ev |= VIR_STREAM_EVENT_READABLE;
        if ((cb->events & VIR_STREAM_EVENT_WRITABLE) && !st->error)
            ev |= VIR_STREAM_EVENT_WRITABLE;
        if (st->error)
            ev |= VIR_STREAM_EVENT_ERROR | (st->hangup ? VIR_STREAM_EVENT_HANGUP : 0);
    }
    g_mutex_unlock(&streams_lock);
    if (ev)
        cb->fn(st, ev, cb->opaque);
    else if (!open)
        /* Finished or aborted with the callback still there: a writable eventfd would
         * have the loop spin for a stream that has nothing more to say. */
        virEventUpdateHandle(watch, 0);
}

/* The connection's socket: read its packets, ours among them. */
static void
on_socket(int watch, int fd, int events, void *opaque)
{
    StreamCallback *cb = opaque;
    virConnectPtr conn = cb->st->conn;

    read_socket(conn);
    /* A dead socket polls ready forever; the streams know, the watch can rest. */
    if (!mv_rpc_client_is_alive(conn->rpc))
        virEventUpdateHandle(watch, 0);
}

int
virStreamEventAddCallback(virStreamPtr st, int events, virStreamEventCallback fn, void *opaque, virFreeCallback ff)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error) || !mv_client_check_arg(fn, G_STRFUNC, "cb", &error)) {
        stream_report(st, error);
        return -1;
    }
    if (!mv_event_loop_registered()) {
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_INTERNAL_ERROR,
                     "%s needs the default event loop: call virEventRegisterDefaultImpl first", G_STRFUNC);
        stream_report(st, error);
        return -1;
    }
    StreamCallback *cb = g_new0(StreamCallback, 1);
    cb->refs = 2;
    cb->events = events;
    cb->fn = fn;
    cb->opaque = opaque;
    cb->wake_watch = cb->sock_watch = -1;
    g_mutex_lock(&streams_lock);
    if (st->state != STREAM_OPEN)
        not_open(st, G_STRFUNC, &error);
    else if (st->cb)
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_INTERNAL_ERROR, "multiple stream callbacks not supported");
    else
        st->cb = cb;
    g_mutex_unlock(&streams_lock);
    if (error) {
        g_free(cb);
        stream_report(st, error);
        return -1;
    }
    g_atomic_int_inc(&st->refs);
    cb->st = st;
    /* @ff belongs to the callback only once it is registered. */
    cb->wake_watch = virEventAddHandle(st->wake_fd, handle_events(events), on_wake, cb, callback_release);
    cb->sock_watch = virEventAddHandle(mv_rpc_client_fd(st->conn->rpc), VIR_EVENT_HANDLE_READABLE, on_socket, cb,
                                       callback_release);
    if (cb->wake_watch < 0 || cb->sock_watch < 0) {
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_INTERNAL_ERROR, "cannot watch the stream in the event loop");
        g_mutex_lock(&streams_lock);
        st->cb = NULL;
        g_mutex_unlock(&streams_lock);
        if (cb->wake_watch >= 0)
            virEventRemoveHandle(cb->wake_watch);
        else
            callback_release(cb);
        if (cb->sock_watch >= 0)
            virEventRemoveHandle(cb->sock_watch);
        else
            callback_release(cb);
        stream_report(st, error);
        return -1;
    }
    cb->ff = ff;
    return 0;
}

int
virStreamEventUpdateCallback(virStreamPtr st, int events)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error)) {
        stream_report(st, error);
        return -1;
    }
    g_mutex_lock(&streams_lock);
    int watch = st->cb ? st->cb->wake_watch : -1;
    if (st->cb)
        st->cb->events = events;
    else
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_INTERNAL_ERROR, "no stream callback registered");
    g_mutex_unlock(&streams_lock);
    if (error) {
        stream_report(st, error);
        return -1;
    }
    virEventUpdateHandle(watch, handle_events(events));
    return 0;
}

int
virStreamEventRemoveCallback(virStreamPtr st)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error)) {
        stream_report(st, error);
        return -1;
    }
    g_mutex_lock(&streams_lock);
    StreamCallback *cb = g_steal_pointer(&st->cb);
    g_mutex_unlock(&streams_lock);
    if (!cb) {
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_INTERNAL_ERROR, "no stream callback registered");
        stream_report(st, error);
        return -1;
    }
    /* The watches let go of the callback (and call @ff) when the loop purges them. */
    virEventRemoveHandle(cb->wake_watch);
    virEventRemoveHandle(cb->sock_watch);
    return 0;
}

/* ---- calls that attach a stream ---- */

bool
mv_client_stream_open(virConnectPtr conn, virStreamPtr st, int proc, xdrproc_t args_proc, const void *args,
                      const char *func, GError **error)
{
    if (!stream_valid(st) || st->conn != conn) {
        mv_client_invalid_arg(error, "stream in %s must match connection", func);
        return false;
    }
    g_mutex_lock(&streams_lock);
    if (st->state != STREAM_NEW)
        mv_client_invalid_arg(error, "stream in %s is in use already", func);
    else
        opening_begin(conn);
    g_mutex_unlock(&streams_lock);
    if (*error)
        return false;
    unsigned serial = 0;
    GError *local = NULL;
    /* A daemon without the call answers "unknown procedure": VIR_ERR_NO_SUPPORT with the
     * daemon's text, which is what virsh shows. */
    bool ok = mv_rpc_client_call_serial(conn->rpc, REMOTE_PROGRAM, proc, args_proc, args, NULL, NULL, &serial,
                                        &local);
    g_mutex_lock(&streams_lock);
    if (ok) {
        st->proc = proc;
        st->serial = serial;
        st->state = STREAM_OPEN;
        if (!open_streams)
            open_streams = g_ptr_array_new();
        g_ptr_array_add(open_streams, st);
    }
    opening_end(conn, ok ? st : NULL);
    g_mutex_unlock(&streams_lock);
    if (!ok) {
        mv_client_error_from_wire(local);
        g_propagate_error(error, local);
    }
    return ok;
}

int
virDomainOpenConsole(virDomainPtr dom, const char *dev_name, virStreamPtr st, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    char *name = (char *)dev_name;
    remote_domain_open_console_args args = { .dev_name = dev_name ? &name : NULL, .flags = flags };

    if (!mv_client_domain_enter(dom, G_STRFUNC, &error) ||
        !mv_client_check_writable(dom->conn, G_STRFUNC, &error)) {
        mv_client_domain_report(dom, error);
        return -1;
    }
    mv_client_domain_to_wire(dom, &args.dom);
    if (!mv_client_stream_open(dom->conn, st, REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
                               (xdrproc_t)xdr_remote_domain_open_console_args, &args, G_STRFUNC, &error)) {
        mv_client_domain_report(dom, error);
        return -1;
    }
    return 0;
}
