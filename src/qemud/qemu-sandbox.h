// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-qemud's sandbox: the capabilities the daemon keeps, and the ones its QEMU
// processes give up on top of that before exec.
#pragma once

#include "daemon/daemon-frame.h"

#include <stddef.h>

/* The frame's sandbox hook (run before init: the driver starts threads). */
bool qemu_sandbox(MvDaemon *d, GError **error);

/* Capabilities the daemon keeps that QEMU must not have: the child drops them from its
 * bounding set before exec (a root exec gets exactly its bounding set).  Sets *n. */
const int *qemu_sandbox_guest_drops(size_t *n);
