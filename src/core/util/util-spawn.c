// SPDX-License-Identifier: LGPL-2.1-or-later
// mv_spawn_capture: posix_spawn plus a poll loop over the child's pipes.

#include "util/util-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void
close_pair(int p[2])
{
    if (p[0] >= 0) close(p[0]);
    if (p[1] >= 0) close(p[1]);
    p[0] = p[1] = -1;
}

static gpointer
ignore_sigpipe(gpointer data)
{
    /* A helper that exits before reading all of its input must not kill us with SIGPIPE
     * when we write the rest; write() then fails with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    return NULL;
}

int
mv_spawn_capture(const char *const *argv, const char *input, unsigned timeout_ms,
                 char **ret_out, char **ret_err, int *ret_status)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    char *const envp[] = { (char *)"LC_ALL=C", (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    pid_t pid;
    int r;
    static GOnce sigpipe_once = G_ONCE_INIT;

    g_once(&sigpipe_once, ignore_sigpipe, NULL);

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        r = -errno;
        close_pair(in); close_pair(out); close_pair(err);
        return r;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    /* Our own fds are O_CLOEXEC; this also closes what the daemon inherited from whoever
     * started it (LVM's tools, for one, complain about every such fd). */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&attr);
    /* The daemon ignores SIGPIPE; the helper should not inherit that. */
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    /* Every fd of ours is O_CLOEXEC, so the child gets only 0, 1 and 2. */
    r = -posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[0]); close(out[1]); close(err[1]);
    in[0] = out[1] = err[1] = -1;
    if (r < 0) {
        close_pair(in); close_pair(out); close_pair(err);
        return r;
    }
    if (!input) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }

    g_autoptr(GString) obuf = g_string_new(NULL);
    g_autoptr(GString) ebuf = g_string_new(NULL);
    size_t in_off = 0, in_len = input ? strlen(input) : 0;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    r = 0;
    while (out[0] >= 0 || err[0] >= 0) {
        struct pollfd p[3] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        if (left <= 0) {
            r = -ETIMEDOUT;
            break;
        }
        if (poll(p, 3, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        if (p[2].revents) {
            ssize_t n = write(in[1], input + in_off, in_len - in_off);
            if (n > 0)
                in_off += n;
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                in_off = in_len;   /* the child stopped reading: give up on stdin */
            if (in_off >= in_len) {
                close(in[1]);
                in[1] = -1;
            }
        }
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &out[0] : &err[0];
            GString *buf = i == 0 ? obuf : ebuf;
            if (!p[i].revents)
                continue;
            char chunk[8192];
            ssize_t n = read(*fd, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(*fd);
                *fd = -1;
                continue;
            }
            if (buf->len + n > MV_SPAWN_OUTPUT_MAX) {
                r = -EFBIG;
                break;
            }
            g_string_append_len(buf, chunk, n);
        }
        if (r < 0)
            break;
    }
    close_pair(in); close_pair(out); close_pair(err);
    if (r < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return r;
    if (ret_out)
        *ret_out = g_string_free(g_steal_pointer(&obuf), FALSE);
    if (ret_err)
        *ret_err = g_string_free(g_steal_pointer(&ebuf), FALSE);
    *ret_status = status;
    return 0;
}
