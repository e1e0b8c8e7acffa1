// SPDX-License-Identifier: LGPL-2.1-or-later
// What libmodvirt's files share behind the public API: the connection object, the call
// helper that marshals onto the wire, and the one place GErrors become virErrors.
// Internally everything reports GError; only the public entry points convert.
#pragma once

#include "modvirt/libvirt.h"
#include "rpc/rpc-client.h"
#include "client-uri.h"

#include <glib.h>
#include <stdbool.h>

/* Marks a live connection so that stale or foreign pointers are refused. */
#define MV_CLIENT_CONN_MAGIC 0x6d76636eu

struct _virConnect {
    guint32 magic;
    gint refs;             /* atomic */
    MvRpcClient *rpc;      /* serialises calls itself */
    MvTransport transport;
    bool readonly;
    char *uri;             /* what virConnectGetURI answers; immutable after open */
    GMutex lock;           /* guards the fields below */
    char *type;            /* cached GET_TYPE answer, owned: virConnectGetType returns it */
    virError err;          /* last error raised on this connection */
    virErrorFunc err_func;
    void *err_data;
};

/* Call remote procedure @proc on @conn (see mv_rpc_client_call).  Errors from the daemon
 * keep its code, domain and text, except "unknown procedure", which becomes
 * VIR_ERR_NO_SUPPORT as in libvirt's client. */
bool mv_client_call(virConnectPtr conn, int proc, xdrproc_t args_proc, const void *args,
                    xdrproc_t ret_proc, void *ret, GError **error);

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

/* Check a pointer argument of a public entry point (VIR_ERR_INVALID_ARG naming @what). */
bool mv_client_check_arg(const void *arg, const char *func, const char *what, GError **error);
