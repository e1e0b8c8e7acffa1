// SPDX-License-Identifier: LGPL-2.1-or-later
// Server and client connections.  The I/O thread (the default GLib main context) owns
// sockets, sources and the client list; worker threads only run handlers and queue replies
// under the client's lock, then wake the I/O thread to write them.

#include "rpc/rpc-server.h"
#include "rpc/rpc-proclog.h"
#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <malloc.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct MvServer {
    char *name;
    MvServerLimits limits;
    GPtrArray *programs;       /* MvProgram*, owned */
    GPtrArray *listeners;      /* GSource*, one per listening fd */
    GHashTable *clients;       /* MvClient* set (one reference each) */
    unsigned nclients_ro;      /* how many of them came on read-only listeners */
    int spare_fd;              /* held in reserve for refusing clients when out of fds */
    GThreadPool *pool;
    GThreadPool *prio_pool;
    guint keepalive_timer;
    guint housekeeping_timer;
    guint64 next_client_id;
    MvClientCloseHook on_close;
    MvClientCountHook on_count;
    void *hook_data;
    MvServerRouteFunc router;
    void *router_data;
    void *data;
};

struct MvClient {
    gint refs;
    MvServer *server;          /* valid while the client is in the server's set */
    guint64 id;
    int fd;
    bool readonly;
    bool ro_listener;          /* counted in nclients_ro */
    uid_t uid;
    gid_t gid;
    pid_t pid;

    /* I/O thread only */
    GSource *source;
    gpointer fd_tag;
    GIOCondition fd_events;    /* what fd_tag polls for now */
    MvRx rx;
    gint64 last_rx;            /* monotonic µs */
    unsigned pings_unanswered;
    gint64 output_blocked_since; /* monotonic µs; 0 while the client reads or drains */
    gint64 connected_at;       /* monotonic µs */

    GMutex lock;               /* guards the fields below */
    MvTx tx;
    bool closed;
    bool close_when_flushed;
    bool flush_scheduled;
    bool keepalive;
    bool open;
    unsigned calls;            /* calls dispatched and not yet answered; a call whose
                                * reply is queued and not yet written counts in tx.replies */
    size_t tx_peak;            /* largest mv_tx_cost(&tx) since the queue last drained */
    void *priv;
    GDestroyNotify priv_free;
    GArray *streams;           /* StreamReg, the streams open on this connection */

    /* Set once the socket belongs to someone else (mv_client_detach); I/O thread. */
    bool detached;
    MvClientDetachCloseFunc detach_close;
    void *detach_data;
};

typedef struct {
    unsigned serial;
    MvClientStreamFunc fn;
    void *data;
} StreamReg;

typedef struct {
    GSource base;
    MvClient *client;
} ClientSource;

static void client_close_now(MvClient *c);
static void client_update_events(MvClient *c);

void
mv_server_limits_default(MvServerLimits *l)
{
    l->max_clients = 1024;
    l->max_readonly_clients = 1024;
    l->max_calls_per_client = 16;
    l->workers = 4;
    l->priority_workers = 2;
    l->keepalive_interval = 5;
    l->keepalive_count = 5;
    l->output_timeout = 30;
    l->open_timeout = 60;
}

/* ---------- clients ---------- */

MvClient *
mv_client_ref(MvClient *c)
{
    g_atomic_int_inc(&c->refs);
    return c;
}

void
mv_client_unref(MvClient *c)
{
    if (!c || !g_atomic_int_dec_and_test(&c->refs))
        return;
    bool trim = c->tx_peak > MV_CLIENT_TRIM_AFTER || c->rx.cap > MV_CLIENT_TRIM_AFTER;
    if (c->priv_free)
        c->priv_free(c->priv);
    mv_tx_clear(&c->tx);
    mv_rx_clear(&c->rx);
    g_array_unref(c->streams);
    if (c->fd >= 0)
        close(c->fd);
    g_mutex_clear(&c->lock);
    g_free(c);
    /* glibc keeps what a big queue freed (in every thread's arena) unless told. */
    if (trim)
        malloc_trim(0);
}

MvServer *mv_client_server(MvClient *c) { return c->server; }
guint64 mv_client_id(MvClient *c) { return c->id; }
bool mv_client_is_readonly(MvClient *c) { return c->readonly; }

bool
mv_client_is_open(MvClient *c)
{
    g_mutex_lock(&c->lock);
    bool r = c->open;
    g_mutex_unlock(&c->lock);
    return r;
}

void
mv_client_set_open(MvClient *c, bool readonly)
{
    g_mutex_lock(&c->lock);
    c->open = true;
    if (readonly)
        c->readonly = true;
    g_mutex_unlock(&c->lock);
}

void
mv_client_enable_keepalive(MvClient *c)
{
    g_mutex_lock(&c->lock);
    c->keepalive = true;
    g_mutex_unlock(&c->lock);
}

void
mv_client_peer(MvClient *c, uid_t *ret_uid, gid_t *ret_gid, pid_t *ret_pid)
{
    if (ret_uid) *ret_uid = c->uid;
    if (ret_gid) *ret_gid = c->gid;
    if (ret_pid) *ret_pid = c->pid;
}

void *
mv_client_get_private(MvClient *c)
{
    g_mutex_lock(&c->lock);
    void *p = c->priv;
    g_mutex_unlock(&c->lock);
    return p;
}

void
mv_client_set_private(MvClient *c, void *priv, GDestroyNotify free_fn)
{
    g_mutex_lock(&c->lock);
    void *old = c->priv;
    GDestroyNotify old_free = c->priv_free;
    c->priv = priv;
    c->priv_free = free_fn;
    g_mutex_unlock(&c->lock);
    if (old && old_free)
        old_free(old);
}

/* Runs on the I/O thread: write what is queued, then fix up the poll events. */
static gboolean
client_flush_cb(gpointer data)
{
    MvClient *c = data;

    g_mutex_lock(&c->lock);
    c->flush_scheduled = false;
    g_mutex_unlock(&c->lock);
    if (c->source)
        client_update_events(c);
    return G_SOURCE_REMOVE;
}

/* Queue bytes for @c.  From the I/O thread the write is tried at once; from a worker the
 * I/O thread is woken to do it. */
static bool
client_queue_full(MvClient *c, GBytes *bytes, int *fds, unsigned nfds, bool is_event,
                  bool is_reply, bool ends_call, bool close_after)
{
    bool on_io_thread = g_main_context_is_owner(g_main_context_default());
    bool schedule = false;
    bool overflow = false;

    g_mutex_lock(&c->lock);
    /* A call ends in the same critical section that queues its reply: otherwise the I/O
     * thread can see calls == 0 with close_when_flushed and an empty queue, and close
     * before the reply is queued. */
    if (ends_call)
        c->calls--;
    if (close_after)
        c->close_when_flushed = true;
    if (c->closed || c->detached) {
        g_mutex_unlock(&c->lock);
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
        g_free(fds);
        return false;
    }
    if (is_event && mv_tx_cost(&c->tx) > MV_CLIENT_TX_MAX) {
        overflow = true;
    } else {
        if (is_reply)
            mv_tx_push_reply(&c->tx, bytes, fds, nfds);
        else
            mv_tx_push(&c->tx, bytes, fds, nfds);
        c->tx_peak = MAX(c->tx_peak, mv_tx_cost(&c->tx));
        if (!on_io_thread && !c->flush_scheduled) {
            c->flush_scheduled = true;
            schedule = true;
        }
    }
    g_mutex_unlock(&c->lock);

    if (overflow) {
        g_warning("client %" G_GUINT64_FORMAT " of server '%s' does not read its events, disconnecting",
                  c->id, c->server ? c->server->name : "?");
        mv_client_close(c);
        return false;
    }
    if (on_io_thread) {
        if (c->source)
            client_update_events(c);
    } else if (schedule) {
        g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, client_flush_cb,
                                   mv_client_ref(c), (GDestroyNotify)mv_client_unref);
    }
    return true;
}

static bool
client_queue(MvClient *c, GBytes *bytes, int *fds, unsigned nfds, bool is_event)
{
    return client_queue_full(c, bytes, fds, nfds, is_event, false, false, false);
}

bool
mv_client_send_message(MvClient *c, unsigned prog, unsigned vers, int proc,
                       xdrproc_t body_proc, const void *body)
{
    /* libvirtd sends serial 1 on events; clients ignore it. */
    mv_message_header hdr = { prog, vers, proc, MV_MSG_MESSAGE, 1, MV_STATUS_OK };
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, body_proc, body, 0, &err);
    if (!b) {
        g_warning("cannot encode event %d: %s", proc, err->message);
        return false;
    }
    return client_queue(c, b, NULL, 0, true);
}

static gboolean
client_close_cb(gpointer data)
{
    client_close_now(data);
    return G_SOURCE_REMOVE;
}

void
mv_client_close(MvClient *c)
{
    if (g_main_context_is_owner(g_main_context_default()))
        client_close_now(c);
    else
        g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, client_close_cb,
                                   mv_client_ref(c), (GDestroyNotify)mv_client_unref);
}

/* ---------- dispatch ---------- */

static void
reply_error(MvClient *c, const mv_message_header *hdr, const GError *err)
{
    g_autoptr(GBytes) b = mv_packet_encode_error(hdr, err);
    client_queue_full(c, b, NULL, 0, false, true, false, false);
}

void
mv_client_reply_error(MvClient *c, MvPacket *pkt, const GError *err)
{
    reply_error(c, &pkt->hdr, err);
    mv_packet_free(pkt);
}

/* A call on its way through the server: the handler's view plus the row it runs. */
typedef struct {
    MvCall call;
    const MvProcedure *row;
} Job;

static void
call_free(MvCall *call)
{
    for (unsigned i = 0; i < call->ret_nfds; i++)
        close(call->ret_fds[i]);
    g_free(call->ret_fds);
    mv_packet_free(call->pkt);
    mv_client_unref(call->client);
    g_free(call);
}

/* Decode, run, encode, queue.  Runs on the I/O thread or a worker. */
static void
call_run(MvCall *call, const MvProcedure *row)
{
    MvClient *c = call->client;
    const mv_message_header *hdr = &call->pkt->hdr;
    g_autoptr(GError) err = NULL;
    g_autofree void *args = row->args_size ? g_malloc0(row->args_size) : NULL;
    g_autofree void *ret = row->ret_size ? g_malloc0(row->ret_size) : NULL;
    g_autoptr(GBytes) reply = NULL;
    bool ok = false;

    if (row->args_proc && !mv_packet_decode_body(call->pkt, row->args_proc, args, &err)) {
        reply = mv_packet_encode_error(hdr, err);
    } else if (row->ro_denied_flags && mv_client_is_readonly(c) &&
               (G_STRUCT_MEMBER(unsigned, args, row->flags_offset) & row->ro_denied_flags)) {
        /* libvirt's words for the flags that reveal secrets. */
        mv_error_set(&err, MV_FROM_NONE, MV_ERR_OPERATION_DENIED, "%s with secure flag", row->api);
        reply = mv_packet_encode_error(hdr, err);
        xdr_free(row->args_proc, args);
    } else {
        ok = row->handler(call, args, ret, &err);
        if (ok) {
            mv_message_header rh = *hdr;
            rh.type = call->ret_nfds ? MV_MSG_REPLY_WITH_FDS : MV_MSG_REPLY;
            rh.status = MV_STATUS_OK;
            reply = mv_packet_encode(&rh, row->ret_proc, ret, call->ret_nfds, &err);
            /* Only the success reply announces fds; the error reply must not carry them. */
            ok = reply != NULL;
        }
        if (!reply) {
            if (!err)
                mv_error_set(&err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR,
                             "procedure %d failed without an error", hdr->proc);
            g_debug("call %d from client %" G_GUINT64_FORMAT " failed: %s", hdr->proc, c->id, err->message);
            reply = mv_packet_encode_error(hdr, err);
        }
        if (row->ret_proc)
            xdr_free(row->ret_proc, ret);
        if (row->args_proc)
            xdr_free(row->args_proc, args);
    }

    if (ok && call->no_reply) {
        g_mutex_lock(&c->lock);
        c->calls--;
        g_mutex_unlock(&c->lock);
        return;
    }
    int *fds = NULL;
    unsigned nfds = 0;
    if (ok && call->ret_nfds) {
        fds = g_steal_pointer(&call->ret_fds);
        nfds = call->ret_nfds;
        call->ret_nfds = 0;
    }
    client_queue_full(c, reply, fds, nfds, false, true, true, call->close_after_reply);
    if (ok && call->after_reply)
        call->after_reply(call->after_reply_data);
}

bool
mv_client_send_packet(MvClient *c, GBytes *packet, bool droppable)
{
    return client_queue(c, packet, NULL, 0, droppable);
}

bool
mv_client_register_stream(MvClient *c, unsigned serial, MvClientStreamFunc fn, void *data)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
    if (c->closed || c->streams->len >= MV_CLIENT_STREAMS_MAX)
        return false;
    StreamReg r = { serial, fn, data };
    g_array_append_val(c->streams, r);
    return true;
}

void
mv_client_unregister_stream(MvClient *c, unsigned serial)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
    for (guint i = 0; i < c->streams->len; i++) {
        if (g_array_index(c->streams, StreamReg, i).serial == serial) {
            g_array_remove_index_fast(c->streams, i);
            return;
        }
    }
}

/* Hand a STREAM packet to its stream; stale packets (stream already closed) are dropped. */
static void
dispatch_stream(MvClient *c, const MvPacket *pkt)
{
    StreamReg r = { 0 };
    g_mutex_lock(&c->lock);
    for (guint i = 0; i < c->streams->len; i++) {
        if (g_array_index(c->streams, StreamReg, i).serial == pkt->hdr.serial)
            r = g_array_index(c->streams, StreamReg, i);
    }
    g_mutex_unlock(&c->lock);
    if (r.fn)
        r.fn(c, pkt, r.data);
}


static void
worker_run(gpointer data, gpointer user_data)
{
    Job *job = data;
    call_run(&job->call, job->row);
    call_free(&job->call);
}

static const MvProgram *
find_program(MvServer *s, unsigned prog, unsigned vers)
{
    for (guint i = 0; i < s->programs->len; i++) {
        const MvProgram *p = s->programs->pdata[i];
        if (mv_program_number(p) == prog && mv_program_version(p) == vers)
            return p;
    }
    return NULL;
}

static void
send_pong(MvClient *c)
{
    mv_message_header hdr = { MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_VERSION, MV_KEEPALIVE_PROC_PONG,
                              MV_MSG_MESSAGE, 0, MV_STATUS_OK };
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 0, NULL);
    client_queue(c, b, NULL, 0, false);
}

/* One whole packet from @c, on the I/O thread.  Takes @pkt. */
static void
handle_packet(MvClient *c, MvPacket *pkt)
{
    MvServer *s = c->server;
    const mv_message_header *hdr = &pkt->hdr;
    g_autoptr(GError) err = NULL;

    if (hdr->prog == MV_KEEPALIVE_PROGRAM) {
        /* Any packet already counts as a sign of life; a PING also wants its PONG. */
        if (hdr->type == MV_MSG_MESSAGE && hdr->proc == MV_KEEPALIVE_PROC_PING)
            send_pong(c);
        mv_packet_free(pkt);
        return;
    }
    if (hdr->type == MV_MSG_STREAM || hdr->type == MV_MSG_STREAM_HOLE) {
        dispatch_stream(c, pkt);
        mv_packet_free(pkt);
        return;
    }
    if (hdr->type != MV_MSG_CALL && hdr->type != MV_MSG_CALL_WITH_FDS) {
        /* Replies and messages a client has no reason to send are ignored. */
        g_debug("client %" G_GUINT64_FORMAT ": ignoring %s packet for procedure %d",
                c->id, mv_message_type_name(hdr->type), hdr->proc);
        mv_packet_free(pkt);
        return;
    }

    const MvProgram *prog = find_program(s, hdr->prog, hdr->vers);
    const MvProcedure *row = NULL;
    if (!prog) {
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_RPC, "Cannot find program %u version %u",
                     hdr->prog, hdr->vers);
    } else if (hdr->status != MV_STATUS_OK) {
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_RPC, "Unexpected message status %d", hdr->status);
    } else if (!(row = mv_program_lookup(prog, hdr->proc))) {
        if (s->router && s->router(c, pkt, s->router_data))
            return;
        /* Exactly this text (and code) makes clients report "not supported" and fall back. */
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_RPC, "unknown procedure: %d", hdr->proc);
        mv_proclog_once("unknown", c, hdr, "unknown procedure, answered as not supported");
    } else if (!(row->flags & MV_PROC_BEFORE_OPEN) && !mv_client_is_open(c)) {
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection not open");
    } else if (!(row->flags & MV_PROC_READONLY_OK) && c->readonly) {
        mv_error_set(&err, MV_FROM_NONE, MV_ERR_OPERATION_DENIED,
                     "read only access prevents %s", row->api);
    }
    if (err) {
        reply_error(c, hdr, err);
        mv_packet_free(pkt);
        return;
    }

    Job *job = g_new0(Job, 1);
    job->call.client = mv_client_ref(c);
    job->call.pkt = pkt;
    job->row = row;
    g_mutex_lock(&c->lock);
    c->calls++;
    g_mutex_unlock(&c->lock);

    if (row->flags & MV_PROC_INLINE) {
        worker_run(job, NULL);
    } else {
        GThreadPool *pool = (row->flags & MV_PROC_PRIORITY) ? s->prio_pool : s->pool;
        if (!g_thread_pool_push(pool, job, &err)) {
            g_warning("cannot queue call %d: %s", hdr->proc, err->message);
            reply_error(c, hdr, err);
            g_mutex_lock(&c->lock);
            c->calls--;
            g_mutex_unlock(&c->lock);
            call_free(&job->call);
        }
    }
}

/* Whether @c may be read: it has fewer calls in flight (running, or answered with the
 * reply not yet written) than its limit, its unwritten output is below the pause bound,
 * and it has not asked to close.  Caller holds c->lock. */
static bool
client_wants_input_locked(MvClient *c)
{
    return c->calls + c->tx.replies < c->server->limits.max_calls_per_client &&
           mv_tx_cost(&c->tx) <= MV_CLIENT_OUTPUT_PAUSE && !c->close_when_flushed;
}

/* Poll for input unless the client has too many calls in flight or too much output
 * unwritten; for output while bytes wait.  Also closes a client that asked to close once
 * its replies are out. */
static void
client_update_events(MvClient *c)
{
    int r = 1;
    bool close_now = false;
    bool trim = false;
    GIOCondition cond = 0;

    g_mutex_lock(&c->lock);
    if (!c->closed) {
        r = mv_tx_flush(&c->tx, c->fd);
        if (r < 0 || (r == 1 && c->close_when_flushed && c->calls == 0))
            close_now = true;
        if (r == 0)
            cond |= G_IO_OUT;
        if (client_wants_input_locked(c))
            cond |= G_IO_IN;
        if (r == 1 && c->tx_peak > MV_CLIENT_TRIM_AFTER)
            trim = true;
        if (r == 1)
            c->tx_peak = 0;
    }
    g_mutex_unlock(&c->lock);

    /* Not read, and not reading what we have for it: the clock of output_timeout runs. */
    if (r == 0 && !(cond & G_IO_IN)) {
        if (!c->output_blocked_since)
            c->output_blocked_since = g_get_monotonic_time();
    } else {
        c->output_blocked_since = 0;
    }
    if (trim)
        malloc_trim(0);

    if (close_now) {
        if (r < 0)
            g_debug("client %" G_GUINT64_FORMAT ": write failed: %s", c->id, g_strerror(-r));
        client_close_now(c);
        return;
    }
    if (c->source && cond != c->fd_events) {
        /* Each change wakes the loop's poll: only tell GLib when something changed. */
        g_source_modify_unix_fd(c->source, c->fd_tag, cond);
        /* Reading again after a pause: packets read before it wait in the buffer, where the
         * poll cannot see them. */
        if ((cond & G_IO_IN) && !(c->fd_events & G_IO_IN) && mv_rx_has_packet(&c->rx))
            g_source_set_ready_time(c->source, 0);
        c->fd_events = cond;
    }
}

static gboolean
client_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    MvClient *c = ((ClientSource *)source)->client;
    GIOCondition got = g_source_query_unix_fd(source, c->fd_tag);
    g_autoptr(MvClient) hold = mv_client_ref(c);

    g_source_set_ready_time(source, -1);
    bool buffered = mv_rx_has_packet(&c->rx);
    if ((got & G_IO_IN) || buffered) {
        /* Without a readable socket only what is buffered is taken. */
        if (got & G_IO_IN)
            mv_rx_wakeup(&c->rx);
        else
            c->rx.drained = true;
        /* Bound the packets taken per wakeup so one chatty client cannot starve others. */
        for (int i = 0; i < 16 && c->source; i++) {
            MvPacket *pkt = NULL;
            g_autoptr(GError) err = NULL;
            MvRxResult r = mv_rx_read(&c->rx, c->fd, &pkt, &err);
            if (r == MV_RX_AGAIN)
                break;
            if (r == MV_RX_EOF) {
                client_close_now(c);
                return G_SOURCE_CONTINUE;
            }
            if (r == MV_RX_ERROR) {
                g_info("client %" G_GUINT64_FORMAT " of server '%s' dropped: %s", c->id,
                       c->server->name, err->message);
                client_close_now(c);
                return G_SOURCE_CONTINUE;
            }
            c->last_rx = g_get_monotonic_time();
            c->pings_unanswered = 0;
            handle_packet(c, pkt);
            g_mutex_lock(&c->lock);
            bool full = !client_wants_input_locked(c);
            g_mutex_unlock(&c->lock);
            if (full)
                break;
        }
    } else if (got & (G_IO_HUP | G_IO_ERR)) {
        client_close_now(c);
        return G_SOURCE_CONTINUE;
    }
    if (c->source) {
        client_update_events(c);
        /* Whole packets left in the buffer (the burst bound above) do not wake the poll. */
        if ((c->fd_events & G_IO_IN) && mv_rx_has_packet(&c->rx))
            g_source_set_ready_time(source, 0);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs client_source_funcs = {
    .dispatch = client_source_dispatch,
};

static void
client_close_now(MvClient *c)
{
    MvServer *s = c->server;

    g_mutex_lock(&c->lock);
    bool was_closed = c->closed;
    c->closed = true;
    g_mutex_unlock(&c->lock);
    if (was_closed || (!c->source && !c->detached))
        return;
    if (c->source) {
        g_source_destroy(c->source);
        g_source_unref(c->source);
        c->source = NULL;
    }
    /* Wake anyone blocked on the peer at once; the fd itself goes with the last ref.  A
     * detached client's socket is its new owner's to close: tell the owner instead. */
    if (c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
    if (c->detached && c->detach_close) {
        MvClientDetachCloseFunc fn = c->detach_close;
        c->detach_close = NULL;
        fn(c, c->detach_data);
    }
    g_debug("client %" G_GUINT64_FORMAT " of server '%s' closed", c->id, s->name);
    /* Streams learn that their client is gone (a NULL packet), once. */
    g_mutex_lock(&c->lock);
    g_autoptr(GArray) streams = g_array_copy(c->streams);
    g_array_set_size(c->streams, 0);
    g_mutex_unlock(&c->lock);
    for (guint i = 0; i < streams->len; i++) {
        StreamReg *r = &g_array_index(streams, StreamReg, i);
        r->fn(c, NULL, r->data);
    }
    if (s->on_close)
        s->on_close(c, s->hook_data);
    if (c->ro_listener)
        s->nclients_ro--;
    g_hash_table_remove(s->clients, c);   /* drops the server's reference */
    if (s->on_count)
        s->on_count(s, g_hash_table_size(s->clients), s->hook_data);
}

MvClient *
mv_server_add_client_fd(MvServer *s, int fd, bool readonly)
{
    MvClient *c = g_new0(MvClient, 1);
    c->refs = 1;
    c->server = s;
    c->id = ++s->next_client_id;
    c->fd = fd;
    c->readonly = readonly;
    c->ro_listener = readonly;
    c->uid = (uid_t)-1;
    c->gid = (gid_t)-1;
    c->pid = -1;
    c->connected_at = g_get_monotonic_time();
    g_mutex_init(&c->lock);
    c->streams = g_array_new(FALSE, FALSE, sizeof(StreamReg));
    mv_rx_init(&c->rx);
    c->rx.skip_empty_reads = true;   /* non-blocking, polled by the main loop */
    mv_tx_init(&c->tx);
    c->last_rx = g_get_monotonic_time();

    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        c->uid = cred.uid;
        c->gid = cred.gid;
        c->pid = cred.pid;
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);

    c->source = g_source_new(&client_source_funcs, sizeof(ClientSource));
    ((ClientSource *)c->source)->client = c;
    c->fd_tag = g_source_add_unix_fd(c->source, fd, G_IO_IN);
    c->fd_events = G_IO_IN;
    /* Without this GLib takes the fd out of the poll set around every dispatch and puts it
     * back after, two wakeups per call for nothing: our dispatch never re-enters the loop. */
    g_source_set_can_recurse(c->source, TRUE);
    g_source_attach(c->source, NULL);
    g_hash_table_add(s->clients, c);
    if (c->ro_listener)
        s->nclients_ro++;
    g_debug("client %" G_GUINT64_FORMAT " connected to server '%s' (pid %d, uid %d%s)", c->id, s->name,
            (int)c->pid, (int)c->uid, readonly ? ", read-only" : "");
    if (s->on_count)
        s->on_count(s, g_hash_table_size(s->clients), s->hook_data);
    return c;
}

int
mv_client_detach(MvClient *c, MvRx *ret_rx, MvTx *ret_tx, MvClientDetachCloseFunc on_close, void *data)
{
    g_assert(g_main_context_is_owner(g_main_context_default()));
    if (!c->source)
        return -1;
    g_source_destroy(c->source);
    g_source_unref(c->source);
    c->source = NULL;

    g_mutex_lock(&c->lock);
    c->detached = true;
    /* The queues move by value; the client's own are left empty. */
    *ret_tx = c->tx;
    mv_tx_init(&c->tx);
    g_mutex_unlock(&c->lock);
    *ret_rx = c->rx;
    mv_rx_init(&c->rx);
    c->detach_close = on_close;
    c->detach_data = data;
    c->output_blocked_since = 0;
    int fd = c->fd;
    c->fd = -1;
    return fd;
}

bool
mv_client_replace_socket(MvClient *c, int fd, GError **error)
{
    g_assert(g_main_context_is_owner(g_main_context_default()));
    g_mutex_lock(&c->lock);
    bool busy = c->closed || c->detached || c->tx.bytes > 0 || !g_queue_is_empty(&c->tx.items);
    g_mutex_unlock(&c->lock);
    if (busy || !c->source || !mv_rx_is_empty(&c->rx)) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_OPERATION_INVALID,
                     "client %" G_GUINT64_FORMAT " is not between packets", c->id);
        return false;
    }
    g_source_remove_unix_fd(c->source, c->fd_tag);
    close(c->fd);
    c->fd = fd;
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    struct ucred cred;
    socklen_t len = sizeof(cred);
    c->uid = (uid_t)-1;
    c->gid = (gid_t)-1;
    c->pid = -1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        c->uid = cred.uid;
        c->gid = cred.gid;
        c->pid = cred.pid;
    }
    c->fd_tag = g_source_add_unix_fd(c->source, fd, G_IO_IN);
    c->fd_events = G_IO_IN;
    /* Without this GLib takes the fd out of the poll set around every dispatch and puts it
     * back after, two wakeups per call for nothing: our dispatch never re-enters the loop. */
    g_source_set_can_recurse(c->source, TRUE);
    c->last_rx = g_get_monotonic_time();
    g_debug("client %" G_GUINT64_FORMAT " of server '%s' now on a socket handed over (pid %d, uid %d)",
            c->id, c->server->name, (int)c->pid, (int)c->uid);
    return true;
}

size_t
mv_client_backlog(MvClient *c)
{
    g_mutex_lock(&c->lock);
    size_t n = mv_tx_cost(&c->tx);
    g_mutex_unlock(&c->lock);
    return n;
}

void
mv_server_set_router(MvServer *s, MvServerRouteFunc fn, void *data)
{
    s->router = fn;
    s->router_data = data;
}

/* ---------- listeners ---------- */

typedef struct {
    MvServer *server;
    int fd;
    bool readonly;
} Listener;

/* Out of descriptors: the pending connection stays readable on the listener and the loop
 * would spin on it.  Closing the spare makes room to accept and close it (the client sees
 * the connection end).  True when a connection went. */
static bool
refuse_for_lack_of_fds(MvServer *s, int fd)
{
    if (s->spare_fd < 0)
        return false;
    close(s->spare_fd);
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd >= 0)
        close(cfd);
    s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    g_warning("server '%s' is out of file descriptors, refusing a new client", s->name);
    return cfd >= 0;
}

static gboolean
listener_ready(gint fd, GIOCondition cond, gpointer data)
{
    Listener *l = data;
    MvServer *s = l->server;

    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && refuse_for_lack_of_fds(s, fd))
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                g_warning("accept on server '%s' failed: %s", s->name, g_strerror(errno));
            break;
        }
        if (!mv_server_has_room(s, l->readonly, "a new one")) {
            close(cfd);
            continue;
        }
        mv_server_add_client_fd(s, cfd, l->readonly);
    }
    return G_SOURCE_CONTINUE;
}

static void
listener_free(gpointer data)
{
    Listener *l = data;
    close(l->fd);
    g_free(l);
}

void
mv_server_add_listener(MvServer *s, int fd, bool readonly)
{
    Listener *l = g_new0(Listener, 1);
    l->server = s;
    l->fd = fd;
    l->readonly = readonly;
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    GSource *src = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(src, (GSourceFunc)(void (*)(void))listener_ready, l, listener_free);
    g_source_attach(src, NULL);
    g_ptr_array_add(s->listeners, src);
}

/* ---------- keepalive ---------- */

static gboolean
keepalive_tick(gpointer data)
{
    MvServer *s = data;
    gint64 now = g_get_monotonic_time();
    gint64 interval = (gint64)s->limits.keepalive_interval * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) dead = g_ptr_array_new_with_free_func((GDestroyNotify)mv_client_unref);
    GHashTableIter it;
    gpointer key;

    /* Queueing a ping may close its client (write error), which removes it from
     * s->clients: collect first, send after the iteration. */
    g_autoptr(GPtrArray) ping = g_ptr_array_new_with_free_func((GDestroyNotify)mv_client_unref);
    g_hash_table_iter_init(&it, s->clients);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        MvClient *c = key;
        g_mutex_lock(&c->lock);
        bool ka = c->keepalive && !c->detached;
        /* A client whose calls are running is not read meanwhile, so its PONGs wait in the
         * socket: it is busy, not dead. */
        bool busy = c->calls > 0;
        g_mutex_unlock(&c->lock);
        if (!ka || busy || now - c->last_rx < interval)
            continue;
        if (c->pings_unanswered >= s->limits.keepalive_count) {
            g_ptr_array_add(dead, mv_client_ref(c));
            continue;
        }
        g_ptr_array_add(ping, mv_client_ref(c));
    }
    mv_message_header hdr = { MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_VERSION, MV_KEEPALIVE_PROC_PING,
                              MV_MSG_MESSAGE, 0, MV_STATUS_OK };
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 0, NULL);
    for (guint i = 0; i < ping->len; i++) {
        MvClient *c = ping->pdata[i];
        c->pings_unanswered++;
        client_queue(c, b, NULL, 0, false);
    }
    for (guint i = 0; i < dead->len; i++) {
        MvClient *c = dead->pdata[i];
        g_info("client %" G_GUINT64_FORMAT " of server '%s' did not answer %u keepalive pings, dropping it",
               c->id, s->name, s->limits.keepalive_count);
        client_close_now(c);
    }
    return G_SOURCE_CONTINUE;
}

/* ---------- limits ---------- */

/* Once a second: drop the clients that have stayed blocked on their own output (they send
 * and never read) for longer than output_timeout, and those connected for longer than
 * open_timeout without opening the connection. */
static gboolean
housekeeping_tick(gpointer data)
{
    MvServer *s = data;
    gint64 now = g_get_monotonic_time();
    gint64 output_limit = (gint64)s->limits.output_timeout * G_USEC_PER_SEC;
    gint64 open_limit = (gint64)s->limits.open_timeout * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) blocked = g_ptr_array_new_with_free_func((GDestroyNotify)mv_client_unref);
    g_autoptr(GPtrArray) unopened = g_ptr_array_new_with_free_func((GDestroyNotify)mv_client_unref);
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, s->clients);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        MvClient *c = key;
        if (output_limit && c->output_blocked_since && now - c->output_blocked_since > output_limit)
            g_ptr_array_add(blocked, mv_client_ref(c));
        else if (open_limit && now - c->connected_at > open_limit && c->source && !mv_client_is_open(c))
            g_ptr_array_add(unopened, mv_client_ref(c));
    }
    for (guint i = 0; i < blocked->len; i++) {
        MvClient *c = blocked->pdata[i];
        g_warning("client %" G_GUINT64_FORMAT " of server '%s' (pid %d, uid %d) stopped reading its "
                  "output for %u s with %zu bytes unwritten, dropping it", c->id, s->name,
                  (int)c->pid, (int)c->uid, s->limits.output_timeout, mv_client_backlog(c));
        client_close_now(c);
    }
    for (guint i = 0; i < unopened->len; i++) {
        MvClient *c = unopened->pdata[i];
        g_info("client %" G_GUINT64_FORMAT " of server '%s' (pid %d, uid %d) did not open the connection "
               "within %u s, dropping it", c->id, s->name, (int)c->pid, (int)c->uid, s->limits.open_timeout);
        client_close_now(c);
    }
    return G_SOURCE_CONTINUE;
}

/* ---------- server ---------- */

MvServer *
mv_server_new(const char *name, const MvServerLimits *limits)
{
    MvServer *s = g_new0(MvServer, 1);
    s->name = g_strdup(name);
    if (limits)
        s->limits = *limits;
    else
        mv_server_limits_default(&s->limits);
    if (s->limits.max_calls_per_client == 0)
        s->limits.max_calls_per_client = 1;
    s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    s->programs = g_ptr_array_new_with_free_func((GDestroyNotify)mv_program_free);
    s->listeners = g_ptr_array_new();
    s->clients = g_hash_table_new_full(NULL, NULL, (GDestroyNotify)mv_client_unref, NULL);
    s->pool = g_thread_pool_new(worker_run, NULL, MAX(1, (int)s->limits.workers), FALSE, NULL);
    s->prio_pool = g_thread_pool_new(worker_run, NULL, MAX(1, (int)s->limits.priority_workers), FALSE, NULL);
    if (s->limits.keepalive_interval > 0)
        s->keepalive_timer = g_timeout_add_seconds(s->limits.keepalive_interval, keepalive_tick, s);
    if (s->limits.output_timeout > 0 || s->limits.open_timeout > 0)
        s->housekeeping_timer = g_timeout_add_seconds(1, housekeeping_tick, s);
    return s;
}

const char *
mv_server_name(const MvServer *s)
{
    return s->name;
}

void
mv_server_set_data(MvServer *s, void *data)
{
    s->data = data;
}

void *
mv_server_get_data(const MvServer *s)
{
    return s->data;
}

void
mv_server_add_program(MvServer *s, MvProgram *prog)
{
    g_ptr_array_add(s->programs, prog);
}

void
mv_server_set_hooks(MvServer *s, MvClientCloseHook on_close, MvClientCountHook on_count, void *data)
{
    s->on_close = on_close;
    s->on_count = on_count;
    s->hook_data = data;
}

unsigned
mv_server_client_count(const MvServer *s)
{
    return g_hash_table_size(s->clients);
}

unsigned
mv_server_max_clients(const MvServer *s)
{
    return s->limits.max_clients;
}

bool
mv_server_has_room(const MvServer *s, bool readonly, const char *who)
{
    unsigned n = readonly ? s->nclients_ro : g_hash_table_size(s->clients) - s->nclients_ro;
    unsigned max = readonly ? s->limits.max_readonly_clients : s->limits.max_clients;
    if (n < max)
        return true;
    g_warning("server '%s' has %u %s clients already, refusing %s", s->name, max,
              readonly ? "read-only" : "read-write", who);
    return false;
}

void
mv_server_shutdown(MvServer *s)
{
    for (guint i = 0; i < s->listeners->len; i++) {
        g_source_destroy(s->listeners->pdata[i]);
        g_source_unref(s->listeners->pdata[i]);
    }
    g_ptr_array_set_size(s->listeners, 0);
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)mv_client_unref);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, s->clients);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(all, mv_client_ref(key));
    for (guint i = 0; i < all->len; i++)
        client_close_now(all->pdata[i]);
}

void
mv_server_free(MvServer *s)
{
    if (!s)
        return;
    mv_server_shutdown(s);
    if (s->keepalive_timer)
        g_source_remove(s->keepalive_timer);
    if (s->housekeeping_timer)
        g_source_remove(s->housekeeping_timer);
    /* Let running calls finish; their replies go nowhere. */
    g_thread_pool_free(s->pool, FALSE, TRUE);
    g_thread_pool_free(s->prio_pool, FALSE, TRUE);
    g_hash_table_unref(s->clients);
    g_ptr_array_unref(s->listeners);
    g_ptr_array_unref(s->programs);
    if (s->spare_fd >= 0)
        close(s->spare_fd);
    g_free(s->name);
    g_free(s);
}
