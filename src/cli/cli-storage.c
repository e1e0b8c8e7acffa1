// SPDX-License-Identifier: LGPL-2.1-or-later
// Storage pool and volume commands with virsh's output: pool-list, pool-info, pool-dumpxml,
// pool-define, pool-build, pool-start, pool-destroy, pool-delete, pool-undefine,
// pool-refresh, pool-autostart, vol-list, vol-info, vol-dumpxml, vol-create, vol-create-from,
// vol-clone, vol-create-as, vol-delete,
// vol-wipe, vol-resize, vol-path, vol-key, vol-upload, vol-download (with a progress bar on
// a terminal; --sparse is not supported yet).

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
pool_free(virStoragePool *p)
{
    if (p)
        virStoragePoolFree(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, pool_free)

static void
vol_free(virStorageVol *v)
{
    if (v)
        virStorageVolFree(v);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, vol_free)

static void
fail(GError **error, const char *fmt, const char *arg)
{
    g_set_error(error, cli_error_quark(), 0, fmt, arg);
}

static virStoragePoolPtr
pool_opt(CliCtl *ctl, const CliArgs *args, const char *opt, const char **ret_name, GError **error)
{
    const char *name = cli_args_string(args, opt);
    virStoragePoolPtr pool = name ? virStoragePoolLookupByName(ctl->conn, name) : NULL;
    if (!pool)
        fail(error, "failed to get pool '%s'", name ? name : "");
    if (ret_name)
        *ret_name = name;
    return pool;
}

/* The volume of option "vol": by name in the pool of option @pool_opt, else by path (its
 * key here). */
static virStorageVolPtr
vol_in(CliCtl *ctl, const CliArgs *args, const char *pool_opt, const char **ret_name, GError **error)
{
    const char *name = cli_args_string(args, "vol");
    const char *pool_name = cli_args_string(args, pool_opt);
    virStorageVolPtr vol = NULL;
    if (pool_name) {
        g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(ctl->conn, pool_name);
        if (!pool) {
            fail(error, "failed to get pool '%s'", pool_name);
            return NULL;
        }
        vol = virStorageVolLookupByName(pool, name);
    }
    /* As virsh: a name not in the pool is tried as a key, then as a path (here the two are
     * one), and the error shown is the last lookup's. */
    if (!vol) {
        cli_reset_lib_error();
        vol = virStorageVolLookupByPath(ctl->conn, name);
    }
    if (!vol && pool_name)
        fail(error, "failed to get vol '%s'", name);
    else if (!vol)
        g_set_error(error, cli_error_quark(), 0, "failed to get vol '%s', specifying --%s might help", name,
                    pool_opt);
    if (ret_name)
        *ret_name = name;
    return vol;
}

static virStorageVolPtr
vol_opt(CliCtl *ctl, const CliArgs *args, const char **ret_name, GError **error)
{
    return vol_in(ctl, args, "pool", ret_name, error);
}

/* virsh's capacities: "%.2lf <unit>" in the largest binary unit that keeps it >= 1. */
static char *
pretty(unsigned long long bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
        v /= 1024;
        u++;
    }
    return g_strdup_printf("%.2f %s", v, units[u]);
}

static const char *
pool_state_word(int state, bool list)
{
    switch (state) {
    case VIR_STORAGE_POOL_INACTIVE: return "inactive";
    case VIR_STORAGE_POOL_BUILDING: return "building";
    case VIR_STORAGE_POOL_RUNNING: return list ? "active" : "running";
    case VIR_STORAGE_POOL_DEGRADED: return "degraded";
    case VIR_STORAGE_POOL_INACCESSIBLE: return "inaccessible";
    default: return "unknown";
    }
}

static gint
compare_pools(gconstpointer a, gconstpointer b)
{
    return strcmp(virStoragePoolGetName(*(virStoragePoolPtr *)a), virStoragePoolGetName(*(virStoragePoolPtr *)b));
}

static void
strv_free(gpointer p)
{
    g_strfreev(p);
}

static bool
cmd_pool_list(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned int flags = VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE;
    if (cli_args_bool(args, "all"))
        flags = 0;
    if (cli_args_bool(args, "inactive"))
        flags = VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE;
    virStoragePoolPtr *pools = NULL;
    int n = virConnectListAllStoragePools(ctl->conn, &pools, flags);
    if (n < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to list pools");
        return false;
    }
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)pool_free);
    for (int i = 0; i < n; i++)
        g_ptr_array_add(list, pools[i]);
    g_free(pools);
    g_ptr_array_sort(list, compare_pools);
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(strv_free);
    g_ptr_array_add(rows, g_strdupv((char *[]){ "Name", "State", "Autostart", NULL }));
    for (guint i = 0; i < list->len; i++) {
        virStoragePoolPtr p = list->pdata[i];
        virStoragePoolInfo info;
        int autostart = 0;
        bool have_info = virStoragePoolGetInfo(p, &info) == 0;
        bool have_auto = virStoragePoolGetAutostart(p, &autostart) == 0;
        char **row = g_new0(char *, 4);
        row[0] = g_strdup(virStoragePoolGetName(p));
        row[1] = g_strdup(have_info ? pool_state_word(info.state, true) : "unknown");
        row[2] = g_strdup(!have_auto ? "no autostart" : autostart ? "yes" : "no");
        g_ptr_array_add(rows, row);
    }
    cli_print_table(rows);
    return true;
}

static bool
cmd_pool_info(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", NULL, error);
    if (!pool)
        return false;
    char uuid[VIR_UUID_STRING_BUFLEN];
    virStoragePoolInfo info;
    int autostart = 0;
    cli_print("%-15s %s\n", "Name:", virStoragePoolGetName(pool));
    if (virStoragePoolGetUUIDString(pool, uuid) == 0)
        cli_print("%-15s %s\n", "UUID:", uuid);
    if (virStoragePoolGetInfo(pool, &info) < 0)
        return false;
    cli_print("%-15s %s\n", "State:", pool_state_word(info.state, false));
    int persistent = virStoragePoolIsPersistent(pool);
    cli_print("%-15s %s\n", "Persistent:", persistent < 0 ? "unknown" : persistent ? "yes" : "no");
    if (virStoragePoolGetAutostart(pool, &autostart) < 0)
        cli_print("%-15s %s\n", "Autostart:", "no autostart");
    else
        cli_print("%-15s %s\n", "Autostart:", autostart ? "yes" : "no");
    if (info.state == VIR_STORAGE_POOL_RUNNING || info.state == VIR_STORAGE_POOL_DEGRADED) {
        g_autofree char *cap = pretty(info.capacity), *alloc = pretty(info.allocation);
        g_autofree char *avail = pretty(info.available);
        cli_print("%-15s %s\n", "Capacity:", cap);
        cli_print("%-15s %s\n", "Allocation:", alloc);
        cli_print("%-15s %s\n", "Available:", avail);
    }
    return true;
}

static bool
cmd_pool_dumpxml(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", NULL, error);
    if (!pool)
        return false;
    g_autofree char *xml = virStoragePoolGetXMLDesc(pool, cli_args_bool(args, "inactive") ? 1 : 0);
    if (!xml)
        return false;
    cli_print("%s", xml);
    return true;
}

static bool
cmd_pool_define(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *file = cli_args_string(args, "file");
    g_autofree char *xml = cli_read_file(file, error);
    if (!xml)
        return false;
    g_autoptr(virStoragePool) pool = virStoragePoolDefineXML(ctl->conn, xml, 0);
    if (!pool) {
        fail(error, "Failed to define pool from %s", file);
        return false;
    }
    cli_print("Pool %s defined from %s\n", virStoragePoolGetName(pool), file);
    return true;
}

/* pool-define-as: the XML virsh builds from its options. */
static bool
cmd_pool_define_as(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = cli_args_string(args, "name");
    const char *type = cli_args_string(args, "type");
    g_autoptr(GString) xml = g_string_new(NULL);
    g_autofree char *etype = g_markup_escape_text(type, -1), *ename = g_markup_escape_text(name, -1);
    g_string_append_printf(xml, "<pool type='%s'>\n  <name>%s</name>\n", etype, ename);
    const char *host = cli_args_string(args, "source-host"), *path = cli_args_string(args, "source-path");
    const char *dev = cli_args_string(args, "source-dev"), *sname = cli_args_string(args, "source-name");
    const char *fmt = cli_args_string(args, "source-format"), *target = cli_args_string(args, "target");
    if (host || path || dev || sname || fmt) {
        g_string_append(xml, "  <source>\n");
        if (host) {
            g_autofree char *e = g_markup_escape_text(host, -1);
            g_string_append_printf(xml, "    <host name='%s'/>\n", e);
        }
        if (path) {
            g_autofree char *e = g_markup_escape_text(path, -1);
            g_string_append_printf(xml, "    <dir path='%s'/>\n", e);
        }
        if (dev) {
            g_autofree char *e = g_markup_escape_text(dev, -1);
            g_string_append_printf(xml, "    <device path='%s'/>\n", e);
        }
        if (fmt) {
            g_autofree char *e = g_markup_escape_text(fmt, -1);
            g_string_append_printf(xml, "    <format type='%s'/>\n", e);
        }
        if (sname) {
            g_autofree char *e = g_markup_escape_text(sname, -1);
            g_string_append_printf(xml, "    <name>%s</name>\n", e);
        }
        g_string_append(xml, "  </source>\n");
    }
    if (target) {
        g_autofree char *e = g_markup_escape_text(target, -1);
        g_string_append_printf(xml, "  <target>\n    <path>%s</path>\n  </target>\n", e);
    }
    g_string_append(xml, "</pool>\n");
    g_autoptr(virStoragePool) pool = virStoragePoolDefineXML(ctl->conn, xml->str, 0);
    if (!pool) {
        fail(error, "Failed to define pool %s", name);
        return false;
    }
    cli_print("Pool %s defined\n", name);
    return true;
}

/* The pool commands that call one function and print one line, as virsh words them. */
typedef enum { POOL_START, POOL_DESTROY, POOL_UNDEFINE, POOL_BUILD, POOL_DELETE, POOL_REFRESH } PoolVerb;

static bool
pool_verb(CliCtl *ctl, const CliArgs *args, PoolVerb verb, GError **error)
{
    static const char *const done[] = { "Pool %s started", "Pool %s destroyed", "Pool %s has been undefined",
                                         "Pool %s built", "Pool %s deleted", "Pool %s refreshed" };
    static const char *const failed[] = { "Failed to start pool %s", "Failed to destroy pool %s",
                                          "Failed to undefine pool %s", "Failed to build pool %s",
                                          "Failed to delete pool %s", "Failed to refresh pool %s" };
    const char *name;
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", &name, error);
    if (!pool)
        return false;
    unsigned int build = (cli_args_bool(args, "overwrite") ? VIR_STORAGE_POOL_BUILD_OVERWRITE : 0) |
                         (cli_args_bool(args, "no-overwrite") ? VIR_STORAGE_POOL_BUILD_NO_OVERWRITE : 0);
    int r = verb == POOL_START ? virStoragePoolCreate(pool, 0)
          : verb == POOL_DESTROY ? virStoragePoolDestroy(pool)
          : verb == POOL_UNDEFINE ? virStoragePoolUndefine(pool)
          : verb == POOL_BUILD ? virStoragePoolBuild(pool, build)
          : verb == POOL_DELETE ? virStoragePoolDelete(pool, 0) : virStoragePoolRefresh(pool, 0);
    if (r < 0) {
        fail(error, failed[verb], name);
        return false;
    }
    g_autofree char *line = g_strdup_printf(done[verb], name);
    cli_print("%s\n", line);
    return true;
}

static bool cmd_pool_start(CliCtl *c, const CliArgs *a, GError **e) { return pool_verb(c, a, POOL_START, e); }
static bool cmd_pool_destroy(CliCtl *c, const CliArgs *a, GError **e) { return pool_verb(c, a, POOL_DESTROY, e); }
static bool cmd_pool_undefine(CliCtl *c, const CliArgs *a, GError **e) { return pool_verb(c, a, POOL_UNDEFINE, e); }
static bool cmd_pool_build(CliCtl *c, const CliArgs *a, GError **e) { return pool_verb(c, a, POOL_BUILD, e); }
static bool cmd_pool_delete(CliCtl *c, const CliArgs *a, GError **e) { return pool_verb(c, a, POOL_DELETE, e); }
static bool cmd_pool_refresh(CliCtl *c, const CliArgs *a, GError **e) { return pool_verb(c, a, POOL_REFRESH, e); }

static bool
cmd_pool_autostart(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name;
    bool enable = !cli_args_bool(args, "disable");
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", &name, error);
    if (!pool)
        return false;
    if (virStoragePoolSetAutostart(pool, enable) < 0) {
        fail(error, enable ? "failed to mark pool %s as autostarted" : "failed to unmark pool %s as autostarted",
             name);
        return false;
    }
    cli_print(enable ? "Pool %s marked as autostarted\n" : "Pool %s unmarked as autostarted\n", name);
    return true;
}

static gint
compare_vols(gconstpointer a, gconstpointer b)
{
    return strcmp(virStorageVolGetName(*(virStorageVolPtr *)a), virStorageVolGetName(*(virStorageVolPtr *)b));
}

static bool
cmd_vol_list(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", NULL, error);
    if (!pool)
        return false;
    virStorageVolPtr *vols = NULL;
    int n = virStoragePoolListAllVolumes(pool, &vols, 0);
    if (n < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to list volumes");
        return false;
    }
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)vol_free);
    for (int i = 0; i < n; i++)
        g_ptr_array_add(list, vols[i]);
    g_free(vols);
    g_ptr_array_sort(list, compare_vols);
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(strv_free);
    g_ptr_array_add(rows, g_strdupv((char *[]){ "Name", "Path", NULL }));
    for (guint i = 0; i < list->len; i++) {
        char *path = virStorageVolGetPath(list->pdata[i]);
        char **row = g_new0(char *, 3);
        row[0] = g_strdup(virStorageVolGetName(list->pdata[i]));
        row[1] = path ? path : g_strdup("unknown");
        g_ptr_array_add(rows, row);
    }
    cli_print_table(rows);
    return true;
}

static bool
cmd_vol_info(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const char *const types[] = { "file", "block", "dir", "network", "netdir", "ploop" };
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, NULL, error);
    if (!vol)
        return false;
    virStorageVolInfo info;
    cli_print("%-15s %s\n", "Name:", virStorageVolGetName(vol));
    if (virStorageVolGetInfo(vol, &info) < 0)
        return false;
    g_autofree char *cap = pretty(info.capacity), *alloc = pretty(info.allocation);
    cli_print("%-15s %s\n", "Type:", info.type >= 0 && info.type < (int)G_N_ELEMENTS(types) ? types[info.type]
                                                                                           : "unknown");
    cli_print("%-15s %s\n", "Capacity:", cap);
    cli_print("%-15s %s\n", "Allocation:", alloc);
    return true;
}

static bool
cmd_vol_dumpxml(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, NULL, error);
    if (!vol)
        return false;
    g_autofree char *xml = virStorageVolGetXMLDesc(vol, 0);
    if (!xml)
        return false;
    cli_print("%s", xml);
    return true;
}

static bool
cmd_vol_path(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, NULL, error);
    if (!vol)
        return false;
    g_autofree char *path = virStorageVolGetPath(vol);
    if (!path)
        return false;
    cli_print("%s\n", path);
    return true;
}

static bool
cmd_vol_key(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, NULL, error);
    if (!vol)
        return false;
    cli_print("%s\n", virStorageVolGetKey(vol));
    return true;
}

static bool
cmd_vol_create_as(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = cli_args_string(args, "name");
    unsigned long long capacity = 0, allocation = 0;
    if (!cli_args_scaled(args, "capacity", 1, G_MAXINT64, &capacity, error))
        return false;
    bool have_alloc = cli_args_string(args, "allocation") != NULL;
    if (have_alloc && !cli_args_scaled(args, "allocation", 1, G_MAXINT64, &allocation, error))
        return false;
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", NULL, error);
    if (!pool)
        return false;
    g_autoptr(GString) xml = g_string_new("<volume>\n");
    g_autofree char *ename = g_markup_escape_text(name, -1);
    g_string_append_printf(xml, "  <name>%s</name>\n  <capacity>%llu</capacity>\n", ename, capacity);
    if (have_alloc)
        g_string_append_printf(xml, "  <allocation>%llu</allocation>\n", allocation);
    const char *format = cli_args_string(args, "format");
    if (format) {
        g_autofree char *ef = g_markup_escape_text(format, -1);
        g_string_append_printf(xml, "  <target>\n    <format type='%s'/>\n  </target>\n", ef);
    }
    const char *backing = cli_args_string(args, "backing-vol");
    if (backing) {
        g_autofree char *eb = g_markup_escape_text(backing, -1);
        g_string_append_printf(xml, "  <backingStore>\n    <path>%s</path>\n", eb);
        const char *bf = cli_args_string(args, "backing-vol-format");
        if (bf) {
            g_autofree char *ebf = g_markup_escape_text(bf, -1);
            g_string_append_printf(xml, "    <format type='%s'/>\n", ebf);
        }
        g_string_append(xml, "  </backingStore>\n");
    }
    g_string_append(xml, "</volume>\n");
    unsigned int flags = cli_args_bool(args, "prealloc-metadata") ? VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA : 0;
    g_autoptr(virStorageVol) vol = virStorageVolCreateXML(pool, xml->str, flags);
    if (!vol) {
        fail(error, "Failed to create vol %s", name);
        return false;
    }
    cli_print("Vol %s created\n", name);
    return true;
}

static unsigned int
vol_create_flags(const CliArgs *args)
{
    return (cli_args_bool(args, "prealloc-metadata") ? VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA : 0) |
           (cli_args_bool(args, "reflink") ? VIR_STORAGE_VOL_CREATE_REFLINK : 0) |
           (cli_args_bool(args, "validate") ? VIR_STORAGE_VOL_CREATE_VALIDATE : 0);
}

static bool
cmd_vol_create(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *file = cli_args_string(args, "file");
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", NULL, error);
    if (!pool)
        return false;
    g_autofree char *xml = cli_read_file(file, error);
    if (!xml)
        return false;
    g_autoptr(virStorageVol) vol = virStorageVolCreateXML(pool, xml, vol_create_flags(args));
    if (!vol) {
        fail(error, "Failed to create vol from %s", file);
        return false;
    }
    cli_print("Vol %s created from %s\n", virStorageVolGetName(vol), file);
    return true;
}

static bool
cmd_vol_create_from(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *file = cli_args_string(args, "file");
    g_autoptr(virStoragePool) pool = pool_opt(ctl, args, "pool", NULL, error);
    if (!pool)
        return false;
    g_autoptr(virStorageVol) input = vol_in(ctl, args, "inputpool", NULL, error);
    if (!input)
        return false;
    g_autofree char *xml = cli_read_file(file, error);
    if (!xml)
        return false;
    g_autoptr(virStorageVol) vol = virStorageVolCreateXMLFrom(pool, xml, input, vol_create_flags(args));
    if (!vol) {
        fail(error, "Failed to create vol from %s", file);
        return false;
    }
    cli_print("Vol %s created from input vol %s\n", virStorageVolGetName(vol), virStorageVolGetName(input));
    return true;
}

/* Cut the first "<tag>...</tag>" of @xml at or after @from (and before @until when given),
 * with the blank space before it; put @text there instead when given. */
static void
replace_element(GString *xml, const char *tag, const char *text, const char *from, const char *until)
{
    g_autofree char *open = g_strdup_printf("<%s>", tag), *close = g_strdup_printf("</%s>", tag);
    char *start = from ? strstr(from, open) : NULL;
    char *end = start ? strstr(start, close) : NULL;
    if (!end || (until && end > until))
        return;
    if (text) {
        gssize at = start - xml->str + (gssize)strlen(open);
        g_string_erase(xml, at, end - xml->str - at);
        g_string_insert(xml, at, text);
        return;
    }
    while (start > xml->str && g_ascii_isspace(start[-1]))
        start--;
    g_string_erase(xml, start - xml->str, end + strlen(close) - start);
}

/* As virsh clones: the volume's own XML under the new name, without its key and target path
 * (the pool gives the clone its own). */
static char *
clone_xml(const char *orig, const char *name)
{
    GString *xml = g_string_new(orig);
    g_autofree char *ename = g_markup_escape_text(name, -1);
    replace_element(xml, "name", ename, xml->str, NULL);
    replace_element(xml, "key", NULL, xml->str, NULL);
    char *target = strstr(xml->str, "<target>");
    replace_element(xml, "path", NULL, target, target ? strstr(target, "</target>") : NULL);
    return g_string_free(xml, FALSE);
}

static bool
cmd_vol_clone(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virStorageVol) orig = vol_opt(ctl, args, NULL, error);
    if (!orig)
        return false;
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByVolume(orig);
    if (!pool) {
        g_set_error(error, cli_error_quark(), 0, "failed to get parent pool");
        return false;
    }
    g_autofree char *orig_xml = virStorageVolGetXMLDesc(orig, 0);
    if (!orig_xml)
        return false;
    g_autofree char *xml = clone_xml(orig_xml, cli_args_string(args, "newname"));
    g_autoptr(virStorageVol) vol = virStorageVolCreateXMLFrom(pool, xml, orig, vol_create_flags(args));
    if (!vol) {
        fail(error, "Failed to clone vol from %s", virStorageVolGetName(orig));
        return false;
    }
    cli_print("Vol %s cloned from %s\n", virStorageVolGetName(vol), virStorageVolGetName(orig));
    return true;
}

static bool
cmd_vol_delete(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name;
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, &name, error);
    if (!vol)
        return false;
    if (virStorageVolDelete(vol, 0) < 0) {
        fail(error, "Failed to delete vol %s", name);
        return false;
    }
    cli_print("Vol %s deleted\n", name);
    return true;
}

static bool
cmd_vol_wipe(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name;
    if (cli_args_string(args, "algorithm") && g_strcmp0(cli_args_string(args, "algorithm"), "zero") != 0) {
        fail(error, "option --algorithm=%s is not supported by modvirt's shell yet (virsh can ask for it)",
             cli_args_string(args, "algorithm"));
        return false;
    }
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, &name, error);
    if (!vol)
        return false;
    if (virStorageVolWipe(vol, 0) < 0) {
        fail(error, "Failed to wipe vol %s", name);
        return false;
    }
    cli_print("Vol %s wiped\n", name);
    return true;
}

static bool
cmd_vol_resize(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name;
    const char *text = cli_args_string(args, "capacity");
    unsigned long long capacity = 0;
    unsigned int flags = (cli_args_bool(args, "allocate") ? VIR_STORAGE_VOL_RESIZE_ALLOCATE : 0) |
                         (cli_args_bool(args, "delta") ? VIR_STORAGE_VOL_RESIZE_DELTA : 0) |
                         (cli_args_bool(args, "shrink") ? VIR_STORAGE_VOL_RESIZE_SHRINK : 0);
    if (!cli_args_scaled(args, "capacity", 1, G_MAXINT64, &capacity, error))
        return false;
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, &name, error);
    if (!vol)
        return false;
    if (virStorageVolResize(vol, capacity, flags) < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to change size of volume '%s' to %s", name, text);
        return false;
    }
    cli_print(flags & VIR_STORAGE_VOL_RESIZE_DELTA ? "Size of volume '%s' successfully changed by %s\n"
                                                   : "Size of volume '%s' successfully changed to %s\n", name, text);
    return true;
}

/* Bytes per stream packet: libvirt's packet payload. */
#define TRANSFER_CHUNK (256 * 1024)

/* "[#####     ]  50 %" on stderr, only when it is a terminal (scripts see what virsh prints). */
static void
progress(unsigned long long done, unsigned long long total, bool last)
{
    static const int width = 40;
    if (!isatty(STDERR_FILENO) || total == 0)
        return;
    int filled = (int)(done * width / total);
    fprintf(stderr, "\r[%.*s%*s] %3d %%%s", filled, "########################################", width - filled, "",
            (int)(done * 100 / total), last ? "\n" : "");
}

static bool
transfer_opts(const CliArgs *args, unsigned long long *offset, unsigned long long *length, GError **error)
{
    if (cli_args_bool(args, "sparse")) {
        g_set_error(error, cli_error_quark(), 0, "option --sparse is not supported by modvirt's shell yet");
        return false;
    }
    return cli_args_scaled(args, "offset", 1, G_MAXINT64, offset, error) &&
           cli_args_scaled(args, "length", 1, G_MAXINT64, length, error);
}

static bool
cmd_vol_upload(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name, *file = cli_args_string(args, "file");
    unsigned long long offset = 0, length = 0;
    if (!transfer_opts(args, &offset, &length, error))
        return false;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(error, cli_error_quark(), 0, "cannot read %s", file);
        return false;
    }
    struct stat st;
    unsigned long long total = fstat(fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
    if (length && length < total)
        total = length;
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, &name, error);
    virStreamPtr stream = vol ? virStreamNew(ctl->conn, 0) : NULL;
    bool ok = stream && virStorageVolUpload(vol, stream, offset, length, 0) == 0;
    g_autofree char *buf = g_malloc(TRANSFER_CHUNK);
    unsigned long long sent = 0;
    while (ok) {
        ssize_t n = read(fd, buf, (size_t)MIN((unsigned long long)TRANSFER_CHUNK, total - sent));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        ok = virStreamSend(stream, buf, (size_t)n) == n;
        sent += (unsigned long long)n;
        progress(sent, total, false);
    }
    ok = ok && virStreamFinish(stream) == 0;
    if (ok)
        progress(total, total, true);
    else if (stream)
        virStreamAbort(stream);
    if (stream)
        virStreamFree(stream);
    close(fd);
    if (!ok && !*error)
        fail(error, "cannot upload to volume %s", name);
    return ok;
}

static bool
cmd_vol_download(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name, *file = cli_args_string(args, "file");
    unsigned long long offset = 0, length = 0;
    if (!transfer_opts(args, &offset, &length, error))
        return false;
    g_autoptr(virStorageVol) vol = vol_opt(ctl, args, &name, error);
    if (!vol)
        return false;
    virStorageVolInfo info;
    unsigned long long total = virStorageVolGetInfo(vol, &info) == 0 ? info.capacity : 0;
    total = offset < total ? total - offset : 0;
    if (length && length < total)
        total = length;
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        g_set_error(error, cli_error_quark(), 0, "cannot create %s", file);
        return false;
    }
    virStreamPtr stream = virStreamNew(ctl->conn, 0);
    bool ok = stream && virStorageVolDownload(vol, stream, offset, length, 0) == 0;
    g_autofree char *buf = g_malloc(TRANSFER_CHUNK);
    unsigned long long got = 0;
    while (ok) {
        int n = virStreamRecv(stream, buf, TRANSFER_CHUNK);
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        for (ssize_t off = 0; ok && off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            ok = w > 0;
            off += w > 0 ? w : 0;
        }
        got += (unsigned long long)n;
        progress(MIN(got, total), total, false);
    }
    ok = ok && virStreamFinish(stream) == 0;
    if (ok)
        progress(total, total, true);
    else if (stream)
        virStreamAbort(stream);
    if (stream)
        virStreamFree(stream);
    if (close(fd) < 0)
        ok = false;
    if (!ok) {
        unlink(file);
        fail(error, "cannot download from volume %s", name);
    }
    return ok;
}

static const CliOpt vol_transfer_opts[] = {
    { "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path" },
    { "file", CLI_OPT_STRING, CLI_OPT_REQUIRED, "file" },
    { "pool", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "pool name" },
    { "offset", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "volume offset to start at" },
    { "length", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "amount of data to move" },
    { "sparse", CLI_OPT_BOOL, 0, "preserve sparseness of volume (not supported yet)" },
    { NULL },
};

static const CliOpt pool_list_opts[] = {
    { "inactive", CLI_OPT_BOOL, 0, "list inactive pools" },
    { "all", CLI_OPT_BOOL, 0, "list inactive & active pools" },
    { NULL },
};
static const CliOpt pool_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { NULL },
};
static const CliOpt pool_xml_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { "inactive", CLI_OPT_BOOL, 0, "show inactive defined XML" },
    { NULL },
};
static const CliOpt pool_build_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { "no-overwrite", CLI_OPT_BOOL, 0, "do not overwrite any existing data" },
    { "overwrite", CLI_OPT_BOOL, 0, "overwrite any existing data" },
    { NULL },
};
static const CliOpt pool_autostart_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { "disable", CLI_OPT_BOOL, 0, "disable autostarting" },
    { NULL },
};
static const CliOpt file_opts[] = {
    { "file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML pool description" },
    { NULL },
};
static const CliOpt pool_define_as_opts[] = {
    { "name", CLI_OPT_DATA, CLI_OPT_REQUIRED, "name of the pool" },
    { "type", CLI_OPT_STRING, CLI_OPT_REQUIRED, "type of the pool" },
    { "source-host", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "source-host for underlying storage" },
    { "source-path", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "source path for underlying storage" },
    { "source-dev", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "source device for underlying storage" },
    { "source-name", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "source name for underlying storage" },
    { "target", CLI_OPT_STRING, 0, "target for underlying storage" },
    { "source-format", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "format for underlying storage" },
    { NULL },
};
static const CliOpt vol_list_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { NULL },
};
static const CliOpt vol_opts[] = {
    { "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path" },
    { "pool", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "pool name" },
    { NULL },
};
static const CliOpt vol_wipe_opts[] = {
    { "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path" },
    { "pool", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "pool name" },
    { "algorithm", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "perform selected wiping algorithm" },
    { NULL },
};
static const CliOpt vol_create_as_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { "name", CLI_OPT_STRING, CLI_OPT_REQUIRED, "name of the volume" },
    { "capacity", CLI_OPT_STRING, CLI_OPT_REQUIRED, "size of the vol, as scaled integer (default bytes)" },
    { "allocation", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "initial allocation size, as scaled integer" },
    { "format", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "file format type raw,qcow2,..." },
    { "backing-vol", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "the backing volume if taking a snapshot" },
    { "backing-vol-format", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "format of backing volume" },
    { "prealloc-metadata", CLI_OPT_BOOL, 0, "preallocate metadata (for qcow2 instead of full allocation)" },
    { NULL },
};
static const CliOpt vol_create_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { "file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML vol description" },
    { "prealloc-metadata", CLI_OPT_BOOL, 0, "preallocate metadata (for qcow2 instead of full allocation)" },
    { "validate", CLI_OPT_BOOL, 0, "validate the XML against the schema" },
    { NULL },
};
static const CliOpt vol_create_from_opts[] = {
    { "pool", CLI_OPT_DATA, CLI_OPT_REQUIRED, "pool name" },
    { "file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML vol description" },
    { "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "input vol name or key" },
    { "inputpool", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "pool name or uuid of the input volume's pool" },
    { "prealloc-metadata", CLI_OPT_BOOL, 0, "preallocate metadata (for qcow2 instead of full allocation)" },
    { "reflink", CLI_OPT_BOOL, 0, "use btrfs COW lightweight copy" },
    { "validate", CLI_OPT_BOOL, 0, "validate the XML against the schema" },
    { NULL },
};
static const CliOpt vol_clone_opts[] = {
    { "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "orig vol name or key" },
    { "newname", CLI_OPT_DATA, CLI_OPT_REQUIRED, "clone name" },
    { "pool", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "pool name" },
    { "prealloc-metadata", CLI_OPT_BOOL, 0, "preallocate metadata (for qcow2 instead of full allocation)" },
    { "reflink", CLI_OPT_BOOL, 0, "use btrfs COW lightweight copy" },
    { NULL },
};
static const CliOpt vol_resize_opts[] = {
    { "vol", CLI_OPT_DATA, CLI_OPT_REQUIRED, "vol name, key or path" },
    { "capacity", CLI_OPT_STRING, CLI_OPT_REQUIRED, "new capacity for the vol, as scaled integer" },
    { "pool", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "pool name" },
    { "allocate", CLI_OPT_BOOL, 0, "allocate the new capacity" },
    { "delta", CLI_OPT_BOOL, 0, "use capacity as a delta to current size" },
    { "shrink", CLI_OPT_BOOL, 0, "allow the resize to shrink the volume" },
    { NULL },
};

const CliCmd cli_storage_cmds[] = {
    { "pool-autostart", "autostart a pool", "Configure a pool to be automatically started at boot.",
      pool_autostart_opts, cmd_pool_autostart, 0 },
    { "pool-build", "build a pool", "Build a given pool.", pool_build_opts, cmd_pool_build, 0 },
    { "pool-define", "define an inactive persistent storage pool or modify an existing persistent one from an "
      "XML file", "Define or modify a persistent storage pool.", file_opts, cmd_pool_define, 0 },
    { "pool-define-as", "define a pool from a set of args", "Define a pool.", pool_define_as_opts,
      cmd_pool_define_as, 0 },
    { "pool-delete", "delete a pool", "Delete a given pool.", pool_opts, cmd_pool_delete, 0 },
    { "pool-destroy", "destroy (stop) a pool", "Forcefully stop a given pool. Raw data in the pool is untouched",
      pool_opts, cmd_pool_destroy, 0 },
    { "pool-dumpxml", "pool information in XML", "Output the pool information as an XML dump to stdout.",
      pool_xml_opts, cmd_pool_dumpxml, 0 },
    { "pool-info", "storage pool information", "Returns basic information about the storage pool.", pool_opts,
      cmd_pool_info, 0 },
    { "pool-list", "list pools", "Returns list of pools.", pool_list_opts, cmd_pool_list, 0 },
    { "pool-refresh", "refresh a pool", "Refresh a given pool.", pool_opts, cmd_pool_refresh, 0 },
    { "pool-start", "start a (previously defined) inactive pool", "Start a pool.", pool_opts, cmd_pool_start, 0 },
    { "pool-undefine", "undefine an inactive pool", "Undefine the configuration for an inactive pool.", pool_opts,
      cmd_pool_undefine, 0 },
    { "vol-clone", "clone a volume.", "Clone an existing volume within the parent pool.", vol_clone_opts,
      cmd_vol_clone, 0 },
    { "vol-create", "create a vol from an XML file", "Create a vol.", vol_create_opts, cmd_vol_create, 0 },
    { "vol-create-from", "create a vol, using another volume as input", "Create a vol from an existing volume.",
      vol_create_from_opts, cmd_vol_create_from, 0 },
    { "vol-create-as", "create a volume from a set of args", "Create a vol.", vol_create_as_opts,
      cmd_vol_create_as, 0 },
    { "vol-delete", "delete a vol", "Delete a given vol.", vol_opts, cmd_vol_delete, 0 },
    { "vol-download", "download volume contents to a file", "Download the contents of a volume to a file.",
      vol_transfer_opts, cmd_vol_download, 0 },
    { "vol-dumpxml", "vol information in XML", "Output the vol information as an XML dump to stdout.", vol_opts,
      cmd_vol_dumpxml, 0 },
    { "vol-info", "storage vol information", "Returns basic information about the storage vol.", vol_opts,
      cmd_vol_info, 0 },
    { "vol-key", "returns the volume key for a given volume name or path", "Returns the volume key for a given "
      "volume name or path.", vol_opts, cmd_vol_key, 0 },
    { "vol-list", "list vols", "Returns list of vols by pool.", vol_list_opts, cmd_vol_list, 0 },
    { "vol-path", "returns the volume path for a given volume name or key", "Returns the volume path for a given "
      "volume name or key.", vol_opts, cmd_vol_path, 0 },
    { "vol-resize", "resize a vol", "Resizes a storage volume.", vol_resize_opts, cmd_vol_resize, 0 },
    { "vol-upload", "upload file contents to a volume", "Upload the contents of a file to a volume.",
      vol_transfer_opts, cmd_vol_upload, 0 },
    { "vol-wipe", "wipe a vol", "Ensure data previously on a volume is not accessible to future reads.",
      vol_wipe_opts, cmd_vol_wipe, 0 },
    { NULL },
};
