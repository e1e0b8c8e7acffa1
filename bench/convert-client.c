// SPDX-License-Identifier: LGPL-2.1-or-later
// convert-client: xl.cfg -> domain XML conversions per second through libmodvirt
// (virConnectDomainXMLFromNative), beside the same number of zero-work round trips
// (virConnectGetLibVersion, answered by the daemon frame) on the same connection.
// Usage: convert-client URI FORMAT FILE...   Prints two lines: "convert N S" and "floor N S"
// (calls, seconds).  Files are read before timing; each is converted once per pass.

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <modvirt/libvirt.h>

int
main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: convert-client URI FORMAT FILE...\n");
        return 2;
    }
    const char *uri = argv[1], *format = argv[2];
    int n = argc - 3;
    char **texts = g_new0(char *, n);
    for (int i = 0; i < n; i++) {
        if (!g_file_get_contents(argv[3 + i], &texts[i], NULL, NULL)) {
            fprintf(stderr, "convert-client: cannot read '%s'\n", argv[3 + i]);
            return 1;
        }
    }
    virConnectPtr conn = virConnectOpen(uri);
    if (!conn) {
        fprintf(stderr, "convert-client: cannot open '%s'\n", uri);
        return 1;
    }
    unsigned long v;
    for (int i = 0; i < 50; i++)   /* warm-up */
        virConnectGetLibVersion(conn, &v);

    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < n; i++) {
        char *xml = virConnectDomainXMLFromNative(conn, format, texts[i], 0);
        if (!xml) {
            fprintf(stderr, "convert-client: '%s' failed to convert\n", argv[3 + i]);
            return 1;
        }
        free(xml);
    }
    gint64 t1 = g_get_monotonic_time();
    for (int i = 0; i < n; i++)
        if (virConnectGetLibVersion(conn, &v) < 0)
            return 1;
    gint64 t2 = g_get_monotonic_time();
    printf("convert %d %.6f\n", n, (double)(t1 - t0) / 1e6);
    printf("floor %d %.6f\n", n, (double)(t2 - t1) / 1e6);
    virConnectClose(conn);
    for (int i = 0; i < n; i++)
        g_free(texts[i]);
    g_free(texts);
    return 0;
}
