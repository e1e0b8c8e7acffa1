// SPDX-License-Identifier: LGPL-2.1-or-later
// The per-driver sampler: on a timer of its own thread (and on demand from any thread) it
// reads every running guest's vCPU threads and cgroup (stats-proc.h) and keeps the last two
// samples per domain, so rates (CPU %, wait %) come from two samples without extra reads.
// Which guests run, and anything that needs the guest's monitor, is the driver's business:
// it lists targets through a callback and gets a hook after each round.
#pragma once

#include "stats/stats-proc.h"

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* Default time between two rounds, and the bounds a config may choose from. */
#define MV_STATS_INTERVAL_DEFAULT_MS 1000
#define MV_STATS_INTERVAL_MIN_MS 10
#define MV_STATS_INTERVAL_MAX_MS 3600000

/* Most vCPUs one target may name (libvirt's REMOTE_VCPUINFO_MAX): bounds the sample size. */
#define MV_STATS_VCPUS_MAX 16384

/* One running domain, as the driver describes it for a round or an on-demand read. */
typedef struct {
    char *key;               /* the domain's UUID string */
    pid_t pid;               /* its emulator process */
    guint64 start_time;      /* of @pid (clock ticks since boot): a new run starts a new series */
    pid_t *vcpu_tids;        /* index = vCPU number; 0 = offline vCPU */
    size_t nvcpus;
    char *cgroup_dir;        /* cpuacct (v1) or cpu (v2) directory of the guest, or NULL */
    void *data;              /* the driver's, for its round hook */
    GDestroyNotify data_free;
} MvStatsTarget;

/* A target with copies of @key, @tids and @cgroup_dir.  Free with mv_stats_target_free(). */
MvStatsTarget *mv_stats_target_new(const char *key, pid_t pid, guint64 start_time, const pid_t *tids,
                                   size_t ntids, const char *cgroup_dir);
void mv_stats_target_free(MvStatsTarget *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStatsTarget, mv_stats_target_free)

/* What a read covers.  A stats call reads only what its groups need (a vCPU-only call costs
 * two small reads per vCPU); the sampler's rounds read everything. */
typedef enum {
    MV_STATS_READ_PROC = 1 << 0,    /* /proc/PID/stat: state, process CPU ticks, RSS */
    MV_STATS_READ_VCPUS = 1 << 1,   /* each vCPU thread */
    MV_STATS_READ_CGROUP = 1 << 2,  /* the cgroup's CPU accounting */
    MV_STATS_READ_ALL = (1 << 3) - 1,
} MvStatsRead;

/* One reading of one domain.  Immutable once made; shared by reference. */
typedef struct {
    unsigned what;           /* MvStatsRead: the parts that were read */
    gint64 mono_us;          /* g_get_monotonic_time() when read */
    gint64 real_us;          /* g_get_real_time() when read */
    pid_t pid;
    guint64 start_time;
    /* The emulator process as a whole (/proc/PID/stat): main thread state ('T' when
     * stopped by a signal), CPU time of all threads in ticks, resident pages. */
    char proc_state;
    guint64 proc_cpu_ns;     /* (utime + stime) of all threads, tick resolution */
    guint64 rss_pages;
    bool has_cgroup;
    MvStatsCgroupCpu cgroup; /* exact CPU accounting of the guest's cgroup */
    bool has_wait_sum;       /* the kernel keeps scheduler statistics (vcpus[].wait_sum_ns) */
    size_t nvcpus;
    MvStatsThread vcpus[];   /* index = vCPU number */
} MvStatsSample;

MvStatsSample *mv_stats_sample_ref(MvStatsSample *s);
void mv_stats_sample_unref(MvStatsSample *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStatsSample, mv_stats_sample_unref)

/* Read the parts @what (MvStatsRead) of @t now through @r.  Returns a new sample, or NULL
 * with -errno in @ret_err (if not NULL) when the process is gone.  A vCPU thread that is
 * gone reads as not present. */
MvStatsSample *mv_stats_sample_read(MvStatsReader *r, const MvStatsTarget *t, unsigned what, int *ret_err);

/* Build a sample from given figures (tests, golden files). */
MvStatsSample *mv_stats_sample_new(size_t nvcpus);

/* The guest's CPU time: the cgroup's usage, else the process's ticks. */
guint64 mv_stats_sample_cpu_ns(const MvStatsSample *s);
/* vCPU @i's wait for a host CPU: wait_sum where the kernel keeps it, else the schedstat run
 * delay (the same quantity, measured by the scheduler's run-queue accounting). */
guint64 mv_stats_sample_vcpu_wait_ns(const MvStatsSample *s, size_t i);

/* Rates between two samples of the same run (@prev older), in percent of one host CPU.
 * False when the samples are not comparable (other run, no time between them). */
bool mv_stats_rate_cpu(const MvStatsSample *prev, const MvStatsSample *cur, double *ret_pct);
bool mv_stats_rate_vcpu(const MvStatsSample *prev, const MvStatsSample *cur, size_t i, double *ret_run_pct,
                        double *ret_wait_pct);

typedef struct MvStatsSampler MvStatsSampler;

/* The running domains now: a new array of MvStatsTarget* (with mv_stats_target_free as its
 * free func).  Called on the sampler's thread. */
typedef GPtrArray *(*MvStatsEnumerateFunc)(void *opaque);
/* After a round: @targets as enumerated, @samples[i] the sample of targets[i] (NULL when
 * it could not be read).  Runs on the sampler's thread; must not block for long. */
typedef void (*MvStatsRoundFunc)(GPtrArray *targets, GPtrArray *samples, void *opaque);

/* A sampler taking a round every @interval_ms (clamped to the bounds above) once started.
 * @round may be NULL. */
MvStatsSampler *mv_stats_sampler_new(unsigned interval_ms, MvStatsEnumerateFunc enumerate,
                                     MvStatsRoundFunc round, void *opaque);
/* Start the thread; the first round runs at once. */
void mv_stats_sampler_start(MvStatsSampler *s);
/* Stop the thread (waits for a round in progress) and free everything.  NULL-safe. */
void mv_stats_sampler_free(MvStatsSampler *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStatsSampler, mv_stats_sampler_free)

unsigned mv_stats_sampler_interval(const MvStatsSampler *s);

/* Ask for a round now (e.g. after a guest started), without waiting for it. */
void mv_stats_sampler_poke(MvStatsSampler *s);

/* On demand: read the parts @what of @t now (in the calling thread) and return the new
 * sample; NULL when the process is gone.  A complete read (MV_STATS_READ_ALL) is also kept
 * as the domain's newest sample; the previous one moves back only when the newest is at
 * least half an interval old, so the pair always spans enough time for a meaningful rate
 * however often callers read. */
MvStatsSample *mv_stats_sampler_refresh(MvStatsSampler *s, const MvStatsTarget *t, unsigned what);

/* The newest and the previous sample of @key (references; NULL when none).  False when
 * the sampler has nothing for @key. */
bool mv_stats_sampler_get(MvStatsSampler *s, const char *key, MvStatsSample **ret_cur, MvStatsSample **ret_prev);

/* Forget @key (its domain stopped). */
void mv_stats_sampler_forget(MvStatsSampler *s, const char *key);

/* The calling thread's reader (created on first use, freed with the thread), probed again
 * for scheduler statistics when its last probe is older than a second. */
MvStatsReader *mv_stats_thread_reader(void);
