// SPDX-License-Identifier: LGPL-2.1-or-later
// libvirt's domain capabilities XML (<domainCapabilities>, `virsh domcapabilities`): what one
// emulator offers for one machine type and domain type.  A plain struct the driver fills from
// its probe, and a formatter whose output validates against domaincaps.rng.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "conf/conf-domain.h"

/* A supported= element with its <enum name=> lists, e.g. <video> with enum modelType. */
typedef struct {
    bool supported;
    GPtrArray *enums;  /* of MvDomCapsEnum*, formatted in this order */
} MvDomCapsSection;

typedef struct {
    char *name;
    GPtrArray *values;  /* of char* */
} MvDomCapsEnum;

/* The <devices> children, in the schema's order. */
typedef enum {
    MV_DOMCAPS_DEVICE_DISK,
    MV_DOMCAPS_DEVICE_GRAPHICS,
    MV_DOMCAPS_DEVICE_VIDEO,
    MV_DOMCAPS_DEVICE_HOSTDEV,
    MV_DOMCAPS_DEVICE_RNG,
    MV_DOMCAPS_DEVICE_FILESYSTEM,
    MV_DOMCAPS_DEVICE_TPM,
    MV_DOMCAPS_DEVICE_REDIRDEV,
    MV_DOMCAPS_DEVICE_CHANNEL,
    MV_DOMCAPS_DEVICE_LAST,
} MvDomCapsDevice;

/* The <features> children that carry only supported=, in the schema's order. */
typedef enum {
    MV_DOMCAPS_FEATURE_GIC,
    MV_DOMCAPS_FEATURE_VMCOREINFO,
    MV_DOMCAPS_FEATURE_GENID,
    MV_DOMCAPS_FEATURE_BACKING_STORE_INPUT,
    MV_DOMCAPS_FEATURE_BACKUP,
    MV_DOMCAPS_FEATURE_SEV,
    MV_DOMCAPS_FEATURE_SGX,
    MV_DOMCAPS_FEATURE_LAST,
} MvDomCapsFeature;

/* <cpu><mode name=>, in the schema's order (all four are always formatted). */
typedef enum {
    MV_DOMCAPS_CPU_HOST_PASSTHROUGH,
    MV_DOMCAPS_CPU_MAXIMUM,
    MV_DOMCAPS_CPU_HOST_MODEL,
    MV_DOMCAPS_CPU_CUSTOM,
    MV_DOMCAPS_CPU_LAST,
} MvDomCapsCpuMode;

typedef struct {
    char *name;
    MvTristate usable;   /* ABSENT formats as usable='unknown' */
    bool deprecated;
    char *vendor;        /* "Intel", "AMD", "unknown", ... */
} MvDomCapsCpuModel;

typedef struct {
    char *path;          /* the emulator */
    char *domain;        /* "qemu", "kvm" */
    char *machine;       /* canonical machine type, or NULL */
    char *arch;
    unsigned max_vcpus;  /* 0: <vcpu> omitted */
    bool iothreads;
    MvDomCapsSection os;       /* enum firmware */
    MvDomCapsSection loader;   /* enums type, readonly, secure */
    GPtrArray *loader_values;  /* of char*: firmware images installed */
    MvDomCapsSection cpu[MV_DOMCAPS_CPU_LAST];  /* enums per mode */
    GPtrArray *cpu_models;     /* custom mode's models, of MvDomCapsCpuModel* */
    MvDomCapsSection memory_backing;
    MvDomCapsSection devices[MV_DOMCAPS_DEVICE_LAST];
    bool features[MV_DOMCAPS_FEATURE_LAST];
} MvDomCaps;

/* An empty description: nothing supported, no enums. */
MvDomCaps *mv_domcaps_new(const char *path, const char *domain, const char *machine,
                          const char *arch);
void mv_domcaps_free(MvDomCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomCaps, mv_domcaps_free)

/* Mark @section supported and append enum @name with the NULL-terminated values; an enum of
 * that name already there gets the values appended.  An enum with no values formats as
 * <enum name='...'/>. */
void mv_domcaps_enum(MvDomCapsSection *section, const char *name, ...) G_GNUC_NULL_TERMINATED;

/* Append value @value to enum @name of @section (created when missing). */
void mv_domcaps_enum_add(MvDomCapsSection *section, const char *name, const char *value);

void mv_domcaps_add_cpu_model(MvDomCaps *caps, const char *name, MvTristate usable,
                              bool deprecated, const char *vendor);

/* Format as libvirt does (two-space indent, single quotes, newline at the end); the output
 * validates against domaincaps.rng.  Returns a g_free()able string. */
char *mv_domcaps_format(const MvDomCaps *caps);
