// SPDX-License-Identifier: LGPL-2.1-or-later
// Network and storage calls on a hypervisor daemon's connections, relayed to the network
// and storage daemons, as libvirt's clients expect of virtqemud and friends.
#pragma once

#include "daemon/daemon-frame.h"

/* Route the network and storage procedure families of the daemon's main server to
 * <root>/run/libvirt/virtnetworkd-sock and virtstoraged-sock (-sock-ro for read-only
 * clients).  While no such daemon listens, those calls answer "not supported". */
void mv_daemon_secondary_install(MvDaemon *d);

/* Close @c's relays (its connection is going).  I/O thread. */
void mv_daemon_secondary_drop(MvClient *c);
