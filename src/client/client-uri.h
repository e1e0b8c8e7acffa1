// SPDX-License-Identifier: LGPL-2.1-or-later
// Connection URIs as libvirt clients write them, `drv[+transport]://[user@][host[:port]]/path
// ?param=value&...`, and the choice of the socket a URI leads to.  No I/O beyond asking
// whether a socket path exists; dialling is client-connect's job.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* How the client reaches the daemon. */
typedef enum {
    MV_TRANSPORT_UNIX,
    MV_TRANSPORT_TCP,
    MV_TRANSPORT_TLS,
    MV_TRANSPORT_SSH,
    MV_TRANSPORT_LIBSSH,
    MV_TRANSPORT_LIBSSH2,
    MV_TRANSPORT_EXT,
    MV_TRANSPORT_LAST,
} MvTransport;

/* Default TCP ports of libvirt's remote protocol. */
#define MV_CLIENT_TCP_PORT 16509
#define MV_CLIENT_TLS_PORT 16514

typedef struct {
    char *name;
    char *value;   /* "" for a parameter written without '=' */
} MvUriParam;

typedef struct {
    char *driver;     /* scheme without "+transport": "qemu", "lxc", "remote", ... */
    char *transport;  /* as written after '+', or NULL */
    char *user;       /* NULL when absent */
    char *host;       /* NULL when absent or empty */
    int port;         /* -1 when absent */
    char *path;       /* "/system", "" when absent; unescaped */
    GPtrArray *params;  /* MvUriParam *, in the order written; unescaped */
} MvClientUri;

/* Parse @uri.  Fails with VIR_ERR_INVALID_ARG (from URI) when it is not a URI with a
 * scheme.  Free with mv_client_uri_free. */
MvClientUri *mv_client_uri_parse(const char *uri, GError **error);
void mv_client_uri_free(MvClientUri *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvClientUri, mv_client_uri_free)

/* Value of the last parameter called @name, or NULL.  Borrowed. */
const char *mv_client_uri_param(const MvClientUri *u, const char *name);

/* The transport @u asks for: the explicit "+transport", else unix without a host and TLS
 * with one (libvirt's rule).  Fails with VIR_ERR_INVALID_ARG on an unknown transport. */
bool mv_client_uri_transport(const MvClientUri *u, MvTransport *ret_transport, GError **error);

/* The name sent in CONNECT_OPEN: the URI without transport, user, host, port and the
 * parameters only the client uses (socket, mode, ...); the "name" parameter verbatim when
 * given; "" for the "remote" driver (let the server probe).  Caller frees. */
char *mv_client_uri_open_name(const MvClientUri *u);

/* Answers whether @path exists; tests substitute a fake filesystem. */
typedef bool (*MvPathExistsFunc)(const char *path, void *data);

/* The unix socket to dial, given @u (NULL when the caller has no URI and the daemons are
 * probed), the root directory @root ("" or NULL for "/") and whether the connection is
 * read-only.  Rules, in order:
 *  - a "socket" parameter wins as it is;
 *  - mode "direct": <root>/run/libvirt/virt<drv>d-sock[-ro]; "legacy": .../libvirt-sock[-ro];
 *    "auto" (default): the direct socket if it exists, else the legacy one if it exists,
 *    else the direct one (so the error names the driver's own daemon);
 *  - drivers without their own daemon ("remote", unknown names) use the legacy socket;
 *  - without a URI, the first existing direct socket of xen, qemu, lxc, bhyve, else the
 *    legacy socket.
 * Fails on an unknown mode.  Caller frees. */
char *mv_client_socket_choose(const MvClientUri *u, const char *root, bool readonly,
                              MvPathExistsFunc exists, void *exists_data, GError **error);

/* Name of the daemon socket prefix of @driver ("virtqemud"), or NULL when @driver has no
 * daemon of its own.  Static string. */
const char *mv_client_socket_prefix(const char *driver);
