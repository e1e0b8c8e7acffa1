// SPDX-License-Identifier: LGPL-2.1-or-later
// The per-domain statistics calls older clients and virsh's commands use (vcpuinfo,
// cpu-stats, dommemstat, domblkstat, domifstat), answered from the same reads and gatherer
// results as GET_ALL_DOMAIN_STATS, and with the same rule: no job, no monitor.

#include "qemu-stats-priv.h"
#include "util/util-error.h"
#include "util/util-host.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* VIR_TYPED_PARAM_STRING_OKAY: the client can take string parameters (it always says so). */
#define TYPED_PARAM_STRING_OKAY 4
/* VIR_DOMAIN_AFFECT_* */
#define AFFECT_LIVE 1
#define AFFECT_CONFIG 2
/* REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX: most host CPUs one GET_CPU_STATS call covers. */
#define CPU_STATS_NCPUS_MAX 128

/* The domain a call names, copied under its lock; NULL with "Domain not found". */
static QemuStatsSnap *
snap_of(MvCall *call, const remote_nonnull_domain *dom, bool devices, GError **error)
{
    g_autoptr(MvDomainObj) obj = mv_domain_find(qemu_driver_of(call)->domains, dom, error);
    if (!obj)
        return NULL;
    mv_domain_obj_lock(obj);
    QemuStatsSnap *s = qemu_stats_snap(obj, QEMU_STATS_SNAP_TARGET | (devices ? QEMU_STATS_SNAP_DEVICES : 0));
    mv_domain_obj_unlock(obj);
    return s;
}

static bool
check_active(const QemuStatsSnap *s, GError **error)
{
    if (!s->active || !s->target) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is not running");
        return false;
    }
    return true;
}

/* A fresh sample of the running guest @s, complete (so the sampler keeps it for rates). */
static MvStatsSample *
fresh_sample(MvCall *call, const QemuStatsSnap *s, GError **error)
{
    QemuDriver *drv = qemu_driver_of(call);
    MvStatsSample *sample =
        drv->stats ? mv_stats_sampler_refresh(qemu_stats_sampler(drv->stats), s->target, MV_STATS_READ_ALL)
                   : mv_stats_sample_read(mv_stats_thread_reader(), s->target, MV_STATS_READ_ALL, NULL);
    if (!sample)
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID,
                     "domain is not running (the QEMU process of '%s' is gone)", s->dom.name);
    return sample;
}

/* Set in @map (@maplen bytes) the CPUs thread @tid may run on; all CPUs when unknown. */
static void
fill_affinity(pid_t tid, guint8 *map, int maplen)
{
    int nbits = maplen * 8;
    cpu_set_t *set = CPU_ALLOC(nbits);
    size_t size = CPU_ALLOC_SIZE(nbits);
    if (tid > 0 && sched_getaffinity(tid, size, set) == 0) {
        for (int c = 0; c < nbits; c++) {
            if (CPU_ISSET_S(c, size, set))
                map[c / 8] |= (guint8)(1u << (c % 8));
        }
    } else {
        memset(map, 0xff, (size_t)maplen);
    }
    CPU_FREE(set);
}

/* Keep only bits of CPUs the host has (affinity masks and "all" may name more). */
static void
mask_host_cpus(guint8 *map, int maplen)
{
    int ncpus = 0;
    g_autofree guint8 *online = NULL;
    size_t olen = 0;
    unsigned nonline = 0;
    if (mv_host_cpu_map(&online, &olen, &nonline, &ncpus) < 0)
        return;
    for (int c = ncpus; c < maplen * 8; c++)
        map[c / 8] &= (guint8)~(1u << (c % 8));
}

static bool
check_maps(int count, int maplen, const char *what, GError **error)
{
    if (count < 1 || count > REMOTE_VCPUINFO_MAX || maplen < 0 ||
        (gint64)count * maplen > REMOTE_CPUMAPS_MAX) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "%s %d with map length %d is out of range", what,
                     count, maplen);
        return false;
    }
    return true;
}

bool
qemu_domain_get_vcpus(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_get_vcpus_args *a = args;
    remote_domain_get_vcpus_ret *r = ret;
    if (!check_maps(a->maxinfo, a->maplen, "maxinfo", error))
        return false;
    g_autoptr(QemuStatsSnap) s = snap_of(call, &a->dom, false, error);
    if (!s || !check_active(s, error))
        return false;
    g_autoptr(MvStatsSample) sample = fresh_sample(call, s, error);
    if (!sample)
        return false;

    remote_vcpu_info *info = g_new0(remote_vcpu_info, a->maxinfo);
    guint8 *maps = a->maplen ? g_malloc0((size_t)a->maxinfo * (size_t)a->maplen) : NULL;
    int n = 0;
    for (size_t i = 0; i < sample->nvcpus && n < a->maxinfo; i++) {
        const MvStatsThread *t = &sample->vcpus[i];
        if (t->tid <= 0)
            continue;   /* offline vCPUs are not listed */
        info[n].number = (u_int)i;
        info[n].state = mv_stats_vcpu_state(t);
        info[n].cpu_time = t->run_ns;
        info[n].cpu = t->present ? t->processor : -1;
        if (maps) {
            fill_affinity(t->tid, maps + (size_t)n * a->maplen, a->maplen);
            mask_host_cpus(maps + (size_t)n * a->maplen, a->maplen);
        }
        n++;
    }
    r->info.info_len = (u_int)n;
    r->info.info_val = info;
    r->cpumaps.cpumaps_len = maps ? (u_int)a->maxinfo * (u_int)a->maplen : 0;
    r->cpumaps.cpumaps_val = (char *)maps;
    return true;
}

bool
qemu_domain_get_vcpu_pin_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_get_vcpu_pin_info_args *a = args;
    remote_domain_get_vcpu_pin_info_ret *r = ret;
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG, MV_FROM_QEMU, "virDomainGetVcpuPinInfo",
                        error) ||
        !check_maps(a->ncpumaps, a->maplen, "ncpumaps", error))
        return false;
    if ((a->flags & AFFECT_LIVE) && (a->flags & AFFECT_CONFIG)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "flags 'live' and 'config' are mutually exclusive");
        return false;
    }
    if (a->maplen < 1) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "map length must be positive");
        return false;
    }
    g_autoptr(QemuStatsSnap) s = snap_of(call, &a->dom, false, error);
    if (!s)
        return false;
    bool live = (a->flags & AFFECT_LIVE) || (!(a->flags & AFFECT_CONFIG) && s->active);
    if (live && !check_active(s, error))
        return false;

    /* Configured placement: <vcpu cpuset=>, else every host CPU. */
    g_autofree guint8 *conf = NULL;
    int conf_bits = 0;
    if (s->cpuset && mv_host_parse_cpulist(s->cpuset, &conf, &conf_bits) < 0)
        g_clear_pointer(&conf, g_free);
    g_autoptr(MvStatsSample) sample = live ? fresh_sample(call, s, NULL) : NULL;

    int n = MIN(a->ncpumaps, (int)s->vcpus_max);
    guint8 *maps = g_malloc0((size_t)a->ncpumaps * (size_t)a->maplen);
    for (int i = 0; i < n; i++) {
        guint8 *map = maps + (size_t)i * a->maplen;
        pid_t tid = sample && (size_t)i < sample->nvcpus ? sample->vcpus[i].tid : 0;
        if (tid > 0) {
            fill_affinity(tid, map, a->maplen);
        } else if (conf) {
            memcpy(map, conf, MIN((size_t)a->maplen, (size_t)(conf_bits + 7) / 8));
        } else {
            memset(map, 0xff, (size_t)a->maplen);
        }
        mask_host_cpus(map, a->maplen);
    }
    r->cpumaps.cpumaps_len = (u_int)a->ncpumaps * (u_int)a->maplen;
    r->cpumaps.cpumaps_val = (char *)maps;
    r->num = n;
    return true;
}

/* Append (malloc'd) @p's parameters to the reply of a typed-params call. */
static void
give_params(MvStatsParams *p, remote_typed_params_ret *r, int nparams)
{
    mv_stats_params_steal(p, &r->params.params_len, &r->params.params_val);
    r->nparams = nparams;
}

bool
qemu_domain_get_cpu_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_get_cpu_stats_args *a = args;
    remote_typed_params_ret *r = ret;
    if (!mv_flags_check(a->flags, TYPED_PARAM_STRING_OKAY, MV_FROM_QEMU, "virDomainGetCPUStats", error))
        return false;
    if (a->start_cpu < -1 || (a->start_cpu == -1 && a->ncpus != 1) || a->ncpus > CPU_STATS_NCPUS_MAX ||
        (guint64)a->nparams * MAX(a->ncpus, 1u) > REMOTE_DOMAIN_GET_CPU_STATS_MAX) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "invalid arguments: start_cpu %d, ncpus %u, nparams %u", a->start_cpu, a->ncpus, a->nparams);
        return false;
    }
    g_autoptr(QemuStatsSnap) s = snap_of(call, &a->dom, false, error);
    if (!s || !check_active(s, error))
        return false;
    g_autoptr(MvStatsParams) p = mv_stats_params_new();

    if (a->start_cpu == -1) {
        /* The totals: cpu_time, user_time, system_time. */
        unsigned total = 3;
        if (a->nparams == 0) {
            r->nparams = (int)total;
            return true;
        }
        g_autoptr(MvStatsSample) sample = fresh_sample(call, s, error);
        if (!sample)
            return false;
        mv_stats_params_add_ullong(p, mv_stats_sample_cpu_ns(sample), "cpu_time");
        if (a->nparams >= 2)
            mv_stats_params_add_ullong(p, sample->has_cgroup ? sample->cgroup.user_ns : 0, "user_time");
        if (a->nparams >= 3)
            mv_stats_params_add_ullong(p, sample->has_cgroup ? sample->cgroup.system_ns : 0, "system_time");
        give_params(p, r, (int)MIN(a->nparams, total));
        return true;
    }

    /* Per host CPU: cpu_time from the guest cgroup's per-CPU accounting. */
    g_autofree guint64 *percpu = NULL;
    size_t ncpus = 0;
    int rc = s->target->cgroup_dir ? mv_stats_read_cgroup_percpu(s->target->cgroup_dir, &percpu, &ncpus) : -ENOTSUP;
    if (rc < 0) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID,
                     "per-CPU statistics of domain '%s' need a cgroup v1 cpuacct group", s->dom.name);
        return false;
    }
    if (a->nparams == 0 && a->ncpus == 0) {
        r->nparams = (int)ncpus;   /* how many host CPUs there are */
        return true;
    }
    if ((size_t)a->start_cpu >= ncpus) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "start_cpu %d larger than maximum of %zu",
                     a->start_cpu, ncpus - 1);
        return false;
    }
    unsigned per_cpu = 1;
    if (a->nparams == 0) {
        r->nparams = (int)per_cpu;
        return true;
    }
    size_t end = MIN(ncpus, (size_t)a->start_cpu + a->ncpus);
    for (size_t c = (size_t)a->start_cpu; c < end; c++)
        mv_stats_params_add_ullong(p, percpu[c], "cpu_time");
    give_params(p, r, (int)per_cpu);
    return true;
}

bool
qemu_domain_memory_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_memory_stats_args *a = args;
    remote_domain_memory_stats_ret *r = ret;
    if (!mv_flags_check(a->flags, 0, MV_FROM_QEMU, "virDomainMemoryStats", error))
        return false;
    if (a->maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "maxStats %u > %d", a->maxStats,
                     REMOTE_DOMAIN_MEMORY_STATS_MAX);
        return false;
    }
    g_autoptr(QemuStatsSnap) s = snap_of(call, &a->dom, false, error);
    if (!s || !check_active(s, error))
        return false;
    g_autoptr(MvStatsSample) sample = fresh_sample(call, s, error);
    if (!sample)
        return false;
    QemuDriver *drv = qemu_driver_of(call);
    g_auto(QemuStatsQmp) q = { 0 };
    if (drv->stats)
        qemu_stats_qmp_get(drv->stats, s->key, s->target->pid, s->target->start_time, &q);

    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(remote_domain_memory_stat));
#define PUT(t, v) do { remote_domain_memory_stat m = { (t), (v) }; g_array_append_val(out, m); } while (0)
    PUT(QEMU_MEMSTAT_ACTUAL_BALLOON, q.has_balloon ? q.balloon_kib : s->mem_cur_kib);
    static const int order[] = {
        QEMU_MEMSTAT_SWAP_IN, QEMU_MEMSTAT_SWAP_OUT, QEMU_MEMSTAT_MAJOR_FAULT, QEMU_MEMSTAT_MINOR_FAULT,
        QEMU_MEMSTAT_UNUSED, QEMU_MEMSTAT_AVAILABLE, QEMU_MEMSTAT_USABLE, QEMU_MEMSTAT_LAST_UPDATE,
        QEMU_MEMSTAT_DISK_CACHES, QEMU_MEMSTAT_HUGETLB_PGALLOC, QEMU_MEMSTAT_HUGETLB_PGFAIL,
    };
    for (size_t i = 0; q.guest_stats && i < G_N_ELEMENTS(order); i++) {
        if (q.guest_set[order[i]])
            PUT(order[i], q.guest_vals[order[i]]);
    }
    PUT(QEMU_MEMSTAT_RSS, sample->rss_pages * (guint64)sysconf(_SC_PAGESIZE) / 1024);
#undef PUT
    u_int n = MIN(out->len, a->maxStats);
    r->stats.stats_len = n;
    r->stats.stats_val = n ? g_memdup2(out->data, n * sizeof(remote_domain_memory_stat)) : NULL;
    return true;
}

/* The disk @path names (target "vda" or image path); "" means all disks together. */
static const QemuStatsDisk *
find_disk(const QemuStatsSnap *s, const char *path, GError **error)
{
    for (guint i = 0; i < s->disks->len; i++) {
        const QemuStatsDisk *d = s->disks->pdata[i];
        if (g_str_equal(d->target, path) || (d->src && g_str_equal(d->src, path)))
            return d;
    }
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "invalid path: %s", path);
    return NULL;
}

/* Block figures of @path ("" = the sum over all disks) from the gatherer; false when the
 * disk is unknown.  Unknown figures stay -1. */
static bool
block_figures(MvCall *call, const remote_nonnull_domain *dom, const char *path, QemuStatsBlock *ret,
              GError **error)
{
    g_autoptr(QemuStatsSnap) s = snap_of(call, dom, true, error);
    if (!s || !check_active(s, error))
        return false;
    const QemuStatsDisk *one = NULL;
    if (*path && !(one = find_disk(s, path, error)))
        return false;
    QemuDriver *drv = qemu_driver_of(call);
    g_auto(QemuStatsQmp) q = { 0 };
    if (drv->stats)
        qemu_stats_qmp_get(drv->stats, s->key, s->target->pid, s->target->start_time, &q);

    gint64 *acc[] = { &ret->rd_reqs, &ret->rd_bytes, &ret->rd_ns, &ret->wr_reqs,
                      &ret->wr_bytes, &ret->wr_ns, &ret->fl_reqs, &ret->fl_ns };
    for (size_t k = 0; k < G_N_ELEMENTS(acc); k++)
        *acc[k] = -1;
    for (guint i = 0; i < s->disks->len; i++) {
        const QemuStatsDisk *d = s->disks->pdata[i];
        if (one && d != one)
            continue;
        const QemuStatsBlock *b = qemu_stats_find_block(q.blocks, d);
        if (!b)
            continue;
        const gint64 vals[] = { b->rd_reqs, b->rd_bytes, b->rd_ns, b->wr_reqs,
                                b->wr_bytes, b->wr_ns, b->fl_reqs, b->fl_ns };
        for (size_t k = 0; k < G_N_ELEMENTS(acc); k++) {
            if (vals[k] >= 0)
                *acc[k] = (*acc[k] < 0 ? 0 : *acc[k]) + vals[k];
        }
    }
    return true;
}

bool
qemu_domain_block_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_block_stats_args *a = args;
    remote_domain_block_stats_ret *r = ret;
    QemuStatsBlock b = { 0 };
    if (!block_figures(call, &a->dom, a->path, &b, error))
        return false;
    r->rd_req = b.rd_reqs;
    r->rd_bytes = b.rd_bytes;
    r->wr_req = b.wr_reqs;
    r->wr_bytes = b.wr_bytes;
    r->errs = -1;   /* QEMU does not count errors */
    return true;
}

bool
qemu_domain_block_stats_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_block_stats_flags_args *a = args;
    remote_typed_params_ret *r = ret;
    /* The parameters QEMU can give, in libvirt's qemu order. */
    enum { NFIELDS = 8 };
    if (!mv_flags_check(a->flags, TYPED_PARAM_STRING_OKAY, MV_FROM_QEMU, "virDomainBlockStatsFlags", error))
        return false;
    if (a->nparams < 0 || a->nparams > REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "nparams %d out of range", a->nparams);
        return false;
    }
    QemuStatsBlock b = { 0 };
    if (!block_figures(call, &a->dom, a->path, &b, error))
        return false;
    if (a->nparams == 0) {
        r->nparams = NFIELDS;
        return true;
    }
    const struct {
        gint64 v;
        const char *name;
    } f[NFIELDS] = {
        { b.wr_bytes, "wr_bytes" }, { b.wr_reqs, "wr_operations" }, { b.rd_bytes, "rd_bytes" },
        { b.rd_reqs, "rd_operations" }, { b.fl_reqs, "flush_operations" }, { b.wr_ns, "wr_total_times" },
        { b.rd_ns, "rd_total_times" }, { b.fl_ns, "flush_total_times" },
    };
    g_autoptr(MvStatsParams) p = mv_stats_params_new();
    for (int k = 0; k < NFIELDS && (int)mv_stats_params_len(p) < a->nparams; k++) {
        if (f[k].v >= 0)
            mv_stats_params_add_llong(p, f[k].v, "%s", f[k].name);
    }
    int n = (int)mv_stats_params_len(p);
    give_params(p, r, n);
    return true;
}

bool
qemu_domain_interface_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_interface_stats_args *a = args;
    remote_domain_interface_stats_ret *r = ret;
    g_autoptr(QemuStatsSnap) s = snap_of(call, &a->dom, true, error);
    if (!s || !check_active(s, error))
        return false;
    /* The device is named by its host interface or by its MAC address, as libvirt allows. */
    const QemuStatsNet *net = NULL;
    for (guint i = 0; i < s->nets->len && !net; i++) {
        const QemuStatsNet *n = s->nets->pdata[i];
        char mac[MV_MAC_STRING_BUFLEN];
        mv_mac_format(n->mac, mac);
        if ((n->ifname && g_str_equal(n->ifname, a->device)) || g_ascii_strcasecmp(mac, a->device) == 0)
            net = n;
    }
    if (!net || !net->ifname) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "invalid path, '%s' is not a known interface",
                     a->device);
        return false;
    }
    gint64 c[8];
    int rc = qemu_stats_net_counters(net->ifname, c);
    if (rc < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -rc, "cannot read the counters of interface '%s'", net->ifname);
        return false;
    }
    r->rx_bytes = c[0];
    r->rx_packets = c[1];
    r->rx_errs = c[2];
    r->rx_drop = c[3];
    r->tx_bytes = c[4];
    r->tx_packets = c[5];
    r->tx_errs = c[6];
    r->tx_drop = c[7];
    return true;
}
