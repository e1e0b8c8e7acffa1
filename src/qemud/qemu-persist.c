// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain definitions: parsed with the installed QEMU's defaults, saved in their inactive
// form through conf-persist (which owns the files, the journal and the autostart links).

#include "qemu-persist.h"
#include "qemu-caps.h"
#include "qemu-command.h"
#include "util/util-error.h"

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


static void *
parse_for_load(const char *xml, void *opaque, GError **error)
{
    return qemu_def_parse(opaque, xml, 0, error);
}

static const char *def_name(const void *def) { return ((const MvDomainDef *)def)->name; }
static const unsigned char *def_uuid(const void *def) { return ((const MvDomainDef *)def)->uuid; }

static const MvObjDefOps qemu_def_ops = {
    .parse = parse_for_load,
    .name = def_name,
    .uuid = def_uuid,
    .free = (GDestroyNotify)mv_domain_def_free,
};

unsigned
qemu_config_load_all(QemuDriver *drv)
{
    return mv_persist_load_all(drv->persist, drv->domains, &qemu_def_ops, drv);
}
