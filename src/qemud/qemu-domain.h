// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's domain calls, by concept: lookups and listing (qemu-lookup.c),
// definitions (qemu-define.c), lifecycle (qemu-lifecycle.c).  Handlers follow the
// MvProcHandler contract.
#pragma once

#include "qemu-driver.h"
#include "conf/conf-domain-obj.h"
#include "daemon/daemon-domain-calls.h"
#include "remote.h"

/* Lookups, lists and bookkeeping reads are core's (daemon/daemon-domain-calls.h). */

/* Send lifecycle @event/@detail about @obj (locked) to the clients that asked. */
static inline void
qemu_domain_event(QemuDriver *drv, MvDomainObj *obj, int event, int detail)
{
    mv_domain_event(drv->daemon, obj, event, detail);
}

/* How long a call waits for another call's job on the same domain. */
#define QEMU_JOB_WAIT_MS 30000

/* CPU time of a running domain in ns (0 when inactive).  Object locked; never waits on
 * the guest. */
guint64 qemu_domain_cpu_time(MvDomainObj *obj);

/* qemu-define.c */
/* Definitions, XML, autostart, memory and vCPU settings are core's (daemon-domain-define.c). */

/* qemu-lifecycle.c */
bool qemu_create(MvCall *call, void *args, void *ret, GError **error);
bool qemu_create_with_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_create_xml(MvCall *call, void *args, void *ret, GError **error);
bool qemu_destroy(MvCall *call, void *args, void *ret, GError **error);
bool qemu_destroy_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_shutdown(MvCall *call, void *args, void *ret, GError **error);
bool qemu_shutdown_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_reboot(MvCall *call, void *args, void *ret, GError **error);
bool qemu_reset(MvCall *call, void *args, void *ret, GError **error);
bool qemu_suspend(MvCall *call, void *args, void *ret, GError **error);
bool qemu_resume(MvCall *call, void *args, void *ret, GError **error);

/* qemu-console.c */
bool qemu_open_console(MvCall *call, void *args, void *ret, GError **error);
