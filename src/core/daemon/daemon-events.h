// SPDX-License-Identifier: LGPL-2.1-or-later
// Event callbacks clients register (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY and the
// legacy REGISTER_ANY), and delivery of domain events to them as MESSAGE packets.  What
// happened to a domain is the driver's to say; who hears of it is decided here.
#pragma once

#include "rpc/rpc-server.h"
#include "remote.h"

/* libvirt's VIR_DOMAIN_EVENT_ID_LAST in 9.0: ids 0..26 may be registered. */
#define MV_DOMAIN_EVENT_ID_LAST 27
#define MV_DOMAIN_EVENT_ID_LIFECYCLE 0
#define MV_DOMAIN_EVENT_ID_REBOOT 1

/* libvirt's VIR_NETWORK_EVENT_ID_LAST in 9.0: only the lifecycle event (0). */
#define MV_NETWORK_EVENT_ID_LAST 1
#define MV_NETWORK_EVENT_ID_LIFECYCLE 0

/* Callbacks one client may hold: a client cannot grow the daemon's memory without bound. */
#define MV_EVENTS_PER_CLIENT_MAX 1024

typedef struct MvEvents MvEvents;

MvEvents *mv_events_new(void);
void mv_events_free(MvEvents *ev);

/* Register @event_id for @client, for one domain (@uuid) or all (NULL).  @legacy callbacks
 * receive the old message form without a callback id.  Returns the callback id (> 0), or -1
 * with @error set (bad event id, too many callbacks). */
int mv_events_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid,
                       bool legacy, GError **error);

/* Remove callback @callback_id of @client (legacy: by event id).  False with @error if the
 * client has no such callback. */
bool mv_events_deregister(MvEvents *ev, MvClient *client, int callback_id, bool legacy, GError **error);

/* Forget every callback of @client (it disconnected). */
void mv_events_drop_client(MvEvents *ev, MvClient *client);

/* Deliver a lifecycle event (libvirt's event and detail numbers) to every matching callback. */
void mv_events_domain_lifecycle(MvEvents *ev, const remote_nonnull_domain *dom, int event, int detail);

/* Deliver a reboot event. */
void mv_events_domain_reboot(MvEvents *ev, const remote_nonnull_domain *dom);

/* Network events (CONNECT_NETWORK_EVENT_REGISTER_ANY), for one network (@uuid) or all (NULL):
 * the callback id, or -1 with @error.  Deregister fails with @error for an unknown id. */
int mv_events_network_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid,
                               GError **error);
bool mv_events_network_deregister(MvEvents *ev, MvClient *client, int callback_id, GError **error);
/* Deliver a network lifecycle event (libvirt's virNetworkEventLifecycleType numbers). */
void mv_events_network_lifecycle(MvEvents *ev, const remote_nonnull_network *net, int event, int detail);

/* Storage pool events (CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY): libvirt's ids 0..1. */
#define MV_POOL_EVENT_ID_LAST 2
#define MV_POOL_EVENT_ID_LIFECYCLE 0
#define MV_POOL_EVENT_ID_REFRESH 1
int mv_events_pool_register(MvEvents *ev, MvClient *client, int event_id, const unsigned char *uuid,
                            GError **error);
bool mv_events_pool_deregister(MvEvents *ev, MvClient *client, int callback_id, GError **error);
/* Deliver a pool lifecycle event (virStoragePoolEventLifecycleType) or a refresh event. */
void mv_events_pool_lifecycle(MvEvents *ev, const remote_nonnull_storage_pool *pool, int event, int detail);
void mv_events_pool_refresh(MvEvents *ev, const remote_nonnull_storage_pool *pool);

/* Rows for the remote program: 316/317 and the legacy 167/168. */
extern const MvProcedure mv_events_rows[];
extern const size_t mv_events_nrows;
/* Rows for the network daemon: 313/314. */
extern const MvProcedure mv_network_events_rows[];
extern const size_t mv_network_events_nrows;
/* Rows for the storage daemon: 368/369. */
extern const MvProcedure mv_pool_events_rows[];
extern const size_t mv_pool_events_nrows;
