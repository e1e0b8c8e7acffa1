// SPDX-License-Identifier: LGPL-2.1-or-later
// MvNetworkDef -> network XML in libvirt's element order and layout.

#include "conf/conf-network.h"

#include <arpa/inet.h>

#include "conf/conf-xml-writer.h"
#include "util/util-error.h"

static void
addr_attr(Xml *x, const char *name, const MvIpAddr *addr)
{
    g_autofree char *text = mv_ip_addr_format(addr);
    attrf(x, name, "%s", text);
}

static void
format_forward(Xml *x, const MvNetworkDef *def)
{
    if (def->forward == MV_NETWORK_FORWARD_NONE)
        return;
    start(x, "forward");
    attr_str(x, "dev", def->forward_dev);
    attr_name(x, "mode", mv_network_forward_to_string(def->forward));
    if (def->forward == MV_NETWORK_FORWARD_NAT && (def->nat_start.family || def->nat_port_start)) {
        start(x, "nat");
        if (def->nat_start.family) {
            start(x, "address");
            addr_attr(x, "start", &def->nat_start);
            addr_attr(x, "end", &def->nat_end);
            end(x, "address");
        }
        if (def->nat_port_start) {
            start(x, "port");
            attrf(x, "start", "%u", def->nat_port_start);
            attrf(x, "end", "%u", def->nat_port_end);
            end(x, "port");
        }
        end(x, "nat");
    }
    end(x, "forward");
}

static void
format_dns(Xml *x, const MvNetworkDef *def)
{
    if (!def->dns_forwarders->len && !def->dns_hosts->len)
        return;
    start(x, "dns");
    for (guint i = 0; i < def->dns_forwarders->len; i++) {
        const MvNetworkDnsForwarder *f = def->dns_forwarders->pdata[i];
        start(x, "forwarder");
        attr_str(x, "domain", f->domain);
        attr_str(x, "addr", f->addr);
        end(x, "forwarder");
    }
    for (guint i = 0; i < def->dns_hosts->len; i++) {
        const MvNetworkDnsHost *h = def->dns_hosts->pdata[i];
        start(x, "host");
        addr_attr(x, "ip", &h->ip);
        for (guint j = 0; j < h->hostnames->len; j++)
            text_element(x, "hostname", h->hostnames->pdata[j]);
        end(x, "host");
    }
    end(x, "dns");
}

static void
format_ip(Xml *x, const MvNetworkIp *ip)
{
    start(x, "ip");
    if (ip->address.family == AF_INET6)
        attrf(x, "family", "ipv6");
    addr_attr(x, "address", &ip->address);
    if (ip->netmask_form) {
        MvIpAddr mask = { .family = AF_INET };
        for (unsigned b = 0; b < ip->prefix; b++)
            mask.bytes[b / 8] |= (guint8)(0x80 >> (b % 8));
        addr_attr(x, "netmask", &mask);
    } else {
        attrf(x, "prefix", "%u", ip->prefix);
    }
    if (ip->dhcp) {
        start(x, "dhcp");
        for (guint i = 0; i < ip->ranges->len; i++) {
            const MvNetworkRange *r = &g_array_index(ip->ranges, MvNetworkRange, i);
            start(x, "range");
            addr_attr(x, "start", &r->start);
            addr_attr(x, "end", &r->end);
            end(x, "range");
        }
        for (guint i = 0; i < ip->hosts->len; i++) {
            const MvNetworkDhcpHost *h = ip->hosts->pdata[i];
            start(x, "host");
            attr_str(x, "mac", h->mac);
            attr_str(x, "id", h->id);
            attr_str(x, "name", h->name);
            if (h->ip.family)
                addr_attr(x, "ip", &h->ip);
            end(x, "host");
        }
        end(x, "dhcp");
    }
    end(x, "ip");
}

char *
mv_network_def_format(const MvNetworkDef *def, int connections, GError **error)
{
    g_autoptr(GString) s = g_string_new(NULL);
    Xml x = { .s = s };
    char uuid[MV_UUID_STRING_BUFLEN];

    start(&x, "network");
    if (connections > 0)
        attrf(&x, "connections", "%d", connections);
    text_element(&x, "name", def->name);
    mv_uuid_format(def->uuid, uuid);
    text_element(&x, "uuid", uuid);
    format_forward(&x, def);
    if (def->bridge || def->stp || def->delay) {
        start(&x, "bridge");
        attr_str(&x, "name", def->bridge);
        if (mv_network_def_is_managed(def)) {
            if (def->stp)
                attr_name(&x, "stp", mv_tristate_onoff_to_string(def->stp));
            attrf(&x, "delay", "%u", def->delay);
        }
        end(&x, "bridge");
    }
    if (def->mtu) {
        start(&x, "mtu");
        attrf(&x, "size", "%u", def->mtu);
        end(&x, "mtu");
    }
    if (def->has_mac) {
        char mac[MV_MAC_STRING_BUFLEN];
        mv_mac_format(def->mac, mac);
        start(&x, "mac");
        attrf(&x, "address", "%s", mac);
        end(&x, "mac");
    }
    if (def->domain) {
        start(&x, "domain");
        attrf(&x, "name", "%s", def->domain);
        if (def->domain_local_only)
            attr_name(&x, "localOnly", mv_tristate_yesno_to_string(def->domain_local_only));
        end(&x, "domain");
    }
    format_dns(&x, def);
    for (guint i = 0; i < def->ips->len; i++)
        format_ip(&x, def->ips->pdata[i]);
    end(&x, "network");

    if (x.failed) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INTERNAL_ERROR,
                     "network '%s' holds a value that has no XML name", def->name ? def->name : "");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}
