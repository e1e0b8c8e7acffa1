// SPDX-License-Identifier: LGPL-2.1-or-later
// The RPC server: listening sockets and clients on the GLib main loop, calls dispatched
// through program tables on the I/O thread (cheap rows), a worker pool, or a priority lane;
// keepalive both ways.  What a procedure does is the driver's business.
#pragma once

#include <sys/types.h>

#include "rpc/rpc-io.h"
#include "rpc/rpc-message.h"
#include "rpc/rpc-program.h"

typedef struct MvServer MvServer;

typedef struct {
    /* Connections beyond these are closed at accept, counted apart for read-write and
     * read-only listeners: anyone may connect to a read-only socket, and those clients
     * must not use up the places of the administrator's read-write ones. */
    unsigned max_clients;          /* read-write */
    unsigned max_readonly_clients; /* read-only */
    unsigned max_calls_per_client; /* a client with this many calls running is not read */
    unsigned workers;              /* threads for calls that may block */
    unsigned priority_workers;     /* threads that only run MV_PROC_PRIORITY rows */
    int keepalive_interval;        /* seconds between pings to idle clients; <= 0: never */
    unsigned keepalive_count;      /* unanswered pings before a client is dropped */
    /* Seconds a client may stay blocked on its own output (not read because of what it
     * has not read, and its socket full) before it is dropped; 0: never. */
    unsigned output_timeout;
    /* Seconds a client may stay connected without opening the connection (CONNECT_OPEN,
     * which is where it would authenticate) before it is dropped; 0: never. */
    unsigned open_timeout;
} MvServerLimits;

/* Defaults: 1024 read-write and 1024 read-only clients, 16 calls each, 4 + 2 workers,
 * ping every 5 s, drop after 5, output timeout 30 s, open timeout 60 s. */
void mv_server_limits_default(MvServerLimits *ret_limits);

/* Unwritten output (replies, events, stream data, counted by mv_tx_cost) beyond which a
 * client is not read until it drains below: a client that sends calls and never reads the
 * replies stops being read instead of growing the daemon's memory.  A call counts against
 * max_calls_per_client until its reply is written, so at most that many replies and this
 * many bytes wait for a client at any time. */
#define MV_CLIENT_OUTPUT_PAUSE ((size_t)1024 * 1024)

/* Largest backlog of unsent bytes a client may have before it is disconnected at once:
 * events and stream data keep coming while a client is not read, and a client that does
 * not read them must not grow the daemon's memory (replies alone never reach it). */
#define MV_CLIENT_TX_MAX ((size_t)16 * 1024 * 1024)

/* A client whose output queue peaked above this gives the memory back to the system
 * (malloc_trim) once it drains or goes: glibc keeps freed heap memory otherwise.  Above the
 * pause bound, so that only a backlog of events or an exceptionally large reply pays for a
 * trim, not every big listing. */
#define MV_CLIENT_TRIM_AFTER (2 * MV_CLIENT_OUTPUT_PAUSE)

struct MvCall {
    MvClient *client;
    MvPacket *pkt;               /* the call; its fds are the handler's to take */
    int *ret_fds;                /* set by a handler that answers with fds (owned) */
    unsigned ret_nfds;
    bool close_after_reply;      /* set by CONNECT_CLOSE */
    /* Set by a handler whose call must not be answered at all (the socket it came on is
     * gone: mv_client_replace_socket). */
    bool no_reply;
    /* Run right after a successful reply is queued (streams start here, so that no stream
     * packet can overtake the reply that opened the stream). */
    void (*after_reply)(void *data);
    void *after_reply_data;
};

/* Called on the I/O thread when a client connection is closed. */
typedef void (*MvClientCloseHook)(MvClient *client, void *data);
/* Called on the I/O thread when the number of clients changes. */
typedef void (*MvClientCountHook)(MvServer *server, unsigned nclients, void *data);

MvServer *mv_server_new(const char *name, const MvServerLimits *limits);
void mv_server_free(MvServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvServer, mv_server_free)

const char *mv_server_name(const MvServer *s);

/* Opaque pointer for handlers (the daemon sets itself here). */
void mv_server_set_data(MvServer *s, void *data);
void *mv_server_get_data(const MvServer *s);

/* Serve @prog (ownership taken) on every listener of @s. */
void mv_server_add_program(MvServer *s, MvProgram *prog);

/* Accept clients on the listening socket @fd (ownership taken).  @readonly marks every
 * client accepted there read-only. */
void mv_server_add_listener(MvServer *s, int fd, bool readonly);

/* Take an already-connected socket as a client (tests, socketpair users). */
MvClient *mv_server_add_client_fd(MvServer *s, int fd, bool readonly);

void mv_server_set_hooks(MvServer *s, MvClientCloseHook on_close, MvClientCountHook on_count, void *data);
unsigned mv_server_client_count(const MvServer *s);
/* The most read-write clients @s takes (MvServerLimits.max_clients). */
unsigned mv_server_max_clients(const MvServer *s);
/* Whether @s takes one more client of the kind @readonly now; false with a warning naming
 * the server and the limit (@who says which client, for the log) when it is full. */
bool mv_server_has_room(const MvServer *s, bool readonly, const char *who);

/* Close every client and stop listening (shutdown). */
void mv_server_shutdown(MvServer *s);

MvClient *mv_client_ref(MvClient *c);
void mv_client_unref(MvClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvClient, mv_client_unref)

MvServer *mv_client_server(MvClient *c);
guint64 mv_client_id(MvClient *c);
bool mv_client_is_readonly(MvClient *c);
/* Opened connections: rows without MV_PROC_BEFORE_OPEN need it. */
bool mv_client_is_open(MvClient *c);
void mv_client_set_open(MvClient *c, bool readonly);
/* The client asked for keepalive (feature 10): the server may ping it from now on. */
void mv_client_enable_keepalive(MvClient *c);
/* Peer credentials from SO_PEERCRED; -1 when not a local socket. */
void mv_client_peer(MvClient *c, uid_t *ret_uid, gid_t *ret_gid, pid_t *ret_pid);

/* Per-connection state of the driver: freed with @free_fn when the client goes. */
void *mv_client_get_private(MvClient *c);
void mv_client_set_private(MvClient *c, void *priv, GDestroyNotify free_fn);

/* Send an asynchronous MESSAGE (event) to @c.  Thread-safe.  Returns false if the client
 * is gone; a client past MV_CLIENT_TX_MAX is disconnected instead. */
bool mv_client_send_message(MvClient *c, unsigned prog, unsigned vers, int proc,
                            xdrproc_t body_proc, const void *body);

/* Close the connection (from any thread). */
void mv_client_close(MvClient *c);

/* Queue a ready-made packet (thread-safe).  @droppable packets (events, stream data) count
 * against MV_CLIENT_TX_MAX: a client that does not read them is disconnected.  False when
 * the client is gone. */
bool mv_client_send_packet(MvClient *c, GBytes *packet, bool droppable);

/* Answer @c's packet @pkt (taken and freed) with the error @err. */
void mv_client_reply_error(MvClient *c, MvPacket *pkt, const GError *err);

/* ---- relaying (rpc-relay.c uses these) ---- */

/* Called on the I/O thread with a CALL of a served program that has no row for its
 * procedure, before the server answers "unknown procedure".  Returning true takes @pkt
 * (the router answers it, now or later); false leaves it to the server. */
typedef bool (*MvServerRouteFunc)(MvClient *c, MvPacket *pkt, void *data);
void mv_server_set_router(MvServer *s, MvServerRouteFunc fn, void *data);

/* Called on the I/O thread when the server closes a detached client (shutdown, admin). */
typedef void (*MvClientDetachCloseFunc)(MvClient *c, void *data);

/* Take @c's socket away from the server (I/O thread only): the server stops reading and
 * writing it, hands over the bytes of a packet half read (@ret_rx) and the packets not yet
 * written (@ret_tx), and returns the fd, now the caller's.  The client still counts as
 * connected until mv_client_close(); @on_close learns when the server closes it first.
 * Returns -1 if the client is already closed. */
int mv_client_detach(MvClient *c, MvRx *ret_rx, MvTx *ret_tx, MvClientDetachCloseFunc on_close,
                     void *data);

/* Serve @c on the connected socket @fd from now on (ownership taken), closing the one it
 * came on: how a proxy hands over a client it has opened a connection for.  I/O thread
 * only, between packets, with nothing queued for the old socket; fails otherwise (@fd is
 * then still the caller's). */
bool mv_client_replace_socket(MvClient *c, int fd, GError **error);

/* Bytes queued for @c and not yet written.  Thread-safe. */
size_t mv_client_backlog(MvClient *c);

/* STREAM packets from @c for @serial go to @fn (on the I/O thread) while registered; when
 * the client goes away @fn gets a NULL packet once.  At most MV_CLIENT_STREAMS_MAX per
 * client.  Returns false if the client is gone or has too many. */
typedef void (*MvClientStreamFunc)(MvClient *c, const MvPacket *pkt, void *data);
#define MV_CLIENT_STREAMS_MAX 64
bool mv_client_register_stream(MvClient *c, unsigned serial, MvClientStreamFunc fn, void *data);
void mv_client_unregister_stream(MvClient *c, unsigned serial);
