// SPDX-License-Identifier: LGPL-2.1-or-later
// Pool types on the host: dir (a directory), fs (a filesystem on a device or image file,
// mounted by the pool), logical (an LVM volume group), and netfs/iscsi/rbd, which this host
// cannot run and which are refused with the reason.  Volumes of file pools are scanned from
// the directory; the sizes of one volume are measured when a client asks (stor-vol.c).

#include "stor-backend.h"
#include "util/util-error.h"
#include "util/util-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Helpers finish in seconds; mkfs of a large device may take a while longer. */
#define STOR_HELPER_TIMEOUT_MS (5 * 60 * 1000)
/* libvirt's default mode for a pool's directory. */
#define STOR_POOL_DIR_MODE 0711

StorVol *
stor_vol_new(const char *name, const char *path, const char *format, int type)
{
    StorVol *v = g_new0(StorVol, 1);
    v->name = g_strdup(name);
    v->path = g_strdup(path);
    v->format = g_strdup(format);
    v->type = type;
    return v;
}

void
stor_vol_free(StorVol *vol)
{
    if (!vol)
        return;
    g_free(vol->name);
    g_free(vol->path);
    g_free(vol->format);
    g_free(vol);
}

bool
stor_run(const char *const *argv, const char *what, char **ret_out, GError **error)
{
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    int r = mv_spawn_capture(argv, NULL, STOR_HELPER_TIMEOUT_MS, &out, &err, &status);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, -r, "%s: cannot run '%s'", what, argv[0]);
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_autofree char *msg = g_strstrip(g_strdup(err && *err ? err : out ? out : ""));
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED, "%s: %s exited with status %d: %s", what,
                     argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), msg);
        return false;
    }
    if (ret_out)
        *ret_out = g_steal_pointer(&out);
    return true;
}

/* The absolute path of @prog in the system directories, or NULL. */
static char *
find_tool(const char *prog)
{
    static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
    for (const char *const *d = dirs; *d; d++) {
        char *p = g_build_filename(*d, prog, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_EXECUTABLE))
            return p;
        g_free(p);
    }
    return NULL;
}

static bool
need_tool(const char *prog, const char *package, const char *pool, char **ret_path, GError **error)
{
    *ret_path = find_tool(prog);
    if (!*ret_path) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                     "pool '%s' needs '%s' (Debian package %s), which is not installed", pool, prog, package);
        return false;
    }
    return true;
}

/* ---- directories ---- */

static bool
dir_build(StorDriver *drv, const MvStoragePoolDef *def, unsigned flags, GError **error)
{
    int mode = def->perms.mode >= 0 ? def->perms.mode : STOR_POOL_DIR_MODE;
    /* Parents get the usual 0755; only the pool's own directory gets the pool's mode. */
    g_autofree char *parent = g_path_get_dirname(def->target_path);
    if (g_mkdir_with_parents(parent, 0755) < 0 || (mkdir(def->target_path, (mode_t)mode) < 0 && errno != EEXIST)) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot create the directory '%s' of pool '%s'",
                           def->target_path, def->name);
        return false;
    }
    if (def->perms.mode >= 0)
        chmod(def->target_path, (mode_t)def->perms.mode);
    if (def->perms.owner >= 0 || def->perms.group >= 0) {
        if (chown(def->target_path, (uid_t)def->perms.owner, (gid_t)def->perms.group) < 0) {
            mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot set the owner of '%s' of pool '%s'",
                               def->target_path, def->name);
            return false;
        }
    }
    return true;
}

static bool
dir_start(StorDriver *drv, const MvStoragePoolDef *def, bool adopt, GError **error)
{
    struct stat st;
    if (stat(def->target_path, &st) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot start pool '%s': its directory '%s' is missing",
                           def->name, def->target_path);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "cannot start pool '%s': '%s' is not a directory", def->name, def->target_path);
        return false;
    }
    return true;
}

static bool
dir_stop(StorDriver *drv, const MvStoragePoolDef *def, GError **error)
{
    return true;
}

static bool
dir_delete(StorDriver *drv, const MvStoragePoolDef *def, GError **error)
{
    if (rmdir(def->target_path) < 0 && errno != ENOENT) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot delete the directory '%s' of pool '%s'",
                           def->target_path, def->name);
        return false;
    }
    return true;
}

/* "qcow2" when @path starts with the qcow2 magic, "raw" otherwise: enough to list a volume
 * without running a prober per file; its sizes come from qemu-img when asked. */
static const char *
sniff_format(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return "raw";
    guint8 magic[4] = { 0 };
    ssize_t n = pread(fd, magic, sizeof(magic), 0);
    close(fd);
    static const guint8 qcow[4] = { 'Q', 'F', 'I', 0xfb };
    return n == 4 && memcmp(magic, qcow, 4) == 0 ? "qcow2" : "raw";
}

static bool
is_temp_name(const char *name)
{
    return g_str_has_prefix(name, STOR_TEMP_PREFIX) && g_str_has_suffix(name, STOR_TEMP_SUFFIX);
}

static bool
dir_sizes(const MvStoragePoolDef *def, StorPool *pool, GError **error)
{
    struct statvfs sv;
    if (statvfs(def->target_path, &sv) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot read the filesystem size of pool '%s' ('%s')",
                           def->name, def->target_path);
        return false;
    }
    pool->sizes.capacity = (guint64)sv.f_frsize * sv.f_blocks;
    pool->sizes.available = (guint64)sv.f_frsize * sv.f_bavail;
    pool->sizes.allocation = pool->sizes.capacity - (guint64)sv.f_frsize * sv.f_bfree;
    return true;
}

static bool
dir_scan(StorDriver *drv, const MvStoragePoolDef *def, StorPool *pool, GError **error)
{
    int dirfd = open(def->target_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot open the directory '%s' of pool '%s'",
                           def->target_path, def->name);
        return false;
    }
    g_autoptr(GDir) dir = g_dir_open(def->target_path, 0, NULL);
    if (!dir) {
        close(dirfd);
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot read the directory '%s' of pool '%s'",
                           def->target_path, def->name);
        return false;
    }
    /* Volumes being made keep their entries; everything else is read afresh. */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, pool->vols);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (!((StorVol *)value)->building)
            g_hash_table_iter_remove(&it);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (is_temp_name(name) || g_hash_table_contains(pool->vols, name))
            continue;
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        g_autofree char *path = g_build_filename(def->target_path, name, NULL);
        StorVol *v = stor_vol_new(name, path, sniff_format(dirfd, name), MV_VOL_FILE);
        g_hash_table_insert(pool->vols, v->name, v);
    }
    close(dirfd);
    return dir_sizes(def, pool, error);
}

/* Temporary files a killed daemon left behind: never complete volumes, so they go. */
static void
remove_stale_temps(const MvStoragePoolDef *def)
{
    g_autoptr(GDir) dir = g_dir_open(def->target_path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        if (!is_temp_name(name))
            continue;
        g_autofree char *path = g_build_filename(def->target_path, name, NULL);
        if (unlink(path) == 0)
            g_info("pool '%s': removed '%s', left unfinished by an earlier daemon", def->name, path);
    }
}

static bool
dir_start_clean(StorDriver *drv, const MvStoragePoolDef *def, bool adopt, GError **error)
{
    if (!dir_start(drv, def, adopt, error))
        return false;
    remove_stale_temps(def);
    return true;
}

/* ---- filesystems mounted by the pool ---- */

/* Is something mounted on @target?  From /proc/self/mountinfo (field 5 is the mount point,
 * with spaces and such escaped as octal). */
static bool
is_mounted(const char *target)
{
    g_autofree char *info = NULL;
    if (!g_file_get_contents("/proc/self/mountinfo", &info, NULL, NULL))
        return false;
    g_auto(GStrv) lines = g_strsplit(info, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, " ", 6);
        if (g_strv_length(f) < 5)
            continue;
        g_autofree char *mp = g_strcompress(f[4]);
        if (g_str_equal(mp, target))
            return true;
    }
    return false;
}

static bool
fs_build(StorDriver *drv, const MvStoragePoolDef *def, unsigned flags, GError **error)
{
    if (!dir_build(drv, def, flags, error))
        return false;
    /* As libvirt: the filesystem is made only when asked with --overwrite or --no-overwrite. */
    if (!(flags & (STOR_BUILD_OVERWRITE | STOR_BUILD_NO_OVERWRITE)))
        return true;
    const char *dev = def->devices->pdata[0];
    const char *fmt = def->source_format && !g_str_equal(def->source_format, "auto") ? def->source_format : "ext4";
    if (flags & STOR_BUILD_NO_OVERWRITE) {
        g_autofree char *blkid = NULL;
        if (!need_tool("blkid", "util-linux", def->name, &blkid, error))
            return false;
        const char *argv[] = { blkid, "-o", "value", "-s", "TYPE", dev, NULL };
        g_autofree char *out = NULL;
        g_autoptr(GError) ignored = NULL;
        if (stor_run(argv, "probe", &out, &ignored) && out && *g_strstrip(out)) {
            mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                         "cannot build pool '%s': '%s' already holds a '%s' filesystem (use --overwrite)", def->name,
                         dev, out);
            return false;
        }
    }
    g_autofree char *prog = g_strdup_printf("mkfs.%s", fmt);
    g_autofree char *mkfs = NULL;
    if (!need_tool(prog, fmt[0] == 'x' ? "xfsprogs" : "e2fsprogs", def->name, &mkfs, error))
        return false;
    const char *force = g_str_has_prefix(fmt, "ext") ? "-F" : "-f";
    const char *argv[] = { mkfs, "-q", force, dev, NULL };
    g_autofree char *what = g_strdup_printf("cannot make a '%s' filesystem on '%s' for pool '%s'", fmt, dev, def->name);
    return stor_run(argv, what, NULL, error);
}

static bool
fs_start(StorDriver *drv, const MvStoragePoolDef *def, bool adopt, GError **error)
{
    if (!dir_start(drv, def, adopt, error))
        return false;
    /* Already mounted (re-adoption, or mounted by hand): checked, never mounted twice. */
    if (is_mounted(def->target_path)) {
        remove_stale_temps(def);
        return true;
    }
    if (adopt) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED,
                     "pool '%s' was running, but nothing is mounted on '%s' any more", def->name, def->target_path);
        return false;
    }
    const char *dev = def->devices->pdata[0];
    struct stat st;
    if (stat(dev, &st) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot start pool '%s': source '%s'", def->name, dev);
        return false;
    }
    g_autofree char *mount = NULL;
    if (!need_tool("mount", "mount", def->name, &mount, error))
        return false;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, mount);
    if (def->source_format && !g_str_equal(def->source_format, "auto")) {
        g_ptr_array_add(argv, "-t");
        g_ptr_array_add(argv, def->source_format);
    }
    /* An image file goes through a loop device, which mount sets up itself. */
    if (S_ISREG(st.st_mode)) {
        g_ptr_array_add(argv, "-o");
        g_ptr_array_add(argv, "loop");
    }
    g_ptr_array_add(argv, (char *)dev);
    g_ptr_array_add(argv, def->target_path);
    g_ptr_array_add(argv, NULL);
    g_autofree char *what = g_strdup_printf("cannot mount '%s' on '%s' for pool '%s'", dev, def->target_path, def->name);
    if (!stor_run((const char *const *)argv->pdata, what, NULL, error))
        return false;
    remove_stale_temps(def);
    return true;
}

static bool
fs_stop(StorDriver *drv, const MvStoragePoolDef *def, GError **error)
{
    if (!is_mounted(def->target_path))
        return true;
    g_autofree char *umount = NULL;
    if (!need_tool("umount", "mount", def->name, &umount, error))
        return false;
    const char *argv[] = { umount, def->target_path, NULL };
    g_autofree char *what = g_strdup_printf("cannot unmount '%s' of pool '%s'", def->target_path, def->name);
    return stor_run(argv, what, NULL, error);
}

/* ---- LVM volume groups ---- */

static bool
logical_build(StorDriver *drv, const MvStoragePoolDef *def, unsigned flags, GError **error)
{
    g_autofree char *pvcreate = NULL, *vgcreate = NULL;
    if (!need_tool("pvcreate", "lvm2", def->name, &pvcreate, error) ||
        !need_tool("vgcreate", "lvm2", def->name, &vgcreate, error))
        return false;
    if (def->devices->len == 0) {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_INVALID,
                     "cannot build logical pool '%s': its <source> names no <device>", def->name);
        return false;
    }
    for (guint i = 0; i < def->devices->len; i++) {
        const char *dev = def->devices->pdata[i];
        const char *argv[] = { pvcreate, (flags & STOR_BUILD_OVERWRITE) ? "-ff" : "-qq", "-y", dev, NULL };
        const char *argv_safe[] = { pvcreate, dev, NULL };
        g_autofree char *what = g_strdup_printf("cannot make '%s' a physical volume for pool '%s'", dev, def->name);
        if (!stor_run((flags & STOR_BUILD_OVERWRITE) ? argv : argv_safe, what, NULL, error))
            return false;
    }
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, vgcreate);
    g_ptr_array_add(argv, def->source_name);
    for (guint i = 0; i < def->devices->len; i++)
        g_ptr_array_add(argv, def->devices->pdata[i]);
    g_ptr_array_add(argv, NULL);
    g_autofree char *what = g_strdup_printf("cannot create volume group '%s' for pool '%s'", def->source_name, def->name);
    return stor_run((const char *const *)argv->pdata, what, NULL, error);
}

/* One row of `vgs`/`lvs --reportformat json`: report[0].<key>[]. */
static json_object *
lvm_report_rows(const char *out, const char *key, json_object **ret_root)
{
    *ret_root = json_tokener_parse(out ? out : "");
    json_object *report, *first, *rows;
    if (!*ret_root || !json_object_object_get_ex(*ret_root, "report", &report) ||
        !json_object_is_type(report, json_type_array) || json_object_array_length(report) < 1)
        return NULL;
    first = json_object_array_get_idx(report, 0);
    if (!json_object_object_get_ex(first, key, &rows) || !json_object_is_type(rows, json_type_array))
        return NULL;
    return rows;
}

static guint64
json_u64(json_object *row, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(row, key, &v))
        return 0;
    return g_ascii_strtoull(json_object_get_string(v), NULL, 10);
}

static bool
logical_vg_sizes(const MvStoragePoolDef *def, StorPool *pool, GError **error)
{
    g_autofree char *vgs = NULL;
    if (!need_tool("vgs", "lvm2", def->name, &vgs, error))
        return false;
    const char *argv[] = { vgs, "--reportformat", "json", "--units", "b", "--nosuffix", "-o", "vg_name,vg_size,vg_free",
                           def->source_name, NULL };
    g_autofree char *out = NULL;
    g_autofree char *what = g_strdup_printf("volume group '%s' of pool '%s' is not usable", def->source_name, def->name);
    if (!stor_run(argv, what, &out, error))
        return false;
    json_object *root;
    json_object *rows = lvm_report_rows(out, "vg", &root);
    bool ok = rows && json_object_array_length(rows) == 1;
    if (ok) {
        json_object *row = json_object_array_get_idx(rows, 0);
        pool->sizes.capacity = json_u64(row, "vg_size");
        pool->sizes.available = json_u64(row, "vg_free");
        pool->sizes.allocation = pool->sizes.capacity - pool->sizes.available;
    } else {
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED, "%s: vgs gave no report", what);
    }
    json_object_put(root);
    return ok;
}

static bool
logical_start(StorDriver *drv, const MvStoragePoolDef *def, bool adopt, GError **error)
{
    StorPool probe = { 0 };
    return logical_vg_sizes(def, &probe, error);
}

static bool
logical_scan(StorDriver *drv, const MvStoragePoolDef *def, StorPool *pool, GError **error)
{
    if (!logical_vg_sizes(def, pool, error))
        return false;
    g_autofree char *lvs = NULL;
    if (!need_tool("lvs", "lvm2", def->name, &lvs, error))
        return false;
    const char *argv[] = { lvs, "--reportformat", "json", "--units", "b", "--nosuffix", "-o", "lv_name,lv_size",
                           def->source_name, NULL };
    g_autofree char *out = NULL;
    g_autofree char *what = g_strdup_printf("cannot list the logical volumes of pool '%s'", def->name);
    if (!stor_run(argv, what, &out, error))
        return false;
    g_hash_table_remove_all(pool->vols);
    json_object *root;
    json_object *rows = lvm_report_rows(out, "lv", &root);
    for (size_t i = 0; rows && i < json_object_array_length(rows); i++) {
        json_object *row = json_object_array_get_idx(rows, i), *name;
        if (!json_object_object_get_ex(row, "lv_name", &name))
            continue;
        g_autofree char *path = g_build_filename("/dev", def->source_name, json_object_get_string(name), NULL);
        StorVol *v = stor_vol_new(json_object_get_string(name), path, "none", MV_VOL_BLOCK);
        g_hash_table_insert(pool->vols, v->name, v);
    }
    json_object_put(root);
    return true;
}

static bool
logical_delete(StorDriver *drv, const MvStoragePoolDef *def, GError **error)
{
    g_autofree char *vgremove = NULL, *pvremove = NULL;
    if (!need_tool("vgremove", "lvm2", def->name, &vgremove, error) ||
        !need_tool("pvremove", "lvm2", def->name, &pvremove, error))
        return false;
    const char *argv[] = { vgremove, "-f", def->source_name, NULL };
    g_autofree char *what = g_strdup_printf("cannot remove volume group '%s' of pool '%s'", def->source_name, def->name);
    if (!stor_run(argv, what, NULL, error))
        return false;
    for (guint i = 0; i < def->devices->len; i++) {
        const char *pv[] = { pvremove, "-y", def->devices->pdata[i], NULL };
        g_autoptr(GError) ignored = NULL;
        if (!stor_run(pv, "pvremove", NULL, &ignored))
            g_warning("pool '%s': %s, ignoring", def->name, ignored->message);
    }
    return true;
}

bool
stor_logical_create_vol(StorDriver *drv, const MvStoragePoolDef *def, const char *name, guint64 capacity,
                        GError **error)
{
    g_autofree char *lvcreate = NULL;
    if (!need_tool("lvcreate", "lvm2", def->name, &lvcreate, error))
        return false;
    /* A logical volume is a device-mapper device: without it lvcreate cannot work, and the
     * honest error names the missing piece rather than lvm's wording alone. */
    bool have_dm = g_file_test("/dev/mapper/control", G_FILE_TEST_EXISTS);
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", capacity);
    const char *argv[] = { lvcreate, "--yes", "-n", name, "-L", size, def->source_name, NULL };
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    int r = mv_spawn_capture(argv, NULL, STOR_HELPER_TIMEOUT_MS, &out, &err, &status);
    if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    /* lvm's last line says what went wrong. */
    g_auto(GStrv) lines = g_strsplit(g_strstrip(err ? err : g_strdup("")), "\n", -1);
    guint n = g_strv_length(lines);
    const char *last = n ? g_strstrip(lines[n - 1]) : "";
    if (n > 1 && g_str_has_prefix(last, "Run `"))
        last = g_strstrip(lines[n - 2]);
    if (!have_dm || (err && strstr(err, "device-mapper")))
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                     "cannot create logical volume '%s' in pool '%s': this kernel has no device-mapper, which LVM "
                     "needs for logical volumes (lvcreate: %s)", name, def->name, last);
    else
        mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_FAILED,
                     "cannot create logical volume '%s' in pool '%s': lvcreate: %s", name, def->name,
                     r < 0 ? g_strerror(-r) : last);
    return false;
}

bool
stor_logical_delete_vol(StorDriver *drv, const MvStoragePoolDef *def, const char *name, GError **error)
{
    g_autofree char *lvremove = NULL;
    if (!need_tool("lvremove", "lvm2", def->name, &lvremove, error))
        return false;
    g_autofree char *lv = g_strdup_printf("%s/%s", def->source_name, name);
    const char *argv[] = { lvremove, "-f", lv, NULL };
    g_autofree char *what = g_strdup_printf("cannot delete logical volume '%s' of pool '%s'", name, def->name);
    return stor_run(argv, what, NULL, error);
}

/* ---- types this host cannot run ---- */

static bool
refuse_netfs(const MvStoragePoolDef *def, GError **error)
{
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                 "cannot start pool '%s' of type 'netfs' here: the kernel has no NFS client", def->name);
    return false;
}

static bool
refuse_iscsi(const MvStoragePoolDef *def, GError **error)
{
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                 "cannot start pool '%s' of type 'iscsi' here: modvirt-storaged has no iSCSI initiator support "
                 "(no iscsiadm, and the kernel has no iSCSI transport)", def->name);
    return false;
}

static bool
refuse_rbd(const MvStoragePoolDef *def, GError **error)
{
    mv_error_set(error, MV_FROM_STORAGE, MV_ERR_OPERATION_UNSUPPORTED,
                 "cannot start pool '%s' of type 'rbd' here: modvirt-storaged is built without Ceph (librados/librbd)",
                 def->name);
    return false;
}

static const StorBackend backends[] = {
    { MV_POOL_DIR, NULL, dir_build, dir_start_clean, dir_stop, dir_delete, dir_scan, true },
    { MV_POOL_FS, NULL, fs_build, fs_start, fs_stop, dir_delete, dir_scan, true },
    { MV_POOL_NETFS, refuse_netfs, NULL, NULL, NULL, dir_delete, NULL, true },
    { MV_POOL_LOGICAL, NULL, logical_build, logical_start, dir_stop, logical_delete, logical_scan, false },
    { MV_POOL_ISCSI, refuse_iscsi, NULL, NULL, NULL, NULL, NULL, false },
    { MV_POOL_RBD, refuse_rbd, NULL, NULL, NULL, NULL, NULL, false },
};

const StorBackend *
stor_backend_for(int type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(backends); i++)
        if (backends[i].type == type)
            return &backends[i];
    return NULL;
}
