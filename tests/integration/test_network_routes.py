#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-netd reached the ways libvirt's clients reach a network driver: network:///system
through modvirt-proxyd's legacy socket, and network calls on a qemu:///system connection,
which modvirt-qemud relays to netd.  Debian's virsh and python3-libvirt on each path."""

import os
import unittest

import libvirt

import harness
import netd
from netd import NetTestCase
import test_proxy_common as pc

XML = '''<network>
  <name>routed1</name>
  <forward mode='route'/>
  <bridge name='mvbr-rt'/>
  <ip address='10.78.1.1' prefix='24'/>
</network>
'''


class NetworkRoutesTest(NetTestCase):

    def setUp(self):
        super().setUp()
        self.proxy = pc.ProxyDaemon(self.netd.root)
        self.addCleanup(self.proxy.cleanup)
        self.proxy.start()
        self.qemud = harness.Daemon(root=self.netd.root)
        self.qemud.logfile = os.path.join(self.netd.root, 'qemud.log')
        self.addCleanup(self.qemud.cleanup)
        self.qemud.start()
        self.proxy_uri = pc.legacy_uri(self.proxy, 'network')

    def test_virsh_through_the_proxy_and_the_relay(self):
        path = self.define(XML)
        r = self.virsh('net-define', path, uri=self.proxy_uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.virsh('net-start', 'routed1', uri=self.qemud.uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('mvbr-rt', self.ns.links())
        for uri in (self.proxy_uri, self.qemud.uri, pc.legacy_uri(self.proxy, 'qemu')):
            r = self.virsh('net-list', '--all', uri=uri)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r'routed1\s+active\s+no\s+yes', uri)
            self.assertIn("<forward mode='route'/>", self.virsh('net-dumpxml', 'routed1', uri=uri).stdout)
        r = self.virsh('net-destroy', 'routed1', uri=pc.legacy_uri(self.proxy, 'qemu'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('mvbr-rt', self.ns.links())
        self.assertEqual(self.virsh('net-undefine', 'routed1', uri=self.proxy_uri).returncode, 0)

    def test_python_through_the_proxy_and_the_relay(self):
        for uri in (self.proxy_uri, self.qemud.uri):
            conn = libvirt.open(uri)
            try:
                net = conn.networkCreateXML(XML)
                self.assertTrue(net.isActive())
                self.assertFalse(net.isPersistent())
                self.assertEqual([n.name() for n in conn.listAllNetworks()], ['routed1'])
                self.assertEqual(conn.networkLookupByName('routed1').UUIDString(), net.UUIDString())
                net.destroy()
                self.assertEqual(conn.listAllNetworks(), [])
            finally:
                conn.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)
