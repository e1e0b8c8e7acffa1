// SPDX-License-Identifier: LGPL-2.1-or-later
// The <devices> half of the domain XML parser: one function per device element, each
// checking every attribute and child, plus libvirt's disk ordering.  Defaults and checks
// across devices are conf-domain-defaults.c's.

#include "conf/conf-domain-lxc.h"

/* Devices of one domain: far more than any machine type has slots for, few enough that
 * the quadratic checks across devices stay cheap on hostile input. */
#define MAX_DEVICES 1024

/* Highest controller index (per type), as libvirt bounds PCI controller indexes; a disk
 * address naming a controller makes every lower index exist too. */
#define MAX_CONTROLLER_INDEX 255

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
               uint_attr(node, "controller", MAX_CONTROLLER_INDEX, &addr->controller, NULL, error) &&
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
        if (v <= MV_DOMAIN_DISK_BUS_NONE || (v == MV_DOMAIN_DISK_BUS_XEN && p->virt != MV_DOMAIN_VIRT_XEN))
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
        /* Xen's backends: qdisk (qemu), blkback (phy), and the older file/tap names;
         * bhyve names its only backend 'file'. */
        static const char *const xen_drivers[] = { "qemu", "phy", "file", "tap", "tap2", NULL };
        static const char *const bhyve_drivers[] = { "file", NULL };
        static const char *const qemu_drivers[] = { "qemu", NULL };
        const char *const *drivers = p->virt == MV_DOMAIN_VIRT_XEN ? xen_drivers
                                   : p->virt == MV_DOMAIN_VIRT_BHYVE ? bhyve_drivers : qemu_drivers;
        if (disk->driver_name && !in_list(disk->driver_name, drivers))
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

    if (source && disk->type == MV_DOMAIN_DISK_TYPE_VOLUME) {
        static const char *const volume_attrs[] = { "pool", "volume", "mode", NULL };
        g_autofree char *mode = attr(source, "mode");
        if (!check_node(source, volume_attrs, NULL, false, error))
            return false;
        if (mode)
            return unsupported(error, "<source mode=> of volume disk '%s' is not supported (iSCSI pools only)",
                               disk->target);
        if (!required_attr(source, "pool", &disk->src_pool, error) ||
            !required_attr(source, "volume", &disk->src_volume, error))
            return false;
    } else if (disk->type == MV_DOMAIN_DISK_TYPE_VOLUME) {
        return xml_error(error, "volume disk '%s' needs <source pool='...' volume='...'/>", disk->target);
    } else if (source) {
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
    if (!disk->src && !disk->src_volume && disk->device != MV_DOMAIN_DISK_DEVICE_CDROM)
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
    static const char *const attrs[] = { "type", "index", "model", "ports", NULL };
    static const char *const children[] = { "model", "target", "master", "address", "alias", NULL };
    g_autoptr(MvDomainController) ctrl = g_new0(MvDomainController, 1);
    ctrl->model = -1;
    ctrl->chassis = -1;
    ctrl->port = -1;
    ctrl->index = -1;
    ctrl->usb_ports = -1;
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
    if (!uint_attr(node, "index", MAX_CONTROLLER_INDEX, &index, &present, error))
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

    /* ports= sizes an xHCI controller (QEMU's p2/p3: USB 2 and USB 3 ports each). */
    unsigned ports = 0;
    bool has_ports;
    if (!uint_attr(node, "ports", USB_XHCI_MAX_PORTS, &ports, &has_ports, error))
        return false;
    if (has_ports) {
        if (ctrl->type != MV_DOMAIN_CONTROLLER_USB ||
            (ctrl->model != MV_DOMAIN_USB_MODEL_QEMU_XHCI && ctrl->model != MV_DOMAIN_USB_MODEL_NEC_XHCI))
            return unsupported(error, "ports= is only supported on USB controllers of model "
                               "'qemu-xhci' or 'nec-xhci'");
        if (ports == 0)
            return xml_error(error, "USB controller ports= must be at least 1");
        ctrl->usb_ports = (int)ports;
    }
    xmlNodePtr master;
    if (!single_child(node, "master", &master, error))
        return false;
    bool companion = ctrl->type == MV_DOMAIN_CONTROLLER_USB &&
                     (ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI1 ||
                      ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI2 ||
                      ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI3);
    if (master) {
        static const char *const master_attrs[] = { "startport", NULL };
        unsigned start = 0;
        bool has_start;
        if (!companion)
            return unsupported(error, "<master> is only supported on the ICH9 UHCI companion "
                               "controllers (ich9-uhci1, ich9-uhci2, ich9-uhci3)");
        if (!check_node(master, master_attrs, NULL, false, error) ||
            !uint_attr(master, "startport", USB_EHCI_PORTS - 1, &start, &has_start, error))
            return false;
        if (!has_start)
            return xml_error(error, "missing attribute 'startport' in <master>");
        ctrl->has_master = true;
        ctrl->master_startport = start;
    }

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
                                            "alias", "script", NULL };
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

    xmlNodePtr mac, source, target, model, script;
    if (!single_child(node, "mac", &mac, error) || !single_child(node, "source", &source, error) ||
        !single_child(node, "target", &target, error) || !single_child(node, "model", &model, error) ||
        !single_child(node, "script", &script, error))
        return false;
    if (script) {
        static const char *const script_attrs[] = { "path", NULL };
        if (p->virt != MV_DOMAIN_VIRT_XEN)
            return unsupported(error, "<script> in <interface> is only supported for domain type 'xen'");
        if (!check_node(script, script_attrs, NULL, false, error) ||
            !required_attr(script, "path", &net->script, error))
            return false;
    }
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
        /* The port a network gave a running guest: live XML only. */
        bool live_port = net->type == MV_DOMAIN_NET_NETWORK && (p->flags & MV_DOMAIN_PARSE_LIVE);
        const char *const source_attrs[] = { source_attr, live_port ? "portid" : NULL, "bridge", NULL };
        if (!source_attr)
            return unsupported(error, "<source> is not supported for interface type '%s'", type);
        if (!check_node(source, source_attrs, NULL, false, error))
            return false;
        net->source = attr(source, source_attr);
        if (live_port) {
            net->portid = attr(source, "portid");
            net->port_bridge = attr(source, "bridge");
        }
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
    if (v < 0 || (v == MV_DOMAIN_CHR_NMDM && p->virt != MV_DOMAIN_VIRT_BHYVE))
        return unsupported(error, "<%s> type '%s' is not supported", what, type);
    chr->type = v;

    xmlNodePtr source, target;
    if (!single_child(node, "source", &source, error) || !single_child(node, "target", &target, error))
        return false;
    if (source) {
        static const char *const src_attrs[] = { "path", "mode", "append", NULL };
        static const char *const nmdm_attrs[] = { "master", "slave", NULL };
        int mode = chr->mode;
        if (!check_node(source, chr->type == MV_DOMAIN_CHR_NMDM ? nmdm_attrs : src_attrs, NULL,
                        false, error))
            return false;
        if (chr->type == MV_DOMAIN_CHR_NMDM) {
            chr->path = attr(source, "master");
            chr->slave = attr(source, "slave");
            if (!chr->slave || !absolute_path(chr->slave, "nmdm slave", error))
                return chr->slave ? false : xml_error(error, "<%s> of type 'nmdm' needs <source slave=>", what);
        }
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
        if (chr->type != MV_DOMAIN_CHR_NMDM)
            chr->path = attr(source, "path");
        /* A pty's path is assigned when the guest starts; only live XML carries one. */
        if (chr->type == MV_DOMAIN_CHR_PTY && !(p->flags & MV_DOMAIN_PARSE_LIVE))
            g_clear_pointer(&chr->path, g_free);
    }
    if (chr->type != MV_DOMAIN_CHR_PTY) {
        if (!chr->path || !*chr->path)
            return xml_error(error, "<%s> of type '%s' needs <source %s=>", what, type,
                         chr->type == MV_DOMAIN_CHR_NMDM ? "master" : "path");
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
            bool xen_console = console && v == MV_DOMAIN_CHR_TARGET_XEN &&
                               p->virt == MV_DOMAIN_VIRT_XEN;
            bool lxc_console = console && v == MV_DOMAIN_CHR_TARGET_LXC &&
                               p->virt == MV_DOMAIN_VIRT_LXC;
            if (v != (int)want && !xen_console && !lxc_console)
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
parse_channel(Parser *p, xmlNodePtr node, MvDomainChannel **ret_channel, GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    static const char *const children[] = { "source", "target", "address", "alias", NULL };
    g_autoptr(MvDomainChannel) ch = g_new0(MvDomainChannel, 1);
    ch->mode = MV_DOMAIN_CHR_MODE_BIND;
    if (!check_node(node, attrs, children, false, error))
        return false;
    g_autofree char *type = attr(node, "type");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <channel>");
    int v = mv_domain_channel_from_string(type);
    if (v < 0)
        return unsupported(error, "<channel> type '%s' is not supported", type);
    ch->type = v;

    xmlNodePtr source, target;
    if (!single_child(node, "source", &source, error) || !single_child(node, "target", &target, error))
        return false;
    if (source) {
        static const char *const src_attrs[] = { "path", "mode", NULL };
        int mode = ch->mode;
        if (ch->type != MV_DOMAIN_CHANNEL_UNIX && ch->type != MV_DOMAIN_CHANNEL_PTY)
            return xml_error(error, "<channel> of type '%s' takes no <source>", type);
        if (!check_node(source, src_attrs, NULL, false, error) ||
            !enum_attr(source, "mode", mv_domain_chr_mode_from_string, true, &mode, error))
            return false;
        ch->mode = mode;
        ch->path = attr(source, "path");
        if (ch->type == MV_DOMAIN_CHANNEL_PTY && !(p->flags & MV_DOMAIN_PARSE_LIVE))
            g_clear_pointer(&ch->path, g_free);
        if (ch->path && !absolute_path(ch->path, "channel path", error))
            return false;
    }
    if (ch->type == MV_DOMAIN_CHANNEL_UNIX && ch->mode == MV_DOMAIN_CHR_MODE_CONNECT && !ch->path)
        return xml_error(error, "<channel type='unix'> in mode 'connect' needs <source path=>");
    if (!target)
        return xml_error(error, "<channel> needs a <target type='virtio' name=...>");
    static const char *const target_attrs[] = { "type", "name", "state", NULL };
    if (!check_node(target, target_attrs, NULL, false, error))
        return false;
    g_autofree char *ttype = attr(target, "type");
    if (!ttype || !g_str_equal(ttype, "virtio"))
        return unsupported(error, "<channel> target type '%s' is not supported: only 'virtio' is",
                           ttype ? ttype : "(none)");
    ch->target_name = attr(target, "name");
    if (ch->type == MV_DOMAIN_CHANNEL_SPICEVMC && !ch->target_name)
        ch->target_name = g_strdup("com.redhat.spice.0");
    if (!ch->target_name || !*ch->target_name)
        return xml_error(error, "<channel> target needs a name=");
    for (const char *c = ch->target_name; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("._-", *c))
            return xml_error(error, "channel target name '%s' may only hold letters, digits, "
                             "'.', '_' and '-'", ch->target_name);
    }
    /* state= is what the guest agent reports while running: live XML only, not kept. */
    if (!parse_device_info(p, node, "channel", false, &ch->info, error))
        return false;
    *ret_channel = g_steal_pointer(&ch);
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
        if (v <= MV_DOMAIN_INPUT_BUS_NONE || (v == MV_DOMAIN_INPUT_BUS_XEN && p->virt != MV_DOMAIN_VIRT_XEN))
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

/* The <listen> child of VNC/SPICE graphics (one at most). */
static bool
parse_listen(xmlNodePtr l, MvDomainGraphics *gr, GError **error)
{
    static const char *const listen_attrs[] = { "type", "address", "socket", NULL };
    if (!check_node(l, listen_attrs, NULL, false, error))
        return false;
    g_autofree char *ltype = attr(l, "type");
    int v = ltype ? mv_domain_listen_from_string(ltype) : -1;
    if (v < 0)
        return unsupported(error, "<listen type='%s'> in <graphics> is not supported",
                           ltype ? ltype : "");
    gr->listen_type = v;
    g_autofree char *address = attr(l, "address");
    g_autofree char *socket = attr(l, "socket");
    if (address && gr->listen_type != MV_DOMAIN_LISTEN_ADDRESS)
        return xml_error(error, "address= is only valid in <listen type='address'>");
    if (socket && gr->listen_type != MV_DOMAIN_LISTEN_SOCKET)
        return xml_error(error, "socket= is only valid in <listen type='socket'>");
    if (gr->listen && gr->listen_type != MV_DOMAIN_LISTEN_ADDRESS)
        return xml_error(error, "graphics listen= conflicts with <listen type='%s'>", ltype);
    if (gr->listen && address && !g_str_equal(gr->listen, address))
        return xml_error(error, "graphics 'listen' attribute '%s' must match 'address' "
                         "attribute of first listen element (found '%s')", gr->listen, address);
    if (!gr->listen)
        gr->listen = g_steal_pointer(&address);
    if (socket && !absolute_path(socket, "graphics socket", error))
        return false;
    if (socket)
        gr->socket = g_steal_pointer(&socket);
    return true;
}

static bool
parse_graphics(Parser *p, xmlNodePtr node, MvDomainGraphics **ret_graphics, GError **error)
{
    static const char *const attrs[] = { "type", "port", "autoport", "listen", "passwd", "keymap",
                                         "tlsPort", NULL };
    static const char *const children[] = { "listen", "image", NULL };
    g_autoptr(MvDomainGraphics) gr = g_new0(MvDomainGraphics, 1);
    g_autofree char *type = attr(node, "type");
    if (!type)
        return xml_error(error, "missing attribute 'type' in <graphics>");
    int v = mv_domain_graphics_from_string(type);
    if (v < 0 || (v == MV_DOMAIN_GRAPHICS_SDL && p->virt != MV_DOMAIN_VIRT_XEN))
        return unsupported(error, "graphics type '%s' is not supported", type);
    gr->type = v;
    if (v == MV_DOMAIN_GRAPHICS_SDL) {
        static const char *const sdl_attrs[] = { "type", NULL };
        if (!check_node(node, sdl_attrs, NULL, false, error))
            return false;
        *ret_graphics = g_steal_pointer(&gr);
        return true;
    }
    if (!check_node(node, attrs, children, false, error))
        return false;
    bool spice = gr->type == MV_DOMAIN_GRAPHICS_SPICE;

    g_autofree char *port = attr(node, "port");
    gr->port = -1;
    if (port && !g_str_equal(port, "-1")) {
        guint64 n;
        if (!parse_uint(port, 65535, &n) || (n != 0 && n < 5900))
            return xml_error(error, "invalid %s port '%s' in <graphics>: expected -1 or 5900..65535",
                             spice ? "SPICE" : "VNC", port);
        gr->port = n ? (int)n : -1;
    }
    /* TLS is not offered: a SPICE tlsPort may only say "none" (-1). */
    g_autofree char *tls_port = attr(node, "tlsPort");
    if (tls_port && (!spice || !g_str_equal(tls_port, "-1")))
        return unsupported(error, "graphics tlsPort='%s' is not supported (no TLS for %s)", tls_port,
                           type);
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
    xmlNodePtr l, image;
    if (!single_child(node, "listen", &l, error) || !single_child(node, "image", &image, error))
        return false;
    if (l && !parse_listen(l, gr, error))
        return false;
    if (spice && gr->listen_type == MV_DOMAIN_LISTEN_NONE)
        return unsupported(error, "SPICE graphics with <listen type='none'> are not supported");
    if (image) {
        static const char *const image_attrs[] = { "compression", NULL };
        static const char *const compressions[] = { "auto_glz", "auto_lz", "quic", "glz", "lz",
                                                    "off", NULL };
        if (!spice)
            return xml_error(error, "<image> is only valid in SPICE graphics");
        if (!check_node(image, image_attrs, NULL, false, error) ||
            !required_attr(image, "compression", &gr->image_compression, error))
            return false;
        if (!g_strv_contains(compressions, gr->image_compression))
            return xml_error(error, "unknown SPICE image compression '%s'", gr->image_compression);
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
        if (v < 0 || (v == MV_DOMAIN_VIDEO_XEN && p->virt != MV_DOMAIN_VIRT_XEN) ||
            (v == MV_DOMAIN_VIDEO_GOP && p->virt != MV_DOMAIN_VIRT_BHYVE))
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

/* libvirt's disk order: scanning from the end, a new disk goes before the earliest disk of
 * the same bus with a higher index, else right after the last disk of its bus, else at the
 * end.  Unlike libvirt, the bus compared is the derived one even when <target bus=> is
 * absent: libvirt compares the bus as written, so its output can reorder when defined
 * again; ours is stable. */
static void
disk_insert(GPtrArray *disks, MvDomainDisk *disk)
{
    size_t plen;
    unsigned idx, other_idx;
    mv_domain_disk_name_index(disk->target, &plen, &idx);
    int insert_at = -1;
    for (int i = (int)disks->len - 1; i >= 0; i--) {
        MvDomainDisk *other = g_ptr_array_index(disks, i);
        if (other->bus != disk->bus)
            continue;
        mv_domain_disk_name_index(other->target, &plen, &other_idx);
        if (other_idx > idx)
            insert_at = i;
        else if (insert_at < 0)
            insert_at = i + 1;
    }
    if (insert_at < 0)
        g_ptr_array_add(disks, disk);
    else
        g_ptr_array_insert(disks, insert_at, disk);
}

/* The bus a target name implies when <target bus=> is absent. */
static bool
derive_bus(MvDomainDisk *disk, GError **error)
{
    if (disk->bus)
        return true;
    if (g_str_has_prefix(disk->target, "hd"))
        disk->bus = MV_DOMAIN_DISK_BUS_IDE;
    else if (g_str_has_prefix(disk->target, "sd"))
        disk->bus = MV_DOMAIN_DISK_BUS_SCSI;
    else if (g_str_has_prefix(disk->target, "vd"))
        disk->bus = MV_DOMAIN_DISK_BUS_VIRTIO;
    else
        return unsupported(error, "cannot pick a bus for disk target '%s'; give <target bus=>",
                           disk->target);
    return true;
}

bool
mv_domain_parse_devices(Parser *p, xmlNodePtr node, MvDomainDef *def, GError **error)
{
    unsigned count = 0;
    FOREACH_CHILD(c, node) {
        if (++count > MAX_DEVICES)
            return unsupported(error, "more than %d devices in <devices>", MAX_DEVICES);
    }
    static const char *const children[] = { "emulator", "disk", "controller", "interface",
                                            "serial", "console", "input", "graphics", "audio",
                                            "video", "watchdog", "memballoon", "rng",
                                            "filesystem", "channel", NULL };
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
            /* Disk targets name devices: two disks with one name would be one too many. */
            const MvDomainDisk *same = mv_domain_def_find_disk(def, disk->target);
            if (same) {
                g_autoptr(MvDomainDisk) owned = disk;
                return xml_error(error, "target '%s' duplicated for disk sources '%s' and '%s'",
                                 owned->target, same->src ? same->src : "",
                                 owned->src ? owned->src : "");
            }
            if (!derive_bus(disk, error)) {
                mv_domain_disk_free(disk);
                return false;
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
        } else if (g_str_equal(name, "filesystem")) {
            if (!mv_domain_lxc_parse_filesystem(p, c, def, error))
                return false;
        } else if (g_str_equal(name, "channel")) {
            MvDomainChannel *ch = NULL;
            if (!parse_channel(p, c, &ch, error))
                return false;
            g_ptr_array_add(def->channels, ch);
        } else if (g_str_equal(name, "rng")) {
            MvDomainRng *rng = NULL;
            if (!parse_rng(p, c, &rng, error))
                return false;
            g_ptr_array_add(def->rngs, rng);
        }
    }
    return true;
}
