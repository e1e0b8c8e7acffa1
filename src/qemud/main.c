// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-qemud: the QEMU driver daemon, described as data for the common daemon frame.

#include "qemu-driver.h"
#include "qemu-sandbox.h"

static const char *const uris[] = { "qemu:///system", NULL };
static const char *const config_keys[] = { "qemu.emulator", "stats.interval_ms", NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-qemud",
    .sock_prefix = "virtqemud",
    .driver_type = "QEMU",
    .uris = uris,
    .config_keys = config_keys,
    .init = qemu_driver_init,
    .shutdown = qemu_driver_shutdown,
    .sandbox = qemu_sandbox,
    .sandbox_early = true,     /* the driver starts threads in init */
    .relay_secondary = true,   /* network and storage calls go to their daemons */
};

int
main(int argc, char **argv)
{
    return mv_daemon_main(&spec, argc, argv);
}
