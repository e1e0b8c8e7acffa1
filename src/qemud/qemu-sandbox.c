// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-qemud keeps three capabilities and gives up every other one for good (bounding set
// included), so neither the daemon nor any QEMU it starts can regain them; and it denies the
// system calls of the hypervisor deny-list (daemon-seccomp.c) to itself and, through
// inheritance, to every QEMU.  The systemd unit
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

bool
qemu_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* No no_new_privs: it would reach the guests and block a security-module transition
     * into a guest profile; without the capabilities in the bounding set, an exec (even of
     * a set-user-ID file) cannot bring them back anyway. */
    /* The filter first: loading it without no_new_privs takes the CAP_SYS_ADMIN that the
     * second step drops. */
    return mv_seccomp_deny_hypervisor(error) &&
           mv_sandbox_keep_caps(kept, G_N_ELEMENTS(kept), false, error);
}

const int *
qemu_sandbox_guest_drops(size_t *n)
{
    *n = G_N_ELEMENTS(guest_drops);
    return guest_drops;
}
