// SPDX-License-Identifier: LGPL-2.1-or-later
// Moving packets over a stream socket: an incremental reader that yields whole packets
// (with the fds that follow them), and a writer queue that survives partial writes.
// Works on blocking and non-blocking fds alike.
#pragma once

#include "rpc/rpc-message.h"

#include <stdbool.h>
#include <sys/un.h>

/* Fill @ret with the unix socket address of @path; false with @error (naming the path) when
 * it is too long for one. */
bool mv_unix_address(const char *path, struct sockaddr_un *ret, GError **error);

/* A reader takes what the socket has in one recvmsg() and cuts whole packets out of it:
 * one system call per wakeup however many packets came, where reading a length word and
 * then a body takes two per packet and a third to learn the socket is empty.  Descriptors
 * (CALL_WITH_FDS, REPLY_WITH_FDS) follow their packet as one-byte messages with one fd each;
 * the kernel ends a read right after such a message, so fds arrive in order and the one-byte
 * messages are dropped as counted. */
typedef struct {
    guint8 *buf;
    size_t cap;
    size_t start, end;     /* bytes [start, end) received and not yet cut into packets */
    GQueue fds;            /* received fds not yet attached to a packet */
    bool drained;          /* the last read returned less than asked: the socket is empty */
    bool skip_empty_reads; /* set by an owner that polls a non-blocking fd: after a read that
                            * drained the socket, mv_rx_read skips the next read once */
    bool exact;            /* never read past the packet being received: for an owner whose
                            * callers poll the fd to learn of the next one (the client) */
} MvRx;

/* Result of mv_rx_read. */
typedef enum {
    MV_RX_AGAIN = 0,   /* no whole packet yet; wait for the fd to become readable */
    MV_RX_PACKET = 1,  /* *ret_pkt holds a whole packet */
    MV_RX_EOF = 2,     /* the peer closed the connection between packets */
    MV_RX_ERROR = 3,   /* read error, EOF inside a packet, or a malformed length */
} MvRxResult;

void mv_rx_init(MvRx *rx);
/* Free the buffer and close the fds still queued. */
void mv_rx_clear(MvRx *rx);

/* The poll said the socket is readable: the next mv_rx_read reads. */
static inline void
mv_rx_wakeup(MvRx *rx)
{
    rx->drained = false;
}

/* The next whole packet, from what is buffered and from reads of @fd (blocking or not).
 * With skip_empty_reads, after a read that found the socket empty (short), the next call
 * that runs out of buffered packets returns MV_RX_AGAIN without the read that would only
 * say EAGAIN: the caller polls then (and calls mv_rx_wakeup).  A length word below
 * MV_PACKET_MIN or above MV_PACKET_MAX is an error: the caller drops the peer. */
MvRxResult mv_rx_read(MvRx *rx, int fd, MvPacket **ret_pkt, GError **error);

/* Read what the socket has into @rx, once and never blocking: MV_RX_PACKET when bytes came
 * (not necessarily a whole packet), MV_RX_AGAIN, MV_RX_EOF or MV_RX_ERROR. */
MvRxResult mv_rx_fill(MvRx *rx, int fd, GError **error);

/* Cut the next whole packet out of what is buffered, without reading: MV_RX_PACKET,
 * MV_RX_AGAIN when more bytes (or fds) are needed, MV_RX_ERROR for a bad packet. */
MvRxResult mv_rx_next(MvRx *rx, MvPacket **ret_pkt, GError **error);

/* Whether a whole packet (or a bad one) is buffered, i.e. mv_rx_next would not say AGAIN. */
bool mv_rx_has_packet(const MvRx *rx);

/* Whether anything at all is buffered: bytes or fds. */
bool mv_rx_is_empty(const MvRx *rx);

/* Move everything @from holds to the end of @to (for a socket changing hands); @from is
 * left empty. */
void mv_rx_move(MvRx *to, MvRx *from);

typedef struct MvTxItem MvTxItem;

typedef struct {
    GQueue items;      /* MvTxItem */
    size_t bytes;      /* bytes queued and not yet written */
    unsigned replies;  /* items pushed as replies and not yet wholly written */
} MvTx;

/* What one queued item costs beyond its bytes (the item, the GBytes, glib's slices): a
 * queue of many tiny packets is bounded by its memory, not by its payload. */
#define MV_TX_ITEM_COST ((size_t)128)

void mv_tx_init(MvTx *tx);
void mv_tx_clear(MvTx *tx);

/* Queue @data (taking a reference) and, after it, @nfds descriptors (taking ownership). */
void mv_tx_push(MvTx *tx, GBytes *data, int *fds, unsigned nfds);
/* The same for the reply to a call: counted in @tx->replies until it is wholly written. */
void mv_tx_push_reply(MvTx *tx, GBytes *data, int *fds, unsigned nfds);

/* The memory the queue holds: its bytes plus MV_TX_ITEM_COST per item. */
static inline size_t
mv_tx_cost(const MvTx *tx)
{
    return tx->bytes + tx->items.length * MV_TX_ITEM_COST;
}

/* Write what the socket takes.  Returns 1 when the queue is empty, 0 when the fd would
 * block, -errno on a write error. */
int mv_tx_flush(MvTx *tx, int fd);

/* Write one whole packet on a blocking fd (used by the synchronous client). */
int mv_write_all(int fd, GBytes *data, const int *fds, unsigned nfds);
