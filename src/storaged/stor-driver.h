// SPDX-License-Identifier: LGPL-2.1-or-later
// The storage driver's state and the entry points main.c, the dispatch table and the tests
// see.  Pools are objects of the common object list; each running pool keeps its volumes.
#pragma once

#include "daemon/daemon-frame.h"
#include "conf/conf-domain-obj.h"
#include "conf/conf-storage.h"
#include "remote.h"

/* libvirt's virStoragePoolState values; they cross the wire (STORAGE_POOL_GET_INFO). */
enum {
    STOR_POOL_INACTIVE = 0,
    STOR_POOL_BUILDING = 1,
    STOR_POOL_RUNNING = 2,
    STOR_POOL_DEGRADED = 3,
    STOR_POOL_INACCESSIBLE = 4,
};

typedef struct {
    MvDaemon *daemon;
    MvDomainList *pools;     /* one object per pool: def is an MvStoragePoolDef, priv a StorPool */
    char *config_dir;        /* <root>/etc/modvirt/storage: persistent definitions */
    char *autostart_dir;     /* <config_dir>/autostart */
    char *status_dir;        /* <root>/run/modvirt/storage: one file per running pool */
    char *root;              /* the daemon's root ("" for "/"), for the default pool's path */
    char *qemu_img;          /* absolute path of qemu-img, or NULL when not installed */
    GMutex define_lock;      /* serialises creating pool objects with their files */
    struct MvJournal *journal;
} StorDriver;

/* A volume as the pool knows it between refreshes; sizes are measured when asked. */
typedef struct {
    char *name;
    char *path;              /* also its key */
    char *format;            /* "raw", "qcow2", ...; "none" for block volumes */
    int type;                /* MvVolType */
    bool building;           /* being created or cloned under a temporary name */
    bool busy;               /* a stream is reading or writing it */
} StorVol;

/* A pool's runtime state (obj->priv), guarded by the object's lock. */
typedef struct {
    GHashTable *vols;        /* name -> StorVol */
    MvStoragePoolSizes sizes;
    bool mounted_by_us;      /* fs pools */
} StorPool;

bool stor_driver_init(MvDaemon *d, GError **error);
/* The sandbox hook (stor-sandbox.c). */
bool stor_sandbox(MvDaemon *d, GError **error);
void stor_driver_shutdown(MvDaemon *d);
const MvProcedure *stor_driver_remote_rows(size_t *n);
StorDriver *stor_driver_of(MvCall *call);

/* Wire forms. */
void stor_pool_to_wire(MvDomainObj *obj, remote_nonnull_storage_pool *ret_pool);
void stor_vol_to_wire(const char *pool, const StorVol *vol, remote_nonnull_storage_vol *ret_vol);
/* The pool named by the wire struct (by UUID), referenced; NULL with NO_STORAGE_POOL. */
MvDomainObj *stor_pool_find(StorDriver *drv, const remote_nonnull_storage_pool *pool, GError **error);
/* The running pool of volume @vol, referenced and locked, with the volume in *@ret_vol;
 * NULL with NO_STORAGE_VOL / OPERATION_INVALID. */
MvDomainObj *stor_vol_find_locked(StorDriver *drv, const remote_nonnull_storage_vol *vol, StorVol **ret_vol,
                                  GError **error);
static inline MvStoragePoolDef *stor_pool_def(MvDomainObj *obj) { return obj->def; }
static inline StorPool *stor_pool_state(MvDomainObj *obj) { return obj->priv; }
static inline bool stor_pool_is_active(MvDomainObj *obj) { return obj->state == STOR_POOL_RUNNING; }

/* Persistence (stor-persist.c). */
bool stor_config_open(StorDriver *drv, GError **error);
bool stor_config_save(StorDriver *drv, const MvStoragePoolDef *def, GError **error);
bool stor_config_remove(StorDriver *drv, const char *name, GError **error);
bool stor_autostart_set(StorDriver *drv, const char *name, bool on, GError **error);
void stor_status_save(StorDriver *drv, MvDomainObj *obj);
void stor_status_remove(StorDriver *drv, const char *name);
/* Load definitions, re-adopt pools that were running, start autostart pools, and make the
 * default pool on a first start. */
void stor_config_load_all(StorDriver *drv);
/* A new inactive pool object for @def (taken on success), referenced. */
MvDomainObj *stor_pool_add(StorDriver *drv, MvStoragePoolDef *def, GError **error);

/* Pool lifecycle used by load and the handlers (stor-pool.c).  Object locked. */
bool stor_pool_start(StorDriver *drv, MvDomainObj *obj, bool adopt, GError **error);
bool stor_pool_refresh_locked(StorDriver *drv, MvDomainObj *obj, GError **error);

/* libvirt's VIR_STORAGE_POOL_EVENT_* lifecycle numbers. */
enum {
    STOR_EVENT_DEFINED = 0,
    STOR_EVENT_UNDEFINED = 1,
    STOR_EVENT_STARTED = 2,
    STOR_EVENT_STOPPED = 3,
    STOR_EVENT_CREATED = 4,
    STOR_EVENT_DELETED = 5,
};
