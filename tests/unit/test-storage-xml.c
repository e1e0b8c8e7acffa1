// SPDX-License-Identifier: LGPL-2.1-or-later
// Storage pool and volume XML golden files: tests/data/storage-xml/<case>.xml is parsed
// (pool-* as a pool, vol-* as a volume of a dir pool) and formatted; the output must equal
// <case>.out.xml, validate with virt-xml-validate, and read back as itself.  err-* cases must
// fail with the message in <case>.err.  MV_REGENERATE=1 rewrites the golden files.

#include <string.h>
#include <unistd.h>

#include "conf/conf-storage.h"

static const char *const good_cases[] = {
    "pool-dir", "pool-dir-minimal", "pool-fs", "pool-netfs", "pool-logical", "pool-iscsi",
    "pool-rbd", "vol-raw", "vol-qcow2-backing", "vol-units",
};

static const char *const bad_cases[] = {
    "err-malformed", "err-pool-no-target", "err-pool-bad-type", "err-pool-unsupported-type",
    "err-pool-name-slash", "err-pool-relative-path", "err-pool-unknown-element",
    "err-pool-fs-no-device", "err-pool-rbd-target", "err-pool-bad-uuid", "err-vol-name-slash",
    "err-vol-capacity-overflow", "err-vol-unknown-unit", "err-vol-negative",
    "err-vol-no-capacity", "err-vol-encryption", "err-vol-format-vmdk", "err-vol-format-unknown",
    "err-vol-raw-backing",
};

static bool
regenerating(void)
{
    return g_getenv("MV_REGENERATE") || g_getenv("MODVIRT_TEST_REGENERATE");
}

static char *
data_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "storage-xml", name, NULL);
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

/* Fail unless virt-xml-validate (package libvirt-clients, a test dependency) accepts @xml. */
static void
assert_valid(const char *xml, const char *schema)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("mv-storage-XXXXXX.xml", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_file_set_contents(path, xml, -1, &err);
    g_assert_no_error(err);
    const char *argv[] = { "virt-xml-validate", path, schema, NULL };
    g_autofree char *out = NULL, *errout = NULL;
    int status = 0;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status, &err);
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_message("virt-xml-validate rejected %s as %s:\n%s%s", path, schema, out, errout);
    else
        unlink(path);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* Parse and format @xml as the case @name says; NULL with @error on failure. */
static char *
roundtrip(const char *name, const char *xml, GError **error)
{
    if (g_str_has_prefix(name, "vol-") || g_str_has_prefix(name, "err-vol-")) {
        g_autoptr(MvStorageVolDef) def = mv_storage_vol_def_parse(xml, MV_POOL_DIR, error);
        if (!def)
            return NULL;
        /* What the driver fills in for a volume of a dir pool. */
        if (!def->path) {
            def->path = g_strdup_printf("/var/lib/libvirt/images/%s", def->name);
            def->key = g_strdup(def->path);
        }
        if (!def->format)
            def->format = g_strdup("raw");
        return mv_storage_vol_def_format(def);
    }
    g_autoptr(MvStoragePoolDef) def = mv_storage_pool_def_parse(xml, error);
    if (!def)
        return NULL;
    MvStoragePoolSizes sizes = { 10737418240, 4096, 10737414144 };
    return mv_storage_pool_def_format(def, &sizes);
}

static void
test_good(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.xml", name);
    g_autofree char *out_name = g_strdup_printf("%s.out.xml", name);
    g_autofree char *input = load(in_name);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = roundtrip(name, input, &err);
    g_assert_no_error(err);
    assert_golden(out_name, out);
    assert_valid(out, g_str_has_prefix(name, "vol-") ? "storagevol" : "storagepool");
    g_autofree char *again = roundtrip(name, out, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(again, ==, out);
}

static void
test_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.xml", name);
    g_autofree char *err_name = g_strdup_printf("%s.err", name);
    g_autofree char *input = load(in_name);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = roundtrip(name, input, &err);
    g_assert_null(out);
    g_assert_nonnull(err);
    g_autofree char *msg = g_strdup_printf("%s\n", err->message);
    assert_golden(err_name, msg);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *path = g_strdup_printf("/storage-xml/good/%s", good_cases[i]);
        g_test_add_data_func(path, good_cases[i], test_good);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/storage-xml/bad/%s", bad_cases[i]);
        g_test_add_data_func(path, bad_cases[i], test_bad);
    }
    return g_test_run();
}
