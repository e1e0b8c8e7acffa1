// SPDX-License-Identifier: LGPL-2.1-or-later
// Running guests: start, stop, pause, resume, shutdown, reboot and reset, as API calls and
// as the steps QEMU's events and daemon start-up reuse.  Monitor commands are only issued
// with the domain's job held and its lock released, so QEMU's events (which take the lock
// on the I/O thread) never wait behind a command waiting for QEMU.

#include "qemu-runtime.h"
#include "qemu-caps.h"
#include "qemu-kvm.h"
#include "qemu-command.h"
#include "qemu-persist.h"
#include "qemu-net.h"
#include "qemu-volume.h"
#include "qemu-sandbox.h"
#include "util/util-error.h"
#include "util/util-file.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

/* CREATE_WITH_FLAGS / CREATE_XML */
#define START_PAUSED 1
#define START_AUTODESTROY 2
#define START_BYPASS_CACHE 4
#define START_FORCE_BOOT 8
#define START_VALIDATE 16
/* DESTROY_FLAGS */
#define DESTROY_GRACEFUL 1
#define DESTROY_REMOVE_LOGS 2
/* SHUTDOWN_FLAGS / REBOOT: only the default and ACPI are offered (no guest agent). */
#define SHUTDOWN_ACPI 1
/* The part of a domain name used in paths, as libvirt cuts it, so socket paths stay short. */
#define QEMU_SHORT_NAME_MAX 20

static void
priv_free(QemuDomainPriv *priv)
{
    if (!priv)
        return;
    qemu_process_free(priv->proc);
    if (priv->cb_ref)
        mv_domain_obj_unref(priv->cb_ref);
    g_free(priv->run_dir);
    g_free(priv->monitor_path);
    g_free(priv->cgroup_name);
    g_free(priv);
}

QemuDomainPriv *
qemu_domain_priv(QemuDriver *drv, MvDomainObj *obj)
{
    if (!obj->priv) {
        QemuDomainPriv *priv = g_new0(QemuDomainPriv, 1);
        priv->drv = drv;
        obj->priv = priv;
        obj->priv_free = (GDestroyNotify)priv_free;
    }
    return obj->priv;
}

guint64
qemu_domain_cpu_time(MvDomainObj *obj)
{
    QemuDomainPriv *priv = obj->priv;
    if (!priv || !priv->proc || !mv_domain_obj_is_active(obj))
        return 0;
    MvCgroup *cg = qemu_process_cgroup(priv->proc);
    MvCgroupCpuStat st;
    if (cg && mv_cgroup_get_cpu_stat(cg, &st) == 0)
        return st.usage_ns;
    /* No cgroup accounting: the process's own run time from the scheduler, in ns. */
    g_autofree char *path = g_strdup_printf("/proc/%d/schedstat", (int)qemu_process_pid(priv->proc));
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    return g_ascii_strtoull(text, NULL, 10);
}

static void
release_runtime(QemuDriver *drv, MvDomainObj *obj, QemuDomainPriv *priv)
{
    g_clear_pointer(&priv->proc, qemu_process_free);
    if (priv->cb_ref) {
        /* The list (or a caller) still holds the object: this is never the last ref. */
        mv_domain_obj_unref(priv->cb_ref);
        priv->cb_ref = NULL;
    }
    if (priv->run_dir) {
        if (priv->monitor_path)
            unlink(priv->monitor_path);
        rmdir(priv->run_dir);
    }
    g_clear_pointer(&priv->run_dir, g_free);
    g_clear_pointer(&priv->monitor_path, g_free);
    g_clear_pointer(&priv->cgroup_name, g_free);
    priv->shutdown_seen = false;
    priv->fake_reboot = false;
    priv->stopping = false;
    priv->paused_shutdown = false;
    if (priv->inhibiting) {
        priv->inhibiting = false;
        mv_daemon_release(drv->daemon);
    }
}

void
qemu_domain_cleanup(QemuDriver *drv, MvDomainObj *obj, int reason, int detail)
{
    QemuDomainPriv *priv = qemu_domain_priv(drv, obj);

    release_runtime(drv, obj, priv);
    g_autofree char *netd_sock = mv_daemon_path(drv->daemon, "run/libvirt/virtnetworkd-sock");
    qemu_net_ports_release(netd_sock, obj->def);
    mv_persist_status_remove(drv->persist, obj->name);
    mv_domain_list_set_id(drv->domains, obj, -1);
    mv_domain_obj_set_state(obj, MV_DOMAIN_SHUTOFF, reason);
    qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_STOPPED, detail);
    if (obj->newdef) {
        /* The configuration defined while it ran takes effect now. */
        mv_domain_def_free(obj->def);
        obj->def = obj->newdef;
        obj->newdef = NULL;
    }
    if (!obj->persistent)
        mv_domain_list_remove(drv->domains, obj);
}

void
qemu_domain_stop(QemuDriver *drv, MvDomainObj *obj, bool graceful, int reason, int detail)
{
    QemuDomainPriv *priv = qemu_domain_priv(drv, obj);

    if (priv->proc) {
        g_autoptr(GError) err = NULL;
        QemuProcess *proc = priv->proc;
        priv->stopping = true;
        mv_domain_obj_unlock(obj);
        bool ok = qemu_process_stop(proc, graceful, &err);
        mv_domain_obj_lock(obj);
        if (!ok)
            g_warning("domain '%s': %s", obj->name, err->message);
    }
    qemu_domain_cleanup(drv, obj, reason, detail);
}

static char *
short_name(const char *name)
{
    g_autofree char *s = g_utf8_substring(name, 0, MIN((glong)g_utf8_strlen(name, -1), QEMU_SHORT_NAME_MAX));
    /* Path separators would escape the directory. */
    g_strdelimit(s, "/", '_');
    return g_steal_pointer(&s);
}

/* label ("charserial0") -> pty path, from query-chardev; NULL if QEMU would not say. */
static GHashTable *
query_ptys(QemuMonitor *mon)
{
    json_object *reply = NULL;
    g_autoptr(GError) err = NULL;
    if (!qemu_monitor_command(mon, "query-chardev", NULL, &reply, 5000, &err)) {
        g_warning("cannot read the guest's pty paths: %s", err->message);
        return NULL;
    }
    GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (size_t i = 0; json_object_is_type(reply, json_type_array) && i < json_object_array_length(reply); i++) {
        json_object *e = json_object_array_get_idx(reply, i), *l = NULL, *f = NULL;
        if (json_object_object_get_ex(e, "label", &l) && json_object_object_get_ex(e, "filename", &f) &&
            g_str_has_prefix(json_object_get_string(f), "pty:"))
            g_hash_table_insert(map, g_strdup(json_object_get_string(l)), g_strdup(json_object_get_string(f) + 4));
    }
    json_object_put(reply);
    return map;
}

/* Whether set_pty_paths() has anything to fill in: most guests have no pty, and then the
 * start need not wait for query-chardev. */
static bool
has_pty_serial(const MvDomainDef *def)
{
    for (guint i = 0; i < def->serials->len; i++) {
        const MvDomainChr *chr = def->serials->pdata[i];
        if (chr->type == MV_DOMAIN_CHR_PTY)
            return true;
    }
    return false;
}

/* What the graphics of a started guest need from its monitor: the VNC port QEMU picked
 * (autoport) and the passwords, which never go on the command line.  *ret_vnc_port is -1
 * when there is no VNC TCP display or QEMU did not say; a password that cannot be set is an
 * error (the display would otherwise stay open without one). */
static bool
setup_graphics(QemuMonitor *mon, const MvDomainDef *def, int *ret_vnc_port, GError **error)
{
    *ret_vnc_port = -1;
    for (guint i = 0; i < def->graphics->len; i++) {
        const MvDomainGraphics *gr = def->graphics->pdata[i];
        bool vnc = gr->type == MV_DOMAIN_GRAPHICS_VNC;
        if (!vnc && gr->type != MV_DOMAIN_GRAPHICS_SPICE)
            continue;
        if (gr->passwd) {
            json_object *args = json_object_new_object();
            json_object_object_add(args, "protocol", json_object_new_string(vnc ? "vnc" : "spice"));
            json_object_object_add(args, "password", json_object_new_string(gr->passwd));
            bool ok = qemu_monitor_command(mon, "set_password", args, NULL, 5000, error);
            json_object_put(args);
            if (!ok)
                return false;
        }
        if (!vnc || !gr->autoport || gr->listen_type != MV_DOMAIN_LISTEN_ADDRESS)
            continue;
        json_object *reply = NULL, *service = NULL;
        g_autoptr(GError) err = NULL;
        if (!qemu_monitor_command(mon, "query-vnc", NULL, &reply, 5000, &err)) {
            g_warning("cannot read the VNC port QEMU chose: %s", err->message);
            continue;
        }
        guint64 port;
        if (json_object_object_get_ex(reply, "service", &service) &&
            g_ascii_string_to_unsigned(json_object_get_string(service), 10, 1, 65535, &port, NULL))
            *ret_vnc_port = (int)port;
        json_object_put(reply);
    }
    return true;
}

/* The first TCP port from 5900 on that nobody listens on at @address, for SPICE with
 * autoport (QEMU's -spice takes a port, not a range as -vnc does); 0 when none is free. */
static int
free_graphics_port(const char *address)
{
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai = NULL;
    if (getaddrinfo(address ? address : "127.0.0.1", NULL, &hints, &ai) != 0 || !ai)
        return 0;
    int found = 0;
    for (int port = 5900; port < 65536 && !found; port++) {
        struct sockaddr_storage sa;
        memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
        if (sa.ss_family == AF_INET)
            ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
        else
            ((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
        int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (bind(fd, (struct sockaddr *)&sa, ai->ai_addrlen) == 0)
            found = port;
        close(fd);
    }
    freeaddrinfo(ai);
    return found;
}

/* The live graphics: the address, socket and ports the guest really got. */
static void
set_graphics_live(MvDomainDef *def, const char *run_dir, int vnc_port, int spice_port)
{
    for (guint i = 0; i < def->graphics->len; i++) {
        MvDomainGraphics *gr = def->graphics->pdata[i];
        if (gr->type != MV_DOMAIN_GRAPHICS_VNC && gr->type != MV_DOMAIN_GRAPHICS_SPICE)
            continue;
        if (gr->listen_type == MV_DOMAIN_LISTEN_ADDRESS && !gr->listen)
            gr->listen = g_strdup("127.0.0.1");
        if (gr->listen_type == MV_DOMAIN_LISTEN_SOCKET && !gr->socket)
            gr->socket = g_strdup_printf("%s/%s.sock", run_dir, mv_domain_graphics_to_string(gr->type));
        int port = gr->type == MV_DOMAIN_GRAPHICS_VNC ? vnc_port : spice_port;
        if (gr->autoport && port > 0)
            gr->port = port;
    }
}

/* Record the pty of each pty serial port (and the console mirroring it) in the live XML. */
static void
set_pty_paths(MvDomainDef *def, GHashTable *ptys)
{
    if (!ptys)
        return;
    for (guint i = 0; i < def->serials->len; i++) {
        MvDomainChr *chr = def->serials->pdata[i];
        g_autofree char *label = g_strdup_printf("char%s", chr->info.alias ? chr->info.alias : "");
        const char *path = g_hash_table_lookup(ptys, label);
        if (chr->type != MV_DOMAIN_CHR_PTY || !path)
            continue;
        g_free(chr->path);
        chr->path = g_strdup(path);
        for (guint j = 0; j < def->consoles->len; j++) {
            MvDomainChr *con = def->consoles->pdata[j];
            if (con->type == MV_DOMAIN_CHR_PTY && con->target_port == (int)i && con->target_type == MV_DOMAIN_CHR_TARGET_SERIAL) {
                g_free(con->path);
                con->path = g_strdup(path);
            }
        }
    }
}

/* A start that failed: the persistent definition is the one again. */
static void
revert_live_def(MvDomainObj *obj)
{
    if (obj->newdef) {
        mv_domain_def_free(obj->def);
        obj->def = obj->newdef;
        obj->newdef = NULL;
    }
}

/* The one way a start that got past its checks fails, whatever step failed: the network
 * ports it took are given back (@netd_sock: taken; NULL: none yet, or given back by the step
 * that failed), its runtime files and state go, the persistent definition is the one again,
 * and the domain is shut off with reason failed.  Object locked.  Returns false. */
static bool
start_failed(QemuDriver *drv, MvDomainObj *obj, QemuDomainPriv *priv, const char *netd_sock)
{
    if (netd_sock)
        qemu_net_ports_release(netd_sock, obj->def);
    release_runtime(drv, obj, priv);
    revert_live_def(obj);
    mv_domain_obj_set_state(obj, MV_DOMAIN_SHUTOFF, MV_DOMAIN_SHUTOFF_FAILED);
    return false;
}

bool
qemu_domain_start(QemuDriver *drv, MvDomainObj *obj, bool paused, GError **error)
{
    QemuDomainPriv *priv = qemu_domain_priv(drv, obj);
    const MvDomainDef *def = obj->def;   /* stable: changes need the job we hold */
    const char *emulator = def->emulator ? def->emulator : drv->emulator;

    if (mv_domain_obj_is_active(obj)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is already running");
        return false;
    }
    if (!emulator) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "cannot start domain '%s': no QEMU binary is installed on this host", obj->name);
        return false;
    }
    g_autoptr(QemuCaps) caps = qemu_caps_get(emulator, error);
    if (!caps)
        return false;

    int id = mv_domain_list_next_id(drv->domains);
    g_autofree char *shortname = short_name(obj->name);
    priv->run_dir = g_strdup_printf("%s/domain-%d-%s", drv->lib_dir, id, shortname);
    priv->monitor_path = g_strdup_printf("%s/monitor.sock", priv->run_dir);
    /* Unique per root: daemons in other roots number their guests from 1 too. */
    priv->cgroup_name = g_strdup_printf("qemu-%d-%s-%08x", id, shortname, g_str_hash(drv->lib_dir));
    priv->generation++;
    if (g_mkdir_with_parents(priv->run_dir, 0700) < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot create directory '%s'", priv->run_dir);
        return start_failed(drv, obj, priv, NULL);
    }

    /* The live definition is a copy: the persistent one stays as defined (and is what
     * dumpxml --inactive shows) until the guest stops. */
    if (obj->persistent && !obj->newdef) {
        MvDomainDef *live = mv_domain_def_copy(def, error);
        if (!live)
            return start_failed(drv, obj, priv, NULL);
        obj->newdef = obj->def;
        obj->def = live;
        def = live;
    }

    if (!qemu_volumes_resolve(drv, (MvDomainDef *)def, error))
        return start_failed(drv, obj, priv, NULL);
    g_autofree char *log_path = g_strdup_printf("%s/%s.log", drv->log_dir, obj->name);
    QemuTaps taps = { 0 };
    g_autofree char *netd_sock = mv_daemon_path(drv->daemon, "run/libvirt/virtnetworkd-sock");
    if (!qemu_taps_open((MvDomainDef *)def, netd_sock, &taps, error))
        return start_failed(drv, obj, priv, NULL);   /* it gave back what it took */
    g_autofree char *kvm_reason = NULL;
    int spice_port = 0;
    for (guint i = 0; i < def->graphics->len; i++) {
        const MvDomainGraphics *gr = def->graphics->pdata[i];
        if (gr->type == MV_DOMAIN_GRAPHICS_SPICE && gr->autoport &&
            gr->listen_type == MV_DOMAIN_LISTEN_ADDRESS)
            spice_port = free_graphics_port(gr->listen);
    }
    QemuCommandPaths paths = {
        .spice_port = spice_port,
        .monitor_path = priv->monitor_path,
        .run_dir = priv->run_dir,
        .kvm_usable = qemu_kvm_usable(&kvm_reason),
        .kvm_reason = kvm_reason,
        .tap_fds = taps.fds,
        .n_tap_fds = taps.n,
    };
    g_auto(GStrv) argv = qemu_command_build(def, caps, &paths, error);
    if (!argv) {
        qemu_taps_close(&taps);
        return start_failed(drv, obj, priv, netd_sock);
    }
    g_autofree int *pass = g_new(int, MAX(taps.n, 1));
    size_t npass = 0;
    for (size_t i = 0; i < taps.n; i++) {
        if (taps.fds[i] >= 0)
            pass[npass++] = taps.fds[i];
    }

    size_t ndrop = 0;
    const int *drop = qemu_sandbox_guest_drops(&ndrop);
    QemuLaunchOpts opts = {
        .name = obj->name,
        .log_path = log_path,
        .pass_fds = pass,
        .n_pass_fds = npass,
        .drop_caps = drop,
        .n_drop_caps = ndrop,
        .monitor_path = priv->monitor_path,
        .cgroup_name = priv->cgroup_name,
        .own_session = true,
        .run = !paused,
        .callbacks = qemu_domain_monitor_callbacks,
        .opaque = obj,
    };
    mv_domain_obj_set_state(obj, MV_DOMAIN_PAUSED, MV_DOMAIN_PAUSED_STARTING_UP);
    priv->cb_ref = mv_domain_obj_ref(obj);
    mv_domain_obj_unlock(obj);
    QemuProcess *proc = NULL;
    bool ok = qemu_process_launch((const char *const *)argv, &opts, &proc, error);
    qemu_taps_close(&taps);   /* QEMU has its own copies now */
    g_autoptr(GHashTable) ptys = ok && has_pty_serial(def) ? query_ptys(qemu_process_monitor(proc)) : NULL;
    int vnc_port = -1;
    if (ok && def->graphics->len && !setup_graphics(qemu_process_monitor(proc), def, &vnc_port, error)) {
        g_prefix_error(error, "cannot set up the graphics of domain '%s': ", obj->name);
        qemu_process_stop(proc, false, NULL);
        g_clear_pointer(&proc, qemu_process_free);
        ok = false;
    }
    mv_domain_obj_lock(obj);
    if (!ok)
        return start_failed(drv, obj, priv, netd_sock);
    set_pty_paths(obj->def, ptys);
    set_graphics_live(obj->def, priv->run_dir, vnc_port, paths.spice_port);
    priv->proc = proc;
    mv_domain_list_set_id(drv->domains, obj, id);
    priv->inhibiting = true;
    mv_daemon_inhibit(drv->daemon);
    /* A RESUME or STOP event may have set the state already; the start decides it now. */
    if (paused)
        mv_domain_obj_set_state(obj, MV_DOMAIN_PAUSED, MV_DOMAIN_PAUSED_USER);
    else
        mv_domain_obj_set_state(obj, MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_BOOTED);
    qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_STARTED, MV_DOMAIN_EVENT_STARTED_BOOTED);
    if (paused)
        qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_SUSPENDED, MV_DOMAIN_EVENT_SUSPENDED_PAUSED);
    g_autoptr(GError) serr = NULL;
    if (!qemu_status_save(drv, obj, &serr))
        g_warning("domain '%s' runs, but its status could not be saved (a daemon restart will not find it): %s",
                  obj->name, serr->message);
    return true;
}

/* ---- API ---- */

/* Find, lock and take the job of the domain a Dom argument names. */
static MvDomainObj *
acquire(MvCall *call, const remote_nonnull_domain *dom, GError **error)
{
    MvDomainObj *obj = mv_domain_find(qemu_driver_of(call)->domains, dom, error);
    if (!obj)
        return NULL;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        mv_domain_obj_unref(obj);
        return NULL;
    }
    return obj;
}

static void
release(MvDomainObj *obj)
{
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
}

static bool
require_active(MvDomainObj *obj, GError **error)
{
    if (!mv_domain_obj_is_active(obj)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is not running");
        return false;
    }
    return true;
}

static bool
create_flags(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, remote_nonnull_domain *ret_dom,
             GError **error)
{
    if (!mv_flags_check(flags, START_PAUSED | START_AUTODESTROY | START_BYPASS_CACHE | START_FORCE_BOOT, MV_FROM_QEMU,
                     "virDomainCreateWithFlags", error))
        return false;
    if (flags & START_AUTODESTROY) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_ARGUMENT_UNSUPPORTED, "autodestroy is not supported yet");
        return false;
    }
    MvDomainObj *obj = acquire(call, dom, error);
    if (!obj)
        return false;
    bool ok = qemu_domain_start(qemu_driver_of(call), obj, flags & START_PAUSED, error);
    if (ok && ret_dom)
        mv_domain_to_wire(obj, ret_dom);
    release(obj);
    return ok;
}

bool
qemu_create(MvCall *call, void *args, void *ret, GError **error)
{
    return create_flags(call, &((remote_domain_only_args *)args)->dom, 0, NULL, error);
}

bool
qemu_create_with_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return create_flags(call, &a->dom, a->flags, &((remote_domain_ret *)ret)->dom, error);
}

bool
qemu_create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_create_xml_args *a = args;
    QemuDriver *drv = qemu_driver_of(call);

    if (!mv_flags_check(a->flags, START_PAUSED | START_VALIDATE | START_BYPASS_CACHE, MV_FROM_QEMU, "virDomainCreateXML", error))
        return false;
    g_autoptr(MvDomainDef) def = qemu_def_parse(drv, a->xml_desc, 0, error);
    if (!def)
        return false;
    g_mutex_lock(&drv->define_lock);
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->domains, def->name);
    if (obj) {
        mv_domain_obj_lock(obj);
        bool active = mv_domain_obj_is_active(obj);
        mv_domain_obj_unlock(obj);
        g_mutex_unlock(&drv->define_lock);
        if (active)
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain '%s' is already active", def->name);
        else
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                         "domain '%s' is already defined; start it instead", def->name);
        return false;
    }
    const char *name = def->name;
    obj = mv_domain_list_add(drv->domains, name, def->uuid, def, (GDestroyNotify)mv_domain_def_free, error);
    g_mutex_unlock(&drv->define_lock);
    if (!obj)
        return false;
    g_steal_pointer(&def);
    mv_domain_obj_lock(obj);
    obj->persistent = false;
    bool ok = mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error);
    if (ok) {
        ok = qemu_domain_start(drv, obj, a->flags & START_PAUSED, error);
        if (ok)
            mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
        else
            mv_domain_list_remove(drv->domains, obj);   /* a transient domain that never ran */
        mv_domain_obj_end_job(obj);
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

/* Kill QEMU before waiting for the job: a call stuck on a hung monitor holds the job, and
 * destroy must not wait behind it.  Its events are ignored from here on. */
static void
kill_before_job(MvCall *call, const remote_nonnull_domain *dom)
{
    g_autoptr(MvDomainObj) obj = mv_domain_find(qemu_driver_of(call)->domains, dom, NULL);
    if (!obj)
        return;
    mv_domain_obj_lock(obj);
    QemuDomainPriv *priv = obj->priv;
    if (priv && priv->proc && mv_domain_obj_is_active(obj)) {
        priv->stopping = true;
        qemu_process_kill_now(priv->proc);
    }
    mv_domain_obj_unlock(obj);
}

static bool
destroy(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, GError **error)
{
    if (!mv_flags_check(flags, DESTROY_GRACEFUL | DESTROY_REMOVE_LOGS, MV_FROM_QEMU, "virDomainDestroyFlags", error))
        return false;
    if (!(flags & DESTROY_GRACEFUL))
        kill_before_job(call, dom);
    MvDomainObj *obj = acquire(call, dom, error);
    if (!obj)
        return false;
    bool ok = require_active(obj, error);
    if (ok) {
        QemuDriver *drv = qemu_driver_of(call);
        g_autofree char *log = g_strdup_printf("%s/%s.log", drv->log_dir, obj->name);
        qemu_domain_stop(drv, obj, false, MV_DOMAIN_SHUTOFF_DESTROYED, MV_DOMAIN_EVENT_STOPPED_DESTROYED);
        if (flags & DESTROY_REMOVE_LOGS)
            unlink(log);
    }
    release(obj);
    return ok;
}

bool
qemu_destroy(MvCall *call, void *args, void *ret, GError **error)
{
    return destroy(call, &((remote_domain_only_args *)args)->dom, 0, error);
}

bool
qemu_destroy_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return destroy(call, &a->dom, a->flags, error);
}

/* Run a monitor command on the running domain behind @dom with the lock released. */
static bool
with_monitor(MvCall *call, const remote_nonnull_domain *dom,
             bool (*fn)(QemuDomainPriv *priv, MvDomainObj *obj, GError **error),
             void (*before)(QemuDomainPriv *priv), GError **error)
{
    MvDomainObj *obj = acquire(call, dom, error);
    if (!obj)
        return false;
    bool ok = require_active(obj, error);
    if (ok) {
        QemuDomainPriv *priv = qemu_domain_priv(qemu_driver_of(call), obj);
        if (before)
            before(priv);
        ok = fn(priv, obj, error);
    }
    release(obj);
    return ok;
}

static bool
do_powerdown(QemuDomainPriv *priv, MvDomainObj *obj, GError **error)
{
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    mv_domain_obj_unlock(obj);
    bool ok = qemu_monitor_system_powerdown(mon, error);
    mv_domain_obj_lock(obj);
    return ok;
}

static void
mark_reboot(QemuDomainPriv *priv)
{
    priv->fake_reboot = true;
}

static void
mark_shutdown(QemuDomainPriv *priv)
{
    priv->fake_reboot = false;
}

static bool
shutdown_flags(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, bool reboot, GError **error)
{
    if (!mv_flags_check(flags, SHUTDOWN_ACPI, MV_FROM_QEMU, reboot ? "virDomainReboot" : "virDomainShutdownFlags", error))
        return false;
    return with_monitor(call, dom, do_powerdown, reboot ? mark_reboot : mark_shutdown, error);
}

bool
qemu_shutdown(MvCall *call, void *args, void *ret, GError **error)
{
    return shutdown_flags(call, &((remote_domain_only_args *)args)->dom, 0, false, error);
}

bool
qemu_shutdown_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return shutdown_flags(call, &a->dom, a->flags, false, error);
}

bool
qemu_reboot(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    /* An ACPI power button press, then a reset instead of the stop when the guest is down. */
    return shutdown_flags(call, &a->dom, a->flags, true, error);
}

static bool
do_reset(QemuDomainPriv *priv, MvDomainObj *obj, GError **error)
{
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    mv_domain_obj_unlock(obj);
    bool ok = qemu_monitor_system_reset(mon, error);
    mv_domain_obj_lock(obj);
    return ok;
}

bool
qemu_reset(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    if (!mv_flags_check(a->flags, 0, MV_FROM_QEMU, "virDomainReset", error))
        return false;
    return with_monitor(call, &a->dom, do_reset, NULL, error);
}

static bool
do_suspend(QemuDomainPriv *priv, MvDomainObj *obj, GError **error)
{
    if (obj->state == MV_DOMAIN_PAUSED)
        return true;
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    mv_domain_obj_unlock(obj);
    bool ok = qemu_monitor_stop(mon, error);
    mv_domain_obj_lock(obj);
    if (ok && obj->state != MV_DOMAIN_PAUSED) {
        /* The STOP event normally got here first; if not, say it now. */
        mv_domain_obj_set_state(obj, MV_DOMAIN_PAUSED, MV_DOMAIN_PAUSED_USER);
        qemu_domain_event(priv->drv, obj, MV_DOMAIN_EVENT_SUSPENDED, MV_DOMAIN_EVENT_SUSPENDED_PAUSED);
    }
    return ok;
}

bool
qemu_suspend(MvCall *call, void *args, void *ret, GError **error)
{
    return with_monitor(call, &((remote_domain_only_args *)args)->dom, do_suspend, NULL, error);
}

static bool
do_resume(QemuDomainPriv *priv, MvDomainObj *obj, GError **error)
{
    if (obj->state == MV_DOMAIN_RUNNING)
        return true;
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    mv_domain_obj_unlock(obj);
    bool ok = qemu_monitor_cont(mon, error);
    mv_domain_obj_lock(obj);
    if (ok && obj->state != MV_DOMAIN_RUNNING) {
        mv_domain_obj_set_state(obj, MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_UNPAUSED);
        qemu_domain_event(priv->drv, obj, MV_DOMAIN_EVENT_RESUMED, MV_DOMAIN_EVENT_RESUMED_UNPAUSED);
    }
    return ok;
}

bool
qemu_resume(MvCall *call, void *args, void *ret, GError **error)
{
    return with_monitor(call, &((remote_domain_only_args *)args)->dom, do_resume, NULL, error);
}
