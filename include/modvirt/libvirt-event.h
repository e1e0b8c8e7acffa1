/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public event loop API: libvirt's default loop, which applications run to
 * receive domain events, plus its file-handle watches and timers.  libmodvirt has no thread
 * of its own; events reach callbacks only from virEventRunDefaultImpl. */
#ifndef MODVIRT_LIBVIRT_EVENT_H
#define MODVIRT_LIBVIRT_EVENT_H

#include "libvirt-common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a handle watch waits for, and what it saw. */
typedef enum {
    VIR_EVENT_HANDLE_READABLE = (1 << 0),
    VIR_EVENT_HANDLE_WRITABLE = (1 << 1),
    VIR_EVENT_HANDLE_ERROR = (1 << 2),
    VIR_EVENT_HANDLE_HANGUP = (1 << 3),
} virEventHandleType;

/* Called when @fd of watch @watch shows @events (virEventHandleType). */
typedef void (*virEventHandleCallback)(int watch, int fd, int events, void *opaque);
/* Called when timer @timer expires. */
typedef void (*virEventTimeoutCallback)(int timer, void *opaque);

/* Make the default event loop the library's loop.  Call it before opening the connections
 * whose events you want (libvirt requires that; libmodvirt also accepts it later).
 * Returns 0. */
int virEventRegisterDefaultImpl(void);

/* Run one iteration of the default loop: wait until a watched handle is ready, a timer
 * expires, an event arrives, or at most a short bounded time passes; then call the ready
 * handles' callbacks, the expired timers' callbacks and the callbacks of every domain event
 * received so far (also those that arrived while other calls were waiting for their
 * replies).  Run it from one thread at a time; other threads may keep making calls on the
 * same connections meanwhile.  Returns 0, or -1 when the loop was not registered or
 * polling failed. */
int virEventRunDefaultImpl(void);

/* Watch @fd for @events (virEventHandleType; ERROR and HANGUP are always reported).
 * Returns a watch number > 0, or -1.  @ff (may be NULL) releases @opaque on removal. */
int virEventAddHandle(int fd, int events, virEventHandleCallback cb, void *opaque,
                      virFreeCallback ff);
/* Change what watch @watch waits for (0: nothing, the watch stays). */
void virEventUpdateHandle(int watch, int events);
/* Remove watch @watch.  Returns 0, or -1 when there is no such watch. */
int virEventRemoveHandle(int watch);

/* Call @cb every @frequency milliseconds (0: on every loop iteration; -1: disabled
 * until virEventUpdateTimeout).  Returns a timer number > 0, or -1.  @ff (may be NULL)
 * releases @opaque on removal. */
int virEventAddTimeout(int frequency, virEventTimeoutCallback cb, void *opaque,
                       virFreeCallback ff);
/* Change the period of @timer (restarting it from now); -1 disables it. */
void virEventUpdateTimeout(int timer, int frequency);
/* Remove @timer.  Returns 0, or -1 when there is no such timer. */
int virEventRemoveTimeout(int timer);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_EVENT_H */
