// SPDX-License-Identifier: LGPL-2.1-or-later
// What a QEMU binary can do: version, machine types (with aliases, default, deprecation and
// maximum vCPUs), target arch and KVM support, probed once per (path, mtime) and cached.
// Deciding what a domain may use from these facts is left to the driver.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "conf/conf-capabilities.h"
#include "conf/conf-domain.h"

typedef struct {
    char *name;        /* canonical name: "pc-i440fx-7.2" */
    char *alias;       /* short alias QEMU also accepts ("pc"), or NULL */
    bool is_default;   /* what QEMU picks without -machine */
    bool deprecated;
    unsigned max_cpus; /* from QMP query-machines; 0 if QEMU did not say */
} QemuMachine;

void qemu_machine_free(QemuMachine *machine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuMachine, qemu_machine_free)

typedef struct {
    char *name;          /* "Skylake-Client-v4", "qemu64", "max" */
    MvTristate usable;   /* with TCG (the probe's accelerator); ABSENT: QEMU did not say */
    bool deprecated;
} QemuCpuModel;

void qemu_cpu_model_free(QemuCpuModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuCpuModel, qemu_cpu_model_free)

/* Immutable and reference counted, so any thread may keep one while the cache moves on. */
typedef struct _QemuCaps QemuCaps;

/* The capabilities of @binary (an absolute path), probed on first use and again whenever
 * its mtime, size or inode change.  Thread-safe.  Returns a new reference (drop it with
 * qemu_caps_unref), or NULL with @error set:
 * "cannot probe QEMU binary '/usr/bin/qemu-system-x86_64': <why>". */
QemuCaps *qemu_caps_get(const char *binary, GError **error);

QemuCaps *qemu_caps_ref(QemuCaps *caps);
void qemu_caps_unref(QemuCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuCaps, qemu_caps_unref)

/* Forget every cached probe (references already handed out stay valid). */
void qemu_caps_cache_flush(void);

const char *qemu_caps_binary(const QemuCaps *caps);

/* major * 1000000 + minor * 1000 + micro, e.g. 7002022 for 7.2.22. */
unsigned qemu_caps_version(const QemuCaps *caps);

/* The guest arch in libvirt's naming ("x86_64", "i686", "aarch64", "armv7l", ...). */
const char *qemu_caps_arch(const QemuCaps *caps);

/* True if the binary was built with KVM support (QMP query-kvm "present"); whether this
 * host can use KVM is qemu_kvm_usable() (qemu-kvm.h). */
bool qemu_caps_kvm_supported(const QemuCaps *caps);

/* The machine types in `-machine help` order, as QemuMachine*; borrowed, read-only. */
GPtrArray *qemu_caps_machines(const QemuCaps *caps);

/* The CPU models QEMU offers (query-cpu-definitions), as QemuCpuModel*; borrowed. */
GPtrArray *qemu_caps_cpu_models(const QemuCaps *caps);

/* Whether QEMU can instantiate device type @type ("qxl-vga", "ich9-usb-ehci1"). */
bool qemu_caps_has_device(const QemuCaps *caps, const char *type);

/* Whether QEMU has the QMP command @command ("query-spice": built with SPICE). */
bool qemu_caps_has_command(const QemuCaps *caps, const char *command);

/* The machine called @name, by canonical name or alias; NULL if none.  Borrowed. */
const QemuMachine *qemu_caps_find_machine(const QemuCaps *caps, const char *name);

/* The default machine type, or NULL when QEMU names none.  Borrowed. */
const QemuMachine *qemu_caps_default_machine(const QemuCaps *caps);

/* The path of qemu-system-<QEMU arch> for libvirt arch @arch ("x86_64", "i686", ...), found
 * in /usr/bin or /usr/libexec, or NULL.  g_free() it. */
char *qemu_caps_find_binary(const char *arch);

/* Parsers of what a probe reads, exposed for tests. */

/* Parse `qemu-system-* --version` output ("QEMU emulator version 7.2.22 (Debian ...)").
 * Returns false with MV_ERR_INTERNAL_ERROR if the first line is not in that form. */
bool qemu_caps_parse_version(const char *text, unsigned *ret_version, GError **error);

/* Parse `-machine help` output into QemuMachine* (aliases folded into their targets, no
 * max_cpus).  Returns NULL with MV_ERR_INTERNAL_ERROR if no machine can be read. */
GPtrArray *qemu_caps_parse_machine_help(const char *text, GError **error);

/* Parse the stdout of the probe's QMP session (one JSON object per line, replies carrying
 * the ids "target", "kvm" and "machines"): copies cpu-max into the matching entries of
 * @machines and returns the target arch (libvirt naming) and KVM support.
 * Returns false with MV_ERR_INTERNAL_ERROR on malformed output or a QMP error reply. */
bool qemu_caps_parse_qmp(const char *text, GPtrArray *machines, char **ret_arch,
                         bool *ret_kvm, GError **error);

/* Capabilities made from the captured output of the three probe commands (`--version`,
 * `-machine help`, the QMP session), with no file identity: what qemu_caps_get() does after
 * running them, and what tests use instead of running QEMU.  Errors as the parsers'. */
QemuCaps *qemu_caps_new_from_output(const char *binary, const char *version_out,
                                    const char *help_out, const char *qmp_out, GError **error);

/* Append to @caps the guest that @qcaps provides, as libvirt's QEMU driver describes it:
 * machines (default first, each alias after its machine), domain type qemu, kvm too when
 * @kvm_usable, the binary supports KVM and the host CPU runs the arch natively, and the x86
 * features (pae/nonpae for i686 only). */
void qemu_caps_add_guest(MvCaps *caps, const QemuCaps *qcaps, bool kvm_usable);

/* Capabilities of the QEMU driver on this host (qemu-capabilities.c): the host section and a
 * guest for each installed emulator of the supported arches (i686, x86_64), with domain type
 * kvm when the binary supports it and /dev/kvm is usable.  A host without emulators gets no
 * guests.  Errors as mv_caps_new_host() and qemu_caps_get() (an emulator that is installed
 * but cannot be probed is an error, not a silently missing guest). */
MvCaps *qemu_caps_build_capabilities(GError **error);

/* The same, formatted as capabilities XML. */
char *qemu_caps_build_capabilities_xml(GError **error);
