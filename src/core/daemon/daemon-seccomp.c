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

/* The hypervisor daemons' deny-list: calls that neither the daemon nor a guest process (a TCG
 * or KVM QEMU, a container's init) makes, each a way deeper into the host. */
/* What a daemon that only serves sockets and reads its config uses (the proxy's whole list;
 * the definitions-only drivers add their file writes to it). */
const MvSyscallRule mv_seccomp_serving[] = {
    /* serving: the GLib main loop over client, backend and listening sockets */
    { "poll", "the main loop and blocking waits" },
    { "ppoll", "the same, as newer libc spells it" },
    { "read", "sockets, eventfds, config files" },
    { "readv", "scattered reads by libc and gnutls" },
    { "write", "sockets, eventfds, the log on stderr" },
    { "writev", "the log and gathered writes" },
    { "recvfrom", "client and backend bytes" },
    { "recvmsg", "bytes with passed fds and credentials" },
    { "sendto", "client and backend bytes, sd_notify" },
    { "sendmsg", "handing a client's socket to its backend (SCM_RIGHTS), the journal" },
    { "accept4", "new clients" },
    { "socket", "connections to backend daemons, sd_notify, the journal" },
    { "socketpair", "internal wake-ups" },
    { "connect", "backend daemons, the journal, sd_notify" },
    { "shutdown", "ending a relayed connection one way" },
    { "getsockopt", "SO_PEERCRED of clients, pending socket errors" },
    { "setsockopt", "keepalive, buffer sizes, passing credentials" },
    { "getsockname", "which listener a socket is" },
    { "getpeername", "the address of a TCP client for the log" },
    { "close", "every fd" },
    { "fcntl", "non-blocking and close-on-exec flags, duplicating fds" },
    { "dup", "duplicating fds" },
    { "dup2", "duplicating fds (its own call on x86_64)" },
    { "dup3", "duplicating fds" },
    { "pipe2", "wake-up pipes where eventfd is missing" },
    { "eventfd2", "GLib's wake-ups between threads" },
    { "ioctl", "isatty() of the log (TCGETS), FIONREAD" },
    { "lseek", "files read in pieces" },
    { "pread64", "config and /proc files" },
    { "pwrite64", "the pidfile" },
    { "ftruncate", "the pidfile" },
    { "unlink", "the pidfile at exit" },
    { "unlinkat", "the same, as some libcs spell it" },
    { "memfd_create", "GLib's journald writer, for a message above the datagram size" },
    { "sysinfo", "libc sizing its sort buffers" },
    { "getrandom", "TLS keys and nonces, GLib's hash seeds" },
    /* files: the config re-read on SIGHUP, certificates, /proc */
    { "openat", "config, certificates, /proc/self" },
    { "newfstatat", "stat() of files and fds" },
    { "fstat", "stat() of fds" },
    { "statx", "stat() as newer libc spells it" },
    { "fstatfs", "libc's checks on /proc" },
    { "access", "whether a file exists" },
    { "faccessat", "the same" },
    { "faccessat2", "the same, newer" },
    { "getdents64", "listing directories" },
    { "readlink", "/proc/self/exe and friends" },
    { "readlinkat", "the same" },
    { "umask", "socket and file modes" },
    /* memory */
    { "brk", "the heap" },
    { "mmap", "the heap, thread stacks" },
    { "munmap", "the heap, thread stacks" },
    { "mremap", "realloc of large blocks" },
    { "mprotect", "thread stack guards" },
    { "madvise", "returning freed memory" },
    /* threads, signals, time (clone itself is added by the builder: only without
     * CLONE_NEWUSER) */
    { "set_robust_list", "new threads" },
    { "rseq", "new threads" },
    { "set_tid_address", "new threads" },
    { "futex", "locks and condition variables" },
    { "sched_yield", "spinning locks" },
    { "sched_getaffinity", "GLib sizing its thread pool" },
    { "sched_getattr", "thread attributes of new threads" },
    { "sched_setattr", "thread attributes of new threads" },
    { "prctl", "naming threads, reading capability state" },
    { "capget", "reading capability state" },
    { "capset", "dropping every capability, right after this filter is loaded" },
    { "gettid", "the log" },
    { "getpid", "the log, sd_notify" },
    { "getppid", "libsystemd" },
    { "getuid", "libc and libsystemd" },
    { "geteuid", "libc and libsystemd" },
    { "getgid", "libc and libsystemd" },
    { "getegid", "libc and libsystemd" },
    { "prlimit64", "reading the fd limit" },
    { "uname", "libc" },
    { "rt_sigaction", "signal handlers" },
    { "rt_sigprocmask", "holding signals" },
    { "rt_sigreturn", "returning from a handler" },
    { "sigaltstack", "signal stacks of new threads" },
    { "restart_syscall", "a call interrupted by a signal" },
    { "clock_gettime", "timers (when the vDSO cannot)" },
    { "clock_getres", "timers" },
    { "gettimeofday", "the log" },
    { "clock_nanosleep", "waits" },
    { "nanosleep", "waits" },
    { "timerfd_create", "timers" },
    { "timerfd_settime", "timers" },
    { "exit", "ending a thread" },
    { "exit_group", "ending the daemon" },
    { "tgkill", "abort() on a bug, for a core dump" },
    { "kill", "abort() on a bug" },
};
const size_t mv_seccomp_nserving = G_N_ELEMENTS(mv_seccomp_serving);

const MvSyscallRule mv_seccomp_hypervisor_denied[] = {
    { "kexec_load", "replacing the running kernel" },
    { "kexec_file_load", "replacing the running kernel" },
    { "init_module", "loading kernel code" },
    { "finit_module", "loading kernel code" },
    { "delete_module", "unloading kernel code" },
    { "reboot", "rebooting the host" },
    { "swapon", "the host's swap" },
    { "swapoff", "the host's swap" },
    { "acct", "process accounting for the whole host" },
    { "settimeofday", "the host's clock" },
    { "clock_settime", "the host's clock" },
    { "adjtimex", "the host's clock" },
    { "clock_adjtime", "the host's clock" },
    { "iopl", "raw I/O ports" },
    { "ioperm", "raw I/O ports" },
    { "syslog", "the kernel log" },
    { "bpf", "loading programs into the kernel" },
    { "perf_event_open", "profiling other processes and the kernel" },
#if !defined(__SANITIZE_ADDRESS__)
    /* (A sanitizer build keeps it: LeakSanitizer stops the daemon's threads with ptrace to
     * scan their memory at exit.) */
    { "ptrace", "reading and changing other processes" },
#endif
    { "process_vm_readv", "reading other processes' memory" },
    { "process_vm_writev", "writing other processes' memory" },
    { "kcmp", "comparing other processes' kernel objects" },
    { "keyctl", "the kernel keyrings" },
    { "add_key", "the kernel keyrings" },
    { "request_key", "the kernel keyrings" },
    { "open_by_handle_at", "opening files by handle, around directory permissions" },
    { "name_to_handle_at", "file handles for the call above" },
    { "quotactl", "disk quotas" },
    { "userfaultfd", "page-fault handling from user space (post-copy migration only)" },
    { "mount", "mount tables" },
    { "umount2", "mount tables" },
    { "pivot_root", "mount tables" },
    { "chroot", "leaving or changing the root directory" },
    { "fsopen", "the new mount API" },
    { "fsconfig", "the new mount API" },
    { "fsmount", "the new mount API" },
    { "fspick", "the new mount API" },
    { "move_mount", "the new mount API" },
    { "open_tree", "the new mount API" },
    { "mount_setattr", "the new mount API" },
    { "setns", "entering other namespaces" },
    { "vhangup", "hanging up terminals" },
    { "uselib", "an obsolete loader call" },
    { "personality", "other execution domains" },
};
const size_t mv_seccomp_hypervisor_ndenied = G_N_ELEMENTS(mv_seccomp_hypervisor_denied);

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

bool
mv_seccomp_deny_hypervisor(GError **error)
{
    return mv_seccomp_deny(mv_seccomp_hypervisor_denied, mv_seccomp_hypervisor_ndenied, error);
}

bool
mv_seccomp_deny_hypervisor_except(const MvSyscallRule *except, size_t nexcept, GError **error)
{
    g_autoptr(GArray) rules = g_array_sized_new(FALSE, FALSE, sizeof(MvSyscallRule), mv_seccomp_hypervisor_ndenied);
    for (size_t i = 0; i < mv_seccomp_hypervisor_ndenied; i++) {
        bool excepted = false;
        for (size_t j = 0; j < nexcept && !excepted; j++)
            excepted = strcmp(mv_seccomp_hypervisor_denied[i].name, except[j].name) == 0;
        if (!excepted)
            g_array_append_val(rules, mv_seccomp_hypervisor_denied[i]);
    }
    return mv_seccomp_deny((const MvSyscallRule *)(void *)rules->data, rules->len, error);
}
