// SPDX-License-Identifier: LGPL-2.1-or-later
// Definitions: define, undefine, the XML back, autostart, and the calls that read or change
// the persistent configuration (memory, vCPUs).  Running guests are qemu-lifecycle's.

#include "qemu-domain.h"
#include "qemu-persist.h"
#include "daemon/daemon-events.h"
#include "util/util-error.h"

#include <string.h>

/* DEFINE_XML_FLAGS */
#define DEFINE_VALIDATE 1
/* GET_XML_DESC */
#define XML_SECURE 1
#define XML_INACTIVE 2
#define XML_UPDATE_CPU 4
#define XML_MIGRATABLE 8
/* UNDEFINE_FLAGS: none of these have anything to remove here, so all are accepted. */
#define UNDEFINE_ALL 127
/* SET_MEMORY_FLAGS / SET_VCPUS_FLAGS / GET_VCPUS_FLAGS */
#define AFFECT_LIVE 1
#define AFFECT_CONFIG 2
#define VCPU_MAXIMUM 4
#define VCPU_GUEST 8

void
qemu_domain_event(QemuDriver *drv, MvDomainObj *obj, int event, int detail)
{
    remote_nonnull_domain dom;
    mv_domain_to_wire(obj, &dom);
    mv_events_domain_lifecycle(mv_daemon_events(drv->daemon), &dom, event, detail);
    g_free(dom.name);
}

/* The persistent definition of @obj (locked): the pending one while running. */
static MvDomainDef *
persistent_def(MvDomainObj *obj)
{
    return obj->newdef ? obj->newdef : obj->def;
}

static bool
define(MvCall *call, const char *xml, unsigned flags, void *ret, GError **error)
{
    QemuDriver *drv = qemu_driver_of(call);
    char uuid[MV_UUID_STRING_BUFLEN];

    if (!mv_flags_check(flags, DEFINE_VALIDATE, MV_FROM_QEMU, "virDomainDefineXMLFlags", error))
        return false;
    /* Our parser rejects everything it does not understand, so VALIDATE adds nothing. */
    g_autoptr(MvDomainDef) def = qemu_def_parse(drv, xml, 0, error);
    if (!def)
        return false;
    mv_uuid_format(def->uuid, uuid);

    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->define_lock);
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->domains, def->name);
    if (!obj) {
        g_autoptr(MvDomainObj) same_uuid = mv_domain_list_find_by_uuid(drv->domains, def->uuid);
        if (same_uuid) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                         "domain '%s' already exists with uuid %s", same_uuid->name, uuid);
            return false;
        }
        /* Write the file first: a define that returned must survive a crash. */
        if (!qemu_config_save(drv, def, error))
            return false;
        const char *name = def->name;
        obj = mv_domain_list_add(drv->domains, name, def->uuid, def, (GDestroyNotify)mv_domain_def_free, error);
        if (!obj)
            return false;
        g_steal_pointer(&def);
        mv_domain_obj_lock(obj);
        obj->persistent = true;
        qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_DEFINED, MV_DOMAIN_EVENT_DEFINED_ADDED);
        mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
        mv_domain_obj_unlock(obj);
        return true;
    }

    g_clear_pointer(&locker, g_mutex_locker_free);   /* updates only need the object's job */
    mv_domain_obj_lock(obj);
    if (memcmp(obj->uuid, def->uuid, 16) != 0) {
        char other[MV_UUID_STRING_BUFLEN];
        mv_uuid_format(obj->uuid, other);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "domain '%s' is already defined with uuid %s", obj->name, other);
        mv_domain_obj_unlock(obj);
        return false;
    }
    if (!mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = qemu_config_save(drv, def, error);
    if (ok) {
        bool was_persistent = obj->persistent;
        if (mv_domain_obj_is_active(obj)) {
            mv_domain_def_free(obj->newdef);
            obj->newdef = g_steal_pointer(&def);
        } else {
            mv_domain_def_free(obj->def);
            obj->def = g_steal_pointer(&def);
        }
        obj->persistent = true;
        qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_DEFINED,
                          was_persistent ? MV_DOMAIN_EVENT_DEFINED_UPDATED : MV_DOMAIN_EVENT_DEFINED_ADDED);
        mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

bool
qemu_define_xml(MvCall *call, void *args, void *ret, GError **error)
{
    return define(call, ((remote_domain_define_xml_args *)args)->xml, 0, ret, error);
}

bool
qemu_define_xml_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_define_xml_flags_args *a = args;
    return define(call, a->xml, a->flags, ret, error);
}

static bool
undefine(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, GError **error)
{
    QemuDriver *drv = qemu_driver_of(call);

    if (!mv_flags_check(flags, UNDEFINE_ALL, MV_FROM_QEMU, "virDomainUndefineFlags", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = false;
    if (!obj->persistent) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "cannot undefine transient domain");
    } else if (mv_persist_config_remove(drv->persist, obj->name, error)) {
        ok = true;
        obj->persistent = false;
        obj->autostart = false;
        mv_domain_def_free(obj->newdef);
        obj->newdef = NULL;
        qemu_domain_event(drv, obj, MV_DOMAIN_EVENT_UNDEFINED, MV_DOMAIN_EVENT_UNDEFINED_REMOVED);
        /* A running domain lives on as a transient one until it stops. */
        if (!mv_domain_obj_is_active(obj))
            mv_domain_list_remove(drv->domains, obj);
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

bool
qemu_undefine(MvCall *call, void *args, void *ret, GError **error)
{
    return undefine(call, &((remote_domain_only_args *)args)->dom, 0, error);
}

bool
qemu_undefine_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return undefine(call, &a->dom, a->flags, error);
}

bool
qemu_get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    if (!mv_flags_check(a->flags, XML_SECURE | XML_INACTIVE | XML_UPDATE_CPU | XML_MIGRATABLE, MV_FROM_QEMU,
                        "virDomainGetXMLDesc", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(qemu_driver_of(call)->domains, &a->dom, error);
    if (!obj)
        return false;
    unsigned fmt = 0;
    if (a->flags & XML_SECURE)
        fmt |= MV_DOMAIN_FORMAT_SECURE;
    mv_domain_obj_lock(obj);
    const MvDomainDef *def = obj->def;
    bool active = mv_domain_obj_is_active(obj);
    if ((a->flags & (XML_INACTIVE | XML_MIGRATABLE)) || !active) {
        fmt |= MV_DOMAIN_FORMAT_INACTIVE;
        def = persistent_def(obj);
    }
    char *xml = mv_domain_def_format(def, fmt, active ? obj->id : -1, error);
    mv_domain_obj_unlock(obj);
    if (!xml)
        return false;
    ((remote_domain_get_xml_desc_ret *)ret)->xml = xml;
    return true;
}

/* Run @body with @def = the object's current definition (locked). */
#define WITH_DEF(call, dom, error, body) do { \
        g_autoptr(MvDomainObj) obj = mv_domain_find(qemu_driver_of(call)->domains, (dom), (error)); \
        if (!obj) \
            return false; \
        mv_domain_obj_lock(obj); \
        const MvDomainDef *def = obj->def; \
        body; \
        mv_domain_obj_unlock(obj); \
    } while (0)

bool
qemu_get_os_type(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_DEF(call, &a->dom, error, {
        ((remote_domain_get_os_type_ret *)ret)->type = g_strdup(mv_domain_os_to_string(def->os.type));
    });
    return true;
}

bool
qemu_get_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    remote_domain_get_info_ret *r = ret;
    WITH_DEF(call, &a->dom, error, {
        r->state = obj->state;
        r->maxMem = def->memory_kib;
        r->memory = def->current_memory_kib;
        r->nrVirtCpu = def->current_vcpus ? def->current_vcpus : def->vcpus;
        r->cpuTime = qemu_domain_cpu_time(obj);
    });
    return true;
}

bool
qemu_get_max_memory(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_DEF(call, &a->dom, error, { ((remote_domain_get_max_memory_ret *)ret)->memory = def->memory_kib; });
    return true;
}

bool
qemu_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_DEF(call, &a->dom, error, { ((remote_int_ret *)ret)->num = def->vcpus; });
    return true;
}

bool
qemu_set_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_autostart_args *a = args;
    QemuDriver *drv = qemu_driver_of(call);
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool ok = false;
    if (!obj->persistent)
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "cannot set autostart for transient domain");
    else if (mv_persist_autostart_set(drv->persist, obj->name, a->autostart != 0, error)) {
        obj->autostart = a->autostart != 0;
        ok = true;
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

/* Apply @change to a copy of the persistent definition, save it, and swap it in.  Only the
 * persistent configuration can change this way; the live guest needs hotplug, which is not
 * implemented. */
static bool
change_config(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, const char *api,
              bool (*change)(MvDomainDef *def, guint64 value, unsigned flags, GError **error),
              guint64 value, GError **error)
{
    QemuDriver *drv = qemu_driver_of(call);
    g_autoptr(MvDomainObj) obj = mv_domain_find(drv->domains, dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, QEMU_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool active = mv_domain_obj_is_active(obj);
    bool ok = false;
    unsigned affect = flags & (AFFECT_LIVE | AFFECT_CONFIG);
    if (affect == 0)
        affect = active ? AFFECT_LIVE : AFFECT_CONFIG;   /* "current" */
    if (affect & AFFECT_LIVE) {
        if (!active)
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is not running");
        else
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_UNSUPPORTED,
                         "%s cannot change the running domain '%s' yet; use --config", api, obj->name);
    } else if (!obj->persistent) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID,
                     "cannot change persistent config of a transient domain");
    } else {
        g_autoptr(MvDomainDef) copy = mv_domain_def_copy(persistent_def(obj), error);
        if (copy && change(copy, value, flags, error) && qemu_config_save(drv, copy, error)) {
            if (active) {
                mv_domain_def_free(obj->newdef);
                obj->newdef = g_steal_pointer(&copy);
            } else {
                mv_domain_def_free(obj->def);
                obj->def = g_steal_pointer(&copy);
            }
            ok = true;
        }
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

static bool
change_memory(MvDomainDef *def, guint64 kib, unsigned flags, GError **error)
{
    if (flags & VCPU_MAXIMUM) {
        if (kib == 0) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "memory must be greater than zero");
            return false;
        }
        def->memory_kib = kib;
        if (def->current_memory_kib > kib)
            def->current_memory_kib = kib;
        return true;
    }
    if (kib == 0 || kib > def->memory_kib) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "cannot set memory to %" G_GUINT64_FORMAT " KiB: it must be from 1 to the maximum of %"
                     G_GUINT64_FORMAT " KiB", kib, def->memory_kib);
        return false;
    }
    def->current_memory_kib = kib;
    return true;
}

bool
qemu_set_memory_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_memory_flags_args *a = args;
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, MV_FROM_QEMU,
                        "virDomainSetMemoryFlags", error))
        return false;
    return change_config(call, &a->dom, a->flags, "virDomainSetMemoryFlags", change_memory, a->memory, error);
}

static bool
change_vcpus(MvDomainDef *def, guint64 n, unsigned flags, GError **error)
{
    if (n == 0) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "the number of vCPUs must be at least 1");
        return false;
    }
    if (flags & VCPU_MAXIMUM) {
        def->vcpus = n;
        if (def->current_vcpus > n)
            def->current_vcpus = n;
        if (def->current_vcpus == def->vcpus)
            def->current_vcpus = 0;
        return true;
    }
    if (n > def->vcpus) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "requested vcpus is greater than max allowable vcpus for the persistent domain: %"
                     G_GUINT64_FORMAT " > %u", n, def->vcpus);
        return false;
    }
    def->current_vcpus = n == def->vcpus ? 0 : n;
    return true;
}

bool
qemu_set_vcpus_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_vcpus_flags_args *a = args;
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, MV_FROM_QEMU,
                        "virDomainSetVcpusFlags", error))
        return false;
    return change_config(call, &a->dom, a->flags, "virDomainSetVcpusFlags", change_vcpus, a->nvcpus, error);
}

bool
qemu_get_vcpus_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM | VCPU_GUEST, MV_FROM_QEMU,
                        "virDomainGetVcpusFlags", error))
        return false;
    if ((a->flags & AFFECT_LIVE) && (a->flags & AFFECT_CONFIG)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "flags 'affect live' and 'affect config' are mutually exclusive");
        return false;
    }
    if (a->flags & VCPU_GUEST) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_UNSUPPORTED,
                     "querying vCPUs through the guest agent is not supported");
        return false;
    }
    g_autoptr(MvDomainObj) obj = mv_domain_find(qemu_driver_of(call)->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool ok = true;
    const MvDomainDef *def = obj->def;
    if (a->flags & AFFECT_CONFIG)
        def = persistent_def(obj);
    else if ((a->flags & AFFECT_LIVE) && !mv_domain_obj_is_active(obj)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_INVALID, "domain is not running");
        ok = false;
    }
    if (ok)
        ((remote_int_ret *)ret)->num = (a->flags & VCPU_MAXIMUM) ? def->vcpus
                                       : (def->current_vcpus ? def->current_vcpus : def->vcpus);
    mv_domain_obj_unlock(obj);
    return ok;
}
