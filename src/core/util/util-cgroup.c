// SPDX-License-Identifier: LGPL-2.1-or-later
// Guest cgroups over the v1 per-controller mounts or the v2 unified mount.  A joined v1
// mount ("cpu,cpuacct") is one directory for two controllers, so every operation works on
// the set of distinct directories of a group, never once per controller.

#include "util/util-cgroup.h"

#include "util/util-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest cgroup or /proc file we read whole.  mountinfo grows with mounts (a few hundred
 * bytes each), cgroup.procs with tasks; 16 MiB covers tens of thousands of either. */
#define CGROUP_FILE_MAX (16 * 1024 * 1024)

/* Pause between rmdir attempts on a busy group. */
#define CGROUP_REMOVE_RETRY_MS 20

/* The controller names v1 mounts carry in their options, in MvCgroupController order. */
static const char *const v1_names[MV_CGROUP_CONTROLLER_LAST] = {
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
};

/* The v2 names; NULL where v2 has no such controller (cpuacct is part of cpu). */
static const char *const v2_names[MV_CGROUP_CONTROLLER_LAST] = {
    "cpu", NULL, "cpuset", "memory", NULL, NULL, "io", "pids",
};

struct MvCgroup {
    int version;
    char *path[MV_CGROUP_CONTROLLER_LAST];  /* the group's directory per controller */
    GPtrArray *dirs;                         /* the distinct directories of path[] */
};

const char *
mv_cgroup_controller_name(MvCgroupController c, int version)
{
    if ((unsigned)c >= MV_CGROUP_CONTROLLER_LAST)
        return NULL;
    return version == 2 ? v2_names[c] : v1_names[c];
}

void
mv_cgroup_layout_free(MvCgroupLayout *layout)
{
    if (!layout)
        return;
    for (int i = 0; i < MV_CGROUP_CONTROLLER_LAST; i++) {
        g_free(layout->mount[i]);
        g_free(layout->mount_root[i]);
        g_free(layout->self[i]);
    }
    g_free(layout);
}

void
mv_cgroup_free(MvCgroup *cg)
{
    if (!cg)
        return;
    for (int i = 0; i < MV_CGROUP_CONTROLLER_LAST; i++)
        g_free(cg->path[i]);
    g_ptr_array_unref(cg->dirs);
    g_free(cg);
}

const char *
mv_cgroup_path(const MvCgroup *cg, MvCgroupController c)
{
    if ((unsigned)c >= MV_CGROUP_CONTROLLER_LAST)
        return NULL;
    return cg->path[c];
}

/* ---- small file helpers ---- */

static int
read_text(const char *path, char **ret_text)
{
    return mv_file_read_small(path, CGROUP_FILE_MAX, ret_text, NULL);
}

/* Write @text to an existing control file in one write(): cgroupfs acts per write. */
static int
write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = strlen(text);
    ssize_t n;
    do {
        n = write(fd, text, len);
    } while (n < 0 && errno == EINTR);
    int err = n < 0 ? errno : ((size_t)n != len ? EIO : 0);
    if (close(fd) < 0 && !err)
        err = errno;  /* some cgroup files report their error at close */
    return -err;
}

static int
read_u64(const char *path, guint64 *ret_value)
{
    g_autofree char *text = NULL;
    int r = read_text(path, &text);
    if (r < 0)
        return r;
    g_strstrip(text);
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    if (errno || end == text || *end)
        return -EINVAL;
    *ret_value = v;
    return 0;
}

int
mv_cgroup_parse_keyed(const char *text, const char *key, guint64 *ret_value)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) kv = g_strsplit_set(*l, " \t", 2);
        if (!kv[0] || !kv[1] || strcmp(kv[0], key) != 0)
            continue;
        g_strstrip(kv[1]);
        char *end = NULL;
        errno = 0;
        guint64 v = g_ascii_strtoull(kv[1], &end, 10);
        if (errno || end == kv[1] || *end)
            return -EINVAL;
        *ret_value = v;
        return 0;
    }
    return -ENOENT;
}

/* ---- layout ---- */

/* mountinfo escapes space, tab, newline and backslash in paths as \ooo. */
static char *
unescape_mount_path(const char *s)
{
    GString *out = g_string_sized_new(strlen(s));
    for (const char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            g_string_append_c(out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
            p += 3;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

static int
controller_by_name(const char *name, int version)
{
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        const char *n = mv_cgroup_controller_name(c, version);
        if (n && strcmp(n, name) == 0)
            return c;
    }
    return -1;
}

/* Parse /proc/PID/cgroup text into a group path per controller (for @version's
 * controllers).  Lines are "hierarchy-id:controller,list:/path"; v2's is "0::/path". */
static int
parse_proc_cgroup(const char *text, int version, char *ret_paths[MV_CGROUP_CONTROLLER_LAST])
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        /* The path itself may contain ':', so split only twice. */
        g_auto(GStrv) parts = g_strsplit(*l, ":", 3);
        if (g_strv_length(parts) != 3)
            return -EINVAL;
        if (version == 2) {
            if (strcmp(parts[0], "0") != 0 || parts[1][0])
                continue;
            for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
                if (v2_names[c]) {
                    g_free(ret_paths[c]);
                    ret_paths[c] = g_strdup(parts[2]);
                }
            }
            continue;
        }
        g_auto(GStrv) ctrls = g_strsplit(parts[1], ",", -1);
        for (char **n = ctrls; *n; n++) {
            int c = controller_by_name(*n, 1);
            if (c >= 0) {
                g_free(ret_paths[c]);
                ret_paths[c] = g_strdup(parts[2]);
            }
        }
    }
    return 0;
}

int
mv_cgroup_layout_parse(const char *mountinfo, const char *proc_cgroup, const char *v2_controllers,
                       MvCgroupLayout **ret_layout)
{
    g_autoptr(MvCgroupLayout) layout = g_new0(MvCgroupLayout, 1);
    g_autofree char *v2_mount = NULL, *v2_root = NULL;
    bool any_v1 = false;

    g_auto(GStrv) lines = g_strsplit(mountinfo, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        /* "id parent maj:min root mountpoint options [optional...] - fstype source super" */
        g_auto(GStrv) f = g_strsplit(*l, " ", -1);
        guint n = g_strv_length(f);
        guint sep = 0;
        for (guint i = 6; i < n; i++) {
            if (strcmp(f[i], "-") == 0) {
                sep = i;
                break;
            }
        }
        /* fstype, source and super options follow the separator. */
        if (!sep || sep + 3 >= n)
            return -EINVAL;
        const char *fstype = f[sep + 1];
        const char *super = f[sep + 3];

        if (strcmp(fstype, "cgroup2") == 0) {
            if (!v2_mount) {
                v2_mount = unescape_mount_path(f[4]);
                v2_root = unescape_mount_path(f[3]);
            }
            continue;
        }
        if (strcmp(fstype, "cgroup") != 0)
            continue;

        g_auto(GStrv) opts = g_strsplit(super, ",", -1);
        for (char **o = opts; *o; o++) {
            int c = controller_by_name(*o, 1);
            /* The first mount of a hierarchy wins; later ones are bind mounts of it. */
            if (c < 0 || layout->mount[c])
                continue;
            layout->mount[c] = unescape_mount_path(f[4]);
            layout->mount_root[c] = unescape_mount_path(f[3]);
            any_v1 = true;
        }
    }

    if (any_v1) {
        layout->version = 1;
    } else if (v2_mount && v2_controllers) {
        layout->version = 2;
        g_auto(GStrv) names = g_strsplit_set(v2_controllers, " \n", -1);
        for (char **nm = names; *nm; nm++) {
            int c = controller_by_name(*nm, 2);
            if (c < 0)
                continue;
            layout->mount[c] = g_strdup(v2_mount);
            layout->mount_root[c] = g_strdup(v2_root);
            /* v2's cpu controller also answers for CPU accounting (cpu.stat). */
            if (c == MV_CGROUP_CPU) {
                layout->mount[MV_CGROUP_CPUACCT] = g_strdup(v2_mount);
                layout->mount_root[MV_CGROUP_CPUACCT] = g_strdup(v2_root);
            }
        }
        if (!layout->mount[MV_CGROUP_CPU] && !layout->mount[MV_CGROUP_MEMORY] &&
            !layout->mount[MV_CGROUP_PIDS])
            return -ENOENT;
    } else {
        return -ENOENT;
    }

    int r = parse_proc_cgroup(proc_cgroup, layout->version, layout->self);
    if (r < 0)
        return r;
    if (layout->version == 2 && layout->self[MV_CGROUP_CPU])
        layout->self[MV_CGROUP_CPUACCT] = g_strdup(layout->self[MV_CGROUP_CPU]);

    *ret_layout = g_steal_pointer(&layout);
    return 0;
}

int
mv_cgroup_layout_detect(MvCgroupLayout **ret_layout)
{
    g_autofree char *mountinfo = NULL, *self = NULL, *controllers = NULL;
    int r;
    if ((r = read_text("/proc/self/mountinfo", &mountinfo)) < 0 ||
        (r = read_text("/proc/self/cgroup", &self)) < 0)
        return r;

    /* First pass without v2 controllers: on a v1 or hybrid host that is the answer. */
    g_autoptr(MvCgroupLayout) layout = NULL;
    r = mv_cgroup_layout_parse(mountinfo, self, NULL, &layout);
    if (r == 0) {
        *ret_layout = g_steal_pointer(&layout);
        return 0;
    }
    if (r != -ENOENT)
        return r;

    /* No v1 controller: find the cgroup2 mount and ask its root what it offers. */
    g_autofree char *v2_mount = NULL;
    g_auto(GStrv) lines = g_strsplit(mountinfo, "\n", -1);
    for (char **l = lines; *l && !v2_mount; l++) {
        g_auto(GStrv) f = g_strsplit(*l, " ", -1);
        guint n = g_strv_length(f);
        for (guint i = 6; i + 1 < n; i++) {
            if (strcmp(f[i], "-") == 0) {
                if (strcmp(f[i + 1], "cgroup2") == 0)
                    v2_mount = unescape_mount_path(f[4]);
                break;
            }
        }
    }
    if (!v2_mount)
        return -ENOENT;
    g_autofree char *cpath = g_build_filename(v2_mount, "cgroup.controllers", NULL);
    if ((r = read_text(cpath, &controllers)) < 0)
        return r;
    return mv_cgroup_layout_parse(mountinfo, self, controllers, ret_layout);
}

/* ---- groups ---- */

/* A relative group path ("machine/vm1") is acceptable when every component is a plain
 * name: no "..", nothing empty, nothing that could name a control file's directory. */
static bool
valid_rel_path(const char *path)
{
    if (!path || !*path)
        return false;
    g_auto(GStrv) comps = g_strsplit(path, "/", -1);
    for (char **c = comps; *c; c++) {
        if (!**c || strcmp(*c, ".") == 0 || strcmp(*c, "..") == 0)
            return false;
    }
    return true;
}

/* Directory of hierarchy path @hpath ("/machine/vm1") under the mount of @c. */
static char *
fs_path(const MvCgroupLayout *layout, MvCgroupController c, const char *hpath)
{
    const char *root = layout->mount_root[c];
    const char *rel = hpath;
    /* A mount showing only a subtree: strip the part of the path above it. */
    if (root && strcmp(root, "/") != 0 && g_str_has_prefix(hpath, root) &&
        (hpath[strlen(root)] == '/' || hpath[strlen(root)] == '\0'))
        rel = hpath + strlen(root);
    return g_build_filename(layout->mount[c], rel, NULL);
}

static MvCgroup *
cgroup_new(int version)
{
    MvCgroup *cg = g_new0(MvCgroup, 1);
    cg->version = version;
    cg->dirs = g_ptr_array_new_with_free_func(g_free);
    return cg;
}

/* Fill cg->dirs from cg->path[], once per distinct directory. */
static void
collect_dirs(MvCgroup *cg)
{
    g_ptr_array_set_size(cg->dirs, 0);
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (!cg->path[c])
            continue;
        bool seen = false;
        for (guint i = 0; i < cg->dirs->len && !seen; i++)
            seen = strcmp(cg->dirs->pdata[i], cg->path[c]) == 0;
        if (!seen)
            g_ptr_array_add(cg->dirs, g_strdup(cg->path[c]));
    }
}

static bool
dir_is_cpuset(const MvCgroupLayout *layout, const char *mount)
{
    return layout->version == 1 && layout->mount[MV_CGROUP_CPUSET] &&
           strcmp(layout->mount[MV_CGROUP_CPUSET], mount) == 0;
}

/* A new v1 cpuset directory starts with empty cpus and mems and accepts no task until
 * they are set; take the level above's (unless cgroup.clone_children already did). */
static int
cpuset_inherit(const char *dir)
{
    g_autofree char *parent = g_path_get_dirname(dir);
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *src = g_build_filename(parent, files[i], NULL);
        g_autofree char *dst = g_build_filename(dir, files[i], NULL);
        g_autofree char *mine = NULL, *value = NULL;
        int r;
        if ((r = read_text(dst, &mine)) < 0)
            return r;
        if (*g_strstrip(mine))
            continue;
        if ((r = read_text(src, &value)) < 0)
            return r;
        g_strstrip(value);
        if (!*value)
            continue;  /* nothing to copy; attaching will say so */
        if ((r = write_text(dst, value)) < 0)
            return r;
    }
    return 0;
}

/* v2: let the children of @dir use our controllers, by writing "+name" for each one not
 * yet in @dir's cgroup.subtree_control. */
static int
v2_enable_subtree(const MvCgroupLayout *layout, const char *dir)
{
    g_autofree char *ctl = g_build_filename(dir, "cgroup.subtree_control", NULL);
    g_autofree char *have = NULL;
    int r = read_text(ctl, &have);
    if (r < 0)
        return r;
    g_auto(GStrv) enabled = g_strsplit_set(have, " \n", -1);
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (!v2_names[c] || !layout->mount[c] || g_strv_contains((const char *const *)enabled, v2_names[c]))
            continue;
        g_autofree char *op = g_strdup_printf("+%s", v2_names[c]);
        if ((r = write_text(ctl, op)) < 0)
            return r;
    }
    return 0;
}

/* Make the directories of @parent below @mount, keeping any that exist. */
static int
make_parents(const MvCgroupLayout *layout, const char *mount, const char *parent)
{
    g_auto(GStrv) comps = g_strsplit(parent, "/", -1);
    g_autofree char *dir = g_strdup(mount);
    for (char **c = comps; *c; c++) {
        int r;
        if (layout->version == 2 && (r = v2_enable_subtree(layout, dir)) < 0)
            return r;
        char *next = g_build_filename(dir, *c, NULL);
        g_free(dir);
        dir = next;
        if (mkdir(dir, 0755) < 0) {
            if (errno != EEXIST)
                return -errno;
            continue;
        }
        if (dir_is_cpuset(layout, mount) && (r = cpuset_inherit(dir)) < 0)
            return r;
    }
    if (layout->version == 2)
        return v2_enable_subtree(layout, dir);
    return 0;
}

static void
remove_dirs(GPtrArray *dirs)
{
    for (guint i = 0; i < dirs->len; i++)
        rmdir(dirs->pdata[i]);
}

int
mv_cgroup_create(const MvCgroupLayout *layout, const char *parent, const char *name, MvCgroup **ret_cgroup)
{
    g_autoptr(MvCgroupLayout) detected = NULL;
    if (!parent)
        parent = MV_CGROUP_DEFAULT_PARENT;
    if (!valid_rel_path(parent) || !valid_rel_path(name) || strchr(name, '/'))
        return -EINVAL;
    if (!layout) {
        int r = mv_cgroup_layout_detect(&detected);
        if (r < 0)
            return r;
        layout = detected;
    }

    g_autoptr(MvCgroup) cg = cgroup_new(layout->version);
    g_autofree char *hpath = g_strdup_printf("/%s/%s", parent, name);
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (layout->mount[c])
            cg->path[c] = fs_path(layout, c, hpath);
    }
    collect_dirs(cg);

    /* Created leaves, removed again if a later controller fails. */
    g_autoptr(GPtrArray) made = g_ptr_array_new();
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        const char *dir = cg->path[c];
        if (!dir || g_ptr_array_find_with_equal_func(made, dir, g_str_equal, NULL))
            continue;
        int r = make_parents(layout, layout->mount[c], parent);
        if (r == 0 && mkdir(dir, 0755) < 0)
            r = -errno;
        if (r == 0) {
            g_ptr_array_add(made, (char *)dir);
            if (dir_is_cpuset(layout, layout->mount[c]))
                r = cpuset_inherit(dir);
        }
        if (r < 0) {
            remove_dirs(made);
            return r;
        }
    }

    *ret_cgroup = g_steal_pointer(&cg);
    return 0;
}

int
mv_cgroup_open(const MvCgroupLayout *layout, const char *parent, const char *name, pid_t pid,
               MvCgroup **ret_cgroup)
{
    g_autoptr(MvCgroupLayout) detected = NULL;
    if (!parent)
        parent = MV_CGROUP_DEFAULT_PARENT;
    if (!valid_rel_path(parent) || !valid_rel_path(name) || strchr(name, '/'))
        return -EINVAL;
    if (!layout) {
        int r = mv_cgroup_layout_detect(&detected);
        if (r < 0)
            return r;
        layout = detected;
    }

    char *placed[MV_CGROUP_CONTROLLER_LAST] = { NULL };
    if (pid > 0) {
        g_autofree char *ppath = g_strdup_printf("/proc/%d/cgroup", (int)pid);
        g_autofree char *text = NULL;
        int r = read_text(ppath, &text);
        if (r < 0)
            return r == -ENOENT ? -ESRCH : r;
        if ((r = parse_proc_cgroup(text, layout->version, placed)) < 0)
            return r;
    }

    g_autoptr(MvCgroup) cg = cgroup_new(layout->version);
    g_autofree char *suffix = g_strdup_printf("/%s/%s", parent, name);
    bool pid_matched = false;
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (!layout->mount[c])
            continue;
        g_autofree char *dir = NULL;
        if (placed[c] && g_str_has_suffix(placed[c], suffix)) {
            dir = fs_path(layout, c, placed[c]);
            pid_matched = true;
        } else {
            dir = fs_path(layout, c, suffix);
        }
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            cg->path[c] = g_steal_pointer(&dir);
    }
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++)
        g_free(placed[c]);

    collect_dirs(cg);
    if (cg->dirs->len == 0 || (pid > 0 && !pid_matched))
        return -ENOENT;
    *ret_cgroup = g_steal_pointer(&cg);
    return 0;
}

int
mv_cgroup_add_process(MvCgroup *cg, pid_t pid)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)pid);
    for (guint i = 0; i < cg->dirs->len; i++) {
        g_autofree char *procs = g_build_filename(cg->dirs->pdata[i], "cgroup.procs", NULL);
        int r = write_text(procs, text);
        if (r < 0)
            return r;
    }
    return 0;
}

int
mv_cgroup_set_value(MvCgroup *cg, MvCgroupController c, const char *file, const char *value)
{
    const char *dir = mv_cgroup_path(cg, c);
    if (!dir)
        return -ENOTSUP;
    g_autofree char *path = g_build_filename(dir, file, NULL);
    return write_text(path, value);
}

int
mv_cgroup_get_value(MvCgroup *cg, MvCgroupController c, const char *file, char **ret_value)
{
    const char *dir = mv_cgroup_path(cg, c);
    if (!dir)
        return -ENOTSUP;
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autofree char *text = NULL;
    int r = read_text(path, &text);
    if (r < 0)
        return r;
    *ret_value = g_strstrip(g_steal_pointer(&text));
    return 0;
}

GStrv
mv_cgroup_join_files(const MvCgroup *cg)
{
    /* v1 "tasks" rather than "cgroup.procs": the kernel moves a single thread writing "0"
     * (itself) without taking its global threadgroup lock, whose first write lock after a
     * quiet spell waits for an RCU grace period (10-15 ms measured per move).  v2 has no
     * such cheap file for a domain group: cgroup.threads only moves threads within one
     * threaded subtree. */
    const char *file = cg->version == 2 ? "cgroup.procs" : "tasks";
    GStrv files = g_new0(char *, cg->dirs->len + 1);
    for (guint i = 0; i < cg->dirs->len; i++)
        files[i] = g_build_filename(cg->dirs->pdata[i], file, NULL);
    return files;
}

int
mv_cgroup_join_self(const char *const *files)
{
    for (const char *const *f = files; *f; f++) {
        int fd = open(*f, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        ssize_t n;
        do {
            n = write(fd, "0", 1);
        } while (n < 0 && errno == EINTR);
        int err = n < 0 ? errno : (n != 1 ? EIO : 0);
        if (close(fd) < 0 && !err)
            err = errno;
        if (err)
            return -err;
    }
    return 0;
}

int
mv_cgroup_get_cpu_stat(MvCgroup *cg, MvCgroupCpuStat *ret_stat)
{
    const char *dir = cg->path[cg->version == 2 ? MV_CGROUP_CPU : MV_CGROUP_CPUACCT];
    if (!dir)
        return -ENOTSUP;
    MvCgroupCpuStat st = { 0 };
    int r;

    if (cg->version == 2) {
        g_autofree char *path = g_build_filename(dir, "cpu.stat", NULL);
        g_autofree char *text = NULL;
        guint64 usage, user, sys;
        if ((r = read_text(path, &text)) < 0 ||
            (r = mv_cgroup_parse_keyed(text, "usage_usec", &usage)) < 0 ||
            (r = mv_cgroup_parse_keyed(text, "user_usec", &user)) < 0 ||
            (r = mv_cgroup_parse_keyed(text, "system_usec", &sys)) < 0)
            return r;
        st.usage_ns = usage * 1000;
        st.user_ns = user * 1000;
        st.system_ns = sys * 1000;
    } else {
        g_autofree char *upath = g_build_filename(dir, "cpuacct.usage", NULL);
        g_autofree char *spath = g_build_filename(dir, "cpuacct.stat", NULL);
        g_autofree char *text = NULL;
        guint64 user, sys;
        if ((r = read_u64(upath, &st.usage_ns)) < 0 ||
            (r = read_text(spath, &text)) < 0 ||
            (r = mv_cgroup_parse_keyed(text, "user", &user)) < 0 ||
            (r = mv_cgroup_parse_keyed(text, "system", &sys)) < 0)
            return r;
        /* cpuacct.stat counts USER_HZ ticks (sysconf's clock tick, 100 on Linux). */
        long hz = sysconf(_SC_CLK_TCK);
        if (hz <= 0)
            hz = 100;
        st.user_ns = user * (G_GUINT64_CONSTANT(1000000000) / (guint64)hz);
        st.system_ns = sys * (G_GUINT64_CONSTANT(1000000000) / (guint64)hz);
    }
    *ret_stat = st;
    return 0;
}

int
mv_cgroup_get_memory_usage(MvCgroup *cg, guint64 *ret_bytes)
{
    const char *dir = cg->path[MV_CGROUP_MEMORY];
    if (!dir)
        return -ENOTSUP;
    g_autofree char *path =
        g_build_filename(dir, cg->version == 2 ? "memory.current" : "memory.usage_in_bytes", NULL);
    return read_u64(path, ret_bytes);
}

bool
mv_cgroup_has_processes(MvCgroup *cg)
{
    for (guint i = 0; i < cg->dirs->len; i++) {
        g_autofree char *procs = g_build_filename(cg->dirs->pdata[i], "cgroup.procs", NULL);
        g_autofree char *text = NULL;
        if (read_text(procs, &text) == 0 && *g_strstrip(text))
            return true;
    }
    return false;
}

int
mv_cgroup_remove(MvCgroup *cg)
{
    int ret = 0;
    gint64 deadline = g_get_monotonic_time() + (gint64)MV_CGROUP_REMOVE_WAIT_MS * 1000;
    for (guint i = 0; i < cg->dirs->len; i++) {
        const char *dir = cg->dirs->pdata[i];
        for (;;) {
            if (rmdir(dir) == 0 || errno == ENOENT)
                break;
            if (errno != EBUSY || g_get_monotonic_time() >= deadline) {
                if (!ret)
                    ret = -errno;
                break;
            }
            g_usleep(CGROUP_REMOVE_RETRY_MS * 1000);
        }
    }
    return ret;
}
