// SPDX-License-Identifier: LGPL-2.1-or-later
// Network XML golden files: tests/data/network-xml/<case>.xml is parsed, given the defaults
// libvirt fills in at define time (bridge name, stp, NAT ports; a fixed MAC where none is
// given, so the files stay stable) and formatted; the result must equal <case>.out.xml, or
// the error must equal <case>.err.  Every formatted document goes through virt-xml-validate
// (a hard dependency) and must survive a parse/format round trip unchanged.
// MV_REGENERATE=1 rewrites the golden files.

#include "conf/conf-network.h"
#include "test-golden.h"

static const char *const good_cases[] = {
    "default", "isolated-dual", "route-dns", "open", "host-bridge", "nat-ranges",
};

static const char *const bad_cases[] = {
    "err-malformed", "err-not-network", "err-missing-name", "err-bad-uuid", "err-range-outside",
    "err-range-reversed", "err-host-outside", "err-bad-address", "err-bad-netmask",
    "err-forward-mode", "err-forward-vepa", "err-unknown-element", "err-portgroup",
    "err-bridge-with-ip", "err-bad-mac", "err-multicast-mac", "err-duplicate-host",
    "err-nat-in-route", "err-bridge-name", "err-stp-value", "err-unknown-attribute",
    "err-name-slash", "err-prefix",
};

static char *
load(const char *name)
{
    char *text = golden_load("network-xml", name);
    g_assert_nonnull(text);
    return text;
}

/* virbr0 is "in use" so that filling picks virbr1: the test sees the search happen. */
static bool
bridge_taken(const char *name, void *opaque)
{
    return g_str_equal(name, "virbr0");
}

static void
test_good(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strconcat(name, ".xml", NULL);
    g_autofree char *out_name = g_strconcat(name, ".out.xml", NULL);
    g_autofree char *xml = load(in_name);
    g_autoptr(GError) err = NULL;

    g_autoptr(MvNetworkDef) def = mv_network_def_parse(xml, &err);
    g_assert_no_error(err);
    if (!def->has_mac && def->forward != MV_NETWORK_FORWARD_BRIDGE) {
        static const guint8 fixed[MV_MAC_BUFLEN] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
        memcpy(def->mac, fixed, sizeof(fixed));
        def->has_mac = true;
    }
    g_assert_true(mv_network_def_fill_defaults(def, bridge_taken, NULL, &err));
    g_assert_no_error(err);
    g_autofree char *out = mv_network_def_format(def, -1, &err);
    g_assert_no_error(err);
    golden_assert("network-xml", out_name, out);
    golden_assert_valid(out, "network", name);

    /* Round trip, and filling again changes nothing. */
    g_autoptr(MvNetworkDef) again = mv_network_def_parse(out, &err);
    g_assert_no_error(err);
    g_assert_true(mv_network_def_fill_defaults(again, bridge_taken, NULL, &err));
    g_autofree char *out2 = mv_network_def_format(again, -1, &err);
    g_assert_cmpstr(out, ==, out2);

    /* The live form with connections validates too. */
    g_autofree char *live = mv_network_def_format(def, 2, &err);
    g_assert_nonnull(strstr(live, "<network connections='2'>"));
    golden_assert_valid(live, "network", name);
}

static void
test_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strconcat(name, ".xml", NULL);
    g_autofree char *err_name = g_strconcat(name, ".err", NULL);
    g_autofree char *xml = load(in_name);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvNetworkDef) def = mv_network_def_parse(xml, &err);
    if (def && !mv_network_def_fill_defaults(def, NULL, NULL, &err))
        g_clear_pointer(&def, mv_network_def_free);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_autofree char *msg = g_strdup_printf("%s\n", err->message);
    golden_assert("network-xml", err_name, msg);
}

static void
test_subnets(void)
{
    MvIpAddr a, b;
    g_assert_cmpint(mv_ip_addr_parse("192.168.122.1", 0, &a), ==, 0);
    g_assert_cmpint(mv_ip_addr_parse("192.168.0.0", 0, &b), ==, 0);
    g_assert_true(mv_ip_subnets_overlap(&a, 24, &b, 16));
    g_assert_false(mv_ip_subnets_overlap(&a, 24, &b, 24));
    g_assert_cmpint(mv_ip_addr_parse("fd00::1", AF_INET, &a), <, 0);
    g_assert_cmpint(mv_ip_addr_parse("fd00::1", 0, &a), ==, 0);
    g_assert_cmpint(a.family, ==, AF_INET6);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *path = g_strdup_printf("/network-xml/good/%s", good_cases[i]);
        g_test_add_data_func(path, good_cases[i], test_good);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/network-xml/bad/%s", bad_cases[i]);
        g_test_add_data_func(path, bad_cases[i], test_bad);
    }
    g_test_add_func("/network-xml/subnets", test_subnets);
    return g_test_run();
}
