#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real TCG guests on a modvirt-netd NAT network: modvirt-qemud asks netd for a port per
<interface type='network'> (NETWORK_PORT_CREATE_XML), plugs a tap into the bridge the port
names, and gives the port back when the guest stops.  The guest's DHCP client gets a lease in
the range (or its static address), which net-dhcp-leases shows, and pings the gateway; a kill -9
of netd while the guest pings loses no reply.  netd and qemud both run inside the test's network
namespace (qemud through nsenter, so /sys and the cgroups stay the host's)."""

import os
import re
import signal
import time
import unittest

import libvirt

import guest
import harness
import netd
import netguest
from netd import NetTestCase

NET_XML = '''<network>
  <name>gnet</name>
  <forward mode='nat'/>
  <bridge name='mvbr-g'/>
  <ip address='10.79.1.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.79.1.100' end='10.79.1.150'/>
      <host mac='52:54:00:79:00:02' name='static' ip='10.79.1.2'/>
    </dhcp>
  </ip>
</network>
'''


class QemudInNs(guest.GuestDaemon):
    def __init__(self, ns, root):
        super().__init__(root=root)
        self.ns = ns
        self.logfile = os.path.join(root, 'qemud.log')

    def argv(self):
        return ['nsenter', f'--net=/run/netns/{self.ns.name}', '--'] + super().argv()


class NetworkGuestTest(NetTestCase):

    def setUp(self):
        super().setUp()
        self.g = netguest.net_guest()
        self.qemud = QemudInNs(self.ns, self.netd.root)
        self.addCleanup(self.qemud.cleanup)
        self.qemud.start()
        r = self.virsh('net-create', self.define(NET_XML))
        self.assertEqual(r.returncode, 0, r.stderr)

    def start_guest(self, name, mac):
        serial = os.path.join(self.netd.root, f'{name}.serial')
        path = self.define(netguest.xml(name, self.g, serial, 'gnet', mac), f'{name}.xml')
        r = self.virsh('create', path, uri=self.qemud.uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        return serial

    def wait_serial(self, serial, pattern, timeout=60):
        def seen():
            m = re.search(pattern, guest.read_text(serial))
            return m
        m = harness.wait_until(seen, timeout, interval=0.2)
        self.assertTrue(m, f'guest never printed {pattern!r}; serial:\n{guest.read_text(serial)}')
        return m

    def test_guest_gets_lease_and_port(self):
        serial = self.start_guest('g1', '52:54:00:79:00:01')
        ip = self.wait_serial(serial, r'NETGUEST-DHCP (\S+)').group(1)
        self.assertTrue(ip.startswith('10.79.1.') and 100 <= int(ip.split('.')[3]) <= 150, ip)
        self.wait_serial(serial, r'NETGUEST-PING-OK 10\.79\.1\.1')
        leases = self.virsh('net-dhcp-leases', 'gnet').stdout
        self.assertIn('52:54:00:79:00:01', leases)
        self.assertIn(f'{ip}/24', leases)
        # The tap is a port of the network's bridge; the live XML names port and bridge.
        live = self.virsh('dumpxml', 'g1', uri=self.qemud.uri).stdout
        m = re.search(r"<source network='gnet' portid='([0-9a-f-]+)' bridge='mvbr-g'/>", live)
        self.assertTrue(m, live)
        tap = re.search(r"<target dev='(vnet\d+)'/>", live).group(1)
        self.assertIn(tap, self.ns.run('ip', '-br', 'link', 'show', 'master', 'mvbr-g').stdout)
        # domifaddr (source lease, the default and named) answers from the network's leases.
        for extra in ([], ['--source', 'lease']):
            r = self.virsh('domifaddr', 'g1', *extra, uri=self.qemud.uri)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, rf'{tap}\s+52:54:00:79:00:01\s+ipv4\s+{re.escape(ip)}/24')
        r = self.virsh('domifaddr', 'g1', '--source', 'agent', uri=self.qemud.uri)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("source 'agent' is not supported", r.stderr)
        qconn = libvirt.openReadOnly(self.qemud.uri)
        try:
            got = qconn.lookupByName('g1').interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE)
            self.assertEqual(got, {tap: {'hwaddr': '52:54:00:79:00:01',
                                         'addrs': [{'type': libvirt.VIR_IP_ADDR_TYPE_IPV4, 'addr': ip,
                                                    'prefix': 24}]}})
        finally:
            qconn.close()
        conn = libvirt.open(self.netd.uri)
        try:
            net = conn.networkLookupByName('gnet')
            ports = net.listAllPorts()
            self.assertEqual([p.UUIDString() for p in ports], [m.group(1)])
            self.assertIn("<name>g1</name>", ports[0].XMLDesc())
            self.assertIn("connections='1'", net.XMLDesc())
            # A static host entry gives the second guest its fixed address.
            serial2 = self.start_guest('g2', '52:54:00:79:00:02')
            self.assertEqual(self.wait_serial(serial2, r'NETGUEST-DHCP (\S+)').group(1), '10.79.1.2')
            self.assertEqual(len(net.listAllPorts()), 2)
            self.assertEqual(self.virsh('destroy', 'g1', uri=self.qemud.uri).returncode, 0)
            self.assertEqual(self.virsh('destroy', 'g2', uri=self.qemud.uri).returncode, 0)
            self.assertEqual(net.listAllPorts(), [])
            self.assertNotIn(tap, self.ns.links())
        finally:
            conn.close()

    def test_kill9_netd_loses_no_ping(self):
        serial = self.start_guest('g3', '52:54:00:79:00:03')
        self.wait_serial(serial, r'NETGUEST-PING-OK')
        time.sleep(1)
        self.netd.proc.send_signal(signal.SIGKILL)
        self.netd.proc.wait()
        time.sleep(1)
        self.netd.start()
        self.assertRegex(self.virsh('net-list').stdout, r'gnet\s+active')
        time.sleep(1)
        self.assertNotIn('NETGUEST-LOST', guest.read_text(serial))
        # Guest stop gives back a port the restarted netd no longer knows: not an error.
        self.assertEqual(self.virsh('destroy', 'g3', uri=self.qemud.uri).returncode, 0)
        self.assertEqual(self.virsh('net-destroy', 'gnet').returncode, 0)
        self.assertNotIn('mvbr-g', self.ns.links())
        self.assertNotIn('modvirt_mvbr_g', self.ns.nft())


if __name__ == '__main__':
    unittest.main(verbosity=2)
