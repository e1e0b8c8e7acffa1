// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared pieces of the protocol tests: golden packet files (annotated hex, one XDR word a
// line) and the table of golden cases built with our rpcgen types.  No sockets here.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "rpc/rpc-message.h"

/* A golden packet file tests/protocol/data/<name>.hex: '#' starts a comment, everything
 * else is hex digits and blanks.  Comments name the field that starts on their line. */

/* The bytes of golden file @name; aborts the test when it is missing or malformed. */
GBytes *proto_golden_load(const char *name);

/* Compare @got with golden file @name.  With MV_REGENERATE=1 in the environment the file
 * is rewritten from @got instead, keeping each comment at the byte offset it annotated. */
void proto_golden_check(const char *name, GBytes *got);

/* A packet around a copy of @len bytes at @data, as mv_rx_read would hand it over (the
 * buffer is exactly @len bytes, so sanitizers see any read past it). */
MvPacket *proto_packet_new(const void *data, size_t len);

/* How a golden case is produced. */
typedef enum {
    PROTO_ENC_XDR,    /* mv_packet_encode(hdr, proc, body, nfds) */
    PROTO_ENC_RAW,    /* mv_packet_encode_raw(hdr, raw, raw_len) */
    PROTO_ENC_ERROR,  /* mv_packet_encode_error(hdr, make_error()) */
} ProtoEncoding;

typedef struct {
    const char *name;            /* golden file name without .hex */
    ProtoEncoding enc;
    mv_message_header hdr;       /* header given to the encoder (for ERROR: the call's) */
    unsigned nfds;
    xdrproc_t proc;              /* body codec; NULL for an empty body */
    size_t size;                 /* sizeof the body struct */
    void (*fill)(void *body);    /* builds the body with malloc'd members (xdr_free'able) */
    const char *raw;
    size_t raw_len;
    GError *(*make_error)(void);
} ProtoCase;

extern const ProtoCase proto_cases[];
extern const size_t proto_ncases;

/* The codec that decodes the body of golden case @pc (error cases: the error struct). */
xdrproc_t proto_case_decoder(const ProtoCase *pc, size_t *ret_size);
