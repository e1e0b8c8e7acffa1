// SPDX-License-Identifier: LGPL-2.1-or-later
// Persistent definitions and autostart marks on disk, and the defaults a new definition
// gets from the installed QEMU.
#pragma once

#include "qemu-driver.h"
#include "conf/conf-domain.h"

/* Parse @xml and fill libvirt's defaults for the installed QEMU.  NULL with @error. */
MvDomainDef *qemu_def_parse(QemuDriver *drv, const char *xml, unsigned parse_flags, GError **error);

/* Write @def to <config_dir>/<name>.xml durably (inactive, secure form). */
bool qemu_config_save(QemuDriver *drv, const MvDomainDef *def, GError **error);
/* Remove the definition file and autostart mark of @name. */
bool qemu_config_remove(QemuDriver *drv, const char *name, GError **error);
/* Create or remove the autostart mark of @name. */
bool qemu_autostart_set(QemuDriver *drv, const char *name, bool on, GError **error);

/* Open the journal of <config_dir>, replaying what a crash left in it.  A journal that
 * cannot be created (a full or read-only disk) leaves drv->journal NULL with a warning, and
 * every change is then flushed on its own; one that exists but cannot be replayed is an
 * error, as loading definitions without it would bring back older states. */
bool qemu_config_journal_open(QemuDriver *drv, GError **error);

/* Load every definition in <config_dir> into the domain list; broken files are logged and
 * skipped, never deleted. */
void qemu_config_load_all(QemuDriver *drv);
