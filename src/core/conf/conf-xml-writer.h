// SPDX-License-Identifier: LGPL-2.1-or-later
// The small XML writer the conf formatters share (domain, network): libvirt's layout of
// two-space indent and single-quoted attributes.  Private to src/core/conf.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* A tiny streaming writer: elements open lazily so that an element without children comes
 * out as <x/>.  Raw text (metadata) is indented line by line. */
typedef struct {
    GString *s;
    int depth;
    bool tag_open;   /* "<name attrs" written, waiting for '>' or "/>" */
    bool has_text;   /* current element got inline text: close on the same line */
    bool failed;     /* an enum value had no name: the definition is corrupt */
} Xml;

static inline void
indent(Xml *x)
{
    for (int i = 0; i < x->depth; i++)
        g_string_append(x->s, "  ");
}

static inline void
escape(Xml *x, const char *text, bool in_attr)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&': g_string_append(x->s, "&amp;"); break;
        case '<': g_string_append(x->s, "&lt;"); break;
        case '>': g_string_append(x->s, "&gt;"); break;
        case '\'': g_string_append(x->s, "&apos;"); break;
        case '"': g_string_append(x->s, "&quot;"); break;
        case '\n': g_string_append(x->s, in_attr ? "&#10;" : "\n"); break;
        default: g_string_append_c(x->s, *p); break;
        }
    }
}

static inline void
close_start_tag(Xml *x)
{
    if (x->tag_open) {
        g_string_append(x->s, ">\n");
        x->tag_open = false;
    }
}

static inline void
start(Xml *x, const char *name)
{
    close_start_tag(x);
    indent(x);
    g_string_append_printf(x->s, "<%s", name);
    x->tag_open = true;
    x->has_text = false;
    x->depth++;
}

static inline void
end(Xml *x, const char *name)
{
    x->depth--;
    if (x->tag_open) {
        g_string_append(x->s, "/>\n");
        x->tag_open = false;
    } else if (x->has_text) {
        g_string_append_printf(x->s, "</%s>\n", name);
        x->has_text = false;
    } else {
        indent(x);
        g_string_append_printf(x->s, "</%s>\n", name);
    }
}

static inline void attrf(Xml *x, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static inline void
attrf(Xml *x, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_string_append_printf(x->s, " %s='", name);
    escape(x, value, true);
    g_string_append_c(x->s, '\'');
}

/* attribute from a name table; a NULL name marks the definition corrupt */
static inline void
attr_name(Xml *x, const char *name, const char *value)
{
    if (!value) {
        x->failed = true;
        return;
    }
    attrf(x, name, "%s", value);
}

static inline void
attr_str(Xml *x, const char *name, const char *value)
{
    if (value)
        attrf(x, name, "%s", value);
}

/* Text content on the same line as the start tag: <name>text</name>. */
static inline void
inline_text(Xml *x, const char *text)
{
    g_string_append_c(x->s, '>');
    x->tag_open = false;
    escape(x, text, false);
    x->has_text = true;
}

static inline void
text_element(Xml *x, const char *name, const char *text)
{
    if (!text)
        return;
    start(x, name);
    inline_text(x, text);
    end(x, name);
}

static inline void
empty_element(Xml *x, const char *name)
{
    start(x, name);
    end(x, name);
}

/* Already-serialized, already-indented XML, copied as it is. */
static inline void
raw_text(Xml *x, const char *raw)
{
    close_start_tag(x);
    g_string_append(x->s, raw);
    g_string_append_c(x->s, '\n');
}

