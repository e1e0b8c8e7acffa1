// SPDX-License-Identifier: LGPL-2.1-or-later
// The network driver's dispatch table and its setup; handlers live in files by concept.

#include "net-driver.h"
#include "daemon/daemon-events.h"
#include "daemon/daemon-programs.h"
#include "util/util-error.h"
#include "util/util-journal.h"

#include <errno.h>
#include <pwd.h>

/* Row flags: R = read-only clients may call it; I = cheap, runs on the I/O thread;
 * P = priority lane. */
#define R MV_PROC_READONLY_OK
#define I MV_PROC_INLINE
#define P MV_PROC_PRIORITY
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

static const MvProcedure net_remote_rows[] = {
    ROW(CONNECT_LIST_ALL_NETWORKS, "virConnectListAllNetworks", connect_list_all_networks_args,
        connect_list_all_networks_ret, net_list_all, R | P),
    ROW_NOARGS(CONNECT_NUM_OF_NETWORKS, "virConnectNumOfNetworks", int_ret, net_num_active, R | P),
    ROW_NOARGS(CONNECT_NUM_OF_DEFINED_NETWORKS, "virConnectNumOfDefinedNetworks", int_ret, net_num_defined, R | P),
    ROW(CONNECT_LIST_NETWORKS, "virConnectListNetworks", connect_list_networks_args, connect_list_networks_ret,
        net_list_active, R | P),
    ROW(CONNECT_LIST_DEFINED_NETWORKS, "virConnectListDefinedNetworks", connect_list_networks_args,
        connect_list_networks_ret, net_list_defined, R | P),
    ROW(NETWORK_LOOKUP_BY_NAME, "virNetworkLookupByName", network_lookup_by_name_args, network_ret,
        net_lookup_by_name, R | I),
    ROW(NETWORK_LOOKUP_BY_UUID, "virNetworkLookupByUUID", network_lookup_by_uuid_args, network_ret,
        net_lookup_by_uuid, R | I),
    ROW(NETWORK_IS_ACTIVE, "virNetworkIsActive", network_only_args, int_ret, net_is_active, R | I),
    ROW(NETWORK_IS_PERSISTENT, "virNetworkIsPersistent", network_only_args, int_ret, net_is_persistent, R | I),
    ROW(NETWORK_GET_AUTOSTART, "virNetworkGetAutostart", network_only_args, network_get_autostart_ret,
        net_get_autostart, R | I),
    ROW(NETWORK_GET_BRIDGE_NAME, "virNetworkGetBridgeName", network_only_args, network_get_bridge_name_ret,
        net_get_bridge_name, R | I),
    ROW(NETWORK_GET_XML_DESC, "virNetworkGetXMLDesc", network_get_xml_desc_args, network_get_xml_desc_ret,
        net_get_xml_desc, R | P),
    ROW(NETWORK_GET_DHCP_LEASES, "virNetworkGetDHCPLeases", network_get_dhcp_leases_args,
        network_get_dhcp_leases_ret, net_get_dhcp_leases, R | P),

    ROW(NETWORK_DEFINE_XML, "virNetworkDefineXML", network_xml_args, network_ret, net_define_xml, 0),
    ROW(NETWORK_DEFINE_XML_FLAGS, "virNetworkDefineXMLFlags", network_xml_flags_args, network_ret,
        net_define_xml_flags, 0),
    ROW(NETWORK_CREATE_XML, "virNetworkCreateXML", network_xml_args, network_ret, net_create_xml, 0),
    ROW(NETWORK_CREATE_XML_FLAGS, "virNetworkCreateXMLFlags", network_xml_flags_args, network_ret,
        net_create_xml_flags, 0),
    ROW_NORET(NETWORK_UNDEFINE, "virNetworkUndefine", network_only_args, net_undefine, 0),
    ROW_NORET(NETWORK_CREATE, "virNetworkCreate", network_only_args, net_create, 0),
    /* Destroy never waits behind slow calls. */
    ROW_NORET(NETWORK_DESTROY, "virNetworkDestroy", network_only_args, net_destroy, P),
    ROW_NORET(NETWORK_SET_AUTOSTART, "virNetworkSetAutostart", network_set_autostart_args, net_set_autostart, 0),
    ROW_NORET(NETWORK_UPDATE, "virNetworkUpdate", network_update_args, net_update, 0),

    ROW(NETWORK_PORT_CREATE_XML, "virNetworkPortCreateXML", network_port_create_xml_args, network_port_ret,
        net_port_create_xml, 0),
    ROW(NETWORK_PORT_LOOKUP_BY_UUID, "virNetworkPortLookupByUUID", network_port_lookup_by_uuid_args,
        network_port_ret, net_port_lookup_by_uuid, R),
    ROW(NETWORK_PORT_GET_XML_DESC, "virNetworkPortGetXMLDesc", network_port_flags_args, network_get_xml_desc_ret,
        net_port_get_xml_desc, R),
    ROW_NORET(NETWORK_PORT_DELETE, "virNetworkPortDelete", network_port_flags_args, net_port_delete, P),
    ROW(NETWORK_LIST_ALL_PORTS, "virNetworkListAllPorts", network_list_all_ports_args, network_list_all_ports_ret,
        net_list_all_ports, R),
};

const MvProcedure *
net_driver_remote_rows(size_t *n)
{
    *n = G_N_ELEMENTS(net_remote_rows);
    return net_remote_rows;
}

NetDriver *
net_driver_of(MvCall *call)
{
    return mv_daemon_driver(mv_daemon_of(call));
}

static bool
make_dir(const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0755) < 0) {
        mv_error_set_errno(error, MV_FROM_NETWORK, errno, "cannot create directory '%s'", path);
        return false;
    }
    return true;
}

/* dnsmasq from [network] dnsmasq, else the usual places (it lives in /usr/sbin, which a
 * daemon's PATH may lack). */
static char *
find_dnsmasq(GKeyFile *kf)
{
    char *configured = g_key_file_get_string(kf, "network", "dnsmasq", NULL);
    if (configured)
        return configured;
    static const char *const places[] = { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq", NULL };
    for (const char *const *p = places; *p; p++)
        if (g_file_test(*p, G_FILE_TEST_IS_EXECUTABLE))
            return g_strdup(*p);
    return g_find_program_in_path("dnsmasq");
}

/* Debian's dnsmasq-base creates the user "dnsmasq"; without it dnsmasq runs as nobody. */
static char *
pick_dnsmasq_user(GKeyFile *kf)
{
    char *configured = g_key_file_get_string(kf, "network", "dnsmasq_user", NULL);
    if (configured)
        return configured;
    return g_strdup(getpwnam("dnsmasq") ? "dnsmasq" : "nobody");
}

/* libvirt's shipped default network: NAT on 192.168.122.0/24 (moved to the next free
 * 192.168.X.0/24 at its first start where that subnet is taken, net-bringup.c). */
static const char default_network_xml[] =
    "<network>\n"
    "  <name>default</name>\n"
    "  <forward mode='nat'/>\n"
    "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
    "    <dhcp>\n"
    "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
    "    </dhcp>\n"
    "  </ip>\n"
    "</network>\n";

/* Define and mark for autostart the default network the first time netd runs under a root
 * (a marker file remembers it, so an undefined default stays undefined), unless
 * [network] default_network = false. */
static void
ship_default_network(NetDriver *drv, GKeyFile *kf)
{
    g_autoptr(GError) err = NULL;
    gboolean wanted = g_key_file_get_boolean(kf, "network", "default_network", &err);
    if (err) {
        wanted = TRUE;
        g_clear_error(&err);
    }
    g_autofree char *marker = g_build_filename(drv->config_dir, ".default-network-shipped", NULL);
    if (!wanted || g_file_test(marker, G_FILE_TEST_EXISTS))
        return;
    g_autoptr(MvDomainObj) existing = mv_domain_list_find_by_name(drv->networks, "default");
    g_autoptr(MvNetworkDef) def = existing ? NULL : mv_network_def_parse(default_network_xml, &err);
    if (def && mv_network_def_fill_defaults(def, net_bridge_taken_cb, drv, &err) &&
        net_config_save(drv, def, &err) && net_autostart_set(drv, "default", true, &err)) {
        MvDomainObj *obj = mv_domain_list_add(drv->networks, "default", def->uuid, def,
                                              (GDestroyNotify)mv_network_def_free, &err);
        if (obj) {
            g_steal_pointer(&def);
            obj->persistent = true;
            obj->autostart = true;
            obj->priv = g_new0(NetRuntime, 1);
            obj->priv_free = g_free;
            mv_domain_obj_unref(obj);
            g_info("defined the default network");
        }
    }
    if (err)
        g_warning("cannot define the default network: %s, ignoring", err->message);
    else if (!g_file_set_contents(marker, "", 0, NULL))
        g_warning("cannot write '%s', ignoring", marker);
}

static void
autostart_all(NetDriver *drv)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->networks);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (obj->autostart && !mv_domain_obj_is_active(obj)) {
            g_autoptr(GError) err = NULL;
            if (net_bringup_start(drv, obj, &err)) {
                mv_domain_list_set_id(drv->networks, obj, mv_domain_list_next_id(drv->networks));
                net_status_save(drv, obj, NULL);
                mv_daemon_inhibit(drv->daemon);
                g_info("autostarted network '%s'", obj->name);
            } else {
                g_warning("cannot autostart network '%s': %s, ignoring", obj->name, err->message);
            }
        }
        mv_domain_obj_unlock(obj);
    }
}

bool
net_driver_init(MvDaemon *d, GError **error)
{
    GKeyFile *kf = mv_daemon_config(d);
    NetDriver *drv = g_new0(NetDriver, 1);
    drv->daemon = d;
    g_mutex_init(&drv->lock);
    drv->networks = mv_domain_list_new();
    drv->ports = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)net_port_free);
    drv->config_dir = mv_daemon_path(d, "etc/modvirt/network");
    drv->autostart_dir = g_build_filename(drv->config_dir, "autostart", NULL);
    drv->status_dir = mv_daemon_path(d, "run/modvirt/network");
    drv->lib_dir = mv_daemon_path(d, "var/lib/modvirt/dnsmasq");
    drv->dnsmasq = find_dnsmasq(kf);
    drv->dnsmasq_user = pick_dnsmasq_user(kf);
    mv_daemon_set_driver(d, drv);
    if (!make_dir(drv->config_dir, error) || !make_dir(drv->status_dir, error) || !make_dir(drv->lib_dir, error))
        return false;
    if (!drv->dnsmasq)
        g_warning("dnsmasq is not installed: networks with addresses cannot start (Debian package dnsmasq-base)");
    if (!net_persist_open(drv, error))
        return false;
    net_config_load_all(drv);
    net_bringup_reattach_all(drv);
    ship_default_network(drv, kf);
    g_info("loaded %u network definitions from '%s'", mv_domain_list_count(drv->networks), drv->config_dir);
    autostart_all(drv);

    MvProgram *remote = mv_daemon_remote_program();
    mv_program_add(remote, net_remote_rows, G_N_ELEMENTS(net_remote_rows));
    mv_program_add(remote, mv_network_events_rows, mv_network_events_nrows);
    mv_server_add_program(mv_daemon_server(d), remote);
    return true;
}

void
net_driver_shutdown(MvDaemon *d)
{
    NetDriver *drv = mv_daemon_driver(d);
    if (!drv)
        return;
    /* Networks keep running: their bridge, dnsmasq and table outlive the daemon. */
    mv_domain_list_free(drv->networks);
    g_hash_table_unref(drv->ports);
    g_clear_pointer(&drv->journal, mv_journal_close);
    g_free(drv->config_dir);
    g_free(drv->autostart_dir);
    g_free(drv->status_dir);
    g_free(drv->lib_dir);
    g_free(drv->dnsmasq);
    g_free(drv->dnsmasq_user);
    g_mutex_clear(&drv->lock);
    g_free(drv);
    mv_daemon_set_driver(d, NULL);
}
