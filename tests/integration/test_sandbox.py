#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-qemud's sandbox: every thread of the daemon holds exactly CAP_NET_ADMIN,
CAP_DAC_OVERRIDE and CAP_SETPCAP (effective, permitted and bounding; nothing inheritable or
ambient), threads started later included; the QEMU it starts holds CAP_DAC_OVERRIDE alone, so
an exec inside the guest process cannot bring anything back; both run under the daemon's
system call filter (QEMU under its own -sandbox filter too), without no_new_privs in the
daemon; and what the capabilities are kept for still works (a guest starts, a definition is
written)."""

import os

import harness
from guest import RootTestCase
from test_proxy_common import capabilities

CAP_DAC_OVERRIDE, CAP_SETPCAP, CAP_NET_ADMIN = 1, 8, 12
DAEMON_CAPS = (1 << CAP_DAC_OVERRIDE) | (1 << CAP_SETPCAP) | (1 << CAP_NET_ADMIN)
QEMU_CAPS = 1 << CAP_DAC_OVERRIDE


class SandboxTest(RootTestCase):

    def assertCaps(self, pid, expected, what):
        caps = capabilities(pid)
        self.assertTrue(caps, f'{what}: no threads')
        for tid, c in caps.items():
            for key in ('CapEff', 'CapPrm', 'CapBnd'):
                self.assertEqual(c[key], expected, f'{what}, thread {tid}: {key} {c[key]:#x}, '
                                 f'expected {expected:#x}')
            self.assertEqual(c['CapInh'], 0, f'{what}, thread {tid}: CapInh')
            self.assertEqual(c['CapAmb'], 0, f'{what}, thread {tid}: CapAmb')

    def status(self, pid, tid=None):
        path = f'/proc/{pid}/task/{tid}/status' if tid else f'/proc/{pid}/status'
        with open(path) as f:
            return dict(line.split(':\t', 1) for line in f.read().splitlines() if ':\t' in line)

    def assertFiltered(self, pid, min_filters, what):
        for tid in os.listdir(f'/proc/{pid}/task'):
            st = self.status(pid, tid)
            self.assertEqual(st['Seccomp'].strip(), '2', f'{what}, thread {tid}: no seccomp filter')
            if 'Seccomp_filters' in st:
                self.assertGreaterEqual(int(st['Seccomp_filters']), min_filters, f'{what}, thread {tid}')

    def test_capabilities(self):
        if os.geteuid() != 0:
            self.skipTest('needs root: a daemon that is not root has no capabilities to drop')
        d = self.daemon()
        self.assertCaps(d.pid, DAEMON_CAPS, 'modvirt-qemud')
        self.assertIn('keeping capability net_admin', d.log())

        self.define(d, 'sb-guest')
        self.virsh_ok(d, 'start', 'sb-guest')
        qemu = self.status_pid('sb-guest')
        self.assertIsNotNone(qemu)
        self.assertCaps(qemu, QEMU_CAPS, 'QEMU')
        self.assertFiltered(d.pid, 1, 'modvirt-qemud')
        self.assertFiltered(qemu, 2, 'QEMU')   # ours, inherited, and QEMU's own -sandbox
        self.assertEqual(self.status(d.pid)['NoNewPrivs'].strip(), '0')
        # The worker threads that served those calls started after the sandbox: same sets.
        self.assertGreater(len(capabilities(d.pid)), 1)
        self.assertCaps(d.pid, DAEMON_CAPS, 'modvirt-qemud after serving')
        self.virsh_ok(d, 'destroy', 'sb-guest')
        self.virsh_ok(d, 'undefine', 'sb-guest')


if __name__ == '__main__':
    harness.main()
