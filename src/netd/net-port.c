// SPDX-License-Identifier: LGPL-2.1-or-later
// Network ports: a hypervisor daemon asks for one per guest interface (NETWORK_PORT_CREATE_XML,
// as libvirt's QEMU driver does), learns from the answer which bridge to plug its tap into,
// and deletes it when the guest stops.  Ports count as the network's connections.  Kept in
// memory; a restarted netd forgets them (deleting a forgotten port is not an error).

#include "net-driver.h"
#include "util/util-error.h"
#include "util/util-uuid.h"

#include <libxml/parser.h>
#include <string.h>

void
net_port_free(NetPort *port)
{
    if (!port)
        return;
    g_free(port->xml);
    g_free(port->owner_name);
    g_free(port->mac);
    g_free(port->bridge);
    g_free(port);
}

static char *
child_text(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && g_str_equal((const char *)c->name, name)) {
            xmlChar *t = xmlNodeGetContent(c);
            char *out = g_strstrip(g_strdup(t ? (const char *)t : ""));
            xmlFree(t);
            return out;
        }
    return NULL;
}

static char *
format_port(const NetPort *p, bool managed)
{
    char uuid[MV_UUID_STRING_BUFLEN], owner[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(p->uuid, uuid);
    mv_uuid_format(p->owner_uuid, owner);
    return g_strdup_printf("<networkport>\n  <uuid>%s</uuid>\n  <owner>\n    <name>%s</name>\n    <uuid>%s</uuid>\n"
                           "  </owner>\n  <mac address='%s'/>\n  <plug type='%s' bridge='%s'/>\n</networkport>\n",
                           uuid, p->owner_name, owner, p->mac, managed ? "network" : "bridge", p->bridge);
}

/* Read the port document's root into @p (uuid, owner, mac). */
static bool
parse_root(xmlNodePtr root, NetPort *p, GError **error)
{
    static const char *const known[] = { "uuid", "owner", "mac", "group", "rxfilters", "plug", "bandwidth", NULL };
    if (!root || !g_str_equal((const char *)root->name, "networkport")) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "expected a <networkport> document");
        return false;
    }
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !g_strv_contains(known, (const char *)c->name)) {
            mv_error_set(error, MV_FROM_NETWORK, MV_ERR_CONFIG_UNSUPPORTED, "<%s> in <networkport> is not supported",
                         (const char *)c->name);
            return false;
        }
    }
    g_autofree char *uuid = child_text(root, "uuid");
    if (uuid && mv_uuid_parse(uuid, p->uuid) < 0) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "invalid UUID '%s' in <networkport>", uuid);
        return false;
    }
    if (!uuid)
        mv_uuid_generate(p->uuid);
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (g_str_equal((const char *)c->name, "owner")) {
            p->owner_name = child_text(c, "name");
            g_autofree char *ou = child_text(c, "uuid");
            if (ou && mv_uuid_parse(ou, p->owner_uuid) < 0) {
                mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "invalid owner UUID '%s' in <networkport>", ou);
                return false;
            }
        } else if (g_str_equal((const char *)c->name, "mac")) {
            xmlChar *a = xmlGetNoNsProp(c, BAD_CAST "address");
            g_autofree char *text = g_strdup(a ? (const char *)a : "");
            xmlFree(a);
            guint8 mac[MV_MAC_BUFLEN];
            char canon[MV_MAC_STRING_BUFLEN];
            if (mv_mac_parse(text, mac) < 0) {
                mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "invalid MAC address '%s' in <networkport>", text);
                return false;
            }
            mv_mac_format(mac, canon);
            g_free(p->mac);
            p->mac = g_strdup(canon);
        }
    }
    if (!p->owner_name || !*p->owner_name || !p->mac) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "<networkport> needs <owner><name> and <mac address=>");
        return false;
    }
    return true;
}

/* Parse the client's port XML into @p. */
static bool
parse_port(const char *xml, NetPort *p, GError **error)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "networkport", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    bool ok = parse_root(doc ? xmlDocGetRootElement(doc) : NULL, p, error);
    if (doc)
        xmlFreeDoc(doc);
    return ok;
}

/* The ports table's key: the UUID's text form. */
static char *
port_key(const unsigned char *uuid)
{
    char text[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(uuid, text);
    return g_strdup(text);
}

static void
port_to_wire(const NetPort *p, const char *net_name, remote_nonnull_network_port *w)
{
    w->net.name = g_strdup(net_name);
    memcpy(w->net.uuid, p->net_uuid, 16);
    memcpy(w->uuid, p->uuid, 16);
}

bool
net_port_create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_port_create_xml_args *a = args;
    NetDriver *drv = net_driver_of(call);
    /* VIR_NETWORK_PORT_CREATE_RECLAIM (1): the port of a guest that already runs. */
    if (a->flags & ~1u) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG,
                     "unsupported flags (0x%x) in function virNetworkPortCreateXML", a->flags & ~1u);
        return false;
    }
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &a->network, error);
    if (!obj)
        return false;
    NetPort *p = g_new0(NetPort, 1);
    if (!parse_port(a->xml, p, error)) {
        net_port_free(p);
        return false;
    }
    mv_domain_obj_lock(obj);
    const MvNetworkDef *def = obj->def;
    bool ok = mv_domain_obj_is_active(obj);
    if (!ok)
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_INVALID, "network '%s' is not active", obj->name);
    g_autofree char *key = port_key(p->uuid);
    if (ok && g_hash_table_contains(drv->ports, key)) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_OPERATION_FAILED, "network port with this uuid already exists");
        ok = false;
    }
    if (ok) {
        memcpy(p->net_uuid, obj->uuid, 16);
        p->bridge = g_strdup(def->bridge);
        p->xml = format_port(p, mv_network_def_is_managed(def));
        ((NetRuntime *)obj->priv)->connections++;
        port_to_wire(p, obj->name, &((remote_network_port_ret *)ret)->port);
        g_hash_table_insert(drv->ports, g_steal_pointer(&key), p);
    } else {
        net_port_free(p);
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

static NetPort *
find_port(NetDriver *drv, const remote_nonnull_network_port *w, GError **error)
{
    g_autofree char *key = port_key((const unsigned char *)w->uuid);
    NetPort *p = g_hash_table_lookup(drv->ports, key);
    if (!p || memcmp(p->net_uuid, w->net.uuid, 16) != 0) {
        char uuid[MV_UUID_STRING_BUFLEN];
        mv_uuid_format((const unsigned char *)w->uuid, uuid);
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_NO_NETWORK, "network port not found: no port with matching uuid '%s'",
                     uuid);
        return NULL;
    }
    return p;
}

bool
net_port_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_port_lookup_by_uuid_args *a = args;
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    remote_nonnull_network_port w = { a->network, { 0 } };
    memcpy(w.uuid, a->uuid, 16);
    NetPort *p = find_port(drv, &w, error);
    if (!p)
        return false;
    port_to_wire(p, a->network.name, &((remote_network_port_ret *)ret)->port);
    return true;
}

bool
net_port_get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_port_flags_args *a = args;
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    NetPort *p = find_port(drv, &a->port, error);
    if (!p)
        return false;
    ((remote_network_get_xml_desc_ret *)ret)->xml = g_strdup(p->xml);
    return true;
}

bool
net_port_delete(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_port_flags_args *a = args;
    NetDriver *drv = net_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    NetPort *p = find_port(drv, &a->port, error);
    if (!p)
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_uuid(drv->networks, p->net_uuid);
    if (obj) {
        mv_domain_obj_lock(obj);
        NetRuntime *rt = obj->priv;
        if (rt && rt->connections > 0)
            rt->connections--;
        mv_domain_obj_unlock(obj);
    }
    g_autofree char *key = port_key(p->uuid);
    g_hash_table_remove(drv->ports, key);
    return true;
}

bool
net_list_all_ports(MvCall *call, void *args, void *ret, GError **error)
{
    remote_network_list_all_ports_args *a = args;
    remote_network_list_all_ports_ret *r = ret;
    NetDriver *drv = net_driver_of(call);
    if (a->flags) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_INVALID_ARG,
                     "unsupported flags (0x%x) in function virNetworkListAllPorts", a->flags);
        return false;
    }
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->lock);
    g_autoptr(MvDomainObj) obj = net_find(drv, &a->network, error);
    if (!obj)
        return false;
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(remote_nonnull_network_port));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, drv->ports);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        NetPort *p = value;
        if (memcmp(p->net_uuid, obj->uuid, 16) != 0)
            continue;
        remote_nonnull_network_port w;
        port_to_wire(p, obj->name, &w);
        g_array_append_val(out, w);
    }
    r->ret = out->len;
    if (a->need_results && out->len <= REMOTE_NETWORK_PORT_LIST_MAX) {
        r->ports.ports_len = out->len;
        r->ports.ports_val = (remote_nonnull_network_port *)(void *)g_array_free(g_steal_pointer(&out), FALSE);
    } else {
        for (guint i = 0; i < out->len; i++)
            g_free(g_array_index(out, remote_nonnull_network_port, i).net.name);
    }
    return true;
}
