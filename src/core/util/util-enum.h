// SPDX-License-Identifier: LGPL-2.1-or-later
// One name table per enum, driving both parsing and formatting: MV_ENUM_DECL in a header
// declares <prefix>_to_string()/<prefix>_from_string(), MV_ENUM_IMPL in one .c file defines
// them from the table.  Header only; the names are whatever the XML or wire format spells.
#pragma once

#include <glib.h>
#include <string.h>

/* Declares:
 *   const char *PREFIX_to_string(int value);   static string, NULL when out of range
 *   int PREFIX_from_string(const char *name);  the value, or -1 when @name is not in the table */
#define MV_ENUM_DECL(prefix) \
    const char *prefix##_to_string(int value); \
    int prefix##_from_string(const char *name)

/* Defines the pair from the names of values 0..LAST-1, in order; the count is checked at
 * compile time. */
#define MV_ENUM_IMPL(prefix, last, ...) \
    static const char *const prefix##_names[] = { __VA_ARGS__ }; \
    G_STATIC_ASSERT(G_N_ELEMENTS(prefix##_names) == (last)); \
    const char *prefix##_to_string(int value) \
    { \
        return value >= 0 && value < (int)(last) ? prefix##_names[value] : NULL; \
    } \
    int prefix##_from_string(const char *name) \
    { \
        for (int i = 0; name && i < (int)(last); i++) \
            if (strcmp(prefix##_names[i], name) == 0) \
                return i; \
        return -1; \
    }
