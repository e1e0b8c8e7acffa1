// SPDX-License-Identifier: LGPL-2.1-or-later
// Host statistics and identity calls of the QEMU driver: NODE_GET_CPU_STATS,
// NODE_GET_MEMORY_STATS and CONNECT_GET_SYSINFO, read fresh from /proc and /sys each time.

#include "qemu-node.h"

#include "remote.h"
#include "util/util-error.h"
#include "util/util-nodestats.h"

static bool
no_flags(unsigned flags, const char *api, GError **error)
{
    if (!flags)
        return true;
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                 flags, api);
    return false;
}

/* libvirt's convention for both calls: nparams 0 asks how many fields there are; otherwise
 * exactly that many must be asked for. */
static bool
check_nparams(int nparams, int have, GError **error)
{
    if (nparams == 0 || nparams >= have)
        return true;
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                 "nparams %d is too small: the call returns %d fields", nparams, have);
    return false;
}

bool
qemu_node_get_cpu_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_node_get_cpu_stats_args *a = args;
    remote_node_get_cpu_stats_ret *r = ret;
    MvNodeStat stats[MV_NODE_CPU_STATS];
    (void)call;

    if (!no_flags(a->flags, "virNodeGetCPUStats", error) ||
        !check_nparams(a->nparams, MV_NODE_CPU_STATS, error) ||
        !mv_node_cpu_stats(NULL, a->cpuNum, stats, error))
        return false;
    r->nparams = MV_NODE_CPU_STATS;
    if (a->nparams == 0)
        return true;
    r->params.params_len = MV_NODE_CPU_STATS;
    r->params.params_val = g_new0(remote_node_get_cpu_stats, MV_NODE_CPU_STATS);
    for (int i = 0; i < MV_NODE_CPU_STATS; i++) {
        r->params.params_val[i].field = g_strdup(stats[i].field);
        r->params.params_val[i].value = stats[i].value;
    }
    return true;
}

bool
qemu_node_get_memory_stats(MvCall *call, void *args, void *ret, GError **error)
{
    remote_node_get_memory_stats_args *a = args;
    remote_node_get_memory_stats_ret *r = ret;
    MvNodeStat stats[MV_NODE_MEMORY_STATS];
    int n = 0;
    (void)call;

    if (!no_flags(a->flags, "virNodeGetMemoryStats", error) ||
        !mv_node_memory_stats(NULL, a->cellNum, stats, &n, error) ||
        !check_nparams(a->nparams, n, error))
        return false;
    r->nparams = n;
    if (a->nparams == 0)
        return true;
    r->params.params_len = (u_int)n;
    r->params.params_val = g_new0(remote_node_get_memory_stats, n);
    for (int i = 0; i < n; i++) {
        r->params.params_val[i].field = g_strdup(stats[i].field);
        r->params.params_val[i].value = stats[i].value;
    }
    return true;
}

bool
qemu_connect_get_sysinfo(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_sysinfo_args *a = args;
    (void)call;
    if (!no_flags(a->flags, "virConnectGetSysinfo", error))
        return false;
    char *xml = mv_node_sysinfo(NULL, error);
    if (!xml)
        return false;
    ((remote_connect_get_sysinfo_ret *)ret)->sysinfo = xml;
    return true;
}
