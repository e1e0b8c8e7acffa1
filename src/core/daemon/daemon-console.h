// SPDX-License-Identifier: LGPL-2.1-or-later
// A console session: a stream (DOMAIN_OPEN_CONSOLE) joined to a file descriptor that carries
// a guest's console (QEMU's serial pty, a container controller's console connection).
// Bytes move on the I/O thread once the call's reply is out.  Finding the fd is the driver's.
#pragma once

#include "conf/conf-domain-obj.h"
#include "rpc/rpc-server.h"

typedef struct MvConsole MvConsole;

/* libvirt's OPEN_CONSOLE flags. */
#define MV_CONSOLE_FORCE 1
#define MV_CONSOLE_SAFE 2

/* Start a session of @obj (locked by the caller) on @call's new stream, moving bytes between
 * it and @fd (taken, closed on every path).  The session is recorded in *@slot, a field of
 * the object's runtime state guarded by its lock; a session already there is ended first
 * (FORCE: its client gets "taken over").  The session clears *@slot when its fd ends (EOF
 * or EIO: the guest is gone), so the domain is free for a new one.  False with @error
 * (errors from @from) when the stream cannot be opened. */
bool mv_console_attach(MvCall *call, MvDomainObj *obj, MvConsole **slot, int fd, int from, GError **error);
