// SPDX-License-Identifier: LGPL-2.1-or-later
// vol-upload and vol-download as streams, sparse ones included (holes travel as STREAM_HOLE
// packets, found with SEEK_DATA/SEEK_HOLE).  An upload of a whole file volume goes to a
// temporary file that replaces the volume only when the client finishes, so a killed daemon
// or an aborted client never leaves a half-written volume under the real name.

#include "stor-driver.h"
#include "stor-vol.h"
#include "rpc/rpc-stream.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM / VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM */
#define TRANSFER_SPARSE 1
/* Bytes read per stream packet when downloading: libvirt's packet payload. */
#define DOWNLOAD_CHUNK ((size_t)MV_MESSAGE_STREAM_CHUNK)
/* A download pauses while this much is queued for its client and not yet written: enough to
 * keep the socket busy, far below MV_CLIENT_TX_MAX (which would disconnect the client). */
#define DOWNLOAD_BACKLOG_HIGH ((size_t)8 * 1024 * 1024)
/* How long a paused download sleeps before it looks at the backlog again. */
#define DOWNLOAD_BACKLOG_POLL_US 500

typedef struct {
    StorDriver *drv;
    MvStream *stream;
    char *pool;
    char *vol;
    char *path;              /* the volume */
    char *tmp;               /* upload of a whole volume: the file written; else NULL */
    int fd;
    bool sparse;
    guint64 offset;          /* where the transfer starts */
    guint64 length;          /* 0: to the end */
    guint64 pos;             /* bytes moved so far */
    guint64 orig_size;       /* upload: the volume's size before */
    bool failed;
    gint refs;               /* download: the stream callbacks and the sender thread */
    gint cancelled;          /* download: the client finished or aborted early */
} Transfer;

static void
set_busy(StorDriver *drv, const char *pool, const char *vol, bool busy)
{
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->pools, pool);
    if (!obj)
        return;
    mv_domain_obj_lock(obj);
    StorVol *v = g_hash_table_lookup(stor_pool_state(obj)->vols, vol);
    if (v)
        v->busy = busy;
    mv_domain_obj_unlock(obj);
}

static void
transfer_free(Transfer *t)
{
    if (t->tmp)
        unlink(t->tmp);   /* still there: the upload did not complete */
    if (t->fd >= 0)
        close(t->fd);
    set_busy(t->drv, t->pool, t->vol, false);
    mv_stream_free(t->stream);
    g_free(t->pool);
    g_free(t->vol);
    g_free(t->path);
    g_free(t->tmp);
    g_free(t);
}

static void
transfer_unref(Transfer *t)
{
    if (g_atomic_int_dec_and_test(&t->refs))
        transfer_free(t);
}

/* Fail the stream with errno @err about @what. */
static void
fail(Transfer *t, int err, const char *what)
{
    if (t->failed || g_atomic_int_get(&t->cancelled))
        return;
    t->failed = true;
    g_autoptr(GError) e = NULL;
    mv_error_set_errno(&e, MV_FROM_STORAGE, err, "cannot %s volume '%s'", what, t->vol);
    mv_stream_send_error(t->stream, e);
}

static bool
within_length(Transfer *t, guint64 n)
{
    if (t->length == 0 || t->pos + n <= t->length)
        return true;
    fail(t, EFBIG, "upload past the requested length of");
    return false;
}

/* ---- upload ---- */

static void
upload_data(MvStream *st, const guint8 *buf, size_t len, void *opaque)
{
    Transfer *t = opaque;
    if (!within_length(t, len))
        goto failed;
    while (len > 0) {
        ssize_t n = pwrite(t->fd, buf, len, (off_t)(t->offset + t->pos));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fail(t, n < 0 ? errno : ENOSPC, "write");
            goto failed;
        }
        buf += n;
        len -= (size_t)n;
        t->pos += (guint64)n;
    }
    return;
failed:
    /* The error packet ended the stream: no more callbacks come, so the transfer ends here
     * (the stream code does not touch the stream after this callback returns). */
    transfer_unref(t);
}

static void
upload_hole(MvStream *st, guint64 length, void *opaque)
{
    Transfer *t = opaque;
    if (!within_length(t, length)) {
        transfer_unref(t);
        return;
    }
    /* A new temporary file reads as zeros already; in place, the old bytes must go. */
    if (!t->tmp && fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(t->offset + t->pos),
                             (off_t)length) < 0) {
        fail(t, errno, "punch a hole in");
        transfer_unref(t);
        return;
    }
    t->pos += length;
}

/* The client finished: the volume takes the new bytes (a whole upload renames its file into
 * place, keeping at least the old size, as writing over the old file would). */
static void
upload_commit(Transfer *t)
{
    if (!t->tmp)
        return;
    guint64 size = MAX(t->pos, t->orig_size);
    if (ftruncate(t->fd, (off_t)size) < 0 || rename(t->tmp, t->path) < 0) {
        g_warning("cannot complete the upload of volume '%s' ('%s'): %s; the volume is unchanged", t->vol, t->path,
                  g_strerror(errno));
        return;
    }
    g_clear_pointer(&t->tmp, g_free);
}

static void
upload_closed(MvStream *st, bool aborted, void *opaque)
{
    Transfer *t = opaque;
    if (!aborted && !t->failed)
        upload_commit(t);
    transfer_unref(t);
}

static const MvStreamCallbacks upload_callbacks = {
    .data = upload_data,
    .hole = upload_hole,
    .closed = upload_closed,
};

/* ---- download ---- */

static bool
wait_backlog(Transfer *t)
{
    while (mv_stream_backlog(t->stream) > DOWNLOAD_BACKLOG_HIGH) {
        if (g_atomic_int_get(&t->cancelled))
            return false;
        g_usleep(DOWNLOAD_BACKLOG_POLL_US);
    }
    return !g_atomic_int_get(&t->cancelled);
}

/* Send [@from, @to) of the file as data. */
static bool
send_data(Transfer *t, guint8 *buf, off_t from, off_t to)
{
    while (from < to) {
        if (!wait_backlog(t))
            return false;
        size_t want = (size_t)MIN((off_t)DOWNLOAD_CHUNK, to - from);
        ssize_t n = pread(t->fd, buf, want, from);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fail(t, errno, "read");
            return false;
        }
        if (n == 0) {
            /* The file shrank under us: the rest reads as zeros, as a hole would. */
            memset(buf, 0, want);
            n = (ssize_t)want;
        }
        if (!mv_stream_send(t->stream, buf, (size_t)n))
            return false;
        from += n;
    }
    return true;
}

static gpointer
download_thread(gpointer data)
{
    Transfer *t = data;
    g_autofree guint8 *buf = g_malloc(DOWNLOAD_CHUNK);
    struct stat st;
    bool ok = fstat(t->fd, &st) == 0;
    off_t end = ok ? st.st_size : 0;
    if (t->length && (off_t)(t->offset + t->length) < end)
        end = (off_t)(t->offset + t->length);
    off_t pos = (off_t)t->offset;
    while (ok && pos < end) {
        if (!t->sparse) {
            ok = send_data(t, buf, pos, end);
            pos = end;
            break;
        }
        off_t data = lseek(t->fd, pos, SEEK_DATA);
        if (data < 0 || data > end)
            data = end;       /* ENXIO: only a hole is left */
        if (data > pos) {
            ok = wait_backlog(t) && mv_stream_send_hole(t->stream, (guint64)(data - pos));
            pos = data;
            continue;
        }
        off_t hole = lseek(t->fd, pos, SEEK_HOLE);
        if (hole < 0 || hole > end)
            hole = end;
        ok = send_data(t, buf, pos, hole);
        pos = hole;
    }
    if (!ok && !t->failed && !g_atomic_int_get(&t->cancelled) && fstat(t->fd, &st) < 0)
        fail(t, errno, "read");
    if (ok)
        mv_stream_send_eof(t->stream);
    /* A failure's error packet ended the stream: its callbacks' reference goes too. */
    if (t->failed)
        transfer_unref(t);
    transfer_unref(t);
    return NULL;
}

static void
download_data(MvStream *st, const guint8 *buf, size_t len, void *opaque)
{
    /* A download takes no bytes from the client; libvirt ignores them too. */
}

static void
download_closed(MvStream *st, bool aborted, void *opaque)
{
    Transfer *t = opaque;
    g_atomic_int_set(&t->cancelled, 1);
    transfer_unref(t);
}

static const MvStreamCallbacks download_callbacks = {
    .data = download_data,
    .closed = download_closed,
};

static void
download_start(void *data)
{
    Transfer *t = data;
    g_thread_unref(g_thread_new("stor-download", download_thread, t));
}

/* ---- the calls ---- */

/* A transfer of the complete, idle volume @wvol, marked busy; NULL with @error. */
static Transfer *
transfer_new(MvCall *call, const remote_nonnull_storage_vol *wvol, GError **error)
{
    StorDriver *drv = stor_driver_of(call);
    StorVol *v;
    MvDomainObj *obj = stor_vol_find_locked(drv, wvol, &v, error);
    if (!obj)
        return NULL;
    Transfer *t = NULL;
    if (v->busy) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "volume '%s' of pool '%s' is being uploaded or downloaded already", v->name, obj->name);
    } else {
        v->busy = true;
        t = g_new0(Transfer, 1);
        t->drv = drv;
        t->fd = -1;
        t->pool = g_strdup(obj->name);
        t->vol = g_strdup(v->name);
        t->path = g_strdup(v->path);
    }
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    return t;
}

static bool
vol_upload(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_transfer_args *a = args;
    if (a->flags & ~TRANSFER_SPARSE) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "virStorageVolUpload: unsupported flags (0x%x)",
                     a->flags & ~TRANSFER_SPARSE);
        return false;
    }
    Transfer *t = transfer_new(call, &a->vol, error);
    if (!t)
        return false;
    t->refs = 1;
    t->sparse = a->flags & TRANSFER_SPARSE;
    t->offset = a->offset;
    t->length = a->length;
    struct stat st;
    bool ok = stat(t->path, &st) == 0;
    if (ok && S_ISREG(st.st_mode) && a->offset == 0 && a->length == 0) {
        t->orig_size = (guint64)st.st_size;
        t->tmp = stor_temp_path(t->path);
        unlink(t->tmp);
        t->fd = open(t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
        if (t->fd >= 0 && fchown(t->fd, st.st_uid, st.st_gid) < 0)
            g_debug("cannot give '%s' the owner of '%s': %s", t->tmp, t->path, g_strerror(errno));
    } else if (ok) {
        t->fd = open(t->path, O_WRONLY | O_CLOEXEC);
    }
    if (!ok || t->fd < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot open volume '%s' for upload", t->vol);
        transfer_free(t);
        return false;
    }
    t->stream = mv_stream_new(call, &upload_callbacks, t, error);
    if (!t->stream) {
        transfer_free(t);
        return false;
    }
    return true;
}

static bool
vol_download(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_transfer_args *a = args;
    if (a->flags & ~TRANSFER_SPARSE) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "virStorageVolDownload: unsupported flags (0x%x)",
                     a->flags & ~TRANSFER_SPARSE);
        return false;
    }
    Transfer *t = transfer_new(call, &a->vol, error);
    if (!t)
        return false;
    t->sparse = a->flags & TRANSFER_SPARSE;
    t->offset = a->offset;
    t->length = a->length;
    t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (t->fd < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot open volume '%s' for download", t->vol);
        transfer_free(t);
        return false;
    }
    t->stream = mv_stream_new(call, &download_callbacks, t, error);
    if (!t->stream) {
        transfer_free(t);
        return false;
    }
    /* One reference for the stream's callbacks, one for the sender thread. */
    t->refs = 2;
    call->after_reply = download_start;
    call->after_reply_data = t;
    return true;
}

#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

const MvProcedure stor_transfer_rows[] = {
    ROW_NORET(STORAGE_VOL_UPLOAD, "virStorageVolUpload", storage_vol_transfer_args, vol_upload, 0),
    ROW_NORET(STORAGE_VOL_DOWNLOAD, "virStorageVolDownload", storage_vol_transfer_args, vol_download, 0),
};
const size_t stor_transfer_nrows = G_N_ELEMENTS(stor_transfer_rows);
