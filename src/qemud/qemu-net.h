// SPDX-License-Identifier: LGPL-2.1-or-later
// Host side of a guest's network interfaces: tap devices opened for QEMU and joined to
// their bridge.  Virtual networks are the network daemon's.
#pragma once

#include "conf/conf-domain.h"

/* Taps opened for one start: fds[i] belongs to interface i (-1: QEMU needs none). */
typedef struct {
    int *fds;
    size_t n;
} QemuTaps;

/* Open a tap for every bridge interface (joined to its bridge and up) and every ethernet
 * interface without a target dev; record the tap names in @def (the live definition).
 * Interfaces of type network need the network daemon: a clear error.  On failure nothing
 * stays open. */
bool qemu_taps_open(MvDomainDef *def, QemuTaps *ret_taps, GError **error);

/* Close our copies of the tap fds (QEMU holds its own after exec; the taps vanish with it). */
void qemu_taps_close(QemuTaps *taps);
