// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain calls that are the same for every hypervisor driver (lookups, lists, bookkeeping
// reads in daemon-domain-calls.c; definitions, XML, autostart, memory and vCPU settings in
// daemon-domain-define.c), as handlers and as rows for the remote program.  A driver
// describes itself in an MvDomainDriver, gives it to the frame (mv_daemon_set_domain_driver)
// and adds both row tables to its program.
#pragma once

#include "conf/conf-domain.h"
#include "conf/conf-domain-obj.h"
#include "conf/conf-persist.h"
#include "rpc/rpc-program.h"
#include "remote.h"

struct MvDaemon;

/* Apply a new current memory size (KiB) or vCPU count to the running @obj (locked, job held;
 * its live definition already shows the new value).  False with @error. */
typedef bool (*MvDomainLiveChange)(void *drv, MvDomainObj *obj, guint64 value, GError **error);

/* What the common calls need from a hypervisor driver. */
typedef struct {
    MvDomainList *domains;
    MvPersist *persist;
    GMutex *define_lock;        /* serialises creating new domain objects with their files */
    unsigned job_wait_ms;       /* how long a call waits for another call's job */
    int from;                   /* the driver's error domain */
    void *drv;                  /* passed to the hooks */
    /* Parse @xml and fill the driver's defaults; NULL with @error. */
    MvDomainDef *(*parse)(void *drv, const char *xml, unsigned parse_flags, GError **error);
    /* CPU time of a running domain in ns (object locked; never waits on it); NULL: 0. */
    guint64 (*cpu_time)(MvDomainObj *obj);
    /* Start the inactive @obj (locked, job held); for autostart. */
    bool (*start)(void *drv, MvDomainObj *obj, GError **error);
    MvDomainLiveChange live_memory;  /* NULL: only --config */
    MvDomainLiveChange live_vcpus;
} MvDomainDriver;

/* The MvDomainDriver the driver of @d gave the frame. */
const MvDomainDriver *mv_daemon_domain_driver(struct MvDaemon *d);

/* Send lifecycle @event/@detail about @obj (locked) to the clients of @d that asked. */
void mv_domain_event(struct MvDaemon *d, MvDomainObj *obj, int event, int detail);
/* Start the domains marked autostart, once per host boot (mv_persist_autostart_due). */
void mv_domain_autostart_run(const MvDomainDriver *dd);
/* Save @def's inactive form as its persistent definition. */
bool mv_domain_config_save(const MvDomainDriver *dd, const MvDomainDef *def, GError **error);

/* Fill @ret_dom (name copied) from @obj (locked). */
void mv_domain_to_wire(MvDomainObj *obj, remote_nonnull_domain *ret_dom);
/* The object a Dom argument names (by UUID, as libvirt does), referenced; NULL with the
 * list kind's "Domain not found" error. */
MvDomainObj *mv_domain_find(MvDomainList *list, const remote_nonnull_domain *dom, GError **error);

/* The rows: LIST_ALL_DOMAINS, NUM_OF_(DEFINED_)DOMAINS, LIST_(DEFINED_)DOMAINS,
 * LOOKUP_BY_NAME/UUID/ID, GET_STATE, GET_CONTROL_INFO, IS_ACTIVE/PERSISTENT/UPDATED,
 * GET_AUTOSTART, HAS_MANAGED_SAVE_IMAGE, SNAPSHOT_NUM, GET_MESSAGES, GET_SECURITY_LABEL. */
extern const MvProcedure mv_domain_call_rows[];
extern const size_t mv_domain_call_nrows;
/* DEFINE_XML(_FLAGS), UNDEFINE(_FLAGS), GET_XML_DESC, GET_OS_TYPE, GET_INFO, GET_MAX_MEMORY,
 * GET_MAX_VCPUS, SET_AUTOSTART, SET_MEMORY_FLAGS, SET_VCPUS_FLAGS, GET_VCPUS_FLAGS. */
extern const MvProcedure mv_domain_define_rows[];
extern const size_t mv_domain_define_nrows;
