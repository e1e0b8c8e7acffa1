// SPDX-License-Identifier: LGPL-2.1-or-later
// Tap devices for bridge and ethernet interfaces, opened the way libvirt hands them to QEMU:
// /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, passed as an inherited fd.

#include "qemu-net.h"
#include "rpc/rpc-client.h"
#include "util/util-error.h"
#include "util/util-spawn.h"
#include "util/util-uuid.h"
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* libvirt's tap name template: the kernel picks the first free number. */
#define TAP_TEMPLATE "vnet%d"

static int
tap_create(char ret_name[IFNAMSIZ], GError **error)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot open /dev/net/tun");
        return -1;
    }
    struct ifreq ifr = { 0 };
    g_strlcpy(ifr.ifr_name, TAP_TEMPLATE, IFNAMSIZ);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot create a tap device");
        close(fd);
        return -1;
    }
    g_strlcpy(ret_name, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

/* Run `ip link set dev TAP [master BRIDGE] up`. */
static bool
tap_attach(const char *tap, const char *bridge, GError **error)
{
    const char *argv_bridge[] = { "/sbin/ip", "link", "set", "dev", tap, "master", bridge, "up", NULL };
    const char *argv_plain[] = { "/sbin/ip", "link", "set", "dev", tap, "up", NULL };
    g_autofree char *err = NULL;
    int status = 0;
    int r = mv_spawn_capture(bridge ? argv_bridge : argv_plain, NULL, 10000, NULL, &err, &status);
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (err)
            g_strstrip(err);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     bridge ? "cannot add tap '%s' to bridge '%s': %s" : "cannot bring tap '%s' up%s: %s",
                     tap, bridge ? bridge : "", r < 0 ? g_strerror(-r) : (err && *err ? err : "ip failed"));
        return false;
    }
    return true;
}

/* A connection to the network daemon, opened as any client opens network:///system. */
static MvRpcClient *
netd_connect(const char *sock, const char *net_name, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MvRpcClient) c = mv_rpc_client_connect_unix(sock, &err);
    if (!c) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "cannot reach the network daemon (modvirt-netd) at '%s' for network '%s': %s", sock, net_name,
                     err->message);
        return NULL;
    }
    char *uri = (char *)"network:///system";
    remote_connect_open_args open = { .name = &uri, .flags = 0 };
    if (!mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN, (xdrproc_t)xdr_remote_connect_open_args,
                            &open, NULL, NULL, error))
        return NULL;
    return g_steal_pointer(&c);
}

static bool
lookup_network(MvRpcClient *c, const char *name, remote_network_ret *ret, GError **error)
{
    remote_network_lookup_by_name_args a = { (char *)name };
    memset(ret, 0, sizeof(*ret));
    return mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
                              (xdrproc_t)xdr_remote_network_lookup_by_name_args, &a,
                              (xdrproc_t)xdr_remote_network_ret, ret, error);
}

/* The bridge='...' of a port's <plug>; NULL when absent. */
static char *
plug_bridge(const char *xml)
{
    const char *p = xml ? strstr(xml, "<plug ") : NULL;
    p = p ? strstr(p, "bridge='") : NULL;
    if (!p)
        return NULL;
    p += strlen("bridge='");
    const char *e = strchr(p, '\'');
    return e ? g_strndup(p, (gsize)(e - p)) : NULL;
}

/* Ask the network daemon for a port on @net's network, as libvirt's QEMU driver does
 * (NETWORK_PORT_CREATE_XML), and learn the bridge to plug the tap into. */
static bool
port_create(const char *sock, const MvDomainDef *def, MvDomainNet *net, GError **error)
{
    g_autoptr(MvRpcClient) c = netd_connect(sock, net->source, error);
    if (!c)
        return false;
    remote_network_ret found;
    if (!lookup_network(c, net->source, &found, error))
        return false;
    char mac[MV_MAC_STRING_BUFLEN], owner[MV_UUID_STRING_BUFLEN];
    mv_mac_format(net->mac, mac);
    mv_uuid_format(def->uuid, owner);
    g_autofree char *xml = g_markup_printf_escaped("<networkport>\n  <owner>\n    <name>%s</name>\n    <uuid>%s</uuid>\n"
                                                   "  </owner>\n  <mac address='%s'/>\n</networkport>\n",
                                                   def->name, owner, mac);
    remote_network_port_create_xml_args a = { found.net, xml, 0 };
    remote_network_port_ret port = { 0 };
    bool ok = mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_NETWORK_PORT_CREATE_XML,
                                 (xdrproc_t)xdr_remote_network_port_create_xml_args, &a,
                                 (xdrproc_t)xdr_remote_network_port_ret, &port, error);
    xdr_free((xdrproc_t)xdr_remote_network_ret, (char *)&found);
    if (!ok)
        return false;
    remote_network_port_flags_args ga = { port.port, 0 };
    remote_network_get_xml_desc_ret desc = { 0 };
    ok = mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_NETWORK_PORT_GET_XML_DESC,
                            (xdrproc_t)xdr_remote_network_port_flags_args, &ga,
                            (xdrproc_t)xdr_remote_network_get_xml_desc_ret, &desc, error);
    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format((const unsigned char *)port.port.uuid, uuid);
    g_free(net->portid);
    net->portid = g_strdup(uuid);
    if (ok) {
        g_free(net->port_bridge);
        net->port_bridge = plug_bridge(desc.xml);
        xdr_free((xdrproc_t)xdr_remote_network_get_xml_desc_ret, (char *)&desc);
        if (!net->port_bridge) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "network '%s' gave a port without a bridge",
                         net->source);
            ok = false;
        }
    }
    xdr_free((xdrproc_t)xdr_remote_network_port_ret, (char *)&port);
    return ok;
}

void
qemu_net_ports_release(const char *sock, MvDomainDef *def)
{
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = def->nets->pdata[i];
        if (net->type != MV_DOMAIN_NET_NETWORK || !net->portid)
            continue;
        g_autoptr(GError) err = NULL;
        g_autoptr(MvRpcClient) c = netd_connect(sock, net->source, &err);
        remote_network_ret found;
        remote_nonnull_network_port port = { 0 };
        bool ok = c && lookup_network(c, net->source, &found, &err);
        if (ok) {
            port.net = found.net;
            ok = mv_uuid_parse(net->portid, (guint8 *)port.uuid) == 0;
        }
        if (ok) {
            remote_network_port_flags_args a = { port, 0 };
            ok = mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_NETWORK_PORT_DELETE,
                                    (xdrproc_t)xdr_remote_network_port_flags_args, &a, NULL, NULL,
                                    &err);
            xdr_free((xdrproc_t)xdr_remote_network_ret, (char *)&found);
        }
        if (!ok)
            g_warning("cannot release port %s of network '%s': %s, ignoring", net->portid, net->source,
                      err ? err->message : "bad port id");
        g_clear_pointer(&net->portid, g_free);
        g_clear_pointer(&net->port_bridge, g_free);
    }
}

bool
qemu_taps_open(MvDomainDef *def, const char *netd_sock, QemuTaps *ret_taps, GError **error)
{
    QemuTaps taps = { g_new(int, MAX(def->nets->len, 1)), def->nets->len };
    for (size_t i = 0; i < taps.n; i++)
        taps.fds[i] = -1;

    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = def->nets->pdata[i];
        if (net->type == MV_DOMAIN_NET_NETWORK && !port_create(netd_sock, def, net, error)) {
            g_prefix_error(error, "interface '%s': ", net->info.alias);
            qemu_net_ports_release(netd_sock, def);
            qemu_taps_close(&taps);
            return false;
        }
        bool wanted = net->type == MV_DOMAIN_NET_BRIDGE || net->type == MV_DOMAIN_NET_NETWORK ||
                      (net->type == MV_DOMAIN_NET_ETHERNET && !net->target_dev);
        if (!wanted)
            continue;
        char name[IFNAMSIZ];
        int fd = tap_create(name, error);
        const char *bridge = net->type == MV_DOMAIN_NET_BRIDGE ? net->source
                           : net->type == MV_DOMAIN_NET_NETWORK ? net->port_bridge : NULL;
        if (fd < 0 || !tap_attach(name, bridge, error)) {
            if (fd >= 0)
                close(fd);
            g_prefix_error(error, "interface '%s': ", net->info.alias);
            qemu_net_ports_release(netd_sock, def);
            qemu_taps_close(&taps);
            return false;
        }
        taps.fds[i] = fd;
        g_free(net->target_dev);
        net->target_dev = g_strdup(name);
    }
    *ret_taps = taps;
    return true;
}

void
qemu_taps_close(QemuTaps *taps)
{
    for (size_t i = 0; i < taps->n; i++) {
        if (taps->fds[i] >= 0)
            close(taps->fds[i]);
    }
    g_clear_pointer(&taps->fds, g_free);
    taps->n = 0;
}
