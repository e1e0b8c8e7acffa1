// SPDX-License-Identifier: LGPL-2.1-or-later
// What each pool type does on the host (build, start, stop, delete, scan, make a volume),
// one table row per type; types this host cannot run are refused with a reason.
#pragma once

#include "stor-driver.h"

/* pool-build flags (libvirt's VIR_STORAGE_POOL_BUILD_*). */
#define STOR_BUILD_REPAIR 1
#define STOR_BUILD_RESIZE 2
#define STOR_BUILD_NO_OVERWRITE 4
#define STOR_BUILD_OVERWRITE 8

/* A volume's temporary name while it is made (create, clone, whole upload): a volume under
 * its real name is always complete, whatever kills the daemon meanwhile. */
#define STOR_TEMP_PREFIX "."
#define STOR_TEMP_SUFFIX ".mv-part"

typedef struct {
    int type;
    /* Refuse to start when the host lacks what the type needs; NULL: it can run. */
    bool (*check_host)(const MvStoragePoolDef *def, GError **error);
    bool (*build)(StorDriver *drv, const MvStoragePoolDef *def, unsigned flags, GError **error);
    /* @adopt: the pool ran under the previous daemon; check, do not redo (no remount). */
    bool (*start)(StorDriver *drv, const MvStoragePoolDef *def, bool adopt, GError **error);
    bool (*stop)(StorDriver *drv, const MvStoragePoolDef *def, GError **error);
    bool (*delete)(StorDriver *drv, const MvStoragePoolDef *def, GError **error);
    /* Fill @pool's volumes and sizes. */
    bool (*scan)(StorDriver *drv, const MvStoragePoolDef *def, StorPool *pool, GError **error);
    /* Volumes live in files under the target path (dir, fs, netfs). */
    bool file_volumes;
} StorBackend;

/* The backend of @def's type; never NULL for a parsed definition. */
const StorBackend *stor_backend_for(int type);

/* Run a helper program (argv[0] absolute); on failure @error says "<what>: <its stderr>".
 * *@ret_out (optional) gets its stdout. */
bool stor_run(const char *const *argv, const char *what, char **ret_out, GError **error);

/* Logical pools: make volume @name of @capacity bytes (fails clearly without device-mapper). */
bool stor_logical_create_vol(StorDriver *drv, const MvStoragePoolDef *def, const char *name, guint64 capacity,
                             GError **error);
bool stor_logical_delete_vol(StorDriver *drv, const MvStoragePoolDef *def, const char *name, GError **error);

StorVol *stor_vol_new(const char *name, const char *path, const char *format, int type);
void stor_vol_free(StorVol *vol);
