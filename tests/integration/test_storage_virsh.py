#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-storaged driven by Debian's virsh: the default pool, dir pool lifecycle with
list filters, raw and qcow2 volumes (sparse and allocated, a backing store, clone with
conversion, resize, wipe, delete), and bad input answered with a clear error that leaves
nothing half-made behind."""

import json
import os
import subprocess
import unittest

import harness
from storage_common import StorageTestCase


def qemu_img_info(path):
    out = subprocess.run(['qemu-img', 'info', '-U', '--output=json', path], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


class PoolTest(StorageTestCase):

    def test_default_pool_runs_and_autostarts(self):
        out = self.ok('pool-list', '--all')
        self.assertEqual(self.names(out), ['default'])
        info = self.ok('pool-info', 'default')
        self.assertIn('running', info)
        self.assertRegex(info, r'Autostart:\s+yes')
        self.assertIn(f'<path>{self.d.images}</path>', self.ok('pool-dumpxml', 'default'))
        self.assertTrue(os.path.isdir(self.d.images))

    def test_dir_pool_lifecycle_and_filters(self):
        target = os.path.join(self.d.root, 'pools/p1')
        self.ok('pool-define-as', 'p1', 'dir', '--target', target)
        self.assertEqual(self.names(self.ok('pool-list', '--inactive')), ['p1'])
        err = self.fails('is missing', 'pool-start', 'p1')
        self.assertIn(target, err)
        self.ok('pool-build', 'p1')
        self.assertEqual(oct(os.stat(target).st_mode & 0o777), '0o711')
        self.ok('pool-start', 'p1')
        self.ok('pool-autostart', 'p1')
        self.assertEqual(self.names(self.ok('pool-list', '--autostart')), ['default', 'p1'])
        self.assertEqual(self.names(self.ok('pool-list', '--type', 'dir')), ['default', 'p1'])
        self.assertEqual(self.names(self.ok('pool-list', '--all', '--type', 'logical')), [])
        self.fails('already active', 'pool-start', 'p1')
        self.ok('pool-destroy', 'p1')
        self.ok('pool-delete', 'p1')
        self.assertFalse(os.path.exists(target))
        self.ok('pool-undefine', 'p1')
        self.assertEqual(self.names(self.ok('pool-list', '--all')), ['default'])
        self.fails('no storage pool with matching name', 'pool-info', 'p1')

    def test_lifecycle_and_refresh_events(self):
        import threading
        import libvirt
        libvirt.virEventRegisterDefaultImpl()
        stop = threading.Event()
        threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(stop.is_set, True)],
                         daemon=True).start()
        self.addCleanup(stop.set)
        conn = libvirt.open(self.d.uri)
        self.addCleanup(conn.close)
        seen = []
        names = {0: 'Defined', 1: 'Undefined', 2: 'Started', 3: 'Stopped', 4: 'Created', 5: 'Deleted'}
        ids = [conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                                                lambda c, p, ev, det, o: seen.append((p.name(), names[ev])), None),
               conn.storagePoolEventRegisterAny(None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                                                lambda c, p, o: seen.append((p.name(), 'Refreshed')), None)]
        target = os.path.join(self.d.root, 'e1')
        for cmd in (('pool-define-as', 'e1', 'dir', '--target', target), ('pool-build', 'e1'),
                    ('pool-start', 'e1'), ('pool-refresh', 'e1'), ('pool-destroy', 'e1'),
                    ('pool-delete', 'e1'), ('pool-undefine', 'e1')):
            self.ok(*cmd)
        want = [('e1', e) for e in ('Defined', 'Created', 'Started', 'Refreshed', 'Stopped', 'Deleted', 'Undefined')]
        harness.wait_until(lambda: len(seen) >= len(want), 10)
        self.assertEqual(seen, want)
        for i in ids:
            conn.storagePoolEventDeregisterAny(i)

    def test_transient_pool_goes_with_destroy(self):
        target = os.path.join(self.d.root, 'pools/t')
        os.makedirs(target)
        self.ok('pool-create-as', 't', 'dir', '--target', target)
        self.assertIn('Persistent:     no', self.ok('pool-info', 't'))
        self.ok('pool-destroy', 't')
        self.assertEqual(self.names(self.ok('pool-list', '--all')), ['default'])

    def test_pools_that_cannot_run_here_say_why(self):
        self.ok('pool-define-as', 'nfs', 'netfs', '--source-host', 'nfs.example', '--source-path', '/x',
                '--target', os.path.join(self.d.root, 'nfs'))
        self.fails('no NFS client', 'pool-start', 'nfs')
        xml = os.path.join(self.d.root, 'rbd.xml')
        with open(xml, 'w') as f:
            f.write("<pool type='rbd'><name>ceph</name><source><name>rbd</name><host name='mon'/></source></pool>")
        self.ok('pool-define', xml)
        self.fails('without Ceph', 'pool-start', 'ceph')
        self.assertIn("<pool type='rbd'>", self.ok('pool-dumpxml', 'ceph'))

    def test_bad_pool_input(self):
        self.fails("cannot contain '/'", 'pool-define-as', 'a/b', 'dir', '--target', '/tmp/x')
        self.fails('same storage as pool', 'pool-define-as', 'again', 'dir', '--target', self.d.images)
        self.assertEqual(self.names(self.ok('pool-list', '--all')), ['default'])


class VolumeTest(StorageTestCase):

    def path(self, name):
        return os.path.join(self.d.images, name)

    def test_raw_allocated_and_sparse(self):
        self.ok('vol-create-as', 'default', 'full.raw', '8M')
        self.ok('vol-create-as', 'default', 'sparse.raw', '1G', '--allocation', '0')
        st = os.stat(self.path('full.raw'))
        self.assertEqual(st.st_size, 8 << 20)
        self.assertGreaterEqual(st.st_blocks * 512, 8 << 20)
        self.assertEqual(os.stat(self.path('sparse.raw')).st_blocks, 0)
        self.assertEqual(oct(st.st_mode & 0o777), '0o600')
        out = self.ok('vol-list', 'default', '--details')
        self.assertEqual(self.names(out), ['full.raw', 'sparse.raw'])
        self.assertIn('1.00 GiB', out)
        info = self.ok('vol-info', 'sparse.raw', '--pool', 'default')
        self.assertRegex(info, r'Capacity:\s+1.00 GiB')
        self.assertRegex(info, r'Allocation:\s+0.00 B')

    def test_qcow2_backing_clone_resize_wipe_delete(self):
        self.ok('vol-create-as', 'default', 'base.qcow2', '64M', '--format', 'qcow2')
        self.assertEqual(qemu_img_info(self.path('base.qcow2'))['format'], 'qcow2')
        self.ok('vol-create-as', 'default', 'ov.qcow2', '128M', '--format', 'qcow2',
                '--backing-vol', self.path('base.qcow2'), '--backing-vol-format', 'qcow2')
        xml = self.ok('vol-dumpxml', 'ov.qcow2', '--pool', 'default')
        self.assertIn(f"<path>{self.path('base.qcow2')}</path>", xml)
        self.assertIn("<capacity unit='bytes'>134217728</capacity>", xml)
        self.assertEqual(qemu_img_info(self.path('ov.qcow2'))['backing-filename'], self.path('base.qcow2'))
        # Clone with conversion both ways.
        self.ok('vol-create-as', 'default', 'data.raw', '4M', '--allocation', '0')
        with open(self.path('data.raw'), 'r+b') as f:
            f.seek(1 << 20)
            f.write(b'modvirt' * 1000)
        src = os.path.join(self.d.root, 'clone.xml')
        with open(src, 'w') as f:
            f.write("<volume><name>data.qcow2</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>")
        self.ok('vol-create-from', 'default', src, 'data.raw', '--inputpool', 'default')
        self.assertEqual(qemu_img_info(self.path('data.qcow2'))['format'], 'qcow2')
        with open(src, 'w') as f:
            f.write("<volume><name>back.raw</name><capacity>0</capacity><target><format type='raw'/></target></volume>")
        self.ok('vol-create-from', 'default', src, 'data.qcow2', '--inputpool', 'default')
        with open(self.path('data.raw'), 'rb') as a, open(self.path('back.raw'), 'rb') as b:
            self.assertEqual(a.read(), b.read())
        self.ok('vol-clone', 'base.qcow2', 'copy.qcow2', '--pool', 'default')
        # Resize: grow; shrink only with the flag.
        self.ok('vol-resize', 'copy.qcow2', '128M', '--pool', 'default')
        self.assertEqual(qemu_img_info(self.path('copy.qcow2'))['virtual-size'], 128 << 20)
        self.fails('without the shrink flag', 'vol-resize', 'data.raw', '1M', '--pool', 'default')
        self.ok('vol-resize', 'data.raw', '2M', '--pool', 'default', '--shrink')
        self.assertEqual(os.path.getsize(self.path('data.raw')), 2 << 20)
        # Wipe: zeros in place; other algorithms say what they need.
        self.ok('vol-wipe', 'data.raw', '--pool', 'default')
        with open(self.path('data.raw'), 'rb') as f:
            self.assertEqual(f.read(), bytes(2 << 20))
        self.fails("needs 'scrub'", 'vol-wipe', 'data.raw', '--pool', 'default', '--algorithm', 'dod')
        self.ok('vol-wipe', 'data.qcow2', '--pool', 'default')
        self.assertEqual(qemu_img_info(self.path('data.qcow2'))['virtual-size'], 4 << 20)
        # Lookups by key and path.
        self.assertEqual(self.ok('vol-key', 'copy.qcow2', '--pool', 'default').strip(), self.path('copy.qcow2'))
        self.assertEqual(self.ok('vol-path', '--vol', self.path('copy.qcow2')).strip(), self.path('copy.qcow2'))
        self.assertEqual(self.ok('vol-pool', self.path('copy.qcow2')).strip(), 'default')
        self.ok('vol-delete', 'copy.qcow2', '--pool', 'default')
        self.assertFalse(os.path.exists(self.path('copy.qcow2')))
        self.fails('no storage vol with matching', 'vol-info', 'copy.qcow2', '--pool', 'default')

    def test_refresh_sees_files_made_outside(self):
        with open(self.path('outside.img'), 'wb') as f:
            f.truncate(1 << 20)
        self.assertNotIn('outside.img', self.ok('vol-list', 'default'))
        self.ok('pool-refresh', 'default')
        self.assertIn('outside.img', self.ok('vol-list', 'default'))

    def test_bad_volume_input_leaves_nothing(self):
        self.fails("cannot contain '/'", 'vol-create-as', 'default', 'x/y', '1M')
        self.ok('vol-create-as', 'default', 'taken', '1M')
        self.fails("already in use", 'vol-create-as', 'default', 'taken', '1M')
        xml = os.path.join(self.d.root, 'big.xml')
        with open(xml, 'w') as f:
            f.write("<volume><name>big</name><capacity unit='EiB'>100</capacity></volume>")
        self.fails('too large', 'vol-create', 'default', xml)
        with open(xml, 'w') as f:
            f.write("<volume><name>enc</name><capacity>1</capacity><target><format type='qcow2'/>"
                    "<encryption format='luks'/></target></volume>")
        self.fails('encrypted volumes', 'vol-create', 'default', xml)
        with open(xml, 'w') as f:
            f.write("<volume><name>ov</name><capacity>1048576</capacity><target><format type='qcow2'/></target>"
                    "<backingStore><path>/nonexistent/base.qcow2</path></backingStore></volume>")
        self.fails('does not exist', 'vol-create', 'default', xml)
        self.assertEqual(sorted(os.listdir(self.d.images)), ['taken'])
        self.assertEqual(self.names(self.ok('vol-list', 'default')), ['taken'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
