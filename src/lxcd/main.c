// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-lxcd: the container driver daemon, described as data for the common daemon frame.

#include "lxc-driver.h"

static const char *const uris[] = { "lxc:///system", NULL };
static const char *const config_keys[] = { "lxc.controller", "lxc.cgroup_parent", NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-lxcd",
    .sock_prefix = "virtlxcd",
    .driver_type = "LXC",
    .uris = uris,
    .config_keys = config_keys,
    .init = lxc_driver_init,
    .shutdown = lxc_driver_shutdown,
    .sandbox = lxc_sandbox,
    .sandbox_early = true,     /* the driver starts threads in init */
    .relay_secondary = true,   /* network and storage calls go to their daemons */
};

int
main(int argc, char **argv)
{
    return mv_daemon_main(&spec, argc, argv);
}
