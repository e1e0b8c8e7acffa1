/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt: libvirt's public C API (names, types, numbers) over libvirt's remote
 * protocol.  Include this one header; it pulls in the split headers beside it. */
#ifndef MODVIRT_LIBVIRT_H
#define MODVIRT_LIBVIRT_H

#include "libvirt-common.h"
#include "libvirt-host.h"
#include "libvirt-domain.h"
#include "libvirt-network.h"
#include "libvirt-domain-snapshot.h"
#include "libvirt-domain-stats.h"
#include "libvirt-event.h"
#include "libvirt-stream.h"
#include "libvirt-storage.h"
#include "virterror.h"

#endif /* MODVIRT_LIBVIRT_H */
