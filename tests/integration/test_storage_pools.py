#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pool types on real tools, and restart safety: an fs pool on a loop-mounted ext4 image
(mkfs through pool-build, the mount checked and not redone when a new daemon re-adopts the
pool), a logical pool on a loop device (vgcreate works here; volume creation fails naming
device-mapper, which this kernel lacks), and definitions and running pools surviving kill -9."""

import os
import shutil
import signal
import subprocess
import unittest

from storage_common import StorageDaemon, virsh


def mount_ids(target):
    """Mount ids of the mounts on @target (mountinfo field 1)."""
    with open('/proc/self/mountinfo') as f:
        return [ln.split()[0] for ln in f if ln.split()[4] == target]


class PoolTypesTest(unittest.TestCase):

    def setUp(self):
        self.d = StorageDaemon().start()
        self.addCleanup(shutil.rmtree, self.d.root, True)
        self.addCleanup(lambda: self.d.stop())

    def ok(self, *args):
        r = virsh(self.d.uri, *args)
        self.assertEqual(r.returncode, 0, f'virsh {" ".join(args)}: {r.stderr}')
        return r.stdout

    def fails(self, needle, *args):
        r = virsh(self.d.uri, *args)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn(needle, r.stderr)
        return r.stderr

    def restart(self, kill=True):
        self.d.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.d.proc.wait()
        self.d.stop()
        self.d = StorageDaemon(root=self.d.root).start()

    def test_fs_pool_on_an_ext4_image(self):
        img = os.path.join(self.d.root, 'fs.img')
        with open(img, 'wb') as f:
            f.truncate(64 << 20)
        target = os.path.join(self.d.root, 'fsmnt')
        self.addCleanup(lambda: mount_ids(target) and subprocess.run(['umount', target]))
        self.ok('pool-define-as', 'fsp', 'fs', '--source-dev', img, '--source-format', 'ext4', '--target', target)
        self.ok('pool-build', 'fsp', '--no-overwrite')
        self.fails("already holds a 'ext4' filesystem", 'pool-build', 'fsp', '--no-overwrite')
        self.ok('pool-start', 'fsp')
        ids = mount_ids(target)
        self.assertEqual(len(ids), 1)
        self.ok('vol-create-as', 'fsp', 'v1', '4M')
        self.assertTrue(os.path.exists(os.path.join(target, 'v1')))
        self.assertIn('lost+found', os.listdir(target))
        self.assertEqual(self.ok('vol-list', 'fsp').split()[-2:], ['v1', os.path.join(target, 'v1')])
        # A new daemon finds the pool mounted and keeps that mount.
        self.restart()
        self.assertIn('running', self.ok('pool-info', 'fsp'))
        self.assertEqual(mount_ids(target), ids)
        self.assertIn('v1', self.ok('vol-list', 'fsp'))
        self.ok('pool-destroy', 'fsp')
        self.assertEqual(mount_ids(target), [])
        # Started again it mounts again; unmounted behind its back it is not re-adopted.
        self.ok('pool-start', 'fsp')
        subprocess.run(['umount', target], check=True)
        self.restart()
        self.assertIn('inactive', self.ok('pool-info', 'fsp'))
        self.assertIn('nothing is mounted', self.d.log())

    def test_logical_pool_without_device_mapper(self):
        img = os.path.join(self.d.root, 'pv.img')
        with open(img, 'wb') as f:
            f.truncate(64 << 20)
        loop = subprocess.run(['losetup', '--show', '-f', img], capture_output=True, text=True,
                              check=True).stdout.strip()
        vg = 'mv-storaged-' + os.path.basename(self.d.root)
        self.addCleanup(subprocess.run, ['losetup', '-d', loop])
        self.addCleanup(subprocess.run, ['vgremove', '-f', vg], capture_output=True)
        self.ok('pool-define-as', 'vgp', 'logical', '--source-dev', loop, '--source-name', vg,
                '--target', f'/dev/{vg}')
        self.ok('pool-build', 'vgp')
        self.ok('pool-start', 'vgp')
        self.assertIn('60.00 MiB', self.ok('pool-info', 'vgp'))
        err = self.fails('device-mapper', 'vol-create-as', 'vgp', 'lv1', '8M')
        self.assertIn("'lv1'", err)
        self.assertEqual(self.ok('vol-list', 'vgp').split()[3:], [])
        srcs = self.ok('find-storage-pool-sources', 'logical')
        self.assertIn(f'<name>{vg}</name>', srcs)
        self.assertIn(f"<device path='{loop}'/>", srcs)
        self.ok('pool-destroy', 'vgp')
        self.ok('pool-delete', 'vgp')
        self.assertNotIn(vg, subprocess.run(['vgs'], capture_output=True, text=True).stdout)
        self.ok('pool-undefine', 'vgp')

    def test_definitions_and_running_pools_survive_kill_9(self):
        t1 = os.path.join(self.d.root, 'p1')
        self.ok('pool-define-as', 'p1', 'dir', '--target', t1)
        self.ok('pool-build', 'p1')
        self.ok('pool-start', 'p1')
        self.ok('pool-autostart', 'p1')
        self.ok('vol-create-as', 'p1', 'v', '1M')
        self.ok('pool-define-as', 'p2', 'dir', '--target', os.path.join(self.d.root, 'p2'))
        self.ok('pool-autostart', 'default', '--disable')
        self.ok('pool-destroy', 'default')
        self.restart()
        listing = self.ok('pool-list', '--all')
        rows = {ln.split()[0]: ln.split()[1:] for ln in listing.splitlines()[2:] if ln.strip()}
        self.assertEqual(rows, {'default': ['inactive', 'no'], 'p1': ['active', 'yes'], 'p2': ['inactive', 'no']})
        self.assertIn('v', self.ok('vol-list', 'p1'))
        # An undefined default pool is not made again.
        self.ok('pool-undefine', 'default')
        self.restart(kill=False)
        self.assertNotIn('default', self.ok('pool-list', '--all'))


if __name__ == '__main__':
    unittest.main(verbosity=2)
