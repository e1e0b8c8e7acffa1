// SPDX-License-Identifier: LGPL-2.1-or-later
// Remote listeners of a daemon that serves them (the proxy): plain TCP only when asked
// for, TLS with libvirt's certificate files under the root.
#pragma once

#include "daemon/daemon-frame.h"
#include "daemon/daemon-sockets.h"
#include "rpc/rpc-tls.h"

/* Bind the TCP and TLS sockets asked for by @opt_tcp/@opt_tls (command line) or the
 * [remote] group of the config file, unless socket activation passed them, and load the
 * TLS credentials when there is a TLS socket (*ret_tls).  TLS clients that pass are added
 * to the daemon's main server. */
bool mv_daemon_listen_network(MvDaemon *d, MvDaemonSockets *socks, const char *opt_tcp,
                              const char *opt_tls, MvTlsServer **ret_tls, GError **error);
