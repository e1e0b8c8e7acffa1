// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden-file helpers for the driver conversion tests: load tests/data/<area>/<name>,
// compare with it (MV_REGENERATE=1 rewrites it instead), and judge domain XML with
// virt-xml-validate.  Header-only: each test program is one file.
#pragma once

#include <string.h>
#include <stdbool.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

static inline bool
golden_regenerating(void)
{
    return g_getenv("MV_REGENERATE") || g_getenv("MODVIRT_TEST_REGENERATE");
}

static inline char *
golden_path(const char *area, const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", area, name, NULL);
}

/* The file's text, or NULL when it does not exist. */
static inline char *
golden_load(const char *area, const char *name)
{
    g_autofree char *path = golden_path(area, name);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    return text;
}

static inline void
golden_assert(const char *area, const char *name, const char *actual)
{
    g_autofree char *path = golden_path(area, name);
    if (golden_regenerating()) {
        g_autoptr(GError) err = NULL;
        g_file_set_contents(path, actual, -1, &err);
        g_assert_no_error(err);
        return;
    }
    g_autofree char *expected = golden_load(area, name);
    if (!expected)
        g_test_message("golden file %s is missing (MV_REGENERATE=1 writes it)", path);
    g_assert_nonnull(expected);
    g_assert_cmpstr(actual, ==, expected);
}

/* Fail unless virt-xml-validate (package libvirt-clients, a test dependency) accepts @xml
 * against libvirt's schema @schema ("domain", "network", ...). */
static inline void
golden_assert_valid(const char *xml, const char *schema, const char *what)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *tmpl = g_strdup_printf("mv-%s-XXXXXX.xml", schema);
    int fd = g_file_open_tmp(tmpl, &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_file_set_contents(path, xml, -1, &err);
    g_assert_no_error(err);
    const char *argv[] = { "virt-xml-validate", path, schema, NULL };
    g_autofree char *out = NULL, *errout = NULL;
    int status = 0;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                 &status, &err);
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_message("virt-xml-validate rejected %s (%s):\n%s%s", path, what, out, errout);
    else
        unlink(path);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/* As golden_assert_valid, as a domain. */
static inline void
golden_assert_valid_domain(const char *xml, const char *what)
{
    golden_assert_valid(xml, "domain", what);
}
