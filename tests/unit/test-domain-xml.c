// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain XML golden files: tests/data/domain-xml/<case>.xml is parsed, given libvirt's
// defaults for a fixed QEMU (pc-i440fx-7.2 default, q35 alias) and formatted; the inactive
// form must equal <case>.out.xml, or the error must equal <case>.err.  Every formatted
// document, inactive and live, goes through virt-xml-validate (a hard dependency) and must
// survive a parse/format round trip unchanged.  MV_REGENERATE=1 rewrites the golden files.

#include <string.h>
#include <unistd.h>

#include "conf/conf-domain.h"
#include "util/util-units.h"
#include "util/util-uuid.h"

static const char *const machine_aliases[] = {
    "pc", "pc-i440fx-7.2", "q35", "pc-q35-7.2", NULL,
};

static const MvDomainDefaults test_defaults = {
    .emulator = "/usr/bin/qemu-system-x86_64",
    .arch = "x86_64",
    .default_machine = "pc-i440fx-7.2",
    .machine_aliases = machine_aliases,
};

/* Successful cases (an .out.xml each) and failing ones (an .err each). */
static const char *const good_cases[] = {
    "minimal",
    "minimal-q35",
    "kitchen-sink-pc",
    "kitchen-sink-q35",
    "metadata",
    "memory-units",
    "numa-maxmemory",
    "chardevs",
    "console-only",
    "graphics-vnc",
    "explicit-addresses",
    "q35-conventional-pci",
    "cpu-host-model",
    "cpu-topology",
    "boot-per-device",
    "clock-timers",
    "os-direct-boot",
    "disks-all-buses",
    "net-all-types",
    "input-video",
    "user-alias",
    "disk-volume",
    "lxc-minimal",
    "lxc-full",
    "virt-install-pc",
    "virt-install-q35",
    "graphics-spice",
    "graphics-listen",
    "video-qxl",
    "video-ramfb",
};

static const char *const bad_cases[] = {
    "err-malformed",
    "err-empty",
    "err-not-domain",
    "err-unknown-unit",
    "err-negative-memory",
    "err-memory-overflow",
    "err-bad-uuid",
    "err-missing-name",
    "err-name-slash",
    "err-missing-memory",
    "err-bad-domain-type",
    "err-unknown-element",
    "err-unsupported-device",
    "err-unknown-attribute",
    "err-duplicate-target",
    "err-bad-mac",
    "err-multicast-mac",
    "err-vcpu-current",
    "err-boot-mixed",
    "err-boot-order-twice",
    "err-pci-conflict",
    "err-ide-q35",
    "err-disk-no-source",
    "err-machine-microvm",
    "err-chr-tcp",
    "err-lifecycle-value",
    "err-duplicate-element",
    "err-tablet-ps2",
    "err-usb-none",
    "err-topology",
    "err-alias-not-user",
    "err-graphics-spice",
    "err-disk-bus-usb",
    "err-disk-volume-no-pool",
    "err-lxc-idmap-overlap",
    "err-lxc-idmap-uid-only",
    "err-lxc-disk",
    "err-lxc-init-hvm",
    "err-lxc-filesystem-qemu",
    "err-lxc-cap-unknown",
    "err-master-on-ehci",
    "err-channel-no-target",
    "err-pm-enabled-missing",
    "err-redirdev",
};

static bool
regenerating(void)
{
    return g_getenv("MV_REGENERATE") || g_getenv("MODVIRT_TEST_REGENERATE");
}

static char *
data_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "domain-xml", name, NULL);
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

static void
assert_golden(const char *name, const char *actual)
{
    g_autofree char *path = data_path(name);
    if (regenerating()) {
        g_autoptr(GError) err = NULL;
        g_file_set_contents(path, actual, -1, &err);
        g_assert_no_error(err);
        return;
    }
    g_autofree char *expected = load(name);
    g_assert_cmpstr(actual, ==, expected);
}

/* Fail unless virt-xml-validate accepts @xml as a domain. */
static void
assert_valid_domain(const char *xml, const char *what)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("mv-domain-XXXXXX.xml", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_file_set_contents(path, xml, -1, &err);
    g_assert_no_error(err);

    const char *argv[] = { "virt-xml-validate", path, "domain", NULL };
    g_autofree char *out = NULL, *errout = NULL;
    int status = 0;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                 &status, &err);
    /* virt-xml-validate is a test dependency (package libvirt-clients): missing fails. */
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_message("virt-xml-validate rejected %s (%s):\n%s%s", path, what, out, errout);
    else
        unlink(path);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* Interfaces without a MAC get a predictable one, so the golden files stay stable. */
static void
fix_macs(MvDomainDef *def)
{
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (net->mac_set)
            continue;
        const guint8 mac[MV_MAC_BUFLEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, (guint8)(0x10 + i) };
        memcpy(net->mac, mac, sizeof(mac));
        net->mac_set = true;
    }
}

static MvDomainDef *
parse_and_fill(const char *xml, unsigned flags, GError **error)
{
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, flags, error);
    if (!def)
        return NULL;
    fix_macs(def);
    /* Containers get the LXC driver's defaults, with its controller as the emulator. */
    if (def->virt_type == MV_DOMAIN_VIRT_LXC
            ? !mv_domain_def_fill_lxc_defaults(def, "/usr/libexec/modvirt/modvirt-lxc-controller", error)
            : !mv_domain_def_fill_defaults(def, &test_defaults, error))
        return NULL;
    return g_steal_pointer(&def);
}

static void
test_good(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.xml", name);
    g_autofree char *out_name = g_strdup_printf("%s.out.xml", name);
    g_autofree char *input = load(in_name);
    g_autoptr(GError) err = NULL;

    g_autoptr(MvDomainDef) def = parse_and_fill(input, 0, &err);
    g_assert_no_error(err);
    g_autofree char *inactive = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE, -1, &err);
    g_assert_no_error(err);
    assert_golden(out_name, inactive);
    assert_valid_domain(inactive, "inactive");

    /* Defining the formatted form again changes nothing. */
    g_autoptr(MvDomainDef) again = parse_and_fill(inactive, 0, &err);
    g_assert_no_error(err);
    g_autofree char *inactive2 = mv_domain_def_format(again, MV_DOMAIN_FORMAT_INACTIVE, -1, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(inactive2, ==, inactive);

    /* The live form (id, aliases) validates too and reads back as itself. */
    g_autofree char *live = mv_domain_def_format(def, MV_DOMAIN_FORMAT_SECURE, 7, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(live, " id='7'>"));
    assert_valid_domain(live, "live");
    g_autoptr(MvDomainDef) copy = mv_domain_def_copy(def, &err);
    g_assert_no_error(err);
    g_autofree char *live2 = mv_domain_def_format(copy, MV_DOMAIN_FORMAT_SECURE, 7, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(live2, ==, live);
    g_autoptr(MvDomainDef) reread = mv_domain_def_parse(live, MV_DOMAIN_PARSE_LIVE, &err);
    g_assert_no_error(err);
    g_assert_cmpint(reread->id, ==, 7);
}

static void
test_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.xml", name);
    g_autofree char *err_name = g_strdup_printf("%s.err", name);
    g_autofree char *input = load(in_name);
    g_autoptr(GError) err = NULL;

    g_autoptr(MvDomainDef) def = parse_and_fill(input, 0, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_autofree char *message = g_strdup_printf("%s\n", err->message);
    assert_golden(err_name, message);
}

static void
test_generated_ids(void)
{
    static const char xml[] =
        "<domain type='qemu'><name>gen</name><memory>65536</memory>"
        "<os><type>hvm</type></os><devices><interface type='user'/></devices></domain>";
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, &err);
    g_assert_no_error(err);
    g_assert_false(mv_uuid_is_null(def->uuid));
    g_assert_cmpint(def->uuid[6] >> 4, ==, 4);        /* version 4 */
    g_assert_cmpint(def->uuid[8] & 0xc0, ==, 0x80);   /* RFC 4122 variant */
    g_assert_true(mv_domain_def_fill_defaults(def, &test_defaults, &err));
    MvDomainNet *net = g_ptr_array_index(def->nets, 0);
    g_assert_true(net->mac_set);
    g_assert_cmpint(net->mac[0], ==, 0x52);
    g_assert_cmpint(net->mac[1], ==, 0x54);
    g_assert_cmpint(net->mac[2], ==, 0x00);
    g_assert_cmpstr(net->info.alias, ==, "net0");

    /* Two parses, two UUIDs. */
    g_autoptr(MvDomainDef) other = mv_domain_def_parse(xml, 0, &err);
    g_assert_no_error(err);
    g_assert_true(memcmp(def->uuid, other->uuid, MV_UUID_BUFLEN) != 0);

    /* The default machine and emulator come from the caller, canonical. */
    g_assert_cmpstr(def->os.machine, ==, "pc-i440fx-7.2");
    g_assert_cmpstr(def->emulator, ==, "/usr/bin/qemu-system-x86_64");
}

static void
test_uuid(void)
{
    guint8 uuid[MV_UUID_BUFLEN];
    char text[MV_UUID_STRING_BUFLEN];
    g_assert_cmpint(mv_uuid_parse("6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f009", uuid), ==, 0);
    mv_uuid_format(uuid, text);
    g_assert_cmpstr(text, ==, "6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f009");
    g_assert_cmpint(mv_uuid_parse(" 6D76D0C54E118A2BB3C105A7E2D4F009 ", uuid), ==, 0);
    mv_uuid_format(uuid, text);
    g_assert_cmpstr(text, ==, "6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f009");
    g_assert_cmpint(mv_uuid_parse("6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f00", uuid), <, 0);
    g_assert_cmpint(mv_uuid_parse("6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f0090", uuid), <, 0);
    g_assert_cmpint(mv_uuid_parse("-6d76d0c54e118a2bb3c105a7e2d4f009", uuid), <, 0);
    g_assert_cmpint(mv_uuid_parse("6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f0g9", uuid), <, 0);
    g_assert_cmpint(mv_uuid_parse("6d76d0c-54e11-8a2b-b3c1-05a7e2d4f009", uuid), <, 0);
    g_assert_cmpint(mv_uuid_parse(NULL, uuid), <, 0);
}

static void
test_units(void)
{
    struct { guint64 value; const char *unit; guint64 kib; } ok[] = {
        { 1, NULL, 1 }, { 1, "KiB", 1 }, { 1, "k", 1 }, { 2, "M", 2048 }, { 2, "MiB", 2048 },
        { 1, "G", 1048576 }, { 1, "gib", 1048576 }, { 1, "T", 1073741824 },
        { 1000, "KB", 977 }, { 1, "MB", 977 }, { 1, "GB", 976563 }, { 1024, "b", 1 },
        { 1025, "bytes", 2 }, { 1, "byte", 1 }, { 0, "GiB", 0 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
        guint64 kib = 0;
        g_assert_cmpint(mv_units_to_kib(ok[i].value, ok[i].unit, G_MAXINT64, &kib), ==, 0);
        g_assert_cmpuint(kib, ==, ok[i].kib);
    }
    guint64 kib;
    g_assert_cmpint(mv_units_to_kib(1, "XB", G_MAXINT64, &kib), ==, -EINVAL);
    g_assert_cmpint(mv_units_to_kib(1, "Kilo", G_MAXINT64, &kib), ==, -EINVAL);
    g_assert_cmpint(mv_units_to_kib(1, "iB", G_MAXINT64, &kib), ==, -EINVAL);
    g_assert_cmpint(mv_units_to_kib(G_MAXUINT64, "KiB", G_MAXUINT64, &kib), ==, -ERANGE);
    g_assert_cmpint(mv_units_to_kib(8, "EiB", G_MAXINT64, &kib), ==, -ERANGE);
    g_assert_cmpint(mv_units_to_kib(7, "EiB", G_MAXINT64, &kib), ==, 0);

    guint64 n;
    g_assert_cmpint(mv_units_parse_number(" 42 ", &n), ==, 0);
    g_assert_cmpuint(n, ==, 42);
    g_assert_cmpint(mv_units_parse_number("-1", &n), ==, -EINVAL);
    g_assert_cmpint(mv_units_parse_number("1e3", &n), ==, -EINVAL);
    g_assert_cmpint(mv_units_parse_number("", &n), ==, -EINVAL);
    g_assert_cmpint(mv_units_parse_number("99999999999999999999999", &n), ==, -ERANGE);
}

static void
test_mac_and_names(void)
{
    guint8 mac[MV_MAC_BUFLEN];
    char text[MV_MAC_STRING_BUFLEN];
    g_assert_cmpint(mv_mac_parse("52:54:00:AB:cd:1", mac), ==, 0);
    mv_mac_format(mac, text);
    g_assert_cmpstr(text, ==, "52:54:00:ab:cd:01");
    g_assert_cmpint(mv_mac_parse("52:54:00:ab:cd", mac), <, 0);
    g_assert_cmpint(mv_mac_parse("52:54:00:ab:cd:ef:01", mac), <, 0);
    g_assert_cmpint(mv_mac_parse("52-54-00-ab-cd-ef", mac), <, 0);
    g_assert_cmpint(mv_mac_parse("52:54:00:ab:cd:efg", mac), <, 0);

    size_t plen;
    unsigned idx;
    g_assert_cmpint(mv_domain_disk_name_index("vda", &plen, &idx), ==, 0);
    g_assert_cmpuint(idx, ==, 0);
    g_assert_cmpint(mv_domain_disk_name_index("hdc", &plen, &idx), ==, 0);
    g_assert_cmpuint(idx, ==, 2);
    g_assert_cmpint(mv_domain_disk_name_index("sdaa", &plen, &idx), ==, 0);
    g_assert_cmpuint(idx, ==, 26);
    g_assert_cmpuint(plen, ==, 2);
    g_assert_cmpint(mv_domain_disk_name_index("xvdb", &plen, &idx), ==, 0);
    g_assert_cmpuint(plen, ==, 3);
    g_assert_cmpint(mv_domain_disk_name_index("vda1", &plen, &idx), <, 0);
    g_assert_cmpint(mv_domain_disk_name_index("vd", &plen, &idx), <, 0);
    g_assert_cmpint(mv_domain_disk_name_index("nvme0", &plen, &idx), <, 0);

    g_assert_true(mv_domain_machine_is_q35("q35"));
    g_assert_true(mv_domain_machine_is_q35("pc-q35-7.2"));
    g_assert_false(mv_domain_machine_is_q35("pc"));
    g_assert_true(mv_domain_machine_is_i440fx("pc-i440fx-2.12"));
    g_assert_true(mv_domain_machine_is_i440fx("pc-1.3"));
    g_assert_false(mv_domain_machine_is_i440fx("microvm"));
}

/* Passwords appear only in the secure form. */
static void
test_secure(void)
{
    static const char xml[] =
        "<domain type='qemu'><name>s</name><uuid>6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f009</uuid>"
        "<memory>65536</memory><os><type>hvm</type></os>"
        "<devices><graphics type='vnc' passwd='sekrit'/></devices></domain>";
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = parse_and_fill(xml, 0, &err);
    g_assert_no_error(err);
    g_autofree char *plain = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE, -1, &err);
    g_autofree char *secure = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE |
                                                   MV_DOMAIN_FORMAT_SECURE, -1, &err);
    g_assert_no_error(err);
    g_assert_null(strstr(plain, "sekrit"));
    g_assert_nonnull(strstr(secure, "passwd='sekrit'"));
}

/* A pty's path is live state: kept from live XML, not from a definition. */
static void
test_live_paths(void)
{
    static const char xml[] =
        "<domain type='qemu' id='3'><name>p</name><uuid>6d76d0c5-4e11-8a2b-b3c1-05a7e2d4f009</uuid>"
        "<memory>65536</memory><os><type>hvm</type></os><devices>"
        "<serial type='pty'><source path='/dev/pts/4'/><target type='isa-serial' port='0'>"
        "<model name='isa-serial'/></target><alias name='serial0'/></serial>"
        "<graphics type='vnc' port='5901' autoport='yes'/></devices></domain>";
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) live = mv_domain_def_parse(xml, MV_DOMAIN_PARSE_LIVE, &err);
    g_assert_no_error(err);
    g_assert_cmpint(live->id, ==, 3);
    MvDomainChr *serial = g_ptr_array_index(live->serials, 0);
    g_assert_cmpstr(serial->path, ==, "/dev/pts/4");
    g_assert_cmpint(((MvDomainGraphics *)g_ptr_array_index(live->graphics, 0))->port, ==, 5901);
    g_assert_true(mv_domain_def_fill_defaults(live, &test_defaults, &err));
    g_autofree char *out = mv_domain_def_format(live, 0, 3, &err);
    g_assert_nonnull(strstr(out, "<console type='pty' tty='/dev/pts/4'>"));
    g_assert_nonnull(strstr(out, "port='5901' autoport='yes'"));
    g_autofree char *inactive = mv_domain_def_format(live, MV_DOMAIN_FORMAT_INACTIVE, 3, &err);
    g_assert_null(strstr(inactive, "/dev/pts/4"));
    g_assert_null(strstr(inactive, "id='3'"));
    g_assert_null(strstr(inactive, "<alias"));
    g_assert_nonnull(strstr(inactive, "port='-1' autoport='yes'"));

    /* Without the live flag, system aliases are refused and ids ignored. */
    g_autoptr(GError) err2 = NULL;
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, &err2);
    g_assert_null(def);
    g_assert_nonnull(strstr(err2->message, "alias 'serial0'"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/domain-xml/uuid", test_uuid);
    g_test_add_func("/domain-xml/units", test_units);
    g_test_add_func("/domain-xml/mac-and-names", test_mac_and_names);
    g_test_add_func("/domain-xml/generated-ids", test_generated_ids);
    g_test_add_func("/domain-xml/secure", test_secure);
    g_test_add_func("/domain-xml/live-paths", test_live_paths);
    for (size_t i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *path = g_strdup_printf("/domain-xml/good/%s", good_cases[i]);
        g_test_add_data_func(path, good_cases[i], test_good);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/domain-xml/bad/%s", bad_cases[i]);
        g_test_add_data_func(path, bad_cases[i], test_bad);
    }
    return g_test_run();
}
