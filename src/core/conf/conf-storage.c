// SPDX-License-Identifier: LGPL-2.1-or-later
// Storage pool and volume XML, read strictly (every element and attribute checked, so nothing
// is silently dropped) and written the way libvirt lays it out.  Sizes and paths a driver
// measures come in from the caller.

#include "conf/conf-storage.h"

#include <string.h>

#define CONF_XML_FROM MV_FROM_STORAGE
#include "conf/conf-domain-xml.h"
#include "conf/conf-xml-writer.h"
#include "util/util-units.h"
#include "util/util-uuid.h"

MV_ENUM_IMPL(mv_pool_type, MV_POOL_TYPE_LAST,
             "dir", "fs", "netfs", "logical", "disk", "iscsi", "scsi", "mpath", "rbd",
             "sheepdog", "gluster", "zfs", "vstorage", "iscsi-direct");
MV_ENUM_IMPL(mv_vol_type, MV_VOL_TYPE_LAST, "file", "block", "dir", "network", "netdir", "ploop");

/* Filesystem formats libvirt names for fs pools, and export protocols for netfs pools. */
static const char *const fs_formats[] = {
    "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+",
    "xfs", "ocfs2", "vmfs", NULL,
};
static const char *const netfs_formats[] = { "auto", "nfs", "glusterfs", "cifs", NULL };
static const char *const logical_formats[] = { "auto", "lvm2", NULL };
/* Volume formats a file-backed pool can create here; qcow2 goes through qemu-img. */
static const char *const file_vol_formats[] = { "raw", "qcow2", NULL };
/* What the rest of libvirt's file format list holds: parsed, but refused clearly. */
static const char *const other_vol_formats[] = {
    "none", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
    "cow", "qcow", "qed", "vmdk", NULL,
};

static void
host_free(gpointer p)
{
    MvStorageHost *h = p;
    g_free(h->name);
    g_free(h);
}

static void
perms_init(MvStoragePerms *p)
{
    p->mode = -1;
    p->owner = -1;
    p->group = -1;
}

MvStoragePoolDef *
mv_storage_pool_def_new(void)
{
    MvStoragePoolDef *def = g_new0(MvStoragePoolDef, 1);
    def->hosts = g_ptr_array_new_with_free_func(host_free);
    def->devices = g_ptr_array_new_with_free_func(g_free);
    perms_init(&def->perms);
    return def;
}

void
mv_storage_pool_def_free(MvStoragePoolDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_ptr_array_unref(def->hosts);
    g_ptr_array_unref(def->devices);
    g_free(def->source_dir);
    g_free(def->source_name);
    g_free(def->source_format);
    g_free(def->auth_type);
    g_free(def->auth_username);
    g_free(def->auth_secret_uuid);
    g_free(def->auth_secret_usage);
    g_free(def->initiator_iqn);
    g_free(def->target_path);
    g_free(def);
}

MvStorageVolDef *
mv_storage_vol_def_new(void)
{
    MvStorageVolDef *def = g_new0(MvStorageVolDef, 1);
    perms_init(&def->perms);
    return def;
}

void
mv_storage_vol_def_free(MvStorageVolDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->key);
    g_free(def->path);
    g_free(def->format);
    g_free(def->compat);
    g_free(def->backing_path);
    g_free(def->backing_format);
    g_free(def);
}

bool
mv_storage_name_check(const char *name, const char *what, GError **error)
{
    if (!name || !*name)
        return xml_error(error, "missing %s name", what);
    if (strchr(name, '/') || g_str_equal(name, ".") || g_str_equal(name, ".."))
        return xml_error(error, "%s name '%s' cannot contain '/' or be '.' or '..'", what, name);
    if (strlen(name) > 255)
        return xml_error(error, "%s name '%.32s...' is longer than 255 bytes", what, name);
    return true;
}

/* ---- reading ---- */

/* Text of the only <@name> child of @parent (NULL when absent). */
static bool
child_text(xmlNodePtr parent, const char *name, char **ret, GError **error)
{
    xmlNodePtr c;
    if (!single_child(parent, name, &c, error))
        return false;
    if (c) {
        if (!check_node(c, NULL, NULL, true, error))
            return false;
        g_free(*ret);
        *ret = g_strstrip(text(c));
    }
    return true;
}

static bool
in_names(const char *value, const char *const *names)
{
    return value && in_list(value, names);
}

/* <capacity unit='...'>N</capacity> and friends: bytes by default, as libvirt's storage XML. */
static bool
scaled_size(xmlNodePtr parent, const char *name, guint64 *ret, bool *ret_set, GError **error)
{
    xmlNodePtr c;
    static const char *const attrs[] = { "unit", NULL };
    if (!single_child(parent, name, &c, error))
        return false;
    if (!c)
        return true;
    if (!check_node(c, attrs, NULL, true, error))
        return false;
    g_autofree char *unit = attr(c, "unit");
    g_autofree char *value = g_strstrip(text(c));
    guint64 n, bytes;
    if (mv_units_parse_number(value, &n) < 0)
        return xml_error(error, "invalid value '%s' for <%s>", value, name);
    int rc = mv_units_to_bytes(n, unit, 1, MV_STORAGE_SIZE_MAX, &bytes);
    if (rc == -EINVAL)
        return xml_error(error, "unknown unit '%s' in <%s>", unit, name);
    if (rc < 0)
        return xml_error(error, "<%s> of %s %s is too large (the limit is %" G_GUINT64_FORMAT " bytes)",
                         name, value, unit ? unit : "bytes", MV_STORAGE_SIZE_MAX);
    *ret = bytes;
    if (ret_set)
        *ret_set = true;
    return true;
}

static bool
parse_perms(xmlNodePtr parent, MvStoragePerms *perms, GError **error)
{
    static const char *const children[] = { "mode", "owner", "group", "label", NULL };
    xmlNodePtr node;
    if (!single_child(parent, "permissions", &node, error))
        return false;
    if (!node)
        return true;
    if (!check_node(node, NULL, children, false, error))
        return false;
    g_autofree char *mode = NULL, *owner = NULL, *group = NULL, *label = NULL;
    if (!child_text(node, "mode", &mode, error) || !child_text(node, "owner", &owner, error) ||
        !child_text(node, "group", &group, error) || !child_text(node, "label", &label, error))
        return false;
    if (label)
        return unsupported(error, "security labels in <permissions> are not supported");
    if (mode) {
        char *end = NULL;
        guint64 v = g_ascii_strtoull(mode, &end, 8);
        if (!*mode || *end || v > 0777)
            return xml_error(error, "invalid mode '%s' in <permissions> (octal, at most 0777)", mode);
        perms->mode = (int)v;
    }
    guint64 v;
    if (owner) {
        if (!(g_str_equal(owner, "-1") || (parse_uint(owner, G_MAXUINT32 - 1, &v) && (perms->owner = (gint64)v, true))))
            return xml_error(error, "invalid owner '%s' in <permissions>", owner);
    }
    if (group) {
        if (!(g_str_equal(group, "-1") || (parse_uint(group, G_MAXUINT32 - 1, &v) && (perms->group = (gint64)v, true))))
            return xml_error(error, "invalid group '%s' in <permissions>", group);
    }
    return true;
}

static bool
parse_format(xmlNodePtr parent, char **ret, GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    xmlNodePtr node;
    if (!single_child(parent, "format", &node, error))
        return false;
    if (!node)
        return true;
    if (!check_node(node, attrs, NULL, false, error) || !required_attr(node, "type", ret, error))
        return false;
    return true;
}

static bool
parse_auth(xmlNodePtr source, MvStoragePoolDef *def, GError **error)
{
    static const char *const attrs[] = { "type", "username", NULL };
    static const char *const children[] = { "secret", NULL };
    static const char *const secret_attrs[] = { "uuid", "usage", NULL };
    xmlNodePtr node, secret;
    if (!single_child(source, "auth", &node, error))
        return false;
    if (!node)
        return true;
    if (!check_node(node, attrs, children, false, error) ||
        !required_attr(node, "type", &def->auth_type, error) ||
        !required_attr(node, "username", &def->auth_username, error) ||
        !single_child(node, "secret", &secret, error))
        return false;
    if (!g_str_equal(def->auth_type, "chap") && !g_str_equal(def->auth_type, "ceph"))
        return xml_error(error, "invalid value '%s' for attribute 'type' of <auth> (chap or ceph)", def->auth_type);
    if (!secret)
        return xml_error(error, "<auth> of pool '%s' needs a <secret>", def->name);
    if (!check_node(secret, secret_attrs, NULL, false, error))
        return false;
    def->auth_secret_uuid = attr(secret, "uuid");
    def->auth_secret_usage = attr(secret, "usage");
    guint8 u[16];
    if (def->auth_secret_uuid && mv_uuid_parse(def->auth_secret_uuid, u) < 0)
        return xml_error(error, "invalid secret uuid '%s' in <auth>", def->auth_secret_uuid);
    if (!def->auth_secret_uuid == !def->auth_secret_usage)
        return xml_error(error, "<secret> in <auth> needs either 'uuid' or 'usage'");
    return true;
}

static bool
parse_source(xmlNodePtr node, MvStoragePoolDef *def, GError **error)
{
    static const char *const children[] = {
        "host", "device", "dir", "name", "format", "auth", "initiator", "adapter", "vendor", "product", NULL,
    };
    static const char *const host_attrs[] = { "name", "port", NULL };
    static const char *const path_attrs[] = { "path", NULL };
    if (!check_node(node, NULL, children, false, error))
        return false;
    FOREACH_CHILD(c, node) {
        if (g_str_equal(node_name(c), "host")) {
            g_autofree char *name = NULL;
            unsigned port = 0;
            if (!check_node(c, host_attrs, NULL, false, error) || !required_attr(c, "name", &name, error) ||
                !uint_attr(c, "port", 65535, &port, NULL, error))
                return false;
            MvStorageHost *h = g_new0(MvStorageHost, 1);
            h->name = g_steal_pointer(&name);
            h->port = (int)port;
            g_ptr_array_add(def->hosts, h);
        } else if (g_str_equal(node_name(c), "device")) {
            char *path = NULL;
            if (!check_node(c, path_attrs, NULL, false, error) || !required_attr(c, "path", &path, error))
                return false;
            g_ptr_array_add(def->devices, path);
        } else if (g_str_equal(node_name(c), "adapter") || g_str_equal(node_name(c), "vendor") ||
                   g_str_equal(node_name(c), "product")) {
            return unsupported(error, "<%s> in the <source> of pool '%s' is not supported", node_name(c), def->name);
        }
    }
    xmlNodePtr dir, init;
    if (!single_child(node, "dir", &dir, error) || !single_child(node, "initiator", &init, error))
        return false;
    if (dir && (!check_node(dir, path_attrs, NULL, false, error) ||
                !required_attr(dir, "path", &def->source_dir, error)))
        return false;
    if (init) {
        static const char *const init_children[] = { "iqn", NULL };
        static const char *const iqn_attrs[] = { "name", NULL };
        xmlNodePtr iqn;
        if (!check_node(init, NULL, init_children, false, error) || !single_child(init, "iqn", &iqn, error))
            return false;
        if (!iqn)
            return xml_error(error, "<initiator> of pool '%s' needs an <iqn>", def->name);
        if (!check_node(iqn, iqn_attrs, NULL, false, error) ||
            !required_attr(iqn, "name", &def->initiator_iqn, error))
            return false;
    }
    return child_text(node, "name", &def->source_name, error) &&
           parse_format(node, &def->source_format, error) && parse_auth(node, def, error);
}

/* What each pool type needs in its <source> and <target>, checked after parsing. */
static bool
check_pool(MvStoragePoolDef *def, GError **error)
{
    const char *type = mv_pool_type_to_string(def->type);
    bool needs_target = def->type != MV_POOL_RBD;
    if (needs_target && !def->target_path)
        return xml_error(error, "pool '%s' of type '%s' needs a <target> <path>", def->name, type);
    if (!needs_target && def->target_path)
        return xml_error(error, "pool '%s' of type 'rbd' cannot have a <target>", def->name);
    if (def->target_path && !absolute_path(def->target_path, "target path", error))
        return false;
    if (def->target_path) {
        /* One spelling per directory, so that lookups by path find it. */
        g_autofree char *canon = g_canonicalize_filename(def->target_path, "/");
        g_free(def->target_path);
        def->target_path = g_steal_pointer(&canon);
    }
    switch (def->type) {
    case MV_POOL_DIR:
        break;
    case MV_POOL_FS:
        if (def->devices->len != 1)
            return xml_error(error, "pool '%s' of type 'fs' needs exactly one <device path=.../> in <source>", def->name);
        if (def->source_format && !in_names(def->source_format, fs_formats))
            return xml_error(error, "unknown filesystem format '%s' for pool '%s'", def->source_format, def->name);
        break;
    case MV_POOL_NETFS:
        if (def->hosts->len != 1 || !def->source_dir)
            return xml_error(error, "pool '%s' of type 'netfs' needs a <host> and a <dir> in <source>", def->name);
        if (def->source_format && !in_names(def->source_format, netfs_formats))
            return xml_error(error, "unknown network filesystem format '%s' for pool '%s'", def->source_format, def->name);
        break;
    case MV_POOL_LOGICAL:
        if (!def->source_name)
            def->source_name = g_strdup(def->name);
        if (def->source_format && !in_names(def->source_format, logical_formats))
            return xml_error(error, "unknown format '%s' for logical pool '%s'", def->source_format, def->name);
        if (!mv_storage_name_check(def->source_name, "volume group", error))
            return false;
        break;
    case MV_POOL_ISCSI:
        if (def->hosts->len != 1 || def->devices->len != 1)
            return xml_error(error, "pool '%s' of type 'iscsi' needs a <host> and a <device path='IQN'/> in <source>",
                             def->name);
        break;
    case MV_POOL_RBD:
        if (!def->source_name || def->hosts->len == 0)
            return xml_error(error, "pool '%s' of type 'rbd' needs a <name> and at least one <host> in <source>",
                             def->name);
        break;
    default:
        return unsupported(error, "storage pool type '%s' is not supported", type);
    }
    if (def->initiator_iqn && def->type != MV_POOL_ISCSI)
        return xml_error(error, "<initiator> is only for iscsi pools, not pool '%s'", def->name);
    if (def->auth_type && def->type != MV_POOL_ISCSI && def->type != MV_POOL_RBD)
        return xml_error(error, "<auth> is only for iscsi and rbd pools, not pool '%s'", def->name);
    return true;
}

static bool
parse_pool(xmlNodePtr root, MvStoragePoolDef *def, GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    static const char *const children[] = {
        "name", "uuid", "capacity", "allocation", "available", "source", "target", NULL,
    };
    static const char *const target_children[] = { "path", "permissions", NULL };
    if (!is_element(root, "pool"))
        return xml_error(error, "expected a <pool> element, not <%s>", node_name(root));
    if (!check_node(root, attrs, children, false, error))
        return false;
    g_autofree char *type = NULL;
    if (!required_attr(root, "type", &type, error))
        return false;
    def->type = mv_pool_type_from_string(type);
    if (def->type < 0)
        return xml_error(error, "unknown storage pool type '%s'", type);

    g_autofree char *uuid = NULL;
    if (!child_text(root, "name", &def->name, error) || !child_text(root, "uuid", &uuid, error))
        return false;
    if (!mv_storage_name_check(def->name, "storage pool", error))
        return false;
    if (uuid) {
        if (mv_uuid_parse(uuid, def->uuid) < 0)
            return xml_error(error, "invalid uuid '%s' of pool '%s'", uuid, def->name);
    } else {
        mv_uuid_generate(def->uuid);
    }
    /* Sizes are the driver's to report; what a client sends is checked and ignored. */
    guint64 ignored;
    if (!scaled_size(root, "capacity", &ignored, NULL, error) ||
        !scaled_size(root, "allocation", &ignored, NULL, error) ||
        !scaled_size(root, "available", &ignored, NULL, error))
        return false;

    xmlNodePtr source, target;
    if (!single_child(root, "source", &source, error) || !single_child(root, "target", &target, error))
        return false;
    if (source && !parse_source(source, def, error))
        return false;
    if (target) {
        if (!check_node(target, NULL, target_children, false, error) ||
            !child_text(target, "path", &def->target_path, error) || !parse_perms(target, &def->perms, error))
            return false;
    }
    return check_pool(def, error);
}

MvStoragePoolDef *
mv_storage_pool_def_parse(const char *xml, GError **error)
{
    xmlDocPtr doc = conf_xml_read(xml, "storage_pool", error);
    if (!doc)
        return NULL;
    g_autoptr(MvStoragePoolDef) def = mv_storage_pool_def_new();
    bool ok = parse_pool(xmlDocGetRootElement(doc), def, error);
    xmlFreeDoc(doc);
    return ok ? g_steal_pointer(&def) : NULL;
}

static bool
parse_vol_target(xmlNodePtr target, MvStorageVolDef *def, GError **error)
{
    static const char *const children[] = {
        "path", "format", "permissions", "timestamps", "encryption", "compat", "clusterSize",
        "nocow", "features", NULL,
    };
    static const char *const feature_children[] = { "lazy_refcounts", NULL };
    if (!check_node(target, NULL, children, false, error))
        return false;
    xmlNodePtr n;
    if (!single_child(target, "encryption", &n, error))
        return false;
    if (n)
        return unsupported(error, "encrypted volumes (<encryption> in volume '%s') are not supported", def->name);
    if (!single_child(target, "clusterSize", &n, error))
        return false;
    if (n)
        return unsupported(error, "<clusterSize> for volume '%s' is not supported", def->name);
    /* The path and timestamps are the driver's; a client's are ignored, as libvirt does. */
    g_autofree char *path = NULL;
    if (!child_text(target, "path", &path, error) || !parse_format(target, &def->format, error) ||
        !parse_perms(target, &def->perms, error) || !child_text(target, "compat", &def->compat, error))
        return false;
    if (!single_child(target, "nocow", &n, error))
        return false;
    def->nocow = n != NULL;
    if (!single_child(target, "features", &n, error))
        return false;
    if (n) {
        xmlNodePtr lazy;
        if (!check_node(n, NULL, feature_children, false, error) || !single_child(n, "lazy_refcounts", &lazy, error))
            return false;
        def->lazy_refcounts = lazy != NULL;
    }
    if (def->compat && !g_str_equal(def->compat, "0.10") && !g_str_equal(def->compat, "1.1"))
        return xml_error(error, "invalid qcow2 compat '%s' for volume '%s' (0.10 or 1.1)", def->compat, def->name);
    return true;
}

static bool
check_vol_format(const char *format, int pool_type, const char *what, const char *name, GError **error)
{
    if (!format)
        return true;
    bool file_pool = pool_type == MV_POOL_DIR || pool_type == MV_POOL_FS || pool_type == MV_POOL_NETFS;
    if (file_pool && in_names(format, file_vol_formats))
        return true;
    if (!file_pool && g_str_equal(format, "none"))
        return true;
    if (in_names(format, file_vol_formats) || in_names(format, other_vol_formats))
        return unsupported(error, "%s format '%s' of volume '%s' is not supported in a '%s' pool", what, format, name,
                           mv_pool_type_to_string(pool_type));
    return xml_error(error, "unknown %s format '%s' of volume '%s'", what, format, name);
}

static bool
parse_vol(xmlNodePtr root, int pool_type, MvStorageVolDef *def, GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    static const char *const children[] = {
        "name", "key", "source", "capacity", "allocation", "physical", "target", "backingStore", NULL,
    };
    static const char *const backing_children[] = { "path", "format", "permissions", NULL };
    if (!is_element(root, "volume"))
        return xml_error(error, "expected a <volume> element, not <%s>", node_name(root));
    if (!check_node(root, attrs, children, false, error))
        return false;
    g_autofree char *type = attr(root, "type");
    def->type = pool_type == MV_POOL_LOGICAL || pool_type == MV_POOL_ISCSI ? MV_VOL_BLOCK
              : pool_type == MV_POOL_RBD ? MV_VOL_NETWORK : MV_VOL_FILE;
    if (type) {
        int t = mv_vol_type_from_string(type);
        if (t < 0)
            return xml_error(error, "unknown volume type '%s'", type);
        def->type = t;
    }
    g_autofree char *key = NULL;
    if (!child_text(root, "name", &def->name, error) || !child_text(root, "key", &key, error))
        return false;
    if (!mv_storage_name_check(def->name, "volume", error))
        return false;
    guint64 ignored;
    if (!scaled_size(root, "capacity", &def->capacity, &def->capacity_set, error) ||
        !scaled_size(root, "allocation", &def->allocation, &def->allocation_set, error) ||
        !scaled_size(root, "physical", &ignored, NULL, error))
        return false;
    if (!def->capacity_set)
        return xml_error(error, "missing <capacity> of volume '%s'", def->name);
    if (def->allocation_set && def->allocation > def->capacity)
        def->allocation = def->capacity;

    xmlNodePtr target, backing, source;
    if (!single_child(root, "target", &target, error) || !single_child(root, "backingStore", &backing, error) ||
        !single_child(root, "source", &source, error))
        return false;
    if (source && source->children && xmlFirstElementChild(source))
        return unsupported(error, "a <source> for volume '%s' is not supported", def->name);
    if (target && !parse_vol_target(target, def, error))
        return false;
    if (backing) {
        MvStoragePerms bperms;
        perms_init(&bperms);
        if (!check_node(backing, NULL, backing_children, false, error) ||
            !child_text(backing, "path", &def->backing_path, error) ||
            !parse_format(backing, &def->backing_format, error) || !parse_perms(backing, &bperms, error))
            return false;
        if (!def->backing_path)
            return xml_error(error, "<backingStore> of volume '%s' needs a <path>", def->name);
    }
    if (!check_vol_format(def->format, pool_type, "volume", def->name, error) ||
        !check_vol_format(def->backing_format, MV_POOL_DIR, "backing", def->name, error))
        return false;
    if (def->backing_path && def->format && !g_str_equal(def->format, "qcow2"))
        return unsupported(error, "volume '%s' of format '%s' cannot have a backing store (only qcow2 can)",
                           def->name, def->format);
    if ((def->compat || def->lazy_refcounts) && def->format && !g_str_equal(def->format, "qcow2"))
        return xml_error(error, "<compat> and <features> are only for qcow2 volumes, not '%s'", def->name);
    return true;
}

MvStorageVolDef *
mv_storage_vol_def_parse(const char *xml, int pool_type, GError **error)
{
    xmlDocPtr doc = conf_xml_read(xml, "storage_vol", error);
    if (!doc)
        return NULL;
    g_autoptr(MvStorageVolDef) def = mv_storage_vol_def_new();
    bool ok = parse_vol(xmlDocGetRootElement(doc), pool_type, def, error);
    xmlFreeDoc(doc);
    return ok ? g_steal_pointer(&def) : NULL;
}

/* ---- writing ---- */

static void
size_element(Xml *x, const char *name, guint64 bytes)
{
    start(x, name);
    attrf(x, "unit", "bytes");
    g_autofree char *v = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
    inline_text(x, v);
    end(x, name);
}

static void
one_attr_element(Xml *x, const char *name, const char *attr_name_, const char *value)
{
    start(x, name);
    attr_str(x, attr_name_, value);
    end(x, name);
}

static void
perms_element(Xml *x, const MvStoragePerms *p)
{
    if (p->mode < 0 && p->owner < 0 && p->group < 0)
        return;
    start(x, "permissions");
    g_autofree char *mode = p->mode >= 0 ? g_strdup_printf("0%o", (unsigned)p->mode) : NULL;
    g_autofree char *owner = p->owner >= 0 ? g_strdup_printf("%" G_GINT64_FORMAT, p->owner) : NULL;
    g_autofree char *group = p->group >= 0 ? g_strdup_printf("%" G_GINT64_FORMAT, p->group) : NULL;
    text_element(x, "mode", mode);
    text_element(x, "owner", owner);
    text_element(x, "group", group);
    end(x, "permissions");
}

char *
mv_storage_pool_def_format(const MvStoragePoolDef *def, const MvStoragePoolSizes *sizes)
{
    static const MvStoragePoolSizes zero;
    if (!sizes)
        sizes = &zero;
    Xml x = { .s = g_string_new(NULL) };
    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(def->uuid, uuid);
    start(&x, "pool");
    attr_name(&x, "type", mv_pool_type_to_string(def->type));
    text_element(&x, "name", def->name);
    text_element(&x, "uuid", uuid);
    size_element(&x, "capacity", sizes->capacity);
    size_element(&x, "allocation", sizes->allocation);
    size_element(&x, "available", sizes->available);
    start(&x, "source");
    for (guint i = 0; i < def->hosts->len; i++) {
        const MvStorageHost *h = def->hosts->pdata[i];
        start(&x, "host");
        attr_str(&x, "name", h->name);
        if (h->port)
            attrf(&x, "port", "%d", h->port);
        end(&x, "host");
    }
    for (guint i = 0; i < def->devices->len; i++)
        one_attr_element(&x, "device", "path", def->devices->pdata[i]);
    if (def->source_dir)
        one_attr_element(&x, "dir", "path", def->source_dir);
    if (def->initiator_iqn) {
        start(&x, "initiator");
        one_attr_element(&x, "iqn", "name", def->initiator_iqn);
        end(&x, "initiator");
    }
    text_element(&x, "name", def->source_name);
    const char *format = def->source_format;
    if (!format && (def->type == MV_POOL_FS || def->type == MV_POOL_NETFS))
        format = "auto";
    else if (!format && def->type == MV_POOL_LOGICAL)
        format = "lvm2";
    if (format)
        one_attr_element(&x, "format", "type", format);
    if (def->auth_type) {
        start(&x, "auth");
        attr_str(&x, "type", def->auth_type);
        attr_str(&x, "username", def->auth_username);
        if (def->auth_secret_uuid)
            one_attr_element(&x, "secret", "uuid", def->auth_secret_uuid);
        else
            one_attr_element(&x, "secret", "usage", def->auth_secret_usage);
        end(&x, "auth");
    }
    end(&x, "source");
    if (def->target_path) {
        start(&x, "target");
        text_element(&x, "path", def->target_path);
        perms_element(&x, &def->perms);
        end(&x, "target");
    }
    end(&x, "pool");
    return g_string_free(x.s, FALSE);
}

char *
mv_storage_vol_def_format(const MvStorageVolDef *def)
{
    Xml x = { .s = g_string_new(NULL) };
    start(&x, "volume");
    attr_name(&x, "type", mv_vol_type_to_string(def->type));
    text_element(&x, "name", def->name);
    text_element(&x, "key", def->key ? def->key : "");
    size_element(&x, "capacity", def->capacity);
    size_element(&x, "allocation", def->allocation);
    size_element(&x, "physical", def->physical);
    start(&x, "target");
    text_element(&x, "path", def->path);
    if (def->format)
        one_attr_element(&x, "format", "type", def->format);
    perms_element(&x, &def->perms);
    text_element(&x, "compat", def->compat);
    if (def->nocow)
        empty_element(&x, "nocow");
    if (def->lazy_refcounts) {
        start(&x, "features");
        empty_element(&x, "lazy_refcounts");
        end(&x, "features");
    }
    end(&x, "target");
    if (def->backing_path) {
        start(&x, "backingStore");
        text_element(&x, "path", def->backing_path);
        if (def->backing_format)
            one_attr_element(&x, "format", "type", def->backing_format);
        end(&x, "backingStore");
    }
    end(&x, "volume");
    return g_string_free(x.s, FALSE);
}
