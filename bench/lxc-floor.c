// SPDX-License-Identifier: LGPL-2.1-or-later
// The floor of lxc-bench: the least a container start can be on this host.  For each of
// @runs starts it clones init into new pid, mount, uts, ipc, net and cgroup namespaces, makes
// the root private, binds the root directory, mounts /proc, pivots into it and execs init;
// the clock stops when exec has happened (a close-on-exec pipe closes).  Then SIGKILL and
// waitpid, timed as the floor of destroy.  No cgroup, no /dev, no console, no daemon.
// Prints one line per run: "start_ns destroy_ns".
//
// Usage: lxc-floor ROOT INIT [ARG] RUNS

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *root, *init, *arg;
static int err_wr;

static long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
child(void *unused)
{
    char proc[4096];
    (void)unused;
    snprintf(proc, sizeof(proc), "%s/proc", root);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0 ||
        mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 || chdir(root) < 0 ||
        syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        goto fail;
    char *const argv[] = { (char *)init, (char *)arg, NULL };
    char *const envp[] = { "PATH=/bin", NULL };
    execve(init, argv, envp);
fail:
    if (write(err_wr, "x", 1) < 0) {
    }
    _exit(127);
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: lxc-floor ROOT INIT ARG RUNS\n");
        return 2;
    }
    root = argv[1];
    init = argv[2];
    arg = argv[3];
    int runs = atoi(argv[4]);
    size_t stack_size = 256 * 1024;
    char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    for (int i = 0; i < runs; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
            return 1;
        err_wr = p[1];
        long long t0 = now_ns();
        pid_t pid = clone(child, stack + stack_size, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                                         CLONE_NEWNET | CLONE_NEWCGROUP | SIGCHLD, NULL);
        close(p[1]);
        char c;
        ssize_t n = read(p[0], &c, 1);
        long long t1 = now_ns();
        close(p[0]);
        if (pid < 0 || n != 0) {
            fprintf(stderr, "lxc-floor: the container did not start\n");
            return 1;
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        long long t2 = now_ns();
        printf("%lld %lld\n", t1 - t0, t2 - t1);
        fflush(stdout);
    }
    return 0;
}
