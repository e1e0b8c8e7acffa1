// SPDX-License-Identifier: LGPL-2.1-or-later
// Parsers and readers for a thread's scheduler figures and a cgroup's CPU accounting.  One
// pread() per file on a kept descriptor (or open/read/close), into a buffer the reader
// keeps, so a sample of a guest costs a few microseconds per vCPU.  Errors are -errno.

#include "stats/stats-proc.h"
#include "util/util-cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Largest file a reader takes whole: cpuacct.usage_percpu on a host with thousands of
 * CPUs is ~20 bytes per CPU; everything else here is under 4 KiB. */
#define STATS_FILE_MAX (1024 * 1024)

/* Where the kernel says whether scheduler statistics are on (CONFIG_SCHEDSTATS only). */
#define SCHEDSTATS_SYSCTL "/proc/sys/kernel/sched_schedstats"

struct MvStatsReader {
    char *buf;
    size_t cap;
    bool has_wait_sum;
    gint64 probed_us;      /* monotonic time of the last probe */
    MvStatsFiles *files;   /* borrowed: where kept descriptors are */
};

struct MvStatsFiles {
    GMutex lock;           /* guards fds */
    GHashTable *fds;       /* path -> GINT_TO_POINTER(fd + 1) */
};

/* Kept descriptors in the whole process, against the budget. */
static gint files_used;

static int
files_budget(void)
{
    static gsize once;
    static int budget;
    if (g_once_init_enter(&once)) {
        struct rlimit rl;
        rlim_t cap = MV_STATS_FILES_BUDGET;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
            cap = MIN(cap, rl.rlim_cur / 4);
        budget = (int)cap;
        g_once_init_leave(&once, 1);
    }
    return budget;
}

static void
close_kept(gpointer data)
{
    close(GPOINTER_TO_INT(data) - 1);
    g_atomic_int_dec_and_test(&files_used);
}

MvStatsFiles *
mv_stats_files_new(void)
{
    MvStatsFiles *f = g_atomic_rc_box_new0(MvStatsFiles);
    g_mutex_init(&f->lock);
    f->fds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, close_kept);
    return f;
}

MvStatsFiles *
mv_stats_files_ref(MvStatsFiles *f)
{
    return f ? g_atomic_rc_box_acquire(f) : NULL;
}

static void
files_clear(MvStatsFiles *f)
{
    g_hash_table_unref(f->fds);
    g_mutex_clear(&f->lock);
}

void
mv_stats_files_unref(MvStatsFiles *f)
{
    if (f)
        g_atomic_rc_box_release_full(f, (GDestroyNotify)files_clear);
}

unsigned
mv_stats_files_count(MvStatsFiles *f)
{
    g_mutex_lock(&f->lock);
    unsigned n = g_hash_table_size(f->fds);
    g_mutex_unlock(&f->lock);
    return n;
}

void
mv_stats_reader_use_files(MvStatsReader *r, MvStatsFiles *files)
{
    r->files = files;
}

/* The kept descriptor of @path, opened now if there is room; -1 when it is not kept
 * (then *ret_err is 0 and the caller opens it itself) or cannot be opened (-errno). */
static int
kept_fd(MvStatsFiles *f, const char *path, int *ret_err)
{
    *ret_err = 0;
    g_mutex_lock(&f->lock);
    gpointer v = g_hash_table_lookup(f->fds, path);
    int fd = v ? GPOINTER_TO_INT(v) - 1 : -1;
    if (fd < 0 && g_hash_table_size(f->fds) < MV_STATS_FILES_PER_GUEST &&
        g_atomic_int_add(&files_used, 1) < files_budget()) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            *ret_err = -errno;
            g_atomic_int_dec_and_test(&files_used);
        } else {
            g_hash_table_insert(f->fds, g_strdup(path), GINT_TO_POINTER(fd + 1));
        }
    } else if (fd < 0 && g_hash_table_size(f->fds) < MV_STATS_FILES_PER_GUEST) {
        g_atomic_int_dec_and_test(&files_used);   /* over budget: not kept */
    }
    g_mutex_unlock(&f->lock);
    return fd;
}

/* A kept descriptor whose file went away (the thread exited, the cgroup was removed) stays
 * in the table and fails the same way on the next read: it is closed with the table, when
 * the sampler drops that run of the guest. */

/* pread() the whole of @fd into @r's buffer. */
static ssize_t
pread_all(MvStatsReader *r, int fd, const char **ret_text)
{
    size_t len = 0;
    for (;;) {
        if (len + 1 >= r->cap) {
            if (r->cap >= STATS_FILE_MAX)
                return -EFBIG;
            r->cap *= 2;
            r->buf = g_realloc(r->buf, r->cap);
        }
        ssize_t n = pread(fd, r->buf + len, r->cap - 1 - len, (off_t)len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    r->buf[len] = '\0';
    *ret_text = r->buf;
    return (ssize_t)len;
}

MvStatsReader *
mv_stats_reader_new(void)
{
    MvStatsReader *r = g_new0(MvStatsReader, 1);
    r->cap = 4096;
    r->buf = g_malloc(r->cap);
    mv_stats_reader_probe(r);
    return r;
}

void
mv_stats_reader_free(MvStatsReader *r)
{
    if (!r)
        return;
    g_free(r->buf);
    g_free(r);
}

ssize_t
mv_stats_reader_read(MvStatsReader *r, const char *path, const char **ret_text)
{
    if (r->files) {
        int err;
        int kept = kept_fd(r->files, path, &err);
        if (kept >= 0)
            return pread_all(r, kept, ret_text);
        if (err < 0)
            return err;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    int err = 0;
    for (;;) {
        if (len + 1 >= r->cap) {
            if (r->cap >= STATS_FILE_MAX) {
                err = -EFBIG;
                break;
            }
            r->cap *= 2;
            r->buf = g_realloc(r->buf, r->cap);
        }
        ssize_t n = read(fd, r->buf + len, r->cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = -errno;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (err < 0)
        return err;
    r->buf[len] = '\0';
    *ret_text = r->buf;
    return (ssize_t)len;
}

void
mv_stats_reader_probe(MvStatsReader *r)
{
    const char *text;
    MvStatsFiles *files = g_steal_pointer(&r->files);
    /* No sysctl: the kernel was built without scheduler statistics, and its sched files
     * (which still exist) never carry wait_sum. */
    r->has_wait_sum = mv_stats_reader_read(r, SCHEDSTATS_SYSCTL, &text) > 0 && text[0] == '1';
    r->probed_us = g_get_monotonic_time();
    r->files = files;
}

void
mv_stats_reader_probe_if_older(MvStatsReader *r, gint64 max_age_us)
{
    if (g_get_monotonic_time() - r->probed_us > max_age_us)
        mv_stats_reader_probe(r);
}

bool
mv_stats_reader_has_wait_sum(const MvStatsReader *r)
{
    return r->has_wait_sum;
}

/* Parse an unsigned decimal at *@p, skipping blanks before it; advances *@p. */
static bool
next_u64(const char **p, guint64 *ret)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!g_ascii_isdigit(*s))
        return false;
    char *end;
    errno = 0;
    guint64 v = g_ascii_strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    *ret = v;
    *p = end;
    return true;
}

int
mv_stats_parse_schedstat(const char *text, MvSchedstat *ret_stat)
{
    MvSchedstat st;
    const char *p = text;
    if (!next_u64(&p, &st.run_ns) || !next_u64(&p, &st.delay_ns) || !next_u64(&p, &st.slices))
        return -EINVAL;
    *ret_stat = st;
    return 0;
}

int
mv_stats_parse_task_stat(const char *text, MvTaskStat *ret_stat)
{
    /* comm is the process's choice, spaces and parentheses included: it ends at the last ')'. */
    const char *p = strrchr(text, ')');
    if (!p || !strchr(text, '('))
        return -EINVAL;
    p++;
    MvTaskStat st = { 0 };
    /* Walk the blank-separated fields after ')'; field 3 (state) is the first. */
    for (int field = 3; field <= 39; field++) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            return -EINVAL;
        const char *tok = p;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        switch (field) {
        case 3:
            if (p - tok != 1)
                return -EINVAL;
            st.state = *tok;
            break;
        case 14:
        case 15:
        case 24: {
            const char *q = tok;
            guint64 v;
            if (!next_u64(&q, &v) || q != p)
                return -EINVAL;
            if (field == 14)
                st.utime_ticks = v;
            else if (field == 15)
                st.stime_ticks = v;
            else
                st.rss_pages = v;
            break;
        }
        case 39: {
            char *end;
            gint64 v = g_ascii_strtoll(tok, &end, 10);
            if (end != p || v < -1 || v > G_MAXINT)
                return -EINVAL;
            st.processor = (int)v;
            break;
        }
        default:
            break;
        }
    }
    *ret_stat = st;
    return 0;
}

/* "  1234.567890" (ms, up to six decimals) -> ns. */
static int
parse_ms_ns(const char *s, guint64 *ret_ns)
{
    guint64 ms, frac = 0;
    if (!next_u64(&s, &ms))
        return -EINVAL;
    if (*s == '.') {
        s++;
        int digits = 0;
        while (g_ascii_isdigit(*s) && digits < 6) {
            frac = frac * 10 + (guint64)(*s - '0');
            s++;
            digits++;
        }
        if (digits == 0)
            return -EINVAL;
        for (; digits < 6; digits++)
            frac *= 10;
        while (g_ascii_isdigit(*s))
            s++;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s && *s != '\n')
        return -EINVAL;
    if (ms > G_MAXUINT64 / 1000000)
        return -EINVAL;
    *ret_ns = ms * 1000000 + frac;
    return 0;
}

int
mv_stats_parse_sched_wait_sum(const char *text, guint64 *ret_ns)
{
    static const char *const names[] = { "se.statistics.wait_sum", "se.wait_sum", "wait_sum" };
    for (const char *line = text; line && *line; ) {
        const char *eol = strchr(line, '\n');
        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
            size_t n = strlen(names[i]);
            if (strncmp(line, names[i], n) != 0 || (line[n] != ' ' && line[n] != ':'))
                continue;
            const char *colon = strchr(line + n, ':');
            if (!colon || (eol && colon > eol))
                return -EINVAL;
            return parse_ms_ns(colon + 1, ret_ns);
        }
        line = eol ? eol + 1 : NULL;
    }
    return -ENOENT;
}

int
mv_stats_parse_u64_list(const char *text, guint64 **ret_values, size_t *ret_n)
{
    g_autoptr(GArray) vals = g_array_new(FALSE, FALSE, sizeof(guint64));
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        guint64 v;
        if (!next_u64(&p, &v))
            return -EINVAL;
        g_array_append_val(vals, v);
    }
    *ret_n = vals->len;
    *ret_values = (guint64 *)(void *)g_array_free(g_steal_pointer(&vals), FALSE);
    return 0;
}

static int
read_u64_file(MvStatsReader *r, const char *dir, const char *name, guint64 *ret)
{
    char path[PATH_MAX];
    const char *text;
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    ssize_t n = mv_stats_reader_read(r, path, &text);
    if (n < 0)
        return (int)n;
    const char *p = text;
    return next_u64(&p, ret) ? 0 : -EINVAL;
}

static int
read_cgroup_cpu(MvStatsReader *r, const char *dir, MvStatsCgroupCpu *ret_cpu)
{
    MvStatsCgroupCpu cpu = { 0 };
    char path[PATH_MAX];
    const char *text;
    int rc = read_u64_file(r, dir, "cpuacct.usage", &cpu.usage_ns);

    if (rc == -ENOENT) {
        /* v2: cpu.stat in microseconds. */
        guint64 usage, user, sys;
        if (snprintf(path, sizeof(path), "%s/cpu.stat", dir) >= (int)sizeof(path))
            return -ENAMETOOLONG;
        ssize_t n = mv_stats_reader_read(r, path, &text);
        if (n < 0)
            return (int)n;
        if ((rc = mv_cgroup_parse_keyed(text, "usage_usec", &usage)) < 0 ||
            (rc = mv_cgroup_parse_keyed(text, "user_usec", &user)) < 0 ||
            (rc = mv_cgroup_parse_keyed(text, "system_usec", &sys)) < 0)
            return rc;
        cpu.usage_ns = usage * 1000;
        cpu.user_ns = user * 1000;
        cpu.system_ns = sys * 1000;
        *ret_cpu = cpu;
        return 0;
    }
    if (rc < 0)
        return rc;
    /* usage_user/_sys are in ns (kernel 4.11 on); cpuacct.stat counts USER_HZ ticks. */
    if (read_u64_file(r, dir, "cpuacct.usage_user", &cpu.user_ns) < 0 ||
        read_u64_file(r, dir, "cpuacct.usage_sys", &cpu.system_ns) < 0) {
        guint64 user, sys;
        if (snprintf(path, sizeof(path), "%s/cpuacct.stat", dir) >= (int)sizeof(path))
            return -ENAMETOOLONG;
        ssize_t n = mv_stats_reader_read(r, path, &text);
        if (n < 0)
            return (int)n;
        if ((rc = mv_cgroup_parse_keyed(text, "user", &user)) < 0 ||
            (rc = mv_cgroup_parse_keyed(text, "system", &sys)) < 0)
            return rc;
        long hz = sysconf(_SC_CLK_TCK);
        guint64 tick = G_GUINT64_CONSTANT(1000000000) / (guint64)(hz > 0 ? hz : 100);
        cpu.user_ns = user * tick;
        cpu.system_ns = sys * tick;
    }
    *ret_cpu = cpu;
    return 0;
}

int
mv_stats_read_cgroup_cpu(const char *dir, MvStatsCgroupCpu *ret_cpu)
{
    g_autoptr(MvStatsReader) r = mv_stats_reader_new();
    return read_cgroup_cpu(r, dir, ret_cpu);
}

int
mv_stats_reader_cgroup_cpu(MvStatsReader *r, const char *dir, MvStatsCgroupCpu *ret_cpu)
{
    return read_cgroup_cpu(r, dir, ret_cpu);
}

int
mv_stats_read_cgroup_percpu(const char *dir, guint64 **ret_ns, size_t *ret_n)
{
    g_autofree char *path = g_build_filename(dir, "cpuacct.usage_percpu", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return access(dir, F_OK) == 0 ? -ENOTSUP : -ENOENT;
    return mv_stats_parse_u64_list(text, ret_ns, ret_n);
}

int
mv_stats_read_thread(MvStatsReader *r, pid_t pid, pid_t tid, MvStatsThread *ret_thread)
{
    MvStatsThread t = { .tid = tid };
    char path[64];
    const char *text;
    ssize_t n;
    int rc;

    *ret_thread = t;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    if ((n = mv_stats_reader_read(r, path, &text)) < 0)
        return n == -ENOENT ? -ESRCH : (int)n;
    MvSchedstat ss;
    if ((rc = mv_stats_parse_schedstat(text, &ss)) < 0)
        return rc;
    t.run_ns = ss.run_ns;
    t.delay_ns = ss.delay_ns;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if ((n = mv_stats_reader_read(r, path, &text)) < 0)
        return n == -ENOENT ? -ESRCH : (int)n;
    MvTaskStat st;
    if ((rc = mv_stats_parse_task_stat(text, &st)) < 0)
        return rc;
    t.state = st.state;
    t.processor = st.processor;
    t.utime_ticks = st.utime_ticks;
    t.stime_ticks = st.stime_ticks;

    if (r->has_wait_sum) {
        snprintf(path, sizeof(path), "/proc/%d/task/%d/sched", (int)pid, (int)tid);
        if ((n = mv_stats_reader_read(r, path, &text)) < 0)
            return n == -ENOENT ? -ESRCH : (int)n;
        t.has_wait_sum = mv_stats_parse_sched_wait_sum(text, &t.wait_sum_ns) == 0;
    }
    /* A thread that exited but is not yet reaped reads as a zombie: it runs no vCPU. */
    t.present = t.state != 'Z' && t.state != 'X';
    *ret_thread = t;
    return 0;
}

int
mv_stats_vcpu_state(const MvStatsThread *t)
{
    if (!t->present)
        return 0;   /* VIR_VCPU_OFFLINE */
    return t->state == 'R' ? 1 /* VIR_VCPU_RUNNING */ : 2 /* VIR_VCPU_BLOCKED */;
}
