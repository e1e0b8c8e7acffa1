// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared between qemu-stats.c (sampler glue, gatherer, bulk stats) and qemu-stats-legacy.c
// (the per-domain calls): a domain's figures as copied under its lock, and the gatherer's
// last QMP results.  Not for other files.
#pragma once

#include "qemu-stats.h"
#include "qemu-domain.h"
#include "conf/conf-domain.h"
#include "stats/stats-params.h"
#include "stats/stats-sampler.h"
#include "util/util-uuid.h"

typedef struct {
    char *ifname;                 /* host tap, or NULL (user networking) */
    MvDomainNetType type;
    guint8 mac[MV_MAC_BUFLEN];
} QemuStatsNet;

typedef struct {
    char *target;                 /* "vda" */
    char *src;                    /* image path, or NULL (empty CD-ROM) */
    char *alias;                  /* device id ("virtio-disk0") */
    bool qcow2;
    unsigned node_index;          /* N of the "libvirt-N-format" node */
} QemuStatsDisk;

/* A domain as a stats call needs it, copied with the object locked. */
typedef struct {
    remote_nonnull_domain dom;    /* name owned */
    char key[MV_UUID_STRING_BUFLEN];
    int state, reason;
    bool active;
    unsigned vcpus_max, vcpus_cur;
    guint64 mem_max_kib, mem_cur_kib;
    bool balloon_virtio;
    char *cpuset;                 /* <vcpu cpuset=> or NULL */
    GPtrArray *nets;              /* QemuStatsNet*, only when asked for devices */
    GPtrArray *disks;             /* QemuStatsDisk*, only when asked for devices */
    MvStatsTarget *target;        /* running guests, when asked for: what to sample */
} QemuStatsSnap;

/* What qemu_stats_snap() copies besides the basics. */
enum {
    QEMU_STATS_SNAP_DEVICES = 1 << 0,   /* the NICs and disks */
    QEMU_STATS_SNAP_TARGET = 1 << 1,    /* what to sample of a running guest */
};

/* Copy @obj (locked); @what: QEMU_STATS_SNAP_*. */
QemuStatsSnap *qemu_stats_snap(MvDomainObj *obj, unsigned what);
void qemu_stats_snap_free(QemuStatsSnap *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuStatsSnap, qemu_stats_snap_free)

/* The sampling target of @obj (locked), or NULL when it does not run. */
MvStatsTarget *qemu_stats_target_of(MvDomainObj *obj);

MvStatsSampler *qemu_stats_sampler(QemuStats *st);

/* The gatherer's last answers about one run of a guest. */
typedef struct {
    bool has_balloon;
    gint64 balloon_age_ms;        /* -1: never read */
    guint64 balloon_kib;
    bool guest_stats;
    guint64 guest_vals[QEMU_MEMSTAT_NR];
    bool guest_set[QEMU_MEMSTAT_NR];
    gint64 block_age_ms;          /* -1: never read */
    GArray *blocks;               /* QemuStatsBlock, referenced; NULL: never read */
} QemuStatsQmp;

/* Copy what the gatherer has for @key's run (@pid, @start_time).  False when nothing yet. */
bool qemu_stats_qmp_get(QemuStats *st, const char *key, pid_t pid, guint64 start_time, QemuStatsQmp *ret);
void qemu_stats_qmp_clear(QemuStatsQmp *q);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(QemuStatsQmp, qemu_stats_qmp_clear)

/* The blockstats entry of disk @d, or NULL. */
const QemuStatsBlock *qemu_stats_find_block(const GArray *blocks, const QemuStatsDisk *d);

/* Guest-view counters of host tap @ifname: rx bytes, pkts, errs, drop, tx bytes, pkts,
 * errs, drop.  Returns 0 or -errno. */
int qemu_stats_net_counters(const char *ifname, gint64 ret_c[8]);

/* allocation, capacity and physical size of disk @d's image in bytes; -1 when unknown. */
void qemu_stats_disk_sizes(const QemuStatsDisk *d, gint64 *ret_alloc, gint64 *ret_cap, gint64 *ret_phys);

/* Append the record of @s for @groups (MV_STATS_*) to @p, with @sample for a running guest
 * (may be NULL) and the gatherer's figures from @st (may be NULL: tests). */
void qemu_stats_build_record(QemuStats *st, const QemuStatsSnap *s, unsigned groups, const MvStatsSample *sample,
                             MvStatsParams *p);
