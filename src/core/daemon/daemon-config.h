// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's config file: a GLib key file whose [daemon] group holds the frame's
// settings.  Unknown groups and keys are errors, so --validate-config catches typos.
#pragma once

#include "rpc/rpc-server.h"

typedef struct {
    unsigned max_clients;
    unsigned max_readonly_clients;
    unsigned max_client_requests;
    unsigned admin_max_clients;
    unsigned workers;
    unsigned priority_workers;
    int keepalive_interval;
    unsigned keepalive_count;
    unsigned client_output_timeout;
    unsigned client_open_timeout;
    int timeout;
    unsigned unix_sock_ro_perms;
} MvDaemonConfig;

/* Read @path into a key file and @ret_cfg.  A missing file is fine unless @must_exist.
 * @driver_keys lists the "group.key" names the driver reads itself (NULL-terminated, may
 * be NULL); any other group or key is an error. */
GKeyFile *mv_daemon_config_load(const char *path, bool must_exist, const char *const *driver_keys,
                                MvDaemonConfig *ret_cfg, GError **error);

/* Server limits from @cfg, for the main server or (@admin) the admin server. */
void mv_daemon_config_limits(const MvDaemonConfig *cfg, MvServerLimits *ret_limits, bool admin);
