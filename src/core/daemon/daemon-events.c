// SPDX-License-Identifier: LGPL-2.1-or-later
// The event callback registry and its remote-program rows.

#include "daemon/daemon-events.h"
#include "daemon/daemon-frame.h"
#include "util/util-error.h"

#include <string.h>

/* The object families whose events one registry serves. */
enum { FAMILY_DOMAIN, FAMILY_NETWORK, FAMILY_POOL };

typedef struct {
    MvClient *client;         /* a reference */
    int family;               /* FAMILY_* */
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

static int
register_family(MvEvents *ev, MvClient *client, int family, int event_id, const unsigned char *uuid,
                bool legacy, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    unsigned mine = 0;
    int last = family == FAMILY_DOMAIN ? MV_DOMAIN_EVENT_ID_LAST
             : family == FAMILY_NETWORK ? MV_NETWORK_EVENT_ID_LAST : MV_POOL_EVENT_ID_LAST;

    if (event_id < 0 || event_id >= last) {
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
    cb->family = family;
    cb->event_id = event_id;
    cb->legacy = legacy;
    cb->any_domain = uuid == NULL;
    if (uuid)
        memcpy(cb->uuid, uuid, 16);
    g_ptr_array_add(ev->callbacks, cb);
    return cb->id;
}

int
mv_events_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid,
                   bool legacy, GError **error)
{
    return register_family(ev, client, FAMILY_DOMAIN, event_id, uuid, legacy, error);
}

int
mv_events_network_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid,
                           GError **error)
{
    return register_family(ev, client, FAMILY_NETWORK, event_id, uuid, false, error);
}

bool
mv_events_deregister(MvEvents *ev, MvClient *client, int callback_id, bool legacy, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    for (guint i = 0; i < ev->callbacks->len; i++) {
        Callback *cb = ev->callbacks->pdata[i];
        if (cb->client == client && cb->legacy == legacy && cb->family == FAMILY_DOMAIN &&
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

static bool
deregister_family(MvEvents *ev, MvClient *client, int family, int callback_id, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    for (guint i = 0; i < ev->callbacks->len; i++) {
        Callback *cb = ev->callbacks->pdata[i];
        if (cb->client == client && cb->family == family && cb->id == callback_id) {
            g_ptr_array_remove_index(ev->callbacks, i);
            return true;
        }
    }
    mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "callback %d not registered", callback_id);
    return false;
}

bool
mv_events_network_deregister(MvEvents *ev, MvClient *client, int callback_id, GError **error)
{
    return deregister_family(ev, client, FAMILY_NETWORK, callback_id, error);
}

int
mv_events_pool_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid, GError **error)
{
    return register_family(ev, client, FAMILY_POOL, event_id, uuid, false, error);
}

bool
mv_events_pool_deregister(MvEvents *ev, MvClient *client, int callback_id, GError **error)
{
    return deregister_family(ev, client, FAMILY_POOL, callback_id, error);
}

/* Collect the matching callbacks under the lock, send outside it. */
static GPtrArray *
matching(MvEvents *ev, int family, int event_id, const unsigned char *uuid)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&ev->lock);
    for (guint i = 0; i < ev->callbacks->len; i++) {
        Callback *cb = ev->callbacks->pdata[i];
        if (cb->family != family || cb->event_id != event_id)
            continue;
        if (!cb->any_domain && memcmp(cb->uuid, uuid, 16) != 0)
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
    g_autoptr(GPtrArray) targets = matching(ev, FAMILY_DOMAIN, MV_DOMAIN_EVENT_ID_LIFECYCLE, (const unsigned char *)dom->uuid);
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
    g_autoptr(GPtrArray) targets = matching(ev, FAMILY_DOMAIN, MV_DOMAIN_EVENT_ID_REBOOT, (const unsigned char *)dom->uuid);
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

void
mv_events_network_lifecycle(MvEvents *ev, const remote_nonnull_network *net, int event, int detail)
{
    g_autoptr(GPtrArray) targets = matching(ev, FAMILY_NETWORK, MV_NETWORK_EVENT_ID_LIFECYCLE,
                                            (const unsigned char *)net->uuid);
    for (guint i = 0; i < targets->len; i++) {
        Callback *cb = targets->pdata[i];
        remote_network_event_lifecycle_msg msg = { cb->id, *net, event, detail };
        mv_client_send_message(cb->client, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                               REMOTE_PROC_NETWORK_EVENT_LIFECYCLE,
                               (xdrproc_t)xdr_remote_network_event_lifecycle_msg, &msg);
        mv_client_unref(cb->client);
    }
}

void
mv_events_pool_lifecycle(MvEvents *ev, const remote_nonnull_storage_pool *pool, int event, int detail)
{
    g_autoptr(GPtrArray) targets = matching(ev, FAMILY_POOL, MV_POOL_EVENT_ID_LIFECYCLE,
                                            (const unsigned char *)pool->uuid);
    for (guint i = 0; i < targets->len; i++) {
        Callback *cb = targets->pdata[i];
        remote_storage_pool_event_lifecycle_msg msg = { cb->id, *pool, event, detail };
        mv_client_send_message(cb->client, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                               REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE,
                               (xdrproc_t)xdr_remote_storage_pool_event_lifecycle_msg, &msg);
        mv_client_unref(cb->client);
    }
}

void
mv_events_pool_refresh(MvEvents *ev, const remote_nonnull_storage_pool *pool)
{
    g_autoptr(GPtrArray) targets = matching(ev, FAMILY_POOL, MV_POOL_EVENT_ID_REFRESH,
                                            (const unsigned char *)pool->uuid);
    for (guint i = 0; i < targets->len; i++) {
        Callback *cb = targets->pdata[i];
        remote_storage_pool_event_refresh_msg msg = { cb->id, *pool };
        mv_client_send_message(cb->client, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                               REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH,
                               (xdrproc_t)xdr_remote_storage_pool_event_refresh_msg, &msg);
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

static bool
network_register(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_network_event_register_any_args *a = args;
    MvEvents *ev = mv_daemon_events(mv_daemon_of(call));
    int id = mv_events_network_register(ev, call->client, a->eventID, a->net ? a->net->uuid : NULL, error);
    if (id < 0)
        return false;
    ((remote_connect_network_event_register_any_ret *)ret)->callbackID = id;
    return true;
}

static bool
network_deregister(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_network_event_deregister_any_args *a = args;
    return mv_events_network_deregister(mv_daemon_events(mv_daemon_of(call)), call->client, a->callbackID,
                                        error);
}

static bool
pool_register(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_storage_pool_event_register_any_args *a = args;
    MvEvents *ev = mv_daemon_events(mv_daemon_of(call));
    int id = mv_events_pool_register(ev, call->client, a->eventID, a->pool ? a->pool->uuid : NULL, error);
    if (id < 0)
        return false;
    ((remote_connect_storage_pool_event_register_any_ret *)ret)->callbackID = id;
    return true;
}

static bool
pool_deregister(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_storage_pool_event_deregister_any_args *a = args;
    return mv_events_pool_deregister(mv_daemon_events(mv_daemon_of(call)), call->client, a->callbackID, error);
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

const MvProcedure mv_network_events_rows[] = {
    MV_PROC_ROW(REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, "virConnectNetworkEventRegisterAny",
                remote_connect_network_event_register_any_args, remote_connect_network_event_register_any_ret,
                network_register, EV_FLAGS),
    MV_PROC_ROW_NORET(REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, "virConnectNetworkEventDeregisterAny",
                      remote_connect_network_event_deregister_any_args, network_deregister, EV_FLAGS),
};
const size_t mv_network_events_nrows = G_N_ELEMENTS(mv_network_events_rows);

const MvProcedure mv_pool_events_rows[] = {
    MV_PROC_ROW(REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, "virConnectStoragePoolEventRegisterAny",
                remote_connect_storage_pool_event_register_any_args,
                remote_connect_storage_pool_event_register_any_ret, pool_register, EV_FLAGS),
    MV_PROC_ROW_NORET(REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, "virConnectStoragePoolEventDeregisterAny",
                      remote_connect_storage_pool_event_deregister_any_args, pool_deregister, EV_FLAGS),
};
const size_t mv_pool_events_nrows = G_N_ELEMENTS(mv_pool_events_rows);
