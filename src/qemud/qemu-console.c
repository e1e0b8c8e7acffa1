// SPDX-License-Identifier: LGPL-2.1-or-later
// DOMAIN_OPEN_CONSOLE: a stream joined to the guest's serial pty.  The pty is found with
// QMP query-chardev when the console opens; bytes move on the I/O thread.

#include "qemu-runtime.h"
#include "rpc/rpc-stream.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <json-c/json.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* OPEN_CONSOLE flags */
#define CONSOLE_FORCE 1
#define CONSOLE_SAFE 2

/* Bytes read from the pty per wakeup. */
#define CONSOLE_READ_CHUNK 4096

typedef struct QemuConsole {
    MvDomainObj *obj;        /* a reference */
    MvStream *stream;
    int fd;
    guint watch;
    bool closed;
} QemuConsole;

/* Tear down on the I/O thread; clears the domain's pointer if it is still this console. */
static void
console_close(QemuConsole *con)
{
    if (con->closed)
        return;
    con->closed = true;
    if (con->watch)
        g_source_remove(con->watch);
    con->watch = 0;
    mv_domain_obj_lock(con->obj);
    QemuDomainPriv *priv = con->obj->priv;
    if (priv && priv->console == con)
        priv->console = NULL;
    mv_domain_obj_unlock(con->obj);
    mv_stream_free(con->stream);
    close(con->fd);
    mv_domain_obj_unref(con->obj);
    g_free(con);
}

/* A console taken over with FORCE: its client learns why, then the session ends. */
static gboolean
console_take_over_cb(gpointer data)
{
    QemuConsole *con = data;
    g_autoptr(GError) err = NULL;
    mv_error_set(&err, MV_FROM_QEMU, MV_ERR_OPERATION_ABORTED,
                 "the console session was taken over by another client");
    mv_stream_send_error(con->stream, err);
    console_close(con);
    return G_SOURCE_REMOVE;
}

static gboolean
pty_readable(gint fd, GIOCondition cond, gpointer data)
{
    QemuConsole *con = data;
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
    /* EIO: QEMU closed the pty (the guest stopped).  Tell the client the data ended; the
     * stream stays until the client finishes or aborts it (it expects an answer), but the
     * domain is free for a new console. */
    mv_stream_send_eof(con->stream);
    con->watch = 0;
    mv_domain_obj_lock(con->obj);
    QemuDomainPriv *priv = con->obj->priv;
    if (priv && priv->console == con)
        priv->console = NULL;
    mv_domain_obj_unlock(con->obj);
    return G_SOURCE_REMOVE;
}

static void
client_data(MvStream *st, const guint8 *buf, size_t len, void *opaque)
{
    QemuConsole *con = opaque;
    while (len > 0) {
        ssize_t n = write(con->fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* The guest is not reading its serial port: keystrokes are dropped, as on a
             * real serial line without flow control. */
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
    QemuConsole *con = data;
    con->watch = g_unix_fd_add(con->fd, G_IO_IN | G_IO_HUP | G_IO_ERR, pty_readable, con);
}

/* The pty of chardev "char<alias>" from query-chardev, or NULL with @error. */
static char *
find_pty(QemuMonitor *mon, const char *alias, GError **error)
{
    json_object *reply = NULL;
    if (!qemu_monitor_command(mon, "query-chardev", NULL, &reply, 5000, error))
        return NULL;
    g_autofree char *label = g_strdup_printf("char%s", alias);
    char *path = NULL;
    for (size_t i = 0; json_object_is_type(reply, json_type_array) && i < json_object_array_length(reply); i++) {
        json_object *e = json_object_array_get_idx(reply, i), *l = NULL, *f = NULL;
        if (json_object_object_get_ex(e, "label", &l) && g_strcmp0(json_object_get_string(l), label) == 0 &&
            json_object_object_get_ex(e, "filename", &f)) {
            const char *fn = json_object_get_string(f);
            if (g_str_has_prefix(fn, "pty:"))
                path = g_strdup(fn + 4);
        }
    }
    json_object_put(reply);
    if (!path)
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "character device %s is not using a PTY", alias);
    return path;
}

bool
qemu_open_console(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_open_console_args *a = args;
    QemuDriver *drv = qemu_driver_of(call);

    if (!mv_flags_check(a->flags, CONSOLE_FORCE | CONSOLE_SAFE, MV_FROM_QEMU, "virDomainOpenConsole", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = false;
    const MvDomainDef *def = obj->def;
    QemuDomainPriv *priv = qemu_domain_priv(drv, obj);
    const char *want = (a->dev_name && *a->dev_name) ? *a->dev_name : NULL;
    const MvDomainChr *chr = NULL;
    /* By alias ("serial0", "console0"); none given: the first console, else serial port. */
    GPtrArray *lists[] = { def->consoles, def->serials };
    for (size_t l = 0; l < G_N_ELEMENTS(lists) && !chr; l++) {
        for (guint i = 0; i < lists[l]->len && !chr; i++) {
            const MvDomainChr *c = lists[l]->pdata[i];
            if (!want || g_strcmp0(c->info.alias, want) == 0)
                chr = c;
        }
    }
    g_autofree char *alias = NULL;
    if (!mv_domain_obj_is_active(obj)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is not running");
    } else if (!chr) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "cannot find character device %s",
                     want ? want : "<null>");
    } else if (priv->console && !(a->flags & CONSOLE_FORCE)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED, "Active console session exists for this domain");
    } else {
        /* A console mirrors the serial port it names; the chardev belongs to the serial. */
        alias = g_strdup(chr->info.alias && g_str_has_prefix(chr->info.alias, "console") ? "serial0" : chr->info.alias);
        ok = true;
    }
    if (!ok) {
        mv_domain_obj_end_job(obj);
        mv_domain_obj_unlock(obj);
        return false;
    }
    if (priv->console) {
        /* FORCE: the old session ends, on the I/O thread where it lives. */
        g_main_context_invoke(NULL, console_take_over_cb, priv->console);
        priv->console = NULL;
    }
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    mv_domain_obj_unlock(obj);
    g_autofree char *pty = find_pty(mon, alias, error);
    int fd = pty ? open(pty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) : -1;
    if (pty && fd < 0)
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot open console pty '%s'", pty);
    if (fd >= 0) {
        struct termios t;
        /* Raw: the client's terminal does the line editing, as with libvirt. */
        if (tcgetattr(fd, &t) == 0) {
            cfmakeraw(&t);
            tcsetattr(fd, TCSANOW, &t);
        }
    }
    mv_domain_obj_lock(obj);
    QemuConsole *con = NULL;
    if (fd >= 0) {
        con = g_new0(QemuConsole, 1);
        con->obj = mv_domain_obj_ref(obj);
        con->fd = fd;
        con->stream = mv_stream_new(call, &console_stream_callbacks, con, error);
        if (!con->stream) {
            close(fd);
            mv_domain_obj_unref(con->obj);
            g_clear_pointer(&con, g_free);
        }
    }
    if (con) {
        priv->console = con;
        call->after_reply = console_start;
        call->after_reply_data = con;
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return con != NULL;
}
