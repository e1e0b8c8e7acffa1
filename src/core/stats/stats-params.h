// SPDX-License-Identifier: LGPL-2.1-or-later
// Typed parameters as libvirt's stats calls return them: a growing list of (key, typed value)
// in remote_typed_param form, and the groups every hypervisor driver fills the same way from
// a sample (state, cpu.*, vcpu.*).  Groups that need the driver's devices (balloon, net,
// block) are the driver's.
#pragma once

#include "stats/stats-sampler.h"
#include "remote.h"

#include <glib.h>

/* libvirt's VIR_TYPED_PARAM_FIELD_LENGTH: the client copies keys into 80-byte fields and
 * refuses longer ones, so a key must stay below it. */
#define MV_STATS_FIELD_MAX 80

/* Typed parameter types (VIR_TYPED_PARAM_*); they cross the wire. */
enum {
    MV_TP_INT = 1,
    MV_TP_UINT = 2,
    MV_TP_LLONG = 3,
    MV_TP_ULLONG = 4,
    MV_TP_DOUBLE = 5,
    MV_TP_BOOLEAN = 6,
    MV_TP_STRING = 7,
};

/* Stats groups (VIR_DOMAIN_STATS_*). */
enum {
    MV_STATS_STATE = 1 << 0,
    MV_STATS_CPU_TOTAL = 1 << 1,
    MV_STATS_BALLOON = 1 << 2,
    MV_STATS_VCPU = 1 << 3,
    MV_STATS_INTERFACE = 1 << 4,
    MV_STATS_BLOCK = 1 << 5,
    MV_STATS_PERF = 1 << 6,
    MV_STATS_IOTHREAD = 1 << 7,
    MV_STATS_MEMORY = 1 << 8,
    MV_STATS_DIRTYRATE = 1 << 9,
    MV_STATS_VM = 1 << 10,
};

typedef struct MvStatsParams MvStatsParams;

MvStatsParams *mv_stats_params_new(void);
void mv_stats_params_free(MvStatsParams *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStatsParams, mv_stats_params_free)

/* Append one parameter; the key is formatted from @fmt.  Keys past MV_STATS_FIELD_MAX - 1
 * bytes are a bug of the caller and abort in debug builds. */
void mv_stats_params_add_int(MvStatsParams *p, int v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void mv_stats_params_add_uint(MvStatsParams *p, unsigned v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void mv_stats_params_add_llong(MvStatsParams *p, gint64 v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void mv_stats_params_add_ullong(MvStatsParams *p, guint64 v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void mv_stats_params_add_bool(MvStatsParams *p, bool v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void mv_stats_params_add_string(MvStatsParams *p, const char *v, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

size_t mv_stats_params_len(const MvStatsParams *p);
/* The parameters so far (owned by @p). */
const remote_typed_param *mv_stats_params_get(const MvStatsParams *p);

/* Hand the parameters over as an XDR array (malloc'd; xdr_free releases it) and empty @p. */
void mv_stats_params_steal(MvStatsParams *p, u_int *ret_len, remote_typed_param **ret_val);

/* STATE: state.state, state.reason. */
void mv_stats_params_state(MvStatsParams *p, int state, int reason);

/* CPU_TOTAL of a running guest: cpu.time, cpu.user, cpu.system (ns).  Without cgroup
 * accounting cpu.time is the process's and user/system are left out. */
void mv_stats_params_cpu_total(MvStatsParams *p, const MvStatsSample *s);

/* VCPU: vcpu.current, vcpu.maximum, then for each vCPU N its state; with a sample (running
 * guest) also vcpu.N.time (schedstat run time), vcpu.N.wait (wait_sum, else the run delay)
 * and vcpu.N.delay (schedstat run delay), all ns.  An inactive guest (@active false, no
 * sample) has its first @current vCPUs listed offline; a running one whose sample could not
 * be read gets the two counts only. */
void mv_stats_params_vcpu(MvStatsParams *p, unsigned current, unsigned maximum, bool active,
                          const MvStatsSample *s);
