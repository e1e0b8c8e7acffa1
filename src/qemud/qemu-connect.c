// SPDX-License-Identifier: LGPL-2.1-or-later
// Connection-level calls of the QEMU driver: hypervisor version, capabilities, vCPU limits
// and the security model.

#include "qemu-driver.h"
#include "qemu-caps.h"
#include "util/util-error.h"
#include "remote.h"

#include <string.h>

static QemuCaps *
driver_caps(MvCall *call, GError **error)
{
    QemuDriver *drv = qemu_driver_of(call);
    if (!drv->emulator) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                     "no QEMU binary (qemu-system-x86_64) is installed on this host");
        return NULL;
    }
    return qemu_caps_get(drv->emulator, error);
}

bool
qemu_connect_get_version(MvCall *call, void *args, void *ret, GError **error)
{
    g_autoptr(QemuCaps) caps = driver_caps(call, error);
    if (!caps)
        return false;
    ((remote_connect_get_version_ret *)ret)->hv_ver = qemu_caps_version(caps);
    return true;
}

bool
qemu_connect_get_capabilities(MvCall *call, void *args, void *ret, GError **error)
{
    char *xml = qemu_caps_build_capabilities_xml(error);
    if (!xml)
        return false;
    ((remote_connect_get_capabilities_ret *)ret)->capabilities = xml;
    return true;
}

bool
qemu_connect_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_max_vcpus_args *a = args;
    const char *type = (a->type && *a->type) ? *a->type : "qemu";

    if (g_ascii_strcasecmp(type, "qemu") != 0 && g_ascii_strcasecmp(type, "kvm") != 0) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "unknown type '%s'", type);
        return false;
    }
    g_autoptr(QemuCaps) caps = driver_caps(call, error);
    if (!caps)
        return false;
    unsigned max = 0;
    GPtrArray *machines = qemu_caps_machines(caps);
    for (guint i = 0; i < machines->len; i++) {
        const QemuMachine *m = machines->pdata[i];
        max = MAX(max, m->max_cpus);
    }
    ((remote_connect_get_max_vcpus_ret *)ret)->max_vcpus = max ? (int)max : 255;
    return true;
}

/* Fill a wire char array with @s and its NUL, as libvirt sends them. */
static void
set_char_array(u_int *ret_len, char **ret_val, const char *s)
{
    *ret_len = strlen(s) + 1;
    *ret_val = g_strdup(s);
}

bool
qemu_node_get_security_model(MvCall *call, void *args, void *ret, GError **error)
{
    remote_node_get_security_model_ret *r = ret;
    /* No SELinux/AppArmor driver: an empty model, which clients read as "none". */
    set_char_array(&r->model.model_len, &r->model.model_val, "");
    set_char_array(&r->doi.doi_len, &r->doi.doi_val, "");
    return true;
}
