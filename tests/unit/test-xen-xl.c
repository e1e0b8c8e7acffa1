// SPDX-License-Identifier: LGPL-2.1-or-later
// xl.cfg <-> domain XML golden files (tests/data/xen-xl): <case>.cfg is read with Xen's
// parser into <case>.xml (valid per virt-xml-validate, and read back by the shared domain
// parser unchanged), written out again as <case>.xl, which must read back into the same
// XML; or the error must equal <case>.err.  XML-only cases (<case>.in.xml) go the other
// way.  The examples Xen ships (xen-utils-common's /etc/xen/xlexample.*, extracted by
// scripts/install-deps into MV_XEN_EXAMPLES) make the same round trip.

#include "test-golden.h"

#include "conf/conf-domain.h"
#include "xen-xl.h"

#define AREA "xen-xl"
#define DEFAULT_EXAMPLES "/usr/local/share/xen-examples"

static const char *const good_cases[] = {
    "pv-kernel", "pv-kernel-root-extra", "pv-bootloader", "pv-bootloader-args-list",
    "pv-vfb-vnc", "pv-vfb-sdl", "pv-multi-disk", "pv-multi-vif", "pv-maxmem-maxvcpus",
    "pv-lifecycle", "pv-cpus", "pv-unknown-keys", "pvh-kernel", "pvh-disks-vifs",
    "hvm-minimal", "hvm-cdrom-boot", "hvm-cdrom-empty", "hvm-vnc-fixed", "hvm-vnc-auto",
    "hvm-serial-pty", "hvm-serial-file-unix", "hvm-features-off", "hvm-qcow2-qdisk",
    "hvm-vif-models", "hvm-localtime", "hvm-builder", "pv-disk-phy-file", "pv-quoted",
};

static const char *const bad_cases[] = {
    "err-syntax", "err-syntax-line3", "err-no-name", "err-memory-text", "err-disk-spec",
    "err-vif-unknown-key", "err-type", "err-boot", "err-action", "err-kernel-relative",
};

/* XML inputs that cannot become xl.cfg. */
static const char *const bad_xml_cases[] = {
    "xmlerr-kvm", "xmlerr-network",
};

static char *
xml_of(const MvDomainDef *def)
{
    g_autoptr(GError) err = NULL;
    char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE,
                                     -1, &err);
    g_assert_no_error(err);
    return xml;
}

/* xl.cfg text -> XML -> shared parser -> same XML -> xl.cfg -> same XML.  Returns the
 * XML and the xl.cfg. */
static void
round_trip(const char *cfg, const char *what, char **ret_xml, char **ret_xl)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = xen_xl_parse(cfg, &err);
    g_assert_no_error(err);
    g_autofree char *xml = xml_of(def);
    golden_assert_valid_domain(xml, what);

    g_autoptr(MvDomainDef) reparsed = mv_domain_def_parse(xml, 0, &err);
    g_assert_no_error(err);
    g_autofree char *xml2 = xml_of(reparsed);
    g_assert_cmpstr(xml2, ==, xml);

    g_autofree char *xl = xen_xl_format(reparsed, &err);
    g_assert_no_error(err);
    g_autoptr(MvDomainDef) back = xen_xl_parse(xl, &err);
    g_assert_no_error(err);
    g_autofree char *xml3 = xml_of(back);
    g_assert_cmpstr(xml3, ==, xml);
    *ret_xml = g_steal_pointer(&xml);
    *ret_xl = g_steal_pointer(&xl);
}

static void
test_good(gconstpointer data)
{
    const char *name = data;
    g_autofree char *cfg_name = g_strdup_printf("%s.cfg", name);
    g_autofree char *cfg = golden_load(AREA, cfg_name);
    g_assert_nonnull(cfg);
    g_autofree char *xml = NULL, *xl = NULL;
    round_trip(cfg, name, &xml, &xl);
    g_autofree char *xml_name = g_strdup_printf("%s.xml", name);
    g_autofree char *xl_name = g_strdup_printf("%s.xl", name);
    golden_assert(AREA, xml_name, xml);
    golden_assert(AREA, xl_name, xl);
}

static void
test_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *cfg_name = g_strdup_printf("%s.cfg", name);
    g_autofree char *err_name = g_strdup_printf("%s.err", name);
    g_autofree char *cfg = golden_load(AREA, cfg_name);
    g_assert_nonnull(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = xen_xl_parse(cfg, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_autofree char *msg = g_strdup_printf("%s\n", err->message);
    golden_assert(AREA, err_name, msg);
}

static void
test_bad_xml(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", name);
    g_autofree char *err_name = g_strdup_printf("%s.err", name);
    g_autofree char *in = golden_load(AREA, in_name);
    g_assert_nonnull(in);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(in, 0, &err);
    g_assert_no_error(err);
    g_autofree char *xl = xen_xl_format(def, &err);
    g_assert_null(xl);
    g_assert_nonnull(err);
    g_autofree char *msg = g_strdup_printf("%s\n", err->message);
    golden_assert(AREA, err_name, msg);
}

/* Xen's own examples: they carry no uuid, so the XML is compared without it. */
static void
test_example(gconstpointer data)
{
    const char *path = data;
    g_autofree char *cfg = NULL;
    g_autoptr(GError) err = NULL;
    g_file_get_contents(path, &cfg, NULL, &err);
    g_assert_no_error(err);
    g_autofree char *xml = NULL, *xl = NULL;
    round_trip(cfg, path, &xml, &xl);
    g_autofree char *base = g_path_get_basename(path);
    g_auto(GStrv) lines = g_strsplit(xml, "\n", -1);
    g_autoptr(GString) no_uuid = g_string_new(NULL);
    for (char **l = lines; *l; l++)
        if (!strstr(*l, "<uuid>") && **l)
            g_string_append_printf(no_uuid, "%s\n", *l);
    g_autofree char *xml_name = g_strdup_printf("example-%s.xml", base);
    golden_assert(AREA, xml_name, no_uuid->str);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *path = g_strdup_printf("/xen-xl/good/%s", good_cases[i]);
        g_test_add_data_func(path, good_cases[i], test_good);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/xen-xl/bad/%s", bad_cases[i]);
        g_test_add_data_func(path, bad_cases[i], test_bad);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_xml_cases); i++) {
        g_autofree char *path = g_strdup_printf("/xen-xl/bad-xml/%s", bad_xml_cases[i]);
        g_test_add_data_func(path, bad_xml_cases[i], test_bad_xml);
    }
    /* The shipped examples are a prerequisite (scripts/install-deps): missing fails. */
    const char *dir = g_getenv("MV_XEN_EXAMPLES") ? g_getenv("MV_XEN_EXAMPLES") : DEFAULT_EXAMPLES;
    static const char *const examples[] = { "xlexample.hvm", "xlexample.pvlinux",
                                            "xlexample.pvhlinux" };
    for (size_t i = 0; i < G_N_ELEMENTS(examples); i++) {
        char *path = g_build_filename(dir, examples[i], NULL);  /* lives as long as the test */
        g_autofree char *tpath = g_strdup_printf("/xen-xl/example/%s", examples[i]);
        g_test_add_data_func(tpath, path, test_example);
    }
    return g_test_run();
}
