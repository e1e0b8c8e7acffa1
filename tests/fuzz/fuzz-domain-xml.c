// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: a domain definition as a client sends it (DEFINE_XML, CREATE_XML).  What
// parses must format, and the formatted XML must parse again and format to the same text:
// the parser and the formatter are each other's oracle.

#include "fuzz.h"
#include "conf/conf-domain.h"

#include <glib.h>
#include <string.h>

static void
silence(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
    (void)domain, (void)level, (void)message, (void)data;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        g_log_set_default_handler(silence, NULL);
        quiet = true;
    }
    if (size > 1 << 20)
        return 0;
    g_autofree char *xml = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, &err);
    if (!def)
        return 0;
    unsigned flags = MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE;
    g_autofree char *out = mv_domain_def_format(def, flags, -1, &err);
    if (!out)
        g_error("a definition that parsed does not format: %s", err->message);
    g_autoptr(MvDomainDef) def2 = mv_domain_def_parse(out, 0, &err);
    if (!def2)
        g_error("formatted XML does not parse again: %s\n%s", err->message, out);
    g_autofree char *out2 = mv_domain_def_format(def2, flags, -1, &err);
    if (!out2 || strcmp(out, out2) != 0)
        g_error("formatting is not stable:\n%s\n---\n%s", out, out2 ? out2 : "(failed)");
    return 0;
}
