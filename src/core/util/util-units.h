// SPDX-License-Identifier: LGPL-2.1-or-later
// libvirt's scaled integers (memory sizes and the like): a number plus a unit such as "KiB",
// "MB" or "bytes", with overflow checks.  Naming the element in error messages is left to
// the callers; these helpers return -errno.
#pragma once

#include <glib.h>
#include <stdbool.h>

#define MV_UNITS_KIB G_GUINT64_CONSTANT(1024)

/* The number of bytes one @unit stands for.  Accepted, case-insensitively: "b", "byte",
 * "bytes" (1); "k", "KiB" (1024) and "KB" (1000); likewise M, G, T, P and E.  NULL or ""
 * means @default_scale.  Returns 0, or -EINVAL for an unknown unit. */
int mv_units_scale(const char *unit, guint64 default_scale, guint64 *ret_scale);

/* @value @unit in bytes, which must not exceed @limit.  Returns 0, -EINVAL for an unknown
 * unit, or -ERANGE when the product overflows or exceeds @limit. */
int mv_units_to_bytes(guint64 value, const char *unit, guint64 default_scale, guint64 limit,
                      guint64 *ret_bytes);

/* Parse the decimal text of a scaled integer ("1024", " 2 "): digits only, no sign.
 * Returns 0, -EINVAL when not a non-negative integer, -ERANGE when it does not fit. */
int mv_units_parse_number(const char *text, guint64 *ret_value);

/* @value @unit (NULL: KiB) in KiB, rounded up to a whole KiB as libvirt does; the byte
 * count must not exceed @limit_bytes.  Errors as mv_units_to_bytes(). */
int mv_units_to_kib(guint64 value, const char *unit, guint64 limit_bytes, guint64 *ret_kib);
