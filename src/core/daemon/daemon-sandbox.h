// SPDX-License-Identifier: LGPL-2.1-or-later
// The capability part of a daemon's sandbox: a daemon names the capabilities it keeps, each
// with its reason, and gives up every other one, bounding set included, so that nothing it
// runs later (QEMU, for the hypervisor daemons) can get them back either.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int cap;            /* CAP_* */
    const char *why;    /* one line: what needs it */
} MvSandboxCap;

/* Keep only @keep[0..n) in the effective, permitted and bounding sets (inheritable and
 * ambient empty), and with @no_new_privs set no_new_privs.  Capabilities are per thread and
 * inherited by threads started later, so this must run while the process has one thread:
 * with more, it fails rather than leave the others privileged.  A process that holds none
 * of the capabilities to drop (not root) succeeds without change. */
bool mv_sandbox_keep_caps(const MvSandboxCap *keep, size_t n, bool no_new_privs, GError **error);
