// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's statistics: the sampler glue (which guests run, their vCPU threads and
// cgroups), the QMP gatherer (balloon and block figures, asked in the background, kept with
// the time they were asked), and CONNECT_GET_ALL_DOMAIN_STATS.  The per-domain legacy calls
// are in qemu-stats-legacy.c; both answer from the same data.
//
// Rules every stats path follows: the domain object is locked only to copy what the call
// needs (never across a read of /proc, never with a job), and the monitor is never asked
// anything in a call.

#include "qemu-stats.h"
#include "qemu-stats-priv.h"
#include "qemu-runtime.h"
#include "util/util-error.h"
#include "util/util-uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* GET_ALL_DOMAIN_STATS flags (VIR_CONNECT_GET_ALL_DOMAINS_STATS_*). */
#define STATS_FILTER_MASK 0xffu          /* ACTIVE .. OTHER, as LIST_ALL_DOMAINS */
#define STATS_NOWAIT (1u << 29)          /* we never wait anyway */
#define STATS_BACKING (1u << 30)         /* no backing chains here: same records */
#define STATS_ENFORCE (1u << 31)
#define STATS_SUPPORTED (MV_STATS_STATE | MV_STATS_CPU_TOTAL | MV_STATS_BALLOON | MV_STATS_VCPU | \
                         MV_STATS_INTERFACE | MV_STATS_BLOCK)

/* What the gatherer learned from one guest's QEMU. */
typedef struct {
    pid_t pid;                 /* the run it belongs to */
    guint64 start_time;
    bool in_flight;            /* a question is out: do not ask again */
    gint64 asked_us;           /* when the last round of questions started */
    gint64 balloon_us;         /* when the balloon figures were read; 0: never */
    guint64 balloon_kib;
    bool guest_stats;
    guint64 guest_vals[QEMU_MEMSTAT_NR];
    bool guest_set[QEMU_MEMSTAT_NR];
    gint64 block_us;           /* when blockstats were read; 0: never */
    GArray *blocks;            /* QemuStatsBlock */
    unsigned failures;         /* consecutive rounds that got no answer */
} QmpEntry;

struct QemuStats {
    QemuDriver *drv;
    MvStatsSampler *sampler;
    GThreadPool *qmp_pool;
    GMutex lock;               /* guards qmp */
    GHashTable *qmp;           /* uuid string -> QmpEntry* */
};

/* What the round hook hands the gatherer for one guest. */
typedef struct {
    QemuMonitor *mon;          /* a reference of our own */
    char *balloon_path;        /* QOM path of a virtio balloon, or NULL */
    bool has_disks;
} TargetData;

typedef struct {
    QemuStats *st;
    char *key;
    pid_t pid;
    guint64 start_time;
    TargetData *td;
} QmpJob;

static void
target_data_free(TargetData *td)
{
    if (!td)
        return;
    qemu_monitor_unref(td->mon);
    g_free(td->balloon_path);
    g_free(td);
}

static void
block_clear(QemuStatsBlock *b)
{
    g_free(b->node);
    g_free(b->qdev);
    g_free(b->device);
}

static GArray *
blocks_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(QemuStatsBlock));
    g_array_set_clear_func(a, (GDestroyNotify)block_clear);
    return a;
}

static void
qmp_entry_free(QmpEntry *e)
{
    if (e->blocks)
        g_array_unref(e->blocks);
    g_free(e);
}

/* ---- targets: what to sample of a running guest ---- */

MvStatsTarget *
qemu_stats_target_of(MvDomainObj *obj)
{
    QemuDomainPriv *priv = obj->priv;
    if (!mv_domain_obj_is_active(obj) || !priv || !priv->proc)
        return NULL;
    char key[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(obj->uuid, key);
    size_t ntids = 0;
    const pid_t *tids = qemu_process_vcpu_tids(priv->proc, &ntids);
    MvCgroup *cg = qemu_process_cgroup(priv->proc);
    const char *dir = NULL;
    if (cg) {
        dir = mv_cgroup_path(cg, MV_CGROUP_CPUACCT);
        if (!dir)
            dir = mv_cgroup_path(cg, MV_CGROUP_CPU);
    }
    return mv_stats_target_new(key, qemu_process_pid(priv->proc), qemu_process_start_time(priv->proc), tids,
                               ntids, dir);
}

static GPtrArray *
enumerate_cb(void *opaque)
{
    QemuStats *st = opaque;
    GPtrArray *targets = g_ptr_array_new_with_free_func((GDestroyNotify)mv_stats_target_free);
    /* Only running guests are sampled: do not walk (or sort) thousands of inactive ones. */
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot_active(st->drv->domains);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        MvStatsTarget *t = qemu_stats_target_of(obj);
        if (t) {
            const MvDomainDef *def = obj->def;
            QemuDomainPriv *priv = obj->priv;
            TargetData *td = g_new0(TargetData, 1);
            td->mon = qemu_monitor_ref(qemu_process_monitor(priv->proc));
            if (def->memballoon && def->memballoon->model == MV_DOMAIN_MEMBALLOON_VIRTIO &&
                def->memballoon->info.alias)
                td->balloon_path = g_strdup_printf("/machine/peripheral/%s", def->memballoon->info.alias);
            td->has_disks = def->disks->len > 0;
            t->data = td;
            t->data_free = (GDestroyNotify)target_data_free;
            g_ptr_array_add(targets, t);
        }
        mv_domain_obj_unlock(obj);
    }
    /* Dropping the snapshot may drop monitor references' owners: no lock held here. */
    return targets;
}

/* ---- the QMP gatherer ---- */

static gint64
json_i64(json_object *o, const char *key, gint64 dflt)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return dflt;
    return json_object_get_int64(v);
}

static char *
json_str(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return g_strdup(json_object_get_string(v));
}

static GArray *
parse_blockstats(json_object *arr)
{
    GArray *blocks = blocks_new();
    for (size_t i = 0; json_object_is_type(arr, json_type_array) && i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i), *s = NULL;
        if (!json_object_object_get_ex(e, "stats", &s))
            continue;
        QemuStatsBlock b = {
            .node = json_str(e, "node-name"),
            .qdev = json_str(e, "qdev"),
            .device = json_str(e, "device"),
            .rd_reqs = json_i64(s, "rd_operations", -1),
            .rd_bytes = json_i64(s, "rd_bytes", -1),
            .rd_ns = json_i64(s, "rd_total_time_ns", -1),
            .wr_reqs = json_i64(s, "wr_operations", -1),
            .wr_bytes = json_i64(s, "wr_bytes", -1),
            .wr_ns = json_i64(s, "wr_total_time_ns", -1),
            .fl_reqs = json_i64(s, "flush_operations", -1),
            .fl_ns = json_i64(s, "flush_total_time_ns", -1),
        };
        g_array_append_val(blocks, b);
    }
    return blocks;
}

GArray *
qemu_stats_parse_blockstats(const char *json)
{
    json_object *o = json_tokener_parse(json);
    GArray *blocks = parse_blockstats(o);
    json_object_put(o);
    return blocks;
}

/* QEMU's guest-stats names -> tags; the memory ones are bytes and shown in KiB. */
static const struct {
    const char *name;
    int tag;
    bool bytes;
} guest_stat_names[] = {
    { "stat-swap-in", QEMU_MEMSTAT_SWAP_IN, true },
    { "stat-swap-out", QEMU_MEMSTAT_SWAP_OUT, true },
    { "stat-major-faults", QEMU_MEMSTAT_MAJOR_FAULT, false },
    { "stat-minor-faults", QEMU_MEMSTAT_MINOR_FAULT, false },
    { "stat-free-memory", QEMU_MEMSTAT_UNUSED, true },
    { "stat-total-memory", QEMU_MEMSTAT_AVAILABLE, true },
    { "stat-available-memory", QEMU_MEMSTAT_USABLE, true },
    { "stat-disk-caches", QEMU_MEMSTAT_DISK_CACHES, true },
    { "stat-htlb-pgalloc", QEMU_MEMSTAT_HUGETLB_PGALLOC, false },
    { "stat-htlb-pgfail", QEMU_MEMSTAT_HUGETLB_PGFAIL, false },
};

static bool
parse_guest_stats(json_object *reply, guint64 vals[QEMU_MEMSTAT_NR], bool set[QEMU_MEMSTAT_NR])
{
    memset(set, 0, sizeof(bool) * QEMU_MEMSTAT_NR);
    gint64 last = json_i64(reply, "last-update", 0);
    json_object *stats = NULL;
    if (last <= 0 || !json_object_object_get_ex(reply, "stats", &stats))
        return false;   /* the guest never reported: its driver is not loaded or polling is off */
    for (size_t i = 0; i < G_N_ELEMENTS(guest_stat_names); i++) {
        gint64 v = json_i64(stats, guest_stat_names[i].name, -1);
        if (v < 0)
            continue;   /* -1: the guest does not report this one */
        vals[guest_stat_names[i].tag] = guest_stat_names[i].bytes ? (guint64)v / 1024 : (guint64)v;
        set[guest_stat_names[i].tag] = true;
    }
    vals[QEMU_MEMSTAT_LAST_UPDATE] = (guint64)last;
    set[QEMU_MEMSTAT_LAST_UPDATE] = true;
    return true;
}

bool
qemu_stats_parse_guest_stats(const char *json, guint64 ret_vals[QEMU_MEMSTAT_NR], bool ret_set[QEMU_MEMSTAT_NR])
{
    json_object *o = json_tokener_parse(json);
    bool ok = parse_guest_stats(o, ret_vals, ret_set);
    json_object_put(o);
    return ok;
}

static QmpEntry *
entry_locked(QemuStats *st, const char *key, pid_t pid, guint64 start_time, bool create)
{
    QmpEntry *e = g_hash_table_lookup(st->qmp, key);
    if (e && (e->pid != pid || e->start_time != start_time) && !e->in_flight) {
        g_hash_table_remove(st->qmp, key);   /* a previous run's figures */
        e = NULL;
    }
    if (!e && create) {
        e = g_new0(QmpEntry, 1);
        e->pid = pid;
        e->start_time = start_time;
        g_hash_table_insert(st->qmp, g_strdup(key), e);
    }
    return e;
}

static void
qmp_job(gpointer data, gpointer user_data)
{
    QmpJob *job = data;
    QemuStats *st = job->st;
    TargetData *td = job->td;
    g_autoptr(GError) err = NULL;
    bool answered = true;
    gint64 balloon_us = 0, block_us = 0;
    guint64 balloon_kib = 0;
    guint64 gvals[QEMU_MEMSTAT_NR] = { 0 };
    bool gset[QEMU_MEMSTAT_NR] = { 0 };
    bool gstats = false;
    GArray *blocks = NULL;

    if (td->balloon_path) {
        json_object *reply = NULL;
        if (qemu_monitor_command(td->mon, "query-balloon", NULL, &reply, QEMU_STATS_QMP_TIMEOUT_MS, &err)) {
            balloon_kib = (guint64)json_i64(reply, "actual", 0) / 1024;
            balloon_us = g_get_monotonic_time();
            json_object_put(reply);
            reply = NULL;
            json_object *args = json_object_new_object();
            json_object_object_add(args, "path", json_object_new_string(td->balloon_path));
            json_object_object_add(args, "property", json_object_new_string("guest-stats"));
            if (qemu_monitor_command(td->mon, "qom-get", args, &reply, QEMU_STATS_QMP_TIMEOUT_MS, NULL)) {
                gstats = parse_guest_stats(reply, gvals, gset);
                json_object_put(reply);
            }
            json_object_put(args);
        } else {
            answered = !mv_error_is(err, MV_ERR_OPERATION_TIMEOUT);
        }
    }
    /* One timeout per round is enough: a QEMU that did not answer will not answer the next
     * question either, and this thread is needed for other guests. */
    if (answered && td->has_disks) {
        json_object *reply = NULL;
        g_clear_error(&err);
        if (qemu_monitor_command(td->mon, "query-blockstats", NULL, &reply, QEMU_STATS_QMP_TIMEOUT_MS, &err)) {
            blocks = parse_blockstats(reply);
            block_us = g_get_monotonic_time();
            json_object_put(reply);
        } else {
            answered = !mv_error_is(err, MV_ERR_OPERATION_TIMEOUT);
        }
    }

    g_mutex_lock(&st->lock);
    QmpEntry *e = g_hash_table_lookup(st->qmp, job->key);
    if (e && e->pid == job->pid && e->start_time == job->start_time) {
        e->in_flight = false;
        e->failures = answered ? 0 : e->failures + 1;
        if (balloon_us) {
            e->balloon_us = balloon_us;
            e->balloon_kib = balloon_kib;
            e->guest_stats = gstats;
            memcpy(e->guest_vals, gvals, sizeof(gvals));
            memcpy(e->guest_set, gset, sizeof(gset));
        }
        if (blocks) {
            if (e->blocks)
                g_array_unref(e->blocks);
            e->blocks = g_steal_pointer(&blocks);
            e->block_us = block_us;
        }
    } else if (e) {
        e->in_flight = false;
    }
    g_mutex_unlock(&st->lock);
    if (!answered)
        g_debug("stats: QEMU of domain %s did not answer within %u ms; serving its last figures",
                job->key, QEMU_STATS_QMP_TIMEOUT_MS);

    if (blocks)
        g_array_unref(blocks);
    /* The monitor reference may be the last one: released with no lock held. */
    target_data_free(td);
    g_free(job->key);
    g_free(job);
}

static void
round_cb(GPtrArray *targets, GPtrArray *samples, void *opaque)
{
    QemuStats *st = opaque;
    gint64 now = g_get_monotonic_time();
    /* Ask each guest about once per interval; a little early is fine (timer jitter). */
    gint64 every = (gint64)mv_stats_sampler_interval(st->sampler) * 900;
    g_autoptr(GPtrArray) jobs = g_ptr_array_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    g_mutex_lock(&st->lock);
    for (guint i = 0; i < targets->len; i++) {
        MvStatsTarget *t = targets->pdata[i];
        MvStatsSample *s = samples->pdata[i];
        TargetData *td = t->data;
        g_hash_table_add(seen, t->key);
        if (!s || !td || !td->mon || (!td->balloon_path && !td->has_disks))
            continue;
        QmpEntry *e = entry_locked(st, t->key, t->pid, t->start_time, true);
        /* A QEMU stopped by a signal cannot answer; its last figures stay as they are. */
        if (e->in_flight || s->proc_state == 'T' || s->proc_state == 't' || now - e->asked_us < every)
            continue;
        /* Back off from a QEMU that keeps not answering: every round, then every 2nd, 4th,
         * ... up to every 32nd, so a hung guest costs a worker rarely. */
        if (e->failures && (now - e->asked_us) < every * (1 << MIN(e->failures, 5u)))
            continue;
        e->in_flight = true;
        e->asked_us = now;
        QmpJob *job = g_new0(QmpJob, 1);
        job->st = st;
        job->key = g_strdup(t->key);
        job->pid = t->pid;
        job->start_time = t->start_time;
        job->td = g_steal_pointer(&t->data);
        g_ptr_array_add(jobs, job);
    }
    /* Guests no longer running: forget what their QEMU said. */
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, st->qmp);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        QmpEntry *e = value;
        if (!g_hash_table_contains(seen, key) && !e->in_flight)
            g_hash_table_iter_remove(&it);
    }
    g_mutex_unlock(&st->lock);

    for (guint i = 0; i < jobs->len; i++)
        g_thread_pool_push(st->qmp_pool, jobs->pdata[i], NULL);
}

bool
qemu_stats_qmp_get(QemuStats *st, const char *key, pid_t pid, guint64 start_time, QemuStatsQmp *ret)
{
    memset(ret, 0, sizeof(*ret));
    g_mutex_lock(&st->lock);
    QmpEntry *e = g_hash_table_lookup(st->qmp, key);
    bool ok = e && e->pid == pid && e->start_time == start_time;
    if (ok) {
        gint64 now = g_get_monotonic_time();
        ret->has_balloon = e->balloon_us != 0;
        ret->balloon_age_ms = e->balloon_us ? (now - e->balloon_us) / 1000 : -1;
        ret->balloon_kib = e->balloon_kib;
        ret->guest_stats = e->guest_stats;
        memcpy(ret->guest_vals, e->guest_vals, sizeof(ret->guest_vals));
        memcpy(ret->guest_set, e->guest_set, sizeof(ret->guest_set));
        ret->block_age_ms = e->block_us ? (now - e->block_us) / 1000 : -1;
        ret->blocks = e->blocks ? g_array_ref(e->blocks) : NULL;
    }
    g_mutex_unlock(&st->lock);
    return ok;
}

void
qemu_stats_qmp_clear(QemuStatsQmp *q)
{
    if (q->blocks)
        g_array_unref(q->blocks);
    q->blocks = NULL;
}

QemuStats *
qemu_stats_new(QemuDriver *drv, unsigned interval_ms)
{
    QemuStats *st = g_new0(QemuStats, 1);
    st->drv = drv;
    g_mutex_init(&st->lock);
    st->qmp = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)qmp_entry_free);
    st->sampler = mv_stats_sampler_new(interval_ms ? interval_ms : MV_STATS_INTERVAL_DEFAULT_MS, enumerate_cb,
                                       round_cb, st);
    st->qmp_pool = g_thread_pool_new(qmp_job, st, QEMU_STATS_QMP_WORKERS, FALSE, NULL);
    return st;
}

void
qemu_stats_start(QemuStats *st)
{
    mv_stats_sampler_start(st->sampler);
}

void
qemu_stats_free(QemuStats *st)
{
    if (!st)
        return;
    /* The sampler first: no round may queue questions once the pool is going. */
    mv_stats_sampler_free(st->sampler);
    g_thread_pool_free(st->qmp_pool, FALSE, TRUE);
    g_hash_table_unref(st->qmp);
    g_mutex_clear(&st->lock);
    g_free(st);
}

MvStatsSampler *
qemu_stats_sampler(QemuStats *st)
{
    return st->sampler;
}

bool
qemu_stats_config_interval(GKeyFile *kf, unsigned *ret_interval_ms, GError **error)
{
    g_autofree char *raw = kf ? g_key_file_get_value(kf, "stats", "interval_ms", NULL) : NULL;
    *ret_interval_ms = 0;
    if (!raw)
        return true;
    guint64 v;
    if (!g_ascii_string_to_unsigned(g_strstrip(raw), 10, MV_STATS_INTERVAL_MIN_MS, MV_STATS_INTERVAL_MAX_MS, &v,
                                    NULL)) {
        mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX,
                     "key 'interval_ms' in group 'stats' has value '%s'; expected a number from %d to %d", raw,
                     MV_STATS_INTERVAL_MIN_MS, MV_STATS_INTERVAL_MAX_MS);
        return false;
    }
    *ret_interval_ms = (unsigned)v;
    return true;
}

/* ---- a domain as a stats call sees it ---- */

static void
snap_net_free(QemuStatsNet *n)
{
    g_free(n->ifname);
    g_free(n);
}

static void
snap_disk_free(QemuStatsDisk *d)
{
    g_free(d->target);
    g_free(d->src);
    g_free(d->alias);
    g_free(d);
}

void
qemu_stats_snap_free(QemuStatsSnap *s)
{
    if (!s)
        return;
    g_free(s->dom.name);
    if (s->nets)
        g_ptr_array_unref(s->nets);
    if (s->disks)
        g_ptr_array_unref(s->disks);
    g_free(s->cpuset);
    mv_stats_target_free(s->target);
    g_free(s);
}

QemuStatsSnap *
qemu_stats_snap(MvDomainObj *obj, unsigned what)
{
    const MvDomainDef *def = obj->def;
    QemuStatsSnap *s = g_new0(QemuStatsSnap, 1);
    mv_domain_to_wire(obj, &s->dom);
    mv_uuid_format(obj->uuid, s->key);
    s->state = obj->state;
    s->reason = obj->reason;
    s->active = mv_domain_obj_is_active(obj);
    s->vcpus_max = def->vcpus;
    s->vcpus_cur = def->current_vcpus ? def->current_vcpus : def->vcpus;
    s->mem_max_kib = def->memory_kib;
    s->mem_cur_kib = def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
    s->balloon_virtio = def->memballoon && def->memballoon->model == MV_DOMAIN_MEMBALLOON_VIRTIO;
    s->cpuset = g_strdup(def->cpuset);
    if (what & QEMU_STATS_SNAP_TARGET)
        s->target = qemu_stats_target_of(obj);
    if (!(what & QEMU_STATS_SNAP_DEVICES))
        return s;
    s->nets = g_ptr_array_new_with_free_func((GDestroyNotify)snap_net_free);
    for (guint i = 0; i < def->nets->len; i++) {
        const MvDomainNet *n = def->nets->pdata[i];
        QemuStatsNet *sn = g_new0(QemuStatsNet, 1);
        sn->ifname = g_strdup(n->target_dev);
        sn->type = n->type;
        memcpy(sn->mac, n->mac, sizeof(sn->mac));
        g_ptr_array_add(s->nets, sn);
    }
    s->disks = g_ptr_array_new_with_free_func((GDestroyNotify)snap_disk_free);
    for (guint i = 0; i < def->disks->len; i++) {
        const MvDomainDisk *d = def->disks->pdata[i];
        QemuStatsDisk *sd = g_new0(QemuStatsDisk, 1);
        sd->target = g_strdup(d->target);
        sd->src = g_strdup(d->src);
        sd->alias = g_strdup(d->info.alias);
        sd->qcow2 = d->format == MV_DOMAIN_DISK_FORMAT_QCOW2;
        /* The node names qemu-command.c gives: numbered down from the disk count. */
        sd->node_index = def->disks->len - i;
        g_ptr_array_add(s->disks, sd);
    }
    return s;
}

const QemuStatsBlock *
qemu_stats_find_block(const GArray *blocks, const QemuStatsDisk *d)
{
    if (!blocks)
        return NULL;
    char node[32];
    snprintf(node, sizeof(node), "libvirt-%u-format", d->node_index);
    g_autofree char *qdev = d->alias ? g_strdup_printf("/machine/peripheral/%s/", d->alias) : NULL;
    for (guint i = 0; i < blocks->len; i++) {
        const QemuStatsBlock *b = &g_array_index(blocks, QemuStatsBlock, i);
        /* -blockdev: the format node's name; else the device's QOM path (QEMU 5+) or its
         * id (older QEMUs put the bare id in "qdev"). */
        if ((b->node && g_str_equal(b->node, node)) || (qdev && b->qdev && g_str_has_prefix(b->qdev, qdev)) ||
            (d->alias && b->qdev && g_str_equal(b->qdev, d->alias)))
            return b;
    }
    return NULL;
}

int
qemu_stats_net_counters(const char *ifname, gint64 ret_c[8])
{
    /* Host side of a tap: what the host receives the guest sent, so rx and tx swap to give
     * the guest's view, as libvirt reports it. */
    static const char *const names[8] = {
        "tx_bytes", "tx_packets", "tx_errors", "tx_dropped",
        "rx_bytes", "rx_packets", "rx_errors", "rx_dropped",
    };
    MvStatsReader *r = mv_stats_thread_reader();
    for (int i = 0; i < 8; i++) {
        char path[128];
        const char *text;
        if (strchr(ifname, '/') || snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname,
                                            names[i]) >= (int)sizeof(path))
            return -EINVAL;
        ssize_t n = mv_stats_reader_read(r, path, &text);
        if (n < 0)
            return (int)n;
        ret_c[i] = (gint64)g_ascii_strtoull(text, NULL, 10);
    }
    return 0;
}

void
qemu_stats_disk_sizes(const QemuStatsDisk *d, gint64 *ret_alloc, gint64 *ret_cap, gint64 *ret_phys)
{
    *ret_alloc = *ret_cap = *ret_phys = -1;
    struct stat sb;
    if (!d->src || stat(d->src, &sb) < 0)
        return;
    if (S_ISREG(sb.st_mode)) {
        *ret_phys = sb.st_size;
        *ret_alloc = (gint64)sb.st_blocks * 512;
        *ret_cap = sb.st_size;
    }
    if (!d->qcow2 && S_ISREG(sb.st_mode))
        return;
    int fd = open(d->src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    if (S_ISBLK(sb.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        if (end >= 0)
            *ret_phys = *ret_cap = *ret_alloc = end;
    }
    if (d->qcow2) {
        /* qcow2 header: magic "QFI\xfb" at 0, virtual size (big-endian u64) at 24. */
        guint8 hdr[32];
        if (pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) && memcmp(hdr, "QFI\xfb", 4) == 0) {
            guint64 v = 0;
            for (int i = 24; i < 32; i++)
                v = v << 8 | hdr[i];
            *ret_cap = (gint64)MIN(v, (guint64)G_MAXINT64);
        }
    }
    close(fd);
}

/* ---- CONNECT_GET_ALL_DOMAIN_STATS ---- */

static void
add_balloon(MvStatsParams *p, const QemuStatsSnap *s, const QemuStatsQmp *q, const MvStatsSample *sample)
{
    guint64 cur = s->mem_cur_kib;
    if (s->active && q->has_balloon)
        cur = q->balloon_kib;
    mv_stats_params_add_ullong(p, cur, "balloon.current");
    mv_stats_params_add_ullong(p, s->mem_max_kib, "balloon.maximum");
    if (!s->active)
        return;
    static const struct {
        int tag;
        const char *key;
    } keys[] = {
        { QEMU_MEMSTAT_SWAP_IN, "balloon.swap_in" },
        { QEMU_MEMSTAT_SWAP_OUT, "balloon.swap_out" },
        { QEMU_MEMSTAT_MAJOR_FAULT, "balloon.major_fault" },
        { QEMU_MEMSTAT_MINOR_FAULT, "balloon.minor_fault" },
        { QEMU_MEMSTAT_UNUSED, "balloon.unused" },
        { QEMU_MEMSTAT_AVAILABLE, "balloon.available" },
        { QEMU_MEMSTAT_RSS, "balloon.rss" },
        { QEMU_MEMSTAT_LAST_UPDATE, "balloon.last-update" },
        { QEMU_MEMSTAT_USABLE, "balloon.usable" },
        { QEMU_MEMSTAT_DISK_CACHES, "balloon.disk_caches" },
        { QEMU_MEMSTAT_HUGETLB_PGALLOC, "balloon.hugetlb_pgalloc" },
        { QEMU_MEMSTAT_HUGETLB_PGFAIL, "balloon.hugetlb_pgfail" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (keys[i].tag == QEMU_MEMSTAT_RSS) {
            /* Resident memory of QEMU, from our own read of /proc. */
            if (sample)
                mv_stats_params_add_ullong(p, sample->rss_pages * (guint64)sysconf(_SC_PAGESIZE) / 1024,
                                           "%s", keys[i].key);
        } else if (q->guest_stats && q->guest_set[keys[i].tag]) {
            mv_stats_params_add_ullong(p, q->guest_vals[keys[i].tag], "%s", keys[i].key);
        }
    }
}

static void
add_interfaces(MvStatsParams *p, const QemuStatsSnap *s)
{
    /* The whole group is empty for a guest that does not run. */
    if (!s->active)
        return;
    mv_stats_params_add_uint(p, s->nets->len, "net.count");
    static const char *const keys[8] = { "rx.bytes", "rx.pkts", "rx.errs", "rx.drop",
                                         "tx.bytes", "tx.pkts", "tx.errs", "tx.drop" };
    for (guint i = 0; i < s->nets->len; i++) {
        const QemuStatsNet *n = s->nets->pdata[i];
        if (!n->ifname)
            continue;   /* user networking: no host device to count on */
        mv_stats_params_add_string(p, n->ifname, "net.%u.name", i);
        gint64 c[8];
        if (qemu_stats_net_counters(n->ifname, c) < 0)
            continue;
        for (int k = 0; k < 8; k++) {
            if (c[k] >= 0)
                mv_stats_params_add_ullong(p, (guint64)c[k], "net.%u.%s", i, keys[k]);
        }
    }
}

static void
add_blocks(MvStatsParams *p, const QemuStatsSnap *s, const QemuStatsQmp *q)
{
    mv_stats_params_add_uint(p, s->disks->len, "block.count");
    for (guint i = 0; i < s->disks->len; i++) {
        const QemuStatsDisk *d = s->disks->pdata[i];
        mv_stats_params_add_string(p, d->target, "block.%u.name", i);
        if (d->src)
            mv_stats_params_add_string(p, d->src, "block.%u.path", i);
        const QemuStatsBlock *b = s->active ? qemu_stats_find_block(q->blocks, d) : NULL;
        if (b) {
            const struct {
                gint64 v;
                const char *key;
            } f[] = {
                { b->rd_reqs, "rd.reqs" }, { b->rd_bytes, "rd.bytes" }, { b->rd_ns, "rd.times" },
                { b->wr_reqs, "wr.reqs" }, { b->wr_bytes, "wr.bytes" }, { b->wr_ns, "wr.times" },
                { b->fl_reqs, "fl.reqs" }, { b->fl_ns, "fl.times" },
            };
            for (size_t k = 0; k < G_N_ELEMENTS(f); k++) {
                if (f[k].v >= 0)
                    mv_stats_params_add_ullong(p, (guint64)f[k].v, "block.%u.%s", i, f[k].key);
            }
        }
        gint64 alloc, cap, phys;
        qemu_stats_disk_sizes(d, &alloc, &cap, &phys);
        if (alloc >= 0)
            mv_stats_params_add_ullong(p, (guint64)alloc, "block.%u.allocation", i);
        if (cap >= 0)
            mv_stats_params_add_ullong(p, (guint64)cap, "block.%u.capacity", i);
        if (phys >= 0)
            mv_stats_params_add_ullong(p, (guint64)phys, "block.%u.physical", i);
    }
}

void
qemu_stats_build_record(QemuStats *st, const QemuStatsSnap *s, unsigned groups, const MvStatsSample *sample,
                        MvStatsParams *p)
{
    g_auto(QemuStatsQmp) q = { 0 };
    if (st && s->active && s->target && (groups & (MV_STATS_BALLOON | MV_STATS_BLOCK)))
        qemu_stats_qmp_get(st, s->key, s->target->pid, s->target->start_time, &q);

    if (groups & MV_STATS_STATE)
        mv_stats_params_state(p, s->state, s->reason);
    if ((groups & MV_STATS_CPU_TOTAL) && s->active && sample)
        mv_stats_params_cpu_total(p, sample);
    if (groups & MV_STATS_BALLOON)
        add_balloon(p, s, &q, sample);
    if (groups & MV_STATS_VCPU)
        mv_stats_params_vcpu(p, s->vcpus_cur, s->vcpus_max, s->active, s->active ? sample : NULL);
    if (groups & MV_STATS_INTERFACE)
        add_interfaces(p, s);
    if (groups & MV_STATS_BLOCK)
        add_blocks(p, s, &q);
}

static void
free_records(remote_domain_stats_record *recs, guint n)
{
    for (guint i = 0; i < n; i++)
        xdr_free((xdrproc_t)xdr_remote_domain_stats_record, (char *)&recs[i]);
    g_free(recs);
}

bool
qemu_connect_get_all_domain_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_all_domain_stats_args *a = args;
    remote_connect_get_all_domain_stats_ret *r = ret;
    QemuDriver *drv = qemu_driver_of(call);
    unsigned allowed = STATS_FILTER_MASK | STATS_NOWAIT | STATS_BACKING | STATS_ENFORCE;

    if (!mv_flags_check(a->flags, allowed, MV_FROM_QEMU,
                        a->doms.doms_len ? "virDomainListGetStats" : "virConnectGetAllDomainStats", error))
        return false;
    unsigned groups = a->stats ? a->stats : STATS_SUPPORTED;
    if ((a->flags & STATS_ENFORCE) && (groups & ~STATS_SUPPORTED)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_ARGUMENT_UNSUPPORTED,
                     "Stats types bits 0x%x are not supported by this daemon", groups & ~STATS_SUPPORTED);
        return false;
    }
    groups &= STATS_SUPPORTED;
    unsigned snap_what = ((groups & (MV_STATS_INTERFACE | MV_STATS_BLOCK)) ? QEMU_STATS_SNAP_DEVICES : 0) |
                         ((groups & ~MV_STATS_STATE) ? QEMU_STATS_SNAP_TARGET : 0);
    /* Read only what the groups show: a vCPU-only call costs two small reads per vCPU. */
    unsigned what = ((groups & MV_STATS_VCPU) ? MV_STATS_READ_VCPUS : 0) |
                    ((groups & MV_STATS_CPU_TOTAL) ? MV_STATS_READ_CGROUP | MV_STATS_READ_PROC : 0) |
                    ((groups & MV_STATS_BALLOON) ? MV_STATS_READ_PROC : 0);

    g_autoptr(GPtrArray) objs = NULL;
    if (a->doms.doms_len) {
        objs = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_obj_unref);
        for (u_int i = 0; i < a->doms.doms_len; i++) {
            /* A domain that went away since the client listed it is left out. */
            MvDomainObj *obj = mv_domain_list_find_by_uuid(drv->domains,
                                                           (const unsigned char *)a->doms.doms_val[i].uuid);
            if (obj)
                g_ptr_array_add(objs, obj);
        }
    } else {
        objs = mv_domain_list_snapshot(drv->domains);
    }

    remote_domain_stats_record *recs = g_new0(remote_domain_stats_record, MAX(objs->len, 1));
    guint n = 0;
    g_autoptr(MvStatsParams) p = mv_stats_params_new();
    for (guint i = 0; i < objs->len; i++) {
        MvDomainObj *obj = objs->pdata[i];
        mv_domain_obj_lock(obj);
        bool match = !obj->removed && mv_obj_filter_passes(&mv_domain_list_filter, obj, a->flags & STATS_FILTER_MASK);
        QemuStatsSnap *s = match ? qemu_stats_snap(obj, snap_what) : NULL;
        mv_domain_obj_unlock(obj);
        if (!s)
            continue;
        g_autoptr(MvStatsSample) sample = NULL;
        if (what && s->target && drv->stats)
            sample = mv_stats_sampler_refresh(qemu_stats_sampler(drv->stats), s->target, what);
        qemu_stats_build_record(drv->stats, s, groups, sample, p);
        recs[n].dom = s->dom;
        s->dom.name = NULL;
        mv_stats_params_steal(p, &recs[n].params.params_len, &recs[n].params.params_val);
        n++;
        qemu_stats_snap_free(s);
    }
    if (n > REMOTE_DOMAIN_LIST_MAX) {
        free_records(recs, n);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "too many domains for one reply: %u > %d", n,
                     REMOTE_DOMAIN_LIST_MAX);
        return false;
    }
    r->retStats.retStats_len = n;
    r->retStats.retStats_val = recs;
    return true;
}
