// SPDX-License-Identifier: LGPL-2.1-or-later
// The LXC driver's state and entry points: its dispatch table (lxc-driver.c), definitions and
// bookkeeping (lxc-define.c), lifecycle and controller events (lxc-lifecycle.c), console and
// namespaces (lxc-console.c), statistics (lxc-stats.c).  Lookups and lists are core's
// (daemon-domain-calls.h).
#pragma once

#include "daemon/daemon-driver.h"
#include "daemon/daemon-console.h"
#include "daemon/daemon-domain-calls.h"
#include "conf/conf-domain.h"
#include "lxc-process.h"

typedef struct {
    MvDaemon *daemon;
    MvDomainList *domains;
    MvPersist *persist;      /* definitions in <root>/etc/modvirt/lxc, status in <root>/run/modvirt/lxc */
    char *run_dir;           /* <root>/run/modvirt/lxc: the controllers' sockets */
    char *log_dir;           /* <root>/var/log/modvirt/lxc: one log per container */
    char *controller;        /* modvirt-lxc-controller */
    char *cgroup_parent;     /* where containers' groups go; NULL: "machine" */
    GMutex define_lock;      /* serialises creating new domain objects with their files */
    GThreadPool *tasks;      /* finishes containers whose controller reported an exit */
    GThread *autostart;
    MvDomainDriver dd;       /* what the common domain calls use */
} LxcDriver;

/* A running container's runtime state (obj->priv), guarded by the object's lock. */
typedef struct {
    LxcProcess *proc;        /* NULL while shut off */
    guint watch;             /* the monitor fd's source on the I/O thread */
    guint64 generation;      /* bumped whenever the watch is replaced or dropped */
    char *exit_reason;       /* what the monitor said, not yet acted on */
    MvConsole *console;      /* the open console session */
} LxcDomainPriv;

/* How long a call waits for another call's job on the same domain. */
#define LXC_JOB_WAIT_MS 30000
/* How long destroy waits for the controller to report the container gone. */
#define LXC_DESTROY_WAIT_MS 10000

bool lxc_driver_init(MvDaemon *d, GError **error);
void lxc_driver_shutdown(MvDaemon *d);
bool lxc_sandbox(MvDaemon *d, GError **error);
/* Can a container be granted capability @cap (kernel number)?  lxcd's own bounding set
 * limits what its containers get (lxc-sandbox.c). */
bool lxc_sandbox_grants(int cap);
extern const MvObjKind lxc_domain_kind;

LxcDriver *lxc_driver_of(MvCall *call);
LxcDomainPriv *lxc_domain_priv(MvDomainObj *obj);
void lxc_domain_event(LxcDriver *drv, MvDomainObj *obj, int event, int detail);

/* lxc-define.c */
MvDomainDef *lxc_def_parse(LxcDriver *drv, const char *xml, unsigned parse_flags, GError **error);
unsigned lxc_config_load_all(LxcDriver *drv);
bool lxc_define_xml(MvCall *call, void *args, void *ret, GError **error);
bool lxc_define_xml_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_undefine(MvCall *call, void *args, void *ret, GError **error);
bool lxc_undefine_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_get_xml_desc(MvCall *call, void *args, void *ret, GError **error);
bool lxc_get_os_type(MvCall *call, void *args, void *ret, GError **error);
bool lxc_get_info(MvCall *call, void *args, void *ret, GError **error);
bool lxc_get_max_memory(MvCall *call, void *args, void *ret, GError **error);
bool lxc_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error);
bool lxc_set_autostart(MvCall *call, void *args, void *ret, GError **error);
bool lxc_set_memory_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_set_memory(MvCall *call, void *args, void *ret, GError **error);
bool lxc_set_vcpus_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_get_vcpus_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_connect_get_version(MvCall *call, void *args, void *ret, GError **error);
bool lxc_connect_get_capabilities(MvCall *call, void *args, void *ret, GError **error);
bool lxc_connect_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error);

/* lxc-lifecycle.c */
/* CPU time of a running container (its cgroup's) in ns; 0 when inactive.  Object locked. */
guint64 lxc_domain_cpu_time(MvDomainObj *obj);
bool lxc_create(MvCall *call, void *args, void *ret, GError **error);
bool lxc_create_with_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_create_xml(MvCall *call, void *args, void *ret, GError **error);
bool lxc_destroy(MvCall *call, void *args, void *ret, GError **error);
bool lxc_destroy_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_shutdown(MvCall *call, void *args, void *ret, GError **error);
bool lxc_shutdown_flags(MvCall *call, void *args, void *ret, GError **error);
bool lxc_reboot(MvCall *call, void *args, void *ret, GError **error);
bool lxc_suspend(MvCall *call, void *args, void *ret, GError **error);
bool lxc_resume(MvCall *call, void *args, void *ret, GError **error);
/* Start @obj (locked, job held, inactive). */
bool lxc_domain_start(LxcDriver *drv, MvDomainObj *obj, GError **error);
/* Reattach to the containers in the status files; mark vanished ones crashed. */
void lxc_status_reattach_all(LxcDriver *drv);
GThreadPool *lxc_task_pool_new(LxcDriver *drv);

/* lxc-stats.c */
bool lxc_connect_get_all_domain_stats(MvCall *call, void *args, void *ret, GError **error);

/* lxc-console.c */
bool lxc_open_console(MvCall *call, void *args, void *ret, GError **error);
bool lxc_open_namespace(MvCall *call, void *args, void *ret, GError **error);
