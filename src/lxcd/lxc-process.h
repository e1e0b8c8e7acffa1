// SPDX-License-Identifier: LGPL-2.1-or-later
// A container's controller seen from modvirt-lxcd: its cgroups (the controller's own group
// and the container's "payload" group below it, so that the freezer stops the container
// but not the controller serving its console), launching modvirt-lxc-controller with the
// handshake, attaching to a running one after a daemon restart, its commands (stop,
// reboot, console) and live limits.  What the options say (from the domain XML) is
// lxc-command.c's business; the domain object and its events are lxc-domain.c's.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/util-cgroup.h"

/* How long the handshake (controller start, namespaces, mounts, exec of init) may take. */
#define LXC_PROCESS_START_MS 20000
/* How long a command on the controller's socket may take to be answered. */
#define LXC_PROCESS_COMMAND_MS 5000
/* The container's group below the controller's, where the freezer acts. */
#define LXC_PAYLOAD_CGROUP "payload"

typedef struct {
    char *name;
    pid_t init_pid;         /* container init, as the host sees it */
    char *console;          /* the host pty that is the container's console */
    char *socket_path;
    MvCgroup *cgroup;       /* the controller's group, <parent>/<name>.libvirt-lxc */
    MvCgroup *payload;      /* the container's group, <that>/payload */
    int monitor_fd;         /* "monitor" connection: one "exit ..." line when it ends */
} LxcProcess;

void lxc_process_free(LxcProcess *proc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LxcProcess, lxc_process_free)

typedef struct {
    const char *name;
    const char *controller;     /* the controller binary */
    const char *const *options; /* its options, without --socket, --handshake-fd, --cgroup-join */
    const char *socket_path;
    const char *log_path;       /* the controller's stderr (appended) */
    const char *cgroup_parent;  /* NULL: MV_CGROUP_DEFAULT_PARENT */
    guint64 memory_kib;         /* memory limit; 0: none */
    unsigned vcpus;             /* CPU quota in whole CPUs; 0: none */
} LxcLaunchOpts;

/* The group name of container @name below its parent. */
char *lxc_process_cgroup_name(const char *name);

/* Create the cgroups, apply the limits, start the controller and wait for its handshake:
 * on success init runs and the monitor connection is open.  On failure nothing is left
 * (no cgroup, no socket, no process) and @error has the controller's message. */
bool lxc_process_start(const LxcLaunchOpts *opts, LxcProcess **ret_proc, GError **error);

/* Find the controller of container @name again (after a daemon restart) through its
 * socket, and its cgroups.  -ENOENT style failure when it is gone (then the caller calls
 * lxc_process_cleanup_stale). */
bool lxc_process_attach(const char *name, const char *socket_path, const char *cgroup_parent,
                        LxcProcess **ret_proc, GError **error);
/* Remove what a controller that vanished left: its cgroups (killing stray tasks) and socket. */
void lxc_process_cleanup_stale(const char *name, const char *socket_path, const char *cgroup_parent);

/* Send @command (a line of lxc-controller.h's protocol) and wait for "ok". */
bool lxc_process_command(LxcProcess *proc, const char *command, GError **error);
/* A connection carrying the console's bytes, or -1 with @error. */
int lxc_process_open_console(LxcProcess *proc, GError **error);

/* Read the monitor's line once it is readable: "exit REASON STATUS" gives the reason
 * (LXC_CTL_EXIT_*); "restarted PID" updates init_pid and returns NULL with @ret_restarted
 * set; EOF without a line (the controller was killed) gives "crashed". */
char *lxc_process_read_monitor(LxcProcess *proc, bool *ret_restarted);

/* After the controller is gone: remove both cgroups (killing what is left in them), the
 * socket and close the monitor.  The handle stays valid to free. */
void lxc_process_cleanup(LxcProcess *proc);

/* Live limits on the payload group. */
bool lxc_process_set_memory(LxcProcess *proc, guint64 kib, GError **error);
bool lxc_process_set_vcpus(LxcProcess *proc, unsigned vcpus, GError **error);
/* Freeze (true) or thaw the container; waits until the freezer reports the state. */
bool lxc_process_freeze(LxcProcess *proc, bool frozen, GError **error);
