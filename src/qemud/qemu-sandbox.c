// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-qemud keeps three capabilities and gives up every other one for good (bounding set
// included), so neither the daemon nor any QEMU it starts can regain them; and it denies the
// system calls below to itself and, through inheritance, to every QEMU.  The systemd unit
// sets the same bounding set.  Everything else the daemon does as root works by file
// ownership: its root directory, cgroupfs and /proc entries of its own (root) processes.

#include "qemu-sandbox.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

#include <linux/capability.h>

static const MvSandboxCap kept[] = {
    { CAP_NET_ADMIN, "create taps and attach them to bridges for <interface type='bridge'|'ethernet'>" },
    { CAP_DAC_OVERRIDE, "QEMU, run as root, opens the disks, kernels and chardev paths a definition names, "
                        "whoever owns them, as a root-run QEMU does under libvirt" },
    { CAP_SETPCAP, "QEMU's child process drops CAP_NET_ADMIN and CAP_SETPCAP from its bounding set before exec" },
};

static const int guest_drops[] = { CAP_NET_ADMIN, CAP_SETPCAP };

/* QEMU inherits the filter, so this is a deny-list (daemon-seccomp.h): calls that neither the
 * daemon nor a TCG or KVM guest process makes, each a way deeper into the host. */
static const MvSyscallRule denied[] = {
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

bool
qemu_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* No no_new_privs: it would reach the guests and block a security-module transition
     * into a guest profile; without the capabilities in the bounding set, an exec (even of
     * a set-user-ID file) cannot bring them back anyway. */
    /* The filter first: loading it without no_new_privs takes the CAP_SYS_ADMIN that the
     * second step drops. */
    return mv_seccomp_deny(denied, G_N_ELEMENTS(denied), error) &&
           mv_sandbox_keep_caps(kept, G_N_ELEMENTS(kept), false, error);
}

const int *
qemu_sandbox_guest_drops(size_t *n)
{
    *n = G_N_ELEMENTS(guest_drops);
    return guest_drops;
}
