// SPDX-License-Identifier: LGPL-2.1-or-later
// What the kernel says about a guest's threads and its cgroup, read cheaply: the parsers for
// /proc/PID/task/TID/{schedstat,stat,sched} and the cgroup CPU accounting files, and a reader
// that fills one thread's figures with a handful of small reads.  Keeping samples over time
// is stats-sampler's business.  Errors are -errno.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* /proc/.../schedstat: "run_ns wait_ns timeslices".  run is time on a CPU, wait
 * ("run delay") time runnable on a run queue; both in ns, exact (CONFIG_SCHED_INFO). */
typedef struct {
    guint64 run_ns;
    guint64 delay_ns;
    guint64 slices;
} MvSchedstat;

/* Returns 0, or -EINVAL for text that is not three numbers. */
int mv_stats_parse_schedstat(const char *text, MvSchedstat *ret_stat);

/* The fields of /proc/.../stat we use.  utime/stime are clock ticks (USER_HZ, 10 ms),
 * which is why vCPU time comes from schedstat instead. */
typedef struct {
    char state;            /* 'R', 'S', 'D', 'T', 't', 'Z', 'X', 'I', ... */
    guint64 utime_ticks;   /* field 14 */
    guint64 stime_ticks;   /* field 15 */
    guint64 rss_pages;     /* field 24 */
    int processor;         /* field 39: the CPU it last ran on */
} MvTaskStat;

/* Parse one stat line (comm may hold spaces and ')': it ends at the last ')').
 * Returns 0 or -EINVAL. */
int mv_stats_parse_task_stat(const char *text, MvTaskStat *ret_stat);

/* wait_sum (ns) from /proc/.../sched.  Kernels with scheduler statistics print it as
 * "se.statistics.wait_sum" (before 5.16) or "wait_sum" (5.16 on; "se.wait_sum" is accepted
 * too), in milliseconds with six decimals.  Returns 0, -ENOENT when the file has no such
 * line (CONFIG_SCHEDSTATS off, or kernel.sched_schedstats=0), -EINVAL for a bad value. */
int mv_stats_parse_sched_wait_sum(const char *text, guint64 *ret_ns);

/* A cgroup's CPU time in ns. */
typedef struct {
    guint64 usage_ns;
    guint64 user_ns;
    guint64 system_ns;
} MvStatsCgroupCpu;

/* Read the CPU accounting of the cgroup directory @dir: v1 cpuacct (cpuacct.usage, exact;
 * the user/system split from cpuacct.usage_user/_sys where the kernel has them, else
 * cpuacct.stat ticks; the split is tick-based accounting on most kernels either way), or
 * v2 cpu.stat.  Returns 0, -ENOENT when @dir has neither, or -errno. */
int mv_stats_read_cgroup_cpu(const char *dir, MvStatsCgroupCpu *ret_cpu);

/* Per host CPU usage of the cgroup @dir in ns (v1 cpuacct.usage_percpu; index = CPU).
 * g_free() @ret_ns.  Returns 0, -ENOTSUP without per-CPU accounting (v2), or -errno. */
int mv_stats_read_cgroup_percpu(const char *dir, guint64 **ret_ns, size_t *ret_n);

/* Parse "N N N ..." (cpuacct.usage_percpu); exposed for tests.  Returns 0 or -EINVAL. */
int mv_stats_parse_u64_list(const char *text, guint64 **ret_values, size_t *ret_n);

/* One thread as the sampler sees it. */
typedef struct {
    pid_t tid;
    bool present;          /* false: the thread is gone (or the vCPU is offline) */
    char state;            /* from stat */
    int processor;
    guint64 run_ns;        /* schedstat */
    guint64 delay_ns;      /* schedstat run delay */
    guint64 wait_sum_ns;   /* sched wait_sum, when has_wait_sum */
    bool has_wait_sum;
    guint64 utime_ticks, stime_ticks;
} MvStatsThread;

/* A reader: a buffer reused across reads, and whether this kernel prints wait_sum. */
typedef struct MvStatsReader MvStatsReader;

/* Open files of one guest's run, kept between reads: /proc and cgroup files are generated
 * on each read at offset 0, so a kept descriptor read with pread() gives fresh figures
 * without the path walk, permission check and allocation an open costs (most of the cost
 * of a read).  A descriptor of a thread that exited keeps answering ESRCH: it never reads a
 * recycled thread id.  Reference-counted; shared by the threads reading that guest.  The
 * whole daemon keeps at most MV_STATS_FILES_BUDGET descriptors this way, so clients never
 * lack one; past that, files are opened and closed per read. */
typedef struct MvStatsFiles MvStatsFiles;

/* At most this many kept descriptors in the process (further capped at a quarter of
 * RLIMIT_NOFILE), and per guest. */
#define MV_STATS_FILES_BUDGET 4096
#define MV_STATS_FILES_PER_GUEST 256

MvStatsFiles *mv_stats_files_new(void);
MvStatsFiles *mv_stats_files_ref(MvStatsFiles *f);
void mv_stats_files_unref(MvStatsFiles *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStatsFiles, mv_stats_files_unref)
/* Descriptors @f holds now (tests). */
unsigned mv_stats_files_count(MvStatsFiles *f);

MvStatsReader *mv_stats_reader_new(void);
void mv_stats_reader_free(MvStatsReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStatsReader, mv_stats_reader_free)

/* Look again whether the scheduler keeps statistics (kernel.sched_schedstats, which exists
 * only with CONFIG_SCHEDSTATS and can be switched at run time); the sampler does this once
 * per round, so /proc/.../sched, a 1.5 KiB file, is read only where it has wait_sum. */
void mv_stats_reader_probe(MvStatsReader *r);
/* Probe again only when the last probe is older than @max_age_us. */
void mv_stats_reader_probe_if_older(MvStatsReader *r, gint64 max_age_us);
bool mv_stats_reader_has_wait_sum(const MvStatsReader *r);

/* Read the whole small file @path into the reader's buffer; returns its length or -errno.
 * The text stays valid until the next read through @r.  Reads go through @r's current
 * files (mv_stats_reader_use_files) when it has any. */
ssize_t mv_stats_reader_read(MvStatsReader *r, const char *path, const char **ret_text);

/* Read through @files (borrowed until the next call; NULL: open and close each file). */
void mv_stats_reader_use_files(MvStatsReader *r, MvStatsFiles *files);

/* mv_stats_read_cgroup_cpu() through @r's buffer (the sampler's hot path). */
int mv_stats_reader_cgroup_cpu(MvStatsReader *r, const char *dir, MvStatsCgroupCpu *ret_cpu);

/* Fill @ret_thread for thread @tid of process @pid: schedstat, stat and (where the kernel
 * has it) sched.  Returns 0; -ESRCH when the thread is gone (then ret_thread->present is
 * false and the rest zero); other -errno. */
int mv_stats_read_thread(MvStatsReader *r, pid_t pid, pid_t tid, MvStatsThread *ret_thread);

/* libvirt's vCPU state for a thread state letter: 1 RUNNING for 'R', 2 BLOCKED for a
 * thread that sleeps or is stopped, 0 OFFLINE for no thread. */
int mv_stats_vcpu_state(const MvStatsThread *t);
