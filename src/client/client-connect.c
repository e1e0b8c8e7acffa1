// SPDX-License-Identifier: LGPL-2.1-or-later
// Connections: choosing the daemon, dialling it, the opening handshake as libvirt 9.0
// clients perform it, reference counting and the connection-level queries that need no
// host knowledge (type, versions, URI, security).  Node queries live in client-host.c.

#include "client-private.h"
#include "util/util-error.h"
#include "remote.h"

#include <string.h>

/* The libvirt version this library implements and reports as its own. */
#define MV_CLIENT_LIB_VERSION 9000000UL

static virConnectAuth default_auth = { 0 };
virConnectAuthPtr virConnectAuthPtrDefault = &default_auth;

int
virInitialize(void)
{
    return 0;
}

int
virGetVersion(unsigned long *libVer, const char *type, unsigned long *typeVer)
{
    g_autoptr(GError) error = NULL;

    mv_client_error_reset();
    if (!mv_client_check_arg(libVer, G_STRFUNC, "libVer", &error)) {
        mv_client_report(NULL, error);
        return -1;
    }
    *libVer = MV_CLIENT_LIB_VERSION;
    if (type && typeVer)
        *typeVer = MV_CLIENT_LIB_VERSION;
    return 0;
}

bool
mv_client_call(virConnectPtr conn, int proc, xdrproc_t args_proc, const void *args,
               xdrproc_t ret_proc, void *ret, GError **error)
{
    GError *local = NULL;
    if (mv_rpc_client_call(conn->rpc, REMOTE_PROGRAM, proc, args_proc, args, ret_proc, ret, &local))
        return true;
    mv_client_error_from_wire(local);
    g_propagate_error(error, local);
    return false;
}

static void
conn_free(virConnectPtr conn)
{
    if (!conn)
        return;
    conn->magic = 0;
    mv_rpc_client_free(conn->rpc);
    mv_client_events_free(conn->events);
    g_free(conn->uri);
    g_free(conn->type);
    virResetError(&conn->err);
    g_mutex_clear(&conn->lock);
    g_free(conn);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, conn_free)

static bool
path_exists(const char *path, void *data)
{
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

/* The URI to use when the caller gave none, or NULL to probe the daemons. */
static const char *
default_uri(void)
{
    static const char *const vars[] = { "MODVIRT_DEFAULT_URI", "LIBVIRT_DEFAULT_URI", NULL };
    for (int i = 0; vars[i]; i++) {
        const char *v = g_getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

/* Connect the transport @u asks for (@u NULL: probe the local daemons). */
static MvRpcClient *
dial(const MvClientUri *u, MvTransport transport, bool readonly, GError **error)
{
    switch (transport) {
    case MV_TRANSPORT_UNIX: {
        const char *root = g_getenv("MODVIRT_ROOT");
        g_autofree char *path = mv_client_socket_choose(u, root ? root : "", readonly,
                                                        path_exists, NULL, error);
        if (!path)
            return NULL;
        return mv_rpc_client_connect_unix(path, error);
    }
    case MV_TRANSPORT_TCP: {
        g_autofree char *port = g_strdup_printf("%d", u->port > 0 ? u->port : MV_CLIENT_TCP_PORT);
        return mv_rpc_client_connect_tcp(u->host ? u->host : "localhost", port, error);
    }
    case MV_TRANSPORT_TLS:
        mv_error_set(error, MV_FROM_REMOTE, MV_ERR_OPERATION_UNSUPPORTED,
                     "the TLS transport is not supported yet by libmodvirt; use "
                     "'%s+tcp://%s/...' or a unix socket", u->driver, u->host ? u->host : "HOST");
        return NULL;
    default:
        mv_error_set(error, MV_FROM_REMOTE, MV_ERR_OPERATION_UNSUPPORTED,
                     "the '%s' transport is not supported yet by libmodvirt", u->transport);
        return NULL;
    }
}

/* Authenticate as the daemon asks.  Only "none" and polkit (decided by the daemon from
 * our peer credentials) need nothing from the caller. */
static bool
authenticate(virConnectPtr conn, GError **error)
{
    remote_auth_list_ret ret = { 0 };
    g_autoptr(GError) local = NULL;

    if (!mv_client_call(conn, REMOTE_PROC_AUTH_LIST, NULL, NULL,
                        (xdrproc_t)xdr_remote_auth_list_ret, &ret, &local)) {
        /* A daemon without AUTH_LIST needs no authentication. */
        if (mv_error_is(local, MV_ERR_NO_SUPPORT))
            return true;
        g_propagate_error(error, g_steal_pointer(&local));
        return false;
    }
    bool none = ret.types.types_len == 0, polkit = false;
    for (u_int i = 0; i < ret.types.types_len; i++) {
        none |= ret.types.types_val[i] == REMOTE_AUTH_NONE;
        polkit |= ret.types.types_val[i] == REMOTE_AUTH_POLKIT;
    }
    xdr_free((xdrproc_t)xdr_remote_auth_list_ret, (char *)&ret);
    if (none)
        return true;
    if (polkit) {
        remote_auth_polkit_ret pk = { 0 };
        return mv_client_call(conn, REMOTE_PROC_AUTH_POLKIT, NULL, NULL,
                              (xdrproc_t)xdr_remote_auth_polkit_ret, &pk, error);
    }
    mv_error_set(error, MV_FROM_AUTH, MV_ERR_AUTH_FAILED,
                 "the daemon requires SASL authentication, which libmodvirt does not support yet");
    return false;
}

/* The handshake of libvirt 9.0 clients: AUTH_LIST, CONNECT_OPEN, and CONNECT_GET_URI
 * when the daemon chose the driver (@name "").  Unlike libvirt we do not ask for
 * keepalive (feature 10): the daemon would ping us, and nothing answers between calls.
 * Like libvirt we ask whether the daemon has callback-ID events (feature 14), which
 * virConnectDomainEventRegisterAny needs; close callbacks (feature 15) are not
 * implemented yet, so not asked. */
static bool
handshake(virConnectPtr conn, const char *name, GError **error)
{
    if (!authenticate(conn, error))
        return false;

    char *name_copy = (char *)name;
    remote_connect_open_args args = { .name = &name_copy, .flags = conn->readonly ? VIR_CONNECT_RO : 0 };
    if (!mv_client_call(conn, REMOTE_PROC_CONNECT_OPEN, (xdrproc_t)xdr_remote_connect_open_args, &args,
                        NULL, NULL, error))
        return false;

    /* A daemon that cannot answer has no such events; the question itself must not fail
     * the open (libvirt's client treats errors here as "no"). */
    remote_connect_supports_feature_args feature = { .feature = MV_CLIENT_FEATURE_REMOTE_EVENT_CALLBACK };
    remote_connect_supports_feature_ret supported = { 0 };
    g_autoptr(GError) ignored = NULL;
    if (mv_client_call(conn, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                       (xdrproc_t)xdr_remote_connect_supports_feature_args, &feature,
                       (xdrproc_t)xdr_remote_connect_supports_feature_ret, &supported, &ignored))
        conn->event_callbacks = supported.supported != 0;

    if (!conn->uri) {
        remote_connect_get_uri_ret ret = { 0 };
        if (!mv_client_call(conn, REMOTE_PROC_CONNECT_GET_URI, NULL, NULL,
                            (xdrproc_t)xdr_remote_connect_get_uri_ret, &ret, error))
            return false;
        conn->uri = g_strdup(ret.uri);
        xdr_free((xdrproc_t)xdr_remote_connect_get_uri_ret, (char *)&ret);
    }
    return true;
}

static virConnectPtr
conn_open(const char *name, bool readonly, GError **error)
{
    g_autoptr(MvClientUri) u = NULL;
    g_autofree char *open_name = NULL;
    MvTransport transport = MV_TRANSPORT_UNIX;

    if (!name || !*name)
        name = default_uri();
    if (name) {
        u = mv_client_uri_parse(name, error);
        if (!u || !mv_client_uri_transport(u, &transport, error))
            return NULL;
        open_name = mv_client_uri_open_name(u);
    } else {
        open_name = g_strdup("");
    }

    g_autoptr(virConnect) conn = g_new0(virConnect, 1);
    conn->magic = MV_CLIENT_CONN_MAGIC;
    conn->refs = 1;
    g_mutex_init(&conn->lock);
    conn->readonly = readonly;
    conn->transport = transport;
    conn->uri = g_strdup(name);
    conn->events = mv_client_events_new();

    conn->rpc = dial(u, transport, readonly, error);
    if (!conn->rpc)
        return NULL;
    mv_client_events_attach(conn);
    mv_client_streams_attach(conn);
    if (!handshake(conn, open_name, error))
        return NULL;
    return g_steal_pointer(&conn);
}

virConnectPtr
virConnectOpenAuth(const char *name, virConnectAuthPtr auth, unsigned int flags)
{
    g_autoptr(GError) error = NULL;

    mv_client_error_reset();
    virConnectPtr conn = conn_open(name, flags & VIR_CONNECT_RO, &error);
    if (!conn)
        mv_client_report(NULL, error);
    return conn;
}

virConnectPtr
virConnectOpen(const char *name)
{
    return virConnectOpenAuth(name, NULL, 0);
}

virConnectPtr
virConnectOpenReadOnly(const char *name)
{
    return virConnectOpenAuth(name, NULL, VIR_CONNECT_RO);
}

int
virConnectRef(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    g_atomic_int_inc(&conn->refs);
    return 0;
}

void
mv_client_conn_ref(virConnectPtr conn)
{
    g_atomic_int_inc(&conn->refs);
}

/* Drop a reference; returns the references left, 0 when the connection was closed. */
static int
conn_unref(virConnectPtr conn)
{
    int left = g_atomic_int_add(&conn->refs, -1) - 1;
    if (left > 0)
        return left;
    /* Tell the daemon; a failure here changes nothing for the caller, the socket goes. */
    if (mv_rpc_client_is_alive(conn->rpc)) {
        g_autoptr(GError) ignored = NULL;
        mv_client_call(conn, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL, NULL, NULL, &ignored);
    }
    conn_free(conn);
    return 0;
}

void
mv_client_conn_unref(virConnectPtr conn)
{
    conn_unref(conn);
}

int
virConnectClose(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    /* Event callbacks hold references too: as in libvirt, the connection stays open
     * (and this returns > 0) until they are deregistered. */
    return conn_unref(conn);
}

const char *
virConnectGetType(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
    if (!conn->type) {
        remote_connect_get_type_ret ret = { 0 };
        if (!mv_client_call(conn, REMOTE_PROC_CONNECT_GET_TYPE, NULL, NULL,
                            (xdrproc_t)xdr_remote_connect_get_type_ret, &ret, &error)) {
            g_clear_pointer(&locker, g_mutex_locker_free);
            mv_client_report(conn, error);
            return NULL;
        }
        conn->type = g_strdup(ret.type);
        xdr_free((xdrproc_t)xdr_remote_connect_get_type_ret, (char *)&ret);
    }
    return conn->type;
}

int
virConnectGetVersion(virConnectPtr conn, unsigned long *hvVer)
{
    g_autoptr(GError) error = NULL;
    remote_connect_get_version_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(hvVer, G_STRFUNC, "hvVer", &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_GET_VERSION, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_get_version_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    *hvVer = ret.hv_ver;
    return 0;
}

int
virConnectGetLibVersion(virConnectPtr conn, unsigned long *libVer)
{
    g_autoptr(GError) error = NULL;
    remote_connect_get_lib_version_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(libVer, G_STRFUNC, "libVer", &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_GET_LIB_VERSION, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_get_lib_version_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    *libVer = ret.lib_ver;
    return 0;
}

char *
virConnectGetURI(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    return g_strdup(conn->uri);
}

int
virConnectIsSecure(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;
    remote_connect_is_secure_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_IS_SECURE, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_is_secure_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    /* Secure only when both legs are: our channel to the daemon (not plain TCP) and
     * the daemon's own (it may relay further). */
    return conn->transport != MV_TRANSPORT_TCP && ret.secure ? 1 : 0;
}

/* libvirt's protocol has no "is encrypted" call (148 is DOMAIN_MIGRATE_PREPARE_TUNNEL): as
 * libvirt's client does, ask whether the daemon's side is secure and say encrypted only when
 * our own channel to it is (TLS; a unix socket is secure but not encrypted). */
int
virConnectIsEncrypted(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;
    remote_connect_is_secure_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_IS_SECURE, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_is_secure_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    return conn->transport == MV_TRANSPORT_TLS && ret.secure ? 1 : 0;
}

int
virConnectIsAlive(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    return mv_rpc_client_is_alive(conn->rpc) ? 1 : 0;
}
