// SPDX-License-Identifier: LGPL-2.1-or-later
// Network definitions on disk (<config_dir>/<name>.xml, autostart links beside them) made
// durable through the directory's journal, and live status files (<status_dir>/<name>.xml,
// the running definition) for adoption after a restart.  A stand-in for the driver kit's
// generic persistence, which replaces it when it lands.

#include "net-driver.h"
#include "util/util-error.h"
#include "util/util-file.h"
#include "util/util-journal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

bool
net_persist_open(NetDriver *drv, GError **error)
{
    g_autofree char *path = g_build_filename(drv->config_dir, ".journal", NULL);
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    int r = mv_journal_open(drv->config_dir, &drv->journal);
    if (r < 0 && existed) {
        mv_error_set_errno(error, MV_FROM_NETWORK, -r, "cannot replay the journal '%s' of the network definitions",
                           path);
        return false;
    }
    if (r < 0)
        g_warning("cannot create the journal '%s': %s; each definition change is flushed on its own", path,
                  g_strerror(-r));
    return true;
}

bool
net_config_save(NetDriver *drv, const MvNetworkDef *def, GError **error)
{
    g_autofree char *xml = mv_network_def_format(def, -1, error);
    if (!xml)
        return false;
    g_autofree char *rel = g_strdup_printf("%s.xml", def->name);
    g_autofree char *path = g_build_filename(drv->config_dir, rel, NULL);
    int r = drv->journal ? mv_journal_write(drv->journal, rel, xml, strlen(xml), 0600)
                        : mv_file_write_atomic(path, xml, strlen(xml), 0600);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_NETWORK, -r, "cannot save the definition of network '%s' to '%s'", def->name,
                           path);
        return false;
    }
    return true;
}

bool
net_autostart_set(NetDriver *drv, const char *name, bool on, GError **error)
{
    g_autofree char *rel = g_strdup_printf("autostart/%s.xml", name);
    g_autofree char *link = g_build_filename(drv->config_dir, rel, NULL);
    g_autofree char *target = g_strdup_printf("%s/%s.xml", drv->config_dir, name);
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
        mv_error_set_errno(error, MV_FROM_NETWORK, -r, "cannot %s autostart link '%s'", on ? "create" : "remove", link);
        return false;
    }
    return true;
}

bool
net_config_remove(NetDriver *drv, const char *name, GError **error)
{
    if (!net_autostart_set(drv, name, false, error))
        return false;
    g_autofree char *rel = g_strdup_printf("%s.xml", name);
    g_autofree char *path = g_build_filename(drv->config_dir, rel, NULL);
    int r = drv->journal ? mv_journal_remove(drv->journal, rel) : mv_file_remove_durable(path);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_NETWORK, -r, "cannot remove the definition file '%s' of network '%s'", path,
                           name);
        return false;
    }
    return true;
}

void
net_config_load_all(NetDriver *drv)
{
    g_autoptr(GDir) dir = g_dir_open(drv->config_dir, 0, NULL);
    const char *entry;
    if (!dir)
        return;
    while ((entry = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        g_autofree char *path = g_build_filename(drv->config_dir, entry, NULL);
        g_autofree char *xml = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(MvNetworkDef) def = NULL;
        if (g_file_get_contents(path, &xml, NULL, &err))
            def = mv_network_def_parse(xml, &err);
        if (!def) {
            g_warning("cannot load network definition '%s': %s, ignoring", path, err->message);
            continue;
        }
        g_autofree char *expected = g_strdup_printf("%s.xml", def->name);
        if (!g_str_equal(entry, expected)) {
            g_warning("network definition '%s' names network '%s', ignoring", path, def->name);
            continue;
        }
        g_autofree char *link = g_build_filename(drv->autostart_dir, entry, NULL);
        bool autostart = g_file_test(link, G_FILE_TEST_EXISTS);
        g_autofree char *name = g_strdup(def->name);
        MvDomainObj *obj = mv_domain_list_add(drv->networks, name, def->uuid, def, (GDestroyNotify)mv_network_def_free,
                                              &err);
        if (!obj) {
            g_warning("cannot load network definition '%s': %s, ignoring", path, err->message);
            continue;
        }
        g_steal_pointer(&def);
        obj->persistent = true;
        obj->autostart = autostart;
        obj->priv = g_new0(NetRuntime, 1);
        obj->priv_free = g_free;
        mv_domain_obj_unref(obj);
    }
}

bool
net_status_save(NetDriver *drv, MvDomainObj *obj, GError **error)
{
    g_autofree char *xml = mv_network_def_format(obj->def, -1, error);
    if (!xml)
        return false;
    g_autofree char *path = g_strdup_printf("%s/%s.xml", drv->status_dir, obj->name);
    /* Atomic, not durable: /run does not outlive the host, nor does what the file describes. */
    int r = mv_file_write_atomic(path, xml, strlen(xml), 0600);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_NETWORK, -r, "cannot write the status file '%s' of network '%s'", path,
                           obj->name);
        return false;
    }
    return true;
}

void
net_status_remove(NetDriver *drv, const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/%s.xml", drv->status_dir, name);
    if (unlink(path) < 0 && errno != ENOENT)
        g_warning("cannot remove the status file '%s': %s, ignoring", path, g_strerror(errno));
}
