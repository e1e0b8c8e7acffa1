// SPDX-License-Identifier: LGPL-2.1-or-later
// Host facts read from /proc and sysfs: node info, free memory, the online CPU map, the
// host name and UUID, and the CPU/NUMA topology that capabilities XML reports.  Pure readers:
// they return -errno and leave turning that into a GError (and formatting XML) to callers.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* Mirrors libvirt's virNodeInfo: @sockets is per NUMA node, @cores per socket, @threads per
 * core, so normally cpus == nodes * sockets * cores * threads.  When the kernel's topology
 * does not multiply out (offline CPUs, odd firmware) it is flattened to 1 node, 1 socket,
 * cpus cores, 1 thread, as libvirt does. */
typedef struct {
    char model[32];      /* uname machine, e.g. "x86_64" */
    guint64 memory_kib;  /* MemTotal */
    int cpus;            /* online CPUs */
    int mhz;             /* 0 when neither /proc/cpuinfo nor cpufreq says */
    int nodes;
    int sockets;
    int cores;
    int threads;
} MvNodeInfo;

/* One logical CPU of a NUMA cell.  The topology ids are -1 (and @siblings NULL) when the
 * kernel does not expose them, which is always the case for an offline CPU. */
typedef struct {
    unsigned id;
    bool online;
    int socket_id;
    int die_id;
    int core_id;
    char *siblings;  /* thread siblings as the kernel lists them, e.g. "0,4" */
} MvHostCpu;

/* Number of free-or-reserved pages of one size in a cell: base pages are what is left of the
 * cell's memory after the huge pages; huge pages are nr_hugepages. */
typedef struct {
    unsigned size_kib;
    guint64 count;
} MvHostPages;

typedef struct {
    unsigned id;     /* the other node */
    unsigned value;  /* ACPI SLIT distance, 10 = local */
} MvHostDistance;

typedef struct {
    unsigned id;
    guint64 memory_kib;
    MvHostPages *pages;  /* one entry per MvHostTopology.page_sizes_kib, same order */
    size_t npages;
    MvHostDistance *distances;
    size_t ndistances;
    MvHostCpu *cpus;
    size_t ncpus;
} MvHostCell;

typedef struct {
    char vendor[16];    /* "Intel", "AMD", "Hygon", or "" when unknown */
    unsigned family;    /* CPUID signature; 0 when /proc/cpuinfo has none */
    unsigned model;
    unsigned stepping;
    guint64 microcode;  /* 0 when unknown */
    /* Host CPU topology as libvirt's <cpu><topology>: sockets per node, dies per socket,
     * cores per die, threads per core (flattened like MvNodeInfo when inconsistent). */
    int sockets;
    int dies;
    int cores;
    int threads;
    unsigned *page_sizes_kib;  /* base page size first, then huge page sizes ascending */
    size_t npage_sizes;
    MvHostCell *cells;  /* at least one: a host without NUMA sysfs gets a single cell 0 */
    size_t ncells;
} MvHostTopology;

/* Fill @ret_info for virNodeGetInfo.  Returns 0 or -errno. */
int mv_host_node_info(MvNodeInfo *ret_info);

/* Free memory of the host in bytes (MemFree of /proc/meminfo, which is the sum over all NUMA
 * cells that libvirt reports).  Returns 0 or -errno. */
int mv_host_free_memory(guint64 *ret_bytes);

/* The online-CPU bitmap for virNodeGetCPUMap.  @ret_ncpus is the number of CPUs the host can
 * have present (highest present CPU id + 1, as libvirt counts); @ret_map has one bit per CPU
 * (bit i of byte i / 8) set when online, @ret_maplen bytes long; @ret_online counts set bits.
 * The caller g_free()s @ret_map.  Returns 0 or -errno. */
int mv_host_cpu_map(guint8 **ret_map, size_t *ret_maplen, unsigned *ret_online, int *ret_ncpus);

/* Fully qualified host name when the resolver knows one, else gethostname(); never NULL,
 * never empty ("localhost" as a last resort).  May block on the resolver.  g_free() it. */
char *mv_host_name(void);

/* The host UUID in 36-character form: SMBIOS product_uuid if readable and not a placeholder,
 * else /etc/machine-id, else one derived from the host name (stable across restarts).
 * Writes @ret_uuid (37 bytes with the NUL).  Returns 0; never fails. */
int mv_host_uuid(char ret_uuid[37]);

/* True when the kernel has put at least one device in an IOMMU group (so device assignment
 * through VFIO is possible). */
bool mv_host_has_iommu(void);

/* The CPU and NUMA topology of the host.  Free with mv_host_topology_free().
 * Returns 0 or -errno. */
int mv_host_cpu_topology(MvHostTopology **ret_topology);

void mv_host_topology_free(MvHostTopology *topology);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvHostTopology, mv_host_topology_free)

/* Parse a kernel CPU list ("0-3,8,10-11") into a bitmap of @ret_nbits = highest id + 1 bits
 * (an empty list gives 0 bits and a NULL map).  Returns 0, or -EINVAL for malformed text or
 * ids at or above MV_HOST_MAX_CPUS.  The caller g_free()s @ret_map. */
int mv_host_parse_cpulist(const char *text, guint8 **ret_map, int *ret_nbits);

/* Highest CPU id + 1 we accept from a CPU list: well above the kernel's NR_CPUS maximum
 * (8192), and it bounds the bitmaps we allocate from file contents. */
#define MV_HOST_MAX_CPUS 65536

/* Tests only: read /proc, /sys and /etc below @root instead of "/" (NULL restores "/").
 * Not thread-safe; call it before any other function of this file runs. */
void mv_host_set_root(const char *root);
