#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vol-upload and vol-download as streams, with Debian's virsh: a 1 GiB sparse file goes up
and comes back byte-identical (by hash), --sparse keeps the holes both ways, a full disk
during an upload is a clear error that leaves the volume as it was, and a storage daemon
killed in the middle of an upload leaves no half-written volume: the volume keeps its old
bytes and the new daemon throws the unfinished file away."""

import hashlib
import os
import shutil
import signal
import subprocess
import time
import unittest

import harness
from storage_common import StorageTestCase, StorageDaemon

GiB = 1 << 30
MiB = 1 << 20


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            b = f.read(4 * MiB)
            if not b:
                return h.hexdigest()
            h.update(b)


def allocated(path):
    return os.stat(path).st_blocks * 512


def make_sparse(path, size, extents):
    """A file of @size with data at the (offset, length) @extents, holes elsewhere.  The data
    is a random MiB repeated with a counter, so no two MiB are alike and writing is quick."""
    block = os.urandom(MiB)
    with open(path, 'wb') as f:
        f.truncate(size)
        for off, length in extents:
            f.seek(off)
            for i in range(0, length, MiB):
                f.write((i // MiB).to_bytes(8, 'little') + block[8:min(MiB, length - i)])


class StreamTest(StorageTestCase):

    def setUp(self):
        super().setUp()
        self.src = os.path.join(self.d.root, 'src.img')
        make_sparse(self.src, GiB, [(0, MiB), (300 * MiB, 16 * MiB), (GiB - MiB, MiB)])
        self.vol = os.path.join(self.d.images, 'disk.raw')
        self.ok('vol-create-as', 'default', 'disk.raw', '1G', '--allocation', '0')

    def test_round_trip_1gib_byte_identical(self):
        want = sha256(self.src)
        self.ok('vol-upload', 'disk.raw', self.src, '--pool', 'default')
        self.assertEqual(sha256(self.vol), want)
        out = os.path.join(self.d.root, 'out.img')
        self.ok('vol-download', 'disk.raw', out, '--pool', 'default')
        self.assertEqual(sha256(out), want)
        self.assertEqual(os.path.getsize(out), GiB)

    def test_sparse_keeps_holes_both_ways(self):
        want = sha256(self.src)
        self.ok('vol-upload', 'disk.raw', self.src, '--pool', 'default', '--sparse')
        self.assertEqual(sha256(self.vol), want)
        self.assertLess(allocated(self.vol), 64 * MiB)
        out = os.path.join(self.d.root, 'out.img')
        self.ok('vol-download', 'disk.raw', out, '--pool', 'default', '--sparse')
        self.assertEqual(sha256(out), want)
        self.assertLess(allocated(out), 64 * MiB)

    def test_partial_upload_and_download_by_offset(self):
        part = os.path.join(self.d.root, 'part.bin')
        data = os.urandom(MiB)
        with open(part, 'wb') as f:
            f.write(data)
        self.ok('vol-upload', 'disk.raw', part, '--pool', 'default', '--offset', str(5 * MiB))
        out = os.path.join(self.d.root, 'part.out')
        self.ok('vol-download', 'disk.raw', out, '--pool', 'default', '--offset', str(5 * MiB),
                '--length', str(MiB))
        with open(out, 'rb') as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(os.path.getsize(self.vol), GiB)

    def test_full_disk_during_upload(self):
        small = os.path.join(self.d.root, 'small')
        os.makedirs(small)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', small], check=True)
        self.addCleanup(subprocess.run, ['umount', '-l', small])
        self.ok('pool-create-as', 'small', 'dir', '--target', small)
        self.ok('vol-create-as', 'small', 'v', '64M', '--allocation', '0')
        data = os.path.join(self.d.root, 'data.bin')
        make_sparse(data, 32 * MiB, [(0, 32 * MiB)])
        err = self.fails('No space left on device', 'vol-upload', 'v', data, '--pool', 'small')
        self.assertIn("'v'", err)
        self.assertEqual(sorted(os.listdir(small)), ['v'])
        self.assertEqual(allocated(os.path.join(small, 'v')), 0)
        # The daemon keeps serving, and the volume is whole.
        self.assertIn('64.00 MiB', self.ok('vol-info', 'v', '--pool', 'small'))


class KilledDuringUploadTest(unittest.TestCase):

    def test_kill_9_leaves_no_half_volume(self):
        d = StorageDaemon().start()
        self.addCleanup(shutil.rmtree, d.root, True)
        self.addCleanup(d.stop)
        src = os.path.join(d.root, 'src.img')
        make_sparse(src, 256 * MiB, [(0, 256 * MiB)])
        from storage_common import virsh
        self.assertEqual(virsh(d.uri, 'vol-create-as', 'default', 'disk.raw', '256M', '--allocation', '0').returncode, 0)
        vol = os.path.join(d.images, 'disk.raw')
        before = sha256(vol)
        up = subprocess.Popen([harness.VIRSH, '-c', d.uri, 'vol-upload', 'disk.raw', src, '--pool', 'default'],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=harness.CLIENT_ENV)
        temp = os.path.join(d.images, '.disk.raw.mv-part')
        self.assertTrue(harness.wait_until(lambda: os.path.exists(temp) and os.path.getsize(temp) > 16 * MiB, 30, 0.01),
                        'the upload did not start')
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait()
        up.wait(30)
        self.assertNotEqual(up.returncode, 0)
        self.assertEqual(sha256(vol), before)
        # The next daemon re-adopts the pool and throws the unfinished file away.
        d2 = StorageDaemon(root=d.root).start()
        self.addCleanup(d2.stop)
        r = virsh(d2.uri, 'vol-list', 'default')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('disk.raw', r.stdout)
        self.assertFalse(os.path.exists(temp))
        self.assertEqual(sorted(os.listdir(d.images)), ['disk.raw'])


if __name__ == '__main__':
    unittest.main(verbosity=2)
