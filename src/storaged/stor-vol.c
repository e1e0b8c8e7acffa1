// SPDX-License-Identifier: LGPL-2.1-or-later
// Volume calls: create (raw files directly, qcow2 through qemu-img), clone with conversion,
// delete, wipe, resize, info and XML, lookups and lists.  A volume is made under a temporary
// name and renamed when complete, so no half-made volume ever carries its real name.

#include "stor-driver.h"
#include "stor-backend.h"
#include "stor-image.h"
#include "stor-vol.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* vol-create flags (VIR_STORAGE_VOL_CREATE_*). */
#define CREATE_PREALLOC_METADATA 1
#define CREATE_REFLINK 2
#define CREATE_VALIDATE 4
/* vol-resize flags (VIR_STORAGE_VOL_RESIZE_*). */
#define RESIZE_ALLOCATE 1
#define RESIZE_DELTA 2
#define RESIZE_SHRINK 4
/* libvirt's wipe algorithms. */
enum { WIPE_ZERO, WIPE_NNSA, WIPE_DOD, WIPE_BSI, WIPE_GUTMANN, WIPE_SCHNEIER, WIPE_PFITZNER7,
       WIPE_PFITZNER33, WIPE_RANDOM, WIPE_TRIM, WIPE_LAST };
/* scrub's names for the algorithms it runs for us. */
static const char *const scrub_names[WIPE_LAST] = {
    NULL, "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", NULL, NULL,
};
/* Bytes written per call when wiping. */
#define WIPE_CHUNK (1024 * 1024)
/* libvirt's default mode for a new volume file. */
#define STOR_VOL_MODE 0600

void
stor_vol_to_wire(const char *pool, const StorVol *vol, remote_nonnull_storage_vol *ret_vol)
{
    ret_vol->pool = g_strdup(pool);
    ret_vol->name = g_strdup(vol->name);
    ret_vol->key = g_strdup(vol->path);
}

static bool
check_flags(unsigned flags, unsigned known, const char *api, GError **error)
{
    if (!(flags & ~known))
        return true;
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "%s: unsupported flags (0x%x)", api, flags & ~known);
    return false;
}

/* @name's pool, locked and referenced, if it is running. */
static MvDomainObj *
active_pool_by_name(StorDriver *drv, const char *name, GError **error)
{
    MvDomainObj *obj = mv_domain_list_find_by_name(drv->pools, name);
    if (!obj) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'", name);
        return NULL;
    }
    mv_domain_obj_lock(obj);
    if (!stor_pool_is_active(obj)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "storage pool '%s' is not active", name);
        mv_domain_obj_unlock(obj);
        mv_domain_obj_unref(obj);
        return NULL;
    }
    return obj;
}

static void
release(MvDomainObj *obj)
{
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
}

/* Refuse changing a volume a stream is using. */
static bool
not_busy(const StorVol *v, GError **error)
{
    if (!v->busy)
        return true;
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "volume '%s' is being uploaded or downloaded",
                 v->name);
    return false;
}

MvDomainObj *
stor_vol_find_locked(StorDriver *drv, const remote_nonnull_storage_vol *vol, StorVol **ret_vol, GError **error)
{
    MvDomainObj *obj = active_pool_by_name(drv, vol->pool, error);
    if (!obj)
        return NULL;
    StorVol *v = g_hash_table_lookup(stor_pool_state(obj)->vols, vol->name);
    if (!v || v->building) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_VOL,
                     v ? "storage volume '%s' in pool '%s' is still being created"
                       : "no storage vol with matching name '%s' in pool '%s'", vol->name, vol->pool);
        release(obj);
        return NULL;
    }
    *ret_vol = v;
    return obj;
}

char *
stor_temp_path(const char *final_path)
{
    g_autofree char *dir = g_path_get_dirname(final_path);
    g_autofree char *base = g_path_get_basename(final_path);
    return g_strdup_printf("%s/" STOR_TEMP_PREFIX "%s" STOR_TEMP_SUFFIX, dir, base);
}

/* Reserve @name in @obj's pool (locked) for a volume being made; the entry, or NULL when the
 * name is taken (or a file of that name exists without a refresh having seen it). */
static StorVol *
reserve(MvDomainObj *obj, const MvStorageVolDef *def, const char *format, GError **error)
{
    StorPool *pool = stor_pool_state(obj);
    const MvStoragePoolDef *pdef = stor_pool_def(obj);
    g_autofree char *path = g_build_filename(pdef->type == MV_POOL_LOGICAL ? "/dev" : pdef->target_path,
                                             pdef->type == MV_POOL_LOGICAL ? pdef->source_name : def->name,
                                             pdef->type == MV_POOL_LOGICAL ? def->name : NULL, NULL);
    struct stat st;
    if (g_hash_table_contains(pool->vols, def->name) || lstat(path, &st) == 0) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED,
                     "storage volume name '%s' is already in use in pool '%s'", def->name, obj->name);
        return NULL;
    }
    StorVol *v = stor_vol_new(def->name, path, format, def->type);
    v->building = true;
    g_hash_table_insert(pool->vols, v->name, v);
    return v;
}

/* Finish a reservation: the volume is complete (@ok) or forgotten. */
static void
finish(StorDriver *drv, const char *pool_name, const char *vol_name, bool ok)
{
    g_autoptr(MvDomainObj) obj = mv_domain_list_find_by_name(drv->pools, pool_name);
    if (!obj)
        return;
    mv_domain_obj_lock(obj);
    StorPool *pool = stor_pool_state(obj);
    StorVol *v = g_hash_table_lookup(pool->vols, vol_name);
    if (v && ok)
        v->building = false;
    else if (v)
        g_hash_table_remove(pool->vols, vol_name);
    mv_domain_obj_unlock(obj);
}

static bool
apply_perms(const char *path, const MvStoragePerms *perms, const char *name, GError **error)
{
    if (perms->mode >= 0 && chmod(path, (mode_t)perms->mode) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot set the mode of volume '%s'", name);
        return false;
    }
    if ((perms->owner >= 0 || perms->group >= 0) && chown(path, (uid_t)perms->owner, (gid_t)perms->group) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot set the owner of volume '%s'", name);
        return false;
    }
    return true;
}

/* A raw file of @def's capacity with @def's allocation reserved up front (0: sparse). */
static bool
create_raw(const char *path, const MvStorageVolDef *def, GError **error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, STOR_VOL_MODE);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot create volume '%s'", def->name);
        return false;
    }
    guint64 alloc = def->allocation_set ? def->allocation : def->capacity;
    bool ok = true;
    if (ftruncate(fd, (off_t)def->capacity) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot size volume '%s' to %" G_GUINT64_FORMAT " bytes",
                           def->name, def->capacity);
        ok = false;
    } else if (alloc > 0 && fallocate(fd, 0, 0, (off_t)alloc) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot allocate %" G_GUINT64_FORMAT " bytes for volume '%s'",
                           alloc, def->name);
        ok = false;
    } else if (fdatasync(fd) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot flush volume '%s'", def->name);
        ok = false;
    }
    close(fd);
    return ok;
}

/* Fill in a backing store's format from qemu-img when the XML left it out; the backing file
 * must exist. */
static bool
resolve_backing(StorDriver *drv, MvStorageVolDef *def, GError **error)
{
    if (!def->backing_path)
        return true;
    if (!g_file_test(def->backing_path, G_FILE_TEST_EXISTS)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "backing store '%s' of volume '%s' does not exist", def->backing_path, def->name);
        return false;
    }
    g_auto(StorImageInfo) info = { 0 };
    if (!stor_image_info(drv, def->backing_path, def->backing_format, &info, error))
        return false;
    if (!def->backing_format)
        def->backing_format = g_strdup(info.format);
    if (!def->capacity_set || def->capacity == 0) {
        def->capacity = info.virtual_size;
        def->capacity_set = true;
    }
    return true;
}

/* Move the finished @tmp to @path, never over an existing file. */
static bool
publish(const char *tmp, const char *path, const char *name, GError **error)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot give volume '%s' its name '%s'", name, path);
        return false;
    }
    return true;
}

/* Make the file of @def at @path (through a temporary name), copying @src when cloning. */
static bool
make_file_volume(StorDriver *drv, MvStorageVolDef *def, const char *path, const StorVol *src, unsigned flags,
                 GError **error)
{
    g_autofree char *tmp = stor_temp_path(path);
    unlink(tmp);
    bool ok;
    if (src) {
        ok = stor_image_convert(drv, src->path, src->format, tmp, def->format, error);
        if (ok && def->capacity_set) {
            g_auto(StorImageInfo) info = { 0 };
            ok = stor_image_info(drv, tmp, def->format, &info, error);
            if (ok && def->capacity > info.virtual_size)
                ok = stor_image_resize(drv, tmp, def->format, def->capacity, false, error);
        }
    } else if (g_str_equal(def->format, "raw")) {
        ok = create_raw(tmp, def, error);
    } else {
        ok = stor_image_create(drv, tmp, def, flags & CREATE_PREALLOC_METADATA, error);
    }
    if (ok && def->perms.mode < 0)
        chmod(tmp, STOR_VOL_MODE);
    ok = ok && apply_perms(tmp, &def->perms, def->name, error) && publish(tmp, path, def->name, error);
    if (!ok)
        unlink(tmp);
    return ok;
}

/* vol-create and vol-create-from: @clone is the wire form of the source volume, or NULL. */
static bool
create_volume(MvCall *call, const remote_nonnull_storage_pool *wpool, const char *xml,
              const remote_nonnull_storage_vol *clone, unsigned flags, remote_nonnull_storage_vol *ret_vol,
              GError **error)
{
    StorDriver *drv = stor_driver_of(call);
    if (!check_flags(flags, CREATE_PREALLOC_METADATA | CREATE_REFLINK | CREATE_VALIDATE, "virStorageVolCreateXML",
                     error))
        return false;
    g_autoptr(StorVol) src = NULL;
    if (clone) {
        StorVol *v;
        MvDomainObj *sobj = stor_vol_find_locked(drv, clone, &v, error);
        if (!sobj)
            return false;
        src = stor_vol_new(v->name, v->path, v->format, v->type);
        release(sobj);
    }
    MvDomainObj *obj = stor_pool_find(drv, wpool, error);
    if (!obj)
        return false;
    mv_domain_obj_lock(obj);
    g_autofree char *pool_name = g_strdup(obj->name);
    const MvStoragePoolDef *pdef = stor_pool_def(obj);
    int pool_type = pdef->type;
    g_autoptr(MvStorageVolDef) def = mv_storage_vol_def_parse(xml, pool_type, error);
    StorVol *v = NULL;
    bool file_pool = stor_backend_for(pool_type)->file_volumes;
    if (def && !stor_pool_is_active(obj))
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID, "storage pool '%s' is not active", obj->name);
    else if (def) {
        if (!def->format)
            def->format = g_strdup(!file_pool ? "none" : src ? src->format : "raw");
        v = reserve(obj, def, def->format, error);
    }
    g_autofree char *path = v ? g_strdup(v->path) : NULL;
    g_autofree char *vg = g_strdup(pdef->source_name);
    mv_domain_obj_unlock(obj);
    mv_domain_obj_unref(obj);
    if (!v)
        return false;

    /* The pool's lock is not held while the bytes are made: other calls go on meanwhile. */
    bool ok;
    if (!file_pool) {
        MvStoragePoolDef lv = { .name = pool_name, .source_name = vg };
        if (src)
            mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_SUPPORT, "cloning into pool '%s' is not supported",
                         pool_name);
        ok = !src && stor_logical_create_vol(drv, &lv, def->name, def->capacity, error);
    } else {
        ok = resolve_backing(drv, def, error) && make_file_volume(drv, def, path, src, flags, error);
    }
    finish(drv, pool_name, def->name, ok);
    if (ok) {
        ret_vol->pool = g_strdup(pool_name);
        ret_vol->name = g_strdup(def->name);
        ret_vol->key = g_strdup(path);
    }
    return ok;
}

static bool
vol_create_xml(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_create_xml_args *a = args;
    remote_storage_vol_ret *r = ret;
    return create_volume(call, &a->pool, a->xml, NULL, a->flags, &r->vol, error);
}

static bool
vol_create_xml_from(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_create_xml_from_args *a = args;
    remote_storage_vol_ret *r = ret;
    return create_volume(call, &a->pool, a->xml, &a->clonevol, a->flags, &r->vol, error);
}

static bool
vol_delete(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_flags_args *a = args;
    StorDriver *drv = stor_driver_of(call);
    if (!check_flags(a->flags, 3 /* ZEROED, WITH_SNAPSHOTS */, "virStorageVolDelete", error))
        return false;
    StorVol *v;
    MvDomainObj *obj = stor_vol_find_locked(drv, &a->vol, &v, error);
    if (!obj)
        return false;
    bool ok = not_busy(v, error);
    if (!ok) {
    } else if (v->type == MV_VOL_BLOCK) {
        ok = stor_logical_delete_vol(drv, stor_pool_def(obj), v->name, error);
    } else {
        ok = unlink(v->path) == 0 || errno == ENOENT;
        if (!ok)
            mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot delete volume '%s' ('%s')", v->name, v->path);
    }
    if (ok)
        g_hash_table_remove(stor_pool_state(obj)->vols, a->vol.name);
    release(obj);
    return ok;
}

/* Sizes of @v: stat for raw files, qemu-img for every image format. */
static bool
measure(StorDriver *drv, const StorVol *v, MvStorageVolDef *ret_def, GError **error)
{
    struct stat st;
    if (stat(v->path, &st) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot read volume '%s' ('%s')", v->name, v->path);
        return false;
    }
    ret_def->perms.mode = st.st_mode & 07777;
    ret_def->perms.owner = st.st_uid;
    ret_def->perms.group = st.st_gid;
    ret_def->physical = (guint64)st.st_size;
    ret_def->allocation = (guint64)st.st_blocks * 512;
    ret_def->capacity = (guint64)st.st_size;
    if (v->type != MV_VOL_FILE || g_str_equal(v->format, "raw"))
        return true;
    g_auto(StorImageInfo) info = { 0 };
    if (!stor_image_info(drv, v->path, v->format, &info, error))
        return false;
    ret_def->capacity = info.virtual_size;
    ret_def->allocation = info.actual_size;
    ret_def->backing_path = g_steal_pointer(&info.backing);
    ret_def->backing_format = g_steal_pointer(&info.backing_format);
    ret_def->compat = g_steal_pointer(&info.compat);
    ret_def->lazy_refcounts = info.lazy_refcounts;
    return true;
}

/* The volume's sizes and the rest of its XML; the pool is unlocked while measuring. */
static MvStorageVolDef *
describe(StorDriver *drv, const remote_nonnull_storage_vol *wvol, bool to_change, GError **error)
{
    StorVol *v;
    MvDomainObj *obj = stor_vol_find_locked(drv, wvol, &v, error);
    if (!obj)
        return NULL;
    if (to_change && !not_busy(v, error)) {
        release(obj);
        return NULL;
    }
    g_autoptr(StorVol) copy = stor_vol_new(v->name, v->path, v->format, v->type);
    release(obj);
    g_autoptr(MvStorageVolDef) def = mv_storage_vol_def_new();
    def->name = g_strdup(copy->name);
    def->key = g_strdup(copy->path);
    def->path = g_strdup(copy->path);
    def->type = copy->type;
    def->format = g_strdup(copy->format);
    if (!measure(drv, copy, def, error))
        return NULL;
    return g_steal_pointer(&def);
}

static bool
vol_get_info_flags(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_flags_args *a = args;
    remote_storage_vol_get_info_ret *r = ret;
    if (!check_flags(a->flags, 1 /* GET_PHYSICAL */, "virStorageVolGetInfoFlags", error))
        return false;
    g_autoptr(MvStorageVolDef) def = describe(stor_driver_of(call), &a->vol, false, error);
    if (!def)
        return false;
    r->type = (char)def->type;
    r->capacity = def->capacity;
    r->allocation = (a->flags & 1) ? def->physical : def->allocation;
    return true;
}

static bool
vol_get_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_only_args *a = args;
    remote_storage_vol_flags_args fa = { a->vol, 0 };
    return vol_get_info_flags(call, &fa, ret, error);
}

static bool
vol_get_xml_desc(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_flags_args *a = args;
    remote_storage_vol_get_xml_desc_ret *r = ret;
    if (!check_flags(a->flags, 0, "virStorageVolGetXMLDesc", error))
        return false;
    g_autoptr(MvStorageVolDef) def = describe(stor_driver_of(call), &a->vol, false, error);
    if (!def)
        return false;
    r->xml = mv_storage_vol_def_format(def);
    return true;
}

static bool
vol_get_path(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_only_args *a = args;
    remote_storage_vol_get_path_ret *r = ret;
    StorVol *v;
    MvDomainObj *obj = stor_vol_find_locked(stor_driver_of(call), &a->vol, &v, error);
    if (!obj)
        return false;
    r->name = g_strdup(v->path);
    release(obj);
    return true;
}

static bool
vol_lookup_by_name(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_lookup_by_name_args *a = args;
    remote_storage_vol_ret *r = ret;
    remote_nonnull_storage_vol w = { a->pool.name, a->name, (char *)"" };
    StorVol *v;
    MvDomainObj *obj = stor_vol_find_locked(stor_driver_of(call), &w, &v, error);
    if (!obj)
        return false;
    stor_vol_to_wire(obj->name, v, &r->vol);
    release(obj);
    return true;
}

bool
stor_vol_lookup_path(StorDriver *drv, const char *path, char **ret_pool, StorVol **ret_copy)
{
    g_autofree char *canon = g_canonicalize_filename(path, "/");
    g_autofree char *dir = g_path_get_dirname(canon);
    g_autofree char *base = g_path_get_basename(canon);
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->pools);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        StorVol *v = stor_pool_is_active(obj) ? g_hash_table_lookup(stor_pool_state(obj)->vols, base) : NULL;
        bool found = v && !v->building && g_str_equal(v->path, canon);
        if (found) {
            *ret_pool = g_strdup(obj->name);
            *ret_copy = stor_vol_new(v->name, v->path, v->format, v->type);
        }
        mv_domain_obj_unlock(obj);
        if (found)
            return true;
    }
    (void)dir;
    return false;
}

static bool
lookup_path_reply(StorDriver *drv, const char *path, const char *what, remote_storage_vol_ret *r, GError **error)
{
    g_autofree char *pool = NULL;
    g_autoptr(StorVol) v = NULL;
    if (!stor_vol_lookup_path(drv, path, &pool, &v)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_STORAGE_VOL, "no storage vol with matching %s '%s'", what, path);
        return false;
    }
    stor_vol_to_wire(pool, v, &r->vol);
    return true;
}

static bool
vol_lookup_by_key(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_lookup_by_key_args *a = args;
    return lookup_path_reply(stor_driver_of(call), a->key, "key", ret, error);
}

static bool
vol_lookup_by_path(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_lookup_by_path_args *a = args;
    return lookup_path_reply(stor_driver_of(call), a->path, "path", ret, error);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of @obj's complete volumes, sorted. */
static GPtrArray *
vol_names(MvDomainObj *obj)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, stor_pool_state(obj)->vols);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (!((StorVol *)v)->building)
            g_ptr_array_add(names, ((StorVol *)v)->name);
    g_ptr_array_sort(names, compare_names);
    return names;
}

static bool
pool_num_of_volumes(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_only_args *a = args;
    MvDomainObj *obj = active_pool_by_name(stor_driver_of(call), a->pool.name, error);
    if (!obj)
        return false;
    g_autoptr(GPtrArray) names = vol_names(obj);
    *(int *)ret = (int)names->len;
    release(obj);
    return true;
}

static bool
pool_list_volumes(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_list_volumes_args *a = args;
    remote_storage_pool_list_volumes_ret *r = ret;
    if (a->maxnames < 0 || a->maxnames > REMOTE_STORAGE_VOL_LIST_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxnames %d out of range", a->maxnames);
        return false;
    }
    MvDomainObj *obj = active_pool_by_name(stor_driver_of(call), a->pool.name, error);
    if (!obj)
        return false;
    g_autoptr(GPtrArray) names = vol_names(obj);
    guint n = MIN(names->len, (guint)a->maxnames);
    r->names.names_len = n;
    r->names.names_val = g_new0(remote_nonnull_string, n);
    for (guint i = 0; i < n; i++)
        r->names.names_val[i] = g_strdup(names->pdata[i]);
    release(obj);
    return true;
}

static bool
pool_list_all_volumes(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_pool_list_all_volumes_args *a = args;
    remote_storage_pool_list_all_volumes_ret *r = ret;
    if (!check_flags(a->flags, 0, "virStoragePoolListAllVolumes", error))
        return false;
    MvDomainObj *obj = active_pool_by_name(stor_driver_of(call), a->pool.name, error);
    if (!obj)
        return false;
    g_autoptr(GPtrArray) names = vol_names(obj);
    guint n = MIN(names->len, (guint)REMOTE_STORAGE_VOL_LIST_MAX);
    r->ret = n;
    if (a->need_results) {
        r->vols.vols_len = n;
        r->vols.vols_val = g_new0(remote_nonnull_storage_vol, n);
        for (guint i = 0; i < n; i++)
            stor_vol_to_wire(obj->name, g_hash_table_lookup(stor_pool_state(obj)->vols, names->pdata[i]),
                             &r->vols.vols_val[i]);
    }
    release(obj);
    return true;
}

/* Overwrite @len bytes of @fd from 0 with zeros (only where data is: holes read as zeros
 * already) or with random bytes (everywhere). */
static bool
overwrite(int fd, guint64 len, bool random, const char *name, GError **error)
{
    g_autofree guint8 *buf = g_malloc0(WIPE_CHUNK);
    off_t pos = 0;
    while ((guint64)pos < len) {
        if (!random) {
            off_t data = lseek(fd, pos, SEEK_DATA);
            if (data < 0)
                break;     /* only a hole is left */
            off_t hole = lseek(fd, data, SEEK_HOLE);
            for (pos = data; pos < hole;) {
                size_t n = (size_t)MIN((off_t)WIPE_CHUNK, hole - pos);
                ssize_t w = pwrite(fd, buf, n, pos);
                if (w <= 0)
                    goto failed;
                pos += w;
            }
            continue;
        }
        size_t n = (size_t)MIN((guint64)WIPE_CHUNK, len - (guint64)pos);
        if (getrandom(buf, n, 0) != (ssize_t)n)
            goto failed;
        ssize_t w = pwrite(fd, buf, n, pos);
        if (w <= 0)
            goto failed;
        pos += w;
    }
    if (fdatasync(fd) == 0)
        return true;
failed:
    mv_error_set_errno(error, MV_FROM_STORAGE, errno ? errno : EIO, "cannot wipe volume '%s'", name);
    return false;
}

static bool
wipe(StorDriver *drv, const remote_nonnull_storage_vol *wvol, unsigned algorithm, GError **error)
{
    if (algorithm >= WIPE_LAST) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "unknown wipe algorithm %u for volume '%s'", algorithm,
                     wvol->name);
        return false;
    }
    g_autoptr(MvStorageVolDef) def = describe(drv, wvol, true, error);
    if (!def)
        return false;
    if (scrub_names[algorithm]) {
        const char *scrub = "/usr/bin/scrub";
        if (!g_file_test(scrub, G_FILE_TEST_IS_EXECUTABLE)) {
            mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                         "wipe algorithm '%s' for volume '%s' needs 'scrub' (Debian package scrub), which is not "
                         "installed; 'zero', 'random' and 'trim' work without it", scrub_names[algorithm], def->name);
            return false;
        }
        const char *argv[] = { scrub, "-f", "-p", scrub_names[algorithm], def->path, NULL };
        g_autofree char *what = g_strdup_printf("cannot wipe volume '%s'", def->name);
        return stor_run(argv, what, NULL, error);
    }
    if (def->type == MV_VOL_FILE && !g_str_equal(def->format, "raw")) {
        /* An image wiped is an empty image of the same size and backing store: made anew
         * under a temporary name, then put in place of the old one. */
        g_autofree char *tmp = stor_temp_path(def->path);
        unlink(tmp);
        def->capacity_set = true;
        bool ok = stor_image_create(drv, tmp, def, false, error) && apply_perms(tmp, &def->perms, def->name, error);
        if (ok && rename(tmp, def->path) < 0) {
            mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot replace volume '%s'", def->name);
            ok = false;
        }
        if (!ok)
            unlink(tmp);
        return ok;
    }
    int fd = open(def->path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot open volume '%s' to wipe it", def->name);
        return false;
    }
    bool ok;
    if (algorithm == WIPE_TRIM) {
        ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)def->physical) == 0;
        if (!ok)
            mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot trim volume '%s'", def->name);
    } else {
        ok = overwrite(fd, def->physical, algorithm == WIPE_RANDOM, def->name, error);
    }
    close(fd);
    return ok;
}

static bool
vol_wipe(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_flags_args *a = args;
    return check_flags(a->flags, 0, "virStorageVolWipe", error) &&
           wipe(stor_driver_of(call), &a->vol, WIPE_ZERO, error);
}

static bool
vol_wipe_pattern(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_wipe_pattern_args *a = args;
    return check_flags(a->flags, 0, "virStorageVolWipePattern", error) &&
           wipe(stor_driver_of(call), &a->vol, a->algorithm, error);
}

static bool
vol_resize(MvCall *call, void *args, void *ret, GError **error)
{
    remote_storage_vol_resize_args *a = args;
    StorDriver *drv = stor_driver_of(call);
    if (!check_flags(a->flags, RESIZE_ALLOCATE | RESIZE_DELTA | RESIZE_SHRINK, "virStorageVolResize", error))
        return false;
    g_autoptr(MvStorageVolDef) def = describe(drv, &a->vol, true, error);
    if (!def)
        return false;
    guint64 size = a->capacity;
    if (a->flags & RESIZE_DELTA) {
        if (a->flags & RESIZE_SHRINK)
            size = a->capacity > def->capacity ? 0 : def->capacity - a->capacity;
        else if (a->capacity > MV_STORAGE_SIZE_MAX - def->capacity)
            size = G_MAXUINT64;
        else
            size = def->capacity + a->capacity;
    }
    if (size > MV_STORAGE_SIZE_MAX) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "new capacity of volume '%s' is too large", def->name);
        return false;
    }
    if (size < def->capacity && !(a->flags & RESIZE_SHRINK)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG,
                     "cannot shrink volume '%s' from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                     " bytes without the shrink flag (--shrink)", def->name, def->capacity, size);
        return false;
    }
    if (size > def->capacity && (a->flags & RESIZE_SHRINK)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG,
                     "the shrink flag was given, but %" G_GUINT64_FORMAT " bytes would grow volume '%s'", size,
                     def->name);
        return false;
    }
    if (def->type != MV_VOL_FILE) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_NO_SUPPORT, "resizing volume '%s' of this pool is not supported",
                     def->name);
        return false;
    }
    if (!g_str_equal(def->format, "raw"))
        return stor_image_resize(drv, def->path, def->format, size, size < def->capacity, error);
    int fd = open(def->path, O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ftruncate(fd, (off_t)size) == 0 &&
              (!(a->flags & RESIZE_ALLOCATE) || size <= def->capacity ||
               fallocate(fd, 0, (off_t)def->capacity, (off_t)(size - def->capacity)) == 0);
    if (!ok)
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot resize volume '%s' to %" G_GUINT64_FORMAT " bytes",
                           def->name, size);
    if (fd >= 0)
        close(fd);
    return ok;
}

#define R MV_PROC_READONLY_OK
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

const MvProcedure stor_vol_rows[] = {
    ROW(STORAGE_POOL_NUM_OF_VOLUMES, "virStoragePoolNumOfVolumes", storage_pool_only_args, int_ret,
        pool_num_of_volumes, R),
    ROW(STORAGE_POOL_LIST_VOLUMES, "virStoragePoolListVolumes", storage_pool_list_volumes_args,
        storage_pool_list_volumes_ret, pool_list_volumes, R),
    ROW(STORAGE_POOL_LIST_ALL_VOLUMES, "virStoragePoolListAllVolumes", storage_pool_list_all_volumes_args,
        storage_pool_list_all_volumes_ret, pool_list_all_volumes, R),
    ROW(STORAGE_VOL_CREATE_XML, "virStorageVolCreateXML", storage_vol_create_xml_args, storage_vol_ret,
        vol_create_xml, 0),
    ROW(STORAGE_VOL_CREATE_XML_FROM, "virStorageVolCreateXMLFrom", storage_vol_create_xml_from_args,
        storage_vol_ret, vol_create_xml_from, 0),
    ROW_NORET(STORAGE_VOL_DELETE, "virStorageVolDelete", storage_vol_flags_args, vol_delete, 0),
    ROW_NORET(STORAGE_VOL_WIPE, "virStorageVolWipe", storage_vol_flags_args, vol_wipe, 0),
    ROW_NORET(STORAGE_VOL_WIPE_PATTERN, "virStorageVolWipePattern", storage_vol_wipe_pattern_args,
              vol_wipe_pattern, 0),
    ROW_NORET(STORAGE_VOL_RESIZE, "virStorageVolResize", storage_vol_resize_args, vol_resize, 0),
    ROW(STORAGE_VOL_LOOKUP_BY_NAME, "virStorageVolLookupByName", storage_vol_lookup_by_name_args,
        storage_vol_ret, vol_lookup_by_name, R),
    ROW(STORAGE_VOL_LOOKUP_BY_KEY, "virStorageVolLookupByKey", storage_vol_lookup_by_key_args, storage_vol_ret,
        vol_lookup_by_key, R),
    ROW(STORAGE_VOL_LOOKUP_BY_PATH, "virStorageVolLookupByPath", storage_vol_lookup_by_path_args,
        storage_vol_ret, vol_lookup_by_path, R),
    ROW(STORAGE_VOL_GET_INFO, "virStorageVolGetInfo", storage_vol_only_args, storage_vol_get_info_ret,
        vol_get_info, R),
    ROW(STORAGE_VOL_GET_INFO_FLAGS, "virStorageVolGetInfoFlags", storage_vol_flags_args,
        storage_vol_get_info_ret, vol_get_info_flags, R),
    ROW(STORAGE_VOL_GET_XML_DESC, "virStorageVolGetXMLDesc", storage_vol_flags_args,
        storage_vol_get_xml_desc_ret, vol_get_xml_desc, R),
    ROW(STORAGE_VOL_GET_PATH, "virStorageVolGetPath", storage_vol_only_args, storage_vol_get_path_ret,
        vol_get_path, R),
};
const size_t stor_vol_nrows = G_N_ELEMENTS(stor_vol_rows);
