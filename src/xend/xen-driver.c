// SPDX-License-Identifier: LGPL-2.1-or-later
// The Xen driver: its defaults, its capabilities and its spec for the definitions-only
// domain driver.  Conversion is xen-xl-*.c; the handlers are core's (daemon-domdefs.c).

#include "xen-driver.h"
#include "xen-xl.h"
#include "conf/conf-capabilities.h"
#include "util/util-error.h"

/* libxl's limit on vCPUs of one guest (HVM_MAX_VCPUS). */
#define XEN_MAX_VCPUS 128
/* Where Debian's Xen keeps the HVM firmware loader. */
#define XEN_HVMLOADER "/usr/lib/xen-4.17/boot/hvmloader"

static const MvObjKind xen_kind = MV_DOMAIN_KIND_INIT(MV_FROM_LIBXL);

bool
xen_prepare(MvDomainDef *def, GError **error)
{
    MvDomainOs *os = &def->os;
    if (!os->arch)
        os->arch = g_strdup("x86_64");
    if (!g_str_equal(os->arch, "x86_64") && !g_str_equal(os->arch, "i686"))
        return mv_error_fail(error, MV_FROM_LIBXL, MV_ERR_CONFIG_UNSUPPORTED,
                             "domain '%s': architecture '%s' is not supported by Xen on x86",
                             def->name, os->arch);
    const char *machine = os->type == MV_DOMAIN_OS_HVM ? "xenfv"
                        : os->type == MV_DOMAIN_OS_XEN ? "xenpv"
                        : os->type == MV_DOMAIN_OS_XENPVH ? "xenpvh" : NULL;
    if (!machine)
        return mv_error_fail(error, MV_FROM_LIBXL, MV_ERR_CONFIG_UNSUPPORTED,
                             "domain '%s': OS type '%s' is not a Xen guest type", def->name,
                             mv_domain_os_to_string(os->type));
    if (!os->machine)
        os->machine = g_strdup(machine);
    if (!g_str_equal(os->machine, machine))
        return mv_error_fail(error, MV_FROM_LIBXL, MV_ERR_CONFIG_UNSUPPORTED,
                             "domain '%s': machine '%s' does not go with OS type '%s' (expecting '%s')",
                             def->name, os->machine, mv_domain_os_to_string(os->type), machine);
    if (os->type != MV_DOMAIN_OS_HVM && !os->kernel && !def->bootloader)
        return mv_error_fail(error, MV_FROM_LIBXL, MV_ERR_CONFIG_UNSUPPORTED,
                             "domain '%s': a PV or PVH guest needs a <kernel> or a <bootloader>",
                             def->name);
    if (!def->current_memory_kib)
        def->current_memory_kib = def->memory_kib;
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (net->mac_set)
            continue;
        /* Xen's own OUI, as libxl gives a vif without a MAC */
        mv_mac_generate(net->mac);
        net->mac[0] = 0x00;
        net->mac[1] = 0x16;
        net->mac[2] = 0x3e;
        net->mac_set = true;
    }
    /* Whatever is defined must be something xl could be told. */
    g_autofree char *xl = xen_xl_format(def, error);
    return xl != NULL;
}

static void
add_guest(MvCaps *caps, MvCapsOsType os, const char *arch, int wordsize)
{
    bool hvm = os == MV_CAPS_OS_HVM;
    MvCapsGuest *g = mv_caps_add_guest(caps, os, arch, wordsize, NULL, hvm ? XEN_HVMLOADER : NULL);
    mv_caps_guest_add_machine(g, hvm ? "xenfv" : "xenpv", NULL, hvm ? XEN_MAX_VCPUS : 0, false);
    mv_caps_guest_add_domain(g, MV_CAPS_DOMAIN_XEN);
    if (wordsize == 32)
        mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_PAE, false, false);
    if (hvm) {
        if (wordsize == 32)
            mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_NONPAE, false, false);
        mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_ACPI, true, true);
        mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_APIC, true, false);
        mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_HAP, true, true);
    }
}

char *
xen_capabilities(GError **error)
{
    g_autoptr(MvCaps) caps = mv_caps_new_host(error);
    if (!caps)
        return NULL;
    add_guest(caps, MV_CAPS_OS_XEN, "x86_64", 64);
    add_guest(caps, MV_CAPS_OS_XEN, "i686", 32);
    add_guest(caps, MV_CAPS_OS_HVM, "i686", 32);
    add_guest(caps, MV_CAPS_OS_HVM, "x86_64", 64);
    return mv_caps_format(caps, error);
}

const MvDomDefsSpec xen_spec = {
    .dir = "xen",
    .kind = &xen_kind,
    .virt = MV_DOMAIN_VIRT_XEN,
    .version = 0,
    .max_vcpus = XEN_MAX_VCPUS,
    .prepare = xen_prepare,
    .capabilities = xen_capabilities,
    .native_format = XEN_XL_FORMAT,
    .from_native = xen_xl_parse,
    .to_native = xen_xl_format,
    .start_refusal = "no Xen hypervisor on this host",
};

bool
xen_driver_init(MvDaemon *d, GError **error)
{
    return mv_domdefs_init(d, &xen_spec, error);
}
