// SPDX-License-Identifier: LGPL-2.1-or-later
// Remote-program rows every driver daemon shares: the pre-open handshake, CONNECT_OPEN
// against the daemon's URIs, close callbacks, identity, versions and the host's node facts.

#include "daemon/daemon-programs.h"
#include "daemon/daemon-frame.h"
#include "daemon/daemon-events.h"
#include "util/util-error.h"
#include "util/util-host.h"
#include "rpc/rpc-relay.h"
#include "remote.h"

#include <unistd.h>

#include <string.h>

/* CONNECT_OPEN flag bit 0; the other bits are the client's own business. */
#define MV_CONNECT_RO 1

/* Feature numbers of CONNECT_SUPPORTS_FEATURE we say yes to. */
enum {
    FEATURE_FD_PASSING = 8,
    FEATURE_TYPED_PARAM_STRING = 9,
    FEATURE_PROGRAM_KEEPALIVE = 10,
    FEATURE_REMOTE_EVENT_CALLBACK = 14,
    FEATURE_REMOTE_CLOSE_CALLBACK = 15,
    FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER = 16,
};

bool
mv_daemon_auth_list(MvCall *call, void *args, void *ret, GError **error)
{
    remote_auth_list_ret *r = ret;
    /* Unix sockets are guarded by their file modes, TLS by client certificates, and plain
     * TCP is served only when the administrator asked for it: no further authentication. */
    r->types.types_len = 1;
    r->types.types_val = g_new0(remote_auth_type, 1);
    r->types.types_val[0] = REMOTE_AUTH_NONE;
    return true;
}

bool
mv_daemon_auth_polkit(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_auth_polkit_ret *)ret)->complete = 1;
    return true;
}

static bool
supports_feature(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_supports_feature_args *a = args;
    remote_connect_supports_feature_ret *r = ret;

    switch (a->feature) {
    case FEATURE_PROGRAM_KEEPALIVE:
        /* Saying yes lets both sides ping from now on. */
        mv_client_enable_keepalive(call->client);
        r->supported = 1;
        break;
    case MV_ADOPT_FEATURE:
        /* modvirt-proxyd may hand us its client's socket (adopt_socket below). */
    case FEATURE_FD_PASSING:
    case FEATURE_TYPED_PARAM_STRING:
    case FEATURE_REMOTE_EVENT_CALLBACK:
    case FEATURE_REMOTE_CLOSE_CALLBACK:
    case FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
        r->supported = 1;
        break;
    default:
        /* Migration features and anything newer: no, never an error. */
        r->supported = 0;
        break;
    }
    return true;
}

/* "qemu:///system?x=y" -> "qemu:///system": query parameters do not choose the driver. */
static char *
uri_base(const char *uri)
{
    return g_strndup(uri, strcspn(uri, "?#"));
}

static bool
connect_open(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_open_args *a = args;
    MvDaemon *d = mv_daemon_of(call);
    const MvDaemonSpec *spec = mv_daemon_spec(d);
    const char *name = (a->name && *a->name) ? *a->name : "";
    MvConn *conn = mv_conn_of(call);

    if (mv_client_is_open(call->client)) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection already open");
        return false;
    }
    if (!*name) {
        /* No URI: the client probes, then asks CONNECT_GET_URI which driver it got. */
        conn->uri = g_strdup(spec->uris[0]);
    } else {
        g_autofree char *base = uri_base(name);
        if (!g_strv_contains((const char *const *)spec->uris, base)) {
            g_autofree char *known = g_strjoinv("', '", (char **)spec->uris);
            mv_error_set(error, MV_FROM_NONE, MV_ERR_NO_CONNECT,
                         "no connection driver available for URI '%s': %s serves only '%s'",
                         name, spec->name, known);
            return false;
        }
        conn->uri = g_strdup(base);
    }
    mv_client_set_open(call->client, (a->flags & MV_CONNECT_RO) != 0);
    return true;
}

static bool
connect_close(MvCall *call, void *args, void *ret, GError **error)
{
    call->close_after_reply = true;
    return true;
}

static bool
get_type(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_type_ret *)ret)->type = g_strdup(mv_daemon_spec(mv_daemon_of(call))->driver_type);
    return true;
}

static bool
get_uri(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_uri_ret *)ret)->uri = g_strdup(mv_conn_of(call)->uri);
    return true;
}

static bool
get_lib_version(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_lib_version_ret *)ret)->lib_ver = MV_LIB_VERSION;
    return true;
}

static bool
get_hostname(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_hostname_ret *)ret)->hostname = mv_host_name();
    return true;
}

static bool
is_secure(MvCall *call, void *args, void *ret, GError **error)
{
    /* A local unix socket cannot be eavesdropped on; TCP/TLS come through the proxy. */
    ((remote_connect_is_secure_ret *)ret)->secure = 1;
    return true;
}

static bool
close_callback(MvCall *call, void *args, void *ret, GError **error)
{
    MvConn *conn = mv_conn_of(call);
    const mv_message_header *h = &call->pkt->hdr;
    conn->close_callback = h->proc == REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK;
    return true;
}

static bool
set_identity(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_set_identity_args *a = args;
    MvConn *conn = mv_conn_of(call);
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

    if (!mv_flags_check(a->flags, 0, MV_FROM_NONE, "virConnectSetIdentity", error))
        return false;
    for (u_int i = 0; i < a->params.params_len; i++) {
        const remote_typed_param *p = &a->params.params_val[i];
        switch (p->value.type) {
        case 1: g_ptr_array_add(ids, g_strdup_printf("%s=%d", p->field, p->value.remote_typed_param_value_u.i)); break;
        case 2: g_ptr_array_add(ids, g_strdup_printf("%s=%u", p->field, p->value.remote_typed_param_value_u.ui)); break;
        case 3: g_ptr_array_add(ids, g_strdup_printf("%s=%lld", p->field, (long long)p->value.remote_typed_param_value_u.l)); break;
        case 4: g_ptr_array_add(ids, g_strdup_printf("%s=%llu", p->field, (unsigned long long)p->value.remote_typed_param_value_u.ul)); break;
        case 7: g_ptr_array_add(ids, g_strdup_printf("%s=%s", p->field, p->value.remote_typed_param_value_u.s)); break;
        default:
            mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG,
                         "identity parameter '%s' has unexpected type %d", p->field, p->value.type);
            return false;
        }
    }
    if (conn->identity)
        g_ptr_array_unref(conn->identity);
    conn->identity = g_steal_pointer(&ids);
    return true;
}

/* ---- node facts ---- */

static bool
host_error(GError **error, int r, const char *what)
{
    mv_error_set_errno(error, MV_FROM_NONE, -r, "cannot read %s of the host", what);
    return false;
}

static bool
node_get_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_node_get_info_ret *r = ret;
    MvNodeInfo info;
    int rc = mv_host_node_info(&info);
    if (rc < 0)
        return host_error(error, rc, "node information");
    memcpy(r->model, info.model, sizeof(r->model));
    r->memory = info.memory_kib;
    r->cpus = info.cpus;
    r->mhz = info.mhz;
    r->nodes = info.nodes;
    r->sockets = info.sockets;
    r->cores = info.cores;
    r->threads = info.threads;
    return true;
}

static bool
node_get_free_memory(MvCall *call, void *args, void *ret, GError **error)
{
    guint64 bytes;
    int rc = mv_host_free_memory(&bytes);
    if (rc < 0)
        return host_error(error, rc, "free memory");
    ((remote_node_get_free_memory_ret *)ret)->freeMem = bytes;
    return true;
}

static bool
node_get_cells_free_memory(MvCall *call, void *args, void *ret, GError **error)
{
    remote_node_get_cells_free_memory_args *a = args;
    remote_node_get_cells_free_memory_ret *r = ret;
    g_autoptr(MvHostTopology) topo = NULL;
    int rc;

    if (a->maxcells <= 0 || a->maxcells > REMOTE_NODE_MAX_CELLS) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxCells > REMOTE_NODE_MAX_CELLS");
        return false;
    }
    if ((rc = mv_host_cpu_topology(&topo)) < 0)
        return host_error(error, rc, "NUMA topology");
    if (a->startCell < 0 || (size_t)a->startCell >= topo->ncells) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG,
                     "start cell %d out of range (0-%zu)", a->startCell, topo->ncells - 1);
        return false;
    }
    /* Free memory per cell is only known for the whole host here: a single-cell host
     * gets MemFree, more cells get their share of it by size. */
    guint64 free_bytes = 0, total_kib = 0;
    if ((rc = mv_host_free_memory(&free_bytes)) < 0)
        return host_error(error, rc, "free memory");
    for (size_t i = 0; i < topo->ncells; i++)
        total_kib += topo->cells[i].memory_kib;
    size_t n = MIN((size_t)a->maxcells, topo->ncells - a->startCell);
    r->cells.cells_len = n;
    r->cells.cells_val = g_new0(u_quad_t, n);
    for (size_t i = 0; i < n; i++) {
        guint64 cell_kib = topo->cells[a->startCell + i].memory_kib;
        r->cells.cells_val[i] = total_kib ? (guint64)((double)free_bytes * cell_kib / total_kib) : free_bytes;
    }
    return true;
}

static bool
node_get_cpu_map(MvCall *call, void *args, void *ret, GError **error)
{
    remote_node_get_cpu_map_args *a = args;
    remote_node_get_cpu_map_ret *r = ret;
    g_autofree guint8 *map = NULL;
    size_t maplen;
    unsigned online;
    int ncpus;

    if (!mv_flags_check(a->flags, 0, MV_FROM_NONE, "virNodeGetCPUMap", error))
        return false;
    int rc = mv_host_cpu_map(&map, &maplen, &online, &ncpus);
    if (rc < 0)
        return host_error(error, rc, "CPU map");
    if (a->need_map) {
        r->cpumap.cpumap_len = maplen;
        r->cpumap.cpumap_val = (char *)g_steal_pointer(&map);
    }
    if (a->need_online)
        r->online = online;
    r->ret = ncpus;
    return true;
}

#define ANY (MV_PROC_READONLY_OK | MV_PROC_INLINE)
#define PRE (MV_PROC_BEFORE_OPEN | MV_PROC_READONLY_OK | MV_PROC_INLINE)
#define REMOTE_ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define REMOTE_ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)
#define REMOTE_ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)
#define REMOTE_ROW_VOID(num, api, fn, fl) MV_PROC_ROW_VOID(REMOTE_PROC_##num, api, fn, fl)

static const MvProcedure common_rows[] = {
    REMOTE_ROW_NOARGS(AUTH_LIST, "virConnectOpen", auth_list_ret, mv_daemon_auth_list, PRE),
    REMOTE_ROW_NOARGS(AUTH_POLKIT, "virConnectOpen", auth_polkit_ret, mv_daemon_auth_polkit, PRE),
    REMOTE_ROW(CONNECT_SUPPORTS_FEATURE, "virConnectSupportsFeature", connect_supports_feature_args,
               connect_supports_feature_ret, supports_feature, PRE),
    REMOTE_ROW_NORET(CONNECT_OPEN, "virConnectOpen", connect_open_args, connect_open, PRE),
    REMOTE_ROW_VOID(CONNECT_CLOSE, "virConnectClose", connect_close, PRE),
    REMOTE_ROW_NOARGS(CONNECT_GET_TYPE, "virConnectGetType", connect_get_type_ret, get_type, ANY),
    REMOTE_ROW_NOARGS(CONNECT_GET_URI, "virConnectGetURI", connect_get_uri_ret, get_uri, ANY),
    REMOTE_ROW_NOARGS(CONNECT_GET_LIB_VERSION, "virConnectGetLibVersion", connect_get_lib_version_ret,
                      get_lib_version, ANY),
    /* The resolver may block: a worker, not the I/O thread. */
    REMOTE_ROW_NOARGS(CONNECT_GET_HOSTNAME, "virConnectGetHostname", connect_get_hostname_ret,
                      get_hostname, MV_PROC_READONLY_OK | MV_PROC_PRIORITY),
    REMOTE_ROW_NOARGS(CONNECT_IS_SECURE, "virConnectIsSecure", connect_is_secure_ret, is_secure, ANY),
    REMOTE_ROW_VOID(CONNECT_REGISTER_CLOSE_CALLBACK, "virConnectRegisterCloseCallback", close_callback, ANY),
    REMOTE_ROW_VOID(CONNECT_UNREGISTER_CLOSE_CALLBACK, "virConnectUnregisterCloseCallback", close_callback, ANY),
    REMOTE_ROW_NORET(CONNECT_SET_IDENTITY, "virConnectSetIdentity", connect_set_identity_args, set_identity,
                     MV_PROC_BEFORE_OPEN | MV_PROC_INLINE),
    REMOTE_ROW_NOARGS(NODE_GET_INFO, "virNodeGetInfo", node_get_info_ret, node_get_info,
                      MV_PROC_READONLY_OK | MV_PROC_PRIORITY),
    REMOTE_ROW_NOARGS(NODE_GET_FREE_MEMORY, "virNodeGetFreeMemory", node_get_free_memory_ret,
                      node_get_free_memory, MV_PROC_READONLY_OK | MV_PROC_PRIORITY),
    REMOTE_ROW(NODE_GET_CELLS_FREE_MEMORY, "virNodeGetCellsFreeMemory", node_get_cells_free_memory_args,
               node_get_cells_free_memory_ret, node_get_cells_free_memory, MV_PROC_READONLY_OK | MV_PROC_PRIORITY),
    REMOTE_ROW(NODE_GET_CPU_MAP, "virNodeGetCPUMap", node_get_cpu_map_args, node_get_cpu_map_ret,
               node_get_cpu_map, MV_PROC_READONLY_OK | MV_PROC_PRIORITY),
};

/* modvirt-proxyd hands over the socket of the client it opened this connection for: from
 * now on that socket is this connection, with everything the handshake set (open,
 * identity, keepalive).  Only a peer of our own user may do this; success has no reply,
 * as the socket it would go to is closed. */
static bool
adopt_socket(MvCall *call, void *args, void *ret, GError **error)
{
    uid_t uid;
    mv_client_peer(call->client, &uid, NULL, NULL);
    if (uid != geteuid()) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_OPERATION_DENIED,
                     "only a process of uid %d may hand over a client socket", (int)geteuid());
        return false;
    }
    if (call->pkt->nfds != 1) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "a socket hand-over carries exactly one descriptor");
        return false;
    }
    int fd = call->pkt->fds[0];
    if (!mv_client_replace_socket(call->client, fd, error))
        return false;
    call->pkt->fds[0] = -1;   /* the client's now */
    call->no_reply = true;
    return true;
}

static const MvProcedure adopt_rows[] = {
    /* After the open only: the connection must be set up before it changes hands.  A
     * read-only connection stays read-only on its new socket. */
    MV_PROC_ROW_VOID(MV_ADOPT_PROC_SOCKET, "virConnectOpen", adopt_socket,
                     MV_PROC_INLINE | MV_PROC_READONLY_OK),
};

MvProgram *
mv_daemon_adopt_program(void)
{
    MvProgram *p = mv_program_new(MV_ADOPT_PROGRAM, MV_ADOPT_PROGRAM_VERSION);
    mv_program_add(p, adopt_rows, G_N_ELEMENTS(adopt_rows));
    return p;
}

MvProgram *
mv_daemon_remote_program(void)
{
    MvProgram *p = mv_program_new(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION);
    mv_program_add(p, common_rows, G_N_ELEMENTS(common_rows));
    mv_program_add(p, mv_events_rows, mv_events_nrows);
    return p;
}
