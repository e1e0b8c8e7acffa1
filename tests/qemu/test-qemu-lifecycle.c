// SPDX-License-Identifier: LGPL-2.1-or-later
// A real QEMU (TCG, diskless, SeaBIOS) through its life: launched paused (or running at
// once), continued, stopped, reset and quit, with the events arriving through the monitor callback on the
// I/O thread; vCPU threads; the log; the cgroup and its CPU accounting; and commands from
// a thread that has to drive the main context itself.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-test.h"
#include "util/util-error.h"
#include "util/util-proc.h"

/* Generous for a loaded CI host: TCG guests and other QEMUs share two CPUs. */
#define EVENT_WAIT_MS 5000

static void
assert_status(QemuProcess *proc, bool running, const char *status)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;
    bool is_running = !running;
    g_assert_true(qemu_monitor_query_status(qemu_process_monitor(proc), &is_running, &got, &err));
    g_assert_no_error(err);
    g_assert_cmpint(is_running, ==, running);
    g_assert_cmpstr(got, ==, status);
}

static void
test_lifecycle(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("life");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;

    gint64 t0 = g_get_monotonic_time();
    g_assert_true(test_vm_launch(vm, 2, NULL, &proc, &err));
    g_assert_no_error(err);
    g_test_message("launch to monitor ready: %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - t0) / 1000);
    pid_t pid = qemu_process_pid(proc);
    g_assert_true(mv_proc_is_alive_same(pid, qemu_process_start_time(proc)));
    g_assert_true(qemu_process_is_alive(proc));

    int major = 0, minor = 0;
    qemu_monitor_qemu_version(qemu_process_monitor(proc), &major, &minor, NULL);
    g_assert_cmpint(major, >=, 2);

    /* Not our child: guests must survive us, and we must never have to reap them. */
    g_autofree char *stat_path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *stat = NULL;
    g_assert_true(g_file_get_contents(stat_path, &stat, NULL, NULL));
    int ppid = -1, sid = -1;
    g_assert_cmpint(sscanf(strrchr(stat, ')') + 2, "%*c %d %*d %d", &ppid, &sid), ==, 2);
    g_assert_cmpint(ppid, !=, getpid());
    g_assert_cmpint(sid, !=, getsid(0));  /* own session */

    /* -S: prelaunch, vCPUs not running. */
    assert_status(proc, false, "prelaunch");

    /* One thread per vCPU (multi-threaded TCG), all of them threads of the QEMU. */
    size_t nvcpus = 0;
    const pid_t *vcpus = qemu_process_vcpu_tids(proc, &nvcpus);
    g_assert_cmpuint(nvcpus, ==, 2);
    g_autofree pid_t *tasks = NULL;
    size_t ntasks = 0;
    g_assert_cmpint(mv_proc_thread_ids(pid, &tasks, &ntasks), ==, 0);
    for (size_t i = 0; i < nvcpus; i++) {
        bool found = false;
        for (size_t j = 0; j < ntasks && !found; j++)
            found = tasks[j] == vcpus[i];
        g_assert_true(found);
        g_assert_cmpint(vcpus[i], !=, pid);
    }
    g_assert_cmpint(vcpus[0], !=, vcpus[1]);

    /* cont -> RESUME, running. */
    g_assert_true(qemu_monitor_cont(qemu_process_monitor(proc), &err));
    g_assert_no_error(err);
    g_autoptr(TestEvent) resume = test_vm_wait_event(vm, "RESUME", EVENT_WAIT_MS);
    g_assert_nonnull(resume);
    g_assert_cmpint(resume->seconds, >, 0);
    /* Callbacks run on the I/O thread, not on the thread that issued the command. */
    g_assert_true(resume->thread != g_thread_self());
    assert_status(proc, true, "running");

    /* stop -> STOP, paused; cont -> RESUME. */
    g_assert_true(qemu_monitor_stop(qemu_process_monitor(proc), &err));
    g_autoptr(TestEvent) stop = test_vm_wait_event(vm, "STOP", EVENT_WAIT_MS);
    g_assert_nonnull(stop);
    assert_status(proc, false, "paused");
    g_assert_true(qemu_monitor_cont(qemu_process_monitor(proc), &err));
    g_autoptr(TestEvent) resume2 = test_vm_wait_event(vm, "RESUME", EVENT_WAIT_MS);
    g_assert_nonnull(resume2);

    /* system_reset -> RESET. */
    g_assert_true(qemu_monitor_system_reset(qemu_process_monitor(proc), &err));
    g_autoptr(TestEvent) reset = test_vm_wait_event(vm, "RESET", EVENT_WAIT_MS);
    g_assert_nonnull(reset);

    /* Raw replies, and QEMU's own refusal passed through. */
    json_object *stats = NULL;
    g_assert_true(qemu_monitor_query_blockstats(qemu_process_monitor(proc), &stats, &err));
    g_assert_no_error(err);
    g_assert_true(json_object_is_type(stats, json_type_array));
    json_object_put(stats);
    guint64 balloon = 0;
    g_assert_false(qemu_monitor_query_balloon(qemu_process_monitor(proc), &balloon, &err));
    g_assert_true(mv_error_is(err, MV_ERR_INTERNAL_ERROR));
    g_assert_nonnull(strstr(err->message, "unable to execute QEMU command 'query-balloon'"));
    g_clear_error(&err);
    QemuMonitor *mon = qemu_process_monitor(proc);
    g_assert_false(qemu_monitor_command(mon, "no-such-command", NULL, NULL, 5000, &err));
    g_assert_nonnull(strstr(err->message, "no-such-command"));
    g_clear_error(&err);

    /* Arguments pass through. */
    json_object *args = json_object_new_object();
    json_object_object_add(args, "path", json_object_new_string("/machine"));
    json_object *list = NULL;
    g_assert_true(qemu_monitor_command(qemu_process_monitor(proc), "qom-list", args, &list, 5000, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(json_object_array_length(list), >, 0);
    json_object_put(list);
    json_object_put(args);

    /* quit -> SHUTDOWN, then the EOF callback, then the process is gone. */
    qemu_monitor_command(qemu_process_monitor(proc), "quit", NULL, NULL, 5000, NULL);
    g_autoptr(TestEvent) shutdown = test_vm_wait_event(vm, "SHUTDOWN", EVENT_WAIT_MS);
    g_assert_nonnull(shutdown);
    g_autoptr(TestEvent) eof = test_vm_wait_event(vm, "<EOF>", EVENT_WAIT_MS);
    g_assert_nonnull(eof);
    g_assert_true(qemu_monitor_is_closed(qemu_process_monitor(proc)));
    g_assert_cmpint(mv_proc_wait_exit(pid, qemu_process_start_time(proc), 5000), ==, 0);
    g_assert_false(qemu_process_is_alive(proc));

    /* Commands on a closed monitor fail at once. */
    g_assert_false(qemu_monitor_cont(qemu_process_monitor(proc), &err));
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_INVALID));
    g_clear_error(&err);

    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
    if (vm->cgroup_name)
        g_assert_false(test_cgroup_exists(vm->cgroup_name));
}

static void
test_log(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("log");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    /* An fd of ours without close-on-exec (as a careless library might leave one) must
     * still not reach QEMU. */
    g_autofree char *marker = g_build_filename(vm->dir, "marker", NULL);
    g_assert_true(g_file_set_contents(marker, "", 0, NULL));
    int leak = open(marker, O_RDONLY);
    g_assert_cmpint(leak, >=, 0);
    g_assert_true(test_vm_launch(vm, 1, NULL, &proc, &err));
    g_assert_no_error(err);
    close(leak);

    struct stat st;
    g_assert_cmpint(stat(vm->log_path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_autofree char *log = NULL;
    g_assert_true(g_file_get_contents(vm->log_path, &log, NULL, NULL));
    g_test_message("log:\n%s", log);
    g_assert_nonnull(strstr(log, ": starting up modvirt version: "));
    g_assert_nonnull(strstr(log, "LC_ALL=C \\\n"));
    g_assert_nonnull(strstr(log, "\n-machine q35 \\\n"));
    g_assert_nonnull(strstr(log, vm->monitor_path));

    /* The minimal environment reached QEMU. */
    g_autofree char *env_path = g_strdup_printf("/proc/%d/environ", (int)qemu_process_pid(proc));
    g_autofree char *env = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(env_path, &env, &len, NULL));
    g_autofree char *home = g_strdup_printf("HOME=%s", vm->dir);
    g_assert_cmpstr(env, ==, "LC_ALL=C");
    g_assert_nonnull(memmem(env, len, home, strlen(home)));
    g_assert_null(memmem(env, len, "G_TEST", 6));

    /* stdin is /dev/null, stdout and stderr the log; none of our fds leaked. */
    g_autofree char *fd_dir = g_strdup_printf("/proc/%d/fd", (int)qemu_process_pid(proc));
    g_autoptr(GDir) dir = g_dir_open(fd_dir, 0, NULL);
    g_assert_nonnull(dir);
    const char *ent;
    while ((ent = g_dir_read_name(dir))) {
        g_autofree char *link = g_build_filename(fd_dir, ent, NULL);
        g_autofree char *target = g_file_read_link(link, NULL);
        g_assert_nonnull(target);
        if (strcmp(ent, "0") == 0)
            g_assert_cmpstr(target, ==, "/dev/null");
        else if (strcmp(ent, "1") == 0 || strcmp(ent, "2") == 0)
            g_assert_cmpstr(target, ==, vm->log_path);
        g_assert_cmpstr(target, !=, marker);
        g_assert_false(g_str_has_prefix(target, "pipe:"));  /* our spawn handshake pipes */
    }

    g_assert_true(qemu_process_stop(proc, false, &err));
    g_assert_no_error(err);
    /* Killed, so no EOF report: the stop expected it. */
    g_autoptr(TestEvent) eof = test_vm_wait_event(vm, "<EOF>", 300);
    g_assert_null(eof);

    /* A second launch appends. */
    g_autoptr(QemuProcess) again = NULL;
    g_assert_true(test_vm_launch(vm, 1, NULL, &again, &err));
    g_autofree char *log2 = NULL;
    g_assert_true(g_file_get_contents(vm->log_path, &log2, NULL, NULL));
    g_assert_true(g_str_has_prefix(log2, log));
    g_assert_true(qemu_process_stop(again, true, &err));
}

static void
test_cgroup(void)
{
    if (!test_qemu_binary())
        return;
    if (geteuid() != 0) {
        g_test_skip("needs root for cgroups");
        return;
    }
    g_autoptr(TestVm) vm = test_vm_new("cg");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(test_vm_launch(vm, 1, NULL, &proc, &err));
    g_assert_no_error(err);
    MvCgroup *cg = qemu_process_cgroup(proc);
    g_assert_nonnull(cg);

    /* Placed before exec: every controller lists the group in /proc/PID/cgroup. */
    g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", (int)qemu_process_pid(proc));
    g_autofree char *placement = NULL;
    g_assert_true(g_file_get_contents(path, &placement, NULL, NULL));
    g_autofree char *group = g_strdup_printf("/%s/%s\n", test_cgroup_parent(), vm->cgroup_name);
    g_auto(GStrv) lines = g_strsplit(placement, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *ctl = strchr(*l, ':');
        if (!ctl || g_str_has_prefix(ctl, "::") || strstr(ctl, "name="))
            continue;  /* the empty v2 hierarchy and systemd's are not ours to use */
        g_autofree char *line = g_strconcat(*l, "\n", NULL);
        g_test_message("%s", *l);
        g_assert_true(g_str_has_suffix(line, group));
    }
    /* QEMU joined thread by thread ("tasks") while it had one thread: those it made later,
     * the vCPUs among them, inherited the group. */
    size_t ntids = 0;
    const pid_t *tids = qemu_process_vcpu_tids(proc, &ntids);
    g_assert_cmpuint(ntids, ==, 1);
    g_autofree char *tpath = g_strdup_printf("/proc/%d/task/%d/cgroup", (int)qemu_process_pid(proc), (int)tids[0]);
    g_autofree char *tplacement = NULL;
    g_assert_true(g_file_get_contents(tpath, &tplacement, NULL, NULL));
    g_assert_cmpstr(tplacement, ==, placement);

    /* Paused in prelaunch the vCPUs use nothing much; running in SeaBIOS they spin. */
    MvCgroupCpuStat paused = { 0 }, running = { 0 };
    g_assert_cmpint(mv_cgroup_get_cpu_stat(cg, &paused), ==, 0);
    g_assert_true(qemu_monitor_cont(qemu_process_monitor(proc), &err));
    g_usleep(1000 * 1000);
    g_assert_cmpint(mv_cgroup_get_cpu_stat(cg, &running), ==, 0);
    g_test_message("cpuacct: %" G_GUINT64_FORMAT " ns at start (exec, init), %" G_GUINT64_FORMAT
                   " ns after 1 s running", paused.usage_ns, running.usage_ns);
    g_assert_cmpuint(paused.usage_ns, >, 0);  /* QEMU's start-up was accounted, not lost */
    /* SeaBIOS finds no boot device and halts, so "running" is its POST: tens of ms. */
    g_assert_cmpuint(running.usage_ns, >, paused.usage_ns + 10 * G_GUINT64_CONSTANT(1000000));
    guint64 mem = 0;
    g_assert_cmpint(mv_cgroup_get_memory_usage(cg, &mem), ==, 0);
    g_test_message("memory: %" G_GUINT64_FORMAT " bytes", mem);
    g_assert_cmpuint(mem, >, 16u << 20);

    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
    g_assert_false(qemu_process_is_alive(proc));
    g_assert_false(test_cgroup_exists(vm->cgroup_name));
    g_assert_null(qemu_process_cgroup(proc));
}

/* opts->run: the guest runs when the launch returns, and the vCPU ids are known. */
static void
test_run(void)
{
    if (!test_qemu_binary())
        return;
    g_autoptr(TestVm) vm = test_vm_new("run");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    vm->opts.run = true;
    g_assert_true(test_vm_launch(vm, 2, NULL, &proc, &err));
    g_assert_no_error(err);
    assert_status(proc, true, "running");
    g_autoptr(TestEvent) resume = test_vm_wait_event(vm, "RESUME", EVENT_WAIT_MS);
    g_assert_nonnull(resume);
    size_t ntids = 0;
    const pid_t *tids = qemu_process_vcpu_tids(proc, &ntids);
    g_assert_cmpuint(ntids, ==, 2);
    g_assert_cmpint(tids[0], >, 0);
    g_assert_cmpint(tids[1], >, 0);
    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
}

/* No thread runs the default context: the command's own thread drives it, and events are
 * delivered there while it waits. */
static void
test_self_driven(void)
{
    if (!test_qemu_binary())
        return;
    test_io_stop();
    g_autoptr(TestVm) vm = test_vm_new("self");
    g_autoptr(QemuProcess) proc = NULL;
    g_autoptr(GError) err = NULL;
    g_assert_true(test_vm_launch(vm, 1, NULL, &proc, &err));
    g_assert_no_error(err);
    assert_status(proc, false, "prelaunch");
    g_assert_true(qemu_monitor_cont(qemu_process_monitor(proc), &err));
    /* The RESUME event came in while we waited for cont's reply, or comes with the next. */
    assert_status(proc, true, "running");
    g_autoptr(TestEvent) resume = test_vm_wait_event(vm, "RESUME", 100);
    g_assert_nonnull(resume);
    g_assert_true(resume->thread == g_thread_self());
    g_assert_true(qemu_process_stop(proc, true, &err));
    g_assert_no_error(err);
    test_io_start();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_io_start();
    g_test_add_func("/qemu/lifecycle/events", test_lifecycle);
    g_test_add_func("/qemu/lifecycle/log", test_log);
    g_test_add_func("/qemu/lifecycle/cgroup", test_cgroup);
    g_test_add_func("/qemu/lifecycle/run", test_run);
    g_test_add_func("/qemu/lifecycle/self-driven", test_self_driven);
    int ret = g_test_run();
    test_io_stop();
    test_cgroup_parent_cleanup();
    return ret;
}
