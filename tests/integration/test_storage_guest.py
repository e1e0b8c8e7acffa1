#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Guests on volumes: modvirt-qemud resolves <disk type='volume'> through modvirt-storaged's
socket when the guest starts, and a TCG guest boots from such a disk.  The disk is a qcow2
volume whose backing volume holds a boot sector (written with vol-upload) that prints a
marker on the serial port: SeaBIOS reading it through QEMU's qcow2 driver is the proof that
path and format both came from storaged.  A missing volume or storage daemon is a clear
error at start."""

import os
import unittest

import harness
import guest
from storage_common import StorageDaemon, virsh

MARKER = 'MODVIRT-VOLUME-BOOT-OK'

# x86 real mode, loaded at 0:7c00: DS=0, write the NUL-terminated message at 7c17 to COM1, halt.
BOOT_CODE = bytes([0x31, 0xC0, 0x8E, 0xD8, 0xFC, 0xBA, 0xF8, 0x03, 0xBE, 0x17, 0x7C, 0xAC, 0x84, 0xC0,
                   0x74, 0x03, 0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD, 0x90])


def boot_sector():
    body = BOOT_CODE + MARKER.encode() + b'\r\n\0'
    return body + bytes(510 - len(body)) + b'\x55\xaa'


def volume_domain(name, volume, serial):
    return f'''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <boot dev='hd'/>
  </os>
  <devices>
    <emulator>{guest.EMULATOR}</emulator>
    <disk type='volume' device='disk'>
      <source pool='default' volume='{volume}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'>
      <source path='{serial}'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
'''


class VolumeGuestTest(guest.GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stor = StorageDaemon(root=cls.root).start()

    @classmethod
    def tearDownClass(cls):
        cls.stor.stop()
        super().tearDownClass()

    def run_virsh(self, *args):
        r = virsh(self.uri, *args)
        self.assertEqual(r.returncode, 0, f'virsh {" ".join(args)}: {r.stderr}')
        return r.stdout

    def test_guest_boots_from_a_qcow2_volume(self):
        # Through qemud's relay, as virt-manager would: volumes, then the guest.
        self.run_virsh('vol-create-as', 'default', 'base.raw', '1M', '--allocation', '0')
        sector = self.write('boot.bin', '')
        with open(sector, 'wb') as f:
            f.write(boot_sector())
        self.run_virsh('vol-upload', 'base.raw', sector, '--pool', 'default')
        base = os.path.join(self.stor.images, 'base.raw')
        self.run_virsh('vol-create-as', 'default', 'boot.qcow2', '1M', '--format', 'qcow2',
                       '--backing-vol', base, '--backing-vol-format', 'raw')
        serial = os.path.join(self.root, 'vm1.serial')
        self.run_virsh('define', self.write('vm1.xml', volume_domain('vm1', 'boot.qcow2', serial)))
        self.run_virsh('start', 'vm1')
        self.addCleanup(virsh, self.uri, 'destroy', 'vm1')
        self.assertEqual(guest.wait_marker(serial, MARKER, timeout=60), 1, guest.read_text(serial))
        xml = self.run_virsh('dumpxml', 'vm1')
        self.assertIn("<source pool='default' volume='boot.qcow2'/>", xml)
        pids = guest.qemu_pids(self.root)
        self.assertEqual(len(pids), 1)
        with open(f'/proc/{pids[0]}/cmdline', 'rb') as f:
            cmdline = f.read().decode()
        self.assertIn(os.path.join(self.stor.images, 'boot.qcow2'), cmdline)
        self.assertIn('"driver":"qcow2"', cmdline)

    def test_virt_install_disk_size_in_the_default_pool(self):
        # virt-install's own default XML still carries what modvirt-qemud refuses (<pm>, the
        # ICH9 USB companion controllers); those two are edited out, the storage part is as is.
        g = guest.linux_guest()
        serial = os.path.join(self.root, 'vi.serial')
        r = harness.run(['virt-install', '--connect', self.uri, '--name', 'vi', '--memory', '96', '--vcpus', '1',
                         '--virt-type', 'qemu', '--disk', 'size=1', '--import',
                         '--boot', f"kernel={g['kernel']},initrd={g['initrd']},kernel_args=console=ttyS0",
                         '--network', 'none', '--graphics', 'none', '--noautoconsole',
                         '--serial', f'file,path={serial}', '--osinfo', 'detect=on,require=off',
                         '--controller', 'usb,model=none', '--xml', 'xpath.delete=./pm'], timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.addCleanup(virsh, self.uri, 'destroy', 'vi')
        vols = self.run_virsh('vol-list', 'default')
        self.assertIn(os.path.join(self.stor.images, 'vi.qcow2'), vols)
        self.assertIn('1.00 GiB', self.run_virsh('vol-info', 'vi.qcow2', '--pool', 'default'))
        self.assertEqual(guest.wait_marker(serial, guest.MARKER_BOOT, timeout=90), 1, guest.read_text(serial))
        self.assertIn(os.path.join(self.stor.images, 'vi.qcow2'), self.run_virsh('domblklist', 'vi'))

    def test_missing_volume_is_a_clear_error(self):
        serial = os.path.join(self.root, 'vm2.serial')
        self.run_virsh('define', self.write('vm2.xml', volume_domain('vm2', 'nope.qcow2', serial)))
        r = virsh(self.uri, 'start', 'vm2')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("cannot use volume 'nope.qcow2' of pool 'default' for disk 'vda'", r.stderr)
        self.assertIn('no storage vol with matching name', r.stderr)
        self.assertIn('shut off', self.run_virsh('domstate', 'vm2'))
        self.assertEqual(guest.qemu_pids(self.root), [])


if __name__ == '__main__':
    unittest.main(verbosity=2)
