// SPDX-License-Identifier: LGPL-2.1-or-later
// DOMAIN_OPEN_CONSOLE: a console session (daemon-console.h) on the guest's serial pty, which
// QMP query-chardev names when the console opens.

#include "qemu-runtime.h"
#include "daemon/daemon-console.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <json-c/json.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The pty of chardev "char<alias>" from query-chardev, or NULL with @error. */
static char *
find_pty(QemuMonitor *mon, const char *alias, GError **error)
{
    json_object *reply = NULL;
    if (!qemu_monitor_command(mon, "query-chardev", NULL, &reply, 5000, error))
        return NULL;
    g_autofree char *label = g_strdup_printf("char%s", alias);
    char *path = NULL;
    for (size_t i = 0; json_object_is_type(reply, json_type_array) && i < json_object_array_length(reply); i++) {
        json_object *e = json_object_array_get_idx(reply, i), *l = NULL, *f = NULL;
        if (json_object_object_get_ex(e, "label", &l) && g_strcmp0(json_object_get_string(l), label) == 0 &&
            json_object_object_get_ex(e, "filename", &f)) {
            const char *fn = json_object_get_string(f);
            if (g_str_has_prefix(fn, "pty:"))
                path = g_strdup(fn + 4);
        }
    }
    json_object_put(reply);
    if (!path)
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "character device %s is not using a PTY", alias);
    return path;
}

bool
qemu_open_console(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_open_console_args *a = args;
    QemuDriver *drv = qemu_driver_of(call);

    if (!mv_flags_check(a->flags, MV_CONSOLE_FORCE | MV_CONSOLE_SAFE, MV_FROM_QEMU, "virDomainOpenConsole", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = false;
    const MvDomainDef *def = obj->def;
    QemuDomainPriv *priv = qemu_domain_priv(drv, obj);
    const char *want = (a->dev_name && *a->dev_name) ? *a->dev_name : NULL;
    const MvDomainChr *chr = NULL;
    /* By alias ("serial0", "console0"); none given: the first console, else serial port. */
    GPtrArray *lists[] = { def->consoles, def->serials };
    for (size_t l = 0; l < G_N_ELEMENTS(lists) && !chr; l++) {
        for (guint i = 0; i < lists[l]->len && !chr; i++) {
            const MvDomainChr *c = lists[l]->pdata[i];
            if (!want || g_strcmp0(c->info.alias, want) == 0)
                chr = c;
        }
    }
    g_autofree char *alias = NULL;
    if (!mv_domain_obj_is_active(obj)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is not running");
    } else if (!chr) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "cannot find character device %s",
                     want ? want : "<null>");
    } else if (priv->console && !(a->flags & MV_CONSOLE_FORCE)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED, "Active console session exists for this domain");
    } else {
        /* A console mirrors the serial port it names; the chardev belongs to the serial. */
        alias = g_strdup(chr->info.alias && g_str_has_prefix(chr->info.alias, "console") ? "serial0" : chr->info.alias);
        ok = true;
    }
    if (!ok) {
        mv_domain_obj_end_job(obj);
        mv_domain_obj_unlock(obj);
        return false;
    }
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    mv_domain_obj_unlock(obj);
    g_autofree char *pty = find_pty(mon, alias, error);
    int fd = pty ? open(pty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) : -1;
    if (pty && fd < 0)
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot open console pty '%s'", pty);
    if (fd >= 0) {
        struct termios t;
        /* Raw: the client's terminal does the line editing, as with libvirt. */
        if (tcgetattr(fd, &t) == 0) {
            cfmakeraw(&t);
            tcsetattr(fd, TCSANOW, &t);
        }
    }
    mv_domain_obj_lock(obj);
    /* The domain may have stopped meanwhile: then its fd reads EIO at once and the session
     * ends with EOF, as if it had stopped a moment later. */
    bool attached = fd >= 0 && mv_console_attach(call, obj, &priv->console, fd, MV_FROM_QEMU, error);
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return attached;
}
