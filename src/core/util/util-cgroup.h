// SPDX-License-Identifier: LGPL-2.1-or-later
// Guest cgroups: detect the host's layout (v1 with one mount per controller, cpu and
// cpuacct apart or joined; or v2 with controllers), create a group per guest under a
// parent, move processes into it, read its CPU and memory accounting, and remove it.
// Limits (shares, quotas) and the stats sampler are left to callers.  Errors are -errno.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* The controllers we place guests in.  In v2, cpuacct is served by cpu (cpu.stat) and
 * blkio is called io; devices and freezer are not controllers there (BPF and
 * cgroup.freeze) and are simply absent. */
typedef enum {
    MV_CGROUP_CPU,
    MV_CGROUP_CPUACCT,
    MV_CGROUP_CPUSET,
    MV_CGROUP_MEMORY,
    MV_CGROUP_DEVICES,
    MV_CGROUP_FREEZER,
    MV_CGROUP_BLKIO,
    MV_CGROUP_PIDS,
    MV_CGROUP_CONTROLLER_LAST
} MvCgroupController;

/* v1 or v2 name of @c ("blkio" in v1 is "io" in v2). */
const char *mv_cgroup_controller_name(MvCgroupController c, int version);

/* Where the controllers live, as seen by this process.  Hybrid hosts (v1 controllers plus
 * an empty cgroup2 "unified" mount) are version 1: a v2 hierarchy without controllers
 * can account and limit nothing. */
typedef struct {
    int version;                                 /* 1 or 2 */
    /* v1: mount point of each controller's hierarchy, NULL when not mounted; joined
     * controllers ("cpu,cpuacct") share one mount.  v2: every available controller points
     * at the cgroup2 mount. */
    char *mount[MV_CGROUP_CONTROLLER_LAST];
    /* The path the mount's root directory stands for within its hierarchy ("/" normally;
     * more inside a container that sees only a subtree). */
    char *mount_root[MV_CGROUP_CONTROLLER_LAST];
    /* This process's own group per controller, from /proc/self/cgroup. */
    char *self[MV_CGROUP_CONTROLLER_LAST];
} MvCgroupLayout;

void mv_cgroup_layout_free(MvCgroupLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvCgroupLayout, mv_cgroup_layout_free)

/* Build a layout from the text of /proc/self/mountinfo and /proc/self/cgroup.
 * @v2_controllers is the content of the cgroup2 root's cgroup.controllers ("cpu io memory
 * pids"), consulted only when there is no v1 controller; NULL there means "none".
 * Returns 0, -ENOENT when neither v1 controllers nor a v2 mount with controllers exist, or
 * -EINVAL for text we cannot parse. */
int mv_cgroup_layout_parse(const char *mountinfo, const char *proc_cgroup, const char *v2_controllers,
                           MvCgroupLayout **ret_layout);

/* Detect the layout of this host by reading /proc/self/mountinfo, /proc/self/cgroup and,
 * for v2, the root's cgroup.controllers.  Returns 0 or -errno like mv_cgroup_layout_parse. */
int mv_cgroup_layout_detect(MvCgroupLayout **ret_layout);

/* Default parent group: guests go to <mount>/machine/<name> in every controller, like
 * libvirt's machine partition.  Parents are paths from the hierarchy's root, not from the
 * daemon's own group: a guest must not live inside its daemon's group, where a service
 * manager stopping the daemon would kill it too. */
#define MV_CGROUP_DEFAULT_PARENT "machine"

typedef struct MvCgroup MvCgroup;

/* Create the group @parent/@name (@parent NULL: MV_CGROUP_DEFAULT_PARENT; it may hold
 * several components) in every controller of @layout (NULL: detect).  Missing parents are
 * created and left in place on removal (other guests share them); in v1 cpuset, cpus and
 * mems are copied down from the level above into every directory we create, since an empty
 * cpuset accepts no tasks; in v2 the controllers are enabled in each level's
 * cgroup.subtree_control.  A group @name that already exists is refused with -EEXIST
 * (it is not ours to take).  On failure the group is removed again from the controllers
 * where we made it; parents we made stay, like on removal.
 * Free the handle with mv_cgroup_free(), which does not remove the group. */
int mv_cgroup_create(const MvCgroupLayout *layout, const char *parent, const char *name,
                     MvCgroup **ret_cgroup);

/* Reattach to an existing group @parent/@name that we created earlier (e.g. before a
 * daemon restart).  When @pid > 0 the group is taken from where @pid actually sits
 * (/proc/PID/cgroup) and must end in @parent/@name, so a daemon that moved cgroups
 * between runs still finds its guests.  Controllers where the group is missing are
 * skipped.  Returns 0, -ENOENT when the group exists in no controller (or @pid is not in
 * it), or another -errno. */
int mv_cgroup_open(const MvCgroupLayout *layout, const char *parent, const char *name, pid_t pid,
                   MvCgroup **ret_cgroup);

void mv_cgroup_free(MvCgroup *cg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvCgroup, mv_cgroup_free)

/* The group's directory for controller @c, NULL when it has none there. */
const char *mv_cgroup_path(const MvCgroup *cg, MvCgroupController c);

/* Move the whole process @pid (all its threads) into the group in every controller.
 * Returns 0 or -errno of the first write that failed. */
int mv_cgroup_add_process(MvCgroup *cg, pid_t pid);

/* Write @value to control file @file (a v1 or v2 name, the caller picks) in the group's
 * directory for controller @c: limits (memory.limit_in_bytes, cpu.cfs_quota_us) and the
 * freezer state.  Returns 0, -ENOTSUP when the group has no such controller, or -errno of
 * the write (the kernel's verdict on the value). */
int mv_cgroup_set_value(MvCgroup *cg, MvCgroupController c, const char *file, const char *value);
/* Read control file @file like mv_cgroup_set_value writes it; *ret_value is stripped of
 * surrounding white space (caller frees). */
int mv_cgroup_get_value(MvCgroup *cg, MvCgroupController c, const char *file, char **ret_value);

/* The control files through which a process joins @cg by itself (see mv_cgroup_join_self),
 * one per distinct directory: "tasks" in v1, "cgroup.procs" in v2.  Free with g_strfreev(). */
GStrv mv_cgroup_join_files(const MvCgroup *cg);

/* Move the calling process into the group by writing "0" to each of @files (from
 * mv_cgroup_join_files), for a child between fork and exec: async-signal-safe (open, write
 * and close only).  In v1 this moves the calling thread alone, so the caller must be
 * single-threaded (a freshly forked child is); threads it creates later, and the program it
 * execs, inherit the group.  Returns 0 or -errno of the first write that failed; the groups
 * joined before it stay joined. */
int mv_cgroup_join_self(const char *const *files);

/* CPU time used by the group's tasks, in nanoseconds.  v1: cpuacct.usage (exact) and
 * cpuacct.stat (user/system, USER_HZ ticks scaled to ns); v2: cpu.stat usage_usec,
 * user_usec, system_usec scaled to ns. */
typedef struct {
    guint64 usage_ns;
    guint64 user_ns;
    guint64 system_ns;
} MvCgroupCpuStat;

/* Returns 0, -ENOTSUP without a cpuacct (v1) / cpu (v2) group, or -errno. */
int mv_cgroup_get_cpu_stat(MvCgroup *cg, MvCgroupCpuStat *ret_stat);

/* Memory charged to the group in bytes (v1 memory.usage_in_bytes, v2 memory.current).
 * Returns 0, -ENOTSUP without a memory group, or -errno. */
int mv_cgroup_get_memory_usage(MvCgroup *cg, guint64 *ret_bytes);

/* True when a process is still in the group (any controller). */
bool mv_cgroup_has_processes(MvCgroup *cg);

/* Remove the group from every controller.  Tasks that just exited may hold it busy for a
 * moment, so EBUSY is retried for up to MV_CGROUP_REMOVE_WAIT_MS.  Parents stay.
 * Returns 0 (also when already gone) or the first -errno (-EBUSY: live tasks remain). */
int mv_cgroup_remove(MvCgroup *cg);

/* How long mv_cgroup_remove() retries a busy group: exit of the last task and its removal
 * from the group are not one atomic step, but take well under a second. */
#define MV_CGROUP_REMOVE_WAIT_MS 1000

/* Parse cpuacct.stat / cpu.stat style "key value" lines; exposed for tests.  Returns 0 and
 * the value of @key, or -ENOENT / -EINVAL. */
int mv_cgroup_parse_keyed(const char *text, const char *key, guint64 *ret_value);
