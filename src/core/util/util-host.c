// SPDX-License-Identifier: LGPL-2.1-or-later
// Host facts from /proc/meminfo, /proc/cpuinfo, /sys/devices/system/{cpu,node} and the
// machine UUID sources.  Everything here is read fresh on each call; callers cache if they
// want to.  Errors are -errno only.

#include "util/util-host.h"

#include "util/util-file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Largest /proc or sysfs file we read whole.  /proc/cpuinfo is about 1.5 KiB per CPU, so
 * this covers MV_HOST_MAX_CPUS-class machines with room to spare and bounds what a
 * misbehaving file could make us allocate. */
#define HOST_FILE_MAX (16 * 1024 * 1024)

static char *host_root;

void
mv_host_set_root(const char *root)
{
    g_free(host_root);
    host_root = g_strdup(root);
}

static char *host_path(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static char *
host_path(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *rel = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!host_root)
        return g_steal_pointer(&rel);
    return g_build_filename(host_root, rel, NULL);
}

/* Read a whole small file as text.  Returns 0 or -errno (-EFBIG past HOST_FILE_MAX). */
static int
read_text(const char *path, char **ret_text)
{
    return mv_file_read_small(path, HOST_FILE_MAX, ret_text, NULL);
}

/* Read a file holding one (possibly negative) decimal integer. */
static int
read_int(const char *path, gint64 *ret_value)
{
    g_autofree char *text = NULL;
    int r = read_text(path, &text);
    if (r < 0)
        return r;
    gint64 value;
    if (!g_ascii_string_to_signed(g_strstrip(text), 10, G_MININT64, G_MAXINT64, &value, NULL))
        return -EINVAL;
    *ret_value = value;
    return 0;
}

/* An integer topology id of @cpu, or -1 when the kernel does not expose it. */
static int
cpu_topology_id(unsigned cpu, const char *name)
{
    g_autofree char *path = host_path("/sys/devices/system/cpu/cpu%u/topology/%s", cpu, name);
    gint64 value;
    if (read_int(path, &value) < 0 || value < INT_MIN || value > INT_MAX)
        return -1;
    return (int)value;
}

/* Find "@key:" in meminfo-style text ("MemTotal:  123 kB" or "Node 0 MemTotal: 123 kB"). */
static int
meminfo_kib(const char *text, const char *key, guint64 *ret_kib)
{
    g_autofree char *needle = g_strconcat(key, ":", NULL);
    size_t klen = strlen(needle);
    for (const char *p = text; (p = strstr(p, needle)); p += klen) {
        if (p != text && p[-1] != ' ' && p[-1] != '\n')
            continue;
        char *end;
        errno = 0;
        guint64 v = g_ascii_strtoull(p + klen, &end, 10);
        if (errno != 0 || end == p + klen)
            return -EINVAL;
        *ret_kib = v;
        return 0;
    }
    return -ENOENT;
}

static int
meminfo_file_kib(const char *path, const char *key, guint64 *ret_kib)
{
    g_autofree char *text = NULL;
    int r = read_text(path, &text);
    if (r < 0)
        return r;
    return meminfo_kib(text, key, ret_kib);
}

static inline bool
bit_test(const guint8 *map, int nbits, int i)
{
    return i >= 0 && i < nbits && (map[i / 8] >> (i % 8)) & 1;
}

static int
popcount(const guint8 *map, int nbits)
{
    int n = 0;
    for (int i = 0; i < nbits; i++)
        n += bit_test(map, nbits, i);
    return n;
}

int
mv_host_parse_cpulist(const char *text, guint8 **ret_map, int *ret_nbits)
{
    g_autofree char *copy = g_strstrip(g_strdup(text));
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint));
    guint maxid = 0;

    if (*copy) {
        g_auto(GStrv) parts = g_strsplit(copy, ",", -1);
        for (size_t i = 0; parts[i]; i++) {
            guint64 lo, hi;
            char *dash = strchr(parts[i], '-');
            if (dash)
                *dash = '\0';
            if (!g_ascii_string_to_unsigned(parts[i], 10, 0, MV_HOST_MAX_CPUS - 1, &lo, NULL))
                return -EINVAL;
            hi = lo;
            if (dash &&
                !g_ascii_string_to_unsigned(dash + 1, 10, lo, MV_HOST_MAX_CPUS - 1, &hi, NULL))
                return -EINVAL;
            for (guint64 id = lo; id <= hi; id++) {
                guint v = (guint)id;
                g_array_append_val(ids, v);
            }
            maxid = MAX(maxid, (guint)hi);
        }
    }

    int nbits = ids->len ? (int)maxid + 1 : 0;
    g_autofree guint8 *map = nbits ? g_new0(guint8, (nbits + 7) / 8) : NULL;
    for (guint i = 0; i < ids->len; i++) {
        guint id = g_array_index(ids, guint, i);
        map[id / 8] |= 1u << (id % 8);
    }
    *ret_map = g_steal_pointer(&map);
    *ret_nbits = nbits;
    return 0;
}

static int
read_cpulist(const char *path, guint8 **ret_map, int *ret_nbits)
{
    g_autofree char *text = NULL;
    int r = read_text(path, &text);
    if (r < 0)
        return r;
    return mv_host_parse_cpulist(text, ret_map, ret_nbits);
}

/* Facts of the first processor block of /proc/cpuinfo. */
typedef struct {
    char vendor[16];
    unsigned family;
    unsigned model;
    unsigned stepping;
    guint64 microcode;
    int mhz;
} CpuInfo;

static void
cpuinfo_vendor(const char *vendor_id, char ret_vendor[16])
{
    /* The CPUID vendor strings, named as libvirt's CPU map names the vendors. */
    static const struct { const char *id, *name; } vendors[] = {
        { "GenuineIntel", "Intel" },
        { "AuthenticAMD", "AMD" },
        { "HygonGenuine", "Hygon" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(vendors); i++) {
        if (g_str_equal(vendor_id, vendors[i].id)) {
            g_strlcpy(ret_vendor, vendors[i].name, 16);
            return;
        }
    }
}

static int
read_cpuinfo(CpuInfo *ret_info)
{
    g_autofree char *path = host_path("/proc/cpuinfo");
    g_autofree char *text = NULL;
    int r = read_text(path, &text);
    if (r < 0)
        return r;

    CpuInfo info = { 0 };
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool seen = false;
    for (size_t i = 0; lines[i]; i++) {
        char *colon = strchr(lines[i], ':');
        if (!colon) {
            /* A blank line ends the first processor's block; the rest repeat it. */
            if (seen && !*g_strstrip(lines[i]))
                break;
            continue;
        }
        *colon = '\0';
        const char *key = g_strstrip(lines[i]);
        const char *value = g_strstrip(colon + 1);
        seen = true;
        if (g_str_equal(key, "vendor_id"))
            cpuinfo_vendor(value, info.vendor);
        else if (g_str_equal(key, "cpu family"))
            info.family = (unsigned)g_ascii_strtoull(value, NULL, 10);
        else if (g_str_equal(key, "model"))
            info.model = (unsigned)g_ascii_strtoull(value, NULL, 10);
        else if (g_str_equal(key, "stepping"))
            info.stepping = (unsigned)g_ascii_strtoull(value, NULL, 10);
        else if (g_str_equal(key, "microcode"))
            info.microcode = g_ascii_strtoull(value, NULL, 0);
        else if (g_str_equal(key, "cpu MHz"))
            info.mhz = (int)g_ascii_strtoull(value, NULL, 10);  /* integer part */
    }

    if (info.mhz == 0) {
        /* No "cpu MHz" (e.g. aarch64): fall back to cpufreq's maximum, in kHz. */
        g_autofree char *freq = host_path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
        gint64 khz;
        if (read_int(freq, &khz) == 0 && khz > 0 && khz / 1000 <= INT_MAX)
            info.mhz = (int)(khz / 1000);
    }
    *ret_info = info;
    return 0;
}

void
mv_host_topology_free(MvHostTopology *topology)
{
    if (!topology)
        return;
    for (size_t i = 0; i < topology->ncells; i++) {
        MvHostCell *cell = &topology->cells[i];
        for (size_t j = 0; j < cell->ncpus; j++)
            g_free(cell->cpus[j].siblings);
        g_free(cell->cpus);
        g_free(cell->pages);
        g_free(cell->distances);
    }
    g_free(topology->cells);
    g_free(topology->page_sizes_kib);
    g_free(topology);
}

static gint
compare_uint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;
    return x < y ? -1 : x > y;
}

/* Base page size, then each size under /sys/kernel/mm/hugepages ascending. */
static void
host_page_sizes(MvHostTopology *topo)
{
    g_autoptr(GArray) sizes = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree char *dirpath = host_path("/sys/kernel/mm/hugepages");
    g_autoptr(GDir) dir = g_dir_open(dirpath, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        guint size;
        if (sscanf(name, "hugepages-%ukB", &size) == 1 && size > 0)
            g_array_append_val(sizes, size);
    }
    g_array_sort(sizes, compare_uint);
    guint base = (guint)(sysconf(_SC_PAGESIZE) / 1024);
    g_array_prepend_val(sizes, base);
    topo->npage_sizes = sizes->len;
    topo->page_sizes_kib = (unsigned *)(void *)g_array_free(g_steal_pointer(&sizes), FALSE);
}

/* Page counts of @cell: huge pages from @hugedir (a "hugepages" directory, per node or
 * global), base pages from what remains of the cell's memory. */
static void
cell_pages(const MvHostTopology *topo, MvHostCell *cell, const char *hugedir)
{
    cell->npages = topo->npage_sizes;
    cell->pages = g_new0(MvHostPages, cell->npages);
    guint64 huge_kib = 0;
    for (size_t i = 0; i < topo->npage_sizes; i++) {
        cell->pages[i].size_kib = topo->page_sizes_kib[i];
        if (i == 0)
            continue;
        g_autofree char *path = g_strdup_printf("%s/hugepages-%ukB/nr_hugepages", hugedir,
                                                topo->page_sizes_kib[i]);
        gint64 n;
        if (read_int(path, &n) == 0 && n > 0) {
            cell->pages[i].count = (guint64)n;
            huge_kib += (guint64)n * topo->page_sizes_kib[i];
        }
    }
    if (cell->memory_kib > huge_kib && topo->page_sizes_kib[0])
        cell->pages[0].count = (cell->memory_kib - huge_kib) / topo->page_sizes_kib[0];
}

/* Fill the CPUs of @cell from the bitmap of its CPUs. */
static void
cell_cpus(MvHostCell *cell, const guint8 *cpus, int nbits, const guint8 *online,
          int online_nbits)
{
    cell->cpus = g_new0(MvHostCpu, popcount(cpus, nbits) + 1);
    for (int i = 0; i < nbits; i++) {
        if (!bit_test(cpus, nbits, i))
            continue;
        MvHostCpu *cpu = &cell->cpus[cell->ncpus++];
        cpu->id = (unsigned)i;
        cpu->socket_id = cpu->die_id = cpu->core_id = -1;
        cpu->online = bit_test(online, online_nbits, i);
        if (!cpu->online)
            continue;
        cpu->socket_id = cpu_topology_id(cpu->id, "physical_package_id");
        cpu->core_id = cpu_topology_id(cpu->id, "core_id");
        /* die_id appeared in Linux 5.2; before that every package had one die. */
        cpu->die_id = cpu_topology_id(cpu->id, "die_id");
        if (cpu->die_id < 0)
            cpu->die_id = 0;
        g_autofree char *path =
            host_path("/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", cpu->id);
        g_autofree char *text = NULL;
        if (read_text(path, &text) == 0)
            cpu->siblings = g_strdup(g_strstrip(text));
    }
}

static void
cell_distances(MvHostCell *cell, char *text, const guint8 *nodes, int nbits)
{
    /* The kernel lists the distance to each online node in id order. */
    g_auto(GStrv) values = g_strsplit_set(g_strstrip(text), " \t", -1);
    cell->distances = g_new0(MvHostDistance, g_strv_length(values) + 1);
    size_t k = 0;
    for (int id = 0; id < nbits && values[k]; id++) {
        if (!bit_test(nodes, nbits, id))
            continue;
        guint64 v;
        if (g_ascii_string_to_unsigned(values[k++], 10, 0, G_MAXUINT, &v, NULL)) {
            cell->distances[cell->ndistances].id = (unsigned)id;
            cell->distances[cell->ndistances++].value = (unsigned)v;
        }
    }
}

/* Read the cells from /sys/devices/system/node, or make the single cell of a non-NUMA host. */
static int
host_cells(MvHostTopology *topo, const guint8 *present, int present_nbits,
           const guint8 *online, int online_nbits)
{
    g_autofree char *nodelist = host_path("/sys/devices/system/node/online");
    g_autofree guint8 *nodes = NULL;
    int nnodes = 0;

    if (read_cpulist(nodelist, &nodes, &nnodes) < 0 || nnodes == 0) {
        g_autofree char *meminfo = host_path("/proc/meminfo");
        g_autofree char *hugedir = host_path("/sys/kernel/mm/hugepages");
        topo->ncells = 1;
        topo->cells = g_new0(MvHostCell, 1);
        int r = meminfo_file_kib(meminfo, "MemTotal", &topo->cells[0].memory_kib);
        if (r < 0)
            return r;
        cell_pages(topo, &topo->cells[0], hugedir);
        cell_cpus(&topo->cells[0], present, present_nbits, online, online_nbits);
        return 0;
    }

    topo->cells = g_new0(MvHostCell, nnodes);
    for (int id = 0; id < nnodes; id++) {
        if (!bit_test(nodes, nnodes, id))
            continue;
        MvHostCell *cell = &topo->cells[topo->ncells++];
        cell->id = (unsigned)id;
        g_autofree char *dir = host_path("/sys/devices/system/node/node%d", id);
        g_autofree char *meminfo = g_strdup_printf("%s/meminfo", dir);
        g_autofree char *hugedir = g_strdup_printf("%s/hugepages", dir);
        g_autofree char *cpulist = g_strdup_printf("%s/cpulist", dir);
        g_autofree char *distance = g_strdup_printf("%s/distance", dir);
        g_autofree char *text = NULL;
        g_autofree guint8 *cpus = NULL;
        int ncpus = 0;

        int r = meminfo_file_kib(meminfo, "MemTotal", &cell->memory_kib);
        if (r < 0)
            return r;
        cell_pages(topo, cell, hugedir);
        if (read_text(distance, &text) == 0)
            cell_distances(cell, text, nodes, nnodes);
        /* A memory-only node has an empty cpulist; it still is a cell. */
        r = read_cpulist(cpulist, &cpus, &ncpus);
        if (r < 0)
            return r;
        cell_cpus(cell, cpus, ncpus, online, online_nbits);
    }
    return 0;
}

/* Count, with @counts, distinct members of a group; returns the new size of the group. */
static int
group_bump(GHashTable *counts, char *key)
{
    int n = GPOINTER_TO_INT(g_hash_table_lookup(counts, key)) + 1;
    g_hash_table_replace(counts, key, GINT_TO_POINTER(n));
    return n;
}

/* Work out sockets per node, dies per socket, cores per die and threads per core from the
 * online CPUs, flattening like libvirt when the product does not match the online count.
 * Returns the number of nodes that have online CPUs (1 when flattened). */
static int
host_shape(MvHostTopology *topo, int online_count)
{
    g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int nodes = 0, sockets = 0, dies = 0, cores = 0, threads = 0;

    for (size_t i = 0; i < topo->ncells; i++) {
        const MvHostCell *cell = &topo->cells[i];
        bool node_has_cpus = false;
        for (size_t j = 0; j < cell->ncpus; j++) {
            const MvHostCpu *c = &cell->cpus[j];
            if (!c->online)
                continue;
            node_has_cpus = true;
            int t = group_bump(counts, g_strdup_printf("t%u/%d/%d/%d", cell->id, c->socket_id,
                                                       c->die_id, c->core_id));
            threads = MAX(threads, t);
            if (t > 1)
                continue;
            int k = group_bump(counts,
                               g_strdup_printf("c%u/%d/%d", cell->id, c->socket_id, c->die_id));
            cores = MAX(cores, k);
            if (k > 1)
                continue;
            int d = group_bump(counts, g_strdup_printf("d%u/%d", cell->id, c->socket_id));
            dies = MAX(dies, d);
            if (d > 1)
                continue;
            int s = group_bump(counts, g_strdup_printf("s%u", cell->id));
            sockets = MAX(sockets, s);  /* not inline: MAX evaluates its arguments twice */
        }
        nodes += node_has_cpus;
    }

    if (nodes == 0 || (gint64)nodes * sockets * dies * cores * threads != online_count) {
        topo->sockets = topo->dies = topo->threads = 1;
        topo->cores = MAX(online_count, 1);
        return 1;
    }
    topo->sockets = sockets;
    topo->dies = dies;
    topo->cores = cores;
    topo->threads = threads;
    return nodes;
}

/* Everything mv_host_cpu_topology() returns, plus the count of online CPUs and of nodes in
 * the libvirt node-info sense. */
static int
host_collect(MvHostTopology **ret_topo, int *ret_online, int *ret_nodes, CpuInfo *ret_cpuinfo)
{
    g_autoptr(MvHostTopology) topo = g_new0(MvHostTopology, 1);
    g_autofree char *present_path = host_path("/sys/devices/system/cpu/present");
    g_autofree char *online_path = host_path("/sys/devices/system/cpu/online");
    g_autofree guint8 *present = NULL, *online = NULL;
    int npresent = 0, nonline = 0;
    CpuInfo info;

    int r = read_cpulist(present_path, &present, &npresent);
    if (r < 0)
        return r;
    /* Without the "online" file (CPU hotplug compiled out) every present CPU is online. */
    if (read_cpulist(online_path, &online, &nonline) < 0) {
        nonline = npresent;
        online = g_memdup2(present, (npresent + 7) / 8);
    }
    r = read_cpuinfo(&info);
    if (r < 0)
        return r;
    memcpy(topo->vendor, info.vendor, sizeof(topo->vendor));
    topo->family = info.family;
    topo->model = info.model;
    topo->stepping = info.stepping;
    topo->microcode = info.microcode;

    host_page_sizes(topo);
    r = host_cells(topo, present, npresent, online, nonline);
    if (r < 0)
        return r;

    int online_count = popcount(online, nonline);
    *ret_nodes = host_shape(topo, online_count);
    *ret_online = online_count;
    *ret_cpuinfo = info;
    *ret_topo = g_steal_pointer(&topo);
    return 0;
}

int
mv_host_cpu_topology(MvHostTopology **ret_topology)
{
    int online, nodes;
    CpuInfo info;
    return host_collect(ret_topology, &online, &nodes, &info);
}

int
mv_host_node_info(MvNodeInfo *ret_info)
{
    MvNodeInfo info = { 0 };
    struct utsname uts;
    if (uname(&uts) < 0)
        return -errno;
    g_strlcpy(info.model, uts.machine, sizeof(info.model));

    g_autofree char *meminfo = host_path("/proc/meminfo");
    int r = meminfo_file_kib(meminfo, "MemTotal", &info.memory_kib);
    if (r < 0)
        return r;

    CpuInfo cpuinfo;
    g_autoptr(MvHostTopology) topo = NULL;
    r = host_collect(&topo, &info.cpus, &info.nodes, &cpuinfo);
    if (r < 0)
        return r;
    info.mhz = cpuinfo.mhz;
    info.sockets = topo->sockets;
    /* virNodeInfo has no dies: its cores are per socket. */
    info.cores = topo->dies * topo->cores;
    info.threads = topo->threads;
    *ret_info = info;
    return 0;
}

int
mv_host_free_memory(guint64 *ret_bytes)
{
    g_autofree char *meminfo = host_path("/proc/meminfo");
    guint64 kib;
    int r = meminfo_file_kib(meminfo, "MemFree", &kib);
    if (r < 0)
        return r;
    *ret_bytes = kib * 1024;
    return 0;
}

int
mv_host_cpu_map(guint8 **ret_map, size_t *ret_maplen, unsigned *ret_online, int *ret_ncpus)
{
    g_autofree char *present_path = host_path("/sys/devices/system/cpu/present");
    g_autofree char *online_path = host_path("/sys/devices/system/cpu/online");
    g_autofree guint8 *present = NULL, *online = NULL;
    int npresent = 0, nonline = 0;

    int r = read_cpulist(present_path, &present, &npresent);
    if (r < 0)
        return r;
    if (npresent == 0)
        return -ENODATA;
    r = read_cpulist(online_path, &online, &nonline);
    if (r < 0)
        return r;

    size_t maplen = (npresent + 7) / 8;
    g_autofree guint8 *map = g_new0(guint8, maplen);
    unsigned count = 0;
    for (int i = 0; i < npresent; i++) {
        if (bit_test(online, nonline, i)) {
            map[i / 8] |= 1u << (i % 8);
            count++;
        }
    }
    *ret_map = g_steal_pointer(&map);
    *ret_maplen = maplen;
    *ret_online = count;
    *ret_ncpus = npresent;
    return 0;
}

static bool
is_localhost(const char *name)
{
    return g_str_equal(name, "localhost") || g_str_has_prefix(name, "localhost.");
}

char *
mv_host_name(void)
{
    char name[HOST_NAME_MAX + 1] = "";
    if (gethostname(name, sizeof(name) - 1) < 0 || !*name)
        return g_strdup("localhost");

    /* A dotted name other than localhost is already qualified: skip the resolver. */
    if (strchr(name, '.') && !is_localhost(name))
        return g_strdup(name);

    struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC };
    struct addrinfo *info = NULL;
    char *result = NULL;
    if (getaddrinfo(name, NULL, &hints, &info) == 0) {
        if (info && info->ai_canonname && *info->ai_canonname && !is_localhost(info->ai_canonname))
            result = g_strdup(info->ai_canonname);
        freeaddrinfo(info);
    }
    return result ? result : g_strdup(name);
}

/* Write 32 hex digits as a lower-case 8-4-4-4-12 UUID. */
static void
uuid_from_hex(const char *hex, char ret_uuid[37])
{
    g_snprintf(ret_uuid, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
               hex + 20);
    for (int i = 0; i < 36; i++)
        ret_uuid[i] = g_ascii_tolower(ret_uuid[i]);
}

/* Strip dashes from @text and check that 32 hex digits remain that are not all the same
 * digit (firmware placeholders such as all-zero or all-F UUIDs). */
static bool
uuid_hex(const char *text, char ret_hex[33])
{
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '-')
            continue;
        if (!g_ascii_isxdigit(*p) || n == 32)
            return false;
        ret_hex[n++] = *p;
    }
    ret_hex[n] = '\0';
    if (n != 32)
        return false;
    for (size_t i = 1; i < 32; i++) {
        if (g_ascii_tolower(ret_hex[i]) != g_ascii_tolower(ret_hex[0]))
            return true;
    }
    return false;
}

int
mv_host_uuid(char ret_uuid[37])
{
    /* SMBIOS first, as libvirt's default host_uuid_source. */
    static const char *const sources[] = { "/sys/class/dmi/id/product_uuid", "/etc/machine-id" };
    char hex[33];

    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++) {
        g_autofree char *path = host_path("%s", sources[i]);
        g_autofree char *text = NULL;
        if (read_text(path, &text) == 0 && uuid_hex(g_strstrip(text), hex)) {
            uuid_from_hex(hex, ret_uuid);
            return 0;
        }
    }

    /* Neither source: a name-based UUID from the host name, stable across restarts. */
    g_autofree char *name = mv_host_name();
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, name, -1);
    memcpy(hex, sum, 32);
    hex[12] = '5';                                   /* version: name-based (SHA) */
    hex[16] = "89ab"[g_ascii_xdigit_value(hex[16]) & 3];  /* variant: RFC 4122 */
    hex[32] = '\0';
    uuid_from_hex(hex, ret_uuid);
    return 0;
}

bool
mv_host_has_iommu(void)
{
    g_autofree char *path = host_path("/sys/kernel/iommu_groups");
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    return dir && g_dir_read_name(dir) != NULL;
}
