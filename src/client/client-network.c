// SPDX-License-Identifier: LGPL-2.1-or-later
// libmodvirt's virNetwork* entry points: each is one call of the network family on the
// connection (a hypervisor daemon relays them to modvirt-netd, the proxy routes
// network:///system there).  Errors are reported as everywhere in the library.

#include "client-private.h"
#include "util/util-error.h"
#include "util/util-uuid.h"

#include <string.h>

struct _virNetwork {
    guint32 magic;
    gint refs;                /* atomic */
    virConnectPtr conn;       /* holds a reference */
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
};

static virNetworkPtr
net_new(virConnectPtr conn, const remote_nonnull_network *n)
{
    virNetworkPtr net = g_new0(virNetwork, 1);
    net->magic = MV_CLIENT_NETWORK_MAGIC;
    net->refs = 1;
    mv_client_conn_ref(conn);
    net->conn = conn;
    net->name = g_strdup(n->name);
    memcpy(net->uuid, n->uuid, VIR_UUID_BUFLEN);
    return net;
}

static void
net_to_wire(virNetworkPtr net, remote_nonnull_network *w)
{
    w->name = net->name;
    memcpy(w->uuid, net->uuid, VIR_UUID_BUFLEN);
}

/* Start of every entry point taking a network. */
static bool
net_enter(virNetworkPtr net, const char *func, GError **error)
{
    if (!net || net->magic != MV_CLIENT_NETWORK_MAGIC) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG, "invalid network pointer in %s", func);
        return false;
    }
    return mv_client_enter(net->conn, func, error);
}

static void
net_report(virNetworkPtr net, const GError *error)
{
    mv_client_report(net && net->magic == MV_CLIENT_NETWORK_MAGIC ? net->conn : NULL, error);
}

static virNetworkPtr
net_lookup(virConnectPtr conn, int proc, xdrproc_t args_proc, const void *args, GError **error)
{
    remote_network_ret ret = { 0 };
    if (!mv_client_call(conn, proc, args_proc, args, (xdrproc_t)xdr_remote_network_ret, &ret, error))
        return NULL;
    virNetworkPtr net = net_new(conn, &ret.net);
    xdr_free((xdrproc_t)xdr_remote_network_ret, (char *)&ret);
    return net;
}

int
virConnectListAllNetworks(virConnectPtr conn, virNetworkPtr **nets, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_connect_list_all_networks_args args = { nets != NULL, flags };
    remote_connect_list_all_networks_ret ret = { 0 };
    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS,
                        (xdrproc_t)xdr_remote_connect_list_all_networks_args, &args,
                        (xdrproc_t)xdr_remote_connect_list_all_networks_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    if (nets) {
        virNetworkPtr *list = g_new0(virNetworkPtr, ret.nets.nets_len + 1);
        for (u_int i = 0; i < ret.nets.nets_len; i++)
            list[i] = net_new(conn, &ret.nets.nets_val[i]);
        *nets = list;
    }
    int n = (int)ret.ret;
    xdr_free((xdrproc_t)xdr_remote_connect_list_all_networks_ret, (char *)&ret);
    return n;
}

static int
count(virConnectPtr conn, int proc, const char *func)
{
    g_autoptr(GError) error = NULL;
    remote_int_ret ret = { 0 };
    if (!mv_client_enter(conn, func, &error) ||
        !mv_client_call(conn, proc, NULL, NULL, (xdrproc_t)xdr_remote_int_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    return ret.num;
}

int
virConnectNumOfNetworks(virConnectPtr conn)
{
    return count(conn, REMOTE_PROC_CONNECT_NUM_OF_NETWORKS, G_STRFUNC);
}

int
virConnectNumOfDefinedNetworks(virConnectPtr conn)
{
    return count(conn, REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS, G_STRFUNC);
}

virNetworkPtr
virNetworkLookupByName(virConnectPtr conn, const char *name)
{
    g_autoptr(GError) error = NULL;
    remote_network_lookup_by_name_args args = { (char *)name };
    virNetworkPtr net = NULL;
    if (!mv_client_enter(conn, G_STRFUNC, &error) || !mv_client_check_arg(name, G_STRFUNC, "name", &error) ||
        !(net = net_lookup(conn, REMOTE_PROC_NETWORK_LOOKUP_BY_NAME,
                           (xdrproc_t)xdr_remote_network_lookup_by_name_args, &args, &error)))
        mv_client_report(conn, error);
    return net;
}

virNetworkPtr
virNetworkLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    g_autoptr(GError) error = NULL;
    remote_network_lookup_by_uuid_args args;
    virNetworkPtr net = NULL;
    if (mv_client_enter(conn, G_STRFUNC, &error) && mv_client_check_arg(uuid, G_STRFUNC, "uuid", &error)) {
        memcpy(args.uuid, uuid, VIR_UUID_BUFLEN);
        net = net_lookup(conn, REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, (xdrproc_t)xdr_remote_network_lookup_by_uuid_args,
                         &args, &error);
    }
    if (!net)
        mv_client_report(conn, error);
    return net;
}

virNetworkPtr
virNetworkLookupByUUIDString(virConnectPtr conn, const char *uuidstr)
{
    g_autoptr(GError) error = NULL;
    guint8 uuid[VIR_UUID_BUFLEN];
    if (!mv_client_enter(conn, G_STRFUNC, &error) || !mv_client_check_arg(uuidstr, G_STRFUNC, "uuidstr", &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    if (mv_uuid_parse(uuidstr, uuid) < 0) {
        mv_error_set(&error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG, "invalid argument: uuidstr in %s", G_STRFUNC);
        mv_client_report(conn, error);
        return NULL;
    }
    return virNetworkLookupByUUID(conn, uuid);
}

static virNetworkPtr
from_xml(virConnectPtr conn, int proc, const char *xml, const char *func)
{
    g_autoptr(GError) error = NULL;
    remote_network_xml_args args = { (char *)xml };
    virNetworkPtr net = NULL;
    if (!mv_client_enter(conn, func, &error) || !mv_client_check_arg(xml, func, "xmlDesc", &error) ||
        !mv_client_check_writable(conn, func, &error) ||
        !(net = net_lookup(conn, proc, (xdrproc_t)xdr_remote_network_xml_args, &args, &error)))
        mv_client_report(conn, error);
    return net;
}

virNetworkPtr
virNetworkDefineXML(virConnectPtr conn, const char *xmlDesc)
{
    return from_xml(conn, REMOTE_PROC_NETWORK_DEFINE_XML, xmlDesc, G_STRFUNC);
}

virNetworkPtr
virNetworkCreateXML(virConnectPtr conn, const char *xmlDesc)
{
    return from_xml(conn, REMOTE_PROC_NETWORK_CREATE_XML, xmlDesc, G_STRFUNC);
}

/* A call whose only argument is the network and that answers nothing. */
static int
simple(virNetworkPtr network, int proc, const char *func, bool writes)
{
    g_autoptr(GError) error = NULL;
    remote_network_only_args args;
    if (!net_enter(network, func, &error) || (writes && !mv_client_check_writable(network->conn, func, &error))) {
        net_report(network, error);
        return -1;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, proc, (xdrproc_t)xdr_remote_network_only_args, &args, NULL, NULL, &error)) {
        net_report(network, error);
        return -1;
    }
    return 0;
}

int
virNetworkCreate(virNetworkPtr network)
{
    return simple(network, REMOTE_PROC_NETWORK_CREATE, G_STRFUNC, true);
}

int
virNetworkDestroy(virNetworkPtr network)
{
    return simple(network, REMOTE_PROC_NETWORK_DESTROY, G_STRFUNC, true);
}

int
virNetworkUndefine(virNetworkPtr network)
{
    return simple(network, REMOTE_PROC_NETWORK_UNDEFINE, G_STRFUNC, true);
}

/* A call whose only argument is the network and that answers an int. */
static int
query_int(virNetworkPtr network, int proc, const char *func, int *ret_value)
{
    g_autoptr(GError) error = NULL;
    remote_network_only_args args;
    remote_int_ret ret = { 0 };
    if (!net_enter(network, func, &error)) {
        net_report(network, error);
        return -1;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, proc, (xdrproc_t)xdr_remote_network_only_args, &args,
                        (xdrproc_t)xdr_remote_int_ret, &ret, &error)) {
        net_report(network, error);
        return -1;
    }
    *ret_value = ret.num;
    return 0;
}

int
virNetworkIsActive(virNetworkPtr net)
{
    int v = 0;
    return query_int(net, REMOTE_PROC_NETWORK_IS_ACTIVE, G_STRFUNC, &v) < 0 ? -1 : v;
}

int
virNetworkIsPersistent(virNetworkPtr net)
{
    int v = 0;
    return query_int(net, REMOTE_PROC_NETWORK_IS_PERSISTENT, G_STRFUNC, &v) < 0 ? -1 : v;
}

int
virNetworkGetAutostart(virNetworkPtr network, int *autostart)
{
    /* remote_network_get_autostart_ret has the layout of remote_int_ret: one int. */
    int v = 0;
    if (query_int(network, REMOTE_PROC_NETWORK_GET_AUTOSTART, G_STRFUNC, &v) < 0)
        return -1;
    if (autostart)
        *autostart = v;
    return 0;
}

int
virNetworkSetAutostart(virNetworkPtr network, int autostart)
{
    g_autoptr(GError) error = NULL;
    remote_network_set_autostart_args args = { .autostart = autostart };
    if (!net_enter(network, G_STRFUNC, &error) || !mv_client_check_writable(network->conn, G_STRFUNC, &error)) {
        net_report(network, error);
        return -1;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, REMOTE_PROC_NETWORK_SET_AUTOSTART,
                        (xdrproc_t)xdr_remote_network_set_autostart_args, &args, NULL, NULL, &error)) {
        net_report(network, error);
        return -1;
    }
    return 0;
}

int
virNetworkFree(virNetworkPtr network)
{
    g_autoptr(GError) error = NULL;
    if (!network || network->magic != MV_CLIENT_NETWORK_MAGIC) {
        mv_error_set(&error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG, "invalid network pointer in %s", G_STRFUNC);
        mv_client_report(NULL, error);
        return -1;
    }
    if (g_atomic_int_dec_and_test(&network->refs)) {
        network->magic = 0;
        mv_client_conn_unref(network->conn);
        g_free(network->name);
        g_free(network);
    }
    return 0;
}

const char *
virNetworkGetName(virNetworkPtr network)
{
    return network && network->magic == MV_CLIENT_NETWORK_MAGIC ? network->name : NULL;
}

int
virNetworkGetUUID(virNetworkPtr network, unsigned char *uuid)
{
    if (!network || network->magic != MV_CLIENT_NETWORK_MAGIC || !uuid)
        return -1;
    memcpy(uuid, network->uuid, VIR_UUID_BUFLEN);
    return 0;
}

int
virNetworkGetUUIDString(virNetworkPtr network, char *buf)
{
    if (!network || network->magic != MV_CLIENT_NETWORK_MAGIC || !buf)
        return -1;
    mv_uuid_format(network->uuid, buf);
    return 0;
}

char *
virNetworkGetXMLDesc(virNetworkPtr network, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_network_get_xml_desc_args args = { .flags = flags };
    remote_network_get_xml_desc_ret ret = { 0 };
    if (!net_enter(network, G_STRFUNC, &error)) {
        net_report(network, error);
        return NULL;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, REMOTE_PROC_NETWORK_GET_XML_DESC,
                        (xdrproc_t)xdr_remote_network_get_xml_desc_args, &args,
                        (xdrproc_t)xdr_remote_network_get_xml_desc_ret, &ret, &error)) {
        net_report(network, error);
        return NULL;
    }
    return ret.xml;
}

char *
virNetworkGetBridgeName(virNetworkPtr network)
{
    g_autoptr(GError) error = NULL;
    remote_network_only_args args;
    remote_network_get_bridge_name_ret ret = { 0 };
    if (!net_enter(network, G_STRFUNC, &error)) {
        net_report(network, error);
        return NULL;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, (xdrproc_t)xdr_remote_network_only_args,
                        &args, (xdrproc_t)xdr_remote_network_get_bridge_name_ret, &ret, &error)) {
        net_report(network, error);
        return NULL;
    }
    return ret.name;
}

int
virNetworkUpdate(virNetworkPtr network, unsigned int command, unsigned int section, int parentIndex,
                 const char *xml, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_network_update_args args = { .command = command, .section = section, .parentIndex = parentIndex,
                                        .xml = (char *)xml, .flags = flags };
    if (!net_enter(network, G_STRFUNC, &error) || !mv_client_check_arg(xml, G_STRFUNC, "xml", &error) ||
        !mv_client_check_writable(network->conn, G_STRFUNC, &error)) {
        net_report(network, error);
        return -1;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, REMOTE_PROC_NETWORK_UPDATE, (xdrproc_t)xdr_remote_network_update_args, &args,
                        NULL, NULL, &error)) {
        net_report(network, error);
        return -1;
    }
    return 0;
}

static char *
opt_dup(char **s)
{
    return s && *s ? g_strdup(*s) : NULL;
}

int
virNetworkGetDHCPLeases(virNetworkPtr network, const char *mac, virNetworkDHCPLeasePtr **leases, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_network_get_dhcp_leases_args args = { .mac = mac ? (char **)&mac : NULL, .need_results = leases != NULL,
                                                 .flags = flags };
    remote_network_get_dhcp_leases_ret ret = { 0 };
    if (!net_enter(network, G_STRFUNC, &error)) {
        net_report(network, error);
        return -1;
    }
    net_to_wire(network, &args.net);
    if (!mv_client_call(network->conn, REMOTE_PROC_NETWORK_GET_DHCP_LEASES,
                        (xdrproc_t)xdr_remote_network_get_dhcp_leases_args, &args,
                        (xdrproc_t)xdr_remote_network_get_dhcp_leases_ret, &ret, &error)) {
        net_report(network, error);
        return -1;
    }
    if (leases) {
        virNetworkDHCPLeasePtr *out = g_new0(virNetworkDHCPLeasePtr, ret.leases.leases_len + 1);
        for (u_int i = 0; i < ret.leases.leases_len; i++) {
            const remote_network_dhcp_lease *w = &ret.leases.leases_val[i];
            virNetworkDHCPLeasePtr l = g_new0(virNetworkDHCPLease, 1);
            l->iface = g_strdup(w->iface);
            l->expirytime = w->expirytime;
            l->type = w->type;
            l->mac = opt_dup(w->mac);
            l->iaid = opt_dup(w->iaid);
            l->ipaddr = g_strdup(w->ipaddr);
            l->prefix = w->prefix;
            l->hostname = opt_dup(w->hostname);
            l->clientid = opt_dup(w->clientid);
            out[i] = l;
        }
        *leases = out;
    }
    int n = (int)ret.ret;
    xdr_free((xdrproc_t)xdr_remote_network_get_dhcp_leases_ret, (char *)&ret);
    return n;
}

void
virNetworkDHCPLeaseFree(virNetworkDHCPLeasePtr lease)
{
    if (!lease)
        return;
    g_free(lease->iface);
    g_free(lease->mac);
    g_free(lease->iaid);
    g_free(lease->ipaddr);
    g_free(lease->hostname);
    g_free(lease->clientid);
    g_free(lease);
}
