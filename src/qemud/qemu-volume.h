// SPDX-License-Identifier: LGPL-2.1-or-later
// Volume disks of a starting guest, resolved through modvirt-storaged's socket.
#pragma once

#include "qemu-driver.h"
#include "conf/conf-domain.h"

/* Give every <disk type='volume'> of @def (a live definition) its path, kind and format from
 * the storage daemon.  False with @error naming the disk, pool and volume. */
bool qemu_volumes_resolve(QemuDriver *drv, MvDomainDef *def, GError **error);
