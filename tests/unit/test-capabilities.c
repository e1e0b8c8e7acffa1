// SPDX-License-Identifier: LGPL-2.1-or-later
// Host facts (on this host and on a fake /proc + sysfs tree), the QEMU probe parsers on
// captured output, and capabilities XML: a golden file for a fixed host, and schema
// validation with virt-xml-validate (a hard test dependency).  MODVIRT_TEST_REGENERATE=1
// rewrites the golden file.
//
// The data in tests/data/qemu-caps was captured from Debian's QEMU 7.2 with the commands
// qemu_caps_get() runs (LC_ALL=C):  `--version`;  `-machine help`;  and, feeding the QMP
// script of qemu-caps.c on stdin,  `-S -no-user-config -nodefaults -display none
// -machine none,accel=tcg:kvm -qmp stdio`.

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf-capabilities.h"
#include "qemu-caps.h"
#include "qemu-domaincaps.h"
#include "qemu-kvm.h"
#include "util/util-host.h"

static char *
data_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "qemu-caps", name, NULL);
}

static char *
load(const char *name)
{
    g_autofree char *path = data_path(name);
    g_autoptr(GError) err = NULL;
    char *text = NULL;
    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

/* Fail unless virt-xml-validate accepts @xml as a document of @schema. */
static void
assert_valid(const char *xml, const char *schema)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("mv-caps-XXXXXX.xml", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_file_set_contents(path, xml, -1, &err);
    g_assert_no_error(err);

    const char *argv[] = { "virt-xml-validate", path, schema, NULL };
    g_autofree char *out = NULL, *errout = NULL;
    int status = 0;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                 &status, &err);
    /* virt-xml-validate is a test dependency (package libvirt-clients): missing is a failure. */
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_message("virt-xml-validate rejected %s:\n%s%s", path, out, errout);
    else
        unlink(path);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

static void
assert_valid_caps(const char *xml)
{
    assert_valid(xml, "capability");
}

/* Compare @actual with the golden file @name, or rewrite it when regenerating. */
static void
assert_golden(const char *name, const char *actual)
{
    g_autofree char *path = data_path(name);
    if (g_getenv("MODVIRT_TEST_REGENERATE")) {
        g_autoptr(GError) err = NULL;
        g_file_set_contents(path, actual, -1, &err);
        g_assert_no_error(err);
        return;
    }
    g_autofree char *expected = load(name);
    g_assert_cmpstr(actual, ==, expected);
}

/* Fake host tree. */

static void
put(const char *root, const char *rel, const char *content)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GError) err = NULL;
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_file_set_contents(path, content, -1, &err);
    g_assert_no_error(err);
}

static void put_printf(const char *root, const char *rel, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
put_printf(const char *root, const char *rel, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *content = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    put(root, rel, content);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void
rm_rf(const char *root)
{
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Two NUMA nodes, each one socket of two cores with two threads: CPUs 0-7, CPU n in node
 * n / 4, core (n % 4) / 2.  With @cpu7_offline the last CPU is offline.  Returns the root,
 * already installed with mv_host_set_root(). */
static char *
fake_host(bool cpu7_offline)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("mv-host-XXXXXX", &err);
    g_assert_no_error(err);

    put(root, "proc/meminfo", "MemTotal:        2097152 kB\nMemFree:         1048576 kB\n"
                              "MemAvailable:    1500000 kB\n");
    /* Two processor blocks: only the first is read. */
    put(root, "proc/cpuinfo",
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
        "model name\t: Intel(R) Xeon(R) Gold 6230\nstepping\t: 7\nmicrocode\t: 0x5003006\n"
        "cpu MHz\t\t: 2100.000\n\n"
        "processor\t: 1\nvendor_id\t: AuthenticAMD\ncpu MHz\t\t: 999.000\n\n");
    put(root, "sys/devices/system/cpu/present", "0-7\n");
    put(root, "sys/devices/system/cpu/online", cpu7_offline ? "0-6\n" : "0-7\n");
    for (int cpu = 0; cpu < 8; cpu++) {
        g_autofree char *dir = g_strdup_printf("sys/devices/system/cpu/cpu%d/topology", cpu);
        g_autofree char *f1 = g_strdup_printf("%s/physical_package_id", dir);
        g_autofree char *f2 = g_strdup_printf("%s/die_id", dir);
        g_autofree char *f3 = g_strdup_printf("%s/core_id", dir);
        g_autofree char *f4 = g_strdup_printf("%s/thread_siblings_list", dir);
        put_printf(root, f1, "%d\n", cpu / 4);
        put_printf(root, f2, "0\n");
        put_printf(root, f3, "%d\n", (cpu % 4) / 2);
        put_printf(root, f4, "%d-%d\n", cpu & ~1, cpu | 1);
    }
    put(root, "sys/devices/system/node/online", "0-1\n");
    for (int node = 0; node < 2; node++) {
        g_autofree char *dir = g_strdup_printf("sys/devices/system/node/node%d", node);
        g_autofree char *f1 = g_strdup_printf("%s/cpulist", dir);
        g_autofree char *f2 = g_strdup_printf("%s/meminfo", dir);
        g_autofree char *f3 = g_strdup_printf("%s/distance", dir);
        g_autofree char *f4 = g_strdup_printf("%s/hugepages/hugepages-2048kB/nr_hugepages", dir);
        g_autofree char *f5 = g_strdup_printf("%s/hugepages/hugepages-1048576kB/nr_hugepages", dir);
        put_printf(root, f1, "%d-%d\n", node * 4, node * 4 + 3);
        put_printf(root, f2, "Node %d MemTotal:       1048576 kB\nNode %d MemFree:  524288 kB\n",
                   node, node);
        put(root, f3, node == 0 ? "10 20\n" : "20 10\n");
        put(root, f4, node == 0 ? "16\n" : "0\n");
        put(root, f5, "0\n");
    }
    put(root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "16\n");
    put(root, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
    put(root, "etc/machine-id", "0123456789ABCDEF0123456789abcdef\n");
    mv_host_set_root(root);
    return root;
}

static void
fake_host_done(char *root)
{
    mv_host_set_root(NULL);
    rm_rf(root);
    g_free(root);
}

/* Host facts on this host. */

static void
test_host_node_info(void)
{
    MvNodeInfo info;
    g_assert_cmpint(mv_host_node_info(&info), ==, 0);
    g_assert_cmpstr(info.model, ==, "x86_64");
    g_assert_cmpuint(info.memory_kib, >, 0);
    g_assert_cmpint(info.cpus, >=, 1);
    g_assert_cmpint(info.cpus, ==, (int)sysconf(_SC_NPROCESSORS_ONLN));
    g_assert_cmpint(info.nodes, >=, 1);
    g_assert_cmpint(info.nodes * info.sockets * info.cores * info.threads, ==, info.cpus);

    guint64 free_bytes;
    g_assert_cmpint(mv_host_free_memory(&free_bytes), ==, 0);
    g_assert_cmpuint(free_bytes, >, 0);
    g_assert_cmpuint(free_bytes, <=, info.memory_kib * 1024);
}

static void
test_host_cpu_map(void)
{
    g_autofree guint8 *map = NULL;
    size_t maplen;
    unsigned online;
    int ncpus;
    g_assert_cmpint(mv_host_cpu_map(&map, &maplen, &online, &ncpus), ==, 0);
    g_assert_cmpint(ncpus, >=, 1);
    g_assert_cmpuint(maplen, ==, (size_t)(ncpus + 7) / 8);
    g_assert_cmpuint(online, ==, (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
    g_assert_true(map[0] & 1);  /* the boot CPU cannot go offline on x86 */
}

static void
test_host_name_uuid(void)
{
    g_autofree char *name = mv_host_name();
    g_assert_nonnull(name);
    g_assert_cmpstr(name, !=, "");

    char uuid[37];
    g_assert_cmpint(mv_host_uuid(uuid), ==, 0);
    g_assert_true(g_regex_match_simple("^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", uuid, 0, 0));
}

static void
test_host_cpulist(void)
{
    g_autofree guint8 *map = NULL;
    int nbits;

    g_assert_cmpint(mv_host_parse_cpulist("0-3,8,10-11\n", &map, &nbits), ==, 0);
    g_assert_cmpint(nbits, ==, 12);
    g_assert_cmphex(map[0], ==, 0x0f);
    g_assert_cmphex(map[1], ==, 0x0d);
    g_clear_pointer(&map, g_free);

    g_assert_cmpint(mv_host_parse_cpulist("\n", &map, &nbits), ==, 0);
    g_assert_cmpint(nbits, ==, 0);
    g_assert_null(map);

    g_assert_cmpint(mv_host_parse_cpulist("3-1", &map, &nbits), ==, -EINVAL);
    g_assert_cmpint(mv_host_parse_cpulist("0,,1", &map, &nbits), ==, -EINVAL);
    g_assert_cmpint(mv_host_parse_cpulist("x", &map, &nbits), ==, -EINVAL);
    g_assert_cmpint(mv_host_parse_cpulist("0-99999999", &map, &nbits), ==, -EINVAL);
}

/* Host facts on the fake tree. */

static void
test_fake_numa(void)
{
    char *root = fake_host(false);

    MvNodeInfo info;
    g_assert_cmpint(mv_host_node_info(&info), ==, 0);
    g_assert_cmpuint(info.memory_kib, ==, 2097152);
    g_assert_cmpint(info.cpus, ==, 8);
    g_assert_cmpint(info.mhz, ==, 2100);
    g_assert_cmpint(info.nodes, ==, 2);
    g_assert_cmpint(info.sockets, ==, 1);
    g_assert_cmpint(info.cores, ==, 2);
    g_assert_cmpint(info.threads, ==, 2);

    guint64 free_bytes;
    g_assert_cmpint(mv_host_free_memory(&free_bytes), ==, 0);
    g_assert_cmpuint(free_bytes, ==, 1048576ull * 1024);

    g_autoptr(MvHostTopology) topo = NULL;
    g_assert_cmpint(mv_host_cpu_topology(&topo), ==, 0);
    g_assert_cmpstr(topo->vendor, ==, "Intel");
    g_assert_cmpuint(topo->family, ==, 6);
    g_assert_cmpuint(topo->model, ==, 85);
    g_assert_cmpuint(topo->stepping, ==, 7);
    g_assert_cmpuint(topo->microcode, ==, 0x5003006);
    g_assert_cmpuint(topo->ncells, ==, 2);
    g_assert_cmpuint(topo->cells[1].ncpus, ==, 4);
    g_assert_cmpuint(topo->cells[1].cpus[2].id, ==, 6);
    g_assert_cmpint(topo->cells[1].cpus[2].socket_id, ==, 1);
    g_assert_cmpint(topo->cells[1].cpus[2].core_id, ==, 1);
    g_assert_cmpstr(topo->cells[1].cpus[2].siblings, ==, "6-7");
    g_assert_cmpuint(topo->cells[0].ndistances, ==, 2);
    g_assert_cmpuint(topo->cells[0].distances[1].id, ==, 1);
    g_assert_cmpuint(topo->cells[0].distances[1].value, ==, 20);
    g_assert_cmpuint(topo->npage_sizes, ==, 3);
    g_assert_cmpuint(topo->page_sizes_kib[1], ==, 2048);
    g_assert_cmpuint(topo->cells[0].pages[1].count, ==, 16);
    /* 1 GiB cell minus 16 huge pages of 2 MiB, in base pages. */
    g_assert_cmpuint(topo->cells[0].pages[0].count, ==,
                     (1048576 - 16 * 2048) / topo->page_sizes_kib[0]);

    char uuid[37];
    mv_host_uuid(uuid);
    g_assert_cmpstr(uuid, ==, "01234567-89ab-cdef-0123-456789abcdef");
    g_assert_false(mv_host_has_iommu());

    fake_host_done(root);
}

static void
test_fake_offline_cpu(void)
{
    char *root = fake_host(true);

    /* 7 online CPUs do not make 2 x 1 x 2 x 2: flattened, as libvirt does. */
    MvNodeInfo info;
    g_assert_cmpint(mv_host_node_info(&info), ==, 0);
    g_assert_cmpint(info.cpus, ==, 7);
    g_assert_cmpint(info.nodes, ==, 1);
    g_assert_cmpint(info.sockets, ==, 1);
    g_assert_cmpint(info.cores, ==, 7);
    g_assert_cmpint(info.threads, ==, 1);

    g_autofree guint8 *map = NULL;
    size_t maplen;
    unsigned online;
    int ncpus;
    g_assert_cmpint(mv_host_cpu_map(&map, &maplen, &online, &ncpus), ==, 0);
    g_assert_cmpint(ncpus, ==, 8);
    g_assert_cmpuint(maplen, ==, 1);
    g_assert_cmphex(map[0], ==, 0x7f);
    g_assert_cmpuint(online, ==, 7);

    g_autoptr(MvHostTopology) topo = NULL;
    g_assert_cmpint(mv_host_cpu_topology(&topo), ==, 0);
    const MvHostCpu *cpu7 = &topo->cells[1].cpus[3];
    g_assert_cmpuint(cpu7->id, ==, 7);
    g_assert_false(cpu7->online);
    g_assert_cmpint(cpu7->socket_id, ==, -1);
    g_assert_null(cpu7->siblings);

    fake_host_done(root);
}

/* QEMU probe parsers. */

static void
test_qemu_version(void)
{
    g_autofree char *text = load("version-7.2.txt");
    unsigned v = 0;
    g_autoptr(GError) err = NULL;

    g_assert_true(qemu_caps_parse_version(text, &v, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(v, ==, 7002022);

    g_assert_true(qemu_caps_parse_version("QEMU emulator version 2.11.1(Debian 1:2.11)\n", &v, NULL));
    g_assert_cmpuint(v, ==, 2011001);
    g_assert_true(qemu_caps_parse_version("QEMU emulator version 8.0.0\n", &v, NULL));
    g_assert_cmpuint(v, ==, 8000000);

    g_assert_false(qemu_caps_parse_version("true (GNU coreutils) 9.1\n", &v, &err));
    g_assert_nonnull(strstr(err->message, "cannot parse QEMU version"));
    g_clear_error(&err);
    g_assert_false(qemu_caps_parse_version("QEMU emulator version x.y\n", &v, NULL));
    g_assert_false(qemu_caps_parse_version("", &v, NULL));
}

static void
test_qemu_machine_help(void)
{
    g_autofree char *text = load("machine-help-7.2.txt");
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) machines = qemu_caps_parse_machine_help(text, &err);
    g_assert_no_error(err);

    /* 61 lines below the header, two of them aliases. */
    g_assert_cmpuint(machines->len, ==, 59);
    const QemuMachine *first = g_ptr_array_index(machines, 0);
    g_assert_cmpstr(first->name, ==, "microvm");
    g_assert_null(first->alias);

    unsigned ndefault = 0;
    for (guint i = 0; i < machines->len; i++) {
        const QemuMachine *m = g_ptr_array_index(machines, i);
        g_assert_cmpuint(m->max_cpus, ==, 0);
        g_assert_cmpstr(m->name, !=, "pc");
        g_assert_cmpstr(m->name, !=, "q35");
        if (m->is_default) {
            ndefault++;
            g_assert_cmpstr(m->name, ==, "pc-i440fx-7.2");
            g_assert_cmpstr(m->alias, ==, "pc");
        }
        if (g_str_equal(m->name, "pc-q35-7.2"))
            g_assert_cmpstr(m->alias, ==, "q35");
        if (g_str_equal(m->name, "pc-i440fx-1.4"))
            g_assert_true(m->deprecated);
        if (g_str_equal(m->name, "pc-i440fx-2.0"))
            g_assert_false(m->deprecated);
    }
    g_assert_cmpuint(ndefault, ==, 1);

    g_assert_null(qemu_caps_parse_machine_help("", &err));
    g_assert_nonnull(strstr(err->message, "Supported machines are:"));
    g_clear_error(&err);
    g_assert_null(qemu_caps_parse_machine_help("Supported machines are:\n\n", &err));
    g_assert_nonnull(strstr(err->message, "no machine types"));
}

static QemuCaps *
caps_from_data(void)
{
    g_autofree char *version = load("version-7.2.txt");
    g_autofree char *help = load("machine-help-7.2.txt");
    g_autofree char *qmp = load("qmp-7.2.txt");
    g_autoptr(GError) err = NULL;
    QemuCaps *caps = qemu_caps_new_from_output("/usr/bin/qemu-system-x86_64", version, help, qmp,
                                               &err);
    g_assert_no_error(err);
    return caps;
}

static void
test_qemu_qmp(void)
{
    g_autoptr(QemuCaps) caps = caps_from_data();

    g_assert_cmpuint(qemu_caps_version(caps), ==, 7002022);
    g_assert_cmpstr(qemu_caps_arch(caps), ==, "x86_64");
    g_assert_true(qemu_caps_kvm_supported(caps));
    g_assert_cmpstr(qemu_caps_default_machine(caps)->name, ==, "pc-i440fx-7.2");
    g_assert_cmpstr(qemu_caps_find_machine(caps, "q35")->name, ==, "pc-q35-7.2");
    g_assert_cmpuint(qemu_caps_find_machine(caps, "q35")->max_cpus, ==, 288);
    g_assert_cmpuint(qemu_caps_find_machine(caps, "pc-q35-2.7")->max_cpus, ==, 255);
    g_assert_cmpuint(qemu_caps_find_machine(caps, "pc")->max_cpus, ==, 255);
    g_assert_cmpuint(qemu_caps_find_machine(caps, "isapc")->max_cpus, ==, 1);
    g_assert_null(qemu_caps_find_machine(caps, "virt"));

    g_autofree char *help = load("machine-help-7.2.txt");
    g_autoptr(GPtrArray) machines = qemu_caps_parse_machine_help(help, NULL);
    g_autoptr(GError) err = NULL;
    char *arch = NULL;
    bool kvm;
    g_assert_false(qemu_caps_parse_qmp("{\"QMP\": {}}\n{\"error\": {\"class\": \"GenericError\", "
                                       "\"desc\": \"boom\"}, \"id\": \"machines\"}\n",
                                       machines, &arch, &kvm, &err));
    g_assert_nonnull(strstr(err->message, "QMP command 'machines' failed: boom"));
    g_clear_error(&err);
    g_assert_false(qemu_caps_parse_qmp("not json\n", machines, &arch, &kvm, &err));
    g_assert_nonnull(strstr(err->message, "malformed QMP output"));
    g_clear_error(&err);
    g_assert_false(qemu_caps_parse_qmp("{\"return\": {\"arch\": \"i386\"}, \"id\": \"target\"}\n",
                                       machines, &arch, &kvm, &err));
    g_assert_nonnull(strstr(err->message, "query-machines"));
    g_assert_null(arch);
}

static void
test_qemu_probe_errors(void)
{
    g_autoptr(GError) err = NULL;
    g_assert_null(qemu_caps_get("/nonexistent/qemu-system-x86_64", &err));
    g_assert_cmpstr(err->message, ==, "internal error: cannot probe QEMU binary "
                                      "'/nonexistent/qemu-system-x86_64': No such file or directory");
    g_clear_error(&err);
    g_assert_null(qemu_caps_get("/bin/true", &err));
    g_assert_nonnull(strstr(err->message, "cannot probe QEMU binary '/bin/true': cannot parse"));
}

/* Capabilities XML. */

static void
test_caps_golden(void)
{
    char *root = fake_host(false);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvCaps) caps = mv_caps_new_host(&err);
    g_assert_no_error(err);
    mv_caps_add_secmodel(caps, "none", "0");
    g_autoptr(QemuCaps) qcaps = caps_from_data();
    qemu_caps_add_guest(caps, qcaps, true);
    fake_host_done(root);

    g_autofree char *xml = mv_caps_format(caps, &err);
    g_assert_no_error(err);
    assert_golden("caps-fakehost-7.2.xml", xml);
    assert_valid_caps(xml);
}

static void
test_caps_this_host(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = qemu_caps_build_capabilities_xml(&err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(xml, "<arch>x86_64</arch>"));
    g_autofree char *binary = qemu_caps_find_binary("x86_64");
    if (binary) {
        g_assert_nonnull(strstr(xml, "<arch name='x86_64'>"));
        g_assert_nonnull(strstr(xml, "<domain type='qemu'/>"));
    }
    assert_valid_caps(xml);

    /* A second build reuses the cached probe. */
    if (binary) {
        g_autoptr(QemuCaps) a = qemu_caps_get(binary, &err);
        g_autoptr(QemuCaps) b = qemu_caps_get(binary, &err);
        g_assert_no_error(err);
        g_assert_true(a == b);
    }
    qemu_caps_cache_flush();
}

static void
test_caps_errors(void)
{
    g_autoptr(MvCaps) caps = mv_caps_new("x86_64");
    mv_caps_add_guest(caps, MV_CAPS_OS_HVM, "x86_64", 64, NULL, NULL);
    g_autoptr(GError) err = NULL;
    g_assert_null(mv_caps_format(caps, &err));
    g_assert_nonnull(strstr(err->message, "guest arch 'x86_64' has no domain type"));
}

/* Domain capabilities from the captured probe: golden for each machine family, valid against
 * domaincaps.rng, and what a tool picks from them is what the command builder takes. */
static void
test_domcaps_golden(void)
{
    g_autoptr(QemuCaps) caps = caps_from_data();
    static const char *const firmware[] = { "/usr/share/OVMF/OVMF_CODE_4M.fd", NULL };
    static const struct {
        const char *machine;
        const char *golden;
    } cases[] = {
        { NULL, "domcaps-pc-7.2.xml" },
        { "q35", "domcaps-q35-7.2.xml" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *xml = qemu_domaincaps_build(caps, cases[i].machine, MV_DOMAIN_VIRT_QEMU,
                                                     firmware, &err);
        g_assert_no_error(err);
        assert_valid(xml, "domaincaps");
        assert_golden(cases[i].golden, xml);
    }
}

static void
test_domcaps_errors(void)
{
    g_autoptr(QemuCaps) caps = caps_from_data();
    g_autoptr(GError) err = NULL;
    g_assert_null(qemu_domaincaps_build(caps, "virt", MV_DOMAIN_VIRT_QEMU, NULL, &err));
    g_assert_cmpstr(err->message, ==, "invalid argument: the machine 'virt' is not supported by "
                                      "emulator '/usr/bin/qemu-system-x86_64'");
    g_clear_error(&err);
    g_assert_null(qemu_domaincaps_build(caps, "isapc", MV_DOMAIN_VIRT_QEMU, NULL, &err));
    g_assert_nonnull(strstr(err->message, "machine type 'isapc' is not supported"));
    g_clear_error(&err);
    g_assert_null(qemu_domaincaps_build(caps, NULL, MV_DOMAIN_VIRT_XEN, NULL, &err));
    g_assert_nonnull(strstr(err->message, "virttype 'xen'"));
    g_clear_error(&err);
    /* kvm only where the probe guest ran; the refusal names the probe's finding. */
    g_autofree char *reason = NULL;
    if (!qemu_kvm_usable(&reason)) {
        g_assert_null(qemu_domaincaps_build(caps, NULL, MV_DOMAIN_VIRT_KVM, NULL, &err));
        g_assert_nonnull(strstr(err->message, reason));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/node-info", test_host_node_info);
    g_test_add_func("/host/cpu-map", test_host_cpu_map);
    g_test_add_func("/host/name-uuid", test_host_name_uuid);
    g_test_add_func("/host/cpulist", test_host_cpulist);
    g_test_add_func("/host/fake/numa", test_fake_numa);
    g_test_add_func("/host/fake/offline-cpu", test_fake_offline_cpu);
    g_test_add_func("/qemu/version", test_qemu_version);
    g_test_add_func("/qemu/machine-help", test_qemu_machine_help);
    g_test_add_func("/qemu/qmp", test_qemu_qmp);
    g_test_add_func("/qemu/probe-errors", test_qemu_probe_errors);
    g_test_add_func("/caps/golden", test_caps_golden);
    g_test_add_func("/caps/this-host", test_caps_this_host);
    g_test_add_func("/caps/errors", test_caps_errors);
    g_test_add_func("/domcaps/golden", test_domcaps_golden);
    g_test_add_func("/domcaps/errors", test_domcaps_errors);
    return g_test_run();
}
