#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-netd with real components, inside network namespaces the test creates: Debian's
virsh net-* verbs, a DHCP client that gets a lease from the network's dnsmasq (dynamic and
static), the nftables table that exists exactly while the network runs, bad input that leaves
nothing behind, kill -9 and restart adopting the running network, and python3-libvirt's
network lifecycle events."""

import os
import signal
import threading
import time
import unittest

import libvirt

import harness
import netd
from netd import NetTestCase

NAT_XML = '''<network>
  <name>nat1</name>
  <forward mode='nat'/>
  <bridge name='mvbr-nat'/>
  <ip address='10.77.1.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.77.1.10' end='10.77.1.50'/>
      <host mac='52:54:00:00:00:33' name='fixed' ip='10.77.1.33'/>
    </dhcp>
  </ip>
</network>
'''

ISO_XML = '''<network>
  <name>iso1</name>
  <bridge name='mvbr-iso'/>
  <ip address='10.77.2.1' prefix='24'>
    <dhcp>
      <range start='10.77.2.10' end='10.77.2.20'/>
    </dhcp>
  </ip>
</network>
'''

TABLE = 'modvirt_mvbr_nat'


class NetworkTest(NetTestCase):

    def names(self, out):
        return [ln.split()[0] for ln in out.splitlines() if ln.strip()]

    def test_virsh_lifecycle_lease_and_cleanup(self):
        path = self.define(NAT_XML)
        r = self.virsh('net-define', path)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.virsh('net-list', '--all')
        self.assertIn('nat1', r.stdout)
        self.assertRegex(r.stdout, r'nat1\s+inactive\s+no\s+yes')
        self.assertEqual(self.names(self.virsh('net-list').stdout), [])
        self.assertNotIn('mvbr-nat', self.ns.links())

        r = self.virsh('net-start', 'nat1')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(self.virsh('net-list').stdout, r'nat1\s+active\s+no\s+yes')
        info = self.virsh('net-info', 'nat1').stdout
        self.assertRegex(info, r'Active:\s+yes')
        self.assertRegex(info, r'Bridge:\s+mvbr-nat')
        xml = self.virsh('net-dumpxml', 'nat1').stdout
        self.assertIn("<bridge name='mvbr-nat' stp='on' delay='0'/>", xml)
        self.assertIn("<port start='1024' end='65535'/>", xml)
        self.assertIn('mvbr-nat', self.ns.links())
        self.assertIn(f'table inet {TABLE}', self.ns.nft())
        self.assertIn('masquerade', self.ns.nft())
        self.assertEqual(self.ns.run('cat', '/proc/sys/net/ipv4/ip_forward').stdout.strip(), '1')
        dnsmasqs = self.netd.dnsmasq_pids()
        self.assertEqual(len(dnsmasqs), 1)

        # A dynamic lease from the range and the static host's fixed address.
        c1, if1 = self.client('mvbr-nat', '52:54:00:00:00:44', 'a')
        ip1 = self.dhcp(c1, if1)
        self.assertIsNotNone(ip1, 'no DHCP lease for a client on the NAT network')
        self.assertTrue(10 <= int(ip1.split('.')[3]) <= 50 and ip1.startswith('10.77.1.'), ip1)
        c2, if2 = self.client('mvbr-nat', '52:54:00:00:00:33', 'b')
        self.assertEqual(self.dhcp(c2, if2), '10.77.1.33')
        c1.run(netd.BUSYBOX, 'ping', '-c1', '-W2', '10.77.1.1')
        leases = self.virsh('net-dhcp-leases', 'nat1').stdout
        self.assertIn('52:54:00:00:00:44', leases)
        self.assertIn(f'{ip1}/24', leases)
        self.assertIn('10.77.1.33/24', leases)
        self.assertIn('fixed', leases)
        only = self.virsh('net-dhcp-leases', 'nat1', '--mac', '52:54:00:00:00:33').stdout
        self.assertNotIn('52:54:00:00:00:44', only)

        r = self.virsh('net-autostart', 'nat1')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(self.virsh('net-list', '--autostart').stdout, r'nat1\s+active\s+yes\s+yes')

        r = self.virsh('net-destroy', 'nat1')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('mvbr-nat', self.ns.links())
        self.assertNotIn(TABLE, self.ns.nft())
        self.assertTrue(netd.wait_gone(dnsmasqs), 'dnsmasq still runs after net-destroy')
        self.assertRegex(self.virsh('net-list', '--all').stdout, r'nat1\s+inactive\s+yes\s+yes')

        r = self.virsh('net-undefine', 'nat1')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.names(self.virsh('net-list', '--all').stdout), [])
        self.assertFalse(os.path.exists(os.path.join(self.netd.root, 'etc/modvirt/network/nat1.xml')))

    def test_isolated_network_and_transient_create(self):
        path = self.define(ISO_XML)
        r = self.virsh('net-create', path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(self.virsh('net-list', '--all').stdout, r'iso1\s+active\s+no\s+no')
        nft = self.ns.nft()
        self.assertIn('modvirt_mvbr_iso', nft)
        self.assertNotIn('masquerade', nft)
        c1, if1 = self.client('mvbr-iso', '52:54:00:00:01:01', 'c')
        c2, if2 = self.client('mvbr-iso', '52:54:00:00:01:02', 'd')
        ip1, ip2 = self.dhcp(c1, if1), self.dhcp(c2, if2)
        self.assertIsNotNone(ip1)
        self.assertIsNotNone(ip2)
        # The two reach each other.
        c1.run(netd.BUSYBOX, 'ping', '-c1', '-W2', ip2)
        r = self.virsh('net-destroy', 'iso1')
        self.assertEqual(r.returncode, 0, r.stderr)
        # A transient network is gone once destroyed.
        self.assertEqual(self.names(self.virsh('net-list', '--all').stdout), [])
        self.assertNotIn('modvirt_mvbr_iso', self.ns.nft())

    def test_bad_input_leaves_nothing_behind(self):
        self.assertEqual(self.virsh('net-define', self.define(NAT_XML)).returncode, 0)
        self.assertEqual(self.virsh('net-start', 'nat1').returncode, 0)
        # Overlapping subnet with a running network.
        overlap = NAT_XML.replace('nat1', 'nat2').replace('mvbr-nat', 'mvbr-nat2').replace(
            "10.77.1.1' netmask='255.255.255.0'", "10.77.0.1' netmask='255.255.0.0'").replace(
            '10.77.1.', '10.77.0.').replace("ip='10.77.0.33'", "ip='10.77.0.34'")
        self.assertEqual(self.virsh('net-define', self.define(overlap, 'o.xml')).returncode, 0)
        r = self.virsh('net-start', 'nat2')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("overlaps 10.77.1.1/24 of running network 'nat1'", r.stderr)
        self.assertNotIn('mvbr-nat2', self.ns.links())
        self.assertNotIn('modvirt_mvbr_nat2', self.ns.nft())
        # A bridge name already in use by an interface of the host.
        self.ns.run('ip', 'link', 'add', 'mvbr-taken', 'type', 'bridge')
        taken = ISO_XML.replace('mvbr-iso', 'mvbr-taken')
        r = self.virsh('net-create', self.define(taken, 't.xml'))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bridge name 'mvbr-taken' of network 'iso1' is already in use", r.stderr)
        # A DHCP range outside the subnet.
        bad = ISO_XML.replace("end='10.77.2.20'", "end='10.77.3.20'")
        r = self.virsh('net-define', self.define(bad, 'b.xml'))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("DHCP range '10.77.2.10' - '10.77.3.20' is not entirely inside subnet '10.77.2.1/24'", r.stderr)
        self.assertEqual(self.names(self.virsh('net-list', '--all').stdout), ['nat1', 'nat2'])
        # The daemon still serves, and the first network still runs.
        self.assertRegex(self.virsh('net-list').stdout, r'nat1\s+active')

    def test_dnsmasq_failure_leaves_nothing_behind(self):
        self.netd.stop()
        fake = os.path.join(self.netd.root, 'bad-dnsmasq')
        with open(fake, 'w') as f:
            f.write('#!/bin/sh\necho "dnsmasq: failed to create listening socket: Address in use" >&2\nexit 2\n')
        os.chmod(fake, 0o755)
        self.netd.write_config(f'[network]\ndnsmasq = {fake}\ndefault_network = false\n')
        self.netd.start()
        self.assertEqual(self.virsh('net-define', self.define(NAT_XML)).returncode, 0)
        r = self.virsh('net-start', 'nat1')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("dnsmasq failed to start for network 'nat1': dnsmasq: failed to create listening socket",
                      r.stderr)
        self.assertNotIn('mvbr-nat', self.ns.links())
        self.assertNotIn(TABLE, self.ns.nft())
        self.assertRegex(self.virsh('net-list', '--all').stdout, r'nat1\s+inactive')

    def test_kill9_restart_adopts_running_network(self):
        self.assertEqual(self.virsh('net-define', self.define(NAT_XML)).returncode, 0)
        self.assertEqual(self.virsh('net-start', 'nat1').returncode, 0)
        c1, if1 = self.client('mvbr-nat', '52:54:00:00:00:44', 'e')
        self.assertIsNotNone(self.dhcp(c1, if1))
        pids = self.netd.dnsmasq_pids()
        self.netd.proc.send_signal(signal.SIGKILL)
        self.netd.proc.wait()
        # The network keeps working without its daemon.
        c1.run(netd.BUSYBOX, 'ping', '-c1', '-W2', '10.77.1.1')
        self.netd.start()
        self.assertRegex(self.virsh('net-list').stdout, r'nat1\s+active')
        self.assertEqual(self.netd.dnsmasq_pids(), pids)
        self.assertIn('52:54:00:00:00:44', self.virsh('net-dhcp-leases', 'nat1').stdout)
        self.assertEqual(self.virsh('net-destroy', 'nat1').returncode, 0)
        self.assertNotIn('mvbr-nat', self.ns.links())
        self.assertNotIn(TABLE, self.ns.nft())
        self.assertTrue(netd.wait_gone(pids))

    def test_definitions_survive_restart(self):
        self.assertEqual(self.virsh('net-define', self.define(ISO_XML)).returncode, 0)
        self.assertEqual(self.virsh('net-autostart', 'iso1').returncode, 0)
        self.netd.stop()
        self.netd.start()
        # Autostart brings it up with the daemon.
        self.assertRegex(self.virsh('net-list', '--all').stdout, r'iso1\s+active\s+yes\s+yes')

    def test_default_network_moves_off_a_taken_subnet(self):
        self.netd.stop()
        # Something on the host already uses 192.168.122.0/24.
        self.ns.run('ip', 'link', 'add', 'mvtaken0', 'type', 'bridge')
        self.ns.run('ip', 'addr', 'add', '192.168.122.5/24', 'dev', 'mvtaken0')
        self.ns.run('ip', 'link', 'set', 'mvtaken0', 'up')
        self.netd.write_config('')
        self.netd.start()
        self.assertRegex(self.virsh('net-list', '--all').stdout, r'default\s+active\s+yes\s+yes')
        xml = self.virsh('net-dumpxml', 'default').stdout
        self.assertIn("<ip address='192.168.123.1' netmask='255.255.255.0'>", xml)
        self.assertIn("<range start='192.168.123.2' end='192.168.123.254'/>", xml)
        self.assertIn("<bridge name='virbr0' stp='on' delay='0'/>", xml)
        self.assertIn('inet 192.168.123.1/24', self.ns.run('ip', 'addr', 'show', 'virbr0').stdout)
        # The move is kept in the definition.
        self.assertIn('192.168.123.1', self.virsh('net-dumpxml', '--inactive', 'default').stdout)
        # Undefined once, it is not shipped again.
        self.assertEqual(self.virsh('net-destroy', 'default').returncode, 0)
        self.assertEqual(self.virsh('net-undefine', 'default').returncode, 0)
        self.netd.stop()
        self.netd.start()
        self.assertEqual(self.names(self.virsh('net-list', '--all').stdout), [])

    def test_python_events_and_update(self):
        libvirt.virEventRegisterDefaultImpl()
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                libvirt.virEventRunDefaultImpl()
        t = threading.Thread(target=loop, daemon=True)
        t.start()
        conn = libvirt.open(self.netd.uri)
        seen = []
        cb = conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE,
                                          lambda c, n, ev, detail, op: seen.append((n.name(), ev)), None)
        try:
            net = conn.networkDefineXML(ISO_XML)
            net.create()
            self.assertEqual(net.bridgeName(), 'mvbr-iso')
            self.assertTrue(net.isActive())
            names = [n.name() for n in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE)]
            self.assertEqual(names, ['iso1'])
            self.assertEqual(conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_INACTIVE), [])
            # net-update: a static host, live and config.
            host = "<host mac='52:54:00:00:02:02' name='h2' ip='10.77.2.2'/>"
            flags = libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE | libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
            net.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                       -1, host, flags)
            self.assertIn(host, net.XMLDesc())
            self.assertIn(host, net.XMLDesc(libvirt.VIR_NETWORK_XML_INACTIVE))
            with self.assertRaises(libvirt.libvirtError) as e:
                net.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                           -1, "<host mac='52:54:00:00:02:03' ip='10.77.9.9'/>", flags)
            self.assertIn("'10.77.9.9' is not inside", str(e.exception))
            net.update(libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST,
                       -1, host, flags)
            self.assertNotIn('52:54:00:00:02:02', net.XMLDesc())
            net.destroy()
            net.undefine()
            want = [('iso1', libvirt.VIR_NETWORK_EVENT_DEFINED), ('iso1', libvirt.VIR_NETWORK_EVENT_STARTED),
                    ('iso1', libvirt.VIR_NETWORK_EVENT_STOPPED), ('iso1', libvirt.VIR_NETWORK_EVENT_UNDEFINED)]
            self.assertTrue(harness.wait_until(lambda: len(seen) >= 4, 5), seen)
            self.assertEqual(seen, want)
            with self.assertRaises(libvirt.libvirtError) as e:
                conn.networkLookupByName('iso1')
            self.assertEqual(e.exception.get_error_code(), libvirt.VIR_ERR_NO_NETWORK)
        finally:
            conn.networkEventDeregisterAny(cb)
            conn.close()
            stop.set()


if __name__ == '__main__':
    unittest.main(verbosity=2)
