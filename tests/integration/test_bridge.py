#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Guests on a host bridge: modvirt-qemud opens a tap per <interface type='bridge'> (and
<interface type='ethernet'> without a target), joins it to the bridge, hands it to QEMU as an
fd, shows it in the live XML and in domiflist/domifstat, and the tap goes with the guest.
The bridge is made by the test, has no address and carries no traffic anywhere else."""

import os
import subprocess

from guest import GuestTestCase, diskless_xml


def ip(*args, check=True):
    return subprocess.run(['ip', *args], capture_output=True, text=True, check=check).stdout


class BridgeTest(GuestTestCase):

    def setUp(self):
        self.bridge = f'mvtb{os.getpid() % 100000}'
        ip('link', 'add', self.bridge, 'type', 'bridge')
        self.addCleanup(ip, 'link', 'del', self.bridge, check=False)

    def test_bridge_and_ethernet_taps(self):
        devices = (f"\n    <interface type='bridge'><source bridge='{self.bridge}'/>"
                   "<model type='virtio'/></interface>"
                   "\n    <interface type='ethernet'><model type='e1000'/></interface>")
        path = self.write('br.xml', diskless_xml('br', extra_devices=devices))
        self.virsh_ok('define', path)
        self.virsh_ok('start', 'br')
        iflist = self.virsh_ok('domiflist', 'br')
        lines = [l.split() for l in iflist.splitlines()[2:] if l.strip()]
        self.assertEqual([l[1:3] for l in lines], [['bridge', self.bridge], ['ethernet', '-']], iflist)
        tap, tap2 = lines[0][0], lines[1][0]
        self.assertTrue(tap.startswith('vnet') and tap2.startswith('vnet'), iflist)
        self.assertIn(tap, ip('-br', 'link', 'show', 'master', self.bridge))
        self.assertIn(f"<target dev='{tap}'/>", self.virsh_ok('dumpxml', 'br'))
        self.validate(self.virsh_ok('dumpxml', 'br'), 'br-live')
        stat = self.virsh_ok('domifstat', 'br', tap)
        self.assertIn(f'{tap} rx_bytes', stat)
        self.virsh_ok('destroy', 'br')
        self.assertNotIn(tap, ip('-br', 'link'))
        self.assertNotIn(tap2, ip('-br', 'link'))
        self.assertNotIn('<target dev', self.virsh_ok('dumpxml', '--inactive', 'br'))

    def test_missing_bridge_is_a_clear_error(self):
        devices = "\n    <interface type='bridge'><source bridge='mvnosuchbr'/></interface>"
        path = self.write('nobr.xml', diskless_xml('nobr', extra_devices=devices))
        self.virsh_ok('define', path)
        r = self.virsh('start', 'nobr')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("mvnosuchbr", r.stderr)
        self.assertEqual(self.domstate('nobr'), 'shut off (failed)')

    def test_network_interface_needs_the_network_daemon(self):
        devices = "\n    <interface type='network'><source network='default'/></interface>"
        path = self.write('net.xml', diskless_xml('net', extra_devices=devices))
        self.virsh_ok('define', path)
        r = self.virsh('start', 'net')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("network 'default'", r.stderr)
        self.assertIn('modvirt-netd', r.stderr)


if __name__ == '__main__':
    import unittest
    unittest.main(verbosity=2)
