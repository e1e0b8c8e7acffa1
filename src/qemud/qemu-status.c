// SPDX-License-Identifier: LGPL-2.1-or-later
// Live status files, enough to find a guest again after the daemon restarts: the process
// (pid and start time), its monitor socket and cgroup, the vCPU threads and the live
// definition.  Also reattaching at start-up and autostart once per host boot.

#include "qemu-runtime.h"
#include "util/util-cgroup.h"
#include "qemu-persist.h"
#include "util/util-error.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

bool
qemu_status_save(QemuDriver *drv, MvDomainObj *obj, GError **error)
{
    QemuDomainPriv *priv = obj->priv;
    g_autofree char *xml = mv_domain_def_format(obj->def, MV_DOMAIN_FORMAT_SECURE, obj->id, error);
    if (!xml)
        return false;
    g_autoptr(GString) s = g_string_new(NULL);
    g_autofree char *mon = g_markup_escape_text(priv->monitor_path, -1);
    g_autofree char *cg = g_markup_escape_text(priv->cgroup_name, -1);
    g_autofree char *dir = g_markup_escape_text(priv->run_dir, -1);
    g_string_append_printf(s, "<domstatus pid='%d' starttime='%" G_GUINT64_FORMAT "' id='%d' persistent='%s'"
                              " autostart='%s'>\n",
                           (int)qemu_process_pid(priv->proc), qemu_process_start_time(priv->proc), obj->id,
                           obj->persistent ? "yes" : "no", obj->autostart ? "yes" : "no");
    g_string_append_printf(s, "  <monitor path='%s'/>\n  <rundir path='%s'/>\n  <cgroup name='%s'/>\n", mon, dir, cg);
    size_t ntids = 0;
    const pid_t *tids = qemu_process_vcpu_tids(priv->proc, &ntids);
    g_string_append(s, "  <vcpus>\n");
    for (size_t i = 0; i < ntids; i++)
        g_string_append_printf(s, "    <vcpu id='%zu' tid='%d'/>\n", i, (int)tids[i]);
    g_string_append(s, "  </vcpus>\n");
    g_string_append(s, xml);
    g_string_append(s, "</domstatus>\n");
    return mv_persist_status_save(drv->persist, obj->name, s->str, s->len, error);
}

typedef struct {
    pid_t pid;
    guint64 start_time;
    int id;
    bool persistent;
    bool autostart;
    char *monitor_path;
    char *run_dir;
    char *cgroup_name;
    char *domain_xml;
} Status;

static void
status_clear(Status *st)
{
    g_free(st->monitor_path);
    g_free(st->run_dir);
    g_free(st->cgroup_name);
    g_free(st->domain_xml);
}

static char *
prop(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    char *r = v ? g_strdup((const char *)v) : NULL;
    xmlFree(v);
    return r;
}

static bool
status_parse(const char *path, Status *st, GError **error)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return false;
    xmlDocPtr doc = xmlReadMemory(text, strlen(text), path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_XML_ERROR, "status file '%s' is not well-formed XML", path);
        return false;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    bool ok = root && xmlStrEqual(root->name, (const xmlChar *)"domstatus");
    if (ok) {
        g_autofree char *pid = prop(root, "pid");
        g_autofree char *start = prop(root, "starttime");
        g_autofree char *id = prop(root, "id");
        g_autofree char *pers = prop(root, "persistent");
        g_autofree char *aut = prop(root, "autostart");
        st->pid = pid ? atoi(pid) : 0;
        st->start_time = start ? g_ascii_strtoull(start, NULL, 10) : 0;
        st->id = id ? atoi(id) : -1;
        st->persistent = g_strcmp0(pers, "yes") == 0;
        st->autostart = g_strcmp0(aut, "yes") == 0;
        for (xmlNodePtr n = root->children; n; n = n->next) {
            if (n->type != XML_ELEMENT_NODE)
                continue;
            if (xmlStrEqual(n->name, (const xmlChar *)"monitor"))
                st->monitor_path = prop(n, "path");
            else if (xmlStrEqual(n->name, (const xmlChar *)"rundir"))
                st->run_dir = prop(n, "path");
            else if (xmlStrEqual(n->name, (const xmlChar *)"cgroup"))
                st->cgroup_name = prop(n, "name");
            else if (xmlStrEqual(n->name, (const xmlChar *)"domain")) {
                xmlBufferPtr buf = xmlBufferCreate();
                xmlNodeDump(buf, doc, n, 0, 0);
                st->domain_xml = g_strdup((const char *)xmlBufferContent(buf));
                xmlBufferFree(buf);
            }
        }
        ok = st->pid > 0 && st->id > 0 && st->monitor_path && st->domain_xml;
    }
    xmlFreeDoc(doc);
    if (!ok)
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_XML_ERROR, "status file '%s' lacks pid, id, monitor or domain", path);
    return ok;
}

/* Reattach one guest from @path; an unusable file is logged and left alone. */
static void
reattach_one(const char *path, void *opaque)
{
    QemuDriver *drv = opaque;
    Status st = { 0 };
    g_autoptr(GError) err = NULL;

    if (!status_parse(path, &st, &err)) {
        g_warning("%s, ignoring it", err->message);
        status_clear(&st);
        return;
    }
    g_autoptr(MvDomainDef) live = mv_domain_def_parse(st.domain_xml, MV_DOMAIN_PARSE_LIVE, &err);
    if (!live) {
        g_warning("cannot read the domain in status file '%s': %s, ignoring it", path, err->message);
        status_clear(&st);
        return;
    }
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_uuid(drv->domains, live->uuid);
    if (!obj) {
        /* A transient domain: only the status file knew it. */
        const char *name = live->name;
        obj = mv_domain_list_add(drv->domains, name, live->uuid, mv_domain_def_copy(live, NULL),
                                 (GDestroyNotify)mv_domain_def_free, &err);
        if (!obj) {
            g_warning("cannot restore domain from '%s': %s", path, err->message);
            status_clear(&st);
            return;
        }
        obj->persistent = false;
    }

    mv_domain_obj_lock(obj);
    QemuDomainPriv *priv = qemu_domain_priv(drv, obj);
    /* The live definition replaces the persistent one while the guest runs. */
    if (obj->persistent) {
        mv_domain_def_free(obj->newdef);
        obj->newdef = obj->def;
    } else {
        mv_domain_def_free(obj->def);
    }
    obj->def = g_steal_pointer(&live);
    priv->run_dir = g_strdup(st.run_dir);
    priv->monitor_path = g_strdup(st.monitor_path);
    priv->cgroup_name = g_strdup(st.cgroup_name);
    priv->generation++;
    priv->cb_ref = mv_domain_obj_ref(obj);
    QemuLaunchOpts opts = {
        .name = obj->name,
        .monitor_path = st.monitor_path,
        .cgroup_name = st.cgroup_name,
        .callbacks = qemu_domain_monitor_callbacks,
        .opaque = obj,
    };
    const MvDomainDef *def = obj->def;
    const char *emulator = def->emulator ? def->emulator : drv->emulator;
    QemuProcess *proc = NULL;
    mv_domain_obj_unlock(obj);
    bool ok = qemu_process_reattach(st.pid, st.start_time, emulator, &opts, &proc, &err);
    bool running = false;
    g_autofree char *status = NULL;
    if (ok && !qemu_monitor_query_status(qemu_process_monitor(proc), &running, &status, &err)) {
        ok = false;
        qemu_process_free(g_steal_pointer(&proc));
    }
    mv_domain_obj_lock(obj);
    mv_domain_list_note_id(drv->domains, st.id);
    if (ok) {
        priv->proc = proc;
        mv_domain_list_set_id(drv->domains, obj, st.id);
        priv->inhibiting = true;
        mv_daemon_inhibit(drv->daemon);
        if (running)
            mv_domain_obj_set_state(obj, MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_BOOTED);
        else if (g_str_equal(status, "shutdown"))
            mv_domain_obj_set_state(obj, MV_DOMAIN_SHUTDOWN, MV_DOMAIN_SHUTDOWN_USER);
        else
            mv_domain_obj_set_state(obj, MV_DOMAIN_PAUSED, MV_DOMAIN_PAUSED_USER);
        g_info("reattached to domain '%s' (id %d, pid %d, %s)", obj->name, st.id, (int)st.pid,
               running ? "running" : status);
        if (g_str_equal(status, "shutdown"))
            qemu_task_schedule(drv, obj, priv->generation, qemu_task_stop_after_shutdown);
    } else {
        g_warning("domain '%s' (pid %d) is gone: %s; marking it crashed", obj->name, (int)st.pid, err->message);
        /* Clean up as if it had just died: its id was never handed out in this run. */
        obj->id = -1;
        MvCgroup *cg = NULL;
        if (st.cgroup_name && mv_cgroup_open(NULL, NULL, st.cgroup_name, 0, &cg) == 0) {
            mv_cgroup_remove(cg);
            mv_cgroup_free(cg);
        }
        qemu_domain_cleanup(drv, obj, MV_DOMAIN_SHUTOFF_CRASHED, MV_DOMAIN_EVENT_STOPPED_CRASHED);
    }
    mv_domain_obj_unlock(obj);
    status_clear(&st);
}

void
qemu_status_reattach_all(QemuDriver *drv)
{
    mv_persist_status_foreach(drv->persist, reattach_one, drv);
}

