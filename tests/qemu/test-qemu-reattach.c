// SPDX-License-Identifier: LGPL-2.1-or-later
// Restart safety: dropping every handle on a running QEMU (what a daemon restart does)
// leaves it running, and reattaching from the recorded (pid, start time, monitor path,
// cgroup name) gets the same guest back; a pid that is not that QEMU, or a dead one, is
// refused without harming whatever has the pid.

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qemu-test.h"
#include "util/util-error.h"
#include "util/util-proc.h"

static void
test_reattach(void)
{
    const char *binary = test_qemu_binary();
    if (!binary)
        return;
    g_autoptr(TestVm) vm = test_vm_new("reattach");
    g_autoptr(GError) err = NULL;
    QemuProcess *first = NULL;
    g_assert_true(test_vm_launch(vm, 2, NULL, &first, &err));
    g_assert_no_error(err);
    g_assert_true(qemu_monitor_cont(qemu_process_monitor(first), &err));
    g_autoptr(TestEvent) resume = test_vm_wait_event(vm, "RESUME", 5000);
    g_assert_nonnull(resume);

    /* What the status file would hold. */
    pid_t pid = qemu_process_pid(first);
    guint64 start = qemu_process_start_time(first);
    size_t n1 = 0;
    const pid_t *t1 = qemu_process_vcpu_tids(first, &n1);
    g_autofree pid_t *vcpus = g_memdup2(t1, n1 * sizeof(pid_t));
    g_autofree char *cg_memory = NULL;
    if (qemu_process_cgroup(first))
        cg_memory = g_strdup(mv_cgroup_path(qemu_process_cgroup(first), MV_CGROUP_MEMORY));

    /* "Daemon restart": every handle dropped, the guest untouched and no EOF reported. */
    qemu_process_free(first);
    g_usleep(200 * 1000);
    g_assert_true(mv_proc_is_alive_same(pid, start));
    g_autoptr(TestEvent) eof = test_vm_wait_event(vm, "<EOF>", 100);
    g_assert_null(eof);

    g_autoptr(QemuProcess) proc = NULL;
    gint64 t0 = g_get_monotonic_time();
    g_assert_true(qemu_process_reattach(pid, start, binary, &vm->opts, &proc, &err));
    g_assert_no_error(err);
    g_test_message("reattached in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - t0) / 1000);
    g_assert_cmpint(qemu_process_pid(proc), ==, pid);

    bool running = false;
    g_autofree char *status = NULL;
    g_assert_true(qemu_monitor_query_status(qemu_process_monitor(proc), &running, &status, &err));
    g_assert_true(running);
    g_assert_cmpstr(status, ==, "running");
    size_t n2 = 0;
    const pid_t *t2 = qemu_process_vcpu_tids(proc, &n2);
    g_assert_cmpuint(n2, ==, n1);
    g_assert_cmpmem(t2, n2 * sizeof(pid_t), vcpus, n1 * sizeof(pid_t));
    if (cg_memory) {
        g_assert_nonnull(qemu_process_cgroup(proc));
        g_assert_cmpstr(mv_cgroup_path(qemu_process_cgroup(proc), MV_CGROUP_MEMORY), ==, cg_memory);
    }

    /* Events flow to the new connection. */
    g_assert_true(qemu_monitor_stop(qemu_process_monitor(proc), &err));
    g_autoptr(TestEvent) stop = test_vm_wait_event(vm, "STOP", 5000);
    g_assert_nonnull(stop);

    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
    g_assert_false(mv_proc_is_alive_same(pid, start));
    if (vm->cgroup_name)
        g_assert_false(test_cgroup_exists(vm->cgroup_name));

    /* Dead now: refused. */
    g_autoptr(QemuProcess) dead = NULL;
    g_assert_false(qemu_process_reattach(pid, start, binary, &vm->opts, &dead, &err));
    g_test_message("%s", err->message);
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_FAILED));
    g_assert_nonnull(strstr(err->message, "is no longer running"));
    g_assert_null(dead);
}

static void
test_reattach_wrong(void)
{
    const char *binary = test_qemu_binary();
    if (!binary)
        return;
    g_autoptr(TestVm) vm = test_vm_new("wrong");
    g_autoptr(TestVm) other = test_vm_new("other");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(test_vm_launch(vm, 1, NULL, &proc, &err));
    g_assert_no_error(err);
    pid_t pid = qemu_process_pid(proc);
    guint64 start = qemu_process_start_time(proc);
    QemuProcess *bad = NULL;

    /* Same pid, other start time: a recycled pid. */
    g_assert_false(qemu_process_reattach(pid, start + 1, binary, &vm->opts, &bad, &err));
    g_assert_nonnull(strstr(err->message, "is no longer running"));
    g_clear_error(&err);

    /* A live process that is not QEMU (ourselves). */
    guint64 self_start;
    g_assert_cmpint(mv_proc_start_time(getpid(), &self_start), ==, 0);
    g_assert_false(qemu_process_reattach(getpid(), self_start, binary, &vm->opts, &bad, &err));
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, "is not the QEMU of domain"));
    g_clear_error(&err);

    /* A QEMU, but another domain's (its monitor path differs). */
    g_assert_false(qemu_process_reattach(pid, start, binary, &other->opts, &bad, &err));
    g_assert_nonnull(strstr(err->message, "is not the QEMU of domain"));
    g_clear_error(&err);

    /* The wrong emulator binary. */
    g_assert_false(qemu_process_reattach(pid, start, "/usr/bin/qemu-system-aarch64", &vm->opts, &bad, &err));
    g_clear_error(&err);
    g_assert_null(bad);

    /* None of this touched the guest. */
    g_assert_true(mv_proc_is_alive_same(pid, start));
    g_assert_true(qemu_monitor_query_status(qemu_process_monitor(proc), NULL, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_io_start();
    g_test_add_func("/qemu/reattach/after-restart", test_reattach);
    g_test_add_func("/qemu/reattach/wrong-process", test_reattach_wrong);
    int ret = g_test_run();
    test_io_stop();
    test_cgroup_parent_cleanup();
    return ret;
}
