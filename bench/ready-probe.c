// SPDX-License-Identifier: LGPL-2.1-or-later
// ready-probe: how long a daemon takes from exec to its first answered call.  Starts the
// command, then connects, opens and asks CONNECT_GET_LIB_VERSION in a loop until an answer
// comes; prints the time, then stops the daemon with SIGTERM (SIGKILL after a grace period)
// and reaps it.  Uses the raw RPC client so the figure does not depend on libmodvirt.

#include "bench-rpc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Pause between attempts while the socket is not there yet: short, so it adds at most
 * this much to the figure, long enough not to steal a CPU from the daemon. */
#define PROBE_RETRY_US 200

/* Wait for the child to exit for up to @ms; true if it did. */
static bool
reap_within(pid_t pid, int ms, int *ret_status)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
    do {
        pid_t r = waitpid(pid, ret_status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        g_usleep(2000);
    } while (g_get_monotonic_time() < end);
    return false;
}

int
main(int argc, char **argv)
{
    int timeout_s = 60;
    int argi = 1;

    if (argi + 1 < argc && strcmp(argv[argi], "--timeout") == 0) {
        timeout_s = atoi(argv[argi + 1]);
        argi += 2;
    }
    if (argc - argi < 3 || strcmp(argv[argi + 1], "--") != 0) {
        fprintf(stderr, "usage: %s [--timeout SECONDS] URI -- COMMAND [ARG...]\n"
                        "URI must name the socket: qemu:///system?socket=PATH\n", argv[0]);
        return 2;
    }
    const char *uri = argv[argi];
    char **cmd = argv + argi + 2;
    g_autofree char *sock = bench_uri_socket(uri);
    if (!sock) {
        fprintf(stderr, "%s: URI '%s' has no socket= parameter\n", argv[0], uri);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    /* Whatever happens, do not hang the benchmark: SIGALRM ends us, and the daemon with us. */
    alarm(timeout_s + 20);

    pid_t parent = getpid();
    gint64 t0 = g_get_monotonic_time();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        /* If the probe dies, so does the daemon. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        execvp(cmd[0], cmd);
        fprintf(stderr, "cannot run '%s': %s\n", cmd[0], g_strerror(errno));
        _exit(127);
    }

    g_autoptr(GError) last = NULL;
    gint64 ready = 0;
    guint64 version = 0;
    unsigned attempts = 0;
    while (g_get_monotonic_time() - t0 < (gint64)timeout_s * G_USEC_PER_SEC) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "%s: '%s' exited (status 0x%x) before answering: %s\n", argv[0],
                    cmd[0], status, last ? last->message : "no attempt made");
            return 1;
        }
        attempts++;
        g_clear_error(&last);
        g_autoptr(MvRpcClient) c = bench_rpc_open(sock, uri, &last);
        if (c && bench_rpc_lib_version(c, &version, &last)) {
            ready = g_get_monotonic_time();
            break;
        }
        g_usleep(PROBE_RETRY_US);
    }

    int rc = 0;
    if (ready) {
        printf("ready_ms=%.3f attempts=%u pid=%d lib_version=%" G_GUINT64_FORMAT "\n",
               (ready - t0) / 1000.0, attempts, (int)pid, version);
    } else {
        fprintf(stderr, "%s: no answer from '%s' within %d s: %s\n", argv[0], sock, timeout_s,
                last ? last->message : "?");
        rc = 1;
    }
    fflush(stdout);

    int status;
    gint64 t_stop = g_get_monotonic_time();
    kill(pid, SIGTERM);
    if (!reap_within(pid, 15000, &status)) {
        fprintf(stderr, "%s: '%s' ignored SIGTERM for 15 s, killing it\n", argv[0], cmd[0]);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    if (ready)
        printf("stop_ms=%.3f\n", (g_get_monotonic_time() - t_stop) / 1000.0);
    return rc;
}
