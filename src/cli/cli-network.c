// SPDX-License-Identifier: LGPL-2.1-or-later
// The shell's virtual network verbs (net-*), printing what virsh prints.

#include "cli.h"

#include <time.h>

static void
net_free(virNetwork *net)
{
    if (net)
        virNetworkFree(net);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, net_free)

/* The network named by --network: a name, else a UUID, as virsh looks it up. */
static virNetworkPtr
net_opt(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = cli_args_string(args, "network");
    virNetworkPtr net = virNetworkLookupByName(ctl->conn, name);
    if (!net && strlen(name) == VIR_UUID_STRING_BUFLEN - 1) {
        cli_reset_lib_error();
        net = virNetworkLookupByUUIDString(ctl->conn, name);
    }
    if (!net)
        g_set_error(error, cli_error_quark(), 0, "failed to get network '%s'", name);
    return net;
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(virNetworkGetName(*(virNetworkPtr *)a), virNetworkGetName(*(virNetworkPtr *)b));
}

static bool
cmd_net_list(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } filters[] = {
        { "persistent", VIR_CONNECT_LIST_NETWORKS_PERSISTENT },
        { "transient", VIR_CONNECT_LIST_NETWORKS_TRANSIENT },
        { "autostart", VIR_CONNECT_LIST_NETWORKS_AUTOSTART },
        { "no-autostart", VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART },
    };
    unsigned int flags = VIR_CONNECT_LIST_NETWORKS_ACTIVE;
    if (cli_args_bool(args, "inactive"))
        flags = VIR_CONNECT_LIST_NETWORKS_INACTIVE;
    if (cli_args_bool(args, "all"))
        flags = VIR_CONNECT_LIST_NETWORKS_ACTIVE | VIR_CONNECT_LIST_NETWORKS_INACTIVE;
    for (size_t i = 0; i < G_N_ELEMENTS(filters); i++)
        if (cli_args_bool(args, filters[i].opt))
            flags |= filters[i].flag;
    virNetworkPtr *nets = NULL;
    int n = virConnectListAllNetworks(ctl->conn, &nets, flags);
    if (n < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to list networks");
        return false;
    }
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)net_free);
    for (int i = 0; i < n; i++)
        g_ptr_array_add(list, nets[i]);
    g_free(nets);
    g_ptr_array_sort(list, by_name);
    bool names = cli_args_bool(args, "name"), uuids = cli_args_bool(args, "uuid");
    if (names || uuids) {
        for (guint i = 0; i < list->len; i++) {
            char uuid[VIR_UUID_STRING_BUFLEN];
            virNetworkGetUUIDString(list->pdata[i], uuid);
            if (names && uuids)
                cli_print("%s  %s\n", uuid, virNetworkGetName(list->pdata[i]));
            else
                cli_print("%s\n", uuids ? uuid : virNetworkGetName(list->pdata[i]));
        }
        return true;
    }
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_ptr_array_add(rows, g_strsplit("Name State Autostart Persistent", " ", -1));
    for (guint i = 0; i < list->len; i++) {
        virNetworkPtr net = list->pdata[i];
        int autostart = 0;
        int active = virNetworkIsActive(net), persistent = virNetworkIsPersistent(net);
        bool have_autostart = virNetworkGetAutostart(net, &autostart) == 0;
        char **row = g_new0(char *, 5);
        row[0] = g_strdup(virNetworkGetName(net));
        row[1] = g_strdup(active > 0 ? "active" : "inactive");
        row[2] = g_strdup(!have_autostart ? "-" : autostart ? "yes" : "no");
        row[3] = g_strdup(persistent < 0 ? "-" : persistent ? "yes" : "no");
        g_ptr_array_add(rows, row);
    }
    cli_print_table(rows);
    return true;
}

static bool
cmd_net_info(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    char uuid[VIR_UUID_STRING_BUFLEN];
    virNetworkGetUUIDString(net, uuid);
    int active = virNetworkIsActive(net), persistent = virNetworkIsPersistent(net), autostart = 0;
    bool have_autostart = virNetworkGetAutostart(net, &autostart) == 0;
    cli_print("%-15s %s\n", "Name:", virNetworkGetName(net));
    cli_print("%-15s %s\n", "UUID:", uuid);
    if (active >= 0)
        cli_print("%-15s %s\n", "Active:", active ? "yes" : "no");
    if (persistent >= 0)
        cli_print("%-15s %s\n", "Persistent:", persistent ? "yes" : "no");
    cli_print("%-15s %s\n", "Autostart:", !have_autostart ? "no autostart" : autostart ? "yes" : "no");
    g_autofree char *bridge = virNetworkGetBridgeName(net);
    if (bridge)
        cli_print("%-15s %s\n", "Bridge:", bridge);
    else
        cli_reset_lib_error();
    return true;
}

static bool
cmd_net_dumpxml(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    g_autofree char *xml = virNetworkGetXMLDesc(net, cli_args_bool(args, "inactive") ? VIR_NETWORK_XML_INACTIVE : 0);
    if (!xml)
        return false;
    cli_print("%s", xml);
    return true;
}

static bool
from_file(CliCtl *ctl, const CliArgs *args, bool create, GError **error)
{
    const char *file = cli_args_string(args, "file");
    g_autofree char *xml = cli_read_file(file, error);
    if (!xml)
        return false;
    g_autoptr(virNetwork) net = create ? virNetworkCreateXML(ctl->conn, xml) : virNetworkDefineXML(ctl->conn, xml);
    if (!net) {
        g_set_error(error, cli_error_quark(), 0, "Failed to %s network from %s", create ? "create" : "define", file);
        return false;
    }
    cli_print("Network %s %s from %s\n", virNetworkGetName(net), create ? "created" : "defined", file);
    return true;
}

static bool
cmd_net_define(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return from_file(ctl, args, false, error);
}

static bool
cmd_net_create(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return from_file(ctl, args, true, error);
}

/* net-start, net-destroy, net-undefine: one call, one line. */
static bool
simple(CliCtl *ctl, const CliArgs *args, int (*fn)(virNetworkPtr), const char *fail, const char *done,
       GError **error)
{
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    if (fn(net) < 0) {
        g_set_error(error, cli_error_quark(), 0, fail, cli_args_string(args, "network"));
        return false;
    }
    cli_print(done, virNetworkGetName(net));
    return true;
}

static bool
cmd_net_start(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return simple(ctl, args, virNetworkCreate, "Failed to start network %s", "Network %s started\n", error);
}

static bool
cmd_net_destroy(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return simple(ctl, args, virNetworkDestroy, "Failed to destroy network %s", "Network %s destroyed\n", error);
}

static bool
cmd_net_undefine(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return simple(ctl, args, virNetworkUndefine, "Failed to undefine network %s",
                  "Network %s has been undefined\n", error);
}

static bool
cmd_net_autostart(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    bool off = cli_args_bool(args, "disable");
    if (virNetworkSetAutostart(net, !off) < 0) {
        g_set_error(error, cli_error_quark(), 0, off ? "failed to unmark network %s as autostarted"
                                                     : "failed to mark network %s as autostarted",
                    virNetworkGetName(net));
        return false;
    }
    cli_print(off ? "Network %s unmarked as autostarted\n" : "Network %s marked as autostarted\n",
              virNetworkGetName(net));
    return true;
}

static bool
cmd_net_uuid(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    char uuid[VIR_UUID_STRING_BUFLEN];
    virNetworkGetUUIDString(net, uuid);
    cli_print("%s\n", uuid);
    return true;
}

static bool
cmd_net_dhcp_leases(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    virNetworkDHCPLeasePtr *leases = NULL;
    int n = virNetworkGetDHCPLeases(net, cli_args_string(args, "mac"), &leases, 0);
    if (n < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to get leases info for %s", virNetworkGetName(net));
        return false;
    }
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    char **header = g_new0(char *, 7);
    const char *titles[] = { "Expiry Time", "MAC address", "Protocol", "IP address", "Hostname",
                             "Client ID or DUID" };
    for (int i = 0; i < 6; i++)
        header[i] = g_strdup(titles[i]);
    g_ptr_array_add(rows, header);
    for (int i = 0; i < n; i++) {
        virNetworkDHCPLeasePtr l = leases[i];
        time_t t = (time_t)l->expirytime;
        struct tm tm;
        char when[64];
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
        char **row = g_new0(char *, 7);
        row[0] = g_strdup(when);
        row[1] = g_strdup(l->mac ? l->mac : "-");
        row[2] = g_strdup(l->type == VIR_IP_ADDR_TYPE_IPV6 ? "ipv6" : "ipv4");
        row[3] = g_strdup_printf("%s/%u", l->ipaddr, l->prefix);
        row[4] = g_strdup(l->hostname ? l->hostname : "-");
        row[5] = g_strdup(l->clientid ? l->clientid : "-");
        g_ptr_array_add(rows, row);
        virNetworkDHCPLeaseFree(l);
    }
    g_free(leases);
    cli_print_table(rows);
    return true;
}

static bool
cmd_net_update(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const char *const commands[] = { "none", "modify", "delete", "add-last", "add-first", NULL };
    static const char *const sections[] = { "none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range",
                                            "forward", "forward-interface", "forward-pf", "portgroup", "dns-host",
                                            "dns-txt", "dns-srv", NULL };
    const char *command = cli_args_string(args, "command"), *section = cli_args_string(args, "section");
    int cmd = -1, sec = -1, parent = -1;
    for (int i = 1; commands[i]; i++)
        if (g_str_equal(commands[i], command) || (g_str_equal(command, "add") && i == 3))
            cmd = i;
    for (int i = 1; sections[i]; i++)
        if (g_str_equal(sections[i], section))
            sec = i;
    if (cmd < 0 || sec < 0) {
        g_set_error(error, cli_error_quark(), 0, "unrecognized %s '%s'", cmd < 0 ? "command name" : "section name",
                    cmd < 0 ? command : section);
        return false;
    }
    if (cli_args_string(args, "parent-index") && !cli_args_int(args, "parent-index", &parent, error))
        return false;
    const char *xml_arg = cli_args_string(args, "xml");
    g_autofree char *xml = xml_arg[0] == '<' ? g_strdup(xml_arg) : cli_read_file(xml_arg, error);
    if (!xml)
        return false;
    unsigned int flags = 0;
    if (cli_args_bool(args, "live"))
        flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
    if (cli_args_bool(args, "config"))
        flags |= VIR_NETWORK_UPDATE_AFFECT_CONFIG;
    g_autoptr(virNetwork) net = net_opt(ctl, args, error);
    if (!net)
        return false;
    if (virNetworkUpdate(net, (unsigned)cmd, (unsigned)sec, parent, xml, flags) < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to update network %s", virNetworkGetName(net));
        return false;
    }
    const char *what = flags == (VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG)
                           ? "persistent config and live state"
                       : flags == VIR_NETWORK_UPDATE_AFFECT_LIVE ? "live state"
                       : flags == VIR_NETWORK_UPDATE_AFFECT_CONFIG ? "persistent config" : NULL;
    if (what)
        cli_print("Updated network %s %s\n", virNetworkGetName(net), what);
    else
        cli_print("Updated network %s\n", virNetworkGetName(net));
    return true;
}

static const CliOpt network_opt[] = {
    { "network", CLI_OPT_DATA, CLI_OPT_REQUIRED, "network name or uuid" },
    { NULL },
};

static const CliOpt list_opts[] = {
    { "inactive", CLI_OPT_BOOL, 0, "list inactive networks" },
    { "all", CLI_OPT_BOOL, 0, "list inactive & active networks" },
    { "persistent", CLI_OPT_BOOL, 0, "list persistent networks" },
    { "transient", CLI_OPT_BOOL, 0, "list transient networks" },
    { "autostart", CLI_OPT_BOOL, 0, "list networks with autostart enabled" },
    { "no-autostart", CLI_OPT_BOOL, 0, "list networks with autostart disabled" },
    { "uuid", CLI_OPT_BOOL, 0, "list uuid's only" },
    { "name", CLI_OPT_BOOL, 0, "list network names only" },
    { NULL },
};

static const CliOpt dumpxml_opts[] = {
    { "network", CLI_OPT_DATA, CLI_OPT_REQUIRED, "network name or uuid" },
    { "inactive", CLI_OPT_BOOL, 0, "show inactive defined XML" },
    { NULL },
};

static const CliOpt file_opts[] = {
    { "file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML network description" },
    { NULL },
};

static const CliOpt autostart_opts[] = {
    { "network", CLI_OPT_DATA, CLI_OPT_REQUIRED, "network name or uuid" },
    { "disable", CLI_OPT_BOOL, 0, "disable autostarting" },
    { NULL },
};

static const CliOpt leases_opts[] = {
    { "network", CLI_OPT_DATA, CLI_OPT_REQUIRED, "network name or uuid" },
    { "mac", CLI_OPT_STRING, 0, "MAC address" },
    { NULL },
};

static const CliOpt update_opts[] = {
    { "network", CLI_OPT_DATA, CLI_OPT_REQUIRED, "network name or uuid" },
    { "command", CLI_OPT_DATA, CLI_OPT_REQUIRED, "type of update (add-first, add-last (add), delete, or modify)" },
    { "section", CLI_OPT_DATA, CLI_OPT_REQUIRED, "which section of network configuration to update" },
    { "xml", CLI_OPT_DATA, CLI_OPT_REQUIRED, "name of file containing xml (or, if it starts with '<', the complete "
                                             "text of the xml element) to add/modify, or to be matched for search" },
    { "parent-index", CLI_OPT_STRING, 0, "which parent object to search through" },
    { "config", CLI_OPT_BOOL, 0, "affect next network startup" },
    { "live", CLI_OPT_BOOL, 0, "affect running network" },
    { "current", CLI_OPT_BOOL, 0, "affect current state of network" },
    { NULL },
};

const CliCmd cli_network_cmds[] = {
    { "net-autostart", "autostart a network", "Configure a network to be automatically started at boot.",
      autostart_opts, cmd_net_autostart, 0 },
    { "net-create", "create a network from an XML file", "Create a network.", file_opts, cmd_net_create, 0 },
    { "net-define", "define an inactive persistent virtual network or modify an existing persistent one from an "
                    "XML file", "Define or modify a persistent virtual network.", file_opts, cmd_net_define, 0 },
    { "net-destroy", "destroy (stop) a network", "Forcefully stop a given network.", network_opt, cmd_net_destroy,
      0 },
    { "net-dhcp-leases", "print lease info for a given network", "Print lease info for a given network",
      leases_opts, cmd_net_dhcp_leases, 0 },
    { "net-dumpxml", "network information in XML", "Output the network information as an XML dump to stdout.",
      dumpxml_opts, cmd_net_dumpxml, 0 },
    { "net-info", "network information", "Returns basic information about the network", network_opt,
      cmd_net_info, 0 },
    { "net-list", "list networks", "Returns list of networks.", list_opts, cmd_net_list, 0 },
    { "net-start", "start a (previously defined) inactive network", "Start a network.", network_opt,
      cmd_net_start, 0 },
    { "net-undefine", "undefine a persistent network", "Undefine the configuration for a persistent network.",
      network_opt, cmd_net_undefine, 0 },
    { "net-update", "update parts of an existing network's configuration", "Update parts of an existing network.",
      update_opts, cmd_net_update, 0 },
    { "net-uuid", "convert a network name to network UUID", NULL, network_opt, cmd_net_uuid, 0 },
    { NULL },
};
