// SPDX-License-Identifier: LGPL-2.1-or-later
// /proc readers and pidfd-based waiting and killing.  A process is named by (pid, start
// time) throughout, so nothing here ever acts on a recycled pid.  Errors are -errno only.

#include "util/util-proc.h"

#include "util/util-file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Largest /proc/PID file we read whole.  cmdline is bounded by the kernel's ARG_MAX-like
 * limits (a few MiB at most); stat and comm are tiny. */
#define PROC_FILE_MAX (8 * 1024 * 1024)

/* How often the /proc fallback looks again when the kernel has no pidfds (before 5.3). */
#define PROC_POLL_INTERVAL_MS 10

/* Read /proc/PID/<name> whole (binary-safe: cmdline holds NULs).  A missing /proc/PID
 * directory becomes -ESRCH. */
static int
read_proc_file(pid_t pid, const char *name, char **ret_data, size_t *ret_len)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int)pid, name);
    /* A process that exits between open and read gives ESRCH already. */
    int r = mv_file_read_small(path, PROC_FILE_MAX, ret_data, ret_len);
    return r == -ENOENT ? -ESRCH : r;
}

int
mv_proc_parse_stat(const char *line, char **ret_comm, char *ret_state, guint64 *ret_start_time)
{
    /* "pid (comm) S ppid ...": comm is whatever the process chose, spaces and parentheses
     * included, so it ends at the LAST ')'. */
    const char *open_paren = strchr(line, '(');
    const char *close_paren = strrchr(line, ')');
    if (!open_paren || !close_paren || close_paren < open_paren)
        return -EINVAL;

    g_auto(GStrv) fields = g_strsplit_set(close_paren + 1, " \n", -1);
    /* Collapse empty tokens (the leading space, the trailing newline). */
    g_autoptr(GPtrArray) toks = g_ptr_array_new();
    for (char **f = fields; *f; f++) {
        if (**f)
            g_ptr_array_add(toks, *f);
    }
    /* toks[0] is field 3 (state), so field 22 (starttime) is toks[19]. */
    if (toks->len < 20 || strlen(toks->pdata[0]) != 1)
        return -EINVAL;

    const char *st = toks->pdata[19];
    char *end = NULL;
    errno = 0;
    guint64 start = g_ascii_strtoull(st, &end, 10);
    if (errno || end == st || *end)
        return -EINVAL;

    if (ret_comm)
        *ret_comm = g_strndup(open_paren + 1, close_paren - open_paren - 1);
    if (ret_state)
        *ret_state = ((const char *)toks->pdata[0])[0];
    if (ret_start_time)
        *ret_start_time = start;
    return 0;
}

static int
read_stat(pid_t pid, char *ret_state, guint64 *ret_start_time)
{
    if (pid <= 0)
        return -ESRCH;
    g_autofree char *text = NULL;
    int r = read_proc_file(pid, "stat", &text, NULL);
    if (r < 0)
        return r;
    return mv_proc_parse_stat(text, NULL, ret_state, ret_start_time);
}

int
mv_proc_start_time(pid_t pid, guint64 *ret_start_time)
{
    return read_stat(pid, NULL, ret_start_time);
}

int
mv_proc_state(pid_t pid, char *ret_state)
{
    return read_stat(pid, ret_state, NULL);
}

bool
mv_proc_is_alive_same(pid_t pid, guint64 start_time)
{
    char state;
    guint64 start;
    if (read_stat(pid, &state, &start) < 0)
        return false;
    /* 'Z' zombie and 'X' dead: exited, only the pid remains. */
    return start == start_time && state != 'Z' && state != 'X';
}

int
mv_proc_comm(pid_t pid, char **ret_comm)
{
    g_autofree char *text = NULL;
    int r = read_proc_file(pid, "comm", &text, NULL);
    if (r < 0)
        return r;
    g_strchomp(text);
    *ret_comm = g_steal_pointer(&text);
    return 0;
}

int
mv_proc_cmdline(pid_t pid, char ***ret_argv)
{
    g_autofree char *data = NULL;
    size_t len = 0;
    int r = read_proc_file(pid, "cmdline", &data, &len);
    if (r < 0)
        return r;

    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    size_t pos = 0;
    while (pos < len) {
        /* The last argument normally ends in a NUL; a process that rewrote its argv may
         * leave it unterminated, which the GString's own terminator covers. */
        size_t arg_len = strnlen(data + pos, len - pos);
        g_ptr_array_add(argv, g_strndup(data + pos, arg_len));
        pos += arg_len + 1;
    }
    g_ptr_array_add(argv, NULL);
    *ret_argv = (char **)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
    return 0;
}

static int
compare_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int
mv_proc_thread_ids(pid_t pid, pid_t **ret_tids, size_t *ret_ntids)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/task", (int)pid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ESRCH : -errno;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int err = errno;
        close(fd);
        return -err;
    }

    g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    struct dirent *ent;
    errno = 0;
    while ((ent = readdir(dir))) {
        char *end = NULL;
        long tid = strtol(ent->d_name, &end, 10);
        if (end == ent->d_name || *end || tid <= 0)
            continue;  /* "." and ".." */
        pid_t t = (pid_t)tid;
        g_array_append_val(tids, t);
    }
    int err = errno;
    closedir(dir);
    if (err)
        return -err;

    g_array_sort(tids, compare_pid);
    *ret_ntids = tids->len;
    *ret_tids = (pid_t *)(void *)g_array_free(g_steal_pointer(&tids), FALSE);
    return 0;
}

int
mv_proc_pidfd_open(pid_t pid, guint64 start_time)
{
#ifdef SYS_pidfd_open
    if (pid <= 0)
        return -ESRCH;
    /* pidfd_open always sets close-on-exec. */
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return -errno;
    /* Checked after the open: if the pid was recycled before we opened it, the start time
     * differs now, and the fd we hold pins the process it names.  A zombie leader is not
     * refused: its other threads may still be exiting, and only the pidfd says when the
     * whole process is gone. */
    guint64 start = 0;
    if (mv_proc_start_time(pid, &start) < 0 || start != start_time) {
        close(fd);
        return -ESRCH;
    }
    return fd;
#else
    return -ENOSYS;
#endif
}

static int
send_signal(int pidfd, pid_t pid, guint64 start_time, int sig)
{
    if (pidfd >= 0) {
#ifdef SYS_pidfd_send_signal
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
            return -errno;
        return 0;
#endif
    }
    /* No pidfd: the check and the kill race with pid reuse, but pid reuse within the few
     * microseconds between them needs the pid space to wrap around first. */
    if (!mv_proc_is_alive_same(pid, start_time))
        return -ESRCH;
    if (kill(pid, sig) < 0)
        return -errno;
    return 0;
}

/* Wait for the process behind @pidfd (or, when @pidfd < 0, (@pid, @start_time) polled
 * through /proc) to exit. */
static int
wait_exit(int pidfd, pid_t pid, guint64 start_time, unsigned timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
        if (pidfd >= 0) {
            /* A pidfd polls readable once the whole thread group has exited, zombie or
             * not, so this works for processes that are not our children. */
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
            int r = poll(&pfd, 1, left_ms > 0 ? (int)MIN(left_ms, G_MAXINT) : 0);
            if (r > 0)
                return 0;
            if (r < 0 && errno != EINTR)
                return -errno;
        } else {
            if (!mv_proc_is_alive_same(pid, start_time))
                return 0;
            if (left_ms > 0)
                g_usleep((gulong)MIN(left_ms, PROC_POLL_INTERVAL_MS) * 1000);
        }
        if (g_get_monotonic_time() >= deadline)
            return mv_proc_is_alive_same(pid, start_time) ? -ETIMEDOUT : 0;
    }
}

int
mv_proc_wait_exit(pid_t pid, guint64 start_time, unsigned timeout_ms)
{
    int pidfd = mv_proc_pidfd_open(pid, start_time);
    if (pidfd == -ESRCH)
        return 0;
    if (pidfd < 0 && pidfd != -ENOSYS)
        return pidfd;
    int r = wait_exit(pidfd, pid, start_time, timeout_ms);
    if (pidfd >= 0)
        close(pidfd);
    return r;
}

static int
escalate(int pidfd, pid_t pid, guint64 start_time, unsigned term_ms, unsigned kill_ms)
{
    if (term_ms > 0) {
        int r = send_signal(pidfd, pid, start_time, SIGTERM);
        if (r == -ESRCH)
            return 0;
        if (r < 0)
            return r;
        /* A stopped process (SIGSTOP, a debugger) keeps SIGTERM pending until it runs
         * again; SIGCONT lets it act on it.  SIGKILL needs no such help. */
        send_signal(pidfd, pid, start_time, SIGCONT);
        r = wait_exit(pidfd, pid, start_time, term_ms);
        if (r != -ETIMEDOUT)
            return r;
    }

    int r = send_signal(pidfd, pid, start_time, SIGKILL);
    if (r == -ESRCH)
        return 0;
    if (r < 0)
        return r;
    return wait_exit(pidfd, pid, start_time, kill_ms);
}

int
mv_proc_kill_wait(pid_t pid, guint64 start_time, unsigned term_ms, unsigned kill_ms)
{
    int pidfd = mv_proc_pidfd_open(pid, start_time);
    if (pidfd == -ESRCH)
        return 0;
    if (pidfd < 0 && pidfd != -ENOSYS)
        return pidfd;
    int r = escalate(pidfd, pid, start_time, term_ms, kill_ms);
    if (pidfd >= 0)
        close(pidfd);
    return r;
}
