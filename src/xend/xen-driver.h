// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-xend: the Xen driver as an MvDomDefsSpec (daemon/daemon-domdefs.h).  This host
// has no Xen hypervisor: definitions, validation, capabilities and xl.cfg conversion work,
// starting a guest is refused.
#pragma once

#include "daemon/daemon-domdefs.h"

extern const MvDomDefsSpec xen_spec;

/* Xen's defaults for a parsed type 'xen' definition (arch, machine, MACs in Xen's
 * 00:16:3e range), and the checks xl.cfg imposes (a PV guest needs a kernel or a
 * bootloader; everything must have an xl.cfg form). */
bool xen_prepare(MvDomainDef *def, GError **error);

/* The capabilities XML: Xen's PV and HVM guest types for x86. */
char *xen_capabilities(GError **error);

bool xen_driver_init(MvDaemon *d, GError **error);
