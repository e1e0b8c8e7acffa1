// SPDX-License-Identifier: LGPL-2.1-or-later
// qemu-img as the only reader and writer of image formats: each call is one helper run with
// its stderr in the error message.

#include "stor-image.h"
#include "stor-backend.h"
#include "util/util-error.h"

#include <json-c/json.h>

void
stor_image_info_clear(StorImageInfo *info)
{
    g_clear_pointer(&info->format, g_free);
    g_clear_pointer(&info->backing, g_free);
    g_clear_pointer(&info->backing_format, g_free);
    g_clear_pointer(&info->compat, g_free);
}

static bool
have_qemu_img(StorDriver *drv, GError **error)
{
    if (drv->qemu_img)
        return true;
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                 "qemu-img (Debian package qemu-utils) is not installed; it is needed for this volume");
    return false;
}

static const char *
jstr(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

bool
stor_image_info(StorDriver *drv, const char *path, const char *format, StorImageInfo *ret_info, GError **error)
{
    if (!have_qemu_img(drv, error))
        return false;
    const char *argv[] = { drv->qemu_img, "info", "--output=json", "-U", format ? "-f" : path,
                           format ? format : NULL, format ? path : NULL, NULL };
    g_autofree char *out = NULL;
    g_autofree char *what = g_strdup_printf("cannot read the image '%s'", path);
    if (!stor_run(argv, what, &out, error))
        return false;
    json_object *root = json_tokener_parse(out);
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_INTERNAL_ERROR, "%s: qemu-img gave no JSON", what);
        return false;
    }
    json_object *v, *spec, *data;
    ret_info->format = g_strdup(jstr(root, "format"));
    if (json_object_object_get_ex(root, "virtual-size", &v))
        ret_info->virtual_size = (guint64)json_object_get_int64(v);
    if (json_object_object_get_ex(root, "actual-size", &v))
        ret_info->actual_size = (guint64)json_object_get_int64(v);
    ret_info->backing = g_strdup(jstr(root, "full-backing-filename") ? jstr(root, "full-backing-filename")
                                                                     : jstr(root, "backing-filename"));
    ret_info->backing_format = g_strdup(jstr(root, "backing-filename-format"));
    if (json_object_object_get_ex(root, "format-specific", &spec) && json_object_object_get_ex(spec, "data", &data)) {
        ret_info->compat = g_strdup(jstr(data, "compat"));
        if (json_object_object_get_ex(data, "lazy-refcounts", &v))
            ret_info->lazy_refcounts = json_object_get_boolean(v);
    }
    json_object_put(root);
    return true;
}

bool
stor_image_create(StorDriver *drv, const char *path, const MvStorageVolDef *def, bool prealloc_metadata,
                  GError **error)
{
    if (!have_qemu_img(drv, error))
        return false;
    const char *fmt = def->format ? def->format : "raw";
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(drv->qemu_img));
    g_ptr_array_add(argv, g_strdup("create"));
    g_ptr_array_add(argv, g_strdup("-q"));
    g_ptr_array_add(argv, g_strdup("-f"));
    g_ptr_array_add(argv, g_strdup(fmt));
    g_autoptr(GString) opts = g_string_new(NULL);
    if (g_str_equal(fmt, "qcow2")) {
        g_string_append_printf(opts, "compat=%s", def->compat ? def->compat : "1.1");
        if (def->lazy_refcounts)
            g_string_append(opts, ",lazy_refcounts=on");
        if (def->nocow)
            g_string_append(opts, ",nocow=on");
        if (prealloc_metadata)
            g_string_append(opts, ",preallocation=metadata");
    }
    if (opts->len) {
        g_ptr_array_add(argv, g_strdup("-o"));
        g_ptr_array_add(argv, g_strdup(opts->str));
    }
    if (def->backing_path) {
        g_ptr_array_add(argv, g_strdup("-b"));
        g_ptr_array_add(argv, g_strdup(def->backing_path));
        g_ptr_array_add(argv, g_strdup("-F"));
        g_ptr_array_add(argv, g_strdup(def->backing_format ? def->backing_format : "raw"));
    }
    g_ptr_array_add(argv, g_strdup(path));
    if (def->capacity_set || !def->backing_path)
        g_ptr_array_add(argv, g_strdup_printf("%" G_GUINT64_FORMAT, def->capacity));
    g_ptr_array_add(argv, NULL);
    g_autofree char *what = g_strdup_printf("cannot create volume '%s'", def->name);
    return stor_run((const char *const *)argv->pdata, what, NULL, error);
}

bool
stor_image_convert(StorDriver *drv, const char *src, const char *src_fmt, const char *dst, const char *dst_fmt,
                   GError **error)
{
    if (!have_qemu_img(drv, error))
        return false;
    /* -n is not used: qemu-img makes the target itself, so sparseness follows the source. */
    const char *argv[] = { drv->qemu_img, "convert", "-q", "-U", "-f", src_fmt, "-O", dst_fmt, src, dst, NULL };
    g_autofree char *what = g_strdup_printf("cannot copy '%s' to '%s'", src, dst);
    return stor_run(argv, what, NULL, error);
}

bool
stor_image_resize(StorDriver *drv, const char *path, const char *format, guint64 size, bool shrink, GError **error)
{
    if (!have_qemu_img(drv, error))
        return false;
    g_autofree char *sz = g_strdup_printf("%" G_GUINT64_FORMAT, size);
    const char *argv[] = { drv->qemu_img, "resize", "-q", "-f", format, shrink ? "--shrink" : path,
                           shrink ? path : sz, shrink ? sz : NULL, NULL };
    g_autofree char *what = g_strdup_printf("cannot resize '%s'", path);
    return stor_run(argv, what, NULL, error);
}
