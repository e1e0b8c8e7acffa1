// SPDX-License-Identifier: LGPL-2.1-or-later
// Network definitions: construction, the defaults libvirt fills in at define time, and the
// address arithmetic the parser and modvirt-netd share.  Parsing and formatting live in
// conf-network-parse.c and conf-network-format.c.

#include "conf/conf-network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "util/util-error.h"

MV_ENUM_IMPL(mv_network_forward, MV_NETWORK_FORWARD_LAST,
             "none", "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev");

/* Default NAT source port range, libvirt's (unprivileged ports only). */
#define NAT_PORT_START_DEFAULT 1024
#define NAT_PORT_END_DEFAULT 65535

/* Bridge names virbr0 .. virbr255 are tried, as libvirt does. */
#define BRIDGE_ID_MAX 256

void
mv_network_dhcp_host_free(MvNetworkDhcpHost *host)
{
    if (!host)
        return;
    g_free(host->mac);
    g_free(host->id);
    g_free(host->name);
    g_free(host);
}

void
mv_network_ip_free(MvNetworkIp *ip)
{
    if (!ip)
        return;
    g_clear_pointer(&ip->ranges, g_array_unref);
    g_clear_pointer(&ip->hosts, g_ptr_array_unref);
    g_free(ip);
}

static void
dns_host_free(MvNetworkDnsHost *host)
{
    if (!host)
        return;
    g_clear_pointer(&host->hostnames, g_ptr_array_unref);
    g_free(host);
}

static void
dns_forwarder_free(MvNetworkDnsForwarder *fwd)
{
    if (!fwd)
        return;
    g_free(fwd->addr);
    g_free(fwd->domain);
    g_free(fwd);
}

MvNetworkDef *
mv_network_def_new(void)
{
    MvNetworkDef *def = g_new0(MvNetworkDef, 1);
    def->dns_forwarders = g_ptr_array_new_with_free_func((GDestroyNotify)dns_forwarder_free);
    def->dns_hosts = g_ptr_array_new_with_free_func((GDestroyNotify)dns_host_free);
    def->ips = g_ptr_array_new_with_free_func((GDestroyNotify)mv_network_ip_free);
    return def;
}

void
mv_network_def_free(MvNetworkDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->forward_dev);
    g_free(def->bridge);
    g_free(def->domain);
    g_ptr_array_unref(def->dns_forwarders);
    g_ptr_array_unref(def->dns_hosts);
    g_ptr_array_unref(def->ips);
    g_free(def);
}

MvNetworkDef *
mv_network_def_copy(const MvNetworkDef *def, GError **error)
{
    g_autofree char *xml = mv_network_def_format(def, -1, error);
    if (!xml)
        return NULL;
    return mv_network_def_parse(xml, error);
}

bool
mv_network_def_is_managed(const MvNetworkDef *def)
{
    return def->forward == MV_NETWORK_FORWARD_NONE || def->forward == MV_NETWORK_FORWARD_NAT ||
           def->forward == MV_NETWORK_FORWARD_ROUTE || def->forward == MV_NETWORK_FORWARD_OPEN;
}

const MvNetworkIp *
mv_network_def_ip(const MvNetworkDef *def, int family)
{
    for (guint i = 0; i < def->ips->len; i++) {
        const MvNetworkIp *ip = def->ips->pdata[i];
        if (ip->address.family == family)
            return ip;
    }
    return NULL;
}

bool
mv_network_def_fill_defaults(MvNetworkDef *def, MvBridgeTakenFn bridge_taken, void *opaque,
                             GError **error)
{
    if (!mv_network_def_is_managed(def)) {
        if (!def->bridge) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR,
                         "network '%s' with forward mode 'bridge' needs <bridge name=>", def->name);
            return false;
        }
        if (def->ips->len) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR,
                         "network '%s' with forward mode 'bridge' cannot have <ip> addresses",
                         def->name);
            return false;
        }
        return true;
    }
    if (!def->bridge) {
        for (int i = 0; i < BRIDGE_ID_MAX && !def->bridge; i++) {
            g_autofree char *name = g_strdup_printf("virbr%d", i);
            if (!bridge_taken || !bridge_taken(name, opaque))
                def->bridge = g_steal_pointer(&name);
        }
        if (!def->bridge) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INTERNAL_ERROR,
                         "no free bridge name virbr0..virbr%d for network '%s'", BRIDGE_ID_MAX - 1,
                         def->name);
            return false;
        }
    }
    if (def->stp == MV_TRISTATE_ABSENT)
        def->stp = MV_TRISTATE_ON;
    if (def->forward == MV_NETWORK_FORWARD_NAT && !def->nat_port_start && !def->nat_port_end) {
        def->nat_port_start = NAT_PORT_START_DEFAULT;
        def->nat_port_end = NAT_PORT_END_DEFAULT;
    }
    if (!def->has_mac) {
        mv_mac_generate(def->mac);
        def->has_mac = true;
    }
    return true;
}

static size_t
addr_len(int family)
{
    return family == AF_INET ? 4 : 16;
}

int
mv_ip_addr_parse(const char *text, int family, MvIpAddr *ret_addr)
{
    MvIpAddr a = { 0 };
    if (!text)
        return -EINVAL;
    if ((family == 0 || family == AF_INET) && inet_pton(AF_INET, text, a.bytes) == 1)
        a.family = AF_INET;
    else if ((family == 0 || family == AF_INET6) && inet_pton(AF_INET6, text, a.bytes) == 1)
        a.family = AF_INET6;
    else
        return -EINVAL;
    *ret_addr = a;
    return 0;
}

char *
mv_ip_addr_format(const MvIpAddr *addr)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(addr->family, addr->bytes, buf, sizeof(buf)))
        return g_strdup("");
    return g_strdup(buf);
}

int
mv_ip_addr_compare(const MvIpAddr *a, const MvIpAddr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, addr_len(a->family));
}

void
mv_ip_addr_network(const MvIpAddr *addr, unsigned prefix, MvIpAddr *ret_net)
{
    MvIpAddr n = *addr;
    size_t len = addr_len(addr->family);
    for (size_t i = 0; i < len; i++) {
        unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;
        guint8 mask = bits >= 8 ? 0xff : (guint8)(0xff << (8 - bits));
        n.bytes[i] &= mask;
    }
    *ret_net = n;
}

bool
mv_ip_addr_in_subnet(const MvIpAddr *addr, const MvIpAddr *net, unsigned prefix)
{
    if (addr->family != net->family)
        return false;
    MvIpAddr a, b;
    mv_ip_addr_network(addr, prefix, &a);
    mv_ip_addr_network(net, prefix, &b);
    return memcmp(a.bytes, b.bytes, addr_len(a.family)) == 0;
}

bool
mv_ip_subnets_overlap(const MvIpAddr *a, unsigned a_prefix, const MvIpAddr *b, unsigned b_prefix)
{
    if (a->family != b->family)
        return false;
    /* Two subnets overlap exactly when one contains the other: compare at the shorter prefix. */
    return mv_ip_addr_in_subnet(a, b, MIN(a_prefix, b_prefix));
}
