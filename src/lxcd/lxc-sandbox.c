// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-lxcd's sandbox.  Its controllers build namespaces, mount, pivot_root and write id
// maps, and every container's init gets its capabilities out of lxcd's bounding set, so lxcd
// keeps what a container may be granted and gives up, for itself and every container, what
// acts on the host's kernel as a whole.  No system call filter: a filter is inherited by every
// controller and init, and the shared deny-lists refuse exactly what a controller does
// (mount, pivot_root, new user namespaces).

#include "lxc-driver.h"
#include "daemon/daemon-sandbox.h"

#include <linux/capability.h>
#include <string.h>

static const MvSandboxCap kept[] = {
    { CAP_SYS_ADMIN, "controllers create namespaces, mount /proc, /sys, /dev and pivot into the root" },
    { CAP_SYS_CHROOT, "pivot_root into a container's root" },
    { CAP_SETUID, "write a container's uid_map; container inits may keep it" },
    { CAP_SETGID, "write a container's gid_map; container inits may keep it" },
    { CAP_CHOWN, "give a container's console pty to its mapped root; container inits may keep it" },
    { CAP_DAC_OVERRIDE, "open a container's root and files whoever owns them; inits may keep it" },
    { CAP_DAC_READ_SEARCH, "container inits may keep it" },
    { CAP_FOWNER, "container inits may keep it" },
    { CAP_FSETID, "container inits may keep it" },
    { CAP_KILL, "signal containers' inits and what is left in their cgroups; inits may keep it" },
    { CAP_SETPCAP, "controllers drop capabilities from a container's bounding set" },
    { CAP_NET_ADMIN, "move veths into a container's network namespace; inits may keep it" },
    { CAP_NET_BIND_SERVICE, "container inits may keep it" },
    { CAP_NET_BROADCAST, "container inits may keep it" },
    { CAP_NET_RAW, "container inits may keep it (ping)" },
    { CAP_IPC_LOCK, "container inits may keep it" },
    { CAP_IPC_OWNER, "container inits may keep it" },
    { CAP_SYS_PTRACE, "read containers' /proc/<pid>/ns for lxc-enter-namespace; inits may keep it" },
    { CAP_SYS_RESOURCE, "container inits may keep it" },
    { CAP_SYS_NICE, "container inits may keep it" },
    { CAP_SYS_TTY_CONFIG, "container inits may keep it" },
    { CAP_SYS_BOOT, "reboot(2) inside a pid namespace restarts the container; inits may keep it" },
    { CAP_MKNOD, "container inits may keep it" },
    { CAP_LEASE, "container inits may keep it" },
    { CAP_AUDIT_WRITE, "container inits may keep it (login programs)" },
    { CAP_SETFCAP, "container inits may keep it (package installs)" },
    { CAP_LINUX_IMMUTABLE, "container inits may keep it" },
};

bool
lxc_sandbox_grants(int cap)
{
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++)
        if (kept[i].cap == cap)
            return true;
    /* Given up: modules, raw I/O, the clock, audit control, MAC policy, process accounting,
     * syslog, wake alarms, suspend blocking, BPF, perf, checkpoint/restore. */
    return false;
}

/* The permitted set we were started with (CapPrm of /proc/self/status); all bits when it
 * cannot be read. */
static guint64
permitted_now(void)
{
    g_autofree char *status = NULL;
    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return G_MAXUINT64;
    const char *line = strstr(status, "\nCapPrm:");
    return line ? g_ascii_strtoull(line + strlen("\nCapPrm:"), NULL, 16) : G_MAXUINT64;
}

bool
lxc_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* Keep what we have of the list: a daemon started with fewer capabilities (a service
     * manager's or a container's bounding set) cannot add any. */
    guint64 have = permitted_now();
    MvSandboxCap keep[G_N_ELEMENTS(kept)];
    size_t n = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++)
        if (have & (G_GUINT64_CONSTANT(1) << kept[i].cap))
            keep[n++] = kept[i];
    /* No no_new_privs: it would reach every container's init. */
    return mv_sandbox_keep_caps(keep, n, false, error);
}
