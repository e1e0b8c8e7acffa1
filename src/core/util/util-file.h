// SPDX-License-Identifier: LGPL-2.1-or-later
// Files that survive a crash: atomic replacement (temp file, fsync, rename, fsync of the
// directory) and removal that reaches the disk.
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Replace @path with @len bytes of @data, mode @mode.  After a crash the file holds either
 * the old or the new contents.  Returns 0 or -errno. */
int mv_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The same replacement without any flush: readers see the old or the new contents, but
 * after a crash either may be there (or, on some filesystems, neither).  For files whose
 * durability comes from elsewhere (a journal) or that live on tmpfs.  Returns 0 or -errno. */
int mv_file_replace(const char *path, const void *data, size_t len, mode_t mode);

/* Flush @path (a file; for a symlink or a removed file, only its directory) and its
 * directory entry.
 * Returns 0 or -errno. */
int mv_file_flush(const char *path);

/* Read the whole of a small file (kernel pseudo-files: /proc, /sys, cgroupfs), binary-safe:
 * *ret_data is NUL-terminated and *ret_len (may be NULL) its length.  Files larger than
 * @max bytes fail with -EFBIG.  Returns 0 or -errno. */
int mv_file_read_small(const char *path, size_t max, char **ret_data, size_t *ret_len);

/* Remove @path and fsync its directory.  A missing file is not an error.  Returns 0 or -errno. */
int mv_file_remove_durable(const char *path);
