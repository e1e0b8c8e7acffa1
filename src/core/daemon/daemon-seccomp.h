// SPDX-License-Identifier: LGPL-2.1-or-later
// The system-call part of a daemon's sandbox (libseccomp).  Every rule names its system
// call and why it is there.  Two shapes:
//  - an allow-list, for a daemon that runs nothing else (the proxy): any other call fails
//    with ENOSYS, so that libc takes its fallback where it has one (clone3 -> clone) and
//    anything else fails visibly instead of killing a daemon that has clients;
//  - a deny-list, for a daemon whose filter QEMU inherits (a filter survives exec): an
//    allow-list there would have to cover QEMU itself, so it names the calls that neither the
//    daemon nor a guest process needs and that reach deep into the kernel.
// Either way a clone() or unshare() asking for a new user namespace fails with EPERM.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *name;   /* system call, as libseccomp names it */
    const char *why;    /* one line */
} MvSyscallRule;

/* Load a filter allowing only @allow (names unknown on this architecture are skipped).
 * clone, clone3 and unshare must not be listed: their rules are the builder's (clone without
 * CLONE_NEWUSER is allowed; an unconditional entry would override that).
 * Must run while the process has one thread, before capabilities are dropped (loading needs
 * CAP_SYS_ADMIN or no_new_privs; this sets no_new_privs only if it has to).  Where seccomp
 * does not exist (a kernel without it, valgrind) it warns and succeeds. */
bool mv_seccomp_allow_only(const MvSyscallRule *allow, size_t n, GError **error);

/* Load a filter failing @deny with EPERM, allowing everything else.  Same conditions. */
bool mv_seccomp_deny(const MvSyscallRule *deny, size_t n, GError **error);

/* The allow-list of a daemon that only serves its sockets (the proxy): the GLib main loop,
 * socket I/O, config and /proc reads, memory, threads, signals, time; each with its reason. */
extern const MvSyscallRule mv_seccomp_serving[];
extern const size_t mv_seccomp_nserving;

/* The deny-list of a daemon whose children are hypervisors (QEMU, a container's init), who
 * inherit it: host administration (modules, kexec, clocks, mounts, keyrings, ptrace, bpf,
 * ...), each entry with its reason. */
extern const MvSyscallRule mv_seccomp_hypervisor_denied[];
extern const size_t mv_seccomp_hypervisor_ndenied;
/* mv_seccomp_deny() with that list. */
bool mv_seccomp_deny_hypervisor(GError **error);
/* mv_seccomp_deny() with that list less the calls in @except (by name), for a daemon whose
 * helpers need a few of them (storaged's mount and mkfs); each exception carries its reason. */
bool mv_seccomp_deny_hypervisor_except(const MvSyscallRule *except, size_t nexcept, GError **error);
