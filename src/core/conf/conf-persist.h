// SPDX-License-Identifier: LGPL-2.1-or-later
// What a driver keeps on disk for its objects, the same way for domains, networks and storage
// pools: one definition file per persistent object (<config_dir>/<name>.xml) and autostart
// links beside them (<config_dir>/autostart/<name>.xml), made durable through the directory's
// journal (util-journal.h); live status files (<status_dir>/<name>.xml, atomic, not durable);
// loading every definition at start; autostart once per host boot.  What the files contain
// (formatting and parsing a definition, a status file's elements) is the driver's.
#pragma once

#include "conf/conf-obj.h"

typedef struct MvPersist MvPersist;

/* Open the files of @kind objects (static data): definitions under @config_dir, live status
 * under @status_dir (NULL: the driver keeps none).  Creates both directories, then opens the
 * journal of @config_dir, replaying what a crash left in it.  A journal that cannot be created
 * (a full or read-only disk) is a warning, and every change is then flushed on its own; one
 * that exists but cannot be replayed is an error, as loading definitions without it would
 * bring back older states.  NULL with @error. */
MvPersist *mv_persist_open(const MvObjKind *kind, const char *config_dir, const char *status_dir,
                           GError **error);
/* Checkpoint and close the journal, free.  NULL is allowed. */
void mv_persist_free(MvPersist *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvPersist, mv_persist_free)

const char *mv_persist_config_dir(const MvPersist *p);
const char *mv_persist_status_dir(const MvPersist *p);

/* Write @xml as the definition of @name durably.  On error the old file is untouched. */
bool mv_persist_config_save(MvPersist *p, const char *name, const char *xml, GError **error);
/* Remove the definition file and autostart link of @name durably. */
bool mv_persist_config_remove(MvPersist *p, const char *name, GError **error);
/* Create or remove the autostart link of @name durably. */
bool mv_persist_autostart_set(MvPersist *p, const char *name, bool on, GError **error);
/* Does @name have an autostart link? */
bool mv_persist_autostart_get(MvPersist *p, const char *name);

/* How a definition is read back, for mv_persist_load_all(). */
typedef struct {
    /* Parse @xml into a definition; NULL with @error. */
    void *(*parse)(const char *xml, void *opaque, GError **error);
    const char *(*name)(const void *def);
    const unsigned char *(*uuid)(const void *def);
    GDestroyNotify free;
} MvObjDefOps;

/* Load every definition file into @list as persistent objects (autostart from the links).
 * A file that cannot be read or parsed, or that names another object than its file name,
 * is logged and skipped, never deleted.  Returns how many were loaded. */
unsigned mv_persist_load_all(MvPersist *p, MvObjList *list, const MvObjDefOps *ops, void *opaque);

/* Write the live status of @name (@len bytes of @text) atomically.  Not durable: the status
 * directory is under /run, and a host crash that could lose the file also ends what it
 * describes; the flushes would cost milliseconds on every start on a disk-backed root. */
bool mv_persist_status_save(MvPersist *p, const char *name, const char *text, size_t len, GError **error);
/* Remove the status file of @name (a missing one is fine; other failures are logged). */
void mv_persist_status_remove(MvPersist *p, const char *name);
/* Call @fn with the path of every status file (for reattaching at start). */
void mv_persist_status_foreach(MvPersist *p, void (*fn)(const char *path, void *opaque), void *opaque);

/* Autostart runs once per host boot: true if it has not run since this boot (the marker
 * <status_dir>/autostarted holds the boot id it ran in); mv_persist_autostart_done() writes
 * the marker. */
bool mv_persist_autostart_due(MvPersist *p);
void mv_persist_autostart_done(MvPersist *p);
