// SPDX-License-Identifier: LGPL-2.1-or-later
// Storage pools and volumes in libmodvirt: objects that name what the daemon named (a pool by
// name and UUID, a volume by pool, name and key), and the calls on them.  Streams (upload and
// download) are not here yet.

#include "client-private.h"
#include "util/util-error.h"
#include "util/util-uuid.h"

#include <string.h>

#define MV_CLIENT_POOL_MAGIC 0x6d767370u
#define MV_CLIENT_VOL_MAGIC 0x6d767376u

struct _virStoragePool {
    guint32 magic;
    gint refs;               /* atomic */
    virConnectPtr conn;      /* holds a reference */
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
};

struct _virStorageVol {
    guint32 magic;
    gint refs;               /* atomic */
    virConnectPtr conn;      /* holds a reference */
    char *pool;
    char *name;
    char *key;
};

static virStoragePoolPtr
pool_new(virConnectPtr conn, const remote_nonnull_storage_pool *p)
{
    virStoragePoolPtr pool = g_new0(virStoragePool, 1);
    pool->magic = MV_CLIENT_POOL_MAGIC;
    pool->refs = 1;
    mv_client_conn_ref(conn);
    pool->conn = conn;
    pool->name = g_strdup(p->name);
    memcpy(pool->uuid, p->uuid, VIR_UUID_BUFLEN);
    return pool;
}

static virStorageVolPtr
vol_new(virConnectPtr conn, const remote_nonnull_storage_vol *v)
{
    virStorageVolPtr vol = g_new0(virStorageVol, 1);
    vol->magic = MV_CLIENT_VOL_MAGIC;
    vol->refs = 1;
    mv_client_conn_ref(conn);
    vol->conn = conn;
    vol->pool = g_strdup(v->pool);
    vol->name = g_strdup(v->name);
    vol->key = g_strdup(v->key);
    return vol;
}

static bool
pool_ok(virStoragePoolPtr pool, const char *func)
{
    if (pool && pool->magic == MV_CLIENT_POOL_MAGIC)
        return true;
    g_autoptr(GError) error = NULL;
    mv_client_error_reset();
    mv_error_set(&error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "%s: invalid storage pool pointer", func);
    mv_client_report(NULL, error);
    return false;
}

static bool
vol_ok(virStorageVolPtr vol, const char *func)
{
    if (vol && vol->magic == MV_CLIENT_VOL_MAGIC)
        return true;
    g_autoptr(GError) error = NULL;
    mv_client_error_reset();
    mv_error_set(&error, MV_FROM_STORAGE, MV_ERR_INVALID_ARG, "%s: invalid storage volume pointer", func);
    mv_client_report(NULL, error);
    return false;
}

static void
pool_wire(virStoragePoolPtr pool, remote_nonnull_storage_pool *ret)
{
    ret->name = pool->name;
    memcpy(ret->uuid, pool->uuid, VIR_UUID_BUFLEN);
}

static void
vol_wire(virStorageVolPtr vol, remote_nonnull_storage_vol *ret)
{
    ret->pool = vol->pool;
    ret->name = vol->name;
    ret->key = vol->key;
}

/* One call on @conn: a writable connection unless @readonly_ok; reports and returns false
 * on failure. */
static bool
call(virConnectPtr conn, const char *func, bool readonly_ok, int proc, xdrproc_t args_proc, const void *args,
     xdrproc_t ret_proc, void *ret)
{
    g_autoptr(GError) error = NULL;
    if (!mv_client_enter(conn, func, &error) || (!readonly_ok && !mv_client_check_writable(conn, func, &error)) ||
        !mv_client_call(conn, proc, args_proc, args, ret_proc, ret, &error)) {
        mv_client_report(conn, error);
        return false;
    }
    return true;
}

/* ---- pools ---- */

int
virConnectListAllStoragePools(virConnectPtr conn, virStoragePoolPtr **pools, unsigned int flags)
{
    remote_connect_list_all_storage_pools_args a = { pools != NULL, flags };
    remote_connect_list_all_storage_pools_ret r = { 0 };
    if (!call(conn, G_STRFUNC, true, REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
              (xdrproc_t)xdr_remote_connect_list_all_storage_pools_args, &a,
              (xdrproc_t)xdr_remote_connect_list_all_storage_pools_ret, &r))
        return -1;
    if (pools) {
        *pools = g_new0(virStoragePoolPtr, r.pools.pools_len + 1);
        for (u_int i = 0; i < r.pools.pools_len; i++)
            (*pools)[i] = pool_new(conn, &r.pools.pools_val[i]);
    }
    int n = (int)r.ret;
    xdr_free((xdrproc_t)xdr_remote_connect_list_all_storage_pools_ret, (char *)&r);
    return n;
}

virStoragePoolPtr
virStoragePoolLookupByName(virConnectPtr conn, const char *name)
{
    remote_storage_pool_lookup_by_name_args a = { (char *)name };
    remote_storage_pool_ret r = { 0 };
    if (!name) {
        g_autoptr(GError) error = NULL;
        mv_client_check_arg(name, G_STRFUNC, "name", &error);
        mv_client_report(conn, error);
        return NULL;
    }
    if (!call(conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
              (xdrproc_t)xdr_remote_storage_pool_lookup_by_name_args, &a, (xdrproc_t)xdr_remote_storage_pool_ret, &r))
        return NULL;
    virStoragePoolPtr pool = pool_new(conn, &r.pool);
    xdr_free((xdrproc_t)xdr_remote_storage_pool_ret, (char *)&r);
    return pool;
}

virStoragePoolPtr
virStoragePoolDefineXML(virConnectPtr conn, const char *xml, unsigned int flags)
{
    remote_storage_pool_define_xml_args a = { (char *)(xml ? xml : ""), flags };
    remote_storage_pool_define_xml_ret r = { 0 };
    if (!call(conn, G_STRFUNC, false, REMOTE_PROC_STORAGE_POOL_DEFINE_XML,
              (xdrproc_t)xdr_remote_storage_pool_define_xml_args, &a,
              (xdrproc_t)xdr_remote_storage_pool_define_xml_ret, &r))
        return NULL;
    virStoragePoolPtr pool = pool_new(conn, &r.pool);
    xdr_free((xdrproc_t)xdr_remote_storage_pool_define_xml_ret, (char *)&r);
    return pool;
}

/* A call taking {pool} or {pool, flags} with no reply. */
static int
pool_void(virStoragePoolPtr pool, const char *func, int proc, bool with_flags, unsigned int flags)
{
    if (!pool_ok(pool, func))
        return -1;
    remote_storage_pool_only_args a;
    remote_storage_pool_flags_args fa = { .flags = flags };
    pool_wire(pool, &a.pool);
    pool_wire(pool, &fa.pool);
    bool ok = with_flags ? call(pool->conn, func, false, proc, (xdrproc_t)xdr_remote_storage_pool_flags_args, &fa,
                                NULL, NULL)
                         : call(pool->conn, func, false, proc, (xdrproc_t)xdr_remote_storage_pool_only_args, &a,
                                NULL, NULL);
    return ok ? 0 : -1;
}

int virStoragePoolUndefine(virStoragePoolPtr pool)
{ return pool_void(pool, G_STRFUNC, REMOTE_PROC_STORAGE_POOL_UNDEFINE, false, 0); }
int virStoragePoolBuild(virStoragePoolPtr pool, unsigned int flags)
{ return pool_void(pool, G_STRFUNC, REMOTE_PROC_STORAGE_POOL_BUILD, true, flags); }
int virStoragePoolCreate(virStoragePoolPtr pool, unsigned int flags)
{ return pool_void(pool, G_STRFUNC, REMOTE_PROC_STORAGE_POOL_CREATE, true, flags); }
int virStoragePoolDestroy(virStoragePoolPtr pool)
{ return pool_void(pool, G_STRFUNC, REMOTE_PROC_STORAGE_POOL_DESTROY, false, 0); }
int virStoragePoolDelete(virStoragePoolPtr pool, unsigned int flags)
{ return pool_void(pool, G_STRFUNC, REMOTE_PROC_STORAGE_POOL_DELETE, true, flags); }
int virStoragePoolRefresh(virStoragePoolPtr pool, unsigned int flags)
{ return pool_void(pool, G_STRFUNC, REMOTE_PROC_STORAGE_POOL_REFRESH, true, flags); }

int
virStoragePoolGetInfo(virStoragePoolPtr pool, virStoragePoolInfoPtr info)
{
    if (!pool_ok(pool, G_STRFUNC))
        return -1;
    remote_storage_pool_only_args a;
    remote_storage_pool_get_info_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_GET_INFO,
              (xdrproc_t)xdr_remote_storage_pool_only_args, &a, (xdrproc_t)xdr_remote_storage_pool_get_info_ret, &r))
        return -1;
    info->state = r.state;
    info->capacity = r.capacity;
    info->allocation = r.allocation;
    info->available = r.available;
    return 0;
}

char *
virStoragePoolGetXMLDesc(virStoragePoolPtr pool, unsigned int flags)
{
    if (!pool_ok(pool, G_STRFUNC))
        return NULL;
    remote_storage_pool_flags_args a = { .flags = flags };
    remote_storage_pool_get_xml_desc_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
              (xdrproc_t)xdr_remote_storage_pool_flags_args, &a,
              (xdrproc_t)xdr_remote_storage_pool_get_xml_desc_ret, &r))
        return NULL;
    char *xml = g_strdup(r.xml);
    xdr_free((xdrproc_t)xdr_remote_storage_pool_get_xml_desc_ret, (char *)&r);
    return xml;
}

int
virStoragePoolGetAutostart(virStoragePoolPtr pool, int *autostart)
{
    if (!pool_ok(pool, G_STRFUNC))
        return -1;
    remote_storage_pool_only_args a;
    remote_storage_pool_get_autostart_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART,
              (xdrproc_t)xdr_remote_storage_pool_only_args, &a,
              (xdrproc_t)xdr_remote_storage_pool_get_autostart_ret, &r))
        return -1;
    *autostart = r.autostart;
    return 0;
}

int
virStoragePoolSetAutostart(virStoragePoolPtr pool, int autostart)
{
    if (!pool_ok(pool, G_STRFUNC))
        return -1;
    remote_storage_pool_set_autostart_args a = { .autostart = autostart };
    pool_wire(pool, &a.pool);
    return call(pool->conn, G_STRFUNC, false, REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART,
                (xdrproc_t)xdr_remote_storage_pool_set_autostart_args, &a, NULL, NULL) ? 0 : -1;
}

int
virStoragePoolIsPersistent(virStoragePoolPtr pool)
{
    if (!pool_ok(pool, G_STRFUNC))
        return -1;
    remote_storage_pool_only_args a;
    remote_int_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT,
              (xdrproc_t)xdr_remote_storage_pool_only_args, &a, (xdrproc_t)xdr_remote_int_ret, &r))
        return -1;
    return r.num;
}

const char *
virStoragePoolGetName(virStoragePoolPtr pool)
{
    return pool_ok(pool, G_STRFUNC) ? pool->name : NULL;
}

int
virStoragePoolGetUUIDString(virStoragePoolPtr pool, char *buf)
{
    if (!pool_ok(pool, G_STRFUNC) || !buf)
        return -1;
    mv_uuid_format(pool->uuid, buf);
    return 0;
}

int
virStoragePoolFree(virStoragePoolPtr pool)
{
    if (!pool_ok(pool, G_STRFUNC))
        return -1;
    if (g_atomic_int_dec_and_test(&pool->refs)) {
        pool->magic = 0;
        mv_client_conn_unref(pool->conn);
        g_free(pool->name);
        g_free(pool);
    }
    return 0;
}

/* ---- volumes ---- */

int
virStoragePoolListAllVolumes(virStoragePoolPtr pool, virStorageVolPtr **vols, unsigned int flags)
{
    if (!pool_ok(pool, G_STRFUNC))
        return -1;
    remote_storage_pool_list_all_volumes_args a = { .need_results = vols != NULL, .flags = flags };
    remote_storage_pool_list_all_volumes_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
              (xdrproc_t)xdr_remote_storage_pool_list_all_volumes_args, &a,
              (xdrproc_t)xdr_remote_storage_pool_list_all_volumes_ret, &r))
        return -1;
    if (vols) {
        *vols = g_new0(virStorageVolPtr, r.vols.vols_len + 1);
        for (u_int i = 0; i < r.vols.vols_len; i++)
            (*vols)[i] = vol_new(pool->conn, &r.vols.vols_val[i]);
    }
    int n = (int)r.ret;
    xdr_free((xdrproc_t)xdr_remote_storage_pool_list_all_volumes_ret, (char *)&r);
    return n;
}

static virStorageVolPtr
vol_reply(virConnectPtr conn, remote_storage_vol_ret *r)
{
    virStorageVolPtr vol = vol_new(conn, &r->vol);
    xdr_free((xdrproc_t)xdr_remote_storage_vol_ret, (char *)r);
    return vol;
}

virStorageVolPtr
virStorageVolLookupByName(virStoragePoolPtr pool, const char *name)
{
    if (!pool_ok(pool, G_STRFUNC))
        return NULL;
    remote_storage_vol_lookup_by_name_args a = { .name = (char *)(name ? name : "") };
    remote_storage_vol_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME,
              (xdrproc_t)xdr_remote_storage_vol_lookup_by_name_args, &a, (xdrproc_t)xdr_remote_storage_vol_ret, &r))
        return NULL;
    return vol_reply(pool->conn, &r);
}

virStorageVolPtr
virStorageVolLookupByPath(virConnectPtr conn, const char *path)
{
    remote_storage_vol_lookup_by_path_args a = { (char *)(path ? path : "") };
    remote_storage_vol_ret r = { 0 };
    if (!call(conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH,
              (xdrproc_t)xdr_remote_storage_vol_lookup_by_path_args, &a, (xdrproc_t)xdr_remote_storage_vol_ret, &r))
        return NULL;
    return vol_reply(conn, &r);
}

virStorageVolPtr
virStorageVolCreateXML(virStoragePoolPtr pool, const char *xml, unsigned int flags)
{
    if (!pool_ok(pool, G_STRFUNC))
        return NULL;
    remote_storage_vol_create_xml_args a = { .xml = (char *)(xml ? xml : ""), .flags = flags };
    remote_storage_vol_ret r = { 0 };
    pool_wire(pool, &a.pool);
    if (!call(pool->conn, G_STRFUNC, false, REMOTE_PROC_STORAGE_VOL_CREATE_XML,
              (xdrproc_t)xdr_remote_storage_vol_create_xml_args, &a, (xdrproc_t)xdr_remote_storage_vol_ret, &r))
        return NULL;
    return vol_reply(pool->conn, &r);
}

virStorageVolPtr
virStorageVolCreateXMLFrom(virStoragePoolPtr pool, const char *xml, virStorageVolPtr clonevol, unsigned int flags)
{
    if (!pool_ok(pool, G_STRFUNC) || !vol_ok(clonevol, G_STRFUNC))
        return NULL;
    remote_storage_vol_create_xml_from_args a = { .xml = (char *)(xml ? xml : ""), .flags = flags };
    remote_storage_vol_ret r = { 0 };
    pool_wire(pool, &a.pool);
    vol_wire(clonevol, &a.clonevol);
    if (!call(pool->conn, G_STRFUNC, false, REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM,
              (xdrproc_t)xdr_remote_storage_vol_create_xml_from_args, &a, (xdrproc_t)xdr_remote_storage_vol_ret,
              &r))
        return NULL;
    return vol_reply(pool->conn, &r);
}

virStoragePoolPtr
virStoragePoolLookupByVolume(virStorageVolPtr vol)
{
    if (!vol_ok(vol, G_STRFUNC))
        return NULL;
    remote_storage_vol_only_args a = { 0 };
    remote_storage_pool_ret r = { 0 };
    vol_wire(vol, &a.vol);
    if (!call(vol->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME,
              (xdrproc_t)xdr_remote_storage_vol_only_args, &a, (xdrproc_t)xdr_remote_storage_pool_ret, &r))
        return NULL;
    virStoragePoolPtr pool = pool_new(vol->conn, &r.pool);
    xdr_free((xdrproc_t)xdr_remote_storage_pool_ret, (char *)&r);
    return pool;
}

static int
vol_void(virStorageVolPtr vol, const char *func, int proc, unsigned int flags)
{
    if (!vol_ok(vol, func))
        return -1;
    remote_storage_vol_flags_args a = { .flags = flags };
    vol_wire(vol, &a.vol);
    return call(vol->conn, func, false, proc, (xdrproc_t)xdr_remote_storage_vol_flags_args, &a, NULL, NULL) ? 0 : -1;
}

int virStorageVolDelete(virStorageVolPtr vol, unsigned int flags)
{ return vol_void(vol, G_STRFUNC, REMOTE_PROC_STORAGE_VOL_DELETE, flags); }
int virStorageVolWipe(virStorageVolPtr vol, unsigned int flags)
{ return vol_void(vol, G_STRFUNC, REMOTE_PROC_STORAGE_VOL_WIPE, flags); }

int
virStorageVolResize(virStorageVolPtr vol, unsigned long long capacity, unsigned int flags)
{
    if (!vol_ok(vol, G_STRFUNC))
        return -1;
    remote_storage_vol_resize_args a = { .capacity = capacity, .flags = flags };
    vol_wire(vol, &a.vol);
    return call(vol->conn, G_STRFUNC, false, REMOTE_PROC_STORAGE_VOL_RESIZE,
                (xdrproc_t)xdr_remote_storage_vol_resize_args, &a, NULL, NULL) ? 0 : -1;
}

int
virStorageVolGetInfo(virStorageVolPtr vol, virStorageVolInfoPtr info)
{
    if (!vol_ok(vol, G_STRFUNC))
        return -1;
    remote_storage_vol_only_args a;
    remote_storage_vol_get_info_ret r = { 0 };
    vol_wire(vol, &a.vol);
    if (!call(vol->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_VOL_GET_INFO,
              (xdrproc_t)xdr_remote_storage_vol_only_args, &a, (xdrproc_t)xdr_remote_storage_vol_get_info_ret, &r))
        return -1;
    info->type = r.type;
    info->capacity = r.capacity;
    info->allocation = r.allocation;
    return 0;
}

char *
virStorageVolGetXMLDesc(virStorageVolPtr vol, unsigned int flags)
{
    if (!vol_ok(vol, G_STRFUNC))
        return NULL;
    remote_storage_vol_flags_args a = { .flags = flags };
    remote_storage_vol_get_xml_desc_ret r = { 0 };
    vol_wire(vol, &a.vol);
    if (!call(vol->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_VOL_GET_XML_DESC,
              (xdrproc_t)xdr_remote_storage_vol_flags_args, &a, (xdrproc_t)xdr_remote_storage_vol_get_xml_desc_ret, &r))
        return NULL;
    char *xml = g_strdup(r.xml);
    xdr_free((xdrproc_t)xdr_remote_storage_vol_get_xml_desc_ret, (char *)&r);
    return xml;
}

char *
virStorageVolGetPath(virStorageVolPtr vol)
{
    if (!vol_ok(vol, G_STRFUNC))
        return NULL;
    remote_storage_vol_only_args a;
    remote_storage_vol_get_path_ret r = { 0 };
    vol_wire(vol, &a.vol);
    if (!call(vol->conn, G_STRFUNC, true, REMOTE_PROC_STORAGE_VOL_GET_PATH,
              (xdrproc_t)xdr_remote_storage_vol_only_args, &a, (xdrproc_t)xdr_remote_storage_vol_get_path_ret, &r))
        return NULL;
    char *path = g_strdup(r.name);
    xdr_free((xdrproc_t)xdr_remote_storage_vol_get_path_ret, (char *)&r);
    return path;
}

const char *
virStorageVolGetName(virStorageVolPtr vol)
{
    return vol_ok(vol, G_STRFUNC) ? vol->name : NULL;
}

const char *
virStorageVolGetKey(virStorageVolPtr vol)
{
    return vol_ok(vol, G_STRFUNC) ? vol->key : NULL;
}

int
virStorageVolFree(virStorageVolPtr vol)
{
    if (!vol_ok(vol, G_STRFUNC))
        return -1;
    if (g_atomic_int_dec_and_test(&vol->refs)) {
        vol->magic = 0;
        mv_client_conn_unref(vol->conn);
        g_free(vol->pool);
        g_free(vol->name);
        g_free(vol->key);
        g_free(vol);
    }
    return 0;
}

/* vol-upload / vol-download: @st carries the bytes (no holes: libmodvirt's streams are not
 * sparse yet). */
static int
vol_transfer(virStorageVolPtr vol, virStreamPtr st, unsigned long long offset, unsigned long long length,
             unsigned int flags, int proc, const char *func)
{
    if (!vol_ok(vol, func))
        return -1;
    g_autoptr(GError) error = NULL;
    remote_storage_vol_transfer_args a = { .offset = offset, .length = length, .flags = flags };
    vol_wire(vol, &a.vol);
    if (!mv_client_enter(vol->conn, func, &error) || !mv_client_check_writable(vol->conn, func, &error) ||
        !mv_client_stream_open(vol->conn, st, proc, (xdrproc_t)xdr_remote_storage_vol_transfer_args, &a, func,
                               &error)) {
        mv_client_report(vol->conn, error);
        return -1;
    }
    return 0;
}

int
virStorageVolUpload(virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset, unsigned long long length,
                    unsigned int flags)
{
    return vol_transfer(vol, stream, offset, length, flags, REMOTE_PROC_STORAGE_VOL_UPLOAD, G_STRFUNC);
}

int
virStorageVolDownload(virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset,
                      unsigned long long length, unsigned int flags)
{
    return vol_transfer(vol, stream, offset, length, flags, REMOTE_PROC_STORAGE_VOL_DOWNLOAD, G_STRFUNC);
}
