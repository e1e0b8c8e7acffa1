// SPDX-License-Identifier: LGPL-2.1-or-later
// UUID generation, parsing and formatting.  Only the byte form is stored anywhere; the
// string forms exist at the XML and wire edges.

#include "util/util-uuid.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

void
mv_uuid_generate(guint8 ret_uuid[MV_UUID_BUFLEN])
{
    size_t got = 0;
    while (got < MV_UUID_BUFLEN) {
        ssize_t n = getrandom(ret_uuid + got, MV_UUID_BUFLEN - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    for (; got < MV_UUID_BUFLEN; got++)
        ret_uuid[got] = (guint8)g_random_int_range(0, 256);
    /* RFC 4122: version 4 in the high nibble of byte 6, variant 10xx in byte 8. */
    ret_uuid[6] = (ret_uuid[6] & 0x0f) | 0x40;
    ret_uuid[8] = (ret_uuid[8] & 0x3f) | 0x80;
}

int
mv_uuid_parse(const char *text, guint8 ret_uuid[MV_UUID_BUFLEN])
{
    guint8 uuid[MV_UUID_BUFLEN];
    const char *p = text;

    if (!p)
        return -EINVAL;
    while (g_ascii_isspace(*p))
        p++;
    for (size_t i = 0; i < MV_UUID_BUFLEN; i++) {
        /* A dash may only separate two byte pairs, never split one or lead. */
        if (i > 0 && *p == '-')
            p++;
        int hi = g_ascii_xdigit_value(p[0]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(p[1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        uuid[i] = (guint8)(hi << 4 | lo);
        p += 2;
    }
    while (g_ascii_isspace(*p))
        p++;
    if (*p)
        return -EINVAL;
    memcpy(ret_uuid, uuid, sizeof(uuid));
    return 0;
}

void
mv_uuid_format(const guint8 uuid[MV_UUID_BUFLEN], char ret_text[MV_UUID_STRING_BUFLEN])
{
    g_snprintf(ret_text, MV_UUID_STRING_BUFLEN,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
               uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
               uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}

bool
mv_uuid_is_null(const guint8 uuid[MV_UUID_BUFLEN])
{
    for (size_t i = 0; i < MV_UUID_BUFLEN; i++)
        if (uuid[i])
            return false;
    return true;
}
