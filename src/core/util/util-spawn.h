// SPDX-License-Identifier: LGPL-2.1-or-later
// Running a short-lived helper program and collecting its output, with a deadline.
// Long-lived children (guests) are the drivers' business.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Most output collected per stream; a helper that writes more is cut off (and killed). */
#define MV_SPAWN_OUTPUT_MAX ((size_t)16 * 1024 * 1024)

/* Run @argv (argv[0] an absolute path) in "/" with LC_ALL=C, @input written to its stdin
 * (or /dev/null when NULL), all other fds closed.  Waits at most @timeout_ms, then kills
 * it.  On success *ret_out and *ret_err hold its output (NUL-terminated, caller frees; either
 * may be NULL to discard) and *ret_status its wait status.  Returns -errno when it could
 * not be started, -ETIMEDOUT on timeout, -EFBIG when it wrote too much; 0 otherwise. */
int mv_spawn_capture(const char *const *argv, const char *input, unsigned timeout_ms,
                     char **ret_out, char **ret_err, int *ret_status);
