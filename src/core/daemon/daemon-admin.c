// SPDX-License-Identifier: LGPL-2.1-or-later
// The admin program on <prefix>-admin-sock: open, close, version, and the server list.

#include "daemon/daemon-programs.h"
#include "daemon/daemon-frame.h"
#include "util/util-error.h"
#include "admin.h"

static bool
admin_open(MvCall *call, void *args, void *ret, GError **error)
{
    admin_connect_open_args *a = args;
    if (!mv_flags_check(a->flags, 0, MV_FROM_ADMIN, "virAdmConnectOpen", error))
        return false;
    if (mv_client_is_open(call->client)) {
        mv_error_set(error, MV_FROM_ADMIN, MV_ERR_INTERNAL_ERROR, "connection already open");
        return false;
    }
    mv_client_set_open(call->client, false);
    return true;
}

static bool
admin_close(MvCall *call, void *args, void *ret, GError **error)
{
    call->close_after_reply = true;
    return true;
}

static bool
admin_lib_version(MvCall *call, void *args, void *ret, GError **error)
{
    ((admin_connect_get_lib_version_ret *)ret)->libVer = MV_LIB_VERSION;
    return true;
}

/* The daemon has two servers: the main one (named after its socket prefix) and "admin". */
static const char *
server_name(MvCall *call, unsigned i)
{
    MvDaemon *d = mv_daemon_of(call);
    const MvDaemonSpec *spec = mv_daemon_spec(d);
    return i == 0 ? (spec->server_name ? spec->server_name : spec->sock_prefix) : "admin";
}

static bool
admin_list_servers(MvCall *call, void *args, void *ret, GError **error)
{
    admin_connect_list_servers_args *a = args;
    admin_connect_list_servers_ret *r = ret;
    const unsigned n = 2;

    if (!mv_flags_check(a->flags, 0, MV_FROM_ADMIN, "virAdmConnectListServers", error))
        return false;
    r->ret = n;
    if (a->need_results) {
        r->servers.servers_len = n;
        r->servers.servers_val = g_new0(admin_nonnull_server, n);
        for (unsigned i = 0; i < n; i++)
            r->servers.servers_val[i].name = g_strdup(server_name(call, i));
    }
    return true;
}

static bool
admin_lookup_server(MvCall *call, void *args, void *ret, GError **error)
{
    admin_connect_lookup_server_args *a = args;
    admin_connect_lookup_server_ret *r = ret;
    for (unsigned i = 0; i < 2; i++) {
        if (g_str_equal(a->name, server_name(call, i))) {
            r->srv.name = g_strdup(a->name);
            return true;
        }
    }
    mv_error_set(error, MV_FROM_ADMIN, MV_ERR_OPERATION_INVALID /* VIR_ERR_NO_SERVER is newer */,
                 "no server with matching name '%s'", a->name);
    return false;
}

static const MvProcedure admin_rows[] = {
    MV_PROC_ROW_NORET(ADMIN_PROC_CONNECT_OPEN, "virAdmConnectOpen", admin_connect_open_args,
                      admin_open, MV_PROC_BEFORE_OPEN | MV_PROC_INLINE),
    MV_PROC_ROW_VOID(ADMIN_PROC_CONNECT_CLOSE, "virAdmConnectClose", admin_close,
                     MV_PROC_BEFORE_OPEN | MV_PROC_INLINE),
    MV_PROC_ROW_NOARGS(ADMIN_PROC_CONNECT_GET_LIB_VERSION, "virAdmConnectGetLibVersion",
                       admin_connect_get_lib_version_ret, admin_lib_version, MV_PROC_INLINE),
    MV_PROC_ROW(ADMIN_PROC_CONNECT_LIST_SERVERS, "virAdmConnectListServers",
                admin_connect_list_servers_args, admin_connect_list_servers_ret,
                admin_list_servers, MV_PROC_INLINE),
    MV_PROC_ROW(ADMIN_PROC_CONNECT_LOOKUP_SERVER, "virAdmConnectLookupServer",
                admin_connect_lookup_server_args, admin_connect_lookup_server_ret,
                admin_lookup_server, MV_PROC_INLINE),
};

MvProgram *
mv_daemon_admin_program(void)
{
    MvProgram *p = mv_program_new(ADMIN_PROGRAM, ADMIN_PROTOCOL_VERSION);
    mv_program_add(p, admin_rows, G_N_ELEMENTS(admin_rows));
    return p;
}
