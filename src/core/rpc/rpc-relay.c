// SPDX-License-Identifier: LGPL-2.1-or-later
// The relay between a client and a backend daemon: the handshake replayed on the backend
// connection, then packets passed through as they are.  It looks at headers only, to
// match handshake replies, to remember which calls are waiting (so that a backend that goes
// away leaves no client hanging) and, for relayed calls, to route streams.

#include "rpc/rpc-relay.h"
#include "util/util-error.h"
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A client whose relay stopped (backend gone, open refused) gets this long to read the
 * last answers before its socket is closed anyway. */
#define RELAY_LINGER_SECONDS 5
/* How often a relay whose client is backed up checks whether it may read again. */
#define RELAY_RESUME_POLL_MS 10
/* Packets taken from one socket per wakeup, so that one busy peer cannot starve others. */
#define RELAY_READ_BURST 32

/* ---------- identity ---------- */

struct MvIdentity {
    GArray *params;   /* remote_typed_param; strings owned */
};

/* libvirt's typed-parameter types (remote_typed_param_value discriminants). */
enum { TP_LLONG = 3, TP_ULLONG = 4, TP_STRING = 7 };

static void
param_clear(gpointer data)
{
    remote_typed_param *p = data;
    g_free(p->field);
    if (p->value.type == TP_STRING)
        g_free(p->value.remote_typed_param_value_u.s);
}

MvIdentity *
mv_identity_new(void)
{
    MvIdentity *id = g_new0(MvIdentity, 1);
    id->params = g_array_new(FALSE, TRUE, sizeof(remote_typed_param));
    g_array_set_clear_func(id->params, param_clear);
    return id;
}

void
mv_identity_free(MvIdentity *id)
{
    if (!id)
        return;
    g_array_unref(id->params);
    g_free(id);
}

unsigned
mv_identity_count(const MvIdentity *id)
{
    return id ? id->params->len : 0;
}

static remote_typed_param *
identity_add(MvIdentity *id, const char *key, int type)
{
    remote_typed_param p = { .field = g_strdup(key) };
    p.value.type = type;
    g_array_append_val(id->params, p);
    return &g_array_index(id->params, remote_typed_param, id->params->len - 1);
}

void
mv_identity_add_string(MvIdentity *id, const char *key, const char *value)
{
    identity_add(id, key, TP_STRING)->value.remote_typed_param_value_u.s = g_strdup(value);
}

void
mv_identity_add_llong(MvIdentity *id, const char *key, gint64 value)
{
    identity_add(id, key, TP_LLONG)->value.remote_typed_param_value_u.l = value;
}

void
mv_identity_add_ullong(MvIdentity *id, const char *key, guint64 value)
{
    identity_add(id, key, TP_ULLONG)->value.remote_typed_param_value_u.ul = value;
}

void
mv_identity_add_text(MvIdentity *id, const char *key_value)
{
    const char *eq = strchr(key_value, '=');
    if (!eq)
        return;
    g_autofree char *key = g_strndup(key_value, eq - key_value);
    const char *val = eq + 1;
    /* The numeric keys libvirt defines; everything else is a string. */
    if (g_str_equal(key, "unix-user-id") || g_str_equal(key, "unix-group-id") ||
        g_str_equal(key, "process-time"))
        mv_identity_add_ullong(id, key, g_ascii_strtoull(val, NULL, 10));
    else if (g_str_equal(key, "process-id"))
        mv_identity_add_llong(id, key, g_ascii_strtoll(val, NULL, 10));
    else
        mv_identity_add_string(id, key, val);
}

/* Start time of @pid in clock ticks since boot (field 22 of /proc/PID/stat), 0 if unknown. */
static guint64
process_start_time(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    /* The command name may hold spaces and parentheses: count from the last ')'. */
    const char *p = strrchr(text, ')');
    if (!p)
        return 0;
    g_auto(GStrv) f = g_strsplit(p + 2, " ", 0);
    /* After ")": field 3 (state) is f[0], so field 22 is f[19]. */
    return g_strv_length(f) > 19 ? g_ascii_strtoull(f[19], NULL, 10) : 0;
}

MvIdentity *
mv_identity_new_unix(uid_t uid, gid_t gid, pid_t pid)
{
    MvIdentity *id = mv_identity_new();
    long bufsize = sysconf(_SC_GETPW_R_SIZE_MAX);
    g_autofree char *buf = g_malloc(bufsize > 0 ? bufsize : 16384);
    size_t len = bufsize > 0 ? (size_t)bufsize : 16384;
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp = NULL;

    if (getpwuid_r(uid, &pw, buf, len, &pwp) == 0 && pwp)
        mv_identity_add_string(id, "user-name", pw.pw_name);
    mv_identity_add_ullong(id, "unix-user-id", uid);
    if (getgrgid_r(gid, &gr, buf, len, &grp) == 0 && grp)
        mv_identity_add_string(id, "group-name", gr.gr_name);
    mv_identity_add_ullong(id, "unix-group-id", gid);
    mv_identity_add_llong(id, "process-id", pid);
    guint64 start = process_start_time(pid);
    if (start)
        mv_identity_add_ullong(id, "process-time", start);
    return id;
}

MvIdentity *
mv_identity_of_peer(MvClient *c)
{
    uid_t uid;
    gid_t gid;
    pid_t pid;
    mv_client_peer(c, &uid, &gid, &pid);
    return pid > 0 ? mv_identity_new_unix(uid, gid, pid) : NULL;
}

/* ---------- reading ---------- */

/* A relay reads with MvRx (rpc-io.h): many packets per system call. */

/* ---------- the relay ---------- */

typedef struct End End;

/* One socket of a relay: the backend's, or (whole connection) the client's. */
struct End {
    MvRelay *relay;
    const char *name;      /* "client" or "backend", for logs */
    int fd;
    GSource *source;
    gpointer tag;          /* NULL while the fd is not polled at all (stalled) */
    GIOCondition cond;     /* what tag polls for: changing it wakes the main context, so
                            * it is only changed when it must */
    MvRx rx;
    MvTx tx;
    bool stalled;          /* not read while the other end's backlog drains */
    guint kick;            /* idle callback taking buffered packets after a stall */
};

typedef struct {
    GSource base;
    End *end;
} EndSource;

typedef enum {
    RELAY_HANDSHAKE,       /* replaying the handshake on the backend */
    RELAY_ADOPTING,        /* offered the client's socket to the backend */
    RELAY_OPEN,            /* relaying */
    RELAY_DEAD,            /* the backend is gone; nothing more is relayed */
} RelayState;

/* One call of the handshake, sent when the one before it is answered. */
typedef struct {
    mv_message_header hdr;
    GBytes *bytes;
    int feature;           /* CONNECT_SUPPORTS_FEATURE steps: the feature asked */
} Step;

struct MvRelay {
    MvRelayMode mode;
    char *label;
    char *path;
    MvClient *client;
    End backend;
    End front;             /* whole connection only */
    RelayState state;
    GArray *steps;         /* Step */
    guint step;
    guint hs_timer;
    GBytes *open_reply;    /* whole connection: the backend's OK to CONNECT_OPEN, held
                            * until the identity is accepted too */
    GQueue waiting;        /* calls: MvPacket* handed over during the handshake */
    GArray *pending;       /* mv_message_header of calls sent and not answered */
    GArray *streams;       /* calls: serials of the streams open through us */
    GArray *stream_procs;  /* calls: int */
    guint resume_timer;
    guint linger_timer;
    bool front_closing;    /* whole connection: close the client once its queue is out */
    bool can_adopt;        /* the backend takes client sockets (MV_ADOPT_FEATURE) */
    bool finished;         /* sockets closed; whole connection: memory freed soon */
};

static void end_update(End *e);
static void connection_packet(MvRelay *r, End *from, MvPacket *pkt);
static gboolean handshake_timeout(gpointer data);
static gboolean end_kick(gpointer data);
static void relay_finish(MvRelay *r);
static void relay_handshake_failed(MvRelay *r, const GError *err);

static End *
other_end(End *e)
{
    MvRelay *r = e->relay;
    if (r->mode != MV_RELAY_CONNECTION)
        return NULL;
    return e == &r->backend ? &r->front : &r->backend;
}

static void
step_clear(gpointer data)
{
    g_bytes_unref(((Step *)data)->bytes);
}

/* ---- sockets ---- */

static int
unix_connect(const char *path, GError **error)
{
    struct sockaddr_un sa;
    if (!mv_unix_address(path, &sa, error))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot create a socket");
        return -1;
    }
    /* Non-blocking: a unix socket connects or fails at once (EAGAIN when the listener's
     * backlog is full), so a stuck backend cannot stall our I/O thread here. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static gboolean
end_dispatch(GSource *source, GSourceFunc callback, gpointer user_data);

static GSourceFuncs end_source_funcs = { .dispatch = end_dispatch };

static void
end_init(End *e, MvRelay *r, const char *name)
{
    e->relay = r;
    e->name = name;
    e->fd = -1;
    mv_rx_init(&e->rx);
    mv_tx_init(&e->tx);
}

static void
end_attach(End *e, int fd, bool stalled)
{
    e->fd = fd;
    e->stalled = stalled;
    e->source = g_source_new(&end_source_funcs, sizeof(EndSource));
    ((EndSource *)e->source)->end = e;
    /* GLib otherwise removes and re-adds a source's fds around each dispatch, waking the
     * context twice per packet; dispatch never iterates the loop, so recursion is moot. */
    g_source_set_can_recurse(e->source, TRUE);
    if (!stalled) {
        e->cond = G_IO_IN;
        e->tag = g_source_add_unix_fd(e->source, fd, e->cond);
    }
    g_source_attach(e->source, NULL);
}

static void
end_close(End *e)
{
    g_clear_handle_id(&e->kick, g_source_remove);
    if (e->source) {
        g_source_destroy(e->source);
        g_source_unref(e->source);
        e->source = NULL;
        e->tag = NULL;
    }
    if (e->fd >= 0) {
        close(e->fd);
        e->fd = -1;
    }
    mv_rx_clear(&e->rx);
    mv_tx_clear(&e->tx);
}

/* Stop or resume reading @e.  A stalled fd is not polled at all, so that a hang-up behind
 * unread data neither spins the loop nor loses that data. */
static void
end_set_stalled(End *e, bool stalled)
{
    if (e->stalled == stalled || e->fd < 0)
        return;
    e->stalled = stalled;
    end_update(e);
    if (!stalled && e->rx.end > e->rx.start && !e->kick)
        e->kick = g_idle_add(end_kick, e);
}

/* Queue @bytes (and @fds) on @e and write what the socket takes now. */
static void
end_send(End *e, GBytes *bytes, int *fds, unsigned nfds)
{
    if (e->fd < 0) {
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
        g_free(fds);
        return;
    }
    mv_tx_push(&e->tx, bytes, fds, nfds);
    end_update(e);
    End *o = other_end(e);
    if (o && e->fd >= 0 && mv_tx_cost(&e->tx) > MV_RELAY_BACKLOG_HIGH)
        end_set_stalled(o, true);
}

static gboolean linger_expired(gpointer data);

/* Whole connection: close the client once what is queued for it is written, or after
 * RELAY_LINGER_SECONDS if it does not read. */
static void
front_close_soon(MvRelay *r)
{
    r->front_closing = true;
    if (!r->linger_timer)
        r->linger_timer = g_timeout_add_seconds(RELAY_LINGER_SECONDS, linger_expired, r);
}

/* The whole-connection client's queue is out: its relay may end now. */
static void
front_flushed(MvRelay *r)
{
    if (r->front_closing && r->front.tx.bytes == 0)
        relay_finish(r);
}

static void
end_failed(End *e, const char *why);

/* Write, then poll for what is needed: input unless stalled, output while bytes wait. */
static void
end_update(End *e)
{
    MvRelay *r = e->relay;
    if (e->fd < 0 || r->finished)
        return;
    int rc = mv_tx_flush(&e->tx, e->fd);
    if (rc < 0) {
        g_autofree char *why = g_strdup_printf("cannot write: %s", g_strerror(-rc));
        end_failed(e, why);
        return;
    }
    GIOCondition cond = (e->stalled ? 0 : G_IO_IN) | (rc == 0 ? G_IO_OUT : 0);
    if (cond && !e->tag) {
        e->tag = g_source_add_unix_fd(e->source, e->fd, cond);
    } else if (!cond && e->tag) {
        g_source_remove_unix_fd(e->source, e->tag);
        e->tag = NULL;
    } else if (e->tag && cond != e->cond) {
        g_source_modify_unix_fd(e->source, e->tag, cond);
    }
    e->cond = cond;
    if (e == &r->front && rc == 1) {
        front_flushed(r);
        if (r->finished)
            return;
    }
    End *o = other_end(e);
    if (o && o->stalled && mv_tx_cost(&e->tx) <= MV_RELAY_BACKLOG_LOW &&
        !(o == &r->front && r->state != RELAY_OPEN))
        end_set_stalled(o, false);
}

/* ---- answers of our own ---- */

static GBytes *
error_packet(const mv_message_header *hdr, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static GBytes *
error_packet(const mv_message_header *hdr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(GError) err = NULL;
    /* VIR_ERR_RPC from VIR_FROM_RPC: what libvirt's own client reports when its
     * connection breaks under a call; the text names the backend that went away. */
    mv_error_set_literal(&err, MV_FROM_RPC, MV_ERR_RPC, msg);
    return mv_packet_encode_error(hdr, err);
}

/* Send @bytes to the client, through its socket or its server. */
static void
to_client(MvRelay *r, GBytes *bytes, bool droppable)
{
    if (r->mode == MV_RELAY_CONNECTION)
        end_send(&r->front, bytes, NULL, 0);
    else
        mv_client_send_packet(r->client, bytes, droppable);
}

static void
send_pong(End *e)
{
    mv_message_header hdr = { MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_VERSION, MV_KEEPALIVE_PROC_PONG,
                              MV_MSG_MESSAGE, 0, MV_STATUS_OK };
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 0, NULL);
    end_send(e, b, NULL, 0);
}

static bool
is_keepalive_ping(const mv_message_header *h)
{
    return h->prog == MV_KEEPALIVE_PROGRAM && h->type == MV_MSG_MESSAGE && h->proc == MV_KEEPALIVE_PROC_PING;
}

/* ---- calls waiting for their reply ---- */

static void
pending_add(MvRelay *r, const mv_message_header *h)
{
    g_array_append_val(r->pending, *h);
}

static void
pending_remove(MvRelay *r, const mv_message_header *h)
{
    for (guint i = 0; i < r->pending->len; i++) {
        const mv_message_header *p = &g_array_index(r->pending, mv_message_header, i);
        if (p->serial == h->serial && p->proc == h->proc && p->prog == h->prog) {
            g_array_remove_index_fast(r->pending, i);
            return;
        }
    }
}

/* The backend is gone: every call still waiting gets an error naming it.  A whole
 * connection's client that is not reading (its queue past MV_RELAY_BACKLOG_HIGH) gets no
 * more of them: it is closed next, which fails its calls in its own library, and thousands
 * of answers nobody reads would only grow our memory. */
static void
pending_fail(MvRelay *r, const char *why)
{
    for (guint i = 0; i < r->pending->len; i++) {
        if (r->mode == MV_RELAY_CONNECTION && mv_tx_cost(&r->front.tx) > MV_RELAY_BACKLOG_HIGH) {
            g_debug("relay to %s: the client does not read, %u calls left unanswered before it is closed",
                    r->label, r->pending->len - i);
            break;
        }
        mv_message_header h = g_array_index(r->pending, mv_message_header, i);
        h.type = MV_MSG_CALL;
        g_autoptr(GBytes) b = error_packet(&h, "%s ('%s') %s before answering procedure %d",
                                           r->label, r->path, why, h.proc);
        to_client(r, b, false);
    }
    g_array_set_size(r->pending, 0);
}

/* ---- streams of relayed calls ---- */

static bool
is_stream_proc(MvRelay *r, int proc)
{
    for (guint i = 0; r->stream_procs && i < r->stream_procs->len; i++) {
        if (g_array_index(r->stream_procs, int, i) == proc)
            return true;
    }
    return false;
}

static void stream_from_client(MvClient *c, const MvPacket *pkt, void *data);

static void
stream_forget(MvRelay *r, unsigned serial)
{
    for (guint i = 0; i < r->streams->len; i++) {
        if (g_array_index(r->streams, unsigned, i) == serial) {
            g_array_remove_index_fast(r->streams, i);
            mv_client_unregister_stream(r->client, serial);
            return;
        }
    }
}

/* Stream packets the client sends for a relayed stream go to the backend as they are. */
static void
stream_from_client(MvClient *c, const MvPacket *pkt, void *data)
{
    MvRelay *r = data;
    if (!pkt) {
        /* The client went away; its server forgets the registrations itself. */
        g_array_set_size(r->streams, 0);
        return;
    }
    if (r->state != RELAY_OPEN)
        return;
    g_autoptr(GBytes) b = g_bytes_new(pkt->data, pkt->len);
    end_send(&r->backend, b, NULL, 0);
}

/* ---- the handshake ---- */

static void
step_add(MvRelay *r, const mv_message_header *hdr, xdrproc_t proc, const void *body)
{
    Step st = { *hdr, NULL, 0 };
    if (hdr->proc == REMOTE_PROC_CONNECT_SUPPORTS_FEATURE)
        st.feature = ((const remote_connect_supports_feature_args *)body)->feature;
    st.bytes = mv_packet_encode(hdr, proc, body, 0, NULL);
    g_assert(st.bytes);   /* small bodies of our own always encode */
    g_array_append_val(r->steps, st);
}

static void
handshake_build(MvRelay *r, const MvRelayConfig *cfg)
{
    unsigned serial = 0;
    mv_message_header h = { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, 0, MV_MSG_CALL, 0, MV_STATUS_OK };

    h.proc = REMOTE_PROC_AUTH_LIST;
    h.serial = serial++;
    step_add(r, &h, NULL, NULL);
    if (cfg->keepalive) {
        remote_connect_supports_feature_args f = { .feature = 10 };   /* PROGRAM_KEEPALIVE */
        h.proc = REMOTE_PROC_CONNECT_SUPPORTS_FEATURE;
        h.serial = serial++;
        step_add(r, &h, (xdrproc_t)xdr_remote_connect_supports_feature_args, &f);
    }
    if (cfg->adopt) {
        remote_connect_supports_feature_args f = { .feature = MV_ADOPT_FEATURE };
        h.proc = REMOTE_PROC_CONNECT_SUPPORTS_FEATURE;
        h.serial = serial++;
        step_add(r, &h, (xdrproc_t)xdr_remote_connect_supports_feature_args, &f);
    }
    char *name = (char *)cfg->open_name;
    remote_connect_open_args o = { .name = &name, .flags = cfg->open_flags };
    if (cfg->client_open) {
        h = *cfg->client_open;
        h.type = MV_MSG_CALL;
        h.status = MV_STATUS_OK;
    } else {
        h.proc = REMOTE_PROC_CONNECT_OPEN;
        h.serial = serial++;
    }
    step_add(r, &h, (xdrproc_t)xdr_remote_connect_open_args, &o);
    if (cfg->identity) {
        remote_connect_set_identity_args id = { 0 };
        id.params.params_len = cfg->identity->params->len;
        id.params.params_val = (remote_typed_param *)(void *)cfg->identity->params->data;
        h = (mv_message_header){ REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, REMOTE_PROC_CONNECT_SET_IDENTITY,
                                 MV_MSG_CALL, serial++, MV_STATUS_OK };
        step_add(r, &h, (xdrproc_t)xdr_remote_connect_set_identity_args, &id);
    }
}

static void
handshake_send_step(MvRelay *r)
{
    Step *st = &g_array_index(r->steps, Step, r->step);
    end_send(&r->backend, st->bytes, NULL, 0);
}

static gboolean
handshake_timeout(gpointer data)
{
    MvRelay *r = data;
    r->hs_timer = 0;
    if (r->state == RELAY_ADOPTING) {
        g_info("relay to %s ('%s'): no answer to the socket hand-over, closing the client", r->label, r->path);
        relay_finish(r);
        return G_SOURCE_REMOVE;
    }
    g_autoptr(GError) err = NULL;
    mv_error_set(&err, MV_FROM_RPC, MV_ERR_OPERATION_TIMEOUT,
                 "%s ('%s') did not answer the connection handshake within %d seconds",
                 r->label, r->path, MV_RELAY_HANDSHAKE_TIMEOUT);
    relay_handshake_failed(r, err);
    return G_SOURCE_REMOVE;
}

/* The handshake failed: the client learns why, the backend connection goes. */
static void
relay_handshake_failed(MvRelay *r, const GError *err)
{
    g_info("relay to %s ('%s') failed: %s", r->label, r->path, err->message);
    r->state = RELAY_DEAD;
    g_clear_handle_id(&r->hs_timer, g_source_remove);
    end_close(&r->backend);
    if (r->mode == MV_RELAY_CONNECTION) {
        /* The answer to the client's CONNECT_OPEN is this error; then it is closed. */
        const Step *open = NULL;
        for (guint i = 0; i < r->steps->len; i++) {
            const Step *st = &g_array_index(r->steps, Step, i);
            if (st->hdr.proc == REMOTE_PROC_CONNECT_OPEN && st->hdr.prog == REMOTE_PROGRAM)
                open = st;
        }
        g_autoptr(GBytes) b = mv_packet_encode_error(&open->hdr, err);
        front_close_soon(r);
        end_send(&r->front, b, NULL, 0);
        return;
    }
    MvPacket *pkt;
    while ((pkt = g_queue_pop_head(&r->waiting)))
        mv_client_reply_error(r->client, pkt, err);
}

/* Offer the client's socket to the backend, if nothing of the client's is in flight here:
 * its answer to CONNECT_OPEN is written and none of its bytes were read past the open. */
static bool
adopt_offer(MvRelay *r)
{
    if (r->front.tx.bytes > 0 || !g_queue_is_empty(&r->front.tx.items) ||
        r->front.rx.end > r->front.rx.start || !g_queue_is_empty(&r->front.rx.fds))
        return false;
    int fd = fcntl(r->front.fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return false;
    mv_message_header h = { MV_ADOPT_PROGRAM, MV_ADOPT_PROGRAM_VERSION, MV_ADOPT_PROC_SOCKET,
                            MV_MSG_CALL_WITH_FDS, 0, MV_STATUS_OK };
    g_autoptr(GBytes) b = mv_packet_encode(&h, NULL, NULL, 1, NULL);
    int *fds = g_new(int, 1);
    fds[0] = fd;
    r->state = RELAY_ADOPTING;
    r->hs_timer = g_timeout_add_seconds(MV_RELAY_HANDSHAKE_TIMEOUT, handshake_timeout, r);
    end_send(&r->backend, b, fds, 1);
    return true;
}

/* A packet from the backend while it considers taking the client (@pkt taken): an error
 * means no (we relay as usual); anything else is for the client. */
static void
adopt_packet(MvRelay *r, MvPacket *pkt)
{
    if (pkt->hdr.prog == MV_ADOPT_PROGRAM && pkt->hdr.type == MV_MSG_REPLY) {
        g_debug("relay to %s: the backend keeps the relay (status %d)", r->label, pkt->hdr.status);
        mv_packet_free(pkt);
        g_clear_handle_id(&r->hs_timer, g_source_remove);
        r->state = RELAY_OPEN;
        end_set_stalled(&r->front, false);
        return;
    }
    connection_packet(r, &r->backend, pkt);
}

static void
handshake_done(MvRelay *r)
{
    g_clear_handle_id(&r->hs_timer, g_source_remove);
    r->state = RELAY_OPEN;
    g_debug("relay to %s ('%s') open", r->label, r->path);
    if (r->mode == MV_RELAY_CONNECTION) {
        g_autoptr(GBytes) reply = g_steal_pointer(&r->open_reply);
        end_send(&r->front, reply, NULL, 0);
        if (r->can_adopt && adopt_offer(r))
            return;
        end_set_stalled(&r->front, false);
        return;
    }
    MvPacket *pkt;
    while (r->state == RELAY_OPEN && (pkt = g_queue_pop_head(&r->waiting)))
        mv_relay_forward_call(r, pkt);
}

/* A packet from the backend during the handshake (@pkt taken). */
static void
handshake_packet(MvRelay *r, MvPacket *pkt)
{
    g_autoptr(MvPacket) owned = pkt;
    const mv_message_header *h = &pkt->hdr;
    Step *st = &g_array_index(r->steps, Step, r->step);
    g_autoptr(GError) err = NULL;

    if (is_keepalive_ping(h)) {
        send_pong(&r->backend);
        return;
    }
    if ((h->type != MV_MSG_REPLY && h->type != MV_MSG_REPLY_WITH_FDS) || h->prog != st->hdr.prog ||
        h->proc != st->hdr.proc || h->serial != st->hdr.serial) {
        g_debug("relay to %s: ignoring %s packet for procedure %d during the handshake",
                r->label, mv_message_type_name(h->type), h->proc);
        return;
    }
    bool is_open = h->proc == REMOTE_PROC_CONNECT_OPEN;
    if (h->status != MV_STATUS_OK) {
        if (is_open && r->mode == MV_RELAY_CONNECTION) {
            /* The backend's own refusal reaches the client untouched; the connection ends. */
            g_clear_handle_id(&r->hs_timer, g_source_remove);
            r->state = RELAY_DEAD;
            end_close(&r->backend);
            g_autoptr(GBytes) b = g_bytes_new_take(g_steal_pointer(&pkt->data), pkt->len);
            front_close_soon(r);
            end_send(&r->front, b, NULL, 0);
            return;
        }
        mv_message_error e = { 0 };
        if (mv_packet_decode_body(pkt, (xdrproc_t)xdr_mv_message_error, &e, NULL)) {
            g_autoptr(GError) inner = NULL;
            mv_message_error_to_gerror(&e, &inner);
            xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);
            mv_error_set_literal(&err, MV_FROM_RPC, MV_ERR_RPC, inner->message);
            g_prefix_error(&err, "%s ('%s') refused procedure %d of the handshake: ",
                           r->label, r->path, h->proc);
        } else {
            mv_error_set(&err, MV_FROM_RPC, MV_ERR_RPC, "%s ('%s') refused procedure %d of the handshake",
                         r->label, r->path, h->proc);
        }
        relay_handshake_failed(r, err);
        return;
    }
    if (h->proc == REMOTE_PROC_AUTH_LIST) {
        remote_auth_list_ret a = { 0 };
        bool none = false;
        if (mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_auth_list_ret, &a, NULL)) {
            none = a.types.types_len == 0;
            for (u_int i = 0; i < a.types.types_len; i++)
                none |= a.types.types_val[i] == REMOTE_AUTH_NONE;
            xdr_free((xdrproc_t)xdr_remote_auth_list_ret, (char *)&a);
        }
        if (!none) {
            mv_error_set(&err, MV_FROM_RPC, MV_ERR_AUTH_FAILED,
                         "%s ('%s') asks for an authentication the relay cannot perform",
                         r->label, r->path);
            relay_handshake_failed(r, err);
            return;
        }
    }
    if (st->feature == MV_ADOPT_FEATURE) {
        remote_connect_supports_feature_ret f = { 0 };
        if (mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_connect_supports_feature_ret, &f, NULL))
            r->can_adopt = f.supported == 1;
    }
    if (is_open && r->mode == MV_RELAY_CONNECTION)
        r->open_reply = g_bytes_new_take(g_steal_pointer(&pkt->data), pkt->len);
    if (++r->step < r->steps->len)
        handshake_send_step(r);
    else
        handshake_done(r);
}

/* ---- relaying ---- */

static GBytes *
packet_bytes(MvPacket *pkt, int **ret_fds, unsigned *ret_nfds)
{
    *ret_fds = g_steal_pointer(&pkt->fds);
    *ret_nfds = pkt->nfds;
    pkt->nfds = 0;
    return g_bytes_new_take(g_steal_pointer(&pkt->data), pkt->len);
}

static gboolean
resume_poll(gpointer data)
{
    MvRelay *r = data;
    if (mv_client_backlog(r->client) > MV_RELAY_BACKLOG_LOW)
        return G_SOURCE_CONTINUE;
    r->resume_timer = 0;
    end_set_stalled(&r->backend, false);
    return G_SOURCE_REMOVE;
}

/* A packet the backend sent to a relay of calls (@pkt taken). */
static void
calls_backend_packet(MvRelay *r, MvPacket *pkt)
{
    g_autoptr(MvPacket) owned = pkt;
    const mv_message_header h = pkt->hdr;
    bool droppable = true;

    if (h.prog == MV_KEEPALIVE_PROGRAM) {
        /* The backend connection is ours: its keepalive is answered here. */
        if (is_keepalive_ping(&h))
            send_pong(&r->backend);
        return;
    }
    switch (h.type) {
    case MV_MSG_REPLY:
    case MV_MSG_REPLY_WITH_FDS:
        pending_remove(r, &h);
        droppable = false;
        if (h.status == MV_STATUS_OK && is_stream_proc(r, h.proc)) {
            /* Register before the client can see the reply: its data follows it. */
            if (mv_client_register_stream(r->client, h.serial, stream_from_client, r))
                g_array_append_val(r->streams, h.serial);
        }
        break;
    case MV_MSG_STREAM:
        if (h.status != MV_STATUS_CONTINUE)
            stream_forget(r, h.serial);
        break;
    case MV_MSG_MESSAGE:
    case MV_MSG_STREAM_HOLE:
        break;
    default:
        g_debug("relay to %s: ignoring a %s packet from the backend", r->label, mv_message_type_name(h.type));
        return;
    }
    int *fds;
    unsigned nfds;
    g_autoptr(GBytes) b = packet_bytes(pkt, &fds, &nfds);
    /* Relayed families pass no descriptors; never leak one that comes anyway. */
    for (unsigned i = 0; i < nfds; i++)
        close(fds[i]);
    g_free(fds);
    mv_client_send_packet(r->client, b, droppable);
    if (mv_client_backlog(r->client) > MV_RELAY_BACKLOG_HIGH && !r->resume_timer) {
        end_set_stalled(&r->backend, true);
        r->resume_timer = g_timeout_add(RELAY_RESUME_POLL_MS, resume_poll, r);
    }
}

/* A packet from one end of a whole-connection relay, for the other (@pkt taken). */
static void
connection_packet(MvRelay *r, End *from, MvPacket *pkt)
{
    g_autoptr(MvPacket) owned = pkt;
    const mv_message_header h = pkt->hdr;
    if (from == &r->front && (h.type == MV_MSG_CALL || h.type == MV_MSG_CALL_WITH_FDS))
        pending_add(r, &h);
    else if (from == &r->backend && (h.type == MV_MSG_REPLY || h.type == MV_MSG_REPLY_WITH_FDS))
        pending_remove(r, &h);
    int *fds;
    unsigned nfds;
    g_autoptr(GBytes) b = packet_bytes(pkt, &fds, &nfds);
    end_send(other_end(from), b, fds, nfds);
}

/* @e hung up or failed: how the relay ends depends on which end and when. */
static void
end_failed(End *e, const char *why)
{
    MvRelay *r = e->relay;
    if (r->finished)
        return;
    if (e == &r->front) {
        g_debug("relay to %s: client %s", r->label, why);
        relay_finish(r);
        return;
    }
    if (r->state == RELAY_ADOPTING) {
        /* The backend took the client's socket and closed ours: nothing left to do. */
        g_debug("relay to %s ('%s'): client handed over", r->label, r->path);
        relay_finish(r);
        return;
    }
    if (r->state == RELAY_HANDSHAKE) {
        g_autoptr(GError) err = NULL;
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_RPC, "%s ('%s') %s during the connection handshake",
                     r->label, r->path, why);
        relay_handshake_failed(r, err);
        return;
    }
    if (r->state == RELAY_DEAD)
        return;
    /* Worth a line in the log only when someone was waiting for an answer. */
    if (r->pending->len)
        g_info("relay to %s ('%s'): backend %s with %u calls waiting", r->label, r->path, why, r->pending->len);
    else
        g_debug("relay to %s ('%s'): backend %s", r->label, r->path, why);
    r->state = RELAY_DEAD;
    end_close(&r->backend);
    g_clear_handle_id(&r->resume_timer, g_source_remove);
    pending_fail(r, why);
    if (r->mode == MV_RELAY_CONNECTION) {
        /* Everything the backend said is queued for the client, then it is closed. */
        front_close_soon(r);
        end_update(&r->front);
        return;
    }
    for (guint i = 0; i < r->streams->len; i++) {
        unsigned serial = g_array_index(r->streams, unsigned, i);
        mv_message_header sh = { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, 0, MV_MSG_STREAM, serial,
                                 MV_STATUS_ERROR };
        g_autoptr(GBytes) b = error_packet(&sh, "%s ('%s') %s in the middle of a stream", r->label, r->path, why);
        mv_client_send_packet(r->client, b, false);
        mv_client_unregister_stream(r->client, serial);
    }
    g_array_set_size(r->streams, 0);
}

/* Take packets from @e: those already in its buffer, then what the socket has (at most
 * RELAY_READ_BURST reads, so that one busy peer cannot starve the others). */
static void
end_read(End *e)
{
    MvRelay *r = e->relay;
    e->rx.drained = false;
    for (int reads = 0; !e->stalled && e->fd >= 0 && !r->finished;) {
        MvPacket *pkt = NULL;
        g_autoptr(GError) err = NULL;
        MvRxResult rr = mv_rx_next(&e->rx, &pkt, &err);
        if (rr == MV_RX_AGAIN) {
            if (e->rx.drained || reads++ >= RELAY_READ_BURST)
                break;
            rr = mv_rx_fill(&e->rx, e->fd, &err);
            if (rr == MV_RX_AGAIN)
                break;
            if (rr == MV_RX_PACKET)
                continue;
        }
        if (rr == MV_RX_EOF || rr == MV_RX_ERROR) {
            end_failed(e, rr == MV_RX_EOF ? "closed the connection" : err->message);
            return;
        }
        if (r->state == RELAY_DEAD)
            mv_packet_free(pkt);
        else if (r->state == RELAY_HANDSHAKE && e == &r->backend)
            handshake_packet(r, pkt);
        else if (r->state == RELAY_ADOPTING && e == &r->backend)
            adopt_packet(r, pkt);
        else if (r->mode == MV_RELAY_CONNECTION)
            connection_packet(r, e, pkt);
        else
            calls_backend_packet(r, pkt);
    }
    if (!r->finished)
        end_update(e);
}

static gboolean
end_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    End *e = ((EndSource *)source)->end;
    GIOCondition got = e->tag ? g_source_query_unix_fd(source, e->tag) : 0;
    if (got & (G_IO_IN | G_IO_HUP | G_IO_ERR))
        end_read(e);
    else if (!e->relay->finished)
        end_update(e);
    return G_SOURCE_CONTINUE;
}

/* Packets read before @e stalled wait in its buffer, and no poll will announce them:
 * once it may read again, take them from an idle callback. */
static gboolean
end_kick(gpointer data)
{
    End *e = data;
    e->kick = 0;
    if (!e->relay->finished && !e->stalled)
        end_read(e);
    return G_SOURCE_REMOVE;
}

/* ---- lifetime ---- */

static void
relay_free_memory(MvRelay *r)
{
    g_clear_handle_id(&r->hs_timer, g_source_remove);
    g_clear_handle_id(&r->resume_timer, g_source_remove);
    g_clear_handle_id(&r->linger_timer, g_source_remove);
    g_queue_clear_full(&r->waiting, (GDestroyNotify)mv_packet_free);
    g_clear_pointer(&r->open_reply, g_bytes_unref);
    g_array_unref(r->steps);
    g_array_unref(r->pending);
    g_array_unref(r->streams);
    if (r->stream_procs)
        g_array_unref(r->stream_procs);
    mv_client_unref(r->client);
    g_free(r->label);
    g_free(r->path);
    g_free(r);
}

static gboolean
relay_free_idle(gpointer data)
{
    relay_free_memory(data);
    return G_SOURCE_REMOVE;
}

/* Close both sockets.  A whole-connection relay also closes its client and frees itself
 * from an idle callback (it may be deep in its own dispatch here). */
static void
relay_finish(MvRelay *r)
{
    if (r->finished)
        return;
    r->finished = true;
    r->state = RELAY_DEAD;
    end_close(&r->backend);
    if (r->mode == MV_RELAY_CONNECTION) {
        end_close(&r->front);
        mv_client_close(r->client);
        g_idle_add(relay_free_idle, r);
    }
}

static gboolean
linger_expired(gpointer data)
{
    MvRelay *r = data;
    r->linger_timer = 0;
    relay_finish(r);
    return G_SOURCE_REMOVE;
}

/* The server closes a detached client (shutdown, an admin's request). */
static void
front_closed_by_server(MvClient *c, void *data)
{
    relay_finish(data);
}

static MvRelay *
relay_new(MvClient *c, MvRelayMode mode, const MvRelayConfig *cfg, int fd)
{
    MvRelay *r = g_new0(MvRelay, 1);
    r->mode = mode;
    r->label = g_strdup(cfg->label);
    r->path = g_strdup(cfg->path);
    r->client = mv_client_ref(c);
    r->steps = g_array_new(FALSE, TRUE, sizeof(Step));
    g_array_set_clear_func(r->steps, step_clear);
    r->pending = g_array_new(FALSE, FALSE, sizeof(mv_message_header));
    r->streams = g_array_new(FALSE, FALSE, sizeof(unsigned));
    for (const int *p = cfg->stream_procs; p && *p >= 0; p++) {
        if (!r->stream_procs)
            r->stream_procs = g_array_new(FALSE, FALSE, sizeof(int));
        g_array_append_val(r->stream_procs, *p);
    }
    g_queue_init(&r->waiting);
    end_init(&r->backend, r, "backend");
    end_init(&r->front, r, "client");
    end_attach(&r->backend, fd, false);
    handshake_build(r, cfg);
    r->hs_timer = g_timeout_add_seconds(MV_RELAY_HANDSHAKE_TIMEOUT, handshake_timeout, r);
    return r;
}

static int
backend_connect(const MvRelayConfig *cfg, GError **error)
{
    int fd = unix_connect(cfg->path, NULL);
    if (fd < 0)
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot connect to %s at '%s'", cfg->label, cfg->path);
    return fd;
}

bool
mv_relay_connection_start(MvClient *c, const MvRelayConfig *cfg, GError **error)
{
    g_return_val_if_fail(cfg->client_open, false);
    int bfd = backend_connect(cfg, error);
    if (bfd < 0)
        return false;
    MvRelay *r = relay_new(c, MV_RELAY_CONNECTION, cfg, bfd);
    MvRx rx;
    MvTx tx;
    int fd = mv_client_detach(c, &rx, &tx, front_closed_by_server, r);
    if (fd < 0) {
        end_close(&r->backend);
        relay_free_memory(r);
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "the client connection is already closed");
        return false;
    }
    /* The client is not read until the backend has answered its CONNECT_OPEN; what the
     * server had queued for it goes out first. */
    end_attach(&r->front, fd, true);
    /* What the server's reader had taken from the socket before the relay took it over. */
    mv_rx_move(&r->front.rx, &rx);
    r->front.tx = tx;
    end_update(&r->front);
    handshake_send_step(r);
    return true;
}

MvRelay *
mv_relay_calls_new(MvClient *c, const MvRelayConfig *cfg, GError **error)
{
    g_return_val_if_fail(!cfg->client_open, NULL);
    int fd = backend_connect(cfg, error);
    if (fd < 0)
        return NULL;
    MvRelay *r = relay_new(c, MV_RELAY_CALLS, cfg, fd);
    handshake_send_step(r);
    return r;
}

void
mv_relay_forward_call(MvRelay *r, MvPacket *pkt)
{
    /* Calls the backend has not taken yet (waiting for the handshake, or queued on its
     * socket) are bounded like a client's output: a backend that does not read, or a
     * client that floods, gets errors instead of growing our memory. */
    size_t queued = r->state == RELAY_HANDSHAKE ? r->waiting.length : r->pending->len;
    if (queued >= MV_RELAY_CALLS_MAX || mv_tx_cost(&r->backend.tx) > MV_RELAY_BACKLOG_HIGH) {
        g_autoptr(GBytes) b = error_packet(&pkt->hdr, "%zu calls to %s are already waiting", queued, r->label);
        mv_client_send_packet(r->client, b, false);
        mv_packet_free(pkt);
        return;
    }
    if (r->state == RELAY_HANDSHAKE) {
        g_queue_push_tail(&r->waiting, pkt);
        return;
    }
    if (r->state != RELAY_OPEN) {
        g_autoptr(GBytes) b = error_packet(&pkt->hdr, "%s ('%s') is not connected", r->label, r->path);
        mv_client_send_packet(r->client, b, false);
        mv_packet_free(pkt);
        return;
    }
    pending_add(r, &pkt->hdr);
    int *fds;
    unsigned nfds;
    g_autoptr(GBytes) b = packet_bytes(pkt, &fds, &nfds);
    mv_packet_free(pkt);
    end_send(&r->backend, b, fds, nfds);
}

bool
mv_relay_is_alive(const MvRelay *r)
{
    if (r->state == RELAY_DEAD)
        return false;
    /* A backend that hung up while idle has not been noticed yet when the next call comes
     * (its EOF waits for the next turn of the loop): look now, so that the call goes to a
     * new connection, or gets "not running", instead of failing on a dead socket.  Only an
     * idle relay with nothing left to read is given up this way: replies, events or stream
     * data still buffered, or calls still waiting, go through the normal end of the
     * connection, which delivers or fails each of them properly. */
    if (r->backend.fd >= 0 && r->pending->len == 0 && r->backend.rx.end == r->backend.rx.start) {
        char byte;
        ssize_t n = recv(r->backend.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return false;
    }
    return true;
}

void
mv_relay_free(MvRelay *r)
{
    if (!r)
        return;
    g_return_if_fail(r->mode == MV_RELAY_CALLS);
    if (r->state != RELAY_DEAD && r->pending->len)
        pending_fail(r, "was disconnected");
    for (guint i = 0; i < r->streams->len; i++)
        mv_client_unregister_stream(r->client, g_array_index(r->streams, unsigned, i));
    relay_finish(r);
    relay_free_memory(r);
}
