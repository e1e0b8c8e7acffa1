// SPDX-License-Identifier: LGPL-2.1-or-later
// Server-side streams (libvirt's virStream on the wire): raw data packets that follow the
// reply of the call that opened them, both ways, with finish and abort handshakes.  What
// the bytes are (a console, a volume) is the opener's business.
#pragma once

#include "rpc/rpc-server.h"

typedef struct MvStream MvStream;

typedef struct {
    /* Bytes the client sent.  I/O thread. */
    void (*data)(MvStream *st, const guint8 *buf, size_t len, void *opaque);
    /* The client skipped @length bytes of a sparse stream (a STREAM_HOLE packet).  NULL:
     * holes are a protocol error that fails the stream.  I/O thread. */
    void (*hole)(MvStream *st, guint64 length, void *opaque);
    /* The client finished (@aborted false), aborted, or went away (@aborted true).  The
     * stream takes no more packets; the opener frees it (mv_stream_free).  I/O thread. */
    void (*closed)(MvStream *st, bool aborted, void *opaque);
} MvStreamCallbacks;

/* Open a stream on @call's client for @call's procedure and serial.  Packets flow once
 * the call's reply is queued; call this from the handler.  NULL with @error when the client
 * has too many streams or is gone. */
MvStream *mv_stream_new(MvCall *call, const MvStreamCallbacks *cbs, void *opaque, GError **error);

/* Send bytes to the client (cut into packets of MV_MESSAGE_STREAM_CHUNK).  Thread-safe.
 * False when the client is gone or was disconnected for not reading. */
bool mv_stream_send(MvStream *st, const void *buf, size_t len);

/* Tell the client that @length bytes of zeros follow without sending them (a STREAM_HOLE
 * packet; only for streams the client opened as sparse).  Thread-safe. */
bool mv_stream_send_hole(MvStream *st, guint64 length);

/* Bytes queued for the stream's client and not yet written: a sender of bulk data waits
 * while this is high instead of growing the queue.  Thread-safe. */
size_t mv_stream_backlog(MvStream *st);

/* Tell the client there is no more data (a zero-length data packet). */
void mv_stream_send_eof(MvStream *st);

/* Fail the stream with @err (a STREAM error packet) and stop taking packets. */
void mv_stream_send_error(MvStream *st, const GError *err);

/* Stop the stream (no more callbacks) and free it.  I/O thread.  NULL-safe. */
void mv_stream_free(MvStream *st);
