// SPDX-License-Identifier: LGPL-2.1-or-later
// The libvirt client handshake over the project's raw RPC client, for the benchmark tools
// that must not depend on libmodvirt (the start-up probe, and the round-trip client when
// libmodvirt is not built).  Same calls, same order, as a libvirt 9.0 client's open.
#pragma once

#include "rpc/rpc-client.h"

/* "qemu:///system?socket=/x/y" -> "/x/y" (newly allocated), or NULL without socket=. */
char *bench_uri_socket(const char *uri);

/* Connect to @sock and open @uri as python3-libvirt does: AUTH_LIST, SUPPORTS_FEATURE(10),
 * CONNECT_OPEN.  Returns the client (caller frees), or NULL with @error set. */
MvRpcClient *bench_rpc_open(const char *sock, const char *uri, GError **error);

/* CONNECT_GET_LIB_VERSION. */
bool bench_rpc_lib_version(MvRpcClient *c, guint64 *ret_version, GError **error);

/* CONNECT_CLOSE (the server closes the socket after answering). */
bool bench_rpc_close(MvRpcClient *c, GError **error);
