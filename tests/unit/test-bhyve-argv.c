// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain XML -> bhyve command lines golden files (tests/data/bhyve-argv): <case>.xml is read
// by the shared domain parser, given bhyve's defaults (interfaces without a MAC get a fixed
// one so the files stay stable) and built; the result must equal <case>.args, or the error
// <case>.err.  The way back: <case>.args read as a native command line must give the same
// command lines again, and XML that virt-xml-validate accepts.  native-<case>.args are
// command lines written by hand, read into <case>.xml.

#include "test-golden.h"

#include "bhyve-command.h"
#include "conf/conf-domain.h"

#define AREA "bhyve-argv"

static const char *const good_cases[] = {
    "bhyveload-minimal", "bhyveload-virtio-disk", "bhyveload-sata-disks", "bhyveload-cdrom",
    "bhyveload-two-nets", "bhyveload-e1000", "bhyveload-com1", "bhyveload-com1-com2",
    "bhyveload-acpi-apic", "bhyveload-localtime", "bhyveload-topology", "bhyveload-memory-round",
    "uefi-minimal", "uefi-vnc", "uefi-vnc-fixed-port", "uefi-vnc-ipv6-password", "uefi-tablet",
    "uefi-installer", "custom-loader", "grub-bhyve-args", "explicit-slots", "tap-name",
    "mixed-disks-nets",
};

static const char *const bad_cases[] = {
    "err-kvm-type", "err-network-iface", "err-ide-disk", "err-pty-serial", "err-vnc-no-uefi",
    "err-no-disk", "err-grub-no-args", "err-qcow2", "err-slot-reserved", "err-block-disk",
};

static const char *const native_cases[] = {
    "native-freebsd", "native-uefi-vnc", "native-custom-loader", "native-continuations",
};

static const char *const native_bad_cases[] = {
    "native-err-option", "native-err-emulation", "native-err-name", "native-err-nobhyve",
};

static void
fix_macs(MvDomainDef *def)
{
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (net->mac_set)
            continue;
        const guint8 mac[MV_MAC_BUFLEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, (guint8)(0x20 + i) };
        memcpy(net->mac, mac, sizeof(mac));
        net->mac_set = true;
    }
}

static char *
xml_of(const MvDomainDef *def)
{
    g_autoptr(GError) err = NULL;
    char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE,
                                     -1, &err);
    g_assert_no_error(err);
    return xml;
}

/* <case>.xml -> argv text, or NULL with @error. */
static char *
argv_of_case(const char *name, GError **error)
{
    g_autofree char *in_name = g_strdup_printf("%s.xml", name);
    g_autofree char *xml = golden_load(AREA, in_name);
    g_assert_nonnull(xml);
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, error);
    if (!def)
        return NULL;
    fix_macs(def);
    return bhyve_argv_to_native(def, error);
}

static void
test_good(gconstpointer data)
{
    const char *name = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *args = argv_of_case(name, &err);
    g_assert_no_error(err);
    g_autofree char *args_name = g_strdup_printf("%s.args", name);
    golden_assert(AREA, args_name, args);

    /* and back: the command lines describe a guest that gives the same command lines */
    g_autoptr(MvDomainDef) back = bhyve_argv_parse(args, &err);
    g_assert_no_error(err);
    g_autofree char *xml = xml_of(back);
    golden_assert_valid_domain(xml, name);
    g_autofree char *args2 = bhyve_argv_to_native(back, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(args2, ==, args);
}

static void
test_bad(gconstpointer data)
{
    const char *name = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *args = argv_of_case(name, &err);
    g_assert_null(args);
    g_assert_nonnull(err);
    g_autofree char *msg = g_strdup_printf("%s\n", err->message);
    g_autofree char *err_name = g_strdup_printf("%s.err", name);
    golden_assert(AREA, err_name, msg);
}

static void
test_native(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.args", name);
    g_autofree char *text = golden_load(AREA, in_name);
    g_assert_nonnull(text);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = bhyve_argv_parse(text, &err);
    g_assert_no_error(err);
    /* a fixed UUID keeps the golden file stable */
    memset(def->uuid, 0x11, sizeof(def->uuid));
    g_autofree char *xml = xml_of(def);
    golden_assert_valid_domain(xml, name);
    g_autofree char *xml_name = g_strdup_printf("%s.xml", name);
    golden_assert(AREA, xml_name, xml);
}

static void
test_native_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.args", name);
    g_autofree char *text = golden_load(AREA, in_name);
    g_assert_nonnull(text);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = bhyve_argv_parse(text, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_autofree char *msg = g_strdup_printf("%s\n", err->message);
    g_autofree char *err_name = g_strdup_printf("%s.err", name);
    golden_assert(AREA, err_name, msg);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    struct { const char *const *cases; size_t n; const char *prefix; GTestDataFunc fn; } sets[] = {
        { good_cases, G_N_ELEMENTS(good_cases), "good", test_good },
        { bad_cases, G_N_ELEMENTS(bad_cases), "bad", test_bad },
        { native_cases, G_N_ELEMENTS(native_cases), "native", test_native },
        { native_bad_cases, G_N_ELEMENTS(native_bad_cases), "native-bad", test_native_bad },
    };
    for (size_t s = 0; s < G_N_ELEMENTS(sets); s++) {
        for (size_t i = 0; i < sets[s].n; i++) {
            g_autofree char *path = g_strdup_printf("/bhyve-argv/%s/%s", sets[s].prefix,
                                                    sets[s].cases[i]);
            g_test_add_data_func(path, sets[s].cases[i], sets[s].fn);
        }
    }
    return g_test_run();
}
