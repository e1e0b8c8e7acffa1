// SPDX-License-Identifier: LGPL-2.1-or-later
// Storage pool and volume definitions in libvirt's XML formats (storagepool.rng,
// storagevol.rng): parsing with clear errors, and formatting with the sizes a driver measured.
// Which pool types can run on this host, and what the sizes are, is the storage driver's business.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/util-enum.h"

/* libvirt's virStoragePoolType order: the list filter flags (1 << (6 + type)) depend on it. */
typedef enum {
    MV_POOL_DIR = 0,
    MV_POOL_FS,
    MV_POOL_NETFS,
    MV_POOL_LOGICAL,
    MV_POOL_DISK,
    MV_POOL_ISCSI,
    MV_POOL_SCSI,
    MV_POOL_MPATH,
    MV_POOL_RBD,
    MV_POOL_SHEEPDOG,
    MV_POOL_GLUSTER,
    MV_POOL_ZFS,
    MV_POOL_VSTORAGE,
    MV_POOL_ISCSI_DIRECT,
    MV_POOL_TYPE_LAST
} MvPoolType;
MV_ENUM_DECL(mv_pool_type);

/* libvirt's virStorageVolType values; they cross the wire (STORAGE_VOL_GET_INFO). */
typedef enum {
    MV_VOL_FILE = 0,
    MV_VOL_BLOCK = 1,
    MV_VOL_DIR = 2,
    MV_VOL_NETWORK = 3,
    MV_VOL_NETDIR = 4,
    MV_VOL_PLOOP = 5,
    MV_VOL_TYPE_LAST
} MvVolType;
MV_ENUM_DECL(mv_vol_type);

/* Owner, group and mode of a pool's target or a volume; -1 where not given. */
typedef struct {
    int mode;
    gint64 owner;
    gint64 group;
} MvStoragePerms;

typedef struct {
    char *name;
    int port;           /* 0: not given */
} MvStorageHost;

typedef struct {
    int type;                   /* MvPoolType */
    char *name;
    guint8 uuid[16];
    /* <source> */
    GPtrArray *hosts;           /* MvStorageHost */
    GPtrArray *devices;         /* char *, device paths (fs, logical, iscsi IQN) */
    char *source_dir;           /* netfs: exported directory */
    char *source_name;          /* logical: volume group; rbd: ceph pool */
    char *source_format;        /* fs: ext4...; netfs: nfs...; logical: lvm2 */
    char *auth_type;            /* iscsi chap / rbd ceph */
    char *auth_username;
    char *auth_secret_uuid;
    char *auth_secret_usage;
    char *initiator_iqn;        /* iscsi */
    /* <target> */
    char *target_path;
    MvStoragePerms perms;
} MvStoragePoolDef;

/* Sizes a running pool reports (bytes). */
typedef struct {
    guint64 capacity;
    guint64 allocation;
    guint64 available;
} MvStoragePoolSizes;

MvStoragePoolDef *mv_storage_pool_def_new(void);
void mv_storage_pool_def_free(MvStoragePoolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStoragePoolDef, mv_storage_pool_def_free)

/* Parse a <pool> document.  A missing UUID is generated.  Errors (MV_ERR_XML_ERROR and
 * MV_ERR_CONFIG_UNSUPPORTED) name the element at fault. */
MvStoragePoolDef *mv_storage_pool_def_parse(const char *xml, GError **error);
/* The pool's XML with @sizes (NULL: zeros, as an inactive pool shows).  Caller frees. */
char *mv_storage_pool_def_format(const MvStoragePoolDef *def, const MvStoragePoolSizes *sizes);

/* A name libvirt accepts for a pool or a volume: not empty, no '/', not "." or "..".  Sets
 * @error naming @what. */
bool mv_storage_name_check(const char *name, const char *what, GError **error);

typedef struct {
    char *name;
    char *key;                  /* filled by the driver */
    int type;                   /* MvVolType */
    guint64 capacity;
    bool capacity_set;
    guint64 allocation;
    bool allocation_set;
    guint64 physical;           /* filled by the driver for output */
    char *path;                 /* filled by the driver */
    char *format;               /* "raw", "qcow2", ... ; NULL: the pool's default */
    MvStoragePerms perms;
    char *compat;               /* qcow2 "0.10" / "1.1" */
    bool lazy_refcounts;
    bool nocow;
    char *backing_path;
    char *backing_format;
} MvStorageVolDef;

MvStorageVolDef *mv_storage_vol_def_new(void);
void mv_storage_vol_def_free(MvStorageVolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvStorageVolDef, mv_storage_vol_def_free)

/* Parse a <volume> document for a pool of type @pool_type (MvPoolType).  <encryption> and
 * formats the pool cannot hold are refused with MV_ERR_CONFIG_UNSUPPORTED. */
MvStorageVolDef *mv_storage_vol_def_parse(const char *xml, int pool_type, GError **error);
char *mv_storage_vol_def_format(const MvStorageVolDef *def);

/* The largest size a pool or volume may have (bytes): what fits an off_t. */
#define MV_STORAGE_SIZE_MAX ((guint64)G_MAXINT64)
