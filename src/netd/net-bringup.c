// SPDX-License-Identifier: LGPL-2.1-or-later
// Bringing a network up and down with the real components, in order: checks (bridge name,
// subnets against host routes and running networks), the bridge and its addresses by
// netlink, IP forwarding for nat/route, the nftables table, dnsmasq.  A failure part way
// undoes every step already done, so nothing is left behind.  After a restart, networks whose
// status file says they run are adopted again (their dnsmasq restarted, their table
// re-applied if either is missing).  Also the DHCP lease call, which reads dnsmasq's file.

#include "net-driver.h"
#include "net-dnsmasq.h"
#include "net-firewall.h"
#include "net-netlink.h"
#include "util/util-error.h"
#include "util/util-file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The subnets of the shipped default network and where a taken one moves to. */
#define DEFAULT_NET_NAME "default"
#define DEFAULT_THIRD_OCTET 122
#define DEFAULT_THIRD_OCTET_LAST 254

static NetDnsmasqPaths *
paths_of(NetDriver *drv, const char *name)
{
    return net_dnsmasq_paths(drv->status_dir, drv->lib_dir, name);
}

bool
net_bridge_name_taken(NetDriver *drv, const char *name, MvDomainObj *self)
{
    if (net_nl_link_exists(name))
        return true;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->networks);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        if (obj == self)
            continue;
        mv_domain_obj_lock(obj);
        const MvNetworkDef *a = obj->def, *b = obj->newdef;
        bool same = (a && a->bridge && g_str_equal(a->bridge, name)) || (b && b->bridge && g_str_equal(b->bridge, name));
        mv_domain_obj_unlock(obj);
        if (same)
            return true;
    }
    return false;
}

typedef struct {
    MvIpAddr net;
    unsigned prefix;
    char *dev;
} HostRoute;

static void
host_route_free(HostRoute *r)
{
    g_free(r->dev);
    g_free(r);
}

/* The host's routes other than default routes, from /proc/net/route and ipv6_route (no
 * netlink dump needed for a one-off check; the files are the same kernel table). */
static GPtrArray *
host_routes(void)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)host_route_free);
    g_autofree char *v4 = NULL, *v6 = NULL;
    g_file_get_contents("/proc/net/route", &v4, NULL, NULL);
    g_file_get_contents("/proc/net/ipv6_route", &v6, NULL, NULL);
    g_auto(GStrv) lines4 = g_strsplit(v4 ? v4 : "", "\n", -1);
    for (char **l = lines4; *l; l++) {
        char dev[64];
        unsigned dest, gw, flags, refcnt, use, metric, mask;
        if (sscanf(*l, "%63s %x %x %x %u %u %u %x", dev, &dest, &gw, &flags, &refcnt, &use, &metric, &mask) != 8 ||
            mask == 0)
            continue;
        HostRoute *r = g_new0(HostRoute, 1);
        r->net.family = AF_INET;
        memcpy(r->net.bytes, &dest, 4);   /* the file holds it in network byte order, as hex */
        r->prefix = (unsigned)__builtin_popcount(mask);
        r->dev = g_strdup(dev);
        g_ptr_array_add(out, r);
    }
    g_auto(GStrv) lines6 = g_strsplit(v6 ? v6 : "", "\n", -1);
    for (char **l = lines6; *l; l++) {
        char dest[33], dev[64];
        unsigned plen;
        if (sscanf(*l, "%32s %x %*s %*s %*s %*s %*s %*s %*s %63s", dest, &plen, dev) != 3 || plen == 0 ||
            g_str_equal(dev, "lo"))
            continue;
        HostRoute *r = g_new0(HostRoute, 1);
        r->net.family = AF_INET6;
        for (int i = 0; i < 16; i++) {
            char byte[3] = { dest[2 * i], dest[2 * i + 1], 0 };
            r->net.bytes[i] = (guint8)strtoul(byte, NULL, 16);
        }
        /* Link-local and multicast routes exist on every interface: not a conflict. */
        if ((r->net.bytes[0] == 0xfe && (r->net.bytes[1] & 0xc0) == 0x80) || r->net.bytes[0] == 0xff) {
            host_route_free(r);
            continue;
        }
        r->prefix = plen;
        r->dev = g_strdup(dev);
        g_ptr_array_add(out, r);
    }
    return out;
}

/* Fail when a subnet of @def overlaps a host route (other than its own bridge's) or a subnet
 * of another running network. */
static bool
check_subnets(NetDriver *drv, MvDomainObj *self, const MvNetworkDef *def, GError **error)
{
    g_autoptr(GPtrArray) routes = host_routes();
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->networks);
    for (guint i = 0; i < def->ips->len; i++) {
        const MvNetworkIp *ip = def->ips->pdata[i];
        g_autofree char *mine = mv_ip_addr_format(&ip->address);
        for (guint j = 0; j < all->len; j++) {
            MvDomainObj *obj = all->pdata[j];
            if (obj == self)
                continue;
            mv_domain_obj_lock(obj);
            const MvNetworkDef *other = mv_domain_obj_is_active(obj) ? obj->def : NULL;
            for (guint k = 0; other && k < other->ips->len; k++) {
                const MvNetworkIp *oip = other->ips->pdata[k];
                if (mv_ip_subnets_overlap(&ip->address, ip->prefix, &oip->address, oip->prefix)) {
                    g_autofree char *theirs = mv_ip_addr_format(&oip->address);
                    mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED,
                                 "network '%s' subnet %s/%u overlaps %s/%u of running network '%s'", def->name, mine,
                                 ip->prefix, theirs, oip->prefix, obj->name);
                    mv_domain_obj_unlock(obj);
                    return false;
                }
            }
            mv_domain_obj_unlock(obj);
        }
        for (guint j = 0; j < routes->len; j++) {
            HostRoute *r = routes->pdata[j];
            if (def->bridge && g_str_equal(r->dev, def->bridge))
                continue;
            if (mv_ip_subnets_overlap(&ip->address, ip->prefix, &r->net, r->prefix)) {
                g_autofree char *theirs = mv_ip_addr_format(&r->net);
                mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED,
                             "network '%s' subnet %s/%u overlaps the host route %s/%u on interface '%s'", def->name,
                             mine, ip->prefix, theirs, r->prefix, r->dev);
                return false;
            }
        }
    }
    return true;
}

/* Is @def the shipped default network, unchanged (192.168.122.1/24, .2-.254)? */
static bool
is_pristine_default(const MvNetworkDef *def)
{
    const MvNetworkIp *ip = def->ips->len == 1 ? def->ips->pdata[0] : NULL;
    if (!g_str_equal(def->name, DEFAULT_NET_NAME) || !ip || ip->address.family != AF_INET || ip->prefix != 24 ||
        ip->ranges->len != 1 || ip->hosts->len)
        return false;
    const MvNetworkRange *r = &g_array_index(ip->ranges, MvNetworkRange, 0);
    const guint8 *a = ip->address.bytes, *s = r->start.bytes, *e = r->end.bytes;
    return a[0] == 192 && a[1] == 168 && a[2] == DEFAULT_THIRD_OCTET && a[3] == 1 && s[2] == a[2] && s[3] == 2 &&
           e[2] == a[2] && e[3] == 254;
}

/* The shipped default network on a host where 192.168.122.0/24 is taken: move it to the
 * first free 192.168.X.0/24 (libvirt's fails to start there).  The new subnet is kept in
 * the definition.  Object and driver locked. */
static bool
move_default(NetDriver *drv, MvDomainObj *obj, GError **error)
{
    MvNetworkDef *def = obj->def;
    for (int x = DEFAULT_THIRD_OCTET + 1; x <= DEFAULT_THIRD_OCTET_LAST; x++) {
        MvNetworkIp *ip = def->ips->pdata[0];
        MvNetworkRange *r = &g_array_index(ip->ranges, MvNetworkRange, 0);
        guint8 old = ip->address.bytes[2];
        ip->address.bytes[2] = r->start.bytes[2] = r->end.bytes[2] = (guint8)x;
        if (check_subnets(drv, obj, def, NULL)) {
            g_info("network '%s': 192.168.%d.0/24 is taken on this host, using 192.168.%d.0/24", def->name, old, x);
            if (obj->persistent && !obj->newdef)
                return net_config_save(drv, def, error);
            return true;
        }
    }
    return check_subnets(drv, obj, def, error);
}

static bool
nl_error(int r, GError **error, const char *what, const char *bridge, const char *net)
{
    if (r == -EEXIST && g_str_equal(what, "create"))
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED,
                     "bridge name '%s' of network '%s' is already in use", bridge, net);
    else
        mv_error_set_errno(error, MV_FROM_NETWORK, -r, "cannot %s bridge '%s' of network '%s'", what, bridge, net);
    return false;
}

static bool
enable_forwarding(const MvNetworkDef *def, GError **error)
{
    static const char *const files[] = { "/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding" };
    for (int v6 = 0; v6 < 2; v6++) {
        if (!mv_network_def_ip(def, v6 ? AF_INET6 : AF_INET))
            continue;
        if (!g_file_set_contents(files[v6], "1\n", -1, NULL)) {
            /* g_file_set_contents replaces files; /proc needs a plain write. */
            FILE *f = fopen(files[v6], "we");
            if (!f || fputs("1\n", f) < 0 || fclose(f) != 0) {
                int e = errno;
                mv_error_set_errno(error, MV_FROM_NETWORK, e, "cannot turn on IP forwarding ('%s') for network '%s'",
                                   files[v6], def->name);
                return false;
            }
        }
    }
    return true;
}

/* Undo what bring_up did, in reverse; every step tolerates what is already gone. */
static void
tear_down(NetDriver *drv, const MvNetworkDef *def)
{
    g_autoptr(NetDnsmasqPaths) paths = paths_of(drv, def->name);
    net_dnsmasq_stop(paths);
    net_firewall_remove(def);
    int r = net_nl_link_del(def->bridge);
    if (r < 0 && r != -ENODEV)
        g_warning("cannot delete bridge '%s' of network '%s': %s, ignoring", def->bridge, def->name, g_strerror(-r));
}

bool
net_bringup_start(NetDriver *drv, MvDomainObj *obj, GError **error)
{
    MvNetworkDef *def = obj->def;
    NetRuntime *rt = obj->priv;
    if (!mv_network_def_is_managed(def)) {
        /* forward mode bridge: the host's bridge must exist; it is not ours to change. */
        if (!net_nl_link_exists(def->bridge)) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED,
                         "bridge '%s' of network '%s' does not exist on the host", def->bridge, def->name);
            return false;
        }
        return true;
    }
    if (net_bridge_name_taken(drv, def->bridge, obj)) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED, "bridge name '%s' of network '%s' is already in use",
                     def->bridge, def->name);
        return false;
    }
    g_autoptr(GError) overlap = NULL;
    if (!check_subnets(drv, obj, def, &overlap)) {
        if (!is_pristine_default(def) || !move_default(drv, obj, error)) {
            if (!is_pristine_default(def))
                g_propagate_error(error, g_steal_pointer(&overlap));
            return false;
        }
    }
    if (net_dnsmasq_needed(def) && !drv->dnsmasq) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_CONFIG_UNSUPPORTED,
                     "network '%s' needs dnsmasq, which is not installed (Debian package dnsmasq-base)", def->name);
        return false;
    }

    int r = net_nl_bridge_add(def->bridge, def->has_mac ? def->mac : NULL, def->mtu, def->stp != MV_TRISTATE_OFF,
                              def->delay);
    if (r < 0)
        return nl_error(r, error, "create", def->bridge, def->name);
    bool ok = true;
    for (guint i = 0; ok && i < def->ips->len; i++) {
        const MvNetworkIp *ip = def->ips->pdata[i];
        r = net_nl_addr_add(def->bridge, &ip->address, ip->prefix);
        if (r < 0)
            ok = nl_error(r, error, "address", def->bridge, def->name);
    }
    if (ok && (r = net_nl_link_up(def->bridge)) < 0)
        ok = nl_error(r, error, "set up", def->bridge, def->name);
    if (ok && (def->forward == MV_NETWORK_FORWARD_NAT || def->forward == MV_NETWORK_FORWARD_ROUTE))
        ok = enable_forwarding(def, error);
    if (ok)
        ok = net_firewall_apply(def, error);
    if (ok && net_dnsmasq_needed(def)) {
        g_autoptr(NetDnsmasqPaths) paths = paths_of(drv, def->name);
        ok = net_dnsmasq_write_files(def, paths, drv->dnsmasq_user, error);
        pid_t pid = ok ? net_dnsmasq_start(drv->dnsmasq, paths, def->name, error) : -1;
        ok = pid > 0;
        if (ok)
            rt->dnsmasq_pid = pid;
    }
    if (!ok) {
        tear_down(drv, def);
        return false;
    }
    return true;
}

void
net_bringup_stop(NetDriver *drv, MvDomainObj *obj)
{
    const MvNetworkDef *def = obj->def;
    NetRuntime *rt = obj->priv;
    if (mv_network_def_is_managed(def))
        tear_down(drv, def);
    if (rt)
        rt->dnsmasq_pid = 0;
}

bool net_bringup_reload_hosts(NetDriver *drv, MvDomainObj *obj, GError **error);

bool
net_bringup_reload_hosts(NetDriver *drv, MvDomainObj *obj, GError **error)
{
    const MvNetworkDef *def = obj->def;
    if (!net_dnsmasq_needed(def))
        return true;
    g_autoptr(NetDnsmasqPaths) paths = paths_of(drv, def->name);
    return net_dnsmasq_reload_hosts(def, paths, error);
}

/* Adopt one network from its status file, or clean up after it when its bridge is gone. */
static void
reattach_one(NetDriver *drv, const char *path)
{
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        g_warning("cannot read network status '%s': %s, ignoring", path, err->message);
        return;
    }
    g_autoptr(MvNetworkDef) def = mv_network_def_parse(xml, &err);
    if (!def) {
        g_warning("cannot parse network status '%s': %s, ignoring", path, err->message);
        return;
    }
    if (mv_network_def_is_managed(def) && !net_nl_link_exists(def->bridge)) {
        g_info("network '%s' is no longer up (bridge '%s' is gone): cleaning up", def->name, def->bridge);
        tear_down(drv, def);
        net_status_remove(drv, def->name);
        return;
    }
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->networks, def->name);
    bool added = false;
    if (!obj) {
        obj = mv_domain_list_add(drv->networks, def->name, def->uuid, NULL, (GDestroyNotify)mv_network_def_free, &err);
        if (!obj) {
            g_warning("cannot adopt running network '%s': %s, ignoring", def->name, err->message);
            return;
        }
        added = true;
    }
    mv_domain_obj_lock(obj);
    if (!obj->priv) {
        obj->priv = g_new0(NetRuntime, 1);
        obj->priv_free = g_free;
    }
    NetRuntime *rt = obj->priv;
    if (added) {
        obj->def = g_steal_pointer(&def);
    } else {
        /* The persistent definition loaded from disk becomes the pending one. */
        obj->newdef = obj->def;
        obj->def = g_steal_pointer(&def);
    }
    const MvNetworkDef *live = obj->def;
    if (mv_network_def_is_managed(live)) {
        g_autoptr(NetDnsmasqPaths) paths = paths_of(drv, live->name);
        if (!net_firewall_exists(live) && !net_firewall_apply(live, &err)) {
            g_warning("%s, ignoring", err->message);
            g_clear_error(&err);
        }
        rt->dnsmasq_pid = net_dnsmasq_needed(live) ? net_dnsmasq_find(paths) : 0;
        if (net_dnsmasq_needed(live) && !rt->dnsmasq_pid && drv->dnsmasq) {
            g_info("network '%s': dnsmasq is not running, starting it again", live->name);
            if (net_dnsmasq_write_files(live, paths, drv->dnsmasq_user, &err))
                rt->dnsmasq_pid = net_dnsmasq_start(drv->dnsmasq, paths, live->name, &err);
            if (rt->dnsmasq_pid <= 0) {
                rt->dnsmasq_pid = 0;
                g_warning("%s, ignoring", err ? err->message : "dnsmasq did not start");
            }
        }
    }
    mv_domain_list_set_id(drv->networks, obj, mv_domain_list_next_id(drv->networks));
    mv_daemon_inhibit(drv->daemon);
    g_info("adopted running network '%s' (bridge '%s', dnsmasq pid %d)", obj->name, live->bridge,
           (int)rt->dnsmasq_pid);
    mv_domain_obj_unlock(obj);
}

void
net_bringup_reattach_all(NetDriver *drv)
{
    g_autoptr(GDir) dir = g_dir_open(drv->status_dir, 0, NULL);
    const char *entry;
    if (!dir)
        return;
    while ((entry = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        g_autofree char *path = g_build_filename(drv->status_dir, entry, NULL);
        reattach_one(drv, path);
    }
}

bool
net_get_dhcp_leases(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_get_dhcp_leases_args *a = args;
    remote_network_get_dhcp_leases_ret *r = ret;
    NetDriver *drv = net_driver_of(call);
    if (a->flags) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG,
                     "unsupported flags (0x%x) in function virNetworkGetDHCPLeases", a->flags);
        return false;
    }
    g_autoptr(MvDomainObj) obj = net_find(drv, &a->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    g_autoptr(MvNetworkDef) def = mv_domain_obj_is_active(obj) ? mv_network_def_copy(obj->def, NULL) : NULL;
    mv_domain_obj_unlock(obj);
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(remote_network_dhcp_lease));
    if (def) {
        g_autoptr(NetDnsmasqPaths) paths = paths_of(drv, def->name);
        g_autoptr(GPtrArray) leases = net_dnsmasq_leases(paths);
        g_autofree char *want = a->mac && *a->mac ? g_ascii_strdown(*a->mac, -1) : NULL;
        for (guint i = 0; i < leases->len; i++) {
            NetDhcpLease *l = leases->pdata[i];
            if (want && (!l->mac || !g_str_equal(want, l->mac)))
                continue;
            MvIpAddr addr;
            if (mv_ip_addr_parse(l->ip, 0, &addr) < 0)
                continue;
            const MvNetworkIp *ip = mv_network_def_ip(def, addr.family);
            remote_network_dhcp_lease w = { 0 };
            w.iface = g_strdup(def->bridge);
            w.expirytime = l->expiry;
            w.type = l->ipv6 ? 1 : 0;
            if (l->mac) {
                w.mac = g_new(char *, 1);
                *w.mac = g_strdup(l->mac);
            }
            if (l->iaid) {
                w.iaid = g_new(char *, 1);
                *w.iaid = g_strdup(l->iaid);
            }
            w.ipaddr = g_strdup(l->ip);
            w.prefix = ip ? ip->prefix : 0;
            if (l->hostname) {
                w.hostname = g_new(char *, 1);
                *w.hostname = g_strdup(l->hostname);
            }
            if (l->clientid) {
                w.clientid = g_new(char *, 1);
                *w.clientid = g_strdup(l->clientid);
            }
            g_array_append_val(out, w);
        }
    }
    r->ret = out->len;
    if (a->need_results) {
        r->leases.leases_len = out->len;
        r->leases.leases_val = (remote_network_dhcp_lease *)(void *)g_array_free(g_steal_pointer(&out), FALSE);
    } else {
        for (guint i = 0; i < out->len; i++)
            xdr_free((xdrproc_t)xdr_remote_network_dhcp_lease, (char *)&g_array_index(out, remote_network_dhcp_lease, i));
    }
    return true;
}
