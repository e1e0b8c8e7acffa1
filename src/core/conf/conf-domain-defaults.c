// SPDX-License-Identifier: LGPL-2.1-or-later
// The defaults libvirt fills into an x86 definition at define time (machine, CPU, implicit
// controllers and input devices, console pairing, drive addresses, aliases), and the checks
// that need them.  PCI addresses are conf-domain-pci.c's; hypervisor checks are the driver's.

#include "conf/conf-domain.h"

#include <string.h>

#include "conf/conf-domain-priv.h"
#include "util/util-error.h"

/* libvirt's default video RAM for vga, cirrus and bochs, in KiB. */
#define DEFAULT_VRAM_KIB 16384
/* QXL's VRAM bar (and RAM bar) as libvirt sizes them: 64 MiB. */
#define QXL_DEFAULT_VRAM_KIB 65536

/* Highest disk controller index a target name may lead to (the parser's bound on
 * controller indexes): every lower index becomes a controller, so it is kept small. */
#define MAX_DRIVE_CONTROLLER 255

/* Ports of the USB controllers we offer, as QEMU builds them. */
#define UHCI_PORTS 2
#define XHCI_PORTS 4


static bool
fill_machine(MvDomainDef *def, const MvDomainDefaults *defaults, bool *ret_q35, GError **error)
{
    MvDomainOs *os = &def->os;
    if (!def->emulator && defaults->emulator)
        def->emulator = g_strdup(defaults->emulator);
    if (!os->arch && defaults->arch)
        os->arch = g_strdup(defaults->arch);
    if (!os->arch)
        return xml_error(error, "no architecture given in <os><type arch=> and none known");
    if (!g_str_equal(os->arch, "x86_64") && !g_str_equal(os->arch, "i686"))
        return unsupported(error, "architecture '%s' is not supported", os->arch);
    if (!os->machine && defaults->default_machine)
        os->machine = g_strdup(defaults->default_machine);
    if (!os->machine)
        return xml_error(error, "no machine type given in <os><type machine=> and none known");
    for (const char *const *a = defaults->machine_aliases; a && a[0] && a[1]; a += 2) {
        if (g_str_equal(os->machine, a[0])) {
            g_free(os->machine);
            os->machine = g_strdup(a[1]);
            break;
        }
    }
    if (mv_domain_machine_is_q35(os->machine))
        *ret_q35 = true;
    else if (mv_domain_machine_is_i440fx(os->machine))
        *ret_q35 = false;
    else
        return unsupported(error, "machine type '%s' is not supported: use a pc (i440fx) or q35 "
                           "machine", os->machine);
    return true;
}

static void
fill_cpu(MvDomainDef *def)
{
    MvDomainCpu *cpu = &def->cpu;
    if (!cpu->present) {
        cpu->present = true;
        cpu->mode = MV_DOMAIN_CPU_MODE_CUSTOM;
    }
    switch (cpu->mode) {
    case MV_DOMAIN_CPU_MODE_CUSTOM:
        if (!cpu->model) {
            cpu->model = g_strdup("qemu64");
            if (!cpu->fallback)
                cpu->fallback = MV_DOMAIN_CPU_FALLBACK_FORBID;
        }
        if (!cpu->match)
            cpu->match = MV_DOMAIN_CPU_MATCH_EXACT;
        if (!cpu->fallback)
            cpu->fallback = MV_DOMAIN_CPU_FALLBACK_ALLOW;
        if (!cpu->check)
            cpu->check = MV_DOMAIN_CPU_CHECK_NONE;
        break;
    case MV_DOMAIN_CPU_MODE_HOST_MODEL:
        if (!cpu->check)
            cpu->check = MV_DOMAIN_CPU_CHECK_PARTIAL;
        break;
    case MV_DOMAIN_CPU_MODE_HOST_PASSTHROUGH:
    case MV_DOMAIN_CPU_MODE_MAXIMUM:
        if (!cpu->check)
            cpu->check = MV_DOMAIN_CPU_CHECK_NONE;
        if (!cpu->migratable)
            cpu->migratable = MV_TRISTATE_ON;
        break;
    case MV_DOMAIN_CPU_MODE_LAST:
        break;
    }
}

static bool
fill_memory_and_vcpus(MvDomainDef *def, GError **error)
{
    if (def->cpu.numa->len) {
        guint64 total = 0;
        for (guint i = 0; i < def->cpu.numa->len; i++) {
            const MvDomainNumaCell *cell = g_ptr_array_index(def->cpu.numa, i);
            if (cell->memory_kib == 0)
                return xml_error(error, "NUMA cell %u needs memory greater than zero", cell->id);
            total += cell->memory_kib;  /* each <= 2^53 KiB, at most 256 cells: no overflow */
        }
        def->memory_kib = total;
    }
    if (def->max_memory_kib && def->max_memory_kib < def->memory_kib)
        return xml_error(error, "maximum memory size must be equal or greater than the actual "
                         "memory size");
    if (def->max_memory_kib && !def->max_memory_slots)
        return xml_error(error, "<maxMemory> needs a 'slots' attribute of 1 or more");
    /* As libvirt: a balloon target above the memory size is the memory size. */
    if (def->current_memory_kib == 0 || def->current_memory_kib > def->memory_kib)
        def->current_memory_kib = def->memory_kib;
    if (def->current_vcpus == def->vcpus)
        def->current_vcpus = 0;
    if (!def->placement)
        def->placement = MV_DOMAIN_VCPU_PLACEMENT_STATIC;

    const MvDomainCpu *cpu = &def->cpu;
    if (cpu->sockets) {
        guint64 product = (guint64)cpu->sockets * cpu->dies * cpu->cores * cpu->threads;
        if (product != def->vcpus)
            return xml_error(error, "CPU topology of %u sockets, %u dies, %u cores and %u threads "
                             "doesn't match the maximum vCPU count %u", cpu->sockets, cpu->dies,
                             cpu->cores, cpu->threads, def->vcpus);
    }
    return true;
}

static bool
fill_boot(MvDomainDef *def, GError **error)
{
    /* Every device that can carry <boot order=>. */
    GPtrArray *orders = g_ptr_array_new();
    g_autoptr(GPtrArray) owned = orders;
    for (guint i = 0; i < def->disks->len; i++)
        g_ptr_array_add(orders, &((MvDomainDisk *)g_ptr_array_index(def->disks, i))->info);
    for (guint i = 0; i < def->nets->len; i++)
        g_ptr_array_add(orders, &((MvDomainNet *)g_ptr_array_index(def->nets, i))->info);

    bool per_device = false;
    for (guint i = 0; i < orders->len; i++) {
        const MvDomainDeviceInfo *a = g_ptr_array_index(orders, i);
        if (!a->boot_order)
            continue;
        per_device = true;
        for (guint j = i + 1; j < orders->len; j++) {
            const MvDomainDeviceInfo *b = g_ptr_array_index(orders, j);
            if (b->boot_order == a->boot_order)
                return xml_error(error, "boot order '%u' used for more than one device",
                                 a->boot_order);
        }
    }
    if (per_device && def->os.nboot)
        return xml_error(error, "per-device boot elements cannot be used together with os/boot "
                         "elements");
    if (!per_device && !def->os.nboot)
        def->os.boot[def->os.nboot++] = MV_DOMAIN_BOOT_HD;
    return true;
}

/* Insert @ctrl as libvirt does: after the last controller of its type with a lower index,
 * before the first with a higher one, else at the end. */
static void
controller_insert(MvDomainDef *def, MvDomainController *ctrl)
{
    int at = -1;
    for (guint i = 0; i < def->controllers->len; i++) {
        const MvDomainController *other = g_ptr_array_index(def->controllers, i);
        if (other->type != ctrl->type)
            continue;
        if (other->index < ctrl->index)
            at = (int)i + 1;
        else if (at < 0)
            at = (int)i;
    }
    if (at < 0)
        g_ptr_array_add(def->controllers, ctrl);
    else
        g_ptr_array_insert(def->controllers, at, ctrl);
}

static MvDomainController *
add_controller(MvDomainDef *def, MvDomainControllerType type, int index, int model)
{
    MvDomainController *ctrl = g_new0(MvDomainController, 1);
    ctrl->type = type;
    ctrl->index = index;
    ctrl->model = model;
    ctrl->chassis = -1;
    ctrl->port = -1;
    ctrl->usb_ports = -1;
    controller_insert(def, ctrl);
    return ctrl;
}

/* Drive address of a disk from its target index, as libvirt derives it. */
static void
fill_drive_address(MvDomainDisk *disk)
{
    size_t plen;
    unsigned idx;
    if (disk->info.addr.type || mv_domain_disk_name_index(disk->target, &plen, &idx) < 0)
        return;
    MvDomainAddress *a = &disk->info.addr;
    switch (disk->bus) {
    case MV_DOMAIN_DISK_BUS_IDE:
        *a = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_DRIVE, .controller = idx / 4,
                                .drive_bus = (idx % 4) / 2, .unit = idx % 2 };
        break;
    case MV_DOMAIN_DISK_BUS_SATA:
        *a = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_DRIVE, .controller = idx / 6,
                                .unit = idx % 6 };
        break;
    case MV_DOMAIN_DISK_BUS_SCSI:
        *a = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_DRIVE, .controller = idx / 7,
                                .unit = idx % 7 };
        break;
    default:
        break;
    }
}

static MvDomainControllerType
disk_controller_type(MvDomainDiskBus bus)
{
    switch (bus) {
    case MV_DOMAIN_DISK_BUS_IDE: return MV_DOMAIN_CONTROLLER_IDE;
    case MV_DOMAIN_DISK_BUS_SATA: return MV_DOMAIN_CONTROLLER_SATA;
    case MV_DOMAIN_DISK_BUS_SCSI: return MV_DOMAIN_CONTROLLER_SCSI;
    default: return MV_DOMAIN_CONTROLLER_LAST;
    }
}

static bool
fill_disks(MvDomainDef *def, bool q35, GError **error)
{
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (!disk->driver_name)
            disk->driver_name = g_strdup("qemu");
        /* A volume's format is the volume's, learnt from the storage daemon at start. */
        if (!disk->format && disk->type != MV_DOMAIN_DISK_TYPE_VOLUME)
            disk->format = MV_DOMAIN_DISK_FORMAT_RAW;
        if (disk->device == MV_DOMAIN_DISK_DEVICE_CDROM && disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO)
            return xml_error(error, "disk type of '%s' does not support ejectable media",
                             disk->target);
        if (disk->bus == MV_DOMAIN_DISK_BUS_IDE && q35)
            return unsupported(error, "IDE controllers are unsupported for this QEMU binary or "
                               "machine type (disk '%s')", disk->target);
        if (disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO && disk->info.addr.type == MV_DOMAIN_ADDRESS_DRIVE)
            return xml_error(error, "virtio disk '%s' cannot have a drive address", disk->target);
        if (disk->bus != MV_DOMAIN_DISK_BUS_VIRTIO && disk->info.addr.type &&
            disk->info.addr.type != MV_DOMAIN_ADDRESS_DRIVE)
            return xml_error(error, "disk '%s' on bus '%s' needs a drive address", disk->target,
                             mv_domain_disk_bus_to_string(disk->bus));
        fill_drive_address(disk);

        const MvDomainAddress *a = &disk->info.addr;
        if (a->type != MV_DOMAIN_ADDRESS_DRIVE)
            continue;
        if (a->controller > MAX_DRIVE_CONTROLLER)
            return unsupported(error, "disk '%s' would need %s controller %u; the highest index "
                               "is %d", disk->target, mv_domain_disk_bus_to_string(disk->bus),
                               a->controller, MAX_DRIVE_CONTROLLER);
        bool ok = disk->bus == MV_DOMAIN_DISK_BUS_IDE ? a->drive_bus <= 1 && a->unit <= 1 && !a->target
                : disk->bus == MV_DOMAIN_DISK_BUS_SATA ? a->drive_bus == 0 && a->unit <= 5 && !a->target
                : a->drive_bus == 0 && a->target == 0 && a->unit <= 6;
        if (!ok)
            return xml_error(error, "drive address controller='%u' bus='%u' target='%u' unit='%u' "
                             "of disk '%s' is out of range for bus '%s'", a->controller,
                             a->drive_bus, a->target, a->unit, disk->target,
                             mv_domain_disk_bus_to_string(disk->bus));
        for (guint j = 0; j < i; j++) {
            const MvDomainDisk *other = g_ptr_array_index(def->disks, j);
            const MvDomainAddress *b = &other->info.addr;
            if (disk_controller_type(other->bus) == disk_controller_type(disk->bus) &&
                b->type == MV_DOMAIN_ADDRESS_DRIVE && b->controller == a->controller &&
                b->drive_bus == a->drive_bus && b->target == a->target && b->unit == a->unit)
                return xml_error(error, "disks '%s' and '%s' use the same drive address "
                                 "controller='%u' bus='%u' unit='%u'", other->target, disk->target,
                                 a->controller, a->drive_bus, a->unit);
        }
    }
    return true;
}

/* A UHCI companion of the ICH9 set: it shares its EHCI master's index. */
static bool
usb_companion(const MvDomainController *ctrl)
{
    return ctrl->type == MV_DOMAIN_CONTROLLER_USB &&
           (ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI1 || ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI2 ||
            ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_UHCI3);
}

/* A virtio-serial controller for the channels, as libvirt adds one. */
static void
fill_channels(MvDomainDef *def)
{
    if (def->channels->len &&
        !mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_VIRTIO_SERIAL, 0))
        add_controller(def, MV_DOMAIN_CONTROLLER_VIRTIO_SERIAL, 0, -1);
}

static bool
fill_controllers(MvDomainDef *def, bool q35, GError **error)
{
    /* Missing indexes: the lowest free one of the type, in document order; a companion takes
     * the index of the EHCI master before it. */
    int ehci_index = 0;
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->index < 0 && usb_companion(ctrl))
            ctrl->index = ehci_index;
        if (ctrl->index < 0) {
            int index = 0;
            while (mv_domain_def_find_controller(def, ctrl->type, index))
                index++;
            ctrl->index = index;
        }
        if (ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->model == MV_DOMAIN_USB_MODEL_ICH9_EHCI1)
            ehci_index = ctrl->index;
    }
    for (guint i = 0; i < def->controllers->len; i++) {
        const MvDomainController *a = g_ptr_array_index(def->controllers, i);
        for (guint j = i + 1; j < def->controllers->len; j++) {
            const MvDomainController *b = g_ptr_array_index(def->controllers, j);
            /* The ICH9 set is one USB bus: its master and companions share an index. */
            if ((usb_companion(a) || usb_companion(b)) && a->model != b->model)
                continue;
            if (a->type == b->type && a->index == b->index)
                return xml_error(error, "Multiple '%s' controllers with index '%d'",
                                 mv_domain_controller_to_string(a->type), a->index);
        }
    }

    /* What libvirt's QEMU driver adds, in its order: USB, the q35 SATA, the PCI root. */
    int usb_model = q35 ? MV_DOMAIN_USB_MODEL_QEMU_XHCI : MV_DOMAIN_USB_MODEL_PIIX3_UHCI;
    MvDomainController *usb = mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_USB, 0);
    if (!usb)
        add_controller(def, MV_DOMAIN_CONTROLLER_USB, 0, usb_model);
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->model < 0)
            ctrl->model = usb_model;
        if (ctrl->type == MV_DOMAIN_CONTROLLER_SCSI && ctrl->model < 0)
            ctrl->model = MV_DOMAIN_SCSI_MODEL_LSILOGIC;
        if (ctrl->type == MV_DOMAIN_CONTROLLER_IDE && (q35 || ctrl->index > 0))
            return unsupported(error, "IDE controller %d is not supported: %s", ctrl->index,
                               q35 ? "q35 machines have no IDE" : "only the built-in IDE "
                               "controller (index 0) exists");
        if (ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->model == MV_DOMAIN_USB_MODEL_NONE &&
            ctrl->index > 0)
            return xml_error(error, "USB controller model 'none' must have index 0");
    }
    if (q35 && !mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_SATA, 0))
        add_controller(def, MV_DOMAIN_CONTROLLER_SATA, 0, -1);

    int root_model = q35 ? MV_DOMAIN_PCI_MODEL_PCIE_ROOT : MV_DOMAIN_PCI_MODEL_PCI_ROOT;
    MvDomainController *root = mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_PCI, 0);
    if (!root)
        add_controller(def, MV_DOMAIN_CONTROLLER_PCI, 0, root_model);
    else if (root->model != root_model)
        return xml_error(error, "The PCI controller with index='0' must be model='%s' for machine "
                         "type '%s'", mv_domain_pci_model_to_string(root_model), def->os.machine);
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->type != MV_DOMAIN_CONTROLLER_PCI || ctrl->index == 0)
            continue;
        if (ctrl->model == MV_DOMAIN_PCI_MODEL_PCI_ROOT || ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT)
            return xml_error(error, "a PCI controller of model '%s' must have index 0",
                             mv_domain_pci_model_to_string(ctrl->model));
        if (!q35)
            return unsupported(error, "PCI controller model '%s' needs a q35 machine",
                               mv_domain_pci_model_to_string(ctrl->model));
    }

    /* Controllers the disks need, in libvirt's order: SCSI, IDE, SATA. */
    static const MvDomainControllerType order[] = {
        MV_DOMAIN_CONTROLLER_SCSI, MV_DOMAIN_CONTROLLER_IDE, MV_DOMAIN_CONTROLLER_SATA,
    };
    /* As libvirt, every index up to the highest one a disk uses exists. */
    for (size_t o = 0; o < G_N_ELEMENTS(order); o++) {
        int max = -1;
        for (guint i = 0; i < def->disks->len; i++) {
            const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
            if (disk_controller_type(disk->bus) != order[o] ||
                disk->info.addr.type != MV_DOMAIN_ADDRESS_DRIVE)
                continue;
            int index = (int)disk->info.addr.controller;
            if (order[o] == MV_DOMAIN_CONTROLLER_IDE && index > 0)
                return unsupported(error, "disk '%s' needs IDE controller %d; only the built-in "
                                   "one (index 0) exists", disk->target, index);
            max = MAX(max, index);
        }
        for (int index = 0; index <= max; index++)
            if (!mv_domain_def_find_controller(def, order[o], index))
                add_controller(def, order[o], index,
                               order[o] == MV_DOMAIN_CONTROLLER_SCSI ? MV_DOMAIN_SCSI_MODEL_LSILOGIC : -1);
    }
    return true;
}

static bool
fill_nets(MvDomainDef *def, GError **error)
{
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (!net->mac_set) {
            mv_mac_generate(net->mac);
            net->mac_set = true;
        }
        /* QEMU's default NIC on x86, spelled out as libvirt does. */
        if (!net->model)
            net->model = MV_DOMAIN_NET_MODEL_RTL8139;
    }
    return true;
}

static MvDomainChr *
chr_copy(const MvDomainChr *src)
{
    MvDomainChr *chr = g_new0(MvDomainChr, 1);
    chr->type = src->type;
    chr->path = g_strdup(src->path);
    chr->mode = src->mode;
    chr->append = src->append;
    chr->target_port = -1;
    return chr;
}

/* libvirt's x86 pairing: a console is a second view of the first serial port.  Serial
 * ports get target type isa-serial and numbered ports; the console mirrors serial 0
 * (which is created from the console when there is none), and serial ports alone get a
 * console. */
static bool
fill_chardevs(MvDomainDef *def, GError **error)
{
    if (def->consoles->len > 1)
        return unsupported(error, "only one <console> is supported");
    /* A port left out is one past the highest port in use, counting in document order. */
    for (guint i = 0; i < def->serials->len; i++) {
        MvDomainChr *serial = g_ptr_array_index(def->serials, i);
        serial->target_type = MV_DOMAIN_CHR_TARGET_ISA_SERIAL;
        if (serial->target_port >= 0)
            continue;
        int port = -1;
        for (guint j = 0; j < def->serials->len; j++)
            port = MAX(port, ((MvDomainChr *)g_ptr_array_index(def->serials, j))->target_port);
        serial->target_port = port + 1;
    }
    for (guint i = 0; i < def->serials->len; i++) {
        const MvDomainChr *serial = g_ptr_array_index(def->serials, i);
        for (guint j = 0; j < i; j++)
            if (((MvDomainChr *)g_ptr_array_index(def->serials, j))->target_port == serial->target_port)
                return xml_error(error, "serial port %d is used twice", serial->target_port);
    }

    if (def->consoles->len) {
        MvDomainChr *console = g_ptr_array_index(def->consoles, 0);
        MvDomainChr *serial = def->serials->len ? g_ptr_array_index(def->serials, 0) : NULL;
        if (!serial) {
            serial = chr_copy(console);
            serial->target_type = MV_DOMAIN_CHR_TARGET_ISA_SERIAL;
            serial->target_port = 0;
            g_ptr_array_add(def->serials, serial);
        }
        /* The console shows what the first serial port is. */
        MvDomainChr *mirror = chr_copy(serial);
        mirror->target_type = MV_DOMAIN_CHR_TARGET_SERIAL;
        mirror->target_port = serial->target_port;
        g_ptr_array_index(def->consoles, 0) = mirror;
        mv_domain_chr_free(console);
    } else if (def->serials->len) {
        MvDomainChr *serial = g_ptr_array_index(def->serials, 0);
        MvDomainChr *mirror = chr_copy(serial);
        mirror->target_type = MV_DOMAIN_CHR_TARGET_SERIAL;
        mirror->target_port = serial->target_port;
        g_ptr_array_add(def->consoles, mirror);
    }
    return true;
}

static MvDomainController *
usb_controller(MvDomainDef *def)
{
    /* The bus of index 0: its master when it is an ICH9 set. */
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->index == 0 && !usb_companion(ctrl))
            return ctrl->model != MV_DOMAIN_USB_MODEL_NONE ? ctrl : NULL;
    }
    return NULL;
}

static bool
fill_inputs(MvDomainDef *def, GError **error)
{
    bool mouse = false, keyboard = false;
    for (guint i = 0; i < def->inputs->len; i++) {
        MvDomainInput *input = g_ptr_array_index(def->inputs, i);
        if (!input->bus)
            input->bus = input->type == MV_DOMAIN_INPUT_TABLET ? MV_DOMAIN_INPUT_BUS_USB
                                                               : MV_DOMAIN_INPUT_BUS_PS2;
        if (input->bus == MV_DOMAIN_INPUT_BUS_PS2) {
            if (input->type == MV_DOMAIN_INPUT_MOUSE && mouse)
                return xml_error(error, "only one ps2 mouse is possible");
            if (input->type == MV_DOMAIN_INPUT_KEYBOARD && keyboard)
                return xml_error(error, "only one ps2 keyboard is possible");
            mouse |= input->type == MV_DOMAIN_INPUT_MOUSE;
            keyboard |= input->type == MV_DOMAIN_INPUT_KEYBOARD;
        }
    }
    /* The i8042 is always there; libvirt lists both of its devices. */
    if (!mouse) {
        MvDomainInput *input = g_new0(MvDomainInput, 1);
        input->type = MV_DOMAIN_INPUT_MOUSE;
        input->bus = MV_DOMAIN_INPUT_BUS_PS2;
        g_ptr_array_add(def->inputs, input);
    }
    if (!keyboard) {
        MvDomainInput *input = g_new0(MvDomainInput, 1);
        input->type = MV_DOMAIN_INPUT_KEYBOARD;
        input->bus = MV_DOMAIN_INPUT_BUS_PS2;
        g_ptr_array_add(def->inputs, input);
    }

    /* USB ports in order from 1 on bus 0. */
    const MvDomainController *usb = usb_controller(def);
    unsigned nports = !usb ? 0
                    : usb->model == MV_DOMAIN_USB_MODEL_PIIX3_UHCI ? UHCI_PORTS
                    : usb->model == MV_DOMAIN_USB_MODEL_ICH9_EHCI1 ? USB_EHCI_PORTS
                    : usb->usb_ports > 0 ? (unsigned)usb->usb_ports : XHCI_PORTS;
    for (guint i = 0; i < def->inputs->len; i++) {
        MvDomainInput *input = g_ptr_array_index(def->inputs, i);
        if (input->bus != MV_DOMAIN_INPUT_BUS_USB) {
            if (input->info.addr.type == MV_DOMAIN_ADDRESS_USB ||
                (input->bus == MV_DOMAIN_INPUT_BUS_PS2 && input->info.addr.type))
                return xml_error(error, "%s input device cannot have a%s address",
                                 mv_domain_input_bus_to_string(input->bus),
                                 input->info.addr.type == MV_DOMAIN_ADDRESS_USB ? " USB" : "n");
            continue;
        }
        if (!usb)
            return unsupported(error, "USB is disabled for this domain, but USB devices are "
                               "present in the domain XML");
        if (input->info.addr.type && input->info.addr.type != MV_DOMAIN_ADDRESS_USB)
            return xml_error(error, "USB input device needs a USB address");
        if (input->info.addr.type)
            continue;
        for (unsigned port = 1; port <= nports && !input->info.addr.type; port++) {
            g_autofree char *name = g_strdup_printf("%u", port);
            bool taken = false;
            for (guint j = 0; j < def->inputs->len; j++) {
                const MvDomainInput *other = g_ptr_array_index(def->inputs, j);
                taken |= other->info.addr.type == MV_DOMAIN_ADDRESS_USB &&
                         g_strcmp0(other->info.addr.usb_port, name) == 0;
            }
            if (!taken) {
                input->info.addr.type = MV_DOMAIN_ADDRESS_USB;
                input->info.addr.usb_port = g_steal_pointer(&name);
            }
        }
        if (!input->info.addr.type)
            return unsupported(error, "no free USB port for %s: the controller has %u",
                               mv_domain_input_to_string(input->type), nports);
    }
    return true;
}

static bool
fill_display(MvDomainDef *def, GError **error)
{
    if (def->graphics->len > 1)
        return unsupported(error, "only one <graphics> device is supported");
    if (def->videos->len > 1)
        return unsupported(error, "only one <video> device is supported");
    if (def->graphics->len && !def->videos->len) {
        MvDomainVideo *video = g_new0(MvDomainVideo, 1);
        video->model = MV_DOMAIN_VIDEO_LAST;
        g_ptr_array_add(def->videos, video);
    }
    for (guint i = 0; i < def->videos->len; i++) {
        MvDomainVideo *video = g_ptr_array_index(def->videos, i);
        if (video->model == MV_DOMAIN_VIDEO_LAST)
            video->model = MV_DOMAIN_VIDEO_CIRRUS;
        if (video->model == MV_DOMAIN_VIDEO_NONE) {
            if (video->vram_kib || video->heads || video->primary || video->info.addr.type)
                return xml_error(error, "video model 'none' takes no other attribute or address");
            continue;
        }
        if (video->model == MV_DOMAIN_VIDEO_RAMFB &&
            (video->vram_kib || video->heads > 1 || video->info.addr.type))
            return xml_error(error, "video model 'ramfb' takes no vram, heads or address");
        if (!video->vram_kib && video->model == MV_DOMAIN_VIDEO_QXL)
            video->vram_kib = QXL_DEFAULT_VRAM_KIB;
        else if (!video->vram_kib && video->model != MV_DOMAIN_VIDEO_VIRTIO &&
                 video->model != MV_DOMAIN_VIDEO_RAMFB)
            video->vram_kib = DEFAULT_VRAM_KIB;
        if (video->model == MV_DOMAIN_VIDEO_VIRTIO && video->vram_kib)
            return unsupported(error, "video model 'virtio' takes no vram");
        if (!video->heads)
            video->heads = 1;
        if (video->heads > 1 && video->model != MV_DOMAIN_VIDEO_VIRTIO)
            return unsupported(error, "video model '%s' supports one head only",
                               mv_domain_video_to_string(video->model));
        video->primary = true;
    }
    if (!def->audios->len) {
        MvDomainAudio *audio = g_new0(MvDomainAudio, 1);
        audio->id = 1;
        g_ptr_array_add(def->audios, audio);
    }
    for (guint i = 0; i < def->audios->len; i++)
        for (guint j = 0; j < i; j++)
            if (((MvDomainAudio *)g_ptr_array_index(def->audios, i))->id ==
                ((MvDomainAudio *)g_ptr_array_index(def->audios, j))->id)
                return xml_error(error, "audio id '%u' is used twice",
                                 ((MvDomainAudio *)g_ptr_array_index(def->audios, i))->id);
    return true;
}

static bool
fill_misc_devices(MvDomainDef *def, GError **error)
{
    if (!def->memballoon) {
        def->memballoon = g_new0(MvDomainMemballoon, 1);
        def->memballoon->model = MV_DOMAIN_MEMBALLOON_VIRTIO;
    }
    for (guint i = 0; i < def->rngs->len; i++) {
        MvDomainRng *rng = g_ptr_array_index(def->rngs, i);
        if (!rng->backend_path)
            rng->backend_path = g_strdup("/dev/random");
    }
    if (def->watchdogs->len > 1)
        return unsupported(error, "only one <watchdog> device is supported");
    return true;
}

static void
set_alias(MvDomainDeviceInfo *info, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
set_alias(MvDomainDeviceInfo *info, const char *fmt, ...)
{
    if (info->alias)
        return;
    va_list ap;
    va_start(ap, fmt);
    info->alias = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* libvirt's alias scheme, which QEMU sees as device ids. */
static void
fill_aliases(MvDomainDef *def, bool q35)
{
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        const MvDomainAddress *a = &disk->info.addr;
        size_t plen;
        unsigned idx = 0;
        mv_domain_disk_name_index(disk->target, &plen, &idx);
        const MvDomainController *ctrl =
            mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_SCSI, (int)a->controller);
        if (disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO)
            set_alias(&disk->info, "virtio-disk%u", idx);
        else if (disk->bus == MV_DOMAIN_DISK_BUS_SCSI && ctrl &&
                 ctrl->model == MV_DOMAIN_SCSI_MODEL_VIRTIO_SCSI)
            set_alias(&disk->info, "scsi%u-%u-%u-%u", a->controller, a->drive_bus, a->target,
                      a->unit);
        else
            set_alias(&disk->info, "%s%u-%u-%u", mv_domain_disk_bus_to_string(disk->bus),
                      a->controller, a->drive_bus, a->unit);
    }
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        switch (ctrl->type) {
        case MV_DOMAIN_CONTROLLER_PCI:
            if (ctrl->index == 0 && q35)
                set_alias(&ctrl->info, "pcie.0");
            else
                set_alias(&ctrl->info, "pci.%d", ctrl->index);
            break;
        case MV_DOMAIN_CONTROLLER_USB:
            if (ctrl->index == 0)
                set_alias(&ctrl->info, "usb");
            else
                set_alias(&ctrl->info, "usb%d", ctrl->index);
            break;
        case MV_DOMAIN_CONTROLLER_IDE:
            set_alias(&ctrl->info, "ide");
            break;
        case MV_DOMAIN_CONTROLLER_SATA:
            /* q35's built-in AHCI is QEMU's "ide" bus. */
            if (q35 && ctrl->index == 0)
                set_alias(&ctrl->info, "ide");
            else
                set_alias(&ctrl->info, "sata%d", ctrl->index);
            break;
        default:
            set_alias(&ctrl->info, "%s%d", mv_domain_controller_to_string(ctrl->type), ctrl->index);
            break;
        }
    }
    for (guint i = 0; i < def->nets->len; i++)
        set_alias(&((MvDomainNet *)g_ptr_array_index(def->nets, i))->info, "net%u", i);
    for (guint i = 0; i < def->serials->len; i++) {
        MvDomainChr *serial = g_ptr_array_index(def->serials, i);
        set_alias(&serial->info, "serial%d", serial->target_port);
    }
    for (guint i = 0; i < def->consoles->len; i++) {
        MvDomainChr *console = g_ptr_array_index(def->consoles, i);
        set_alias(&console->info, "serial%d", console->target_port);
    }
    for (guint i = 0; i < def->inputs->len; i++)
        set_alias(&((MvDomainInput *)g_ptr_array_index(def->inputs, i))->info, "input%u", i);
    for (guint i = 0; i < def->videos->len; i++)
        set_alias(&((MvDomainVideo *)g_ptr_array_index(def->videos, i))->info, "video%u", i);
    for (guint i = 0; i < def->watchdogs->len; i++)
        set_alias(&((MvDomainWatchdog *)g_ptr_array_index(def->watchdogs, i))->info,
                  "watchdog%u", i);
    if (def->memballoon && def->memballoon->model != MV_DOMAIN_MEMBALLOON_NONE)
        set_alias(&def->memballoon->info, "balloon0");
    for (guint i = 0; i < def->rngs->len; i++)
        set_alias(&((MvDomainRng *)g_ptr_array_index(def->rngs, i))->info, "rng%u", i);
    for (guint i = 0; i < def->channels->len; i++)
        set_alias(&((MvDomainChannel *)g_ptr_array_index(def->channels, i))->info, "channel%u", i);
}

bool
mv_domain_def_fill_defaults(MvDomainDef *def, const MvDomainDefaults *defaults, GError **error)
{
    static const MvDomainDefaults none = { 0 };
    bool q35 = false;
    if (!defaults)
        defaults = &none;
    if (!fill_machine(def, defaults, &q35, error))
        return false;
    fill_cpu(def);
    return fill_memory_and_vcpus(def, error) &&
           fill_boot(def, error) &&
           fill_disks(def, q35, error) &&
           (fill_channels(def), true) &&
           fill_controllers(def, q35, error) &&
           fill_nets(def, error) &&
           fill_chardevs(def, error) &&
           fill_inputs(def, error) &&
           fill_display(def, error) &&
           fill_misc_devices(def, error) &&
           mv_domain_def_assign_pci(def, q35, error) &&
           (fill_aliases(def, q35), true);
}
