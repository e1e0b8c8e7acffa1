// SPDX-License-Identifier: LGPL-2.1-or-later
// Starting, stopping and reattaching QEMU processes: fork/exec with a clean environment
// and fd table, a log file, a cgroup joined before exec, the QMP connection and the vCPU
// thread ids.  Building the command line (qemu-command.c) and deciding when to run the
// vCPUs ("cont") are the caller's.
//
// A QEMU is never the daemon's child: it is started through an intermediate process that
// exits at once (double fork), so it lives in its own session, survives the daemon, never
// becomes the daemon's zombie, and looks the same to a restarted daemon as to the one that
// started it.  It is identified by (pid, start time) and watched through a pidfd and its
// monitor.
#pragma once

#include "qemu-monitor.h"
#include "util/util-cgroup.h"

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct QemuProcess QemuProcess;

typedef struct {
    const char *name;            /* domain name: messages, the log header */
    const char *log_path;        /* QEMU's stdout/stderr, appended; created 0600 */
    const char *monitor_path;    /* the QMP socket the command line creates (removed first) */
    const char *cgroup_parent;   /* NULL: MV_CGROUP_DEFAULT_PARENT */
    const char *cgroup_name;     /* NULL: no cgroup */
    bool own_session;            /* setsid(): no terminal, no signals from the daemon's group */
    /* Launch only: "cont" as soon as the monitor is up, before reading the vCPU thread ids,
     * so that the guest does not wait for that round trip (for a command line with -S). */
    bool run;
    const char *home;            /* HOME for QEMU; NULL: "/root" */
    const int *pass_fds;         /* fds (>= 3) QEMU inherits under the same numbers */
    size_t n_pass_fds;
    const int *drop_caps;        /* capabilities QEMU drops from its bounding set before exec */
    size_t n_drop_caps;
    unsigned monitor_timeout_ms; /* 0: QEMU_MONITOR_OPEN_TIMEOUT_MS */
    QemuMonitorCallbacks callbacks; /* events and EOF, on the I/O thread (see qemu-monitor.h) */
    void *opaque;                /* for the callbacks */
    /* Optional: the monitor holds its own reference on @opaque (taken with opaque_ref,
     * dropped with opaque_unref once no callback can run any more), so the caller may drop
     * the object while a callback is still in flight. */
    void *(*opaque_ref)(void *opaque);
    GDestroyNotify opaque_unref;
} QemuLaunchOpts;

/* Start QEMU with @argv (argv[0] the binary: a path, or a name looked up in PATH) and
 * the options in @opts, wait for its monitor, and read its vCPU thread ids.  The vCPUs do
 * not run unless the command line lacks -S or opts->run is set; otherwise the caller decides
 * when to "cont".
 * Any failure leaves nothing behind: the process is killed, the cgroup removed.  Errors
 * (MV_FROM_QEMU): the binary missing or not executable (MV_ERR_SYSTEM_ERROR), QEMU exiting
 * early ("internal error: qemu unexpectedly closed the monitor: <last lines of the log>"),
 * the monitor never answering (MV_ERR_OPERATION_TIMEOUT), cgroup failures (MV_FROM_CGROUP).
 * Blocks the calling thread for up to the monitor timeout (from the I/O thread it works,
 * but stalls every other monitor meanwhile).  The callbacks are live from the moment the
 * monitor connects, so they may run before this returns, and a QEMU that dies during the
 * last step may be reported through the eof callback as well as by the failure.  Free
 * @ret_proc with qemu_process_free(). */
bool qemu_process_launch(const char *const *argv, const QemuLaunchOpts *opts, QemuProcess **ret_proc,
                         GError **error);

/* Take over a QEMU started earlier (typically by a previous daemon run) from its recorded
 * @pid and @start_time: it must still be that process, its command line must start with
 * @emulator (NULL: any binary named qemu-*) and mention opts->monitor_path; then the
 * monitor is reconnected, the vCPU thread ids read, and the cgroup found (by where the
 * process sits).  Uses name, monitor_path, cgroup_*, monitor_timeout_ms and the callbacks
 * of @opts.  Errors: MV_ERR_OPERATION_FAILED when the process is gone or is not that QEMU
 * (nothing is killed then), or the monitor's errors. */
bool qemu_process_reattach(pid_t pid, guint64 start_time, const char *emulator, const QemuLaunchOpts *opts,
                           QemuProcess **ret_proc, GError **error);

/* Stop QEMU.  @graceful: ask it to "quit" over QMP first and give it
 * QEMU_PROCESS_QUIT_WAIT_MS; then (or at once) SIGTERM, and SIGKILL after
 * QEMU_PROCESS_TERM_WAIT_MS.  The monitor is closed (its EOF is not reported), the cgroup
 * removed and the monitor socket unlinked.  Returns false only when the process survived
 * SIGKILL (stuck in the kernel) or could not be signalled; it is then left as is. */
bool qemu_process_stop(QemuProcess *proc, bool graceful, GError **error);

/* How long a QEMU asked to quit gets to exit by itself (flushing disks). */
#define QEMU_PROCESS_QUIT_WAIT_MS 5000
/* How long SIGTERM gets before SIGKILL, and SIGKILL before we give up: a guest with much
 * memory takes a moment to tear down. */
#define QEMU_PROCESS_TERM_WAIT_MS 3000
#define QEMU_PROCESS_KILL_WAIT_MS 10000

/* Forget the process: close the monitor (no EOF callback) and our handles.  QEMU keeps
 * running (a daemon shutting down must not take its guests along).  NULL-safe. */
void qemu_process_free(QemuProcess *proc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuProcess, qemu_process_free)

pid_t qemu_process_pid(const QemuProcess *proc);
guint64 qemu_process_start_time(const QemuProcess *proc);
QemuMonitor *qemu_process_monitor(const QemuProcess *proc);
/* NULL when launched without a cgroup, or when reattach found none. */
MvCgroup *qemu_process_cgroup(const QemuProcess *proc);
/* The vCPU thread ids, index = cpu index order of query-cpus-fast. */
const pid_t *qemu_process_vcpu_tids(const QemuProcess *proc, size_t *ret_ntids);
/* True while the process runs (a zombie does not). */
bool qemu_process_is_alive(const QemuProcess *proc);
/* SIGKILL the process now, without waiting or touching the monitor (destroy of a guest
 * whose monitor hangs).  Safe against pid reuse.  qemu_process_stop() still cleans up. */
void qemu_process_kill_now(QemuProcess *proc);
/* Re-read the vCPU thread ids (after CPU hotplug). */
bool qemu_process_refresh_vcpus(QemuProcess *proc, GError **error);
