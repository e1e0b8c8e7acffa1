// SPDX-License-Identifier: LGPL-2.1-or-later
// QEMU processes: spawn (double fork, pipe handshake), log, cgroup, monitor, vCPU threads,
// stop and reattach.  The forked children run only async-signal-safe calls between fork
// and exec: the daemon is multithreaded, and a lock held by another thread at fork time
// stays held forever in the child.

#include "qemu-process.h"

#include "mv-config.h"
#include "util/util-error.h"
#include "util/util-proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lines and bytes of the log quoted in a start-up error: enough for QEMU's complaint
 * (one or two lines, sometimes a warning before it), bounded so that a chatty guest
 * cannot blow up an error message. */
#define LOG_TAIL_LINES 10
#define LOG_TAIL_BYTES 4096

/* How long the spawn handshake may take: fork, setsid, fork, exec.  Milliseconds
 * normally; the bound only matters if the host is thrashing. */
#define SPAWN_HANDSHAKE_MS 10000

/* How long a QEMU whose monitor went away gets to finish exiting before we decide it
 * crashed (then the log says why) rather than that its monitor misbehaved. */
#define EXIT_GRACE_MS 1000

/* Highest fd the close() loop visits on kernels without close_range() (before 5.9): the
 * fd limit, but no more than this, since an unlimited RLIMIT_NOFILE would make the loop
 * run for ever.  Daemons do not open anywhere near this many. */
#define CLOSE_LOOP_MAX_FD 65536

/* The environment QEMU gets: nothing of the daemon's.  C locale for stable messages
 * (we quote them in errors); a fixed PATH for the helpers QEMU may run. */
#define QEMU_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct QemuProcess {
    char *name;
    pid_t pid;
    guint64 start_time;
    int pidfd;                  /* -1 on kernels without pidfds */
    char *monitor_path;
    QemuMonitor *mon;
    MvCgroup *cgroup;
    pid_t *vcpu_tids;
    size_t nvcpus;
};

void
qemu_process_free(QemuProcess *proc)
{
    if (!proc)
        return;
    if (proc->mon) {
        /* Forgetting a QEMU is not its end: its monitor closing must not look like one. */
        qemu_monitor_expect_eof(proc->mon);
        qemu_monitor_free(proc->mon);
    }
    if (proc->pidfd >= 0)
        close(proc->pidfd);
    mv_cgroup_free(proc->cgroup);
    g_free(proc->vcpu_tids);
    g_free(proc->monitor_path);
    g_free(proc->name);
    g_free(proc);
}

pid_t
qemu_process_pid(const QemuProcess *proc)
{
    return proc->pid;
}

guint64
qemu_process_start_time(const QemuProcess *proc)
{
    return proc->start_time;
}

QemuMonitor *
qemu_process_monitor(const QemuProcess *proc)
{
    return proc->mon;
}

MvCgroup *
qemu_process_cgroup(const QemuProcess *proc)
{
    return proc->cgroup;
}

const pid_t *
qemu_process_vcpu_tids(const QemuProcess *proc, size_t *ret_ntids)
{
    *ret_ntids = proc->nvcpus;
    return proc->vcpu_tids;
}

bool
qemu_process_is_alive(const QemuProcess *proc)
{
    if (proc->pidfd >= 0) {
        struct pollfd pfd = { .fd = proc->pidfd, .events = POLLIN };
        return poll(&pfd, 1, 0) == 0;
    }
    return mv_proc_is_alive_same(proc->pid, proc->start_time);
}

void
qemu_process_kill_now(QemuProcess *proc)
{
    /* Through the pidfd when we have one: it cannot name a recycled pid. */
    if (proc->pidfd >= 0) {
        if (syscall(SYS_pidfd_send_signal, proc->pidfd, SIGKILL, NULL, 0) == 0)
            return;
    }
    if (mv_proc_is_alive_same(proc->pid, proc->start_time))
        kill(proc->pid, SIGKILL);
}

bool
qemu_process_refresh_vcpus(QemuProcess *proc, GError **error)
{
    g_autofree QemuMonitorCpu *cpus = NULL;
    size_t n = 0;
    if (!qemu_monitor_query_cpus_fast(proc->mon, &cpus, &n, error))
        return false;
    g_free(proc->vcpu_tids);
    proc->vcpu_tids = g_new0(pid_t, MAX(n, 1));
    for (size_t i = 0; i < n; i++)
        proc->vcpu_tids[i] = cpus[i].thread_id;
    proc->nvcpus = n;
    return true;
}

static QemuProcess *
process_new(const QemuLaunchOpts *opts)
{
    QemuProcess *proc = g_new0(QemuProcess, 1);
    proc->name = g_strdup(opts->name);
    proc->monitor_path = g_strdup(opts->monitor_path);
    proc->pidfd = -1;
    return proc;
}

/* ---- the log ---- */

/* An argument as a shell would need it, so the logged line can be pasted to reproduce. */
static char *
quote_arg(const char *arg)
{
    if (*arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "-_=,.:/+@%") == strlen(arg))
        return g_strdup(arg);
    return g_shell_quote(arg);
}

/* "<time>: starting up ..." then the environment and the command line, one option per
 * line, the way libvirt's per-domain logs look (people grep them the same way). */
static char *
log_header(const char *const *envp, const char *binary, const char *const *argv)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    struct utsname un;
    if (uname(&un) < 0)
        memset(&un, 0, sizeof(un));

    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "%s.%03d+0000: starting up modvirt version: %s, kernel: %s, hostname: %s\n",
                           stamp, g_date_time_get_microsecond(now) / 1000, MV_VERSION, un.release,
                           un.nodename);
    for (const char *const *e = envp; *e; e++) {
        g_autofree char *q = quote_arg(*e);
        g_string_append_printf(out, "%s \\\n", q);
    }
    g_autofree char *qb = quote_arg(binary);
    g_string_append(out, qb);
    for (size_t i = 1; argv[i]; i++) {
        g_autofree char *q = quote_arg(argv[i]);
        /* An option and its value share a line. */
        bool value = argv[i][0] != '-' && argv[i - 1][0] == '-' && i > 1;
        g_string_append_printf(out, value ? " %s" : " \\\n%s", q);
    }
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

static int
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The last lines QEMU wrote to the log after @from, trimmed; NULL when it wrote none. */
static char *
log_tail(const char *path, off_t from)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= from) {
        close(fd);
        return NULL;
    }
    off_t start = MAX(from, st.st_size - LOG_TAIL_BYTES);
    g_autofree char *buf = g_malloc0((size_t)(st.st_size - start) + 1);
    ssize_t n = pread(fd, buf, (size_t)(st.st_size - start), start);
    close(fd);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    g_strstrip(buf);

    /* Keep the last LOG_TAIL_LINES lines. */
    const char *p = buf + strlen(buf);
    for (int lines = 0; p > buf; p--) {
        if (p[-1] == '\n' && ++lines == LOG_TAIL_LINES)
            break;
    }
    return *p ? g_strdup(p) : NULL;
}

/* The error for a QEMU that went away while starting: its own last words. */
static void
set_exited_error(GError **error, const char *log_path, off_t log_from)
{
    g_autofree char *tail = log_tail(log_path, log_from);
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "qemu unexpectedly closed the monitor: %s",
                 tail ? tail : "(no output in the log)");
}

/* ---- spawning ---- */

/* Everything the children need, prepared before fork: they may not allocate. */
typedef struct {
    const char *binary;
    char *const *argv;
    char *const *envp;
    int devnull;
    int log_fd;
    const int *pass_fds;
    size_t n_pass_fds;
    int *keep;            /* fds to survive into exec, ascending: pass_fds + the status pipe */
    size_t n_keep;
    int max_fd;           /* for the close() loop when close_range() is missing */
    bool own_session;
    const char *const *cgroup_files;  /* what QEMU writes to join its cgroup; NULL: none */
    const int *drop_caps;  /* dropped from QEMU's bounding set before exec */
    size_t n_drop_caps;
} SpawnPlan;

/* What the children report on the status pipe: first the intermediate's SPAWN_PID, then
 * (after the "go") nothing when exec succeeded, or one failure.  A record is one write()
 * of less than PIPE_BUF bytes, so two writers never interleave within one. */
typedef enum {
    SPAWN_PID,            /* value: QEMU's pid */
    SPAWN_FORK_FAILED,    /* value: errno of setsid() or fork() in the intermediate */
    SPAWN_CGROUP_FAILED,  /* value: errno of joining the cgroup */
    SPAWN_EXEC_FAILED,    /* value: errno of preparing the fds or of execve() */
} SpawnEvent;

typedef struct {
    int event;            /* SpawnEvent */
    int value;
} SpawnStatus;

/* Close every fd >= @first not in plan->keep.  Async-signal-safe. */
static void
close_other_fds(const SpawnPlan *plan, int first)
{
    unsigned from = (unsigned)first;
    for (size_t i = 0; i <= plan->n_keep; i++) {
        unsigned to = i < plan->n_keep ? (unsigned)plan->keep[i] : ~0U;
        if (to < from)
            continue;
        if (to > from) {
            unsigned last = i < plan->n_keep ? to - 1 : ~0U;
#ifdef SYS_close_range
            if (syscall(SYS_close_range, from, last, 0) == 0) {
                from = to + 1;
                continue;
            }
#endif
            /* Kernels before 5.9: one by one, up to the fd limit. */
            for (unsigned fd = from; fd <= last && fd <= (unsigned)plan->max_fd; fd++)
                close((int)fd);
        }
        from = to + 1;
    }
}

/* Send one record to the daemon.  Async-signal-safe. */
static void
report(int status_wr, SpawnEvent event, int value)
{
    SpawnStatus st = { .event = event, .value = value };
    ssize_t n;
    do {
        n = write(status_wr, &st, sizeof(st));
    } while (n < 0 && errno == EINTR);
}

/* Report failure @event with errno @err to the daemon and die.  Async-signal-safe. */
static G_GNUC_NORETURN void
child_fail(int status_wr, SpawnEvent event, int err)
{
    report(status_wr, event, err);
    _exit(127);
}

/* The QEMU process, between fork and exec.  Async-signal-safe calls only. */
static G_GNUC_NORETURN void
run_qemu_child(const SpawnPlan *plan, int sync_rd, int status_wr)
{
    /* Join the cgroup before exec, so that nothing QEMU does escapes its accounting: v1
     * memory charges a page to the group of whoever touched it first and does not move
     * charges with the task, and every thread QEMU creates inherits the group.  We join
     * ourselves rather than being moved by the daemon because a single-threaded process
     * joining itself is cheap (see mv_cgroup_join_files), and because it overlaps with the
     * daemon's own work before the "go". */
    int cgroup_err = plan->cgroup_files ? -mv_cgroup_join_self(plan->cgroup_files) : 0;

    /* Wait for the daemon's "go": it knows our pid and start time then, so that nothing it
     * does to us later (killing us after a failure) can hit a recycled pid.  Anything else
     * (EOF: the daemon died or gave up) means we must not become QEMU. */
    char go = 0;
    ssize_t n;
    do {
        n = read(sync_rd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || go != 'g')
        _exit(127);
    if (cgroup_err)
        child_fail(status_wr, SPAWN_CGROUP_FAILED, cgroup_err);

    /* A root exec gets its bounding set: what the daemon keeps for itself alone goes first.
     * A drop can only fail without CAP_SETPCAP, i.e. in a daemon that is not root, where the
     * bounding set gives an exec nothing. */
    for (size_t i = 0; i < plan->n_drop_caps; i++) {
        if (prctl(PR_CAPBSET_DROP, (unsigned long)plan->drop_caps[i], 0, 0, 0) < 0 && errno != EINVAL &&
            geteuid() == 0 && prctl(PR_CAPBSET_READ, (unsigned long)plan->drop_caps[i], 0, 0, 0) > 0)
            child_fail(status_wr, SPAWN_EXEC_FAILED, errno);
    }

    /* Signals the daemon blocks or ignores would stay so across exec. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);  /* fails harmlessly for KILL, STOP, libc-internal ones */

    /* Our fds are all >= 3 (see prepare_fd), so these dup2s cannot clobber each other;
     * dup2 also clears close-on-exec on 0-2. */
    if (dup2(plan->devnull, STDIN_FILENO) < 0 || dup2(plan->log_fd, STDOUT_FILENO) < 0 ||
        dup2(plan->log_fd, STDERR_FILENO) < 0)
        child_fail(status_wr, SPAWN_EXEC_FAILED, errno);
    for (size_t i = 0; i < plan->n_pass_fds; i++) {
        if (fcntl(plan->pass_fds[i], F_SETFD, 0) < 0)
            child_fail(status_wr, SPAWN_EXEC_FAILED, errno);
    }
    close_other_fds(plan, 3);

    execve(plan->binary, plan->argv, plan->envp);
    child_fail(status_wr, SPAWN_EXEC_FAILED, errno);
}

/* The intermediate process: new session, fork QEMU, report its pid, exit.  QEMU's
 * parent is then gone and it is adopted by init (or the nearest subreaper), which reaps
 * it: the daemon never has a QEMU zombie to collect, and a restarted daemon sees its
 * guests exactly as the first one did. */
static G_GNUC_NORETURN void
run_intermediate(const SpawnPlan *plan, int sync_rd, int sync_wr, int status_rd, int status_wr)
{
    close(sync_wr);     /* so that only the daemon holds it: its death is QEMU's EOF */
    close(status_rd);
    /* Guests must not get the daemon's terminal signals or die with its session. */
    if (plan->own_session && setsid() < 0)
        child_fail(status_wr, SPAWN_FORK_FAILED, errno);
    /* _Fork, not fork: no atfork handlers, which is what makes it safe in a child of a
     * multithreaded process. */
    pid_t pid = _Fork();
    if (pid < 0)
        child_fail(status_wr, SPAWN_FORK_FAILED, errno);
    if (pid == 0)
        run_qemu_child(plan, sync_rd, status_wr);
    report(status_wr, SPAWN_PID, (int)pid);
    _exit(0);
}

/* Move @fd above the standard descriptors (a daemon with 0-2 closed gets them back from
 * open()), keeping close-on-exec. */
static int
prepare_fd(int fd)
{
    if (fd < 0 || fd > STDERR_FILENO)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    int err = errno;
    close(fd);
    errno = err;
    return moved;
}

/* Read one record from the status pipe within @deadline.  Returns 1 when read, 0 at EOF,
 * -errno (-ETIMEDOUT) otherwise. */
static int
read_status(int fd, SpawnStatus *ret_status, gint64 deadline)
{
    size_t got = 0;
    char *buf = (char *)ret_status;
    while (got < sizeof(*ret_status)) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int r = poll(&pfd, 1, (int)MIN((left + 999) / 1000, G_MAXINT));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            continue;
        ssize_t n = read(fd, buf + got, sizeof(*ret_status) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return got == 0 ? 0 : -EPROTO;
        got += (size_t)n;
    }
    return 1;
}

/* Collect the intermediate process, which exits right after reporting QEMU's pid. */
static void
reap_intermediate(pid_t mid)
{
    while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
        ;  /* ECHILD: someone set SIGCHLD to SIG_IGN and the kernel reaped it; fine */
}

static int
compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

typedef struct {
    int fds[4];   /* sync_rd, sync_wr, status_rd, status_wr */
} SpawnPipes;

static void
spawn_pipes_close(SpawnPipes *p)
{
    for (size_t i = 0; i < G_N_ELEMENTS(p->fds); i++) {
        if (p->fds[i] >= 0)
            close(p->fds[i]);
        p->fds[i] = -1;
    }
}

/* Fork QEMU through an intermediate process; QEMU joins its cgroup (plan->cgroup_files)
 * and holds before exec until we know its pid and start time.  Sets proc's pid, start
 * time and pidfd. */
static bool
spawn(QemuProcess *proc, SpawnPlan *plan, GError **error)
{
    SpawnPipes pipes = { { -1, -1, -1, -1 } };
    for (int i = 0; i < 2; i++) {
        /* The "go" channel is a socket pair so that we can write to it with MSG_NOSIGNAL:
         * a QEMU child killed meanwhile must not take the daemon down with SIGPIPE. */
        int p[2];
        int r = i == 0 ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) : pipe2(p, O_CLOEXEC);
        if (r < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot create a pipe to start QEMU for '%s'",
                               proc->name);
            spawn_pipes_close(&pipes);
            return false;
        }
        pipes.fds[2 * i] = prepare_fd(p[0]);
        pipes.fds[2 * i + 1] = prepare_fd(p[1]);
        if (pipes.fds[2 * i] < 0 || pipes.fds[2 * i + 1] < 0) {
            mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot create a pipe to start QEMU for '%s'",
                               proc->name);
            spawn_pipes_close(&pipes);
            return false;
        }
    }
    int sync_rd = pipes.fds[0], sync_wr = pipes.fds[1], status_rd = pipes.fds[2], status_wr = pipes.fds[3];

    g_autofree int *keep = g_new(int, plan->n_pass_fds + 1);
    if (plan->n_pass_fds)
        memcpy(keep, plan->pass_fds, plan->n_pass_fds * sizeof(int));
    keep[plan->n_pass_fds] = status_wr;
    qsort(keep, plan->n_pass_fds + 1, sizeof(int), compare_int);
    plan->keep = keep;
    plan->n_keep = plan->n_pass_fds + 1;

    pid_t mid = fork();
    if (mid < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot fork to start QEMU for '%s'", proc->name);
        spawn_pipes_close(&pipes);
        return false;
    }
    if (mid == 0)
        run_intermediate(plan, sync_rd, sync_wr, status_rd, status_wr);

    close(sync_rd);
    close(status_wr);
    pipes.fds[0] = pipes.fds[3] = -1;

    gint64 deadline = g_get_monotonic_time() + (gint64)SPAWN_HANDSHAKE_MS * 1000;
    SpawnStatus st = { 0 };
    int r = read_status(status_rd, &st, deadline);
    if (r <= 0 || st.event != SPAWN_PID || st.value <= 0) {
        int err = r < 0 ? -r : (r == 0 || st.event == SPAWN_PID ? EPROTO : st.value);
        mv_error_set_errno(error, MV_FROM_QEMU, err, "cannot start QEMU for '%s'", proc->name);
        spawn_pipes_close(&pipes);
        reap_intermediate(mid);
        return false;
    }
    proc->pid = st.value;

    /* QEMU waits on the sync pipe, so it is alive and its start time is final (exec does
     * not change it). */
    r = mv_proc_start_time(proc->pid, &proc->start_time);
    if (r == 0) {
        int fd = mv_proc_pidfd_open(proc->pid, proc->start_time);
        proc->pidfd = fd >= 0 ? fd : -1;
        if (fd < 0 && fd != -ENOSYS)
            r = fd;
    }
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot watch QEMU process %d of '%s'", (int)proc->pid,
                           proc->name);
        spawn_pipes_close(&pipes);  /* EOF on the sync pipe: it exits without exec */
        reap_intermediate(mid);
        return false;
    }

    do {
        r = send(sync_wr, "g", 1, MSG_NOSIGNAL) == 1 ? 0 : -errno;
    } while (r == -EINTR);
    close(sync_wr);
    pipes.fds[1] = -1;
    /* Reaped only now: its exit (tearing down its copy of our address space) need not
     * delay QEMU's "go". */
    reap_intermediate(mid);
    st.event = SPAWN_EXEC_FAILED;
    if (r == 0) {
        /* EOF: exec succeeded (close-on-exec closed the pipe).  A record: what failed. */
        r = read_status(status_rd, &st, deadline);
        if (r == 1)
            r = -st.value;
    }
    spawn_pipes_close(&pipes);
    if (r < 0 && st.event == SPAWN_CGROUP_FAILED) {
        mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot move QEMU process %d of '%s' into its cgroup",
                           (int)proc->pid, proc->name);
        return false;
    }
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot execute QEMU binary '%s' for '%s'", plan->binary,
                           proc->name);
        return false;
    }
    return true;
}

/* Undo a launch that failed after the spawn: no process, no cgroup stays. */
static void
launch_abort(QemuProcess *proc)
{
    if (proc->mon)
        qemu_monitor_expect_eof(proc->mon);
    if (proc->pid > 0)
        mv_proc_kill_wait(proc->pid, proc->start_time, 0, QEMU_PROCESS_KILL_WAIT_MS);
    if (proc->cgroup) {
        mv_cgroup_remove(proc->cgroup);
        g_clear_pointer(&proc->cgroup, mv_cgroup_free);
    }
    if (proc->monitor_path)
        unlink(proc->monitor_path);
}

/* Open the log for appending and write the header.  Returns the fd (close-on-exec) and
 * the offset where QEMU's own output will start. */
static int
open_log(const QemuLaunchOpts *opts, const char *header, off_t *ret_offset, GError **error)
{
    int fd = prepare_fd(open(opts->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot open log file '%s' for '%s'", opts->log_path,
                           opts->name);
        return -1;
    }
    struct stat st;
    int r = write_all(fd, header, strlen(header));
    if (r == 0 && fstat(fd, &st) < 0)
        r = -errno;
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot write log file '%s' for '%s'", opts->log_path,
                           opts->name);
        close(fd);
        return -1;
    }
    *ret_offset = st.st_size;
    return fd;
}

static bool
check_opts(const char *const *argv, const QemuLaunchOpts *opts, GError **error)
{
    if (!argv || !argv[0] || !opts || !opts->name || !opts->log_path || !opts->monitor_path) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "a QEMU launch needs a command line, a domain name, a log file and a monitor path");
        return false;
    }
    for (size_t i = 0; i < opts->n_pass_fds; i++) {
        if (opts->pass_fds[i] <= STDERR_FILENO) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "cannot pass fd %d to QEMU for '%s'",
                         opts->pass_fds[i], opts->name);
            return false;
        }
    }
    return true;
}

static QemuMonitor *
open_monitor(QemuProcess *proc, const QemuLaunchOpts *opts, GError **error)
{
    void *opaque = opts->opaque_ref ? opts->opaque_ref(opts->opaque) : opts->opaque;
    GDestroyNotify opaque_free = opts->opaque_ref ? opts->opaque_unref : NULL;
    QemuMonitor *mon = (opts->run ? qemu_monitor_open_cont : qemu_monitor_open)(
        opts->monitor_path, proc->pidfd, opts->monitor_timeout_ms, &opts->callbacks, opaque, opaque_free, error);
    if (!mon && opts->opaque_ref && opts->opaque_unref)
        opts->opaque_unref(opaque);
    return mon;
}

/* After exec: the monitor, "cont" if asked, then the vCPU threads.  On failure, the error
 * says why QEMU died if it did. */
static bool
connect_new(QemuProcess *proc, const QemuLaunchOpts *opts, off_t log_from, GError **error)
{
    g_autoptr(GError) local = NULL;
    proc->mon = open_monitor(proc, opts, &local);
    if (proc->mon && qemu_process_refresh_vcpus(proc, &local))
        return true;

    /* A closed monitor usually means QEMU is on its way out; let it finish, then its log
     * says more than our socket error. */
    bool gone = !mv_error_is(local, MV_ERR_OPERATION_TIMEOUT) &&
                mv_proc_wait_exit(proc->pid, proc->start_time, EXIT_GRACE_MS) == 0;
    if (gone || !mv_proc_is_alive_same(proc->pid, proc->start_time))
        set_exited_error(error, opts->log_path, log_from);
    else
        g_propagate_error(error, g_steal_pointer(&local));
    return false;
}

bool
qemu_process_launch(const char *const *argv, const QemuLaunchOpts *opts, QemuProcess **ret_proc,
                    GError **error)
{
    if (!check_opts(argv, opts, error))
        return false;

    g_autofree char *binary = strchr(argv[0], '/') ? g_strdup(argv[0]) : g_find_program_in_path(argv[0]);
    if (!binary || access(binary, F_OK) < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, ENOENT, "Cannot find QEMU binary '%s'", argv[0]);
        return false;
    }

    g_autoptr(QemuProcess) proc = process_new(opts);
    if (opts->cgroup_name) {
        int r = mv_cgroup_create(NULL, opts->cgroup_parent, opts->cgroup_name, &proc->cgroup);
        if (r < 0) {
            mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot create cgroup '%s/%s' for '%s'",
                               opts->cgroup_parent ? opts->cgroup_parent : MV_CGROUP_DEFAULT_PARENT,
                               opts->cgroup_name, opts->name);
            return false;
        }
    }

    g_autofree char *home = g_strdup_printf("HOME=%s", opts->home ? opts->home : "/root");
    const char *envp[] = { "LC_ALL=C", "PATH=" QEMU_PATH, home, NULL };
    g_autofree char *header = log_header(envp, binary, argv);
    off_t log_from = 0;
    int log_fd = open_log(opts, header, &log_from, error);
    if (log_fd < 0) {
        launch_abort(proc);
        return false;
    }
    int devnull = prepare_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (devnull < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot open /dev/null for '%s'", opts->name);
        close(log_fd);
        launch_abort(proc);
        return false;
    }

    /* A stale socket from a crashed run would answer nothing; QEMU creates a fresh one. */
    if (unlink(opts->monitor_path) < 0 && errno != ENOENT)
        g_debug("cannot remove stale monitor socket '%s': %s, ignoring", opts->monitor_path,
                g_strerror(errno));

    g_auto(GStrv) cgroup_files = proc->cgroup ? mv_cgroup_join_files(proc->cgroup) : NULL;
    struct rlimit rl = { 0 };
    getrlimit(RLIMIT_NOFILE, &rl);
    SpawnPlan plan = {
        .binary = binary,
        .argv = (char *const *)argv,
        .envp = (char *const *)envp,
        .devnull = devnull,
        .log_fd = log_fd,
        .pass_fds = opts->pass_fds,
        .n_pass_fds = opts->n_pass_fds,
        .max_fd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CLOSE_LOOP_MAX_FD ? CLOSE_LOOP_MAX_FD
                                                                                   : (int)rl.rlim_cur,
        .own_session = opts->own_session,
        .cgroup_files = (const char *const *)cgroup_files,
        .drop_caps = opts->drop_caps,
        .n_drop_caps = opts->n_drop_caps,
    };
    bool spawned = spawn(proc, &plan, error);
    close(log_fd);
    close(devnull);

    if (!spawned || !connect_new(proc, opts, log_from, error)) {
        launch_abort(proc);
        return false;
    }
    *ret_proc = g_steal_pointer(&proc);
    return true;
}

/* ---- reattach and stop ---- */

/* Is the command line @cmd that of the QEMU we expect? */
static bool
cmdline_matches(char **cmd, const char *emulator, const char *monitor_path)
{
    if (!cmd || !cmd[0])
        return false;
    if (emulator) {
        g_autofree char *want = g_path_get_basename(emulator);
        g_autofree char *have = g_path_get_basename(cmd[0]);
        if (strcmp(cmd[0], emulator) != 0 && strcmp(want, have) != 0)
            return false;
    } else {
        g_autofree char *have = g_path_get_basename(cmd[0]);
        if (!g_str_has_prefix(have, "qemu"))
            return false;
    }
    for (char **a = cmd + 1; *a; a++) {
        if (strstr(*a, monitor_path))
            return true;
    }
    return false;
}

bool
qemu_process_reattach(pid_t pid, guint64 start_time, const char *emulator, const QemuLaunchOpts *opts,
                      QemuProcess **ret_proc, GError **error)
{
    if (!opts || !opts->name || !opts->monitor_path) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "a QEMU reattach needs a domain name and a monitor path");
        return false;
    }
    if (!mv_proc_is_alive_same(pid, start_time)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "QEMU process %d of domain '%s' is no longer running", (int)pid, opts->name);
        return false;
    }
    g_auto(GStrv) cmd = NULL;
    if (mv_proc_cmdline(pid, &cmd) < 0 || !cmdline_matches(cmd, emulator, opts->monitor_path)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "process %d is not the QEMU of domain '%s' (monitor '%s')", (int)pid, opts->name,
                     opts->monitor_path);
        return false;
    }

    g_autoptr(QemuProcess) proc = process_new(opts);
    proc->pid = pid;
    proc->start_time = start_time;
    int fd = mv_proc_pidfd_open(pid, start_time);
    if (fd == -ESRCH) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "QEMU process %d of domain '%s' is no longer running", (int)pid, opts->name);
        return false;
    }
    proc->pidfd = fd >= 0 ? fd : -1;

    proc->mon = open_monitor(proc, opts, error);
    if (!proc->mon || !qemu_process_refresh_vcpus(proc, error))
        return false;

    if (opts->cgroup_name) {
        int r = mv_cgroup_open(NULL, opts->cgroup_parent, opts->cgroup_name, pid, &proc->cgroup);
        if (r < 0 && r != -ENOENT) {
            mv_error_set_errno(error, MV_FROM_CGROUP, -r, "cannot find the cgroup of domain '%s'",
                               opts->name);
            return false;
        }
    }
    *ret_proc = g_steal_pointer(&proc);
    return true;
}

bool
qemu_process_stop(QemuProcess *proc, bool graceful, GError **error)
{
    if (proc->mon)
        qemu_monitor_expect_eof(proc->mon);

    if (graceful && proc->mon && !qemu_monitor_is_closed(proc->mon)) {
        /* Errors are moot: whatever QEMU says, signals follow if it does not exit. */
        g_autoptr(GError) ignored = NULL;
        gint64 start = g_get_monotonic_time();
        qemu_monitor_command(proc->mon, "quit", NULL, NULL, QEMU_PROCESS_QUIT_WAIT_MS, &ignored);
        gint64 spent_ms = (g_get_monotonic_time() - start) / 1000;
        if (spent_ms < QEMU_PROCESS_QUIT_WAIT_MS)
            mv_proc_wait_exit(proc->pid, proc->start_time, (unsigned)(QEMU_PROCESS_QUIT_WAIT_MS - spent_ms));
    }

    int r = mv_proc_kill_wait(proc->pid, proc->start_time, QEMU_PROCESS_TERM_WAIT_MS,
                              QEMU_PROCESS_KILL_WAIT_MS);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, -r, "cannot stop QEMU process %d of domain '%s'",
                           (int)proc->pid,
                           proc->name);
        return false;
    }

    if (proc->mon)
        qemu_monitor_close(proc->mon);
    if (proc->cgroup) {
        r = mv_cgroup_remove(proc->cgroup);
        if (r < 0)
            g_warning("cannot remove the cgroup of domain '%s': %s, ignoring", proc->name, g_strerror(-r));
        g_clear_pointer(&proc->cgroup, mv_cgroup_free);
    }
    /* QEMU removes its socket on a clean exit, not when killed. */
    unlink(proc->monitor_path);
    return true;
}
