#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's virt-install 4.1, unmodified, against modvirt-qemud: the commands its documentation
shows define and boot a TCG guest (direct kernel boot of the test Linux) with no XML edits,
both with the q35 layout virt-install picks for a known OS (qemu-xhci, guest agent channel,
virtio video, rng) and the i440fx layout of a generic guest (the ICH9 USB set with companion
controllers), with and without VNC graphics; a VNC password reaches QEMU."""

import os
import select
import socket
import subprocess
import termios
import time
import tty
import xml.etree.ElementTree as ET

import harness
import guest
from guest import GuestTestCase, MARKER_BOOT

BOOT_TIMEOUT = 120     # a few seconds alone; TCG on a loaded 2-core machine is much slower
VIRT_INSTALL = '/usr/bin/virt-install'


class VirtInstallTest(GuestTestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(VIRT_INSTALL):
            raise AssertionError('virt-install is missing: install the virtinst package '
                                 '(scripts/install-deps does)')
        cls.image = guest.linux_guest()
        super().setUpClass()

    def virt_install(self, name, osinfo, graphics):
        argv = [VIRT_INSTALL, '--connect', self.uri, '--name', name, '--osinfo', osinfo,
                '--import', '--boot',
                f'kernel={self.image["kernel"]},initrd={self.image["initrd"]},'
                'kernel_args=console=ttyS0',
                '--memory', '128', '--vcpus', '2', '--disk', 'none', '--network', 'none',
                '--graphics', graphics, '--noautoconsole']
        harness.log('$ ' + ' '.join(argv))
        t = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, timeout=180)
        elapsed = time.monotonic() - t
        self.assertEqual(r.returncode, 0, f'virt-install failed:\n{r.stdout}\n{r.stderr}')
        harness.log(f'virt-install defined and started {name} in {elapsed:.2f} s')
        self.assertEqual(self.domstate(name), 'running (booted)')
        return r

    def wait_boot(self, name):
        """Read the guest's serial console (the pty of <console type='pty'>) until the
        initramfs prints its marker."""
        live = self.virsh_ok('dumpxml', name)
        self.validate(live, f'{name}-live')
        pty = ET.fromstring(live).find('devices/console').get('tty')
        self.assertTrue(pty and pty.startswith('/dev/pts/'), f'console has no pty: {pty}')
        fd = os.open(pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            tty.setraw(fd, termios.TCSANOW)   # no echo back into the guest
            seen = b''
            deadline = time.monotonic() + BOOT_TIMEOUT
            while MARKER_BOOT.encode() not in seen and time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 1)
                if ready:
                    try:
                        seen += os.read(fd, 65536)
                    except BlockingIOError:
                        pass
            self.assertIn(MARKER_BOOT.encode(), seen,
                          f'{name} did not boot to its marker within {BOOT_TIMEOUT}s; console:\n'
                          f'{seen[-3000:].decode(errors="replace")}')
        finally:
            os.close(fd)

    def vnc_security_types(self, name):
        """Connect to the guest's VNC display and return the security types it offers."""
        display = self.virsh_ok('vncdisplay', name).strip()
        self.assertRegex(display, r'^127\.0\.0\.1:\d+$')
        port = 5900 + int(display.rsplit(':', 1)[1])
        with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
            banner = s.recv(12)
            self.assertTrue(banner.startswith(b'RFB 003.'), banner)
            s.sendall(b'RFB 003.008\n')
            n = s.recv(1)[0]
            return list(s.recv(n))

    def undefine(self, name):
        self.virsh_ok('destroy', name)
        self.virsh_ok('undefine', name)

    def test_q35_known_os_no_graphics(self):
        name = 'vi-q35'
        self.virt_install(name, 'linux2022', 'none')
        xml = self.virsh_ok('dumpxml', '--inactive', name)
        self.validate(xml, f'{name}-inactive')
        dom = ET.fromstring(xml)
        caps = self.virsh_ok('capabilities')
        if "<domain type='kvm'" not in caps:
            self.assertEqual(dom.get('type'), 'qemu', 'kvm is not offered: virt-install must pick qemu')
        self.assertTrue(dom.find('os/type').get('machine').startswith('pc-q35-'))
        self.assertEqual(dom.find('pm/suspend-to-mem').get('enabled'), 'no')
        usb = dom.find("devices/controller[@type='usb']")
        self.assertEqual((usb.get('model'), usb.get('ports')), ('qemu-xhci', '15'))
        self.assertEqual(dom.find('devices/channel/target').get('name'), 'org.qemu.guest_agent.0')
        self.assertIsNotNone(dom.find("devices/controller[@type='virtio-serial']"))
        self.wait_boot(name)
        # The guest agent's socket is there for a qemu-ga to answer on.
        run_dirs = os.listdir(os.path.join(self.root, 'var/lib/modvirt/qemu'))
        self.assertTrue(any(os.path.exists(os.path.join(self.root, 'var/lib/modvirt/qemu', d,
                                                        'org.qemu.guest_agent.0'))
                            for d in run_dirs), run_dirs)
        self.undefine(name)

    def test_pc_generic_vnc(self):
        name = 'vi-pc'
        self.virt_install(name, 'detect=on,require=off', 'vnc')
        dom = ET.fromstring(self.virsh_ok('dumpxml', '--inactive', name))
        self.assertTrue(dom.find('os/type').get('machine').startswith('pc-i440fx-'))
        models = [c.get('model') for c in dom.findall("devices/controller[@type='usb']")]
        self.assertEqual(models, ['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3'])
        self.assertEqual([c.find('master').get('startport')
                          for c in dom.findall("devices/controller[@type='usb']")[1:]],
                         ['0', '2', '4'])
        self.wait_boot(name)
        live = ET.fromstring(self.virsh_ok('dumpxml', name))
        port = int(live.find('devices/graphics').get('port'))
        self.assertGreaterEqual(port, 5900, 'the live XML shows the port QEMU chose')
        self.assertEqual(self.vnc_security_types(name), [1], 'no password: security type None')
        self.undefine(name)

    def test_vnc_password(self):
        name = 'vi-pw'
        self.virt_install(name, 'linux2022', 'vnc,password=s3cret')
        self.assertNotIn('s3cret', self.virsh_ok('dumpxml', name))
        self.assertIn("passwd='s3cret'", self.virsh_ok('dumpxml', '--security-info', name))
        self.assertEqual(self.vnc_security_types(name), [2], 'a password: VNC authentication')
        argv = open(f'/proc/{self.qemu_pid_of(name)}/cmdline').read()
        self.assertNotIn('s3cret', argv, 'the password must not be on the command line')
        self.undefine(name)


if __name__ == '__main__':
    harness.main()
