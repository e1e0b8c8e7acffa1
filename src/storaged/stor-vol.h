// SPDX-License-Identifier: LGPL-2.1-or-later
// Volume helpers shared by the volume calls and the streams.
#pragma once

#include "stor-driver.h"
#include "stor-backend.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StorVol, stor_vol_free)

/* "<dir>/.<name>.mv-part" for the volume file @final_path.  Caller frees. */
char *stor_temp_path(const char *final_path);

/* The running pool and a copy of the complete volume at @path (canonicalised). */
bool stor_vol_lookup_path(StorDriver *drv, const char *path, char **ret_pool, StorVol **ret_copy);

extern const MvProcedure stor_pool_rows[];
extern const size_t stor_pool_nrows;
extern const MvProcedure stor_vol_rows[];
extern const size_t stor_vol_nrows;
extern const MvProcedure stor_transfer_rows[];
extern const size_t stor_transfer_nrows;
