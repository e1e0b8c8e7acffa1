// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: a domain definition as a client sends it (DEFINE_XML, CREATE_XML), through
// what the daemon does with it: parse, fill the defaults (for a fixed QEMU, as the domain-xml
// unit test), format.  What parses and takes its defaults must format; the formatted XML must
// parse again, take the defaults again and format to the same text: the parser, the defaults
// and the formatter are each other's oracle.

#include "fuzz.h"
#include "conf/conf-domain.h"

#include <glib.h>
#include <string.h>

/* Parse errors are expected by the thousand: only the oracle's own failures are shown. */
static GLogWriterOutput
quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        return g_log_writer_default(level, fields, n_fields, data);
    return G_LOG_WRITER_HANDLED;
}

static const char *const machine_aliases[] = { "pc", "pc-i440fx-7.2", "q35", "pc-q35-7.2", NULL };

static const MvDomainDefaults defaults = {
    .emulator = "/usr/bin/qemu-system-x86_64",
    .arch = "x86_64",
    .default_machine = "pc-i440fx-7.2",
    .machine_aliases = machine_aliases,
};


/* What the daemon of the definition's type does: lxcd's defaults for containers. */
static bool
fill(MvDomainDef *def, GError **error)
{
    if (def->virt_type == MV_DOMAIN_VIRT_LXC)
        return mv_domain_def_fill_lxc_defaults(def, "/usr/libexec/modvirt/modvirt-lxc-controller", error);
    return mv_domain_def_fill_defaults(def, &defaults, error);
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
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, &err);
    if (!def || !fill(def, &err))
        return 0;
    unsigned flags = MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE;
    g_autofree char *out = mv_domain_def_format(def, flags, -1, &err);
    if (!out)
        FUZZ_FAIL("a definition that parsed does not format: %s", err->message);
    g_autoptr(MvDomainDef) def2 = mv_domain_def_parse(out, 0, &err);
    if (!def2)
        FUZZ_FAIL("formatted XML does not parse again: %s\n%s", err->message, out);
    if (!fill(def2, &err))
        FUZZ_FAIL("formatted XML does not take the defaults again: %s\n%s", err->message, out);
    g_autofree char *out2 = mv_domain_def_format(def2, flags, -1, &err);
    if (!out2 || strcmp(out, out2) != 0)
        FUZZ_FAIL("formatting is not stable:\n%s\n---\n%s", out, out2 ? out2 : "(failed)");
    return 0;
}
