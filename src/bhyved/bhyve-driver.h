// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-bhyved: the bhyve driver as an MvDomDefsSpec (daemon/daemon-domdefs.h).  bhyve
// runs on FreeBSD only: definitions, validation, capabilities and the command lines work,
// starting a guest is refused.
#pragma once

#include "daemon/daemon-domdefs.h"

extern const MvDomDefsSpec bhyve_spec;

/* bhyve's defaults, and the checks a start would make (the command lines must build). */
bool bhyve_prepare(MvDomainDef *def, GError **error);

/* The capabilities XML: bhyve's one guest type, hvm on x86_64. */
char *bhyve_capabilities(GError **error);

bool bhyve_driver_init(MvDaemon *d, GError **error);
