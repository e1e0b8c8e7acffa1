// SPDX-License-Identifier: LGPL-2.1-or-later
// Durable file replacement and removal.

#include "util/util-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
fsync_dir_of(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

static int
replace_file(const char *path, const void *data, size_t len, mode_t mode, bool flush)
{
    g_autofree char *tmp = g_strdup_printf("%s.new-XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    const char *p = data;
    size_t left = len;
    int r = 0;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        p += n;
        left -= n;
    }
    if (r == 0 && flush && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    return flush ? fsync_dir_of(path) : 0;
}

int
mv_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    return replace_file(path, data, len, mode, true);
}

int
mv_file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
    return replace_file(path, data, len, mode, false);
}

int
mv_file_flush(const char *path)
{
    /* A symlink (ELOOP) or a removed file (ENOENT) is all in its directory. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno != ELOOP && errno != ENOENT)
        return -errno;
    int r = fd >= 0 && fsync(fd) < 0 ? -errno : 0;
    if (fd >= 0)
        close(fd);
    return r < 0 ? r : fsync_dir_of(path);
}

int
mv_file_remove_durable(const char *path)
{
    if (unlink(path) < 0)
        return errno == ENOENT ? 0 : -errno;
    return fsync_dir_of(path);
}

int
mv_file_read_small(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;

    /* One read() per chunk: pseudo-files produce their text per read call. */
    g_autoptr(GString) buf = g_string_new(NULL);
    char chunk[4096];
    int ret = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = -errno;
            break;
        }
        if (n == 0)
            break;
        if (buf->len + (size_t)n > max) {
            ret = -EFBIG;
            break;
        }
        g_string_append_len(buf, chunk, n);
    }
    close(fd);
    if (ret < 0)
        return ret;
    if (ret_len)
        *ret_len = buf->len;
    *ret_data = g_string_free(g_steal_pointer(&buf), FALSE);
    return 0;
}
