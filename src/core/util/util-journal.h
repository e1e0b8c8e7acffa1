// SPDX-License-Identifier: LGPL-2.1-or-later
// A write-ahead journal that makes changes to the small files of one directory durable with
// one flush of already-allocated data, where a new file costs an fsync of the file and another
// of its directory.
//
// A change (replace a file, remove it, make a symlink) is prepared under a temporary name
// without any flush, recorded in a preallocated journal file (`<dir>/.journal`) and flushed
// with fdatasync (data blocks only: no inode, no directory), and only then renamed into
// place; a change that fails anywhere leaves the old state and no valid record.  A checkpoint flushes
// the filesystem (syncfs) and starts a new epoch in the journal's header, which voids every
// record of the old epoch.  Opening the journal first replays the records of its epoch, so after
// a crash the directory holds every change that was reported done.  Checkpoints run on a thread
// of the journal's own when half of it is used or after two idle seconds, and on close.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct MvJournal MvJournal;

/* Open (creating it if needed) the journal of directory @dir, replay what it holds and
 * remove the staged files no record will ever make visible.
 * Returns 0 or -errno; on error nothing is changed and the caller may fall back to
 * mv_file_write_atomic() and friends. */
int mv_journal_open(const char *dir, MvJournal **ret);

/* Replace @dir/@name (a relative path without "..") with @len bytes of @data, mode @mode, and
 * make the change durable.  Returns 0 or -errno; on error the old file is untouched. */
int mv_journal_write(MvJournal *j, const char *name, const void *data, size_t len, mode_t mode);

/* Remove @dir/@name durably; a missing file is not an error.  Returns 0 or -errno. */
int mv_journal_remove(MvJournal *j, const char *name);

/* Make @dir/@name a symlink to @target durably (an existing entry is replaced).  Returns 0
 * or -errno. */
int mv_journal_symlink(MvJournal *j, const char *name, const char *target);

/* Flush every change so far and empty the journal.  Returns 0 or -errno. */
int mv_journal_checkpoint(MvJournal *j);

/* Checkpoint, stop the checkpoint thread and free.  NULL is allowed. */
void mv_journal_close(MvJournal *j);

/* How many records the last open replayed (for logs and tests). */
unsigned mv_journal_replayed(const MvJournal *j);

/* How many staged files ("<name>.new-XXXXXX", left by a crash between staging a change and
 * making it visible) the open removed from the directory. */
unsigned mv_journal_removed_staged(const MvJournal *j);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvJournal, mv_journal_close)
