#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""systemd-units/modvirt-proxyd*: the six units verify, their sockets are the ones the proxy
creates itself, and the proxy takes all of them by name from socket activation, TCP and TLS
included (the way systemd would start it)."""

import os
import shutil
import unittest

import libvirt

import harness
import guest
import test_proxy_common as pc
from test_proxy_common import ProxyDaemon, PROXYD
from test_systemd_units import parse_unit

UNIT_DIR = os.path.join(harness.SOURCE_ROOT, 'systemd-units')
SERVICE = 'modvirt-proxyd.service'
UNIX = ('modvirt-proxyd.socket', 'modvirt-proxyd-ro.socket', 'modvirt-proxyd-admin.socket')
NET = ('modvirt-proxyd-tcp.socket', 'modvirt-proxyd-tls.socket')
INSTALLED = '/usr/sbin/modvirt-proxyd'
ANALYZE = shutil.which('systemd-analyze')
ACTIVATE = shutil.which('systemd-socket-activate')


class ProxyUnitsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        cls.units = {n: parse_unit(os.path.join(UNIT_DIR, n)) for n in (SERVICE,) + UNIX + NET}

    def one(self, unit, section, key):
        values = self.units[unit].get(section, {}).get(key)
        self.assertEqual(len(values or []), 1, f'{unit}: [{section}] {key}=')
        return values[0]

    @unittest.skipUnless(ANALYZE, 'systemd-analyze is not installed')
    def test_systemd_analyze_verify(self):
        tmp = harness.make_root()
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        names = (SERVICE,) + UNIX + NET
        for name in names:
            with open(os.path.join(UNIT_DIR, name)) as f:
                text = f.read()
            if name == SERVICE:
                self.assertIn(f'ExecStart={INSTALLED} ', text)
                text = text.replace(f'ExecStart={INSTALLED} ', f'ExecStart={PROXYD} ')
            with open(os.path.join(tmp, name), 'w') as f:
                f.write(text)
        r = harness.run([ANALYZE, 'verify'] + [os.path.join(tmp, n) for n in names], cwd=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = [ln for ln in (r.stdout + r.stderr).splitlines() if any(n in ln for n in names)]
        self.assertEqual(ours, [], 'systemd-analyze complained about our units')

    def test_service(self):
        u = SERVICE
        self.assertEqual(self.one(u, 'Service', 'Type'), 'notify')
        self.assertEqual(self.one(u, 'Service', 'ExecStart'), f'{INSTALLED} $MODVIRT_PROXYD_ARGS')
        self.assertEqual(self.one(u, 'Service', 'CapabilityBoundingSet'), '')
        self.assertEqual(self.one(u, 'Service', 'NoNewPrivileges'), 'yes')
        for s in UNIX:
            self.assertIn(s, ' '.join(self.units[u]['Unit']['Requires']).split())
        # The daemon accepts the arguments the unit passes.
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        r = harness.run([PROXYD, '--root', root, '--timeout', '120', '--validate-config'])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sockets_match_the_daemon(self):
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        p = ProxyDaemon(root)
        self.addCleanup(p.cleanup)
        p.start()
        own = {os.path.basename(x): harness.file_mode(x) for x in (p.sock, p.sock_ro, p.sock_admin)}
        listed = {os.path.basename(self.one(s, 'Socket', 'ListenStream')): int(self.one(s, 'Socket', 'SocketMode'), 8)
                  for s in UNIX}
        self.assertEqual(listed, own)
        self.assertEqual(self.one('modvirt-proxyd-tcp.socket', 'Socket', 'ListenStream'), '16509')
        self.assertEqual(self.one('modvirt-proxyd-tls.socket', 'Socket', 'ListenStream'), '16514')
        for s in UNIX + NET:
            self.assertEqual(self.one(s, 'Socket', 'Service'), SERVICE)

    @unittest.skipUnless(ACTIVATE, 'systemd-socket-activate is not installed')
    def test_activation_with_tcp_and_tls(self):
        g = guest.GuestDaemon()
        self.addCleanup(g.cleanup)
        g.start()
        self.assertEqual(pc.pki_init(g.root).returncode, 0)
        p = ProxyDaemon(g.root)
        self.addCleanup(p.cleanup)
        tcp, tls = pc.free_port(), pc.free_port()
        p.wrapper = [ACTIVATE, '-E', f'NOTIFY_SOCKET={p.notify_path}']
        for path in (p.sock, p.sock_ro, p.sock_admin):
            p.wrapper += ['-l', path]
        p.wrapper += ['-l', f'127.0.0.1:{tcp}', '-l', f'127.0.0.1:{tls}',
                      '--fdname=' + ':'.join(UNIX + NET), '--']
        p.start()
        self.assertTrue(harness.wait_until(lambda: os.path.exists(p.sock), 10))
        r = harness.virsh(f'qemu+tcp://127.0.0.1:{tcp}/system', 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr + p.log())
        self.assertTrue(p.wait_notify('READY=1', 10))
        r = harness.virsh(pc.tls_uri(tls, g.root), 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = harness.virsh(pc.legacy_uri(p), 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == '__main__':
    harness.main()
