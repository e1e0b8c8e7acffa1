// SPDX-License-Identifier: LGPL-2.1-or-later
// The public error API: libvirt's per-thread last error, per-connection errors and error
// callbacks, fed from the GErrors the rest of the library reports.  This file is the only
// place a GError turns into a virError.

#include "client-private.h"
#include "util/util-error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void
error_free_notify(gpointer p)
{
    virFreeError(p);
}

/* Each thread's last error; freed when the thread exits. */
static GPrivate last_error = G_PRIVATE_INIT(error_free_notify);

/* The handler for connections without their own; NULL means virDefaultErrorFunc. */
static GMutex global_lock;
static virErrorFunc global_func;
static void *global_data;

/* Names virDefaultErrorFunc prints, by virErrorDomain. */
static const char *const domain_names[VIR_ERR_DOMAIN_LAST] = {
    [VIR_FROM_NONE] = "",
    [VIR_FROM_XEN] = "Xen",
    [VIR_FROM_XEND] = "Xen Daemon",
    [VIR_FROM_XENSTORE] = "Xen Store",
    [VIR_FROM_SEXPR] = "S-Expression",
    [VIR_FROM_XML] = "XML",
    [VIR_FROM_DOM] = "Domain",
    [VIR_FROM_RPC] = "XML-RPC",
    [VIR_FROM_PROXY] = "proxy",
    [VIR_FROM_CONF] = "Config",
    [VIR_FROM_QEMU] = "QEMU",
    [VIR_FROM_NET] = "Network",
    [VIR_FROM_TEST] = "Test",
    [VIR_FROM_REMOTE] = "Remote",
    [VIR_FROM_OPENVZ] = "OpenVZ",
    [VIR_FROM_XENXM] = "Xen XM",
    [VIR_FROM_STATS_LINUX] = "Linux Stats",
    [VIR_FROM_LXC] = "Linux Container",
    [VIR_FROM_STORAGE] = "Storage",
    [VIR_FROM_NETWORK] = "Network Config",
    [VIR_FROM_DOMAIN] = "Domain Config",
    [VIR_FROM_UML] = "UML",
    [VIR_FROM_NODEDEV] = "Node Device",
    [VIR_FROM_XEN_INOTIFY] = "Xen Inotify",
    [VIR_FROM_SECURITY] = "Security Labeling",
    [VIR_FROM_VBOX] = "VBOX",
    [VIR_FROM_INTERFACE] = "Interface",
    [VIR_FROM_ONE] = "ONE",
    [VIR_FROM_ESX] = "ESX",
    [VIR_FROM_PHYP] = "Power Hypervisor",
    [VIR_FROM_SECRET] = "Secrets Storage",
    [VIR_FROM_CPU] = "CPU",
    [VIR_FROM_XENAPI] = "XenAPI",
    [VIR_FROM_NWFILTER] = "Network Filter",
    [VIR_FROM_HOOK] = "Sync Hook",
    [VIR_FROM_DOMAIN_SNAPSHOT] = "Domain Snapshot",
    [VIR_FROM_AUDIT] = "Audit Utils",
    [VIR_FROM_SYSINFO] = "Sysinfo",
    [VIR_FROM_STREAMS] = "Streams",
    [VIR_FROM_VMWARE] = "VMware",
    [VIR_FROM_EVENT] = "Event",
    [VIR_FROM_LIBXL] = "libxenlight",
    [VIR_FROM_LOCKING] = "Lock Driver",
    [VIR_FROM_HYPERV] = "Hyper-V",
    [VIR_FROM_CAPABILITIES] = "Capabilities",
    [VIR_FROM_URI] = "URI",
    [VIR_FROM_AUTH] = "Auth",
    [VIR_FROM_DBUS] = "DBus",
    [VIR_FROM_PARALLELS] = "Parallels Cloud Server",
    [VIR_FROM_DEVICE] = "Device Config",
    [VIR_FROM_SSH] = "SSH transport layer",
    [VIR_FROM_LOCKSPACE] = "Lock Space",
    [VIR_FROM_INITCTL] = "Init control",
    [VIR_FROM_IDENTITY] = "Identity",
    [VIR_FROM_CGROUP] = "Cgroup",
    [VIR_FROM_ACCESS] = "Access Manager",
    [VIR_FROM_SYSTEMD] = "Systemd",
    [VIR_FROM_BHYVE] = "Bhyve",
    [VIR_FROM_CRYPTO] = "Crypto",
    [VIR_FROM_FIREWALL] = "Firewall",
    [VIR_FROM_POLKIT] = "Polkit",
    [VIR_FROM_THREAD] = "Thread jobs",
    [VIR_FROM_ADMIN] = "Admin Interface",
    [VIR_FROM_LOGGING] = "Log Manager",
    [VIR_FROM_XENXL] = "Xen XL Config",
    [VIR_FROM_PERF] = "Perf",
    [VIR_FROM_LIBSSH] = "libssh transport layer",
    [VIR_FROM_RESCTRL] = "Resource control",
    [VIR_FROM_FIREWALLD] = "FirewallD",
    [VIR_FROM_DOMAIN_CHECKPOINT] = "Domain Checkpoint",
    [VIR_FROM_TPM] = "TPM",
    [VIR_FROM_BPF] = "BPF",
    [VIR_FROM_CH] = "Cloud-Hypervisor Driver",
};

static virErrorPtr
thread_error(bool create)
{
    virErrorPtr e = g_private_get(&last_error);
    if (!e && create) {
        e = g_new0(virError, 1);
        g_private_set(&last_error, e);
    }
    return e;
}

/* Deep-copy @src into the zeroed or reset @dst. */
static void
copy_error(virErrorPtr dst, const virError *src)
{
    *dst = *src;
    dst->message = g_strdup(src->message);
    dst->str1 = g_strdup(src->str1);
    dst->str2 = g_strdup(src->str2);
    dst->str3 = g_strdup(src->str3);
}

void
virResetError(virErrorPtr err)
{
    if (!err)
        return;
    g_free(err->message);
    g_free(err->str1);
    g_free(err->str2);
    g_free(err->str3);
    memset(err, 0, sizeof(*err));
}

void
virFreeError(virErrorPtr err)
{
    virResetError(err);
    g_free(err);
}

void
mv_client_error_reset(void)
{
    virResetError(thread_error(false));
}

void
virResetLastError(void)
{
    mv_client_error_reset();
}

virErrorPtr
virGetLastError(void)
{
    virErrorPtr e = thread_error(false);
    return (e && e->code != VIR_ERR_OK) ? e : NULL;
}

virErrorPtr
virSaveLastError(void)
{
    virErrorPtr copy = g_new0(virError, 1);
    virErrorPtr e = virGetLastError();
    if (e)
        copy_error(copy, e);
    return copy;
}

int
virCopyLastError(virErrorPtr to)
{
    if (!to)
        return -1;
    virErrorPtr e = virGetLastError();
    virResetError(to);
    if (!e)
        return 0;
    copy_error(to, e);
    return to->code;
}

const char *
virGetLastErrorMessage(void)
{
    virErrorPtr e = virGetLastError();
    if (!e)
        return "no error";
    return e->message ? e->message : "unknown error";
}

int
virGetLastErrorCode(void)
{
    virErrorPtr e = virGetLastError();
    return e ? e->code : VIR_ERR_OK;
}

int
virGetLastErrorDomain(void)
{
    virErrorPtr e = virGetLastError();
    return e ? e->domain : VIR_FROM_NONE;
}

static bool
conn_valid(virConnectPtr conn)
{
    return conn && conn->magic == MV_CLIENT_CONN_MAGIC;
}

virErrorPtr
virConnGetLastError(virConnectPtr conn)
{
    if (!conn_valid(conn))
        return NULL;
    /* The pointer outlives the lock, as in libvirt: callers own the race. */
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
    return conn->err.code != VIR_ERR_OK ? &conn->err : NULL;
}

int
virConnCopyLastError(virConnectPtr conn, virErrorPtr to)
{
    if (!conn_valid(conn) || !to)
        return -1;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
    virResetError(to);
    if (conn->err.code == VIR_ERR_OK)
        return 0;
    copy_error(to, &conn->err);
    return to->code;
}

void
virConnResetLastError(virConnectPtr conn)
{
    if (!conn_valid(conn))
        return;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
    virResetError(&conn->err);
}

void
virSetErrorFunc(void *userData, virErrorFunc handler)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&global_lock);
    global_func = handler;
    global_data = userData;
}

void
virConnSetErrorFunc(virConnectPtr conn, void *userData, virErrorFunc handler)
{
    if (!conn_valid(conn))
        return;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
    conn->err_func = handler;
    conn->err_data = userData;
}

void
virDefaultErrorFunc(virErrorPtr err)
{
    if (!err || err->code == VIR_ERR_OK)
        return;
    const char *dom = "";
    if (err->domain >= 0 && err->domain < VIR_ERR_DOMAIN_LAST && domain_names[err->domain])
        dom = domain_names[err->domain];
    const char *lvl = err->level == VIR_ERR_WARNING ? "warning" : "error";
    fprintf(stderr, "libvirt: %s %s : %s\n", dom, lvl, err->message ? err->message : "unknown error");
}

void
mv_client_report(virConnectPtr conn, const GError *err)
{
    int from, code;
    mv_error_info(err, &from, &code);
    virError e = {
        .code = code,
        .domain = from,
        .message = err ? err->message : (char *)"unknown error",
        .level = VIR_ERR_ERROR,
    };

    virErrorPtr last = thread_error(true);
    virResetError(last);
    copy_error(last, &e);

    virErrorFunc func = NULL;
    void *data = NULL;
    if (conn_valid(conn)) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&conn->lock);
        virResetError(&conn->err);
        copy_error(&conn->err, &e);
        func = conn->err_func;
        data = conn->err_data;
    }
    if (!func) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&global_lock);
        func = global_func;
        data = global_data;
    }
    /* Handlers run without our locks held: they may call back into the library. */
    if (func)
        func(data, last);
    else
        virDefaultErrorFunc(last);
}

void
mv_client_error_from_wire(GError *err)
{
    int from, code;
    if (!err)
        return;
    mv_error_info(err, &from, &code);
    if ((from == VIR_FROM_RPC || from == VIR_FROM_REMOTE) && code == VIR_ERR_RPC &&
        g_str_has_prefix(err->message, "unknown procedure")) {
        /* A daemon that lacks a procedure; callers (virsh) fall back on NO_SUPPORT. */
        err->code = VIR_ERR_NO_SUPPORT;
    } else if (code >= VIR_ERR_INVALID_NWFILTER && code <= VIR_ERR_BUILD_FIREWALL &&
               from != VIR_FROM_NWFILTER) {
        /* Daemons older than the network filter codes numbered the secret and
         * unsupported-configuration errors four lower; libvirt's client renumbers. */
        err->code = code + 4;
    } else if (code == VIR_WAR_NO_SECRET && from == VIR_FROM_QEMU) {
        err->code = VIR_ERR_OPERATION_TIMEOUT;
    } else if (code == VIR_ERR_INVALID_SECRET && from == VIR_FROM_XEN) {
        err->code = VIR_ERR_MIGRATE_PERSIST_FAILED;
    }
}

bool
mv_client_enter(virConnectPtr conn, const char *func, GError **error)
{
    mv_client_error_reset();
    if (!conn_valid(conn)) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_INVALID_CONN, "invalid connection pointer in %s", func);
        return false;
    }
    return true;
}

bool
mv_client_check_arg(const void *arg, const char *func, const char *what, GError **error)
{
    if (arg)
        return true;
    mv_client_invalid_arg(error, "%s in %s must not be NULL", what, func);
    return false;
}

void
mv_client_invalid_arg(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set_literal(error, MV_FROM_NONE, MV_ERR_INVALID_ARG, msg);
}

bool
mv_client_check_writable(virConnectPtr conn, const char *func, GError **error)
{
    if (!conn->readonly)
        return true;
    mv_error_set(error, MV_FROM_DOMAIN, MV_ERR_OPERATION_DENIED, "read only access prevents %s", func);
    return false;
}
