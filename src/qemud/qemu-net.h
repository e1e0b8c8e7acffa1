// SPDX-License-Identifier: LGPL-2.1-or-later
// Host side of a guest's network interfaces: tap devices opened for QEMU and joined to
// their bridge.  Virtual networks are the network daemon's.
#pragma once

#include "conf/conf-domain.h"
#include "rpc/rpc-program.h"

/* Taps opened for one start: fds[i] belongs to interface i (-1: QEMU needs none). */
typedef struct {
    int *fds;
    size_t n;
} QemuTaps;

/* Open a tap for every bridge interface (joined to its bridge and up), every network
 * interface (a port asked of the network daemon at @netd_sock, the tap joined to the bridge
 * the port names; port id and bridge kept in @def) and every ethernet interface without a
 * target dev; record the tap names in @def (the live definition).  On failure nothing stays
 * open and no port stays taken. */
bool qemu_taps_open(MvDomainDef *def, const char *netd_sock, QemuTaps *ret_taps, GError **error);

/* Give back the network ports of @def's interfaces (NETWORK_PORT_DELETE); failures are
 * logged.  Clears the port ids. */
void qemu_net_ports_release(const char *netd_sock, MvDomainDef *def);

/* Close our copies of the tap fds (QEMU holds its own after exec; the taps vanish with it). */
void qemu_taps_close(QemuTaps *taps);

/* DOMAIN_INTERFACE_ADDRESSES handler (MvProcHandler contract): for each network interface of
 * a running guest, the addresses its network's DHCP leases give its MAC address (source
 * lease); the guest agent and ARP sources are refused as unsupported. */
bool qemu_domain_interface_addresses(MvCall *call, void *args, void *ret, GError **error);
