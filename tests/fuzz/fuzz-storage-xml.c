// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: pool and volume definitions as clients send them (STORAGE_POOL_DEFINE_XML,
// STORAGE_VOL_CREATE_XML), through what modvirt-storaged does with them: parse and format.
// The input is tried as a pool and as a volume of each pool type; what parses must format,
// parse again and format to the same text.

#include "fuzz.h"
#include "conf/conf-storage.h"

#include <glib.h>
#include <string.h>

static GLogWriterOutput
quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        return g_log_writer_default(level, fields, n_fields, data);
    return G_LOG_WRITER_HANDLED;
}

static void
check_pool(const char *xml)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MvStoragePoolDef) def = mv_storage_pool_def_parse(xml, &err);
    if (!def)
        return;
    g_autofree char *out = mv_storage_pool_def_format(def, NULL);
    g_autoptr(MvStoragePoolDef) def2 = mv_storage_pool_def_parse(out, &err);
    if (!def2)
        FUZZ_FAIL("formatted pool XML does not parse again: %s\n%s", err->message, out);
    g_autofree char *out2 = mv_storage_pool_def_format(def2, NULL);
    if (strcmp(out, out2) != 0)
        FUZZ_FAIL("pool formatting is not stable:\n%s\n---\n%s", out, out2);
}

static void
check_vol(const char *xml, int pool_type)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MvStorageVolDef) def = mv_storage_vol_def_parse(xml, pool_type, &err);
    if (!def)
        return;
    g_autofree char *out = mv_storage_vol_def_format(def);
    g_autoptr(MvStorageVolDef) def2 = mv_storage_vol_def_parse(out, pool_type, &err);
    if (!def2)
        FUZZ_FAIL("formatted volume XML does not parse again: %s\n%s", err->message, out);
    g_autofree char *out2 = mv_storage_vol_def_format(def2);
    if (strcmp(out, out2) != 0)
        FUZZ_FAIL("volume formatting is not stable:\n%s\n---\n%s", out, out2);
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
    check_pool(xml);
    check_vol(xml, MV_POOL_DIR);
    check_vol(xml, MV_POOL_LOGICAL);
    return 0;
}
