// SPDX-License-Identifier: LGPL-2.1-or-later
// xl.cfg (format 'xen-xl', Xen's xl toolstack) <-> domain definitions of type 'xen'.
// Reading uses Xen's own parser (libxlutil); writing produces what libxlutil reads back.
// Nothing here needs a hypervisor.
#pragma once

#include <glib.h>

#include "conf/conf-domain.h"

/* The name libvirt gives the format in CONNECT_DOMAIN_XML_FROM/TO_NATIVE. */
#define XEN_XL_FORMAT "xen-xl"

/* Namespace of the <metadata> child that keeps the xl.cfg settings this converter does
 * not map to domain XML, so that they come back in the other direction. */
#define XEN_XL_KEPT_NS "http://modvirt.org/schemas/xen-xl/1.0"

/* Parse the text of an xl.cfg file.  Returns a new type 'xen' definition or NULL with
 * @error: MV_FROM_LIBXL MV_ERR_CONF_SYNTAX with Xen's message ("LINE: config parsing error
 * near ...") for malformed input, MV_ERR_CONFIG_UNSUPPORTED naming the setting for values
 * that have no domain XML form.  Settings this converter does not know are kept in
 * <metadata>, each under its own name. */
MvDomainDef *xen_xl_parse(const char *text, GError **error);

/* Format @def (type 'xen') as xl.cfg text (g_free()able) or NULL with @error
 * (MV_ERR_CONFIG_UNSUPPORTED naming the element that xl.cfg cannot express). */
char *xen_xl_format(const MvDomainDef *def, GError **error);

/* Append @s to @out as a double-quoted xl.cfg string, with the escapes libxlutil reads
 * (backslash before a quote, a backslash, n, r or t). */
void xen_xl_append_quoted(GString *out, const char *s);
