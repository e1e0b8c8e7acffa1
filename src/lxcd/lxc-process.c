// SPDX-License-Identifier: LGPL-2.1-or-later
// Launching, finding again, commanding and cleaning up after a container's controller
// (see lxc-process.h).  The controller is exec'd by a forked child that first joins the
// controller's cgroup; the controller forks once more at start, so the short-lived first
// process is all we reap.

#include "lxc-process.h"
#include "lxc-controller.h"
#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* CFS period we set with a quota: the kernel's default, 100 ms. */
#define LXC_CFS_PERIOD_US 100000
/* How long a freeze may take to settle (tasks in uninterruptible sleep delay it). */
#define LXC_FREEZE_WAIT_MS 5000

void
lxc_process_free(LxcProcess *proc)
{
    if (!proc)
        return;
    if (proc->monitor_fd >= 0)
        close(proc->monitor_fd);
    mv_cgroup_free(proc->payload);
    mv_cgroup_free(proc->cgroup);
    g_free(proc->name);
    g_free(proc->console);
    g_free(proc->socket_path);
    g_free(proc);
}

char *
lxc_process_cgroup_name(const char *name)
{
    /* libvirt's v1 name for a container's group. */
    return g_strdup_printf("%s.libvirt-lxc", name);
}

static char *
payload_parent(const char *cgroup_parent, const char *name)
{
    g_autofree char *group = lxc_process_cgroup_name(name);
    return g_build_filename(cgroup_parent ? cgroup_parent : MV_CGROUP_DEFAULT_PARENT, group, NULL);
}

/* Read up to a newline within @timeout_ms.  Returns the line without it, or NULL at EOF,
 * on error or timeout (errno says which). */
static char *
read_line(int fd, unsigned timeout_ms)
{
    char buf[LXC_CTL_LINE_MAX];
    size_t got = 0;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (got < sizeof(buf) - 1) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return NULL;
        }
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        /* One byte at a time: the bytes after the line (console data) are not ours. */
        ssize_t n = read(fd, buf + got, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return NULL;
        if (n == 0) {
            errno = got ? EPROTO : ECONNRESET;
            return NULL;
        }
        if (buf[got] == '\n') {
            buf[got] = '\0';
            return g_strdup(buf);
        }
        got++;
    }
    errno = EPROTO;
    return NULL;
}

static int
connect_socket(const char *path, GError **error)
{
    struct sockaddr_un addr;
    if (!mv_unix_address(path, &addr, error))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        mv_error_set_errno(error, MV_FROM_LXC, errno, "cannot reach the container controller at '%s'", path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Send @command on a new connection; returns the connection after an "ok" reply (with the
 * rest of the reply line in @ret_rest if wanted), or -1. */
static int
request(const char *name, const char *socket_path, const char *command, char **ret_rest, GError **error)
{
    int fd = connect_socket(socket_path, error);
    if (fd < 0)
        return -1;
    g_autofree char *line = g_strdup_printf("%s\n", command);
    g_autofree char *reply = NULL;
    if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line) ||
        !(reply = read_line(fd, LXC_PROCESS_COMMAND_MS))) {
        mv_error_set_errno(error, MV_FROM_LXC, errno, "no answer from the controller of container '%s' to '%s'",
                           name, command);
        close(fd);
        return -1;
    }
    if (!g_str_has_prefix(reply, "ok")) {
        const char *msg = g_str_has_prefix(reply, "error ") ? reply + 6 : reply;
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_FAILED, "%s", msg);
        close(fd);
        return -1;
    }
    if (ret_rest)
        *ret_rest = g_strdup(g_strchug(reply + 2));
    return fd;
}

bool
lxc_process_command(LxcProcess *proc, const char *command, GError **error)
{
    int fd = request(proc->name, proc->socket_path, command, NULL, error);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

int
lxc_process_open_console(LxcProcess *proc, GError **error)
{
    return request(proc->name, proc->socket_path, "console", NULL, error);
}

/* Open the monitor connection: "ok PID". */
static bool
open_monitor(LxcProcess *proc, GError **error)
{
    g_autofree char *rest = NULL;
    proc->monitor_fd = request(proc->name, proc->socket_path, "monitor", &rest, error);
    if (proc->monitor_fd < 0)
        return false;
    proc->init_pid = (pid_t)g_ascii_strtoll(rest, NULL, 10);
    return true;
}

static bool
apply_limits(LxcProcess *proc, const LxcLaunchOpts *opts, GError **error)
{
    if (opts->memory_kib && !lxc_process_set_memory(proc, opts->memory_kib, error))
        return false;
    if (opts->vcpus && !lxc_process_set_vcpus(proc, opts->vcpus, error))
        return false;
    return true;
}

static void
remove_cgroups(LxcProcess *proc)
{
    /* Anything still in the groups (a container whose controller was killed keeps init
     * until its parent-death signal lands) goes first, or the groups stay busy. */
    MvCgroup *groups[] = { proc->payload, proc->cgroup };
    for (size_t i = 0; i < G_N_ELEMENTS(groups); i++) {
        if (!groups[i])
            continue;
        g_autofree char *procs = NULL;
        const char *dir = mv_cgroup_path(groups[i], MV_CGROUP_PIDS);
        if (!dir)
            dir = mv_cgroup_path(groups[i], MV_CGROUP_MEMORY);
        g_autofree char *file = dir ? g_build_filename(dir, "cgroup.procs", NULL) : NULL;
        if (file && g_file_get_contents(file, &procs, NULL, NULL)) {
            g_auto(GStrv) pids = g_strsplit(procs, "\n", -1);
            for (char **p = pids; *p; p++)
                if (**p)
                    kill((pid_t)g_ascii_strtoll(*p, NULL, 10), SIGKILL);
        }
        int r = mv_cgroup_remove(groups[i]);
        if (r < 0)
            g_warning("cannot remove a cgroup of container '%s': %s, ignoring", proc->name, g_strerror(-r));
    }
}

void
lxc_process_cleanup(LxcProcess *proc)
{
    if (proc->monitor_fd >= 0)
        close(proc->monitor_fd);
    proc->monitor_fd = -1;
    remove_cgroups(proc);
    if (proc->socket_path)
        unlink(proc->socket_path);
}

typedef struct {
    const char *const *cgroup_files;
    int log_fd;
} ChildSetup;

/* Between fork and exec (async-signal-safe only): join the controller's group, send
 * output to the log. */
static void
child_setup(gpointer data)
{
    const ChildSetup *cs = data;
    if (mv_cgroup_join_self(cs->cgroup_files) < 0)
        _exit(126);
    if (cs->log_fd >= 0) {
        dup2(cs->log_fd, STDOUT_FILENO);
        dup2(cs->log_fd, STDERR_FILENO);
    }
}

bool
lxc_process_start(const LxcLaunchOpts *opts, LxcProcess **ret_proc, GError **error)
{
    g_autoptr(LxcProcess) proc = g_new0(LxcProcess, 1);
    proc->name = g_strdup(opts->name);
    proc->socket_path = g_strdup(opts->socket_path);
    proc->monitor_fd = -1;

    g_autofree char *group = lxc_process_cgroup_name(opts->name);
    int r = mv_cgroup_create(NULL, opts->cgroup_parent, group, &proc->cgroup);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot create the cgroup of container '%s'", opts->name);
        return false;
    }
    g_autofree char *pparent = payload_parent(opts->cgroup_parent, opts->name);
    r = mv_cgroup_create(NULL, pparent, LXC_PAYLOAD_CGROUP, &proc->payload);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot create the cgroup of container '%s'", opts->name);
        lxc_process_cleanup(proc);
        return false;
    }
    if (!apply_limits(proc, opts, error)) {
        lxc_process_cleanup(proc);
        return false;
    }

    int hs[2];
    if (pipe2(hs, O_CLOEXEC) < 0) {
        mv_error_set_errno(error, MV_FROM_LXC, errno, "cannot create a pipe for container '%s'", opts->name);
        lxc_process_cleanup(proc);
        return false;
    }
    int log_fd = opts->log_path ? open(opts->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)opts->controller);
    for (const char *const *o = opts->options; o && *o; o++)
        g_ptr_array_add(argv, (char *)*o);
    g_ptr_array_add(argv, "--socket");
    g_ptr_array_add(argv, (char *)opts->socket_path);
    g_ptr_array_add(argv, "--handshake-fd");
    g_ptr_array_add(argv, "3");
    g_auto(GStrv) payload_files = mv_cgroup_join_files(proc->payload);
    for (char **f = payload_files; *f; f++) {
        g_ptr_array_add(argv, "--cgroup-join");
        g_ptr_array_add(argv, *f);
    }
    g_ptr_array_add(argv, NULL);
    g_auto(GStrv) own_files = mv_cgroup_join_files(proc->cgroup);
    ChildSetup cs = { .cgroup_files = (const char *const *)own_files, .log_fd = log_fd };
    const char *envp[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    int source_fds[] = { hs[1] };
    int target_fds[] = { 3 };
    GPid pid = 0;
    GError *spawn_err = NULL;
    bool spawned = g_spawn_async_with_pipes_and_fds(
        "/", (const char *const *)argv->pdata, envp,
        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_CLOEXEC_PIPES, child_setup, &cs, -1, -1,
        -1, source_fds, target_fds, 1, &pid, NULL, NULL, NULL, &spawn_err);
    close(hs[1]);
    if (log_fd >= 0)
        close(log_fd);
    if (!spawned) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_INTERNAL_ERROR, "cannot start the controller of container '%s': %s",
                     opts->name, spawn_err->message);
        g_error_free(spawn_err);
        close(hs[0]);
        lxc_process_cleanup(proc);
        return false;
    }
    /* The first process exits as soon as it has forked the real controller. */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    g_autofree char *reply = read_line(hs[0], LXC_PROCESS_START_MS);
    int read_errno = errno;
    close(hs[0]);
    if (!reply || !g_str_has_prefix(reply, "ok ")) {
        if (reply && g_str_has_prefix(reply, "error "))
            mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_FAILED, "%s", reply + 6);
        else
            mv_error_set_errno(error, MV_FROM_LXC, reply ? EPROTO : read_errno,
                               "the controller of container '%s' did not start it", opts->name);
        lxc_process_cleanup(proc);
        return false;
    }
    g_auto(GStrv) fields = g_strsplit(reply + 3, " ", 2);
    proc->init_pid = (pid_t)g_ascii_strtoll(fields[0], NULL, 10);
    proc->console = g_strdup(fields[1] ? fields[1] : "");
    if (!open_monitor(proc, error)) {
        kill(proc->init_pid, SIGKILL);
        lxc_process_cleanup(proc);
        return false;
    }
    *ret_proc = g_steal_pointer(&proc);
    return true;
}

bool
lxc_process_attach(const char *name, const char *socket_path, const char *cgroup_parent, LxcProcess **ret_proc,
                   GError **error)
{
    g_autoptr(LxcProcess) proc = g_new0(LxcProcess, 1);
    proc->name = g_strdup(name);
    proc->socket_path = g_strdup(socket_path);
    proc->monitor_fd = -1;
    g_autofree char *rest = NULL;
    int fd = request(name, socket_path, "info", &rest, error);
    if (fd < 0)
        return false;
    close(fd);
    g_auto(GStrv) fields = g_strsplit(rest, " ", 2);
    proc->init_pid = (pid_t)g_ascii_strtoll(fields[0], NULL, 10);
    proc->console = g_strdup(fields[1] ? fields[1] : "");
    g_autofree char *group = lxc_process_cgroup_name(name);
    int r = mv_cgroup_open(NULL, cgroup_parent, group, 0, &proc->cgroup);
    g_autofree char *pparent = payload_parent(cgroup_parent, name);
    if (r == 0)
        r = mv_cgroup_open(NULL, pparent, LXC_PAYLOAD_CGROUP, proc->init_pid, &proc->payload);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot find the cgroup of container '%s'", name);
        return false;
    }
    if (!open_monitor(proc, error))
        return false;
    *ret_proc = g_steal_pointer(&proc);
    return true;
}

void
lxc_process_cleanup_stale(const char *name, const char *socket_path, const char *cgroup_parent)
{
    g_autoptr(LxcProcess) proc = g_new0(LxcProcess, 1);
    proc->name = g_strdup(name);
    proc->socket_path = g_strdup(socket_path);
    proc->monitor_fd = -1;
    g_autofree char *group = lxc_process_cgroup_name(name);
    g_autofree char *pparent = payload_parent(cgroup_parent, name);
    mv_cgroup_open(NULL, pparent, LXC_PAYLOAD_CGROUP, 0, &proc->payload);
    mv_cgroup_open(NULL, cgroup_parent, group, 0, &proc->cgroup);
    lxc_process_cleanup(proc);
}

char *
lxc_process_read_monitor(LxcProcess *proc, bool *ret_restarted)
{
    *ret_restarted = false;
    g_autofree char *line = read_line(proc->monitor_fd, LXC_PROCESS_COMMAND_MS);
    if (line && g_str_has_prefix(line, "restarted ")) {
        proc->init_pid = (pid_t)g_ascii_strtoll(line + 10, NULL, 10);
        *ret_restarted = true;
        return NULL;
    }
    if (line && g_str_has_prefix(line, "exit ")) {
        g_auto(GStrv) fields = g_strsplit(line + 5, " ", 2);
        return g_strdup(fields[0]);
    }
    /* EOF without a word: the controller itself died (killed). */
    return g_strdup(LXC_CTL_EXIT_CRASHED);
}

bool
lxc_process_set_memory(LxcProcess *proc, guint64 kib, GError **error)
{
    g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, kib * 1024);
    int r = mv_cgroup_set_value(proc->payload, MV_CGROUP_MEMORY, "memory.limit_in_bytes", value);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot set the memory limit of container '%s' to %" G_GUINT64_FORMAT " KiB",
                           proc->name, kib);
        return false;
    }
    return true;
}

bool
lxc_process_set_vcpus(LxcProcess *proc, unsigned vcpus, GError **error)
{
    /* A container's vCPUs are a CPU quota: @vcpus whole CPUs per period. */
    g_autofree char *period = g_strdup_printf("%d", LXC_CFS_PERIOD_US);
    g_autofree char *quota = g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)vcpus * LXC_CFS_PERIOD_US);
    int r = mv_cgroup_set_value(proc->payload, MV_CGROUP_CPU, "cpu.cfs_period_us", period);
    if (r == 0)
        r = mv_cgroup_set_value(proc->payload, MV_CGROUP_CPU, "cpu.cfs_quota_us", quota);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot set the CPU quota of container '%s' to %u CPUs",
                           proc->name, vcpus);
        return false;
    }
    return true;
}

bool
lxc_process_freeze(LxcProcess *proc, bool frozen, GError **error)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    int r = mv_cgroup_set_value(proc->payload, MV_CGROUP_FREEZER, "freezer.state", want);
    gint64 deadline = g_get_monotonic_time() + LXC_FREEZE_WAIT_MS * 1000;
    while (r == 0) {
        g_autofree char *state = NULL;
        r = mv_cgroup_get_value(proc->payload, MV_CGROUP_FREEZER, "freezer.state", &state);
        if (r == 0 && g_str_equal(state, want))
            return true;
        if (g_get_monotonic_time() > deadline)
            r = -ETIMEDOUT;
        else
            g_usleep(1000);
    }
    mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot %s container '%s'", frozen ? "freeze" : "thaw",
                       proc->name);
    return false;
}
