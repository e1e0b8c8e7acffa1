// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain definitions as the QEMU driver reads and writes them: the defaults a new definition
// gets from the installed QEMU, and the form it is saved in.  The files themselves are
// conf-persist's.
#pragma once

#include "qemu-driver.h"
#include "conf/conf-domain.h"

/* Parse @xml and fill libvirt's defaults for the installed QEMU.  NULL with @error. */
MvDomainDef *qemu_def_parse(QemuDriver *drv, const char *xml, unsigned parse_flags, GError **error);



/* Load every definition file into the domain list (mv_persist_load_all); returns how many. */
unsigned qemu_config_load_all(QemuDriver *drv);
