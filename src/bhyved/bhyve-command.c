// SPDX-License-Identifier: LGPL-2.1-or-later
// Defaults and command lines of bhyve guests, following libvirt's bhyve driver: one PCI slot
// per device (0 the host bridge, 1 the LPC bridge of the com ports and the UEFI ROM), SATA
// disks behind one ahci device per controller, taps for bridge interfaces.  The tap names
// and the VNC port are only known once a guest runs on FreeBSD: the command shown is the
// one a start would run with taps tap0, tap1, ... and the port the definition names (0 for
// an automatic port), as libvirt's own dry run does.

#include "bhyve-command.h"

#include <string.h>

#include "util/util-error.h"

/* bhyve has 32 slots on bus 0; 0 is the host bridge, 1 the LPC bridge. */
#define BHYVE_PCI_SLOTS 32
#define BHYVE_SLOT_HOSTBRIDGE 0
#define BHYVE_SLOT_LPC 1

static bool
bhyve_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool
bhyve_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_BHYVE, MV_ERR_CONFIG_UNSUPPORTED, "%s", msg);
    return false;
}

static bool
needs_lpc(const MvDomainDef *def)
{
    return def->serials->len > 0 || def->os.loader != NULL;
}

/* Mark an explicit PCI address as used; false when it is not usable for bhyve. */
static bool
claim_slot(MvDomainDeviceInfo *info, const char *what, bool used[BHYVE_PCI_SLOTS], GError **error)
{
    MvDomainAddress *a = &info->addr;
    if (a->type != MV_DOMAIN_ADDRESS_PCI)
        return true;
    if (a->domain || a->bus || a->slot >= BHYVE_PCI_SLOTS)
        return bhyve_error(error, "%s: PCI address %04x:%02x:%02x.%x is outside bhyve's bus 0", what,
                           a->domain, a->bus, a->slot, a->function);
    if (a->slot == BHYVE_SLOT_HOSTBRIDGE || a->slot == BHYVE_SLOT_LPC)
        return bhyve_error(error, "%s: PCI slot %u is reserved (host bridge, LPC)", what, a->slot);
    if (used[a->slot])
        return bhyve_error(error, "%s: PCI slot %u is used twice", what, a->slot);
    used[a->slot] = true;
    return true;
}

static bool
assign_slot(MvDomainDeviceInfo *info, const char *what, bool used[BHYVE_PCI_SLOTS], GError **error)
{
    if (info->addr.type == MV_DOMAIN_ADDRESS_PCI)
        return true;
    for (unsigned slot = BHYVE_SLOT_LPC + 1; slot < BHYVE_PCI_SLOTS; slot++) {
        if (used[slot])
            continue;
        used[slot] = true;
        info->addr = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_PCI, .slot = slot };
        return true;
    }
    return bhyve_error(error, "no free PCI slot left for %s", what);
}

static bool
has_controller(const MvDomainDef *def, MvDomainControllerType type)
{
    for (guint i = 0; i < def->controllers->len; i++)
        if (((MvDomainController *)g_ptr_array_index(def->controllers, i))->type == type)
            return true;
    return false;
}

static void
add_controller(MvDomainDef *def, MvDomainControllerType type, int model)
{
    MvDomainController *c = g_new0(MvDomainController, 1);
    c->type = type;
    c->index = 0;
    c->model = model;
    c->chassis = -1;
    c->port = -1;
    g_ptr_array_add(def->controllers, c);
}

static bool
fill_disks(MvDomainDef *def, GError **error)
{
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->bus == MV_DOMAIN_DISK_BUS_NONE)
            disk->bus = g_str_has_prefix(disk->target, "vd") ? MV_DOMAIN_DISK_BUS_VIRTIO
                      : g_str_has_prefix(disk->target, "sd") ? MV_DOMAIN_DISK_BUS_SATA
                      : MV_DOMAIN_DISK_BUS_NONE;
        if (disk->bus != MV_DOMAIN_DISK_BUS_SATA && disk->bus != MV_DOMAIN_DISK_BUS_VIRTIO)
            return bhyve_error(error, "disk '%s': bhyve has only 'sata' (ahci) and 'virtio' disks",
                               disk->target);
        if (disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO && disk->device != MV_DOMAIN_DISK_DEVICE_DISK)
            return bhyve_error(error, "disk '%s': a virtio CD-ROM is not supported by bhyve",
                               disk->target);
        if (!disk->src)
            return bhyve_error(error, "disk '%s': a CD-ROM without source is not supported by bhyve",
                               disk->target);
        if (disk->format == MV_DOMAIN_DISK_FORMAT_QCOW2)
            return bhyve_error(error, "disk '%s': bhyve reads raw images only", disk->target);
        if (disk->bus == MV_DOMAIN_DISK_BUS_SATA && !has_controller(def, MV_DOMAIN_CONTROLLER_SATA))
            add_controller(def, MV_DOMAIN_CONTROLLER_SATA, -1);
    }
    return true;
}

static bool
fill_devices(MvDomainDef *def, GError **error)
{
    for (guint i = 0; i < def->inputs->len; i++) {
        MvDomainInput *in = g_ptr_array_index(def->inputs, i);
        if (in->type != MV_DOMAIN_INPUT_TABLET ||
            (in->bus != MV_DOMAIN_INPUT_BUS_USB && in->bus != MV_DOMAIN_INPUT_BUS_NONE))
            return bhyve_error(error, "input '%s': bhyve has only a USB tablet",
                               mv_domain_input_to_string(in->type));
        in->bus = MV_DOMAIN_INPUT_BUS_USB;
    }
    if (def->inputs->len > 1)
        return bhyve_error(error, "bhyve supports a single input device");
    if (def->inputs->len && !has_controller(def, MV_DOMAIN_CONTROLLER_USB))
        add_controller(def, MV_DOMAIN_CONTROLLER_USB, MV_DOMAIN_USB_MODEL_NEC_XHCI);
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *c = g_ptr_array_index(def->controllers, i);
        bool ok = c->type == MV_DOMAIN_CONTROLLER_SATA ||
                  (c->type == MV_DOMAIN_CONTROLLER_USB &&
                   (c->model == MV_DOMAIN_USB_MODEL_NEC_XHCI || c->model < 0)) ||
                  (c->type == MV_DOMAIN_CONTROLLER_PCI && c->model == MV_DOMAIN_PCI_MODEL_PCI_ROOT);
        if (!ok)
            return bhyve_error(error, "controller '%s' is not supported by bhyve",
                               mv_domain_controller_to_string(c->type));
        if (c->type == MV_DOMAIN_CONTROLLER_USB)
            c->model = MV_DOMAIN_USB_MODEL_NEC_XHCI;
    }
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (net->type != MV_DOMAIN_NET_BRIDGE)
            return bhyve_error(error, "interface type '%s' is not supported by bhyve (use 'bridge')",
                               mv_domain_net_to_string(net->type));
        if (!net->model)
            net->model = MV_DOMAIN_NET_MODEL_VIRTIO;
        if (net->model != MV_DOMAIN_NET_MODEL_VIRTIO && net->model != MV_DOMAIN_NET_MODEL_E1000)
            return bhyve_error(error, "interface model '%s' is not supported by bhyve",
                               mv_domain_net_model_to_string(net->model));
        if (!net->mac_set) {
            mv_mac_generate(net->mac);
            net->mac_set = true;
        }
    }
    for (guint i = 0; i < def->serials->len; i++) {
        MvDomainChr *chr = g_ptr_array_index(def->serials, i);
        if (chr->type != MV_DOMAIN_CHR_NMDM)
            return bhyve_error(error, "serial type '%s' is not supported by bhyve (use 'nmdm')",
                               mv_domain_chr_to_string(chr->type));
        if (chr->target_port < 0)
            chr->target_port = (int)i;
        if (chr->target_port > 1)
            return bhyve_error(error, "serial port %d: bhyve has com1 and com2 only", chr->target_port);
    }
    if (def->consoles->len)
        return bhyve_error(error, "<console> is not supported by bhyve (use an nmdm <serial>)");
    for (guint i = 0; i < def->graphics->len; i++) {
        MvDomainGraphics *gr = g_ptr_array_index(def->graphics, i);
        if (gr->type != MV_DOMAIN_GRAPHICS_VNC)
            return bhyve_error(error, "graphics type '%s' is not supported by bhyve",
                               mv_domain_graphics_to_string(gr->type));
    }
    if (def->graphics->len > 1)
        return bhyve_error(error, "bhyve supports a single graphics device");
    if (def->graphics->len && !def->videos->len) {
        MvDomainVideo *video = g_new0(MvDomainVideo, 1);
        video->model = MV_DOMAIN_VIDEO_GOP;
        video->heads = 1;
        video->primary = true;
        g_ptr_array_add(def->videos, video);
    }
    for (guint i = 0; i < def->videos->len; i++) {
        MvDomainVideo *video = g_ptr_array_index(def->videos, i);
        if (video->model == MV_DOMAIN_VIDEO_LAST)
            video->model = MV_DOMAIN_VIDEO_GOP;
        if (video->model != MV_DOMAIN_VIDEO_GOP)
            return bhyve_error(error, "video model '%s' is not supported by bhyve (use 'gop')",
                               mv_domain_video_to_string(video->model));
    }
    struct { GPtrArray *list; const char *what; } none[] = {
        { def->watchdogs, "watchdog" }, { def->rngs, "rng" }, { def->audios, "audio" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(none); i++)
        if (none[i].list->len)
            return bhyve_error(error, "<%s> is not supported by bhyve", none[i].what);
    if (def->memballoon && def->memballoon->model != MV_DOMAIN_MEMBALLOON_NONE)
        return bhyve_error(error, "a memory balloon is not supported by bhyve");
    return true;
}

static bool
assign_slots(MvDomainDef *def, GError **error)
{
    bool used[BHYVE_PCI_SLOTS] = { [BHYVE_SLOT_HOSTBRIDGE] = true, [BHYVE_SLOT_LPC] = true };
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *c = g_ptr_array_index(def->controllers, i);
        if (c->type != MV_DOMAIN_CONTROLLER_PCI &&
            !claim_slot(&c->info, mv_domain_controller_to_string(c->type), used, error))
            return false;
    }
    for (guint i = 0; i < def->nets->len; i++)
        if (!claim_slot(&((MvDomainNet *)g_ptr_array_index(def->nets, i))->info, "interface", used,
                        error))
            return false;
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO && !claim_slot(&disk->info, disk->target, used, error))
            return false;
    }
    for (guint i = 0; i < def->videos->len; i++)
        if (!claim_slot(&((MvDomainVideo *)g_ptr_array_index(def->videos, i))->info, "video", used,
                        error))
            return false;

    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *c = g_ptr_array_index(def->controllers, i);
        if (c->type != MV_DOMAIN_CONTROLLER_PCI &&
            !assign_slot(&c->info, mv_domain_controller_to_string(c->type), used, error))
            return false;
    }
    for (guint i = 0; i < def->nets->len; i++)
        if (!assign_slot(&((MvDomainNet *)g_ptr_array_index(def->nets, i))->info, "an interface",
                         used, error))
            return false;
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->bus == MV_DOMAIN_DISK_BUS_VIRTIO && !assign_slot(&disk->info, disk->target, used, error))
            return false;
    }
    for (guint i = 0; i < def->videos->len; i++)
        if (!assign_slot(&((MvDomainVideo *)g_ptr_array_index(def->videos, i))->info, "video",
                         used, error))
            return false;
    return true;
}

bool
bhyve_def_fill_defaults(MvDomainDef *def, GError **error)
{
    if (def->virt_type != MV_DOMAIN_VIRT_BHYVE)
        return bhyve_error(error, "domain '%s' has type '%s': modvirt-bhyved runs type 'bhyve' only",
                           def->name, mv_domain_virt_to_string(def->virt_type));
    if (def->os.type != MV_DOMAIN_OS_HVM)
        return bhyve_error(error, "domain '%s': bhyve runs OS type 'hvm' only", def->name);
    if (def->os.arch && !g_str_equal(def->os.arch, "x86_64"))
        return bhyve_error(error, "domain '%s': architecture '%s' is not supported by bhyve",
                           def->name, def->os.arch);
    if (!def->os.arch)
        def->os.arch = g_strdup("x86_64");
    if (def->os.machine)
        return bhyve_error(error, "domain '%s': bhyve has no machine types ('%s')", def->name,
                           def->os.machine);
    if (def->os.kernel || def->os.nvram)
        return bhyve_error(error, "domain '%s': bhyve boots from bhyveload, a <bootloader> or a "
                           "UEFI <loader>, not from <kernel> or <nvram>", def->name);
    if (def->os.loader && def->bootloader)
        return bhyve_error(error, "domain '%s': <loader> and <bootloader> exclude each other",
                           def->name);
    if (!def->current_memory_kib)
        def->current_memory_kib = def->memory_kib;
    if (def->cpu.sockets && (def->cpu.dies > 1 ||
                             def->cpu.sockets * def->cpu.cores * def->cpu.threads != def->vcpus))
        return bhyve_error(error, "domain '%s': the CPU topology must multiply to the vCPU count "
                           "with one die", def->name);
    if (def->clock.offset != MV_DOMAIN_CLOCK_UTC && def->clock.offset != MV_DOMAIN_CLOCK_LOCALTIME)
        return bhyve_error(error, "domain '%s': clock offset '%s' is not supported by bhyve",
                           def->name, mv_domain_clock_offset_to_string(def->clock.offset));
    return fill_disks(def, error) && fill_devices(def, error) && assign_slots(def, error);
}

/* ---- command lines ---- */

static void
add(GPtrArray *argv, const char *arg)
{
    g_ptr_array_add(argv, g_strdup(arg));
}

static void addf(GPtrArray *argv, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
addf(GPtrArray *argv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static char **
finish(GPtrArray *argv)
{
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}

static guint64
memory_mib(const MvDomainDef *def)
{
    return (def->memory_kib + 1023) / 1024;
}

static bool
build_loader(const MvDomainDef *def, char ***ret, GError **error)
{
    *ret = NULL;
    if (def->os.loader)
        return true;
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    if (def->bootloader) {
        if (!def->bootloader_args) {
            g_ptr_array_free(argv, TRUE);
            return bhyve_error(error, "domain '%s': bootloader '%s' needs <bootloader_args> "
                               "(a grub-bhyve device map is only written at start)",
                               def->name, def->bootloader);
        }
        add(argv, def->bootloader);
        g_auto(GStrv) args = g_strsplit(def->bootloader_args, " ", -1);
        for (char **a = args; *a; a++)
            if (**a)
                add(argv, *a);
        *ret = finish(argv);
        return true;
    }
    /* bhyveload reads the disk with the lowest boot order, else the first one. */
    const MvDomainDisk *boot = def->disks->len ? g_ptr_array_index(def->disks, 0) : NULL;
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->info.boot_order && (!boot->info.boot_order ||
                                      disk->info.boot_order < boot->info.boot_order))
            boot = disk;
    }
    if (!boot) {
        g_ptr_array_free(argv, TRUE);
        return bhyve_error(error, "domain '%s' boots with bhyveload, which needs a disk", def->name);
    }
    add(argv, BHYVELOAD_PATH);
    add(argv, "-m");
    addf(argv, "%" G_GUINT64_FORMAT, memory_mib(def));
    add(argv, "-d");
    add(argv, boot->src);
    add(argv, def->name);
    *ret = finish(argv);
    return true;
}

static void
build_ahci(const MvDomainDef *def, const MvDomainController *ctrl, GPtrArray *argv)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_append_printf(s, "%u:0,ahci", ctrl->info.addr.slot);
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        unsigned controller = disk->info.addr.type == MV_DOMAIN_ADDRESS_DRIVE
                            ? disk->info.addr.controller : 0;
        if (disk->bus != MV_DOMAIN_DISK_BUS_SATA || (int)controller != ctrl->index)
            continue;
        g_string_append_printf(s, ",%s:%s",
                               disk->device == MV_DOMAIN_DISK_DEVICE_CDROM ? "cd" : "hd", disk->src);
    }
    add(argv, "-s");
    add(argv, s->str);
}

static bool
build_graphics(const MvDomainDef *def, GPtrArray *argv, GError **error)
{
    if (!def->graphics->len)
        return true;
    const MvDomainGraphics *gr = g_ptr_array_index(def->graphics, 0);
    const MvDomainVideo *video = g_ptr_array_index(def->videos, 0);
    if (!def->os.loader)
        return bhyve_error(error, "domain '%s': graphics need a UEFI <loader> in bhyve", def->name);
    if (gr->passwd && strchr(gr->passwd, ','))
        return bhyve_error(error, "domain '%s': a VNC password may not contain ','", def->name);
    const char *listen = gr->listen ? gr->listen : "127.0.0.1";
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_append_printf(s, "%u:%u,fbuf,tcp=", video->info.addr.slot, video->info.addr.function);
    if (strchr(listen, ':'))
        g_string_append_printf(s, "[%s]", listen);
    else
        g_string_append(s, listen);
    g_string_append_printf(s, ":%d", gr->autoport || gr->port < 0 ? 0 : gr->port);
    if (gr->passwd)
        g_string_append_printf(s, ",password=%s", gr->passwd);
    add(argv, "-s");
    add(argv, s->str);
    return true;
}

bool
bhyve_build_argv(const MvDomainDef *def, char ***ret_loader, char ***ret_bhyve, GError **error)
{
    g_auto(GStrv) loader = NULL;
    if (!build_loader(def, &loader, error))
        return false;
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->type != MV_DOMAIN_DISK_TYPE_FILE)
            return bhyve_error(error, "disk '%s': bhyve takes image files only (type 'file')",
                               disk->target);
    }
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    add(argv, BHYVE_PATH);
    add(argv, "-c");
    if (def->cpu.sockets)
        addf(argv, "cpus=%u,sockets=%u,cores=%u,threads=%u", def->vcpus, def->cpu.sockets,
             def->cpu.cores, def->cpu.threads);
    else
        addf(argv, "%u", def->vcpus);
    add(argv, "-m");
    addf(argv, "%" G_GUINT64_FORMAT, memory_mib(def));
    if (def->features[MV_DOMAIN_FEATURE_ACPI])
        add(argv, "-A");
    if (def->features[MV_DOMAIN_FEATURE_APIC])
        add(argv, "-I");
    if (def->clock.offset == MV_DOMAIN_CLOCK_UTC)
        add(argv, "-u");
    /* Exit on HLT (an idle guest sleeps instead of spinning) and on PAUSE (spin locks). */
    add(argv, "-H");
    add(argv, "-P");
    add(argv, "-s");
    add(argv, "0:0,hostbridge");
    if (def->os.loader) {
        add(argv, "-l");
        addf(argv, "bootrom,%s", def->os.loader);
    }
    if (needs_lpc(def)) {
        add(argv, "-s");
        addf(argv, "%d:0,lpc", BHYVE_SLOT_LPC);
    }
    for (guint i = 0; i < def->controllers->len; i++) {
        const MvDomainController *c = g_ptr_array_index(def->controllers, i);
        if (c->type == MV_DOMAIN_CONTROLLER_SATA) {
            build_ahci(def, c, argv);
        } else if (c->type == MV_DOMAIN_CONTROLLER_USB && def->inputs->len) {
            add(argv, "-s");
            addf(argv, "%u:%u,xhci,tablet", c->info.addr.slot, c->info.addr.function);
        }
    }
    for (guint i = 0; i < def->nets->len; i++) {
        const MvDomainNet *net = g_ptr_array_index(def->nets, i);
        char mac[MV_MAC_STRING_BUFLEN];
        mv_mac_format(net->mac, mac);
        g_autofree char *tap = net->target_dev ? g_strdup(net->target_dev)
                                               : g_strdup_printf("tap%u", i);
        add(argv, "-s");
        addf(argv, "%u:0,%s,%s,mac=%s", net->info.addr.slot,
             net->model == MV_DOMAIN_NET_MODEL_E1000 ? "e1000" : "virtio-net", tap, mac);
    }
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (disk->bus != MV_DOMAIN_DISK_BUS_VIRTIO)
            continue;
        add(argv, "-s");
        addf(argv, "%u:0,virtio-blk,%s", disk->info.addr.slot, disk->src);
    }
    if (!build_graphics(def, argv, error))
        return false;
    for (guint i = 0; i < def->serials->len; i++) {
        const MvDomainChr *chr = g_ptr_array_index(def->serials, i);
        add(argv, "-l");
        addf(argv, "com%d,%s", chr->target_port + 1, chr->path);
    }
    add(argv, def->name);
    *ret_loader = g_steal_pointer(&loader);
    *ret_bhyve = finish(g_steal_pointer(&argv));
    return true;
}

/* One argument as a shell word: quoted only when it needs to be. */
static void
append_word(GString *out, const char *arg)
{
    bool plain = *arg != '\0';
    for (const char *p = arg; *p && plain; p++)
        plain = g_ascii_isalnum(*p) || strchr("_./:,=@+-%[]", *p);
    if (plain) {
        g_string_append(out, arg);
        return;
    }
    g_autofree char *quoted = g_shell_quote(arg);
    g_string_append(out, quoted);
}

static void
append_line(GString *out, char **argv)
{
    for (char **a = argv; *a; a++) {
        if (a != argv)
            g_string_append_c(out, ' ');
        append_word(out, *a);
    }
    g_string_append_c(out, '\n');
}

char *
bhyve_argv_to_native(const MvDomainDef *def, GError **error)
{
    g_autoptr(MvDomainDef) copy = mv_domain_def_copy(def, error);
    if (!copy || !bhyve_def_fill_defaults(copy, error))
        return NULL;
    g_auto(GStrv) loader = NULL;
    g_auto(GStrv) bhyve = NULL;
    if (!bhyve_build_argv(copy, &loader, &bhyve, error))
        return NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    if (loader)
        append_line(out, loader);
    append_line(out, bhyve);
    return g_string_free(g_steal_pointer(&out), FALSE);
}
