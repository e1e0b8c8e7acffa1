/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage pools and volumes: libvirt's names, types and numbers (a subset: lookups, lists,
 * lifecycle, information, XML, and plain upload/download streams). */
#ifndef MODVIRT_LIBVIRT_STORAGE_H
#define MODVIRT_LIBVIRT_STORAGE_H

#include "libvirt-host.h"
#include "libvirt-stream.h"

typedef struct _virStoragePool virStoragePool;
typedef virStoragePool *virStoragePoolPtr;
typedef struct _virStorageVol virStorageVol;
typedef virStorageVol *virStorageVolPtr;

typedef enum {
    VIR_STORAGE_POOL_INACTIVE = 0,
    VIR_STORAGE_POOL_BUILDING = 1,
    VIR_STORAGE_POOL_RUNNING = 2,
    VIR_STORAGE_POOL_DEGRADED = 3,
    VIR_STORAGE_POOL_INACCESSIBLE = 4,
    VIR_STORAGE_POOL_STATE_LAST
} virStoragePoolState;

typedef struct _virStoragePoolInfo {
    int state;                     /* virStoragePoolState */
    unsigned long long capacity;   /* bytes */
    unsigned long long allocation;
    unsigned long long available;
} virStoragePoolInfo;
typedef virStoragePoolInfo *virStoragePoolInfoPtr;

typedef enum {
    VIR_STORAGE_VOL_FILE = 0,
    VIR_STORAGE_VOL_BLOCK = 1,
    VIR_STORAGE_VOL_DIR = 2,
    VIR_STORAGE_VOL_NETWORK = 3,
    VIR_STORAGE_VOL_NETDIR = 4,
    VIR_STORAGE_VOL_PLOOP = 5,
    VIR_STORAGE_VOL_LAST
} virStorageVolType;

typedef struct _virStorageVolInfo {
    int type;                      /* virStorageVolType */
    unsigned long long capacity;   /* bytes */
    unsigned long long allocation;
} virStorageVolInfo;
typedef virStorageVolInfo *virStorageVolInfoPtr;

typedef enum {
    VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE = 1 << 0,
    VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE = 1 << 1,
    VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT = 1 << 2,
    VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT = 1 << 3,
    VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART = 1 << 4,
    VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART = 1 << 5,
    VIR_CONNECT_LIST_STORAGE_POOLS_DIR = 1 << 6,
    VIR_CONNECT_LIST_STORAGE_POOLS_FS = 1 << 7,
    VIR_CONNECT_LIST_STORAGE_POOLS_NETFS = 1 << 8,
    VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL = 1 << 9,
} virConnectListAllStoragePoolsFlags;

typedef enum {
    VIR_STORAGE_POOL_BUILD_NEW = 0,
    VIR_STORAGE_POOL_BUILD_REPAIR = 1 << 0,
    VIR_STORAGE_POOL_BUILD_RESIZE = 1 << 1,
    VIR_STORAGE_POOL_BUILD_NO_OVERWRITE = 1 << 2,
    VIR_STORAGE_POOL_BUILD_OVERWRITE = 1 << 3,
} virStoragePoolBuildFlags;

typedef enum {
    VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA = 1 << 0,
    VIR_STORAGE_VOL_CREATE_REFLINK = 1 << 1,
    VIR_STORAGE_VOL_CREATE_VALIDATE = 1 << 2,
} virStorageVolCreateFlags;

typedef enum {
    VIR_STORAGE_VOL_RESIZE_ALLOCATE = 1 << 0,
    VIR_STORAGE_VOL_RESIZE_DELTA = 1 << 1,
    VIR_STORAGE_VOL_RESIZE_SHRINK = 1 << 2,
} virStorageVolResizeFlags;

int virConnectListAllStoragePools(virConnectPtr conn, virStoragePoolPtr **pools, unsigned int flags);
virStoragePoolPtr virStoragePoolLookupByName(virConnectPtr conn, const char *name);
virStoragePoolPtr virStoragePoolDefineXML(virConnectPtr conn, const char *xml, unsigned int flags);
int virStoragePoolUndefine(virStoragePoolPtr pool);
int virStoragePoolBuild(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolCreate(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolDestroy(virStoragePoolPtr pool);
int virStoragePoolDelete(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolRefresh(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolGetInfo(virStoragePoolPtr pool, virStoragePoolInfoPtr info);
char *virStoragePoolGetXMLDesc(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolGetAutostart(virStoragePoolPtr pool, int *autostart);
int virStoragePoolSetAutostart(virStoragePoolPtr pool, int autostart);
int virStoragePoolIsPersistent(virStoragePoolPtr pool);
const char *virStoragePoolGetName(virStoragePoolPtr pool);
int virStoragePoolGetUUIDString(virStoragePoolPtr pool, char *buf);
int virStoragePoolFree(virStoragePoolPtr pool);

int virStoragePoolListAllVolumes(virStoragePoolPtr pool, virStorageVolPtr **vols, unsigned int flags);
virStorageVolPtr virStorageVolLookupByName(virStoragePoolPtr pool, const char *name);
virStorageVolPtr virStorageVolLookupByPath(virConnectPtr conn, const char *path);
virStorageVolPtr virStorageVolCreateXML(virStoragePoolPtr pool, const char *xml, unsigned int flags);
virStorageVolPtr virStorageVolCreateXMLFrom(virStoragePoolPtr pool, const char *xml, virStorageVolPtr clonevol,
                                            unsigned int flags);
virStoragePoolPtr virStoragePoolLookupByVolume(virStorageVolPtr vol);
int virStorageVolDelete(virStorageVolPtr vol, unsigned int flags);
int virStorageVolWipe(virStorageVolPtr vol, unsigned int flags);
int virStorageVolResize(virStorageVolPtr vol, unsigned long long capacity, unsigned int flags);
int virStorageVolGetInfo(virStorageVolPtr vol, virStorageVolInfoPtr info);
char *virStorageVolGetXMLDesc(virStorageVolPtr vol, unsigned int flags);
char *virStorageVolGetPath(virStorageVolPtr vol);
const char *virStorageVolGetName(virStorageVolPtr vol);
const char *virStorageVolGetKey(virStorageVolPtr vol);
int virStorageVolFree(virStorageVolPtr vol);
/* Bytes through @stream (opened with virStreamNew on the same connection); sparse streams are
 * not supported by libmodvirt yet. */
int virStorageVolUpload(virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset,
                        unsigned long long length, unsigned int flags);
int virStorageVolDownload(virStorageVolPtr vol, virStreamPtr stream, unsigned long long offset,
                          unsigned long long length, unsigned int flags);

#endif /* MODVIRT_LIBVIRT_STORAGE_H */
