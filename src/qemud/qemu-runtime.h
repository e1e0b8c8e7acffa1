// SPDX-License-Identifier: LGPL-2.1-or-later
// The runtime side of a QEMU domain: its process, what we asked of it, and the start,
// stop and reattach steps shared by the API calls (qemu-lifecycle.c), QEMU's events
// (qemu-events.c) and daemon start-up (qemu-status.c).
#pragma once

#include "qemu-domain.h"
#include "qemu-process.h"
#include "conf/conf-domain.h"

typedef struct {
    QemuDriver *drv;
    MvDomainObj *cb_ref;       /* the reference the monitor callbacks use; dropped with proc */
    QemuProcess *proc;
    guint64 generation;        /* which run of the domain this is; tasks carry it */
    char *run_dir;             /* <lib_dir>/domain-<id>-<short name> */
    char *monitor_path;
    char *cgroup_name;
    bool shutdown_seen;        /* QEMU reported SHUTDOWN: an exit now is an orderly one */
    bool fake_reboot;          /* reboot asked: reset instead of stopping after SHUTDOWN */
    bool inhibiting;           /* holds the daemon's idle-exit inhibitor */
    bool stopping;             /* the daemon is stopping QEMU: its events are not news */
    bool paused_shutdown;      /* guest shut down for a fake reboot: QEMU's pause is not news */
    struct MvConsole *console;   /* the open console session (daemon-console.h), or NULL */
} QemuDomainPriv;

/* The runtime state of @obj (locked), created on first use. */
QemuDomainPriv *qemu_domain_priv(QemuDriver *drv, MvDomainObj *obj);

/* Start @obj (locked, job held, inactive): QEMU is launched with the object unlocked.
 * @paused leaves the vCPUs stopped.  Emits the lifecycle events and writes the status file. */
bool qemu_domain_start(QemuDriver *drv, MvDomainObj *obj, bool paused, GError **error);

/* Stop a running @obj (locked, job held): kill QEMU (@graceful: ask it to quit first), then
 * mark it shut off with @reason and emit STOPPED @detail.  A transient domain leaves the list. */
void qemu_domain_stop(QemuDriver *drv, MvDomainObj *obj, bool graceful, int reason, int detail);

/* After QEMU is gone: clean up files and state, mark @obj shut off with @reason, emit
 * STOPPED @detail.  Object locked, job held. */
void qemu_domain_cleanup(QemuDriver *drv, MvDomainObj *obj, int reason, int detail);

/* The monitor callbacks every domain's QEMU is launched or reattached with. */
extern const QemuMonitorCallbacks qemu_domain_monitor_callbacks;

/* Status files (qemu-status.c). */
bool qemu_status_save(QemuDriver *drv, MvDomainObj *obj, GError **error);
/* Reattach to every guest in the status files; mark vanished ones crashed. */
void qemu_status_reattach_all(QemuDriver *drv);

/* Run @fn for @obj on the driver's task thread, with the job taken, if the domain is still
 * in run @generation (qemu-events.c). */
typedef void (*QemuTaskFunc)(QemuDriver *drv, MvDomainObj *obj);
void qemu_task_schedule(QemuDriver *drv, MvDomainObj *obj, guint64 generation, QemuTaskFunc fn);
/* The task that finishes a guest's shutdown: stop QEMU, mark it shut off. */
void qemu_task_stop_after_shutdown(QemuDriver *drv, MvDomainObj *obj);
/* The pool those tasks run on (one thread); created at driver start. */
GThreadPool *qemu_task_pool_new(QemuDriver *drv);
