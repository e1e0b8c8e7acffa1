// SPDX-License-Identifier: LGPL-2.1-or-later
// A synchronous RPC client over one stream socket: one call at a time under a lock,
// PINGs answered while waiting, events handed to a callback.  Used by libmodvirt,
// the tests and the benchmarks.
#pragma once

#include "rpc/rpc-message.h"

typedef struct MvRpcClient MvRpcClient;

/* Called with each MESSAGE packet (event) that arrives; @pkt is borrowed. */
typedef void (*MvRpcEventFunc)(MvRpcClient *c, const MvPacket *pkt, void *data);

MvRpcClient *mv_rpc_client_connect_unix(const char *path, GError **error);
MvRpcClient *mv_rpc_client_connect_tcp(const char *host, const char *port, GError **error);
/* Wrap a connected socket (ownership taken). */
MvRpcClient *mv_rpc_client_new_fd(int fd);
void mv_rpc_client_free(MvRpcClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvRpcClient, mv_rpc_client_free)

void mv_rpc_client_set_event_func(MvRpcClient *c, MvRpcEventFunc fn, void *data);

/* Call @proc of @prog and wait for its reply.  @args (encoded with @args_proc, NULL for
 * void) is sent; the reply body decodes into @ret with @ret_proc (caller xdr_frees it).
 * A REPLY with status ERROR becomes @error with the server's code, domain and text. */
bool mv_rpc_client_call(MvRpcClient *c, unsigned prog, int proc,
                        xdrproc_t args_proc, const void *args,
                        xdrproc_t ret_proc, void *ret, GError **error);

/* As mv_rpc_client_call, also passing @nfds fds and receiving fds in the reply
 * (*ret_fds is g_free'd by the caller who owns the fds). */
bool mv_rpc_client_call_fds(MvRpcClient *c, unsigned prog, int proc,
                            xdrproc_t args_proc, const void *args, const int *fds, unsigned nfds,
                            xdrproc_t ret_proc, void *ret, int **ret_fds, unsigned *ret_nfds,
                            GError **error);

/* Called with each STREAM packet that arrives (data for streams opened by calls made with
 * mv_rpc_client_call_serial); @pkt is borrowed.  Runs on whichever thread is reading. */
typedef void (*MvRpcStreamFunc)(MvRpcClient *c, const MvPacket *pkt, void *data);
void mv_rpc_client_set_stream_func(MvRpcClient *c, MvRpcStreamFunc fn, void *data);

/* As mv_rpc_client_call, and tell the serial the call used (a stream opened by the call
 * carries it).  STREAM packets for it may arrive as soon as the reply has. */
bool mv_rpc_client_call_serial(MvRpcClient *c, unsigned prog, int proc,
                               xdrproc_t args_proc, const void *args,
                               xdrproc_t ret_proc, void *ret, unsigned *ret_serial, GError **error);

/* Send a STREAM packet for the stream of call @serial/@proc: @status CONTINUE with data
 * (empty = end of data), OK to finish, ERROR to abort. */
bool mv_rpc_client_send_stream(MvRpcClient *c, unsigned prog, int proc, unsigned serial, int status,
                               const void *data, size_t len, GError **error);

/* Wait up to @timeout_ms for incoming packets and handle them (events, pings).  Returns
 * false when the connection is gone. */
/* Packets one mv_rpc_client_poll reads at most before returning (16 stream packets are 4 MiB):
 * a daemon that streams faster than the reader consumes (a volume download) must not fill the
 * reader's stream queue past its limit within one call; the caller polls again for the rest. */
#define MV_RPC_POLL_BURST 16u
bool mv_rpc_client_poll(MvRpcClient *c, int timeout_ms, GError **error);

/* Send a keepalive PING (tests). */
bool mv_rpc_client_ping(MvRpcClient *c, GError **error);

bool mv_rpc_client_is_alive(MvRpcClient *c);
int mv_rpc_client_fd(MvRpcClient *c);
