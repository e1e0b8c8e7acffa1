// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: an xl.cfg as a client sends it (CONNECT_DOMAIN_XML_FROM_NATIVE 'xen-xl'),
// through what modvirt-xend does with it: Xen's parser, the domain XML, the shared domain
// parser, and xl.cfg again, which must read back into the same XML.

#include "fuzz.h"
#include "xen-xl.h"

#include <glib.h>
#include <string.h>

static char *
xml_of(const MvDomainDef *def)
{
    return mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE, -1, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainDef) def = xen_xl_parse(text, &err);
    if (!def)
        return 0;
    g_autofree char *xml = xml_of(def);
    if (!xml)
        FUZZ_FAIL("a parsed xl.cfg does not format as XML");
    g_autoptr(MvDomainDef) def2 = mv_domain_def_parse(xml, 0, &err);
    if (!def2)
        FUZZ_FAIL("XML from xl.cfg does not parse: %s\n%s", err->message, xml);
    g_autofree char *xl = xen_xl_format(def2, &err);
    if (!xl)
        return 0;  /* refused with an error naming what xl.cfg cannot say */
    g_autoptr(MvDomainDef) def3 = xen_xl_parse(xl, &err);
    if (!def3)
        FUZZ_FAIL("written xl.cfg does not read back: %s\n%s", err->message, xl);
    g_autofree char *xml3 = xml_of(def3);
    if (g_strcmp0(xml, xml3) != 0)
        FUZZ_FAIL("xl.cfg round trip changed the XML:\n%s\n---\n%s", xml, xml3 ? xml3 : "");
    return 0;
}
