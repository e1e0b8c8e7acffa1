// SPDX-License-Identifier: LGPL-2.1-or-later
// Daemon logging: GLib's log calls, written as one timestamped line each to stderr
// (which systemd's journal or a test's log file collects).
#pragma once

#include <stdbool.h>

/* Install the writer.  @verbose also shows debug messages. */
void mv_log_init(const char *ident, bool verbose);
