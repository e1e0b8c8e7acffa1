// SPDX-License-Identifier: LGPL-2.1-or-later
// The domain definition's name tables, constructors and destructors, and small lookups
// shared by the parser, the formatter, the defaults and the drivers.

#include "conf/conf-domain.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "util/util-error.h"

/* Value 0 of a tristate is "absent": it has a name only so the tables stay complete;
 * the parser refuses it as input. */
MV_ENUM_IMPL(mv_tristate_onoff, MV_TRISTATE_LAST, "absent", "on", "off")
MV_ENUM_IMPL(mv_tristate_yesno, MV_TRISTATE_LAST, "absent", "yes", "no")
MV_ENUM_IMPL(mv_domain_virt, MV_DOMAIN_VIRT_LAST, "qemu", "kvm", "xen", "lxc", "test",
             "bhyve")
MV_ENUM_IMPL(mv_domain_os, MV_DOMAIN_OS_LAST, "hvm", "xen", "linux", "exe", "xenpvh")
MV_ENUM_IMPL(mv_domain_boot, MV_DOMAIN_BOOT_LAST, "fd", "cdrom", "hd", "network")
MV_ENUM_IMPL(mv_domain_loader, MV_DOMAIN_LOADER_LAST, "none", "rom", "pflash")
MV_ENUM_IMPL(mv_domain_feature, MV_DOMAIN_FEATURE_LAST, "acpi", "apic", "pae")
MV_ENUM_IMPL(mv_domain_vcpu_placement, MV_DOMAIN_VCPU_PLACEMENT_LAST, "none", "static", "auto")
MV_ENUM_IMPL(mv_domain_cpu_mode, MV_DOMAIN_CPU_MODE_LAST,
             "custom", "host-model", "host-passthrough", "maximum")
MV_ENUM_IMPL(mv_domain_cpu_match, MV_DOMAIN_CPU_MATCH_LAST, "none", "minimum", "exact", "strict")
MV_ENUM_IMPL(mv_domain_cpu_check, MV_DOMAIN_CPU_CHECK_LAST, "default", "none", "partial", "full")
MV_ENUM_IMPL(mv_domain_cpu_fallback, MV_DOMAIN_CPU_FALLBACK_LAST, "none", "allow", "forbid")
MV_ENUM_IMPL(mv_domain_clock_offset, MV_DOMAIN_CLOCK_LAST, "utc", "localtime", "variable")
MV_ENUM_IMPL(mv_domain_clock_basis, MV_DOMAIN_CLOCK_BASIS_LAST, "utc", "localtime")
MV_ENUM_IMPL(mv_domain_timer, MV_DOMAIN_TIMER_LAST, "rtc", "pit", "hpet", "kvmclock")
MV_ENUM_IMPL(mv_domain_tickpolicy, MV_DOMAIN_TICKPOLICY_LAST,
             "none", "delay", "catchup", "merge", "discard")
MV_ENUM_IMPL(mv_domain_lifecycle, MV_DOMAIN_LIFECYCLE_LAST, "destroy", "restart",
             "rename-restart", "preserve", "coredump-destroy", "coredump-restart")
MV_ENUM_IMPL(mv_domain_address, MV_DOMAIN_ADDRESS_LAST, "none", "pci", "drive", "usb")
MV_ENUM_IMPL(mv_domain_disk_type, MV_DOMAIN_DISK_TYPE_LAST, "file", "block", "volume")
MV_ENUM_IMPL(mv_domain_disk_device, MV_DOMAIN_DISK_DEVICE_LAST, "disk", "cdrom")
MV_ENUM_IMPL(mv_domain_disk_bus, MV_DOMAIN_DISK_BUS_LAST, "none", "ide", "scsi", "virtio", "sata",
             "xen")
MV_ENUM_IMPL(mv_domain_disk_format, MV_DOMAIN_DISK_FORMAT_LAST, "none", "raw", "qcow2")
MV_ENUM_IMPL(mv_domain_disk_cache, MV_DOMAIN_DISK_CACHE_LAST, "unset", "default", "none",
             "writethrough", "writeback", "directsync", "unsafe")
MV_ENUM_IMPL(mv_domain_disk_discard, MV_DOMAIN_DISK_DISCARD_LAST, "default", "unmap", "ignore")
MV_ENUM_IMPL(mv_domain_controller, MV_DOMAIN_CONTROLLER_LAST,
             "ide", "scsi", "sata", "virtio-serial", "usb", "pci")
MV_ENUM_IMPL(mv_domain_usb_model, MV_DOMAIN_USB_MODEL_LAST,
             "piix3-uhci", "qemu-xhci", "nec-xhci", "none", "ich9-ehci1", "ich9-uhci1",
             "ich9-uhci2", "ich9-uhci3")
MV_ENUM_IMPL(mv_domain_scsi_model, MV_DOMAIN_SCSI_MODEL_LAST, "lsilogic", "virtio-scsi")
MV_ENUM_IMPL(mv_domain_pci_model, MV_DOMAIN_PCI_MODEL_LAST,
             "pci-root", "pcie-root", "pcie-root-port", "pcie-to-pci-bridge")
MV_ENUM_IMPL(mv_domain_net, MV_DOMAIN_NET_LAST, "user", "network", "bridge", "ethernet")
MV_ENUM_IMPL(mv_domain_net_model, MV_DOMAIN_NET_MODEL_LAST,
             "none", "virtio", "e1000", "e1000e", "rtl8139")
MV_ENUM_IMPL(mv_domain_chr, MV_DOMAIN_CHR_LAST, "pty", "file", "unix", "nmdm")
MV_ENUM_IMPL(mv_domain_chr_mode, MV_DOMAIN_CHR_MODE_LAST, "bind", "connect")
MV_ENUM_IMPL(mv_domain_chr_target, MV_DOMAIN_CHR_TARGET_LAST, "none", "isa-serial", "serial",
             "xen", "lxc")
MV_ENUM_IMPL(mv_domain_channel, MV_DOMAIN_CHANNEL_LAST, "pty", "unix", "spicevmc")
MV_ENUM_IMPL(mv_domain_input, MV_DOMAIN_INPUT_LAST, "mouse", "keyboard", "tablet")
MV_ENUM_IMPL(mv_domain_input_bus, MV_DOMAIN_INPUT_BUS_LAST, "none", "ps2", "usb", "virtio", "xen")
MV_ENUM_IMPL(mv_domain_graphics, MV_DOMAIN_GRAPHICS_LAST, "vnc", "sdl", "spice")
MV_ENUM_IMPL(mv_domain_listen, MV_DOMAIN_LISTEN_LAST, "address", "socket", "none")
MV_ENUM_IMPL(mv_domain_video, MV_DOMAIN_VIDEO_LAST, "vga", "cirrus", "virtio", "bochs", "none",
             "xen", "gop", "qxl", "ramfb")
MV_ENUM_IMPL(mv_domain_memballoon, MV_DOMAIN_MEMBALLOON_LAST, "virtio", "none")
MV_ENUM_IMPL(mv_domain_watchdog, MV_DOMAIN_WATCHDOG_LAST, "i6300esb", "ib700")
MV_ENUM_IMPL(mv_domain_watchdog_action, MV_DOMAIN_WATCHDOG_ACTION_LAST,
             "reset", "shutdown", "poweroff", "pause", "dump", "none", "inject-nmi")

static void
device_info_clear(MvDomainDeviceInfo *info)
{
    g_free(info->alias);
    g_free(info->addr.usb_port);
}

void
mv_domain_disk_free(MvDomainDisk *disk)
{
    if (!disk)
        return;
    device_info_clear(&disk->info);
    g_free(disk->driver_name);
    g_free(disk->src);
    g_free(disk->src_pool);
    g_free(disk->src_volume);
    g_free(disk->target);
    g_free(disk->serial);
    g_free(disk);
}

void
mv_domain_controller_free(MvDomainController *ctrl)
{
    if (!ctrl)
        return;
    device_info_clear(&ctrl->info);
    g_free(ctrl->model_name);
    g_free(ctrl);
}

void
mv_domain_net_free(MvDomainNet *net)
{
    if (!net)
        return;
    device_info_clear(&net->info);
    g_free(net->source);
    g_free(net->portid);
    g_free(net->port_bridge);
    g_free(net->target_dev);
    g_free(net->script);
    g_free(net);
}

void
mv_domain_chr_free(MvDomainChr *chr)
{
    if (!chr)
        return;
    device_info_clear(&chr->info);
    g_free(chr->path);
    g_free(chr->slave);
    g_free(chr);
}

void
mv_domain_input_free(MvDomainInput *input)
{
    if (!input)
        return;
    device_info_clear(&input->info);
    g_free(input);
}

void
mv_domain_graphics_free(MvDomainGraphics *graphics)
{
    if (!graphics)
        return;
    g_free(graphics->listen);
    g_free(graphics->socket);
    g_free(graphics->image_compression);
    g_free(graphics->passwd);
    g_free(graphics->keymap);
    g_free(graphics);
}

void
mv_domain_video_free(MvDomainVideo *video)
{
    if (!video)
        return;
    device_info_clear(&video->info);
    g_free(video);
}

void
mv_domain_memballoon_free(MvDomainMemballoon *balloon)
{
    if (!balloon)
        return;
    device_info_clear(&balloon->info);
    g_free(balloon);
}

void
mv_domain_channel_free(MvDomainChannel *channel)
{
    if (!channel)
        return;
    device_info_clear(&channel->info);
    g_free(channel->path);
    g_free(channel->target_name);
    g_free(channel);
}

void
mv_domain_rng_free(MvDomainRng *rng)
{
    if (!rng)
        return;
    device_info_clear(&rng->info);
    g_free(rng->backend_path);
    g_free(rng);
}

void
mv_domain_watchdog_free(MvDomainWatchdog *watchdog)
{
    if (!watchdog)
        return;
    device_info_clear(&watchdog->info);
    g_free(watchdog);
}

void
mv_domain_audio_free(MvDomainAudio *audio)
{
    g_free(audio);
}

void
mv_domain_numa_cell_free(MvDomainNumaCell *cell)
{
    if (!cell)
        return;
    g_free(cell->cpus);
    g_free(cell);
}

MvDomainDef *
mv_domain_def_new(void)
{
    MvDomainDef *def = g_new0(MvDomainDef, 1);
    def->id = -1;
    def->on_poweroff = MV_DOMAIN_LIFECYCLE_DESTROY;
    def->on_reboot = MV_DOMAIN_LIFECYCLE_RESTART;
    def->on_crash = MV_DOMAIN_LIFECYCLE_DESTROY;
    def->cpu.numa = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_numa_cell_free);
    def->clock.timers = g_array_new(FALSE, TRUE, sizeof(MvDomainTimer));
    def->disks = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_disk_free);
    def->controllers = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_controller_free);
    def->nets = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_net_free);
    def->serials = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_chr_free);
    def->consoles = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_chr_free);
    def->inputs = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_input_free);
    def->graphics = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_graphics_free);
    def->audios = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_audio_free);
    def->videos = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_video_free);
    def->watchdogs = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_watchdog_free);
    def->rngs = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_rng_free);
    def->channels = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_channel_free);
    return def;
}

void
mv_domain_def_free(MvDomainDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    g_free(def->metadata);
    g_free(def->cpuset);
    g_free(def->bootloader);
    g_free(def->bootloader_args);
    g_free(def->os.arch);
    g_free(def->os.machine);
    g_free(def->os.kernel);
    g_free(def->os.initrd);
    g_free(def->os.cmdline);
    g_free(def->os.loader);
    g_free(def->os.nvram);
    g_free(def->cpu.model);
    g_ptr_array_unref(def->cpu.numa);
    g_array_unref(def->clock.timers);
    g_free(def->emulator);
    g_ptr_array_unref(def->disks);
    g_ptr_array_unref(def->controllers);
    g_ptr_array_unref(def->nets);
    g_ptr_array_unref(def->serials);
    g_ptr_array_unref(def->consoles);
    g_ptr_array_unref(def->inputs);
    g_ptr_array_unref(def->graphics);
    g_ptr_array_unref(def->audios);
    g_ptr_array_unref(def->videos);
    g_ptr_array_unref(def->watchdogs);
    mv_domain_memballoon_free(def->memballoon);
    g_ptr_array_unref(def->rngs);
    mv_domain_container_clear(&def->ct);
    g_ptr_array_unref(def->channels);
    g_free(def);
}

MvDomainDef *
mv_domain_def_copy(const MvDomainDef *def, GError **error)
{
    g_autofree char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_SECURE, def->id, error);
    if (!xml)
        return NULL;
    return mv_domain_def_parse(xml, MV_DOMAIN_PARSE_LIVE, error);
}

MvDomainDisk *
mv_domain_def_find_disk(const MvDomainDef *def, const char *target)
{
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        if (g_strcmp0(disk->target, target) == 0)
            return disk;
    }
    return NULL;
}

MvDomainController *
mv_domain_def_find_controller(const MvDomainDef *def, MvDomainControllerType type, int index)
{
    for (guint i = 0; i < def->controllers->len; i++) {
        MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->type == type && ctrl->index == index)
            return ctrl;
    }
    return NULL;
}

bool
mv_domain_machine_is_q35(const char *machine)
{
    return machine && (g_str_equal(machine, "q35") || g_str_has_prefix(machine, "pc-q35-"));
}

bool
mv_domain_machine_is_i440fx(const char *machine)
{
    return machine && (g_str_equal(machine, "pc") || g_str_has_prefix(machine, "pc-i440fx-") ||
                       (g_str_has_prefix(machine, "pc-") && g_ascii_isdigit(machine[3])));
}

int
mv_domain_disk_name_index(const char *name, size_t *ret_prefix_len, unsigned *ret_index)
{
    /* Known prefixes; the suffix is a bijective base-26 number: a=0, z=25, aa=26. */
    static const char *const prefixes[] = { "hd", "sd", "vd", "xvd", "fd", "ubd" };
    if (!name)
        return -EINVAL;
    size_t plen = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(name, prefixes[i])) {
            plen = strlen(prefixes[i]);
            break;
        }
    }
    if (!plen || !name[plen])
        return -EINVAL;
    guint64 index = 0;
    for (const char *p = name + plen; *p; p++) {
        if (*p < 'a' || *p > 'z')
            return -EINVAL;
        index = index * 26 + (guint64)(*p - 'a' + 1);
        /* Far beyond any bus; the bound only keeps the arithmetic in range. */
        if (index > G_MAXINT32)
            return -EINVAL;
    }
    *ret_prefix_len = plen;
    *ret_index = (unsigned)(index - 1);
    return 0;
}

char *
mv_cpuset_canonical(const char *text)
{
    /* Bound on CPU numbers: far beyond any host, small enough for a bitmap here. */
    enum { MAX_CPU = 65535 };
    if (!text || !*text)
        return NULL;
    g_autofree guint8 *set = g_new0(guint8, MAX_CPU + 1);
    g_auto(GStrv) parts = g_strsplit(text, ",", -1);
    for (char **part = parts; *part; part++) {
        const char *s = g_strstrip(*part);
        bool exclude = *s == '^';
        if (exclude)
            s++;
        g_auto(GStrv) range = g_strsplit(s, "-", 2);
        guint64 lo, hi;
        if (!range[0] || !g_ascii_string_to_unsigned(range[0], 10, 0, MAX_CPU, &lo, NULL))
            return NULL;
        hi = lo;
        if (range[1] && (exclude || !g_ascii_string_to_unsigned(range[1], 10, lo, MAX_CPU, &hi, NULL)))
            return NULL;
        for (guint64 cpu = lo; cpu <= hi; cpu++)
            set[cpu] = !exclude;
    }
    GString *out = g_string_new(NULL);
    for (unsigned cpu = 0; cpu <= MAX_CPU; cpu++) {
        if (!set[cpu])
            continue;
        unsigned last = cpu;
        while (last < MAX_CPU && set[last + 1])
            last++;
        g_string_append_printf(out, out->len ? ",%u" : "%u", cpu);
        if (last > cpu)
            g_string_append_printf(out, "-%u", last);
        cpu = last;
    }
    if (!out->len) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

int
mv_mac_parse(const char *text, guint8 ret_mac[MV_MAC_BUFLEN])
{
    guint8 mac[MV_MAC_BUFLEN];
    const char *p = text;
    if (!p)
        return -EINVAL;
    for (size_t i = 0; i < MV_MAC_BUFLEN; i++) {
        /* One or two hex digits per byte, as libvirt accepts. */
        int hi = g_ascii_xdigit_value(p[0]);
        if (hi < 0)
            return -EINVAL;
        int lo = g_ascii_xdigit_value(p[1]);
        if (lo < 0) {
            mac[i] = (guint8)hi;
            p += 1;
        } else {
            mac[i] = (guint8)(hi << 4 | lo);
            p += 2;
        }
        if (i < MV_MAC_BUFLEN - 1) {
            if (*p != ':')
                return -EINVAL;
            p++;
        }
    }
    if (*p)
        return -EINVAL;
    memcpy(ret_mac, mac, sizeof(mac));
    return 0;
}

void
mv_mac_format(const guint8 mac[MV_MAC_BUFLEN], char ret_text[MV_MAC_STRING_BUFLEN])
{
    g_snprintf(ret_text, MV_MAC_STRING_BUFLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
               mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void
mv_mac_generate(guint8 ret_mac[MV_MAC_BUFLEN])
{
    guint8 tail[3];
    if (getrandom(tail, sizeof(tail), 0) != (ssize_t)sizeof(tail)) {
        for (size_t i = 0; i < sizeof(tail); i++)
            tail[i] = (guint8)g_random_int_range(0, 256);
    }
    ret_mac[0] = 0x52;
    ret_mac[1] = 0x54;
    ret_mac[2] = 0x00;
    memcpy(ret_mac + 3, tail, sizeof(tail));
}
