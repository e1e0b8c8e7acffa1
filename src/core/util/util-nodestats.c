// SPDX-License-Identifier: LGPL-2.1-or-later
// Host CPU and memory statistics and DMI identity (see util-nodestats.h).

#include "util/util-nodestats.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/util-error.h"

static char *
read_file(const char *path, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, &local)) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_SYSTEM_ERROR, "cannot read '%s': %s", path,
                     local->message);
        return NULL;
    }
    return text;
}

bool
mv_node_cpu_stats(const char *proc_stat, int cpu, MvNodeStat ret_stats[MV_NODE_CPU_STATS],
                  GError **error)
{
    const char *path = proc_stat ? proc_stat : "/proc/stat";
    g_autofree char *text = read_file(path, error);
    if (!text)
        return false;
    g_autofree char *want = cpu < 0 ? g_strdup("cpu") : g_strdup_printf("cpu%d", cpu);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    /* /proc/stat counts in USER_HZ ticks. */
    long hz = sysconf(_SC_CLK_TCK);
    guint64 ns_per_tick = hz > 0 ? 1000000000ull / (guint64)hz : 10000000ull;
    for (size_t i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(lines[i], " ", -1);
        guint64 v[8] = { 0 };
        size_t n = 0;
        if (!f[0] || !g_str_equal(f[0], want))
            continue;
        for (size_t k = 1; f[k] && n < G_N_ELEMENTS(v); k++) {
            if (*f[k])
                v[n++] = g_ascii_strtoull(f[k], NULL, 10);
        }
        if (n < 7)
            break;
        /* user nice system idle iowait irq softirq */
        ret_stats[0] = (MvNodeStat){ "kernel", (v[2] + v[5] + v[6]) * ns_per_tick };
        ret_stats[1] = (MvNodeStat){ "user", (v[0] + v[1]) * ns_per_tick };
        ret_stats[2] = (MvNodeStat){ "idle", v[3] * ns_per_tick };
        ret_stats[3] = (MvNodeStat){ "iowait", v[4] * ns_per_tick };
        return true;
    }
    mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "Invalid cpuNum in %s: %d is not a CPU of this host",
                 "nodeGetCPUStats", cpu);
    return false;
}

/* The value of "Key:   123 kB" in a meminfo text (the node files prefix "Node N "). */
static bool
meminfo_value(const char *text, const char *key, guint64 *ret)
{
    g_autofree char *needle = g_strdup_printf("%s:", key);
    const char *p = strstr(text, needle);
    if (!p)
        return false;
    *ret = g_ascii_strtoull(p + strlen(needle), NULL, 10);
    return true;
}

bool
mv_node_memory_stats(const char *meminfo, int cell, MvNodeStat ret_stats[MV_NODE_MEMORY_STATS],
                     int *ret_n, GError **error)
{
    g_autofree char *node_path = NULL;
    const char *path = meminfo ? meminfo : "/proc/meminfo";
    if (cell >= 0) {
        node_path = g_strdup_printf("/sys/devices/system/node/node%d/meminfo", cell);
        if (!meminfo && access(node_path, R_OK) != 0) {
            mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_ARG,
                         "Invalid cellNum in %s: NUMA node %d does not exist on this host",
                         "nodeGetMemoryStats", cell);
            return false;
        }
        if (!meminfo)
            path = node_path;
    }
    g_autofree char *text = read_file(path, error);
    if (!text)
        return false;
    static const struct {
        const char *field, *key;
    } host[] = { { "total", "MemTotal" }, { "free", "MemFree" }, { "buffers", "Buffers" },
                 { "cached", "Cached" } };
    int n = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(host) && (cell < 0 || i < 2); i++) {
        guint64 v;
        if (!meminfo_value(text, host[i].key, &v)) {
            mv_error_set(error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR, "'%s' has no %s line", path,
                         host[i].key);
            return false;
        }
        ret_stats[n++] = (MvNodeStat){ host[i].field, v };
    }
    *ret_n = n;
    return true;
}

/* One SMBIOS section: <@element> with the <entry name=> of each DMI file present. */
static void
sysinfo_section(GString *out, const char *dir, const char *element, const char *const *map)
{
    g_autoptr(GString) entries = g_string_new(NULL);
    for (size_t i = 0; map[i]; i += 2) {
        g_autofree char *path = g_build_filename(dir, map[i + 1], NULL);
        g_autofree char *value = NULL;
        if (!g_file_get_contents(path, &value, NULL, NULL))
            continue;   /* absent, or root-only (serials) for an unprivileged daemon */
        g_strstrip(value);
        if (!*value)
            continue;
        g_autofree char *escaped = g_markup_escape_text(value, -1);
        g_string_append_printf(entries, "    <entry name='%s'>%s</entry>\n", map[i], escaped);
    }
    if (entries->len)
        g_string_append_printf(out, "  <%s>\n%s  </%s>\n", element, entries->str, element);
}

char *
mv_node_sysinfo(const char *dmi_dir, GError **error)
{
    const char *dir = dmi_dir ? dmi_dir : "/sys/class/dmi/id";
    static const char *const bios[] = { "vendor", "bios_vendor", "version", "bios_version",
                                        "date", "bios_date", "release", "bios_release", NULL };
    static const char *const system[] = { "manufacturer", "sys_vendor", "product", "product_name",
                                          "version", "product_version", "serial", "product_serial",
                                          "uuid", "product_uuid", "sku", "product_sku",
                                          "family", "product_family", NULL };
    static const char *const board[] = { "manufacturer", "board_vendor", "product", "board_name",
                                         "version", "board_version", "serial", "board_serial",
                                         "asset", "board_asset_tag", NULL };
    static const char *const chassis[] = { "manufacturer", "chassis_vendor", "version",
                                           "chassis_version", "serial", "chassis_serial",
                                           "asset", "chassis_asset_tag", NULL };
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_OPERATION_UNSUPPORTED,
                     "host sysinfo is not available: this host exports no SMBIOS/DMI data ('%s' "
                     "does not exist)", dir);
        return NULL;
    }
    GString *out = g_string_new("<sysinfo type='smbios'>\n");
    sysinfo_section(out, dir, "bios", bios);
    sysinfo_section(out, dir, "system", system);
    sysinfo_section(out, dir, "baseBoard", board);
    sysinfo_section(out, dir, "chassis", chassis);
    g_string_append(out, "</sysinfo>\n");
    return g_string_free(out, FALSE);
}
