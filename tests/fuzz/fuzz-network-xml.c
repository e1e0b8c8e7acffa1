// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: a network definition as a client sends it (NETWORK_DEFINE_XML, CREATE_XML),
// through what modvirt-netd does with it: parse, fill the defaults, format.  The formatted XML
// must parse again and format to the same text.

#include "fuzz.h"
#include "conf/conf-network.h"

#include <glib.h>
#include <string.h>

static GLogWriterOutput
quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        return g_log_writer_default(level, fields, n_fields, data);
    return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        g_log_set_writer_func(quiet_writer, NULL, NULL);
        quiet = true;
    }
    if (size > 1 << 20)
        return 0;
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvNetworkDef) def = mv_network_def_parse(xml, &err);
    if (!def || !mv_network_def_fill_defaults(def, NULL, NULL, &err))
        return 0;
    g_autofree char *out = mv_network_def_format(def, -1, &err);
    if (!out)
        FUZZ_FAIL("a definition that parsed does not format: %s", err->message);
    g_autoptr(MvNetworkDef) def2 = mv_network_def_parse(out, &err);
    if (!def2)
        FUZZ_FAIL("formatted XML does not parse again: %s\n%s", err->message, out);
    if (!mv_network_def_fill_defaults(def2, NULL, NULL, &err))
        FUZZ_FAIL("formatted XML does not take the defaults again: %s\n%s", err->message, out);
    g_autofree char *out2 = mv_network_def_format(def2, -1, &err);
    if (!out2 || strcmp(out, out2) != 0)
        FUZZ_FAIL("formatting is not stable:\n%s\n---\n%s", out, out2 ? out2 : "(failed)");
    return 0;
}
