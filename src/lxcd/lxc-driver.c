// SPDX-License-Identifier: LGPL-2.1-or-later
// The LXC driver's dispatch table, its setup, its definitions (parsed with the LXC
// defaults) and the connection-level calls.  Lookups, lists, definitions and settings are
// the common domain calls (daemon-domain-calls.h); lifecycle is lxc-lifecycle.c's.

#include "lxc-driver.h"
#include "daemon/daemon-programs.h"
#include "conf/conf-capabilities.h"
#include "util/util-error.h"
#include "remote.h"
#include "lxc.h"

#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

const MvObjKind lxc_domain_kind = MV_DOMAIN_KIND_INIT(MV_FROM_LXC);

#define R MV_PROC_READONLY_OK
#define I MV_PROC_INLINE
#define P MV_PROC_PRIORITY
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

static const MvProcedure lxc_remote_rows[] = {
    ROW_NOARGS(CONNECT_GET_VERSION, "virConnectGetVersion", connect_get_version_ret, lxc_connect_get_version, R | P),
    ROW_NOARGS(CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities", connect_get_capabilities_ret,
               lxc_connect_get_capabilities, R),
    ROW(CONNECT_GET_MAX_VCPUS, "virConnectGetMaxVcpus", connect_get_max_vcpus_args, connect_get_max_vcpus_ret,
        lxc_connect_get_max_vcpus, R | P),

    ROW_NORET(DOMAIN_CREATE, "virDomainCreate", domain_only_args, lxc_create, 0),
    ROW(DOMAIN_CREATE_WITH_FLAGS, "virDomainCreateWithFlags", domain_flags_args, domain_ret,
        lxc_create_with_flags, 0),
    ROW(DOMAIN_CREATE_XML, "virDomainCreateXML", domain_create_xml_args, domain_ret, lxc_create_xml, 0),
    /* Destroy must never wait behind slow calls: the priority lane. */
    ROW_NORET(DOMAIN_DESTROY, "virDomainDestroy", domain_only_args, lxc_destroy, P),
    ROW_NORET(DOMAIN_DESTROY_FLAGS, "virDomainDestroyFlags", domain_flags_args, lxc_destroy_flags, P),
    ROW_NORET(DOMAIN_SHUTDOWN, "virDomainShutdown", domain_only_args, lxc_shutdown, 0),
    ROW_NORET(DOMAIN_SHUTDOWN_FLAGS, "virDomainShutdownFlags", domain_flags_args, lxc_shutdown_flags, 0),
    ROW_NORET(DOMAIN_REBOOT, "virDomainReboot", domain_flags_args, lxc_reboot, 0),
    ROW_NORET(DOMAIN_SUSPEND, "virDomainSuspend", domain_only_args, lxc_suspend, 0),
    ROW_NORET(DOMAIN_RESUME, "virDomainResume", domain_only_args, lxc_resume, 0),
    ROW_NORET(DOMAIN_OPEN_CONSOLE, "virDomainOpenConsole", domain_open_console_args, lxc_open_console, 0),

    /* Statistics (lxc-stats.c): the priority lane, they never wait on a container. */
    ROW(CONNECT_GET_ALL_DOMAIN_STATS, "virConnectGetAllDomainStats", connect_get_all_domain_stats_args,
        connect_get_all_domain_stats_ret, lxc_connect_get_all_domain_stats, R | P),
};

/* The LXC program: the namespaces of a container, as fds (virsh lxc-enter-namespace). */
static const MvProcedure lxc_lxc_rows[] = {
    /* The reply is the fds alone (REPLY_WITH_FDS with an empty body). */
    MV_PROC_ROW_NORET(LXC_PROC_DOMAIN_OPEN_NAMESPACE, "virDomainLxcOpenNamespace", lxc_domain_open_namespace_args,
                      lxc_open_namespace, 0),
};

LxcDriver *
lxc_driver_of(MvCall *call)
{
    return mv_daemon_driver(mv_daemon_of(call));
}

static void
priv_free(gpointer data)
{
    LxcDomainPriv *priv = data;
    if (!priv)
        return;
    lxc_process_free(priv->proc);
    g_free(priv->exit_reason);
    g_free(priv);
}

LxcDomainPriv *
lxc_domain_priv(MvDomainObj *obj)
{
    if (!obj->priv) {
        obj->priv = g_new0(LxcDomainPriv, 1);
        obj->priv_free = priv_free;
    }
    return obj->priv;
}

void
lxc_domain_event(LxcDriver *drv, MvDomainObj *obj, int event, int detail)
{
    mv_domain_event(drv->daemon, obj, event, detail);
}

MvDomainDef *
lxc_def_parse(LxcDriver *drv, const char *xml, unsigned parse_flags, GError **error)
{
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, parse_flags, error);
    if (!def)
        return NULL;
    if (def->virt_type != MV_DOMAIN_VIRT_LXC) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_CONFIG_UNSUPPORTED,
                     "domain type '%s' is not supported by the LXC driver; use type='lxc'",
                     mv_domain_virt_to_string(def->virt_type));
        return NULL;
    }
    if (!mv_domain_def_fill_lxc_defaults(def, drv->controller, error))
        return NULL;
    return g_steal_pointer(&def);
}

static MvDomainDef *
def_parse(void *drv, const char *xml, unsigned parse_flags, GError **error)
{
    return lxc_def_parse(drv, xml, parse_flags, error);
}

static void *
parse_for_load(const char *xml, void *opaque, GError **error)
{
    return lxc_def_parse(opaque, xml, 0, error);
}

static const char *def_name(const void *def) { return ((const MvDomainDef *)def)->name; }
static const unsigned char *def_uuid(const void *def) { return ((const MvDomainDef *)def)->uuid; }

static const MvObjDefOps lxc_def_ops = {
    .parse = parse_for_load,
    .name = def_name,
    .uuid = def_uuid,
    .free = (GDestroyNotify)mv_domain_def_free,
};

/* ---- connection-level calls ---- */

bool
lxc_connect_get_version(MvCall *call, void *args, void *ret, GError **error)
{
    /* libvirt's LXC driver reports the kernel's version: major * 1000000 + minor * 1000 + micro. */
    unsigned major = 0, minor = 0, micro = 0;
    struct utsname u;
    if (uname(&u) == 0)
        sscanf(u.release, "%u.%u.%u", &major, &minor, &micro);
    ((remote_connect_get_version_ret *)ret)->hv_ver = major * 1000000ULL + minor * 1000ULL + micro;
    return true;
}

bool
lxc_connect_get_capabilities(MvCall *call, void *args, void *ret, GError **error)
{
    LxcDriver *drv = lxc_driver_of(call);
    g_autoptr(MvCaps) caps = mv_caps_new_host(error);
    if (!caps)
        return false;
    struct utsname u;
    const char *arch = uname(&u) == 0 ? mv_caps_arch_from_uname(u.machine) : "x86_64";
    MvCapsGuest *g = mv_caps_add_guest(caps, MV_CAPS_OS_EXE, arch, 64, drv->controller, NULL);
    mv_caps_guest_add_domain(g, MV_CAPS_DOMAIN_LXC);
    char *xml = mv_caps_format(caps, error);
    if (!xml)
        return false;
    ((remote_connect_get_capabilities_ret *)ret)->capabilities = xml;
    return true;
}

bool
lxc_connect_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_max_vcpus_args *a = args;
    const char *type = (a->type && *a->type) ? *a->type : "lxc";
    if (g_ascii_strcasecmp(type, "lxc") != 0) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_INVALID_ARG, "unknown type '%s'", type);
        return false;
    }
    /* A container's vCPUs are a CPU quota: up to the host's CPUs. */
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    ((remote_connect_get_max_vcpus_ret *)ret)->max_vcpus = n > 0 ? (int)n : 1;
    return true;
}

/* ---- setup ---- */


/* The controller binary: [lxc] controller, else the one beside our own executable (a build
 * tree), else the installed one. */
static char *
find_controller(GKeyFile *kf)
{
    char *path = g_key_file_get_string(kf, "lxc", "controller", NULL);
    if (path)
        return path;
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    if (self) {
        g_autofree char *dir = g_path_get_dirname(self);
        g_autofree char *beside = g_build_filename(dir, "modvirt-lxc-controller", NULL);
        if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
            return g_steal_pointer(&beside);
    }
    return g_strdup(LXC_CONTROLLER_PATH);
}

static bool
def_start(void *drv, MvDomainObj *obj, GError **error)
{
    return lxc_domain_start(drv, obj, error);
}

static gpointer
autostart_thread(gpointer data)
{
    mv_domain_autostart_run(&((LxcDriver *)data)->dd);
    return NULL;
}

static bool
live_memory(void *drv, MvDomainObj *obj, guint64 kib, GError **error)
{
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    return lxc_process_set_memory(priv->proc, kib, error);
}

static bool
live_vcpus(void *drv, MvDomainObj *obj, guint64 n, GError **error)
{
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    return lxc_process_set_vcpus(priv->proc, (unsigned)n, error);
}

bool
lxc_driver_init(MvDaemon *d, GError **error)
{
    GKeyFile *kf = mv_daemon_config(d);
    LxcDriver *drv = g_new0(LxcDriver, 1);
    drv->daemon = d;
    g_mutex_init(&drv->define_lock);
    drv->domains = mv_obj_list_new(&lxc_domain_kind);
    drv->run_dir = mv_daemon_path(d, "run/modvirt/lxc/sockets");
    drv->log_dir = mv_daemon_path(d, "var/log/modvirt/lxc");
    drv->controller = find_controller(kf);
    drv->cgroup_parent = g_key_file_get_string(kf, "lxc", "cgroup_parent", NULL);
    mv_daemon_set_driver(d, drv);
    g_autofree char *config_dir = mv_daemon_path(d, "etc/modvirt/lxc");
    g_autofree char *status_dir = mv_daemon_path(d, "run/modvirt/lxc");
    if (!(drv->persist = mv_persist_open(&lxc_domain_kind, config_dir, status_dir, error)) ||
        !mv_daemon_make_dir(drv->run_dir, MV_FROM_LXC, error) || !mv_daemon_make_dir(drv->log_dir, MV_FROM_LXC, error))
        return false;
    drv->dd = (MvDomainDriver){
        .domains = drv->domains,
        .persist = drv->persist,
        .define_lock = &drv->define_lock,
        .job_wait_ms = LXC_JOB_WAIT_MS,
        .from = MV_FROM_LXC,
        .drv = drv,
        .parse = def_parse,
        .cpu_time = lxc_domain_cpu_time,
        .start = def_start,
        .live_memory = live_memory,
        .live_vcpus = live_vcpus,
    };
    mv_daemon_set_domain_driver(d, &drv->dd);
    if (!g_file_test(drv->controller, G_FILE_TEST_IS_EXECUTABLE))
        g_warning("container controller '%s' is missing: containers cannot start", drv->controller);

    drv->tasks = lxc_task_pool_new(drv);
    unsigned loaded = mv_persist_load_all(drv->persist, drv->domains, &lxc_def_ops, drv);
    g_info("loaded %u container definitions from '%s'", loaded, config_dir);
    /* Containers that ran under the previous daemon are ours again before the first client. */
    lxc_status_reattach_all(drv);
    drv->autostart = g_thread_new("lxc-autostart", autostart_thread, drv);

    MvProgram *remote = mv_daemon_remote_program();
    mv_program_add(remote, lxc_remote_rows, G_N_ELEMENTS(lxc_remote_rows));
    mv_program_add(remote, mv_domain_call_rows, mv_domain_call_nrows);
    mv_program_add(remote, mv_domain_define_rows, mv_domain_define_nrows);
    mv_server_add_program(mv_daemon_server(d), remote);
    MvProgram *lxc = mv_program_new(LXC_PROGRAM, LXC_PROTOCOL_VERSION);
    mv_program_add(lxc, lxc_lxc_rows, G_N_ELEMENTS(lxc_lxc_rows));
    mv_server_add_program(mv_daemon_server(d), lxc);
    return true;
}

void
lxc_driver_shutdown(MvDaemon *d)
{
    LxcDriver *drv = mv_daemon_driver(d);
    if (!drv)
        return;
    /* Containers keep running: only our handles on them go. */
    if (drv->autostart)
        g_thread_join(drv->autostart);
    if (drv->tasks)
        g_thread_pool_free(drv->tasks, FALSE, TRUE);
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->domains);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        LxcDomainPriv *priv = obj->priv;
        if (priv && priv->watch) {
            g_source_remove(priv->watch);
            priv->watch = 0;
        }
        mv_domain_obj_unlock(obj);
    }
    g_clear_pointer(&all, g_ptr_array_unref);
    mv_daemon_set_domain_driver(d, NULL);
    mv_obj_list_free(drv->domains);
    g_clear_pointer(&drv->persist, mv_persist_free);
    g_free(drv->run_dir);
    g_free(drv->log_dir);
    g_free(drv->controller);
    g_free(drv->cgroup_parent);
    g_mutex_clear(&drv->define_lock);
    g_free(drv);
    mv_daemon_set_driver(d, NULL);
}
