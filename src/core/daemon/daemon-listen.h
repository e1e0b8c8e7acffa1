// SPDX-License-Identifier: LGPL-2.1-or-later
// Remote listeners of a daemon that serves them (the proxy): plain TCP only when asked
// for, TLS with libvirt's certificate files under the root.
#pragma once

#include "daemon/daemon-frame.h"
#include "daemon/daemon-sockets.h"

/* How the frame serves TCP and TLS: a daemon that does puts &mv_daemon_network in its
 * spec's remote_listen and links the mvnet library (gnutls); others never load it. */
typedef struct MvDaemonNetwork {
    /* Bind the TCP and TLS sockets asked for by @opt_tcp/@opt_tls (command line) or the
     * [remote] group of the config file, unless socket activation passed them, and load
     * the TLS credentials when there is a TLS socket (*ret_tls, freed with free_tls). TLS
     * clients that pass are added to the daemon's main server. */
    bool (*open)(MvDaemon *d, MvDaemonSockets *socks, const char *opt_tcp, const char *opt_tls,
                 void **ret_tls, GError **error);
    /* Accept TLS clients on listening socket @fd (ownership taken). */
    void (*add_tls_listener)(void *tls, int fd);
    void (*free_tls)(void *tls);
    /* Read the TLS files and the allow-list again (SIGHUP). */
    void (*reload_tls)(MvDaemon *d, void *tls);
} MvDaemonNetwork;

extern const MvDaemonNetwork mv_daemon_network;
