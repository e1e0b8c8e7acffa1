// SPDX-License-Identifier: LGPL-2.1-or-later
// Pool definitions on disk (one XML file each, durable through the directory's journal),
// autostart links beside them, and a status file per running pool so that a new daemon
// re-adopts what the old one ran.  Interim: the driver kit will hold the generic part.

#include "stor-driver.h"
#include "stor-backend.h"
#include "util/util-error.h"
#include "util/util-file.h"
#include "util/util-journal.h"
#include "util/util-uuid.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static char *
config_path(StorDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->config_dir, name);
}

static char *
status_path(StorDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->status_dir, name);
}

bool
stor_config_open(StorDriver *drv, GError **error)
{
    g_autofree char *path = g_build_filename(drv->config_dir, ".journal", NULL);
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    int r = mv_journal_open(drv->config_dir, &drv->journal);
    if (r < 0 && existed) {
        mv_error_set_errno(error, MV_FROM_STORAGE, -r, "cannot replay the journal '%s' of the pool definitions", path);
        return false;
    }
    if (r < 0)
        g_warning("cannot create the journal '%s': %s; each definition change is flushed on its own", path,
                  g_strerror(-r));
    return true;
}

bool
stor_config_save(StorDriver *drv, const MvStoragePoolDef *def, GError **error)
{
    g_autofree char *xml = mv_storage_pool_def_format(def, NULL);
    g_autofree char *path = config_path(drv, def->name);
    g_autofree char *rel = g_strdup_printf("%s.xml", def->name);
    int r = drv->journal ? mv_journal_write(drv->journal, rel, xml, strlen(xml), 0600)
                         : mv_file_write_atomic(path, xml, strlen(xml), 0600);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, -r, "cannot save the definition of pool '%s' to '%s'", def->name,
                           path);
        return false;
    }
    return true;
}

bool
stor_autostart_set(StorDriver *drv, const char *name, bool on, GError **error)
{
    g_autofree char *link = g_strdup_printf("%s/%s.xml", drv->autostart_dir, name);
    g_autofree char *rel = g_strdup_printf("autostart/%s.xml", name);
    g_autofree char *target = config_path(drv, name);
    int r;
    if (!on)
        r = drv->journal ? mv_journal_remove(drv->journal, rel) : mv_file_remove_durable(link);
    else if (drv->journal)
        r = mv_journal_symlink(drv->journal, rel, target);
    else if (g_mkdir_with_parents(drv->autostart_dir, 0755) < 0 || (symlink(target, link) < 0 && errno != EEXIST))
        r = -errno;
    else
        r = mv_file_flush(link);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, -r, "cannot %s the autostart link '%s' of pool '%s'",
                           on ? "create" : "remove", link, name);
        return false;
    }
    return true;
}

bool
stor_config_remove(StorDriver *drv, const char *name, GError **error)
{
    if (!stor_autostart_set(drv, name, false, error))
        return false;
    g_autofree char *path = config_path(drv, name);
    g_autofree char *rel = g_strdup_printf("%s.xml", name);
    int r = drv->journal ? mv_journal_remove(drv->journal, rel) : mv_file_remove_durable(path);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, -r, "cannot remove the definition '%s' of pool '%s'", path, name);
        return false;
    }
    return true;
}

void
stor_status_save(StorDriver *drv, MvDomainObj *obj)
{
    /* The live definition: a transient pool is re-adopted from it too. */
    g_autofree char *xml = mv_storage_pool_def_format(stor_pool_def(obj), NULL);
    g_autofree char *path = status_path(drv, obj->name);
    int r = mv_file_replace(path, xml, strlen(xml), 0600);
    if (r < 0)
        g_warning("cannot write the status file '%s' of pool '%s': %s, ignoring", path, obj->name, g_strerror(-r));
}

void
stor_status_remove(StorDriver *drv, const char *name)
{
    g_autofree char *path = status_path(drv, name);
    if (unlink(path) < 0 && errno != ENOENT)
        g_warning("cannot remove the status file '%s': %s, ignoring", path, g_strerror(errno));
}

static MvStoragePoolDef *
load_def(const char *path)
{
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        g_warning("cannot read pool definition '%s': %s, ignoring", path, err->message);
        return NULL;
    }
    MvStoragePoolDef *def = mv_storage_pool_def_parse(xml, &err);
    if (!def)
        g_warning("cannot load pool definition '%s': %s, ignoring", path, err->message);
    return def;
}

static void
pool_priv_free(gpointer p)
{
    StorPool *pool = p;
    if (!pool)
        return;
    g_hash_table_unref(pool->vols);
    g_free(pool);
}

/* A new pool object for @def (taken on success), referenced. */
MvDomainObj *
stor_pool_add(StorDriver *drv, MvStoragePoolDef *def, GError **error)
{
    MvDomainObj *obj = mv_domain_list_add(drv->pools, def->name, def->uuid, def,
                                          (GDestroyNotify)mv_storage_pool_def_free, error);
    if (!obj)
        return NULL;
    StorPool *pool = g_new0(StorPool, 1);
    pool->vols = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)stor_vol_free);
    obj->priv = pool;
    obj->priv_free = pool_priv_free;
    obj->state = STOR_POOL_INACTIVE;
    return obj;
}

static void
load_dir(StorDriver *drv, const char *dirpath, bool persistent)
{
    g_autoptr(GDir) dir = g_dir_open(dirpath, 0, NULL);
    const char *entry;
    while (dir && (entry = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        g_autofree char *path = g_build_filename(dirpath, entry, NULL);
        g_autoptr(MvStoragePoolDef) def = load_def(path);
        if (!def)
            continue;
        g_autofree char *expected = g_strdup_printf("%s.xml", def->name);
        if (!g_str_equal(entry, expected)) {
            g_warning("pool definition '%s' names pool '%s', ignoring", path, def->name);
            continue;
        }
        g_autoptr(MvDomainObj) known = mv_domain_list_find_by_name(drv->pools, def->name);
        if (known)
            continue;
        g_autoptr(GError) err = NULL;
        g_autoptr(MvDomainObj) obj = stor_pool_add(drv, def, &err);
        if (!obj) {
            g_warning("cannot load pool definition '%s': %s, ignoring", path, err->message);
            continue;
        }
        g_steal_pointer(&def);
        obj->persistent = persistent;
        g_autofree char *link = g_strdup_printf("%s/%s", drv->autostart_dir, entry);
        obj->autostart = persistent && g_file_test(link, G_FILE_TEST_EXISTS);
    }
}

/* libvirt's 'default': a directory pool for virt-install and virt-manager, made once. */
static void
make_default_pool(StorDriver *drv)
{
    g_autofree char *marker = g_build_filename(drv->config_dir, ".default-made", NULL);
    if (g_file_test(marker, G_FILE_TEST_EXISTS))
        return;
    g_autoptr(MvStoragePoolDef) def = mv_storage_pool_def_new();
    def->type = MV_POOL_DIR;
    def->name = g_strdup("default");
    def->target_path = g_strdup_printf("%s/var/lib/libvirt/images", drv->root);
    def->perms.mode = 0711;
    mv_uuid_generate(def->uuid);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvDomainObj) known = mv_domain_list_find_by_name(drv->pools, "default");
    if (!known) {
        const StorBackend *be = stor_backend_for(MV_POOL_DIR);
        if (!be->build(drv, def, 0, &err) || !stor_config_save(drv, def, &err) ||
            !stor_autostart_set(drv, "default", true, &err)) {
            g_warning("cannot make the default pool: %s, ignoring", err->message);
            return;
        }
        g_autoptr(MvDomainObj) obj = stor_pool_add(drv, def, &err);
        if (obj) {
            g_steal_pointer(&def);
            obj->persistent = true;
            obj->autostart = true;
        }
    }
    mv_file_write_atomic(marker, "", 0, 0600);
}

void
stor_config_load_all(StorDriver *drv)
{
    load_dir(drv, drv->config_dir, true);
    /* Running transient pools exist only as status files. */
    load_dir(drv, drv->status_dir, false);
    make_default_pool(drv);

    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->pools);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        g_autofree char *status = status_path(drv, obj->name);
        bool was_running = g_file_test(status, G_FILE_TEST_EXISTS);
        if (!was_running && !obj->autostart)
            continue;
        g_autoptr(GError) err = NULL;
        mv_domain_obj_lock(obj);
        if (!stor_pool_start(drv, obj, was_running, &err)) {
            g_warning("cannot %s pool '%s': %s", was_running ? "re-adopt" : "autostart", obj->name, err->message);
            if (was_running)
                stor_status_remove(drv, obj->name);
            if (!obj->persistent)
                mv_domain_list_remove(drv->pools, obj);
        }
        mv_domain_obj_unlock(obj);
    }
}
