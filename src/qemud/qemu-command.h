// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain definition -> QEMU command line (TCG or KVM), plus the checks of a definition
// against what a QEMU binary offers.  Starting the process, opening tap devices and
// allocating ports are the caller's (qemu-process.c, qemu-lifecycle.c).
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "conf/conf-domain.h"
#include "qemu-caps.h"

/* What the command line needs from the code that starts QEMU. */
typedef struct {
    /* QMP socket QEMU listens on (-chardev socket,...,server=on,wait=off + -mon).  Required. */
    const char *monitor_path;
    /* Directory for this run's files; nothing on the command line lives there yet. */
    const char *run_dir;
    /* -pidfile, or NULL for none. */
    const char *pidfile;
    /* Open tap fds QEMU inherits, one per <interface> in definition order (-1: none).
     * Interfaces of type network and bridge need one; ethernet without one makes QEMU open
     * <target dev=> itself; user needs none. */
    const int *tap_fds;
    size_t n_tap_fds;
    /* Whether KVM runs guests here (qemu_kvm_usable()): type='kvm' is refused without, with
     * @kvm_reason (the probe's finding, may be NULL) in the message. */
    bool kvm_usable;
    const char *kvm_reason;
    /* The port for a VNC display with autoport='yes'; 0 lets QEMU take the first free
     * display from 5900 on (",to="), to be read back with query-vnc. */
    int vnc_port;
    /* The port for SPICE with autoport='yes' (QEMU cannot pick one itself): chosen free by
     * the caller; 0 lets the builder write port=0 (no TCP listener). */
    int spice_port;
    /* Seconds since the epoch that clock offset='variable' counts from; 0: now. */
    gint64 now;
} QemuCommandPaths;

/* Check @def against @caps, as libvirt's QEMU driver does at define time: domain type qemu
 * or kvm (the binary must support KVM for kvm), os type hvm, the arch and machine type the
 * binary offers, vCPUs within the machine's limit, lifecycle actions QEMU can honour (no
 * preserve or rename-restart on poweroff/reboot), host-passthrough only with KVM, and the
 * devices and options this builder has no QEMU spelling for.  @def must have its defaults
 * filled (mv_domain_def_fill_defaults).  Errors: MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED. */
bool qemu_command_validate(const MvDomainDef *def, const QemuCaps *caps, GError **error);

/* The defaults mv_domain_def_fill_defaults() needs, taken from @caps: its binary, arch,
 * default machine (canonical) and machine aliases.  The strings are borrowed from @caps,
 * which must outlive the result; free the result with qemu_command_defaults_free(). */
typedef struct {
    MvDomainDefaults defaults;
    GPtrArray *aliases;  /* backing store of defaults.machine_aliases */
} QemuCommandDefaults;

QemuCommandDefaults *qemu_command_defaults_new(const QemuCaps *caps);
void qemu_command_defaults_free(QemuCommandDefaults *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuCommandDefaults, qemu_command_defaults_free)

/* The command line for @def, argv[0] being the emulator: paused (-S), without defaults or
 * user config, with -no-shutdown so that a guest power-off leaves QEMU for the daemon to
 * handle per <on_poweroff> (and -no-reboot when <on_reboot> is destroy), the QMP monitor at
 * paths->monitor_path, serial ports as -chardev pty/file/socket (ptys are found with
 * query-chardev afterwards), and a seccomp sandbox.  Device ids are the definition's
 * aliases.  @def must have passed qemu_command_validate(); it is checked again, plus what
 * is only known at start (KVM usable, tap fds present).  Returns a NULL-terminated vector
 * (g_strfreev), or NULL with @error (MV_FROM_QEMU). */
GStrv qemu_command_build(const MvDomainDef *def, const QemuCaps *caps,
                         const QemuCommandPaths *paths, GError **error);
