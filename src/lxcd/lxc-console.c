// SPDX-License-Identifier: LGPL-2.1-or-later
// A container's console (DOMAIN_OPEN_CONSOLE: a console session on a "console" connection to
// its controller) and its namespaces (the LXC program's DOMAIN_OPEN_NAMESPACE: fds of
// /proc/<init>/ns/*, which virsh lxc-enter-namespace joins with setns()).

#include "lxc-driver.h"
#include "util/util-error.h"
#include "lxc.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <unistd.h>

/* The namespaces handed out, in libvirt's order; the client joins them in this order and
 * skips the ones it already shares (setns gives EINVAL there). */
static const char *const namespaces[] = { "user", "ipc", "mnt", "net", "pid", "uts" };

bool
lxc_open_console(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_open_console_args *a = args;
    LxcDriver *drv = lxc_driver_of(call);
    if (!mv_flags_check(a->flags, MV_CONSOLE_FORCE | MV_CONSOLE_SAFE, MV_FROM_LXC, "virDomainOpenConsole", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    const char *want = (a->dev_name && *a->dev_name) ? *a->dev_name : NULL;
    bool ok = false;
    if (!mv_domain_obj_is_active(obj) || !priv->proc)
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_INVALID, "domain '%s' is not running", obj->name);
    else if (((MvDomainDef *)obj->def)->consoles->len == 0 || (want && !g_str_equal(want, "console0")))
        mv_error_set(error, MV_FROM_LXC, MV_ERR_INTERNAL_ERROR, "cannot find console device '%s'", want ? want : "console0");
    else if (priv->console && !(a->flags & MV_CONSOLE_FORCE))
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_FAILED, "Active console session exists for this domain");
    else
        ok = true;
    if (ok) {
        /* The controller hands the console to the newest connection, so a forced session
         * takes over there too. */
        int fd = lxc_process_open_console(priv->proc, error);
        if (fd >= 0)
            g_unix_set_fd_nonblocking(fd, TRUE, NULL);
        ok = fd >= 0 && mv_console_attach(call, obj, &priv->console, fd, MV_FROM_LXC, error);
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

bool
lxc_open_namespace(MvCall *call, void *args, void *ret, GError **error)
{
    lxc_domain_open_namespace_args *a = args;
    LxcDriver *drv = lxc_driver_of(call);
    if (!mv_flags_check(a->flags, 0, MV_FROM_LXC, "virDomainLxcOpenNamespace", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    pid_t pid = priv->proc && mv_domain_obj_is_active(obj) ? priv->proc->init_pid : 0;
    g_autofree char *name = g_strdup(obj->name);
    mv_domain_obj_unlock(obj);
    if (!pid) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_INVALID, "domain '%s' is not running", name);
        return false;
    }
    int *fds = g_new(int, G_N_ELEMENTS(namespaces));
    unsigned n = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(namespaces); i++) {
        g_autofree char *path = g_strdup_printf("/proc/%d/ns/%s", (int)pid, namespaces[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            mv_error_set_errno(error, MV_FROM_LXC, errno, "cannot open namespace '%s' of container '%s'", path,
                               name);
            for (unsigned j = 0; j < n; j++)
                close(fds[j]);
            g_free(fds);
            return false;
        }
        fds[n++] = fd;
    }
    call->ret_fds = fds;
    call->ret_nfds = n;
    return true;
}
