// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU command line for a domain definition, in the order libvirt builds it: machine
// and CPU, memory, the monitor, clock and lifecycle, then devices (controllers, disks as
// -blockdev pairs, NICs, serial ports, input, display, watchdog, balloon, RNG).  Values that
// come from the user are escaped (",," in option lists, JSON for -blockdev).

#include "qemu-command.h"

#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "util/util-error.h"

/* QEMU's seccomp filter: everything libvirt denies, for the same reasons (no obsolete
 * syscalls, no setuid, no fork/exec, no scheduler or resource changes). */
#define QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* Highest VNC display QEMU may try with autoport: ports 5900..5999. */
#define VNC_AUTOPORT_LAST_DISPLAY 99

#define VNC_PORT_BASE 5900
/* Where VNC and SPICE listen when the definition names no address: this host only. */
#define GRAPHICS_DEFAULT_LISTEN "127.0.0.1"

#define unsupported(error, ...) mv_error_fail((error), MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED, __VA_ARGS__)

/* ---- validation ---- */

/* The longest VNC password: VNC's DES challenge takes 8 bytes. */
#define VNC_PASSWORD_MAX 8

static bool
validate_lifecycle(const MvDomainDef *def, GError **error)
{
    struct { const char *name; MvDomainLifecycleAction action; } events[] = {
        { "on_poweroff", def->on_poweroff }, { "on_reboot", def->on_reboot },
        { "on_crash", def->on_crash },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(events); i++) {
        MvDomainLifecycleAction a = events[i].action;
        bool crash = i == 2;
        if (a == MV_DOMAIN_LIFECYCLE_RESTART_RENAME ||
            (!crash && a == MV_DOMAIN_LIFECYCLE_PRESERVE))
            return unsupported(error, "qemu driver doesn't support the '%s' action for '%s'",
                               mv_domain_lifecycle_to_string(a), events[i].name);
    }
    /* -no-reboot turns a reboot into a power-off, so these two cannot both hold. */
    if (def->on_reboot == MV_DOMAIN_LIFECYCLE_DESTROY &&
        def->on_poweroff == MV_DOMAIN_LIFECYCLE_RESTART)
        return unsupported(error, "qemu driver doesn't support 'onReboot' set to 'destroy' and "
                           "'onPoweroff' set to 'restart'");
    return true;
}

/* CPU mode, memory hotplug, timers and firmware: what QEMU can do for them. */
static bool
validate_cpu_clock_firmware(const MvDomainDef *def, bool kvm, GError **error)
{
    if (def->cpu.mode == MV_DOMAIN_CPU_MODE_HOST_PASSTHROUGH && !kvm)
        return unsupported(error, "CPU mode 'host-passthrough' for %s qemu domain on %s host is "
                           "not supported by hypervisor", def->os.arch, def->os.arch);
    if (def->max_memory_kib && !def->cpu.numa->len)
        return unsupported(error, "At least one numa node has to be configured when enabling "
                           "memory hotplug");
    for (guint i = 0; i < def->clock.timers->len; i++) {
        const MvDomainTimer *t = &g_array_index(def->clock.timers, MvDomainTimer, i);
        bool ok = true;
        switch (t->name) {
        case MV_DOMAIN_TIMER_RTC:
            ok = t->tickpolicy != MV_DOMAIN_TICKPOLICY_MERGE &&
                 t->tickpolicy != MV_DOMAIN_TICKPOLICY_DISCARD && t->present != MV_TRISTATE_OFF;
            break;
        case MV_DOMAIN_TIMER_PIT:
            ok = t->tickpolicy != MV_DOMAIN_TICKPOLICY_MERGE && t->present != MV_TRISTATE_OFF;
            break;
        case MV_DOMAIN_TIMER_HPET:
        case MV_DOMAIN_TIMER_KVMCLOCK:
            ok = t->tickpolicy == MV_DOMAIN_TICKPOLICY_NONE;
            break;
        case MV_DOMAIN_TIMER_LAST:
            break;
        }
        if (!ok)
            return unsupported(error, "timer '%s' with %s is not supported",
                               mv_domain_timer_to_string(t->name),
                               t->present == MV_TRISTATE_OFF ? "present='no'" : "this tickpolicy");
    }
    if (def->os.loader_type == MV_DOMAIN_LOADER_PFLASH &&
        def->os.loader_readonly != MV_TRISTATE_ON && def->os.nvram)
        return unsupported(error, "a writable pflash loader cannot have an <nvram>");
    if (def->os.loader_type == MV_DOMAIN_LOADER_PFLASH && !def->features[MV_DOMAIN_FEATURE_ACPI])
        return unsupported(error, "UEFI requires ACPI on this architecture");
    if (def->os.loader_type != MV_DOMAIN_LOADER_PFLASH && def->os.nvram)
        return unsupported(error, "<nvram> needs a loader of type 'pflash'");
    return true;
}

/* Device settings that have no QEMU spelling here. */
static bool
validate_devices(const MvDomainDef *def, const QemuCaps *caps, GError **error)
{
    bool spice = false;
    for (guint i = 0; i < def->graphics->len; i++) {
        const MvDomainGraphics *gr = g_ptr_array_index(def->graphics, i);
        if (gr->type != MV_DOMAIN_GRAPHICS_SPICE)
            continue;
        spice = true;
        if (!qemu_caps_has_command(caps, "query-spice"))
            return unsupported(error, "SPICE graphics need a QEMU built with SPICE, and "
                               "emulator '%s' is not", qemu_caps_binary(caps));
    }
    for (guint i = 0; i < def->channels->len; i++) {
        const MvDomainChannel *ch = g_ptr_array_index(def->channels, i);
        if (ch->type == MV_DOMAIN_CHANNEL_SPICEVMC && !spice)
            return unsupported(error, "channel '%s' of type 'spicevmc' needs SPICE graphics",
                               ch->target_name);
    }
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        /* qcow2 metadata cannot be shared between writers. */
        if (disk->shareable && disk->format == MV_DOMAIN_DISK_FORMAT_QCOW2 && !disk->readonly)
            return unsupported(error, "shared access for disk '%s' requires use of supported "
                               "storage format", disk->target);
    }
    for (guint i = 0; i < def->serials->len; i++) {
        const MvDomainChr *serial = g_ptr_array_index(def->serials, i);
        if (serial->target_port > 3)
            return unsupported(error, "serial port %d is not available: QEMU has ISA serial "
                               "ports 0 to 3", serial->target_port);
    }
    for (guint i = 0; i < def->watchdogs->len; i++) {
        const MvDomainWatchdog *wd = g_ptr_array_index(def->watchdogs, i);
        if (wd->action == MV_DOMAIN_WATCHDOG_ACTION_DUMP)
            return unsupported(error, "watchdog action 'dump' is not supported");
    }
    for (guint i = 0; i < def->graphics->len; i++) {
        const MvDomainGraphics *gr = g_ptr_array_index(def->graphics, i);
        /* VNC authentication (DES) uses 8 bytes of the password; libvirt refuses longer
         * ones rather than let the rest be ignored. */
        if (gr->type == MV_DOMAIN_GRAPHICS_VNC && gr->passwd && strlen(gr->passwd) > VNC_PASSWORD_MAX)
            return unsupported(error, "VNC password is %zu characters long, only %d permitted",
                               strlen(gr->passwd), VNC_PASSWORD_MAX);
    }
    return true;
}

bool
qemu_command_validate(const MvDomainDef *def, const QemuCaps *caps, GError **error)
{
    bool kvm = def->virt_type == MV_DOMAIN_VIRT_KVM;
    if (def->virt_type != MV_DOMAIN_VIRT_QEMU && !kvm)
        return unsupported(error, "domain type '%s' is not supported by the QEMU driver",
                           mv_domain_virt_to_string(def->virt_type));
    if (kvm && !qemu_caps_kvm_supported(caps))
        return unsupported(error, "emulator '%s' does not support virt type 'kvm'",
                           qemu_caps_binary(caps));
    if (def->os.type != MV_DOMAIN_OS_HVM)
        return unsupported(error, "OS type '%s' is not supported by the QEMU driver",
                           mv_domain_os_to_string(def->os.type));
    if (!def->os.arch || !def->os.machine || !def->memballoon) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                     "domain '%s' has no defaults filled in", def->name);
        return false;
    }
    if (g_strcmp0(def->os.arch, qemu_caps_arch(caps)) != 0)
        return unsupported(error, "emulator '%s' does not support arch '%s'",
                           qemu_caps_binary(caps), def->os.arch);
    const QemuMachine *machine = qemu_caps_find_machine(caps, def->os.machine);
    if (!machine)
        return unsupported(error, "Emulator '%s' does not support machine type '%s'",
                           qemu_caps_binary(caps), def->os.machine);
    if (machine->max_cpus && def->vcpus > machine->max_cpus)
        return unsupported(error, "Maximum CPUs greater than specified machine type limit %u",
                           machine->max_cpus);
    return validate_lifecycle(def, error) && validate_cpu_clock_firmware(def, kvm, error) &&
           validate_devices(def, caps, error);
}

QemuCommandDefaults *
qemu_command_defaults_new(const QemuCaps *caps)
{
    QemuCommandDefaults *d = g_new0(QemuCommandDefaults, 1);
    const QemuMachine *dm = qemu_caps_default_machine(caps);
    GPtrArray *machines = qemu_caps_machines(caps);
    d->aliases = g_ptr_array_new();
    for (guint i = 0; i < machines->len; i++) {
        const QemuMachine *m = g_ptr_array_index(machines, i);
        if (m->alias) {
            g_ptr_array_add(d->aliases, m->alias);
            g_ptr_array_add(d->aliases, m->name);
        }
    }
    g_ptr_array_add(d->aliases, NULL);
    d->defaults.emulator = qemu_caps_binary(caps);
    d->defaults.arch = qemu_caps_arch(caps);
    d->defaults.default_machine = dm ? dm->name : NULL;
    d->defaults.machine_aliases = (const char *const *)d->aliases->pdata;
    return d;
}

void
qemu_command_defaults_free(QemuCommandDefaults *d)
{
    if (!d)
        return;
    g_ptr_array_unref(d->aliases);
    g_free(d);
}

/* ---- building ---- */

typedef struct {
    const MvDomainDef *def;
    const QemuCommandPaths *paths;
    GPtrArray *argv;
    bool q35;
} Cmd;

static void
add(Cmd *c, const char *arg)
{
    g_ptr_array_add(c->argv, g_strdup(arg));
}

static void addf(Cmd *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
addf(Cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(c->argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static void
add_pair(Cmd *c, const char *opt, GString *value)
{
    add(c, opt);
    g_ptr_array_add(c->argv, g_string_free(value, FALSE));
}

/* An option list value with QEMU's escaping: a comma is doubled. */
static void
put_escaped(GString *s, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == ',')
            g_string_append_c(s, ',');
        g_string_append_c(s, *p);
    }
}

/* ",key=value" with @value escaped. */
static void
put_str(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, ",%s=", key);
    put_escaped(s, value);
}

static const char *
pci_bus_alias(const Cmd *c, unsigned index)
{
    const MvDomainController *ctrl =
        mv_domain_def_find_controller(c->def, MV_DOMAIN_CONTROLLER_PCI, (int)index);
    return ctrl && ctrl->info.alias ? ctrl->info.alias : "pci.0";
}

/* ",bus=pci.N,addr=0xS[.0xF][,multifunction=on]" for a PCI-addressed device. */
static void
put_pci(const Cmd *c, GString *s, const MvDomainDeviceInfo *info)
{
    const MvDomainAddress *a = &info->addr;
    if (a->type != MV_DOMAIN_ADDRESS_PCI)
        return;
    g_string_append_printf(s, ",bus=%s,addr=0x%x", pci_bus_alias(c, a->bus), a->slot);
    if (a->function)
        g_string_append_printf(s, ".0x%x", a->function);
    if (a->multifunction != MV_TRISTATE_ABSENT)
        g_string_append_printf(s, ",multifunction=%s", mv_tristate_onoff_to_string(a->multifunction));
}

static GString *
device(const char *driver)
{
    return g_string_new(driver);
}

/* ---- machine, CPU, memory ---- */

static bool
build_machine(Cmd *c, GError **error)
{
    const MvDomainDef *def = c->def;
    const MvDomainOs *os = &def->os;
    bool pflash = os->loader && os->loader_type == MV_DOMAIN_LOADER_PFLASH;

    if (pflash) {
        const char *images[] = { os->loader, os->nvram };
        bool readonly[] = { os->loader_readonly == MV_TRISTATE_ON, false };
        for (int i = 0; i < 2 && images[i]; i++) {
            g_autofree char *storage = g_strdup_printf("libvirt-pflash%d-storage", i);
            g_autofree char *format = g_strdup_printf("libvirt-pflash%d-format", i);
            json_object *file = json_object_new_object();
            json_object_object_add(file, "driver", json_object_new_string("file"));
            json_object_object_add(file, "filename", json_object_new_string(images[i]));
            json_object_object_add(file, "node-name", json_object_new_string(storage));
            json_object_object_add(file, "auto-read-only", json_object_new_boolean(1));
            json_object_object_add(file, "discard", json_object_new_string("unmap"));
            json_object *fmt = json_object_new_object();
            json_object_object_add(fmt, "node-name", json_object_new_string(format));
            json_object_object_add(fmt, "read-only", json_object_new_boolean(readonly[i]));
            json_object_object_add(fmt, "driver", json_object_new_string("raw"));
            json_object_object_add(fmt, "file", json_object_new_string(storage));
            add(c, "-blockdev");
            add(c, json_object_to_json_string_ext(file, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
            add(c, "-blockdev");
            add(c, json_object_to_json_string_ext(fmt, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(file);
            json_object_put(fmt);
        }
    }

    GString *m = g_string_new(NULL);
    put_escaped(m, os->machine);
    /* USB controllers are always explicit devices. */
    g_string_append(m, ",usb=off");
    if (def->vmport)
        g_string_append_printf(m, ",vmport=%s", mv_tristate_onoff_to_string(def->vmport));
    g_string_append(m, ",dump-guest-core=off");
    if (pflash) {
        g_string_append(m, ",pflash0=libvirt-pflash0-format");
        if (os->nvram)
            g_string_append(m, ",pflash1=libvirt-pflash1-format");
    }
    add_pair(c, "-machine", m);

    if (def->virt_type == MV_DOMAIN_VIRT_KVM && !c->paths->kvm_usable)
        return unsupported(error, "Domain requires KVM, but it is not available on this host "
                           "(%s); use <domain type='qemu'> to run it with TCG",
                           c->paths->kvm_reason ? c->paths->kvm_reason : "the KVM probe failed");
    add(c, "-accel");
    add(c, def->virt_type == MV_DOMAIN_VIRT_KVM ? "kvm" : "tcg");

    const MvDomainCpu *cpu = &def->cpu;
    GString *model = g_string_new(NULL);
    switch (cpu->mode) {
    case MV_DOMAIN_CPU_MODE_CUSTOM:
        put_escaped(model, cpu->model ? cpu->model : "qemu64");
        break;
    case MV_DOMAIN_CPU_MODE_HOST_MODEL:
        /* The closest QEMU offers without expanding the host CPU: KVM's host, TCG's max. */
        g_string_append(model, def->virt_type == MV_DOMAIN_VIRT_KVM ? "host" : "max");
        break;
    case MV_DOMAIN_CPU_MODE_HOST_PASSTHROUGH:
        g_string_append(model, "host");
        if (cpu->migratable == MV_TRISTATE_OFF)
            g_string_append(model, ",migratable=off");
        break;
    case MV_DOMAIN_CPU_MODE_MAXIMUM:
        g_string_append(model, "max");
        break;
    case MV_DOMAIN_CPU_MODE_LAST:
        break;
    }
    for (guint i = 0; i < def->clock.timers->len; i++) {
        const MvDomainTimer *t = &g_array_index(def->clock.timers, MvDomainTimer, i);
        if (t->name == MV_DOMAIN_TIMER_KVMCLOCK && t->present != MV_TRISTATE_ABSENT)
            g_string_append_printf(model, ",kvmclock=%s",
                                   t->present == MV_TRISTATE_ON ? "on" : "off");
    }
    add_pair(c, "-cpu", model);

    if (os->loader && !pflash) {
        add(c, "-bios");
        add(c, os->loader);
    }
    return true;
}

/* QEMU wants guest RAM in whole MiB on x86; libvirt rounds up the same way. */
static guint64
align_mib_kib(guint64 kib)
{
    return (kib + 1023) / 1024 * 1024;
}

static void
build_memory_smp(Cmd *c)
{
    const MvDomainDef *def = c->def;
    const MvDomainCpu *cpu = &def->cpu;
    guint64 memory = 0;
    for (guint i = 0; i < cpu->numa->len; i++)
        memory += align_mib_kib(((MvDomainNumaCell *)g_ptr_array_index(cpu->numa, i))->memory_kib);
    if (!cpu->numa->len)
        memory = align_mib_kib(def->memory_kib);

    add(c, "-m");
    if (def->max_memory_kib)
        addf(c, "size=%" G_GUINT64_FORMAT "k,slots=%u,maxmem=%" G_GUINT64_FORMAT "k", memory,
             def->max_memory_slots, align_mib_kib(def->max_memory_kib));
    else
        addf(c, "%" G_GUINT64_FORMAT, memory / 1024);

    GString *smp = g_string_new(NULL);
    unsigned current = def->current_vcpus ? def->current_vcpus : def->vcpus;
    g_string_append_printf(smp, "%u", current);
    if (current != def->vcpus)
        g_string_append_printf(smp, ",maxcpus=%u", def->vcpus);
    if (cpu->sockets) {
        g_string_append_printf(smp, ",sockets=%u,dies=%u,cores=%u,threads=%u", cpu->sockets,
                               cpu->dies, cpu->cores, cpu->threads);
    } else {
        g_string_append_printf(smp, ",sockets=%u,cores=1,threads=1", def->vcpus);
    }
    add_pair(c, "-smp", smp);

    for (guint i = 0; i < cpu->numa->len; i++) {
        const MvDomainNumaCell *cell = g_ptr_array_index(cpu->numa, i);
        add(c, "-object");
        addf(c, "memory-backend-ram,id=ram-node%u,size=%" G_GUINT64_FORMAT, cell->id,
             align_mib_kib(cell->memory_kib) * 1024);
        GString *node = g_string_new(NULL);
        g_string_append_printf(node, "node,nodeid=%u", cell->id);
        /* A list "0-1,4" is one cpus= per item in QEMU's syntax. */
        g_auto(GStrv) parts = g_strsplit(cell->cpus, ",", -1);
        for (char **p = parts; *p; p++)
            g_string_append_printf(node, ",cpus=%s", *p);
        g_string_append_printf(node, ",memdev=ram-node%u", cell->id);
        add_pair(c, "-numa", node);
    }
}

static void
build_clock_and_lifecycle(Cmd *c)
{
    const MvDomainDef *def = c->def;
    const MvDomainClock *clock = &def->clock;
    GString *rtc = g_string_new("base=");
    switch (clock->offset) {
    case MV_DOMAIN_CLOCK_UTC:
        g_string_append(rtc, "utc");
        break;
    case MV_DOMAIN_CLOCK_LOCALTIME:
        g_string_append(rtc, "localtime");
        break;
    case MV_DOMAIN_CLOCK_VARIABLE: {
        /* QEMU takes the guest's start time; the adjustment is counted from the basis. */
        gint64 now = c->paths->now ? c->paths->now : (gint64)time(NULL);
        time_t t = (time_t)(now + clock->adjustment);
        struct tm tm;
        if (clock->basis == MV_DOMAIN_CLOCK_BASIS_LOCALTIME)
            localtime_r(&t, &tm);
        else
            gmtime_r(&t, &tm);
        g_string_append_printf(rtc, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                               tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        break;
    }
    case MV_DOMAIN_CLOCK_LAST:
        break;
    }
    const char *pit_policy = NULL;
    bool no_hpet = false;
    for (guint i = 0; i < clock->timers->len; i++) {
        const MvDomainTimer *t = &g_array_index(clock->timers, MvDomainTimer, i);
        if (t->name == MV_DOMAIN_TIMER_RTC && t->tickpolicy == MV_DOMAIN_TICKPOLICY_CATCHUP)
            g_string_append(rtc, ",driftfix=slew");
        if (t->name == MV_DOMAIN_TIMER_PIT)
            pit_policy = t->tickpolicy == MV_DOMAIN_TICKPOLICY_DELAY ? "delay"
                       : t->tickpolicy == MV_DOMAIN_TICKPOLICY_CATCHUP ? "slew"
                       : t->tickpolicy == MV_DOMAIN_TICKPOLICY_DISCARD ? "discard" : NULL;
        if (t->name == MV_DOMAIN_TIMER_HPET && t->present == MV_TRISTATE_OFF)
            no_hpet = true;
    }
    add_pair(c, "-rtc", rtc);
    if (pit_policy) {
        add(c, "-global");
        addf(c, "kvm-pit.lost_tick_policy=%s", pit_policy);
    }
    if (no_hpet)
        add(c, "-no-hpet");

    /* A guest power-off stops QEMU instead of ending it: the daemon sees SHUTDOWN, records
     * the reason, and then applies <on_poweroff> itself. */
    add(c, "-no-shutdown");
    if (def->on_reboot == MV_DOMAIN_LIFECYCLE_DESTROY)
        add(c, "-no-reboot");
    if (!def->features[MV_DOMAIN_FEATURE_ACPI])
        add(c, "-no-acpi");

    GString *boot = g_string_new(NULL);
    if (def->os.bootmenu)
        g_string_append_printf(boot, "menu=%s,", def->os.bootmenu == MV_TRISTATE_ON ? "on" : "off");
    g_string_append(boot, "strict=on");
    add_pair(c, "-boot", boot);

    if (def->os.kernel) {
        add(c, "-kernel");
        add(c, def->os.kernel);
    }
    if (def->os.initrd) {
        add(c, "-initrd");
        add(c, def->os.initrd);
    }
    if (def->os.cmdline) {
        add(c, "-append");
        add(c, def->os.cmdline);
    }
}

/* ---- devices ---- */

/* bootindex of each disk and NIC: per-device <boot order=> as given, else the first
 * device of each <os><boot dev=> kind in the order the boot elements list them. */
static unsigned
boot_index(const Cmd *c, const MvDomainDeviceInfo *info, MvDomainBootDev kind)
{
    const MvDomainDef *def = c->def;
    if (info->boot_order || !def->os.nboot)
        return info->boot_order;
    for (size_t i = 0; i < def->os.nboot; i++) {
        if (def->os.boot[i] != kind)
            continue;
        const MvDomainDeviceInfo *first = NULL;
        if (kind == MV_DOMAIN_BOOT_NETWORK) {
            if (def->nets->len)
                first = &((MvDomainNet *)g_ptr_array_index(def->nets, 0))->info;
        } else {
            MvDomainDiskDevice want = kind == MV_DOMAIN_BOOT_CDROM ? MV_DOMAIN_DISK_DEVICE_CDROM
                                                                   : MV_DOMAIN_DISK_DEVICE_DISK;
            for (guint d = 0; d < def->disks->len && !first; d++) {
                const MvDomainDisk *disk = g_ptr_array_index(def->disks, d);
                if (disk->device == want)
                    first = &disk->info;
            }
        }
        return first == info ? (unsigned)i + 1 : 0;
    }
    return 0;
}

static void
put_bootindex(GString *s, unsigned index)
{
    if (index)
        g_string_append_printf(s, ",bootindex=%u", index);
}

static const char *
usb_driver(int model)
{
    switch (model) {
    case MV_DOMAIN_USB_MODEL_PIIX3_UHCI: return "piix3-usb-uhci";
    case MV_DOMAIN_USB_MODEL_QEMU_XHCI: return "qemu-xhci";
    case MV_DOMAIN_USB_MODEL_NEC_XHCI: return "nec-usb-xhci";
    case MV_DOMAIN_USB_MODEL_ICH9_EHCI1: return "ich9-usb-ehci1";
    case MV_DOMAIN_USB_MODEL_ICH9_UHCI1: return "ich9-usb-uhci1";
    case MV_DOMAIN_USB_MODEL_ICH9_UHCI2: return "ich9-usb-uhci2";
    case MV_DOMAIN_USB_MODEL_ICH9_UHCI3: return "ich9-usb-uhci3";
    default: return NULL;
    }
}

/* The first EHCI port a UHCI companion serves: <master startport=>, or the pair its model
 * number says (uhci1: 0, uhci2: 2, uhci3: 4); -1 for a controller that is no companion. */
static int
usb_companion_firstport(const MvDomainController *ctrl)
{
    if (ctrl->type != MV_DOMAIN_CONTROLLER_USB || ctrl->model < MV_DOMAIN_USB_MODEL_ICH9_UHCI1 ||
        ctrl->model > MV_DOMAIN_USB_MODEL_ICH9_UHCI3)
        return -1;
    if (ctrl->has_master)
        return (int)ctrl->master_startport;
    return (ctrl->model - MV_DOMAIN_USB_MODEL_ICH9_UHCI1) * 2;
}

/* <pm>: the ACPI sleep states the chipset's power management device announces. */
static void
build_pm(Cmd *c)
{
    const char *pm = c->q35 ? "ICH9-LPC" : "PIIX4_PM";
    const MvTristate states[] = { c->def->pm_suspend_to_mem, c->def->pm_suspend_to_disk };
    for (int i = 0; i < 2; i++) {
        if (!states[i])
            continue;
        add(c, "-global");
        addf(c, "%s.disable_s%d=%d", pm, i == 0 ? 3 : 4, states[i] == MV_TRISTATE_OFF ? 1 : 0);
    }
}

static bool
build_controllers(Cmd *c, GError **error)
{
    /* Type by type, as libvirt orders them: PCI, USB, SCSI, SATA, virtio-serial. */
    static const MvDomainControllerType order[] = {
        MV_DOMAIN_CONTROLLER_PCI, MV_DOMAIN_CONTROLLER_USB, MV_DOMAIN_CONTROLLER_SCSI,
        MV_DOMAIN_CONTROLLER_SATA, MV_DOMAIN_CONTROLLER_VIRTIO_SERIAL,
    };
    for (size_t o = 0; o < G_N_ELEMENTS(order); o++) {
        for (guint i = 0; i < c->def->controllers->len; i++) {
            const MvDomainController *ctrl = g_ptr_array_index(c->def->controllers, i);
            const char *driver = NULL;
            if (ctrl->type != order[o])
                continue;
            switch (ctrl->type) {
            case MV_DOMAIN_CONTROLLER_PCI:
                driver = ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT ? "pcie-root-port"
                       : ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE ? "pcie-pci-bridge"
                       : NULL;
                break;
            case MV_DOMAIN_CONTROLLER_USB:
                driver = usb_driver(ctrl->model);
                break;
            case MV_DOMAIN_CONTROLLER_SCSI:
                driver = ctrl->model == MV_DOMAIN_SCSI_MODEL_VIRTIO_SCSI ? "virtio-scsi-pci" : "lsi";
                break;
            case MV_DOMAIN_CONTROLLER_SATA:
                /* q35's first AHCI is part of the chipset. */
                driver = c->q35 && ctrl->index == 0 ? NULL : "ahci";
                break;
            case MV_DOMAIN_CONTROLLER_VIRTIO_SERIAL:
                driver = "virtio-serial-pci";
                break;
            default:
                break;
            }
            if (!driver)
                continue;
            if (!ctrl->info.alias) {
                mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                             "controller '%s' %d has no alias",
                             mv_domain_controller_to_string(ctrl->type), ctrl->index);
                return false;
            }
            GString *d = device(driver);
            if (ctrl->model == MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT &&
                ctrl->type == MV_DOMAIN_CONTROLLER_PCI)
                g_string_append_printf(d, ",port=%d,chassis=%d", ctrl->port, ctrl->chassis);
            if (ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->usb_ports > 0)
                g_string_append_printf(d, ",p2=%d,p3=%d", ctrl->usb_ports, ctrl->usb_ports);
            int firstport = usb_companion_firstport(ctrl);
            if (firstport >= 0) {
                /* A companion has no bus of its own: it serves ports of its master's. */
                g_string_append(d, ",masterbus=");
                put_escaped(d, ctrl->info.alias);
                g_string_append_printf(d, ".0,firstport=%d", firstport);
            } else {
                put_str(d, "id", ctrl->info.alias);
            }
            put_pci(c, d, &ctrl->info);
            add_pair(c, "-device", d);
        }
    }
    return true;
}

static const char *
json(json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Cache modes as QEMU's three switches: O_DIRECT, flushes ignored, guest write cache. */
static void
cache_flags(MvDomainDiskCache cache, bool *direct, bool *no_flush, const char **write_cache)
{
    *direct = cache == MV_DOMAIN_DISK_CACHE_NONE || cache == MV_DOMAIN_DISK_CACHE_DIRECTSYNC;
    *no_flush = cache == MV_DOMAIN_DISK_CACHE_UNSAFE;
    *write_cache = cache == MV_DOMAIN_DISK_CACHE_WRITETHROUGH ||
                   cache == MV_DOMAIN_DISK_CACHE_DIRECTSYNC ? "off"
                 : cache >= MV_DOMAIN_DISK_CACHE_NONE ? "on" : NULL;
}

static void
build_blockdevs(Cmd *c, const MvDomainDisk *disk, unsigned n)
{
    bool readonly = disk->readonly || disk->device == MV_DOMAIN_DISK_DEVICE_CDROM;
    bool direct, no_flush;
    const char *write_cache;
    cache_flags(disk->cache, &direct, &no_flush, &write_cache);
    g_autofree char *storage = g_strdup_printf("libvirt-%u-storage", n);
    g_autofree char *format = g_strdup_printf("libvirt-%u-format", n);

    json_object *file = json_object_new_object();
    json_object_object_add(file, "driver", json_object_new_string(
                               disk->type == MV_DOMAIN_DISK_TYPE_BLOCK || disk->src_block ? "host_device" : "file"));
    json_object_object_add(file, "filename", json_object_new_string(disk->src));
    json_object_object_add(file, "node-name", json_object_new_string(storage));
    if (write_cache) {
        json_object *cache = json_object_new_object();
        json_object_object_add(cache, "direct", json_object_new_boolean(direct));
        json_object_object_add(cache, "no-flush", json_object_new_boolean(no_flush));
        json_object_object_add(file, "cache", cache);
    }
    json_object_object_add(file, "auto-read-only", json_object_new_boolean(1));
    json_object_object_add(file, "discard", json_object_new_string("unmap"));

    json_object *fmt = json_object_new_object();
    json_object_object_add(fmt, "node-name", json_object_new_string(format));
    json_object_object_add(fmt, "read-only", json_object_new_boolean(readonly));
    if (write_cache) {
        json_object *cache = json_object_new_object();
        json_object_object_add(cache, "direct", json_object_new_boolean(direct));
        json_object_object_add(cache, "no-flush", json_object_new_boolean(no_flush));
        json_object_object_add(fmt, "cache", cache);
    }
    if (disk->discard)
        json_object_object_add(fmt, "discard", json_object_new_string(
                                   disk->discard == MV_DOMAIN_DISK_DISCARD_UNMAP ? "unmap" : "ignore"));
    json_object_object_add(fmt, "driver", json_object_new_string(
                               disk->format == MV_DOMAIN_DISK_FORMAT_QCOW2 ? "qcow2" : "raw"));
    json_object_object_add(fmt, "file", json_object_new_string(storage));

    add(c, "-blockdev");
    add(c, json(file));
    add(c, "-blockdev");
    add(c, json(fmt));
    json_object_put(file);
    json_object_put(fmt);
}

static bool
build_disks(Cmd *c, GError **error)
{
    const MvDomainDef *def = c->def;
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
        const MvDomainAddress *a = &disk->info.addr;
        bool cdrom = disk->device == MV_DOMAIN_DISK_DEVICE_CDROM;
        /* libvirt numbers the node names down from the disk count. */
        unsigned n = def->disks->len - i;
        if (disk->src)
            build_blockdevs(c, disk, n);

        GString *d = NULL;
        const MvDomainController *ctrl = NULL;
        switch (disk->bus) {
        case MV_DOMAIN_DISK_BUS_VIRTIO:
            d = device("virtio-blk-pci");
            put_pci(c, d, &disk->info);
            break;
        case MV_DOMAIN_DISK_BUS_IDE:
            d = device(cdrom ? "ide-cd" : "ide-hd");
            g_string_append_printf(d, ",bus=ide.%u,unit=%u", a->drive_bus, a->unit);
            break;
        case MV_DOMAIN_DISK_BUS_SATA:
            ctrl = mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_SATA, (int)a->controller);
            d = device(cdrom ? "ide-cd" : "ide-hd");
            g_string_append_printf(d, ",bus=%s.%u", ctrl && ctrl->info.alias ? ctrl->info.alias : "ide",
                                   a->unit);
            break;
        case MV_DOMAIN_DISK_BUS_SCSI:
            ctrl = mv_domain_def_find_controller(def, MV_DOMAIN_CONTROLLER_SCSI, (int)a->controller);
            d = device(cdrom ? "scsi-cd" : "scsi-hd");
            g_string_append_printf(d, ",bus=%s.%u", ctrl && ctrl->info.alias ? ctrl->info.alias : "scsi0",
                                   a->drive_bus);
            if (ctrl && ctrl->model == MV_DOMAIN_SCSI_MODEL_VIRTIO_SCSI)
                g_string_append_printf(d, ",channel=0,scsi-id=%u,lun=%u", a->target, a->unit);
            else
                g_string_append_printf(d, ",scsi-id=%u", a->unit);
            break;
        default:
            return unsupported(error, "disk bus '%s' of disk '%s' is not supported",
                               mv_domain_disk_bus_to_string(disk->bus), disk->target);
        }
        if (disk->src)
            g_string_append_printf(d, ",drive=libvirt-%u-format", n);
        put_str(d, "id", disk->info.alias);
        bool direct, no_flush;
        const char *write_cache;
        cache_flags(disk->cache, &direct, &no_flush, &write_cache);
        if (write_cache && disk->src)
            g_string_append_printf(d, ",write-cache=%s", write_cache);
        if (disk->shareable)
            g_string_append(d, ",share-rw=on");
        if (disk->serial)
            put_str(d, "serial", disk->serial);
        put_bootindex(d, boot_index(c, &disk->info,
                                    cdrom ? MV_DOMAIN_BOOT_CDROM : MV_DOMAIN_BOOT_HD));
        add_pair(c, "-device", d);
    }
    return true;
}

static bool
build_nets(Cmd *c, GError **error)
{
    const MvDomainDef *def = c->def;
    for (guint i = 0; i < def->nets->len; i++) {
        const MvDomainNet *net = g_ptr_array_index(def->nets, i);
        int fd = i < c->paths->n_tap_fds && c->paths->tap_fds ? c->paths->tap_fds[i] : -1;
        GString *nd = g_string_new(NULL);
        switch (net->type) {
        case MV_DOMAIN_NET_USER:
            g_string_append(nd, "user");
            break;
        case MV_DOMAIN_NET_NETWORK:
        case MV_DOMAIN_NET_BRIDGE:
        case MV_DOMAIN_NET_ETHERNET:
            if (fd >= 0) {
                g_string_append_printf(nd, "tap,fd=%d", fd);
            } else if (net->type == MV_DOMAIN_NET_ETHERNET && net->target_dev) {
                g_string_append(nd, "tap");
                put_str(nd, "ifname", net->target_dev);
                g_string_append(nd, ",script=no,downscript=no");
            } else {
                g_string_free(nd, TRUE);
                mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                             "interface '%s' of type '%s' has no tap device to use",
                             net->info.alias, mv_domain_net_to_string(net->type));
                return false;
            }
            break;
        case MV_DOMAIN_NET_LAST:
            break;
        }
        g_string_append_printf(nd, ",id=host%s", net->info.alias);
        add_pair(c, "-netdev", nd);

        static const char *const drivers[MV_DOMAIN_NET_MODEL_LAST] = {
            [MV_DOMAIN_NET_MODEL_NONE] = "rtl8139",  /* QEMU's x86 default NIC */
            [MV_DOMAIN_NET_MODEL_VIRTIO] = "virtio-net-pci",
            [MV_DOMAIN_NET_MODEL_E1000] = "e1000",
            [MV_DOMAIN_NET_MODEL_E1000E] = "e1000e",
            [MV_DOMAIN_NET_MODEL_RTL8139] = "rtl8139",
        };
        char mac[MV_MAC_STRING_BUFLEN];
        mv_mac_format(net->mac, mac);
        GString *d = device(drivers[net->model]);
        g_string_append_printf(d, ",netdev=host%s", net->info.alias);
        put_str(d, "id", net->info.alias);
        g_string_append_printf(d, ",mac=%s", mac);
        put_pci(c, d, &net->info);
        put_bootindex(d, boot_index(c, &net->info, MV_DOMAIN_BOOT_NETWORK));
        add_pair(c, "-device", d);
    }
    return true;
}

static void
build_serials(Cmd *c)
{
    const MvDomainDef *def = c->def;
    for (guint i = 0; i < def->serials->len; i++) {
        const MvDomainChr *chr = g_ptr_array_index(def->serials, i);
        GString *cd = g_string_new(NULL);
        switch (chr->type) {
        case MV_DOMAIN_CHR_PTY:
            g_string_append_printf(cd, "pty,id=char%s", chr->info.alias);
            break;
        case MV_DOMAIN_CHR_FILE:
            g_string_append_printf(cd, "file,id=char%s", chr->info.alias);
            put_str(cd, "path", chr->path);
            if (chr->append)
                g_string_append_printf(cd, ",append=%s", chr->append == MV_TRISTATE_ON ? "on" : "off");
            break;
        case MV_DOMAIN_CHR_UNIX:
            g_string_append_printf(cd, "socket,id=char%s", chr->info.alias);
            put_str(cd, "path", chr->path);
            if (chr->mode == MV_DOMAIN_CHR_MODE_BIND)
                g_string_append(cd, ",server=on,wait=off");
            break;
        case MV_DOMAIN_CHR_NMDM:  /* bhyve only: the parser refuses it for QEMU */
        case MV_DOMAIN_CHR_LAST:
            break;
        }
        add_pair(c, "-chardev", cd);
        GString *d = device("isa-serial");
        g_string_append_printf(d, ",chardev=char%s", chr->info.alias);
        put_str(d, "id", chr->info.alias);
        g_string_append_printf(d, ",index=%d", chr->target_port);
        add_pair(c, "-device", d);
    }
}

/* Channels: a chardev each and a port on virtio-serial0, numbered from 1 in order. */
static bool
build_channels(Cmd *c, GError **error)
{
    const MvDomainDef *def = c->def;
    for (guint i = 0; i < def->channels->len; i++) {
        const MvDomainChannel *ch = g_ptr_array_index(def->channels, i);
        GString *cd = g_string_new(NULL);
        switch (ch->type) {
        case MV_DOMAIN_CHANNEL_PTY:
            g_string_append_printf(cd, "pty,id=char%s", ch->info.alias);
            break;
        case MV_DOMAIN_CHANNEL_UNIX: {
            g_autofree char *path = ch->path ? g_strdup(ch->path)
                                             : g_build_filename(c->paths->run_dir, ch->target_name, NULL);
            g_string_append_printf(cd, "socket,id=char%s", ch->info.alias);
            put_str(cd, "path", path);
            if (ch->mode == MV_DOMAIN_CHR_MODE_BIND)
                g_string_append(cd, ",server=on,wait=off");
            break;
        }
        case MV_DOMAIN_CHANNEL_SPICEVMC:
            /* qemu_command_validate made sure SPICE graphics exist. */
            g_string_append_printf(cd, "spicevmc,id=char%s,name=vdagent", ch->info.alias);
            break;
        case MV_DOMAIN_CHANNEL_LAST:
            break;
        }
        add_pair(c, "-chardev", cd);
        GString *d = device("virtserialport");
        g_string_append_printf(d, ",bus=virtio-serial0.0,nr=%u,chardev=char%s", i + 1, ch->info.alias);
        put_str(d, "id", ch->info.alias);
        put_str(d, "name", ch->target_name);
        add_pair(c, "-device", d);
    }
    return true;
}

/* The USB bus inputs attach to: controller 0, its master when it is an ICH9 set. */
static const MvDomainController *
usb_bus0(const MvDomainDef *def)
{
    for (guint i = 0; i < def->controllers->len; i++) {
        const MvDomainController *ctrl = g_ptr_array_index(def->controllers, i);
        if (ctrl->type == MV_DOMAIN_CONTROLLER_USB && ctrl->index == 0 &&
            usb_companion_firstport(ctrl) < 0)
            return ctrl;
    }
    return NULL;
}

static bool
build_inputs(Cmd *c, GError **error)
{
    const MvDomainDef *def = c->def;
    const MvDomainController *usb = usb_bus0(def);
    for (guint i = 0; i < def->inputs->len; i++) {
        const MvDomainInput *input = g_ptr_array_index(def->inputs, i);
        static const char *const usb_drivers[] = { "usb-mouse", "usb-kbd", "usb-tablet" };
        static const char *const virtio_drivers[] = { "virtio-mouse-pci", "virtio-keyboard-pci",
                                                      "virtio-tablet-pci" };
        G_STATIC_ASSERT(G_N_ELEMENTS(usb_drivers) == MV_DOMAIN_INPUT_LAST);
        G_STATIC_ASSERT(G_N_ELEMENTS(virtio_drivers) == MV_DOMAIN_INPUT_LAST);
        GString *d;
        if (input->bus == MV_DOMAIN_INPUT_BUS_USB) {
            if (!usb || !usb->info.alias || usb->model == MV_DOMAIN_USB_MODEL_NONE)
                return unsupported(error, "USB is disabled for this domain, but USB devices are "
                                   "present in the domain XML");
            d = device(usb_drivers[input->type]);
            put_str(d, "id", input->info.alias);
            g_string_append_printf(d, ",bus=%s.0", usb->info.alias);
            if (input->info.addr.usb_port)
                g_string_append_printf(d, ",port=%s", input->info.addr.usb_port);
        } else if (input->bus == MV_DOMAIN_INPUT_BUS_VIRTIO) {
            d = device(virtio_drivers[input->type]);
            put_str(d, "id", input->info.alias);
            put_pci(c, d, &input->info);
        } else {
            continue;  /* PS/2 devices come with the machine */
        }
        add_pair(c, "-device", d);
    }
    return true;
}

/* A graphics socket: the one given, or one in the guest's run directory. */
static char *
graphics_socket(const Cmd *c, const MvDomainGraphics *gr)
{
    if (gr->socket)
        return g_strdup(gr->socket);
    return g_strdup_printf("%s/%s.sock", c->paths->run_dir, mv_domain_graphics_to_string(gr->type));
}

static void
build_vnc(Cmd *c, const MvDomainGraphics *gr, unsigned audio)
{
    GString *v = g_string_new(NULL);
    if (gr->listen_type == MV_DOMAIN_LISTEN_NONE) {
        g_string_append(v, "none");
    } else if (gr->listen_type == MV_DOMAIN_LISTEN_SOCKET) {
        g_autofree char *path = graphics_socket(c, gr);
        g_string_append(v, "unix:");
        put_escaped(v, path);
    } else {
        const char *listen = gr->listen ? gr->listen : GRAPHICS_DEFAULT_LISTEN;
        if (strchr(listen, ':'))
            g_string_append_printf(v, "[%s]", listen);
        else
            g_string_append(v, listen);
        int port = gr->autoport ? c->paths->vnc_port : gr->port;
        if (port >= VNC_PORT_BASE)
            g_string_append_printf(v, ":%d", port - VNC_PORT_BASE);
        else
            g_string_append_printf(v, ":0,to=%d", VNC_AUTOPORT_LAST_DISPLAY);
    }
    /* The password itself goes over QMP (set_password), never on the command line. */
    if (gr->passwd)
        g_string_append(v, ",password=on");
    if (audio)
        g_string_append_printf(v, ",audiodev=audio%u", audio);
    add_pair(c, "-vnc", v);
}

/* SPICE on a TCP port (chosen by the driver for autoport) or a unix socket; with a password
 * the ticket is set over QMP, without one ticketing is off. */
static void
build_spice(Cmd *c, const MvDomainGraphics *gr)
{
    GString *v = g_string_new(NULL);
    if (gr->listen_type == MV_DOMAIN_LISTEN_SOCKET) {
        g_autofree char *path = graphics_socket(c, gr);
        g_string_append(v, "unix=on,addr=");
        put_escaped(v, path);
    } else {
        int port = gr->autoport ? c->paths->spice_port : gr->port;
        g_string_append_printf(v, "port=%d,addr=", port > 0 ? port : 0);
        put_escaped(v, gr->listen ? gr->listen : GRAPHICS_DEFAULT_LISTEN);
    }
    if (!gr->passwd)
        g_string_append(v, ",disable-ticketing=on");
    if (gr->image_compression)
        g_string_append_printf(v, ",image-compression=%s", gr->image_compression);
    g_string_append(v, ",seamless-migration=on");
    add_pair(c, "-spice", v);
}

static void
build_display(Cmd *c)
{
    const MvDomainDef *def = c->def;
    unsigned audio = def->audios->len ? ((MvDomainAudio *)g_ptr_array_index(def->audios, 0))->id : 0;
    for (guint i = 0; i < def->audios->len; i++) {
        add(c, "-audiodev");
        addf(c, "id=audio%u,driver=none", ((MvDomainAudio *)g_ptr_array_index(def->audios, i))->id);
    }
    for (guint i = 0; i < def->graphics->len; i++) {
        const MvDomainGraphics *gr = g_ptr_array_index(def->graphics, i);
        if (gr->type == MV_DOMAIN_GRAPHICS_SPICE)
            build_spice(c, gr);
        else
            build_vnc(c, gr, audio);
        if (gr->keymap) {
            add(c, "-k");
            add(c, gr->keymap);
        }
    }
    for (guint i = 0; i < def->videos->len; i++) {
        const MvDomainVideo *video = g_ptr_array_index(def->videos, i);
        GString *d;
        switch (video->model) {
        case MV_DOMAIN_VIDEO_VGA:
            d = device("VGA");
            put_str(d, "id", video->info.alias);
            g_string_append_printf(d, ",vgamem_mb=%u", video->vram_kib / 1024);
            break;
        case MV_DOMAIN_VIDEO_CIRRUS:
            d = device("cirrus-vga");
            put_str(d, "id", video->info.alias);
            break;
        case MV_DOMAIN_VIDEO_VIRTIO:
            d = device(video->primary ? "virtio-vga" : "virtio-gpu-pci");
            put_str(d, "id", video->info.alias);
            g_string_append_printf(d, ",max_outputs=%u", video->heads ? video->heads : 1);
            break;
        case MV_DOMAIN_VIDEO_QXL:
            /* The VGA-compatible QXL for the primary card; RAM bar and VRAM as libvirt sizes
             * them (vram= is the VRAM bar, the RAM bar matches it). */
            d = device(video->primary ? "qxl-vga" : "qxl");
            put_str(d, "id", video->info.alias);
            g_string_append_printf(d, ",ram_size=%u,vram_size=%u,vgamem_mb=16,max_outputs=1",
                                   video->vram_kib * 1024, video->vram_kib * 1024);
            break;
        case MV_DOMAIN_VIDEO_RAMFB:
            d = device("ramfb");
            put_str(d, "id", video->info.alias);
            add_pair(c, "-device", d);
            continue;   /* not a PCI device */
        case MV_DOMAIN_VIDEO_BOCHS:
            d = device("bochs-display");
            put_str(d, "id", video->info.alias);
            g_string_append_printf(d, ",vgamem=%u", video->vram_kib * 1024);
            break;
        default:
            continue;
        }
        put_pci(c, d, &video->info);
        add_pair(c, "-device", d);
    }
}

static void
build_misc(Cmd *c)
{
    const MvDomainDef *def = c->def;
    for (guint i = 0; i < def->watchdogs->len; i++) {
        const MvDomainWatchdog *wd = g_ptr_array_index(def->watchdogs, i);
        GString *d = device(mv_domain_watchdog_to_string(wd->model));
        put_str(d, "id", wd->info.alias);
        put_pci(c, d, &wd->info);
        add_pair(c, "-device", d);
        add(c, "-watchdog-action");
        add(c, mv_domain_watchdog_action_to_string(wd->action));
    }
    if (def->memballoon && def->memballoon->model == MV_DOMAIN_MEMBALLOON_VIRTIO) {
        GString *d = device("virtio-balloon-pci");
        put_str(d, "id", def->memballoon->info.alias);
        put_pci(c, d, &def->memballoon->info);
        if (def->memballoon->autodeflate)
            g_string_append_printf(d, ",deflate-on-oom=%s",
                                   mv_tristate_onoff_to_string(def->memballoon->autodeflate));
        add_pair(c, "-device", d);
    }
    for (guint i = 0; i < def->rngs->len; i++) {
        const MvDomainRng *rng = g_ptr_array_index(def->rngs, i);
        GString *o = g_string_new(NULL);
        g_string_append_printf(o, "rng-random,id=obj%s", rng->info.alias);
        put_str(o, "filename", rng->backend_path);
        add_pair(c, "-object", o);
        GString *d = device("virtio-rng-pci");
        g_string_append_printf(d, ",rng=obj%s", rng->info.alias);
        put_str(d, "id", rng->info.alias);
        put_pci(c, d, &rng->info);
        add_pair(c, "-device", d);
    }
}

GStrv
qemu_command_build(const MvDomainDef *def, const QemuCaps *caps, const QemuCommandPaths *paths,
                   GError **error)
{
    if (!paths || !paths->monitor_path) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                     "no monitor path for domain '%s'", def->name);
        return NULL;
    }
    if (!qemu_command_validate(def, caps, error))
        return NULL;

    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    Cmd c = { .def = def, .paths = paths, .argv = argv,
              .q35 = mv_domain_machine_is_q35(def->os.machine) };

    add(&c, def->emulator ? def->emulator : qemu_caps_binary(caps));
    GString *name = g_string_new("guest=");
    put_escaped(name, def->name);
    g_string_append(name, ",debug-threads=on");
    add_pair(&c, "-name", name);
    add(&c, "-S");
    if (!build_machine(&c, error))
        return NULL;
    build_memory_smp(&c);

    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(def->uuid, uuid);
    add(&c, "-uuid");
    add(&c, uuid);
    if (!def->graphics->len) {
        add(&c, "-display");
        add(&c, "none");
    }
    add(&c, "-no-user-config");
    add(&c, "-nodefaults");
    GString *mon = g_string_new("socket,id=charmonitor");
    put_str(mon, "path", paths->monitor_path);
    g_string_append(mon, ",server=on,wait=off");
    add_pair(&c, "-chardev", mon);
    add(&c, "-mon");
    add(&c, "chardev=charmonitor,id=monitor,mode=control");
    build_clock_and_lifecycle(&c);
    build_pm(&c);

    if (!build_controllers(&c, error) || !build_disks(&c, error) || !build_nets(&c, error))
        return NULL;
    build_serials(&c);
    if (!build_channels(&c, error) || !build_inputs(&c, error))
        return NULL;
    build_display(&c);
    build_misc(&c);

    add(&c, "-sandbox");
    add(&c, QEMU_SANDBOX);
    add(&c, "-msg");
    add(&c, "timestamp=on");
    if (paths->pidfile) {
        add(&c, "-pidfile");
        add(&c, paths->pidfile);
    }
    g_ptr_array_add(argv, NULL);
    return (GStrv)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}
