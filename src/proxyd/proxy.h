// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-proxyd: the pre-open handshake, routing CONNECT_OPEN to a backend daemon by URI
// scheme, and the sandbox.  Relaying itself is src/core/rpc/rpc-relay.c.
#pragma once

#include "daemon/daemon-frame.h"

/* Per-connection state of the proxy, until the connection is handed to a relay. */
typedef struct {
    bool keepalive;     /* the client asked for keepalive (feature 10) */
} ProxyConn;

ProxyConn *proxy_conn_of(MvClient *c);

/* Settings from the [proxy] group of the config file. */
typedef struct {
    /* Hand clients' sockets to backends that take them (default): the proxy leaves the
     * data path.  false keeps every connection relayed. */
    bool hand_over;
} ProxySettings;

/* The remote program of the proxy: AUTH_*, CONNECT_SUPPORTS_FEATURE, CONNECT_CLOSE. */
MvProgram *proxy_handshake_program(void);

/* MvServerRouteFunc of the proxy's main server: CONNECT_OPEN starts a relay. */
bool proxy_route(MvClient *c, MvPacket *pkt, void *data);

bool proxy_init(MvDaemon *d, GError **error);
void proxy_reload(MvDaemon *d);
bool proxy_sandbox(MvDaemon *d, GError **error);
