// SPDX-License-Identifier: LGPL-2.1-or-later
// Definitions, the same for every hypervisor driver: define, undefine, the XML back,
// autostart, and the calls that read or change memory and vCPUs (the persistent
// configuration here; the running domain through the driver's hooks).  The driver's parser
// and hooks come in its MvDomainDriver (daemon-domain-calls.h).

#include "daemon/daemon-domain-calls.h"
#include "daemon/daemon-events.h"
#include "daemon/daemon-frame.h"
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
mv_domain_event(MvDaemon *d, MvDomainObj *obj, int event, int detail)
{
    remote_nonnull_domain dom;
    mv_domain_to_wire(obj, &dom);
    mv_events_domain_lifecycle(mv_daemon_events(d), &dom, event, detail);
    g_free(dom.name);
}

bool
mv_domain_config_save(const MvDomainDriver *dd, const MvDomainDef *def, GError **error)
{
    g_autofree char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE, -1, error);
    return xml && mv_persist_config_save(dd->persist, def->name, xml, error);
}

void
mv_domain_autostart_run(const MvDomainDriver *dd)
{
    if (!mv_persist_autostart_due(dd->persist))
        return;

    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(dd->domains);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        g_autoptr(GError) err = NULL;
        mv_domain_obj_lock(obj);
        if (obj->autostart && !mv_domain_obj_is_active(obj) && mv_domain_obj_begin_job(obj, dd->job_wait_ms, &err)) {
            if (!mv_domain_obj_is_active(obj) && !dd->start(dd->drv, obj, &err))
                g_warning("cannot autostart domain '%s': %s", obj->name, err->message);
            else
                g_info("autostarted domain '%s'", obj->name);
            mv_domain_obj_end_job(obj);
        }
        mv_domain_obj_unlock(obj);
    }
    mv_persist_autostart_done(dd->persist);
}

/* The domain driver of @call's daemon. */
static const MvDomainDriver *
dd_of(MvCall *call)
{
    return mv_daemon_domain_driver(mv_daemon_of(call));
}


static bool
define(MvCall *call, const char *xml, unsigned flags, void *ret, GError **error)
{
    const MvDomainDriver *dd = dd_of(call);
    char uuid[MV_UUID_STRING_BUFLEN];

    if (!mv_flags_check(flags, DEFINE_VALIDATE, dd->from, "virDomainDefineXMLFlags", error))
        return false;
    /* Our parser rejects everything it does not understand, so VALIDATE adds nothing. */
    g_autoptr(MvDomainDef) def = dd->parse(dd->drv, xml, 0, error);
    if (!def)
        return false;
    mv_uuid_format(def->uuid, uuid);

    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(dd->define_lock);
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(dd->domains, def->name);
    if (!obj) {
        g_autoptr(MvDomainObj) same_uuid = mv_domain_list_find_by_uuid(dd->domains, def->uuid);
        if (same_uuid) {
            mv_error_set(error, dd->from, MV_ERR_OPERATION_FAILED,
                         "domain '%s' already exists with uuid %s", same_uuid->name, uuid);
            return false;
        }
        /* Write the file first: a define that returned must survive a crash. */
        if (!mv_domain_config_save(dd, def, error))
            return false;
        const char *name = def->name;
        obj = mv_domain_list_add(dd->domains, name, def->uuid, def, (GDestroyNotify)mv_domain_def_free, error);
        if (!obj)
            return false;
        g_steal_pointer(&def);
        mv_domain_obj_lock(obj);
        obj->persistent = true;
        mv_domain_event(mv_daemon_of(call), obj, MV_DOMAIN_EVENT_DEFINED, MV_DOMAIN_EVENT_DEFINED_ADDED);
        mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
        mv_domain_obj_unlock(obj);
        return true;
    }

    g_clear_pointer(&locker, g_mutex_locker_free);   /* updates only need the object's job */
    mv_domain_obj_lock(obj);
    if (memcmp(obj->uuid, def->uuid, 16) != 0) {
        char other[MV_UUID_STRING_BUFLEN];
        mv_uuid_format(obj->uuid, other);
        mv_error_set(error, dd->from, MV_ERR_OPERATION_FAILED,
                     "domain '%s' is already defined with uuid %s", obj->name, other);
        mv_domain_obj_unlock(obj);
        return false;
    }
    if (!mv_domain_obj_begin_job(obj, dd->job_wait_ms, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = mv_domain_config_save(dd, def, error);
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
        mv_domain_event(mv_daemon_of(call), obj, MV_DOMAIN_EVENT_DEFINED,
                          was_persistent ? MV_DOMAIN_EVENT_DEFINED_UPDATED : MV_DOMAIN_EVENT_DEFINED_ADDED);
        mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

static bool
mv_domain_call_define_xml(MvCall *call, void *args, void *ret, GError **error)
{
    return define(call, ((remote_domain_define_xml_args *)args)->xml, 0, ret, error);
}

static bool
mv_domain_call_define_xml_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_define_xml_flags_args *a = args;
    return define(call, a->xml, a->flags, ret, error);
}

static bool
undefine(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, GError **error)
{
    const MvDomainDriver *dd = dd_of(call);

    if (!mv_flags_check(flags, UNDEFINE_ALL, dd->from, "virDomainUndefineFlags", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(dd->domains, dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, dd->job_wait_ms, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = false;
    if (!obj->persistent) {
        mv_error_set(error, dd->from, MV_ERR_OPERATION_INVALID, "cannot undefine transient domain");
    } else if (mv_persist_config_remove(dd->persist, obj->name, error)) {
        ok = true;
        obj->persistent = false;
        obj->autostart = false;
        mv_domain_def_free(obj->newdef);
        obj->newdef = NULL;
        mv_domain_event(mv_daemon_of(call), obj, MV_DOMAIN_EVENT_UNDEFINED, MV_DOMAIN_EVENT_UNDEFINED_REMOVED);
        /* A running domain lives on as a transient one until it stops. */
        if (!mv_domain_obj_is_active(obj))
            mv_domain_list_remove(dd->domains, obj);
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

static bool
mv_domain_call_undefine(MvCall *call, void *args, void *ret, GError **error)
{
    return undefine(call, &((remote_domain_only_args *)args)->dom, 0, error);
}

static bool
mv_domain_call_undefine_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return undefine(call, &a->dom, a->flags, error);
}

static bool
mv_domain_call_get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    const MvDomainDriver *dd = dd_of(call);
    if (!mv_flags_check(a->flags, XML_SECURE | XML_INACTIVE | XML_UPDATE_CPU | XML_MIGRATABLE, dd->from,
                        "virDomainGetXMLDesc", error))
        return false;
    g_autoptr(MvDomainObj) obj = mv_domain_find(dd_of(call)->domains, &a->dom, error);
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
        def = obj->newdef ? obj->newdef : obj->def;
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
        g_autoptr(MvDomainObj) obj = mv_domain_find(dd_of(call)->domains, (dom), (error)); \
        if (!obj) \
            return false; \
        mv_domain_obj_lock(obj); \
        const MvDomainDef *def = obj->def; \
        body; \
        mv_domain_obj_unlock(obj); \
    } while (0)

static bool
mv_domain_call_get_os_type(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_DEF(call, &a->dom, error, {
        ((remote_domain_get_os_type_ret *)ret)->type = g_strdup(mv_domain_os_to_string(def->os.type));
    });
    return true;
}

static bool
mv_domain_call_get_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    remote_domain_get_info_ret *r = ret;
    const MvDomainDriver *dd = dd_of(call);
    WITH_DEF(call, &a->dom, error, {
        r->state = obj->state;
        r->maxMem = def->memory_kib;
        r->memory = def->current_memory_kib;
        r->nrVirtCpu = def->current_vcpus ? def->current_vcpus : def->vcpus;
        r->cpuTime = dd->cpu_time ? dd->cpu_time(obj) : 0;
    });
    return true;
}

static bool
mv_domain_call_get_max_memory(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_DEF(call, &a->dom, error, { ((remote_domain_get_max_memory_ret *)ret)->memory = def->memory_kib; });
    return true;
}

static bool
mv_domain_call_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_DEF(call, &a->dom, error, { ((remote_int_ret *)ret)->num = def->vcpus; });
    return true;
}

static bool
mv_domain_call_set_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_autostart_args *a = args;
    const MvDomainDriver *dd = dd_of(call);
    g_autoptr(MvDomainObj) obj = mv_domain_find(dd->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool ok = false;
    if (!obj->persistent)
        mv_error_set(error, dd->from, MV_ERR_OPERATION_INVALID, "cannot set autostart for transient domain");
    else if (mv_persist_autostart_set(dd->persist, obj->name, a->autostart != 0, error)) {
        obj->autostart = a->autostart != 0;
        ok = true;
    }
    mv_domain_obj_unlock(obj);
    return ok;
}

/* Apply @change to the running domain through the driver's hook @live (VIR_DOMAIN_AFFECT_LIVE;
 * NULL: the driver cannot, yet) and/or to a copy of the persistent definition, saved and
 * swapped in (AFFECT_CONFIG).  Neither flag: whichever the domain has now ("current"). */
static bool
change_config(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, const char *api,
              bool (*change)(MvDomainDef *def, guint64 value, unsigned flags, int from, GError **error),
              MvDomainLiveChange live, guint64 value, GError **error)
{
    const MvDomainDriver *dd = dd_of(call);
    g_autoptr(MvDomainObj) obj = mv_domain_find(dd->domains, dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, dd->job_wait_ms, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool active = mv_domain_obj_is_active(obj);
    bool ok = true;
    unsigned affect = flags & (AFFECT_LIVE | AFFECT_CONFIG);
    if (affect == 0)
        affect = active ? AFFECT_LIVE : AFFECT_CONFIG;   /* "current" */
    if ((affect & AFFECT_LIVE) && !active) {
        mv_error_set(error, dd->from, MV_ERR_OPERATION_INVALID, "domain is not running");
        ok = false;
    } else if ((affect & AFFECT_LIVE) && (!live || (flags & VCPU_MAXIMUM))) {
        mv_error_set(error, dd->from, MV_ERR_OPERATION_UNSUPPORTED,
                     "%s cannot change the running domain '%s'%s; use --config", api, obj->name,
                     live ? "'s maximum" : " yet");
        ok = false;
    } else if ((affect & AFFECT_CONFIG) && !obj->persistent) {
        mv_error_set(error, dd->from, MV_ERR_OPERATION_INVALID,
                     "cannot change persistent config of a transient domain");
        ok = false;
    }
    g_autoptr(MvDomainDef) copy = NULL;
    if (ok && (affect & AFFECT_CONFIG)) {
        /* Checked (and copied) first, so that a bad value changes nothing live either. */
        copy = mv_domain_def_copy(obj->newdef ? obj->newdef : obj->def, error);
        ok = copy && change(copy, value, flags, dd->from, error);
    }
    if (ok && (affect & AFFECT_LIVE)) {
        /* The live definition takes the change too, so the live XML and info show it. */
        ok = change(obj->def, value, flags, dd->from, error) && live(dd->drv, obj, value, error);
    }
    if (ok && copy) {
        ok = mv_domain_config_save(dd, copy, error);
        if (ok && active) {
            mv_domain_def_free(obj->newdef);
            obj->newdef = g_steal_pointer(&copy);
        } else if (ok) {
            mv_domain_def_free(obj->def);
            obj->def = g_steal_pointer(&copy);
        }
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

static bool
change_memory(MvDomainDef *def, guint64 kib, unsigned flags, int from, GError **error)
{
    if (flags & VCPU_MAXIMUM) {
        if (kib == 0) {
            mv_error_set(error, from, MV_ERR_INVALID_ARG, "memory must be greater than zero");
            return false;
        }
        def->memory_kib = kib;
        if (def->current_memory_kib > kib)
            def->current_memory_kib = kib;
        return true;
    }
    if (kib == 0 || kib > def->memory_kib) {
        mv_error_set(error, from, MV_ERR_INVALID_ARG,
                     "cannot set memory to %" G_GUINT64_FORMAT " KiB: it must be from 1 to the maximum of %"
                     G_GUINT64_FORMAT " KiB", kib, def->memory_kib);
        return false;
    }
    def->current_memory_kib = kib;
    return true;
}

static bool
mv_domain_call_set_memory_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_memory_flags_args *a = args;
    const MvDomainDriver *dd = dd_of(call);
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, dd->from,
                        "virDomainSetMemoryFlags", error))
        return false;
    return change_config(call, &a->dom, a->flags, "virDomainSetMemoryFlags", change_memory, dd->live_memory, a->memory, error);
}

static bool
change_vcpus(MvDomainDef *def, guint64 n, unsigned flags, int from, GError **error)
{
    if (n == 0) {
        mv_error_set(error, from, MV_ERR_INVALID_ARG, "the number of vCPUs must be at least 1");
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
        mv_error_set(error, from, MV_ERR_INVALID_ARG,
                     "requested vcpus is greater than max allowable vcpus for the persistent domain: %"
                     G_GUINT64_FORMAT " > %u", n, def->vcpus);
        return false;
    }
    def->current_vcpus = n == def->vcpus ? 0 : n;
    return true;
}

static bool
mv_domain_call_set_vcpus_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_vcpus_flags_args *a = args;
    const MvDomainDriver *dd = dd_of(call);
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM, dd->from,
                        "virDomainSetVcpusFlags", error))
        return false;
    return change_config(call, &a->dom, a->flags, "virDomainSetVcpusFlags", change_vcpus, dd->live_vcpus, a->nvcpus, error);
}

static bool
mv_domain_call_get_vcpus_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    const MvDomainDriver *dd = dd_of(call);
    if (!mv_flags_check(a->flags, AFFECT_LIVE | AFFECT_CONFIG | VCPU_MAXIMUM | VCPU_GUEST, dd->from,
                        "virDomainGetVcpusFlags", error))
        return false;
    if ((a->flags & AFFECT_LIVE) && (a->flags & AFFECT_CONFIG)) {
        mv_error_set(error, dd->from, MV_ERR_INVALID_ARG,
                     "flags 'affect live' and 'affect config' are mutually exclusive");
        return false;
    }
    if (a->flags & VCPU_GUEST) {
        mv_error_set(error, dd->from, MV_ERR_OPERATION_UNSUPPORTED,
                     "querying vCPUs through the guest agent is not supported");
        return false;
    }
    g_autoptr(MvDomainObj) obj = mv_domain_find(dd_of(call)->domains, &a->dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    bool ok = true;
    const MvDomainDef *def = obj->def;
    if (a->flags & AFFECT_CONFIG)
        def = obj->newdef ? obj->newdef : obj->def;
    else if ((a->flags & AFFECT_LIVE) && !mv_domain_obj_is_active(obj)) {
        mv_error_set(error, dd->from, MV_ERR_OPERATION_INVALID, "domain is not running");
        ok = false;
    }
    if (ok)
        ((remote_int_ret *)ret)->num = (a->flags & VCPU_MAXIMUM) ? def->vcpus
                                       : (def->current_vcpus ? def->current_vcpus : def->vcpus);
    mv_domain_obj_unlock(obj);
    return ok;
}

#define R MV_PROC_READONLY_OK
#define I MV_PROC_INLINE
#define P MV_PROC_PRIORITY
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)
#define ROW_RO_DENY(num, api, a, r, fn, fl, deny) \
    MV_PROC_ROW_RO_DENY(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl, deny)

/* Flags of virDomainGetXMLDesc a read-only client may not set, as libvirt refuses them:
 * VIR_DOMAIN_XML_SECURE (passwords) and VIR_DOMAIN_XML_MIGRATABLE (which implies it). */
#define XML_DESC_RO_DENIED (XML_SECURE | XML_MIGRATABLE)

const MvProcedure mv_domain_define_rows[] = {
    ROW(DOMAIN_DEFINE_XML, "virDomainDefineXML", domain_define_xml_args, domain_ret, mv_domain_call_define_xml, 0),
    ROW(DOMAIN_DEFINE_XML_FLAGS, "virDomainDefineXMLFlags", domain_define_xml_flags_args, domain_ret,
        mv_domain_call_define_xml_flags, 0),
    ROW_NORET(DOMAIN_UNDEFINE, "virDomainUndefine", domain_only_args, mv_domain_call_undefine, 0),
    ROW_NORET(DOMAIN_UNDEFINE_FLAGS, "virDomainUndefineFlags", domain_flags_args, mv_domain_call_undefine_flags, 0),
    ROW_RO_DENY(DOMAIN_GET_XML_DESC, "virDomainGetXMLDesc", domain_flags_args, domain_get_xml_desc_ret,
                mv_domain_call_get_xml_desc, R | P, XML_DESC_RO_DENIED),
    ROW(DOMAIN_GET_OS_TYPE, "virDomainGetOSType", domain_only_args, domain_get_os_type_ret, mv_domain_call_get_os_type, R | I),
    ROW(DOMAIN_GET_INFO, "virDomainGetInfo", domain_only_args, domain_get_info_ret, mv_domain_call_get_info, R | P),
    ROW(DOMAIN_GET_MAX_MEMORY, "virDomainGetMaxMemory", domain_only_args, domain_get_max_memory_ret,
        mv_domain_call_get_max_memory, R | I),
    ROW(DOMAIN_GET_MAX_VCPUS, "virDomainGetMaxVcpus", domain_only_args, int_ret, mv_domain_call_get_max_vcpus, R | I),
    ROW_NORET(DOMAIN_SET_AUTOSTART, "virDomainSetAutostart", domain_set_autostart_args, mv_domain_call_set_autostart, 0),
    ROW_NORET(DOMAIN_SET_MEMORY_FLAGS, "virDomainSetMemoryFlags", domain_set_memory_flags_args,
              mv_domain_call_set_memory_flags, 0),
    ROW_NORET(DOMAIN_SET_VCPUS_FLAGS, "virDomainSetVcpusFlags", domain_set_vcpus_flags_args,
              mv_domain_call_set_vcpus_flags, 0),
    ROW(DOMAIN_GET_VCPUS_FLAGS, "virDomainGetVcpusFlags", domain_flags_args, int_ret, mv_domain_call_get_vcpus_flags, R | P),
};
const size_t mv_domain_define_nrows = G_N_ELEMENTS(mv_domain_define_rows);
