// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit scaling for libvirt's scaled integers, with every multiplication checked.

#include "util/util-units.h"

#include <errno.h>
#include <string.h>

int
mv_units_scale(const char *unit, guint64 default_scale, guint64 *ret_scale)
{
    if (!unit || !*unit) {
        *ret_scale = default_scale;
        return 0;
    }
    if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "byte") == 0 ||
        g_ascii_strcasecmp(unit, "bytes") == 0) {
        *ret_scale = 1;
        return 0;
    }

    /* A prefix letter, then nothing or "iB" (powers of 1024) or "B" (powers of 1000). */
    guint64 base;
    if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (g_ascii_tolower(unit[1]) == 'b' && unit[2] == '\0')
        base = 1000;
    else
        return -EINVAL;

    static const char prefixes[] = "kmgtpe";
    const char *at = strchr(prefixes, g_ascii_tolower(unit[0]));
    if (!at || !*at)
        return -EINVAL;
    guint64 scale = 1;
    for (const char *p = prefixes; p <= at; p++)
        scale *= base;  /* at most 1024^6 = 2^60: cannot overflow */
    *ret_scale = scale;
    return 0;
}

int
mv_units_to_bytes(guint64 value, const char *unit, guint64 default_scale, guint64 limit,
                  guint64 *ret_bytes)
{
    guint64 scale, bytes;
    int r = mv_units_scale(unit, default_scale, &scale);
    if (r < 0)
        return r;
    if (!g_uint64_checked_mul(&bytes, value, scale) || bytes > limit)
        return -ERANGE;
    *ret_bytes = bytes;
    return 0;
}

int
mv_units_parse_number(const char *text, guint64 *ret_value)
{
    if (!text)
        return -EINVAL;
    g_autofree char *trimmed = g_strstrip(g_strdup(text));
    if (!*trimmed)
        return -EINVAL;
    for (const char *p = trimmed; *p; p++)
        if (!g_ascii_isdigit(*p))
            return -EINVAL;
    guint64 value;
    g_autoptr(GError) err = NULL;
    if (!g_ascii_string_to_unsigned(trimmed, 10, 0, G_MAXUINT64, &value, &err))
        return -ERANGE;
    *ret_value = value;
    return 0;
}

int
mv_units_to_kib(guint64 value, const char *unit, guint64 limit_bytes, guint64 *ret_kib)
{
    guint64 bytes;
    int r = mv_units_to_bytes(value, unit, MV_UNITS_KIB, limit_bytes, &bytes);
    if (r < 0)
        return r;
    *ret_kib = bytes / MV_UNITS_KIB + (bytes % MV_UNITS_KIB ? 1 : 0);
    return 0;
}
