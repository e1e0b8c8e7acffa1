// SPDX-License-Identifier: LGPL-2.1-or-later
// What libmodvirt's files share behind the public API: the connection object, the call
// helper that marshals onto the wire, and the one place GErrors become virErrors.
// Internally everything reports GError; only the public entry points convert.
#pragma once

#include "modvirt/libvirt.h"
#include "rpc/rpc-client.h"
#include "client-uri.h"
#include "remote.h"

#include <glib.h>
#include <stdbool.h>

/* Marks live objects so that stale or foreign pointers are refused. */
#define MV_CLIENT_CONN_MAGIC 0x6d76636eu
#define MV_CLIENT_DOMAIN_MAGIC 0x6d76646du
#define MV_CLIENT_STREAM_MAGIC 0x6d767374u
#define MV_CLIENT_NETWORK_MAGIC 0x6d766e74u

/* libvirt's VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK: the daemon has the callback-ID event
 * procedures (316/317 and the messages from 318 on). */
#define MV_CLIENT_FEATURE_REMOTE_EVENT_CALLBACK 14

/* Per-connection event state: callbacks and events waiting for the loop (client-event.c). */
typedef struct MvClientEvents MvClientEvents;

struct _virConnect {
    guint32 magic;
    gint refs;             /* atomic */
    MvRpcClient *rpc;      /* serialises calls itself */
    MvTransport transport;
    bool readonly;
    bool event_callbacks;  /* the daemon said yes to feature 14; immutable after open */
    char *uri;             /* what virConnectGetURI answers; immutable after open */
    GMutex lock;           /* guards the fields below */
    char *type;            /* cached GET_TYPE answer, owned: virConnectGetType returns it */
    virError err;          /* last error raised on this connection */
    virErrorFunc err_func;
    void *err_data;
    MvClientEvents *events;  /* owned; has its own lock */
};

/* A domain as the daemon named it; immutable but for @id, which changes when the domain
 * is started or destroyed through this object. */
struct _virDomain {
    guint32 magic;
    gint refs;                /* atomic */
    virConnectPtr conn;       /* holds a reference */
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    gint id;                  /* atomic; -1 when not running */
};

/* Call remote procedure @proc on @conn (see mv_rpc_client_call).  Errors from the daemon
 * keep its code, domain and text, except "unknown procedure", which becomes
 * VIR_ERR_NO_SUPPORT as in libvirt's client. */
bool mv_client_call(virConnectPtr conn, int proc, xdrproc_t args_proc, const void *args,
                    xdrproc_t ret_proc, void *ret, GError **error);

/* Internal references on @conn that, unlike virConnectRef/Close, leave the thread's last
 * error alone.  The last unref closes the connection. */
void mv_client_conn_ref(virConnectPtr conn);
void mv_client_conn_unref(virConnectPtr conn);

/* A new domain object for @d on @conn (taking a reference on @conn). */
virDomainPtr mv_client_domain_new(virConnectPtr conn, const remote_nonnull_domain *d);
/* Drop a reference on @dom without touching the thread's last error. */
void mv_client_domain_unref(virDomainPtr dom);
/* @dom as the wire names it; the name is borrowed from @dom. */
void mv_client_domain_to_wire(virDomainPtr dom, remote_nonnull_domain *ret);

/* Start of every public entry point taking a domain: as mv_client_enter, for @dom
 * (VIR_ERR_INVALID_DOMAIN naming @func otherwise). */
bool mv_client_domain_enter(virDomainPtr dom, const char *func, GError **error);

/* End of a failed public entry point taking @dom (which may be an invalid pointer). */
void mv_client_domain_report(virDomainPtr dom, const GError *error);

/* Refuse @func on a read-only connection (VIR_ERR_OPERATION_DENIED), as libvirt's client
 * does before asking the daemon. */
bool mv_client_check_writable(virConnectPtr conn, const char *func, GError **error);

/* ---- events (client-event.c) ---- */

MvClientEvents *mv_client_events_new(void);
void mv_client_events_free(MvClientEvents *ev);
/* Route the event messages of @conn's socket into its queue. */
void mv_client_events_attach(virConnectPtr conn);

/* The connections that have event callbacks, each with an internal reference the caller
 * drops with mv_client_conn_unref; *ret_pending tells whether any has queued events. */
GPtrArray *mv_client_events_watched(bool *ret_pending);
/* Call the callbacks of every event queued on @conn, in arrival order. */
void mv_client_events_dispatch(virConnectPtr conn);

/* ---- streams (client-stream.c) ---- */

/* Open @st (new, of @conn) for the stream-opening call @proc with @args, as @func. */
bool mv_client_stream_open(virConnectPtr conn, virStreamPtr st, int proc, xdrproc_t args_proc, const void *args,
                           const char *func, GError **error);
/* Route the STREAM packets of @conn's socket to its streams. */
void mv_client_streams_attach(virConnectPtr conn);

/* ---- the default event loop (client-eventloop.c) ---- */

/* True once virEventRegisterDefaultImpl was called. */
bool mv_event_loop_registered(void);
/* Make a thread sleeping in virEventRunDefaultImpl look again (events were queued or
 * the set of watched connections changed).  Async-signal-safe. */
void mv_event_loop_wake(void);

/* Start of every public entry point: clears the thread's last error and checks that
 * @conn is a live connection (VIR_ERR_INVALID_CONN naming @func otherwise). */
bool mv_client_enter(virConnectPtr conn, const char *func, GError **error);

/* End of a failed public entry point: @err becomes the thread's last error and @conn's
 * (when @conn is a valid connection) and is handed to the error callback. */
void mv_client_report(virConnectPtr conn, const GError *err);

/* Rewrite a daemon error the way libvirt's client does ("unknown procedure" ->
 * VIR_ERR_NO_SUPPORT; renumbered legacy codes).  @err may be NULL. */
void mv_client_error_from_wire(GError *err);

/* Clear the thread's last error. */
void mv_client_error_reset(void);

/* Set @error to VIR_ERR_INVALID_ARG with exactly the formatted text: libvirt's argument
 * checks carry no "invalid argument: " prefix, unlike errors raised further in. */
void mv_client_invalid_arg(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Check a pointer argument of a public entry point (VIR_ERR_INVALID_ARG naming @what). */
bool mv_client_check_arg(const void *arg, const char *func, const char *what, GError **error);
