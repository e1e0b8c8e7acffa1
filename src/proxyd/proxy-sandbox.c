// SPDX-License-Identifier: LGPL-2.1-or-later
// The proxy's sandbox: once its sockets are bound it keeps no capability at all, and makes
// only the system calls listed here.

#include "proxy.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

static const MvSyscallRule allowed[] = {
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
    return mv_seccomp_allow_only(allowed, G_N_ELEMENTS(allowed), error) &&
           mv_sandbox_keep_caps(NULL, 0, true, error);
}
