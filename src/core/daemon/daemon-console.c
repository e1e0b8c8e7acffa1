// SPDX-License-Identifier: LGPL-2.1-or-later
// Console sessions: a stream joined to a console fd (see daemon-console.h).

#include "daemon/daemon-console.h"
#include "rpc/rpc-stream.h"
#include "util/util-error.h"

#include <errno.h>
#include <glib-unix.h>
#include <unistd.h>

/* Bytes read from the console per wakeup. */
#define CONSOLE_READ_CHUNK 4096

struct MvConsole {
    MvDomainObj *obj;        /* a reference */
    MvConsole **slot;        /* in obj's runtime state, guarded by obj's lock */
    MvStream *stream;
    int fd;
    int from;
    guint watch;
    bool closed;
};

/* Forget @con in its domain's slot if it is still there. */
static void
console_unslot(MvConsole *con)
{
    mv_domain_obj_lock(con->obj);
    if (*con->slot == con)
        *con->slot = NULL;
    mv_domain_obj_unlock(con->obj);
}

/* Tear down on the I/O thread. */
static void
console_close(MvConsole *con)
{
    if (con->closed)
        return;
    con->closed = true;
    if (con->watch)
        g_source_remove(con->watch);
    con->watch = 0;
    console_unslot(con);
    mv_stream_free(con->stream);
    close(con->fd);
    mv_domain_obj_unref(con->obj);
    g_free(con);
}

/* A console taken over with FORCE: its client learns why, then the session ends. */
static gboolean
console_take_over_cb(gpointer data)
{
    MvConsole *con = data;
    g_autoptr(GError) err = NULL;
    mv_error_set(&err, con->from, MV_ERR_OPERATION_ABORTED, "the console session was taken over by another client");
    mv_stream_send_error(con->stream, err);
    console_close(con);
    return G_SOURCE_REMOVE;
}

static gboolean
console_readable(gint fd, GIOCondition cond, gpointer data)
{
    MvConsole *con = data;
    guint8 buf[CONSOLE_READ_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n > 0) {
        if (!mv_stream_send(con->stream, buf, n)) {
            con->watch = 0;
            console_close(con);
            return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    /* EOF or EIO: the guest's side closed (it stopped).  Tell the client the data ended; the
     * stream stays until the client finishes or aborts it (it expects an answer), but the
     * domain is free for a new console. */
    mv_stream_send_eof(con->stream);
    con->watch = 0;
    console_unslot(con);
    return G_SOURCE_REMOVE;
}

static void
client_data(MvStream *st, const guint8 *buf, size_t len, void *opaque)
{
    MvConsole *con = opaque;
    while (len > 0) {
        ssize_t n = write(con->fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* The guest is not reading its console: keystrokes are dropped, as on a real
             * serial line without flow control. */
            return;
        }
        buf += n;
        len -= n;
    }
}

static void
client_closed(MvStream *st, bool aborted, void *opaque)
{
    console_close(opaque);
}

static const MvStreamCallbacks console_stream_callbacks = {
    .data = client_data,
    .closed = client_closed,
};

/* After the reply went out: start moving bytes. */
static void
console_start(void *data)
{
    MvConsole *con = data;
    con->watch = g_unix_fd_add(con->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, console_readable, con);
}

bool
mv_console_attach(MvCall *call, MvDomainObj *obj, MvConsole **slot, int fd, int from, GError **error)
{
    MvConsole *con = g_new0(MvConsole, 1);
    con->fd = fd;
    con->from = from;
    con->stream = mv_stream_new(call, &console_stream_callbacks, con, error);
    if (!con->stream) {
        close(fd);
        g_free(con);
        return false;
    }
    con->obj = mv_domain_obj_ref(obj);
    con->slot = slot;
    if (*slot)
        /* FORCE: the old session ends, on the I/O thread where it lives. */
        g_main_context_invoke(NULL, console_take_over_cb, *slot);
    *slot = con;
    call->after_reply = console_start;
    call->after_reply_data = con;
    return true;
}
