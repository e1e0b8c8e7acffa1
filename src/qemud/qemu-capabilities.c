// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's capabilities: the host section plus one guest per installed x86
// emulator, with machines, domain types and features as libvirt's QEMU driver reports them.
// Probing lives in qemu-caps.c, formatting in conf-capabilities.c.

#include "qemu-caps.h"
#include "qemu-kvm.h"

#include "util/util-error.h"

/* Guest arches we offer, in libvirt's arch order (which is the order it lists guests in). */
static const struct {
    const char *arch;
    int wordsize;
} guest_arches[] = {
    { "i686", 32 },
    { "x86_64", 64 },
};

/* KVM runs a guest of @guest_arch only on a host whose CPU executes it natively. */
static bool
kvm_arch_ok(const char *host_arch, const char *guest_arch)
{
    if (g_str_equal(host_arch, guest_arch))
        return true;
    return g_str_equal(host_arch, "x86_64") && g_str_equal(guest_arch, "i686");
}

static void
add_machine(MvCapsGuest *guest, const QemuMachine *m)
{
    mv_caps_guest_add_machine(guest, m->name, NULL, m->max_cpus, m->deprecated);
    if (m->alias)
        mv_caps_guest_add_machine(guest, m->alias, m->name, m->max_cpus, m->deprecated);
}

static int
arch_wordsize(const char *arch)
{
    for (size_t i = 0; i < G_N_ELEMENTS(guest_arches); i++) {
        if (g_str_equal(arch, guest_arches[i].arch))
            return guest_arches[i].wordsize;
    }
    return 64;
}

void
qemu_caps_add_guest(MvCaps *caps, const QemuCaps *qcaps, bool kvm_usable)
{
    const char *arch = qemu_caps_arch(qcaps);
    MvCapsGuest *guest = mv_caps_add_guest(caps, MV_CAPS_OS_HVM, arch, arch_wordsize(arch),
                                           qemu_caps_binary(qcaps), NULL);

    /* The default machine goes first: older tools take the first listed as the default. */
    const QemuMachine *def = qemu_caps_default_machine(qcaps);
    if (def)
        add_machine(guest, def);
    GPtrArray *machines = qemu_caps_machines(qcaps);
    for (guint i = 0; i < machines->len; i++) {
        const QemuMachine *m = g_ptr_array_index(machines, i);
        if (m != def)
            add_machine(guest, m);
    }

    mv_caps_guest_add_domain(guest, MV_CAPS_DOMAIN_QEMU);
    if (kvm_usable && qemu_caps_kvm_supported(qcaps) && kvm_arch_ok(caps->host_arch, arch))
        mv_caps_guest_add_domain(guest, MV_CAPS_DOMAIN_KVM);

    /* What libvirt's QEMU driver reports for x86 guests. */
    if (g_str_equal(arch, "i686")) {
        mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_PAE, false, false);
        mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_NONPAE, false, false);
    }
    mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_ACPI, true, true);
    mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_APIC, true, false);
    mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_CPUSELECTION, false, false);
    mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_DEVICEBOOT, false, false);
    mv_caps_guest_set_feature(guest, MV_CAPS_FEATURE_DISKSNAPSHOT, true, false);
}

MvCaps *
qemu_caps_build_capabilities(GError **error)
{
    g_autoptr(MvCaps) caps = mv_caps_new_host(error);
    if (!caps)
        return NULL;
    /* No security driver confines guests yet; say so the way libvirt does. */
    mv_caps_add_secmodel(caps, "none", "0");

    /* kvm only where a probe guest really ran, not merely where /dev/kvm opens. */
    bool kvm = qemu_kvm_usable(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(guest_arches); i++) {
        g_autofree char *binary = qemu_caps_find_binary(guest_arches[i].arch);
        if (!binary)
            continue;
        g_autoptr(QemuCaps) qcaps = qemu_caps_get(binary, error);
        if (!qcaps)
            return NULL;
        qemu_caps_add_guest(caps, qcaps, kvm);
    }
    return g_steal_pointer(&caps);
}

char *
qemu_caps_build_capabilities_xml(GError **error)
{
    g_autoptr(MvCaps) caps = qemu_caps_build_capabilities(error);
    if (!caps)
        return NULL;
    return mv_caps_format(caps, error);
}
