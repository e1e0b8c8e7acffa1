/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public API for domain snapshots: so far only counting them, which tools
 * need before undefining a domain.  The numbers are libvirt's. */
#ifndef MODVIRT_LIBVIRT_DOMAIN_SNAPSHOT_H
#define MODVIRT_LIBVIRT_DOMAIN_SNAPSHOT_H

#include "libvirt-common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which snapshots virDomainSnapshotNum counts. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_LIST_ROOTS = (1 << 0),
    VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS = (1 << 0),
    VIR_DOMAIN_SNAPSHOT_LIST_METADATA = (1 << 1),
    VIR_DOMAIN_SNAPSHOT_LIST_LEAVES = (1 << 2),
    VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES = (1 << 3),
    VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA = (1 << 4),
    VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE = (1 << 5),
    VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE = (1 << 6),
    VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY = (1 << 7),
    VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL = (1 << 8),
    VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL = (1 << 9),
    VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL = (1 << 10),
} virDomainSnapshotListFlags;

/* Number of snapshots of @domain that @flags (virDomainSnapshotListFlags) selects, or -1. */
int virDomainSnapshotNum(virDomainPtr domain, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_DOMAIN_SNAPSHOT_H */
