// SPDX-License-Identifier: LGPL-2.1-or-later
// Tap devices for bridge and ethernet interfaces, opened the way libvirt hands them to QEMU:
// /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, passed as an inherited fd.

#include "qemu-net.h"
#include "qemu-driver.h"
#include "daemon/daemon-domain-calls.h"
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

/* The sources of virDomainInterfaceAddresses (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*). */
enum { IFADDR_SRC_LEASE = 0, IFADDR_SRC_AGENT = 1, IFADDR_SRC_ARP = 2 };

/* One network interface of a running guest, copied under the domain's lock. */
typedef struct {
    char *network;
    char *target_dev;
    char mac[MV_MAC_STRING_BUFLEN];
} IfaddrNet;

static void
ifaddr_net_free(gpointer p)
{
    IfaddrNet *n = p;
    g_free(n->network);
    g_free(n->target_dev);
    g_free(n);
}

/* The network interfaces of the running domain @dom; NULL with an error when it is not found
 * or not running. */
static GPtrArray *
ifaddr_nets(MvCall *call, const remote_nonnull_domain *dom, GError **error)
{
    g_autoptr(MvDomainObj) obj = mv_domain_find(qemu_driver_of(call)->domains, dom, error);
    if (!obj)
        return NULL;
    g_autoptr(GPtrArray) nets = g_ptr_array_new_with_free_func(ifaddr_net_free);
    mv_domain_obj_lock(obj);
    bool active = mv_domain_obj_is_active(obj);
    const MvDomainDef *def = obj->def;
    for (guint i = 0; active && def && i < def->nets->len; i++) {
        const MvDomainNet *net = def->nets->pdata[i];
        if (net->type != MV_DOMAIN_NET_NETWORK || !net->source)
            continue;
        IfaddrNet *n = g_new0(IfaddrNet, 1);
        n->network = g_strdup(net->source);
        n->target_dev = g_strdup(net->target_dev ? net->target_dev : net->info.alias);
        mv_mac_format(net->mac, n->mac);
        g_ptr_array_add(nets, n);
    }
    mv_domain_obj_unlock(obj);
    if (!active) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain '%s' is not running", dom->name);
        return NULL;
    }
    return g_steal_pointer(&nets);
}

/* Append to @ifaces the interface @n with the addresses its network's leases give its MAC. */
static bool
ifaddr_from_leases(const char *sock, const IfaddrNet *n, GArray *ifaces, GError **error)
{
    g_autoptr(MvRpcClient) c = netd_connect(sock, n->network, error);
    if (!c)
        return false;
    remote_network_ret found;
    if (!lookup_network(c, n->network, &found, error))
        return false;
    remote_network_get_dhcp_leases_args a = { .net = found.net, .mac = NULL, .need_results = 1, .flags = 0 };
    remote_network_get_dhcp_leases_ret leases = { 0 };
    bool ok = mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_NETWORK_GET_DHCP_LEASES,
                                 (xdrproc_t)xdr_remote_network_get_dhcp_leases_args, &a,
                                 (xdrproc_t)xdr_remote_network_get_dhcp_leases_ret, &leases, error);
    xdr_free((xdrproc_t)xdr_remote_network_ret, (char *)&found);
    if (!ok) {
        g_prefix_error(error, "network '%s': ", n->network);
        return false;
    }
    g_autoptr(GArray) addrs = g_array_new(FALSE, TRUE, sizeof(remote_domain_ip_addr));
    for (u_int i = 0; i < leases.leases.leases_len; i++) {
        const remote_network_dhcp_lease *l = &leases.leases.leases_val[i];
        if (!l->mac || !*l->mac || g_ascii_strcasecmp(*l->mac, n->mac) != 0)
            continue;
        remote_domain_ip_addr ip = { l->type, g_strdup(l->ipaddr), l->prefix };
        g_array_append_val(addrs, ip);
    }
    xdr_free((xdrproc_t)xdr_remote_network_get_dhcp_leases_ret, (char *)&leases);
    if (addrs->len == 0)
        return true;   /* no lease yet: libvirt lists only interfaces with an address */
    remote_domain_interface iface = { 0 };
    iface.name = g_strdup(n->target_dev);
    iface.hwaddr = g_new(char *, 1);
    *iface.hwaddr = g_strdup(n->mac);
    iface.addrs.addrs_len = addrs->len;
    iface.addrs.addrs_val = (remote_domain_ip_addr *)(void *)g_array_free(g_steal_pointer(&addrs), FALSE);
    g_array_append_val(ifaces, iface);
    return true;
}

bool
qemu_domain_interface_addresses(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_interface_addresses_args *a = args;
    remote_domain_interface_addresses_ret *r = ret;
    if (a->flags != 0) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "unsupported flags (0x%x) in function virDomainInterfaceAddresses", a->flags);
        return false;
    }
    if (a->source == IFADDR_SRC_AGENT || a->source == IFADDR_SRC_ARP) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_ARGUMENT_UNSUPPORTED,
                     "interface address source '%s' is not supported for domain '%s' "
                     "(modvirt-qemud has no %s support yet; use source 'lease')",
                     a->source == IFADDR_SRC_AGENT ? "agent" : "arp", a->dom.name,
                     a->source == IFADDR_SRC_AGENT ? "guest agent" : "ARP table");
        return false;
    }
    if (a->source != IFADDR_SRC_LEASE) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "unknown interface address source %u for domain '%s'",
                     a->source, a->dom.name);
        return false;
    }
    g_autoptr(GPtrArray) nets = ifaddr_nets(call, &a->dom, error);
    if (!nets)
        return false;
    g_autofree char *sock = mv_daemon_path(qemu_driver_of(call)->daemon, "run/libvirt/virtnetworkd-sock");
    GArray *ifaces = g_array_new(FALSE, TRUE, sizeof(remote_domain_interface));
    bool ok = true;
    for (guint i = 0; ok && i < nets->len; i++)
        ok = ifaddr_from_leases(sock, nets->pdata[i], ifaces, error);
    r->ifaces.ifaces_len = ifaces->len;
    r->ifaces.ifaces_val = (remote_domain_interface *)(void *)g_array_free(ifaces, FALSE);
    if (!ok) {
        xdr_free((xdrproc_t)xdr_remote_domain_interface_addresses_ret, (char *)r);
        memset(r, 0, sizeof(*r));
    }
    return ok;
}
