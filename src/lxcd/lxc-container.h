// SPDX-License-Identifier: LGPL-2.1-or-later
// The container's side of modvirt-lxc-controller: the child cloned into new namespaces
// that builds the root (mounts, /dev, pivot_root), drops capabilities and execs init as
// PID 1.  Plain C, like the rest of the controller (see lxc-controller.h).
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define LXC_MAX_LIST 64     /* most --arg, --env, --bind, ... of one kind */

typedef struct {
    char *src;      /* host path */
    char *dst;      /* path inside the container */
    bool readonly;
} LxcBind;

typedef struct {
    char *dst;
    unsigned long long size_kib;
} LxcTmpfs;

typedef struct {
    unsigned long start, target, count;
} LxcIdRange;

/* A veth end made by lxcd in the host's namespace, moved into the container's network
 * namespace before init runs and renamed there. */
typedef struct {
    char *peer;             /* its name on the host */
    char *name;             /* its name inside ("eth0") */
    unsigned char mac[6];
} LxcVeth;

typedef struct {
    const char *name;
    const char *hostname;
    const char *root;
    const char *init;
    const char *workdir;
    const char *args[LXC_MAX_LIST + 2];     /* init, the args, NULL */
    int n_args;
    const char *env[LXC_MAX_LIST + 8];
    int n_env;
    LxcBind binds[LXC_MAX_LIST];
    int n_binds;
    LxcTmpfs tmpfs[LXC_MAX_LIST];
    int n_tmpfs;
    LxcIdRange uidmap[LXC_MAX_LIST];
    int n_uidmap;
    LxcIdRange gidmap[LXC_MAX_LIST];
    int n_gidmap;
    int cap_drop[LXC_MAX_LIST];
    int n_cap_drop;
    const char *cgroup_join[LXC_MAX_LIST];  /* tasks files the container joins */
    int n_cgroup_join;
    LxcVeth veths[LXC_MAX_LIST];
    int n_veths;
    const char *console;    /* host pty slave path */
} LxcContainerConfig;

/* Clone the container's init in new namespaces and let it run up to exec.  Returns its
 * pid (> 0), or -1 with a message in @err.  Once the pid is returned, exec either
 * succeeded or the child has exited; a message from the child (why it could not exec)
 * is in @err then and the return is -1 after reaping it. */
pid_t lxc_container_start(const LxcContainerConfig *cfg, char *err, size_t errlen);
