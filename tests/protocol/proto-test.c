// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden packet files for the protocol tests: reading, comparing, regenerating.

#include "proto-test.h"

#include <string.h>

typedef struct {
    GString *preamble;       /* comment lines before the first byte, verbatim */
    GByteArray *bytes;
    GHashTable *comments;    /* byte offset -> comment text (owned) */
} Golden;

static void
golden_clear(Golden *g)
{
    if (g->preamble)
        g_string_free(g->preamble, TRUE);
    if (g->bytes)
        g_byte_array_unref(g->bytes);
    if (g->comments)
        g_hash_table_unref(g->comments);
}

static char *
golden_path(const char *name)
{
    g_autofree char *file = g_strconcat(name, ".hex", NULL);
    return g_test_build_filename(G_TEST_DIST, "data", file, NULL);
}

/* Parse @text; false (with @ret_why) on a malformed file. */
static bool
golden_parse(const char *text, Golden *g, char **ret_why)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    g->preamble = g_string_new(NULL);
    g->bytes = g_byte_array_new();
    g->comments = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    for (guint n = 0; lines[n]; n++) {
        const char *line = lines[n];
        const char *hash = strchr(line, '#');
        size_t datalen = hash ? (size_t)(hash - line) : strlen(line);
        guint start = g->bytes->len;
        int nibble = -1;

        for (size_t i = 0; i < datalen; i++) {
            char ch = line[i];
            int v = g_ascii_xdigit_value(ch);
            if (g_ascii_isspace(ch) && nibble < 0)
                continue;
            if (v < 0) {
                *ret_why = g_strdup_printf("line %u: '%c' is not a hex digit or splits a byte", n + 1, ch);
                return false;
            }
            if (nibble < 0) {
                nibble = v;
            } else {
                guint8 b = (guint8)(nibble << 4 | v);
                g_byte_array_append(g->bytes, &b, 1);
                nibble = -1;
            }
        }
        if (nibble >= 0) {
            *ret_why = g_strdup_printf("line %u: odd number of hex digits", n + 1);
            return false;
        }
        if (!hash)
            continue;
        g_autofree char *comment = g_strstrip(g_strdup(hash + 1));
        if (g->bytes->len == start && start == 0)
            g_string_append_printf(g->preamble, "%s\n", line);
        else if (*comment)
            g_hash_table_replace(g->comments, GUINT_TO_POINTER(start), g_steal_pointer(&comment));
    }
    return true;
}

GBytes *
proto_golden_load(const char *name)
{
    g_autofree char *path = golden_path(name);
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *why = NULL;
    Golden g = { 0 };

    if (!g_file_get_contents(path, &text, NULL, &err))
        g_error("golden file %s: %s", path, err->message);
    if (!golden_parse(text, &g, &why))
        g_error("golden file %s: %s", path, why);
    GBytes *b = g_bytes_new(g.bytes->data, g.bytes->len);
    golden_clear(&g);
    return b;
}

static void
golden_write(const char *path, const Golden *old, GBytes *got)
{
    gsize len;
    const guint8 *p = g_bytes_get_data(got, &len);
    g_autoptr(GString) out = g_string_new(old->preamble ? old->preamble->str : "");

    for (gsize off = 0; off < len; ) {
        /* One XDR word a line; a comment on a non-aligned offset starts a line too. */
        gsize end = MIN(len, (off / 4 + 1) * 4);
        for (gsize k = off + 1; k < end; k++) {
            if (old->comments && g_hash_table_contains(old->comments, GUINT_TO_POINTER(k))) {
                end = k;
                break;
            }
        }
        for (gsize k = off; k < end; k++)
            g_string_append_printf(out, "%02x", p[k]);
        const char *c = old->comments ? g_hash_table_lookup(old->comments, GUINT_TO_POINTER(off)) : NULL;
        if (c)
            g_string_append_printf(out, "  # %s", c);
        g_string_append_c(out, '\n');
        off = end;
    }
    g_autoptr(GError) err = NULL;
    if (!g_file_set_contents(path, out->str, out->len, &err))
        g_error("cannot write %s: %s", path, err->message);
    g_test_message("regenerated %s", path);
}

static void
append_word(GString *s, const guint8 *p, gsize len, gsize off)
{
    for (gsize k = off; k < off + 4; k++) {
        if (k < len)
            g_string_append_printf(s, "%02x", p[k]);
        else
            g_string_append(s, "--");
    }
}

/* The first difference as text, with the comment of the enclosing line when there is one. */
static char *
describe_diff(const char *name, GBytes *want, GBytes *got)
{
    gsize wl, gl;
    const guint8 *w = g_bytes_get_data(want, &wl);
    const guint8 *g = g_bytes_get_data(got, &gl);
    gsize i = 0;

    while (i < wl && i < gl && w[i] == g[i])
        i++;
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_append_printf(s, "%s: %zu bytes expected, %zu encoded; first difference at offset %zu\n",
                           name, wl, gl, i);
    for (gsize o = i & ~(gsize)3; o < MAX(wl, gl) && o < (i & ~(gsize)3) + 16; o += 4) {
        g_string_append_printf(s, "  +%04zx want ", o);
        append_word(s, w, wl, o);
        g_string_append(s, " got ");
        append_word(s, g, gl, o);
        g_string_append_c(s, '\n');
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

void
proto_golden_check(const char *name, GBytes *got)
{
    const char *regen = g_getenv("MV_REGENERATE");

    if (regen && g_str_equal(regen, "1")) {
        g_autofree char *path = golden_path(name);
        g_autofree char *text = NULL;
        g_autofree char *why = NULL;
        Golden g = { 0 };
        if (g_file_get_contents(path, &text, NULL, NULL)) {
            if (!golden_parse(text, &g, &why))
                g_error("golden file %s: %s", path, why);
        } else {
            g.preamble = g_string_new(NULL);
            g_string_append_printf(g.preamble, "# %s\n", name);
        }
        golden_write(path, &g, got);
        golden_clear(&g);
        return;
    }

    g_autoptr(GBytes) want = proto_golden_load(name);
    if (!g_bytes_equal(want, got)) {
        g_autofree char *d = describe_diff(name, want, got);
        g_test_message("%s", d);
        g_test_fail_printf("%s", d);
    }
}

MvPacket *
proto_packet_new(const void *data, size_t len)
{
    MvPacket *pkt = g_new0(MvPacket, 1);
    pkt->data = g_malloc(MAX(len, 1));
    if (len)
        memcpy(pkt->data, data, len);
    pkt->len = len;
    return pkt;
}
