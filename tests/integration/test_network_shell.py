#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shell's net-* verbs against Debian's virsh on the same modvirt-netd: the same output,
byte for byte, for every verb and the same failure for a missing network."""

import os
import unittest

import harness
from netd import NetTestCase
import test_proxy_common as pc

XML = '''<network>
  <name>sh1</name>
  <forward mode='nat'/>
  <bridge name='mvbr-sh'/>
  <ip address='10.81.0.1' prefix='24'>
    <dhcp>
      <range start='10.81.0.10' end='10.81.0.20'/>
    </dhcp>
  </ip>
</network>
'''


class NetworkShellTest(NetTestCase):

    def both(self, *args):
        v = harness.run([harness.VIRSH, '-c', self.netd.uri, *args])
        m = harness.run([pc.MODVIRT, '-c', self.netd.uri, *args])
        return v, m

    def same(self, *args):
        v, m = self.both(*args)
        self.assertEqual((m.returncode, m.stdout), (v.returncode, v.stdout), f'{args}: {m.stderr}')
        return m.stdout

    def shell(self, *args):
        r = harness.run([pc.MODVIRT, '-c', self.netd.uri, *args])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_verbs_print_what_virsh_prints(self):
        path = self.define(XML)
        self.assertEqual(self.shell('net-define', path), f'Network sh1 defined from {path}\n\n')
        self.same('net-list', '--all')
        self.same('net-list', '--inactive')
        self.same('net-info', 'sh1')
        self.same('net-dumpxml', 'sh1')
        self.assertEqual(self.shell('net-start', 'sh1'), 'Network sh1 started\n\n')
        self.same('net-list')
        self.same('net-list', '--all', '--name')
        self.same('net-list', '--all', '--uuid')
        self.same('net-uuid', 'sh1')
        self.same('net-dhcp-leases', 'sh1')
        self.assertEqual(self.shell('net-autostart', 'sh1'), 'Network sh1 marked as autostarted\n\n')
        self.same('net-list', '--autostart')
        host = "<host mac='52:54:00:00:00:09' ip='10.81.0.9'/>"
        out = self.shell('net-update', 'sh1', 'add', 'ip-dhcp-host', host, '--live', '--config')
        self.assertEqual(out, 'Updated network sh1 persistent config and live state\n\n')
        self.assertIn(host, self.same('net-dumpxml', 'sh1', '--inactive'))
        v, m = self.both('net-info', 'nosuch')
        self.assertNotEqual(m.returncode, 0)
        self.assertEqual(m.stderr.splitlines()[0], v.stderr.splitlines()[0])
        self.assertEqual(self.shell('net-destroy', 'sh1'), 'Network sh1 destroyed\n\n')
        self.assertEqual(self.shell('net-undefine', 'sh1'), 'Network sh1 has been undefined\n\n')
        self.assertEqual(self.shell('net-create', path), f'Network sh1 created from {path}\n\n')
        self.same('net-list', '--all')
        self.shell('net-destroy', 'sh1')


if __name__ == '__main__':
    unittest.main(verbosity=2)
