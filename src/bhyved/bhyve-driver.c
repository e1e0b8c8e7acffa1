// SPDX-License-Identifier: LGPL-2.1-or-later
// The bhyve driver: defaults, capabilities and its spec for the definitions-only domain
// driver.  Command lines are bhyve-command.c and bhyve-native.c; the handlers are core's.

#include "bhyve-driver.h"
#include "bhyve-command.h"
#include "conf/conf-capabilities.h"

/* bhyve's VM_MAXCPU on FreeBSD 13 and later. */
#define BHYVE_MAX_VCPUS 16

static const MvObjKind bhyve_kind = MV_DOMAIN_KIND_INIT(MV_FROM_BHYVE);

bool
bhyve_prepare(MvDomainDef *def, GError **error)
{
    if (!bhyve_def_fill_defaults(def, error))
        return false;
    /* A definition bhyve could not be started with is refused now, not at a start that
     * this host cannot make anyway. */
    g_auto(GStrv) loader = NULL;
    g_auto(GStrv) bhyve = NULL;
    return bhyve_build_argv(def, &loader, &bhyve, error);
}

char *
bhyve_capabilities(GError **error)
{
    g_autoptr(MvCaps) caps = mv_caps_new_host(error);
    if (!caps)
        return NULL;
    MvCapsGuest *g = mv_caps_add_guest(caps, MV_CAPS_OS_HVM, "x86_64", 64, BHYVE_PATH, NULL);
    mv_caps_guest_add_domain(g, MV_CAPS_DOMAIN_BHYVE);
    mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_ACPI, true, true);
    mv_caps_guest_set_feature(g, MV_CAPS_FEATURE_APIC, true, true);
    return mv_caps_format(caps, error);
}

const MvDomDefsSpec bhyve_spec = {
    .dir = "bhyve",
    .kind = &bhyve_kind,
    .virt = MV_DOMAIN_VIRT_BHYVE,
    .version = 0,
    .max_vcpus = BHYVE_MAX_VCPUS,
    .prepare = bhyve_prepare,
    .capabilities = bhyve_capabilities,
    .native_format = BHYVE_ARGV_FORMAT,
    .from_native = bhyve_argv_parse,
    .to_native = bhyve_argv_to_native,
    .start_refusal = "bhyve needs FreeBSD",
};

bool
bhyve_driver_init(MvDaemon *d, GError **error)
{
    return mv_domdefs_init(d, &bhyve_spec, error);
}
