// SPDX-License-Identifier: LGPL-2.1-or-later
// Cgroup layout detection on captured /proc/self/mountinfo + /proc/self/cgroup texts
// (tests/data/cgroup: this host's v1 hybrid with cpu and cpuacct apart, a systemd v1 host
// with "cpu,cpuacct" joined, a pure v2 host, a container's subtree view), the stat
// parsers, and, as root, a real group on this host: create, place a busy child, read its
// accounting, remove; and a forked child joining a group by itself.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/util-cgroup.h"

static char *
load(const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "cgroup", name, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;
    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}

static MvCgroupLayout *
parse_case(const char *base, bool with_controllers)
{
    g_autofree char *mi_name = g_strdup_printf("%s.mountinfo", base);
    g_autofree char *cg_name = g_strdup_printf("%s.cgroup", base);
    g_autofree char *ct_name = g_strdup_printf("%s.controllers", base);
    g_autofree char *mi = load(mi_name), *cg = load(cg_name);
    g_autofree char *ct = with_controllers ? load(ct_name) : NULL;
    MvCgroupLayout *layout = NULL;
    g_assert_cmpint(mv_cgroup_layout_parse(mi, cg, ct, &layout), ==, 0);
    return layout;
}

static void
test_layout_v1_hybrid(void)
{
    g_autoptr(MvCgroupLayout) l = parse_case("v1-hybrid", false);
    g_assert_cmpint(l->version, ==, 1);
    /* Separate mounts: cpu and cpuacct must not be assumed joined. */
    g_assert_cmpstr(l->mount[MV_CGROUP_CPU], ==, "/sys/fs/cgroup/cpu");
    g_assert_cmpstr(l->mount[MV_CGROUP_CPUACCT], ==, "/sys/fs/cgroup/cpuacct");
    g_assert_cmpstr(l->mount[MV_CGROUP_CPUSET], ==, "/sys/fs/cgroup/cpuset");
    g_assert_cmpstr(l->mount[MV_CGROUP_MEMORY], ==, "/sys/fs/cgroup/memory");
    g_assert_cmpstr(l->mount[MV_CGROUP_DEVICES], ==, "/sys/fs/cgroup/devices");
    g_assert_cmpstr(l->mount[MV_CGROUP_FREEZER], ==, "/sys/fs/cgroup/freezer");
    g_assert_cmpstr(l->mount[MV_CGROUP_BLKIO], ==, "/sys/fs/cgroup/blkio");
    g_assert_cmpstr(l->mount[MV_CGROUP_PIDS], ==, "/sys/fs/cgroup/pids");
    g_assert_cmpstr(l->mount_root[MV_CGROUP_CPU], ==, "/");
    /* Our own placement, including the child memory group we may sit in. */
    g_assert_cmpstr(l->self[MV_CGROUP_CPU], ==, "/");
    g_assert_cmpstr(l->self[MV_CGROUP_MEMORY], ==, "/process_api/2c9d789ad9a07b3e2c5fbc25c1eb06b3");
}

static void
test_layout_v1_joined(void)
{
    g_autoptr(MvCgroupLayout) l = parse_case("v1-joined", false);
    g_assert_cmpint(l->version, ==, 1);
    g_assert_cmpstr(l->mount[MV_CGROUP_CPU], ==, "/sys/fs/cgroup/cpu,cpuacct");
    g_assert_cmpstr(l->mount[MV_CGROUP_CPUACCT], ==, "/sys/fs/cgroup/cpu,cpuacct");
    /* The later bind mount of the same hierarchy does not replace the first. */
    g_assert_cmpstr(l->mount_root[MV_CGROUP_CPU], ==, "/");
    g_assert_cmpstr(l->mount[MV_CGROUP_MEMORY], ==, "/sys/fs/cgroup/memory");
    g_assert_cmpstr(l->self[MV_CGROUP_CPU], ==, "/system.slice/virtqemud.service");
    g_assert_cmpstr(l->self[MV_CGROUP_CPUACCT], ==, "/system.slice/virtqemud.service");
    g_assert_cmpstr(l->self[MV_CGROUP_CPUSET], ==, "/");
    g_assert_cmpstr(mv_cgroup_controller_name(MV_CGROUP_BLKIO, 1), ==, "blkio");
}

static void
test_layout_v2(void)
{
    g_autoptr(MvCgroupLayout) l = parse_case("v2", true);
    g_assert_cmpint(l->version, ==, 2);
    g_assert_cmpstr(l->mount[MV_CGROUP_CPU], ==, "/sys/fs/cgroup");
    g_assert_cmpstr(l->mount[MV_CGROUP_CPUACCT], ==, "/sys/fs/cgroup");
    g_assert_cmpstr(l->mount[MV_CGROUP_MEMORY], ==, "/sys/fs/cgroup");
    g_assert_cmpstr(l->mount[MV_CGROUP_PIDS], ==, "/sys/fs/cgroup");
    g_assert_cmpstr(l->mount[MV_CGROUP_BLKIO], ==, "/sys/fs/cgroup");
    g_assert_cmpstr(l->mount[MV_CGROUP_CPUSET], ==, "/sys/fs/cgroup");
    g_assert_null(l->mount[MV_CGROUP_DEVICES]);
    g_assert_null(l->mount[MV_CGROUP_FREEZER]);
    g_assert_cmpstr(l->self[MV_CGROUP_MEMORY], ==, "/system.slice/virtqemud.service");
    g_assert_cmpstr(l->self[MV_CGROUP_CPUACCT], ==, "/system.slice/virtqemud.service");
    g_assert_cmpstr(mv_cgroup_controller_name(MV_CGROUP_BLKIO, 2), ==, "io");

    /* A cgroup2 mount offering no controllers accounts nothing: no layout. */
    g_autofree char *mi = load("v2.mountinfo"), *cg = load("v2.cgroup");
    MvCgroupLayout *none = NULL;
    g_assert_cmpint(mv_cgroup_layout_parse(mi, cg, NULL, &none), ==, -ENOENT);
    g_assert_cmpint(mv_cgroup_layout_parse(mi, cg, "hugetlb\n", &none), ==, -ENOENT);
    g_assert_null(none);
}

static void
test_layout_container(void)
{
    g_autoptr(MvCgroupLayout) l = parse_case("v1-container", false);
    g_assert_cmpint(l->version, ==, 1);
    /* \040 in mountinfo is a space. */
    g_assert_cmpstr(l->mount[MV_CGROUP_CPU], ==, "/sys/fs/cgroup/cpu acct");
    g_assert_cmpstr(l->mount_root[MV_CGROUP_CPU], ==, "/lxc/ct 1");
    g_assert_cmpstr(l->self[MV_CGROUP_MEMORY], ==, "/lxc/ct 1/init.scope");
    g_assert_null(l->mount[MV_CGROUP_PIDS]);
}

static void
test_layout_bad(void)
{
    MvCgroupLayout *l = NULL;
    g_assert_cmpint(mv_cgroup_layout_parse("1 2 3\n", "", NULL, &l), ==, -EINVAL);
    g_assert_cmpint(mv_cgroup_layout_parse("", "", NULL, &l), ==, -ENOENT);
    g_autofree char *mi = load("v1-hybrid.mountinfo");
    g_assert_cmpint(mv_cgroup_layout_parse(mi, "garbage-without-colons\n", NULL, &l), ==, -EINVAL);
    g_assert_null(l);
}

static void
test_keyed(void)
{
    g_autofree char *v1 = load("v1-cpuacct.stat"), *v2 = load("v2-cpu.stat");
    guint64 v = 0;
    g_assert_cmpint(mv_cgroup_parse_keyed(v1, "user", &v), ==, 0);
    g_assert_cmpuint(v, ==, 250);
    g_assert_cmpint(mv_cgroup_parse_keyed(v1, "system", &v), ==, 0);
    g_assert_cmpuint(v, ==, 75);
    g_assert_cmpint(mv_cgroup_parse_keyed(v2, "usage_usec", &v), ==, 0);
    g_assert_cmpuint(v, ==, 123456);
    g_assert_cmpint(mv_cgroup_parse_keyed(v2, "system_usec", &v), ==, 0);
    g_assert_cmpuint(v, ==, 23456);
    g_assert_cmpint(mv_cgroup_parse_keyed(v2, "nothing", &v), ==, -ENOENT);
    g_assert_cmpint(mv_cgroup_parse_keyed("user x\n", "user", &v), ==, -EINVAL);
}

/* ---- for real, as root ---- */

static bool
can_run_real(MvCgroupLayout **ret_layout)
{
    if (geteuid() != 0) {
        g_test_skip("needs root to create cgroups");
        return false;
    }
    if (mv_cgroup_layout_detect(ret_layout) < 0) {
        g_test_skip("no usable cgroup layout on this host");
        return false;
    }
    return true;
}

/* A child that waits for "go", burns CPU for @spin_ms, touches @touch_mib MiB, reports
 * "d" and sleeps until killed. */
static pid_t
start_worker(int *ret_go_fd, int *ret_done_fd, unsigned spin_ms, unsigned touch_mib)
{
    int go[2], done[2];
    g_assert_cmpint(pipe2(go, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(done, O_CLOEXEC), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        /* A failed assertion must not leave it running (and holding the test's output). */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        /* Spin on CPU time, not wall time: on a busy host a wall-clock spin gets only a
         * share of the CPU, and the group would account less than the test expects. */
        volatile guint64 x = 0;
        for (;;) {
            struct timespec ts;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
            if ((guint64)ts.tv_sec * 1000 + (guint64)ts.tv_nsec / 1000000 >= spin_ms)
                break;
            x++;
        }
        size_t len = (size_t)touch_mib << 20;
        /* volatile: the compiler may not drop writes nobody reads. */
        volatile char *mem = malloc(len);
        for (size_t off = 0; mem && off < len; off += 4096)
            mem[off] = 1;
        if (write(done[1], "d", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(go[0]);
    close(done[1]);
    *ret_go_fd = go[1];
    *ret_done_fd = done[0];
    return pid;
}

static void
reap(pid_t pid)
{
    kill(pid, SIGKILL);
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
}

static bool
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
test_real(void)
{
    g_autoptr(MvCgroupLayout) layout = NULL;
    if (!can_run_real(&layout))
        return;

    /* A parent of our own, so the test leaves nothing behind even where "machine" is
     * somebody else's (an installed libvirtd). */
    g_autofree char *parent = g_strdup_printf("modvirt-test-%d", (int)getpid());
    g_autoptr(MvCgroup) cg = NULL;
    g_assert_cmpint(mv_cgroup_create(layout, parent, "vm1", &cg), ==, 0);

    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (layout->mount[c])
            g_assert_true(is_dir(mv_cgroup_path(cg, c)));
    }
    if (layout->version == 1 && layout->mount[MV_CGROUP_CPU] && layout->mount[MV_CGROUP_CPUACCT] &&
        strcmp(layout->mount[MV_CGROUP_CPU], layout->mount[MV_CGROUP_CPUACCT]) != 0)
        g_assert_cmpstr(mv_cgroup_path(cg, MV_CGROUP_CPU), !=, mv_cgroup_path(cg, MV_CGROUP_CPUACCT));

    /* Taken names are refused, not adopted. */
    MvCgroup *again = NULL;
    g_assert_cmpint(mv_cgroup_create(layout, parent, "vm1", &again), ==, -EEXIST);
    g_assert_null(again);
    g_assert_true(is_dir(mv_cgroup_path(cg, MV_CGROUP_MEMORY)));
    g_assert_cmpint(mv_cgroup_create(layout, parent, "../escape", &again), ==, -EINVAL);

    int go, done;
    pid_t pid = start_worker(&go, &done, 300, 8);
    g_assert_cmpint(mv_cgroup_add_process(cg, pid), ==, 0);
    g_assert_true(mv_cgroup_has_processes(cg));

    /* /proc/PID/cgroup names the group in every controller. */
    g_autofree char *procpath = g_strdup_printf("/proc/%d/cgroup", (int)pid);
    g_autofree char *placement = NULL;
    g_assert_true(g_file_get_contents(procpath, &placement, NULL, NULL));
    g_autofree char *want = g_strdup_printf("/%s/vm1\n", parent);
    g_assert_nonnull(strstr(placement, want));
    if (layout->version == 1) {
        g_autofree char *cpu_line = g_strdup_printf(":cpu:/%s/vm1\n", parent);
        g_autofree char *acct_line = g_strdup_printf(":cpuacct:/%s/vm1\n", parent);
        g_autofree char *mem_line = g_strdup_printf(":memory:/%s/vm1\n", parent);
        const char *cpu = layout->mount[MV_CGROUP_CPU], *acct = layout->mount[MV_CGROUP_CPUACCT];
        if (cpu && acct && strcmp(cpu, acct) != 0) {
            g_assert_nonnull(strstr(placement, cpu_line));
            g_assert_nonnull(strstr(placement, acct_line));
        }
        g_assert_nonnull(strstr(placement, mem_line));
    }

    MvCgroupCpuStat before = { 0 }, after = { 0 };
    g_assert_cmpint(mv_cgroup_get_cpu_stat(cg, &before), ==, 0);
    g_assert_cmpint(write(go, "g", 1), ==, 1);
    char c;
    g_assert_cmpint(read(done, &c, 1), ==, 1);
    g_assert_cmpint(mv_cgroup_get_cpu_stat(cg, &after), ==, 0);
    g_test_message("cpu usage %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " ns (user %" G_GUINT64_FORMAT
                   ", system %" G_GUINT64_FORMAT ")",
                   before.usage_ns, after.usage_ns, after.user_ns, after.system_ns);
    /* 300 ms of CPU time spent in the group (the worker counts its own CPU time). */
    g_assert_cmpuint(after.usage_ns - before.usage_ns, >=, 250 * G_GUINT64_CONSTANT(1000000));
    g_assert_cmpuint(after.user_ns + after.system_ns, >, 0);

    guint64 mem = 0;
    g_assert_cmpint(mv_cgroup_get_memory_usage(cg, &mem), ==, 0);
    g_test_message("memory usage %" G_GUINT64_FORMAT " bytes", mem);
    g_assert_cmpuint(mem, >=, 8u << 20);

    /* Reattach by name, and by where the process sits. */
    g_autoptr(MvCgroup) byname = NULL, bypid = NULL;
    g_assert_cmpint(mv_cgroup_open(layout, parent, "vm1", 0, &byname), ==, 0);
    g_assert_cmpint(mv_cgroup_open(layout, parent, "vm1", pid, &bypid), ==, 0);
    g_assert_cmpstr(mv_cgroup_path(bypid, MV_CGROUP_MEMORY), ==, mv_cgroup_path(cg, MV_CGROUP_MEMORY));
    MvCgroup *other = NULL;
    g_assert_cmpint(mv_cgroup_open(layout, parent, "vm1", getpid(), &other), ==, -ENOENT);
    g_assert_cmpint(mv_cgroup_open(layout, parent, "nope", 0, &other), ==, -ENOENT);

    /* Busy while the child lives; removable once it is gone. */
    g_assert_cmpint(mv_cgroup_remove(cg), ==, -EBUSY);
    reap(pid);
    close(go);
    close(done);
    g_assert_false(mv_cgroup_has_processes(cg));
    g_assert_cmpint(mv_cgroup_remove(cg), ==, 0);
    for (int i = 0; i < MV_CGROUP_CONTROLLER_LAST; i++) {
        if (mv_cgroup_path(cg, i))
            g_assert_false(is_dir(mv_cgroup_path(cg, i)));
    }
    /* Removing twice is fine; the parent stays (shared) until we clean it up here. */
    g_assert_cmpint(mv_cgroup_remove(byname), ==, 0);
    for (int i = 0; i < MV_CGROUP_CONTROLLER_LAST; i++) {
        if (!layout->mount[i])
            continue;
        g_autofree char *pdir = g_build_filename(layout->mount[i], parent, NULL);
        g_assert_true(is_dir(pdir) || errno == ENOENT);
        rmdir(pdir);
    }
}

/* A forked child joins the group by itself, as QEMU does before exec: the whole process
 * lands in the group in every controller, and a failure comes back as -errno. */
static void
test_join_self(void)
{
    g_autoptr(MvCgroupLayout) layout = NULL;
    if (!can_run_real(&layout))
        return;
    g_autofree char *parent = g_strdup_printf("modvirt-test-join-%d", (int)getpid());
    g_autoptr(MvCgroup) cg = NULL;
    g_assert_cmpint(mv_cgroup_create(layout, parent, "vm1", &cg), ==, 0);
    g_auto(GStrv) files = mv_cgroup_join_files(cg);
    g_assert_cmpuint(g_strv_length(files), >, 0);
    for (char **f = files; *f; f++)
        g_assert_true(g_str_has_suffix(*f, layout->version == 2 ? "/cgroup.procs" : "/tasks"));

    int res[2];
    g_assert_cmpint(pipe2(res, O_CLOEXEC), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        int r = mv_cgroup_join_self((const char *const *)files);
        if (write(res[1], &r, sizeof(r)) != sizeof(r))
            _exit(1);
        for (;;)
            pause();
    }
    close(res[1]);
    int r = -1;
    g_assert_cmpint(read(res[0], &r, sizeof(r)), ==, sizeof(r));
    close(res[0]);
    g_assert_cmpint(r, ==, 0);

    g_autofree char *procpath = g_strdup_printf("/proc/%d/cgroup", (int)pid);
    g_autofree char *placement = NULL;
    g_assert_true(g_file_get_contents(procpath, &placement, NULL, NULL));
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        const char *name = mv_cgroup_controller_name(c, layout->version);
        if (!layout->mount[c] || !name)
            continue;
        g_autofree char *line = layout->version == 2 ? g_strdup_printf("0::/%s/vm1\n", parent)
                                                     : g_strdup_printf(":%s:/%s/vm1\n", name, parent);
        g_assert_nonnull(strstr(placement, line));
    }
    g_assert_true(mv_cgroup_has_processes(cg));
    reap(pid);

    /* A control file that is not there: the errno of the open. */
    const char *const missing[] = { "/nonexistent/cgroup/tasks", NULL };
    g_assert_cmpint(mv_cgroup_join_self(missing), ==, -ENOENT);

    g_assert_cmpint(mv_cgroup_remove(cg), ==, 0);
    for (int i = 0; i < MV_CGROUP_CONTROLLER_LAST; i++) {
        if (!layout->mount[i])
            continue;
        g_autofree char *pdir = g_build_filename(layout->mount[i], parent, NULL);
        rmdir(pdir);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cgroup/layout/v1-hybrid", test_layout_v1_hybrid);
    g_test_add_func("/cgroup/layout/v1-joined", test_layout_v1_joined);
    g_test_add_func("/cgroup/layout/v2", test_layout_v2);
    g_test_add_func("/cgroup/layout/container", test_layout_container);
    g_test_add_func("/cgroup/layout/bad", test_layout_bad);
    g_test_add_func("/cgroup/keyed", test_keyed);
    g_test_add_func("/cgroup/real", test_real);
    g_test_add_func("/cgroup/join-self", test_join_self);
    return g_test_run();
}
