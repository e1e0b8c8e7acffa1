// SPDX-License-Identifier: LGPL-2.1-or-later
// The sandbox of a definitions-only domain daemon (modvirt-xend, modvirt-bhyved): it runs no
// program and touches no device, so once its sockets are bound it keeps no capability at all
// (its files are root's, under a root-owned tree) and makes only the system calls below:
// the proxy's serving set plus what keeping definitions on disk takes.  No execve: such a
// daemon is restarted by systemd, not re-executed in place.

#include "daemon/daemon-domdefs.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

/* Beyond mv_seccomp_serving. */
static const MvSyscallRule domdefs_extra[] = {
    /* definitions on disk: the journal, definition files, autostart links */
    { "fsync", "making a definition durable" },
    { "fdatasync", "the journal's one flush per change" },
    { "fallocate", "preallocating the journal" },
    { "syncfs", "the journal replay flushes what it applied" },
    { "sync_file_range", "flushing journal pages" },
    { "rename", "atomic replacement of definition files" },
    { "renameat", "the same" },
    { "renameat2", "the same, as newer libc spells it" },
    { "mkdir", "the driver's directories under its root" },
    { "mkdirat", "the same" },
    { "symlink", "autostart links" },
    { "symlinkat", "the same" },
    { "link", "libc's temporary-file dance" },
    { "linkat", "the same" },
    { "rmdir", "removing an empty status directory" },
    { "fchmod", "file modes of definitions" },
    { "chmod", "the same" },
    { "fchmodat", "the same" },
    { "flock", "the pidfile lock" },
    { "getcwd", "libc resolving relative paths" },
    { "statfs", "libc's checks on /run" },
    /* the sockets are bound after this filter (sandbox_early) */
    { "bind", "the daemon's own unix sockets" },
    { "listen", "the same" },
    { "fchown", "socket and file owners" },
    { "chown", "the same" },
    { "fchownat", "the same" },
};
bool
mv_domdefs_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* The filter first: loading it without no_new_privs takes the CAP_SYS_ADMIN that the
     * second step drops.  Both run before any thread exists (sandbox_early). */
    g_autoptr(GArray) allowed = g_array_new(FALSE, FALSE, sizeof(MvSyscallRule));
    g_array_append_vals(allowed, mv_seccomp_serving, (guint)mv_seccomp_nserving);
    g_array_append_vals(allowed, domdefs_extra, G_N_ELEMENTS(domdefs_extra));
    return mv_seccomp_allow_only((const MvSyscallRule *)(void *)allowed->data, allowed->len, error) &&
           mv_sandbox_keep_caps(NULL, 0, true, error);
}
