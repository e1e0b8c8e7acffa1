#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A full disk under the definitions directory loses nothing: a define or a config change
that cannot be written fails with the domain and the reason named, the domain list and every
definition stay as they were (in the daemon and on disk, also after a kill -9 and restart),
and once there is room again the same calls work.  And a disk too small for the journal still
works, each change flushed on its own."""

import os
import subprocess
import xml.etree.ElementTree as ET

import harness
from guest import RootTestCase, virsh


class FullDiskTest(RootTestCase):

    def mount_small_etc(self, size):
        etc = os.path.join(self.root, 'etc')
        os.makedirs(etc, exist_ok=True)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', etc], check=True)
        self.addCleanup(lambda: subprocess.run(['umount', '-l', etc]))
        return etc

    def fill(self, etc):
        """Fill the filesystem at @etc; returns the filler's path."""
        path = os.path.join(etc, 'filler')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (65536, 4096, 1):
                try:
                    while True:
                        os.write(fd, b'\0' * size)
                except OSError:
                    pass
        finally:
            os.close(fd)
        return path

    def define_fails(self, d, name):
        path = os.path.join(self.root, f'{name}.xml')
        with open(path, 'w') as f:
            f.write(f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
                    f"<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>")
        r = virsh(d.uri, 'define', path)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        return r.stderr

    def test_full_disk_with_journal(self):
        etc = self.mount_small_etc('12m')
        d = self.daemon()
        cfg = os.path.join(etc, 'modvirt/qemu')
        self.assertTrue(os.path.exists(os.path.join(cfg, '.journal')))
        self.define(d, 'fd-keep')
        before = self.virsh_ok(d, 'dumpxml', '--inactive', 'fd-keep')
        filler = self.fill(etc)

        err = self.define_fails(d, 'fd-new')
        self.assertIn("domain 'fd-new'", err)
        self.assertIn('No space left on device', err)
        err = virsh(d.uri, 'setmem', 'fd-keep', '48M', '--config').stderr
        self.assertIn("domain 'fd-keep'", err)
        self.assertIn('No space left on device', err)
        self.assertEqual(self.virsh_ok(d, 'list', '--all', '--name').split(), ['fd-keep'])
        self.assertEqual(self.virsh_ok(d, 'dumpxml', '--inactive', 'fd-keep'), before)
        self.assertFalse(os.path.exists(os.path.join(cfg, 'fd-new.xml')))
        self.assertEqual([f for f in os.listdir(cfg) if '.new-' in f], [], 'temporary files left')

        # Nothing of the failed calls comes back after a crash either.
        d.kill()
        d = self.daemon()
        self.assertEqual(self.virsh_ok(d, 'list', '--all', '--name').split(), ['fd-keep'])
        self.assertEqual(self.virsh_ok(d, 'dumpxml', '--inactive', 'fd-keep'), before)

        os.unlink(filler)
        self.define(d, 'fd-new')
        self.virsh_ok(d, 'setmem', 'fd-keep', '48M', '--config')
        d.kill()
        d = self.daemon()
        self.assertEqual(sorted(self.virsh_ok(d, 'list', '--all', '--name').split()), ['fd-keep', 'fd-new'])
        pending = ET.fromstring(self.virsh_ok(d, 'dumpxml', '--inactive', 'fd-keep'))
        self.assertEqual(pending.find('currentMemory').text, str(48 * 1024))

    def test_no_room_for_the_journal(self):
        etc = self.mount_small_etc('4m')
        d = self.daemon()
        self.assertIn('cannot create the journal', d.log())
        cfg = os.path.join(etc, 'modvirt/qemu')
        self.assertFalse(os.path.exists(os.path.join(cfg, '.journal')))
        self.assertEqual([f for f in os.listdir(cfg) if f.startswith('.journal')], [])
        self.define(d, 'nj-a')
        self.virsh_ok(d, 'autostart', 'nj-a')
        d.kill()
        d = self.daemon()
        self.assertIn('nj-a', self.virsh_ok(d, 'list', '--all', '--name').split())
        self.assertIn('enable', self.virsh_ok(d, 'dominfo', 'nj-a'))


if __name__ == '__main__':
    harness.main()
