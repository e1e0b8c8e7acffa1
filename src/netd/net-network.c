// SPDX-License-Identifier: LGPL-2.1-or-later
// The network calls: lookups and lists (lock-free, from the object list), define, undefine,
// create, start, destroy, autostart, net-update of DHCP hosts, and the lifecycle events each
// change sends.  Bringing a network up and down is net-bringup.c's.

#include "net-driver.h"
#include "daemon/daemon-events.h"
#include "util/util-error.h"
#include "util/util-uuid.h"

#include <arpa/inet.h>
#include <string.h>

/* CONNECT_LIST_ALL_NETWORKS filter bits (virConnectListAllNetworksFlags). */
enum {
    LIST_INACTIVE = 1 << 0,
    LIST_ACTIVE = 1 << 1,
    LIST_PERSISTENT = 1 << 2,
    LIST_TRANSIENT = 1 << 3,
    LIST_AUTOSTART = 1 << 4,
    LIST_NO_AUTOSTART = 1 << 5,
    LIST_ALL_FLAGS = (1 << 6) - 1,
};

/* virNetworkUpdateCommand, virNetworkUpdateSection, virNetworkUpdateFlags. */
enum { UPDATE_MODIFY = 1, UPDATE_DELETE = 2, UPDATE_ADD_LAST = 3, UPDATE_ADD_FIRST = 4 };
enum { SECTION_IP_DHCP_HOST = 4 };
enum { AFFECT_LIVE = 1 << 0, AFFECT_CONFIG = 1 << 1 };

/* virNetworkXMLFlags: VIR_NETWORK_XML_INACTIVE. */
#define XML_INACTIVE 1u

static bool
check_flags(unsigned flags, unsigned allowed, const char *api, GError **error)
{
    if (flags & ~allowed) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                     flags & ~allowed, api);
        return false;
    }
    return true;
}

void
net_to_wire(MvDomainObj *obj, remote_nonnull_network *ret_net)
{
    ret_net->name = g_strdup(obj->name);
    memcpy(ret_net->uuid, obj->uuid, 16);
}

void
net_emit(NetDriver *drv, MvDomainObj *obj, int event)
{
    remote_nonnull_network net = { obj->name, { 0 } };
    memcpy(net.uuid, obj->uuid, 16);
    mv_events_network_lifecycle(mv_daemon_events(drv->daemon), &net, event, 0);
}

MvDomainObj *
net_find(NetDriver *drv, const remote_nonnull_network *net, GError **error)
{
    MvDomainObj *obj = mv_domain_list_find_by_uuid(drv->networks, (const unsigned char *)net->uuid);
    if (!obj) {
        char uuid[MV_UUID_STRING_BUFLEN];
        mv_uuid_format((const unsigned char *)net->uuid, uuid);
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_NO_NETWORK, "no network with matching uuid '%s' (%s)", uuid,
                     net->name);
    }
    return obj;
}

static bool
matches(MvDomainObj *obj, unsigned flags)
{
#define PAIR(yes, no, cond) \
    if ((flags & ((yes) | (no))) && (flags & ((yes) | (no))) != ((yes) | (no)) && \
        !((flags & (yes)) ? (cond) : !(cond))) \
        return false
    PAIR(LIST_ACTIVE, LIST_INACTIVE, mv_domain_obj_is_active(obj));
    PAIR(LIST_PERSISTENT, LIST_TRANSIENT, obj->persistent);
    PAIR(LIST_AUTOSTART, LIST_NO_AUTOSTART, obj->autostart);
#undef PAIR
    return true;
}

bool
net_list_all(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_all_networks_args *a = args;
    remote_connect_list_all_networks_ret *r = ret;
    NetDriver *drv = net_driver_of(call);
    if (!check_flags(a->flags, LIST_ALL_FLAGS, "virConnectListAllNetworks", error))
        return false;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->networks);
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(remote_nonnull_network));
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (matches(obj, a->flags)) {
            remote_nonnull_network n;
            net_to_wire(obj, &n);
            g_array_append_val(out, n);
        }
        mv_domain_obj_unlock(obj);
    }
    r->ret = out->len;
    if (!a->need_results) {
        for (guint i = 0; i < out->len; i++)
            g_free(g_array_index(out, remote_nonnull_network, i).name);
        return true;
    }
    if (out->len > REMOTE_NETWORK_LIST_MAX) {
        for (guint i = 0; i < out->len; i++)
            g_free(g_array_index(out, remote_nonnull_network, i).name);
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INTERNAL_ERROR, "too many networks for one reply: %u > %d",
                     out->len, REMOTE_NETWORK_LIST_MAX);
        return false;
    }
    r->nets.nets_len = out->len;
    r->nets.nets_val = (remote_nonnull_network *)(void *)g_array_free(g_steal_pointer(&out), FALSE);
    return true;
}

static int
count(NetDriver *drv, bool active)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->networks);
    int n = 0;
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        n += mv_domain_obj_is_active(obj) == active;
        mv_domain_obj_unlock(obj);
    }
    return n;
}

bool
net_num_active(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = count(net_driver_of(call), true);
    return true;
}

bool
net_num_defined(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = count(net_driver_of(call), false);
    return true;
}

static bool
list_names(MvCall *call, void *args, void *ret, bool active, GError **error)
{
    remote_connect_list_networks_args *a = args;
    remote_connect_list_networks_ret *r = ret;
    NetDriver *drv = net_driver_of(call);
    if (a->maxnames < 0 || a->maxnames > REMOTE_NETWORK_NAME_LIST_MAX) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG, "maxnames %d out of range 0..%d", a->maxnames,
                     REMOTE_NETWORK_NAME_LIST_MAX);
        return false;
    }
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->networks);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (guint i = 0; i < all->len && (int)names->len < a->maxnames; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (mv_domain_obj_is_active(obj) == active)
            g_ptr_array_add(names, g_strdup(obj->name));
        mv_domain_obj_unlock(obj);
    }
    r->names.names_len = names->len;
    r->names.names_val = (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    return true;
}

bool
net_list_active(MvCall *call, void *args, void *ret, GError **error)
{
    return list_names(call, args, ret, true, error);
}

bool
net_list_defined(MvCall *call, void *args, void *ret, GError **error)
{
    return list_names(call, args, ret, false, error);
}

bool
net_lookup_by_name(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_lookup_by_name_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(net_driver_of(call)->networks, a->name);
    if (!obj) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_NO_NETWORK, "no network with matching name '%s'", a->name);
        return false;
    }
    net_to_wire(obj, &((remote_network_ret *)ret)->net);
    return true;
}

bool
net_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_lookup_by_uuid_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_uuid(net_driver_of(call)->networks,
                                                             (const unsigned char *)a->uuid);
    if (!obj) {
        char uuid[MV_UUID_STRING_BUFLEN];
        mv_uuid_format((const unsigned char *)a->uuid, uuid);
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_NO_NETWORK, "no network with matching uuid '%s'", uuid);
        return false;
    }
    net_to_wire(obj, &((remote_network_ret *)ret)->net);
    return true;
}

bool
net_bridge_taken_cb(const char *name, void *opaque)
{
    return net_bridge_name_taken(opaque, name, NULL);
}

/* Parse a client's XML and fill in libvirt's defaults.  Driver locked. */
static MvNetworkDef *
parse_new(NetDriver *drv, const char *xml, GError **error)
{
    g_autoptr(MvNetworkDef) def = mv_network_def_parse(xml, error);
    if (!def)
        return NULL;
    /* An existing network keeps its bridge name when redefined without one. */
    g_autoptr(MvDomainObj) old = mv_domain_list_find_by_name(drv->networks, def->name);
    if (old && !def->bridge) {
        mv_domain_obj_lock(old);
        const MvNetworkDef *od = old->newdef ? old->newdef : old->def;
        def->bridge = g_strdup(od->bridge);
        if (!def->has_mac && od->has_mac) {
            memcpy(def->mac, od->mac, sizeof(def->mac));
            def->has_mac = true;
        }
        mv_domain_obj_unlock(old);
    }
    if (!mv_network_def_fill_defaults(def, net_bridge_taken_cb, drv, error))
        return NULL;
    return g_steal_pointer(&def);
}

/* The object for @def: a new one, or @def's name's existing one (same UUID required), locked
 * and referenced.  @def is taken in both cases (into obj->def or obj->newdef) when
 * @persistent; a transient create never replaces an existing network.  Driver locked. */
static MvDomainObj *
assign_def(NetDriver *drv, MvNetworkDef **def_p, bool persistent, bool *ret_new, GError **error)
{
    MvNetworkDef *def = *def_p;
    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(def->uuid, uuid);
    g_autoptr(MvDomainObj) by_uuid = mv_domain_list_find_by_uuid(drv->networks, def->uuid);
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->networks, def->name);
    if (by_uuid && by_uuid != obj) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED,
                     "network '%s' is already defined with uuid %s", by_uuid->name, uuid);
        return NULL;
    }
    if (obj) {
        mv_domain_obj_lock(obj);
        if (memcmp(obj->uuid, def->uuid, 16) != 0) {
            char other[MV_UUID_STRING_BUFLEN];
            mv_uuid_format(obj->uuid, other);
            mv_domain_obj_unlock(obj);
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED,
                         "network '%s' is already defined with uuid %s", def->name, other);
            return NULL;
        }
        if (!persistent) {
            mv_domain_obj_unlock(obj);
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID, "network '%s' already exists",
                         def->name);
            return NULL;
        }
        *ret_new = false;
        return g_steal_pointer(&obj);
    }
    obj = mv_domain_list_add(drv->networks, def->name, def->uuid, def, (GDestroyNotify)mv_network_def_free, error);
    if (!obj)
        return NULL;
    *def_p = NULL;
    mv_domain_obj_lock(obj);
    obj->persistent = persistent;
    obj->priv = g_new0(NetRuntime, 1);
    obj->priv_free = g_free;
    *ret_new = true;
    return g_steal_pointer(&obj);
}

/* Keep @def as @obj's persistent definition (locked). */
static void
set_persistent_def(MvDomainObj *obj, MvNetworkDef *def)
{
    if (mv_domain_obj_is_active(obj)) {
        g_clear_pointer(&obj->newdef, mv_network_def_free);
        obj->newdef = def;
    } else {
        mv_network_def_free(obj->def);
        obj->def = def;
    }
    obj->persistent = true;
}

static bool
define(MvCall *call, const char *xml, void *ret, GError **error)
{
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvNetworkDef) def = parse_new(drv, xml, error);
    if (!def || !net_config_save(drv, def, error))
        return false;
    bool is_new = false;
    MvNetworkDef *raw = def;
    g_autoptr(MvDomainObj) obj = assign_def(drv, &raw, true, &is_new, error);
    if (!obj) {
        /* The file written above belongs to no network: take it back unless a network of
         * that name owns it. */
        g_autoptr(MvDomainObj) owner = mv_domain_list_find_by_name(drv->networks, def->name);
        if (!owner)
            net_config_remove(drv, def->name, NULL);
        return false;
    }
    if (!is_new)
        set_persistent_def(obj, g_steal_pointer(&def));
    else
        g_steal_pointer(&def);
    net_to_wire(obj, &((remote_network_ret *)ret)->net);
    mv_domain_obj_unlock(obj);
    net_emit(drv, obj, NET_EVENT_DEFINED);
    return true;
}

bool
net_define_xml(MvCall *call, void *args, void *ret, GError **error)
{
    return define(call, ((remote_network_xml_args *)args)->xml, ret, error);
}

bool
net_define_xml_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_xml_flags_args *a = args;
    /* VIR_NETWORK_DEFINE_VALIDATE (1): our parser always validates strictly. */
    if (!check_flags(a->flags, 1, "virNetworkDefineXMLFlags", error))
        return false;
    return define(call, a->xml, ret, error);
}

/* Start @obj (locked, driver locked): bring it up, mark it active, write its status. */
static bool
start_locked(NetDriver *drv, MvDomainObj *obj, GError **error)
{
    if (mv_domain_obj_is_active(obj)) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID, "network '%s' is already active", obj->name);
        return false;
    }
    if (!net_bringup_start(drv, obj, error))
        return false;
    mv_domain_list_set_id(drv->networks, obj, mv_domain_list_next_id(drv->networks));
    g_autoptr(GError) serr = NULL;
    if (!net_status_save(drv, obj, &serr))
        g_warning("%s; a restarted daemon will not adopt network '%s'", serr->message, obj->name);
    mv_daemon_inhibit(drv->daemon);
    return true;
}

static bool
create(MvCall *call, const char *xml, void *ret, GError **error)
{
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvNetworkDef) def = parse_new(drv, xml, error);
    if (!def)
        return false;
    bool is_new = false;
    MvNetworkDef *raw = g_steal_pointer(&def);
    g_autoptr(MvDomainObj) obj = assign_def(drv, &raw, false, &is_new, error);
    mv_network_def_free(raw);
    if (!obj)
        return false;
    if (!start_locked(drv, obj, error)) {
        mv_domain_list_remove(drv->networks, obj);
        mv_domain_obj_unlock(obj);
        return false;
    }
    net_to_wire(obj, &((remote_network_ret *)ret)->net);
    mv_domain_obj_unlock(obj);
    net_emit(drv, obj, NET_EVENT_STARTED);
    return true;
}

bool
net_create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    return create(call, ((remote_network_xml_args *)args)->xml, ret, error);
}

bool
net_create_xml_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_xml_flags_args *a = args;
    if (!check_flags(a->flags, 1, "virNetworkCreateXMLFlags", error))
        return false;
    return create(call, a->xml, ret, error);
}

bool
net_create(MvCall *call, void *args, void *ret, GError **error)
{
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool ok = start_locked(drv, obj, error);
    mv_domain_obj_unlock(obj);
    if (ok)
        net_emit(drv, obj, NET_EVENT_STARTED);
    return ok;
}

/* Stop @obj (locked, driver locked, active). */
static void
stop_locked(NetDriver *drv, MvDomainObj *obj)
{
    net_bringup_stop(drv, obj);
    net_status_remove(drv, obj->name);
    mv_domain_list_set_id(drv->networks, obj, -1);
    if (obj->newdef) {
        mv_network_def_free(obj->def);
        obj->def = g_steal_pointer(&obj->newdef);
    }
    if (!obj->persistent)
        mv_domain_list_remove(drv->networks, obj);
    mv_daemon_release(drv->daemon);
}

bool
net_destroy(MvCall *call, void *args, void *ret, GError **error)
{
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_is_active(obj)) {
        mv_domain_obj_unlock(obj);
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID, "network '%s' is not active", obj->name);
        return false;
    }
    stop_locked(drv, obj);
    mv_domain_obj_unlock(obj);
    net_emit(drv, obj, NET_EVENT_STOPPED);
    return true;
}

bool
net_undefine(MvCall *call, void *args, void *ret, GError **error)
{
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!obj->persistent) {
        mv_domain_obj_unlock(obj);
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID, "cannot undefine transient network '%s'",
                     obj->name);
        return false;
    }
    if (!net_config_remove(drv, obj->name, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    obj->autostart = false;
    obj->persistent = false;
    g_clear_pointer(&obj->newdef, mv_network_def_free);
    /* An active network stays, transient, until destroyed. */
    if (!mv_domain_obj_is_active(obj))
        mv_domain_list_remove(drv->networks, obj);
    mv_domain_obj_unlock(obj);
    net_emit(drv, obj, NET_EVENT_UNDEFINED);
    return true;
}

bool
net_get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_get_xml_desc_args *a = args;
    if (!check_flags(a->flags, XML_INACTIVE, "virNetworkGetXMLDesc", error))
        return false;
    g_autoptr(MvDomainObj) obj = net_find(net_driver_of(call), &a->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool inactive = a->flags & XML_INACTIVE;
    const MvNetworkDef *def = inactive && obj->newdef ? obj->newdef : obj->def;
    NetRuntime *rt = obj->priv;
    int connections = !inactive && mv_domain_obj_is_active(obj) && rt ? rt->connections : -1;
    char *xml = mv_network_def_format(def, connections, error);
    mv_domain_obj_unlock(obj);
    if (!xml)
        return false;
    ((remote_network_get_xml_desc_ret *)ret)->xml = xml;
    return true;
}

bool
net_get_bridge_name(MvCall *call, void *args, void *ret, GError **error)
{
    g_autoptr(MvDomainObj) obj = net_find(net_driver_of(call), &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    const MvNetworkDef *def = obj->def;
    char *name = g_strdup(def->bridge);
    mv_domain_obj_unlock(obj);
    if (!name) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INTERNAL_ERROR, "network '%s' has no bridge", obj->name);
        return false;
    }
    ((remote_network_get_bridge_name_ret *)ret)->name = name;
    return true;
}

bool
net_get_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    g_autoptr(MvDomainObj) obj = net_find(net_driver_of(call), &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    ((remote_network_get_autostart_ret *)ret)->autostart = obj->autostart;
    mv_domain_obj_unlock(obj);
    return true;
}

bool
net_set_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_set_autostart_args *a = args;
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &a->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool ok = true;
    if (!obj->persistent) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID,
                     "cannot set autostart for transient network '%s'", obj->name);
        ok = false;
    } else if (obj->autostart != (a->autostart != 0)) {
        ok = net_autostart_set(drv, obj->name, a->autostart != 0, error);
        if (ok)
            obj->autostart = a->autostart != 0;
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

bool
net_is_active(MvCall *call, void *args, void *ret, GError **error)
{
    g_autoptr(MvDomainObj) obj = net_find(net_driver_of(call), &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    ((remote_int_ret *)ret)->num = mv_domain_obj_is_active(obj);
    mv_domain_obj_unlock(obj);
    return true;
}

bool
net_is_persistent(MvCall *call, void *args, void *ret, GError **error)
{
    g_autoptr(MvDomainObj) obj = net_find(net_driver_of(call), &((remote_network_only_args *)args)->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    ((remote_int_ret *)ret)->num = obj->persistent;
    mv_domain_obj_unlock(obj);
    return true;
}

/* Apply one DHCP host change to a copy of @def; returns the new definition or NULL. */
static MvNetworkDef *
update_dhcp_host(const MvNetworkDef *def, unsigned command, int parent, const char *xml, GError **error)
{
    g_autoptr(MvNetworkDef) copy = mv_network_def_copy(def, error);
    if (!copy)
        return NULL;
    MvNetworkIp *ip = NULL;
    int seen = 0;
    for (guint i = 0; i < copy->ips->len; i++) {
        MvNetworkIp *cand = copy->ips->pdata[i];
        if (parent >= 0 ? seen++ == parent : (cand->address.family == AF_INET && cand->dhcp)) {
            ip = cand;
            break;
        }
    }
    if (!ip) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID,
                     "network '%s' has no %s<ip> with <dhcp> to update", def->name, parent >= 0 ? "such " : "IPv4 ");
        return NULL;
    }
    /* The host element is checked as the parser checks it, inside a copy of its <ip>. */
    g_autofree char *addr = mv_ip_addr_format(&ip->address);
    g_autofree char *wrapped = g_strdup_printf("<network><name>%s</name><ip family='%s' address='%s' prefix='%u'>"
                                               "<dhcp>%s</dhcp></ip></network>", "update",
                                               ip->address.family == AF_INET ? "ipv4" : "ipv6", addr, ip->prefix, xml);
    g_autoptr(MvNetworkDef) frag = mv_network_def_parse(wrapped, error);
    if (!frag)
        return NULL;
    MvNetworkIp *fip = frag->ips->pdata[0];
    if (fip->hosts->len != 1 || fip->ranges->len) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "net-update of ip-dhcp-host expects one <host> element");
        return NULL;
    }
    MvNetworkDhcpHost *h = fip->hosts->pdata[0];
    gint found = -1;
    for (guint i = 0; i < ip->hosts->len; i++) {
        MvNetworkDhcpHost *o = ip->hosts->pdata[i];
        if ((h->mac && o->mac && g_str_equal(h->mac, o->mac)) || (h->id && o->id && g_str_equal(h->id, o->id)) ||
            (h->ip.family && mv_ip_addr_compare(&h->ip, &o->ip) == 0) ||
            (!h->mac && !h->id && h->name && o->name && g_str_equal(h->name, o->name))) {
            found = (gint)i;
            break;
        }
    }
    switch (command) {
    case UPDATE_ADD_FIRST:
    case UPDATE_ADD_LAST:
        if (found >= 0) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID,
                         "there is an existing dhcp host entry in network '%s' that matches \"%s\"", def->name, xml);
            return NULL;
        }
        g_ptr_array_insert(ip->hosts, command == UPDATE_ADD_FIRST ? 0 : -1, g_steal_pointer(&fip->hosts->pdata[0]));
        g_ptr_array_set_size(fip->hosts, 0);
        break;
    case UPDATE_DELETE:
    case UPDATE_MODIFY:
        if (found < 0) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID,
                         "couldn't locate a matching dhcp host entry in network '%s'", def->name);
            return NULL;
        }
        if (command == UPDATE_DELETE) {
            g_ptr_array_remove_index(ip->hosts, (guint)found);
        } else {
            mv_network_dhcp_host_free(ip->hosts->pdata[found]);
            ip->hosts->pdata[found] = g_steal_pointer(&fip->hosts->pdata[0]);
            g_ptr_array_set_size(fip->hosts, 0);
        }
        break;
    default:
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_ARGUMENT_UNSUPPORTED, "unknown network update command %u", command);
        return NULL;
    }
    ip->dhcp = true;
    /* The result must still be a valid definition (a new host may clash with another). */
    g_autofree char *out = mv_network_def_format(copy, -1, error);
    if (!out)
        return NULL;
    return mv_network_def_parse(out, error);
}

bool net_bringup_reload_hosts(NetDriver *drv, MvDomainObj *obj, GError **error);

bool
net_update(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_update_args *a = args;
    NetDriver *drv = net_driver_of(call);
    if (!check_flags(a->flags, AFFECT_LIVE | AFFECT_CONFIG, "virNetworkUpdate", error))
        return false;
    if (a->section != SECTION_IP_DHCP_HOST) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_CONFIG_UNSUPPORTED,
                     "net-update supports the ip-dhcp-host section only (section %u)", a->section);
        return false;
    }
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &a->net, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool active = mv_domain_obj_is_active(obj);
    unsigned flags = a->flags;
    /* AFFECT_CURRENT: the live state of an active network, the config of an inactive one. */
    if (!flags)
        flags = active ? AFFECT_LIVE : AFFECT_CONFIG;
    bool ok = true;
    if ((flags & AFFECT_LIVE) && !active) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID, "network '%s' is not active", obj->name);
        ok = false;
    }
    if (ok && (flags & AFFECT_CONFIG) && !obj->persistent) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID,
                     "cannot change the persistent config of transient network '%s'", obj->name);
        ok = false;
    }
    g_autoptr(MvNetworkDef) live = NULL;
    g_autoptr(MvNetworkDef) config = NULL;
    if (ok && (flags & AFFECT_LIVE))
        ok = (live = update_dhcp_host(obj->def, a->command, a->parentIndex, a->xml, error)) != NULL;
    if (ok && (flags & AFFECT_CONFIG))
        ok = (config = update_dhcp_host(obj->newdef ? obj->newdef : obj->def, a->command, a->parentIndex, a->xml,
                                        error)) != NULL;
    if (ok && config)
        ok = net_config_save(drv, config, error);
    if (ok && live) {
        MvNetworkDef *old = obj->def;
        obj->def = g_steal_pointer(&live);
        if (!net_bringup_reload_hosts(drv, obj, error)) {
            live = obj->def;
            obj->def = old;
            ok = false;
        } else {
            if (!obj->newdef && obj->persistent)
                obj->newdef = old;     /* the config stays what it was unless updated below */
            else
                mv_network_def_free(old);
            net_status_save(drv, obj, NULL);
        }
    }
    if (ok && config) {
        if (active) {
            g_clear_pointer(&obj->newdef, mv_network_def_free);
            obj->newdef = g_steal_pointer(&config);
        } else {
            mv_network_def_free(obj->def);
            obj->def = g_steal_pointer(&config);
        }
    }
    mv_domain_obj_unlock(obj);
    return ok;
}
