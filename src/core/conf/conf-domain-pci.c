// SPDX-License-Identifier: LGPL-2.1-or-later
// PCI address assignment for the two x86 machine families, following the layout libvirt
// produces so that guests see the same slots under either: i440fx puts everything on pci.0;
// q35 gives each PCI Express device its own pcie-root-port and conventional PCI devices
// slots on a pcie-to-pci-bridge.  Only bus topology is decided here, never device models.

#include "conf/conf-domain-priv.h"

#include "util/util-error.h"

#define PCI_SLOTS 32
#define PCI_FUNCTIONS 8

/* Fixed slots of the two chipsets. */
#define I440FX_PIIX3_SLOT 1     /* ISA bridge .0, IDE .1, USB UHCI .2, ACPI .3 */
#define I440FX_VIDEO_SLOT 2
#define Q35_VIDEO_SLOT 1
#define Q35_ICH9_SLOT 0x1f      /* LPC .0, SATA .2, SMBus .3 */

typedef enum {
    KIND_NONE,           /* not a PCI device (ISA, PS/2, USB, none) */
    KIND_EXPRESS,        /* PCI Express endpoint: a root port of its own on q35 */
    KIND_CONVENTIONAL,   /* plain PCI: the pcie-to-pci-bridge on q35 */
    KIND_ROOT_PORT,      /* a pcie-root-port controller: a function on pcie.0 */
    KIND_BRIDGE,         /* a pcie-to-pci-bridge controller: its own root port */
} PciKind;

typedef struct {
    MvDomainDeviceInfo *info;
    const char *what;    /* for messages: "interface", "disk 'vda'", ... */
    PciKind kind;
} PciDevice;

typedef struct {
    MvDomainController *ctrl;  /* the bus; index 0 is the root */
    guint8 used[PCI_SLOTS];    /* bit per function */
    /* who holds a function, for conflict messages; NULL: assigned here or the chipset */
    const char *owner[PCI_SLOTS][PCI_FUNCTIONS];
} PciBus;

typedef struct {
    MvDomainDef *def;
    bool q35;
    GArray *buses;             /* of PciBus, looked up by controller index */
    GArray *devices;           /* of PciDevice, in libvirt's assignment order */
    GPtrArray *whats;          /* owns the generated "what" strings */
    int port_slot;             /* slot on pcie.0 that takes new root ports, or -1 */
} Pci;

static PciBus *
find_bus(Pci *pci, unsigned index)
{
    for (guint i = 0; i < pci->buses->len; i++) {
        PciBus *bus = &g_array_index(pci->buses, PciBus, i);
        if ((unsigned)bus->ctrl->index == index)
            return bus;
    }
    return NULL;
}

static bool
slot_usable(const PciBus *bus, unsigned slot)
{
    switch (bus->ctrl->model) {
    case MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT:
        return slot == 0;
    default:
        /* Slot 0 is the host bridge on a root and the SHPC on a pcie-to-pci-bridge. */
        return slot >= 1 && slot < PCI_SLOTS;
    }
}

static bool
reserve(Pci *pci, const MvDomainAddress *a, const char *what, GError **error)
{
    PciBus *bus = find_bus(pci, a->bus);
    if (!bus) {
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR,
                     "PCI bus 0x%02x of %s does not exist", a->bus, what);
        return false;
    }
    if (!slot_usable(bus, a->slot)) {
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR,
                     "PCI address 0000:%02x:%02x.%x of %s: slot 0x%02x is not usable on a %s",
                     a->bus, a->slot, a->function, what, a->slot,
                     mv_domain_pci_model_to_string(bus->ctrl->model));
        return false;
    }
    if (bus->used[a->slot] & (1u << a->function)) {
        const char *owner = bus->owner[a->slot][a->function];
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR,
                     "Attempted double use of PCI Address 0000:%02x:%02x.%x by %s and %s", a->bus,
                     a->slot, a->function, owner ? owner : "the chipset", what);
        return false;
    }
    bus->used[a->slot] |= (guint8)(1u << a->function);
    bus->owner[a->slot][a->function] = what;
    return true;
}

static void
set_pci(MvDomainDeviceInfo *info, unsigned bus, unsigned slot, unsigned function)
{
    info->addr = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_PCI, .bus = bus, .slot = slot,
                                    .function = function };
}

static void
add_bus(Pci *pci, MvDomainController *ctrl)
{
    PciBus bus = { .ctrl = ctrl };
    g_array_append_val(pci->buses, bus);
}

/* Slot 0x1f on q35 and slot 1 on i440fx belong to the chipset. */
static bool
reserve_chipset(Pci *pci, GError **error)
{
    PciBus *root = find_bus(pci, 0);
    root->used[0] = 1;
    if (pci->q35)
        root->used[Q35_ICH9_SLOT] = 0xff;
    else
        root->used[I440FX_PIIX3_SLOT] = 0xff;

    /* The chipset's own controllers sit at fixed functions. */
    for (guint i = 0; i < pci->def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(pci->def->controllers, i);
        int slot = -1, function = 0;
        if (pci->q35 && ctrl->type == MV_DOMAIN_CONTROLLER_SATA && ctrl->index == 0)
            slot = Q35_ICH9_SLOT, function = 2;
        else if (!pci->q35 && ctrl->type == MV_DOMAIN_CONTROLLER_IDE && ctrl->index == 0)
            slot = I440FX_PIIX3_SLOT, function = 1;
        else if (!pci->q35 && ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->index == 0 &&
                 ctrl->model == MV_DOMAIN_USB_MODEL_PIIX3_UHCI)
            slot = I440FX_PIIX3_SLOT, function = 2;
        if (slot < 0)
            continue;
        const MvDomainAddress *a = &ctrl->info.addr;
        if (a->type && (a->type != MV_DOMAIN_ADDRESS_PCI || a->bus || a->slot != (unsigned)slot ||
                        a->function != (unsigned)function)) {
            mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR,
                         "the built-in %s controller must be at PCI address 0000:00:%02x.%x",
                         mv_domain_controller_to_string(ctrl->type), slot, function);
            return false;
        }
        set_pci(&ctrl->info, 0, slot, function);
    }
    return true;
}

static const char *
what(Pci *pci, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static const char *
what(Pci *pci, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(pci->whats, s);
    return s;
}

static void
add_device(Pci *pci, MvDomainDeviceInfo *info, const char *name, PciKind kind)
{
    if (kind == KIND_NONE)
        return;
    PciDevice dev = { info, name, kind };
    g_array_append_val(pci->devices, dev);
}

static PciKind
controller_kind(const Pci *pci, const MvDomainController *ctrl)
{
    switch (ctrl->type) {
    case MV_DOMAIN_CONTROLLER_PCI:
        return ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT ? KIND_ROOT_PORT
             : ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE ? KIND_BRIDGE
             : KIND_NONE;
    case MV_DOMAIN_CONTROLLER_IDE:
        return KIND_NONE;  /* only the built-in one exists */
    case MV_DOMAIN_CONTROLLER_SATA:
        return pci->q35 && ctrl->index == 0 ? KIND_NONE : KIND_EXPRESS;
    case MV_DOMAIN_CONTROLLER_USB:
        if (ctrl->model == MV_DOMAIN_USB_MODEL_NONE ||
            (!pci->q35 && ctrl->index == 0 && ctrl->model == MV_DOMAIN_USB_MODEL_PIIX3_UHCI))
            return KIND_NONE;
        /* The ICH9 set is conventional PCI; each of its four takes a slot of its own (the
         * companions find their master by bus name, not by slot). */
        return ctrl->model == MV_DOMAIN_USB_MODEL_PIIX3_UHCI ||
               ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_EHCI1 ||
               ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI1 ||
               ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI2 ||
               ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI3 ? KIND_CONVENTIONAL : KIND_EXPRESS;
    case MV_DOMAIN_CONTROLLER_SCSI:
        return ctrl->model == MV_DOMAIN_SCSI_MODEL_VIRTIO_SCSI ? KIND_EXPRESS : KIND_CONVENTIONAL;
    case MV_DOMAIN_CONTROLLER_VIRTIO_SERIAL:
        return KIND_EXPRESS;
    case MV_DOMAIN_CONTROLLER_LAST:
        break;
    }
    return KIND_NONE;
}

/* Every PCI device, in the order libvirt assigns them: PCI controllers, network
 * interfaces, other controllers, virtio disks, the balloon, RNGs, watchdogs, video and
 * virtio input.  The primary video card is placed before all of them. */
static void
collect_devices(Pci *pci)
{
    MvDomainDef *def = pci->def;
    for (int pass = 0; pass < 2; pass++) {
        for (guint i = 0; i < def->controllers->len; i++) {
            MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
            bool is_pci = ctrl->type == MV_DOMAIN_CONTROLLER_PCI;
            if (is_pci == (pass == 0))
                add_device(pci, &ctrl->info,
                           what(pci, "controller '%s' %d",
                                mv_domain_controller_to_string(ctrl->type), ctrl->index),
                           controller_kind(pci, ctrl));
        }
        if (pass == 1)
            break;
        for (guint i = 0; i < def->nets->len; i++) {
            MvDomainNet *net = g_ptr_array_index(def->nets, i);
            PciKind kind = net->model == MV_DOMAIN_NET_MODEL_VIRTIO || net->model == MV_DOMAIN_NET_MODEL_E1000E
                         ? KIND_EXPRESS : KIND_CONVENTIONAL;
            add_device(pci, &net->info, what(pci, "interface %u", i), kind);
        }
    }
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO)
            add_device(pci, &disk->info, what(pci, "disk '%s'", disk->target), KIND_EXPRESS);
    }
    if (def->memballoon && def->memballoon->model == MV_DOMAIN_MEMBALLOON_VIRTIO)
        add_device(pci, &def->memballoon->info, "the memballoon", KIND_EXPRESS);
    for (guint i = 0; i < def->rngs->len; i++)
        add_device(pci, &((MvDomainRng *)g_ptr_array_index(def->rngs, i))->info,
                   what(pci, "rng %u", i), KIND_EXPRESS);
    for (guint i = 0; i < def->watchdogs->len; i++) {
        MvDomainWatchdog *wd = g_ptr_array_index(def->watchdogs, i);
        if (wd->model == MV_DOMAIN_WATCHDOG_I6300ESB)
            add_device(pci, &wd->info, "the watchdog", KIND_CONVENTIONAL);
    }
    for (guint i = 0; i < def->inputs->len; i++) {
        MvDomainInput *input = g_ptr_array_index(def->inputs, i);
        if (input->bus == MV_DOMAIN_INPUT_BUS_VIRTIO)
            add_device(pci, &input->info, what(pci, "input %u", i), KIND_EXPRESS);
    }
}

static MvDomainController *
new_pci_controller(Pci *pci, MvDomainPciModel model)
{
    int index = 0;
    for (guint i = 0; i < pci->def->controllers->len; i++) {
        const MvDomainController *c = g_ptr_array_index(pci->def->controllers, i);
        if (c->type == MV_DOMAIN_CONTROLLER_PCI && c->index >= index)
            index = c->index + 1;
    }
    MvDomainController *ctrl = g_new0(MvDomainController, 1);
    ctrl->type = MV_DOMAIN_CONTROLLER_PCI;
    ctrl->index = index;
    ctrl->model = model;
    ctrl->chassis = -1;
    ctrl->port = -1;
    ctrl->usb_ports = -1;
    g_ptr_array_add(pci->def->controllers, ctrl);
    add_bus(pci, ctrl);
    return ctrl;
}

static bool
no_slot(const char *name, const char *where, GError **error)
{
    mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_CONFIG_UNSUPPORTED,
                 "no free PCI slot for %s on %s", name, where);
    return false;
}

/* The next free slot (function 0) on @bus_index, from @first. */
static bool
place_on_bus(Pci *pci, unsigned bus_index, unsigned first, MvDomainDeviceInfo *info,
             const char *name, GError **error)
{
    PciBus *bus = find_bus(pci, bus_index);
    for (unsigned slot = first; slot < PCI_SLOTS; slot++) {
        if (!slot_usable(bus, slot) || bus->used[slot])
            continue;
        bus->used[slot] = 1;
        set_pci(info, bus_index, slot, 0);
        return true;
    }
    g_autofree char *where = g_strdup_printf("PCI bus 0x%02x", bus_index);
    return no_slot(name, where, error);
}

/* A root port goes into the next function of the slot root ports are being packed into on
 * pcie.0, or the first empty slot. */
static bool
place_root_port(Pci *pci, MvDomainDeviceInfo *info, const char *name, GError **error)
{
    PciBus *root = find_bus(pci, 0);
    if (pci->port_slot >= 0 && root->used[pci->port_slot] != 0xff) {
        for (unsigned f = 0; f < PCI_FUNCTIONS; f++) {
            if (!(root->used[pci->port_slot] & (1u << f))) {
                root->used[pci->port_slot] |= (guint8)(1u << f);
                set_pci(info, 0, (unsigned)pci->port_slot, f);
                return true;
            }
        }
    }
    for (unsigned slot = 1; slot < PCI_SLOTS; slot++) {
        if (root->used[slot])
            continue;
        pci->port_slot = (int)slot;
        root->used[slot] = 1;
        set_pci(info, 0, slot, 0);
        return true;
    }
    return no_slot(name, "pcie.0", error);
}

static bool
new_root_port(Pci *pci, MvDomainController **ret_port, GError **error)
{
    MvDomainController *port = new_pci_controller(pci, MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT);
    if (!place_root_port(pci, &port->info, "a pcie-root-port", error))
        return false;
    *ret_port = port;
    return true;
}

/* The first slot on a pcie-to-pci-bridge, bridges in index order. */
static bool
place_conventional(Pci *pci, MvDomainDeviceInfo *info, const char *name, GError **error)
{
    for (guint i = 0; i < pci->buses->len; i++) {
        PciBus *bus = &g_array_index(pci->buses, PciBus, i);
        if (bus->ctrl->model != MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE)
            continue;
        for (unsigned slot = 1; slot < PCI_SLOTS; slot++) {
            if (!bus->used[slot]) {
                bus->used[slot] = 1;
                set_pci(info, (unsigned)bus->ctrl->index, slot, 0);
                return true;
            }
        }
    }
    return no_slot(name, "a pcie-to-pci-bridge", error);
}

/* The empty root port with the lowest index. */
static bool
place_express(Pci *pci, MvDomainDeviceInfo *info, const char *name, GError **error)
{
    PciBus *best = NULL;
    for (guint i = 0; i < pci->buses->len; i++) {
        PciBus *bus = &g_array_index(pci->buses, PciBus, i);
        if (bus->ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT && !bus->used[0] &&
            (!best || bus->ctrl->index < best->ctrl->index))
            best = bus;
    }
    if (!best)
        return no_slot(name, "a pcie-root-port", error);
    best->used[0] = 1;
    set_pci(info, (unsigned)best->ctrl->index, 0, 0);
    return true;
}

static bool
place(Pci *pci, PciDevice *dev, GError **error)
{
    if (!pci->q35)
        return place_on_bus(pci, 0, I440FX_VIDEO_SLOT, dev->info, dev->what, error);
    switch (dev->kind) {
    case KIND_ROOT_PORT:
        return place_root_port(pci, dev->info, dev->what, error);
    case KIND_BRIDGE:
    case KIND_EXPRESS:
        return place_express(pci, dev->info, dev->what, error);
    case KIND_CONVENTIONAL:
        return place_conventional(pci, dev->info, dev->what, error);
    case KIND_NONE:
        break;
    }
    return true;
}

/* q35: add the buses the unplaced devices need, as libvirt sizes them before placing
 * anything: a root port per PCI Express device (using empty ones first), a root port and a
 * pcie-to-pci-bridge when conventional devices need slots, and one spare root port so that
 * a device can be hot-plugged later.  Placement then fills ports and bridge slots in index
 * order, which is why a bridge can sit on a lower port than devices listed before it. */
static bool
add_buses(Pci *pci, GError **error)
{
    unsigned free_ports = 0, free_bridge_slots = 0, added = 0;
    for (guint i = 0; i < pci->buses->len; i++) {
        const PciBus *bus = &g_array_index(pci->buses, PciBus, i);
        if (bus->ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT && !bus->used[0])
            free_ports++;
        for (unsigned slot = 1; bus->ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE &&
                                slot < PCI_SLOTS; slot++)
            free_bridge_slots += !bus->used[slot];
    }
    for (guint i = 0; i < pci->devices->len; i++) {
        const PciDevice *dev = &g_array_index(pci->devices, PciDevice, i);
        MvDomainController *port;
        if (dev->info->addr.type)
            continue;
        switch (dev->kind) {
        case KIND_EXPRESS:
        case KIND_BRIDGE:
            if (free_ports) {
                free_ports--;
                break;
            }
            if (!new_root_port(pci, &port, error))
                return false;
            added++;
            break;
        case KIND_CONVENTIONAL:
            if (free_bridge_slots) {
                free_bridge_slots--;
                break;
            }
            /* A new bridge: its own port first, then the bridge, which the controller
             * pass of placement puts on the lowest empty port. */
            if (!new_root_port(pci, &port, error))
                return false;
            added++;
            new_pci_controller(pci, MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE);
            free_bridge_slots += PCI_SLOTS - 2;  /* slots 1..31, one taken now */
            break;
        case KIND_ROOT_PORT:
        case KIND_NONE:
            break;
        }
    }
    if (added && !new_root_port(pci, &(MvDomainController *){ NULL }, error))
        return false;
    return true;
}

/* The primary video card takes slot 2 (i440fx) or 1 (q35) of the root bus when free. */
static bool
place_video(Pci *pci, GError **error)
{
    for (guint i = 0; i < pci->def->videos->len; i++) {
        MvDomainVideo *video = g_ptr_array_index(pci->def->videos, i);
        if (video->model == MV_DOMAIN_VIDEO_NONE || video->model == MV_DOMAIN_VIDEO_RAMFB ||
            video->info.addr.type)
            continue;
        unsigned slot = pci->q35 ? Q35_VIDEO_SLOT : I440FX_VIDEO_SLOT;
        if (!place_on_bus(pci, 0, slot, &video->info, "video", error))
            return false;
    }
    return true;
}

/* Root ports get chassis = index and port = slot << 3 | function, as libvirt numbers them;
 * a slot packed with several ports is marked multifunction on its function 0. */
static void
finish_root_ports(Pci *pci)
{
    PciBus *root = find_bus(pci, 0);
    for (guint i = 0; i < pci->def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(pci->def->controllers, i);
        const MvDomainAddress *a = &ctrl->info.addr;
        if (ctrl->type != MV_DOMAIN_CONTROLLER_PCI)
            continue;
        if (ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE && !ctrl->model_name)
            ctrl->model_name = g_strdup("pcie-pci-bridge");
        if (ctrl->model != MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT)
            continue;
        if (!ctrl->model_name)
            ctrl->model_name = g_strdup("pcie-root-port");
        if (ctrl->chassis < 0)
            ctrl->chassis = ctrl->index;
        if (ctrl->port < 0 && a->type == MV_DOMAIN_ADDRESS_PCI)
            ctrl->port = (int)(a->slot << 3 | a->function);
        if (a->type == MV_DOMAIN_ADDRESS_PCI && a->bus == 0 && a->function == 0 &&
            !a->multifunction && (root->used[a->slot] & 0xfe))
            ctrl->info.addr.multifunction = MV_TRISTATE_ON;
    }
}

bool
mv_domain_def_assign_pci(MvDomainDef *def, bool q35, GError **error)
{
    Pci pci = { .def = def, .q35 = q35, .port_slot = -1 };
    g_autoptr(GArray) buses = pci.buses = g_array_new(FALSE, TRUE, sizeof(PciBus));
    g_autoptr(GArray) devices = pci.devices = g_array_new(FALSE, TRUE, sizeof(PciDevice));
    g_autoptr(GPtrArray) whats = pci.whats = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->type == MV_DOMAIN_CONTROLLER_PCI)
            add_bus(&pci, ctrl);
    }
    if (!find_bus(&pci, 0)) {
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_INTERNAL_ERROR, "no PCI root controller");
        return false;
    }
    if (!reserve_chipset(&pci, error))
        return false;
    collect_devices(&pci);

    /* What the user (or a previous run) placed stays; the video and the rest fill in. */
    for (guint i = 0; i < def->videos->len; i++) {
        MvDomainVideo *video = g_ptr_array_index(def->videos, i);
        if (video->info.addr.type == MV_DOMAIN_ADDRESS_PCI &&
            !reserve(&pci, &video->info.addr, "the video device", error))
            return false;
    }
    for (guint i = 0; i < devices->len; i++) {
        PciDevice *dev = &g_array_index(devices, PciDevice, i);
        const MvDomainAddress *a = &dev->info->addr;
        if (a->type && a->type != MV_DOMAIN_ADDRESS_PCI) {
            mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_XML_ERROR,
                         "%s needs a PCI address, not type '%s'", dev->what,
                         mv_domain_address_to_string(a->type));
            return false;
        }
        if (a->type && !reserve(&pci, a, dev->what, error))
            return false;
    }
    if (!place_video(&pci, error))
        return false;
    /* Root ports placed by the user (or a previous run) come before new ones. */
    for (guint i = 0; i < devices->len; i++) {
        PciDevice *dev = &g_array_index(devices, PciDevice, i);
        if (dev->kind == KIND_ROOT_PORT && !dev->info->addr.type && !place(&pci, dev, error))
            return false;
    }
    if (q35 && !add_buses(&pci, error))
        return false;
    /* The bridges just added are PCI controllers: they are placed first, as libvirt does. */
    g_array_set_size(devices, 0);
    collect_devices(&pci);
    for (guint i = 0; i < devices->len; i++) {
        PciDevice *dev = &g_array_index(devices, PciDevice, i);
        if (!dev->info->addr.type && !place(&pci, dev, error))
            return false;
    }
    finish_root_ports(&pci);
    return true;
}
