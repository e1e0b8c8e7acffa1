// SPDX-License-Identifier: LGPL-2.1-or-later
// The proxy's sandbox: once its sockets are bound it keeps no capability at all.

#include "proxy.h"
#include "util/util-error.h"

#include <cap-ng.h>
#include <errno.h>
#include <sys/prctl.h>

bool
proxy_sandbox(MvDaemon *d, GError **error)
{
    /* After binding, the proxy only accepts on sockets it holds, connects to backend
     * sockets owned by its own user, and moves bytes: none of that needs a capability.
     * Binding is the one step that might (a port below 1024, a socket directory owned by
     * someone else), and it is done.  So a compromised proxy holds nothing: not even the
     * bounding set is left, and no exec can bring privileges back.  The frame calls this
     * before any thread exists; threads started later inherit the empty sets. */
    capng_clear(CAPNG_SELECT_ALL);
    if (capng_apply(CAPNG_SELECT_ALL) < 0) {
        /* Not root (tests, a user's own proxy): nothing to drop if we hold nothing. */
        capng_get_caps_process();
        if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
            mv_error_set(error, MV_FROM_NONE, MV_ERR_OPERATION_FAILED, "cannot drop capabilities");
            return false;
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        mv_error_set_errno(error, MV_FROM_NONE, errno, "cannot set no_new_privs");
        return false;
    }
    g_debug("capabilities dropped");
    return true;
}
