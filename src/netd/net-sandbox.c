// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-netd keeps the capabilities below (bounding set included) and nothing else, and
// denies the system calls below to itself.
//
// The filter is a deny-list, not the allow-list DESIGN.md §6 first planned for netd: each
// network's dnsmasq is forked by netd and inherits its filter, and an allow-list would have
// to cover dnsmasq's own calls (DHCP raw sockets, inotify, setuid, capset, ...) too, and break
// with any dnsmasq update.  A deny-list of calls neither needs keeps both out of the rest of
// the host.  dnsmasq also inherits the bounding set, so it can never hold more than netd.

#include "net-sandbox.h"
#include "daemon/daemon-sandbox.h"
#include "daemon/daemon-seccomp.h"

#include <linux/capability.h>

static const MvSandboxCap kept[] = {
    { CAP_NET_ADMIN, "create and delete bridges, set addresses, write nftables tables (netlink), and dnsmasq's "
                     "DHCP socket options" },
    { CAP_NET_BIND_SERVICE, "dnsmasq binds DNS (53) and DHCP (67, 547) ports" },
    { CAP_NET_RAW, "dnsmasq sends DHCP replies and ping checks on raw sockets" },
    { CAP_SETUID, "dnsmasq drops from root to its own user after binding" },
    { CAP_SETGID, "dnsmasq drops to its own group after binding" },
    { CAP_KILL, "stop or signal (SIGHUP on net-update) a dnsmasq that runs as its own user" },
};

static const MvSyscallRule denied[] = {
    { "kexec_load", "replacing the running kernel" },
    { "kexec_file_load", "replacing the running kernel" },
    { "init_module", "loading kernel code" },
    { "finit_module", "loading kernel code" },
    { "delete_module", "unloading kernel code" },
    { "reboot", "rebooting the host" },
    { "swapon", "the host's swap" },
    { "swapoff", "the host's swap" },
    { "settimeofday", "the host's clock" },
    { "clock_settime", "the host's clock" },
    { "adjtimex", "the host's clock" },
    { "iopl", "raw I/O ports" },
    { "ioperm", "raw I/O ports" },
    { "bpf", "loading programs into the kernel (nftables needs none)" },
    { "perf_event_open", "profiling other processes and the kernel" },
#if !defined(__SANITIZE_ADDRESS__)
    /* (A sanitizer build keeps it: LeakSanitizer stops the daemon's threads with ptrace.) */
    { "ptrace", "reading and changing other processes" },
#endif
    { "process_vm_readv", "reading other processes' memory" },
    { "process_vm_writev", "writing other processes' memory" },
    { "keyctl", "the kernel keyrings" },
    { "add_key", "the kernel keyrings" },
    { "request_key", "the kernel keyrings" },
    { "mount", "mount tables" },
    { "umount2", "mount tables" },
    { "pivot_root", "mount tables" },
    { "chroot", "leaving or changing the root directory" },
    { "setns", "entering other namespaces (a network of another namespace is not ours)" },
    { "open_by_handle_at", "opening files by handle, around directory permissions" },
    { "userfaultfd", "page-fault handling from user space" },
    { "personality", "other execution domains" },
};

bool
net_sandbox(MvDaemon *d, GError **error)
{
    (void)d;
    /* No no_new_privs: dnsmasq is exec'd by netd and changes its user itself. */
    return mv_seccomp_deny(denied, G_N_ELEMENTS(denied), error) &&
           mv_sandbox_keep_caps(kept, G_N_ELEMENTS(kept), false, error);
}
