// SPDX-License-Identifier: LGPL-2.1-or-later
// QMP over a unix socket.  Opening (connect, greeting, qmp_capabilities) runs blocking on
// the caller's thread with a deadline; after that the socket belongs to a GSource on the
// default main context, which alone reads and writes it.  Callers queue a command under
// the monitor's lock and sleep on a GCond until the I/O thread files the reply by id.

#include "qemu-monitor.h"

#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Bytes read per dispatch: large replies arrive over several dispatches, so one chatty
 * QEMU cannot hold the I/O thread while others wait. */
#define MONITOR_READ_CHUNK (64 * 1024)

/* Pause between connect attempts while the socket does not exist yet. */
#define MONITOR_CONNECT_RETRY_MS 20

/* How often a waiter re-checks whether some thread still drives the default context;
 * matters only when no I/O thread runs it (tools, tests), costs nothing otherwise. */
#define MONITOR_WAIT_SLICE_MS 50

/* Nesting depth json-c accepts in one message; QMP replies are a handful of levels deep. */
#define MONITOR_JSON_DEPTH 64

/* A command waiting for its reply.  It lives on the waiter's stack; the I/O thread only
 * touches it under the monitor's lock while it is in the pending table. */
typedef struct {
    gint64 id;
    bool done;
    bool eof;             /* the connection ended before the reply */
    json_object *reply;   /* the whole reply message */
} Pending;

struct QemuMonitor {
    gint refs;
    char *path;
    int fd;               /* closed when the last reference goes */
    int version[3];
    QemuMonitorCallbacks cb;
    void *opaque;
    GDestroyNotify opaque_free;
    GSource *source;      /* set once in open; destroyed on close or EOF */

    /* I/O thread only (the opening thread until the source is attached) */
    GString *rx;
    size_t rx_scanned;    /* bytes of rx known to hold no newline: a long message arriving
                           * in chunks is scanned once, not once per chunk */
    gpointer fd_tag;
    bool want_out;
    GThread *dispatching; /* atomic: the thread inside this monitor's dispatch, or NULL */

    GMutex lock;          /* guards the fields below */
    GCond cond;           /* signalled when a pending command is done */
    GString *tx;
    bool flush_scheduled;
    bool closed;
    bool eof_expected;
    unsigned timeout_ms;
    gint64 next_id;
    GHashTable *pending;  /* &Pending.id -> Pending* */
};

static QemuMonitor *
monitor_ref(QemuMonitor *mon)
{
    g_atomic_int_inc(&mon->refs);
    return mon;
}

static void
monitor_unref(gpointer data)
{
    QemuMonitor *mon = data;
    if (!mon || !g_atomic_int_dec_and_test(&mon->refs))
        return;
    /* No dispatch can be running: each holds a reference. */
    if (mon->source)
        g_source_unref(mon->source);
    if (mon->fd >= 0)
        close(mon->fd);
    if (mon->opaque_free)
        mon->opaque_free(mon->opaque);
    g_hash_table_unref(mon->pending);
    g_string_free(mon->rx, TRUE);
    g_string_free(mon->tx, TRUE);
    g_mutex_clear(&mon->lock);
    g_cond_clear(&mon->cond);
    g_free(mon->path);
    g_free(mon);
}

const char *
qemu_monitor_path(const QemuMonitor *mon)
{
    return mon->path;
}

void
qemu_monitor_qemu_version(const QemuMonitor *mon, int *ret_major, int *ret_minor, int *ret_micro)
{
    if (ret_major)
        *ret_major = mon->version[0];
    if (ret_minor)
        *ret_minor = mon->version[1];
    if (ret_micro)
        *ret_micro = mon->version[2];
}

void
qemu_monitor_set_timeout(QemuMonitor *mon, unsigned timeout_ms)
{
    g_mutex_lock(&mon->lock);
    mon->timeout_ms = timeout_ms ? timeout_ms : QEMU_MONITOR_DEFAULT_TIMEOUT_MS;
    g_mutex_unlock(&mon->lock);
}

bool
qemu_monitor_is_closed(QemuMonitor *mon)
{
    g_mutex_lock(&mon->lock);
    bool closed = mon->closed;
    g_mutex_unlock(&mon->lock);
    return closed;
}

void
qemu_monitor_expect_eof(QemuMonitor *mon)
{
    g_mutex_lock(&mon->lock);
    mon->eof_expected = true;
    g_mutex_unlock(&mon->lock);
}

/* Wake every waiter: the connection is gone.  Lock held. */
static void
fail_pending_locked(QemuMonitor *mon)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, mon->pending);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Pending *p = value;
        p->done = true;
        p->eof = true;
        g_hash_table_iter_remove(&it);
    }
    g_cond_broadcast(&mon->cond);
}

void
qemu_monitor_close(QemuMonitor *mon)
{
    g_mutex_lock(&mon->lock);
    bool was_closed = mon->closed;
    mon->closed = true;
    fail_pending_locked(mon);
    g_string_truncate(mon->tx, 0);
    g_mutex_unlock(&mon->lock);

    /* shutdown() rather than close(): the I/O thread may be polling the fd right now, and
     * its number must not be reused under it.  QEMU sees the hang-up at once. */
    if (!was_closed)
        shutdown(mon->fd, SHUT_RDWR);
    /* Thread-safe; drops the source's reference on us once no dispatch runs. */
    if (mon->source)
        g_source_destroy(mon->source);
}

void
qemu_monitor_free(QemuMonitor *mon)
{
    if (!mon)
        return;
    qemu_monitor_close(mon);
    monitor_unref(mon);
}

QemuMonitor *
qemu_monitor_ref(QemuMonitor *mon)
{
    return mon ? monitor_ref(mon) : NULL;
}

void
qemu_monitor_unref(QemuMonitor *mon)
{
    monitor_unref(mon);
}

/* ---- the I/O thread ---- */

/* The connection ended by itself: fail waiters, stop watching, tell the owner (unless it
 * expected this).  Takes ownership of @reason. */
static void
end_connection(QemuMonitor *mon, GError *reason)
{
    g_autoptr(GError) why = reason;
    g_mutex_lock(&mon->lock);
    if (mon->closed) {
        g_mutex_unlock(&mon->lock);
        return;
    }
    mon->closed = true;
    bool report = !mon->eof_expected;
    fail_pending_locked(mon);
    g_string_truncate(mon->tx, 0);
    g_mutex_unlock(&mon->lock);

    shutdown(mon->fd, SHUT_RDWR);
    g_source_destroy(mon->source);
    if (report && mon->cb.eof)
        mon->cb.eof(mon, why, mon->opaque);
}

/* Write queued commands as far as the socket takes them.  Lock held, I/O thread. */
static void
flush_locked(QemuMonitor *mon)
{
    while (mon->tx->len > 0) {
        ssize_t n = send(mon->fd, mon->tx->str, mon->tx->len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            g_string_erase(mon->tx, 0, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* A broken socket also polls as HUP/ERR; the read side ends the connection and
         * fails the waiters.  What we could not write is moot. */
        g_string_truncate(mon->tx, 0);
        break;
    }
    /* A QEMU that is not reading (stopped) fills the socket buffer: wait for room. */
    bool want_out = mon->tx->len > 0;
    if (want_out != mon->want_out && !g_source_is_destroyed(mon->source)) {
        g_source_modify_unix_fd(mon->source, mon->fd_tag, want_out ? G_IO_IN | G_IO_OUT : G_IO_IN);
        mon->want_out = want_out;
    }
}

static gboolean
flush_cb(gpointer data)
{
    QemuMonitor *mon = data;
    g_mutex_lock(&mon->lock);
    mon->flush_scheduled = false;
    if (!mon->closed)
        flush_locked(mon);
    g_mutex_unlock(&mon->lock);
    return G_SOURCE_REMOVE;
}

static void
protocol_error(GError **error, QemuMonitor *mon, const char *what)
{
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "QEMU monitor '%s' sent %s", mon->path, what);
}

static void
deliver_event(QemuMonitor *mon, json_object *msg, const char *name)
{
    json_object *data = NULL, *ts = NULL, *v;
    gint64 seconds = 0;
    guint micros = 0;
    json_object_object_get_ex(msg, "data", &data);
    if (json_object_object_get_ex(msg, "timestamp", &ts)) {
        if (json_object_object_get_ex(ts, "seconds", &v))
            seconds = json_object_get_int64(v);
        if (json_object_object_get_ex(ts, "microseconds", &v))
            micros = (guint)json_object_get_int64(v);
    }

    g_mutex_lock(&mon->lock);
    bool closed = mon->closed;
    g_mutex_unlock(&mon->lock);
    if (!closed && mon->cb.event)
        mon->cb.event(mon, name, data, seconds, micros, mon->opaque);
}

/* Handle one message.  Returns false (with @error) for something that is not QMP. */
static bool
handle_message(QemuMonitor *mon, const char *line, size_t len, GError **error)
{
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0)
        return true;

    json_tokener *tok = json_tokener_new_ex(MONITOR_JSON_DEPTH);
    json_object *msg = json_tokener_parse_ex(tok, line, (int)len);
    bool complete = json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!complete || !json_object_is_type(msg, json_type_object)) {
        json_object_put(msg);
        protocol_error(error, mon, "a message that is not a JSON object");
        return false;
    }

    json_object *v;
    if (json_object_object_get_ex(msg, "event", &v) && json_object_is_type(v, json_type_string)) {
        deliver_event(mon, msg, json_object_get_string(v));
    } else if (json_object_object_get_ex(msg, "id", &v) && json_object_is_type(v, json_type_int)) {
        gint64 id = json_object_get_int64(v);
        g_mutex_lock(&mon->lock);
        Pending *p = g_hash_table_lookup(mon->pending, &id);
        if (p) {
            /* The message changes hands whole: json-c's reference counts are atomic only
             * when built with ENABLE_THREADING (off by default), so this thread must not
             * touch it once the waiter may run. */
            g_hash_table_remove(mon->pending, &id);
            p->reply = g_steal_pointer(&msg);
            p->done = true;
            g_cond_broadcast(&mon->cond);
        }
        /* Otherwise its waiter timed out and left; the late reply is dropped. */
        g_mutex_unlock(&mon->lock);
    }
    /* Anything else (a reply without our id, a repeated greeting) is not ours to act on. */
    json_object_put(msg);
    return true;
}

/* Handle every complete line in rx.  Stops early if a callback closed the monitor. */
static bool
process_rx(QemuMonitor *mon, GError **error)
{
    size_t consumed = 0, scan = mon->rx_scanned;
    const char *nl;
    while (!qemu_monitor_is_closed(mon) && (nl = memchr(mon->rx->str + scan, '\n', mon->rx->len - scan))) {
        const char *line = mon->rx->str + consumed;
        size_t len = (size_t)(nl - line);
        consumed = scan = consumed + len + 1;
        if (!handle_message(mon, line, len, error))
            return false;
    }
    g_string_erase(mon->rx, 0, consumed);
    mon->rx_scanned = mon->rx->len;
    if (mon->rx->len > QEMU_MONITOR_MAX_LINE) {
        protocol_error(error, mon, "a message longer than the 16 MiB limit");
        return false;
    }
    return true;
}

static gboolean
monitor_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    QemuMonitor *mon = user_data;  /* the context holds a reference for the dispatch */
    if (!mon)
        return G_SOURCE_REMOVE;    /* destroyed just before dispatch */
    GIOCondition got = g_source_query_unix_fd(source, mon->fd_tag);
    g_autoptr(GError) err = NULL;
    bool eof = false;

    g_atomic_pointer_set(&mon->dispatching, g_thread_self());

    if (got & G_IO_OUT) {
        g_mutex_lock(&mon->lock);
        if (!mon->closed)
            flush_locked(mon);
        g_mutex_unlock(&mon->lock);
    }

    if (got & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
        char buf[MONITOR_READ_CHUNK];
        ssize_t n = recv(mon->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            g_string_append_len(mon->rx, buf, n);
        } else if (n == 0 || errno == ECONNRESET) {
            /* A killed QEMU with unread input resets the connection: still just an end. */
            eof = true;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            mv_error_set_errno(&err, MV_FROM_QEMU, errno, "cannot read from QEMU monitor '%s'", mon->path);
        }
    }

    /* Messages before the end still count: quit's reply, the SHUTDOWN event. */
    if (!err && !process_rx(mon, &err))
        eof = true;
    if (eof || err)
        end_connection(mon, g_steal_pointer(&err));

    g_atomic_pointer_set(&mon->dispatching, NULL);
    return qemu_monitor_is_closed(mon) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static GSourceFuncs monitor_source_funcs = {
    .dispatch = monitor_dispatch,
};

/* Runs once after attaching, for messages that arrived with the handshake's last read. */
static gboolean
initial_rx_cb(gpointer data)
{
    QemuMonitor *mon = data;
    g_autoptr(GError) err = NULL;
    g_atomic_pointer_set(&mon->dispatching, g_thread_self());
    if (!qemu_monitor_is_closed(mon) && !process_rx(mon, &err))
        end_connection(mon, g_steal_pointer(&err));
    g_atomic_pointer_set(&mon->dispatching, NULL);
    return G_SOURCE_REMOVE;
}

/* ---- opening ---- */

/* Wait until @fd is ready for @events or @deadline (monotonic µs) passes.  With @pidfd
 * >= 0, also return early (-ESRCH) when that process exits.  Returns 0, -ETIMEDOUT,
 * -ESRCH or -errno. */
static int
wait_fd(int fd, short events, int pidfd, gint64 deadline)
{
    for (;;) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd pfd[2] = {
            { .fd = fd, .events = events },
            { .fd = pidfd, .events = POLLIN },
        };
        int r = poll(pfd, pidfd >= 0 ? 2 : 1, (int)MIN((left + 999) / 1000, G_MAXINT));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (pidfd >= 0 && (pfd[1].revents & POLLIN))
            return -ESRCH;
        if (fd >= 0 && pfd[0].revents)
            return 0;
    }
}

static int
connect_retry(const char *path, int pidfd, gint64 deadline, unsigned timeout_ms, GError **error)
{
    struct sockaddr_un addr;
    if (!mv_unix_address(path, &addr, error))
        return -1;

    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot create a socket for QEMU monitor '%s'",
                               path);
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            return fd;
        int err = errno;
        close(fd);
        /* Not there yet (ENOENT), a stale file or not yet listening (ECONNREFUSED), or a
         * full backlog (EAGAIN): QEMU is still starting up, try again. */
        if (err != ENOENT && err != ECONNREFUSED && err != EAGAIN) {
            mv_error_set_errno(error, MV_FROM_QEMU, err, "cannot connect to QEMU monitor '%s'", path);
            return -1;
        }
        gint64 pause = MIN(deadline, g_get_monotonic_time() + MONITOR_CONNECT_RETRY_MS * 1000);
        int r = wait_fd(-1, 0, pidfd, pause);
        if (r == -ESRCH) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                         "QEMU exited before its monitor '%s' answered", path);
            return -1;
        }
        if (g_get_monotonic_time() >= deadline) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_TIMEOUT,
                         "QEMU monitor socket '%s' did not show up within %u ms", path, timeout_ms);
            return -1;
        }
    }
}

/* Read one message during the handshake, blocking on the caller's thread until
 * @deadline.  The line is removed from rx; what follows it stays there. */
static json_object *
read_message_sync(QemuMonitor *mon, gint64 deadline, unsigned timeout_ms, GError **error)
{
    for (;;) {
        const char *nl = memchr(mon->rx->str, '\n', mon->rx->len);
        if (nl) {
            size_t len = (size_t)(nl - mon->rx->str);
            json_tokener *tok = json_tokener_new_ex(MONITOR_JSON_DEPTH);
            json_object *msg = json_tokener_parse_ex(tok, mon->rx->str, (int)len);
            bool ok = json_tokener_get_error(tok) == json_tokener_success &&
                      json_object_is_type(msg, json_type_object);
            json_tokener_free(tok);
            g_string_erase(mon->rx, 0, len + 1);
            if (!ok) {
                json_object_put(msg);
                protocol_error(error, mon, "a message that is not a JSON object");
                return NULL;
            }
            return msg;
        }
        if (mon->rx->len > QEMU_MONITOR_MAX_LINE) {
            protocol_error(error, mon, "a message longer than the 16 MiB limit");
            return NULL;
        }

        /* No pidfd here: a QEMU that dies closes the socket, which wakes us as well. */
        int r = wait_fd(mon->fd, POLLIN, -1, deadline);
        if (r == -ETIMEDOUT) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_TIMEOUT,
                         "QEMU monitor '%s' did not complete the handshake within %u ms", mon->path,
                         timeout_ms);
            return NULL;
        }
        if (r < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot wait for QEMU monitor '%s'", mon->path);
            return NULL;
        }
        char buf[MONITOR_READ_CHUNK];
        ssize_t n = recv(mon->fd, buf, sizeof(buf), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                         "QEMU closed its monitor '%s' during the handshake", mon->path);
            return NULL;
        }
        if (n < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot read from QEMU monitor '%s'", mon->path);
            return NULL;
        }
        g_string_append_len(mon->rx, buf, n);
    }
}

/* Ids of the handshake's own commands: callers' ids count up from 1. */
#define ID_NEGOTIATE 0
#define ID_CONT (-1)

static bool
handshake(QemuMonitor *mon, gint64 deadline, unsigned timeout_ms, bool cont, GError **error)
{
    json_object *greeting = read_message_sync(mon, deadline, timeout_ms, error);
    if (!greeting)
        return false;
    json_object *qmp, *version, *qemu, *v;
    bool ok = json_object_object_get_ex(greeting, "QMP", &qmp) &&
              json_object_object_get_ex(qmp, "version", &version) &&
              json_object_object_get_ex(version, "qemu", &qemu);
    if (ok) {
        static const char *const keys[] = { "major", "minor", "micro" };
        for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
            if (json_object_object_get_ex(qemu, keys[i], &v))
                mon->version[i] = json_object_get_int(v);
        }
    }
    json_object_put(greeting);
    if (!ok) {
        protocol_error(error, mon, "no QMP greeting");
        return false;
    }

    /* Leaves capabilities negotiation mode; commands and events flow from here on.  QEMU
     * reads the second command only after answering the first, so "cont" can ride along. */
    static const char negotiate[] = "{\"execute\":\"qmp_capabilities\",\"id\":0}\n"
                                    "{\"execute\":\"cont\",\"id\":-1}\n";
    size_t len = cont ? sizeof(negotiate) - 1 : (size_t)(strchr(negotiate, '\n') + 1 - negotiate);
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(mon->fd, negotiate + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            int r = wait_fd(mon->fd, POLLOUT, -1, deadline);
            if (r == -ETIMEDOUT) {
                mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_TIMEOUT,
                             "QEMU monitor '%s' did not complete the handshake within %u ms", mon->path,
                         timeout_ms);
                return false;
            }
            continue;
        }
        if (n < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot write to QEMU monitor '%s'", mon->path);
            return false;
        }
        off += (size_t)n;
    }

    /* Events before the replies (RESUME, with "cont") are kept, in order, ahead of what is
     * left unread: they are delivered once the callbacks are in place. */
    g_autoptr(GString) early = g_string_new(NULL);
    unsigned waiting = cont ? 2 : 1;
    ok = true;
    while (waiting > 0) {
        /* After a failed reply @error is set: a later failure must not set it again. */
        g_autoptr(GError) later = NULL;
        json_object *msg = read_message_sync(mon, deadline, timeout_ms, ok ? error : &later);
        if (!msg)
            return false;
        json_object *id, *err, *event;
        if (json_object_object_get_ex(msg, "event", &event)) {
            g_string_append(early, json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
            g_string_append_c(early, '\n');
        }
        gint64 id_value = json_object_object_get_ex(msg, "id", &id) ? json_object_get_int64(id) : 1;
        bool is_reply = id_value == ID_NEGOTIATE || (cont && id_value == ID_CONT);
        if (is_reply && json_object_object_get_ex(msg, "error", &err) && ok) {
            json_object *desc = NULL;
            json_object_object_get_ex(err, "desc", &desc);
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "unable to execute QEMU command '%s': %s",
                         id_value == ID_NEGOTIATE ? "qmp_capabilities" : "cont",
                         desc ? json_object_get_string(desc) : "unknown error");
            ok = false;
        }
        json_object_put(msg);
        if (is_reply)
            waiting--;
    }
    g_string_prepend_len(mon->rx, early->str, early->len);
    return ok;
}

static QemuMonitor *
monitor_open(const char *path, int pidfd, unsigned timeout_ms, const QemuMonitorCallbacks *callbacks,
             void *opaque, GDestroyNotify opaque_free, bool cont, GError **error)
{
    if (timeout_ms == 0)
        timeout_ms = QEMU_MONITOR_OPEN_TIMEOUT_MS;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    int fd = connect_retry(path, pidfd, deadline, timeout_ms, error);
    if (fd < 0)
        return NULL;

    QemuMonitor *mon = g_new0(QemuMonitor, 1);
    mon->refs = 1;
    mon->path = g_strdup(path);
    mon->fd = fd;
    mon->rx = g_string_new(NULL);
    mon->tx = g_string_new(NULL);
    mon->timeout_ms = QEMU_MONITOR_DEFAULT_TIMEOUT_MS;
    mon->next_id = 1;
    mon->pending = g_hash_table_new(g_int64_hash, g_int64_equal);
    g_mutex_init(&mon->lock);
    g_cond_init(&mon->cond);

    if (!handshake(mon, deadline, timeout_ms, cont, error)) {
        monitor_unref(mon);  /* @opaque is not ours yet: not freed */
        return NULL;
    }

    if (callbacks)
        mon->cb = *callbacks;
    mon->opaque = opaque;
    mon->opaque_free = opaque_free;

    mon->source = g_source_new(&monitor_source_funcs, sizeof(GSource));
    g_source_set_name(mon->source, "qemu-monitor");
    mon->fd_tag = g_source_add_unix_fd(mon->source, fd, G_IO_IN);
    /* The callback data is our reference: GLib holds it across each dispatch and drops it
     * when the source is destroyed, so the monitor outlives any dispatch in progress. */
    g_source_set_callback(mon->source, NULL, monitor_ref(mon), monitor_unref);
    g_source_attach(mon->source, NULL);

    if (mon->rx->len > 0) {
        /* An idle source, not an inline call: callbacks must not run before we return. */
        GSource *idle = g_idle_source_new();
        g_source_set_callback(idle, initial_rx_cb, monitor_ref(mon), monitor_unref);
        g_source_attach(idle, NULL);
        g_source_unref(idle);
    }
    return mon;
}

QemuMonitor *
qemu_monitor_open(const char *path, int pidfd, unsigned timeout_ms, const QemuMonitorCallbacks *callbacks,
                  void *opaque, GDestroyNotify opaque_free, GError **error)
{
    return monitor_open(path, pidfd, timeout_ms, callbacks, opaque, opaque_free, false, error);
}

QemuMonitor *
qemu_monitor_open_cont(const char *path, int pidfd, unsigned timeout_ms, const QemuMonitorCallbacks *callbacks,
                       void *opaque, GDestroyNotify opaque_free, GError **error)
{
    return monitor_open(path, pidfd, timeout_ms, callbacks, opaque, opaque_free, true, error);
}

/* ---- commands ---- */

static gboolean
deadline_cb(gpointer data)
{
    *(bool *)data = true;
    return G_SOURCE_REMOVE;
}

static bool
pending_done(QemuMonitor *mon, Pending *p)
{
    g_mutex_lock(&mon->lock);
    bool done = p->done;
    g_mutex_unlock(&mon->lock);
    return done;
}

/* Wait until @p is done or @deadline passes.  Someone must run the default context for
 * the reply to be read: the I/O thread normally.  If nobody does (or we are that thread),
 * we drive it ourselves; a waiter that finds the context busy with another thread checks
 * again every MONITOR_WAIT_SLICE_MS in case that thread stops driving it (a self-driving
 * waiter whose own reply came). */
static void
wait_pending(QemuMonitor *mon, Pending *p, gint64 deadline)
{
    GMainContext *ctx = g_main_context_default();
    for (;;) {
        if (pending_done(mon, p) || g_get_monotonic_time() >= deadline)
            return;

        if (g_main_context_acquire(ctx)) {
            gint64 left = deadline - g_get_monotonic_time();
            bool expired = false;
            GSource *timer = g_timeout_source_new((guint)MIN((MAX(left, 0) + 999) / 1000, G_MAXUINT));
            g_source_set_callback(timer, deadline_cb, &expired, NULL);
            g_source_attach(timer, ctx);
            while (!expired && !pending_done(mon, p))
                g_main_context_iteration(ctx, TRUE);
            g_source_destroy(timer);
            g_source_unref(timer);
            g_main_context_release(ctx);
            return;
        }

        gint64 until = MIN(deadline, g_get_monotonic_time() + MONITOR_WAIT_SLICE_MS * 1000);
        g_mutex_lock(&mon->lock);
        while (!p->done && g_cond_wait_until(&mon->cond, &mon->lock, until))
            ;
        g_mutex_unlock(&mon->lock);
    }
}

/* qemu_monitor_command(), also telling whether the connection ended before a reply. */
static bool
command_full(QemuMonitor *mon, const char *command, json_object *args, json_object **ret_reply,
             unsigned timeout_ms, bool *ret_eof, GError **error)
{
    if (ret_eof)
        *ret_eof = false;
    if (g_atomic_pointer_get(&mon->dispatching) == g_thread_self()) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID,
                     "QEMU monitor command '%s' cannot be run from a monitor callback", command);
        return false;
    }

    Pending p = { 0 };
    bool schedule = false;
    g_mutex_lock(&mon->lock);
    if (mon->closed) {
        g_mutex_unlock(&mon->lock);
        if (ret_eof)
            *ret_eof = true;
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID,
                     "QEMU monitor '%s' is not connected", mon->path);
        return false;
    }
    if (g_hash_table_size(mon->pending) >= QEMU_MONITOR_MAX_PENDING || mon->tx->len >= QEMU_MONITOR_MAX_TX) {
        g_mutex_unlock(&mon->lock);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID,
                     "QEMU monitor '%s' has too many commands in flight to run '%s'", mon->path, command);
        return false;
    }
    p.id = mon->next_id++;

    json_object *req = json_object_new_object();
    json_object_object_add(req, "execute", json_object_new_string(command));
    if (args)
        json_object_object_add(req, "arguments", json_object_get(args));
    json_object_object_add(req, "id", json_object_new_int64(p.id));
    g_string_append(mon->tx, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
                                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
    g_string_append_c(mon->tx, '\n');
    json_object_put(req);

    g_hash_table_insert(mon->pending, &p.id, &p);
    if (!mon->flush_scheduled) {
        mon->flush_scheduled = true;
        schedule = true;
    }
    g_mutex_unlock(&mon->lock);

    if (schedule)
        g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, flush_cb, monitor_ref(mon), monitor_unref);

    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    wait_pending(mon, &p, deadline);

    g_mutex_lock(&mon->lock);
    if (!p.done)
        g_hash_table_remove(mon->pending, &p.id);  /* a late reply finds nobody */
    g_mutex_unlock(&mon->lock);

    if (!p.done) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_TIMEOUT,
                     "QEMU monitor '%s' did not answer '%s' within %u ms", mon->path, command, timeout_ms);
        return false;
    }
    if (p.eof) {
        if (ret_eof)
            *ret_eof = true;
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "QEMU monitor '%s' closed before answering '%s'", mon->path, command);
        return false;
    }

    json_object *err, *ret;
    bool ok = false;
    if (json_object_object_get_ex(p.reply, "error", &err)) {
        json_object *desc = NULL;
        json_object_object_get_ex(err, "desc", &desc);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "unable to execute QEMU command '%s': %s",
                     command, desc ? json_object_get_string(desc) : "unknown error");
    } else if (json_object_object_get_ex(p.reply, "return", &ret)) {
        if (ret_reply)
            *ret_reply = json_object_get(ret);
        ok = true;
    } else {
        protocol_error(error, mon, "a reply with neither 'return' nor 'error'");
    }
    json_object_put(p.reply);
    return ok;
}

bool
qemu_monitor_command(QemuMonitor *mon, const char *command, json_object *args, json_object **ret_reply,
                     unsigned timeout_ms, GError **error)
{
    return command_full(mon, command, args, ret_reply, timeout_ms, NULL, error);
}

static unsigned
default_timeout(QemuMonitor *mon)
{
    g_mutex_lock(&mon->lock);
    unsigned t = mon->timeout_ms;
    g_mutex_unlock(&mon->lock);
    return t;
}

static bool
simple_command(QemuMonitor *mon, const char *command, GError **error)
{
    return command_full(mon, command, NULL, NULL, default_timeout(mon), NULL, error);
}

bool
qemu_monitor_query_status(QemuMonitor *mon, bool *ret_running, char **ret_status, GError **error)
{
    json_object *reply = NULL, *running, *status;
    if (!command_full(mon, "query-status", NULL, &reply, default_timeout(mon), NULL, error))
        return false;
    bool ok = json_object_object_get_ex(reply, "running", &running) &&
              json_object_object_get_ex(reply, "status", &status) &&
              json_object_is_type(status, json_type_string);
    if (ok) {
        if (ret_running)
            *ret_running = json_object_get_boolean(running);
        if (ret_status)
            *ret_status = g_strdup(json_object_get_string(status));
    } else {
        protocol_error(error, mon, "a 'query-status' reply without 'running' and 'status'");
    }
    json_object_put(reply);
    return ok;
}

static int
compare_cpu(const void *a, const void *b)
{
    const QemuMonitorCpu *x = a, *y = b;
    return (x->cpu_index > y->cpu_index) - (x->cpu_index < y->cpu_index);
}

bool
qemu_monitor_query_cpus_fast(QemuMonitor *mon, QemuMonitorCpu **ret_cpus, size_t *ret_ncpus, GError **error)
{
    json_object *reply = NULL;
    if (!command_full(mon, "query-cpus-fast", NULL, &reply, default_timeout(mon), NULL, error))
        return false;
    if (!json_object_is_type(reply, json_type_array)) {
        json_object_put(reply);
        protocol_error(error, mon, "a 'query-cpus-fast' reply that is not an array");
        return false;
    }

    size_t n = json_object_array_length(reply);
    g_autofree QemuMonitorCpu *cpus = g_new0(QemuMonitorCpu, MAX(n, 1));
    for (size_t i = 0; i < n; i++) {
        json_object *cpu = json_object_array_get_idx(reply, i), *idx, *tid;
        if (!json_object_object_get_ex(cpu, "cpu-index", &idx) ||
            !json_object_object_get_ex(cpu, "thread-id", &tid)) {
            json_object_put(reply);
            protocol_error(error, mon, "a 'query-cpus-fast' entry without 'cpu-index' or 'thread-id'");
            return false;
        }
        cpus[i].cpu_index = json_object_get_int(idx);
        cpus[i].thread_id = (pid_t)json_object_get_int64(tid);
    }
    json_object_put(reply);
    qsort(cpus, n, sizeof(*cpus), compare_cpu);
    *ret_ncpus = n;
    *ret_cpus = g_steal_pointer(&cpus);
    return true;
}

bool
qemu_monitor_cont(QemuMonitor *mon, GError **error)
{
    return simple_command(mon, "cont", error);
}

bool
qemu_monitor_stop(QemuMonitor *mon, GError **error)
{
    return simple_command(mon, "stop", error);
}

bool
qemu_monitor_system_powerdown(QemuMonitor *mon, GError **error)
{
    return simple_command(mon, "system_powerdown", error);
}

bool
qemu_monitor_system_reset(QemuMonitor *mon, GError **error)
{
    return simple_command(mon, "system_reset", error);
}

bool
qemu_monitor_quit(QemuMonitor *mon, GError **error)
{
    g_autoptr(GError) local = NULL;
    bool eof = false;
    qemu_monitor_expect_eof(mon);
    if (command_full(mon, "quit", NULL, NULL, default_timeout(mon), &eof, &local))
        return true;
    /* QEMU may exit before its reply reaches us: that is what we asked for. */
    if (eof)
        return true;
    g_propagate_error(error, g_steal_pointer(&local));
    return false;
}

bool
qemu_monitor_query_blockstats(QemuMonitor *mon, json_object **ret_stats, GError **error)
{
    return command_full(mon, "query-blockstats", NULL, ret_stats, default_timeout(mon), NULL, error);
}

bool
qemu_monitor_query_balloon(QemuMonitor *mon, guint64 *ret_actual_bytes, GError **error)
{
    json_object *reply = NULL, *actual;
    if (!command_full(mon, "query-balloon", NULL, &reply, default_timeout(mon), NULL, error))
        return false;
    bool ok = json_object_object_get_ex(reply, "actual", &actual);
    if (ok)
        *ret_actual_bytes = (guint64)json_object_get_int64(actual);
    else
        protocol_error(error, mon, "a 'query-balloon' reply without 'actual'");
    json_object_put(reply);
    return ok;
}
