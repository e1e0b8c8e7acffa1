// SPDX-License-Identifier: LGPL-2.1-or-later
// Container definitions as controller options: tests/data/lxc-argv/<case>.xml is parsed,
// given the LXC defaults and turned into options, one per line in <case>.args (or the error
// in <case>.err).  MV_REGENERATE=1 rewrites the golden files.

#include "lxc-command.h"

#include <string.h>

static const char *const cases[] = { "minimal", "full", "caps-deny", "err-no-root" };

static char *
data_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "lxc-argv", name, NULL);
}

static void
test_case(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_name = g_strdup_printf("%s.xml", name);
    g_autofree char *in_path = data_path(in_name);
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(g_file_get_contents(in_path, &xml, NULL, NULL));
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, &err);
    g_assert_no_error(err);
    g_assert_true(mv_domain_def_fill_lxc_defaults(def, "/usr/libexec/modvirt/modvirt-lxc-controller", &err));
    g_autoptr(GPtrArray) argv = lxc_command_build(def, &err);
    g_autoptr(GString) out = g_string_new(NULL);
    if (argv) {
        for (guint i = 0; i < argv->len; i += 2)
            g_string_append_printf(out, "%s %s\n", (char *)argv->pdata[i], (char *)argv->pdata[i + 1]);
    } else {
        g_string_append_printf(out, "%s\n", err->message);
    }
    g_autofree char *out_name = g_strdup_printf("%s.%s", name, argv ? "args" : "err");
    g_autofree char *out_path = data_path(out_name);
    if (g_getenv("MV_REGENERATE")) {
        g_assert_true(g_file_set_contents(out_path, out->str, -1, NULL));
        return;
    }
    g_autofree char *expected = NULL;
    g_assert_true(g_file_get_contents(out_path, &expected, NULL, NULL));
    g_assert_cmpstr(out->str, ==, expected);
    /* err- cases must fail, the others must not. */
    g_assert_true(g_str_has_prefix(name, "err-") == (argv == NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/lxc-argv/%s", cases[i]);
        g_test_add_data_func(path, cases[i], test_case);
    }
    return g_test_run();
}
