// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain statistics of the QEMU driver: the sampler over the running guests (vCPU threads
// and cgroups, src/core/stats), a background gatherer of what only QEMU knows (balloon and
// block figures over QMP), and the stats procedures, which answer from /proc reads made in
// the call plus the gatherer's last results.  No stats call takes a domain job or waits on
// a monitor, so a frozen or busy guest cannot slow down stats for the others.
#pragma once

#include "qemu-driver.h"

typedef struct QemuStats QemuStats;

/* How long the gatherer waits for one QMP answer before it gives up on the guest for this
 * round: a healthy QEMU answers in about a millisecond. */
#define QEMU_STATS_QMP_TIMEOUT_MS 1000
/* Threads asking QEMUs for balloon and block figures.  A hung QEMU holds one of them for
 * up to QEMU_STATS_QMP_TIMEOUT_MS; a guest is never asked again while a question to it is
 * still out, so hung guests cannot take every thread for long. */
#define QEMU_STATS_QMP_WORKERS 4

/* The stats machinery of @drv, sampling every @interval_ms (0: the default, 1 s).
 * Nothing runs until qemu_stats_start(). */
QemuStats *qemu_stats_new(QemuDriver *drv, unsigned interval_ms);
void qemu_stats_start(QemuStats *st);
/* Stop the sampler and the gatherer (waits for questions in flight: at most the QMP
 * timeout).  NULL-safe. */
void qemu_stats_free(QemuStats *st);

/* The sampling interval from the driver's config ([stats] interval_ms), or 0 for the
 * default.  Fails on a value out of range. */
bool qemu_stats_config_interval(GKeyFile *kf, unsigned *ret_interval_ms, GError **error);

/* Handlers (MvProcHandler contract). */
bool qemu_connect_get_all_domain_stats(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_get_vcpus(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_get_vcpu_pin_info(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_get_cpu_stats(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_memory_stats(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_block_stats(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_block_stats_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_domain_interface_stats(MvCall *call, void *args, void *ret, GError **error);

/* Parsers of QEMU's answers, exposed for tests. */
typedef struct {
    char *node;          /* "node-name" */
    char *qdev;          /* "qdev": /machine/peripheral/<alias>/... */
    char *device;        /* "device" (empty with -blockdev) */
    gint64 rd_reqs, rd_bytes, rd_ns, wr_reqs, wr_bytes, wr_ns, fl_reqs, fl_ns;
} QemuStatsBlock;

/* query-blockstats "return" array -> array of QemuStatsBlock (with a clear func). */
GArray *qemu_stats_parse_blockstats(const char *json);

/* Memory-stat tags (VIR_DOMAIN_MEMORY_STAT_*). */
enum {
    QEMU_MEMSTAT_SWAP_IN = 0,
    QEMU_MEMSTAT_SWAP_OUT = 1,
    QEMU_MEMSTAT_MAJOR_FAULT = 2,
    QEMU_MEMSTAT_MINOR_FAULT = 3,
    QEMU_MEMSTAT_UNUSED = 4,
    QEMU_MEMSTAT_AVAILABLE = 5,
    QEMU_MEMSTAT_ACTUAL_BALLOON = 6,
    QEMU_MEMSTAT_RSS = 7,
    QEMU_MEMSTAT_USABLE = 8,
    QEMU_MEMSTAT_LAST_UPDATE = 9,
    QEMU_MEMSTAT_DISK_CACHES = 10,
    QEMU_MEMSTAT_HUGETLB_PGALLOC = 11,
    QEMU_MEMSTAT_HUGETLB_PGFAIL = 12,
    QEMU_MEMSTAT_NR = 13,
};

/* The balloon's guest-stats (qom-get reply) -> @ret_vals[tag] / @ret_set[tag], memory in KiB.
 * False when the guest has never reported (last-update 0). */
bool qemu_stats_parse_guest_stats(const char *json, guint64 ret_vals[QEMU_MEMSTAT_NR],
                                  bool ret_set[QEMU_MEMSTAT_NR]);
