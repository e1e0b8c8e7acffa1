// SPDX-License-Identifier: LGPL-2.1-or-later
// The proxy's sandbox: once its sockets are bound it keeps no capability at all, and makes
// only the serving system calls (mv_seccomp_serving, daemon-seccomp.c).

#include "proxy.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

bool
proxy_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* After binding, the proxy only accepts on sockets it holds, connects to backend
     * sockets owned by its own user, and moves bytes: none of that needs a capability.
     * Binding is the one step that might (a port below 1024, a socket directory owned by
     * someone else), and it is done.  So a compromised proxy holds nothing: not even the
     * bounding set is left, and no exec can bring privileges back (nor is execve allowed).
     * The frame calls this before any thread exists; threads started later inherit the
     * empty sets and the filter.  The filter goes first: loading it without no_new_privs
     * takes the CAP_SYS_ADMIN that the second step drops. */
    return mv_seccomp_allow_only(mv_seccomp_serving, mv_seccomp_nserving, error) &&
           mv_sandbox_keep_caps(NULL, 0, true, error);
}
