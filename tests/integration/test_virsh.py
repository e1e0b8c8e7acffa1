#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's virsh against modvirt-qemud: the connection-level commands a user types first."""

import os
import re
import socket
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import harness
from harness import DaemonTestCase, virsh


def qemu_machines():
    """{name: canonical-or-None} from `qemu-system-x86_64 -machine help`."""
    out = subprocess.run([harness.qemu_binary(), '-machine', 'help'], capture_output=True,
                         text=True, check=True).stdout
    machines = {}
    for line in out.splitlines()[1:]:
        if not line.strip():
            continue
        name, _, desc = line.strip().partition(' ')
        m = re.search(r'\(alias of ([^)]+)\)$', desc.strip())
        machines[name] = m.group(1) if m else None
    return machines


class VirshTest(DaemonTestCase):

    def test_version(self):
        r = virsh(self.daemon.uri, 'version', check=True)
        major, minor, micro = harness.qemu_version()
        self.assertIn(f'Running hypervisor: QEMU {major}.{minor}.{micro}\n', r.stdout)
        self.assertEqual((major, minor), (7, 2), 'Debian 12 ships QEMU 7.2')

    def test_hostname(self):
        r = virsh(self.daemon.uri, 'hostname', check=True)
        self.assertIn(r.stdout.strip(), (socket.gethostname(), socket.getfqdn()))

    def test_nodeinfo(self):
        r = virsh(self.daemon.uri, 'nodeinfo', check=True)
        info = dict((k.strip(), v.strip()) for k, v in
                    (line.split(':', 1) for line in r.stdout.splitlines() if ':' in line))
        self.assertEqual(info['CPU model'], os.uname().machine)
        self.assertEqual(int(info['CPU(s)']), len(harness.online_cpus()))
        self.assertEqual(int(info['CPU(s)']), int(subprocess.check_output(['nproc', '--all'])))
        self.assertEqual(info['Memory size'], f'{harness.meminfo()["MemTotal"]} KiB')
        topo = [int(info[k]) for k in ('NUMA cell(s)', 'CPU socket(s)', 'Core(s) per socket',
                                       'Thread(s) per core')]
        self.assertEqual(topo[0] * topo[1] * topo[2] * topo[3], int(info['CPU(s)']),
                         'cells x sockets x cores x threads must give the CPU count')
        with open('/proc/cpuinfo') as f:
            mhz = [float(m) for m in re.findall(r'^cpu MHz\s*:\s*([\d.]+)', f.read(), re.M)]
        freq = int(info['CPU frequency'].split()[0])
        if mhz:
            self.assertTrue(any(abs(freq - m) <= 1 for m in mhz),
                            f'{freq} MHz is not one of /proc/cpuinfo\'s {mhz}')

    def test_capabilities(self):
        r = virsh(self.daemon.uri, 'capabilities', check=True)
        with tempfile.NamedTemporaryFile('w', suffix='.xml', dir=self.daemon.root,
                                         delete=False) as f:
            f.write(r.stdout)
        v = harness.run(['virt-xml-validate', f.name, 'capability'])
        self.assertEqual(v.returncode, 0, f'capabilities do not validate: {v.stderr}{v.stdout}')

        caps = ET.fromstring(r.stdout)
        self.assertEqual(caps.findtext('host/cpu/arch'), os.uname().machine)
        guests = [g for g in caps.findall('guest')
                  if g.find('arch') is not None and g.find('arch').get('name') == 'x86_64']
        self.assertEqual(len(guests), 1, 'exactly one x86_64 guest entry')
        g = guests[0]
        self.assertEqual(g.findtext('os_type'), 'hvm')
        arch = g.find('arch')
        self.assertEqual(os.path.realpath(arch.findtext('emulator')),
                         os.path.realpath(harness.qemu_binary()))
        self.assertEqual(arch.findtext('wordsize'), '64')
        listed = {m.text: m.get('canonical') for m in arch.findall('machine')}
        # Every machine type QEMU reports (its aliases with their canonical names), no more.
        want = qemu_machines()
        want.pop('none', None)   # "-machine none" cannot run a guest; libvirt leaves it out
        listed.pop('none', None)
        self.assertEqual(listed, want)
        domains = {d.get('type') for d in arch.findall('domain')}
        self.assertIn('qemu', domains)
        if not os.path.exists('/dev/kvm'):
            self.assertNotIn('kvm', domains, 'no /dev/kvm on this host')

    def test_node_stats_and_sysinfo(self):
        """nodecpustats/nodememstats come from /proc; sysinfo from DMI, or a clear error."""
        mem = dict(l.split(':') for l in virsh(self.daemon.uri, 'nodememstats', check=True)
                   .stdout.splitlines() if ':' in l)
        mem = {k.strip(): int(v.split()[0]) for k, v in mem.items()}
        self.assertEqual(set(mem), {'total', 'free', 'buffers', 'cached'})
        self.assertEqual(mem['total'], harness.meminfo()['MemTotal'])
        self.assertLessEqual(mem['free'], mem['total'])
        with open('/proc/stat') as f:
            fields = [int(x) for x in f.readline().split()[1:8]]
        user_before = (fields[0] + fields[1]) * 10**9 // os.sysconf('SC_CLK_TCK')
        total = dict(l.split(':') for l in virsh(self.daemon.uri, 'nodecpustats', check=True)
                     .stdout.splitlines() if ':' in l)
        total = {k.strip(): int(v) for k, v in total.items()}
        self.assertEqual(set(total), {'user', 'system', 'idle', 'iowait'})
        # Nanoseconds since boot, at least what /proc/stat said a moment before.
        self.assertGreaterEqual(total['user'], user_before)
        cpu0 = dict(l.split(':') for l in virsh(self.daemon.uri, 'nodecpustats', '--cpu', '0',
                                                 check=True).stdout.splitlines() if ':' in l)
        self.assertLessEqual(int(cpu0['user']), total['user'])
        r = virsh(self.daemon.uri, 'nodecpustats', '--cpu', '4096')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('Invalid cpuNum', r.stderr)
        r = virsh(self.daemon.uri, 'sysinfo')
        if os.path.isdir('/sys/class/dmi/id'):
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("<sysinfo type='smbios'>", r.stdout)
        else:
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('this host exports no SMBIOS/DMI data', r.stderr)

    def test_uri(self):
        r = virsh(self.daemon.uri, 'uri', check=True)
        self.assertEqual(r.stdout.strip(), self.daemon.uri)


if __name__ == '__main__':
    harness.main()
