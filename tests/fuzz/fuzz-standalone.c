// SPDX-License-Identifier: LGPL-2.1-or-later
// The driver of a fuzz target without libFuzzer: every seed file named on the command line
// (files, or directories of them; "*.hex" files are hex text, decoded first), then
// MV_FUZZ_RUNS (default 3000) mutations of each: bit flips, byte changes, cuts, insertions,
// repeated chunks, splices with another seed.  The mutations come from a fixed seed
// (MV_FUZZ_SEED), so a failure repeats.  Run under ASan/UBSan to catch what the target does
// wrong; the last "seed" line on stderr names the seed file whose mutations were running.

#include "fuzz.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static guint64 rng_state;

static guint64
rng(void)
{
    /* xorshift64*: small and reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t
below(size_t n)
{
    return n ? (size_t)(rng() % n) : 0;
}

static GBytes *
load_seed(const char *path)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, &len, &err))
        g_error("cannot read seed '%s': %s", path, err->message);
    if (!g_str_has_suffix(path, ".hex"))
        return g_bytes_new(text, len);
    GByteArray *bytes = g_byte_array_new();
    int hi = -1;
    for (gsize i = 0; i < len; i++) {
        int v = g_ascii_xdigit_value(text[i]);
        if (text[i] == '#') {   /* a comment to the end of the line */
            while (i < len && text[i] != '\n')
                i++;
            continue;
        }
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            guint8 b = (guint8)(hi << 4 | v);
            g_byte_array_append(bytes, &b, 1);
            hi = -1;
        }
    }
    return g_byte_array_free_to_bytes(bytes);
}

static void
add_seeds(GPtrArray *seeds, GPtrArray *names, const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);
        const char *e;
        while (dir && (e = g_dir_read_name(dir)))
            g_ptr_array_add(entries, g_build_filename(path, e, NULL));
        g_ptr_array_sort(entries, (GCompareFunc)g_strcmp0);   /* the same order every run */
        for (guint i = 0; i < entries->len; i++) {
            const char *f = entries->pdata[i];
            if (g_file_test(f, G_FILE_TEST_IS_REGULAR))
                add_seeds(seeds, names, f);
        }
        return;
    }
    g_ptr_array_add(seeds, load_seed(path));
    g_ptr_array_add(names, g_strdup(path));
}

/* Insert @n bytes of @data (not inside @b) at @at. */
static void
insert_bytes(GByteArray *b, gsize at, const guint8 *data, gsize n)
{
    gsize old = b->len;
    g_byte_array_set_size(b, old + n);
    memmove(b->data + at + n, b->data + at, old - at);
    memcpy(b->data + at, data, n);
}

/* One mutation of @in, maybe spliced with @other. */
static GByteArray *
mutate(GBytes *in, GBytes *other)
{
    gsize len = 0, olen = 0;
    const guint8 *src = g_bytes_get_data(in, &len);
    const guint8 *osrc = g_bytes_get_data(other, &olen);
    GByteArray *b = g_byte_array_sized_new(len + 64);
    g_byte_array_append(b, src, len);
    int steps = 1 + (int)below(4);
    for (int s = 0; s < steps; s++) {
        switch (below(7)) {
        case 0:   /* flip a bit */
            if (b->len)
                b->data[below(b->len)] ^= (guint8)(1u << below(8));
            break;
        case 1: { /* an interesting byte value */
            static const guint8 vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x40 };
            if (b->len)
                b->data[below(b->len)] = vals[below(G_N_ELEMENTS(vals))];
            break;
        }
        case 2: { /* an interesting 32-bit big-endian word (lengths, counts) */
            static const guint32 words[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x00100000,
                                             0x01000000, 16384, 65536 };
            if (b->len >= 4) {
                guint32 w = GUINT32_TO_BE(words[below(G_N_ELEMENTS(words))]);
                memcpy(b->data + (below(b->len - 3) & ~(gsize)3), &w, 4);
            }
            break;
        }
        case 3:   /* cut */
            if (b->len)
                g_byte_array_set_size(b, below(b->len));
            break;
        case 4: { /* remove a range */
            if (b->len > 1) {
                gsize at = below(b->len), n = 1 + below(MIN(b->len - at, 16));
                g_byte_array_remove_range(b, at, n);
            }
            break;
        }
        case 5: { /* repeat a chunk */
            if (b->len && b->len < (1u << 20)) {
                gsize at = below(b->len), n = 1 + below(MIN(b->len - at, 64));
                g_autofree guint8 *chunk = g_memdup2(b->data + at, n);
                insert_bytes(b, at, chunk, n);
            }
            break;
        }
        default: { /* splice in part of another seed */
            if (olen) {
                gsize at = below(olen), n = 1 + below(MIN(olen - at, 128));
                insert_bytes(b, below(b->len + 1), osrc + at, n);
            }
            break;
        }
        }
    }
    return b;
}

static void
run_one(const guint8 *data, size_t len)
{
    /* The target gets exactly @len bytes in a buffer of its own, as libFuzzer gives them, so
     * ASan sees any read past the end. */
    guint8 *copy = g_malloc(len ? len : 1);
    if (len)
        memcpy(copy, data, len);
    LLVMFuzzerTestOneInput(copy, len);
    g_free(copy);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (int i = 1; i < argc; i++)
        add_seeds(seeds, names, argv[i]);
    if (seeds->len == 0) {
        fprintf(stderr, "usage: %s SEED_FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    const char *env = g_getenv("MV_FUZZ_RUNS");
    unsigned runs = env ? (unsigned)strtoul(env, NULL, 10) : 3000;
    env = g_getenv("MV_FUZZ_SEED");
    guint64 seed = env ? g_ascii_strtoull(env, NULL, 0) : 0x6d6f647669727400ULL;

    unsigned total = 0;
    for (guint i = 0; i < seeds->len; i++) {
        /* What is being mutated, for a crash report (stderr is unbuffered). */
        fprintf(stderr, "seed %s\n", (const char *)names->pdata[i]);
        gsize len = 0;
        const guint8 *data = g_bytes_get_data(seeds->pdata[i], &len);
        run_one(data, len);
        total++;
        rng_state = seed ^ ((guint64)(i + 1) * 0x9e3779b97f4a7c15ULL);
        for (unsigned r = 0; r < runs; r++) {
            GByteArray *m = mutate(seeds->pdata[i], seeds->pdata[below(seeds->len)]);
            run_one(m->data, m->len);
            g_byte_array_unref(m);
            total++;
        }
    }
    printf("%u inputs from %u seeds (%u mutations each, seed %#" G_GINT64_MODIFIER "x): no failure\n", total,
           seeds->len, runs, seed);
    return 0;
}
