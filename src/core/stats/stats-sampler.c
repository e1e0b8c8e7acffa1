// SPDX-License-Identifier: LGPL-2.1-or-later
// The sampler: a thread with its own main context and a timer, a table of the last two
// samples per domain, and the on-demand path any thread may take.  Samples are immutable
// and reference-counted, so readers copy no figures and hold no lock while they use them.

#include "stats/stats-sampler.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* How often a thread's reader looks again whether the kernel keeps scheduler statistics
 * (an administrator may switch kernel.sched_schedstats at run time). */
#define READER_PROBE_US G_USEC_PER_SEC

typedef struct {
    pid_t pid;
    guint64 start_time;
    MvStatsSample *cur;
    MvStatsSample *prev;
    MvStatsFiles *files;     /* descriptors kept for this run */
} Series;

struct MvStatsSampler {
    unsigned interval_ms;
    MvStatsEnumerateFunc enumerate;
    MvStatsRoundFunc round;
    void *opaque;

    GMutex lock;             /* guards series */
    GHashTable *series;      /* key -> Series* */

    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    gint poke_pending;
};

/* ---- targets and samples ---- */

MvStatsTarget *
mv_stats_target_new(const char *key, pid_t pid, guint64 start_time, const pid_t *tids, size_t ntids,
                    const char *cgroup_dir)
{
    MvStatsTarget *t = g_new0(MvStatsTarget, 1);
    t->key = g_strdup(key);
    t->pid = pid;
    t->start_time = start_time;
    t->nvcpus = MIN(ntids, (size_t)MV_STATS_VCPUS_MAX);
    t->vcpu_tids = t->nvcpus ? g_memdup2(tids, t->nvcpus * sizeof(pid_t)) : NULL;
    t->cgroup_dir = g_strdup(cgroup_dir);
    return t;
}

void
mv_stats_target_free(MvStatsTarget *t)
{
    if (!t)
        return;
    if (t->data_free && t->data)
        t->data_free(t->data);
    g_free(t->key);
    g_free(t->vcpu_tids);
    g_free(t->cgroup_dir);
    g_free(t);
}

MvStatsSample *
mv_stats_sample_new(size_t nvcpus)
{
    nvcpus = MIN(nvcpus, (size_t)MV_STATS_VCPUS_MAX);
    MvStatsSample *s = g_atomic_rc_box_alloc0(sizeof(MvStatsSample) + nvcpus * sizeof(MvStatsThread));
    s->nvcpus = nvcpus;
    return s;
}

MvStatsSample *
mv_stats_sample_ref(MvStatsSample *s)
{
    return s ? g_atomic_rc_box_acquire(s) : NULL;
}

void
mv_stats_sample_unref(MvStatsSample *s)
{
    if (s)
        g_atomic_rc_box_release(s);
}

static const char *
path_of_pid(char *buf, size_t len, pid_t pid)
{
    snprintf(buf, len, "/proc/%d", (int)pid);
    return buf;
}

MvStatsSample *
mv_stats_sample_read(MvStatsReader *r, const MvStatsTarget *t, unsigned what, int *ret_err)
{
    char path[64];
    const char *text;
    ssize_t n;
    MvTaskStat ps = { 0 };

    /* The process first: a guest that is gone has no sample at all. */
    if (what & MV_STATS_READ_PROC) {
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->pid);
        if ((n = mv_stats_reader_read(r, path, &text)) < 0 || mv_stats_parse_task_stat(text, &ps) < 0) {
            if (ret_err)
                *ret_err = n == -ENOENT ? -ESRCH : (n < 0 ? (int)n : -EINVAL);
            return NULL;
        }
    }
    g_autoptr(MvStatsSample) s = mv_stats_sample_new(t->nvcpus);
    s->what = what & MV_STATS_READ_ALL;
    s->mono_us = g_get_monotonic_time();
    s->real_us = g_get_real_time();
    s->pid = t->pid;
    s->start_time = t->start_time;
    s->proc_state = ps.state;
    long hz = sysconf(_SC_CLK_TCK);
    s->proc_cpu_ns = (ps.utime_ticks + ps.stime_ticks) * (G_GUINT64_CONSTANT(1000000000) / (guint64)(hz > 0 ? hz : 100));
    s->rss_pages = ps.rss_pages;
    s->has_wait_sum = mv_stats_reader_has_wait_sum(r);

    if (what & MV_STATS_READ_VCPUS) {
        bool any = false, gone = true;
        for (size_t i = 0; i < s->nvcpus; i++) {
            if (t->vcpu_tids[i] <= 0)
                continue;
            any = true;
            /* A vanished thread (unplugged vCPU, or the guest exiting under us) reads as
             * absent; the rest of the sample still counts. */
            if (mv_stats_read_thread(r, t->pid, t->vcpu_tids[i], &s->vcpus[i]) != -ESRCH)
                gone = false;
        }
        /* Without the process read, every thread gone means the process is. */
        if (!(what & MV_STATS_READ_PROC) && any && gone && access(path_of_pid(path, sizeof(path), t->pid), F_OK) < 0) {
            if (ret_err)
                *ret_err = -ESRCH;
            return NULL;
        }
    }
    if ((what & MV_STATS_READ_CGROUP) && t->cgroup_dir &&
        mv_stats_reader_cgroup_cpu(r, t->cgroup_dir, &s->cgroup) == 0)
        s->has_cgroup = true;
    return g_steal_pointer(&s);
}

guint64
mv_stats_sample_cpu_ns(const MvStatsSample *s)
{
    return s->has_cgroup ? s->cgroup.usage_ns : s->proc_cpu_ns;
}

guint64
mv_stats_sample_vcpu_wait_ns(const MvStatsSample *s, size_t i)
{
    const MvStatsThread *t = &s->vcpus[i];
    return t->has_wait_sum ? t->wait_sum_ns : t->delay_ns;
}

static bool
comparable(const MvStatsSample *prev, const MvStatsSample *cur)
{
    return prev && cur && prev->pid == cur->pid && prev->start_time == cur->start_time &&
           cur->mono_us > prev->mono_us;
}

/* 100 * (after - before) / elapsed, as percent of one CPU; counters never go back within a
 * run, but a thread that came and went could, so clamp at zero. */
static double
pct(guint64 before, guint64 after, gint64 elapsed_us)
{
    if (after <= before)
        return 0.0;
    return 100.0 * (double)(after - before) / ((double)elapsed_us * 1000.0);
}

bool
mv_stats_rate_cpu(const MvStatsSample *prev, const MvStatsSample *cur, double *ret_pct)
{
    if (!comparable(prev, cur) || prev->has_cgroup != cur->has_cgroup ||
        (!cur->has_cgroup && !(prev->what & cur->what & MV_STATS_READ_PROC)))
        return false;
    *ret_pct = pct(mv_stats_sample_cpu_ns(prev), mv_stats_sample_cpu_ns(cur), cur->mono_us - prev->mono_us);
    return true;
}

bool
mv_stats_rate_vcpu(const MvStatsSample *prev, const MvStatsSample *cur, size_t i, double *ret_run_pct,
                   double *ret_wait_pct)
{
    if (!comparable(prev, cur) || !(prev->what & cur->what & MV_STATS_READ_VCPUS) || i >= prev->nvcpus ||
        i >= cur->nvcpus)
        return false;
    const MvStatsThread *a = &prev->vcpus[i], *b = &cur->vcpus[i];
    if (!a->present || !b->present || a->tid != b->tid)
        return false;
    gint64 dt = cur->mono_us - prev->mono_us;
    *ret_run_pct = pct(a->run_ns, b->run_ns, dt);
    *ret_wait_pct = pct(mv_stats_sample_vcpu_wait_ns(prev, i), mv_stats_sample_vcpu_wait_ns(cur, i), dt);
    return true;
}

/* ---- the table ---- */

static void
series_free(Series *se)
{
    mv_stats_sample_unref(se->cur);
    mv_stats_sample_unref(se->prev);
    mv_stats_files_unref(se->files);
    g_free(se);
}

/* The series of @key for the run (@pid, @start_time), made if needed.  Lock held. */
static Series *
series_locked(MvStatsSampler *s, const char *key, pid_t pid, guint64 start_time)
{
    Series *se = g_hash_table_lookup(s->series, key);
    if (se && (se->pid != pid || se->start_time != start_time)) {
        /* A new run of the domain: its counters start again. */
        g_hash_table_remove(s->series, key);
        se = NULL;
    }
    if (!se) {
        se = g_new0(Series, 1);
        se->pid = pid;
        se->start_time = start_time;
        se->files = mv_stats_files_new();
        g_hash_table_insert(s->series, g_strdup(key), se);
    }
    return se;
}

/* The kept files of @t's run (a reference). */
static MvStatsFiles *
files_of(MvStatsSampler *s, const MvStatsTarget *t)
{
    g_mutex_lock(&s->lock);
    MvStatsFiles *f = mv_stats_files_ref(series_locked(s, t->key, t->pid, t->start_time)->files);
    g_mutex_unlock(&s->lock);
    return f;
}

static MvStatsSample *
read_kept(MvStatsSampler *s, MvStatsReader *r, const MvStatsTarget *t, unsigned what)
{
    g_autoptr(MvStatsFiles) files = files_of(s, t);
    mv_stats_reader_use_files(r, files);
    MvStatsSample *sample = mv_stats_sample_read(r, t, what, NULL);
    mv_stats_reader_use_files(r, NULL);
    return sample;
}

/* Keep @sample (reference taken) as the newest of @key.  Lock held. */
static void
store_locked(MvStatsSampler *s, const char *key, MvStatsSample *sample)
{
    Series *se = series_locked(s, key, sample->pid, sample->start_time);
    if (se->cur && se->cur->mono_us > sample->mono_us)
        return;   /* a slower reader finished after a newer sample was stored */
    gint64 half = (gint64)s->interval_ms * 1000 / 2;
    if (se->cur && sample->mono_us - se->cur->mono_us >= half) {
        mv_stats_sample_unref(se->prev);
        se->prev = se->cur;
    } else {
        mv_stats_sample_unref(se->cur);
    }
    se->cur = mv_stats_sample_ref(sample);
}

MvStatsSample *
mv_stats_sampler_refresh(MvStatsSampler *s, const MvStatsTarget *t, unsigned what)
{
    MvStatsSample *sample = read_kept(s, mv_stats_thread_reader(), t, what);
    if (!sample || (what & MV_STATS_READ_ALL) != MV_STATS_READ_ALL)
        return sample;
    g_mutex_lock(&s->lock);
    store_locked(s, t->key, sample);
    g_mutex_unlock(&s->lock);
    return sample;
}

bool
mv_stats_sampler_get(MvStatsSampler *s, const char *key, MvStatsSample **ret_cur, MvStatsSample **ret_prev)
{
    g_mutex_lock(&s->lock);
    Series *se = g_hash_table_lookup(s->series, key);
    if (ret_cur)
        *ret_cur = se ? mv_stats_sample_ref(se->cur) : NULL;
    if (ret_prev)
        *ret_prev = se ? mv_stats_sample_ref(se->prev) : NULL;
    g_mutex_unlock(&s->lock);
    return se != NULL;
}

void
mv_stats_sampler_forget(MvStatsSampler *s, const char *key)
{
    g_mutex_lock(&s->lock);
    g_hash_table_remove(s->series, key);
    g_mutex_unlock(&s->lock);
}

unsigned
mv_stats_sampler_interval(const MvStatsSampler *s)
{
    return s->interval_ms;
}

/* ---- the thread ---- */

static void
run_round(MvStatsSampler *s)
{
    gint64 started = g_get_monotonic_time();
    g_autoptr(GPtrArray) targets = s->enumerate(s->opaque);
    g_autoptr(GPtrArray) samples = g_ptr_array_new_full(targets->len, (GDestroyNotify)mv_stats_sample_unref);
    MvStatsReader *r = mv_stats_thread_reader();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < targets->len; i++) {
        MvStatsTarget *t = targets->pdata[i];
        MvStatsSample *sample = read_kept(s, r, t, MV_STATS_READ_ALL);
        g_ptr_array_add(samples, sample);
        g_hash_table_add(seen, t->key);
    }
    g_mutex_lock(&s->lock);
    for (guint i = 0; i < targets->len; i++) {
        MvStatsTarget *t = targets->pdata[i];
        if (samples->pdata[i])
            store_locked(s, t->key, samples->pdata[i]);
    }
    /* Domains no longer running go, unless an on-demand read stored them during this round
     * (one that just started). */
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, s->series);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        Series *se = value;
        if (!g_hash_table_contains(seen, key) && (!se->cur || se->cur->mono_us < started))
            g_hash_table_iter_remove(&it);
    }
    g_mutex_unlock(&s->lock);
    if (s->round)
        s->round(targets, samples, s->opaque);
}

static gboolean
round_cb(gpointer data)
{
    run_round(data);
    return G_SOURCE_CONTINUE;
}

static gboolean
poke_cb(gpointer data)
{
    MvStatsSampler *s = data;
    g_atomic_int_set(&s->poke_pending, 0);
    run_round(s);
    return G_SOURCE_REMOVE;
}

static gboolean
quit_cb(gpointer data)
{
    MvStatsSampler *s = data;
    g_main_loop_quit(s->loop);
    return G_SOURCE_REMOVE;
}

static gpointer
sampler_thread(gpointer data)
{
    MvStatsSampler *s = data;
    /* Our sources are attached to s->ctx explicitly: it need not be the thread default. */
    g_main_loop_run(s->loop);
    return NULL;
}

MvStatsSampler *
mv_stats_sampler_new(unsigned interval_ms, MvStatsEnumerateFunc enumerate, MvStatsRoundFunc round, void *opaque)
{
    MvStatsSampler *s = g_new0(MvStatsSampler, 1);
    s->interval_ms = CLAMP(interval_ms, MV_STATS_INTERVAL_MIN_MS, MV_STATS_INTERVAL_MAX_MS);
    s->enumerate = enumerate;
    s->round = round;
    s->opaque = opaque;
    g_mutex_init(&s->lock);
    s->series = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)series_free);
    s->ctx = g_main_context_new();
    s->loop = g_main_loop_new(s->ctx, FALSE);
    return s;
}

void
mv_stats_sampler_start(MvStatsSampler *s)
{
    if (s->thread)
        return;
    GSource *timer = g_timeout_source_new(s->interval_ms);
    g_source_set_callback(timer, round_cb, s, NULL);
    g_source_set_static_name(timer, "stats-sampler");
    g_source_attach(timer, s->ctx);
    g_source_unref(timer);
    mv_stats_sampler_poke(s);
    s->thread = g_thread_new("stats-sampler", sampler_thread, s);
}

void
mv_stats_sampler_poke(MvStatsSampler *s)
{
    if (!g_atomic_int_compare_and_exchange(&s->poke_pending, 0, 1))
        return;
    GSource *idle = g_idle_source_new();
    g_source_set_callback(idle, poke_cb, s, NULL);
    g_source_attach(idle, s->ctx);
    g_source_unref(idle);
}

void
mv_stats_sampler_free(MvStatsSampler *s)
{
    if (!s)
        return;
    if (s->thread) {
        /* Quit from inside the loop: a quit sent before the thread entered it would be lost. */
        GSource *idle = g_idle_source_new();
        g_source_set_priority(idle, G_PRIORITY_HIGH);
        g_source_set_callback(idle, quit_cb, s, NULL);
        g_source_attach(idle, s->ctx);
        g_source_unref(idle);
        g_thread_join(s->thread);
    }
    g_main_loop_unref(s->loop);
    /* Destroys the timer and any pending poke. */
    g_main_context_unref(s->ctx);
    g_hash_table_unref(s->series);
    g_mutex_clear(&s->lock);
    g_free(s);
}

/* ---- per-thread readers ---- */

static GPrivate thread_reader = G_PRIVATE_INIT((GDestroyNotify)mv_stats_reader_free);

MvStatsReader *
mv_stats_thread_reader(void)
{
    MvStatsReader *r = g_private_get(&thread_reader);
    if (!r) {
        r = mv_stats_reader_new();
        g_private_set(&thread_reader, r);
    } else {
        mv_stats_reader_probe_if_older(r, READER_PROBE_US);
    }
    return r;
}
