// SPDX-License-Identifier: LGPL-2.1-or-later
// Whether KVM really runs guests on this host: a probe guest through /dev/kvm, cached.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* True when a probe guest (one VM, one vCPU, a few real-mode instructions) ran to its halt
 * through /dev/kvm.  The answer is cached until the device node changes; the first call
 * after a change forks the probe and waits at most 2 s for it.  Thread-safe.
 * @ret_reason (may be NULL) receives, when KVM is not usable, why ("cannot open /dev/kvm:
 * No such file or directory", "KVM_CREATE_VCPU failed: ...", "a test vCPU did not reach its
 * halt instruction within 2000 ms"); NULL otherwise.  g_free() it. */
bool qemu_kvm_usable(char **ret_reason);

/* The reason text for a probe record (exposed for tests): @step is how far the probe got
 * (0 open, 1 API version, 2 create VM, 3 memory, 4 create vCPU, 5 map run area,
 * 6 registers, 7 run, 8 done), @err the errno of the failed step, @api the API version read,
 * @exits the KVM exit reasons seen.  NULL when the probe succeeded. */
char *qemu_kvm_probe_describe(int step, int err, int api, const unsigned *exits, int nexits);

/* Run the probe guest through the KVM device node @path in a child process, waiting at
 * most 2 s: NULL when it ran to its halt, else the reason as qemu_kvm_usable() gives it.
 * Uncached; exposed for tests. */
char *qemu_kvm_probe_device(const char *path);
