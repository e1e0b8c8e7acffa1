// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain event callbacks: registering them with the daemon (one daemon-side callback per
// application callback), queueing the event messages the socket delivers — whenever it
// delivers them, also in the middle of another call — and calling the callbacks from the
// event loop.  The loop itself (polling, timers, handles) is client-eventloop.c.

#include "client-private.h"
#include "util/util-error.h"

#include <string.h>

/* Events received but not yet dispatched, per connection.  A client that never runs the
 * loop would otherwise grow without bound; past this the newest are dropped. */
#define MV_CLIENT_EVENT_QUEUE_MAX 10000

typedef struct {
    int id;                    /* ours, handed to the application */
    int remote_id;             /* the daemon's callbackID; -1 while registering */
    int event_id;              /* virDomainEventID */
    bool has_dom;              /* filtered on one domain */
    unsigned char uuid[VIR_UUID_BUFLEN];
    virConnectDomainEventGenericCallback cb;
    void *opaque;
    virFreeCallback freecb;
    bool legacy;               /* from virConnectDomainEventRegister */
    bool removed;              /* deregistered; freed once no dispatch runs it */
    int busy;                  /* dispatches calling it right now */
} MvEventCallback;

typedef struct {
    int proc;                  /* REMOTE_PROC_DOMAIN_EVENT_CALLBACK_* */
    int remote_id;
    remote_nonnull_domain dom; /* name owned (g_strdup) */
    int event;
    int detail;
} MvQueuedEvent;

struct MvClientEvents {
    GPtrArray *callbacks;      /* MvEventCallback, owned */
    GQueue queue;              /* MvQueuedEvent, owned */
    int next_id;
    int registering;           /* registrations waiting for the daemon's answer */
    guint dropped;             /* events dropped because the queue was full */
};

/* Guards every connection's event state and the watched list. */
static GMutex events_lock;
/* Connections with at least one callback; each callback holds a reference on its
 * connection, so the pointers stay valid while listed. */
static GPtrArray *watched;

static void
queued_free(MvQueuedEvent *e)
{
    g_free(e->dom.name);
    g_free(e);
}

MvClientEvents *
mv_client_events_new(void)
{
    MvClientEvents *ev = g_new0(MvClientEvents, 1);
    ev->callbacks = g_ptr_array_new_with_free_func(g_free);
    g_queue_init(&ev->queue);
    ev->next_id = 1;
    return ev;
}

void
mv_client_events_free(MvClientEvents *ev)
{
    if (!ev)
        return;
    /* Callbacks hold connection references, so none is left when the connection goes. */
    g_ptr_array_unref(ev->callbacks);
    g_queue_clear_full(&ev->queue, (GDestroyNotify)queued_free);
    g_free(ev);
}

/* Decode an event message into a queue entry, or NULL for messages we do not deliver. */
static MvQueuedEvent *
decode_event(const MvPacket *pkt)
{
    g_autoptr(GError) error = NULL;
    MvQueuedEvent *e = NULL;

    if (pkt->hdr.prog != REMOTE_PROGRAM)
        return NULL;
    if (pkt->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE) {
        remote_domain_event_callback_lifecycle_msg msg = { 0 };
        if (!mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg, &msg, &error)) {
            g_debug("dropping an undecodable lifecycle event: %s", error->message);
            return NULL;
        }
        e = g_new0(MvQueuedEvent, 1);
        e->remote_id = msg.callbackID;
        e->dom = msg.msg.dom;
        e->dom.name = g_strdup(msg.msg.dom.name);
        e->event = msg.msg.event;
        e->detail = msg.msg.detail;
        xdr_free((xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg, (char *)&msg);
    } else if (pkt->hdr.proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT) {
        remote_domain_event_callback_reboot_msg msg = { 0 };
        if (!mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_domain_event_callback_reboot_msg, &msg, &error)) {
            g_debug("dropping an undecodable reboot event: %s", error->message);
            return NULL;
        }
        e = g_new0(MvQueuedEvent, 1);
        e->remote_id = msg.callbackID;
        e->dom = msg.msg.dom;
        e->dom.name = g_strdup(msg.msg.dom.name);
        xdr_free((xdrproc_t)xdr_remote_domain_event_callback_reboot_msg, (char *)&msg);
    } else {
        return NULL;
    }
    e->proc = pkt->hdr.proc;
    return e;
}

/* The RPC client's event hook.  It runs with the socket's lock held (inside a call or a
 * poll), so it only queues; callbacks run later from the loop, outside every lock. */
static void
on_event(MvRpcClient *c, const MvPacket *pkt, void *data)
{
    virConnectPtr conn = data;
    MvQueuedEvent *e = decode_event(pkt);

    if (!e)
        return;
    g_mutex_lock(&events_lock);
    MvClientEvents *ev = conn->events;
    if (g_queue_get_length(&ev->queue) >= MV_CLIENT_EVENT_QUEUE_MAX) {
        ev->dropped++;
        g_debug("event queue of connection '%s' full, dropping an event (%u so far)", conn->uri, ev->dropped);
        queued_free(e);
        e = NULL;
    } else {
        g_queue_push_tail(&ev->queue, e);
    }
    g_mutex_unlock(&events_lock);
    if (e)
        mv_event_loop_wake();
}

void
mv_client_events_attach(virConnectPtr conn)
{
    mv_rpc_client_set_event_func(conn->rpc, on_event, conn);
}

GPtrArray *
mv_client_events_watched(bool *ret_pending)
{
    GPtrArray *out = g_ptr_array_new();
    bool pending = false;

    g_mutex_lock(&events_lock);
    for (guint i = 0; watched && i < watched->len; i++) {
        virConnectPtr conn = watched->pdata[i];
        mv_client_conn_ref(conn);
        g_ptr_array_add(out, conn);
        pending |= !g_queue_is_empty(&conn->events->queue);
    }
    g_mutex_unlock(&events_lock);
    *ret_pending = pending;
    return out;
}

/* The live callback of @ev the daemon knows as @remote_id, or NULL. */
static MvEventCallback *
find_remote(MvClientEvents *ev, int remote_id)
{
    for (guint i = 0; i < ev->callbacks->len; i++) {
        MvEventCallback *cb = ev->callbacks->pdata[i];
        if (cb->remote_id == remote_id && !cb->removed)
            return cb;
    }
    return NULL;
}

/* Unlink @cb from @ev (locked) once removed and idle; returns it for the caller to release
 * outside the lock, or NULL when it must stay. */
static MvEventCallback *
reap(MvClientEvents *ev, MvEventCallback *cb)
{
    if (!cb->removed || cb->busy > 0)
        return NULL;
    guint idx;
    if (g_ptr_array_find(ev->callbacks, cb, &idx))
        g_ptr_array_steal_index_fast(ev->callbacks, idx);
    return cb;
}

/* Release a reaped callback: its opaque data and its connection reference. */
static void
release(virConnectPtr conn, MvEventCallback *cb)
{
    if (cb->freecb)
        cb->freecb(cb->opaque);
    g_free(cb);
    mv_client_conn_unref(conn);
}

static void
invoke(virConnectPtr conn, MvEventCallback *cb, const MvQueuedEvent *e)
{
    virDomainPtr dom = mv_client_domain_new(conn, &e->dom);

    if (e->proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE && cb->event_id == VIR_DOMAIN_EVENT_ID_LIFECYCLE)
        ((virConnectDomainEventCallback)(void (*)(void))cb->cb)(conn, dom, e->event, e->detail, cb->opaque);
    else if (e->proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT && cb->event_id == VIR_DOMAIN_EVENT_ID_REBOOT)
        cb->cb(conn, dom, cb->opaque);
    else
        g_debug("event %d for callback %d of event ID %d ignored", e->proc, cb->id, cb->event_id);
    mv_client_domain_unref(dom);
}

void
mv_client_events_dispatch(virConnectPtr conn)
{
    MvClientEvents *ev = conn->events;

    g_mutex_lock(&events_lock);
    for (;;) {
        MvQueuedEvent *e = g_queue_peek_head(&ev->queue);
        if (!e)
            break;
        MvEventCallback *cb = find_remote(ev, e->remote_id);
        /* An unknown callback ID may belong to a registration whose answer has not been
         * filed yet: keep the event (and those behind it) until it is. */
        if (!cb && ev->registering > 0)
            break;
        g_queue_pop_head(&ev->queue);
        if (!cb) {
            queued_free(e);
            continue;
        }
        cb->busy++;
        g_mutex_unlock(&events_lock);
        invoke(conn, cb, e);
        queued_free(e);
        g_mutex_lock(&events_lock);
        cb->busy--;
        MvEventCallback *gone = reap(ev, cb);
        if (gone) {
            g_mutex_unlock(&events_lock);
            release(conn, gone);
            g_mutex_lock(&events_lock);
        }
    }
    g_mutex_unlock(&events_lock);
}

/* Add @conn to the watched list (locked) if this is its first callback. */
static void
watch_conn(virConnectPtr conn)
{
    if (!watched)
        watched = g_ptr_array_new();
    if (!g_ptr_array_find(watched, conn, NULL))
        g_ptr_array_add(watched, conn);
}

/* Drop @conn from the watched list (locked) once it has no callback left. */
static void
unwatch_conn_if_idle(virConnectPtr conn)
{
    for (guint i = 0; i < conn->events->callbacks->len; i++) {
        MvEventCallback *cb = conn->events->callbacks->pdata[i];
        if (!cb->removed)
            return;
    }
    if (watched)
        g_ptr_array_remove_fast(watched, conn);
}

static bool
same_filter(const MvEventCallback *cb, virDomainPtr dom)
{
    if (!dom)
        return !cb->has_dom;
    return cb->has_dom && memcmp(cb->uuid, dom->uuid, VIR_UUID_BUFLEN) == 0;
}

/* Register @cb for @event_id (of @dom, or all) with the daemon and file it.  Returns our
 * callback ID or -1. */
static int
register_callback(virConnectPtr conn, virDomainPtr dom, int event_id, virConnectDomainEventGenericCallback fn,
                  void *opaque, virFreeCallback freecb, bool legacy, GError **error)
{
    MvClientEvents *ev = conn->events;

    if (!mv_event_loop_registered()) {
        /* libvirt's words: its event state needs a timer from the registered loop. */
        mv_error_set(error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR, "could not initialize domain event timer");
        return -1;
    }
    if (!conn->event_callbacks) {
        /* libvirt would fall back to the legacy procedures (167/168), which cannot filter
         * by domain; no daemon we talk to lacks the new ones. */
        mv_error_set(error, MV_FROM_NONE, MV_ERR_NO_SUPPORT,
                     "the daemon does not support domain event callbacks");
        return -1;
    }
    if (event_id != VIR_DOMAIN_EVENT_ID_LIFECYCLE && event_id != VIR_DOMAIN_EVENT_ID_REBOOT) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_NO_SUPPORT,
                     "domain event ID %d is not supported by libmodvirt yet (only lifecycle and reboot)",
                     event_id);
        return -1;
    }

    MvEventCallback *cb = g_new0(MvEventCallback, 1);
    cb->remote_id = -1;
    cb->event_id = event_id;
    cb->has_dom = dom != NULL;
    if (dom)
        memcpy(cb->uuid, dom->uuid, VIR_UUID_BUFLEN);
    cb->cb = fn;
    cb->opaque = opaque;
    cb->freecb = freecb;
    cb->legacy = legacy;

    g_mutex_lock(&events_lock);
    for (guint i = 0; i < ev->callbacks->len; i++) {
        MvEventCallback *o = ev->callbacks->pdata[i];
        if (!o->removed && o->cb == fn && o->event_id == event_id && o->legacy == legacy && same_filter(o, dom)) {
            g_mutex_unlock(&events_lock);
            g_free(cb);
            mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "event callback already tracked");
            return -1;
        }
    }
    cb->id = ev->next_id++;
    ev->registering++;
    g_mutex_unlock(&events_lock);

    remote_nonnull_domain wire;
    if (dom)
        mv_client_domain_to_wire(dom, &wire);
    remote_connect_domain_event_callback_register_any_args args = { .eventID = event_id,
                                                                     .dom = dom ? &wire : NULL };
    remote_connect_domain_event_callback_register_any_ret ret = { 0 };
    bool ok = mv_client_call(conn, REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                             (xdrproc_t)xdr_remote_connect_domain_event_callback_register_any_args, &args,
                             (xdrproc_t)xdr_remote_connect_domain_event_callback_register_any_ret, &ret, error);

    g_mutex_lock(&events_lock);
    ev->registering--;
    if (ok) {
        cb->remote_id = ret.callbackID;
        g_ptr_array_add(ev->callbacks, cb);
        mv_client_conn_ref(conn);
        watch_conn(conn);
    }
    g_mutex_unlock(&events_lock);
    /* Either way the loop may now dispatch what it held back, and watch a new socket. */
    mv_event_loop_wake();
    if (!ok) {
        g_free(cb);
        return -1;
    }
    return cb->id;
}

/* Unfile the live callback matching @match and tell the daemon.  Returns 0 or -1. */
static int
deregister_callback(virConnectPtr conn, bool (*match)(const MvEventCallback *, const void *), const void *key,
                    GError **error)
{
    MvClientEvents *ev = conn->events;
    MvEventCallback *cb = NULL;

    g_mutex_lock(&events_lock);
    for (guint i = 0; i < ev->callbacks->len && !cb; i++) {
        MvEventCallback *o = ev->callbacks->pdata[i];
        if (!o->removed && match(o, key))
            cb = o;
    }
    if (!cb) {
        g_mutex_unlock(&events_lock);
        return -2;
    }
    cb->removed = true;
    int remote_id = cb->remote_id;
    unwatch_conn_if_idle(conn);
    MvEventCallback *gone = reap(ev, cb);
    g_mutex_unlock(&events_lock);

    /* Ask the daemon before the release: it may drop the last connection reference. */
    remote_connect_domain_event_callback_deregister_any_args args = { .callbackID = remote_id };
    bool ok = mv_client_call(conn, REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
                             (xdrproc_t)xdr_remote_connect_domain_event_callback_deregister_any_args, &args,
                             NULL, NULL, error);
    if (gone)
        release(conn, gone);
    return ok ? 0 : -1;
}

int
virConnectDomainEventRegisterAny(virConnectPtr conn, virDomainPtr dom, int eventID,
                                 virConnectDomainEventGenericCallback cb, void *opaque, virFreeCallback freecb)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error) || !mv_client_check_arg(cb, G_STRFUNC, "cb", &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    if (dom && (dom->magic != MV_CLIENT_DOMAIN_MAGIC || dom->conn != conn)) {
        mv_client_invalid_arg(&error, "domain in %s must match connection", G_STRFUNC);
        mv_client_report(conn, error);
        return -1;
    }
    if (eventID < 0 || eventID >= VIR_DOMAIN_EVENT_ID_LAST) {
        mv_client_invalid_arg(&error, "eventID in %s must be less than %d", G_STRFUNC,
                     VIR_DOMAIN_EVENT_ID_LAST);
        mv_client_report(conn, error);
        return -1;
    }
    int id = register_callback(conn, dom, eventID, cb, opaque, freecb, false, &error);
    if (id < 0)
        mv_client_report(conn, error);
    return id;
}

static bool
match_id(const MvEventCallback *cb, const void *key)
{
    return !cb->legacy && cb->id == *(const int *)key;
}

int
virConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    /* The connection may close inside: keep it for the error report. */
    mv_client_conn_ref(conn);
    int rc = deregister_callback(conn, match_id, &callbackID, &error);
    if (rc == -2)
        mv_error_set(&error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "could not find event callback %d for deletion",
                     callbackID);
    if (rc < 0)
        mv_client_report(conn, error);
    mv_client_conn_unref(conn);
    return rc < 0 ? -1 : 0;
}

int
virConnectDomainEventRegister(virConnectPtr conn, virConnectDomainEventCallback cb, void *opaque,
                              virFreeCallback freecb)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error) || !mv_client_check_arg(cb, G_STRFUNC, "cb", &error) ||
        register_callback(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(cb), opaque,
                          freecb, true, &error) < 0) {
        mv_client_report(conn, error);
        return -1;
    }
    return 0;
}

static bool
match_legacy(const MvEventCallback *cb, const void *key)
{
    return cb->legacy && cb->cb == *(const virConnectDomainEventGenericCallback *)key;
}

int
virConnectDomainEventDeregister(virConnectPtr conn, virConnectDomainEventCallback cb)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error) || !mv_client_check_arg(cb, G_STRFUNC, "cb", &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    virConnectDomainEventGenericCallback key = VIR_DOMAIN_EVENT_CALLBACK(cb);
    mv_client_conn_ref(conn);
    int rc = deregister_callback(conn, match_legacy, &key, &error);
    if (rc == -2)
        mv_error_set(&error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "could not find event callback for deletion");
    if (rc < 0)
        mv_client_report(conn, error);
    mv_client_conn_unref(conn);
    return rc < 0 ? -1 : 0;
}
