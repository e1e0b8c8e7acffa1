// SPDX-License-Identifier: LGPL-2.1-or-later
// MvDomainDef -> domain XML, laid out as libvirt lays it out (element order, two-space
// indent, single quotes) so diffs against libvirt's output stay small.  The inactive form
// leaves out what only exists while the guest runs; deciding those values is not done here.

#include "conf/conf-domain.h"

#include <string.h>

#include "conf/conf-domain-lxc.h"
#include "util/util-error.h"

static const char *
tristate_onoff(MvTristate t)
{
    return mv_tristate_onoff_to_string(t);
}

static const char *
tristate_yesno(MvTristate t)
{
    return mv_tristate_yesno_to_string(t);
}

static void
format_memory(Xml *x, const char *name, guint64 kib, unsigned slots)
{
    g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, kib);
    start(x, name);
    if (slots)
        attrf(x, "slots", "%u", slots);
    attrf(x, "unit", "KiB");
    inline_text(x, value);
    end(x, name);
}

static void
format_address(Xml *x, const MvDomainAddress *addr)
{
    if (!addr->type)
        return;
    start(x, "address");
    attr_name(x, "type", mv_domain_address_to_string(addr->type));
    switch (addr->type) {
    case MV_DOMAIN_ADDRESS_PCI:
        attrf(x, "domain", "0x%04x", addr->domain);
        attrf(x, "bus", "0x%02x", addr->bus);
        attrf(x, "slot", "0x%02x", addr->slot);
        attrf(x, "function", "0x%x", addr->function);
        if (addr->multifunction)
            attr_name(x, "multifunction", tristate_onoff(addr->multifunction));
        break;
    case MV_DOMAIN_ADDRESS_DRIVE:
        attrf(x, "controller", "%u", addr->controller);
        attrf(x, "bus", "%u", addr->drive_bus);
        attrf(x, "target", "%u", addr->target);
        attrf(x, "unit", "%u", addr->unit);
        break;
    case MV_DOMAIN_ADDRESS_USB:
        attrf(x, "bus", "%u", addr->usb_bus);
        attr_str(x, "port", addr->usb_port);
        break;
    default:
        break;
    }
    end(x, "address");
}

/* <alias> (live, or a user alias) and <address>; <boot> is placed by the callers that
 * have one, before these, as libvirt does. */
static void
format_info(Xml *x, const MvDomainDeviceInfo *info, bool live)
{
    if (info->alias && (live || g_str_has_prefix(info->alias, "ua-"))) {
        start(x, "alias");
        attrf(x, "name", "%s", info->alias);
        end(x, "alias");
    }
    format_address(x, &info->addr);
}

static void
format_boot_order(Xml *x, const MvDomainDeviceInfo *info)
{
    if (!info->boot_order)
        return;
    start(x, "boot");
    attrf(x, "order", "%u", info->boot_order);
    end(x, "boot");
}

static void
format_disk(Xml *x, const MvDomainDisk *disk, bool live)
{
    start(x, "disk");
    attr_name(x, "type", mv_domain_disk_type_to_string(disk->type));
    attr_name(x, "device", mv_domain_disk_device_to_string(disk->device));
    if (disk->driver_name || disk->format || disk->cache || disk->discard) {
        start(x, "driver");
        attr_str(x, "name", disk->driver_name);
        if (disk->format)
            attr_name(x, "type", mv_domain_disk_format_to_string(disk->format));
        if (disk->cache)
            attr_name(x, "cache", mv_domain_disk_cache_to_string(disk->cache));
        if (disk->discard)
            attr_name(x, "discard", mv_domain_disk_discard_to_string(disk->discard));
        end(x, "driver");
    }
    if (disk->type == MV_DOMAIN_DISK_TYPE_VOLUME) {
        start(x, "source");
        attrf(x, "pool", "%s", disk->src_pool);
        attrf(x, "volume", "%s", disk->src_volume);
        end(x, "source");
    } else if (disk->src) {
        start(x, "source");
        attrf(x, disk->type == MV_DOMAIN_DISK_TYPE_FILE ? "file" : "dev", "%s", disk->src);
        end(x, "source");
    }
    start(x, "target");
    attrf(x, "dev", "%s", disk->target);
    if (disk->bus)
        attr_name(x, "bus", mv_domain_disk_bus_to_string(disk->bus));
    end(x, "target");
    format_boot_order(x, &disk->info);
    if (disk->readonly)
        empty_element(x, "readonly");
    if (disk->shareable)
        empty_element(x, "shareable");
    text_element(x, "serial", disk->serial);
    format_info(x, &disk->info, live);
    end(x, "disk");
}

static void
format_controller(Xml *x, const MvDomainController *ctrl, bool live)
{
    const char *model = NULL;
    switch (ctrl->type) {
    case MV_DOMAIN_CONTROLLER_USB: model = mv_domain_usb_model_to_string(ctrl->model); break;
    case MV_DOMAIN_CONTROLLER_SCSI: model = mv_domain_scsi_model_to_string(ctrl->model); break;
    case MV_DOMAIN_CONTROLLER_PCI: model = mv_domain_pci_model_to_string(ctrl->model); break;
    default: break;
    }
    start(x, "controller");
    attr_name(x, "type", mv_domain_controller_to_string(ctrl->type));
    if (ctrl->index >= 0)   /* unset until defaults number the controllers */
        attrf(x, "index", "%d", ctrl->index);
    attr_str(x, "model", model);
    if (ctrl->usb_ports > 0)
        attrf(x, "ports", "%d", ctrl->usb_ports);
    if (ctrl->has_master) {
        start(x, "master");
        attrf(x, "startport", "%u", ctrl->master_startport);
        end(x, "master");
    }
    if (ctrl->model_name) {
        start(x, "model");
        attrf(x, "name", "%s", ctrl->model_name);
        end(x, "model");
    }
    if (ctrl->chassis >= 0 || ctrl->port >= 0) {
        start(x, "target");
        if (ctrl->chassis >= 0)
            attrf(x, "chassis", "%d", ctrl->chassis);
        if (ctrl->port >= 0)
            attrf(x, "port", "0x%x", (unsigned)ctrl->port);
        end(x, "target");
    }
    format_info(x, &ctrl->info, live);
    end(x, "controller");
}

static void
format_interface(Xml *x, const MvDomainNet *net, bool live)
{
    start(x, "interface");
    attr_name(x, "type", mv_domain_net_to_string(net->type));
    if (net->mac_set) {
        char mac[MV_MAC_STRING_BUFLEN];
        mv_mac_format(net->mac, mac);
        start(x, "mac");
        attrf(x, "address", "%s", mac);
        end(x, "mac");
    }
    if (net->source) {
        start(x, "source");
        attrf(x, net->type == MV_DOMAIN_NET_NETWORK ? "network" : "bridge", "%s", net->source);
        if (live) {
            attr_str(x, "portid", net->portid);
            attr_str(x, "bridge", net->port_bridge);
        }
        end(x, "source");
    }
    /* Generated tap names ("vnet*", libvirt's reserved prefix) belong to one run only. */
    if (net->target_dev &&
        (live || net->type == MV_DOMAIN_NET_ETHERNET || !g_str_has_prefix(net->target_dev, "vnet"))) {
        start(x, "target");
        attrf(x, "dev", "%s", net->target_dev);
        end(x, "target");
    }
    if (net->model) {
        start(x, "model");
        attr_name(x, "type", mv_domain_net_model_to_string(net->model));
        end(x, "model");
    }
    if (net->script) {
        start(x, "script");
        attrf(x, "path", "%s", net->script);
        end(x, "script");
    }
    format_boot_order(x, &net->info);
    format_info(x, &net->info, live);
    end(x, "interface");
}

static void
format_chr(Xml *x, const char *name, const MvDomainChr *chr, bool live)
{
    bool console = g_str_equal(name, "console");
    const char *path = chr->type != MV_DOMAIN_CHR_PTY || live ? chr->path : NULL;
    start(x, name);
    attr_name(x, "type", mv_domain_chr_to_string(chr->type));
    if (console && chr->type == MV_DOMAIN_CHR_PTY && path)
        attrf(x, "tty", "%s", path);
    if (chr->type == MV_DOMAIN_CHR_NMDM) {
        start(x, "source");
        attr_str(x, "master", chr->path);
        attr_str(x, "slave", chr->slave);
        end(x, "source");
    } else if (path) {
        start(x, "source");
        if (chr->type == MV_DOMAIN_CHR_UNIX)
            attr_name(x, "mode", mv_domain_chr_mode_to_string(chr->mode));
        attrf(x, "path", "%s", path);
        if (chr->append)
            attr_name(x, "append", tristate_onoff(chr->append));
        end(x, "source");
    }
    if (chr->target_type || chr->target_port >= 0) {
        start(x, "target");
        if (chr->target_type)
            attr_name(x, "type", mv_domain_chr_target_to_string(chr->target_type));
        if (chr->target_port >= 0)
            attrf(x, "port", "%d", chr->target_port);
        if (chr->target_type == MV_DOMAIN_CHR_TARGET_ISA_SERIAL) {
            start(x, "model");
            attrf(x, "name", "isa-serial");
            end(x, "model");
        }
        end(x, "target");
    }
    format_info(x, &chr->info, live);
    end(x, name);
}

static void
format_channel(Xml *x, const MvDomainChannel *ch, bool live)
{
    const char *path = ch->type != MV_DOMAIN_CHANNEL_PTY || live ? ch->path : NULL;
    start(x, "channel");
    attr_name(x, "type", mv_domain_channel_to_string(ch->type));
    if (ch->type == MV_DOMAIN_CHANNEL_UNIX) {
        start(x, "source");
        attr_name(x, "mode", mv_domain_chr_mode_to_string(ch->mode));
        attr_str(x, "path", path);
        end(x, "source");
    } else if (path) {
        start(x, "source");
        attrf(x, "path", "%s", path);
        end(x, "source");
    }
    start(x, "target");
    attrf(x, "type", "virtio");
    attrf(x, "name", "%s", ch->target_name);
    end(x, "target");
    format_info(x, &ch->info, live);
    end(x, "channel");
}

static void
format_input(Xml *x, const MvDomainInput *input, bool live)
{
    start(x, "input");
    attr_name(x, "type", mv_domain_input_to_string(input->type));
    if (input->bus)
        attr_name(x, "bus", mv_domain_input_bus_to_string(input->bus));
    format_info(x, &input->info, live);
    end(x, "input");
}

static void
format_graphics(Xml *x, const MvDomainGraphics *gr, bool live, bool secure)
{
    start(x, "graphics");
    attr_name(x, "type", mv_domain_graphics_to_string(gr->type));
    if (gr->type == MV_DOMAIN_GRAPHICS_SDL) {
        end(x, "graphics");
        return;
    }
    bool tcp = gr->listen_type == MV_DOMAIN_LISTEN_ADDRESS;
    if (tcp) {
        attrf(x, "port", "%d", gr->autoport && !live ? -1 : gr->port);
        attrf(x, "autoport", "%s", gr->autoport ? "yes" : "no");
        attr_str(x, "listen", gr->listen);
    }
    if (secure)
        attr_str(x, "passwd", gr->passwd);
    attr_str(x, "keymap", gr->keymap);
    start(x, "listen");
    attr_name(x, "type", mv_domain_listen_to_string(gr->listen_type));
    attr_str(x, "address", gr->listen);
    attr_str(x, "socket", gr->socket);
    end(x, "listen");
    if (gr->image_compression) {
        start(x, "image");
        attrf(x, "compression", "%s", gr->image_compression);
        end(x, "image");
    }
    end(x, "graphics");
}

static void
format_video(Xml *x, const MvDomainVideo *video, bool live)
{
    start(x, "video");
    start(x, "model");
    attr_name(x, "type", mv_domain_video_to_string(video->model));
    if (video->vram_kib)
        attrf(x, "vram", "%u", video->vram_kib);
    if (video->heads)
        attrf(x, "heads", "%u", video->heads);
    if (video->primary)
        attrf(x, "primary", "yes");
    end(x, "model");
    format_info(x, &video->info, live);
    end(x, "video");
}

static void
format_devices(Xml *x, const MvDomainDef *def, bool live, bool secure)
{
    start(x, "devices");
    text_element(x, "emulator", def->emulator);
    for (guint i = 0; i < def->disks->len; i++)
        format_disk(x, g_ptr_array_index(def->disks, i), live);
    for (guint i = 0; i < def->controllers->len; i++)
        format_controller(x, g_ptr_array_index(def->controllers, i), live);
    mv_domain_lxc_format_filesystems(x, def);
    for (guint i = 0; i < def->nets->len; i++)
        format_interface(x, g_ptr_array_index(def->nets, i), live);
    for (guint i = 0; i < def->serials->len; i++)
        format_chr(x, "serial", g_ptr_array_index(def->serials, i), live);
    for (guint i = 0; i < def->consoles->len; i++)
        format_chr(x, "console", g_ptr_array_index(def->consoles, i), live);
    for (guint i = 0; i < def->channels->len; i++)
        format_channel(x, g_ptr_array_index(def->channels, i), live);
    for (guint i = 0; i < def->inputs->len; i++)
        format_input(x, g_ptr_array_index(def->inputs, i), live);
    for (guint i = 0; i < def->graphics->len; i++)
        format_graphics(x, g_ptr_array_index(def->graphics, i), live, secure);
    for (guint i = 0; i < def->audios->len; i++) {
        const MvDomainAudio *audio = g_ptr_array_index(def->audios, i);
        start(x, "audio");
        attrf(x, "id", "%u", audio->id);
        attrf(x, "type", "none");
        end(x, "audio");
    }
    for (guint i = 0; i < def->videos->len; i++)
        format_video(x, g_ptr_array_index(def->videos, i), live);
    for (guint i = 0; i < def->watchdogs->len; i++) {
        const MvDomainWatchdog *wd = g_ptr_array_index(def->watchdogs, i);
        start(x, "watchdog");
        attr_name(x, "model", mv_domain_watchdog_to_string(wd->model));
        attr_name(x, "action", mv_domain_watchdog_action_to_string(wd->action));
        format_info(x, &wd->info, live);
        end(x, "watchdog");
    }
    if (def->memballoon) {
        start(x, "memballoon");
        attr_name(x, "model", mv_domain_memballoon_to_string(def->memballoon->model));
        if (def->memballoon->autodeflate)
            attr_name(x, "autodeflate", tristate_onoff(def->memballoon->autodeflate));
        format_info(x, &def->memballoon->info, live);
        end(x, "memballoon");
    }
    for (guint i = 0; i < def->rngs->len; i++) {
        const MvDomainRng *rng = g_ptr_array_index(def->rngs, i);
        start(x, "rng");
        attrf(x, "model", "virtio");
        start(x, "backend");
        attrf(x, "model", "random");
        if (rng->backend_path)
            inline_text(x, rng->backend_path);
        end(x, "backend");
        format_info(x, &rng->info, live);
        end(x, "rng");
    }
    end(x, "devices");
}

static void
format_os(Xml *x, const MvDomainDef *def)
{
    const MvDomainOs *os = &def->os;
    start(x, "os");
    start(x, "type");
    attr_str(x, "arch", os->arch);
    attr_str(x, "machine", os->machine);
    inline_text(x, mv_domain_os_to_string(os->type) ? mv_domain_os_to_string(os->type) : "");
    end(x, "type");
    if (os->loader) {
        start(x, "loader");
        if (os->loader_readonly)
            attr_name(x, "readonly", tristate_yesno(os->loader_readonly));
        if (os->loader_type)
            attr_name(x, "type", mv_domain_loader_to_string(os->loader_type));
        inline_text(x, os->loader);
        end(x, "loader");
    }
    text_element(x, "nvram", os->nvram);
    text_element(x, "kernel", os->kernel);
    text_element(x, "initrd", os->initrd);
    text_element(x, "cmdline", os->cmdline);
    mv_domain_lxc_format_os(x, def);
    for (size_t i = 0; i < os->nboot; i++) {
        start(x, "boot");
        attr_name(x, "dev", mv_domain_boot_to_string(os->boot[i]));
        end(x, "boot");
    }
    if (os->bootmenu) {
        start(x, "bootmenu");
        attr_name(x, "enable", tristate_yesno(os->bootmenu));
        end(x, "bootmenu");
    }
    end(x, "os");
}

static void
format_cpu(Xml *x, const MvDomainCpu *cpu)
{
    if (!cpu->present)
        return;
    start(x, "cpu");
    attr_name(x, "mode", mv_domain_cpu_mode_to_string(cpu->mode));
    if (cpu->match)
        attr_name(x, "match", mv_domain_cpu_match_to_string(cpu->match));
    if (cpu->check)
        attr_name(x, "check", mv_domain_cpu_check_to_string(cpu->check));
    if (cpu->migratable)
        attr_name(x, "migratable", tristate_onoff(cpu->migratable));
    if (cpu->model) {
        start(x, "model");
        if (cpu->fallback)
            attr_name(x, "fallback", mv_domain_cpu_fallback_to_string(cpu->fallback));
        inline_text(x, cpu->model);
        end(x, "model");
    }
    if (cpu->sockets) {
        start(x, "topology");
        attrf(x, "sockets", "%u", cpu->sockets);
        attrf(x, "dies", "%u", cpu->dies);
        attrf(x, "cores", "%u", cpu->cores);
        attrf(x, "threads", "%u", cpu->threads);
        end(x, "topology");
    }
    if (cpu->numa->len) {
        start(x, "numa");
        for (guint i = 0; i < cpu->numa->len; i++) {
            const MvDomainNumaCell *cell = g_ptr_array_index(cpu->numa, i);
            start(x, "cell");
            attrf(x, "id", "%u", cell->id);
            attrf(x, "cpus", "%s", cell->cpus);
            attrf(x, "memory", "%" G_GUINT64_FORMAT, cell->memory_kib);
            attrf(x, "unit", "KiB");
            end(x, "cell");
        }
        end(x, "numa");
    }
    end(x, "cpu");
}

static void
format_clock(Xml *x, const MvDomainClock *clock)
{
    start(x, "clock");
    attr_name(x, "offset", mv_domain_clock_offset_to_string(clock->offset));
    if (clock->offset == MV_DOMAIN_CLOCK_VARIABLE) {
        attrf(x, "adjustment", "%" G_GINT64_FORMAT, clock->adjustment);
        attr_name(x, "basis", mv_domain_clock_basis_to_string(clock->basis));
    }
    for (guint i = 0; i < clock->timers->len; i++) {
        const MvDomainTimer *t = &g_array_index(clock->timers, MvDomainTimer, i);
        start(x, "timer");
        attr_name(x, "name", mv_domain_timer_to_string(t->name));
        if (t->tickpolicy)
            attr_name(x, "tickpolicy", mv_domain_tickpolicy_to_string(t->tickpolicy));
        if (t->present)
            attr_name(x, "present", tristate_yesno(t->present));
        end(x, "timer");
    }
    end(x, "clock");
}

char *
mv_domain_def_format(const MvDomainDef *def, unsigned flags, int id, GError **error)
{
    bool live = !(flags & MV_DOMAIN_FORMAT_INACTIVE);
    bool secure = flags & MV_DOMAIN_FORMAT_SECURE;
    g_autoptr(GString) s = g_string_sized_new(4096);
    Xml x = { .s = s };

    start(&x, "domain");
    attr_name(&x, "type", mv_domain_virt_to_string(def->virt_type));
    if (live && id >= 0)
        attrf(&x, "id", "%d", id);
    text_element(&x, "name", def->name ? def->name : "");
    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(def->uuid, uuid);
    text_element(&x, "uuid", uuid);
    text_element(&x, "title", def->title);
    text_element(&x, "description", def->description);
    if (def->metadata) {
        start(&x, "metadata");
        if (*def->metadata)
            raw_text(&x, def->metadata);
        end(&x, "metadata");
    }
    if (def->max_memory_kib)
        format_memory(&x, "maxMemory", def->max_memory_kib, def->max_memory_slots);
    format_memory(&x, "memory", def->memory_kib, 0);
    if (def->current_memory_kib)
        format_memory(&x, "currentMemory", def->current_memory_kib, 0);

    g_autofree char *vcpus = g_strdup_printf("%u", def->vcpus);
    start(&x, "vcpu");
    if (def->placement)
        attr_name(&x, "placement", mv_domain_vcpu_placement_to_string(def->placement));
    attr_str(&x, "cpuset", def->cpuset);
    if (def->current_vcpus && def->current_vcpus != def->vcpus)
        attrf(&x, "current", "%u", def->current_vcpus);
    inline_text(&x, vcpus);
    end(&x, "vcpu");

    mv_domain_lxc_format_resource(&x, def);
    text_element(&x, "bootloader", def->bootloader);
    text_element(&x, "bootloader_args", def->bootloader_args);
    format_os(&x, def);
    mv_domain_lxc_format_idmap(&x, def);

    bool any_feature = def->vmport != MV_TRISTATE_ABSENT || def->ct.caps_present;
    for (int f = 0; f < MV_DOMAIN_FEATURE_LAST; f++)
        any_feature |= def->features[f];
    if (any_feature) {
        start(&x, "features");
        for (int f = 0; f < MV_DOMAIN_FEATURE_LAST; f++)
            if (def->features[f])
                empty_element(&x, mv_domain_feature_to_string(f));
        if (def->vmport) {
            start(&x, "vmport");
            attr_name(&x, "state", tristate_onoff(def->vmport));
            end(&x, "vmport");
        }
        mv_domain_lxc_format_caps(&x, def);
        end(&x, "features");
    }
    format_cpu(&x, &def->cpu);
    format_clock(&x, &def->clock);
    text_element(&x, "on_poweroff", mv_domain_lifecycle_to_string(def->on_poweroff));
    text_element(&x, "on_reboot", mv_domain_lifecycle_to_string(def->on_reboot));
    text_element(&x, "on_crash", mv_domain_lifecycle_to_string(def->on_crash));
    if (def->pm_suspend_to_mem || def->pm_suspend_to_disk) {
        start(&x, "pm");
        const MvTristate pm[] = { def->pm_suspend_to_mem, def->pm_suspend_to_disk };
        const char *const names[] = { "suspend-to-mem", "suspend-to-disk" };
        for (int i = 0; i < 2; i++) {
            if (!pm[i])
                continue;
            start(&x, names[i]);
            attr_name(&x, "enabled", tristate_yesno(pm[i]));
            end(&x, names[i]);
        }
        end(&x, "pm");
    }
    format_devices(&x, def, live, secure);
    end(&x, "domain");

    if (x.failed) {
        mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_INTERNAL_ERROR,
                     "domain '%s' holds a value that has no XML name", def->name ? def->name : "");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}
