// SPDX-License-Identifier: LGPL-2.1-or-later
// Disk images through qemu-img (never a qcow2 writer of our own): create, convert, resize,
// and the sizes and backing store `qemu-img info --output=json` reports.
#pragma once

#include "stor-driver.h"

typedef struct {
    char *format;
    guint64 virtual_size;
    guint64 actual_size;
    char *backing;
    char *backing_format;
    char *compat;
    bool lazy_refcounts;
} StorImageInfo;

void stor_image_info_clear(StorImageInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StorImageInfo, stor_image_info_clear)

/* What qemu-img says about @path (its format given as @format, or probed when NULL). */
bool stor_image_info(StorDriver *drv, const char *path, const char *format, StorImageInfo *ret_info,
                     GError **error);
/* Create @path as described by @def (qcow2, or raw through qemu-img when asked). */
bool stor_image_create(StorDriver *drv, const char *path, const MvStorageVolDef *def, bool prealloc_metadata,
                       GError **error);
/* Copy @src (format @src_fmt) into the new file @dst in @dst_fmt. */
bool stor_image_convert(StorDriver *drv, const char *src, const char *src_fmt, const char *dst,
                        const char *dst_fmt, GError **error);
bool stor_image_resize(StorDriver *drv, const char *path, const char *format, guint64 size, bool shrink,
                       GError **error);
