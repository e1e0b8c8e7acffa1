// SPDX-License-Identifier: LGPL-2.1-or-later
// QMP client: one connection to one QEMU's monitor socket.  The socket is served by the
// GLib default main context (the daemon's I/O thread); commands may be issued from any
// thread and block only their caller, up to the caller's timeout.  What the commands
// mean for a domain is qemu-process.c's and the driver's business.
//
// Threads:
//  - Some thread must run the default main context (g_main_loop_run on a loop of the
//    default context).  Replies are read and callbacks run there: "the I/O thread".
//  - qemu_monitor_command() called from another thread waits on a GCond for the I/O
//    thread.  Called from a thread that owns the default context (or while nobody runs it)
//    it iterates the context itself until the reply comes, so it never deadlocks; events
//    are then delivered on that thread for as long as it waits.
//  - json-c objects are not thread-safe (non-atomic reference counts): a reply belongs to
//    the thread that got it, event data to the callback's duration.
//  - Callbacks must not issue commands on their own monitor (the reply could only be read
//    by the dispatch they are running in); that fails at once with an error.
#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct QemuMonitor QemuMonitor;

typedef struct {
    /* An asynchronous event: @name ("STOP", "SHUTDOWN", ...), @data its "data" member
     * (NULL when absent; borrowed for the call), and QEMU's timestamp of it.  Runs on the
     * I/O thread. */
    void (*event)(QemuMonitor *mon, const char *name, json_object *data, gint64 seconds,
                  guint micros, void *opaque);
    /* The connection ended without qemu_monitor_close(): QEMU exited or closed the socket
     * (@reason NULL), or broke the protocol or the socket failed (@reason says how).  Runs
     * once, on the I/O thread, as soon as the end is seen; pending commands have failed
     * by then. */
    void (*eof)(QemuMonitor *mon, const GError *reason, void *opaque);
} QemuMonitorCallbacks;

/* How long qemu_monitor_open() waits by default for the socket to appear and answer: QEMU
 * creates it about 0.3 s after exec, more on a loaded host. */
#define QEMU_MONITOR_OPEN_TIMEOUT_MS 5000

/* Reply timeout of the typed wrappers unless qemu_monitor_set_timeout() says otherwise:
 * as long as a job waits for another job, so a hung QEMU fails a call in bounded time. */
#define QEMU_MONITOR_DEFAULT_TIMEOUT_MS 30000

/* Connect to the QMP socket at @path, retrying while it does not exist or refuses (QEMU
 * has not created it yet) for up to @timeout_ms in all, then read the greeting and
 * negotiate capabilities.  @pidfd (or -1) is the QEMU process: if it exits while we wait,
 * we give up at once.  Blocks the calling thread (any thread) for at most @timeout_ms.
 * @callbacks (copied; either member may be NULL) get @opaque.  On success the monitor owns
 * @opaque and calls @opaque_free (if set) when the last reference to it is gone, after the
 * last callback returned; on failure @opaque stays the caller's.
 * Returns the monitor, or NULL with @error: MV_ERR_OPERATION_TIMEOUT when the socket never
 * answered, MV_ERR_OPERATION_FAILED when QEMU exited or closed it, MV_ERR_INTERNAL_ERROR
 * for a protocol error. */
QemuMonitor *qemu_monitor_open(const char *path, int pidfd, unsigned timeout_ms,
                               const QemuMonitorCallbacks *callbacks, void *opaque,
                               GDestroyNotify opaque_free, GError **error);

/* The same, and "cont" sent in the same write as the negotiation, for a QEMU started with
 * -S that should run at once: QEMU answers both as soon as its main loop turns, so running
 * is one round trip nearer.  A failed "cont" fails the open. */
QemuMonitor *qemu_monitor_open_cont(const char *path, int pidfd, unsigned timeout_ms,
                                    const QemuMonitorCallbacks *callbacks, void *opaque,
                                    GDestroyNotify opaque_free, GError **error);

/* Close the connection (if still open) and drop the caller's reference.  Waiting commands
 * fail.  QEMU keeps running.  The I/O thread may be inside a callback at that moment (or
 * about to enter one: closing does not wait for it, so that a caller holding locks the
 * callback takes cannot deadlock); @opaque stays valid until opaque_free runs, which is
 * after the last callback returned.  NULL-safe. */
void qemu_monitor_free(QemuMonitor *mon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuMonitor, qemu_monitor_free)

/* Another reference on @mon for a thread that issues commands without owning the monitor
 * (the stats gatherer): the object outlives qemu_monitor_free() by its owner until
 * qemu_monitor_unref(); commands on it then fail with MV_ERR_OPERATION_INVALID.  The last
 * unref may run the opaque_free given to qemu_monitor_open(), so call it with no locks
 * held.  Both NULL-safe. */
QemuMonitor *qemu_monitor_ref(QemuMonitor *mon);
void qemu_monitor_unref(QemuMonitor *mon);

/* Close the connection but keep the object (commands fail from now on). */
void qemu_monitor_close(QemuMonitor *mon);

/* From now on, an end of the connection is expected (we asked QEMU to quit or are killing
 * it) and is not reported through the eof callback. */
void qemu_monitor_expect_eof(QemuMonitor *mon);

/* True once the connection has ended, by EOF or qemu_monitor_close(). */
bool qemu_monitor_is_closed(QemuMonitor *mon);

/* The socket path and QEMU's version from the greeting. */
const char *qemu_monitor_path(const QemuMonitor *mon);
void qemu_monitor_qemu_version(const QemuMonitor *mon, int *ret_major, int *ret_minor, int *ret_micro);

/* Reply timeout of the typed wrappers below (milliseconds, > 0). */
void qemu_monitor_set_timeout(QemuMonitor *mon, unsigned timeout_ms);

/* Most commands in flight on one monitor.  QEMU handles them one at a time anyway;
 * the bound keeps a hung QEMU from collecting waiters without end. */
#define QEMU_MONITOR_MAX_PENDING 32

/* Longest QMP message we accept.  Replies such as query-qmp-schema (about 200 KiB) or
 * query-block on a guest with many disks are large but nowhere near this; anything longer
 * is a broken peer, and the connection is dropped rather than the daemon's memory grown. */
#define QEMU_MONITOR_MAX_LINE (16 * 1024 * 1024)

/* Bytes of commands queued for a QEMU that is not reading (stopped, hung) before further
 * commands are refused. */
#define QEMU_MONITOR_MAX_TX (1024 * 1024)

/* Run @command with @args (an object, borrowed; or NULL) and wait up to @timeout_ms for
 * its reply.  On success @ret_reply (if not NULL) gets the "return" member, a reference
 * the caller json_object_put()s.  Errors: MV_ERR_INTERNAL_ERROR "unable to execute QEMU
 * command 'x': <QEMU's desc>" when QEMU refused it, MV_ERR_OPERATION_TIMEOUT when no reply
 * came in time (a late reply is discarded), MV_ERR_OPERATION_FAILED when the connection
 * ended first, MV_ERR_OPERATION_INVALID when the monitor is closed or too busy. */
bool qemu_monitor_command(QemuMonitor *mon, const char *command, json_object *args,
                          json_object **ret_reply, unsigned timeout_ms, GError **error);

/* Typed wrappers, each waiting up to the monitor's timeout. */

/* query-status: whether vCPUs run, and QEMU's run state ("running", "paused",
 * "prelaunch", "shutdown", "internal-error", ...), which says why they do not.
 * g_free() @ret_status. */
bool qemu_monitor_query_status(QemuMonitor *mon, bool *ret_running, char **ret_status, GError **error);

typedef struct {
    int cpu_index;
    pid_t thread_id;
} QemuMonitorCpu;

/* query-cpus-fast: one entry per vCPU, ordered by cpu index.  g_free() @ret_cpus. */
bool qemu_monitor_query_cpus_fast(QemuMonitor *mon, QemuMonitorCpu **ret_cpus, size_t *ret_ncpus,
                                  GError **error);

bool qemu_monitor_cont(QemuMonitor *mon, GError **error);
bool qemu_monitor_stop(QemuMonitor *mon, GError **error);
bool qemu_monitor_system_powerdown(QemuMonitor *mon, GError **error);
bool qemu_monitor_system_reset(QemuMonitor *mon, GError **error);

/* quit: QEMU answers and exits; an end of the connection before the answer counts as
 * success too.  Marks the EOF as expected (qemu_monitor_expect_eof). */
bool qemu_monitor_quit(QemuMonitor *mon, GError **error);

/* query-blockstats, raw: the "return" array.  json_object_put() it. */
bool qemu_monitor_query_blockstats(QemuMonitor *mon, json_object **ret_stats, GError **error);

/* query-balloon: the guest's current memory in bytes ("actual").  Fails with QEMU's
 * message when the guest has no balloon device. */
bool qemu_monitor_query_balloon(QemuMonitor *mon, guint64 *ret_actual_bytes, GError **error);
