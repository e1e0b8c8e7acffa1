#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-storaged's units verify with systemd-analyze, name the daemon's sockets, and carry
the capability bounding set the daemon applies to itself; the running daemon holds exactly
those capabilities and a system call filter."""

import os
import shutil
import unittest

import harness
from storage_common import STORAGED, StorageDaemon

UNIT_DIR = os.path.join(harness.SOURCE_ROOT, 'systemd-units')
SERVICE = 'modvirt-storaged.service'
SOCKETS = ('modvirt-storaged.socket', 'modvirt-storaged-ro.socket', 'modvirt-storaged-admin.socket')
ANALYZE = shutil.which('systemd-analyze') or '/usr/bin/systemd-analyze'
# CAP_CHOWN 0, CAP_DAC_OVERRIDE 1, CAP_FOWNER 3, CAP_MKNOD 27, CAP_IPC_LOCK 14, CAP_SYS_ADMIN 21
KEPT = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 14) | (1 << 21) | (1 << 27)


def unit_text(name):
    with open(os.path.join(UNIT_DIR, name)) as f:
        return f.read()


class StorageUnitsTest(unittest.TestCase):

    def test_units_verify(self):
        tmp = harness.make_root()
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        for name in (SERVICE,) + SOCKETS:
            text = unit_text(name).replace('ExecStart=/usr/sbin/modvirt-storaged ', f'ExecStart={STORAGED} ')
            with open(os.path.join(tmp, name), 'w') as f:
                f.write(text)
        r = harness.run([ANALYZE, 'verify'] + [os.path.join(tmp, n) for n in (SERVICE,) + SOCKETS], cwd=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = [ln for ln in (r.stdout + r.stderr).splitlines() if any(n in ln for n in (SERVICE,) + SOCKETS)]
        self.assertEqual(ours, [])

    def test_sockets_and_capabilities_match_the_daemon(self):
        for name, path in zip(SOCKETS, ('virtstoraged-sock', 'virtstoraged-sock-ro', 'virtstoraged-admin-sock')):
            self.assertIn(f'ListenStream=/run/libvirt/{path}\n', unit_text(name))
        bounding = [ln for ln in unit_text(SERVICE).splitlines() if ln.startswith('CapabilityBoundingSet=')]
        self.assertEqual(sorted(bounding[0].split('=')[1].split()),
                         sorted(['CAP_SYS_ADMIN', 'CAP_DAC_OVERRIDE', 'CAP_CHOWN', 'CAP_FOWNER', 'CAP_IPC_LOCK',
                                 'CAP_MKNOD']))
        d = StorageDaemon().start()
        self.addCleanup(d.stop)
        with open(f'/proc/{d.pid}/status') as f:
            status = dict(ln.split(':\t', 1) for ln in f.read().splitlines() if ':\t' in ln)
        self.assertEqual(int(status['CapEff'], 16), KEPT)
        self.assertEqual(int(status['CapBnd'], 16), KEPT)
        self.assertEqual(status['Seccomp'].strip(), '2')


if __name__ == '__main__':
    unittest.main(verbosity=2)
