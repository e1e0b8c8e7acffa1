// SPDX-License-Identifier: LGPL-2.1-or-later
// roundtrip-client: single-RPC round trips per second over one connection from C.  Opens one
// connection per URI, warms each up with virConnectGetLibVersion calls, then times calls on
// all of them in turns and prints one line per URI.  Built against libmodvirt when the build
// has it; otherwise the same calls go through the project's raw RPC client (bench-rpc), and
// the output says which.

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#ifdef BENCH_WITH_LIBMODVIRT
# include <modvirt/libvirt.h>
# define CLIENT_NAME "libmodvirt"

typedef virConnectPtr Conn;

static Conn
conn_open(const char *uri)
{
    Conn c = virConnectOpen(uri);
    if (!c)
        fprintf(stderr, "roundtrip-client: virConnectOpen('%s') failed\n", uri);
    return c;
}

static bool
conn_lib_version(Conn c)
{
    unsigned long v;
    return virConnectGetLibVersion(c, &v) == 0;
}

static void
conn_close(Conn c)
{
    virConnectClose(c);
}
#else
# include "bench-rpc.h"
# define CLIENT_NAME "rpc-client"

typedef MvRpcClient *Conn;

static Conn
conn_open(const char *uri)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *sock = bench_uri_socket(uri);
    if (!sock) {
        fprintf(stderr, "roundtrip-client: URI '%s' has no socket= parameter\n", uri);
        return NULL;
    }
    Conn c = bench_rpc_open(sock, uri, &err);
    if (!c)
        fprintf(stderr, "roundtrip-client: cannot open '%s': %s\n", uri, err->message);
    return c;
}

static bool
conn_lib_version(Conn c)
{
    guint64 v;
    g_autoptr(GError) err = NULL;
    if (bench_rpc_lib_version(c, &v, &err))
        return true;
    fprintf(stderr, "roundtrip-client: GET_LIB_VERSION failed: %s\n", err->message);
    return false;
}

static void
conn_close(Conn c)
{
    bench_rpc_close(c, NULL);
    mv_rpc_client_free(c);
}
#endif

/* Calls per batch: servers take turns batch by batch, so load from elsewhere on the
 * machine, which comes and goes, falls on all of them alike. */
#define DEFAULT_BATCH 500
/* More connections than this are not a benchmark of one server. */
#define MAX_URIS 8

int
main(int argc, char **argv)
{
    long calls = 20000, warmup = 2000, batch = DEFAULT_BATCH;
    int argi = 1;

    while (argi + 1 < argc && argv[argi][0] == '-') {
        if (strcmp(argv[argi], "--calls") == 0)
            calls = atol(argv[argi + 1]);
        else if (strcmp(argv[argi], "--warmup") == 0)
            warmup = atol(argv[argi + 1]);
        else if (strcmp(argv[argi], "--batch") == 0)
            batch = atol(argv[argi + 1]);
        else
            break;
        argi += 2;
    }
    int n = argc - argi;
    if (n < 1 || n > MAX_URIS || calls <= 0 || warmup < 0 || batch <= 0) {
        fprintf(stderr, "usage: %s [--calls N] [--warmup N] [--batch N] URI...\n"
                        "Times N calls on each URI, the URIs taking turns every batch.\n", argv[0]);
        return 2;
    }
    char **uris = argv + argi;
    Conn conns[MAX_URIS];
    gint64 total[MAX_URIS] = { 0 };
    long nbatches = (calls + batch - 1) / batch;
    g_autofree gint64 *times = g_new0(gint64, (size_t)n * nbatches);

    for (int u = 0; u < n; u++) {
        if (!(conns[u] = conn_open(uris[u])))
            return 1;
        for (long i = 0; i < warmup; i++) {
            if (!conn_lib_version(conns[u]))
                return 1;
        }
    }
    for (long b = 0; b < nbatches; b++) {
        long this_batch = MIN(batch, calls - b * batch);
        /* Rotate who goes first, so no server always follows the same one. */
        for (int k = 0; k < n; k++) {
            int u = (int)((b + k) % n);
            gint64 t0 = g_get_monotonic_time();
            for (long i = 0; i < this_batch; i++) {
                if (!conn_lib_version(conns[u]))
                    return 1;
            }
            times[u * nbatches + b] = g_get_monotonic_time() - t0;
            total[u] += times[u * nbatches + b];
        }
    }
    for (int u = 0; u < n; u++) {
        conn_close(conns[u]);
        g_autoptr(GString) bt = g_string_new(NULL);
        for (long b = 0; b < nbatches; b++)
            g_string_append_printf(bt, "%s%" G_GINT64_FORMAT, b ? "," : "", times[u * nbatches + b]);
        printf("uri=%s client=%s calls=%ld seconds=%.4f rate=%.1f batch_us=%s\n", uris[u], CLIENT_NAME,
               calls, total[u] / 1e6, calls / (total[u] / 1e6), bt->str);
    }
    return 0;
}
