// SPDX-License-Identifier: LGPL-2.1-or-later
// CONNECT_OPEN on the proxy: the URI scheme picks the backend daemon's socket, the
// client's identity is worked out, and the connection goes to a relay.  Nothing is kept.

#include "proxy.h"
#include "rpc/rpc-relay.h"
#include "util/util-error.h"
#include "remote.h"

#include <string.h>

/* CONNECT_OPEN flag bit 0: read-only. */
#define OPEN_READONLY 1

typedef struct {
    const char *scheme;
    const char *sock_prefix;
    const char *daemon;
    bool hypervisor;          /* probed, in this order, when the client names no URI */
} Backend;

/* libvirt's probing order for an empty URI is xen, qemu, lxc, vbox, bhyve, vz; modvirt
 * has no vbox or vz daemon. */
static const Backend backends[] = {
    { "xen", "virtxend", "modvirt-xend", true },
    { "qemu", "virtqemud", "modvirt-qemud", true },
    { "lxc", "virtlxcd", "modvirt-lxcd", true },
    { "bhyve", "virtbhyved", "modvirt-bhyved", true },
    { "network", "virtnetworkd", "modvirt-netd", false },
    { "storage", "virtstoraged", "modvirt-storaged", false },
};

/* "qemu+tcp://h/system" -> "qemu"; NULL when @uri has no scheme. */
static char *
uri_scheme(const char *uri)
{
    const char *colon = strchr(uri, ':');
    if (!colon || colon == uri)
        return NULL;
    size_t len = strcspn(uri, "+:");
    return g_ascii_strdown(uri, len);
}

static const Backend *
backend_for(const char *scheme)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
        if (g_str_equal(backends[i].scheme, scheme))
            return &backends[i];
    }
    return NULL;
}

/* Who is behind @c: its certificate's name (TLS), its process (unix socket), or nobody
 * we can name (plain TCP). */
static MvIdentity *
client_identity(MvClient *c)
{
    MvConn *conn = mv_conn_of_client(c);
    if (conn->x509_dname) {
        MvIdentity *id = mv_identity_new();
        mv_identity_add_string(id, "x509-distinguished-name", conn->x509_dname);
        return id;
    }
    return mv_identity_of_peer(c);
}

/* Relay @c to @b for @uri; false with @error when its daemon does not listen. */
static bool
start_relay(MvDaemon *d, MvClient *c, MvPacket *pkt, const Backend *b, const char *uri,
            unsigned flags, GError **error)
{
    bool ro = mv_client_is_readonly(c) || (flags & OPEN_READONLY);
    g_autofree char *rel = g_strdup_printf("run/libvirt/%s-sock%s", b->sock_prefix, ro ? "-ro" : "");
    g_autofree char *path = mv_daemon_path(d, rel);
    /* A read-only socket refuses CONNECT_SET_IDENTITY (it needs write access, as in
     * libvirt); such a client can only look, so there is nothing to attribute. */
    g_autoptr(MvIdentity) id = ro ? NULL : client_identity(c);
    MvRelayConfig cfg = {
        .label = b->daemon,
        .path = path,
        .open_name = uri,
        .open_flags = flags,
        .keepalive = proxy_conn_of(c)->keepalive,
        .identity = id,
        .client_open = &pkt->hdr,
        /* modvirt backends serve the client on its own socket from then on. */
        .adopt = ((ProxySettings *)mv_daemon_driver(d))->hand_over,
    };
    if (!mv_relay_connection_start(c, &cfg, error)) {
        g_prefix_error(error, "URI scheme '%s': ", b->scheme);
        return false;
    }
    g_debug("client %" G_GUINT64_FORMAT " relayed to %s for '%s'", mv_client_id(c), path, uri);
    return true;
}

bool
proxy_route(MvClient *c, MvPacket *pkt, void *data)
{
    MvDaemon *d = data;
    g_autoptr(GError) err = NULL;

    if (pkt->hdr.prog != REMOTE_PROGRAM || pkt->hdr.proc != REMOTE_PROC_CONNECT_OPEN) {
        /* Every other call belongs to a backend, and there is none before the open. */
        mv_error_set(&err, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "connection not open");
        mv_client_reply_error(c, pkt, err);
        return true;
    }
    remote_connect_open_args a = { 0 };
    if (!mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_connect_open_args, &a, &err)) {
        mv_client_reply_error(c, pkt, err);
        return true;
    }
    g_autofree char *name = g_strdup(a.name && *a.name ? *a.name : "");
    unsigned flags = a.flags;
    xdr_free((xdrproc_t)xdr_remote_connect_open_args, (char *)&a);

    if (!*name) {
        /* No URI: the first hypervisor daemon that answers, as libvirt probes. */
        g_autoptr(GString) tried = g_string_new(NULL);
        for (size_t i = 0; i < G_N_ELEMENTS(backends); i++) {
            const Backend *b = &backends[i];
            if (!b->hypervisor)
                continue;
            g_autofree char *uri = g_strdup_printf("%s:///system", b->scheme);
            g_autoptr(GError) e = NULL;
            if (start_relay(d, c, pkt, b, uri, flags, &e)) {
                mv_packet_free(pkt);
                return true;
            }
            g_string_append_printf(tried, "%s%s", tried->len ? "; " : "", e->message);
        }
        mv_error_set(&err, MV_FROM_NONE, MV_ERR_NO_CONNECT,
                     "no URI given and no hypervisor daemon is running (%s)", tried->str);
        mv_client_reply_error(c, pkt, err);
        return true;
    }
    g_autofree char *scheme = uri_scheme(name);
    const Backend *b = scheme ? backend_for(scheme) : NULL;
    if (!b) {
        mv_error_set(&err, MV_FROM_NONE, MV_ERR_NO_CONNECT,
                     "'%s': modvirt-proxyd routes only the URI schemes qemu, lxc, xen, bhyve, network and storage",
                     name);
        mv_client_reply_error(c, pkt, err);
        return true;
    }
    if (!start_relay(d, c, pkt, b, name, flags, &err)) {
        mv_client_reply_error(c, pkt, err);
        return true;
    }
    mv_packet_free(pkt);
    return true;
}
