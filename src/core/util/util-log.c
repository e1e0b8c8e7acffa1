// SPDX-License-Identifier: LGPL-2.1-or-later
// A GLib log writer: "<time> <ident>[pid]: <level>: <message>" on stderr.

#include "util/util-log.h"

#include <glib.h>
#include <stdio.h>
#include <unistd.h>

static const char *log_ident = "modvirt";
static bool log_verbose;

static GLogWriterOutput
write_line(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    const char *msg = NULL;
    const char *lvl = "info";

    if ((level & G_LOG_LEVEL_DEBUG) && !log_verbose)
        return G_LOG_WRITER_HANDLED;
    for (gsize i = 0; i < n_fields; i++) {
        if (g_str_equal(fields[i].key, "MESSAGE"))
            msg = fields[i].value;
    }
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        lvl = "error";
    else if (level & G_LOG_LEVEL_WARNING)
        lvl = "warning";
    else if (level & G_LOG_LEVEL_DEBUG)
        lvl = "debug";
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *ts = g_date_time_format(now, "%F %T.%f");
    fprintf(stderr, "%s %s[%d]: %s: %s\n", ts, log_ident, (int)getpid(), lvl, msg ? msg : "");
    return G_LOG_WRITER_HANDLED;
}

void
mv_log_init(const char *ident, bool verbose)
{
    log_ident = ident;
    log_verbose = verbose;
    g_log_set_writer_func(write_line, NULL, NULL);
}
