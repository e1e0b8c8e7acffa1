// SPDX-License-Identifier: LGPL-2.1-or-later
// A daemon's listening sockets: taken from systemd socket activation by unit name, or
// created under <root>/run/libvirt/ with libvirt's names and modes.
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum { MV_SOCK_RW, MV_SOCK_RO, MV_SOCK_ADMIN, MV_SOCK_TCP, MV_SOCK_TLS } MvSockKind;

typedef struct {
    MvSockKind kind;
    int fd;
    char *path;      /* set when we created it (and so remove it at exit) */
} MvDaemonSocket;

typedef struct {
    MvDaemonSocket socks[16];
    unsigned n;
    bool activated;
    bool allow_network;
} MvDaemonSockets;

/* Fill @socks.  With LISTEN_FDS for us, fds named "<name>.socket", "<name>-ro.socket" and
 * "<name>-admin.socket" are taken (unnamed fds in that order); otherwise
 * <root>/run/libvirt/<prefix>-sock (0600), -sock-ro (@ro_perms) and <prefix>-admin-sock
 * (0600) are created. */
bool mv_daemon_sockets_open(MvDaemonSockets *socks, const char *name, const char *prefix,
                            const char *root, unsigned ro_perms, GError **error);

/* Also accept activated fds named "<name>-tcp.socket" and "<name>-tls.socket" (the proxy);
 * without this call such fds are an error, as before. */
void mv_daemon_sockets_allow_network(MvDaemonSockets *socks);

/* Listen on TCP at @addr ("HOST:PORT", "[V6]:PORT", "HOST" or ":PORT"; a missing port is
 * @default_port), every address the host name resolves to; add them to @socks as @kind.
 * Only for daemons that allow network sockets. */
bool mv_daemon_sockets_listen_tcp(MvDaemonSockets *socks, MvSockKind kind, const char *addr,
                                  const char *default_port, GError **error);

/* True if @socks holds a socket of @kind. */
bool mv_daemon_sockets_have(const MvDaemonSockets *socks, MvSockKind kind);

/* Close fds still owned here and remove the socket files we created. */
void mv_daemon_sockets_close(MvDaemonSockets *socks);

/* Create a listening unix socket at @path with @mode (helper also used by tests). */
int mv_unix_listen(const char *path, unsigned mode, GError **error);
