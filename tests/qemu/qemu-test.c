// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU tests' harness (see qemu-test.h).

#include "qemu-test.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/util-cgroup.h"
#include "util/util-proc.h"

/* ---- the I/O thread ---- */

static GMainLoop *io_loop;
static GThread *io_thread;

static gpointer
io_run(gpointer data)
{
    g_main_loop_run(data);
    return NULL;
}

static gboolean
io_running_cb(gpointer data)
{
    g_async_queue_push(data, GINT_TO_POINTER(1));
    return G_SOURCE_REMOVE;
}

void
test_io_start(void)
{
    if (io_thread)
        return;
    io_loop = g_main_loop_new(NULL, FALSE);
    /* Returns once the loop runs (owns the context), so tests know which path commands take. */
    GAsyncQueue *started = g_async_queue_new();
    g_idle_add(io_running_cb, started);
    io_thread = g_thread_new("test-io", io_run, io_loop);
    g_async_queue_pop(started);
    g_async_queue_unref(started);
}

void
test_io_stop(void)
{
    if (!io_thread)
        return;
    g_main_loop_quit(io_loop);
    g_thread_join(io_thread);
    io_thread = NULL;
    g_clear_pointer(&io_loop, g_main_loop_unref);
}

/* ---- never leave a guest behind ---- */

/* Guests outlive their launcher by design, so a test that aborts (failed assertion,
 * meson's timeout) would leave its QEMUs running.  Each launched QEMU is recorded as a
 * pidfd; the fatal-signal handler SIGKILLs them all (pidfds: no recycled-pid victims). */
#define GUARD_MAX 64
static int guard_fds[GUARD_MAX];
static gint guard_count;

static void
guard_handler(int sig)
{
    int n = g_atomic_int_get(&guard_count);
    for (int i = 0; i < n && i < GUARD_MAX; i++)
        syscall(SYS_pidfd_send_signal, guard_fds[i], SIGKILL, NULL, 0);
    signal(sig, SIG_DFL);
    raise(sig);
}

static gpointer
guard_install(gpointer data)
{
    static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGTERM, SIGINT };
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
        signal(sigs[i], guard_handler);
    return NULL;
}

void
test_guard(QemuProcess *proc)
{
    int fd = mv_proc_pidfd_open(qemu_process_pid(proc), qemu_process_start_time(proc));
    int slot = g_atomic_int_get(&guard_count);
    if (fd >= 0 && slot < GUARD_MAX) {
        guard_fds[slot] = fd;
        g_atomic_int_inc(&guard_count);
    } else if (fd >= 0) {
        close(fd);
    }
}

/* ---- guests ---- */

void
test_event_free(TestEvent *ev)
{
    if (!ev)
        return;
    g_free(ev->name);
    g_free(ev);
}

const char *
test_qemu_binary(void)
{
    static char *binary;
    if (!binary)
        binary = g_find_program_in_path("qemu-system-x86_64");
    if (!binary)
        g_test_skip("qemu-system-x86_64 is not installed");
    return binary;
}

const char *
test_cgroup_parent(void)
{
    static char *parent;
    if (!parent)
        parent = g_strdup_printf("modvirt-test-qemu-%d", (int)getpid());
    return parent;
}

void
test_cgroup_parent_cleanup(void)
{
    g_autoptr(MvCgroupLayout) layout = NULL;
    if (geteuid() != 0 || mv_cgroup_layout_detect(&layout) < 0)
        return;
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (!layout->mount[c])
            continue;
        g_autofree char *dir = g_build_filename(layout->mount[c], test_cgroup_parent(), NULL);
        rmdir(dir);
    }
}

bool
test_cgroup_exists(const char *name)
{
    g_autoptr(MvCgroupLayout) layout = NULL;
    if (mv_cgroup_layout_detect(&layout) < 0)
        return false;
    for (int c = 0; c < MV_CGROUP_CONTROLLER_LAST; c++) {
        if (!layout->mount[c])
            continue;
        g_autofree char *dir = g_build_filename(layout->mount[c], test_cgroup_parent(), name, NULL);
        if (g_file_test(dir, G_FILE_TEST_IS_DIR))
            return true;
    }
    return false;
}

static void
push_event(TestVm *vm, const char *name, gint64 seconds, guint micros)
{
    TestEvent *ev = g_new0(TestEvent, 1);
    ev->name = g_strdup(name);
    ev->seconds = seconds;
    ev->micros = micros;
    ev->seen_us = g_get_monotonic_time();
    ev->thread = g_thread_self();
    g_async_queue_push(vm->events, ev);
}

static void
on_event(QemuMonitor *mon, const char *name, json_object *data, gint64 seconds, guint micros, void *opaque)
{
    push_event(opaque, name, seconds, micros);
}

static void
on_eof(QemuMonitor *mon, const GError *reason, void *opaque)
{
    if (reason)
        g_test_message("monitor EOF: %s", reason->message);
    push_event(opaque, "<EOF>", 0, 0);
}

TestVm *
test_vm_new(const char *tag)
{
    static gint counter;
    static GOnce guard_once = G_ONCE_INIT;
    g_once(&guard_once, guard_install, NULL);
    TestVm *vm = g_new0(TestVm, 1);
    g_autoptr(GError) err = NULL;
    vm->dir = g_dir_make_tmp("mvqemu-XXXXXX", &err);
    g_assert_no_error(err);
    vm->name = g_strdup_printf("%s-%d-%d", tag, (int)getpid(), g_atomic_int_add(&counter, 1));
    vm->monitor_path = g_build_filename(vm->dir, "monitor.sock", NULL);
    vm->log_path = g_build_filename(vm->dir, "qemu.log", NULL);
    if (geteuid() == 0)
        vm->cgroup_name = g_strdup(vm->name);
    vm->events = g_async_queue_new_full((GDestroyNotify)test_event_free);

    vm->opts.name = vm->name;
    vm->opts.log_path = vm->log_path;
    vm->opts.monitor_path = vm->monitor_path;
    vm->opts.cgroup_parent = test_cgroup_parent();
    vm->opts.cgroup_name = vm->cgroup_name;
    vm->opts.own_session = true;
    vm->opts.home = vm->dir;
    vm->opts.callbacks.event = on_event;
    vm->opts.callbacks.eof = on_eof;
    vm->opts.opaque = vm;
    return vm;
}

void
test_vm_free(TestVm *vm)
{
    if (!vm)
        return;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", vm->dir);
    if (system(cmd) != 0)
        g_test_message("could not remove %s", vm->dir);
    g_async_queue_unref(vm->events);
    g_free(vm->dir);
    g_free(vm->name);
    g_free(vm->monitor_path);
    g_free(vm->log_path);
    g_free(vm->cgroup_name);
    g_free(vm);
}

char **
test_vm_argv(TestVm *vm, unsigned smp, const char *const *extra)
{
    GPtrArray *a = g_ptr_array_new();
    const char *const base[] = {
        test_qemu_binary(), "-machine", "q35", "-accel", "tcg", "-nodefaults", "-no-user-config",
        "-display", "none", "-m", "64", "-S",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(base); i++)
        g_ptr_array_add(a, g_strdup(base[i]));
    g_ptr_array_add(a, g_strdup("-name"));
    g_ptr_array_add(a, g_strdup_printf("guest=%s", vm->name));
    g_ptr_array_add(a, g_strdup("-smp"));
    g_ptr_array_add(a, g_strdup_printf("%u", smp));
    g_ptr_array_add(a, g_strdup("-chardev"));
    g_ptr_array_add(a, g_strdup_printf("socket,id=charmonitor,path=%s,server=on,wait=off", vm->monitor_path));
    g_ptr_array_add(a, g_strdup("-mon"));
    g_ptr_array_add(a, g_strdup("chardev=charmonitor,id=monitor,mode=control"));
    for (const char *const *e = extra; e && *e; e++)
        g_ptr_array_add(a, g_strdup(*e));
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

bool
test_vm_launch(TestVm *vm, unsigned smp, const char *const *extra, QemuProcess **ret_proc, GError **error)
{
    g_auto(GStrv) argv = test_vm_argv(vm, smp, extra);
    if (!qemu_process_launch((const char *const *)argv, &vm->opts, ret_proc, error))
        return false;
    test_guard(*ret_proc);
    return true;
}

TestEvent *
test_vm_wait_event(TestVm *vm, const char *name, unsigned timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0)
            return NULL;
        TestEvent *ev = g_async_queue_timeout_pop(vm->events, (guint64)left);
        if (!ev)
            return NULL;
        if (strcmp(ev->name, name) == 0)
            return ev;
        g_test_message("(event %s while waiting for %s)", ev->name, name);
        test_event_free(ev);
    }
}

unsigned
test_count_processes(const char *needle)
{
    unsigned n = 0;
    DIR *d = opendir("/proc");
    g_assert_nonnull(d);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        char *end = NULL;
        long pid = strtol(ent->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        g_auto(GStrv) argv = NULL;
        char state = 0;
        if (mv_proc_cmdline((pid_t)pid, &argv) < 0 || mv_proc_state((pid_t)pid, &state) < 0 || state == 'Z')
            continue;
        for (char **a = argv; *a; a++) {
            if (strstr(*a, needle)) {
                n++;
                break;
            }
        }
    }
    closedir(d);
    return n;
}
