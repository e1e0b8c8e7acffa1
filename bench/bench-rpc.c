// SPDX-License-Identifier: LGPL-2.1-or-later
// The libvirt handshake on the raw RPC client, for benchmark tools.

#include "bench-rpc.h"
#include "remote.h"

#include <string.h>

char *
bench_uri_socket(const char *uri)
{
    const char *q = strchr(uri, '?');
    if (!q)
        return NULL;
    g_auto(GStrv) params = g_strsplit(q + 1, "&", -1);
    for (char **p = params; *p; p++) {
        if (g_str_has_prefix(*p, "socket="))
            return g_uri_unescape_string(*p + strlen("socket="), NULL);
    }
    return NULL;
}

MvRpcClient *
bench_rpc_open(const char *sock, const char *uri, GError **error)
{
    g_autoptr(MvRpcClient) c = mv_rpc_client_connect_unix(sock, error);
    if (!c)
        return NULL;

    remote_auth_list_ret auth = { 0 };
    if (!mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_AUTH_LIST, NULL, NULL,
                            (xdrproc_t)xdr_remote_auth_list_ret, &auth, error))
        return NULL;
    xdr_free((xdrproc_t)xdr_remote_auth_list_ret, (char *)&auth);

    remote_connect_supports_feature_args fa = { 10 };  /* PROGRAM_KEEPALIVE */
    remote_connect_supports_feature_ret fr = { 0 };
    if (!mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                            (xdrproc_t)xdr_remote_connect_supports_feature_args, &fa,
                            (xdrproc_t)xdr_remote_connect_supports_feature_ret, &fr, error))
        return NULL;

    char *name = (char *)uri;
    remote_connect_open_args oa = { &name, 0 };
    if (!mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN,
                            (xdrproc_t)xdr_remote_connect_open_args, &oa, NULL, NULL, error))
        return NULL;
    return g_steal_pointer(&c);
}

bool
bench_rpc_lib_version(MvRpcClient *c, guint64 *ret_version, GError **error)
{
    remote_connect_get_lib_version_ret r = { 0 };
    if (!mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_LIB_VERSION, NULL, NULL,
                            (xdrproc_t)xdr_remote_connect_get_lib_version_ret, &r, error))
        return false;
    *ret_version = r.lib_ver;
    return true;
}

bool
bench_rpc_close(MvRpcClient *c, GError **error)
{
    return mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL,
                              NULL, NULL, error);
}
