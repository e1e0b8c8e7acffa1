// SPDX-License-Identifier: LGPL-2.1-or-later
// The write-ahead journal of a directory of small files (see util-journal.h).
//
// On disk, `.journal` is JOURNAL_SIZE bytes, all written once at creation so that later
// writes overwrite allocated, initialised blocks (fdatasync then flushes data only):
//
//   offset 0:        header: "MVJOURN1", epoch (u64 LE), CRC-32 of those 16 bytes (u32 LE)
//   offset 4096...:  records, back to back:
//                    magic "MVJR", total length, epoch (u64), op, mode, name length,
//                    data length (u32 LE each), the name, the data, CRC-32 of all before it
//
// Replay reads records from 4096 on and stops at the first whose magic, epoch, bounds or CRC
// is wrong: the end of what was written in this epoch (a record torn by the crash included).
// Starting an epoch rewrites the header only; older records then fail the epoch check.

#include "util/util-journal.h"
#include "util/util-file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_NAME ".journal"
#define JOURNAL_SIZE (8u << 20)
#define HEADER_SIZE 4096u
#define HEADER_MAGIC "MVJOURN1"
#define RECORD_MAGIC 0x524a564du /* "MVJR" read as little-endian */
#define RECORD_HEAD 32u
/* The checkpoint thread starts when this much of the journal is used... */
#define BUSY_BYTES (JOURNAL_SIZE / 2)
/* ...or when records wait and nothing was written for this long. */
#define IDLE_USEC (2 * G_USEC_PER_SEC)

enum { OP_WRITE = 1, OP_REMOVE = 2, OP_SYMLINK = 3 };

struct MvJournal {
    char *dir;
    int dir_fd;
    int fd;
    GMutex lock;
    GCond wake;
    guint64 epoch;
    guint32 offset;     /* where the next record goes */
    unsigned pending;   /* records of this epoch */
    gint64 last_write;  /* monotonic µs of the newest record */
    unsigned replayed;
    unsigned removed_staged;
    /* A write or flush of the journal failed: its bytes on disk (a record, or the header's
     * epoch) are unknown, so the next checkpoint must start a new epoch even with nothing
     * pending, and no change is taken until one has. */
    bool unknown;
    gint64 retry_after; /* monotonic µs: the checkpoint thread waits after a failure */
    bool opened;        /* replayed and ready: only then may closing checkpoint */
    bool stop;
    GThread *thread;
};

static guint32 crc_table[256];

static gpointer
crc_table_init(gpointer unused)
{
    (void)unused;
    for (guint32 i = 0; i < 256; i++) {
        guint32 c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    return NULL;
}

static guint32
crc32_of(const void *data, size_t len)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, crc_table_init, NULL);
    const guint8 *p = data;
    guint32 c = 0xffffffffu;
    while (len--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void
put32(guint8 *p, guint32 v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

static void
put64(guint8 *p, guint64 v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, 8);
}

static guint32
get32(const guint8 *p)
{
    guint32 v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static guint64
get64(const guint8 *p)
{
    guint64 v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

static int
pwrite_all(int fd, const void *data, size_t len, off_t off)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= n;
        off += n;
    }
    return 0;
}

static int
pread_all(int fd, void *data, size_t len, off_t off)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ENODATA;
        p += n;
        len -= n;
        off += n;
    }
    return 0;
}

/* Names stay inside the directory: relative, no "." or ".." component, no empty one. */
static bool
name_ok(const char *name)
{
    if (!name || !*name || name[0] == '/' || strlen(name) > 4096)
        return false;
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);
    for (char **p = parts; *p; p++)
        if (!**p || g_str_equal(*p, ".") || g_str_equal(*p, ".."))
            return false;
    return !g_str_equal(name, JOURNAL_NAME);
}

static char *
path_of(const MvJournal *j, const char *name)
{
    return g_build_filename(j->dir, name, NULL);
}

/* Parent directories of a nested name, created as needed (unflushed: the checkpoint's syncfs
 * or the caller's own flush covers them). */
static int
make_parents(const char *path)
{
    g_autofree char *parent = g_path_get_dirname(path);
    return g_mkdir_with_parents(parent, 0755) < 0 ? -errno : 0;
}

/* Whether @path already holds exactly @len bytes of @data, with mode @mode. */
static bool
same_contents(const char *path, const void *data, size_t len, mode_t mode)
{
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len ||
        (st.st_mode & 07777) != (mode & 07777))
        return false;
    g_autofree char *have = NULL;
    size_t have_len = 0;
    return mv_file_read_small(path, len + 1, &have, &have_len) == 0 && have_len == len &&
           memcmp(have, data, len) == 0;
}

/* Whether the symlink @path already points at @target (@len bytes). */
static bool
same_link(const char *path, const char *target, size_t len)
{
    char buf[4097];
    ssize_t n = readlink(path, buf, sizeof(buf));
    return n >= 0 && (size_t)n == len && memcmp(buf, target, len) == 0;
}

/* Carry out a replayed change in the directory, without flushing anything.  A change the
 * directory already shows is left alone: usually the whole of it survived, and rewriting
 * would need room a full disk does not have. */
static int
apply(const MvJournal *j, guint32 op, const char *name, const void *data, size_t len, mode_t mode)
{
    g_autofree char *path = path_of(j, name);
    int r;

    switch (op) {
    case OP_WRITE:
        if (same_contents(path, data, len, mode))
            return 0;
        if ((r = make_parents(path)) < 0)
            return r;
        return mv_file_replace(path, data, len, mode);
    case OP_REMOVE:
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
    case OP_SYMLINK: {
        if (same_link(path, data, len))
            return 0;
        if ((r = make_parents(path)) < 0)
            return r;
        g_autofree char *target = g_strndup(data, len);
        if (unlink(path) < 0 && errno != ENOENT)
            return -errno;
        return symlink(target, path) < 0 ? -errno : 0;
    }
    default:
        return -EINVAL;
    }
}

static int
write_header(MvJournal *j, guint64 epoch)
{
    guint8 h[20];
    memcpy(h, HEADER_MAGIC, 8);
    put64(h + 8, epoch);
    put32(h + 16, crc32_of(h, 16));
    int r = pwrite_all(j->fd, h, sizeof(h), 0);
    if (r == 0 && fdatasync(j->fd) < 0)
        r = -errno;
    if (r < 0) {
        j->unknown = true;
        return r;
    }
    j->epoch = epoch;
    j->offset = HEADER_SIZE;
    j->pending = 0;
    j->unknown = false;
    return 0;
}

/* Everything the directory holds now reaches the disk, then the records are void. */
static int
checkpoint_locked(MvJournal *j)
{
    if (j->pending == 0 && !j->unknown)
        return 0;
    if (syncfs(j->dir_fd) < 0)
        return -errno;
    return write_header(j, j->epoch + 1);
}

/* Make @name durable without the journal: the fallback when a record cannot be written. */
static int
flush_directly(MvJournal *j, const char *name)
{
    g_autofree char *path = path_of(j, name);
    return mv_file_flush(path);
}

static int
append(MvJournal *j, guint32 op, const char *name, const void *data, size_t len, mode_t mode)
{
    size_t name_len = strlen(name);
    size_t total = RECORD_HEAD + name_len + len + 4;

    if (total > JOURNAL_SIZE - HEADER_SIZE)
        return -EFBIG;
    if (j->offset + total > JOURNAL_SIZE) {
        int r = checkpoint_locked(j);
        if (r < 0)
            return r;
    }
    g_autofree guint8 *rec = g_malloc(total);
    put32(rec, RECORD_MAGIC);
    put32(rec + 4, total);
    put64(rec + 8, j->epoch);
    put32(rec + 16, op);
    put32(rec + 20, mode);
    put32(rec + 24, name_len);
    put32(rec + 28, len);
    memcpy(rec + RECORD_HEAD, name, name_len);
    if (len)
        memcpy(rec + RECORD_HEAD + name_len, data, len);
    put32(rec + total - 4, crc32_of(rec, total - 4));

    int r = pwrite_all(j->fd, rec, total, j->offset);
    if (r == 0 && fdatasync(j->fd) < 0)
        r = -errno;
    if (r < 0) {
        /* The record may be on disk whole, in part or not at all. */
        j->unknown = true;
        return r;
    }
    j->offset += total;
    j->pending++;
    j->last_write = g_get_monotonic_time();
    /* The thread sleeps without a deadline while nothing is pending: the first record sets
     * one, a full half sets it to now. */
    if (j->pending == 1 || j->offset >= BUSY_BYTES)
        g_cond_signal(&j->wake);
    return 0;
}

/* The temporary names changes are staged under (and mv_file_replace uses): "<name>" + this
 * + six characters of mkstemp's. */
#define STAGE_SUFFIX ".new-"
#define STAGE_RANDOM 6

/* Whether @base is a staged name: "<something>.new-XXXXXX", X a letter or digit. */
static bool
is_staged_name(const char *base)
{
    size_t len = strlen(base);
    size_t tail = strlen(STAGE_SUFFIX) + STAGE_RANDOM;
    if (len <= tail || strncmp(base + len - tail, STAGE_SUFFIX, strlen(STAGE_SUFFIX)) != 0)
        return false;
    for (const char *p = base + len - STAGE_RANDOM; *p; p++)
        if (!g_ascii_isalnum(*p))
            return false;
    return true;
}

/* Remove the staged files under directory @dfd (@rel for messages), subdirectories
 * included: a change interrupted by a crash between staging and renaming leaves one, and no
 * record ever names it (records carry the contents).  Returns how many went. */
static unsigned
remove_staged(int dfd, const char *rel, unsigned depth)
{
    unsigned n = 0;
    int fd = dup(dfd);
    if (fd < 0)
        return 0;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    /* Collect first: unlinking while reading a directory may skip entries. */
    g_autoptr(GPtrArray) staged = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) subdirs = g_ptr_array_new_with_free_func(g_free);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (g_str_equal(e->d_name, ".") || g_str_equal(e->d_name, ".."))
            continue;
        if (e->d_type == DT_DIR && depth < 8)
            g_ptr_array_add(subdirs, g_strdup(e->d_name));
        else if (e->d_type != DT_DIR && is_staged_name(e->d_name))
            g_ptr_array_add(staged, g_strdup(e->d_name));
    }
    for (guint i = 0; i < staged->len; i++) {
        const char *name = staged->pdata[i];
        if (unlinkat(dirfd(d), name, 0) == 0) {
            g_info("removed '%s/%s', left by a change a crash interrupted", rel, name);
            n++;
        }
    }
    for (guint i = 0; i < subdirs->len; i++) {
        int sub = openat(dirfd(d), subdirs->pdata[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            continue;
        g_autofree char *sub_rel = g_build_filename(rel, subdirs->pdata[i], NULL);
        n += remove_staged(sub, sub_rel, depth + 1);
        close(sub);
    }
    closedir(d);
    return n;
}

/* Prepare @op on @path out of sight: the new file or symlink under a temporary name beside
 * it (*ret_tmp), unflushed.  A removal needs nothing prepared. */
static int
stage(guint32 op, const char *path, const void *data, size_t len, mode_t mode, char **ret_tmp)
{
    *ret_tmp = NULL;
    if (op == OP_REMOVE)
        return 0;
    int r = make_parents(path);
    if (r < 0)
        return r;
    g_autofree char *tmp = g_strdup_printf("%s" STAGE_SUFFIX "XXXXXX", path);
    if (op == OP_WRITE) {
        int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
        if (fd < 0)
            return -errno;
        r = pwrite_all(fd, data, len, 0);
        if (close(fd) < 0 && r == 0)
            r = -errno;
    } else {
        /* mkstemp reserves a unique name; the symlink takes its place. */
        int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0)
            return -errno;
        close(fd);
        g_autofree char *target = g_strndup(data, len);
        r = unlink(tmp) < 0 || symlink(target, tmp) < 0 ? -errno : 0;
    }
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    *ret_tmp = g_steal_pointer(&tmp);
    return 0;
}

/* Make the prepared change visible. */
static int
commit(guint32 op, const char *path, const char *tmp)
{
    if (op == OP_REMOVE)
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
    return rename(tmp, path) < 0 ? -errno : 0;
}

/* The change is prepared out of sight, recorded, and only then made visible: when any step
 * fails, the directory shows the old state and no valid record claims the new one. */
static int
change(MvJournal *j, guint32 op, const char *name, const void *data, size_t len, mode_t mode)
{
    if (!name_ok(name))
        return -EINVAL;
    g_autofree char *path = path_of(j, name);
    g_autofree char *tmp = NULL;

    g_mutex_lock(&j->lock);
    /* After a failed journal write nothing is taken until a new epoch voids what it left. */
    int r = j->unknown ? checkpoint_locked(j) : 0;
    if (r == 0)
        r = stage(op, path, data, len, mode, &tmp);
    if (r < 0) {
        g_mutex_unlock(&j->lock);
        return r;
    }
    r = append(j, op, name, data, len, mode);
    if (r == 0) {
        r = commit(op, path, tmp);
        /* Recorded but not made: a new epoch voids the record (if that fails too, the
         * journal's state is unknown and the next change waits for one). */
        if (r < 0)
            (void)checkpoint_locked(j);
    } else {
        /* No record (too big for the journal, or a failing journal): flush the change itself.
         * Earlier records of this name are flushed and voided first, or a replay after a
         * crash would put an older state back on top of it. */
        r = checkpoint_locked(j);
        if (r == 0)
            r = commit(op, path, tmp);
        if (r == 0)
            r = flush_directly(j, name);
    }
    if (r < 0 && tmp)
        unlink(tmp);
    g_mutex_unlock(&j->lock);
    return r;
}

int
mv_journal_write(MvJournal *j, const char *name, const void *data, size_t len, mode_t mode)
{
    return change(j, OP_WRITE, name, data, len, mode & 07777);
}

int
mv_journal_remove(MvJournal *j, const char *name)
{
    return change(j, OP_REMOVE, name, NULL, 0, 0);
}

int
mv_journal_symlink(MvJournal *j, const char *name, const char *target)
{
    return change(j, OP_SYMLINK, name, target, strlen(target), 0);
}

int
mv_journal_checkpoint(MvJournal *j)
{
    g_mutex_lock(&j->lock);
    int r = checkpoint_locked(j);
    g_mutex_unlock(&j->lock);
    return r;
}

unsigned
mv_journal_replayed(const MvJournal *j)
{
    return j->replayed;
}

unsigned
mv_journal_removed_staged(const MvJournal *j)
{
    return j->removed_staged;
}

static gpointer
checkpoint_thread(gpointer data)
{
    MvJournal *j = data;

    g_mutex_lock(&j->lock);
    while (!j->stop) {
        gint64 now = g_get_monotonic_time();
        bool busy = j->offset >= BUSY_BYTES;
        bool idle = (j->pending > 0 || j->unknown) && now - j->last_write >= IDLE_USEC;
        if ((!busy && !idle) || now < j->retry_after) {
            gint64 until = MAX(j->retry_after, j->pending > 0 || j->unknown ? j->last_write + IDLE_USEC
                                                                             : now + (gint64)3600 * G_USEC_PER_SEC);
            g_cond_wait_until(&j->wake, &j->lock, until);
            continue;
        }
        /* Most of the flushing happens unlocked, while changes go on; the locked syncfs then
         * has little left to write. */
        g_mutex_unlock(&j->lock);
        (void)syncfs(j->dir_fd);
        g_mutex_lock(&j->lock);
        int r = checkpoint_locked(j);
        if (r < 0) {
            g_warning("cannot checkpoint the journal of '%s': %s; trying again in a while",
                      j->dir, g_strerror(-r));
            j->retry_after = g_get_monotonic_time() + IDLE_USEC;
        }
    }
    g_mutex_unlock(&j->lock);
    return NULL;
}

/* A new journal: written whole under a temporary name, flushed, then renamed in place. */
static int
create_journal(MvJournal *j)
{
    g_autofree char *path = path_of(j, JOURNAL_NAME);
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    g_autofree guint8 *zero = g_malloc0(1u << 20);
    int r = 0;
    for (guint32 off = 0; r == 0 && off < JOURNAL_SIZE; off += 1u << 20)
        r = pwrite_all(fd, zero, 1u << 20, off);
    j->fd = fd;
    if (r == 0)
        r = write_header(j, 1);
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r == 0 && fsync(j->dir_fd) < 0)
        r = -errno;
    if (r < 0) {
        close(fd);
        j->fd = -1;
        unlink(tmp);
    }
    return r;
}

/* Returns 1 with j->epoch set when the header is sound, 0 when it is not, or -errno. */
static int
read_header(MvJournal *j)
{
    struct stat st;
    guint8 h[20];
    if (fstat(j->fd, &st) < 0)
        return -errno;
    if (st.st_size != JOURNAL_SIZE)
        return 0;
    int r = pread_all(j->fd, h, sizeof(h), 0);
    if (r < 0)
        return r;
    if (memcmp(h, HEADER_MAGIC, 8) != 0 || get32(h + 16) != crc32_of(h, 16))
        return 0;
    j->epoch = get64(h + 8);
    j->offset = HEADER_SIZE;
    return 1;
}

/* Apply the records of the current epoch.  Each record sets its name's whole state, so only
 * the last one per name is carried out (in journal order): a name changed twice is not
 * rewritten twice, nor through an older state.  Returns how many records there were, or
 * -errno. */
static int
replay(MvJournal *j)
{
    g_autoptr(GPtrArray) recs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) last = g_hash_table_new(g_str_hash, g_str_equal);   /* name -> index + 1 */

    for (;;) {
        guint8 head[RECORD_HEAD];
        if (j->offset + RECORD_HEAD + 4 > JOURNAL_SIZE || pread_all(j->fd, head, RECORD_HEAD, j->offset) < 0)
            break;
        guint32 total = get32(head + 4);
        guint32 name_len = get32(head + 24);
        guint32 len = get32(head + 28);
        if (get32(head) != RECORD_MAGIC || get64(head + 8) != j->epoch ||
            total > JOURNAL_SIZE - j->offset || (guint64)RECORD_HEAD + name_len + len + 4 != total)
            break;
        g_autofree guint8 *rec = g_malloc(total);
        if (pread_all(j->fd, rec, total, j->offset) < 0 || get32(rec + total - 4) != crc32_of(rec, total - 4))
            break;
        g_autofree char *name = g_strndup((const char *)rec + RECORD_HEAD, name_len);
        if (strlen(name) != name_len || !name_ok(name))
            break;
        g_hash_table_insert(last, name, GUINT_TO_POINTER(recs->len + 1));
        g_ptr_array_add(names, g_steal_pointer(&name));
        g_ptr_array_add(recs, g_steal_pointer(&rec));
        j->offset += total;
        j->pending++;
    }
    for (guint i = 0; i < recs->len; i++) {
        if (GPOINTER_TO_UINT(g_hash_table_lookup(last, names->pdata[i])) != i + 1)
            continue;   /* a later record sets this name */
        const guint8 *rec = recs->pdata[i];
        guint32 name_len = get32(rec + 24);
        int r = apply(j, get32(rec + 16), names->pdata[i], rec + RECORD_HEAD + name_len, get32(rec + 28),
                      get32(rec + 20));
        if (r < 0)
            return r;
    }
    return (int)recs->len;
}

int
mv_journal_open(const char *dir, MvJournal **ret)
{
    g_autoptr(MvJournal) j = g_new0(MvJournal, 1);
    j->dir = g_strdup(dir);
    j->fd = -1;
    g_mutex_init(&j->lock);
    g_cond_init(&j->wake);
    j->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->dir_fd < 0)
        return -errno;

    g_autofree char *path = path_of(j, JOURNAL_NAME);
    j->fd = open(path, O_RDWR | O_CLOEXEC);
    int r;
    if (j->fd < 0) {
        if (errno != ENOENT)
            return -errno;
        r = create_journal(j);
        if (r < 0)
            return r;
    } else if ((r = read_header(j)) <= 0) {
        if (r < 0)
            return r;
        /* A header no writer of ours leaves: keep the file for a post-mortem, start anew. */
        g_autofree char *aside = g_strdup_printf("%s.broken-%" G_GINT64_FORMAT, path, g_get_real_time());
        g_warning("the journal '%s' has no valid header; moved to '%s', its records are not replayed",
                  path, aside);
        close(j->fd);
        j->fd = -1;
        if (rename(path, aside) < 0 || (r = create_journal(j)) < 0)
            return r < 0 ? r : -errno;
    } else {
        r = replay(j);
        if (r < 0)
            return r;
        j->replayed = r;
        if ((r = checkpoint_locked(j)) < 0)
            return r;
    }
    /* The daemon's pidfile lock makes us the directory's only writer: whatever is staged
     * now was staged by a process that is gone. */
    j->removed_staged = remove_staged(j->dir_fd, j->dir, 0);
    j->opened = true;
    j->thread = g_thread_new("journal", checkpoint_thread, j);
    *ret = g_steal_pointer(&j);
    return 0;
}

void
mv_journal_close(MvJournal *j)
{
    if (!j)
        return;
    if (j->thread) {
        g_mutex_lock(&j->lock);
        j->stop = true;
        g_cond_signal(&j->wake);
        g_mutex_unlock(&j->lock);
        g_thread_join(j->thread);
    }
    if (j->fd >= 0 && j->opened) {
        int r = checkpoint_locked(j);
        if (r < 0)
            g_warning("cannot checkpoint the journal of '%s' on close: %s; it is replayed at the next open",
                      j->dir, g_strerror(-r));
    }
    if (j->fd >= 0)
        close(j->fd);
    if (j->dir_fd >= 0)
        close(j->dir_fd);
    g_mutex_clear(&j->lock);
    g_cond_clear(&j->wake);
    g_free(j->dir);
    g_free(j);
}
