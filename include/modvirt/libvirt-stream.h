/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public stream API: the data channel that calls such as virDomainOpenConsole
 * attach to the daemon.  Opening, reference counting, moving bytes both ways, the finish
 * and abort handshakes, and stream events through the default event loop. */
#ifndef MODVIRT_LIBVIRT_STREAM_H
#define MODVIRT_LIBVIRT_STREAM_H

#include <stddef.h>

#include "libvirt-common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIR_STREAM_NONBLOCK = (1 << 0),  /* virStreamRecv returns -2 instead of waiting */
} virStreamFlags;

/* What a stream callback waits for, and what it is told. */
typedef enum {
    VIR_STREAM_EVENT_READABLE = (1 << 0),  /* virStreamRecv will not wait */
    VIR_STREAM_EVENT_WRITABLE = (1 << 1),  /* virStreamSend will not fail with -2 */
    VIR_STREAM_EVENT_ERROR = (1 << 2),     /* the stream failed (always reported) */
    VIR_STREAM_EVENT_HANGUP = (1 << 3),    /* the connection went away (always reported) */
} virStreamEventType;

/* virStreamRecvFlags flags. */
typedef enum {
    VIR_STREAM_RECV_STOP_AT_HOLE = (1 << 0),  /* accepted; no stream here has holes */
} virStreamRecvFlagsValues;

/* Called from virEventRunDefaultImpl with @events (virStreamEventType) of @stream. */
typedef void (*virStreamEventCallback)(virStreamPtr stream, int events, void *opaque);

/* A new, unattached stream on @conn (it holds a reference on @conn).  NULL on error. */
virStreamPtr virStreamNew(virConnectPtr conn, unsigned int flags);
/* Take one more reference.  Returns 0 or -1. */
int virStreamRef(virStreamPtr st);
/* Drop one reference; the last frees the stream.  A stream still open is aborted without
 * waiting for the daemon (call virStreamFinish or virStreamAbort first to know how it
 * ended).  Returns 0 or -1. */
int virStreamFree(virStreamPtr st);

/* Send @nbytes of @data.  Returns @nbytes (the bytes are on their way: sending waits for
 * the socket, never returns -2), or -1 when the stream failed or is not open. */
int virStreamSend(virStreamPtr st, const char *data, size_t nbytes);
/* Receive up to @nbytes into @data.  Returns the number of bytes (> 0), 0 at the end of
 * the data, -1 on error (the daemon's error, or the connection's), or -2 for a
 * VIR_STREAM_NONBLOCK stream with nothing to read; a blocking stream waits. */
int virStreamRecv(virStreamPtr st, char *data, size_t nbytes);
/* virStreamRecv with virStreamRecvFlagsValues @flags. */
int virStreamRecvFlags(virStreamPtr st, char *data, size_t nbytes, unsigned int flags);

/* End an open stream cleanly and wait until the daemon confirms.  Data not read yet is
 * dropped.  Returns 0, or -1 (the daemon's or the stream's error). */
int virStreamFinish(virStreamPtr st);
/* End an open stream with an error and wait until the daemon confirms.  Returns 0 or -1. */
int virStreamAbort(virStreamPtr st);

/* Call @cb from the default event loop (virEventRegisterDefaultImpl) whenever @stream
 * shows one of @events (virStreamEventType); ERROR and HANGUP are always reported.  One
 * callback per stream.  @ff (may be NULL) releases @opaque once the callback is removed.
 * The stream must be open.  Returns 0 or -1. */
int virStreamEventAddCallback(virStreamPtr stream, int events, virStreamEventCallback cb,
                              void *opaque, virFreeCallback ff);
/* Change what the callback of @stream waits for.  Returns 0 or -1. */
int virStreamEventUpdateCallback(virStreamPtr stream, int events);
/* Remove the callback of @stream; @ff runs from the loop's next iteration.  Returns 0
 * or -1. */
int virStreamEventRemoveCallback(virStreamPtr stream);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_STREAM_H */
