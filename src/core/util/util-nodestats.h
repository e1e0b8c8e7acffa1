// SPDX-License-Identifier: LGPL-2.1-or-later
// Host statistics and identity as libvirt's node calls report them: CPU times from
// /proc/stat, memory from /proc/meminfo (or a NUMA node's meminfo), and the SMBIOS/DMI
// strings the kernel exports under /sys/class/dmi/id.
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct {
    const char *field;   /* libvirt's name: "kernel", "user", "idle", "iowait"; "total", ... */
    guint64 value;       /* CPU: nanoseconds; memory: KiB */
} MvNodeStat;

/* The four CPU fields libvirt reports and the four memory fields of the whole host. */
#define MV_NODE_CPU_STATS 4
#define MV_NODE_MEMORY_STATS 4

/* CPU times of CPU @cpu, or of all CPUs when @cpu is -1, read from @proc_stat (NULL:
 * /proc/stat): kernel (system + irq + softirq), user (user + nice), idle, iowait, in ns.
 * Errors: MV_ERR_INVALID_ARG for a CPU the file does not list, MV_ERR_SYSTEM_ERROR when
 * it cannot be read. */
bool mv_node_cpu_stats(const char *proc_stat, int cpu, MvNodeStat ret_stats[MV_NODE_CPU_STATS],
                       GError **error);

/* Memory of the host (@cell -1: total, free, buffers, cached from @meminfo, NULL:
 * /proc/meminfo) or of NUMA node @cell (total, free from its node meminfo; *ret_n = 2), KiB.
 * *ret_n receives the number of fields filled.  Errors as above. */
bool mv_node_memory_stats(const char *meminfo, int cell, MvNodeStat ret_stats[MV_NODE_MEMORY_STATS],
                          int *ret_n, GError **error);

/* libvirt's <sysinfo type='smbios'> from the DMI files in @dmi_dir (NULL: /sys/class/dmi/id):
 * <bios>, <system>, <baseBoard>, <chassis> entries that exist.  g_free() it.
 * Error MV_ERR_OPERATION_UNSUPPORTED when the host exports no DMI data. */
char *mv_node_sysinfo(const char *dmi_dir, GError **error);
