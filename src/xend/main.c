// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-xend: the Xen driver daemon, described as data for the common daemon frame.

#include "xen-driver.h"

static const char *const uris[] = { "xen:///system", "xen:///", NULL };
static const char *const config_keys[] = { NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-xend",
    .sock_prefix = "virtxend",
    .driver_type = "Xen",
    .uris = uris,
    .config_keys = config_keys,
    .init = xen_driver_init,
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
