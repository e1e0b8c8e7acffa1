// SPDX-License-Identifier: LGPL-2.1-or-later
// The KVM probe: what each outcome of the probe guest is reported as, and that the answer on
// this host agrees with the device node and is cached.

#include <errno.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "qemu-kvm.h"

static void
test_describe(void)
{
    g_assert_null(qemu_kvm_probe_describe(8, 0, 12, (const unsigned[]){ KVM_EXIT_IO, KVM_EXIT_HLT }, 2));

    g_autofree char *open_fail = qemu_kvm_probe_describe(0, ENOENT, 0, NULL, 0);
    g_assert_cmpstr(open_fail, ==, "cannot open /dev/kvm: No such file or directory");
    g_autofree char *api = qemu_kvm_probe_describe(1, 0, 11, NULL, 0);
    g_assert_cmpstr(api, ==, "/dev/kvm speaks KVM API version 11, not 12");
    g_autofree char *vcpu = qemu_kvm_probe_describe(4, EINVAL, 12, NULL, 0);
    g_assert_cmpstr(vcpu, ==, "KVM_CREATE_VCPU failed: Invalid argument");
    g_autofree char *run = qemu_kvm_probe_describe(7, EFAULT, 12, NULL, 0);
    g_assert_cmpstr(run, ==, "KVM_RUN failed: Bad address");
    /* The vCPU entered but stopped somewhere else than the program's halt. */
    g_autofree char *entry = qemu_kvm_probe_describe(7, 0, 12, (const unsigned[]){ KVM_EXIT_FAIL_ENTRY }, 1);
    g_assert_cmpstr(entry, ==, "a test vCPU did not run its program to the halt (KVM exit reasons 9; "
                               "expected 2, 5)");
    g_autofree char *junk = qemu_kvm_probe_describe(99, 0, 0, NULL, 0);
    g_assert_cmpstr(junk, ==, "the KVM probe returned nonsense");
}

/* The whole forked probe against a node that is not KVM's: the child's finding comes back. */
static void
test_not_kvm(void)
{
    g_autofree char *reason = qemu_kvm_probe_device("/dev/null");
    g_assert_cmpstr(reason, ==, "KVM_GET_API_VERSION failed: Inappropriate ioctl for device");
}

static void
test_this_host(void)
{
    g_autofree char *reason = NULL;
    bool usable = qemu_kvm_usable(&reason);
    g_test_message("KVM on this host: %s", usable ? "usable" : reason);
    if (access("/dev/kvm", F_OK) != 0) {
        g_assert_false(usable);
        g_assert_cmpstr(reason, ==, "cannot open /dev/kvm: No such file or directory");
    }
    g_assert_true(usable == (reason == NULL));

    /* The second answer is the same and comes from the cache: far below a fork's cost. */
    g_autofree char *again = NULL;
    gint64 t0 = g_get_monotonic_time();
    g_assert_true(qemu_kvm_usable(&again) == usable);
    gint64 took = g_get_monotonic_time() - t0;
    g_assert_cmpstr(again, ==, reason);
    g_assert_cmpint(took, <, 20000);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-probe/describe", test_describe);
    g_test_add_func("/kvm-probe/not-kvm", test_not_kvm);
    g_test_add_func("/kvm-probe/this-host", test_this_host);
    return g_test_run();
}
