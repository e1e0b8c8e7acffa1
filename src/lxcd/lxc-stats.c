// SPDX-License-Identifier: LGPL-2.1-or-later
// GetAllDomainStats for containers, read on demand through the shared sampler's reader
// (stats-sampler.h) from the container's cgroup and init: state.*, cpu.time/user/system
// (cgroup accounting, exact), balloon.current/maximum (the memory limit and <memory>) and
// balloon.rss (memory charged to the container's cgroup, KiB), vcpu.current/maximum.  A
// container's vCPUs are a CPU quota, not threads: there is no vcpu.N.time/wait/delay, and
// vcpu.N.state is not listed.  Never waits on a container or its controller.

#include "lxc-driver.h"
#include "stats/stats-params.h"
#include "util/util-error.h"

/* GET_ALL_DOMAIN_STATS flags beside the LIST_ALL filter bits. */
#define STATS_FILTER_MASK 0xffu          /* ACTIVE .. OTHER, as LIST_ALL_DOMAINS */
#define STATS_NOWAIT (1u << 29)          /* we never wait anyway */
#define STATS_BACKING (1u << 30)         /* no disks: same records */
#define STATS_ENFORCE (1u << 31)
#define STATS_SUPPORTED (MV_STATS_STATE | MV_STATS_CPU_TOTAL | MV_STATS_BALLOON | MV_STATS_VCPU)

/* One container's record (object locked; reads only cgroup and /proc files). */
static void
build_record(MvDomainObj *obj, unsigned groups, MvStatsParams *p)
{
    const MvDomainDef *def = obj->def;
    LxcDomainPriv *priv = obj->priv;
    LxcProcess *proc = priv && mv_domain_obj_is_active(obj) ? priv->proc : NULL;
    if (groups & MV_STATS_STATE)
        mv_stats_params_state(p, obj->state, obj->reason);
    if ((groups & MV_STATS_CPU_TOTAL) && proc) {
        const char *dir = mv_cgroup_path(proc->payload, MV_CGROUP_CPUACCT);
        if (!dir)
            dir = mv_cgroup_path(proc->payload, MV_CGROUP_CPU);
        g_autoptr(MvStatsTarget) t = mv_stats_target_new(def->name, proc->init_pid, 0, NULL, 0, dir);
        g_autoptr(MvStatsSample) s = mv_stats_sample_read(mv_stats_thread_reader(), t,
                                                          MV_STATS_READ_CGROUP | MV_STATS_READ_PROC, NULL);
        if (s)
            mv_stats_params_cpu_total(p, s);
    }
    if (groups & MV_STATS_BALLOON) {
        mv_stats_params_add_ullong(p, def->current_memory_kib, "balloon.current");
        mv_stats_params_add_ullong(p, def->memory_kib, "balloon.maximum");
        guint64 bytes;
        if (proc && mv_cgroup_get_memory_usage(proc->payload, &bytes) == 0)
            mv_stats_params_add_ullong(p, bytes / 1024, "balloon.rss");
    }
    if (groups & MV_STATS_VCPU) {
        mv_stats_params_add_uint(p, def->current_vcpus ? def->current_vcpus : def->vcpus, "vcpu.current");
        mv_stats_params_add_uint(p, def->vcpus, "vcpu.maximum");
    }
}


bool
lxc_connect_get_all_domain_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_all_domain_stats_args *a = args;
    remote_connect_get_all_domain_stats_ret *r = ret;
    LxcDriver *drv = lxc_driver_of(call);
    unsigned allowed = STATS_FILTER_MASK | STATS_NOWAIT | STATS_BACKING | STATS_ENFORCE;
    if (!mv_flags_check(a->flags, allowed, MV_FROM_LXC,
                        a->doms.doms_len ? "virDomainListGetStats" : "virConnectGetAllDomainStats", error))
        return false;
    unsigned groups = a->stats ? a->stats : STATS_SUPPORTED;
    if ((a->flags & STATS_ENFORCE) && (groups & ~STATS_SUPPORTED)) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_ARGUMENT_UNSUPPORTED,
                     "Stats types bits 0x%x are not supported by this daemon", groups & ~STATS_SUPPORTED);
        return false;
    }
    groups &= STATS_SUPPORTED;
    g_autoptr(GPtrArray) objs = NULL;
    if (a->doms.doms_len) {
        objs = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_obj_unref);
        for (u_int i = 0; i < a->doms.doms_len; i++) {
            /* A domain that went away since the client listed it is left out. */
            MvDomainObj *obj = mv_domain_list_find_by_uuid(drv->domains, (const unsigned char *)a->doms.doms_val[i].uuid);
            if (obj)
                g_ptr_array_add(objs, obj);
        }
    } else {
        objs = mv_domain_list_snapshot(drv->domains);
    }
    if (objs->len > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_INTERNAL_ERROR, "too many domains for one reply: %u > %d",
                     objs->len, REMOTE_DOMAIN_LIST_MAX);
        return false;
    }
    remote_domain_stats_record *recs = g_new0(remote_domain_stats_record, MAX(objs->len, 1));
    guint n = 0;
    g_autoptr(MvStatsParams) p = mv_stats_params_new();
    for (guint i = 0; i < objs->len; i++) {
        MvDomainObj *obj = objs->pdata[i];
        mv_domain_obj_lock(obj);
        if (!obj->removed && mv_obj_filter_passes(&mv_domain_list_filter, obj, a->flags & STATS_FILTER_MASK)) {
            build_record(obj, groups, p);
            mv_domain_to_wire(obj, &recs[n].dom);
            mv_stats_params_steal(p, &recs[n].params.params_len, &recs[n].params.params_val);
            n++;
        }
        mv_domain_obj_unlock(obj);
    }
    r->retStats.retStats_len = n;
    r->retStats.retStats_val = recs;
    return true;
}
