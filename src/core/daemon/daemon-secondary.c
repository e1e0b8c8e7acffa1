// SPDX-License-Identifier: LGPL-2.1-or-later
// The procedure families a hypervisor daemon passes on: which numbers belong to the
// network and storage drivers, and one relay per client and family, opened on the first
// call and reopened after its daemon came back.

#include "rpc/rpc-proclog.h"
#include "daemon/daemon-secondary.h"
#include "rpc/rpc-relay.h"
#include "util/util-error.h"
#include "remote.h"

typedef enum { FAMILY_NETWORK, FAMILY_STORAGE, FAMILY_LAST } Family;

typedef struct {
    const char *label;        /* the daemon, for messages */
    const char *what;         /* "network", for "the network driver is not running" */
    const char *sock_prefix;
    const char *uri;
    const int *procs;         /* -1 terminated */
    const int *stream_procs;  /* -1 terminated */
} FamilyInfo;

/* libvirt's remote procedure numbers of the network driver. */
static const int network_procs[] = {
    36, 38,        /* CONNECT_LIST_DEFINED_NETWORKS, CONNECT_LIST_NETWORKS */
    39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,   /* NETWORK_CREATE ... NETWORK_UNDEFINE */
    50, 52,        /* CONNECT_NUM_OF_DEFINED_NETWORKS, CONNECT_NUM_OF_NETWORKS */
    152, 153,      /* NETWORK_IS_ACTIVE, NETWORK_IS_PERSISTENT */
    283,           /* CONNECT_LIST_ALL_NETWORKS */
    291,           /* NETWORK_UPDATE */
    313, 314,      /* CONNECT_NETWORK_EVENT_(DE)REGISTER_ANY */
    341,           /* NETWORK_GET_DHCP_LEASES */
    404, 405, 406, 407, 408, 409, 410,   /* NETWORK_LIST_ALL_PORTS, NETWORK_PORT_* */
    432,           /* NETWORK_DEFINE_XML_FLAGS */
    437,           /* NETWORK_CREATE_XML_FLAGS */
    444, 445,      /* NETWORK_SET_METADATA, NETWORK_GET_METADATA (after 9.0) */
    -1
};

/* ... and of the storage driver. */
static const int storage_procs[] = {
    71, 72, 73, 74,   /* CONNECT_(NUM_OF|LIST)_(DEFINED_)STORAGE_POOLS */
    75,               /* CONNECT_FIND_STORAGE_POOL_SOURCES */
    76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92,   /* STORAGE_POOL_* */
    93, 94, 95, 96, 97, 98, 99, 100,   /* STORAGE_VOL_* */
    125,              /* STORAGE_VOL_CREATE_XML_FROM */
    154, 155,         /* STORAGE_POOL_IS_ACTIVE, STORAGE_POOL_IS_PERSISTENT */
    165,              /* STORAGE_VOL_WIPE */
    208, 209,         /* STORAGE_VOL_UPLOAD, STORAGE_VOL_DOWNLOAD (streams) */
    259, 260,         /* STORAGE_VOL_WIPE_PATTERN, STORAGE_VOL_RESIZE */
    281, 282,         /* CONNECT_LIST_ALL_STORAGE_POOLS, STORAGE_POOL_LIST_ALL_VOLUMES */
    368, 369,         /* CONNECT_STORAGE_POOL_EVENT_(DE)REGISTER_ANY */
    378,              /* STORAGE_VOL_GET_INFO_FLAGS */
    391,              /* STORAGE_POOL_LOOKUP_BY_TARGET_PATH */
    403,              /* CONNECT_GET_STORAGE_POOL_CAPABILITIES */
    -1
};

static const int storage_stream_procs[] = { 208, 209, -1 };
static const int no_stream_procs[] = { -1 };

static const FamilyInfo families[FAMILY_LAST] = {
    [FAMILY_NETWORK] = { "modvirt-netd", "network", "virtnetworkd", "network:///system",
                         network_procs, no_stream_procs },
    [FAMILY_STORAGE] = { "modvirt-storaged", "storage", "virtstoraged", "storage:///system",
                         storage_procs, storage_stream_procs },
};

struct MvSecondary {
    MvRelay *relays[FAMILY_LAST];
};

/* The family of remote procedure @proc, or FAMILY_LAST. */
static Family
family_of(int proc)
{
    for (int f = 0; f < FAMILY_LAST; f++) {
        for (const int *p = families[f].procs; *p >= 0; p++) {
            if (*p == proc)
                return f;
        }
    }
    return FAMILY_LAST;
}

/* Who the client is, for the backend: what a proxy in front of us told us, or else the
 * peer of the socket. */
static MvIdentity *
client_identity(MvClient *c, MvConn *conn)
{
    if (conn->identity && conn->identity->len) {
        MvIdentity *id = mv_identity_new();
        for (guint i = 0; i < conn->identity->len; i++)
            mv_identity_add_text(id, conn->identity->pdata[i]);
        return id;
    }
    return mv_identity_of_peer(c);
}

static bool
route(MvClient *c, MvPacket *pkt, void *data)
{
    MvDaemon *d = data;
    g_autoptr(GError) err = NULL;

    if (pkt->hdr.prog != REMOTE_PROGRAM)
        return false;
    Family f = family_of(pkt->hdr.proc);
    if (f == FAMILY_LAST)
        return false;
    if (!mv_client_is_open(c)) {
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection not open");
        mv_client_reply_error(c, pkt, err);
        return true;
    }
    MvConn *conn = mv_conn_of_client(c);
    if (!conn->secondary)
        conn->secondary = g_new0(struct MvSecondary, 1);
    MvRelay **relay = &conn->secondary->relays[f];
    if (*relay && !mv_relay_is_alive(*relay))
        g_clear_pointer(relay, mv_relay_free);   /* its daemon went away: try anew */
    if (!*relay) {
        const FamilyInfo *fi = &families[f];
        bool ro = mv_client_is_readonly(c);
        g_autofree char *rel = g_strdup_printf("run/libvirt/%s-sock%s", fi->sock_prefix, ro ? "-ro" : "");
        g_autofree char *path = mv_daemon_path(d, rel);
        /* Read-only sockets refuse CONNECT_SET_IDENTITY, as they refuse every write. */
        g_autoptr(MvIdentity) id = ro ? NULL : client_identity(c, conn);
        MvRelayConfig cfg = {
            .label = fi->label, .path = path, .open_name = fi->uri, .open_flags = ro ? 1 : 0,
            .identity = id, .stream_procs = fi->stream_procs,
        };
        g_autoptr(GError) cerr = NULL;
        *relay = mv_relay_calls_new(c, &cfg, &cerr);
        if (!*relay) {
            /* "Not supported" lets clients fall back or say so plainly; the text says why. */
            mv_error_set(&err, MV_FROM_RPC, MV_ERR_NO_SUPPORT, "the %s driver is not running (%s)",
                         fi->what, cerr->message);
            mv_proclog_once("relay", c, &pkt->hdr, err->message);
            mv_client_reply_error(c, pkt, err);
            return true;
        }
    }
    mv_relay_forward_call(*relay, pkt);
    return true;
}

void
mv_daemon_secondary_install(MvDaemon *d)
{
    mv_server_set_router(mv_daemon_server(d), route, d);
}

void
mv_daemon_secondary_drop(MvClient *c)
{
    MvConn *conn = mv_client_get_private(c);
    if (!conn || !conn->secondary)
        return;
    for (int f = 0; f < FAMILY_LAST; f++)
        mv_relay_free(conn->secondary->relays[f]);
    g_clear_pointer(&conn->secondary, g_free);
}
