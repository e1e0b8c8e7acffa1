// SPDX-License-Identifier: LGPL-2.1-or-later
// QEMU failing in the ways users meet: a bad option or device (QEMU's own message must
// reach the error, and nothing may stay behind), a missing binary, a monitor that never
// appears, a cgroup QEMU cannot join, a QEMU killed with SIGKILL (noticed at once), and a
// SIGSTOPped QEMU (its commands time out on time while other guests' monitors carry on).

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "qemu-test.h"
#include "util/util-cgroup.h"
#include "util/util-error.h"
#include "util/util-proc.h"

static void
assert_nothing_left(TestVm *vm)
{
    /* The temporary directory is unique to this guest and on QEMU's command line. */
    g_assert_cmpuint(test_count_processes(vm->dir), ==, 0);
    if (vm->cgroup_name)
        g_assert_false(test_cgroup_exists(vm->cgroup_name));
    g_assert_false(g_file_test(vm->monitor_path, G_FILE_TEST_EXISTS));
}

static void
test_bad_option(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("badopt");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    const char *const extra[] = { "-no-such-option", NULL };
    gint64 t0 = g_get_monotonic_time();
    g_assert_false(test_vm_launch(vm, 1, extra, &proc, &err));
    g_test_message("failed in %" G_GINT64_FORMAT " ms: %s", (g_get_monotonic_time() - t0) / 1000,
                   err->message);
    g_assert_null(proc);
    g_assert_true(mv_error_is(err, MV_ERR_INTERNAL_ERROR));
    g_assert_true(g_str_has_prefix(err->message, "internal error: qemu unexpectedly closed the monitor: "));
    g_assert_nonnull(strstr(err->message, "-no-such-option: invalid option"));
    /* Only QEMU's words, not our log header. */
    g_assert_null(strstr(err->message, "starting up"));
    /* QEMU exits at once; waiting out the monitor timeout would be a bug. */
    g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 3000);
    assert_nothing_left(vm);
}

static void
test_bad_device(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("baddev");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    /* Fails after the monitor socket exists: QEMU creates chardevs before devices. */
    const char *const extra[] = { "-device", "no-such-device", NULL };
    g_assert_false(test_vm_launch(vm, 1, extra, &proc, &err));
    g_test_message("%s", err->message);
    g_assert_true(g_str_has_prefix(err->message, "internal error: qemu unexpectedly closed the monitor: "));
    g_assert_nonnull(strstr(err->message, "no-such-device"));
    assert_nothing_left(vm);
}

static void
test_missing_binary(void)
{
    g_autoptr(TestVm) vm = test_vm_new("nobin");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    const char *const argv[] = { "/nonexistent/qemu-system-x86_64", "-S", NULL };
    g_assert_false(qemu_process_launch(argv, &vm->opts, &proc, &err));
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "Cannot find QEMU binary '/nonexistent/qemu-system-x86_64'"));
    g_assert_nonnull(strstr(err->message, "No such file or directory"));
    assert_nothing_left(vm);

    /* Not executable: exec fails in the child, reported through the spawn pipe. */
    g_clear_error(&err);
    g_autofree char *notexec = g_build_filename(vm->dir, "qemu-not-exec", NULL);
    g_assert_true(g_file_set_contents(notexec, "#!/bin/sh\n", -1, NULL));
    const char *const argv2[] = { notexec, NULL };
    g_assert_false(qemu_process_launch(argv2, &vm->opts, &proc, &err));
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "cannot execute QEMU binary"));
    g_assert_nonnull(strstr(err->message, "Permission denied"));
    assert_nothing_left(vm);
}

static void
test_no_monitor(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("nomon");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    /* A QEMU that runs but never creates the socket we wait for.  Its -name carries our
     * directory so that assert_nothing_left() can find it. */
    g_autofree char *tag = g_strdup_printf("guest=%s", vm->dir);
    const char *const argv2[] = { test_qemu_binary(), "-machine", "q35", "-accel", "tcg", "-nodefaults",
                                  "-display", "none", "-m", "64", "-S", "-name", tag, NULL };
    vm->opts.monitor_timeout_ms = 1000;
    gint64 t0 = g_get_monotonic_time();
    g_assert_false(qemu_process_launch(argv2, &vm->opts, &proc, &err));
    gint64 ms = (g_get_monotonic_time() - t0) / 1000;
    g_test_message("failed after %" G_GINT64_FORMAT " ms: %s", ms, err->message);
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_TIMEOUT));
    g_assert_nonnull(strstr(err->message, "did not show up within 1000 ms"));
    g_assert_cmpint(ms, >=, 950);
    g_assert_cmpint(ms, <, 5000);
    assert_nothing_left(vm);
}

/* QEMU joins its cgroup itself before exec; when that fails (here: a v1 cpuset without
 * CPUs, which takes no tasks), the launch says so and leaves nothing behind. */
static void
test_cgroup_join(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(MvCgroupLayout) layout = NULL;
    if (geteuid() != 0 || mv_cgroup_layout_detect(&layout) < 0 || layout->version != 1 ||
        !layout->mount[MV_CGROUP_CPUSET]) {
        g_test_skip("needs root and a v1 cpuset hierarchy");
        return;
    }
    g_autoptr(TestVm) vm = test_vm_new("nocpus");
    /* A parent made by hand, without CPUs: the guest's group finds nothing to copy. */
    g_autofree char *parent = g_build_filename(test_cgroup_parent(), "nocpus", NULL);
    g_autofree char *cpuset = g_build_filename(layout->mount[MV_CGROUP_CPUSET], parent, NULL);
    g_assert_cmpint(g_mkdir_with_parents(cpuset, 0755), ==, 0);
    /* A plain write: cgroupfs takes no temporary file and rename. */
    g_autofree char *cpus = g_build_filename(cpuset, "cpuset.cpus", NULL);
    int fd = open(cpus, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "\n", 1), ==, 1);
    close(fd);
    vm->opts.cgroup_parent = parent;

    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_false(test_vm_launch(vm, 1, NULL, &proc, &err));
    g_test_message("%s", err->message);
    g_assert_null(proc);
    g_assert_nonnull(strstr(err->message, "into its cgroup"));
    g_assert_nonnull(strstr(err->message, g_strerror(ENOSPC)));
    g_assert_cmpuint(test_count_processes(vm->dir), ==, 0);
    g_assert_false(g_file_test(vm->monitor_path, G_FILE_TEST_EXISTS));
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (!layout->mount[c])
            continue;
        g_autofree char *dir = g_build_filename(layout->mount[c], parent, vm->cgroup_name, NULL);
        g_assert_false(g_file_test(dir, G_FILE_TEST_IS_DIR));
        g_autofree char *pdir = g_build_filename(layout->mount[c], parent, NULL);
        rmdir(pdir);
    }
}

static void
test_kill9(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("kill9");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(test_vm_launch(vm, 1, NULL, &proc, &err));
    g_assert_no_error(err);
    g_assert_true(qemu_monitor_cont(qemu_process_monitor(proc), &err));

    gint64 t0 = g_get_monotonic_time();
    g_assert_cmpint(kill(qemu_process_pid(proc), SIGKILL), ==, 0);
    g_autoptr(TestEvent) eof = test_vm_wait_event(vm, "<EOF>", 1000);
    g_assert_nonnull(eof);
    g_test_message("EOF noticed %" G_GINT64_FORMAT " us after SIGKILL", eof->seen_us - t0);
    g_assert_cmpint(eof->seen_us - t0, <, 1000 * 1000);
    g_assert_true(qemu_monitor_is_closed(qemu_process_monitor(proc)));

    /* A command now fails at once, not after its timeout. */
    t0 = g_get_monotonic_time();
    g_assert_false(qemu_monitor_command(qemu_process_monitor(proc), "query-status", NULL, NULL, 5000, &err));
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 100 * 1000);
    g_clear_error(&err);

    /* Cleaning up a dead guest works (nothing to kill; the cgroup goes). */
    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
    assert_nothing_left(vm);
}

typedef struct {
    QemuMonitor *mon;
    unsigned timeout_ms;
    GError *err;
    gint64 took_us;
    bool ok;
} SlowCall;

static gpointer
slow_call(gpointer data)
{
    SlowCall *c = data;
    gint64 t0 = g_get_monotonic_time();
    c->ok = qemu_monitor_command(c->mon, "query-status", NULL, NULL, c->timeout_ms, &c->err);
    c->took_us = g_get_monotonic_time() - t0;
    return NULL;
}

static void
test_sigstop(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vma = test_vm_new("stopped");
    g_autoptr(TestVm) vmb = test_vm_new("healthy");
    g_autoptr(QemuProcess) a = NULL, b = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(test_vm_launch(vma, 1, NULL, &a, &err));
    g_assert_no_error(err);
    g_assert_true(test_vm_launch(vmb, 1, NULL, &b, &err));
    g_assert_no_error(err);

    g_assert_cmpint(kill(qemu_process_pid(a), SIGSTOP), ==, 0);

    /* A's command waits on another thread... */
    SlowCall call = { .mon = qemu_process_monitor(a), .timeout_ms = 1500 };
    GThread *t = g_thread_new("slow", slow_call, &call);

    /* ...while B's monitor answers promptly, again and again. */
    gint64 t0 = g_get_monotonic_time();
    unsigned answered = 0;
    while (g_get_monotonic_time() - t0 < 1000 * 1000) {
        gint64 c0 = g_get_monotonic_time();
        bool running = true;
        g_assert_true(qemu_monitor_query_status(qemu_process_monitor(b), &running, NULL, &err));
        g_assert_no_error(err);
        g_assert_cmpint(g_get_monotonic_time() - c0, <, 500 * 1000);
        answered++;
    }
    g_test_message("B answered %u times while A was stopped", answered);

    /* And a short timeout on A, from this thread, expires on time. */
    t0 = g_get_monotonic_time();
    g_assert_false(qemu_monitor_command(qemu_process_monitor(a), "query-status", NULL, NULL, 300, &err));
    gint64 ms = (g_get_monotonic_time() - t0) / 1000;
    g_test_message("%s (after %" G_GINT64_FORMAT " ms)", err->message, ms);
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_TIMEOUT));
    g_assert_cmpint(ms, >=, 290);
    g_assert_cmpint(ms, <, 800);
    g_clear_error(&err);

    g_thread_join(t);
    g_assert_false(call.ok);
    g_assert_true(mv_error_is(call.err, MV_ERR_OPERATION_TIMEOUT));
    g_test_message("threaded call on A: %s (after %" G_GINT64_FORMAT " ms)", call.err->message,
                   call.took_us / 1000);
    g_assert_cmpint(call.took_us / 1000, >=, 1490);
    g_assert_cmpint(call.took_us / 1000, <, 2500);
    g_clear_error(&call.err);

    /* Continued, A answers again: the late replies to the timed-out commands are dropped
     * and the next reply goes to the right caller. */
    g_assert_cmpint(kill(qemu_process_pid(a), SIGCONT), ==, 0);
    bool running = true;
    g_autofree char *status = NULL;
    g_assert_true(qemu_monitor_query_status(qemu_process_monitor(a), &running, &status, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(status, ==, "prelaunch");
    size_t n = 0;
    g_autofree QemuMonitorCpu *cpus = NULL;
    g_assert_true(qemu_monitor_query_cpus_fast(qemu_process_monitor(a), &cpus, &n, &err));
    g_assert_cmpuint(n, ==, 1);

    /* A stopped QEMU is also stopped by qemu_process_stop (SIGTERM is paired with SIGCONT). */
    g_assert_cmpint(kill(qemu_process_pid(a), SIGSTOP), ==, 0);
    t0 = g_get_monotonic_time();
    g_assert_true(qemu_process_stop(a, false, &err));
    g_assert_no_error(err);
    g_test_message("stopped a SIGSTOPped QEMU in %" G_GINT64_FORMAT " ms",
                   (g_get_monotonic_time() - t0) / 1000);
    g_assert_true(qemu_process_stop(b, true, &err));
    g_assert_no_error(err);
    assert_nothing_left(vma);
    assert_nothing_left(vmb);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_io_start();
    g_test_add_func("/qemu/failure/bad-option", test_bad_option);
    g_test_add_func("/qemu/failure/bad-device", test_bad_device);
    g_test_add_func("/qemu/failure/missing-binary", test_missing_binary);
    g_test_add_func("/qemu/failure/no-monitor", test_no_monitor);
    g_test_add_func("/qemu/failure/cgroup-join", test_cgroup_join);
    g_test_add_func("/qemu/failure/kill9", test_kill9);
    g_test_add_func("/qemu/failure/sigstop", test_sigstop);
    int ret = g_test_run();
    test_io_stop();
    test_cgroup_parent_cleanup();
    return ret;
}
