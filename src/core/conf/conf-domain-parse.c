// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain XML -> MvDomainDef.  Strict on purpose: every element and attribute is checked
// against the list this file understands, so nothing a user writes is silently dropped.
// Defaults and cross-device checks that need the machine type live in conf-domain-defaults.c.

#include "conf/conf-domain.h"

#include <errno.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util/util-error.h"
#include "util/util-units.h"

/* Longest domain XML we accept.  libvirt's RPC caps a string at 4 MiB; a definition near
 * that is a mistake, not a guest. */
#define MAX_XML_BYTES (4 * 1024 * 1024)

/* Memory sizes in bytes above this are refused; it keeps every KiB count, and the byte
 * counts the drivers derive from it, inside a signed 64-bit integer. */
#define MAX_MEMORY_BYTES ((guint64)G_MAXINT64)

/* More vCPUs than any x86 machine type offers (q35: 288, with 4096 for future ones). */
#define MAX_VCPUS 4096

typedef int (*EnumFromString)(const char *name);

typedef struct {
    unsigned flags;
} Parser;

static bool
xml_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool
xml_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR, "%s", msg);
    return false;
}

static bool
unsupported(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool
unsupported(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_CONFIG_UNSUPPORTED, "%s", msg);
    return false;
}

static const char *
node_name(xmlNodePtr node)
{
    return (const char *)node->name;
}

static bool
is_element(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && g_str_equal(node_name(node), name);
}

/* The attribute @name as a g_free()able string, or NULL when absent. */
static char *
attr(xmlNodePtr node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, BAD_CAST name);
    if (!value)
        return NULL;
    char *copy = g_strdup((const char *)value);
    xmlFree(value);
    return copy;
}

/* The text content of @node (g_free()able, never NULL). */
static char *
text(xmlNodePtr node)
{
    xmlChar *value = xmlNodeGetContent(node);
    char *copy = g_strdup(value ? (const char *)value : "");
    xmlFree(value);
    return copy;
}

static bool
in_list(const char *name, const char *const *list)
{
    for (; list && *list; list++)
        if (g_str_equal(*list, name))
            return true;
    return false;
}

/* Devices libvirt knows and we do not implement: an honest "not supported" rather than
 * "unknown element". */
static const char *const known_unsupported_devices[] = {
    "filesystem", "hostdev", "channel", "sound", "hub", "redirdev", "redirfilter",
    "smartcard", "tpm", "panic", "shmem", "memory", "iommu", "vsock", "parallel", "lease",
    "crypto", "nvram", NULL,
};

/* Reject attributes of @node not in @attrs and element children not in @children (either
 * may be NULL for "none"); non-blank text is rejected unless @text_ok.  Error messages name
 * the element and the offender. */
static bool
check_node(xmlNodePtr node, const char *const *attrs, const char *const *children, bool text_ok,
           GError **error)
{
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (a->ns)
            return xml_error(error, "unsupported attribute '%s:%s' in <%s>", a->ns->prefix,
                             (const char *)a->name, node_name(node));
        if (!in_list((const char *)a->name, attrs))
            return xml_error(error, "unsupported attribute '%s' in <%s>", (const char *)a->name,
                             node_name(node));
    }
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (in_list(node_name(c), children))
                continue;
            if (g_str_equal(node_name(node), "devices") &&
                in_list(node_name(c), known_unsupported_devices))
                return unsupported(error, "device <%s> is not supported", node_name(c));
            return xml_error(error, "unsupported element <%s> in <%s>", node_name(c),
                             node_name(node));
        }
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !text_ok) {
            for (const xmlChar *p = c->content; p && *p; p++)
                if (!g_ascii_isspace(*p))
                    return xml_error(error, "unexpected text in <%s>", node_name(node));
        }
    }
    return true;
}

/* Walk the element children of @parent in order. */
#define FOREACH_CHILD(child, parent) \
    for (xmlNodePtr child = (parent)->children; child; child = child->next) \
        if (child->type == XML_ELEMENT_NODE)

/* The only <@name> child of @parent in *@ret_child (NULL when absent); two is an error. */
static bool
single_child(xmlNodePtr parent, const char *name, xmlNodePtr *ret_child, GError **error)
{
    xmlNodePtr found = NULL;
    FOREACH_CHILD(c, parent) {
        if (!g_str_equal(node_name(c), name))
            continue;
        if (found)
            return xml_error(error, "element <%s> appears more than once in <%s>", name,
                             node_name(parent));
        found = c;
    }
    *ret_child = found;
    return true;
}

/* An enum attribute; absent leaves *@ret untouched.  Value 0 of tristates ("absent") is
 * not accepted as input. */
static bool
enum_attr(xmlNodePtr node, const char *name, EnumFromString from, bool zero_ok, int *ret,
          GError **error)
{
    g_autofree char *value = attr(node, name);
    if (!value)
        return true;
    int v = from(value);
    if (v < 0 || (v == 0 && !zero_ok))
        return xml_error(error, "invalid value '%s' for attribute '%s' of <%s>", value, name,
                         node_name(node));
    *ret = v;
    return true;
}

static bool
tristate_attr(xmlNodePtr node, const char *name, bool yesno, MvTristate *ret, GError **error)
{
    int v = *ret;
    if (!enum_attr(node, name, yesno ? mv_tristate_yesno_from_string : mv_tristate_onoff_from_string,
                   false, &v, error))
        return false;
    *ret = v;
    return true;
}

/* Unsigned number with libvirt's base rules (decimal, 0x hex, leading-0 octal). */
static bool
parse_uint(const char *s, guint64 max, guint64 *ret)
{
    if (!s || !*s || s[0] == '-' || s[0] == '+' || g_ascii_isspace(s[0]))
        return false;
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(s, &end, 0);
    if (errno || !end || *end || v > max)
        return false;
    *ret = v;
    return true;
}

/* An unsigned attribute in [0, @max]; absent leaves *@ret untouched and sets *@ret_present
 * (if given) to false. */
static bool
uint_attr(xmlNodePtr node, const char *name, guint64 max, unsigned *ret, bool *ret_present,
          GError **error)
{
    g_autofree char *value = attr(node, name);
    if (ret_present)
        *ret_present = value != NULL;
    if (!value)
        return true;
    guint64 v;
    if (!parse_uint(value, max, &v))
        return xml_error(error, "invalid value '%s' for attribute '%s' of <%s>", value, name,
                         node_name(node));
    *ret = (unsigned)v;
    return true;
}

static bool
required_attr(xmlNodePtr node, const char *name, char **ret, GError **error)
{
    char *value = attr(node, name);
    if (!value || !*value) {
        g_free(value);
        return xml_error(error, "missing attribute '%s' in <%s>", name, node_name(node));
    }
    *ret = value;
    return true;
}

static bool
absolute_path(const char *path, const char *what, GError **error)
{
    if (!path || path[0] != '/')
        return xml_error(error, "%s '%s' must be an absolute path", what, path ? path : "");
    return true;
}

/* A memory element: number + unit, in KiB. */
static bool
parse_memory(xmlNodePtr node, guint64 *ret_kib, GError **error)
{
    static const char *const attrs[] = { "unit", "slots", "dumpCore", NULL };
    if (!check_node(node, attrs, NULL, true, error))
        return false;
    g_autofree char *dump = attr(node, "dumpCore");
    g_autofree char *slots = attr(node, "slots");
    if (slots && !g_str_equal(node_name(node), "maxMemory"))
        return xml_error(error, "unsupported attribute 'slots' in <%s>", node_name(node));
    if (dump)
        return unsupported(error, "attribute 'dumpCore' of <%s> is not supported", node_name(node));
    g_autofree char *unit = attr(node, "unit");
    g_autofree char *value = g_strstrip(text(node));
    guint64 number;
    int r = mv_units_parse_number(value, &number);
    if (r == -ERANGE)
        return xml_error(error, "value '%s' of <%s> is too large", value, node_name(node));
    if (r < 0)
        return xml_error(error, "invalid value '%s' for <%s>: expected a non-negative integer",
                         value, node_name(node));
    r = mv_units_to_kib(number, unit, MAX_MEMORY_BYTES, ret_kib);
    if (r == -EINVAL)
        return xml_error(error, "unknown unit '%s' for <%s>", unit, node_name(node));
    if (r < 0)
        return xml_error(error, "value '%s %s' of <%s> is too large", value, unit ? unit : "KiB",
                         node_name(node));
    return true;
}

static bool
parse_address(xmlNodePtr node, MvDomainAddress *addr, GError **error)
{
    g_autofree char *type = attr(node, "type");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <address>");
    int t = mv_domain_address_from_string(type);
    if (t <= MV_DOMAIN_ADDRESS_NONE)
        return unsupported(error, "address type '%s' is not supported", type);
    addr->type = t;
    switch (addr->type) {
    case MV_DOMAIN_ADDRESS_PCI: {
        static const char *const attrs[] = { "type", "domain", "bus", "slot", "function",
                                             "multifunction", NULL };
        return check_node(node, attrs, NULL, false, error) &&
               uint_attr(node, "domain", 0xffff, &addr->domain, NULL, error) &&
               uint_attr(node, "bus", 0xff, &addr->bus, NULL, error) &&
               uint_attr(node, "slot", 0x1f, &addr->slot, NULL, error) &&
               uint_attr(node, "function", 7, &addr->function, NULL, error) &&
               tristate_attr(node, "multifunction", false, &addr->multifunction, error) &&
               (addr->domain == 0 ||
                unsupported(error, "PCI domain 0x%04x is not supported", addr->domain));
    }
    case MV_DOMAIN_ADDRESS_DRIVE: {
        static const char *const attrs[] = { "type", "controller", "bus", "target", "unit", NULL };
        return check_node(node, attrs, NULL, false, error) &&
               uint_attr(node, "controller", G_MAXINT16, &addr->controller, NULL, error) &&
               uint_attr(node, "bus", G_MAXINT16, &addr->drive_bus, NULL, error) &&
               uint_attr(node, "target", G_MAXINT16, &addr->target, NULL, error) &&
               uint_attr(node, "unit", G_MAXINT16, &addr->unit, NULL, error);
    }
    case MV_DOMAIN_ADDRESS_USB: {
        static const char *const attrs[] = { "type", "bus", "port", NULL };
        if (!check_node(node, attrs, NULL, false, error) ||
            !uint_attr(node, "bus", G_MAXINT16, &addr->usb_bus, NULL, error))
            return false;
        addr->usb_port = attr(node, "port");
        if (addr->usb_port) {
            /* Dotted hub path: "1", "1.2", each hop 1..255. */
            g_auto(GStrv) hops = g_strsplit(addr->usb_port, ".", -1);
            for (char **h = hops; *h; h++) {
                guint64 v;
                if (!parse_uint(*h, 255, &v) || v == 0)
                    return xml_error(error, "invalid USB port '%s' in <address>", addr->usb_port);
            }
        }
        return true;
    }
    case MV_DOMAIN_ADDRESS_NONE:
    case MV_DOMAIN_ADDRESS_LAST:
        break;
    }
    return true;
}

/* The children every device may have: <alias>, <address>, <boot>. */
static bool
parse_device_info(Parser *p, xmlNodePtr node, const char *what, bool bootable,
                  MvDomainDeviceInfo *info, GError **error)
{
    xmlNodePtr alias, address, boot;
    if (!single_child(node, "alias", &alias, error) ||
        !single_child(node, "address", &address, error) ||
        !single_child(node, "boot", &boot, error))
        return false;
    if (alias) {
        static const char *const attrs[] = { "name", NULL };
        if (!check_node(alias, attrs, NULL, false, error) ||
            !required_attr(alias, "name", &info->alias, error))
            return false;
        if (!(p->flags & MV_DOMAIN_PARSE_LIVE) && !g_str_has_prefix(info->alias, "ua-"))
            return xml_error(error, "alias '%s' of <%s>: user aliases must start with 'ua-'",
                             info->alias, what);
        for (const char *c = info->alias; *c; c++)
            if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
                return xml_error(error, "alias '%s' of <%s> contains invalid characters",
                                 info->alias, what);
    }
    if (address && !parse_address(address, &info->addr, error))
        return false;
    if (boot) {
        static const char *const attrs[] = { "order", NULL };
        bool present = false;
        if (!bootable)
            return unsupported(error, "<boot> is not supported for <%s>", what);
        if (!check_node(boot, attrs, NULL, false, error) ||
            !uint_attr(boot, "order", G_MAXINT16, &info->boot_order, &present, error))
            return false;
        if (!present || info->boot_order == 0)
            return xml_error(error, "<boot> of <%s> needs an order of 1 or more", what);
    }
    return true;
}

static bool
parse_disk(Parser *p, xmlNodePtr node, MvDomainDisk **ret_disk, GError **error)
{
    static const char *const attrs[] = { "type", "device", NULL };
    static const char *const children[] = { "driver", "source", "target", "readonly", "shareable",
                                            "serial", "boot", "address", "alias", NULL };
    g_autoptr(MvDomainDisk) disk = g_new0(MvDomainDisk, 1);
    if (!check_node(node, attrs, children, false, error))
        return false;

    g_autofree char *type = attr(node, "type");
    g_autofree char *device = attr(node, "device");
    int v = type ? mv_domain_disk_type_from_string(type) : MV_DOMAIN_DISK_TYPE_FILE;
    if (v < 0)
        return unsupported(error, "disk type '%s' is not supported", type);
    disk->type = v;
    v = device ? mv_domain_disk_device_from_string(device) : MV_DOMAIN_DISK_DEVICE_DISK;
    if (v < 0)
        return unsupported(error, "disk device '%s' is not supported", device);
    disk->device = v;

    xmlNodePtr driver, source, target, readonly, shareable, serial;
    if (!single_child(node, "driver", &driver, error) ||
        !single_child(node, "source", &source, error) ||
        !single_child(node, "target", &target, error) ||
        !single_child(node, "readonly", &readonly, error) ||
        !single_child(node, "shareable", &shareable, error) ||
        !single_child(node, "serial", &serial, error))
        return false;

    if (!target)
        return xml_error(error, "missing <target> in <disk>");
    static const char *const target_attrs[] = { "dev", "bus", NULL };
    if (!check_node(target, target_attrs, NULL, false, error) ||
        !required_attr(target, "dev", &disk->target, error))
        return false;
    size_t plen;
    unsigned index;
    if (mv_domain_disk_name_index(disk->target, &plen, &index) < 0)
        return xml_error(error, "invalid target dev '%s' in <disk>", disk->target);
    g_autofree char *bus = attr(target, "bus");
    if (bus) {
        v = mv_domain_disk_bus_from_string(bus);
        if (v <= MV_DOMAIN_DISK_BUS_NONE)
            return unsupported(error, "disk bus '%s' of disk '%s' is not supported", bus,
                               disk->target);
        disk->bus = v;
    }

    if (driver) {
        static const char *const driver_attrs[] = { "name", "type", "cache", "discard", NULL };
        g_autofree char *format = attr(driver, "type");
        int cache = 0, discard = 0;
        if (!check_node(driver, driver_attrs, NULL, false, error))
            return false;
        disk->driver_name = attr(driver, "name");
        if (disk->driver_name && !g_str_equal(disk->driver_name, "qemu"))
            return unsupported(error, "driver name '%s' of disk '%s' is not supported",
                               disk->driver_name, disk->target);
        if (format) {
            v = mv_domain_disk_format_from_string(format);
            if (v <= MV_DOMAIN_DISK_FORMAT_NONE)
                return unsupported(error, "format '%s' of disk '%s' is not supported", format,
                                   disk->target);
            disk->format = v;
        }
        if (!enum_attr(driver, "cache", mv_domain_disk_cache_from_string, false, &cache, error) ||
            !enum_attr(driver, "discard", mv_domain_disk_discard_from_string, false, &discard,
                       error))
            return false;
        disk->cache = cache;
        disk->discard = discard;
    }

    if (source) {
        static const char *const source_attrs[] = { "file", "dev", NULL };
        const char *want = disk->type == MV_DOMAIN_DISK_TYPE_FILE ? "file" : "dev";
        const char *other = disk->type == MV_DOMAIN_DISK_TYPE_FILE ? "dev" : "file";
        g_autofree char *wrong = attr(source, other);
        if (!check_node(source, source_attrs, NULL, false, error))
            return false;
        if (wrong)
            return xml_error(error, "disk '%s' of type '%s' takes <source %s=>, not %s=",
                             disk->target, mv_domain_disk_type_to_string(disk->type), want, other);
        disk->src = attr(source, want);
        if (disk->src && !absolute_path(disk->src, "disk source", error))
            return false;
    }
    if (!disk->src && disk->device != MV_DOMAIN_DISK_DEVICE_CDROM)
        return xml_error(error, "disk '%s' has no source", disk->target);

    if (readonly && !check_node(readonly, NULL, NULL, false, error))
        return false;
    if (shareable && !check_node(shareable, NULL, NULL, false, error))
        return false;
    disk->readonly = readonly != NULL;
    disk->shareable = shareable != NULL;
    if (serial) {
        if (!check_node(serial, NULL, NULL, true, error))
            return false;
        disk->serial = text(serial);
        for (const char *c = disk->serial; *c; c++)
            if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != ' ' && *c != '.')
                return xml_error(error, "invalid serial '%s' of disk '%s'", disk->serial,
                                 disk->target);
    }

    if (!parse_device_info(p, node, "disk", true, &disk->info, error))
        return false;
    *ret_disk = g_steal_pointer(&disk);
    return true;
}

static bool
parse_controller(Parser *p, xmlNodePtr node, MvDomainController **ret_ctrl, GError **error)
{
    static const char *const attrs[] = { "type", "index", "model", NULL };
    static const char *const children[] = { "model", "target", "address", "alias", NULL };
    g_autoptr(MvDomainController) ctrl = g_new0(MvDomainController, 1);
    ctrl->model = -1;
    ctrl->chassis = -1;
    ctrl->port = -1;
    ctrl->index = -1;
    if (!check_node(node, attrs, children, false, error))
        return false;

    g_autofree char *type = attr(node, "type");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <controller>");
    int v = mv_domain_controller_from_string(type);
    if (v < 0)
        return unsupported(error, "controller type '%s' is not supported", type);
    ctrl->type = v;

    bool present;
    unsigned index = 0;
    if (!uint_attr(node, "index", G_MAXINT16, &index, &present, error))
        return false;
    if (present)
        ctrl->index = (int)index;

    g_autofree char *model = attr(node, "model");
    if (model) {
        EnumFromString from = NULL;
        switch (ctrl->type) {
        case MV_DOMAIN_CONTROLLER_USB: from = mv_domain_usb_model_from_string; break;
        case MV_DOMAIN_CONTROLLER_SCSI: from = mv_domain_scsi_model_from_string; break;
        case MV_DOMAIN_CONTROLLER_PCI: from = mv_domain_pci_model_from_string; break;
        default: break;
        }
        ctrl->model = from ? from(model) : -1;
        if (ctrl->model < 0)
            return unsupported(error, "model '%s' of controller type '%s' is not supported", model,
                               type);
    }
    if (ctrl->type == MV_DOMAIN_CONTROLLER_PCI && ctrl->model < 0)
        return xml_error(error, "missing attribute 'model' in <controller type='pci'>");

    xmlNodePtr model_node, target;
    if (!single_child(node, "model", &model_node, error) ||
        !single_child(node, "target", &target, error))
        return false;
    if ((model_node || target) && ctrl->type != MV_DOMAIN_CONTROLLER_PCI)
        return unsupported(error, "<%s> is not supported in <controller type='%s'>",
                           model_node ? "model" : "target", type);
    if (model_node) {
        static const char *const model_attrs[] = { "name", NULL };
        if (!check_node(model_node, model_attrs, NULL, false, error) ||
            !required_attr(model_node, "name", &ctrl->model_name, error))
            return false;
        const char *expect = ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT ? "pcie-root-port"
                           : ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE ? "pcie-pci-bridge"
                           : NULL;
        if (!expect || !g_str_equal(ctrl->model_name, expect))
            return unsupported(error, "model name '%s' of PCI controller '%s' is not supported",
                               ctrl->model_name, model);
    }
    if (target) {
        static const char *const target_attrs[] = { "chassis", "port", NULL };
        unsigned chassis = 0, port = 0;
        bool has_chassis, has_port;
        if (ctrl->model != MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT)
            return unsupported(error, "<target> is not supported for PCI controller '%s'", model);
        if (!check_node(target, target_attrs, NULL, false, error) ||
            !uint_attr(target, "chassis", 255, &chassis, &has_chassis, error) ||
            !uint_attr(target, "port", 255, &port, &has_port, error))
            return false;
        ctrl->chassis = has_chassis ? (int)chassis : -1;
        ctrl->port = has_port ? (int)port : -1;
    }
    if (!parse_device_info(p, node, "controller", false, &ctrl->info, error))
        return false;
    *ret_ctrl = g_steal_pointer(&ctrl);
    return true;
}

static bool
parse_interface(Parser *p, xmlNodePtr node, MvDomainNet **ret_net, GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    static const char *const children[] = { "mac", "source", "target", "model", "boot", "address",
                                            "alias", NULL };
    g_autoptr(MvDomainNet) net = g_new0(MvDomainNet, 1);
    if (!check_node(node, attrs, children, false, error))
        return false;
    g_autofree char *type = attr(node, "type");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <interface>");
    int v = mv_domain_net_from_string(type);
    if (v < 0)
        return unsupported(error, "interface type '%s' is not supported", type);
    net->type = v;

    xmlNodePtr mac, source, target, model;
    if (!single_child(node, "mac", &mac, error) || !single_child(node, "source", &source, error) ||
        !single_child(node, "target", &target, error) || !single_child(node, "model", &model, error))
        return false;
    if (mac) {
        static const char *const mac_attrs[] = { "address", NULL };
        g_autofree char *address = NULL;
        if (!check_node(mac, mac_attrs, NULL, false, error) ||
            !required_attr(mac, "address", &address, error))
            return false;
        if (mv_mac_parse(address, net->mac) < 0)
            return xml_error(error, "invalid MAC address '%s' in <interface>", address);
        if (net->mac[0] & 1)
            return xml_error(error, "expected a unicast MAC address, found multicast '%s'",
                             address);
        net->mac_set = true;
    }

    const char *source_attr = net->type == MV_DOMAIN_NET_NETWORK ? "network"
                            : net->type == MV_DOMAIN_NET_BRIDGE ? "bridge" : NULL;
    if (source) {
        const char *const source_attrs[] = { source_attr, NULL };
        if (!source_attr)
            return unsupported(error, "<source> is not supported for interface type '%s'", type);
        if (!check_node(source, source_attrs, NULL, false, error))
            return false;
        net->source = attr(source, source_attr);
    }
    if (source_attr && (!net->source || !*net->source))
        return xml_error(error, "interface of type '%s' needs <source %s=>", type, source_attr);
    if (target) {
        static const char *const target_attrs[] = { "dev", NULL };
        if (!check_node(target, target_attrs, NULL, false, error) ||
            !required_attr(target, "dev", &net->target_dev, error))
            return false;
        /* IFNAMSIZ - 1 characters, no '/' and not "." or "..". */
        if (strlen(net->target_dev) > 15 || strchr(net->target_dev, '/') ||
            g_str_equal(net->target_dev, ".") || g_str_equal(net->target_dev, ".."))
            return xml_error(error, "invalid target dev '%s' in <interface>", net->target_dev);
    }
    if (model) {
        static const char *const model_attrs[] = { "type", NULL };
        g_autofree char *mtype = NULL;
        if (!check_node(model, model_attrs, NULL, false, error) ||
            !required_attr(model, "type", &mtype, error))
            return false;
        v = mv_domain_net_model_from_string(mtype);
        if (v <= MV_DOMAIN_NET_MODEL_NONE)
            return unsupported(error, "interface model '%s' is not supported", mtype);
        net->model = v;
    }
    if (!parse_device_info(p, node, "interface", true, &net->info, error))
        return false;
    *ret_net = g_steal_pointer(&net);
    return true;
}

static bool
parse_chr(Parser *p, xmlNodePtr node, bool console, MvDomainChr **ret_chr, GError **error)
{
    static const char *const attrs[] = { "type", "tty", NULL };
    static const char *const children[] = { "source", "target", "alias", NULL };
    const char *what = node_name(node);
    g_autoptr(MvDomainChr) chr = g_new0(MvDomainChr, 1);
    chr->target_port = -1;
    chr->mode = MV_DOMAIN_CHR_MODE_CONNECT;
    if (!check_node(node, attrs, children, false, error))
        return false;

    g_autofree char *type = attr(node, "type");
    int v = type ? mv_domain_chr_from_string(type) : MV_DOMAIN_CHR_PTY;
    if (v < 0)
        return unsupported(error, "<%s> type '%s' is not supported", what, type);
    chr->type = v;

    xmlNodePtr source, target;
    if (!single_child(node, "source", &source, error) || !single_child(node, "target", &target, error))
        return false;
    if (source) {
        static const char *const src_attrs[] = { "path", "mode", "append", NULL };
        int mode = chr->mode;
        if (!check_node(source, src_attrs, NULL, false, error))
            return false;
        g_autofree char *mode_s = attr(source, "mode");
        g_autofree char *append_s = attr(source, "append");
        if (mode_s && chr->type != MV_DOMAIN_CHR_UNIX)
            return xml_error(error, "attribute 'mode' of <source> is only valid for type 'unix' <%s>",
                             what);
        if (append_s && chr->type != MV_DOMAIN_CHR_FILE)
            return xml_error(error, "attribute 'append' of <source> is only valid for type 'file' <%s>",
                             what);
        if (!enum_attr(source, "mode", mv_domain_chr_mode_from_string, true, &mode, error) ||
            !tristate_attr(source, "append", false, &chr->append, error))
            return false;
        chr->mode = mode;
        chr->path = attr(source, "path");
        /* A pty's path is assigned when the guest starts; only live XML carries one. */
        if (chr->type == MV_DOMAIN_CHR_PTY && !(p->flags & MV_DOMAIN_PARSE_LIVE))
            g_clear_pointer(&chr->path, g_free);
    }
    if (chr->type != MV_DOMAIN_CHR_PTY) {
        if (!chr->path || !*chr->path)
            return xml_error(error, "<%s> of type '%s' needs <source path=>", what, type);
        if (!absolute_path(chr->path, "character device path", error))
            return false;
    }
    if (target) {
        static const char *const target_attrs[] = { "type", "port", NULL };
        static const char *const target_children[] = { "model", NULL };
        unsigned port = 0;
        bool has_port;
        if (!check_node(target, target_attrs, target_children, false, error) ||
            !uint_attr(target, "port", 255, &port, &has_port, error))
            return false;
        chr->target_port = has_port ? (int)port : -1;
        g_autofree char *ttype = attr(target, "type");
        if (ttype) {
            v = mv_domain_chr_target_from_string(ttype);
            MvDomainChrTarget want = console ? MV_DOMAIN_CHR_TARGET_SERIAL
                                             : MV_DOMAIN_CHR_TARGET_ISA_SERIAL;
            if (v != (int)want)
                return unsupported(error, "<%s> target type '%s' is not supported", what, ttype);
            chr->target_type = v;
        }
        xmlNodePtr model;
        if (!single_child(target, "model", &model, error))
            return false;
        if (model) {
            static const char *const model_attrs[] = { "name", NULL };
            g_autofree char *name = NULL;
            if (console)
                return xml_error(error, "unsupported element <model> in <target> of <console>");
            if (!check_node(model, model_attrs, NULL, false, error) ||
                !required_attr(model, "name", &name, error))
                return false;
            if (!g_str_equal(name, "isa-serial"))
                return unsupported(error, "serial model '%s' is not supported", name);
        }
    }
    g_autofree char *tty = attr(node, "tty");
    if (tty && (!console || chr->type != MV_DOMAIN_CHR_PTY))
        return xml_error(error, "attribute 'tty' is only valid on a type 'pty' <console>");
    if (!parse_device_info(p, node, what, false, &chr->info, error))
        return false;
    *ret_chr = g_steal_pointer(&chr);
    return true;
}

static bool
parse_input(Parser *p, xmlNodePtr node, MvDomainInput **ret_input, GError **error)
{
    static const char *const attrs[] = { "type", "bus", NULL };
    static const char *const children[] = { "address", "alias", NULL };
    g_autoptr(MvDomainInput) input = g_new0(MvDomainInput, 1);
    if (!check_node(node, attrs, children, false, error))
        return false;
    g_autofree char *type = attr(node, "type");
    g_autofree char *bus = attr(node, "bus");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <input>");
    int v = mv_domain_input_from_string(type);
    if (v < 0)
        return unsupported(error, "input type '%s' is not supported", type);
    input->type = v;
    if (bus) {
        v = mv_domain_input_bus_from_string(bus);
        if (v <= MV_DOMAIN_INPUT_BUS_NONE)
            return unsupported(error, "input bus '%s' is not supported", bus);
        input->bus = v;
    }
    if (input->type == MV_DOMAIN_INPUT_TABLET && input->bus == MV_DOMAIN_INPUT_BUS_PS2)
        return xml_error(error, "ps2 bus does not support tablet input device");
    if (!parse_device_info(p, node, "input", false, &input->info, error))
        return false;
    *ret_input = g_steal_pointer(&input);
    return true;
}

static bool
parse_graphics(Parser *p, xmlNodePtr node, MvDomainGraphics **ret_graphics, GError **error)
{
    static const char *const attrs[] = { "type", "port", "autoport", "listen", "passwd", "keymap",
                                         NULL };
    static const char *const children[] = { "listen", NULL };
    g_autoptr(MvDomainGraphics) gr = g_new0(MvDomainGraphics, 1);
    g_autofree char *type = attr(node, "type");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <graphics>");
    int v = mv_domain_graphics_from_string(type);
    if (v < 0)
        return unsupported(error, "graphics type '%s' is not supported", type);
    gr->type = v;
    if (!check_node(node, attrs, children, false, error))
        return false;

    g_autofree char *port = attr(node, "port");
    gr->port = -1;
    if (port && !g_str_equal(port, "-1")) {
        guint64 n;
        if (!parse_uint(port, 65535, &n) || (n != 0 && n < 5900))
            return xml_error(error, "invalid VNC port '%s' in <graphics>: expected -1 or 5900..65535",
                             port);
        gr->port = n ? (int)n : -1;
    }
    MvTristate autoport = MV_TRISTATE_ABSENT;
    if (!tristate_attr(node, "autoport", true, &autoport, error))
        return false;
    gr->autoport = autoport == MV_TRISTATE_ON || (autoport == MV_TRISTATE_ABSENT && gr->port < 0);
    if (autoport == MV_TRISTATE_OFF && gr->port < 0)
        return xml_error(error, "<graphics> with autoport='no' needs a port");
    /* Before start, an automatic port is not a port yet. */
    if (gr->autoport && !(p->flags & MV_DOMAIN_PARSE_LIVE))
        gr->port = -1;

    gr->listen = attr(node, "listen");
    gr->passwd = attr(node, "passwd");
    gr->keymap = attr(node, "keymap");
    bool first = true;
    FOREACH_CHILD(l, node) {
        static const char *const listen_attrs[] = { "type", "address", NULL };
        if (!first)
            return unsupported(error, "more than one <listen> in <graphics> is not supported");
        first = false;
        if (!check_node(l, listen_attrs, NULL, false, error))
            return false;
        g_autofree char *ltype = attr(l, "type");
        g_autofree char *address = attr(l, "address");
        if (!ltype || !g_str_equal(ltype, "address"))
            return unsupported(error, "<listen type='%s'> in <graphics> is not supported",
                               ltype ? ltype : "");
        if (gr->listen && address && !g_str_equal(gr->listen, address))
            return xml_error(error, "graphics 'listen' attribute '%s' must match 'address' "
                             "attribute of first listen element (found '%s')", gr->listen, address);
        if (!gr->listen)
            gr->listen = g_steal_pointer(&address);
    }
    *ret_graphics = g_steal_pointer(&gr);
    return true;
}

static bool
parse_video(Parser *p, xmlNodePtr node, MvDomainVideo **ret_video, GError **error)
{
    static const char *const children[] = { "model", "address", "alias", NULL };
    static const char *const model_attrs[] = { "type", "vram", "heads", "primary", NULL };
    g_autoptr(MvDomainVideo) video = g_new0(MvDomainVideo, 1);
    if (!check_node(node, NULL, children, false, error))
        return false;
    xmlNodePtr model;
    if (!single_child(node, "model", &model, error))
        return false;
    if (model) {
        g_autofree char *type = NULL;
        MvTristate primary = MV_TRISTATE_ABSENT;
        if (!check_node(model, model_attrs, NULL, false, error) ||
            !required_attr(model, "type", &type, error))
            return false;
        int v = mv_domain_video_from_string(type);
        if (v < 0)
            return unsupported(error, "video model '%s' is not supported", type);
        video->model = v;
        if (!uint_attr(model, "vram", G_MAXINT32, &video->vram_kib, NULL, error) ||
            !uint_attr(model, "heads", 16, &video->heads, NULL, error) ||
            !tristate_attr(model, "primary", true, &primary, error))
            return false;
        video->primary = primary == MV_TRISTATE_ON;
    } else {
        /* <video/> alone: the machine's default model, filled with the rest. */
        video->model = MV_DOMAIN_VIDEO_LAST;
    }
    if (!parse_device_info(p, node, "video", false, &video->info, error))
        return false;
    *ret_video = g_steal_pointer(&video);
    return true;
}

static bool
parse_memballoon(Parser *p, xmlNodePtr node, MvDomainMemballoon **ret_balloon, GError **error)
{
    static const char *const attrs[] = { "model", "autodeflate", NULL };
    static const char *const children[] = { "address", "alias", NULL };
    g_autoptr(MvDomainMemballoon) balloon = g_new0(MvDomainMemballoon, 1);
    g_autofree char *model = NULL;
    if (!check_node(node, attrs, children, false, error) ||
        !required_attr(node, "model", &model, error))
        return false;
    int v = mv_domain_memballoon_from_string(model);
    if (v < 0)
        return unsupported(error, "memballoon model '%s' is not supported", model);
    balloon->model = v;
    if (!tristate_attr(node, "autodeflate", false, &balloon->autodeflate, error) ||
        !parse_device_info(p, node, "memballoon", false, &balloon->info, error))
        return false;
    if (balloon->model == MV_DOMAIN_MEMBALLOON_NONE &&
        (balloon->info.addr.type || balloon->autodeflate))
        return xml_error(error, "memballoon model 'none' takes no address or autodeflate");
    *ret_balloon = g_steal_pointer(&balloon);
    return true;
}

static bool
parse_rng(Parser *p, xmlNodePtr node, MvDomainRng **ret_rng, GError **error)
{
    static const char *const attrs[] = { "model", NULL };
    static const char *const children[] = { "backend", "address", "alias", NULL };
    static const char *const backend_attrs[] = { "model", NULL };
    g_autoptr(MvDomainRng) rng = g_new0(MvDomainRng, 1);
    g_autofree char *model = NULL, *bmodel = NULL;
    xmlNodePtr backend;
    if (!check_node(node, attrs, children, false, error) ||
        !required_attr(node, "model", &model, error))
        return false;
    if (!g_str_equal(model, "virtio"))
        return unsupported(error, "rng model '%s' is not supported", model);
    if (!single_child(node, "backend", &backend, error))
        return false;
    if (!backend)
        return xml_error(error, "missing <backend> in <rng>");
    if (!check_node(backend, backend_attrs, NULL, true, error) ||
        !required_attr(backend, "model", &bmodel, error))
        return false;
    if (!g_str_equal(bmodel, "random"))
        return unsupported(error, "rng backend model '%s' is not supported", bmodel);
    g_autofree char *path = g_strstrip(text(backend));
    if (*path) {
        if (!absolute_path(path, "rng backend", error))
            return false;
        rng->backend_path = g_steal_pointer(&path);
    }
    if (!parse_device_info(p, node, "rng", false, &rng->info, error))
        return false;
    *ret_rng = g_steal_pointer(&rng);
    return true;
}

static bool
parse_watchdog(Parser *p, xmlNodePtr node, MvDomainWatchdog **ret_watchdog, GError **error)
{
    static const char *const attrs[] = { "model", "action", NULL };
    static const char *const children[] = { "address", "alias", NULL };
    g_autoptr(MvDomainWatchdog) wd = g_new0(MvDomainWatchdog, 1);
    g_autofree char *model = NULL, *action = NULL;
    if (!check_node(node, attrs, children, false, error) ||
        !required_attr(node, "model", &model, error))
        return false;
    int v = mv_domain_watchdog_from_string(model);
    if (v < 0)
        return unsupported(error, "watchdog model '%s' is not supported", model);
    wd->model = v;
    action = attr(node, "action");
    if (action) {
        v = mv_domain_watchdog_action_from_string(action);
        if (v < 0)
            return xml_error(error, "invalid watchdog action '%s'", action);
        wd->action = v;
    }
    if (!parse_device_info(p, node, "watchdog", false, &wd->info, error))
        return false;
    *ret_watchdog = g_steal_pointer(&wd);
    return true;
}

static bool
parse_audio(xmlNodePtr node, MvDomainAudio **ret_audio, GError **error)
{
    static const char *const attrs[] = { "id", "type", NULL };
    g_autoptr(MvDomainAudio) audio = g_new0(MvDomainAudio, 1);
    g_autofree char *type = NULL;
    bool present;
    if (!check_node(node, attrs, NULL, false, error) ||
        !required_attr(node, "type", &type, error) ||
        !uint_attr(node, "id", G_MAXINT16, &audio->id, &present, error))
        return false;
    if (!g_str_equal(type, "none"))
        return unsupported(error, "audio type '%s' is not supported", type);
    if (!present || audio->id == 0)
        return xml_error(error, "<audio> needs an id of 1 or more");
    *ret_audio = g_steal_pointer(&audio);
    return true;
}

/* libvirt keeps disks grouped by bus, in target order within a bus: a new disk goes right
 * after the last disk of its bus with a lower index, before the first with a higher one,
 * and at the end when its bus is new. */
static void
disk_insert(GPtrArray *disks, MvDomainDisk *disk)
{
    size_t plen;
    unsigned idx, other_idx;
    mv_domain_disk_name_index(disk->target, &plen, &idx);
    int insert_at = -1;
    for (guint i = 0; i < disks->len; i++) {
        MvDomainDisk *other = g_ptr_array_index(disks, i);
        if (other->bus != disk->bus)
            continue;
        mv_domain_disk_name_index(other->target, &plen, &other_idx);
        if (other_idx < idx)
            insert_at = (int)i + 1;
        else if (insert_at < 0)
            insert_at = (int)i;
    }
    if (insert_at < 0)
        g_ptr_array_add(disks, disk);
    else
        g_ptr_array_insert(disks, insert_at, disk);
}

static bool
parse_devices(Parser *p, xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const children[] = { "emulator", "disk", "controller", "interface",
                                            "serial", "console", "input", "graphics", "audio",
                                            "video", "watchdog", "memballoon", "rng", NULL };
    if (!check_node(node, NULL, children, false, error))
        return false;
    FOREACH_CHILD(c, node) {
        const char *name = node_name(c);
        if (g_str_equal(name, "emulator")) {
            if (def->emulator)
                return xml_error(error, "element <emulator> appears more than once in <devices>");
            if (!check_node(c, NULL, NULL, true, error))
                return false;
            def->emulator = g_strstrip(text(c));
            if (!absolute_path(def->emulator, "emulator", error))
                return false;
        } else if (g_str_equal(name, "disk")) {
            MvDomainDisk *disk = NULL;
            if (!parse_disk(p, c, &disk, error))
                return false;
            /* The bus is needed for ordering; derive it as the defaults would. */
            if (!disk->bus) {
                if (g_str_has_prefix(disk->target, "hd"))
                    disk->bus = MV_DOMAIN_DISK_BUS_IDE;
                else if (g_str_has_prefix(disk->target, "sd"))
                    disk->bus = MV_DOMAIN_DISK_BUS_SCSI;
                else if (g_str_has_prefix(disk->target, "vd"))
                    disk->bus = MV_DOMAIN_DISK_BUS_VIRTIO;
                else {
                    g_autoptr(MvDomainDisk) owned = disk;
                    return unsupported(error, "cannot pick a bus for disk target '%s'; "
                                       "give <target bus=>", owned->target);
                }
            }
            disk_insert(def->disks, disk);
        } else if (g_str_equal(name, "controller")) {
            MvDomainController *ctrl = NULL;
            if (!parse_controller(p, c, &ctrl, error))
                return false;
            g_ptr_array_add(def->controllers, ctrl);
        } else if (g_str_equal(name, "interface")) {
            MvDomainNet *net = NULL;
            if (!parse_interface(p, c, &net, error))
                return false;
            g_ptr_array_add(def->nets, net);
        } else if (g_str_equal(name, "serial") || g_str_equal(name, "console")) {
            bool console = g_str_equal(name, "console");
            MvDomainChr *chr = NULL;
            if (!parse_chr(p, c, console, &chr, error))
                return false;
            g_ptr_array_add(console ? def->consoles : def->serials, chr);
        } else if (g_str_equal(name, "input")) {
            MvDomainInput *input = NULL;
            if (!parse_input(p, c, &input, error))
                return false;
            g_ptr_array_add(def->inputs, input);
        } else if (g_str_equal(name, "graphics")) {
            MvDomainGraphics *gr = NULL;
            if (!parse_graphics(p, c, &gr, error))
                return false;
            g_ptr_array_add(def->graphics, gr);
        } else if (g_str_equal(name, "audio")) {
            MvDomainAudio *audio = NULL;
            if (!parse_audio(c, &audio, error))
                return false;
            g_ptr_array_add(def->audios, audio);
        } else if (g_str_equal(name, "video")) {
            MvDomainVideo *video = NULL;
            if (!parse_video(p, c, &video, error))
                return false;
            g_ptr_array_add(def->videos, video);
        } else if (g_str_equal(name, "watchdog")) {
            MvDomainWatchdog *wd = NULL;
            if (!parse_watchdog(p, c, &wd, error))
                return false;
            g_ptr_array_add(def->watchdogs, wd);
        } else if (g_str_equal(name, "memballoon")) {
            if (def->memballoon)
                return xml_error(error, "only one <memballoon> is allowed");
            if (!parse_memballoon(p, c, &def->memballoon, error))
                return false;
        } else if (g_str_equal(name, "rng")) {
            MvDomainRng *rng = NULL;
            if (!parse_rng(p, c, &rng, error))
                return false;
            g_ptr_array_add(def->rngs, rng);
        }
    }
    return true;
}

static bool
parse_os(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "firmware", NULL };
    static const char *const children[] = { "type", "loader", "nvram", "boot", "bootmenu",
                                            "kernel", "initrd", "cmdline", NULL };
    MvDomainOs *os = &def->os;
    g_autofree char *firmware = attr(node, "firmware");
    if (!check_node(node, attrs, children, false, error))
        return false;
    if (firmware)
        return unsupported(error, "firmware autoselection (firmware='%s') is not supported",
                           firmware);

    xmlNodePtr type, loader, nvram, bootmenu, kernel, initrd, cmdline;
    if (!single_child(node, "type", &type, error) || !single_child(node, "loader", &loader, error) ||
        !single_child(node, "nvram", &nvram, error) ||
        !single_child(node, "bootmenu", &bootmenu, error) ||
        !single_child(node, "kernel", &kernel, error) ||
        !single_child(node, "initrd", &initrd, error) ||
        !single_child(node, "cmdline", &cmdline, error))
        return false;
    if (!type)
        return xml_error(error, "missing <type> in <os>");
    static const char *const type_attrs[] = { "arch", "machine", NULL };
    if (!check_node(type, type_attrs, NULL, true, error))
        return false;
    g_autofree char *os_type = g_strstrip(text(type));
    int v = mv_domain_os_from_string(os_type);
    if (v < 0)
        return xml_error(error, "unknown OS type '%s' in <os>", os_type);
    os->type = v;
    os->arch = attr(type, "arch");
    os->machine = attr(type, "machine");
    if (os->arch && !*os->arch)
        return xml_error(error, "empty attribute 'arch' in <type>");
    if (os->machine && !*os->machine)
        return xml_error(error, "empty attribute 'machine' in <type>");

    if (loader) {
        static const char *const loader_attrs[] = { "readonly", "type", NULL };
        int ltype = MV_DOMAIN_LOADER_NONE;
        if (!check_node(loader, loader_attrs, NULL, true, error) ||
            !enum_attr(loader, "type", mv_domain_loader_from_string, false, &ltype, error) ||
            !tristate_attr(loader, "readonly", true, &os->loader_readonly, error))
            return false;
        os->loader_type = ltype;
        os->loader = g_strstrip(text(loader));
        if (!absolute_path(os->loader, "loader", error))
            return false;
    }
    if (nvram) {
        static const char *const nvram_attrs[] = { NULL };
        if (!check_node(nvram, nvram_attrs, NULL, true, error))
            return false;
        os->nvram = g_strstrip(text(nvram));
        if (!absolute_path(os->nvram, "nvram", error))
            return false;
    }
    FOREACH_CHILD(c, node) {
        static const char *const boot_attrs[] = { "dev", NULL };
        g_autofree char *dev = NULL;
        if (!g_str_equal(node_name(c), "boot"))
            continue;
        if (!check_node(c, boot_attrs, NULL, false, error) || !required_attr(c, "dev", &dev, error))
            return false;
        v = mv_domain_boot_from_string(dev);
        if (v < 0)
            return xml_error(error, "unknown boot device '%s' in <os>", dev);
        for (size_t i = 0; i < os->nboot; i++)
            if (os->boot[i] == (MvDomainBootDev)v)
                return xml_error(error, "boot device '%s' appears more than once in <os>", dev);
        os->boot[os->nboot++] = v;  /* at most MV_DOMAIN_BOOT_MAX distinct values */
    }
    if (bootmenu) {
        static const char *const menu_attrs[] = { "enable", NULL };
        if (!check_node(bootmenu, menu_attrs, NULL, false, error) ||
            !tristate_attr(bootmenu, "enable", true, &os->bootmenu, error))
            return false;
    }
    struct { xmlNodePtr node; char **field; } texts[] = {
        { kernel, &os->kernel }, { initrd, &os->initrd }, { cmdline, &os->cmdline },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        if (!texts[i].node)
            continue;
        if (!check_node(texts[i].node, NULL, NULL, true, error))
            return false;
        *texts[i].field = text(texts[i].node);
        if (texts[i].field != &os->cmdline) {
            g_strstrip(*texts[i].field);
            if (!absolute_path(*texts[i].field, node_name(texts[i].node), error))
                return false;
        }
    }
    if ((os->initrd || os->cmdline) && !os->kernel)
        return xml_error(error, "<%s> in <os> needs a <kernel>", os->initrd ? "initrd" : "cmdline");
    return true;
}

static bool
parse_features(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    FOREACH_CHILD(c, node) {
        const char *name = node_name(c);
        int f = mv_domain_feature_from_string(name);
        if (f >= 0) {
            if (!check_node(c, NULL, NULL, false, error))
                return false;
            def->features[f] = true;
        } else if (g_str_equal(name, "vmport")) {
            static const char *const attrs[] = { "state", NULL };
            if (!check_node(c, attrs, NULL, false, error) ||
                !tristate_attr(c, "state", false, &def->vmport, error))
                return false;
            if (!def->vmport)
                return xml_error(error, "missing attribute 'state' in <vmport>");
        } else {
            return unsupported(error, "feature <%s> is not supported", name);
        }
    }
    return check_node(node, NULL, NULL, false, error);
}

static bool
parse_cpu(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "mode", "match", "check", "migratable", NULL };
    static const char *const children[] = { "model", "topology", "numa", NULL };
    MvDomainCpu *cpu = &def->cpu;
    int mode = MV_DOMAIN_CPU_MODE_CUSTOM, match = 0, check = 0;
    if (!check_node(node, attrs, children, false, error) ||
        !enum_attr(node, "mode", mv_domain_cpu_mode_from_string, true, &mode, error) ||
        !enum_attr(node, "match", mv_domain_cpu_match_from_string, false, &match, error) ||
        !enum_attr(node, "check", mv_domain_cpu_check_from_string, false, &check, error) ||
        !tristate_attr(node, "migratable", false, &cpu->migratable, error))
        return false;
    cpu->present = true;
    cpu->mode = mode;
    cpu->match = match;
    cpu->check = check;

    xmlNodePtr model, topology, numa;
    if (!single_child(node, "model", &model, error) ||
        !single_child(node, "topology", &topology, error) ||
        !single_child(node, "numa", &numa, error))
        return false;
    if (model) {
        static const char *const model_attrs[] = { "fallback", NULL };
        int fallback = 0;
        if (!check_node(model, model_attrs, NULL, true, error) ||
            !enum_attr(model, "fallback", mv_domain_cpu_fallback_from_string, false, &fallback,
                       error))
            return false;
        cpu->fallback = fallback;
        cpu->model = g_strstrip(text(model));
        if (!*cpu->model)
            return xml_error(error, "empty <model> in <cpu>");
        for (const char *c = cpu->model; *c; c++)
            if (!g_ascii_isalnum(*c) && !strchr("-_.", *c))
                return xml_error(error, "invalid CPU model '%s'", cpu->model);
    }
    if (cpu->model && cpu->mode != MV_DOMAIN_CPU_MODE_CUSTOM)
        return unsupported(error, "a CPU <model> with mode '%s' is not supported",
                           mv_domain_cpu_mode_to_string(cpu->mode));
    if (topology) {
        static const char *const topo_attrs[] = { "sockets", "dies", "cores", "threads", NULL };
        cpu->dies = 1;
        if (!check_node(topology, topo_attrs, NULL, false, error) ||
            !uint_attr(topology, "sockets", MAX_VCPUS, &cpu->sockets, NULL, error) ||
            !uint_attr(topology, "dies", MAX_VCPUS, &cpu->dies, NULL, error) ||
            !uint_attr(topology, "cores", MAX_VCPUS, &cpu->cores, NULL, error) ||
            !uint_attr(topology, "threads", MAX_VCPUS, &cpu->threads, NULL, error))
            return false;
        if (!cpu->sockets || !cpu->dies || !cpu->cores || !cpu->threads)
            return xml_error(error, "<topology> needs sockets, cores and threads of 1 or more");
    }
    if (numa) {
        static const char *const cell_children[] = { "cell", NULL };
        if (!check_node(numa, NULL, cell_children, false, error))
            return false;
        FOREACH_CHILD(c, numa) {
            static const char *const cell_attrs[] = { "id", "cpus", "memory", "unit", NULL };
            g_autoptr(MvDomainNumaCell) cell = g_new0(MvDomainNumaCell, 1);
            g_autofree char *memory = NULL, *unit = NULL;
            bool has_id;
            if (!check_node(c, cell_attrs, NULL, false, error) ||
                !uint_attr(c, "id", 255, &cell->id, &has_id, error) ||
                !required_attr(c, "cpus", &cell->cpus, error) ||
                !required_attr(c, "memory", &memory, error))
                return false;
            if (!has_id)
                cell->id = cpu->numa->len;
            if (cell->id != cpu->numa->len)
                return xml_error(error, "NUMA cell id '%u' out of order: expected '%u'", cell->id,
                                 cpu->numa->len);
            unit = attr(c, "unit");
            guint64 number;
            int r = mv_units_parse_number(memory, &number);
            if (r == 0)
                r = mv_units_to_kib(number, unit, MAX_MEMORY_BYTES, &cell->memory_kib);
            if (r == -EINVAL && unit && mv_units_parse_number(memory, &number) == 0)
                return xml_error(error, "unknown unit '%s' for NUMA cell %u", unit, cell->id);
            if (r < 0)
                return xml_error(error, "invalid memory '%s' for NUMA cell %u", memory, cell->id);
            g_ptr_array_add(cpu->numa, g_steal_pointer(&cell));
        }
    }
    return true;
}

static bool
parse_clock(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "offset", "adjustment", "basis", NULL };
    static const char *const children[] = { "timer", NULL };
    MvDomainClock *clock = &def->clock;
    int offset = MV_DOMAIN_CLOCK_UTC, basis = MV_DOMAIN_CLOCK_BASIS_UTC;
    g_autofree char *offset_s = attr(node, "offset");
    g_autofree char *adjustment = attr(node, "adjustment");
    if (!check_node(node, attrs, children, false, error))
        return false;
    if (offset_s && (offset = mv_domain_clock_offset_from_string(offset_s)) < 0)
        return unsupported(error, "clock offset '%s' is not supported", offset_s);
    clock->offset = offset;
    if (!enum_attr(node, "basis", mv_domain_clock_basis_from_string, true, &basis, error))
        return false;
    clock->basis = basis;
    if (clock->offset != MV_DOMAIN_CLOCK_VARIABLE) {
        g_autofree char *basis_s = attr(node, "basis");
        if (adjustment || basis_s)
            return xml_error(error, "clock attribute '%s' needs offset='variable'",
                             adjustment ? "adjustment" : "basis");
    } else if (adjustment) {
        char *end = NULL;
        errno = 0;
        clock->adjustment = g_ascii_strtoll(adjustment, &end, 10);
        if (errno || !*adjustment || *end)
            return xml_error(error, "invalid clock adjustment '%s'", adjustment);
    }
    FOREACH_CHILD(c, node) {
        static const char *const timer_attrs[] = { "name", "tickpolicy", "present", NULL };
        MvDomainTimer timer = { 0 };
        g_autofree char *name = NULL;
        int tick = 0;
        if (!check_node(c, timer_attrs, NULL, false, error) ||
            !required_attr(c, "name", &name, error))
            return false;
        int v = mv_domain_timer_from_string(name);
        if (v < 0)
            return unsupported(error, "timer '%s' is not supported", name);
        timer.name = v;
        if (!enum_attr(c, "tickpolicy", mv_domain_tickpolicy_from_string, false, &tick, error) ||
            !tristate_attr(c, "present", true, &timer.present, error))
            return false;
        timer.tickpolicy = tick;
        for (guint i = 0; i < clock->timers->len; i++)
            if (g_array_index(clock->timers, MvDomainTimer, i).name == timer.name)
                return xml_error(error, "timer '%s' appears more than once in <clock>", name);
        g_array_append_val(clock->timers, timer);
    }
    return true;
}

static bool
parse_lifecycle(xmlNodePtr node, bool crash, MvDomainLifecycleAction *ret, GError **error)
{
    if (!check_node(node, NULL, NULL, true, error))
        return false;
    g_autofree char *value = g_strstrip(text(node));
    int v = mv_domain_lifecycle_from_string(value);
    /* coredump-* only make sense after a crash. */
    if (v < 0 || (!crash && v >= MV_DOMAIN_LIFECYCLE_COREDUMP_DESTROY))
        return xml_error(error, "invalid value '%s' for <%s>", value, node_name(node));
    *ret = v;
    return true;
}

static bool
parse_vcpu(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "placement", "cpuset", "current", NULL };
    int placement = 0;
    bool has_current;
    if (!check_node(node, attrs, NULL, true, error) ||
        !enum_attr(node, "placement", mv_domain_vcpu_placement_from_string, false, &placement,
                   error) ||
        !uint_attr(node, "current", MAX_VCPUS, &def->current_vcpus, &has_current, error))
        return false;
    def->placement = placement;
    g_autofree char *count = g_strstrip(text(node));
    guint64 n;
    if (!parse_uint(count, MAX_VCPUS, &n) || n == 0)
        return xml_error(error, "invalid vCPU count '%s' in <vcpu>", count);
    def->vcpus = (unsigned)n;
    if (has_current && (def->current_vcpus == 0 || def->current_vcpus > def->vcpus))
        return xml_error(error, "current vCPU count '%u' must be between 1 and the maximum '%u'",
                         def->current_vcpus, def->vcpus);
    def->cpuset = attr(node, "cpuset");
    if (def->cpuset) {
        /* "0-3,^2,8": numbers, ranges, exclusions. */
        g_auto(GStrv) parts = g_strsplit(def->cpuset, ",", -1);
        for (char **part = parts; *part; part++) {
            const char *s = **part == '^' ? *part + 1 : *part;
            g_auto(GStrv) range = g_strsplit(s, "-", 2);
            guint64 lo, hi;
            if (!parse_uint(range[0], 65535, &lo) ||
                (range[1] && (!parse_uint(range[1], 65535, &hi) || hi < lo)))
                return xml_error(error, "invalid cpuset '%s' in <vcpu>", def->cpuset);
        }
    }
    return true;
}

/* Serialize the element children of <metadata> verbatim, each one standalone (namespace
 * declarations it inherited are copied onto it). */
static bool
parse_metadata(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);
    if (node->properties)
        return xml_error(error, "unsupported attribute '%s' in <metadata>",
                         (const char *)node->properties->name);
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_COMMENT_NODE) {
            for (const xmlChar *q = c->content; c->type == XML_TEXT_NODE && q && *q; q++)
                if (!g_ascii_isspace(*q))
                    return xml_error(error, "unexpected text in <metadata>");
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr copy = doc ? xmlDocCopyNode(c, doc, 1) : NULL;
        xmlBufferPtr buf = xmlBufferCreate();
        bool ok = copy && buf;
        if (ok) {
            xmlDocSetRootElement(doc, copy);
            xmlReconciliateNs(doc, copy);
            ok = xmlNodeDump(buf, doc, copy, 0, 1) >= 0;
        }
        if (ok) {
            if (out->len)
                g_string_append_c(out, '\n');
            g_string_append(out, (const char *)xmlBufferContent(buf));
        }
        if (buf)
            xmlBufferFree(buf);
        if (doc)
            xmlFreeDoc(doc);
        if (!ok)
            return xml_error(error, "cannot copy <%s> from <metadata>", node_name(c));
    }
    def->metadata = g_string_free(g_steal_pointer(&out), FALSE);
    return true;
}

static bool
parse_text_child(xmlNodePtr node, char **ret, GError **error)
{
    if (!check_node(node, NULL, NULL, true, error))
        return false;
    g_free(*ret);
    *ret = text(node);
    return true;
}

static bool
parse_domain(Parser *p, xmlNodePtr root, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "type", "id", NULL };
    static const char *const children[] = { "name", "uuid", "title", "description", "metadata",
                                            "maxMemory", "memory", "currentMemory", "vcpu", "os",
                                            "features", "cpu", "clock", "on_poweroff",
                                            "on_reboot", "on_crash", "pm", "devices", NULL };
    if (!is_element(root, "domain"))
        return xml_error(error, "unexpected root element <%s>, expecting <domain>",
                         node_name(root));
    if (!check_node(root, attrs, children, false, error))
        return false;

    g_autofree char *type = attr(root, "type");
    if (!type)
        return xml_error(error, "missing domain type attribute");
    int v = mv_domain_virt_from_string(type);
    if (v < 0)
        return xml_error(error, "invalid domain type '%s'", type);
    def->virt_type = v;
    g_autofree char *id = attr(root, "id");
    guint64 n;
    if (id && (!parse_uint(id, G_MAXINT32, &n)))
        return xml_error(error, "invalid domain id '%s'", id);
    if (id && (p->flags & MV_DOMAIN_PARSE_LIVE))
        def->id = (int)n;

    for (const char *const *name = children; *name; name++) {
        xmlNodePtr c;
        if (!single_child(root, *name, &c, error))
            return false;
    }

    bool have_memory = false, have_os = false;
    FOREACH_CHILD(c, root) {
        const char *name = node_name(c);
        bool ok = true;
        if (g_str_equal(name, "name")) {
            ok = parse_text_child(c, &def->name, error);
        } else if (g_str_equal(name, "uuid")) {
            g_autofree char *uuid = NULL;
            ok = parse_text_child(c, &uuid, error);
            if (ok && mv_uuid_parse(uuid, def->uuid) < 0)
                return xml_error(error, "malformed uuid element '%s'", uuid);
        } else if (g_str_equal(name, "title")) {
            ok = parse_text_child(c, &def->title, error);
            if (ok && strchr(def->title, '\n'))
                return xml_error(error, "title can't contain newlines");
        } else if (g_str_equal(name, "description")) {
            ok = parse_text_child(c, &def->description, error);
        } else if (g_str_equal(name, "metadata")) {
            ok = parse_metadata(c, def, error);
        } else if (g_str_equal(name, "maxMemory")) {
            ok = parse_memory(c, &def->max_memory_kib, error) &&
                 uint_attr(c, "slots", 255, &def->max_memory_slots, NULL, error);
        } else if (g_str_equal(name, "memory")) {
            ok = parse_memory(c, &def->memory_kib, error);
            have_memory = true;
        } else if (g_str_equal(name, "currentMemory")) {
            ok = parse_memory(c, &def->current_memory_kib, error);
        } else if (g_str_equal(name, "vcpu")) {
            ok = parse_vcpu(c, def, error);
        } else if (g_str_equal(name, "os")) {
            ok = parse_os(c, def, error);
            have_os = true;
        } else if (g_str_equal(name, "features")) {
            ok = parse_features(c, def, error);
        } else if (g_str_equal(name, "cpu")) {
            ok = parse_cpu(c, def, error);
        } else if (g_str_equal(name, "clock")) {
            ok = parse_clock(c, def, error);
        } else if (g_str_equal(name, "on_poweroff")) {
            ok = parse_lifecycle(c, false, &def->on_poweroff, error);
        } else if (g_str_equal(name, "on_reboot")) {
            ok = parse_lifecycle(c, false, &def->on_reboot, error);
        } else if (g_str_equal(name, "on_crash")) {
            ok = parse_lifecycle(c, true, &def->on_crash, error);
        } else if (g_str_equal(name, "pm")) {
            ok = unsupported(error, "power management (<pm>) is not supported");
        } else if (g_str_equal(name, "devices")) {
            ok = parse_devices(p, c, def, error);
        }
        if (!ok)
            return false;
    }
    if (!def->name || !*def->name)
        return xml_error(error, "missing domain name information");
    if (strchr(def->name, '/'))
        return xml_error(error, "name '%s' cannot contain '/'", def->name);
    if (strchr(def->name, '\n'))
        return xml_error(error, "domain name cannot contain newlines");
    if (!have_memory && !def->cpu.numa->len)
        return xml_error(error, "Memory size must be specified via <memory> or in the <numa> "
                         "configuration");
    if (have_memory && def->memory_kib == 0 && !def->cpu.numa->len)
        return xml_error(error, "<memory> must be greater than zero");
    if (!have_os)
        return xml_error(error, "an os <type> must be specified");
    if (!def->vcpus)
        def->vcpus = 1;
    if (mv_uuid_is_null(def->uuid))
        mv_uuid_generate(def->uuid);

    /* Disk targets name devices: two disks with one name would be one disk too many. */
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *a = g_ptr_array_index(def->disks, i);
        for (guint j = i + 1; j < def->disks->len; j++) {
            MvDomainDisk *b = g_ptr_array_index(def->disks, j);
            if (g_str_equal(a->target, b->target))
                return xml_error(error, "target '%s' duplicated for disk sources '%s' and '%s'",
                                 a->target, a->src ? a->src : "", b->src ? b->src : "");
        }
    }
    return true;
}

MvDomainDef *
mv_domain_def_parse(const char *xml, unsigned flags, GError **error)
{
    Parser p = { .flags = flags };
    if (!xml)
        xml = "";
    size_t len = strlen(xml);
    if (len > MAX_XML_BYTES) {
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR,
                     "domain XML of %zu bytes exceeds the limit of %d", len, MAX_XML_BYTES);
        return NULL;
    }

    /* No network, no entity expansion (XXE), no DTD loading; errors come back through the
     * context instead of stderr. */
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_NO_MEMORY, "cannot create an XML parser");
        return NULL;
    }
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain_definition", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !xmlDocGetRootElement(doc)) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        g_autofree char *msg = g_strstrip(g_strdup(e && e->message ? e->message
                                                                    : "Document is empty"));
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_DETAIL, "(domain_definition):%d: %s",
                     e ? e->line : 1, msg);
        if (doc)
            xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);

    g_autoptr(MvDomainDef) def = mv_domain_def_new();
    bool ok = parse_domain(&p, xmlDocGetRootElement(doc), def, error);
    xmlFreeDoc(doc);
    return ok ? g_steal_pointer(&def) : NULL;
}
