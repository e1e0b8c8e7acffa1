// SPDX-License-Identifier: LGPL-2.1-or-later
// Running containers: start (create, create_xml, autostart), destroy, shutdown, reboot,
// suspend/resume (the freezer), the controller's monitor connection (a container that ended
// becomes shut off with the controller's reason and an event), live status files, and
// reattaching to the containers of a previous daemon.

#include "lxc-driver.h"
#include "lxc-command.h"
#include "lxc-controller.h"
#include "lxc-net.h"
#include "daemon/daemon-events.h"
#include "util/util-error.h"

#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

/* CREATE_XML / CREATE_WITH_FLAGS: none of libvirt's start flags (paused, autodestroy,
 * bypass cache, force boot, reset nvram) mean anything for a container we start. */
#define START_FLAGS 0
/* SHUTDOWN_FLAGS / REBOOT: init gets a signal whatever was asked (initctl, signal, default). */
#define SHUTDOWN_INITCTL 4
#define SHUTDOWN_SIGNAL 8
#define SHUTDOWN_FLAGS (SHUTDOWN_INITCTL | SHUTDOWN_SIGNAL)

guint64
lxc_domain_cpu_time(MvDomainObj *obj)
{
    LxcDomainPriv *priv = obj->priv;
    MvCgroupCpuStat st;
    if (!priv || !priv->proc || !priv->proc->payload || mv_cgroup_get_cpu_stat(priv->proc->payload, &st) < 0)
        return 0;
    return st.usage_ns;
}

static char *
socket_path(LxcDriver *drv, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.sock", name);
    return g_build_filename(drv->run_dir, file, NULL);
}

/* The live definition with its id and console, as the status file keeps it. */
static void
status_save(LxcDriver *drv, MvDomainObj *obj)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = mv_domain_def_format(obj->def, MV_DOMAIN_FORMAT_SECURE, obj->id, &err);
    if (!xml || !mv_persist_status_save(drv->persist, obj->name, xml, strlen(xml), &err))
        g_warning("cannot save the status of container '%s': %s, ignoring", obj->name, err->message);
}

/* ---- the end of a container ---- */

/* The container is gone (the controller said so, or is gone itself): remove what is left,
 * mark @obj shut off for @reason and tell the clients.  Object locked, job held. */
static void
finish_stopped(LxcDriver *drv, MvDomainObj *obj, const char *why)
{
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    g_autofree char *reason = g_strdup(why);   /* @why may be priv->exit_reason, freed below */
    g_info("container '%s' ended: %s", obj->name, reason);
    if (priv->watch)
        g_source_remove(priv->watch);
    priv->watch = 0;
    priv->generation++;
    if (priv->proc) {
        lxc_process_cleanup(priv->proc);
        g_clear_pointer(&priv->proc, lxc_process_free);
    }
    g_clear_pointer(&priv->exit_reason, g_free);
    int state_reason = MV_DOMAIN_SHUTOFF_CRASHED, detail = MV_DOMAIN_EVENT_STOPPED_CRASHED;
    if (g_str_equal(reason, LXC_CTL_EXIT_SHUTDOWN)) {
        state_reason = MV_DOMAIN_SHUTOFF_SHUTDOWN;
        detail = MV_DOMAIN_EVENT_STOPPED_SHUTDOWN;
    } else if (g_str_equal(reason, LXC_CTL_EXIT_DESTROYED)) {
        state_reason = MV_DOMAIN_SHUTOFF_DESTROYED;
        detail = MV_DOMAIN_EVENT_STOPPED_DESTROYED;
    }
    mv_persist_status_remove(drv->persist, obj->name);
    if (obj->newdef) {
        mv_domain_def_free(obj->def);
        obj->def = g_steal_pointer(&obj->newdef);
    }
    mv_obj_list_set_id(drv->domains, obj, -1);
    mv_obj_set_state(obj, MV_DOMAIN_SHUTOFF, state_reason);
    lxc_domain_event(drv, obj, MV_DOMAIN_EVENT_STOPPED, detail);
    mv_daemon_release(drv->daemon);
    if (!obj->persistent)
        mv_obj_list_remove(drv->domains, obj);
}

typedef struct {
    MvDomainObj *obj;       /* a reference */
    guint64 generation;
} LxcTask;

static void
task_run(gpointer data, gpointer user_data)
{
    LxcTask *t = data;
    LxcDriver *drv = user_data;
    g_autoptr(GError) err = NULL;
    mv_domain_obj_lock(t->obj);
    if (mv_domain_obj_begin_job(t->obj, LXC_JOB_WAIT_MS, &err)) {
        LxcDomainPriv *priv = lxc_domain_priv(t->obj);
        /* Only if nothing (a destroy) finished this run of the container meanwhile. */
        if (priv->generation == t->generation && priv->proc && priv->exit_reason)
            finish_stopped(drv, t->obj, priv->exit_reason);
        mv_domain_obj_end_job(t->obj);
    } else {
        g_warning("container '%s' ended but its state could not be updated: %s", t->obj->name, err->message);
    }
    mv_domain_obj_unlock(t->obj);
    mv_domain_obj_unref(t->obj);
    g_free(t);
}

GThreadPool *
lxc_task_pool_new(LxcDriver *drv)
{
    /* One thread: container exits are rare and short to handle. */
    return g_thread_pool_new(task_run, drv, 1, FALSE, NULL);
}

typedef struct {
    LxcDriver *drv;
    MvDomainObj *obj;       /* a reference */
    guint64 generation;
} LxcWatch;

static void
watch_free(gpointer data)
{
    LxcWatch *w = data;
    mv_domain_obj_unref(w->obj);
    g_free(w);
}

/* The monitor connection has something: "restarted PID" (a reboot) or the end. */
static gboolean
monitor_readable(gint fd, GIOCondition cond, gpointer data)
{
    LxcWatch *w = data;
    mv_domain_obj_lock(w->obj);
    LxcDomainPriv *priv = lxc_domain_priv(w->obj);
    if (priv->generation != w->generation || !priv->proc) {
        mv_domain_obj_unlock(w->obj);
        return G_SOURCE_REMOVE;
    }
    bool restarted = false;
    char *reason = lxc_process_read_monitor(priv->proc, &restarted);
    if (restarted) {
        status_save(w->drv, w->obj);
        remote_nonnull_domain dom;
        mv_domain_to_wire(w->obj, &dom);
        mv_events_domain_reboot(mv_daemon_events(w->drv->daemon), &dom);
        g_free(dom.name);
        mv_domain_obj_unlock(w->obj);
        return G_SOURCE_CONTINUE;
    }
    g_free(priv->exit_reason);
    priv->exit_reason = reason;
    priv->watch = 0;
    LxcTask *t = g_new0(LxcTask, 1);
    t->obj = mv_domain_obj_ref(w->obj);
    t->generation = priv->generation;
    g_thread_pool_push(w->drv->tasks, t, NULL);
    mv_domain_obj_unlock(w->obj);
    return G_SOURCE_REMOVE;
}

/* Watch the monitor connection of @obj (locked, running) on the I/O thread. */
static void
watch_start(LxcDriver *drv, MvDomainObj *obj)
{
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    LxcWatch *w = g_new0(LxcWatch, 1);
    w->drv = drv;
    w->obj = mv_domain_obj_ref(obj);
    w->generation = ++priv->generation;
    priv->watch = g_unix_fd_add_full(G_PRIORITY_DEFAULT, priv->proc->monitor_fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                     monitor_readable, w, watch_free);
}

/* Running now: id, state, console path, status file, watch, event. */
static void
mark_running(LxcDriver *drv, MvDomainObj *obj, int id, int state, int reason)
{
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    MvDomainDef *def = obj->def;
    if (def->consoles->len) {
        MvDomainChr *con = def->consoles->pdata[0];
        g_free(con->path);
        con->path = g_strdup(priv->proc->console);
    }
    mv_obj_list_set_id(drv->domains, obj, id);
    mv_obj_set_state(obj, state, reason);
    mv_daemon_inhibit(drv->daemon);
    watch_start(drv, obj);
    status_save(drv, obj);
}

/* ---- start ---- */

/* The run gets a definition of its own (interface targets, the console's pty), so the
 * persistent one stays as defined; finish_stopped puts it back. */
static bool
split_live_def(MvDomainObj *obj, GError **error)
{
    if (!obj->persistent || obj->newdef)
        return true;
    MvDomainDef *live = mv_domain_def_copy(obj->def, error);
    if (!live)
        return false;
    obj->newdef = obj->def;
    obj->def = live;
    return true;
}

static void
unsplit_live_def(MvDomainObj *obj)
{
    if (!obj->newdef)
        return;
    mv_domain_def_free(obj->def);
    obj->def = g_steal_pointer(&obj->newdef);
}

bool
lxc_domain_start(LxcDriver *drv, MvDomainObj *obj, GError **error)
{
    if (!split_live_def(obj, error))
        return false;
    MvDomainDef *def = obj->def;
    g_autoptr(GPtrArray) options = lxc_command_build(def, error);
    if (!options) {
        unsplit_live_def(obj);
        return false;
    }
    g_autoptr(GPtrArray) veths = g_ptr_array_new_with_free_func(g_free);
    if (!lxc_net_prepare(def, options, veths, error)) {
        lxc_net_cleanup(veths);
        unsplit_live_def(obj);
        return false;
    }
    g_ptr_array_add(options, NULL);
    g_autofree char *sock = socket_path(drv, obj->name);
    g_autofree char *log_file = g_strdup_printf("%s.log", obj->name);
    g_autofree char *log = g_build_filename(drv->log_dir, log_file, NULL);
    g_autofree char *name = g_strdup(obj->name);
    LxcLaunchOpts opts = {
        .name = name,
        .controller = drv->controller,
        .options = (const char *const *)options->pdata,
        .socket_path = sock,
        .log_path = log,
        .cgroup_parent = drv->cgroup_parent,
        .memory_kib = def->current_memory_kib ? def->current_memory_kib : def->memory_kib,
        .vcpus = def->current_vcpus ? def->current_vcpus : def->vcpus,
    };
    /* Starting takes a while (namespaces, mounts): other calls may read the object meanwhile,
     * the job keeps changes away. */
    mv_domain_obj_unlock(obj);
    LxcProcess *proc = NULL;
    bool ok = lxc_process_start(&opts, &proc, error);
    mv_domain_obj_lock(obj);
    if (!ok) {
        lxc_net_cleanup(veths);
        unsplit_live_def(obj);
        return false;
    }
    LxcDomainPriv *priv = lxc_domain_priv(obj);
    priv->proc = proc;
    mark_running(drv, obj, mv_obj_list_next_id(drv->domains), MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_BOOTED);
    lxc_domain_event(drv, obj, MV_DOMAIN_EVENT_STARTED, MV_DOMAIN_EVENT_STARTED_BOOTED);
    return true;
}

/* Look up @dom, lock it and take its job. */
static MvDomainObj *
begin(MvCall *call, const remote_nonnull_domain *dom, GError **error)
{
    LxcDriver *drv = lxc_driver_of(call);
    MvDomainObj *obj = mv_domain_find(drv->domains, dom, error);
    if (!obj)
        return NULL;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, LXC_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        mv_domain_obj_unref(obj);
        return NULL;
    }
    return obj;
}

static void
end(MvDomainObj *obj)
{
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
}

static bool
not_running(MvDomainObj *obj, GError **error)
{
    if (mv_domain_obj_is_active(obj))
        return false;
    mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_INVALID, "domain '%s' is not running", obj->name);
    return true;
}

static bool
create(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, void *ret, GError **error)
{
    if (!mv_flags_check(flags, START_FLAGS, MV_FROM_LXC, "virDomainCreateWithFlags", error))
        return false;
    MvDomainObj *obj = begin(call, dom, error);
    if (!obj)
        return false;
    bool ok = false;
    if (mv_domain_obj_is_active(obj))
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_INVALID, "domain '%s' is already running", obj->name);
    else
        ok = lxc_domain_start(lxc_driver_of(call), obj, error);
    if (ok && ret)
        mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
    end(obj);
    return ok;
}

bool
lxc_create(MvCall *call, void *args, void *ret, GError **error)
{
    return create(call, &((remote_domain_only_args *)args)->dom, 0, NULL, error);
}

bool
lxc_create_with_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return create(call, &a->dom, a->flags, ret, error);
}

bool
lxc_create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_create_xml_args *a = args;
    LxcDriver *drv = lxc_driver_of(call);
    if (!mv_flags_check(a->flags, START_FLAGS, MV_FROM_LXC, "virDomainCreateXML", error))
        return false;
    g_autoptr(MvDomainDef) def = lxc_def_parse(drv, a->xml_desc, 0, error);
    if (!def)
        return false;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->define_lock);
    g_autoptr(MvDomainObj) same = mv_domain_list_find_by_name(drv->domains, def->name);
    if (same) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_FAILED, "domain '%s' already exists", def->name);
        return false;
    }
    g_autoptr(MvDomainObj) obj = mv_domain_list_add(drv->domains, def->name, def->uuid, def,
                                                    (GDestroyNotify)mv_domain_def_free, error);
    if (!obj)
        return false;
    g_steal_pointer(&def);
    mv_domain_obj_lock(obj);
    g_clear_pointer(&locker, g_mutex_locker_free);
    bool ok = mv_domain_obj_begin_job(obj, LXC_JOB_WAIT_MS, error);
    if (ok) {
        ok = lxc_domain_start(drv, obj, error);
        if (ok)
            mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
        else
            mv_obj_list_remove(drv->domains, obj);   /* a transient that never ran */
        mv_domain_obj_end_job(obj);
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

/* ---- stopping ---- */

static bool
destroy(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, GError **error)
{
    /* DESTROY_GRACEFUL (1): our destroy is always SIGKILL to init, which is immediate. */
    if (!mv_flags_check(flags, 1, MV_FROM_LXC, "virDomainDestroyFlags", error))
        return false;
    MvDomainObj *obj = begin(call, dom, error);
    if (!obj)
        return false;
    LxcDriver *drv = lxc_driver_of(call);
    bool ok = !not_running(obj, error);
    if (ok) {
        LxcDomainPriv *priv = lxc_domain_priv(obj);
        if (!priv->exit_reason) {
            /* We read the monitor ourselves now: the watch must not race us for it. */
            if (priv->watch)
                g_source_remove(priv->watch);
            priv->watch = 0;
            priv->generation++;
            LxcProcess *proc = priv->proc;
            g_autoptr(GError) kill_err = NULL;
            bool asked = lxc_process_command(proc, "stop kill", &kill_err);
            mv_domain_obj_unlock(obj);
            bool restarted = true;
            /* The controller answers with "exit ..." (or is gone: EOF). */
            for (int i = 0; asked && restarted && i < LXC_DESTROY_WAIT_MS / LXC_PROCESS_COMMAND_MS; i++)
                g_free(lxc_process_read_monitor(proc, &restarted));
            mv_domain_obj_lock(obj);
        }
        finish_stopped(drv, obj, LXC_CTL_EXIT_DESTROYED);
    }
    end(obj);
    return ok;
}

bool
lxc_destroy(MvCall *call, void *args, void *ret, GError **error)
{
    return destroy(call, &((remote_domain_only_args *)args)->dom, 0, error);
}

bool
lxc_destroy_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return destroy(call, &a->dom, a->flags, error);
}

/* Send @command to a running container's controller. */
static bool
command(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, const char *api, const char *cmd,
        GError **error)
{
    if (!mv_flags_check(flags, SHUTDOWN_FLAGS, MV_FROM_LXC, api, error))
        return false;
    MvDomainObj *obj = begin(call, dom, error);
    if (!obj)
        return false;
    bool ok = !not_running(obj, error) && lxc_process_command(lxc_domain_priv(obj)->proc, cmd, error);
    end(obj);
    return ok;
}

bool
lxc_shutdown(MvCall *call, void *args, void *ret, GError **error)
{
    return command(call, &((remote_domain_only_args *)args)->dom, 0, "virDomainShutdown", "stop term", error);
}

bool
lxc_shutdown_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return command(call, &a->dom, a->flags, "virDomainShutdownFlags", "stop term", error);
}

bool
lxc_reboot(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return command(call, &a->dom, a->flags, "virDomainReboot", "reboot", error);
}

static bool
freeze(MvCall *call, const remote_nonnull_domain *dom, bool frozen, GError **error)
{
    MvDomainObj *obj = begin(call, dom, error);
    if (!obj)
        return false;
    LxcDriver *drv = lxc_driver_of(call);
    bool ok = !not_running(obj, error);
    if (ok && frozen == (obj->state == MV_DOMAIN_PAUSED)) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_INVALID, "domain '%s' is %s", obj->name,
                     frozen ? "already paused" : "not paused");
        ok = false;
    }
    if (ok && (ok = lxc_process_freeze(lxc_domain_priv(obj)->proc, frozen, error))) {
        mv_obj_set_state(obj, frozen ? MV_DOMAIN_PAUSED : MV_DOMAIN_RUNNING,
                         frozen ? MV_DOMAIN_PAUSED_USER : MV_DOMAIN_RUNNING_UNPAUSED);
        lxc_domain_event(drv, obj, frozen ? MV_DOMAIN_EVENT_SUSPENDED : MV_DOMAIN_EVENT_RESUMED,
                         frozen ? MV_DOMAIN_EVENT_SUSPENDED_PAUSED : MV_DOMAIN_EVENT_RESUMED_UNPAUSED);
    }
    end(obj);
    return ok;
}

bool
lxc_suspend(MvCall *call, void *args, void *ret, GError **error)
{
    return freeze(call, &((remote_domain_only_args *)args)->dom, true, error);
}

bool
lxc_resume(MvCall *call, void *args, void *ret, GError **error)
{
    return freeze(call, &((remote_domain_only_args *)args)->dom, false, error);
}

/* ---- daemon start ---- */

static void
reattach_one(const char *path, void *opaque)
{
    LxcDriver *drv = opaque;
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        g_warning("cannot read status file '%s': %s, ignoring", path, err->message);
        return;
    }
    g_autoptr(MvDomainDef) live = mv_domain_def_parse(xml, MV_DOMAIN_PARSE_LIVE, &err);
    if (!live) {
        g_warning("cannot parse status file '%s': %s, ignoring", path, err->message);
        return;
    }
    int id = live->id;
    g_autofree char *name = g_strdup(live->name);
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->domains, name);
    if (!obj) {
        obj = mv_domain_list_add(drv->domains, name, live->uuid, live, (GDestroyNotify)mv_domain_def_free, &err);
        if (!obj) {
            g_warning("cannot take back container '%s': %s, ignoring", name, err->message);
            return;
        }
        g_steal_pointer(&live);
    }
    mv_domain_obj_lock(obj);
    if (live) {
        /* The persistent definition waits until the container stops. */
        obj->newdef = obj->def;
        obj->def = g_steal_pointer(&live);
    }
    g_autofree char *sock = socket_path(drv, name);
    LxcProcess *proc = NULL;
    if (lxc_process_attach(name, sock, drv->cgroup_parent, &proc, &err)) {
        LxcDomainPriv *priv = lxc_domain_priv(obj);
        priv->proc = proc;
        g_autofree char *freezer = NULL;
        bool frozen = mv_cgroup_get_value(proc->payload, MV_CGROUP_FREEZER, "freezer.state", &freezer) == 0 &&
                      g_str_equal(freezer, "FROZEN");
        mv_obj_list_note_id(drv->domains, id);
        mark_running(drv, obj, id, frozen ? MV_DOMAIN_PAUSED : MV_DOMAIN_RUNNING,
                     frozen ? MV_DOMAIN_PAUSED_USER : MV_DOMAIN_RUNNING_BOOTED);
        g_info("container '%s' (init %d) is ours again", name, (int)proc->init_pid);
    } else {
        /* Ended while no daemon watched it: what it left goes, and it is shut off. */
        g_info("container '%s' is gone (%s): marking it crashed", name, err->message);
        lxc_process_cleanup_stale(name, sock, drv->cgroup_parent);
        mv_obj_list_set_id(drv->domains, obj, id);
        mv_daemon_inhibit(drv->daemon);   /* finish_stopped releases it */
        finish_stopped(drv, obj, LXC_CTL_EXIT_CRASHED);
    }
    mv_domain_obj_unlock(obj);
}

void
lxc_status_reattach_all(LxcDriver *drv)
{
    mv_persist_status_foreach(drv->persist, reattach_one, drv);
}
