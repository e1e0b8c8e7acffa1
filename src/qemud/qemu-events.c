// SPDX-License-Identifier: LGPL-2.1-or-later
// What QEMU's QMP events and its disappearance mean for a domain.  The callbacks run on
// the I/O thread and only update state under the object's lock; anything that must wait
// (stopping QEMU, resetting it for a reboot) goes to the driver's task thread.

#include "qemu-runtime.h"
#include "daemon/daemon-events.h"
#include "util/util-error.h"

#include <json-c/json.h>
#include <string.h>

typedef struct {
    MvDomainObj *obj;
    guint64 generation;
    QemuTaskFunc fn;
} Task;

static void
task_run(gpointer data, gpointer user_data)
{
    Task *t = data;
    QemuDriver *drv = user_data;
    MvDomainObj *obj = t->obj;
    g_autoptr(GError) err = NULL;

    mv_domain_obj_lock(obj);
    if (mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, &err)) {
        QemuDomainPriv *priv = obj->priv;
        /* A task for a run that already ended (destroyed meanwhile) has nothing to do. */
        if (priv && priv->generation == t->generation && mv_domain_obj_is_active(obj))
            t->fn(drv, obj);
        mv_domain_obj_end_job(obj);
    } else {
        g_warning("domain '%s': %s", obj->name, err->message);
    }
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    g_free(t);
}

/* One thread, so tasks of one domain run in the order QEMU's events came. */
GThreadPool *
qemu_task_pool_new(QemuDriver *drv)
{
    return g_thread_pool_new(task_run, drv, 1, FALSE, NULL);
}

void
qemu_task_schedule(QemuDriver *drv, MvDomainObj *obj, guint64 generation, QemuTaskFunc fn)
{
    Task *t = g_new0(Task, 1);
    t->obj = mv_domain_obj_ref(obj);
    t->generation = generation;
    t->fn = fn;
    g_thread_pool_push(drv->tasks, t, NULL);
}

/* ---- tasks ---- */

void
qemu_task_stop_after_shutdown(QemuDriver *drv, MvDomainObj *obj)
{
    qemu_domain_stop(drv, obj, true, MV_DOMAIN_SHUTOFF_SHUTDOWN, MV_DOMAIN_EVENT_STOPPED_SHUTDOWN);
}

static void
task_reboot(QemuDriver *drv, MvDomainObj *obj)
{
    QemuDomainPriv *priv = obj->priv;
    QemuMonitor *mon = qemu_process_monitor(priv->proc);
    g_autoptr(GError) err = NULL;

    priv->fake_reboot = false;
    priv->shutdown_seen = false;
    mv_domain_obj_unlock(obj);
    /* The guest shut down and QEMU (-no-shutdown) waits paused: reset it and run again. */
    bool ok = qemu_monitor_system_reset(mon, &err) && qemu_monitor_cont(mon, &err);
    mv_domain_obj_lock(obj);
    if (!ok) {
        g_warning("domain '%s': reboot failed (%s), stopping it", obj->name, err->message);
        qemu_domain_stop(drv, obj, false, MV_DOMAIN_SHUTOFF_SHUTDOWN, MV_DOMAIN_EVENT_STOPPED_SHUTDOWN);
        return;
    }
    priv->paused_shutdown = false;
    if (obj->state != MV_DOMAIN_RUNNING)
        mv_domain_obj_set_state(obj, MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_BOOTED);
}

static void
task_eof(QemuDriver *drv, MvDomainObj *obj)
{
    QemuDomainPriv *priv = obj->priv;
    if (priv->shutdown_seen) {
        qemu_domain_stop(drv, obj, false, MV_DOMAIN_SHUTOFF_SHUTDOWN, MV_DOMAIN_EVENT_STOPPED_SHUTDOWN);
    } else {
        /* libvirt's pair for a QEMU that went away without a shutdown: state reason
         * crashed, event detail failed (detail crashed is for a guest panic). */
        g_warning("QEMU of domain '%s' ended unexpectedly; marking the domain crashed", obj->name);
        qemu_domain_stop(drv, obj, false, MV_DOMAIN_SHUTOFF_CRASHED, MV_DOMAIN_EVENT_STOPPED_FAILED);
    }
}

static void
task_crashed(QemuDriver *drv, MvDomainObj *obj)
{
    /* on_crash: destroy (the default) and the coredump variants stop it; restart and
     * preserve are not offered, so stopping is what happens. */
    qemu_domain_stop(drv, obj, false, MV_DOMAIN_SHUTOFF_CRASHED, MV_DOMAIN_EVENT_STOPPED_CRASHED);
}

/* ---- callbacks (I/O thread) ---- */

static void
on_event(QemuMonitor *mon, const char *name, json_object *data, gint64 seconds, guint micros, void *opaque)
{
    MvDomainObj *obj = opaque;

    mv_domain_obj_lock(obj);
    QemuDomainPriv *priv = obj->priv;
    if (!priv || !priv->proc || qemu_process_monitor(priv->proc) != mon || priv->stopping) {
        mv_domain_obj_unlock(obj);
        return;
    }
    QemuDriver *drv = priv->drv;
    g_debug("domain '%s': QEMU event %s", obj->name, name);

    if (g_str_equal(name, "STOP")) {
        if (obj->state == MV_DOMAIN_RUNNING && !priv->paused_shutdown) {
            mv_domain_obj_set_state(obj, MV_DOMAIN_PAUSED, MV_DOMAIN_PAUSED_USER);
            qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_SUSPENDED, MV_DOMAIN_EVENT_SUSPENDED_PAUSED);
        }
    } else if (g_str_equal(name, "RESUME")) {
        if (obj->state == MV_DOMAIN_PAUSED && obj->reason != MV_DOMAIN_PAUSED_STARTING_UP) {
            mv_domain_obj_set_state(obj, MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_UNPAUSED);
            qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_RESUMED, MV_DOMAIN_EVENT_RESUMED_UNPAUSED);
        }
    } else if (g_str_equal(name, "SHUTDOWN")) {
        json_object *guest = NULL;
        bool by_guest = data && json_object_object_get_ex(data, "guest", &guest) && json_object_get_boolean(guest);
        if (obj->state == MV_DOMAIN_SHUTDOWN || priv->paused_shutdown) {
            mv_domain_obj_unlock(obj);      /* repeated: libvirt ignores it too */
            return;
        }
        priv->shutdown_seen = true;
        if (priv->fake_reboot && by_guest) {
            priv->paused_shutdown = true;   /* invisible, as libvirt's fake reboot */
            qemu_task_schedule(drv, obj, priv->generation, task_reboot);
        } else {
            qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_SHUTDOWN,
                              by_guest ? MV_DOMAIN_EVENT_SHUTDOWN_GUEST : MV_DOMAIN_EVENT_SHUTDOWN_HOST);
            mv_domain_obj_set_state(obj, MV_DOMAIN_SHUTDOWN, MV_DOMAIN_SHUTDOWN_USER);
            qemu_task_schedule(drv, obj, priv->generation, qemu_task_stop_after_shutdown);
        }
    } else if (g_str_equal(name, "RESET")) {
        remote_nonnull_domain dom;
        mv_domain_to_wire(obj, &dom);
        mv_events_domain_reboot(mv_daemon_events(drv->daemon), &dom);
        g_free(dom.name);
    } else if (g_str_equal(name, "GUEST_PANICKED")) {
        mv_domain_obj_set_state(obj, MV_DOMAIN_CRASHED, MV_DOMAIN_CRASHED_PANICKED);
        qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_CRASHED, MV_DOMAIN_EVENT_CRASHED_PANICKED);
        qemu_task_schedule(drv, obj, priv->generation, task_crashed);
    }
    mv_domain_obj_unlock(obj);
}

static void
on_eof(QemuMonitor *mon, const GError *reason, void *opaque)
{
    MvDomainObj *obj = opaque;

    mv_domain_obj_lock(obj);
    QemuDomainPriv *priv = obj->priv;
    if (priv && priv->proc && qemu_process_monitor(priv->proc) == mon && !priv->stopping) {
        if (reason)
            g_info("domain '%s': monitor connection ended: %s", obj->name, reason->message);
        qemu_task_schedule(priv->drv, obj, priv->generation, task_eof);
    }
    mv_domain_obj_unlock(obj);
}

const QemuMonitorCallbacks qemu_domain_monitor_callbacks = {
    .event = on_event,
    .eof = on_eof,
};
