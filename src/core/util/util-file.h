// SPDX-License-Identifier: LGPL-2.1-or-later
// Files that survive a crash: atomic replacement (temp file, fsync, rename, fsync of the
// directory) and removal that reaches the disk.
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Replace @path with @len bytes of @data, mode @mode.  After a crash the file holds either
 * the old or the new contents.  Returns 0 or -errno. */
int mv_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Remove @path and fsync its directory.  A missing file is not an error.  Returns 0 or -errno. */
int mv_file_remove_durable(const char *path);
