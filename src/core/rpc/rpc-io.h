// SPDX-License-Identifier: LGPL-2.1-or-later
// Moving packets over a stream socket: an incremental reader that yields whole packets
// (with the fds that follow them), and a writer queue that survives partial writes.
// Works on blocking and non-blocking fds alike.
#pragma once

#include "rpc/rpc-message.h"

typedef struct {
    guint8 len_word[4];
    size_t have;            /* bytes of the current packet received so far */
    MvPacket *pkt;          /* packet being received, once its length is known */
    unsigned fds_wanted;    /* fds still to receive after the packet body */
} MvRx;

/* Result of mv_rx_read. */
typedef enum {
    MV_RX_AGAIN = 0,   /* no whole packet yet; wait for the fd to become readable */
    MV_RX_PACKET = 1,  /* *ret_pkt holds a whole packet */
    MV_RX_EOF = 2,     /* the peer closed the connection between packets */
    MV_RX_ERROR = 3,   /* read error, EOF inside a packet, or a malformed length */
} MvRxResult;

void mv_rx_init(MvRx *rx);
void mv_rx_clear(MvRx *rx);

/* Read from @fd until one packet is complete or the fd would block.  A length word
 * below MV_PACKET_MIN or above MV_PACKET_MAX is an error: the caller drops the peer. */
MvRxResult mv_rx_read(MvRx *rx, int fd, MvPacket **ret_pkt, GError **error);

typedef struct MvTxItem MvTxItem;

typedef struct {
    GQueue items;      /* MvTxItem */
    size_t bytes;      /* bytes queued and not yet written */
} MvTx;

void mv_tx_init(MvTx *tx);
void mv_tx_clear(MvTx *tx);

/* Queue @data (taking a reference) and, after it, @nfds descriptors (taking ownership). */
void mv_tx_push(MvTx *tx, GBytes *data, int *fds, unsigned nfds);

/* Write what the socket takes.  Returns 1 when the queue is empty, 0 when the fd would
 * block, -errno on a write error. */
int mv_tx_flush(MvTx *tx, int fd);

/* Write one whole packet on a blocking fd (used by the synchronous client). */
int mv_write_all(int fd, GBytes *data, const int *fds, unsigned nfds);
