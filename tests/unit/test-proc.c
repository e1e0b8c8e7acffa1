// SPDX-License-Identifier: LGPL-2.1-or-later
// Process helpers: the /proc/PID/stat parser (comm with ')' and spaces), identity by start
// time, thread ids, and waiting/killing for children and for processes that are not our
// children (double-forked, as guests are).

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util-proc.h"

static void
test_parse_stat(void)
{
    /* A comm that tries to fool a parser splitting at the first ')'. */
    const char *line = "4242 (a) (b c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 3 0 "
                       "987654 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n";
    g_autofree char *comm = NULL;
    char state = 0;
    guint64 start = 0;
    g_assert_cmpint(mv_proc_parse_stat(line, &comm, &state, &start), ==, 0);
    g_assert_cmpstr(comm, ==, "a) (b c)");
    g_assert_cmpint(state, ==, 'S');
    g_assert_cmpuint(start, ==, 987654);

    g_assert_cmpint(mv_proc_parse_stat("12 (x) S 1 2 3\n", NULL, NULL, &start), ==, -EINVAL);
    g_assert_cmpint(mv_proc_parse_stat("no parens at all", NULL, NULL, &start), ==, -EINVAL);
    g_assert_cmpint(mv_proc_parse_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x 1\n", NULL, NULL,
                                       &start), ==, -EINVAL);
}

static void
test_self(void)
{
    guint64 start = 0;
    g_assert_cmpint(mv_proc_start_time(getpid(), &start), ==, 0);
    g_assert_cmpuint(start, >, 0);
    g_assert_true(mv_proc_is_alive_same(getpid(), start));
    g_assert_false(mv_proc_is_alive_same(getpid(), start + 1));
    g_assert_cmpint(mv_proc_start_time(0, &start), ==, -ESRCH);

    /* Rename ourselves to something awkward and read it back. */
    g_autofree char *old = NULL, *comm = NULL;
    g_assert_cmpint(mv_proc_comm(getpid(), &old), ==, 0);
    prctl(PR_SET_NAME, "t) (x y", 0, 0, 0);
    g_assert_cmpint(mv_proc_comm(getpid(), &comm), ==, 0);
    g_assert_cmpstr(comm, ==, "t) (x y");
    g_assert_cmpint(mv_proc_start_time(getpid(), &start), ==, 0);
    g_assert_true(mv_proc_is_alive_same(getpid(), start));
    prctl(PR_SET_NAME, old, 0, 0, 0);

    g_auto(GStrv) argv = NULL;
    g_assert_cmpint(mv_proc_cmdline(getpid(), &argv), ==, 0);
    g_assert_nonnull(argv[0]);
    g_assert_nonnull(strstr(argv[0], "test-proc"));
}

static gpointer
idle_thread(gpointer data)
{
    GMutex *m = data;
    g_mutex_lock(m);
    g_mutex_unlock(m);
    return NULL;
}

static void
test_threads(void)
{
    GMutex m;
    g_mutex_init(&m);
    g_mutex_lock(&m);
    GThread *t = g_thread_new("idle", idle_thread, &m);

    g_autofree pid_t *tids = NULL;
    size_t n = 0;
    g_assert_cmpint(mv_proc_thread_ids(getpid(), &tids, &n), ==, 0);
    g_assert_cmpuint(n, >=, 2);
    g_assert_cmpint(tids[0], ==, getpid());  /* ascending, and the leader has the lowest id */
    for (size_t i = 1; i < n; i++)
        g_assert_cmpint(tids[i], >, tids[i - 1]);

    g_mutex_unlock(&m);
    g_thread_join(t);
    g_mutex_clear(&m);
}

/* A child that ignores SIGTERM (only SIGKILL ends it). */
static pid_t
stubborn_child(void)
{
    int ready[2];
    g_assert_cmpint(pipe2(ready, O_CLOEXEC), ==, 0);
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  /* never outlive a failed test */
        signal(SIGTERM, SIG_IGN);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char c;
    close(ready[1]);
    g_assert_cmpint(read(ready[0], &c, 1), ==, 1);
    close(ready[0]);
    return pid;
}

static void
test_kill_child(void)
{
    pid_t pid = stubborn_child();
    guint64 start;
    g_assert_cmpint(mv_proc_start_time(pid, &start), ==, 0);

    /* Still alive after the wait: SIGTERM is ignored. */
    g_assert_cmpint(mv_proc_wait_exit(pid, start, 50), ==, -ETIMEDOUT);

    gint64 t0 = g_get_monotonic_time();
    g_assert_cmpint(mv_proc_kill_wait(pid, start, 200, 2000), ==, 0);
    gint64 ms = (g_get_monotonic_time() - t0) / 1000;
    g_assert_cmpint(ms, >=, 190);    /* waited out SIGTERM */
    g_assert_cmpint(ms, <, 1500);    /* SIGKILL took effect at once */

    /* Our child is a zombie now: gone for every purpose but the pid. */
    g_assert_false(mv_proc_is_alive_same(pid, start));
    char state = 0;
    g_assert_cmpint(mv_proc_state(pid, &state), ==, 0);
    g_assert_cmpint(state, ==, 'Z');
    g_assert_cmpint(mv_proc_kill_wait(pid, start, 100, 100), ==, 0);
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    g_assert_cmpint(mv_proc_kill_wait(pid, start, 100, 100), ==, 0);
}

static void
test_kill_stopped(void)
{
    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (;;)
            pause();
    }
    guint64 start;
    g_assert_cmpint(mv_proc_start_time(pid, &start), ==, 0);
    kill(pid, SIGSTOP);
    /* SIGTERM alone would stay pending in a stopped process; kill_wait continues it. */
    gint64 t0 = g_get_monotonic_time();
    g_assert_cmpint(mv_proc_kill_wait(pid, start, 3000, 1000), ==, 0);
    g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, <, 2000);
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void
test_kill_non_child(void)
{
    /* Double fork: the grandchild is adopted by init (or a subreaper), like a guest. */
    int p[2];
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    pid_t mid = fork();
    g_assert_cmpint(mid, >=, 0);
    if (mid == 0) {
        pid_t gc = fork();
        if (gc == 0) {
            for (;;)
                pause();
        }
        if (write(p[1], &gc, sizeof(gc)) != sizeof(gc))
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    pid_t gc = 0;
    g_assert_cmpint(read(p[0], &gc, sizeof(gc)), ==, sizeof(gc));
    close(p[0]);
    g_assert_cmpint(waitpid(mid, NULL, 0), ==, mid);

    guint64 start;
    g_assert_cmpint(mv_proc_start_time(gc, &start), ==, 0);
    g_assert_true(mv_proc_is_alive_same(gc, start));
    g_assert_cmpint(mv_proc_kill_wait(gc, start, 1000, 1000), ==, 0);
    g_assert_false(mv_proc_is_alive_same(gc, start));
    /* A stale identity is "already gone", never a signal to whoever has the pid now. */
    g_assert_cmpint(mv_proc_kill_wait(gc, start - 1, 100, 100), ==, 0);
    /* Gone, or a zombie until init reaps it: then its pidfd polls readable at once. */
    int fd = mv_proc_pidfd_open(gc, start);
    g_assert_true(fd == -ESRCH || fd >= 0);
    if (fd >= 0) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        g_assert_cmpint(poll(&pfd, 1, 0), ==, 1);
        close(fd);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/proc/parse-stat", test_parse_stat);
    g_test_add_func("/proc/self", test_self);
    g_test_add_func("/proc/threads", test_threads);
    g_test_add_func("/proc/kill/child", test_kill_child);
    g_test_add_func("/proc/kill/stopped", test_kill_stopped);
    g_test_add_func("/proc/kill/non-child", test_kill_non_child);
    return g_test_run();
}
