// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-storaged keeps the capabilities below, each for a named piece of pool or volume
// work, and gives up every other one for good, bounding set included, so the helpers it runs
// (qemu-img, mount, mkfs, LVM) cannot regain them either.  Its system call filter is a
// deny-list rather than the allow-list DESIGN.md planned for storaged: those helpers inherit
// the filter, and an allow-list would have to cover every call of mkfs, LVM and qemu-img.

#include "stor-driver.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

#include <linux/capability.h>

static const MvSandboxCap kept[] = {
    { CAP_SYS_ADMIN, "mount and unmount the filesystems of fs pools (loop devices included); LVM's device scans" },
    { CAP_DAC_OVERRIDE, "read and write volumes and pool directories whatever their owner, as the pool's XML sets them" },
    { CAP_CHOWN, "give volumes and pool directories the owner their <permissions> name" },
    { CAP_FOWNER, "set the mode of volumes owned by others (<permissions><mode>)" },
    { CAP_IPC_LOCK, "LVM's tools lock their memory while they change metadata" },
    { CAP_MKNOD, "LVM and mkfs may create device nodes for the devices they prepare" },
};

/* Calls neither the daemon nor its helpers make, each a way deeper into the host. */
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
    { "bpf", "loading programs into the kernel" },
    { "perf_event_open", "profiling other processes and the kernel" },
#if !defined(__SANITIZE_ADDRESS__)
    /* (A sanitizer build keeps it: LeakSanitizer stops the daemon's threads with ptrace.) */
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
    { "pivot_root", "changing the root of the mount namespace" },
    { "chroot", "leaving or changing the root directory" },
    { "setns", "entering other namespaces" },
    { "userfaultfd", "page-fault handling from user space" },
    { "vhangup", "hanging up terminals" },
    { "uselib", "an obsolete loader call" },
    { "personality", "other execution domains" },
};

bool
stor_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* The filter first: loading it without no_new_privs needs the CAP_SYS_ADMIN kept below
     * anyway.  No no_new_privs: mount(8) is set-user-ID, and a root daemon gains nothing
     * from it once the bounding set is cut. */
    return mv_seccomp_deny(denied, G_N_ELEMENTS(denied), error) &&
           mv_sandbox_keep_caps(kept, G_N_ELEMENTS(kept), false, error);
}
