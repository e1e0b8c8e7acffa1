// SPDX-License-Identifier: LGPL-2.1-or-later
// The event callback registry and its remote-program rows.

#include "daemon/daemon-events.h"
#include "daemon/daemon-frame.h"
#include "util/util-error.h"

#include <string.h>

typedef struct {
    MvClient *client;         /* a reference */
    int id;
    int event_id;
    bool legacy;
    bool any_domain;
    unsigned char uuid[16];
} Callback;

struct MvEvents {
    GMutex lock;
    GPtrArray *callbacks;     /* Callback* */
    int next_id;
};

static void
callback_free(Callback *cb)
{
    mv_client_unref(cb->client);
    g_free(cb);
}

MvEvents *
mv_events_new(void)
{
    MvEvents *ev = g_new0(MvEvents, 1);
    g_mutex_init(&ev->lock);
    ev->callbacks = g_ptr_array_new_with_free_func((GDestroyNotify)callback_free);
    return ev;
}

void
mv_events_free(MvEvents *ev)
{
    if (!ev)
        return;
    g_ptr_array_unref(ev->callbacks);
    g_mutex_clear(&ev->lock);
    g_free(ev);
}

int
mv_events_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid,
                   bool legacy, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    unsigned mine = 0;

    if (event_id < 0 || event_id >= MV_DOMAIN_EVENT_ID_LAST) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR, "unsupported event ID %d", event_id);
        return -1;
    }
    for (guint i = 0; i < ev->callbacks->len; i++) {
        Callback *cb = ev->callbacks->pdata[i];
        if (cb->client != client)
            continue;
        mine++;
        if (legacy && cb->legacy && cb->event_id == event_id) {
            mv_error_set(error, MV_FROM_NONE, MV_ERR_OPERATION_FAILED,
                         "domain event %d already registered", event_id);
            return -1;
        }
    }
    if (mine >= MV_EVENTS_PER_CLIENT_MAX) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_OPERATION_FAILED,
                     "too many event callbacks on this connection (limit %d)", MV_EVENTS_PER_CLIENT_MAX);
        return -1;
    }
    Callback *cb = g_new0(Callback, 1);
    cb->client = mv_client_ref(client);
    cb->id = ++ev->next_id;
    cb->event_id = event_id;
    cb->legacy = legacy;
    cb->any_domain = uuid == NULL;
    if (uuid)
        memcpy(cb->uuid, uuid, 16);
    g_ptr_array_add(ev->callbacks, cb);
    return cb->id;
}

bool
mv_events_deregister(MvEvents *ev, MvClient *client, int callback_id, bool legacy, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    for (guint i = 0; i < ev->callbacks->len; i++) {
        Callback *cb = ev->callbacks->pdata[i];
        if (cb->client == client && cb->legacy == legacy &&
            (legacy ? cb->event_id == callback_id : cb->id == callback_id)) {
            g_ptr_array_remove_index(ev->callbacks, i);
            return true;
        }
    }
    mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG,
                 legacy ? "domain event %d not registered" : "callback %d not registered", callback_id);
    return false;
}

void
mv_events_drop_client(MvEvents *ev, MvClient *client)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    for (guint i = ev->callbacks->len; i > 0; i--) {
        Callback *cb = ev->callbacks->pdata[i - 1];
        if (cb->client == client)
            g_ptr_array_remove_index(ev->callbacks, i - 1);
    }
}

/* Collect the matching callbacks under the lock, send outside it. */
static GPtrArray *
matching(MvEvents *ev, int event_id, const remote_nonnull_domain *dom)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    for (guint i = 0; i < ev->callbacks->len; i++) {
        Callback *cb = ev->callbacks->pdata[i];
        if (cb->event_id != event_id)
            continue;
        if (!cb->any_domain && memcmp(cb->uuid, dom->uuid, 16) != 0)
            continue;
        Callback *copy = g_memdup2(cb, sizeof(*cb));
        mv_client_ref(copy->client);
        g_ptr_array_add(out, copy);
    }
    return out;
}

void
mv_events_domain_lifecycle(MvEvents *ev, const remote_nonnull_domain *dom, int event, int detail)
{
    g_autoptr(GPtrArray) targets = matching(ev, MV_DOMAIN_EVENT_ID_LIFECYCLE, dom);
    for (guint i = 0; i < targets->len; i++) {
        Callback *cb = targets->pdata[i];
        remote_domain_event_lifecycle_msg msg = { *dom, event, detail };
        if (cb->legacy) {
            mv_client_send_message(cb->client, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                                   REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE,
                                   (xdrproc_t)xdr_remote_domain_event_lifecycle_msg, &msg);
        } else {
            remote_domain_event_callback_lifecycle_msg cmsg = { cb->id, msg };
            mv_client_send_message(cb->client, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                                   REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                                   (xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg, &cmsg);
        }
        mv_client_unref(cb->client);
    }
}

void
mv_events_domain_reboot(MvEvents *ev, const remote_nonnull_domain *dom)
{
    g_autoptr(GPtrArray) targets = matching(ev, MV_DOMAIN_EVENT_ID_REBOOT, dom);
    for (guint i = 0; i < targets->len; i++) {
        Callback *cb = targets->pdata[i];
        /* The legacy reboot message (proc 108) is not sent: clients that use callbacks
         * (feature 14) are the ones we serve events to. */
        if (!cb->legacy) {
            remote_domain_event_callback_reboot_msg cmsg = { cb->id, { *dom } };
            mv_client_send_message(cb->client, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                                   REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
                                   (xdrproc_t)xdr_remote_domain_event_callback_reboot_msg, &cmsg);
        }
        mv_client_unref(cb->client);
    }
}

/* ---- rows ---- */

static bool
callback_register(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_domain_event_callback_register_any_args *a = args;
    MvEvents *ev = mv_daemon_events(mv_daemon_of(call));
    int id = mv_events_register(ev, call->client, a->eventID, a->dom ? a->dom->uuid : NULL, false, error);
    if (id < 0)
        return false;
    ((remote_connect_domain_event_callback_register_any_ret *)ret)->callbackID = id;
    return true;
}

static bool
callback_deregister(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_domain_event_callback_deregister_any_args *a = args;
    return mv_events_deregister(mv_daemon_events(mv_daemon_of(call)), call->client, a->callbackID, false, error);
}

static bool
legacy_register(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_domain_event_register_any_args *a = args;
    return mv_events_register(mv_daemon_events(mv_daemon_of(call)), call->client, a->eventID, NULL, true, error) > 0;
}

static bool
legacy_deregister(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_domain_event_register_any_args *a = args;
    return mv_events_deregister(mv_daemon_events(mv_daemon_of(call)), call->client, a->eventID, true, error);
}

#define EV_FLAGS (MV_PROC_READONLY_OK | MV_PROC_INLINE)

const MvProcedure mv_events_rows[] = {
    MV_PROC_ROW(REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, "virConnectDomainEventRegisterAny",
                remote_connect_domain_event_callback_register_any_args,
                remote_connect_domain_event_callback_register_any_ret, callback_register, EV_FLAGS),
    MV_PROC_ROW_NORET(REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny",
                      remote_connect_domain_event_callback_deregister_any_args, callback_deregister, EV_FLAGS),
    MV_PROC_ROW_NORET(REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY, "virConnectDomainEventRegisterAny",
                      remote_connect_domain_event_register_any_args, legacy_register, EV_FLAGS),
    MV_PROC_ROW_NORET(REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny",
                      remote_connect_domain_event_register_any_args, legacy_deregister, EV_FLAGS),
};
const size_t mv_events_nrows = G_N_ELEMENTS(mv_events_rows);
