// SPDX-License-Identifier: LGPL-2.1-or-later
// The driver kit: what a driver daemon (qemud, netd, storaged, lxcd, xend, bhyved) takes from
// core, in one include, and the conventions it follows, written down once.  HACKING.md says
// which files a new driver writes.  Nothing here is code of its own: the pieces live in the
// headers below.
//
// FILES.  A driver is src/<drv>/: main.c (an MvDaemonSpec, data only), <drv>-driver.c (its
// MvProcedure rows, one line per procedure, plus init/shutdown), <drv>-driver.h (its driver
// struct and handler prototypes), and one file per concept (<drv>-define.c, <drv>-lifecycle.c,
// ...).  It never includes another driver.
//
// OBJECTS (conf/conf-obj.h).  Every object the driver owns (domain, network, pool) is an
// MvObj in one MvObjList created with the driver's MvObjKind (data: the noun and the error
// domain its messages use).  Lookups return a reference: hold it in g_autoptr(MvObj) (or
// g_autoptr(MvDomainObj)).  Find an object a call names with mv_obj_list_get_by_uuid(), which
// sets libvirt's "not found" error; the definition hangs off obj->def with its free function,
// the driver's runtime state off obj->priv.  LIST_ALL calls filter with an MvObjFilter
// (mv_domain_list_filter, mv_network_list_filter, mv_storage_pool_list_filter).
//
// LOCKS.  Each object has a mutex (mv_obj_lock); the list's own lock is internal and never
// held while an object lock is taken, so lookups never wait for a busy object.  Hold at most
// one object lock at a time.  Never wait on anything slow (a child process, a monitor, the
// network, another daemon) with an object locked: take the object's job instead.  Creating
// an object under a new name is serialised by one driver mutex (QemuDriver.define_lock), so
// that the file is written before the object appears in the list.
//
// JOBS.  A call that changes an object locks it, then mv_obj_begin_job(obj, <DRV>_JOB_WAIT_MS)
// (libvirt's "cannot acquire state change lock" after the wait); it may unlock the object
// while it works and relock it after, but must look at the object's state again then, since
// read-only calls and events ran meanwhile.  mv_obj_end_job() with the object locked, on
// every path.  Calls that only read bookkeeping (state, persistence, lookups) take no job.
//
// EVENTS.  State and reason numbers, event and detail numbers are libvirt's
// (conf/conf-domain-state.h for domains).  Change the state with mv_obj_set_state() and emit
// the event in the same locked section, after the change, so that a client that hears the
// event and asks again sees the new state.  Delivery is daemon/daemon-events.h's.
//
// PERSISTENCE (conf/conf-persist.h).  mv_persist_open() with the driver's directories
// (<root>/etc/modvirt/<drv>, <root>/run/modvirt/<drv>); a change a client asked for is on
// disk (mv_persist_config_save) before the call returns, and before the object is added to
// the list for a new one.  Status files are the driver's format, written through
// mv_persist_status_save(); mv_persist_load_all() at init, then reattach from the status
// files, then autostart (once per boot: mv_persist_autostart_due/done).
//
// ERRORS.  Handlers follow MvProcHandler: GError last, false on failure, nothing half-made
// left behind.  First thing in a handler with flags: mv_flags_check() with the API's name.
// Messages name the object ('vm1') and use the kind's error domain.
//
// RESOURCES.  File descriptors are owned by `mv_autofd int fd` and handed on with
// mv_steal_fd() (util/util-fd.h); memory by g_autofree/g_autoptr.
#pragma once

#include "conf/conf-obj.h"
#include "conf/conf-domain-obj.h"
#include "conf/conf-domain-state.h"
#include "conf/conf-persist.h"
#include "daemon/daemon-frame.h"
#include "daemon/daemon-events.h"
#include "rpc/rpc-program.h"
#include "util/util-error.h"
#include "util/util-fd.h"
