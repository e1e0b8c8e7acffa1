// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-netd: the virtual network driver daemon, described as data for the common frame.

#include "net-driver.h"
#include "net-sandbox.h"

static const char *const uris[] = { "network:///system", NULL };
static const char *const config_keys[] = { "network.dnsmasq", "network.dnsmasq_user", "network.default_network", NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-netd",
    .sock_prefix = "virtnetworkd",
    .driver_type = "network",
    .uris = uris,
    .config_keys = config_keys,
    .init = net_driver_init,
    .shutdown = net_driver_shutdown,
    .sandbox = net_sandbox,
    .sandbox_early = true,     /* init starts dnsmasq and the journal's thread */
};

int
main(int argc, char **argv)
{
    return mv_daemon_main(&spec, argc, argv);
}
