// SPDX-License-Identifier: LGPL-2.1-or-later
// Packets of libvirt's remote protocol: the length word, the 24-byte header, the optional
// fd count, and an XDR body.  Encoding and decoding only; sockets live in rpc-io.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <rpc/rpc.h>

#include "net.h"

/* Largest packet on the wire, length word included: the header and payload may use
 * MV_MESSAGE_MAX bytes (16 MiB), as libvirt's peers assume. */
#define MV_PACKET_MAX ((size_t)MV_MESSAGE_MAX + 4)
/* Smallest packet: the length word and the header. */
#define MV_PACKET_MIN ((size_t)4 + MV_MESSAGE_HEADER_LEN)
/* Encoding starts with a buffer this large and grows ×4 up to MV_PACKET_MAX. */
#define MV_PACKET_INITIAL 65536

typedef struct {
    mv_message_header hdr;
    guint8 *data;        /* the whole packet, length word included */
    size_t len;
    size_t payload_off;  /* where the body starts: 28, or 32 after an fd count */
    int *fds;            /* received or to-send descriptors; owned */
    unsigned nfds;
} MvPacket;

/* Free @pkt, closing any descriptors it still owns. */
void mv_packet_free(MvPacket *pkt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvPacket, mv_packet_free)

/* Build a packet from @hdr and @body (encoded with @body_proc; NULL for an empty body).
 * With @nfds > 0 the header type must be a *_WITH_FDS type and the count word is written.
 * Returns the packet bytes, or NULL with @error set when the body exceeds the limit. */
GBytes *mv_packet_encode(const mv_message_header *hdr, xdrproc_t body_proc, const void *body,
                         unsigned nfds, GError **error);

/* Build a raw packet whose body is @data as it is (stream data). */
GBytes *mv_packet_encode_raw(const mv_message_header *hdr, const void *data, size_t len);

/* An error packet answering @hdr: same prog/vers/proc/serial, status ERROR, type REPLY
 * (or STREAM when @hdr is a stream packet), body built from @err. Never fails. */
GBytes *mv_packet_encode_error(const mv_message_header *hdr, const GError *err);

/* Decode the header of the complete packet @data/@len into @pkt (hdr, payload_off, and
 * the expected fd count in ret_nfds).  Fails on a short packet or a bad fd count. */
bool mv_packet_parse_header(MvPacket *pkt, unsigned *ret_nfds, GError **error);

/* Decode the body of @pkt with @proc into @body (zeroed by the caller; release it with
 * xdr_free).  Fails with an RPC error when the bytes do not decode. */
bool mv_packet_decode_body(const MvPacket *pkt, xdrproc_t proc, void *body, GError **error);

/* Turn a decoded wire error into @error, keeping the peer's code, domain and text. */
void mv_message_error_to_gerror(const mv_message_error *e, GError **error);

/* Name of a message type for logs. */
const char *mv_message_type_name(int type);
