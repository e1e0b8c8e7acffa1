// SPDX-License-Identifier: LGPL-2.1-or-later
// libvirt's capabilities XML (<capabilities><host/><guest/>...</capabilities>): a plain
// struct that drivers fill and a formatter whose output validates against capability.rng.
// Probing emulators is the drivers' job; this file only knows the host and the format.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/util-host.h"

/* Guest features, in the order libvirt formats them. */
typedef enum {
    MV_CAPS_FEATURE_PAE,
    MV_CAPS_FEATURE_NONPAE,
    MV_CAPS_FEATURE_IA64_BE,
    MV_CAPS_FEATURE_ACPI,
    MV_CAPS_FEATURE_APIC,
    MV_CAPS_FEATURE_CPUSELECTION,
    MV_CAPS_FEATURE_DEVICEBOOT,
    MV_CAPS_FEATURE_DISKSNAPSHOT,
    MV_CAPS_FEATURE_HAP,
    MV_CAPS_FEATURE_LAST,
} MvCapsFeature;

/* <domain type='...'/> values, in the order they are formatted. */
typedef enum {
    MV_CAPS_DOMAIN_QEMU,
    MV_CAPS_DOMAIN_KVM,
    MV_CAPS_DOMAIN_XEN,
    MV_CAPS_DOMAIN_LXC,
    MV_CAPS_DOMAIN_TEST,
    MV_CAPS_DOMAIN_BHYVE,
    MV_CAPS_DOMAIN_LAST,
} MvCapsDomainType;

typedef enum {
    MV_CAPS_OS_HVM,
    MV_CAPS_OS_XEN,  /* Xen paravirt */
    MV_CAPS_OS_EXE,  /* containers */
    MV_CAPS_OS_LAST,
} MvCapsOsType;

typedef enum {
    MV_CAPS_IOMMU_UNKNOWN,  /* <iommu> omitted */
    MV_CAPS_IOMMU_NO,
    MV_CAPS_IOMMU_YES,
} MvCapsIommu;

typedef struct {
    char *name;
    char *canonical;    /* for an alias ("pc"): the machine it stands for; else NULL */
    unsigned max_cpus;  /* 0: unknown, attribute omitted */
    bool deprecated;
} MvCapsMachine;

typedef struct {
    bool present;
    /* Only for features whose element carries default=/toggle= (acpi, apic, disksnapshot,
     * hap); ignored for the others. */
    bool default_on;
    bool toggle;
} MvCapsGuestFeature;

typedef struct {
    MvCapsOsType os_type;
    char *arch;       /* libvirt arch name: "x86_64", "i686", ... */
    int wordsize;     /* 32 or 64 */
    char *emulator;   /* absolute path or NULL */
    char *loader;     /* absolute path or NULL */
    GPtrArray *machines;  /* of MvCapsMachine*, formatted in this order */
    guint domains;        /* bit (1 << MvCapsDomainType) per domain type; at least one */
    MvCapsGuestFeature features[MV_CAPS_FEATURE_LAST];
} MvCapsGuest;

typedef struct {
    char *model;
    char *doi;
} MvCapsSecModel;

typedef struct {
    char *host_uuid;            /* 36-character form, or NULL to omit */
    char *host_arch;            /* libvirt arch name of the host CPU */
    MvHostTopology *topology;   /* owned; NULL omits CPU details and NUMA cells */
    MvCapsIommu iommu;
    GPtrArray *secmodels;       /* of MvCapsSecModel* */
    GPtrArray *guests;          /* of MvCapsGuest* */
} MvCaps;

/* An empty capabilities object for a host of @host_arch (no UUID, topology or guests). */
MvCaps *mv_caps_new(const char *host_arch);

/* Capabilities describing this host: arch (uname, as libvirt names it), UUID, CPU and NUMA
 * topology and IOMMU presence, with no guests and no security models yet.
 * Errors: MV_FROM_CAPABILITIES system errors when /proc or sysfs cannot be read. */
MvCaps *mv_caps_new_host(GError **error);

void mv_caps_free(MvCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvCaps, mv_caps_free)

/* Append a <secmodel> ("none", "0"; "dac", "0"; ...). */
void mv_caps_add_secmodel(MvCaps *caps, const char *model, const char *doi);

/* Append a guest and return it; @caps owns it.  @emulator and @loader may be NULL. */
MvCapsGuest *mv_caps_add_guest(MvCaps *caps, MvCapsOsType os_type, const char *arch,
                               int wordsize, const char *emulator, const char *loader);

/* Append a <machine>; @canonical is NULL unless @name is an alias. */
void mv_caps_guest_add_machine(MvCapsGuest *guest, const char *name, const char *canonical,
                               unsigned max_cpus, bool deprecated);

void mv_caps_guest_add_domain(MvCapsGuest *guest, MvCapsDomainType type);

/* Enable @feature; @default_on and @toggle are used only by features with a toggle. */
void mv_caps_guest_set_feature(MvCapsGuest *guest, MvCapsFeature feature, bool default_on,
                               bool toggle);

/* The libvirt arch name for a uname machine ("i686" for i386..i686, else unchanged).
 * Returns a static string or @machine itself. */
const char *mv_caps_arch_from_uname(const char *machine);

/* Format @caps as libvirt's capabilities XML, two-space indented, ending in a newline.
 * Returns a g_free()able string, or NULL with MV_ERR_INTERNAL_ERROR (a guest without a domain
 * type) or MV_ERR_XML_ERROR (libxml2 failed) in @error. */
char *mv_caps_format(const MvCaps *caps, GError **error);
