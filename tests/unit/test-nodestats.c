// SPDX-License-Identifier: LGPL-2.1-or-later
// Node statistics and sysinfo from fixed /proc and DMI files.

#include <glib/gstdio.h>
#include <unistd.h>

#include "util/util-error.h"
#include "util/util-nodestats.h"

static char *
write_tmp(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static void
test_cpu(void)
{
    g_autofree char *dir = g_dir_make_tmp("mv-node-XXXXXX", NULL);
    g_autofree char *stat = write_tmp(dir, "stat",
        "cpu  100 20 30 400 5 6 7 0 0 0\ncpu0 50 10 15 200 2 3 4 0 0 0\nintr 1 2 3\n");
    guint64 tick = 1000000000ull / (guint64)sysconf(_SC_CLK_TCK);
    MvNodeStat s[MV_NODE_CPU_STATS];
    g_autoptr(GError) err = NULL;
    g_assert_true(mv_node_cpu_stats(stat, -1, s, &err));
    g_assert_cmpstr(s[0].field, ==, "kernel");
    g_assert_cmpuint(s[0].value, ==, (30 + 6 + 7) * tick);
    g_assert_cmpstr(s[1].field, ==, "user");
    g_assert_cmpuint(s[1].value, ==, 120 * tick);
    g_assert_cmpuint(s[2].value, ==, 400 * tick);
    g_assert_cmpuint(s[3].value, ==, 5 * tick);
    g_assert_true(mv_node_cpu_stats(stat, 0, s, &err));
    g_assert_cmpuint(s[1].value, ==, 60 * tick);
    g_assert_false(mv_node_cpu_stats(stat, 1, s, &err));
    g_assert_cmpint(err->code, ==, MV_ERR_INVALID_ARG);
    g_unlink(stat);
    g_rmdir(dir);
}

static void
test_memory(void)
{
    g_autofree char *dir = g_dir_make_tmp("mv-node-XXXXXX", NULL);
    g_autofree char *mi = write_tmp(dir, "meminfo",
        "MemTotal:       24683736 kB\nMemFree:        17536916 kB\nMemAvailable:   1 kB\n"
        "Buffers:           52764 kB\nCached:          6053784 kB\nSwapCached: 0 kB\n");
    MvNodeStat s[MV_NODE_MEMORY_STATS];
    int n = 0;
    g_autoptr(GError) err = NULL;
    g_assert_true(mv_node_memory_stats(mi, -1, s, &n, &err));
    g_assert_cmpint(n, ==, 4);
    g_assert_cmpstr(s[0].field, ==, "total");
    g_assert_cmpuint(s[0].value, ==, 24683736);
    g_assert_cmpuint(s[1].value, ==, 17536916);
    g_assert_cmpuint(s[2].value, ==, 52764);
    g_assert_cmpuint(s[3].value, ==, 6053784);
    g_unlink(mi);
    g_rmdir(dir);
}

static void
test_sysinfo(void)
{
    g_autofree char *dir = g_dir_make_tmp("mv-dmi-XXXXXX", NULL);
    g_autofree char *a = write_tmp(dir, "bios_vendor", "SeaBIOS\n");
    g_autofree char *b = write_tmp(dir, "sys_vendor", "QEMU & Co\n");
    g_autofree char *c = write_tmp(dir, "product_name", "Standard PC (Q35 + ICH9, 2009)\n");
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = mv_node_sysinfo(dir, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(xml, ==,
        "<sysinfo type='smbios'>\n"
        "  <bios>\n    <entry name='vendor'>SeaBIOS</entry>\n  </bios>\n"
        "  <system>\n    <entry name='manufacturer'>QEMU &amp; Co</entry>\n"
        "    <entry name='product'>Standard PC (Q35 + ICH9, 2009)</entry>\n  </system>\n"
        "</sysinfo>\n");
    g_unlink(a);
    g_unlink(b);
    g_unlink(c);
    g_rmdir(dir);
    g_assert_null(mv_node_sysinfo("/nonexistent/dmi", &err));
    g_assert_cmpint(err->code, ==, MV_ERR_OPERATION_UNSUPPORTED);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nodestats/cpu", test_cpu);
    g_test_add_func("/nodestats/memory", test_memory);
    g_test_add_func("/nodestats/sysinfo", test_sysinfo);
    return g_test_run();
}
