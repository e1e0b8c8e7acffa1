// SPDX-License-Identifier: LGPL-2.1-or-later
// Real containers through lxc-process and modvirt-lxc-controller: a busybox root built
// here, an init script that writes markers into the root's /tmp; init is PID 1, the
// hostname is the container's name, /proc shows only its processes, the memory limit
// kills an allocation beyond it, an id map makes uid 0 inside 100000 outside, and bad
// input (no root, init not executable, overlapping id map) is a clear error that leaves
// no cgroup, socket or mount behind.

#include "lxc-process.h"
#include "lxc-controller.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUSYBOX "/bin/busybox"
/* How long a marker may take to appear: container start is well under a second. */
#define MARKER_WAIT_MS 10000

static char *tmpdir;
static char *rootdir;

static const char init_script[] =
    "#!/bin/sh\n"
    "trap 'echo bye > /tmp/bye; exit 0' TERM\n"
    "echo \"pid=$$ host=$(hostname)\" > /tmp/marker.tmp\n"
    "ls -d /proc/[0-9]* | wc -l > /tmp/procs\n"
    "mv /tmp/marker.tmp /tmp/marker\n"
    "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo $? > /tmp/alloc.tmp\n"
    "mv /tmp/alloc.tmp /tmp/alloc\n"
    "while true; do sleep 1; done\n";

static void
build_root(void)
{
    const char *dirs[] = { "bin", "tmp", "etc" };
    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *d = g_build_filename(rootdir, dirs[i], NULL);
        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
    }
    g_autofree char *tmp = g_build_filename(rootdir, "tmp", NULL);
    g_assert_cmpint(chmod(tmp, 01777), ==, 0);
    g_autofree char *bb = g_build_filename(rootdir, "bin", "busybox", NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(BUSYBOX, &data, &len, NULL));
    g_assert_true(g_file_set_contents(bb, data, (gssize)len, NULL));
    g_assert_cmpint(chmod(bb, 0755), ==, 0);
    const char *applets[] = { "sh", "echo", "hostname", "ls", "wc", "mv", "dd", "sleep", "cat", "id" };
    for (size_t i = 0; i < G_N_ELEMENTS(applets); i++) {
        g_autofree char *l = g_build_filename(rootdir, "bin", applets[i], NULL);
        g_assert_cmpint(symlink("busybox", l), ==, 0);
    }
    g_autofree char *init = g_build_filename(rootdir, "bin", "ctinit", NULL);
    g_assert_true(g_file_set_contents(init, init_script, -1, NULL));
    g_assert_cmpint(chmod(init, 0755), ==, 0);
    g_autofree char *noexec = g_build_filename(rootdir, "bin", "noexec", NULL);
    g_assert_true(g_file_set_contents(noexec, init_script, -1, NULL));
    g_assert_cmpint(chmod(noexec, 0644), ==, 0);
}

static void
clear_markers(void)
{
    const char *names[] = { "marker", "procs", "alloc", "bye" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *p = g_build_filename(rootdir, "tmp", names[i], NULL);
        g_unlink(p);
    }
}

static char *
wait_marker(const char *name)
{
    g_autofree char *p = g_build_filename(rootdir, "tmp", name, NULL);
    for (int i = 0; i < MARKER_WAIT_MS / 10; i++) {
        char *text = NULL;
        if (g_file_get_contents(p, &text, NULL, NULL))
            return g_strstrip(text);
        g_usleep(10000);
    }
    g_error("marker '%s' did not appear in the container's /tmp", name);
}

static char *
socket_path(const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.sock", name);
    return g_build_filename(tmpdir, file, NULL);
}

static bool
start(const char *name, const char *init, const char *const *extra, guint64 memory_kib, LxcProcess **ret,
      GError **error)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(opts, g_strdup("--name"));
    g_ptr_array_add(opts, g_strdup(name));
    g_ptr_array_add(opts, g_strdup("--root"));
    g_ptr_array_add(opts, g_strdup(rootdir));
    g_ptr_array_add(opts, g_strdup("--init"));
    g_ptr_array_add(opts, g_strdup(init));
    for (const char *const *e = extra; e && *e; e++)
        g_ptr_array_add(opts, g_strdup(*e));
    g_ptr_array_add(opts, NULL);
    g_autofree char *sock = socket_path(name);
    g_autofree char *log = g_build_filename(tmpdir, "controller.log", NULL);
    LxcLaunchOpts lo = {
        .name = name,
        .controller = g_getenv("MV_LXC_CONTROLLER"),
        .options = (const char *const *)opts->pdata,
        .socket_path = sock,
        .log_path = log,
        .memory_kib = memory_kib,
        .vcpus = 1,
    };
    return lxc_process_start(&lo, ret, error);
}

/* Nothing of container @name is left on the host. */
static void
assert_nothing_left(const char *name)
{
    g_autofree char *group = lxc_process_cgroup_name(name);
    const char *ctls[] = { "memory", "cpu", "freezer", "pids" };
    for (size_t i = 0; i < G_N_ELEMENTS(ctls); i++) {
        g_autofree char *dir = g_build_filename("/sys/fs/cgroup", ctls[i], MV_CGROUP_DEFAULT_PARENT, group, NULL);
        if (g_file_test(dir, G_FILE_TEST_EXISTS))
            g_error("cgroup '%s' of container '%s' was left behind", dir, name);
    }
    g_autofree char *sock = socket_path(name);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    g_autofree char *mounts = NULL;
    g_assert_true(g_file_get_contents("/proc/self/mountinfo", &mounts, NULL, NULL));
    g_assert_null(strstr(mounts, rootdir));
}

/* Stop with "stop term", check the monitor's reason, clean up. */
static void
stop_and_check(LxcProcess *proc, const char *command, const char *want_reason)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(lxc_process_command(proc, command, &err));
    g_assert_no_error(err);
    bool restarted = false;
    g_autofree char *reason = lxc_process_read_monitor(proc, &restarted);
    g_assert_false(restarted);
    g_assert_cmpstr(reason, ==, want_reason);
    lxc_process_cleanup(proc);
    assert_nothing_left(proc->name);
}

static void
test_basic(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(LxcProcess) proc = NULL;
    clear_markers();
    if (!start("mv-lxct-basic", "/bin/ctinit", NULL, 32 * 1024, &proc, &err))
        g_error("start: %s", err->message);
    g_autofree char *marker = wait_marker("marker");
    g_assert_cmpstr(marker, ==, "pid=1 host=mv-lxct-basic");
    /* init, ls and wc: whatever the host runs stays invisible. */
    g_autofree char *procs = wait_marker("procs");
    g_assert_cmpint(g_ascii_strtoll(procs, NULL, 10), <=, 4);
    /* dd's 64 MiB buffer is beyond the 32 MiB limit: the OOM killer ends it. */
    g_autofree char *alloc = wait_marker("alloc");
    g_assert_cmpstr(alloc, ==, "137");
    g_assert_cmpint(kill(proc->init_pid, 0), ==, 0);
    g_assert_true(g_str_has_prefix(proc->console, "/dev/pts/"));

    /* Freezer: the container stops, the controller still answers. */
    g_assert_true(lxc_process_freeze(proc, true, &err));
    g_assert_true(lxc_process_command(proc, "info", &err));
    g_assert_true(lxc_process_freeze(proc, false, &err));
    g_assert_no_error(err);

    stop_and_check(proc, "stop term", LXC_CTL_EXIT_SHUTDOWN);
    g_autofree char *bye = wait_marker("bye");
    g_assert_cmpstr(bye, ==, "bye");
}

static void
test_destroy(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(LxcProcess) proc = NULL;
    clear_markers();
    if (!start("mv-lxct-kill", "/bin/ctinit", NULL, 0, &proc, &err))
        g_error("start: %s", err->message);
    g_free(wait_marker("marker"));
    stop_and_check(proc, "stop kill", LXC_CTL_EXIT_DESTROYED);
}

static void
test_idmap(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(LxcProcess) proc = NULL;
    const char *const idmap[] = { "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", NULL };
    clear_markers();
    if (!start("mv-lxct-idmap", "/bin/ctinit", idmap, 0, &proc, &err))
        g_error("start: %s", err->message);
    g_autofree char *marker = wait_marker("marker");
    g_assert_cmpstr(marker, ==, "pid=1 host=mv-lxct-idmap");
    /* The marker root wrote inside is owned by 100000 outside. */
    g_autofree char *path = g_build_filename(rootdir, "tmp", "marker", NULL);
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_uid, ==, 100000);
    g_assert_cmpint(st.st_gid, ==, 100000);
    stop_and_check(proc, "stop term", LXC_CTL_EXIT_SHUTDOWN);
}

static void
expect_failure(const char *name, const char *init, const char *const *extra, const char *want)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(LxcProcess) proc = NULL;
    g_assert_false(start(name, init, extra, 0, &proc, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, want))
        g_error("error '%s' does not say '%s'", err->message, want);
    assert_nothing_left(name);
}

static void
test_bad_input(void)
{
    const char *const bad_root[] = { "--root", "/nonexistent/mv-lxct", NULL };
    expect_failure("mv-lxct-noroot", "/bin/ctinit", bad_root, "'/nonexistent/mv-lxct' of container 'mv-lxct-noroot' does not exist");
    expect_failure("mv-lxct-noexec", "/bin/noexec", NULL,
                   "cannot execute init '/bin/noexec' in container 'mv-lxct-noexec': Permission denied");
    const char *const overlap[] = { "--uidmap", "0:100000:65536", "--uidmap", "1000:300000:10",
                                    "--gidmap", "0:100000:65536", NULL };
    expect_failure("mv-lxct-overlap", "/bin/ctinit", overlap, "cannot write the uid map of container 'mv-lxct-overlap'");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (geteuid() != 0 || !g_getenv("MV_LXC_CONTROLLER") || !g_file_test(BUSYBOX, G_FILE_TEST_IS_EXECUTABLE)) {
        g_printerr("these tests need root, MV_LXC_CONTROLLER and %s (busybox-static)\n", BUSYBOX);
        return 1;
    }
    tmpdir = g_dir_make_tmp("mv-lxct-XXXXXX", NULL);
    /* The id-mapped container's root (uid 100000 here) must be able to walk to its root. */
    g_assert_cmpint(chmod(tmpdir, 0755), ==, 0);
    rootdir = g_build_filename(tmpdir, "root", NULL);
    build_root();
    /* What an aborted earlier run may have left (its containers die with their controller). */
    const char *names[] = { "mv-lxct-basic", "mv-lxct-kill", "mv-lxct-idmap" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *sock = socket_path(names[i]);
        lxc_process_cleanup_stale(names[i], sock, NULL);
    }
    g_test_add_func("/lxc/controller/basic", test_basic);
    g_test_add_func("/lxc/controller/destroy", test_destroy);
    g_test_add_func("/lxc/controller/idmap", test_idmap);
    g_test_add_func("/lxc/controller/bad-input", test_bad_input);
    int rc = g_test_run();
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        g_printerr("cannot remove '%s'\n", tmpdir);
    return rc;
}
