// SPDX-License-Identifier: LGPL-2.1-or-later
// A network's forwarding, NAT and isolation rules: one nftables table of family inet per
// network, written as one script and applied through libnftables as one atomic batch (no
// iptables, no `nft` forks).  Removing the network deletes the table, again in one batch.
// Which rules a forward mode needs is decided here; bringing the network up is not.

#include "net-firewall.h"
#include "util/util-error.h"

#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include <string.h>

/* libnftables keeps state per context and is not thread-safe: one call at a time.  Callers
 * hold the driver lock anyway; this makes the module safe on its own. */
static GMutex nft_lock;

char *
net_firewall_table_name(const char *bridge)
{
    /* Bridge names are unique among running networks and short (IFNAMSIZ); characters other
     * than letters, digits and '_' become '_' so the name needs no quoting. */
    GString *s = g_string_new("modvirt_");
    for (const char *p = bridge; *p; p++)
        g_string_append_c(s, g_ascii_isalnum(*p) ? *p : '_');
    return g_string_free(s, FALSE);
}

/* Run @script as one batch; NULL error buffer text becomes part of the message. */
static bool
run(const char *script, const char *what, const char *net, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&nft_lock);
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INTERNAL_ERROR, "cannot create an nftables context");
        return false;
    }
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    int r = nft_run_cmd_from_buffer(ctx, script);
    if (r != 0) {
        g_autofree char *msg = g_strstrip(g_strdup(nft_ctx_get_error_buffer(ctx)));
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_SYSTEM_ERROR, "cannot %s the firewall table of network '%s': %s",
                     what, net, *msg ? msg : "nftables failed");
    }
    nft_ctx_free(ctx);
    return r == 0;
}

static void
forward_rules(GString *s, const MvNetworkDef *def, const char *fam, const char *subnet)
{
    const char *br = def->bridge;
    g_autofree char *out_dev = def->forward_dev ? g_strdup_printf(" oifname \"%s\"", def->forward_dev) : g_strdup("");
    g_autofree char *in_dev = def->forward_dev ? g_strdup_printf(" iifname \"%s\"", def->forward_dev) : g_strdup("");
    switch (def->forward) {
    case MV_NETWORK_FORWARD_NAT:
        /* Out from the subnet; back in only for connections the guests opened. */
        g_string_append_printf(s, "    iifname \"%s\"%s %s saddr %s accept\n", br, out_dev, fam, subnet);
        g_string_append_printf(s, "    oifname \"%s\"%s %s daddr %s ct state established,related accept\n", br,
                               in_dev, fam, subnet);
        break;
    case MV_NETWORK_FORWARD_ROUTE:
        g_string_append_printf(s, "    iifname \"%s\"%s %s saddr %s accept\n", br, out_dev, fam, subnet);
        g_string_append_printf(s, "    oifname \"%s\"%s %s daddr %s accept\n", br, in_dev, fam, subnet);
        break;
    default:
        break;
    }
}

char *
net_firewall_script(const MvNetworkDef *def)
{
    g_autofree char *table = net_firewall_table_name(def->bridge);
    GString *s = g_string_new(NULL);
    const char *br = def->bridge;
    /* "add" then "delete" makes the batch replace a table a crash left behind, atomically. */
    g_string_append_printf(s, "add table inet %s\ndelete table inet %s\n", table, table);
    g_string_append_printf(s, "table inet %s {\n", table);
    /* Guests always reach the host's DHCP and DNS on the bridge, whatever the host's own
     * input policy says. */
    g_string_append_printf(s, "  chain input {\n    type filter hook input priority filter; policy accept;\n"
                              "    iifname \"%s\" udp dport { 53, 67, 547 } accept\n"
                              "    iifname \"%s\" tcp dport 53 accept\n  }\n", br, br);
    if (def->forward != MV_NETWORK_FORWARD_OPEN) {
        g_string_append(s, "  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
        /* Guests of one network always reach each other. */
        g_string_append_printf(s, "    iifname \"%s\" oifname \"%s\" accept\n", br, br);
        for (guint i = 0; i < def->ips->len; i++) {
            const MvNetworkIp *ip = def->ips->pdata[i];
            MvIpAddr net;
            mv_ip_addr_network(&ip->address, ip->prefix, &net);
            g_autofree char *a = mv_ip_addr_format(&net);
            g_autofree char *subnet = g_strdup_printf("%s/%u", a, ip->prefix);
            forward_rules(s, def, ip->address.family == AF_INET ? "ip" : "ip6", subnet);
        }
        /* Everything else into or out of the bridge is refused: isolation. */
        g_string_append_printf(s, "    iifname \"%s\" reject\n    oifname \"%s\" reject\n  }\n", br, br);
    }
    const MvNetworkIp *v4 = mv_network_def_ip(def, AF_INET);
    if (def->forward == MV_NETWORK_FORWARD_NAT && v4) {
        MvIpAddr net;
        mv_ip_addr_network(&v4->address, v4->prefix, &net);
        g_autofree char *a = mv_ip_addr_format(&net);
        g_autofree char *subnet = g_strdup_printf("%s/%u", a, v4->prefix);
        g_autofree char *out_dev = def->forward_dev ? g_strdup_printf(" oifname \"%s\"", def->forward_dev)
                                                    : g_strdup("");
        g_autofree char *to = NULL;
        g_autofree char *ports = g_strdup_printf("%u-%u", def->nat_port_start ? def->nat_port_start : 1024,
                                                 def->nat_port_end ? def->nat_port_end : 65535);
        if (def->nat_start.family) {
            g_autofree char *s1 = mv_ip_addr_format(&def->nat_start);
            g_autofree char *s2 = mv_ip_addr_format(&def->nat_end);
            to = g_strdup_printf("snat ip to %s-%s", s1, s2);
        }
        g_string_append_printf(s, "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n"
                                  /* Multicast and broadcast stay unchanged, as on a LAN. */
                                  "    ip saddr %s ip daddr 224.0.0.0/24 return\n"
                                  "    ip saddr %s ip daddr 255.255.255.255 return\n",
                               subnet, subnet);
        g_string_append_printf(s, "    meta l4proto { tcp, udp }%s ip saddr %s ip daddr != %s %s:%s\n", out_dev, subnet,
                               subnet, to ? to : "masquerade to ", ports);
        g_string_append_printf(s, "   %s ip saddr %s ip daddr != %s %s\n  }\n", out_dev, subnet, subnet,
                               to ? to : "masquerade");
    }
    g_string_append(s, "}\n");
    return g_string_free(s, FALSE);
}

bool
net_firewall_apply(const MvNetworkDef *def, GError **error)
{
    g_autofree char *script = net_firewall_script(def);
    return run(script, "create", def->name, error);
}

void
net_firewall_remove(const MvNetworkDef *def)
{
    g_autofree char *table = net_firewall_table_name(def->bridge);
    /* "add" first, so that deleting a table that is already gone is not an error. */
    g_autofree char *script = g_strdup_printf("add table inet %s\ndelete table inet %s\n", table, table);
    g_autoptr(GError) err = NULL;
    if (!run(script, "remove", def->name, &err))
        g_warning("%s, ignoring", err->message);
}

bool
net_firewall_exists(const MvNetworkDef *def)
{
    g_autofree char *table = net_firewall_table_name(def->bridge);
    g_autofree char *script = g_strdup_printf("list table inet %s\n", table);
    return run(script, "list", def->name, NULL);
}
