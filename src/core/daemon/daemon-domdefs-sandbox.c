// SPDX-License-Identifier: LGPL-2.1-or-later
// The sandbox of a definitions-only domain daemon (modvirt-xend, modvirt-bhyved): it runs no
// program and touches no device, so once its sockets are bound it keeps no capability at all
// (its files are root's, under a root-owned tree) and makes only the system calls below:
// the proxy's serving set plus what keeping definitions on disk takes.  No execve: such a
// daemon is restarted by systemd, not re-executed in place.

#include "daemon/daemon-domdefs.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

static const MvSyscallRule domdefs_allowed[] = {
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
    return mv_seccomp_allow_only(domdefs_allowed, G_N_ELEMENTS(domdefs_allowed), error) &&
           mv_sandbox_keep_caps(NULL, 0, true, error);
}
