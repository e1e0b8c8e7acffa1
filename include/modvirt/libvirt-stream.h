/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public stream API: the object APIs such as virDomainOpenConsole attach to a
 * daemon-side data channel.  Opening, reference counting and closing are here; moving data
 * (virStreamSend/Recv and stream events) comes with stream support in the RPC client. */
#ifndef MODVIRT_LIBVIRT_STREAM_H
#define MODVIRT_LIBVIRT_STREAM_H

#include "libvirt-common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIR_STREAM_NONBLOCK = (1 << 0),  /* data calls return -2 instead of blocking */
} virStreamFlags;

/* A new, unattached stream on @conn (it holds a reference on @conn).  NULL on error. */
virStreamPtr virStreamNew(virConnectPtr conn, unsigned int flags);
/* Take one more reference.  Returns 0 or -1. */
int virStreamRef(virStreamPtr st);
/* Drop one reference; the last frees the stream (abort it first if it is still open).
 * Returns 0 or -1. */
int virStreamFree(virStreamPtr st);
/* End an open stream cleanly.  Returns 0 or -1. */
int virStreamFinish(virStreamPtr st);
/* End an open stream with an error.  Returns 0 or -1. */
int virStreamAbort(virStreamPtr st);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_STREAM_H */
