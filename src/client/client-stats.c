// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain statistics on the client side: typed parameters off the wire, the bulk stats call
// and the per-domain ones (vCPUs, CPU, memory, block, interface), with the argument checks
// libvirt's client makes before asking.  Read-only connections may make all of them.

#include "client-private.h"
#include "modvirt/libvirt-domain-stats.h"
#include "util/util-error.h"

#include <stdlib.h>
#include <string.h>

/* ---- typed parameters ---- */

virTypedParameterPtr
virTypedParamsGet(virTypedParameterPtr params, int nparams, const char *name)
{
    if (!params || !name)
        return NULL;
    for (int i = 0; i < nparams; i++) {
        if (strcmp(params[i].field, name) == 0)
            return &params[i];
    }
    return NULL;
}

/* The parameter @name of type @type: 1, 0 when absent, -1 (reported) for another type. */
static int
get_typed(virTypedParameterPtr params, int nparams, const char *name, int type, const void *value,
          virTypedParameterPtr *ret_param)
{
    g_autoptr(GError) error = NULL;
    mv_client_error_reset();
    if (!value) {
        mv_client_invalid_arg(&error, "Invalid argument: value is NULL");
        mv_client_report(NULL, error);
        return -1;
    }
    virTypedParameterPtr p = virTypedParamsGet(params, nparams, name);
    if (!p)
        return 0;
    if (p->type != type) {
        mv_client_invalid_arg(&error, "Invalid type '%d' requested for parameter '%s', actual type is '%d'",
                              type, name, p->type);
        mv_client_report(NULL, error);
        return -1;
    }
    *ret_param = p;
    return 1;
}

#define DEFINE_GET(fn, ctype, type, member)                                                       \
    int                                                                                           \
    fn(virTypedParameterPtr params, int nparams, const char *name, ctype *value)                  \
    {                                                                                             \
        virTypedParameterPtr p = NULL;                                                            \
        int rc = get_typed(params, nparams, name, type, value, &p);                               \
        if (rc == 1)                                                                              \
            *value = p->value.member;                                                             \
        return rc;                                                                                \
    }

DEFINE_GET(virTypedParamsGetInt, int, VIR_TYPED_PARAM_INT, i)
DEFINE_GET(virTypedParamsGetUInt, unsigned int, VIR_TYPED_PARAM_UINT, ui)
DEFINE_GET(virTypedParamsGetLLong, long long, VIR_TYPED_PARAM_LLONG, l)
DEFINE_GET(virTypedParamsGetULLong, unsigned long long, VIR_TYPED_PARAM_ULLONG, ul)
DEFINE_GET(virTypedParamsGetDouble, double, VIR_TYPED_PARAM_DOUBLE, d)
DEFINE_GET(virTypedParamsGetBoolean, int, VIR_TYPED_PARAM_BOOLEAN, b)
DEFINE_GET(virTypedParamsGetString, const char *, VIR_TYPED_PARAM_STRING, s)

void
virTypedParamsClear(virTypedParameterPtr params, int nparams)
{
    for (int i = 0; params && i < nparams; i++) {
        if (params[i].type == VIR_TYPED_PARAM_STRING)
            g_clear_pointer(&params[i].value.s, g_free);
    }
}

void
virTypedParamsFree(virTypedParameterPtr params, int nparams)
{
    virTypedParamsClear(params, nparams);
    g_free(params);
}

/* Copy @n wire parameters into @out (zeroed, room for @n). */
static bool
params_from_wire(const remote_typed_param *in, u_int n, virTypedParameterPtr out, GError **error)
{
    for (u_int i = 0; i < n; i++) {
        const remote_typed_param *w = &in[i];
        virTypedParameterPtr p = &out[i];
        if (g_strlcpy(p->field, w->field, sizeof(p->field)) >= sizeof(p->field)) {
            mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "Parameter name '%s' too big for destination", w->field);
            return false;
        }
        p->type = w->value.type;
        switch (w->value.type) {
        case VIR_TYPED_PARAM_INT:
            p->value.i = w->value.remote_typed_param_value_u.i;
            break;
        case VIR_TYPED_PARAM_UINT:
            p->value.ui = w->value.remote_typed_param_value_u.ui;
            break;
        case VIR_TYPED_PARAM_LLONG:
            p->value.l = w->value.remote_typed_param_value_u.l;
            break;
        case VIR_TYPED_PARAM_ULLONG:
            p->value.ul = w->value.remote_typed_param_value_u.ul;
            break;
        case VIR_TYPED_PARAM_DOUBLE:
            p->value.d = w->value.remote_typed_param_value_u.d;
            break;
        case VIR_TYPED_PARAM_BOOLEAN:
            p->value.b = (char)(w->value.remote_typed_param_value_u.b != 0);
            break;
        case VIR_TYPED_PARAM_STRING:
            p->value.s = g_strdup(w->value.remote_typed_param_value_u.s);
            break;
        default:
            mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "unknown parameter type: %d", w->value.type);
            return false;
        }
    }
    return true;
}

/* ---- bulk statistics ---- */

void
virDomainStatsRecordListFree(virDomainStatsRecordPtr *stats)
{
    for (virDomainStatsRecordPtr *r = stats; r && *r; r++) {
        if ((*r)->dom)
            mv_client_domain_unref((*r)->dom);
        virTypedParamsFree((*r)->params, (*r)->nparams);
        g_free(*r);
    }
    g_free(stats);
}

/* CONNECT_GET_ALL_DOMAIN_STATS over @conn with @doms (may be empty). */
static int
get_stats(virConnectPtr conn, remote_nonnull_domain *doms, u_int ndoms, unsigned int stats,
          virDomainStatsRecordPtr **retStats, unsigned int flags, GError **error)
{
    remote_connect_get_all_domain_stats_args args = { .stats = stats, .flags = flags };
    remote_connect_get_all_domain_stats_ret ret = { 0 };
    args.doms.doms_len = ndoms;
    args.doms.doms_val = doms;
    if (!mv_client_call(conn, REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
                        (xdrproc_t)xdr_remote_connect_get_all_domain_stats_args, &args,
                        (xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, &ret, error))
        return -1;

    u_int n = ret.retStats.retStats_len;
    virDomainStatsRecordPtr *out = g_new0(virDomainStatsRecordPtr, n + 1);
    bool ok = true;
    for (u_int i = 0; i < n && ok; i++) {
        remote_domain_stats_record *w = &ret.retStats.retStats_val[i];
        virDomainStatsRecordPtr r = g_new0(virDomainStatsRecord, 1);
        out[i] = r;
        r->params = g_new0(virTypedParameter, MAX(w->params.params_len, 1));
        r->nparams = (int)w->params.params_len;
        ok = params_from_wire(w->params.params_val, w->params.params_len, r->params, error);
        if (ok)
            r->dom = mv_client_domain_new(conn, &w->dom);
    }
    xdr_free((xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, (char *)&ret);
    if (!ok) {
        virDomainStatsRecordListFree(out);
        return -1;
    }
    *retStats = out;
    return (int)n;
}

int
virConnectGetAllDomainStats(virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                            unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(retStats, G_STRFUNC, "retStats", &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    *retStats = NULL;
    int n = get_stats(conn, NULL, 0, stats, retStats, flags, &error);
    if (n < 0)
        mv_client_report(conn, error);
    return n;
}

int
virDomainListGetStats(virDomainPtr *doms, unsigned int stats, virDomainStatsRecordPtr **retStats,
                      unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    if (!doms || !*doms) {
        mv_client_error_reset();
        mv_client_invalid_arg(&error, "doms array in %s must contain at least one domain", G_STRFUNC);
        mv_client_report(NULL, error);
        return -1;
    }
    virConnectPtr conn = doms[0]->conn;
    if (!mv_client_domain_enter(doms[0], G_STRFUNC, &error) ||
        !mv_client_check_arg(retStats, G_STRFUNC, "retStats", &error)) {
        mv_client_domain_report(doms[0], error);
        return -1;
    }
    *retStats = NULL;
    size_t n = 0;
    while (doms[n])
        n++;
    g_autofree remote_nonnull_domain *wire = g_new0(remote_nonnull_domain, n);
    for (size_t i = 0; i < n; i++) {
        if (!mv_client_domain_enter(doms[i], G_STRFUNC, &error) || doms[i]->conn != conn) {
            if (!error)
                mv_client_invalid_arg(&error, "domains in 'doms' must belong to a single connection");
            mv_client_report(conn, error);
            return -1;
        }
        mv_client_domain_to_wire(doms[i], &wire[i]);
    }
    int rc = get_stats(conn, wire, (u_int)n, stats, retStats, flags, &error);
    if (rc < 0)
        mv_client_report(conn, error);
    return rc;
}

/* ---- per-domain statistics ---- */

/* Start of a per-domain entry point: checks, @dom on the wire into @ret_dom. */
static bool
enter(virDomainPtr dom, const char *func, remote_nonnull_domain *ret_dom, GError **error)
{
    if (!mv_client_domain_enter(dom, func, error))
        return false;
    mv_client_domain_to_wire(dom, ret_dom);
    return true;
}

static int
fail(virDomainPtr dom, GError *error)
{
    mv_client_domain_report(dom, error);
    return -1;
}

int
virDomainGetVcpus(virDomainPtr domain, virVcpuInfoPtr info, int maxinfo, unsigned char *cpumaps, int maplen)
{
    g_autoptr(GError) error = NULL;
    remote_domain_get_vcpus_args args = { .maxinfo = maxinfo, .maplen = cpumaps ? maplen : 0 };
    remote_domain_get_vcpus_ret ret = { 0 };
    if (!enter(domain, G_STRFUNC, &args.dom, &error))
        return fail(domain, error);
    if (!info || maxinfo < 1 || (cpumaps && maplen <= 0)) {
        mv_client_invalid_arg(&error, "%s", !info ? "info must not be NULL" : "maxinfo and maplen must be positive");
        return fail(domain, error);
    }
    if (maxinfo > REMOTE_VCPUINFO_MAX || (gint64)maxinfo * args.maplen > REMOTE_CPUMAPS_MAX) {
        mv_error_set(&error, MV_FROM_RPC, MV_ERR_RPC, "vCPU count %d or map length %d exceeds the maximum",
                     maxinfo, maplen);
        return fail(domain, error);
    }
    if (!mv_client_call(domain->conn, REMOTE_PROC_DOMAIN_GET_VCPUS, (xdrproc_t)xdr_remote_domain_get_vcpus_args,
                        &args, (xdrproc_t)xdr_remote_domain_get_vcpus_ret, &ret, &error))
        return fail(domain, error);
    if (ret.info.info_len > (u_int)maxinfo || ret.cpumaps.cpumaps_len > (u_int)maxinfo * (u_int)args.maplen) {
        xdr_free((xdrproc_t)xdr_remote_domain_get_vcpus_ret, (char *)&ret);
        mv_error_set(&error, MV_FROM_RPC, MV_ERR_RPC, "the daemon returned more vCPUs than asked for");
        return fail(domain, error);
    }
    memset(info, 0, sizeof(*info) * (size_t)maxinfo);
    for (u_int i = 0; i < ret.info.info_len; i++) {
        info[i].number = ret.info.info_val[i].number;
        info[i].state = ret.info.info_val[i].state;
        info[i].cpuTime = ret.info.info_val[i].cpu_time;
        info[i].cpu = ret.info.info_val[i].cpu;
    }
    if (cpumaps) {
        memset(cpumaps, 0, (size_t)maxinfo * (size_t)maplen);
        memcpy(cpumaps, ret.cpumaps.cpumaps_val, ret.cpumaps.cpumaps_len);
    }
    int n = (int)ret.info.info_len;
    xdr_free((xdrproc_t)xdr_remote_domain_get_vcpus_ret, (char *)&ret);
    return n;
}

int
virDomainGetCPUStats(virDomainPtr domain, virTypedParameterPtr params, unsigned int nparams, int start_cpu,
                     unsigned int ncpus, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_domain_get_cpu_stats_args args = { .nparams = nparams, .start_cpu = start_cpu, .ncpus = ncpus,
                                              /* as libvirt's client: it can take strings */
                                              .flags = flags | VIR_TYPED_PARAM_STRING_OKAY };
    remote_typed_params_ret ret = { 0 };
    if (!enter(domain, G_STRFUNC, &args.dom, &error))
        return fail(domain, error);
    /* libvirt's rules: totals are one "CPU" at -1; a query has no buffer; a buffer has room. */
    if (start_cpu < -1 || (start_cpu == -1 && ncpus != 1) || (!params && nparams) || (params && !nparams) ||
        (nparams && !ncpus) || (ncpus && nparams > G_MAXUINT / ncpus)) {
        mv_client_invalid_arg(&error, "invalid arguments to %s: start_cpu %d, ncpus %u, nparams %u", G_STRFUNC,
                              start_cpu, ncpus, nparams);
        return fail(domain, error);
    }
    if (!mv_client_call(domain->conn, REMOTE_PROC_DOMAIN_GET_CPU_STATS,
                        (xdrproc_t)xdr_remote_domain_get_cpu_stats_args, &args,
                        (xdrproc_t)xdr_remote_typed_params_ret, &ret, &error))
        return fail(domain, error);
    int rv = ret.nparams;
    u_int len = ret.params.params_len;
    if (len > nparams * ncpus || (len && (ret.nparams <= 0 || len % (u_int)ret.nparams || (u_int)ret.nparams > nparams))) {
        xdr_free((xdrproc_t)xdr_remote_typed_params_ret, (char *)&ret);
        mv_error_set(&error, MV_FROM_RPC, MV_ERR_RPC, "%s: returned number of stats exceeds limit", G_STRFUNC);
        return fail(domain, error);
    }
    if (nparams) {
        /* The daemon sends each CPU's parameters back to back, stride ret.nparams. */
        memset(params, 0, sizeof(*params) * nparams * ncpus);
        u_int stride = (u_int)MAX(ret.nparams, 1);
        for (u_int cpu = 0; len && cpu < len / stride && rv >= 0; cpu++) {
            if (!params_from_wire(&ret.params.params_val[cpu * stride], stride, &params[cpu * nparams], &error)) {
                virTypedParamsClear(params, (int)(nparams * ncpus));
                rv = -1;
            }
        }
    }
    xdr_free((xdrproc_t)xdr_remote_typed_params_ret, (char *)&ret);
    if (rv < 0)
        return fail(domain, error);
    return rv;
}

int
virDomainMemoryStats(virDomainPtr dom, virDomainMemoryStatPtr stats, unsigned int nr_stats, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_domain_memory_stats_args args = { .maxStats = nr_stats, .flags = flags };
    remote_domain_memory_stats_ret ret = { 0 };
    if (!enter(dom, G_STRFUNC, &args.dom, &error))
        return fail(dom, error);
    if (!stats || nr_stats == 0) {
        mv_client_invalid_arg(&error, "stats must not be NULL and nr_stats must be positive");
        return fail(dom, error);
    }
    if (nr_stats > REMOTE_DOMAIN_MEMORY_STATS_MAX) {
        mv_error_set(&error, MV_FROM_RPC, MV_ERR_RPC, "too many memory stats requested: %u > %d", nr_stats,
                     REMOTE_DOMAIN_MEMORY_STATS_MAX);
        return fail(dom, error);
    }
    if (!mv_client_call(dom->conn, REMOTE_PROC_DOMAIN_MEMORY_STATS, (xdrproc_t)xdr_remote_domain_memory_stats_args,
                        &args, (xdrproc_t)xdr_remote_domain_memory_stats_ret, &ret, &error))
        return fail(dom, error);
    u_int n = MIN(ret.stats.stats_len, nr_stats);
    for (u_int i = 0; i < n; i++) {
        stats[i].tag = ret.stats.stats_val[i].tag;
        stats[i].val = ret.stats.stats_val[i].val;
    }
    xdr_free((xdrproc_t)xdr_remote_domain_memory_stats_ret, (char *)&ret);
    return (int)n;
}

int
virDomainBlockStats(virDomainPtr dom, const char *disk, virDomainBlockStatsPtr stats, size_t size)
{
    g_autoptr(GError) error = NULL;
    remote_domain_block_stats_args args = { .path = (char *)disk };
    remote_domain_block_stats_ret ret = { 0 };
    if (!enter(dom, G_STRFUNC, &args.dom, &error))
        return fail(dom, error);
    if (!disk || !stats || size > sizeof(virDomainBlockStatsStruct)) {
        mv_client_invalid_arg(&error, "%s", !disk ? "disk must not be NULL"
                                            : !stats ? "stats must not be NULL" : "stats size is too large");
        return fail(dom, error);
    }
    if (!mv_client_call(dom->conn, REMOTE_PROC_DOMAIN_BLOCK_STATS, (xdrproc_t)xdr_remote_domain_block_stats_args,
                        &args, (xdrproc_t)xdr_remote_domain_block_stats_ret, &ret, &error))
        return fail(dom, error);
    virDomainBlockStatsStruct s = { ret.rd_req, ret.rd_bytes, ret.wr_req, ret.wr_bytes, ret.errs };
    memcpy(stats, &s, size);
    return 0;
}

int
virDomainInterfaceStats(virDomainPtr dom, const char *device, virDomainInterfaceStatsPtr stats, size_t size)
{
    g_autoptr(GError) error = NULL;
    remote_domain_interface_stats_args args = { .device = (char *)device };
    remote_domain_interface_stats_ret ret = { 0 };
    if (!enter(dom, G_STRFUNC, &args.dom, &error))
        return fail(dom, error);
    if (!device || !stats || size > sizeof(virDomainInterfaceStatsStruct)) {
        mv_client_invalid_arg(&error, "%s", !device ? "device must not be NULL"
                                            : !stats ? "stats must not be NULL" : "stats size is too large");
        return fail(dom, error);
    }
    if (!mv_client_call(dom->conn, REMOTE_PROC_DOMAIN_INTERFACE_STATS,
                        (xdrproc_t)xdr_remote_domain_interface_stats_args, &args,
                        (xdrproc_t)xdr_remote_domain_interface_stats_ret, &ret, &error))
        return fail(dom, error);
    virDomainInterfaceStatsStruct s = { ret.rx_bytes, ret.rx_packets, ret.rx_errs, ret.rx_drop,
                                        ret.tx_bytes, ret.tx_packets, ret.tx_errs, ret.tx_drop };
    memcpy(stats, &s, size);
    return 0;
}
