// SPDX-License-Identifier: LGPL-2.1-or-later
// Definitions on disk: one XML file per persistent domain, written atomically, and autostart
// marks as symlinks beside them, as libvirt keeps them.  Each change is made durable through
// the directory's journal (util-journal.h): one data flush instead of a file's and its
// directory's.

#include "qemu-persist.h"
#include "qemu-caps.h"
#include "qemu-command.h"
#include "util/util-error.h"
#include "util/util-file.h"
#include "util/util-journal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

MvDomainDef *
qemu_def_parse(QemuDriver *drv, const char *xml, unsigned parse_flags, GError **error)
{
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, parse_flags, error);
    if (!def)
        return NULL;

    const char *emulator = def->emulator ? def->emulator : drv->emulator;
    if (!emulator) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED,
                     "no QEMU binary is installed, and domain '%s' names no <emulator>", def->name);
        return NULL;
    }
    g_autoptr(QemuCaps) caps = qemu_caps_get(emulator, error);
    if (!caps)
        return NULL;
    g_autoptr(QemuCommandDefaults) defaults = qemu_command_defaults_new(caps);
    if (!mv_domain_def_fill_defaults(def, &defaults->defaults, error) ||
        !qemu_command_validate(def, caps, error))
        return NULL;
    return g_steal_pointer(&def);
}

static char *
config_path(QemuDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->config_dir, name);
}

static char *
autostart_path(QemuDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->autostart_dir, name);
}

/* The paths above relative to config_dir, as the journal names them. */
static char *
config_name(const char *name)
{
    return g_strdup_printf("%s.xml", name);
}

static char *
autostart_name(const char *name)
{
    return g_strdup_printf("autostart/%s.xml", name);
}

bool
qemu_config_journal_open(QemuDriver *drv, GError **error)
{
    g_autofree char *path = g_build_filename(drv->config_dir, ".journal", NULL);
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    int r = mv_journal_open(drv->config_dir, &drv->journal);
    if (r < 0 && existed) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot replay the journal '%s' of the domain definitions",
                           path);
        return false;
    }
    if (r < 0)
        g_warning("cannot create the journal '%s': %s; each definition change is flushed on its own",
                  path, g_strerror(-r));
    else if (mv_journal_replayed(drv->journal) > 0)
        g_info("replayed %u changes from the journal '%s'", mv_journal_replayed(drv->journal), path);
    return true;
}

bool
qemu_config_save(QemuDriver *drv, const MvDomainDef *def, GError **error)
{
    g_autofree char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE, -1, error);
    if (!xml)
        return false;
    g_autofree char *path = config_path(drv, def->name);
    g_autofree char *rel = config_name(def->name);
    int r = drv->journal ? mv_journal_write(drv->journal, rel, xml, strlen(xml), 0600)
                        : mv_file_write_atomic(path, xml, strlen(xml), 0600);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot save the definition of domain '%s' to '%s'",
                           def->name, path);
        return false;
    }
    return true;
}

bool
qemu_autostart_set(QemuDriver *drv, const char *name, bool on, GError **error)
{
    g_autofree char *link = autostart_path(drv, name);
    g_autofree char *rel = autostart_name(name);
    if (!on) {
        int r = drv->journal ? mv_journal_remove(drv->journal, rel) : mv_file_remove_durable(link);
        if (r < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot remove autostart link '%s'", link);
            return false;
        }
        return true;
    }
    g_autofree char *target = config_path(drv, name);
    int r;
    if (drv->journal)
        r = mv_journal_symlink(drv->journal, rel, target);
    else if (g_mkdir_with_parents(drv->autostart_dir, 0755) < 0 ||
             (symlink(target, link) < 0 && errno != EEXIST))
        r = -errno;
    else
        r = mv_file_flush(link);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot create autostart link '%s' to '%s'", link, target);
        return false;
    }
    return true;
}

bool
qemu_config_remove(QemuDriver *drv, const char *name, GError **error)
{
    if (!qemu_autostart_set(drv, name, false, error))
        return false;
    g_autofree char *path = config_path(drv, name);
    g_autofree char *rel = config_name(name);
    int r = drv->journal ? mv_journal_remove(drv->journal, rel) : mv_file_remove_durable(path);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot remove the definition file '%s' of domain '%s'",
                           path, name);
        return false;
    }
    return true;
}

void
qemu_config_load_all(QemuDriver *drv)
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
        if (!g_file_get_contents(path, &xml, NULL, &err)) {
            g_warning("cannot read domain definition '%s': %s, ignoring", path, err->message);
            continue;
        }
        g_autoptr(MvDomainDef) def = qemu_def_parse(drv, xml, 0, &err);
        if (!def) {
            g_warning("cannot load domain definition '%s': %s, ignoring", path, err->message);
            continue;
        }
        g_autofree char *expected = g_strdup_printf("%s.xml", def->name);
        if (!g_str_equal(entry, expected)) {
            g_warning("domain definition '%s' names domain '%s', ignoring", path, def->name);
            continue;
        }
        g_autofree char *link = autostart_path(drv, def->name);
        bool autostart = g_file_test(link, G_FILE_TEST_EXISTS);
        const char *name = def->name;
        MvDomainObj *obj = mv_domain_list_add(drv->domains, name, def->uuid, def,
                                              (GDestroyNotify)mv_domain_def_free, &err);
        if (!obj) {
            g_warning("cannot load domain definition '%s': %s, ignoring", path, err->message);
            continue;
        }
        g_steal_pointer(&def);
        obj->persistent = true;
        obj->autostart = autostart;
        mv_domain_obj_unref(obj);
    }
}
