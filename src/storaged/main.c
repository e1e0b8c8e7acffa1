// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-storaged: the storage driver daemon, described as data for the common daemon frame.

#include "stor-driver.h"

static const char *const uris[] = { "storage:///system", NULL };
static const char *const config_keys[] = { NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-storaged",
    .sock_prefix = "virtstoraged",
    .driver_type = "storage",
    .uris = uris,
    .config_keys = config_keys,
    .init = stor_driver_init,
    .shutdown = stor_driver_shutdown,
    .sandbox = stor_sandbox,
    .sandbox_early = true,     /* downloads start threads of their own */
};

int
main(int argc, char **argv)
{
    return mv_daemon_main(&spec, argc, argv);
}
