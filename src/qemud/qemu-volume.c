// SPDX-License-Identifier: LGPL-2.1-or-later
// <disk type='volume'>: the volume's path, kind and format come from modvirt-storaged, asked
// over its socket under our root as any client asks (libvirt's QEMU driver does the same
// through the storage driver).  qemud links nothing of storaged's.

#include "qemu-domain.h"
#include "qemu-volume.h"
#include "conf/conf-storage.h"
#include "rpc/rpc-client.h"
#include "util/util-error.h"
#include "remote.h"

/* The storage daemon's socket, relative to the root. */
#define STORAGED_SOCKET "run/libvirt/virtstoraged-sock"

static bool
call(MvRpcClient *c, int proc, xdrproc_t args_proc, const void *args, xdrproc_t ret_proc, void *ret,
     GError **error)
{
    return mv_rpc_client_call(c, REMOTE_PROGRAM, proc, args_proc, args, ret_proc, ret, error);
}

static MvRpcClient *
storaged_open(QemuDriver *drv, GError **error)
{
    g_autofree char *path = mv_daemon_path(drv->daemon, STORAGED_SOCKET);
    g_autoptr(GError) err = NULL;
    g_autoptr(MvRpcClient) c = mv_rpc_client_connect_unix(path, &err);
    char *uri = (char *)"storage:///system";
    remote_connect_open_args open = { &uri, 0 };
    if (!c || !call(c, REMOTE_PROC_CONNECT_OPEN, (xdrproc_t)xdr_remote_connect_open_args, &open, NULL, NULL, &err)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "the storage daemon does not answer on '%s': %s", path, err->message);
        return NULL;
    }
    return g_steal_pointer(&c);
}

/* Path, kind and (when the disk names none) format of @disk's volume. */
static bool
resolve(MvRpcClient *c, MvDomainDisk *disk, GError **error)
{
    remote_storage_pool_lookup_by_name_args pa = { disk->src_pool };
    remote_storage_pool_ret pool = { 0 };
    remote_storage_vol_ret vol = { 0 };
    remote_storage_vol_get_info_ret info = { 0 };
    remote_storage_vol_get_path_ret path = { 0 };
    remote_storage_vol_get_xml_desc_ret xml = { 0 };
    bool ok = call(c, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, (xdrproc_t)xdr_remote_storage_pool_lookup_by_name_args,
                   &pa, (xdrproc_t)xdr_remote_storage_pool_ret, &pool, error);
    if (ok) {
        remote_storage_vol_lookup_by_name_args va = { pool.pool, disk->src_volume };
        ok = call(c, REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, (xdrproc_t)xdr_remote_storage_vol_lookup_by_name_args,
                  &va, (xdrproc_t)xdr_remote_storage_vol_ret, &vol, error);
    }
    remote_storage_vol_only_args vo = { vol.vol };
    remote_storage_vol_flags_args vf = { vol.vol, 0 };
    ok = ok &&
         call(c, REMOTE_PROC_STORAGE_VOL_GET_INFO, (xdrproc_t)xdr_remote_storage_vol_only_args, &vo,
              (xdrproc_t)xdr_remote_storage_vol_get_info_ret, &info, error) &&
         call(c, REMOTE_PROC_STORAGE_VOL_GET_PATH, (xdrproc_t)xdr_remote_storage_vol_only_args, &vo,
              (xdrproc_t)xdr_remote_storage_vol_get_path_ret, &path, error) &&
         (disk->format || call(c, REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, (xdrproc_t)xdr_remote_storage_vol_flags_args,
                                &vf, (xdrproc_t)xdr_remote_storage_vol_get_xml_desc_ret, &xml, error));
    if (ok && (info.type != MV_VOL_FILE && info.type != MV_VOL_BLOCK)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED, "volume of type %d is not supported", info.type);
        ok = false;
    }
    if (ok && !disk->format) {
        g_autoptr(MvStorageVolDef) def = mv_storage_vol_def_parse(xml.xml, info.type == MV_VOL_BLOCK ? MV_POOL_LOGICAL
                                                                                                    : MV_POOL_DIR, error);
        const char *fmt = def && def->format && !g_str_equal(def->format, "none") ? def->format : "raw";
        int f = mv_domain_disk_format_from_string(fmt);
        ok = def != NULL;
        if (ok && f <= MV_DOMAIN_DISK_FORMAT_NONE) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED, "volume format '%s' is not supported", fmt);
            ok = false;
        }
        if (ok)
            disk->format = f;
    }
    if (ok) {
        g_free(disk->src);
        disk->src = g_strdup(path.name);
        disk->src_block = info.type == MV_VOL_BLOCK;
    }
    xdr_free((xdrproc_t)xdr_remote_storage_pool_ret, (char *)&pool);
    xdr_free((xdrproc_t)xdr_remote_storage_vol_ret, (char *)&vol);
    xdr_free((xdrproc_t)xdr_remote_storage_vol_get_path_ret, (char *)&path);
    xdr_free((xdrproc_t)xdr_remote_storage_vol_get_xml_desc_ret, (char *)&xml);
    return ok;
}

bool
qemu_volumes_resolve(QemuDriver *drv, MvDomainDef *def, GError **error)
{
    g_autoptr(MvRpcClient) c = NULL;
    for (guint i = 0; i < def->disks->len; i++) {
        MvDomainDisk *disk = def->disks->pdata[i];
        if (disk->type != MV_DOMAIN_DISK_TYPE_VOLUME)
            continue;
        g_autoptr(GError) err = NULL;
        if (!c)
            c = storaged_open(drv, &err);
        if (!c || !resolve(c, disk, &err)) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                         "cannot use volume '%s' of pool '%s' for disk '%s': %s", disk->src_volume, disk->src_pool,
                         disk->target, err->message);
            return false;
        }
    }
    if (c)
        call(c, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL, NULL, NULL, NULL);
    return true;
}
