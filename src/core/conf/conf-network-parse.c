// SPDX-License-Identifier: LGPL-2.1-or-later
// Network XML -> MvNetworkDef.  Strict like the domain parser: every element and attribute
// is checked against what this file understands, and every address against its subnet.

#define CONF_XML_FROM MV_FROM_NETWORK
#include "conf/conf-network.h"

#include <arpa/inet.h>

#include "conf/conf-domain-xml.h"

/* Elements of <network> libvirt knows that we do not implement: "not supported" rather
 * than "unknown element". */
static const char *const known_unsupported[] = {
    "portgroup", "route", "bandwidth", "virtualport", "vlan", "title", "description",
    "metadata", "port", NULL,
};

/* Upper bounds with a reason each: libvirt's MTU range is the kernel's (65535 on a bridge);
 * an STP forward delay is in seconds and the kernel caps it at 30. */
#define MTU_MAX 65535
#define STP_DELAY_MAX 30

static bool
addr_attr(xmlNodePtr node, const char *name, int family, bool required, MvIpAddr *ret, GError **error)
{
    g_autofree char *value = attr(node, name);
    if (!value) {
        if (required)
            return xml_error(error, "missing attribute '%s' in <%s>", name, node_name(node));
        return true;
    }
    if (mv_ip_addr_parse(value, family, ret) < 0)
        return xml_error(error, "invalid %saddress '%s' in attribute '%s' of <%s>",
                         family == AF_INET ? "IPv4 " : family == AF_INET6 ? "IPv6 " : "", value,
                         name, node_name(node));
    return true;
}

/* The prefix length a dotted netmask stands for, or -1 when it is not contiguous. */
static int
netmask_prefix(const MvIpAddr *mask)
{
    guint32 m = ((guint32)mask->bytes[0] << 24) | ((guint32)mask->bytes[1] << 16) |
                ((guint32)mask->bytes[2] << 8) | mask->bytes[3];
    int prefix = 0;
    while (prefix < 32 && (m & (0x80000000u >> prefix)))
        prefix++;
    guint32 expect = prefix ? 0xffffffffu << (32 - prefix) : 0;
    return m == expect ? prefix : -1;
}

static bool
parse_range(xmlNodePtr node, MvNetworkIp *ip, const char *where, GError **error)
{
    static const char *const attrs[] = { "start", "end", NULL };
    MvNetworkRange r = { 0 };
    if (!check_node(node, attrs, NULL, false, error) ||
        !addr_attr(node, "start", ip->address.family, true, &r.start, error) ||
        !addr_attr(node, "end", ip->address.family, true, &r.end, error))
        return false;
    g_autofree char *s = mv_ip_addr_format(&r.start);
    g_autofree char *e = mv_ip_addr_format(&r.end);
    if (!mv_ip_addr_in_subnet(&r.start, &ip->address, ip->prefix) ||
        !mv_ip_addr_in_subnet(&r.end, &ip->address, ip->prefix))
        return xml_error(error, "DHCP range '%s' - '%s' is not entirely inside %s", s, e, where);
    if (mv_ip_addr_compare(&r.start, &r.end) > 0)
        return xml_error(error, "DHCP range '%s' - '%s' ends before it starts", s, e);
    g_array_append_val(ip->ranges, r);
    return true;
}

static bool
parse_dhcp_host(xmlNodePtr node, MvNetworkIp *ip, const char *where, GError **error)
{
    static const char *const attrs[] = { "mac", "id", "name", "ip", NULL };
    g_autoptr(MvNetworkDhcpHost) h = g_new0(MvNetworkDhcpHost, 1);
    if (!check_node(node, attrs, NULL, false, error) ||
        !addr_attr(node, "ip", ip->address.family, false, &h->ip, error))
        return false;
    h->name = attr(node, "name");
    h->id = attr(node, "id");
    g_autofree char *mac = attr(node, "mac");
    if (mac) {
        guint8 bytes[MV_MAC_BUFLEN];
        char text[MV_MAC_STRING_BUFLEN];
        if (ip->address.family != AF_INET)
            return xml_error(error, "attribute 'mac' of <host> is for IPv4 only (IPv6 hosts use 'id')");
        if (mv_mac_parse(mac, bytes) < 0)
            return xml_error(error, "invalid MAC address '%s' in DHCP <host>", mac);
        mv_mac_format(bytes, text);
        h->mac = g_strdup(text);
    }
    if (h->id && ip->address.family != AF_INET6)
        return xml_error(error, "attribute 'id' of <host> is for IPv6 only (IPv4 hosts use 'mac')");
    if (!h->mac && !h->id && !h->name)
        return xml_error(error, "DHCP <host> in %s needs 'mac', 'id' or 'name'", where);
    if (!h->ip.family && ip->address.family == AF_INET6)
        return xml_error(error, "DHCP <host> in %s needs 'ip'", where);
    if (h->ip.family && !mv_ip_addr_in_subnet(&h->ip, &ip->address, ip->prefix)) {
        g_autofree char *a = mv_ip_addr_format(&h->ip);
        return xml_error(error, "DHCP host address '%s' is not inside %s", a, where);
    }
    if (h->name && !*h->name)
        return xml_error(error, "empty attribute 'name' in DHCP <host>");
    for (guint i = 0; i < ip->hosts->len; i++) {
        MvNetworkDhcpHost *o = ip->hosts->pdata[i];
        if ((h->mac && o->mac && g_str_equal(h->mac, o->mac)) ||
            (h->ip.family && mv_ip_addr_compare(&h->ip, &o->ip) == 0)) {
            g_autofree char *a = h->ip.family ? mv_ip_addr_format(&h->ip) : g_strdup(h->mac);
            return xml_error(error, "DHCP host '%s' appears more than once in %s", a, where);
        }
    }
    g_ptr_array_add(ip->hosts, g_steal_pointer(&h));
    return true;
}

static bool
parse_ip(xmlNodePtr node, MvNetworkDef *def, GError **error)
{
    static const char *const attrs[] = { "address", "netmask", "prefix", "family", NULL };
    static const char *const children[] = { "dhcp", NULL };
    g_autoptr(MvNetworkIp) ip = g_new0(MvNetworkIp, 1);
    ip->ranges = g_array_new(FALSE, TRUE, sizeof(MvNetworkRange));
    ip->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)mv_network_dhcp_host_free);

    if (!check_node(node, attrs, children, false, error)) {
        xmlNodePtr c;
        for (c = node->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && g_str_equal(node_name(c), "tftp"))
                return unsupported(error, "TFTP (<tftp> in <ip>) is not supported");
        return false;
    }
    g_autofree char *family = attr(node, "family");
    int fam = 0;
    if (family) {
        if (g_str_equal(family, "ipv4"))
            fam = AF_INET;
        else if (g_str_equal(family, "ipv6"))
            fam = AF_INET6;
        else
            return xml_error(error, "invalid value '%s' for attribute 'family' of <ip>", family);
    }
    if (!addr_attr(node, "address", fam, true, &ip->address, error))
        return false;
    g_autofree char *netmask = attr(node, "netmask");
    g_autofree char *prefix = attr(node, "prefix");
    g_autofree char *address = mv_ip_addr_format(&ip->address);
    unsigned maxprefix = ip->address.family == AF_INET ? 32 : 128;
    if (netmask && prefix)
        return xml_error(error, "<ip address='%s'> has both 'netmask' and 'prefix'", address);
    if (netmask) {
        MvIpAddr mask;
        if (ip->address.family != AF_INET)
            return xml_error(error, "'netmask' is for IPv4 addresses only (<ip address='%s'>): use 'prefix'",
                             address);
        int p = mv_ip_addr_parse(netmask, AF_INET, &mask) < 0 ? -1 : netmask_prefix(&mask);
        if (p < 0)
            return xml_error(error, "invalid netmask '%s' in <ip address='%s'>", netmask, address);
        ip->prefix = (unsigned)p;
        ip->netmask_form = true;
    } else if (prefix) {
        guint64 p;
        if (!parse_uint(prefix, maxprefix, &p))
            return xml_error(error, "invalid prefix '%s' in <ip address='%s'>", prefix, address);
        ip->prefix = (unsigned)p;
    } else {
        /* libvirt's rule without either: the classful IPv4 prefix, 64 for IPv6. */
        if (ip->address.family == AF_INET6)
            ip->prefix = 64;
        else
            ip->prefix = ip->address.bytes[0] < 128 ? 8 : ip->address.bytes[0] < 192 ? 16 : 24;
    }
    if (ip->prefix == 0 || ip->prefix >= maxprefix)
        return xml_error(error, "prefix %u of <ip address='%s'> leaves no room for hosts", ip->prefix, address);
    g_autofree char *where = g_strdup_printf("subnet '%s/%u'", address, ip->prefix);

    xmlNodePtr dhcp;
    if (!single_child(node, "dhcp", &dhcp, error))
        return false;
    if (dhcp) {
        static const char *const dhcp_children[] = { "range", "host", NULL };
        if (!check_node(dhcp, NULL, dhcp_children, false, error))
            return false;
        ip->dhcp = true;
        FOREACH_CHILD(c, dhcp) {
            bool ok = g_str_equal(node_name(c), "range") ? parse_range(c, ip, where, error)
                                                         : parse_dhcp_host(c, ip, where, error);
            if (!ok)
                return false;
        }
    }
    for (guint i = 0; i < def->ips->len; i++) {
        const MvNetworkIp *o = def->ips->pdata[i];
        if (o->address.family == ip->address.family && o->dhcp && ip->dhcp)
            return unsupported(error, "more than one %s address with <dhcp> in network '%s'",
                               ip->address.family == AF_INET ? "IPv4" : "IPv6", def->name);
    }
    g_ptr_array_add(def->ips, g_steal_pointer(&ip));
    return true;
}

static bool
parse_forward(xmlNodePtr node, MvNetworkDef *def, GError **error)
{
    static const char *const attrs[] = { "mode", "dev", NULL };
    static const char *const children[] = { "nat", NULL };
    g_autofree char *mode = attr(node, "mode");
    if (!check_node(node, attrs, children, false, error)) {
        FOREACH_CHILD(c, node)
            if (g_str_equal(node_name(c), "interface") || g_str_equal(node_name(c), "pf") ||
                g_str_equal(node_name(c), "address") || g_str_equal(node_name(c), "driver"))
                return unsupported(error, "<%s> in <forward> is not supported", node_name(c));
        return false;
    }
    /* <forward/> without a mode means NAT. */
    int m = mode ? mv_network_forward_from_string(mode) : MV_NETWORK_FORWARD_NAT;
    if (m < 0 || m == MV_NETWORK_FORWARD_NONE)
        return xml_error(error, "invalid value '%s' for attribute 'mode' of <forward>", mode);
    if (m >= MV_NETWORK_FORWARD_PRIVATE)
        return unsupported(error, "forward mode '%s' is not supported", mode);
    def->forward = m;
    def->forward_dev = attr(node, "dev");
    if (def->forward_dev && (!*def->forward_dev || strchr(def->forward_dev, '/')))
        return xml_error(error, "invalid interface name '%s' in attribute 'dev' of <forward>",
                         def->forward_dev);

    xmlNodePtr nat;
    if (!single_child(node, "nat", &nat, error))
        return false;
    if (!nat)
        return true;
    if (m != MV_NETWORK_FORWARD_NAT)
        return xml_error(error, "<nat> is only allowed in <forward mode='nat'>, not '%s'", mode);
    static const char *const nat_children[] = { "address", "port", NULL };
    static const char *const nat_attrs[] = { "ipv6", NULL };
    if (!check_node(nat, nat_attrs, nat_children, false, error))
        return false;
    g_autofree char *ipv6 = attr(nat, "ipv6");
    if (ipv6)
        return unsupported(error, "IPv6 NAT (<nat ipv6=>) is not supported");
    xmlNodePtr address, port;
    if (!single_child(nat, "address", &address, error) || !single_child(nat, "port", &port, error))
        return false;
    if (address) {
        static const char *const a_attrs[] = { "start", "end", NULL };
        if (!check_node(address, a_attrs, NULL, false, error) ||
            !addr_attr(address, "start", AF_INET, true, &def->nat_start, error) ||
            !addr_attr(address, "end", AF_INET, false, &def->nat_end, error))
            return false;
        if (!def->nat_end.family)
            def->nat_end = def->nat_start;
        if (mv_ip_addr_compare(&def->nat_start, &def->nat_end) > 0) {
            g_autofree char *s = mv_ip_addr_format(&def->nat_start);
            g_autofree char *e = mv_ip_addr_format(&def->nat_end);
            return xml_error(error, "NAT address range '%s' - '%s' ends before it starts", s, e);
        }
    }
    if (port) {
        static const char *const p_attrs[] = { "start", "end", NULL };
        bool has_start = false;
        if (!check_node(port, p_attrs, NULL, false, error) ||
            !uint_attr(port, "start", 65535, &def->nat_port_start, &has_start, error) ||
            !uint_attr(port, "end", 65535, &def->nat_port_end, NULL, error))
            return false;
        if (!has_start || !def->nat_port_start)
            return xml_error(error, "missing or zero attribute 'start' in <port> of <nat>");
        if (!def->nat_port_end)
            def->nat_port_end = def->nat_port_start;
        if (def->nat_port_start > def->nat_port_end)
            return xml_error(error, "NAT port range %u-%u ends before it starts", def->nat_port_start,
                             def->nat_port_end);
    }
    return true;
}

static bool
parse_dns(xmlNodePtr node, MvNetworkDef *def, GError **error)
{
    static const char *const children[] = { "forwarder", "host", NULL };
    if (!check_node(node, NULL, children, false, error)) {
        FOREACH_CHILD(c, node)
            if (g_str_equal(node_name(c), "txt") || g_str_equal(node_name(c), "srv"))
                return unsupported(error, "DNS <%s> records are not supported", node_name(c));
        if (node->properties)
            return unsupported(error, "attribute '%s' of <dns> is not supported",
                               (const char *)node->properties->name);
        return false;
    }
    FOREACH_CHILD(c, node) {
        if (g_str_equal(node_name(c), "forwarder")) {
            static const char *const f_attrs[] = { "addr", "domain", NULL };
            MvIpAddr a = { 0 };
            if (!check_node(c, f_attrs, NULL, false, error) || !addr_attr(c, "addr", 0, false, &a, error))
                return false;
            MvNetworkDnsForwarder *f = g_new0(MvNetworkDnsForwarder, 1);
            f->addr = a.family ? mv_ip_addr_format(&a) : NULL;
            f->domain = attr(c, "domain");
            g_ptr_array_add(def->dns_forwarders, f);
            if (!f->addr && !f->domain)
                return xml_error(error, "DNS <forwarder> needs 'addr' or 'domain'");
        } else {
            static const char *const h_attrs[] = { "ip", NULL };
            static const char *const h_children[] = { "hostname", NULL };
            MvNetworkDnsHost *h = g_new0(MvNetworkDnsHost, 1);
            h->hostnames = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(def->dns_hosts, h);
            if (!check_node(c, h_attrs, h_children, false, error) || !addr_attr(c, "ip", 0, true, &h->ip, error))
                return false;
            FOREACH_CHILD(n, c) {
                if (!check_node(n, NULL, NULL, true, error))
                    return false;
                char *name = g_strstrip(text(n));
                g_ptr_array_add(h->hostnames, name);
                if (!*name)
                    return xml_error(error, "empty <hostname> in DNS <host>");
            }
            if (!h->hostnames->len) {
                g_autofree char *a = mv_ip_addr_format(&h->ip);
                return xml_error(error, "DNS <host ip='%s'> needs at least one <hostname>", a);
            }
        }
    }
    return true;
}

static bool
parse_bridge(xmlNodePtr node, MvNetworkDef *def, GError **error)
{
    static const char *const attrs[] = { "name", "stp", "delay", NULL };
    if (!check_node(node, attrs, NULL, false, error)) {
        for (xmlAttrPtr a = node->properties; a; a = a->next)
            if (!in_list((const char *)a->name, attrs))
                return unsupported(error, "attribute '%s' of <bridge> is not supported",
                                   (const char *)a->name);
        return false;
    }
    def->bridge = attr(node, "name");
    /* IFNAMSIZ - 1 characters, no '/', no '%' (libvirt's name templates are not ours). */
    if (def->bridge && (!*def->bridge || strlen(def->bridge) > 15 || strchr(def->bridge, '/') ||
                        strchr(def->bridge, '%') || strchr(def->bridge, ' ')))
        return xml_error(error, "invalid bridge name '%s' in <bridge>", def->bridge);
    if (!tristate_attr(node, "stp", false, &def->stp, error) ||
        !uint_attr(node, "delay", STP_DELAY_MAX, &def->delay, NULL, error))
        return false;
    return true;
}

static bool
parse_network(xmlNodePtr root, MvNetworkDef *def, GError **error)
{
    static const char *const attrs[] = { "connections", NULL };
    static const char *const children[] = { "name", "uuid", "forward", "bridge", "mac", "mtu",
                                            "domain", "dns", "ip", NULL };
    if (!g_str_equal(node_name(root), "network"))
        return xml_error(error, "expected root element <network>, not <%s>", node_name(root));
    FOREACH_CHILD(c, root)
        if (in_list(node_name(c), known_unsupported))
            return unsupported(error, "<%s> in <network> is not supported", node_name(c));
    if (!check_node(root, attrs, children, false, error))
        return false;

    xmlNodePtr name, uuid, forward, bridge, mac, mtu, domain, dns;
    if (!single_child(root, "name", &name, error) || !single_child(root, "uuid", &uuid, error) ||
        !single_child(root, "forward", &forward, error) || !single_child(root, "bridge", &bridge, error) ||
        !single_child(root, "mac", &mac, error) || !single_child(root, "mtu", &mtu, error) ||
        !single_child(root, "domain", &domain, error) || !single_child(root, "dns", &dns, error))
        return false;
    if (!name)
        return xml_error(error, "missing <name> in <network>");
    if (!check_node(name, NULL, NULL, true, error))
        return false;
    def->name = g_strstrip(text(name));
    if (!*def->name)
        return xml_error(error, "empty <name> in <network>");
    if (strchr(def->name, '/'))
        return xml_error(error, "network name '%s' cannot contain '/'", def->name);
    if (uuid) {
        if (!check_node(uuid, NULL, NULL, true, error))
            return false;
        g_autofree char *u = g_strstrip(text(uuid));
        if (mv_uuid_parse(u, def->uuid) < 0)
            return xml_error(error, "invalid UUID '%s' in <uuid>", u);
    } else {
        mv_uuid_generate(def->uuid);
    }
    if (forward && !parse_forward(forward, def, error))
        return false;
    if (bridge && !parse_bridge(bridge, def, error))
        return false;
    if (mac) {
        static const char *const m_attrs[] = { "address", NULL };
        g_autofree char *address = NULL;
        if (!check_node(mac, m_attrs, NULL, false, error) || !required_attr(mac, "address", &address, error))
            return false;
        if (mv_mac_parse(address, def->mac) < 0)
            return xml_error(error, "invalid MAC address '%s' in <mac>", address);
        if (def->mac[0] & 1)
            return xml_error(error, "MAC address '%s' of the bridge must not be multicast", address);
        def->has_mac = true;
    }
    if (mtu) {
        static const char *const m_attrs[] = { "size", NULL };
        bool present = false;
        if (!check_node(mtu, m_attrs, NULL, false, error) ||
            !uint_attr(mtu, "size", MTU_MAX, &def->mtu, &present, error))
            return false;
        if (!present || !def->mtu)
            return xml_error(error, "missing or zero attribute 'size' in <mtu>");
    }
    if (domain) {
        static const char *const d_attrs[] = { "name", "localOnly", NULL };
        if (!check_node(domain, d_attrs, NULL, false, error) ||
            !required_attr(domain, "name", &def->domain, error) ||
            !tristate_attr(domain, "localOnly", true, &def->domain_local_only, error))
            return false;
    }
    if (dns && !parse_dns(dns, def, error))
        return false;
    FOREACH_CHILD(c, root)
        if (g_str_equal(node_name(c), "ip") && !parse_ip(c, def, error))
            return false;
    if (def->forward == MV_NETWORK_FORWARD_BRIDGE && (def->ips->len || def->dns_hosts->len || dns))
        return xml_error(error, "network '%s' with forward mode 'bridge' cannot have <ip> or <dns>", def->name);
    if (def->forward == MV_NETWORK_FORWARD_BRIDGE && def->has_mac)
        return xml_error(error, "network '%s' with forward mode 'bridge' cannot set the bridge's <mac>",
                         def->name);
    if (def->nat_start.family && !mv_network_def_ip(def, AF_INET))
        return xml_error(error, "<nat><address/> in network '%s' needs an IPv4 <ip>", def->name);
    return true;
}

MvNetworkDef *
mv_network_def_parse(const char *xml, GError **error)
{
    xmlDocPtr doc = conf_xml_read(xml, "network", error);
    if (!doc)
        return NULL;
    g_autoptr(MvNetworkDef) def = mv_network_def_new();
    bool ok = parse_network(xmlDocGetRootElement(doc), def, error);
    xmlFreeDoc(doc);
    return ok ? g_steal_pointer(&def) : NULL;
}
