// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain XML -> QEMU command line golden files: tests/data/qemu-argv/<case>.xml is parsed,
// given the defaults of the captured QEMU 7.2 probe (tests/data/qemu-caps), validated and
// built; the result, one argument per line, must equal <case>.args, or the error must equal
// <case>.err.  MV_REGENERATE=1 rewrites the golden files.

#include <string.h>

#include <glib/gstdio.h>

#include "conf/conf-domain.h"
#include "qemu-caps.h"
#include "qemu-command.h"

typedef struct {
    const char *name;
    bool kvm_usable;   /* whether the fake host has a usable /dev/kvm */
} ArgvCase;

static const ArgvCase cases[] = {
    { "minimal-pc", false },
    { "minimal-q35", false },
    { "kvm", true },
    { "kvm-unavailable", false },
    { "memory-units", false },
    { "memory-unaligned", false },
    { "maxmemory-numa", false },
    { "maxmemory-without-numa", false },
    { "vcpu-current", false },
    { "cpu-topology", false },
    { "cpu-custom-model", false },
    { "cpu-host-model-tcg", false },
    { "cpu-host-passthrough-tcg", false },
    { "cpu-host-passthrough-kvm", true },
    { "os-direct-kernel", false },
    { "os-loader-rom", false },
    { "os-loader-pflash", false },
    { "uefi-without-acpi", false },
    { "os-boot-order", false },
    { "boot-per-device", false },
    { "features", false },
    { "clock-localtime", false },
    { "clock-variable", false },
    { "clock-timers", false },
    { "lifecycle", false },
    { "lifecycle-preserve", false },
    { "disk-virtio-qcow2", false },
    { "disk-block-raw", false },
    { "disk-ide-pc", false },
    { "disk-sata-pc", false },
    { "disk-sata-q35", false },
    { "disk-scsi-lsi", false },
    { "disk-scsi-virtio", false },
    { "disk-cdrom-empty", false },
    { "disk-options", false },
    { "disk-ide-q35", false },
    { "disk-shareable-qcow2", false },
    { "net-user", false },
    { "net-network-bridge", false },
    { "net-ethernet", false },
    { "net-models-q35", false },
    { "net-no-tap", false },
    { "serial-pty", false },
    { "serial-file-unix", false },
    { "serial-port-too-high", false },
    { "console-only", false },
    { "graphics-vnc-autoport", false },
    { "graphics-vnc-fixed", false },
    { "graphics-vnc-password-long", false },
    { "video-vga", false },
    { "video-virtio-q35", false },
    { "video-none", false },
    { "input-usb-virtio", false },
    { "memballoon-none", false },
    { "memballoon-autodeflate", false },
    { "rng", false },
    { "watchdog-i6300esb", false },
    { "watchdog-ib700-q35", false },
    { "watchdog-dump", false },
    { "machine-unknown", false },
    { "arch-unsupported", false },
    { "name-escaping", false },
    { "usb-none", false },
    { "kitchen-sink-pc", false },
    { "kitchen-sink-q35", false },
    { "virt-install-pc", false },
    { "virt-install-q35", false },
    { "graphics-spice", false },
    { "graphics-spice-socket", false },
    { "graphics-vnc-socket", false },
    { "graphics-vnc-none", false },
    { "channel-spicevmc-without-spice", false },
    { "video-qxl", false },
    { "video-ramfb", false },
};

/* Fixed inputs, so that the golden files do not depend on this host. */
#define TEST_NOW 1700000000  /* 2023-11-14T22:13:20Z */
#define FIRST_TAP_FD 40

static QemuCaps *test_caps;

static bool
regenerating(void)
{
    return g_getenv("MV_REGENERATE") || g_getenv("MODVIRT_TEST_REGENERATE");
}

static char *
load_from(const char *dir, const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", dir, name, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;
    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

static void
assert_golden(const char *name, const char *actual)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "qemu-argv", name, NULL);
    if (regenerating()) {
        g_autoptr(GError) err = NULL;
        g_file_set_contents(path, actual, -1, &err);
        g_assert_no_error(err);
        return;
    }
    g_autofree char *expected = load_from("qemu-argv", name);
    g_assert_cmpstr(actual, ==, expected);
}

static GStrv
build(const ArgvCase *tc, const char *xml, GError **error)
{
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, error);
    if (!def)
        return NULL;
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (!net->mac_set) {
            const guint8 mac[MV_MAC_BUFLEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, (guint8)(0x10 + i) };
            memcpy(net->mac, mac, sizeof(mac));
            net->mac_set = true;
        }
    }
    g_autoptr(QemuCommandDefaults) defaults = qemu_command_defaults_new(test_caps);
    if (!mv_domain_def_fill_defaults(def, &defaults->defaults, error) ||
        !qemu_command_validate(def, test_caps, error))
        return NULL;

    int tap_fds[16];
    for (size_t i = 0; i < G_N_ELEMENTS(tap_fds); i++)
        tap_fds[i] = FIRST_TAP_FD + (int)i;
    /* Interfaces that need no tap get none; one case checks a missing tap. */
    for (guint i = 0; i < def->nets->len && i < G_N_ELEMENTS(tap_fds); i++) {
        const MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (net->type == MV_DOMAIN_NET_USER ||
            (net->type == MV_DOMAIN_NET_ETHERNET && net->target_dev) ||
            g_str_equal(tc->name, "net-no-tap"))
            tap_fds[i] = -1;
    }
    g_autofree char *monitor = g_strdup_printf("/var/lib/modvirt/qemu/domain-1-%s/monitor.sock",
                                               def->name);
    QemuCommandPaths paths = {
        .monitor_path = monitor,
        .run_dir = "/var/lib/modvirt/qemu/domain-1",
        .tap_fds = tap_fds,
        .n_tap_fds = G_N_ELEMENTS(tap_fds),
        .kvm_usable = tc->kvm_usable,
        .spice_port = 5901,
        .kvm_reason = tc->kvm_usable ? NULL : "cannot open /dev/kvm: No such file or directory",
        .now = TEST_NOW,
    };
    return qemu_command_build(def, test_caps, &paths, error);
}

static void
test_case(gconstpointer data)
{
    const ArgvCase *tc = data;
    g_autofree char *in_name = g_strdup_printf("%s.xml", tc->name);
    g_autofree char *input = load_from("qemu-argv", in_name);
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = build(tc, input, &err);

    g_autofree char *args_name = g_strdup_printf("%s.args", tc->name);
    g_autofree char *err_name = g_strdup_printf("%s.err", tc->name);
    g_autofree char *args_path = g_test_build_filename(G_TEST_DIST, "data", "qemu-argv",
                                                       args_name, NULL);
    g_autofree char *err_path = g_test_build_filename(G_TEST_DIST, "data", "qemu-argv",
                                                      err_name, NULL);
    if (argv) {
        g_assert_no_error(err);
        g_autoptr(GString) out = g_string_new(NULL);
        for (char **a = argv; *a; a++) {
            g_assert_null(strchr(*a, '\n'));
            g_string_append_printf(out, "%s\n", *a);
        }
        if (regenerating())
            g_unlink(err_path);
        g_assert_false(g_file_test(err_path, G_FILE_TEST_EXISTS));
        assert_golden(args_name, out->str);
    } else {
        g_assert_nonnull(err);
        g_autofree char *message = g_strdup_printf("%s\n", err->message);
        if (regenerating())
            g_unlink(args_path);
        g_assert_false(g_file_test(args_path, G_FILE_TEST_EXISTS));
        assert_golden(err_name, message);
    }
}

/* The defaults built from the probe: canonical default machine, aliases both ways. */
static void
test_defaults(void)
{
    g_autoptr(QemuCommandDefaults) d = qemu_command_defaults_new(test_caps);
    g_assert_cmpstr(d->defaults.default_machine, ==, "pc-i440fx-7.2");
    g_assert_cmpstr(d->defaults.arch, ==, "x86_64");
    g_assert_cmpstr(d->defaults.emulator, ==, "/usr/bin/qemu-system-x86_64");
    bool pc = false, q35 = false;
    for (const char *const *a = d->defaults.machine_aliases; a[0]; a += 2) {
        pc |= g_str_equal(a[0], "pc") && g_str_equal(a[1], "pc-i440fx-7.2");
        q35 |= g_str_equal(a[0], "q35") && g_str_equal(a[1], "pc-q35-7.2");
    }
    g_assert_true(pc);
    g_assert_true(q35);
}

/* Without a monitor path nothing is built. */
static void
test_missing_monitor(void)
{
    static const char xml[] = "<domain type='qemu'><name>m</name><memory>65536</memory>"
                              "<os><type>hvm</type></os></domain>";
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, &err);
    g_autoptr(QemuCommandDefaults) d = qemu_command_defaults_new(test_caps);
    g_assert_true(mv_domain_def_fill_defaults(def, &d->defaults, &err));
    QemuCommandPaths paths = { 0 };
    g_assert_null(qemu_command_build(def, test_caps, &paths, &err));
    g_assert_nonnull(strstr(err->message, "no monitor path"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_autofree char *version = load_from("qemu-caps", "version-7.2.txt");
    g_autofree char *help = load_from("qemu-caps", "machine-help-7.2.txt");
    g_autofree char *qmp = load_from("qemu-caps", "qmp-7.2.txt");
    g_autoptr(GError) err = NULL;
    test_caps = qemu_caps_new_from_output("/usr/bin/qemu-system-x86_64", version, help, qmp, &err);
    g_assert_no_error(err);

    g_test_add_func("/qemu-argv/defaults", test_defaults);
    g_test_add_func("/qemu-argv/missing-monitor", test_missing_monitor);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/qemu-argv/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
    }
    int rc = g_test_run();
    qemu_caps_unref(test_caps);
    return rc;
}
