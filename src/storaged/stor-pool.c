// SPDX-License-Identifier: LGPL-2.1-or-later
// Pool calls: define, undefine, build, start, destroy, delete, refresh, autostart, info, XML,
// lookups and lists.  The host work is the backend's (stor-backend.c); volumes are stor-vol.c's.

#include "stor-driver.h"
#include "stor-backend.h"
#include "util/util-error.h"
#include "util/util-uuid.h"
#include "daemon/daemon-events.h"

#include <string.h>

/* LIST_ALL_STORAGE_POOLS filter bits (libvirt's VIR_CONNECT_LIST_STORAGE_POOLS_*). */
enum {
    LIST_INACTIVE = 1 << 0,
    LIST_ACTIVE = 1 << 1,
    LIST_PERSISTENT = 1 << 2,
    LIST_TRANSIENT = 1 << 3,
    LIST_AUTOSTART = 1 << 4,
    LIST_NO_AUTOSTART = 1 << 5,
    LIST_TYPE_SHIFT = 6,          /* then one bit per pool type, in libvirt's flag order */
};

/* The flag bit of each pool type: libvirt added types to the flags in its own order. */
static unsigned
type_flag(int type)
{
    static const struct { int type; int bit; } bits[] = {
        { MV_POOL_DIR, 6 }, { MV_POOL_FS, 7 }, { MV_POOL_NETFS, 8 }, { MV_POOL_LOGICAL, 9 },
        { MV_POOL_DISK, 10 }, { MV_POOL_ISCSI, 11 }, { MV_POOL_SCSI, 12 }, { MV_POOL_MPATH, 13 },
        { MV_POOL_RBD, 14 }, { MV_POOL_SHEEPDOG, 15 }, { MV_POOL_GLUSTER, 16 }, { MV_POOL_ZFS, 17 },
        { MV_POOL_VSTORAGE, 18 }, { MV_POOL_ISCSI_DIRECT, 19 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bits); i++)
        if (bits[i].type == type)
            return 1u << bits[i].bit;
    return 0;
}

/* pool-create / pool-create-xml flags. */
#define CREATE_WITH_BUILD 1
#define CREATE_WITH_BUILD_OVERWRITE 2
#define CREATE_WITH_BUILD_NO_OVERWRITE 4

void
stor_pool_to_wire(MvDomainObj *obj, remote_nonnull_storage_pool *ret_pool)
{
    ret_pool->name = g_strdup(obj->name);
    memcpy(ret_pool->uuid, obj->uuid, 16);
}

MvDomainObj *
stor_pool_find(StorDriver *drv, const remote_nonnull_storage_pool *pool, GError **error)
{
    MvDomainObj *obj = mv_domain_list_find_by_uuid(drv->pools, (const unsigned char *)pool->uuid);
    if (!obj) {
        char uuid[MV_UUID_STRING_BUFLEN];
        mv_uuid_format((const guint8 *)pool->uuid, uuid);
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_POOL, "no storage pool with matching uuid '%s' (%s)",
                     uuid, pool->name);
    }
    return obj;
}

/* Tell event listeners what happened to @obj (libvirt's lifecycle numbers, no detail). */
static void
emit(StorDriver *drv, MvDomainObj *obj, int event)
{
    remote_nonnull_storage_pool p = { obj->name, { 0 } };
    memcpy(p.uuid, obj->uuid, 16);
    mv_events_pool_lifecycle(mv_daemon_events(drv->daemon), &p, event, 0);
}

static void
emit_refresh(StorDriver *drv, MvDomainObj *obj)
{
    remote_nonnull_storage_pool p = { obj->name, { 0 } };
    memcpy(p.uuid, obj->uuid, 16);
    mv_events_pool_refresh(mv_daemon_events(drv->daemon), &p);
}

static bool
need_active(MvDomainObj *obj, GError **error)
{
    if (stor_pool_is_active(obj))
        return true;
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "storage pool '%s' is not active", obj->name);
    return false;
}

static bool
need_inactive(MvDomainObj *obj, GError **error)
{
    if (!stor_pool_is_active(obj))
        return true;
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "storage pool '%s' is already active", obj->name);
    return false;
}

static bool
check_flags(unsigned flags, unsigned known, const char *api, GError **error)
{
    if (!(flags & ~known))
        return true;
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "%s: unsupported flags (0x%x)", api, flags & ~known);
    return false;
}

bool
stor_pool_refresh_locked(StorDriver *drv, MvDomainObj *obj, GError **error)
{
    const StorBackend *be = stor_backend_for(stor_pool_def(obj)->type);
    return be->scan(drv, stor_pool_def(obj), stor_pool_state(obj), error);
}

bool
stor_pool_start(StorDriver *drv, MvDomainObj *obj, bool adopt, GError **error)
{
    MvStoragePoolDef *def = stor_pool_def(obj);
    const StorBackend *be = stor_backend_for(def->type);
    if (be->check_host && !be->check_host(def, error))
        return false;
    if (!be->start(drv, def, adopt, error))
        return false;
    if (!stor_pool_refresh_locked(drv, obj, error)) {
        g_autoptr(GError) ignored = NULL;
        if (!adopt)
            be->stop(drv, def, &ignored);
        return false;
    }
    obj->state = STOR_POOL_RUNNING;
    stor_status_save(drv, obj);
    return true;
}

static bool
pool_build(StorDriver *drv, MvDomainObj *obj, unsigned flags, GError **error)
{
    MvStoragePoolDef *def = stor_pool_def(obj);
    const StorBackend *be = stor_backend_for(def->type);
    if ((flags & STOR_BUILD_OVERWRITE) && (flags & STOR_BUILD_NO_OVERWRITE)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG,
                     "pool '%s': --overwrite and --no-overwrite exclude each other", def->name);
        return false;
    }
    if (be->check_host && !be->check_host(def, error))
        return false;
    return be->build(drv, def, flags, error);
}

/* A pool other than @self using @def's target directory or source device, or NULL. */
static MvDomainObj *
find_conflict(StorDriver *drv, const MvStoragePoolDef *def)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->pools);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        if (g_str_equal(obj->name, def->name))
            continue;
        const MvStoragePoolDef *other = stor_pool_def(obj);
        bool same = (def->target_path && other->target_path && g_str_equal(def->target_path, other->target_path)) ||
                    (def->type == MV_POOL_LOGICAL && other->type == MV_POOL_LOGICAL &&
                     g_str_equal(def->source_name, other->source_name));
        if (same)
            return mv_domain_obj_ref(obj);
    }
    return NULL;
}

/* Add @def as a new pool or replace an inactive one's definition; the object, referenced and
 * locked.  Caller holds define_lock. */
static MvDomainObj *
add_or_update(StorDriver *drv, MvStoragePoolDef **defp, bool persistent, GError **error)
{
    MvStoragePoolDef *def = *defp;
    g_autoptr(MvDomainObj) conflict = find_conflict(drv, def);
    if (conflict) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED,
                     "pool '%s' would use the same storage as pool '%s'", def->name, conflict->name);
        return NULL;
    }
    MvDomainObj *obj = mv_domain_list_find_by_name(drv->pools, def->name);
    if (!obj) {
        g_autoptr(MvDomainObj) by_uuid = mv_domain_list_find_by_uuid(drv->pools, def->uuid);
        if (by_uuid) {
            char uuid[MV_UUID_STRING_BUFLEN];
            mv_uuid_format(def->uuid, uuid);
            mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED,
                         "pool '%s' is already defined with uuid %s", by_uuid->name, uuid);
            return NULL;
        }
        obj = stor_pool_add(drv, def, error);
        if (!obj)
            return NULL;
        *defp = NULL;
        mv_domain_obj_lock(obj);
        obj->persistent = persistent;
        return obj;
    }
    mv_domain_obj_lock(obj);
    if (memcmp(obj->uuid, def->uuid, 16) != 0) {
        char uuid[MV_UUID_STRING_BUFLEN];
        mv_uuid_format(obj->uuid, uuid);
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED, "pool '%s' is already defined with uuid %s",
                     obj->name, uuid);
    } else if (!persistent) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "storage pool '%s' already exists", obj->name);
    } else if (stor_pool_is_active(obj)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "storage pool '%s' is running; destroy it before redefining it", obj->name);
    } else {
        obj->def_free(obj->def);
        obj->def = g_steal_pointer(defp);
        obj->persistent = true;
        return obj;
    }
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    return NULL;
}

static bool
pool_define_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_define_xml_args *a = args;
    remote_storage_pool_define_xml_ret *r = ret;
    StorDriver *drv = stor_driver_of(call);
    if (!check_flags(a->flags, 1 /* VALIDATE */, "virStoragePoolDefineXML", error))
        return false;
    g_autoptr(MvStoragePoolDef) def = mv_storage_pool_def_parse(a->xml, error);
    if (!def)
        return false;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->define_lock);
    if (!stor_config_save(drv, def, error))
        return false;
    MvStoragePoolDef *d = def;
    MvDomainObj *obj = add_or_update(drv, &d, true, error);
    if (d == NULL)
        g_steal_pointer(&def);
    if (!obj) {
        return false;
    }
    stor_pool_to_wire(obj, &r->pool);
    emit(drv, obj, STOR_EVENT_DEFINED);
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    return true;
}

static bool
pool_create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_create_xml_args *a = args;
    remote_storage_pool_create_xml_ret *r = ret;
    StorDriver *drv = stor_driver_of(call);
    if (!check_flags(a->flags, CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE,
                     "virStoragePoolCreateXML", error))
        return false;
    g_autoptr(MvStoragePoolDef) def = mv_storage_pool_def_parse(a->xml, error);
    if (!def)
        return false;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->define_lock);
    MvStoragePoolDef *d = def;
    MvDomainObj *obj = add_or_update(drv, &d, false, error);
    if (d == NULL)
        g_steal_pointer(&def);
    if (!obj)
        return false;
    unsigned build = (a->flags & CREATE_WITH_BUILD_OVERWRITE ? STOR_BUILD_OVERWRITE : 0) |
                     (a->flags & CREATE_WITH_BUILD_NO_OVERWRITE ? STOR_BUILD_NO_OVERWRITE : 0);
    bool ok = (!a->flags || pool_build(drv, obj, build, error)) && stor_pool_start(drv, obj, false, error);
    if (ok) {
        stor_pool_to_wire(obj, &r->pool);
        emit(drv, obj, STOR_EVENT_STARTED);
    } else {
        mv_domain_list_remove(drv->pools, obj);
    }
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    return ok;
}

/* The pool of @p, locked and referenced, or NULL with @error. */
static MvDomainObj *
pool_locked(MvCall *call, const remote_nonnull_storage_pool *p, GError **error)
{
    MvDomainObj *obj = stor_pool_find(stor_driver_of(call), p, error);
    if (obj)
        mv_domain_obj_lock(obj);
    return obj;
}

static void
pool_release(MvDomainObj *obj)
{
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
}

static bool
pool_create(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_flags_args *a = args;
    if (!check_flags(a->flags, CREATE_WITH_BUILD | CREATE_WITH_BUILD_OVERWRITE | CREATE_WITH_BUILD_NO_OVERWRITE,
                     "virStoragePoolCreate", error))
        return false;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    StorDriver *drv = stor_driver_of(call);
    unsigned build = (a->flags & CREATE_WITH_BUILD_OVERWRITE ? STOR_BUILD_OVERWRITE : 0) |
                     (a->flags & CREATE_WITH_BUILD_NO_OVERWRITE ? STOR_BUILD_NO_OVERWRITE : 0);
    bool ok = need_inactive(obj, error) && (!a->flags || pool_build(drv, obj, build, error)) &&
              stor_pool_start(drv, obj, false, error);
    if (ok)
        emit(drv, obj, STOR_EVENT_STARTED);
    pool_release(obj);
    return ok;
}

static bool
pool_build_call(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_flags_args *a = args;
    if (!check_flags(a->flags, STOR_BUILD_REPAIR | STOR_BUILD_RESIZE | STOR_BUILD_NO_OVERWRITE | STOR_BUILD_OVERWRITE,
                     "virStoragePoolBuild", error))
        return false;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    bool ok = need_inactive(obj, error) && pool_build(stor_driver_of(call), obj, a->flags, error);
    if (ok)
        emit(stor_driver_of(call), obj, STOR_EVENT_CREATED);
    pool_release(obj);
    return ok;
}

static bool
has_building(StorPool *pool)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, pool->vols);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (((StorVol *)v)->building)
            return true;
    return false;
}

static bool
pool_destroy(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    StorDriver *drv = stor_driver_of(call);
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    bool ok = need_active(obj, error);
    if (ok && has_building(stor_pool_state(obj))) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "storage pool '%s' has volumes being created or uploaded; try again when they are done",
                     obj->name);
        ok = false;
    }
    if (ok) {
        const StorBackend *be = stor_backend_for(stor_pool_def(obj)->type);
        ok = be->stop(drv, stor_pool_def(obj), error);
    }
    if (ok) {
        obj->state = STOR_POOL_INACTIVE;
        g_hash_table_remove_all(stor_pool_state(obj)->vols);
        memset(&stor_pool_state(obj)->sizes, 0, sizeof(stor_pool_state(obj)->sizes));
        stor_status_remove(drv, obj->name);
        emit(drv, obj, STOR_EVENT_STOPPED);
        if (!obj->persistent)
            mv_domain_list_remove(drv->pools, obj);
    }
    pool_release(obj);
    return ok;
}

static bool
pool_delete(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_flags_args *a = args;
    if (!check_flags(a->flags, 1 /* ZEROED */, "virStoragePoolDelete", error))
        return false;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    const StorBackend *be = stor_backend_for(stor_pool_def(obj)->type);
    bool ok = need_inactive(obj, error);
    if (ok && !be->delete) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_SUPPORT, "pool '%s' of type '%s' cannot be deleted here",
                     obj->name, mv_pool_type_to_string(stor_pool_def(obj)->type));
        ok = false;
    }
    ok = ok && be->delete(stor_driver_of(call), stor_pool_def(obj), error);
    if (ok)
        emit(stor_driver_of(call), obj, STOR_EVENT_DELETED);
    pool_release(obj);
    return ok;
}

static bool
pool_undefine(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    StorDriver *drv = stor_driver_of(call);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&drv->define_lock);
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    bool ok = true;
    if (!obj->persistent) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "storage pool '%s' is not persistent",
                     obj->name);
        ok = false;
    }
    ok = ok && stor_config_remove(drv, obj->name, error);
    if (ok) {
        obj->autostart = false;
        obj->persistent = false;
        emit(drv, obj, STOR_EVENT_UNDEFINED);
        if (!stor_pool_is_active(obj))
            mv_domain_list_remove(drv->pools, obj);
    }
    pool_release(obj);
    return ok;
}

static bool
pool_refresh(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_flags_args *a = args;
    if (!check_flags(a->flags, 0, "virStoragePoolRefresh", error))
        return false;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    bool ok = need_active(obj, error) && stor_pool_refresh_locked(stor_driver_of(call), obj, error);
    if (ok)
        emit_refresh(stor_driver_of(call), obj);
    pool_release(obj);
    return ok;
}

static bool
pool_lookup_by_name(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_lookup_by_name_args *a = args;
    remote_storage_pool_ret *r = ret;
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(stor_driver_of(call)->pools, a->name);
    if (!obj) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                     a->name);
        return false;
    }
    stor_pool_to_wire(obj, &r->pool);
    return true;
}

static bool
pool_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_lookup_by_uuid_args *a = args;
    remote_storage_pool_ret *r = ret;
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_uuid(stor_driver_of(call)->pools, (guint8 *)a->uuid);
    if (!obj) {
        char uuid[MV_UUID_STRING_BUFLEN];
        mv_uuid_format((guint8 *)a->uuid, uuid);
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_POOL, "no storage pool with matching uuid '%s'", uuid);
        return false;
    }
    stor_pool_to_wire(obj, &r->pool);
    return true;
}

static bool
pool_lookup_by_volume(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_only_args *a = args;
    remote_storage_pool_ret *r = ret;
    StorVol *vol;
    MvDomainObj *obj = stor_vol_find_locked(stor_driver_of(call), &a->vol, &vol, error);
    if (!obj)
        return false;
    stor_pool_to_wire(obj, &r->pool);
    pool_release(obj);
    return true;
}

static bool
pool_lookup_by_target_path(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_lookup_by_target_path_args *a = args;
    remote_storage_pool_ret *r = ret;
    g_autofree char *canon = g_canonicalize_filename(a->path, "/");
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(stor_driver_of(call)->pools);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        const char *target = stor_pool_def(obj)->target_path;
        if (stor_pool_is_active(obj) && target && g_str_equal(target, canon)) {
            stor_pool_to_wire(obj, &r->pool);
            return true;
        }
    }
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_POOL, "no storage pool with matching target path '%s'",
                 a->path);
    return false;
}

static bool
pool_get_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    remote_storage_pool_get_info_ret *r = ret;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    StorPool *pool = stor_pool_state(obj);
    r->state = (unsigned char)obj->state;
    r->capacity = pool->sizes.capacity;
    r->allocation = pool->sizes.allocation;
    r->available = pool->sizes.available;
    pool_release(obj);
    return true;
}

static bool
pool_get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_flags_args *a = args;
    remote_storage_pool_get_xml_desc_ret *r = ret;
    if (!check_flags(a->flags, 1 /* INACTIVE */, "virStoragePoolGetXMLDesc", error))
        return false;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    r->xml = mv_storage_pool_def_format(stor_pool_def(obj), &stor_pool_state(obj)->sizes);
    pool_release(obj);
    return true;
}

static bool
pool_get_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    remote_storage_pool_get_autostart_ret *r = ret;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    r->autostart = obj->autostart;
    pool_release(obj);
    return true;
}

static bool
pool_set_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_set_autostart_args *a = args;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    bool ok = true;
    if (!obj->persistent) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "cannot set autostart for transient storage pool '%s'", obj->name);
        ok = false;
    } else if (obj->autostart != !!a->autostart) {
        ok = stor_autostart_set(stor_driver_of(call), obj->name, a->autostart, error);
        if (ok)
            obj->autostart = !!a->autostart;
    }
    pool_release(obj);
    return ok;
}

static bool
pool_is_active(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    int *r = ret;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    *r = stor_pool_is_active(obj);
    pool_release(obj);
    return true;
}

static bool
pool_is_persistent(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    int *r = ret;
    MvDomainObj *obj = pool_locked(call, &a->pool, error);
    if (!obj)
        return false;
    *r = obj->persistent;
    pool_release(obj);
    return true;
}

/* Names of active (@active) or inactive pools, at most @max. */
static void
pool_names(StorDriver *drv, bool active, int max, remote_nonnull_string **ret_names, u_int *ret_len)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->pools);
    GPtrArray *names = g_ptr_array_new();
    for (guint i = 0; i < all->len && (int)names->len < max; i++) {
        MvDomainObj *obj = all->pdata[i];
        if (stor_pool_is_active(obj) == active)
            g_ptr_array_add(names, g_strdup(obj->name));
    }
    *ret_len = names->len;
    *ret_names = (remote_nonnull_string *)g_ptr_array_free(names, FALSE);
}

static int
pool_count(StorDriver *drv, bool active)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->pools);
    int n = 0;
    for (guint i = 0; i < all->len; i++)
        n += stor_pool_is_active(all->pdata[i]) == active;
    return n;
}

static bool
check_max(int max, GError **error)
{
    if (max >= 0 && max <= REMOTE_STORAGE_POOL_LIST_MAX)
        return true;
    mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxnames %d out of range (at most %d)", max,
                 REMOTE_STORAGE_POOL_LIST_MAX);
    return false;
}

static bool
num_of_pools(MvCall *call, void *args, void *ret, GError **error)
{
    *(int *)ret = pool_count(stor_driver_of(call), true);
    return true;
}

static bool
num_of_defined_pools(MvCall *call, void *args, void *ret, GError **error)
{
    *(int *)ret = pool_count(stor_driver_of(call), false);
    return true;
}

static bool
list_pools(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_storage_pools_args *a = args;
    remote_connect_list_storage_pools_ret *r = ret;
    if (!check_max(a->maxnames, error))
        return false;
    pool_names(stor_driver_of(call), true, a->maxnames, &r->names.names_val, &r->names.names_len);
    return true;
}

static bool
list_defined_pools(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_defined_storage_pools_args *a = args;
    remote_connect_list_defined_storage_pools_ret *r = ret;
    if (!check_max(a->maxnames, error))
        return false;
    pool_names(stor_driver_of(call), false, a->maxnames, &r->names.names_val, &r->names.names_len);
    return true;
}

static bool
pool_matches(MvDomainObj *obj, unsigned flags)
{
#define PAIR(yes, no, cond) \
    if ((flags & ((yes) | (no))) && (flags & ((yes) | (no))) != ((yes) | (no)) && \
        !((flags & (yes)) ? (cond) : !(cond))) \
        return false
    PAIR(LIST_ACTIVE, LIST_INACTIVE, stor_pool_is_active(obj));
    PAIR(LIST_PERSISTENT, LIST_TRANSIENT, obj->persistent);
    PAIR(LIST_AUTOSTART, LIST_NO_AUTOSTART, obj->autostart);
#undef PAIR
    unsigned types = flags & ~((1u << LIST_TYPE_SHIFT) - 1);
    return !types || (types & type_flag(stor_pool_def(obj)->type));
}

static bool
list_all_pools(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_all_storage_pools_args *a = args;
    remote_connect_list_all_storage_pools_ret *r = ret;
    if (!check_flags(a->flags, (1u << 20) - 1, "virConnectListAllStoragePools", error))
        return false;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(stor_driver_of(call)->pools);
    GArray *out = g_array_new(FALSE, TRUE, sizeof(remote_nonnull_storage_pool));
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (pool_matches(obj, a->flags) && out->len < REMOTE_STORAGE_POOL_LIST_MAX) {
            remote_nonnull_storage_pool p;
            stor_pool_to_wire(obj, &p);
            g_array_append_val(out, p);
        }
        mv_domain_obj_unlock(obj);
    }
    r->ret = out->len;
    if (a->need_results) {
        r->pools.pools_len = out->len;
        r->pools.pools_val = (remote_nonnull_storage_pool *)g_array_free(out, FALSE);
    } else {
        for (guint i = 0; i < out->len; i++)
            g_free(g_array_index(out, remote_nonnull_storage_pool, i).name);
        g_array_free(out, TRUE);
    }
    return true;
}

static void
string_free(gpointer s)
{
    g_string_free(s, TRUE);
}

/* Volume groups for find-storage-pool-sources of type logical. */
static bool
find_pool_sources(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_find_storage_pool_sources_args *a = args;
    remote_connect_find_storage_pool_sources_ret *r = ret;
    if (!g_str_equal(a->type, "logical")) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_SUPPORT,
                     "finding pool sources is supported for type 'logical' only, not '%s'", a->type);
        return false;
    }
    const char *argv[] = { "/usr/sbin/pvs", "--noheadings", "--separator", ",", "-o", "pv_name,vg_name", NULL };
    if (!g_file_test(argv[0], G_FILE_TEST_IS_EXECUTABLE)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                     "finding logical pool sources needs 'pvs' (Debian package lvm2), which is not installed");
        return false;
    }
    g_autofree char *out = NULL;
    if (!stor_run(argv, "cannot list LVM physical volumes", &out, error))
        return false;
    /* One <source> per volume group, with its devices. */
    g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, string_free);
    g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(*l), ",", 2);
        if (g_strv_length(f) != 2 || !*f[1])
            continue;
        GString *s = g_hash_table_lookup(groups, f[1]);
        if (!s) {
            s = g_string_new(NULL);
            g_hash_table_insert(groups, g_strdup(f[1]), s);
            g_ptr_array_add(order, g_strdup(f[1]));
        }
        g_autofree char *dev = g_markup_escape_text(f[0], -1);
        g_string_append_printf(s, "    <device path='%s'/>\n", dev);
    }
    GString *xml = g_string_new("<sources>\n");
    for (guint i = 0; i < order->len; i++) {
        char *vg = order->pdata[i];
        g_autofree char *esc = g_markup_escape_text(vg, -1);
        GString *devs = g_hash_table_lookup(groups, vg);
        g_string_append_printf(xml, "  <source>\n%s    <name>%s</name>\n    <format type='lvm2'/>\n  </source>\n",
                               devs->str, esc);
    }
    g_string_append(xml, "</sources>\n");
    r->xml = g_string_free(xml, FALSE);
    return true;
}

#define R MV_PROC_READONLY_OK
/* Lookups by name and UUID take no lock (a long pool operation holds its pool's lock):
 * cheap, on the I/O thread. */
#define I MV_PROC_INLINE
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

const MvProcedure stor_pool_rows[] = {
    ROW_NOARGS(CONNECT_NUM_OF_STORAGE_POOLS, "virConnectNumOfStoragePools", int_ret, num_of_pools, R),
    ROW(CONNECT_LIST_STORAGE_POOLS, "virConnectListStoragePools", connect_list_storage_pools_args,
        connect_list_storage_pools_ret, list_pools, R),
    ROW_NOARGS(CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, "virConnectNumOfDefinedStoragePools", int_ret,
               num_of_defined_pools, R),
    ROW(CONNECT_LIST_DEFINED_STORAGE_POOLS, "virConnectListDefinedStoragePools",
        connect_list_defined_storage_pools_args, connect_list_defined_storage_pools_ret, list_defined_pools, R),
    ROW(CONNECT_LIST_ALL_STORAGE_POOLS, "virConnectListAllStoragePools", connect_list_all_storage_pools_args,
        connect_list_all_storage_pools_ret, list_all_pools, R),
    ROW(CONNECT_FIND_STORAGE_POOL_SOURCES, "virConnectFindStoragePoolSources",
        connect_find_storage_pool_sources_args, connect_find_storage_pool_sources_ret, find_pool_sources, R),
    ROW(STORAGE_POOL_CREATE_XML, "virStoragePoolCreateXML", storage_pool_create_xml_args,
        storage_pool_create_xml_ret, pool_create_xml, 0),
    ROW(STORAGE_POOL_DEFINE_XML, "virStoragePoolDefineXML", storage_pool_define_xml_args,
        storage_pool_define_xml_ret, pool_define_xml, 0),
    ROW_NORET(STORAGE_POOL_CREATE, "virStoragePoolCreate", storage_pool_flags_args, pool_create, 0),
    ROW_NORET(STORAGE_POOL_BUILD, "virStoragePoolBuild", storage_pool_flags_args, pool_build_call, 0),
    ROW_NORET(STORAGE_POOL_DESTROY, "virStoragePoolDestroy", storage_pool_only_args, pool_destroy, 0),
    ROW_NORET(STORAGE_POOL_DELETE, "virStoragePoolDelete", storage_pool_flags_args, pool_delete, 0),
    ROW_NORET(STORAGE_POOL_UNDEFINE, "virStoragePoolUndefine", storage_pool_only_args, pool_undefine, 0),
    ROW_NORET(STORAGE_POOL_REFRESH, "virStoragePoolRefresh", storage_pool_flags_args, pool_refresh, 0),
    ROW(STORAGE_POOL_LOOKUP_BY_NAME, "virStoragePoolLookupByName", storage_pool_lookup_by_name_args,
        storage_pool_ret, pool_lookup_by_name, R | I),
    ROW(STORAGE_POOL_LOOKUP_BY_UUID, "virStoragePoolLookupByUUID", storage_pool_lookup_by_uuid_args,
        storage_pool_ret, pool_lookup_by_uuid, R | I),
    ROW(STORAGE_POOL_LOOKUP_BY_VOLUME, "virStoragePoolLookupByVolume", storage_vol_only_args, storage_pool_ret,
        pool_lookup_by_volume, R),
    ROW(STORAGE_POOL_LOOKUP_BY_TARGET_PATH, "virStoragePoolLookupByTargetPath",
        storage_pool_lookup_by_target_path_args, storage_pool_ret, pool_lookup_by_target_path, R),
    ROW(STORAGE_POOL_GET_INFO, "virStoragePoolGetInfo", storage_pool_only_args, storage_pool_get_info_ret,
        pool_get_info, R),
    ROW(STORAGE_POOL_GET_XML_DESC, "virStoragePoolGetXMLDesc", storage_pool_flags_args,
        storage_pool_get_xml_desc_ret, pool_get_xml_desc, R),
    ROW(STORAGE_POOL_GET_AUTOSTART, "virStoragePoolGetAutostart", storage_pool_only_args,
        storage_pool_get_autostart_ret, pool_get_autostart, R),
    ROW_NORET(STORAGE_POOL_SET_AUTOSTART, "virStoragePoolSetAutostart", storage_pool_set_autostart_args,
              pool_set_autostart, 0),
    ROW(STORAGE_POOL_IS_ACTIVE, "virStoragePoolIsActive", storage_pool_only_args, int_ret, pool_is_active, R),
    ROW(STORAGE_POOL_IS_PERSISTENT, "virStoragePoolIsPersistent", storage_pool_only_args, int_ret,
        pool_is_persistent, R),
};
const size_t stor_pool_nrows = G_N_ELEMENTS(stor_pool_rows);
