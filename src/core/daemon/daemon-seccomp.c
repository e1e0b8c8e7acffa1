// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading a daemon's system-call filter (see daemon-seccomp.h).

#include "daemon/daemon-seccomp.h"
#include "util/util-error.h"

#include <cap-ng.h>
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>

static bool
fail(GError **error, int r, const char *what)
{
    mv_error_set_errno(error, MV_FROM_NONE, -r, "cannot set up the system call filter: %s", what);
    return false;
}

/* User namespaces are the widest door an unprivileged process has into the kernel. */
static int
deny_new_user_namespaces(scmp_filter_ctx ctx, bool allow_other_clones)
{
    int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
    if (r == 0 && allow_other_clones)
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, 0));
    /* clone3 passes its flags in memory, out of a filter's reach: glibc falls back to clone
     * on ENOSYS.  (An allow-list fails it with ENOSYS already; libseccomp refuses a rule that
     * repeats the default.) */
    if (r == 0 && !allow_other_clones)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    return r;
}

static bool
load(scmp_filter_ctx ctx, GError **error)
{
    /* With CAP_SYS_ADMIN a filter loads without no_new_privs, which then stays the daemon's
     * own choice (it would reach the guests); without, no_new_privs is the price. */
    capng_get_caps_process();
    bool admin = capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN);
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, admin ? 0 : 1);
    if (r == 0)
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (r == 0)
        r = seccomp_load(ctx);
    seccomp_release(ctx);
    if (r == -EOPNOTSUPP || r == -ENOSYS) {
        /* A kernel built without seccomp, or valgrind, which does not emulate it: nothing
         * can filter here, so say so and go on with the rest of the sandbox. */
        g_warning("system call filters are not available here (%s): running without one", g_strerror(-r));
        return true;
    }
    return r < 0 ? fail(error, r, "loading it") : true;
}

/* A filter whose default is @fallback and whose @rules get @action.  An allow-list
 * (@fallback not ALLOW) lets clones without CLONE_NEWUSER through. */
static bool
build_and_load(const MvSyscallRule *rules, size_t n, uint32_t fallback, uint32_t action, GError **error)
{
    bool allow_list = fallback != SCMP_ACT_ALLOW;
    scmp_filter_ctx ctx = seccomp_init(fallback);
    if (!ctx)
        return fail(error, -ENOMEM, "seccomp_init");
    for (size_t i = 0; i < n; i++) {
        /* libseccomp keeps the widest rule for a call: an unconditional clone or unshare
         * would silently drop the user-namespace conditions below. */
        g_return_val_if_fail(!g_str_equal(rules[i].name, "clone") && !g_str_equal(rules[i].name, "clone3") &&
                                 !g_str_equal(rules[i].name, "unshare"),
                             fail(error, -EINVAL, rules[i].name));
        int nr = seccomp_syscall_resolve_name(rules[i].name);
        if (nr == __NR_SCMP_ERROR) {
            g_debug("system call '%s' is unknown here: no rule", rules[i].name);
            continue;
        }
        int r = seccomp_rule_add(ctx, action, nr, 0);
        if (r < 0) {
            seccomp_release(ctx);
            return fail(error, r, rules[i].name);
        }
    }
    int r = deny_new_user_namespaces(ctx, allow_list);
    if (r < 0) {
        seccomp_release(ctx);
        return fail(error, r, "namespace rules");
    }
    g_debug("system calls: %zu %s", n, allow_list ? "allowed, any other fails with ENOSYS" : "denied with EPERM");
    return load(ctx, error);
}

bool
mv_seccomp_allow_only(const MvSyscallRule *allow, size_t n, GError **error)
{
    return build_and_load(allow, n, SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_ALLOW, error);
}

bool
mv_seccomp_deny(const MvSyscallRule *deny, size_t n, GError **error)
{
    return build_and_load(deny, n, SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPERM), error);
}
