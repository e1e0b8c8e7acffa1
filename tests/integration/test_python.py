#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""python3-libvirt 9.0 against modvirt-qemud: the connection-level API of a monitoring tool."""

import os
import socket
import xml.etree.ElementTree as ET

import libvirt

import harness
from harness import DaemonTestCase


class PythonLibvirtTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        cls.conn = libvirt.open(cls.daemon.uri)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.conn.close()
        finally:
            super().tearDownClass()

    def test_type_uri_security(self):
        self.assertEqual(self.conn.getType(), 'QEMU')
        self.assertEqual(self.conn.getURI(), self.daemon.uri)
        self.assertEqual(self.conn.isSecure(), 1)
        self.assertEqual(self.conn.isAlive(), 1)
        self.assertEqual(self.conn.isEncrypted(), 0)

    def test_hostname(self):
        self.assertIn(self.conn.getHostname(), (socket.gethostname(), socket.getfqdn()))

    def test_versions(self):
        major, minor, micro = harness.qemu_version()
        self.assertEqual(self.conn.getVersion(), major * 1000000 + minor * 1000 + micro)
        # Clients gate features on the daemon's library version: it claims libvirt >= 9.0.
        self.assertGreaterEqual(self.conn.getLibVersion(), 9000000)

    def test_info(self):
        model, mem_mib, cpus, mhz, nodes, sockets, cores, threads = self.conn.getInfo()
        self.assertEqual(model, os.uname().machine)
        self.assertEqual(mem_mib, harness.meminfo()['MemTotal'] // 1024)
        self.assertEqual(cpus, len(harness.online_cpus()))
        self.assertEqual(nodes * sockets * cores * threads, cpus)
        self.assertGreater(mhz, 0)

    def test_capabilities(self):
        caps = ET.fromstring(self.conn.getCapabilities())
        self.assertEqual(caps.tag, 'capabilities')
        self.assertEqual(caps.findtext('host/cpu/arch'), os.uname().machine)
        emulators = [e.text for e in caps.findall('guest/arch/emulator')]
        self.assertIn(harness.qemu_binary(), emulators)

    def test_free_memory(self):
        free = self.conn.getFreeMemory()
        mi = harness.meminfo()
        self.assertGreater(free, 0)
        self.assertLessEqual(free, mi['MemTotal'] * 1024)
        # Free memory moves with other workloads; within a tenth of RAM of MemFree.
        self.assertLess(abs(free - mi['MemFree'] * 1024), mi['MemTotal'] * 1024 // 10,
                        f'{free} bytes free reported, /proc/meminfo says {mi["MemFree"]} KiB')

    def test_cpu_map(self):
        ncpus, cpumap, online = self.conn.getCPUMap()
        present = harness.online_cpus()
        self.assertEqual(ncpus, os.cpu_count())
        self.assertEqual(len(cpumap), ncpus)
        self.assertEqual({i for i, up in enumerate(cpumap) if up}, present)
        self.assertEqual(online, len(present))

    def test_domain_capabilities(self):
        """The domain capabilities come from the probed QEMU, validate against domaincaps.rng
        and answer well under 5 ms (median over 50 calls; the probe is cached)."""
        import statistics
        import subprocess
        import tempfile
        import time
        xml = self.conn.getDomainCapabilities()
        with tempfile.NamedTemporaryFile('w', suffix='.xml') as f:
            f.write(xml)
            f.flush()
            r = subprocess.run(['virt-xml-validate', f.name, 'domaincaps'], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        caps = ET.fromstring(xml)
        self.assertEqual(os.path.realpath(caps.findtext('path')),
                         os.path.realpath(harness.qemu_binary()))
        self.assertEqual(caps.findtext('arch'), 'x86_64')
        q35 = ET.fromstring(self.conn.getDomainCapabilities(None, None, 'q35', 'qemu'))
        self.assertTrue(q35.findtext('machine').startswith('pc-q35-'))
        self.assertEqual(q35.find('vcpu').get('max'), '288')
        buses = [v.text for v in q35.findall("devices/disk/enum[@name='bus']/value")]
        self.assertNotIn('ide', buses, 'q35 has no IDE')
        models = [m.text for m in q35.findall("cpu/mode[@name='custom']/model")]
        self.assertIn('qemu64', models)
        # CPU model names (312) agree with the custom mode's list.
        self.assertEqual(sorted(self.conn.getCPUModelNames('x86_64')), sorted(models))
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.getDomainCapabilities(None, None, 'no-such-machine', 'qemu')
        self.assertIn("the machine 'no-such-machine' is not supported", str(cm.exception))
        if "<domain type='kvm'" not in self.conn.getCapabilities():
            with self.assertRaises(libvirt.libvirtError) as cm:
                self.conn.getDomainCapabilities(None, None, None, 'kvm')
            self.assertIn('KVM is not supported', str(cm.exception))
        times = []
        for _ in range(50):
            t = time.perf_counter()
            self.conn.getDomainCapabilities()
            times.append(time.perf_counter() - t)
        self.assertLess(statistics.median(times), 0.005, f'median {statistics.median(times)} s')

    def test_unsupported_api_is_no_support(self):
        # Host interfaces belong to a driver modvirt does not have: the client must get
        # "not supported" (so callers fall back), and the connection must stay usable.
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.listAllInterfaces()
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_NO_SUPPORT)
        self.assertEqual(self.conn.isAlive(), 1)
        self.assertTrue(self.conn.getHostname())

    def test_unknown_procedure_logged_once(self):
        """An unknown procedure is logged once per procedure number, with the client's pid,
        however often a tool tries it."""
        for _ in range(3):
            with self.assertRaises(libvirt.libvirtError):
                self.conn.listAllInterfaces()
        want = f'client pid {os.getpid()} (uid {os.getuid()}) called procedure '
        lines = [l for l in self.daemon.log().splitlines() if want in l and 'unknown procedure' in l]
        procs = [l.split('called procedure ')[1].split()[0] for l in lines]
        self.assertEqual(len(procs), len(set(procs)), f'logged more than once:\n{lines}')
        self.assertTrue(procs, 'the unknown procedure was not logged:\n' + self.daemon.log()[-2000:])
        # A network call with no network daemon to relay it to: logged once too.
        for _ in range(2):
            with self.assertRaises(libvirt.libvirtError):
                self.conn.listAllNetworks()
        relay = [l for l in self.daemon.log().splitlines()
                 if want in l and 'network driver is not running' in l]
        self.assertEqual(len(relay), 1, relay)

    def test_read_only_open(self):
        ro = libvirt.openReadOnly(self.daemon.uri_ro)
        try:
            self.assertEqual(ro.getType(), 'QEMU')
            self.assertEqual(ro.getHostname(), self.conn.getHostname())
            self.assertEqual(ro.getInfo(), self.conn.getInfo())
            self.assertIn('<capabilities>', ro.getCapabilities())
            self.assertEqual(ro.getCPUMap()[0], os.cpu_count())
            with self.assertRaises(libvirt.libvirtError) as cm:
                ro.setIdentity({'user-name': 'root'})
            self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_DENIED)
        finally:
            ro.close()

    def test_many_connections_at_once(self):
        conns = [libvirt.open(self.daemon.uri) for _ in range(20)]
        try:
            names = {c.getHostname() for c in conns}
            self.assertEqual(len(names), 1)
        finally:
            for c in conns:
                c.close()
        self.assertDaemonAlive()


if __name__ == '__main__':
    harness.main()
