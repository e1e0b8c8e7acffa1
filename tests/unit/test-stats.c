// SPDX-License-Identifier: LGPL-2.1-or-later
// The stats layer: /proc parsers on files captured from a kernel without scheduler statistics
// (this machine's) and written in the layout of kernels with them (tests/data/stats/README),
// cgroup CPU accounting in v1 and v2 layouts, the sampler's two-sample window and rates on
// this very process, and the stats record encoding against golden bytes
// (MV_REGENERATE=1 rewrites them).

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "qemu-stats-priv.h"
#include "stats/stats-params.h"
#include "stats/stats-proc.h"
#include "stats/stats-sampler.h"
#include "util/util-cgroup.h"

static char *
load(const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "stats", name, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;
    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

/* ---- parsers ---- */

static void
test_schedstat(void)
{
    g_autofree char *text = load("nosched-6.18.schedstat");
    MvSchedstat st;
    g_assert_cmpint(mv_stats_parse_schedstat(text, &st), ==, 0);
    g_assert_cmpuint(st.run_ns, ==, 94455291);
    g_assert_cmpuint(st.delay_ns, ==, 16571262);
    g_assert_cmpuint(st.slices, ==, 112);

    g_autofree char *on = load("schedstats-6.1.schedstat");
    g_assert_cmpint(mv_stats_parse_schedstat(on, &st), ==, 0);
    g_assert_cmpuint(st.run_ns, ==, G_GUINT64_CONSTANT(71234567891));

    g_assert_cmpint(mv_stats_parse_schedstat("", &st), ==, -EINVAL);
    g_assert_cmpint(mv_stats_parse_schedstat("12 34\n", &st), ==, -EINVAL);
    g_assert_cmpint(mv_stats_parse_schedstat("x 1 2\n", &st), ==, -EINVAL);
    g_assert_cmpint(mv_stats_parse_schedstat("99999999999999999999999 1 2\n", &st), ==, -EINVAL);
}

static void
test_task_stat(void)
{
    g_autofree char *text = load("nosched-6.18.stat");
    MvTaskStat st;
    g_assert_cmpint(mv_stats_parse_task_stat(text, &st), ==, 0);
    g_assert_cmpint(st.state, ==, 'S');
    g_assert_cmpuint(st.utime_ticks, ==, 8);
    g_assert_cmpuint(st.stime_ticks, ==, 0);
    g_assert_cmpuint(st.rss_pages, ==, 11783);
    g_assert_cmpint(st.processor, ==, 0);

    g_autofree char *stopped = load("nosched-6.18-stopped.stat");
    g_assert_cmpint(mv_stats_parse_task_stat(stopped, &st), ==, 0);
    g_assert_cmpint(st.state, ==, 'T');

    /* comm is the process's choice: spaces and ')' included. */
    g_autofree char *odd = g_strdup_printf("42 (a) b) c) R %s", strchr(strrchr(text, ')'), ' ') + 3);
    g_assert_cmpint(mv_stats_parse_task_stat(odd, &st), ==, 0);
    g_assert_cmpint(st.state, ==, 'R');
    g_assert_cmpuint(st.utime_ticks, ==, 8);

    g_assert_cmpint(mv_stats_parse_task_stat("42 (x) S 1 2 3\n", &st), ==, -EINVAL);
    g_assert_cmpint(mv_stats_parse_task_stat("garbage", &st), ==, -EINVAL);
}

static void
test_sched_wait_sum(void)
{
    guint64 ns = 1;
    /* SCHEDSTATS off (this machine): the file exists, without wait_sum. */
    g_autofree char *off = load("nosched-6.18.sched");
    g_assert_cmpint(mv_stats_parse_sched_wait_sum(off, &ns), ==, -ENOENT);
    /* Before 5.16: se.statistics.wait_sum, in ms with six decimals. */
    g_autofree char *old = load("schedstats-5.10.sched");
    g_assert_cmpint(mv_stats_parse_sched_wait_sum(old, &ns), ==, 0);
    g_assert_cmpuint(ns, ==, G_GUINT64_CONSTANT(4321987654));
    /* 5.16 on: the bare name (and iowait_sum must not be taken for it). */
    g_autofree char *cur = load("schedstats-6.1.sched");
    g_assert_cmpint(mv_stats_parse_sched_wait_sum(cur, &ns), ==, 0);
    g_assert_cmpuint(ns, ==, G_GUINT64_CONSTANT(987654321));
    /* The se.wait_sum spelling, and fewer decimals. */
    g_assert_cmpint(mv_stats_parse_sched_wait_sum("se.wait_sum    :   12.5\n", &ns), ==, 0);
    g_assert_cmpuint(ns, ==, 12500000);
    g_assert_cmpint(mv_stats_parse_sched_wait_sum("wait_sum : x\n", &ns), ==, -EINVAL);
    g_assert_cmpint(mv_stats_parse_sched_wait_sum("wait_start : 1.0\nwait_max : 2.0\n", &ns), ==, -ENOENT);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;
    g_file_set_contents(path, text, -1, &err);
    g_assert_no_error(err);
}

static void
test_cgroup_cpu(void)
{
    g_autofree char *dir = g_dir_make_tmp("mv-test-stats-XXXXXX", NULL);
    g_assert_nonnull(dir);
    MvStatsCgroupCpu cpu;
    long hz = sysconf(_SC_CLK_TCK);

    /* v1 with only cpuacct.stat for the split (ticks). */
    write_file(dir, "cpuacct.usage", "1234567890\n");
    write_file(dir, "cpuacct.stat", "user 100\nsystem 20\n");
    g_assert_cmpint(mv_stats_read_cgroup_cpu(dir, &cpu), ==, 0);
    g_assert_cmpuint(cpu.usage_ns, ==, 1234567890);
    g_assert_cmpuint(cpu.user_ns, ==, 100 * (1000000000 / hz));
    g_assert_cmpuint(cpu.system_ns, ==, 20 * (1000000000 / hz));

    /* v1 with usage_user/_sys in ns. */
    write_file(dir, "cpuacct.usage_user", "1000000001\n");
    write_file(dir, "cpuacct.usage_sys", "234567889\n");
    g_assert_cmpint(mv_stats_read_cgroup_cpu(dir, &cpu), ==, 0);
    g_assert_cmpuint(cpu.user_ns, ==, 1000000001);
    g_assert_cmpuint(cpu.system_ns, ==, 234567889);

    write_file(dir, "cpuacct.usage_percpu", "958349866639 1051925778259 \n");
    g_autofree guint64 *percpu = NULL;
    size_t n = 0;
    g_assert_cmpint(mv_stats_read_cgroup_percpu(dir, &percpu, &n), ==, 0);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpuint(percpu[1], ==, G_GUINT64_CONSTANT(1051925778259));

    /* v2: cpu.stat in microseconds; no per-CPU accounting. */
    g_autofree char *dir2 = g_dir_make_tmp("mv-test-stats-XXXXXX", NULL);
    g_autofree char *v2 = load("../cgroup/v2-cpu.stat");
    write_file(dir2, "cpu.stat", v2);
    g_assert_cmpint(mv_stats_read_cgroup_cpu(dir2, &cpu), ==, 0);
    guint64 usage;
    g_assert_cmpint(mv_cgroup_parse_keyed(v2, "usage_usec", &usage), ==, 0);
    g_assert_cmpuint(cpu.usage_ns, ==, usage * 1000);
    g_clear_pointer(&percpu, g_free);
    g_assert_cmpint(mv_stats_read_cgroup_percpu(dir2, &percpu, &n), ==, -ENOTSUP);

    g_autofree char *none = g_build_filename(dir, "missing", NULL);
    g_assert_cmpint(mv_stats_read_cgroup_cpu(none, &cpu), ==, -ENOENT);

    g_autofree char *cmd = g_strdup_printf("rm -rf '%s' '%s'", dir, dir2);
    g_assert_cmpint(system(cmd), ==, 0);
    g_assert_cmpint(mv_stats_parse_u64_list("1 2 x", &percpu, &n), ==, -EINVAL);
}

/* ---- reading a live thread: this process ---- */

static pid_t
gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static gint64
thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Use @ms of CPU time (not wall time: the machine may be busy). */
static void
burn_ms(int ms)
{
    gint64 end = thread_cpu_ns() + (gint64)ms * 1000000;
    volatile guint64 x = 0;
    while (thread_cpu_ns() < end)
        x++;
}

static void
test_read_thread(void)
{
    g_autoptr(MvStatsReader) r = mv_stats_reader_new();
    MvStatsThread t;
    g_assert_cmpint(mv_stats_read_thread(r, getpid(), gettid_(), &t), ==, 0);
    g_assert_true(t.present);
    g_assert_cmpint(t.state, ==, 'R');   /* it is reading its own stat */
    g_assert_cmpint(mv_stats_vcpu_state(&t), ==, 1);
    guint64 before = t.run_ns;
    burn_ms(30);
    g_assert_cmpint(mv_stats_read_thread(r, getpid(), gettid_(), &t), ==, 0);
    /* ns resolution: 30 ms of work is counted as such, not as whole 10 ms ticks. */
    g_assert_cmpuint(t.run_ns - before, >=, 25000000);
    g_assert_cmpuint(t.run_ns % 10000000, !=, 0);
    g_assert_cmpint(t.has_wait_sum, ==, mv_stats_reader_has_wait_sum(r));

    g_assert_cmpint(mv_stats_read_thread(r, getpid(), 999999999, &t), ==, -ESRCH);
    g_assert_false(t.present);
    g_assert_cmpint(mv_stats_vcpu_state(&t), ==, 0);
}

static gpointer
short_thread(gpointer data)
{
    pid_t *tid = data;
    *tid = gettid_();
    burn_ms(5);
    return NULL;
}

static void
test_kept_files(void)
{
    g_autoptr(MvStatsReader) r = mv_stats_reader_new();
    g_autoptr(MvStatsFiles) files = mv_stats_files_new();
    mv_stats_reader_use_files(r, files);

    /* A kept descriptor gives fresh figures on every read. */
    MvStatsThread a, b;
    g_assert_cmpint(mv_stats_read_thread(r, getpid(), gettid_(), &a), ==, 0);
    unsigned kept = mv_stats_files_count(files);
    g_assert_cmpuint(kept, >=, 2);
    burn_ms(20);
    g_assert_cmpint(mv_stats_read_thread(r, getpid(), gettid_(), &b), ==, 0);
    g_assert_cmpuint(mv_stats_files_count(files), ==, kept);
    g_assert_cmpuint(b.run_ns - a.run_ns, >=, 15000000);

    /* A thread that exited reads as gone through its kept descriptor, never as whatever
     * thread gets its id next. */
    pid_t tid = 0;
    GThread *th = g_thread_new("short", short_thread, &tid);
    while (!g_atomic_int_get(&tid))
        g_usleep(100);
    MvStatsThread t;
    int rc = mv_stats_read_thread(r, getpid(), tid, &t);
    g_assert_true(rc == 0 || rc == -ESRCH);
    g_thread_join(th);
    g_assert_cmpint(mv_stats_read_thread(r, getpid(), tid, &t), ==, -ESRCH);
    g_assert_false(t.present);
    mv_stats_reader_use_files(r, NULL);
}

static void
test_sample_and_rates(void)
{
    pid_t tids[2] = { gettid_(), 0 };
    guint64 start = 0;
    g_autoptr(MvStatsTarget) t = mv_stats_target_new("u-1", getpid(), start, tids, 2, NULL);
    g_autoptr(MvStatsSampler) s = mv_stats_sampler_new(40, NULL, NULL, NULL);

    g_autoptr(MvStatsSample) a = mv_stats_sampler_refresh(s, t, MV_STATS_READ_ALL);
    g_assert_nonnull(a);
    g_assert_cmpuint(a->nvcpus, ==, 2);
    g_assert_true(a->vcpus[0].present);
    g_assert_cmpint(a->vcpus[1].tid, ==, 0);   /* offline vCPU */
    g_assert_false(a->has_cgroup);
    g_assert_cmpuint(mv_stats_sample_cpu_ns(a), ==, a->proc_cpu_ns);

    /* A second read soon after replaces the newest; the pair waits for half an interval. */
    g_autoptr(MvStatsSample) b = mv_stats_sampler_refresh(s, t, MV_STATS_READ_ALL);
    MvStatsSample *cur = NULL, *prev = NULL;
    g_assert_true(mv_stats_sampler_get(s, "u-1", &cur, &prev));
    g_assert_true(cur == b);
    g_assert_null(prev);
    mv_stats_sample_unref(cur);

    gint64 cpu0 = thread_cpu_ns(), wall0 = g_get_monotonic_time();
    burn_ms(40);
    while (g_get_monotonic_time() - b->mono_us < 25000)
        burn_ms(1);
    gint64 cpu1 = thread_cpu_ns(), wall1 = g_get_monotonic_time();
    g_autoptr(MvStatsSample) c = mv_stats_sampler_refresh(s, t, MV_STATS_READ_ALL);
    g_assert_true(mv_stats_sampler_get(s, "u-1", &cur, &prev));
    g_assert_true(cur == c);
    g_assert_true(prev == b);
    double run, wait, cpu;
    g_assert_true(mv_stats_rate_vcpu(prev, cur, 0, &run, &wait));
    /* This thread burned the CPU for the whole window, less whatever others took: the rate
     * is what its own CPU clock says about the same stretch. */
    double expect = 100.0 * (double)(cpu1 - cpu0) / ((double)(wall1 - wall0) * 1000.0);
    g_test_message("vCPU run rate %.1f%%, thread CPU clock says %.1f%%", run, expect);
    g_assert_cmpfloat(run, >, expect - 20.0);
    g_assert_cmpfloat(run, <, MIN(expect + 20.0, 105.0));
    g_assert_cmpfloat(wait, >=, 0.0);
    g_assert_false(mv_stats_rate_vcpu(prev, cur, 1, &run, &wait));   /* offline */
    g_assert_true(mv_stats_rate_cpu(prev, cur, &cpu));
    mv_stats_sample_unref(cur);
    mv_stats_sample_unref(prev);

    /* Another run of the domain (other start time) starts a new series. */
    t->start_time = 1;
    g_autoptr(MvStatsSample) d = mv_stats_sampler_refresh(s, t, MV_STATS_READ_ALL);
    g_assert_true(mv_stats_sampler_get(s, "u-1", &cur, &prev));
    g_assert_null(prev);
    g_assert_false(mv_stats_rate_cpu(c, d, &cpu));
    mv_stats_sample_unref(cur);

    mv_stats_sampler_forget(s, "u-1");
    g_assert_false(mv_stats_sampler_get(s, "u-1", NULL, NULL));

    /* A process that is gone has no sample. */
    t->pid = 999999999;
    int err = 0;
    g_assert_null(mv_stats_sample_read(mv_stats_thread_reader(), t, MV_STATS_READ_ALL, &err));
    g_assert_cmpint(err, ==, -ESRCH);
}

typedef struct {
    GMutex lock;
    GCond cond;
    unsigned rounds;
    unsigned samples;
} RoundSeen;

static GPtrArray *
enumerate_self(void *opaque)
{
    GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)mv_stats_target_free);
    pid_t tid = getpid();
    g_ptr_array_add(a, mv_stats_target_new("self", getpid(), 0, &tid, 1, NULL));
    return a;
}

static void
round_seen(GPtrArray *targets, GPtrArray *samples, void *opaque)
{
    RoundSeen *rs = opaque;
    g_mutex_lock(&rs->lock);
    rs->rounds++;
    rs->samples += samples->pdata[0] != NULL;
    g_cond_signal(&rs->cond);
    g_mutex_unlock(&rs->lock);
}

static void
test_sampler_thread(void)
{
    RoundSeen rs = { 0 };
    g_mutex_init(&rs.lock);
    g_cond_init(&rs.cond);
    MvStatsSampler *s = mv_stats_sampler_new(20, enumerate_self, round_seen, &rs);
    mv_stats_sampler_start(s);
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    g_mutex_lock(&rs.lock);
    while (rs.rounds < 3 && g_cond_wait_until(&rs.cond, &rs.lock, deadline))
        ;
    g_assert_cmpuint(rs.rounds, >=, 3);
    g_assert_cmpuint(rs.samples, ==, rs.rounds);
    g_mutex_unlock(&rs.lock);
    MvStatsSample *cur = NULL, *prev = NULL;
    g_assert_true(mv_stats_sampler_get(s, "self", &cur, &prev));
    g_assert_nonnull(prev);
    g_assert_cmpint(cur->mono_us - prev->mono_us, >=, 10000);
    mv_stats_sample_unref(cur);
    mv_stats_sample_unref(prev);
    mv_stats_sampler_free(s);
    /* Free right after start must not hang (the quit may come before the loop runs). */
    s = mv_stats_sampler_new(1000, enumerate_self, NULL, NULL);
    mv_stats_sampler_start(s);
    mv_stats_sampler_free(s);
    g_mutex_clear(&rs.lock);
    g_cond_clear(&rs.cond);
}

/* ---- QEMU's answers ---- */

static void
test_qmp_parsers(void)
{
    g_autoptr(GArray) b = qemu_stats_parse_blockstats(
        "[{\"device\": \"\", \"node-name\": \"libvirt-1-format\", \"qdev\": "
        "\"/machine/peripheral/virtio-disk0/virtio-backend\", \"stats\": {\"rd_bytes\": 512, "
        "\"wr_bytes\": 4096, \"rd_operations\": 1, \"wr_operations\": 2, \"flush_operations\": 3, "
        "\"rd_total_time_ns\": 188304, \"wr_total_time_ns\": 5, \"flush_total_time_ns\": 6}}, "
        "{\"device\": \"x\"}]");
    g_assert_cmpuint(b->len, ==, 1);
    const QemuStatsBlock *e = &g_array_index(b, QemuStatsBlock, 0);
    g_assert_cmpint(e->rd_bytes, ==, 512);
    g_assert_cmpint(e->fl_ns, ==, 6);
    QemuStatsDisk d = { .target = "vda", .alias = "virtio-disk0", .node_index = 1 };
    g_assert_true(qemu_stats_find_block(b, &d) == e);
    d.node_index = 2;
    g_assert_true(qemu_stats_find_block(b, &d) == e);   /* by QOM path */
    d.alias = "virtio-disk1";
    g_assert_null(qemu_stats_find_block(b, &d));

    guint64 vals[QEMU_MEMSTAT_NR];
    bool set[QEMU_MEMSTAT_NR];
    g_assert_false(qemu_stats_parse_guest_stats("{\"stats\": {\"stat-free-memory\": -1}, \"last-update\": 0}",
                                                vals, set));
    g_assert_true(qemu_stats_parse_guest_stats(
        "{\"stats\": {\"stat-free-memory\": 1048576, \"stat-major-faults\": 7, \"stat-swap-in\": -1}, "
        "\"last-update\": 1700000000}", vals, set));
    g_assert_true(set[QEMU_MEMSTAT_UNUSED]);
    g_assert_cmpuint(vals[QEMU_MEMSTAT_UNUSED], ==, 1024);
    g_assert_cmpuint(vals[QEMU_MEMSTAT_MAJOR_FAULT], ==, 7);
    g_assert_false(set[QEMU_MEMSTAT_SWAP_IN]);
    g_assert_cmpuint(vals[QEMU_MEMSTAT_LAST_UPDATE], ==, 1700000000);
}

/* ---- golden record bytes ---- */

static bool
regenerate(void)
{
    return g_getenv("MV_REGENERATE") || g_getenv("MODVIRT_TEST_REGENERATE");
}

/* Hex of an XDR body, one word a line, each field named: an independent walk of the layout
 * (count, {dom name, uuid, id, params {field, type, value}}...). */
static char *
annotate(const guint8 *p, size_t len, const char *title)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "# %s\n# one XDR word a line; MV_REGENERATE=1 rewrites this file\n", title);
    size_t off = 0;
#define WORD(comment)                                                                               \
    do {                                                                                            \
        g_assert_cmpuint(off + 4, <=, len);                                                         \
        g_string_append_printf(out, "%02x%02x%02x%02x", p[off], p[off + 1], p[off + 2], p[off + 3]); \
        if (*(comment))                                                                             \
            g_string_append_printf(out, "  # %s", (comment));                                      \
        g_string_append_c(out, '\n');                                                               \
        off += 4;                                                                                   \
    } while (0)
#define U32() ((guint32)p[off] << 24 | (guint32)p[off + 1] << 16 | (guint32)p[off + 2] << 8 | p[off + 3])
    guint32 nrec = U32();
    WORD("retStats count");
    for (guint32 r = 0; r < nrec; r++) {
        guint32 n = U32();
        g_autofree char *name = g_strndup((const char *)p + off + 4, n);
        g_autofree char *c = g_strdup_printf("dom.name length (\"%s\")", name);
        WORD(c);
        for (guint32 k = 0; k < (n + 3) / 4; k++)
            WORD("");
        WORD("dom.uuid");
        WORD("");
        WORD("");
        WORD("");
        WORD("dom.id");
        guint32 np = U32();
        WORD("params count");
        for (guint32 i = 0; i < np; i++) {
            guint32 fl = U32();
            g_autofree char *field = g_strndup((const char *)p + off + 4, fl);
            WORD(field);
            for (guint32 k = 0; k < (fl + 3) / 4; k++)
                WORD("");
            guint32 type = U32();
            WORD(type == MV_TP_INT ? "int" : type == MV_TP_UINT ? "uint" : type == MV_TP_ULLONG ? "ullong"
                 : type == MV_TP_LLONG ? "llong" : type == MV_TP_STRING ? "string" : "other");
            if (type == MV_TP_ULLONG || type == MV_TP_LLONG || type == MV_TP_DOUBLE) {
                WORD("");
                WORD("");
            } else if (type == MV_TP_STRING) {
                guint32 sl = U32();
                WORD("");
                for (guint32 k = 0; k < (sl + 3) / 4; k++)
                    WORD("");
            } else {
                WORD("");
            }
        }
    }
#undef WORD
#undef U32
    g_assert_cmpuint(off, ==, len);
    return g_string_free(out, FALSE);
}

static GByteArray *
parse_hex(const char *text)
{
    GByteArray *b = g_byte_array_new();
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *hash = strchr(*l, '#');
        if (hash)
            *hash = '\0';
        int nib = -1;
        for (char *c = *l; *c; c++) {
            if (g_ascii_isspace(*c))
                continue;
            int v = g_ascii_xdigit_value(*c);
            g_assert_cmpint(v, >=, 0);
            if (nib < 0) {
                nib = v;
            } else {
                guint8 byte = (guint8)(nib << 4 | v);
                g_byte_array_append(b, &byte, 1);
                nib = -1;
            }
        }
        g_assert_cmpint(nib, <, 0);
    }
    return b;
}

static void
check_golden(const char *name, const char *title, remote_connect_get_all_domain_stats_ret *ret)
{
    guint8 buf[65536];
    XDR xdr;
    xdrmem_create(&xdr, (char *)buf, sizeof(buf), XDR_ENCODE);
    g_assert_true(xdr_remote_connect_get_all_domain_stats_ret(&xdr, ret));
    size_t len = xdr_getpos(&xdr);
    xdr_destroy(&xdr);

    g_autofree char *file = g_strconcat(name, ".hex", NULL);
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "stats", file, NULL);
    if (regenerate()) {
        g_autofree char *text = annotate(buf, len, title);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
    }
    g_autofree char *text = load(file);
    g_autoptr(GByteArray) want = parse_hex(text);
    if (want->len != len || memcmp(want->data, buf, len) != 0) {
        g_autofree char *got = annotate(buf, len, title);
        g_test_message("%s differs; got:\n%s", path, got);
        g_test_fail();
    }

    /* And it decodes back to the same record. */
    remote_connect_get_all_domain_stats_ret back = { 0 };
    xdrmem_create(&xdr, (char *)buf, (u_int)len, XDR_DECODE);
    g_assert_true(xdr_remote_connect_get_all_domain_stats_ret(&xdr, &back));
    xdr_destroy(&xdr);
    g_assert_cmpuint(back.retStats.retStats_len, ==, ret->retStats.retStats_len);
    remote_domain_stats_record *a = &back.retStats.retStats_val[0], *b = &ret->retStats.retStats_val[0];
    g_assert_cmpuint(a->params.params_len, ==, b->params.params_len);
    for (u_int i = 0; i < a->params.params_len; i++)
        g_assert_cmpstr(a->params.params_val[i].field, ==, b->params.params_val[i].field);
    xdr_free((xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, (char *)&back);
}

/* A fixed sample: two vCPUs, the second waited; no scheduler statistics. */
static MvStatsSample *
fixed_sample(bool wait_sum)
{
    MvStatsSample *s = mv_stats_sample_new(3);
    s->pid = 4321;
    s->proc_state = 'S';
    s->rss_pages = 12000;
    s->has_cgroup = true;
    s->cgroup.usage_ns = G_GUINT64_CONSTANT(7123456789);
    s->cgroup.user_ns = G_GUINT64_CONSTANT(5000000000);
    s->cgroup.system_ns = G_GUINT64_CONSTANT(1230000000);
    s->has_wait_sum = wait_sum;
    MvStatsThread v0 = { .tid = 4330, .present = true, .state = 'R', .processor = 1, .run_ns = 3123456789,
                         .delay_ns = 16571262, .wait_sum_ns = 16000001, .has_wait_sum = wait_sum };
    MvStatsThread v1 = { .tid = 4331, .present = true, .state = 'S', .processor = 0, .run_ns = 94455291,
                         .delay_ns = 987654321, .wait_sum_ns = 987000000, .has_wait_sum = wait_sum };
    s->vcpus[0] = v0;
    s->vcpus[1] = v1;
    s->vcpus[2].tid = 0;   /* hot-unpluggable vCPU 2, offline */
    return s;
}

static void
fill_dom(remote_nonnull_domain *dom, const char *name, int id)
{
    static const guint8 uuid[16] = { 0x6d, 0x76, 0xd0, 0xc5, 0x4e, 0x12, 0x8a, 0x2b,
                                     0xb3, 0xc1, 0x05, 0xa7, 0xe2, 0xd4, 0xf0, 0x09 };
    dom->name = g_strdup(name);
    memcpy(dom->uuid, uuid, 16);
    dom->id = id;
}

static void
test_golden_vcpu(void)
{
    for (int ws = 0; ws < 2; ws++) {
        g_autoptr(MvStatsSample) s = fixed_sample(ws);
        g_autoptr(MvStatsParams) p = mv_stats_params_new();
        mv_stats_params_state(p, 1, 1);
        mv_stats_params_cpu_total(p, s);
        mv_stats_params_vcpu(p, 2, 3, true, s);
        /* What libvirt names and types (protocol-facts §5). */
        const remote_typed_param *tp = mv_stats_params_get(p);
        g_assert_cmpstr(tp[0].field, ==, "state.state");
        g_assert_cmpint(tp[0].value.type, ==, MV_TP_INT);
        g_assert_cmpstr(tp[2].field, ==, "cpu.time");
        g_assert_cmpint(tp[2].value.type, ==, MV_TP_ULLONG);
        g_assert_cmpstr(tp[5].field, ==, "vcpu.current");
        g_assert_cmpint(tp[5].value.type, ==, MV_TP_UINT);
        g_assert_cmpstr(tp[7].field, ==, "vcpu.0.state");
        g_assert_cmpint(tp[7].value.remote_typed_param_value_u.i, ==, 1);
        g_assert_cmpstr(tp[9].field, ==, "vcpu.0.wait");
        g_assert_cmpuint(tp[9].value.remote_typed_param_value_u.ul, ==, ws ? 16000001 : 16571262);
        g_assert_cmpstr(tp[10].field, ==, "vcpu.0.delay");
        g_assert_cmpuint(tp[10].value.remote_typed_param_value_u.ul, ==, 16571262);
        g_assert_cmpuint(mv_stats_params_len(p), ==, 15);   /* vCPU 2 is offline: not listed */

        remote_connect_get_all_domain_stats_ret ret = { 0 };
        ret.retStats.retStats_len = 1;
        ret.retStats.retStats_val = g_new0(remote_domain_stats_record, 1);
        fill_dom(&ret.retStats.retStats_val[0].dom, "vm1", 3);
        mv_stats_params_steal(p, &ret.retStats.retStats_val[0].params.params_len,
                              &ret.retStats.retStats_val[0].params.params_val);
        check_golden(ws ? "record-vcpu-schedstats" : "record-vcpu",
                     ws ? "GET_ALL_DOMAIN_STATS(STATE|CPU_TOTAL|VCPU) reply, kernel with wait_sum"
                        : "GET_ALL_DOMAIN_STATS(STATE|CPU_TOTAL|VCPU) reply, kernel without schedstats",
                     &ret);
        xdr_free((xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, (char *)&ret);
    }
}

static void
test_golden_all_groups(void)
{
    /* A running guest with a disk the gatherer has not answered for yet and a user-mode NIC,
     * and a shut-off one. */
    g_autoptr(MvStatsSample) s = fixed_sample(false);
    QemuStatsSnap run = { .state = 1, .reason = 1, .active = true, .vcpus_max = 3, .vcpus_cur = 2,
                          .mem_max_kib = 131072, .mem_cur_kib = 131072, .balloon_virtio = true };
    run.nets = g_ptr_array_new();
    QemuStatsNet net = { .ifname = NULL, .type = MV_DOMAIN_NET_USER };
    g_ptr_array_add(run.nets, &net);
    run.disks = g_ptr_array_new();
    QemuStatsDisk cd = { .target = "sda", .src = NULL, .alias = "sata0-0-0", .node_index = 1 };
    g_ptr_array_add(run.disks, &cd);
    QemuStatsSnap off = { .state = 5, .reason = 2, .active = false, .vcpus_max = 1, .vcpus_cur = 1,
                          .mem_max_kib = 65536, .mem_cur_kib = 32768 };
    off.nets = g_ptr_array_new();
    off.disks = g_ptr_array_new();

    remote_connect_get_all_domain_stats_ret ret = { 0 };
    ret.retStats.retStats_len = 2;
    ret.retStats.retStats_val = g_new0(remote_domain_stats_record, 2);
    g_autoptr(MvStatsParams) p = mv_stats_params_new();
    unsigned all = MV_STATS_STATE | MV_STATS_CPU_TOTAL | MV_STATS_BALLOON | MV_STATS_VCPU | MV_STATS_INTERFACE |
                   MV_STATS_BLOCK;
    qemu_stats_build_record(NULL, &run, all, s, p);
    fill_dom(&ret.retStats.retStats_val[0].dom, "running", 7);
    mv_stats_params_steal(p, &ret.retStats.retStats_val[0].params.params_len,
                          &ret.retStats.retStats_val[0].params.params_val);
    qemu_stats_build_record(NULL, &off, all, NULL, p);
    fill_dom(&ret.retStats.retStats_val[1].dom, "stopped", -1);
    mv_stats_params_steal(p, &ret.retStats.retStats_val[1].params.params_len,
                          &ret.retStats.retStats_val[1].params.params_val);
    check_golden("record-all", "GET_ALL_DOMAIN_STATS(all groups) reply: a running and a shut-off guest", &ret);
    xdr_free((xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, (char *)&ret);
    g_ptr_array_unref(run.nets);
    g_ptr_array_unref(run.disks);
    g_ptr_array_unref(off.nets);
    g_ptr_array_unref(off.disks);
}

static void
test_disk_sizes(void)
{
    g_autofree char *dir = g_dir_make_tmp("mv-test-stats-XXXXXX", NULL);
    g_autofree char *raw = g_build_filename(dir, "a.raw", NULL);
    g_autofree char *q = g_build_filename(dir, "b.qcow2", NULL);
    g_assert_true(g_file_set_contents(raw, "0123456789", 10, NULL));
    /* A qcow2 header: magic, version 3, ..., virtual size 1 GiB at offset 24. */
    guint8 hdr[32] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    hdr[24 + 4] = 0x40;
    g_assert_true(g_file_set_contents(q, (const char *)hdr, sizeof(hdr), NULL));
    gint64 alloc, cap, phys;
    QemuStatsDisk d = { .src = raw };
    qemu_stats_disk_sizes(&d, &alloc, &cap, &phys);
    g_assert_cmpint(cap, ==, 10);
    g_assert_cmpint(phys, ==, 10);
    g_assert_cmpint(alloc, >=, 0);
    d.src = q;
    d.qcow2 = true;
    qemu_stats_disk_sizes(&d, &alloc, &cap, &phys);
    g_assert_cmpint(cap, ==, G_GINT64_CONSTANT(1) << 30);
    g_assert_cmpint(phys, ==, 32);
    d.src = NULL;
    qemu_stats_disk_sizes(&d, &alloc, &cap, &phys);
    g_assert_cmpint(cap, ==, -1);
    unlink(raw);
    unlink(q);
    rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/stats/parse/schedstat", test_schedstat);
    g_test_add_func("/stats/parse/task-stat", test_task_stat);
    g_test_add_func("/stats/parse/sched-wait-sum", test_sched_wait_sum);
    g_test_add_func("/stats/cgroup-cpu", test_cgroup_cpu);
    g_test_add_func("/stats/read-thread", test_read_thread);
    g_test_add_func("/stats/kept-files", test_kept_files);
    g_test_add_func("/stats/sampler/window-and-rates", test_sample_and_rates);
    g_test_add_func("/stats/sampler/thread", test_sampler_thread);
    g_test_add_func("/stats/qmp-parsers", test_qmp_parsers);
    g_test_add_func("/stats/disk-sizes", test_disk_sizes);
    g_test_add_func("/stats/golden/vcpu", test_golden_vcpu);
    g_test_add_func("/stats/golden/all-groups", test_golden_all_groups);
    return g_test_run();
}
