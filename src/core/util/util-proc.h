// SPDX-License-Identifier: LGPL-2.1-or-later
// Process helpers over /proc and pidfds: "is this pid still the process I started" (start
// time, comm, cmdline), waiting for a process that need not be our child, and kill
// escalation.  Spawning is left to the callers (qemu-process.c and friends).
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Start time of @pid in clock ticks since boot (field 22 of /proc/PID/stat).  Together
 * with the pid it names one process for the life of the host: a recycled pid has a later
 * start time.  Returns 0, -ESRCH when there is no such process, -EINVAL for a stat line
 * we cannot parse, or another -errno. */
int mv_proc_start_time(pid_t pid, guint64 *ret_start_time);

/* Process state letter (field 3 of /proc/PID/stat: 'R', 'S', 'Z', ...).  Returns 0,
 * -ESRCH or another -errno like mv_proc_start_time(). */
int mv_proc_state(pid_t pid, char *ret_state);

/* True when @pid exists, has start time @start_time, and has not exited.  A zombie counts
 * as exited (its other threads may take a moment longer: mv_proc_wait_exit() waits for
 * those too). */
bool mv_proc_is_alive_same(pid_t pid, guint64 start_time);

/* The command name of @pid (/proc/PID/comm, at most 15 bytes, no newline).  g_free() it.
 * Returns 0 or -errno (-ESRCH when gone). */
int mv_proc_comm(pid_t pid, char **ret_comm);

/* The argument vector of @pid (/proc/PID/cmdline split at NULs).  A zombie or kernel thread
 * gives an empty vector.  g_strfreev() it.  Returns 0 or -errno (-ESRCH when gone). */
int mv_proc_cmdline(pid_t pid, char ***ret_argv);

/* Thread ids of @pid, ascending (the entries of /proc/PID/task).  g_free() @ret_tids.
 * Returns 0 or -errno (-ESRCH when gone). */
int mv_proc_thread_ids(pid_t pid, pid_t **ret_tids, size_t *ret_ntids);

/* A pidfd for @pid, close-on-exec, verified to be the process started at @start_time (the
 * check runs after the open, so the fd cannot name a recycled pid).  It polls readable
 * once every thread of the process has exited.  Returns the fd (also for a zombie, which
 * may still have threads exiting), -ESRCH when that process is gone, -ENOSYS without pidfd
 * support, or another -errno. */
int mv_proc_pidfd_open(pid_t pid, guint64 start_time);

/* Wait up to @timeout_ms for the process (@pid, @start_time) to exit; works whether or not
 * it is our child, by pidfd where the kernel has it and by polling /proc otherwise.  Does
 * not reap: a child of the caller stays a zombie until the caller waits for it.  Returns 0
 * once it has exited (or was already gone), -ETIMEDOUT, or another -errno. */
int mv_proc_wait_exit(pid_t pid, guint64 start_time, unsigned timeout_ms);

/* Make the process (@pid, @start_time) go away: SIGTERM, wait up to @term_ms, then
 * SIGKILL and wait up to @kill_ms.  @term_ms == 0 skips SIGTERM.  Signals go through a
 * verified pidfd where available, so a recycled pid is never hit.  Returns 0 when the
 * process is gone (including "was already gone"), -ETIMEDOUT when it survived both waits
 * (stuck in the kernel, e.g. uninterruptible I/O), or another -errno (-EPERM). */
int mv_proc_kill_wait(pid_t pid, guint64 start_time, unsigned term_ms, unsigned kill_ms);

/* Split a /proc/PID/stat line: the comm (the text between the first '(' and the last ')',
 * since comm may itself hold ')' and spaces), the state letter, and field 22 (start time).
 * Exposed for tests.  Returns 0 or -EINVAL. */
int mv_proc_parse_stat(const char *line, char **ret_comm, char *ret_state, guint64 *ret_start_time);
