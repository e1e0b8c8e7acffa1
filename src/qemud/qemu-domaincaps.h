// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain capabilities (`virsh domcapabilities`) and CPU model names of the QEMU driver.
#pragma once

#include "conf/conf-domain.h"
#include "daemon/daemon-programs.h"
#include "qemu-caps.h"

/* The UEFI images installed (Debian's ovmf paths), NULL-terminated; g_strfreev() it. */
GStrv qemu_domaincaps_find_firmware(void);

/* Domain capabilities XML of @qcaps for machine @machine (an alias or canonical name; NULL:
 * QEMU's default) and domain type @virt (qemu or kvm; kvm only when the KVM probe ran), with
 * the loader images @firmware (may be NULL), valid against domaincaps.rng.  Built from the cached probe only.  Errors MV_FROM_QEMU:
 * MV_ERR_INVALID_ARG for an unknown machine, another domain type, or kvm where it does not
 * work (naming the probe's finding); MV_ERR_CONFIG_UNSUPPORTED for a machine family we do
 * not run. */
char *qemu_domaincaps_build(const QemuCaps *qcaps, const char *machine, MvDomainVirtType virt,
                            const char *const *firmware, GError **error);

bool qemu_connect_get_domain_capabilities(MvCall *call, void *args, void *ret, GError **error);
bool qemu_connect_get_cpu_model_names(MvCall *call, void *args, void *ret, GError **error);
