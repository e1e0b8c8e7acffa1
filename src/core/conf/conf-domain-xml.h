// SPDX-License-Identifier: LGPL-2.1-or-later
// Strict libxml2 reading helpers shared by the conf parsers (domain-level, devices,
// network): every attribute and child element is checked against a list, so nothing is
// silently dropped.  Private to src/core/conf.
#pragma once

#include <errno.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "conf/conf-domain.h"
#include "conf/conf-xml-error.h"

typedef int (*EnumFromString)(const char *name);

typedef struct {
    unsigned flags;
    /* <domain type=>, read first: a few device forms belong to one hypervisor only (Xen's
     * phy disks and vif scripts, bhyve's nmdm ports) and are refused for the others. */
    MvDomainVirtType virt;
} Parser;

static inline const char *
node_name(xmlNodePtr node)
{
    return (const char *)node->name;
}

static inline bool
is_element(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && g_str_equal(node_name(node), name);
}

/* The attribute @name as a g_free()able string, or NULL when absent. */
static inline char *
attr(xmlNodePtr node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, BAD_CAST name);
    if (!value)
        return NULL;
    char *copy = g_strdup((const char *)value);
    xmlFree(value);
    return copy;
}

/* The text content of @node (g_free()able, never NULL). */
static inline char *
text(xmlNodePtr node)
{
    xmlChar *value = xmlNodeGetContent(node);
    char *copy = g_strdup(value ? (const char *)value : "");
    xmlFree(value);
    return copy;
}

static inline bool
in_list(const char *name, const char *const *list)
{
    for (; list && *list; list++)
        if (g_str_equal(*list, name))
            return true;
    return false;
}

/* Devices libvirt knows and we do not implement: an honest "not supported" rather than
 * "unknown element". */
static const char *const known_unsupported_devices[] = {
    "filesystem", "hostdev", "channel", "sound", "hub", "redirdev", "redirfilter",
    "smartcard", "tpm", "panic", "shmem", "memory", "iommu", "vsock", "parallel", "lease",
    "crypto", "nvram", NULL,
};

/* Reject attributes of @node not in @attrs and element children not in @children (either
 * may be NULL for "none"); non-blank text is rejected unless @text_ok.  Error messages name
 * the element and the offender. */
static inline bool
check_node(xmlNodePtr node, const char *const *attrs, const char *const *children, bool text_ok,
           GError **error)
{
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        if (a->ns)
            return xml_error(error, "unsupported attribute '%s:%s' in <%s>", a->ns->prefix,
                             (const char *)a->name, node_name(node));
        if (!in_list((const char *)a->name, attrs))
            return xml_error(error, "unsupported attribute '%s' in <%s>", (const char *)a->name,
                             node_name(node));
    }
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (in_list(node_name(c), children))
                continue;
            if (g_str_equal(node_name(node), "devices") &&
                in_list(node_name(c), known_unsupported_devices))
                return unsupported(error, "device <%s> is not supported", node_name(c));
            return xml_error(error, "unsupported element <%s> in <%s>", node_name(c),
                             node_name(node));
        }
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !text_ok) {
            for (const xmlChar *p = c->content; p && *p; p++)
                if (!g_ascii_isspace(*p))
                    return xml_error(error, "unexpected text in <%s>", node_name(node));
        }
    }
    return true;
}

/* Longest XML document we accept.  libvirt's RPC caps a string at 4 MiB; a definition near
 * that is a mistake, not a guest or a network. */
#define CONF_XML_MAX_BYTES (4 * 1024 * 1024)

/* Parse @xml (NULL: empty) into a document, naming it "(@what_definition)" in errors:
 * MV_ERR_XML_DETAIL with the line for malformed XML, MV_ERR_XML_ERROR when too long.
 * No network, no entity expansion (XXE), no DTD loading; errors come back through the
 * context instead of stderr.  Returns the document (xmlFreeDoc) or NULL. */
static inline xmlDocPtr
conf_xml_read(const char *xml, const char *what, GError **error)
{
    if (!xml)
        xml = "";
    size_t len = strlen(xml);
    if (len > CONF_XML_MAX_BYTES) {
        mv_error_set(error, CONF_XML_FROM, MV_ERR_XML_ERROR, "%s XML of %zu bytes exceeds the limit of %d",
                     what, len, CONF_XML_MAX_BYTES);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        mv_error_set(error, CONF_XML_FROM, MV_ERR_NO_MEMORY, "cannot create an XML parser");
        return NULL;
    }
    g_autofree char *url = g_strdup_printf("%s_definition", what);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, url, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !xmlDocGetRootElement(doc)) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        g_autofree char *msg = g_strstrip(g_strdup(e && e->message ? e->message
                                                                    : "Document is empty"));
        mv_error_set(error, CONF_XML_FROM, MV_ERR_XML_DETAIL, "(%s):%d: %s", url, e ? e->line : 1, msg);
        if (doc)
            xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* Walk the element children of @parent in order. */
#define FOREACH_CHILD(child, parent) \
    for (xmlNodePtr child = (parent)->children; child; child = child->next) \
        if (child->type == XML_ELEMENT_NODE)

/* The only <@name> child of @parent in *@ret_child (NULL when absent); two is an error. */
static inline bool
single_child(xmlNodePtr parent, const char *name, xmlNodePtr *ret_child, GError **error)
{
    xmlNodePtr found = NULL;
    *ret_child = NULL;
    FOREACH_CHILD(c, parent) {
        if (!g_str_equal(node_name(c), name))
            continue;
        if (found)
            return xml_error(error, "element <%s> appears more than once in <%s>", name,
                             node_name(parent));
        found = c;
    }
    *ret_child = found;
    return true;
}

/* An enum attribute; absent leaves *@ret untouched.  Value 0 of tristates ("absent") is
 * not accepted as input. */
static inline bool
enum_attr(xmlNodePtr node, const char *name, EnumFromString from, bool zero_ok, int *ret,
          GError **error)
{
    g_autofree char *value = attr(node, name);
    if (!value)
        return true;
    int v = from(value);
    if (v < 0 || (v == 0 && !zero_ok))
        return xml_error(error, "invalid value '%s' for attribute '%s' of <%s>", value, name,
                         node_name(node));
    *ret = v;
    return true;
}

static inline bool
tristate_attr(xmlNodePtr node, const char *name, bool yesno, MvTristate *ret, GError **error)
{
    int v = *ret;
    if (!enum_attr(node, name, yesno ? mv_tristate_yesno_from_string : mv_tristate_onoff_from_string,
                   false, &v, error))
        return false;
    *ret = v;
    return true;
}

/* Unsigned number with libvirt's base rules (decimal, 0x hex, leading-0 octal). */
static inline bool
parse_uint(const char *s, guint64 max, guint64 *ret)
{
    if (!s || !*s || s[0] == '-' || s[0] == '+' || g_ascii_isspace(s[0]))
        return false;
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(s, &end, 0);
    if (errno || !end || *end || v > max)
        return false;
    *ret = v;
    return true;
}

/* An unsigned attribute in [0, @max]; absent leaves *@ret untouched and sets *@ret_present
 * (if given) to false. */
static inline bool
uint_attr(xmlNodePtr node, const char *name, guint64 max, unsigned *ret, bool *ret_present,
          GError **error)
{
    g_autofree char *value = attr(node, name);
    if (ret_present)
        *ret_present = value != NULL;
    if (!value)
        return true;
    guint64 v;
    if (!parse_uint(value, max, &v))
        return xml_error(error, "invalid value '%s' for attribute '%s' of <%s>", value, name,
                         node_name(node));
    *ret = (unsigned)v;
    return true;
}

static inline bool
required_attr(xmlNodePtr node, const char *name, char **ret, GError **error)
{
    char *value = attr(node, name);
    if (!value || !*value) {
        g_free(value);
        return xml_error(error, "missing attribute '%s' in <%s>", name, node_name(node));
    }
    *ret = value;
    return true;
}

static inline bool
absolute_path(const char *path, const char *what, GError **error)
{
    if (!path || path[0] != '/')
        return xml_error(error, "%s '%s' must be an absolute path", what, path ? path : "");
    return true;
}

/* Parse <devices> into @def (conf-domain-parse-devices.c), @p carrying the parse flags. */
bool mv_domain_parse_devices(Parser *p, xmlNodePtr node, MvDomainDef *def, GError **error);
