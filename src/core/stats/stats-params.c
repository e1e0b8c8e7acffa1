// SPDX-License-Identifier: LGPL-2.1-or-later
// Building libvirt typed-parameter lists for the stats calls, and the groups that come
// straight from a sample.  The array is in XDR form from the start, so handing it to the
// reply is a pointer move.

#include "stats/stats-params.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct MvStatsParams {
    GArray *a;   /* of remote_typed_param, fields and strings malloc'd */
};

static void
clear_param(remote_typed_param *tp)
{
    free(tp->field);
    if (tp->value.type == MV_TP_STRING)
        free(tp->value.remote_typed_param_value_u.s);
}

MvStatsParams *
mv_stats_params_new(void)
{
    MvStatsParams *p = g_new0(MvStatsParams, 1);
    p->a = g_array_sized_new(FALSE, TRUE, sizeof(remote_typed_param), 16);
    return p;
}

void
mv_stats_params_free(MvStatsParams *p)
{
    if (!p)
        return;
    for (guint i = 0; i < p->a->len; i++)
        clear_param(&g_array_index(p->a, remote_typed_param, i));
    g_array_free(p->a, TRUE);
    g_free(p);
}

static remote_typed_param *
add(MvStatsParams *p, int type, const char *fmt, va_list ap)
{
    remote_typed_param tp = { 0 };
    tp.field = g_strdup_vprintf(fmt, ap);
    g_assert(strlen(tp.field) < MV_STATS_FIELD_MAX);
    tp.value.type = type;
    g_array_append_val(p->a, tp);
    return &g_array_index(p->a, remote_typed_param, p->a->len - 1);
}

#define DEFINE_ADD(name, ctype, type, member)                                   \
    void                                                                        \
    mv_stats_params_add_##name(MvStatsParams *p, ctype v, const char *fmt, ...) \
    {                                                                           \
        va_list ap;                                                             \
        va_start(ap, fmt);                                                      \
        add(p, type, fmt, ap)->value.remote_typed_param_value_u.member = v;      \
        va_end(ap);                                                             \
    }

DEFINE_ADD(int, int, MV_TP_INT, i)
DEFINE_ADD(uint, unsigned, MV_TP_UINT, ui)
DEFINE_ADD(llong, gint64, MV_TP_LLONG, l)
DEFINE_ADD(ullong, guint64, MV_TP_ULLONG, ul)
DEFINE_ADD(bool, bool, MV_TP_BOOLEAN, b)

void
mv_stats_params_add_string(MvStatsParams *p, const char *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(p, MV_TP_STRING, fmt, ap)->value.remote_typed_param_value_u.s = g_strdup(v ? v : "");
    va_end(ap);
}

size_t
mv_stats_params_len(const MvStatsParams *p)
{
    return p->a->len;
}

const remote_typed_param *
mv_stats_params_get(const MvStatsParams *p)
{
    return (const remote_typed_param *)(void *)p->a->data;
}

void
mv_stats_params_steal(MvStatsParams *p, u_int *ret_len, remote_typed_param **ret_val)
{
    *ret_len = p->a->len;
    /* g_malloc is malloc (GLib >= 2.46), so xdr_free may release what GArray allocated. */
    *ret_val = p->a->len ? (remote_typed_param *)(void *)g_array_free(p->a, FALSE) : NULL;
    if (!*ret_val)
        g_array_free(p->a, TRUE);
    p->a = g_array_sized_new(FALSE, TRUE, sizeof(remote_typed_param), 16);
}

void
mv_stats_params_state(MvStatsParams *p, int state, int reason)
{
    mv_stats_params_add_int(p, state, "state.state");
    mv_stats_params_add_int(p, reason, "state.reason");
}

void
mv_stats_params_cpu_total(MvStatsParams *p, const MvStatsSample *s)
{
    mv_stats_params_add_ullong(p, mv_stats_sample_cpu_ns(s), "cpu.time");
    if (!s->has_cgroup)
        return;
    mv_stats_params_add_ullong(p, s->cgroup.user_ns, "cpu.user");
    mv_stats_params_add_ullong(p, s->cgroup.system_ns, "cpu.system");
}

void
mv_stats_params_vcpu(MvStatsParams *p, unsigned current, unsigned maximum, bool active,
                     const MvStatsSample *s)
{
    mv_stats_params_add_uint(p, current, "vcpu.current");
    mv_stats_params_add_uint(p, maximum, "vcpu.maximum");
    if (!s) {
        if (active)
            return;
        for (unsigned i = 0; i < current; i++)
            mv_stats_params_add_int(p, 0 /* VIR_VCPU_OFFLINE */, "vcpu.%u.state", i);
        return;
    }
    for (size_t i = 0; i < s->nvcpus; i++) {
        const MvStatsThread *t = &s->vcpus[i];
        /* Offline vCPUs (no thread) are not listed, as libvirt lists online ones only. */
        if (t->tid <= 0)
            continue;
        mv_stats_params_add_int(p, mv_stats_vcpu_state(t), "vcpu.%zu.state", i);
        if (!t->present)
            continue;
        mv_stats_params_add_ullong(p, t->run_ns, "vcpu.%zu.time", i);
        mv_stats_params_add_ullong(p, mv_stats_sample_vcpu_wait_ns(s, i), "vcpu.%zu.wait", i);
        mv_stats_params_add_ullong(p, t->delay_ns, "vcpu.%zu.delay", i);
    }
}
