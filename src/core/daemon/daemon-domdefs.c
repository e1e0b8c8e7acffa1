// SPDX-License-Identifier: LGPL-2.1-or-later
// The handlers of a definitions-only domain driver (daemon-domdefs.h).  Objects, lookups,
// filters and files are the driver kit's; this file only speaks the remote procedures.
// No object here ever runs, so every domain is inactive: id -1, state shut off.

#include "daemon/daemon-domdefs.h"

#include <string.h>

#include "daemon/daemon-programs.h"
#include "util/util-uuid.h"
#include "remote.h"

/* How long a call waits for another call's job on the same domain. */
#define DOMDEFS_JOB_WAIT_MS 30000

/* DEFINE_XML_FLAGS */
#define DEFINE_VALIDATE 1
/* GET_XML_DESC */
#define XML_SECURE 1
#define XML_INACTIVE 2
#define XML_UPDATE_CPU 4
#define XML_MIGRATABLE 8
#define XML_DESC_RO_DENIED (XML_SECURE | XML_MIGRATABLE)
/* UNDEFINE_FLAGS: nothing of what they name (managed save, snapshots, NVRAM, ...) exists
 * for these domains, so every one is accepted. */
#define UNDEFINE_ALL 127
/* GET_VCPUS_FLAGS */
#define VCPU_AFFECT_ALL 3
#define VCPU_MAXIMUM 4

typedef struct {
    const MvDomDefsSpec *spec;
    MvDaemon *daemon;
    MvDomainList *domains;
    MvPersist *persist;
    GMutex define_lock;     /* creating an object under a new name (daemon-driver.h) */
} DomDefs;

static DomDefs *
drv_of(MvCall *call)
{
    return mv_daemon_driver(mv_daemon_of(call));
}

static int
from_of(const DomDefs *drv)
{
    return drv->spec->kind->from;
}

static void
to_wire(MvDomainObj *obj, remote_nonnull_domain *ret_dom)
{
    ret_dom->name = g_strdup(obj->name);
    memcpy(ret_dom->uuid, obj->uuid, 16);
    ret_dom->id = obj->id;
}

static void
emit(DomDefs *drv, MvDomainObj *obj, int event, int detail)
{
    remote_nonnull_domain dom;
    to_wire(obj, &dom);
    mv_events_domain_lifecycle(mv_daemon_events(drv->daemon), &dom, event, detail);
    g_free(dom.name);
}

static MvDomainObj *
find(DomDefs *drv, const remote_nonnull_domain *dom, GError **error)
{
    return mv_obj_list_get_by_uuid(drv->domains, (const unsigned char *)dom->uuid, dom->name, error);
}

/* Parse client XML into a definition of the driver's type with its defaults. */
static MvDomainDef *
parse_def(DomDefs *drv, const char *xml, GError **error)
{
    g_autoptr(MvDomainDef) def = mv_domain_def_parse(xml, 0, error);
    if (!def)
        return NULL;
    if (def->virt_type != drv->spec->virt) {
        mv_error_set(error, from_of(drv), MV_ERR_CONFIG_UNSUPPORTED,
                     "domain '%s' has type '%s': this driver takes type '%s' only", def->name,
                     mv_domain_virt_to_string(def->virt_type), mv_domain_virt_to_string(drv->spec->virt));
        return NULL;
    }
    if (!drv->spec->prepare(def, error))
        return NULL;
    return g_steal_pointer(&def);
}

/* ---- host ---- */

static bool
get_version(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_version_ret *)ret)->hv_ver = drv_of(call)->spec->version;
    return true;
}

static bool
get_capabilities(MvCall *call, void *args, void *ret, GError **error)
{
    char *xml = drv_of(call)->spec->capabilities(error);
    ((remote_connect_get_capabilities_ret *)ret)->capabilities = xml;
    return xml != NULL;
}

static bool
get_max_vcpus(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_connect_get_max_vcpus_ret *)ret)->max_vcpus = (int)drv_of(call)->spec->max_vcpus;
    return true;
}

static bool
get_security_model(MvCall *call, void *args, void *ret, GError **error)
{
    /* No security driver: libvirt answers with empty strings. */
    return true;
}

static bool
from_native(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_domain_xml_from_native_args *a = args;
    DomDefs *drv = drv_of(call);
    if (!mv_flags_check(a->flags, 0, from_of(drv), "virConnectDomainXMLFromNative", error))
        return false;
    if (!g_str_equal(a->nativeFormat, drv->spec->native_format)) {
        mv_error_set(error, from_of(drv), MV_ERR_INVALID_ARG,
                     "unsupported config type %s (this driver reads '%s')", a->nativeFormat,
                     drv->spec->native_format);
        return false;
    }
    g_autoptr(MvDomainDef) def = drv->spec->from_native(a->nativeConfig, error);
    if (!def)
        return false;
    char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE, -1, error);
    ((remote_connect_domain_xml_from_native_ret *)ret)->domainXml = xml;
    return xml != NULL;
}

static bool
to_native(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_domain_xml_to_native_args *a = args;
    DomDefs *drv = drv_of(call);
    if (!mv_flags_check(a->flags, 0, from_of(drv), "virConnectDomainXMLToNative", error))
        return false;
    if (!g_str_equal(a->nativeFormat, drv->spec->native_format)) {
        mv_error_set(error, from_of(drv), MV_ERR_INVALID_ARG,
                     "unsupported config type %s (this driver writes '%s')", a->nativeFormat,
                     drv->spec->native_format);
        return false;
    }
    g_autoptr(MvDomainDef) def = parse_def(drv, a->domainXml, error);
    if (!def)
        return false;
    char *native = drv->spec->to_native(def, error);
    ((remote_connect_domain_xml_to_native_ret *)ret)->nativeConfig = native;
    return native != NULL;
}

/* ---- lists and lookups ---- */

static bool
list_all(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_all_domains_args *a = args;
    remote_connect_list_all_domains_ret *r = ret;
    DomDefs *drv = drv_of(call);
    g_autoptr(GPtrArray) found = mv_obj_list_filter(drv->domains, &mv_domain_list_filter, a->flags, error);
    if (!found)
        return false;
    if (found->len > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, from_of(drv), MV_ERR_INTERNAL_ERROR,
                     "too many domains for one reply: %u > %d", found->len, REMOTE_DOMAIN_LIST_MAX);
        return false;
    }
    r->ret = (int)found->len;
    if (!a->need_results)
        return true;
    r->domains.domains_len = found->len;
    r->domains.domains_val = g_new0(remote_nonnull_domain, found->len);
    for (guint i = 0; i < found->len; i++) {
        MvDomainObj *obj = found->pdata[i];
        mv_domain_obj_lock(obj);
        to_wire(obj, &r->domains.domains_val[i]);
        mv_domain_obj_unlock(obj);
    }
    return true;
}

static bool
num_of_domains(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = 0;   /* nothing runs */
    return true;
}

static bool
num_of_defined(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = (int)mv_domain_list_count(drv_of(call)->domains);
    return true;
}

static bool
list_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_domains_args *a = args;
    if (a->maxids < 0 || a->maxids > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxids > REMOTE_DOMAIN_LIST_MAX");
        return false;
    }
    return true;   /* no running domain ids */
}

static bool
list_defined(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_defined_domains_args *a = args;
    remote_connect_list_defined_domains_ret *r = ret;
    if (a->maxnames < 0 || a->maxnames > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxnames > REMOTE_DOMAIN_LIST_MAX");
        return false;
    }
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv_of(call)->domains);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (guint i = 0; i < all->len && names->len < (guint)a->maxnames; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        g_ptr_array_add(names, g_strdup(obj->name));
        mv_domain_obj_unlock(obj);
    }
    r->names.names_len = names->len;
    r->names.names_val = (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    return true;
}

static bool
reply_dom(MvDomainObj *obj, void *ret)
{
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    to_wire(obj, &((remote_domain_ret *)ret)->dom);
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    return true;
}

static bool
lookup_by_name(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_name_args *a = args;
    return reply_dom(mv_obj_list_get_by_name(drv_of(call)->domains, a->name, error), ret);
}

static bool
lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_uuid_args *a = args;
    return reply_dom(mv_obj_list_get_by_uuid(drv_of(call)->domains, (const unsigned char *)a->uuid,
                                             NULL, error), ret);
}

static bool
lookup_by_id(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_id_args *a = args;
    return reply_dom(mv_obj_list_get_by_id(drv_of(call)->domains, a->id, error), ret);
}

/* ---- one domain's bookkeeping ---- */

/* Find the domain of @dom, lock it and run @body with `obj` and `def`; unlock after. */
#define WITH_OBJ(call, dom, error, body) do { \
        g_autoptr(MvDomainObj) obj = find(drv_of(call), (dom), (error)); \
        if (!obj) \
            return false; \
        mv_domain_obj_lock(obj); \
        const MvDomainDef *def = obj->def; \
        (void)def; \
        body; \
        mv_domain_obj_unlock(obj); \
    } while (0)

static bool
get_state(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    remote_domain_get_state_ret *r = ret;
    if (!mv_flags_check(a->flags, 0, from_of(drv_of(call)), "virDomainGetState", error))
        return false;
    WITH_OBJ(call, &a->dom, error, { r->state = obj->state; r->reason = obj->reason; });
    return true;
}

static bool
is_active(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error,
             ((remote_int_ret *)ret)->num = mv_domain_obj_is_active(obj));
    return true;
}

static bool
is_persistent(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error,
             ((remote_int_ret *)ret)->num = obj->persistent);
    return true;
}

static bool
is_updated(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error, ((remote_int_ret *)ret)->num = 0);
    return true;
}

static bool
no_image(MvCall *call, void *args, void *ret, GError **error)
{
    /* HAS_MANAGED_SAVE_IMAGE, SNAPSHOT_NUM: none of either exists here. */
    remote_domain_flags_args *a = args;
    WITH_OBJ(call, &a->dom, error, ((remote_int_ret *)ret)->num = 0);
    return true;
}

static bool
get_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error,
             ((remote_domain_get_autostart_ret *)ret)->autostart = obj->autostart);
    return true;
}

static bool
set_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_set_autostart_args *a = args;
    DomDefs *drv = drv_of(call);
    bool ok = false;
    WITH_OBJ(call, &a->dom, error, {
        if (mv_persist_autostart_set(drv->persist, obj->name, a->autostart != 0, error)) {
            obj->autostart = a->autostart != 0;
            ok = true;
        }
    });
    return ok;
}

static bool
get_os_type(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error,
             ((remote_domain_get_os_type_ret *)ret)->type = g_strdup(mv_domain_os_to_string(def->os.type)));
    return true;
}

static bool
get_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_get_info_ret *r = ret;
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error, {
        r->state = (unsigned char)obj->state;
        r->maxMem = def->memory_kib;
        r->memory = def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
        r->nrVirtCpu = (unsigned short)(def->current_vcpus ? def->current_vcpus : def->vcpus);
        r->cpuTime = 0;
    });
    return true;
}

static bool
get_max_memory(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error,
             ((remote_domain_get_max_memory_ret *)ret)->memory = def->memory_kib);
    return true;
}

static bool
get_max_vcpus_dom(MvCall *call, void *args, void *ret, GError **error)
{
    WITH_OBJ(call, &((remote_domain_only_args *)args)->dom, error,
             ((remote_int_ret *)ret)->num = (int)def->vcpus);
    return true;
}

static bool
get_vcpus_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    if (!mv_flags_check(a->flags, VCPU_AFFECT_ALL | VCPU_MAXIMUM, from_of(drv_of(call)),
                        "virDomainGetVcpusFlags", error))
        return false;
    if ((a->flags & VCPU_AFFECT_ALL) == 1) {   /* LIVE on an inactive domain */
        mv_error_set(error, from_of(drv_of(call)), MV_ERR_OPERATION_INVALID, "domain is not running");
        return false;
    }
    WITH_OBJ(call, &a->dom, error, {
        unsigned cur = def->current_vcpus ? def->current_vcpus : def->vcpus;
        ((remote_int_ret *)ret)->num = (int)((a->flags & VCPU_MAXIMUM) ? def->vcpus : cur);
    });
    return true;
}

static bool
get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    if (!mv_flags_check(a->flags, XML_SECURE | XML_INACTIVE | XML_UPDATE_CPU | XML_MIGRATABLE,
                        from_of(drv_of(call)), "virDomainGetXMLDesc", error))
        return false;
    unsigned flags = MV_DOMAIN_FORMAT_INACTIVE;
    if (a->flags & (XML_SECURE | XML_MIGRATABLE))
        flags |= MV_DOMAIN_FORMAT_SECURE;
    char *xml = NULL;
    WITH_OBJ(call, &a->dom, error, xml = mv_domain_def_format(def, flags, -1, error));
    ((remote_domain_get_xml_desc_ret *)ret)->xml = xml;
    return xml != NULL;
}

/* ---- define, undefine ---- */

static bool
save(DomDefs *drv, const MvDomainDef *def, GError **error)
{
    g_autofree char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE | MV_DOMAIN_FORMAT_SECURE,
                                                -1, error);
    return xml && mv_persist_config_save(drv->persist, def->name, xml, error);
}

static bool
define(MvCall *call, const char *xml, unsigned flags, void *ret, GError **error)
{
    DomDefs *drv = drv_of(call);
    if (!mv_flags_check(flags, DEFINE_VALIDATE, from_of(drv), "virDomainDefineXMLFlags", error))
        return false;
    g_autoptr(MvDomainDef) def = parse_def(drv, xml, error);
    if (!def)
        return false;

    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->define_lock);
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->domains, def->name);
    if (!obj) {
        g_autoptr(MvDomainObj) same_uuid = mv_domain_list_find_by_uuid(drv->domains, def->uuid);
        if (same_uuid) {
            char uuid[MV_UUID_STRING_BUFLEN];
            mv_uuid_format(def->uuid, uuid);
            mv_error_set(error, from_of(drv), MV_ERR_OPERATION_FAILED,
                         "domain '%s' already exists with uuid %s", same_uuid->name, uuid);
            return false;
        }
        /* The file first: a define that returned survives a crash. */
        if (!save(drv, def, error))
            return false;
        obj = mv_domain_list_add(drv->domains, def->name, def->uuid, def,
                                 (GDestroyNotify)mv_domain_def_free, error);
        if (!obj)
            return false;
        g_steal_pointer(&def);
        mv_domain_obj_lock(obj);
        obj->persistent = true;
        emit(drv, obj, MV_DOMAIN_EVENT_DEFINED, MV_DOMAIN_EVENT_DEFINED_ADDED);
        to_wire(obj, &((remote_domain_ret *)ret)->dom);
        mv_domain_obj_unlock(obj);
        return true;
    }

    g_clear_pointer(&locker, g_mutex_locker_free);
    mv_domain_obj_lock(obj);
    if (memcmp(obj->uuid, def->uuid, 16) != 0) {
        char other[MV_UUID_STRING_BUFLEN];
        mv_uuid_format(obj->uuid, other);
        mv_error_set(error, from_of(drv), MV_ERR_OPERATION_FAILED,
                     "domain '%s' is already defined with uuid %s", obj->name, other);
        mv_domain_obj_unlock(obj);
        return false;
    }
    if (!mv_domain_obj_begin_job(obj, DOMDEFS_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = save(drv, def, error);
    if (ok) {
        mv_domain_def_free(obj->def);
        obj->def = g_steal_pointer(&def);
        emit(drv, obj, MV_DOMAIN_EVENT_DEFINED, MV_DOMAIN_EVENT_DEFINED_UPDATED);
        to_wire(obj, &((remote_domain_ret *)ret)->dom);
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

static bool
define_xml(MvCall *call, void *args, void *ret, GError **error)
{
    return define(call, ((remote_domain_define_xml_args *)args)->xml, 0, ret, error);
}

static bool
define_xml_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_define_xml_flags_args *a = args;
    return define(call, a->xml, a->flags, ret, error);
}

static bool
undefine(MvCall *call, const remote_nonnull_domain *dom, unsigned flags, GError **error)
{
    DomDefs *drv = drv_of(call);
    if (!mv_flags_check(flags, UNDEFINE_ALL, from_of(drv), "virDomainUndefineFlags", error))
        return false;
    g_autoptr(MvDomainObj) obj = find(drv, dom, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    if (!mv_domain_obj_begin_job(obj, DOMDEFS_JOB_WAIT_MS, error)) {
        mv_domain_obj_unlock(obj);
        return false;
    }
    bool ok = mv_persist_config_remove(drv->persist, obj->name, error);
    if (ok) {
        obj->persistent = false;
        obj->autostart = false;
        emit(drv, obj, MV_DOMAIN_EVENT_UNDEFINED, MV_DOMAIN_EVENT_UNDEFINED_REMOVED);
        mv_domain_list_remove(drv->domains, obj);
    }
    mv_domain_obj_end_job(obj);
    mv_domain_obj_unlock(obj);
    return ok;
}

static bool
undefine_only(MvCall *call, void *args, void *ret, GError **error)
{
    return undefine(call, &((remote_domain_only_args *)args)->dom, 0, error);
}

static bool
undefine_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    return undefine(call, &a->dom, a->flags, error);
}

/* ---- what needs a hypervisor ---- */

static bool
refuse_start(DomDefs *drv, const char *name, GError **error)
{
    mv_error_set(error, from_of(drv), MV_ERR_OPERATION_UNSUPPORTED, "cannot start domain '%s': %s",
                 name, drv->spec->start_refusal);
    return false;
}

static bool
create(MvCall *call, const remote_nonnull_domain *dom, GError **error)
{
    DomDefs *drv = drv_of(call);
    g_autoptr(MvDomainObj) obj = find(drv, dom, error);
    if (!obj)
        return false;
    /* Nothing was touched: the object stays shut off, its files as they were. */
    return refuse_start(drv, obj->name, error);
}

static bool
create_only(MvCall *call, void *args, void *ret, GError **error)
{
    return create(call, &((remote_domain_only_args *)args)->dom, error);
}

static bool
create_with_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    /* START_PAUSED, AUTODESTROY, BYPASS_CACHE, FORCE_BOOT, VALIDATE: libvirt's bits 1..16 */
    if (!mv_flags_check(a->flags, 31, from_of(drv_of(call)), "virDomainCreateWithFlags", error))
        return false;
    return create(call, &a->dom, error);
}

static bool
create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_create_xml_args *a = args;
    DomDefs *drv = drv_of(call);
    if (!mv_flags_check(a->flags, 31, from_of(drv), "virDomainCreateXML", error))
        return false;
    /* Bad XML is named first; a good definition is refused without being kept. */
    g_autoptr(MvDomainDef) def = parse_def(drv, a->xml_desc, error);
    return def && refuse_start(drv, def->name, error);
}

static bool
not_running(MvCall *call, const remote_nonnull_domain *dom, GError **error)
{
    DomDefs *drv = drv_of(call);
    g_autoptr(MvDomainObj) obj = find(drv, dom, error);
    if (!obj)
        return false;
    mv_error_set(error, from_of(drv), MV_ERR_OPERATION_INVALID, "domain '%s' is not running", obj->name);
    return false;
}

static bool
not_running_only(MvCall *call, void *args, void *ret, GError **error)
{
    return not_running(call, &((remote_domain_only_args *)args)->dom, error);
}

static bool
not_running_flags(MvCall *call, void *args, void *ret, GError **error)
{
    return not_running(call, &((remote_domain_flags_args *)args)->dom, error);
}

/* Row flags: R = read-only clients may call it; I = cheap, runs on the I/O thread;
 * P = priority lane. */
#define R MV_PROC_READONLY_OK
#define I MV_PROC_INLINE
#define P MV_PROC_PRIORITY
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

static const MvProcedure domdefs_rows[] = {
    ROW_NOARGS(CONNECT_GET_VERSION, "virConnectGetVersion", connect_get_version_ret, get_version, R | I),
    ROW_NOARGS(CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities", connect_get_capabilities_ret,
               get_capabilities, R),
    ROW(CONNECT_GET_MAX_VCPUS, "virConnectGetMaxVcpus", connect_get_max_vcpus_args, connect_get_max_vcpus_ret,
        get_max_vcpus, R | I),
    ROW_NOARGS(NODE_GET_SECURITY_MODEL, "virNodeGetSecurityModel", node_get_security_model_ret,
               get_security_model, R | I),
    ROW(CONNECT_DOMAIN_XML_FROM_NATIVE, "virConnectDomainXMLFromNative", connect_domain_xml_from_native_args,
        connect_domain_xml_from_native_ret, from_native, R),
    ROW(CONNECT_DOMAIN_XML_TO_NATIVE, "virConnectDomainXMLToNative", connect_domain_xml_to_native_args,
        connect_domain_xml_to_native_ret, to_native, R),

    ROW(CONNECT_LIST_ALL_DOMAINS, "virConnectListAllDomains", connect_list_all_domains_args,
        connect_list_all_domains_ret, list_all, R | P),
    ROW_NOARGS(CONNECT_NUM_OF_DOMAINS, "virConnectNumOfDomains", int_ret, num_of_domains, R | I),
    ROW_NOARGS(CONNECT_NUM_OF_DEFINED_DOMAINS, "virConnectNumOfDefinedDomains", int_ret, num_of_defined, R | I),
    ROW(CONNECT_LIST_DOMAINS, "virConnectListDomains", connect_list_domains_args, connect_list_domains_ret,
        list_domains, R | I),
    ROW(CONNECT_LIST_DEFINED_DOMAINS, "virConnectListDefinedDomains", connect_list_defined_domains_args,
        connect_list_defined_domains_ret, list_defined, R | P),
    ROW(DOMAIN_LOOKUP_BY_NAME, "virDomainLookupByName", domain_lookup_by_name_args, domain_ret, lookup_by_name, R | I),
    ROW(DOMAIN_LOOKUP_BY_UUID, "virDomainLookupByUUID", domain_lookup_by_uuid_args, domain_ret, lookup_by_uuid, R | I),
    ROW(DOMAIN_LOOKUP_BY_ID, "virDomainLookupByID", domain_lookup_by_id_args, domain_ret, lookup_by_id, R | I),

    ROW(DOMAIN_GET_STATE, "virDomainGetState", domain_flags_args, domain_get_state_ret, get_state, R | I),
    ROW(DOMAIN_IS_ACTIVE, "virDomainIsActive", domain_only_args, int_ret, is_active, R | I),
    ROW(DOMAIN_IS_PERSISTENT, "virDomainIsPersistent", domain_only_args, int_ret, is_persistent, R | I),
    ROW(DOMAIN_IS_UPDATED, "virDomainIsUpdated", domain_only_args, int_ret, is_updated, R | I),
    ROW(DOMAIN_HAS_MANAGED_SAVE_IMAGE, "virDomainHasManagedSaveImage", domain_flags_args, int_ret, no_image, R | I),
    ROW(DOMAIN_SNAPSHOT_NUM, "virDomainSnapshotNum", domain_flags_args, int_ret, no_image, R | I),
    ROW(DOMAIN_GET_AUTOSTART, "virDomainGetAutostart", domain_only_args, domain_get_autostart_ret,
        get_autostart, R | I),
    ROW_NORET(DOMAIN_SET_AUTOSTART, "virDomainSetAutostart", domain_set_autostart_args, set_autostart, 0),
    ROW(DOMAIN_GET_OS_TYPE, "virDomainGetOSType", domain_only_args, domain_get_os_type_ret, get_os_type, R | I),
    ROW(DOMAIN_GET_INFO, "virDomainGetInfo", domain_only_args, domain_get_info_ret, get_info, R | I),
    ROW(DOMAIN_GET_MAX_MEMORY, "virDomainGetMaxMemory", domain_only_args, domain_get_max_memory_ret,
        get_max_memory, R | I),
    ROW(DOMAIN_GET_MAX_VCPUS, "virDomainGetMaxVcpus", domain_only_args, int_ret, get_max_vcpus_dom, R | I),
    ROW(DOMAIN_GET_VCPUS_FLAGS, "virDomainGetVcpusFlags", domain_flags_args, int_ret, get_vcpus_flags, R | I),
    MV_PROC_ROW_RO_DENY(REMOTE_PROC_DOMAIN_GET_XML_DESC, "virDomainGetXMLDesc", remote_domain_flags_args,
                        remote_domain_get_xml_desc_ret, get_xml_desc, R | P, XML_DESC_RO_DENIED),

    ROW(DOMAIN_DEFINE_XML, "virDomainDefineXML", domain_define_xml_args, domain_ret, define_xml, 0),
    ROW(DOMAIN_DEFINE_XML_FLAGS, "virDomainDefineXMLFlags", domain_define_xml_flags_args, domain_ret,
        define_xml_flags, 0),
    ROW_NORET(DOMAIN_UNDEFINE, "virDomainUndefine", domain_only_args, undefine_only, 0),
    ROW_NORET(DOMAIN_UNDEFINE_FLAGS, "virDomainUndefineFlags", domain_flags_args, undefine_flags, 0),

    ROW_NORET(DOMAIN_CREATE, "virDomainCreate", domain_only_args, create_only, 0),
    ROW(DOMAIN_CREATE_WITH_FLAGS, "virDomainCreateWithFlags", domain_flags_args, domain_ret, create_with_flags, 0),
    ROW(DOMAIN_CREATE_XML, "virDomainCreateXML", domain_create_xml_args, domain_ret, create_xml, 0),
    ROW_NORET(DOMAIN_DESTROY, "virDomainDestroy", domain_only_args, not_running_only, P),
    ROW_NORET(DOMAIN_DESTROY_FLAGS, "virDomainDestroyFlags", domain_flags_args, not_running_flags, P),
    ROW_NORET(DOMAIN_SHUTDOWN, "virDomainShutdown", domain_only_args, not_running_only, 0),
    ROW_NORET(DOMAIN_SHUTDOWN_FLAGS, "virDomainShutdownFlags", domain_flags_args, not_running_flags, 0),
    ROW_NORET(DOMAIN_REBOOT, "virDomainReboot", domain_flags_args, not_running_flags, 0),
    ROW_NORET(DOMAIN_RESET, "virDomainReset", domain_flags_args, not_running_flags, 0),
    ROW_NORET(DOMAIN_SUSPEND, "virDomainSuspend", domain_only_args, not_running_only, 0),
    ROW_NORET(DOMAIN_RESUME, "virDomainResume", domain_only_args, not_running_only, 0),
};

/* ---- setup ---- */

static void *
ops_parse(const char *xml, void *opaque, GError **error)
{
    return parse_def(opaque, xml, error);
}

static const char *
ops_name(const void *def)
{
    return ((const MvDomainDef *)def)->name;
}

static const unsigned char *
ops_uuid(const void *def)
{
    return ((const MvDomainDef *)def)->uuid;
}

static const MvObjDefOps def_ops = {
    .parse = ops_parse,
    .name = ops_name,
    .uuid = ops_uuid,
    .free = (GDestroyNotify)mv_domain_def_free,
};

bool
mv_domdefs_init(MvDaemon *d, const MvDomDefsSpec *spec, GError **error)
{
    DomDefs *drv = g_new0(DomDefs, 1);
    drv->spec = spec;
    drv->daemon = d;
    g_mutex_init(&drv->define_lock);
    drv->domains = mv_obj_list_new(spec->kind);
    mv_daemon_set_driver(d, drv);   /* shutdown frees it, also after a failure here */

    g_autofree char *rel_config = g_strdup_printf("etc/modvirt/%s", spec->dir);
    g_autofree char *rel_status = g_strdup_printf("run/modvirt/%s", spec->dir);
    g_autofree char *config_dir = mv_daemon_path(d, rel_config);
    g_autofree char *status_dir = mv_daemon_path(d, rel_status);
    drv->persist = mv_persist_open(spec->kind, config_dir, status_dir, error);
    if (!drv->persist)
        return false;
    unsigned n = mv_persist_load_all(drv->persist, drv->domains, &def_ops, drv);
    g_info("loaded %u domain definitions from '%s'", n, config_dir);

    MvProgram *remote = mv_daemon_remote_program();
    mv_program_add(remote, domdefs_rows, G_N_ELEMENTS(domdefs_rows));
    mv_server_add_program(mv_daemon_server(d), remote);
    return true;
}

void
mv_domdefs_shutdown(MvDaemon *d)
{
    DomDefs *drv = mv_daemon_driver(d);
    if (!drv)
        return;
    mv_domain_list_free(drv->domains);
    g_clear_pointer(&drv->persist, mv_persist_free);
    g_mutex_clear(&drv->define_lock);
    g_free(drv);
    mv_daemon_set_driver(d, NULL);
}
