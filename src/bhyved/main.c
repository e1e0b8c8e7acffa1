// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-bhyved: the bhyve driver daemon, described as data for the common daemon frame.

#include "bhyve-driver.h"

static const char *const uris[] = { "bhyve:///system", NULL };
static const char *const config_keys[] = { NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-bhyved",
    .sock_prefix = "virtbhyved",
    .driver_type = "BHYVE",
    .uris = uris,
    .config_keys = config_keys,
    .init = bhyve_driver_init,
    .shutdown = mv_domdefs_shutdown,
    .sandbox = mv_domdefs_sandbox,
    .sandbox_early = true,     /* the journal may start a checkpoint thread in init */
    .relay_secondary = true,   /* network and storage calls go to their daemons */
};

int
main(int argc, char **argv)
{
    return mv_daemon_main(&spec, argc, argv);
}
