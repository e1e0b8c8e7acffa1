// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-proxyd: one daemon in front of all the others, on libvirt's legacy sockets and,
// when configured, TCP and TLS.  It routes each connection by URI scheme and holds no state.

#include "proxy.h"
#include "daemon/daemon-listen.h"

static const char *const config_keys[] = { MV_DAEMON_REMOTE_CONFIG_KEYS, "proxy.hand_over", NULL };

static const MvDaemonSpec spec = {
    .name = "modvirt-proxyd",
    .sock_prefix = "libvirt",        /* libvirt-sock, libvirt-sock-ro, libvirt-admin-sock */
    .server_name = "virtproxyd",
    .driver_type = "proxy",
    .config_keys = config_keys,
    .init = proxy_init,
    .reload = proxy_reload,
    .sandbox = proxy_sandbox,
    .remote_listen = &mv_daemon_network,
};

int
main(int argc, char **argv)
{
    return mv_daemon_main(&spec, argc, argv);
}
