// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: bhyve command lines as a client sends them (CONNECT_DOMAIN_XML_FROM_NATIVE
// 'bhyve-argv') into a definition; whatever is accepted must build command lines that read
// back into the same command lines.

#include "fuzz.h"
#include "bhyve-command.h"

#include <glib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = bhyve_argv_parse(text, &err);
    if (!def)
        return 0;
    g_autofree char *args = bhyve_argv_to_native(def, &err);
    if (!args)
        return 0;  /* a definition bhyve cannot run (no disk for bhyveload...): refused by name */
    g_autoptr(MvDomainDef) def2 = bhyve_argv_parse(args, &err);
    if (!def2)
        FUZZ_FAIL("built command lines do not read back: %s\n%s", err->message, args);
    g_autofree char *args2 = bhyve_argv_to_native(def2, &err);
    if (!args2 || strcmp(args, args2) != 0)
        FUZZ_FAIL("command lines changed on the way back:\n%s---\n%s", args, args2 ? args2 : "");
    return 0;
}
