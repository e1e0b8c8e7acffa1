// SPDX-License-Identifier: LGPL-2.1-or-later
// What the proxy answers itself, before a connection is open: the authentication list,
// feature questions and an early close.  Everything after CONNECT_OPEN is the backend's.

#include "proxy.h"
#include "daemon/daemon-programs.h"
#include "util/util-error.h"
#include "remote.h"

/* CONNECT_SUPPORTS_FEATURE numbers (libvirt's VIR_DRV_FEATURE_*). */
enum {
    FEATURE_FD_PASSING = 8,
    FEATURE_TYPED_PARAM_STRING = 9,
    FEATURE_PROGRAM_KEEPALIVE = 10,
    FEATURE_REMOTE_EVENT_CALLBACK = 14,
    FEATURE_REMOTE_CLOSE_CALLBACK = 15,
    FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER = 16,
};

static void
proxy_conn_free(gpointer p)
{
    g_free(p);
}

ProxyConn *
proxy_conn_of(MvClient *c)
{
    MvConn *conn = mv_conn_of_client(c);
    if (!conn->driver_data) {
        conn->driver_data = g_new0(ProxyConn, 1);
        conn->driver_free = proxy_conn_free;
    }
    return conn->driver_data;
}

static bool
supports_feature(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_supports_feature_args *a = args;
    remote_connect_supports_feature_ret *r = ret;

    switch (a->feature) {
    case FEATURE_PROGRAM_KEEPALIVE:
        /* We ping until the connection is relayed; then the backend asked the same
         * question on the client's behalf pings end to end. */
        mv_client_enable_keepalive(call->client);
        proxy_conn_of(call->client)->keepalive = true;
        r->supported = 1;
        break;
    case FEATURE_FD_PASSING:
    case FEATURE_TYPED_PARAM_STRING:
    case FEATURE_REMOTE_EVENT_CALLBACK:
    case FEATURE_REMOTE_CLOSE_CALLBACK:
    case FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
        /* What every modvirt backend supports; asked after the open, the backend answers. */
        r->supported = 1;
        break;
    default:
        r->supported = 0;
        break;
    }
    return true;
}

static bool
connect_close(MvCall *call, void *args, void *ret, GError **error)
{
    call->close_after_reply = true;
    return true;
}

#define PRE (MV_PROC_BEFORE_OPEN | MV_PROC_READONLY_OK | MV_PROC_INLINE)

static const MvProcedure rows[] = {
    MV_PROC_ROW_NOARGS(REMOTE_PROC_AUTH_LIST, "virConnectOpen", remote_auth_list_ret, mv_daemon_auth_list, PRE),
    MV_PROC_ROW_NOARGS(REMOTE_PROC_AUTH_POLKIT, "virConnectOpen", remote_auth_polkit_ret, mv_daemon_auth_polkit, PRE),
    MV_PROC_ROW(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, "virConnectSupportsFeature",
                remote_connect_supports_feature_args, remote_connect_supports_feature_ret, supports_feature, PRE),
    MV_PROC_ROW_VOID(REMOTE_PROC_CONNECT_CLOSE, "virConnectClose", connect_close, PRE),
    /* CONNECT_OPEN has no row: proxy_route() takes it, as it must wait for a backend. */
};

MvProgram *
proxy_handshake_program(void)
{
    MvProgram *p = mv_program_new(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION);
    mv_program_add(p, rows, G_N_ELEMENTS(rows));
    return p;
}

static void
read_settings(MvDaemon *d)
{
    ProxySettings *set = mv_daemon_driver(d);
    g_autoptr(GError) err = NULL;
    GKeyFile *kf = mv_daemon_config(d);
    set->hand_over = true;
    if (g_key_file_has_key(kf, "proxy", "hand_over", NULL)) {
        bool v = g_key_file_get_boolean(kf, "proxy", "hand_over", &err);
        if (err)
            g_warning("[proxy] hand_over: %s, keeping %s", err->message, set->hand_over ? "true" : "false");
        else
            set->hand_over = v;
    }
}

bool
proxy_init(MvDaemon *d, GError **error)
{
    /* Settings only: the proxy keeps no other state. */
    static ProxySettings settings;
    MvServer *srv = mv_daemon_server(d);
    mv_daemon_set_driver(d, &settings);
    read_settings(d);
    mv_server_add_program(srv, proxy_handshake_program());
    mv_server_set_router(srv, proxy_route, d);
    return true;
}

void
proxy_reload(MvDaemon *d)
{
    read_settings(d);
}
