// SPDX-License-Identifier: LGPL-2.1-or-later
// Dropping capabilities with libcap-ng (see daemon-sandbox.h).

#include "daemon/daemon-sandbox.h"
#include "util/util-error.h"
#include "util/util-file.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The "Threads:" line of /proc/self/status; 0 when it cannot be read. */
static unsigned
thread_count(void)
{
    g_autofree char *status = NULL;
    if (mv_file_read_small("/proc/self/status", 1 << 16, &status, NULL) < 0)
        return 0;
    const char *line = strstr(status, "\nThreads:");
    return line ? (unsigned)strtoul(line + strlen("\nThreads:"), NULL, 10) : 0;
}

bool
mv_sandbox_keep_caps(const MvSandboxCap *keep, size_t n, bool no_new_privs, GError **error)
{
    unsigned threads = thread_count();
    if (threads != 1) {
        mv_error_set(error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR,
                     "cannot drop capabilities with %u threads running: only the calling thread would lose them",
                     threads);
        return false;
    }

    capng_clear(CAPNG_SELECT_ALL);
    for (size_t i = 0; i < n; i++) {
        if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET, keep[i].cap) < 0) {
            mv_error_set(error, MV_FROM_NONE, MV_ERR_INTERNAL_ERROR, "unknown capability %d", keep[i].cap);
            return false;
        }
    }
    if (capng_apply(CAPNG_SELECT_ALL) < 0) {
        /* Not root (tests, a user's own daemon): nothing to drop if we hold nothing beyond
         * what we keep. */
        capng_get_caps_process();
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
            bool kept = false;
            for (size_t i = 0; i < n; i++)
                kept |= keep[i].cap == cap;
            /* The bounding set too: without CAP_SETPCAP it stays whole, and a root exec
             * would get all of it back. */
            if (!kept && (capng_have_capability(CAPNG_EFFECTIVE, cap) ||
                          capng_have_capability(CAPNG_PERMITTED, cap) ||
                          (geteuid() == 0 && capng_have_capability(CAPNG_BOUNDING_SET, cap)))) {
                mv_error_set(error, MV_FROM_NONE, MV_ERR_OPERATION_FAILED, "cannot drop capabilities");
                return false;
            }
        }
    }
    if (no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        mv_error_set_errno(error, MV_FROM_NONE, errno, "cannot set no_new_privs");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        g_debug("keeping capability %s: %s", capng_capability_to_name(keep[i].cap), keep[i].why);
    g_debug("every other capability dropped");
    return true;
}
