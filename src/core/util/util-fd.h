// SPDX-License-Identifier: LGPL-2.1-or-later
// One way to own a file descriptor: a variable declared `mv_autofd int fd = -1;` is closed
// when it goes out of scope, and ownership moves out with mv_steal_fd(&fd), as systemd's
// _cleanup_close_ / TAKE_FD.  (GLib's g_autofd and g_clear_fd need GLib 2.76; Debian 12
// ships 2.74.)  An fd kept in a struct is released with mv_clear_fd(&s->fd).
#pragma once

#include <errno.h>
#include <unistd.h>

/* Close *@fd if it is open and set it to -1; errno is kept, so a caller may close on its
 * error path and still report the error that sent it there. */
static inline void
mv_clear_fd(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
        *fd = -1;
    }
}

/* Take the fd out of *@fd (leaving -1) for a new owner. */
static inline int
mv_steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

#define mv_autofd __attribute__((cleanup(mv_clear_fd)))
