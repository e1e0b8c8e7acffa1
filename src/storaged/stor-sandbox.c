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

/* The hypervisor daemons' deny-list (daemon-seccomp.c) holds, less these calls the helpers
 * storaged runs do make. */
static const MvSyscallRule allowed[] = {
    { "mount", "fs pools are mounted by mount(8)" },
    { "umount2", "fs pools are unmounted at destroy" },
    { "fsopen", "mount(8) may use the new mount API" },
    { "fsconfig", "mount(8) may use the new mount API" },
    { "fsmount", "mount(8) may use the new mount API" },
    { "fspick", "mount(8) may use the new mount API" },
    { "move_mount", "mount(8) may use the new mount API" },
    { "open_tree", "mount(8) may use the new mount API" },
    { "mount_setattr", "mount(8) may use the new mount API" },
    { "quotactl", "mkfs and mount may set up quotas of a pool's filesystem" },
    { "syslog", "LVM's and mkfs's diagnostics may read the kernel log" },
};

bool
stor_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* The filter first: loading it without no_new_privs needs the CAP_SYS_ADMIN kept below
     * anyway.  No no_new_privs: mount(8) is set-user-ID, and a root daemon gains nothing
     * from it once the bounding set is cut. */
    return mv_seccomp_deny_hypervisor_except(allowed, G_N_ELEMENTS(allowed), error) &&
           mv_sandbox_keep_caps(kept, G_N_ELEMENTS(kept), false, error);
}
