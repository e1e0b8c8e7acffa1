// SPDX-License-Identifier: LGPL-2.1-or-later
// libvirt's default event loop for applications: one iteration per virEventRunDefaultImpl
// polls the application's handles, the sockets of connections with event callbacks and a
// wakeup eventfd, then runs ready handles, expired timers and queued domain events.  What
// an event is and whom it goes to is client-event.c's business.

#include "client-private.h"
#include "util/util-error.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Longest one iteration sleeps with nothing to do.  libvirt's loop may sleep forever;
 * bounding it lets single-threaded callers notice signals and their own flags without a
 * timer, at a negligible cost (one wakeup per interval). */
#define MV_EVENT_LOOP_MAX_WAIT_MS 500

/* Handles and timers an application may hold; each costs a slot in every poll. */
#define MV_EVENT_LOOP_MAX_HANDLES 4096
#define MV_EVENT_LOOP_MAX_TIMERS 4096

typedef struct {
    int watch;
    int fd;
    int events;              /* virEventHandleType wanted */
    virEventHandleCallback cb;
    void *opaque;
    virFreeCallback ff;
    bool removed;            /* released at the end of the next iteration */
} MvHandle;

typedef struct {
    int timer;
    int frequency;           /* ms; -1 disabled, 0 every iteration */
    gint64 expires;          /* monotonic µs */
    virEventTimeoutCallback cb;
    void *opaque;
    virFreeCallback ff;
    bool removed;
} MvTimer;

static struct {
    GMutex lock;             /* guards everything below but wake_fd */
    bool registered;
    GArray *handles;         /* MvHandle */
    GArray *timers;          /* MvTimer */
    int next_watch;
    int next_timer;
} loop;

/* Written without the lock (from signal handlers too); set once at registration. */
static volatile int wake_fd = -1;

int
virEventRegisterDefaultImpl(void)
{
    mv_client_error_reset();
    g_mutex_lock(&loop.lock);
    if (!loop.registered) {
        loop.handles = g_array_new(FALSE, TRUE, sizeof(MvHandle));
        loop.timers = g_array_new(FALSE, TRUE, sizeof(MvTimer));
        loop.next_watch = 1;
        loop.next_timer = 1;
        wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        loop.registered = true;
    }
    g_mutex_unlock(&loop.lock);
    return 0;
}

bool
mv_event_loop_registered(void)
{
    g_mutex_lock(&loop.lock);
    bool r = loop.registered;
    g_mutex_unlock(&loop.lock);
    return r;
}

void
mv_event_loop_wake(void)
{
    uint64_t one = 1;
    int fd = wake_fd;
    if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is already non-zero, a wakeup is pending anyway. */
    }
}

/* Report that the loop is missing (the caller holds no lock). */
static void
report_unregistered(const char *func)
{
    g_autoptr(GError) error = NULL;
    mv_error_set(&error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR,
                 "%s needs the default event loop: call virEventRegisterDefaultImpl first", func);
    mv_client_report(NULL, error);
}

/* ---- handles ---- */

static MvHandle *
find_handle(int watch)
{
    for (guint i = 0; loop.handles && i < loop.handles->len; i++) {
        MvHandle *h = &g_array_index(loop.handles, MvHandle, i);
        if (h->watch == watch && !h->removed)
            return h;
    }
    return NULL;
}

int
virEventAddHandle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
    g_autoptr(GError) error = NULL;

    mv_client_error_reset();
    if (fd < 0 || !cb) {
        mv_error_set(&error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "%s needs a file descriptor and a callback",
                     G_STRFUNC);
        mv_client_report(NULL, error);
        return -1;
    }
    g_mutex_lock(&loop.lock);
    if (!loop.registered || loop.handles->len >= MV_EVENT_LOOP_MAX_HANDLES) {
        bool registered = loop.registered;
        g_mutex_unlock(&loop.lock);
        if (!registered) {
            report_unregistered(G_STRFUNC);
        } else {
            mv_error_set(&error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR, "too many event loop handles (%d)",
                         MV_EVENT_LOOP_MAX_HANDLES);
            mv_client_report(NULL, error);
        }
        return -1;
    }
    MvHandle h = { .watch = loop.next_watch++, .fd = fd, .events = events, .cb = cb, .opaque = opaque, .ff = ff };
    g_array_append_val(loop.handles, h);
    g_mutex_unlock(&loop.lock);
    mv_event_loop_wake();
    return h.watch;
}

void
virEventUpdateHandle(int watch, int events)
{
    g_mutex_lock(&loop.lock);
    MvHandle *h = find_handle(watch);
    if (h)
        h->events = events;
    g_mutex_unlock(&loop.lock);
    mv_event_loop_wake();
}

int
virEventRemoveHandle(int watch)
{
    g_mutex_lock(&loop.lock);
    MvHandle *h = find_handle(watch);
    if (h)
        h->removed = true;
    g_mutex_unlock(&loop.lock);
    mv_event_loop_wake();
    return h ? 0 : -1;
}

/* ---- timers ---- */

static MvTimer *
find_timer(int timer)
{
    for (guint i = 0; loop.timers && i < loop.timers->len; i++) {
        MvTimer *t = &g_array_index(loop.timers, MvTimer, i);
        if (t->timer == timer && !t->removed)
            return t;
    }
    return NULL;
}

static void
arm(MvTimer *t, int frequency)
{
    t->frequency = frequency;
    t->expires = frequency >= 0 ? g_get_monotonic_time() + (gint64)frequency * 1000 : 0;
}

int
virEventAddTimeout(int frequency, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
    g_autoptr(GError) error = NULL;

    mv_client_error_reset();
    if (!cb) {
        mv_error_set(&error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "%s needs a callback", G_STRFUNC);
        mv_client_report(NULL, error);
        return -1;
    }
    g_mutex_lock(&loop.lock);
    if (!loop.registered || loop.timers->len >= MV_EVENT_LOOP_MAX_TIMERS) {
        bool registered = loop.registered;
        g_mutex_unlock(&loop.lock);
        if (!registered) {
            report_unregistered(G_STRFUNC);
        } else {
            mv_error_set(&error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR, "too many event loop timers (%d)",
                         MV_EVENT_LOOP_MAX_TIMERS);
            mv_client_report(NULL, error);
        }
        return -1;
    }
    MvTimer t = { .timer = loop.next_timer++, .cb = cb, .opaque = opaque, .ff = ff };
    arm(&t, frequency);
    g_array_append_val(loop.timers, t);
    g_mutex_unlock(&loop.lock);
    mv_event_loop_wake();
    return t.timer;
}

void
virEventUpdateTimeout(int timer, int frequency)
{
    g_mutex_lock(&loop.lock);
    MvTimer *t = find_timer(timer);
    if (t)
        arm(t, frequency);
    g_mutex_unlock(&loop.lock);
    mv_event_loop_wake();
}

int
virEventRemoveTimeout(int timer)
{
    g_mutex_lock(&loop.lock);
    MvTimer *t = find_timer(timer);
    if (t)
        t->removed = true;
    g_mutex_unlock(&loop.lock);
    mv_event_loop_wake();
    return t ? 0 : -1;
}

/* ---- one iteration ---- */

/* How long poll() may sleep (locked): until the first timer, at most the bound. */
static int
poll_timeout(void)
{
    gint64 now = g_get_monotonic_time();
    gint64 wait = (gint64)MV_EVENT_LOOP_MAX_WAIT_MS * 1000;

    for (guint i = 0; i < loop.timers->len; i++) {
        MvTimer *t = &g_array_index(loop.timers, MvTimer, i);
        if (!t->removed && t->frequency >= 0)
            wait = MIN(wait, MAX(t->expires - now, 0));
    }
    /* Round up: waking a little late beats spinning on a not-yet-expired timer. */
    return (int)((wait + 999) / 1000);
}

static int
events_from_revents(short revents)
{
    int ev = 0;
    if (revents & POLLIN)
        ev |= VIR_EVENT_HANDLE_READABLE;
    if (revents & POLLOUT)
        ev |= VIR_EVENT_HANDLE_WRITABLE;
    if (revents & (POLLERR | POLLNVAL))
        ev |= VIR_EVENT_HANDLE_ERROR;
    if (revents & POLLHUP)
        ev |= VIR_EVENT_HANDLE_HANGUP;
    return ev;
}

/* Call the callbacks of the handles whose pollfd showed events; @fds[i] belongs to watch
 * @watches[i]. */
static void
run_handles(const struct pollfd *fds, const int *watches, guint n)
{
    for (guint i = 0; i < n; i++) {
        if (!fds[i].revents)
            continue;
        g_mutex_lock(&loop.lock);
        MvHandle *h = find_handle(watches[i]);
        virEventHandleCallback cb = h ? h->cb : NULL;
        void *opaque = h ? h->opaque : NULL;
        int fd = h ? h->fd : -1;
        g_mutex_unlock(&loop.lock);
        /* Removed or changed meanwhile: its events are no longer wanted. */
        if (cb)
            cb(watches[i], fd, events_from_revents(fds[i].revents), opaque);
    }
}

static void
run_timers(void)
{
    g_autoptr(GArray) due = g_array_new(FALSE, FALSE, sizeof(MvTimer));
    gint64 now = g_get_monotonic_time();

    g_mutex_lock(&loop.lock);
    for (guint i = 0; i < loop.timers->len; i++) {
        MvTimer *t = &g_array_index(loop.timers, MvTimer, i);
        if (t->removed || t->frequency < 0 || t->expires > now)
            continue;
        g_array_append_val(due, *t);
        arm(t, t->frequency);
    }
    g_mutex_unlock(&loop.lock);
    for (guint i = 0; i < due->len; i++) {
        MvTimer *t = &g_array_index(due, MvTimer, i);
        g_mutex_lock(&loop.lock);
        bool live = find_timer(t->timer) != NULL;
        g_mutex_unlock(&loop.lock);
        if (live)
            t->cb(t->timer, t->opaque);
    }
}

typedef struct {
    virFreeCallback ff;
    void *opaque;
} MvRelease;

/* Drop removed handles and timers, releasing their opaque data outside the lock. */
static void
purge(void)
{
    g_autoptr(GArray) frees = g_array_new(FALSE, FALSE, sizeof(MvRelease));

    g_mutex_lock(&loop.lock);
    for (guint i = loop.handles->len; i-- > 0;) {
        MvHandle *h = &g_array_index(loop.handles, MvHandle, i);
        if (!h->removed)
            continue;
        MvRelease r = { h->ff, h->opaque };
        if (r.ff)
            g_array_append_val(frees, r);
        g_array_remove_index_fast(loop.handles, i);
    }
    for (guint i = loop.timers->len; i-- > 0;) {
        MvTimer *t = &g_array_index(loop.timers, MvTimer, i);
        if (!t->removed)
            continue;
        MvRelease r = { t->ff, t->opaque };
        if (r.ff)
            g_array_append_val(frees, r);
        g_array_remove_index_fast(loop.timers, i);
    }
    g_mutex_unlock(&loop.lock);
    for (guint i = 0; i < frees->len; i++) {
        MvRelease *r = &g_array_index(frees, MvRelease, i);
        r->ff(r->opaque);
    }
}

int
virEventRunDefaultImpl(void)
{
    g_autoptr(GError) error = NULL;
    bool pending = false;

    mv_client_error_reset();
    if (!mv_event_loop_registered()) {
        report_unregistered(G_STRFUNC);
        return -1;
    }

    /* Sockets of the connections with callbacks; each carries a reference until the end. */
    g_autoptr(GPtrArray) conns = mv_client_events_watched(&pending);
    g_autoptr(GArray) fds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
    g_autoptr(GArray) watches = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) conn_slot = g_array_new(FALSE, FALSE, sizeof(int));

    struct pollfd wake = { .fd = wake_fd, .events = POLLIN };
    g_array_append_val(fds, wake);

    g_mutex_lock(&loop.lock);
    int timeout = pending ? 0 : poll_timeout();
    for (guint i = 0; i < loop.handles->len; i++) {
        MvHandle *h = &g_array_index(loop.handles, MvHandle, i);
        if (h->removed)
            continue;
        struct pollfd p = { .fd = h->fd };
        if (h->events & VIR_EVENT_HANDLE_READABLE)
            p.events |= POLLIN;
        if (h->events & VIR_EVENT_HANDLE_WRITABLE)
            p.events |= POLLOUT;
        /* A watch waiting for nothing stays registered but is not polled. */
        if (!p.events)
            continue;
        g_array_append_val(fds, p);
        g_array_append_val(watches, h->watch);
    }
    g_mutex_unlock(&loop.lock);
    guint first_conn = fds->len;
    for (guint i = 0; i < conns->len; i++) {
        virConnectPtr conn = conns->pdata[i];
        /* A connection whose daemon went away would poll readable forever. */
        if (!mv_rpc_client_is_alive(conn->rpc))
            continue;
        struct pollfd p = { .fd = mv_rpc_client_fd(conn->rpc), .events = POLLIN };
        int slot = (int)i;
        g_array_append_val(fds, p);
        g_array_append_val(conn_slot, slot);
    }

    int rc = 0;
    int n = poll((struct pollfd *)fds->data, fds->len, timeout);
    if (n < 0 && errno != EINTR) {
        mv_error_set_errno(&error, VIR_FROM_EVENT, errno, "cannot poll in the event loop");
        rc = -1;
    }
    if (n > 0) {
        struct pollfd *pf = (struct pollfd *)fds->data;
        if (pf[0].revents) {
            uint64_t count;
            if (read(wake_fd, &count, sizeof(count)) < 0) {
                /* EAGAIN: another thread drained it first. */
            }
        }
        /* Read what the sockets hold: event messages land in their connections' queues. */
        for (guint i = first_conn; i < fds->len; i++) {
            if (!pf[i].revents)
                continue;
            virConnectPtr conn = conns->pdata[g_array_index(conn_slot, int, i - first_conn)];
            g_autoptr(GError) ignored = NULL;
            /* A failure means the daemon went away; the connection says so from now on. */
            mv_rpc_client_poll(conn->rpc, 0, &ignored);
        }
        run_handles(pf + 1, (const int *)watches->data, watches->len);
    }
    for (guint i = 0; i < conns->len; i++)
        mv_client_events_dispatch(conns->pdata[i]);
    run_timers();
    purge();

    for (guint i = 0; i < conns->len; i++)
        mv_client_conn_unref(conns->pdata[i]);
    if (rc < 0)
        mv_client_report(NULL, error);
    return rc;
}
