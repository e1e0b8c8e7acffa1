// SPDX-License-Identifier: LGPL-2.1-or-later
// stats-client: latency of CONNECT_GET_ALL_DOMAIN_STATS from C, over the project's raw RPC
// client (the same bytes virConnectGetAllDomainStats sends), so that what is measured is the
// server and the wire, not a client library's dictionaries.  One connection per URI; the
// servers take turns every --batch calls, so load from elsewhere hits them alike.  Prints one
// line per URI: calls, records in the last reply, and latency percentiles in microseconds.

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>

#include "bench-rpc.h"
#include "remote.h"

/* VIR_DOMAIN_STATS_VCPU */
#define DEFAULT_STATS 8

static bool
stats_call(MvRpcClient *c, unsigned stats, unsigned *ret_records, GError **error)
{
    remote_connect_get_all_domain_stats_args a = { .stats = stats };
    remote_connect_get_all_domain_stats_ret r = { 0 };
    if (!mv_rpc_client_call(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS,
                            (xdrproc_t)xdr_remote_connect_get_all_domain_stats_args, &a,
                            (xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, &r, error))
        return false;
    *ret_records = r.retStats.retStats_len;
    xdr_free((xdrproc_t)xdr_remote_connect_get_all_domain_stats_ret, (char *)&r);
    return true;
}

static int
cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

static double
pctl(const gint64 *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)sorted[MIN(i, n - 1)] / 1000.0;
}

int
main(int argc, char **argv)
{
    int calls = 200, warmup = 20, batch = 10, stats = DEFAULT_STATS;
    GOptionEntry entries[] = {
        { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "timed calls per server (default 200)", "N" },
        { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "untimed calls first (default 20)", "N" },
        { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "calls per turn (default 10)", "N" },
        { "stats", 0, 0, G_OPTION_ARG_INT, &stats, "stats group bits (default 8, VCPU)", "MASK" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("URI... - time GET_ALL_DOMAIN_STATS");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc < 2 || calls < 1 || batch < 1) {
        fprintf(stderr, "stats-client: %s\n", err ? err->message : "usage: stats-client [options] URI...");
        return 2;
    }
    int n = argc - 1;
    MvRpcClient **conns = g_new0(MvRpcClient *, n);
    gint64 **times = g_new0(gint64 *, n);
    unsigned *records = g_new0(unsigned, n);
    for (int u = 0; u < n; u++) {
        const char *uri = argv[u + 1];
        g_autofree char *sock = bench_uri_socket(uri);
        if (!sock) {
            fprintf(stderr, "stats-client: URI '%s' has no socket= parameter\n", uri);
            return 1;
        }
        conns[u] = bench_rpc_open(sock, uri, &err);
        if (!conns[u]) {
            fprintf(stderr, "stats-client: %s: %s\n", uri, err->message);
            return 1;
        }
        for (int i = 0; i < warmup; i++) {
            if (!stats_call(conns[u], (unsigned)stats, &records[u], &err)) {
                fprintf(stderr, "stats-client: %s: %s\n", uri, err->message);
                return 1;
            }
        }
        times[u] = g_new0(gint64, calls);
    }
    for (int done = 0, turn = 0; done < calls; done += batch, turn++) {
        int m = MIN(batch, calls - done);
        for (int k = 0; k < n; k++) {
            int u = (turn + k) % n;
            for (int i = 0; i < m; i++) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                if (!stats_call(conns[u], (unsigned)stats, &records[u], &err)) {
                    fprintf(stderr, "stats-client: %s: %s\n", argv[u + 1], err->message);
                    return 1;
                }
                clock_gettime(CLOCK_MONOTONIC, &b);
                times[u][done + i] = (gint64)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
            }
        }
    }
    for (int u = 0; u < n; u++) {
        qsort(times[u], (size_t)calls, sizeof(gint64), cmp_i64);
        printf("uri=%s calls=%d records=%u min_us=%.1f p10_us=%.1f median_us=%.1f p90_us=%.1f max_us=%.1f\n",
               argv[u + 1], calls, records[u], pctl(times[u], (size_t)calls, 0.0),
               pctl(times[u], (size_t)calls, 0.1), pctl(times[u], (size_t)calls, 0.5),
               pctl(times[u], (size_t)calls, 0.9), pctl(times[u], (size_t)calls, 1.0));
        bench_rpc_close(conns[u], NULL);
        mv_rpc_client_free(conns[u]);
        g_free(times[u]);
    }
    g_free(conns);
    g_free(times);
    g_free(records);
    return 0;
}
