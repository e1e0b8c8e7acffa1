// SPDX-License-Identifier: LGPL-2.1-or-later
// Definitions, autostart links and status files on disk, as libvirt keeps them; each change
// to a definition or link is made durable through the config directory's journal: one data
// flush instead of a file's and its directory's.

#include "conf/conf-persist.h"
#include "util/util-error.h"
#include "util/util-file.h"
#include "util/util-journal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define AUTOSTART_SUBDIR "autostart"
/* Written in the status directory with the boot id autostart last ran in. */
#define AUTOSTART_MARKER "autostarted"
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

struct MvPersist {
    const MvObjKind *kind;
    char *config_dir;
    char *autostart_dir;    /* <config_dir>/autostart */
    char *status_dir;       /* NULL: no status files */
    MvJournal *journal;     /* NULL: each change is flushed on its own */
};

static bool
make_dir(const MvObjKind *kind, const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0755) < 0) {
        mv_error_set_errno(error, kind->from, errno, "cannot create directory '%s'", path);
        return false;
    }
    return true;
}

MvPersist *
mv_persist_open(const MvObjKind *kind, const char *config_dir, const char *status_dir, GError **error)
{
    g_autoptr(MvPersist) p = g_new0(MvPersist, 1);
    p->kind = kind;
    p->config_dir = g_strdup(config_dir);
    p->autostart_dir = g_build_filename(config_dir, AUTOSTART_SUBDIR, NULL);
    p->status_dir = g_strdup(status_dir);
    if (!make_dir(kind, config_dir, error) || (status_dir && !make_dir(kind, status_dir, error)))
        return NULL;

    g_autofree char *path = g_build_filename(config_dir, ".journal", NULL);
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    int r = mv_journal_open(config_dir, &p->journal);
    if (r < 0 && existed) {
        mv_error_set_errno(error, kind->from, -r, "cannot replay the journal '%s' of the %s definitions",
                           path, kind->noun);
        return NULL;
    }
    if (r < 0)
        g_warning("cannot create the journal '%s': %s; each definition change is flushed on its own",
                  path, g_strerror(-r));
    else if (mv_journal_replayed(p->journal) > 0)
        g_info("replayed %u changes from the journal '%s'", mv_journal_replayed(p->journal), path);
    return g_steal_pointer(&p);
}

void
mv_persist_free(MvPersist *p)
{
    if (!p)
        return;
    mv_journal_close(p->journal);
    g_free(p->config_dir);
    g_free(p->autostart_dir);
    g_free(p->status_dir);
    g_free(p);
}

const char *mv_persist_config_dir(const MvPersist *p) { return p->config_dir; }
const char *mv_persist_status_dir(const MvPersist *p) { return p->status_dir; }

/* <dir>/<name>.xml */
static char *
xml_path(const char *dir, const char *name)
{
    return g_strdup_printf("%s/%s.xml", dir, name);
}

bool
mv_persist_config_save(MvPersist *p, const char *name, const char *xml, GError **error)
{
    g_autofree char *path = xml_path(p->config_dir, name);
    g_autofree char *rel = g_strdup_printf("%s.xml", name);
    int r = p->journal ? mv_journal_write(p->journal, rel, xml, strlen(xml), 0600)
                       : mv_file_write_atomic(path, xml, strlen(xml), 0600);
    if (r < 0) {
        mv_error_set_errno(error, p->kind->from, -r, "cannot save the definition of %s '%s' to '%s'",
                           p->kind->noun, name, path);
        return false;
    }
    return true;
}

bool
mv_persist_autostart_set(MvPersist *p, const char *name, bool on, GError **error)
{
    g_autofree char *link = xml_path(p->autostart_dir, name);
    g_autofree char *rel = g_strdup_printf(AUTOSTART_SUBDIR "/%s.xml", name);
    if (!on) {
        int r = p->journal ? mv_journal_remove(p->journal, rel) : mv_file_remove_durable(link);
        if (r < 0) {
            mv_error_set_errno(error, p->kind->from, -r, "cannot remove autostart link '%s'", link);
            return false;
        }
        return true;
    }
    g_autofree char *target = xml_path(p->config_dir, name);
    int r;
    if (p->journal)
        r = mv_journal_symlink(p->journal, rel, target);
    else if (g_mkdir_with_parents(p->autostart_dir, 0755) < 0 ||
             (symlink(target, link) < 0 && errno != EEXIST))
        r = -errno;
    else
        r = mv_file_flush(link);
    if (r < 0) {
        mv_error_set_errno(error, p->kind->from, -r, "cannot create autostart link '%s' to '%s'", link, target);
        return false;
    }
    return true;
}

bool
mv_persist_autostart_get(MvPersist *p, const char *name)
{
    g_autofree char *link = xml_path(p->autostart_dir, name);
    return g_file_test(link, G_FILE_TEST_EXISTS);
}

bool
mv_persist_config_remove(MvPersist *p, const char *name, GError **error)
{
    if (!mv_persist_autostart_set(p, name, false, error))
        return false;
    g_autofree char *path = xml_path(p->config_dir, name);
    g_autofree char *rel = g_strdup_printf("%s.xml", name);
    int r = p->journal ? mv_journal_remove(p->journal, rel) : mv_file_remove_durable(path);
    if (r < 0) {
        mv_error_set_errno(error, p->kind->from, -r, "cannot remove the definition file '%s' of %s '%s'",
                           path, p->kind->noun, name);
        return false;
    }
    return true;
}

/* Load one definition file; false (logged) when it is unusable. */
static bool
load_one(MvPersist *p, MvObjList *list, const MvObjDefOps *ops, void *opaque, const char *entry)
{
    const char *noun = p->kind->noun;
    g_autofree char *path = g_build_filename(p->config_dir, entry, NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        g_warning("cannot read %s definition '%s': %s, ignoring", noun, path, err->message);
        return false;
    }
    void *def = ops->parse(xml, opaque, &err);
    if (!def) {
        g_warning("cannot load %s definition '%s': %s, ignoring", noun, path, err->message);
        return false;
    }
    const char *name = ops->name(def);
    g_autofree char *expected = g_strdup_printf("%s.xml", name);
    if (!g_str_equal(entry, expected)) {
        g_warning("%s definition '%s' names %s '%s', ignoring", noun, path, noun, name);
        ops->free(def);
        return false;
    }
    bool autostart = mv_persist_autostart_get(p, name);
    g_autoptr(MvObj) obj = mv_obj_list_add(list, name, ops->uuid(def), def, ops->free, &err);
    if (!obj) {
        g_warning("cannot load %s definition '%s': %s, ignoring", noun, path, err->message);
        ops->free(def);
        return false;
    }
    mv_obj_lock(obj);
    obj->persistent = true;
    obj->autostart = autostart;
    mv_obj_unlock(obj);
    return true;
}

unsigned
mv_persist_load_all(MvPersist *p, MvObjList *list, const MvObjDefOps *ops, void *opaque)
{
    g_autoptr(GDir) dir = g_dir_open(p->config_dir, 0, NULL);
    const char *entry;
    unsigned n = 0;

    if (!dir)
        return 0;
    while ((entry = g_dir_read_name(dir)))
        if (g_str_has_suffix(entry, ".xml") && load_one(p, list, ops, opaque, entry))
            n++;
    return n;
}

bool
mv_persist_status_save(MvPersist *p, const char *name, const char *text, size_t len, GError **error)
{
    g_autofree char *path = xml_path(p->status_dir, name);
    int r = mv_file_replace(path, text, len, 0600);
    if (r < 0) {
        mv_error_set_errno(error, p->kind->from, -r, "cannot write status file '%s'", path);
        return false;
    }
    return true;
}

void
mv_persist_status_remove(MvPersist *p, const char *name)
{
    g_autofree char *path = xml_path(p->status_dir, name);
    /* No directory flush, for the same reason as in mv_persist_status_save(). */
    if (unlink(path) < 0 && errno != ENOENT)
        g_warning("cannot remove status file '%s': %s", path, g_strerror(errno));
}

void
mv_persist_status_foreach(MvPersist *p, void (*fn)(const char *path, void *opaque), void *opaque)
{
    g_autoptr(GDir) dir = p->status_dir ? g_dir_open(p->status_dir, 0, NULL) : NULL;
    const char *entry;
    if (!dir)
        return;
    while ((entry = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        g_autofree char *path = g_build_filename(p->status_dir, entry, NULL);
        fn(path, opaque);
    }
}

static char *
boot_id(void)
{
    char *id = NULL;
    if (!g_file_get_contents(BOOT_ID_PATH, &id, NULL, NULL))
        id = g_strdup("unknown");
    return g_strstrip(id);
}

bool
mv_persist_autostart_due(MvPersist *p)
{
    g_autofree char *id = boot_id();
    g_autofree char *marker = g_build_filename(p->status_dir, AUTOSTART_MARKER, NULL);
    g_autofree char *done = NULL;
    return !(g_file_get_contents(marker, &done, NULL, NULL) && g_str_equal(g_strstrip(done), id));
}

void
mv_persist_autostart_done(MvPersist *p)
{
    g_autofree char *id = boot_id();
    g_autofree char *marker = g_build_filename(p->status_dir, AUTOSTART_MARKER, NULL);
    int r = mv_file_write_atomic(marker, id, strlen(id), 0644);
    if (r < 0)
        g_warning("cannot write '%s': %s", marker, g_strerror(-r));
}
