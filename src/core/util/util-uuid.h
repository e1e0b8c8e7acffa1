// SPDX-License-Identifier: LGPL-2.1-or-later
// UUIDs as libvirt handles them: 16 raw bytes, random version 4 when generated, parsed from
// 32 hex digits with optional dashes between byte pairs, formatted in the 8-4-4-4-12 form.
#pragma once

#include <glib.h>
#include <stdbool.h>

#define MV_UUID_BUFLEN 16
/* Formatted length including the terminating NUL. */
#define MV_UUID_STRING_BUFLEN 37

/* Fill @ret_uuid with a random (version 4, RFC 4122 variant) UUID from the kernel's
 * getrandom(); falls back to GLib's generator only if getrandom() is unavailable. */
void mv_uuid_generate(guint8 ret_uuid[MV_UUID_BUFLEN]);

/* Parse @text: optional surrounding blanks, then 32 hex digits, each pair optionally
 * separated by '-'.  Returns -EINVAL (leaving @ret_uuid untouched) when malformed. */
int mv_uuid_parse(const char *text, guint8 ret_uuid[MV_UUID_BUFLEN]);

/* Write the lower-case 8-4-4-4-12 form of @uuid into @ret_text. */
void mv_uuid_format(const guint8 uuid[MV_UUID_BUFLEN], char ret_text[MV_UUID_STRING_BUFLEN]);

/* True when all 16 bytes are zero (the "unset" value). */
bool mv_uuid_is_null(const guint8 uuid[MV_UUID_BUFLEN]);
