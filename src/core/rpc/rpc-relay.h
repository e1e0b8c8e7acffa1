// SPDX-License-Identifier: LGPL-2.1-or-later
// The relay: joins a client of ours to a backend daemon's socket and passes packets both
// ways untouched (calls, replies, events, streams, keepalives) once it has replayed the
// connection handshake there (AUTH_LIST, keepalive, CONNECT_OPEN, CONNECT_SET_IDENTITY).
// It relays either a whole connection (the proxy) or the calls a router hands it (a
// hypervisor daemon's network and storage families).  Which backend to use is the caller's
// business; everything here runs on the I/O thread.
#pragma once

#include "rpc/rpc-server.h"

#include <sys/types.h>

/* Packets queued for one end of a relay (mv_tx_cost: bytes plus a cost per packet, so that
 * a flood of tiny calls counts) beyond which it stops reading the other end until they
 * drain below MV_RELAY_BACKLOG_LOW: a slow reader slows its peer down instead of growing
 * our memory.  The same bound as a server client's (MV_CLIENT_OUTPUT_PAUSE). */
#define MV_RELAY_BACKLOG_HIGH ((size_t)1024 * 1024)
#define MV_RELAY_BACKLOG_LOW ((size_t)256 * 1024)
/* A backend that has not finished the handshake after this many seconds is given up. */
#define MV_RELAY_HANDSHAKE_TIMEOUT 15
/* Calls one relay waits on at most; a client past it gets an error for the excess. */
#define MV_RELAY_CALLS_MAX 4096

/* Handing a connection over.  Once the handshake is done, a relay of a whole connection
 * offers the client's socket to a backend that supports it, which then serves the client
 * itself: the proxy leaves the data path (no extra hop per call).  modvirt's own daemons
 * say yes to this private feature; libvirt's say 0 to features they do not know, and are
 * relayed.  The offer is a CALL_WITH_FDS of a private program carrying the socket; the
 * backend closes the relay's socket on success (there is no reply), or answers an error
 * and the relay carries on. */
#define MV_ADOPT_FEATURE 0x4d560001          /* CONNECT_SUPPORTS_FEATURE number, "MV" 1 */
#define MV_ADOPT_PROGRAM 0x4d565850          /* "MVXP", unused by libvirt */
#define MV_ADOPT_PROGRAM_VERSION 1
#define MV_ADOPT_PROC_SOCKET 1

/* The identity a relay forwards with CONNECT_SET_IDENTITY (libvirt's typed parameters:
 * user-name, unix-user-id, group-name, unix-group-id, process-id, process-time,
 * x509-distinguished-name, ...). */
typedef struct MvIdentity MvIdentity;

MvIdentity *mv_identity_new(void);
void mv_identity_free(MvIdentity *id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvIdentity, mv_identity_free)

void mv_identity_add_string(MvIdentity *id, const char *key, const char *value);
void mv_identity_add_llong(MvIdentity *id, const char *key, gint64 value);
void mv_identity_add_ullong(MvIdentity *id, const char *key, guint64 value);
/* Add a "key=value" pair as CONNECT_SET_IDENTITY carried it, with libvirt's type for @key. */
void mv_identity_add_text(MvIdentity *id, const char *key_value);
/* The identity of a local process: user and group ids and names, pid and start time. */
MvIdentity *mv_identity_new_unix(uid_t uid, gid_t gid, pid_t pid);
/* The identity of @c's peer process (SO_PEERCRED); NULL on a socket without one (TCP, where
 * the pid is 0). */
MvIdentity *mv_identity_of_peer(MvClient *c);
unsigned mv_identity_count(const MvIdentity *id);

typedef enum {
    MV_RELAY_CONNECTION,   /* the whole client connection, from CONNECT_OPEN on */
    MV_RELAY_CALLS,        /* the calls handed over with mv_relay_forward_call */
} MvRelayMode;

typedef struct {
    const char *label;              /* who the backend is, for messages ("modvirt-netd") */
    const char *path;               /* the backend's unix socket */
    const char *open_name;          /* URI sent with CONNECT_OPEN */
    unsigned open_flags;
    bool keepalive;                 /* ask the backend for keepalive (feature 10) */
    const MvIdentity *identity;     /* sent with CONNECT_SET_IDENTITY; NULL: none */
    /* MV_RELAY_CONNECTION: the client's CONNECT_OPEN call, whose serial the backend's
     * answer keeps. */
    const mv_message_header *client_open;
    /* MV_RELAY_CONNECTION: hand the client's socket over when the backend supports it. */
    bool adopt;
    /* MV_RELAY_CALLS: procedures whose successful reply opens a stream on the call's
     * serial (STORAGE_VOL_UPLOAD/DOWNLOAD); -1 terminated, may be NULL. */
    const int *stream_procs;
} MvRelayConfig;

typedef struct MvRelay MvRelay;

/* Connect to @cfg->path (a unix socket answers or refuses at once) and start the
 * handshake.  Fails with @error naming the socket when nobody listens there; @c is then
 * untouched and may be answered normally.
 *
 * Whole connection: @c is detached from its server; the backend's answer to CONNECT_OPEN
 * goes to the client (or, when the backend refuses, its error and then the end of the
 * connection), and from then on every packet is relayed.  The relay owns itself and ends
 * with either side; a backend that goes away closes the client promptly, answering its
 * pending calls with an error first. */
bool mv_relay_connection_start(MvClient *c, const MvRelayConfig *cfg, GError **error);

/* Calls: a relay owned by the caller for @c (referenced).  Calls handed over before the
 * handshake is done wait for it. */
MvRelay *mv_relay_calls_new(MvClient *c, const MvRelayConfig *cfg, GError **error);

/* Send @c's call @pkt (taken) to the backend; its reply, and any stream it opens, come
 * back to the client.  When the backend is or goes away the client gets an error reply. */
void mv_relay_forward_call(MvRelay *r, MvPacket *pkt);

/* False once the backend connection is gone or the backend has hung up (a new relay is
 * needed). */
bool mv_relay_is_alive(const MvRelay *r);

/* Close the backend connection, answer the calls still waiting with an error, free.
 * NULL-safe. */
void mv_relay_free(MvRelay *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvRelay, mv_relay_free)
