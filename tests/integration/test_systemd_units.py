#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""systemd-units/: the four units verify, and they agree with the daemon they start.

`systemd-analyze verify` checks that ExecStart= names an existing executable.  Before
installation /usr/sbin/modvirt-qemud does not exist, so the units are verified as copies
whose ExecStart= points at the build tree's binary; nothing else is changed.
"""

import os
import shlex
import shutil
import stat
import unittest

import libvirt

import harness
from harness import Daemon, QEMUD

UNIT_DIR = os.path.join(harness.SOURCE_ROOT, 'systemd-units')
SERVICE = 'modvirt-qemud.service'
SOCKETS = ('modvirt-qemud.socket', 'modvirt-qemud-ro.socket', 'modvirt-qemud-admin.socket')
INSTALLED_BINARY = '/usr/sbin/modvirt-qemud'
ANALYZE = shutil.which('systemd-analyze')
ACTIVATE = shutil.which('systemd-socket-activate')


def parse_unit(path):
    """{section: {key: [values...]}}; enough of systemd's syntax for our own files."""
    sections, cur = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in '#;':
                continue
            if line.startswith('[') and line.endswith(']'):
                cur = sections.setdefault(line[1:-1], {})
                continue
            key, _, value = line.partition('=')
            cur.setdefault(key.strip(), []).append(value.strip())
    return sections


class SystemdUnitsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.units = {name: parse_unit(os.path.join(UNIT_DIR, name)) for name in (SERVICE,) + SOCKETS}

    def one(self, unit, section, key):
        values = self.units[unit].get(section, {}).get(key)
        self.assertIsNotNone(values, f'{unit}: [{section}] has no {key}=')
        self.assertEqual(len(values), 1, f'{unit}: [{section}] {key}= given {len(values)} times')
        return values[0]

    def all_of(self, unit, section, key):
        return ' '.join(self.units[unit].get(section, {}).get(key, [])).split()

    @unittest.skipUnless(ANALYZE, 'systemd-analyze is not installed')
    def test_systemd_analyze_verify(self):
        tmp = harness.make_root()
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        for name in (SERVICE,) + SOCKETS:
            with open(os.path.join(UNIT_DIR, name)) as f:
                text = f.read()
            if name == SERVICE:
                self.assertIn(f'ExecStart={INSTALLED_BINARY} ', text)
                text = text.replace(f'ExecStart={INSTALLED_BINARY} ', f'ExecStart={QEMUD} ')
            with open(os.path.join(tmp, name), 'w') as f:
                f.write(text)
        r = harness.run([ANALYZE, 'verify'] + [os.path.join(tmp, n) for n in (SERVICE,) + SOCKETS],
                        cwd=tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Unknown or malformed settings are only warnings ("..., ignoring") with status 0.
        ours = [line for line in (r.stdout + r.stderr).splitlines()
                if any(n in line for n in (SERVICE,) + SOCKETS)]
        self.assertEqual(ours, [], 'systemd-analyze complained about our units')
        sec = harness.run([ANALYZE, 'security', '--offline=true', os.path.join(tmp, SERVICE)],
                          cwd=tmp)
        self.assertEqual(sec.returncode, 0, sec.stderr)

    def test_service(self):
        u = SERVICE
        self.assertEqual(self.one(u, 'Service', 'Type'), 'notify')
        self.assertEqual(self.one(u, 'Service', 'KillMode'), 'process')
        self.assertEqual(self.one(u, 'Service', 'Restart'), 'on-failure')
        self.assertEqual(self.one(u, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID')
        self.assertEqual(self.one(u, 'Service', 'EnvironmentFile'), '-/etc/default/modvirt-qemud')
        self.assertEqual(self.one(u, 'Service', 'ExecStart'),
                         f'{INSTALLED_BINARY} $MODVIRT_QEMUD_ARGS')
        self.assertIn('libvirtd.service', self.all_of(u, 'Unit', 'Conflicts'))
        for s in SOCKETS:
            self.assertIn(s, self.all_of(u, 'Unit', 'Requires'))
            self.assertIn(s, self.all_of(u, 'Unit', 'After'))

    def test_service_arguments_are_accepted(self):
        # Environment=MODVIRT_QEMUD_ARGS="--timeout 120": the daemon must take them.
        env = shlex.split(self.one(SERVICE, 'Service', 'Environment'))
        self.assertEqual(len(env), 1)
        key, _, args = env[0].partition('=')
        self.assertEqual(key, 'MODVIRT_QEMUD_ARGS')
        self.assertEqual(args, '--timeout 120')
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        r = harness.run([QEMUD, '--root', root] + shlex.split(args) + ['--validate-config'])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sockets_match_the_daemon(self):
        # Paths and modes must be those the daemon uses when it creates the sockets itself.
        d = Daemon()
        self.addCleanup(d.cleanup)
        d.start()
        own = {os.path.basename(p): harness.file_mode(p) for p in (d.sock, d.sock_ro, d.sock_admin)}
        listed = {}
        for s in SOCKETS:
            path = self.one(s, 'Socket', 'ListenStream')
            self.assertEqual(os.path.dirname(path), '/run/libvirt', s)
            listed[os.path.basename(path)] = int(self.one(s, 'Socket', 'SocketMode'), 8)
            self.assertEqual(self.one(s, 'Socket', 'Service'), SERVICE)
            self.assertEqual(self.one(s, 'Socket', 'RemoveOnStop'), 'yes')
            self.assertIn('sockets.target', self.all_of(s, 'Install', 'WantedBy'))
        self.assertEqual(listed, own)
        for s in SOCKETS[1:]:
            self.assertIn(SOCKETS[0], self.all_of(s, 'Unit', 'BindsTo'))
            self.assertIn(SOCKETS[0], self.all_of(s, 'Unit', 'After'))

    @unittest.skipUnless(ACTIVATE, 'systemd-socket-activate is not installed')
    def test_activation_as_the_units_describe(self):
        # What systemd would do with these units: listen on each ListenStream= (moved under
        # a temporary root) and name each fd after its socket unit (FileDescriptorName=
        # defaults to the unit name).
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        d = Daemon(root=root)
        self.addCleanup(d.cleanup)
        d.wrapper = [ACTIVATE, '-E', f'NOTIFY_SOCKET={d.notify_path}']
        paths = {}
        for s in SOCKETS:
            paths[s] = root + self.one(s, 'Socket', 'ListenStream')
            os.makedirs(os.path.dirname(paths[s]), exist_ok=True)
            d.wrapper += ['-l', paths[s]]
        d.wrapper += ['--fdname=' + ':'.join(SOCKETS), '--']
        d.start()
        self.assertTrue(harness.wait_until(lambda: all(map(os.path.exists, paths.values())), 10))
        conn = libvirt.open(harness.uri_for(paths['modvirt-qemud.socket']))
        try:
            self.assertEqual(conn.setIdentity({'user-name': 'root'}), 0)
        finally:
            conn.close()
        self.assertTrue(d.wait_notify('READY=1', 10))
        conn = libvirt.open(harness.uri_for(paths['modvirt-qemud-ro.socket']))
        try:
            self.assertTrue(conn.getHostname())
            with self.assertRaises(libvirt.libvirtError) as cm:
                conn.setIdentity({'user-name': 'root'})
            self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_DENIED)
        finally:
            conn.close()
        if shutil.which('virt-admin'):
            r = harness.run(['virt-admin', '-q', '-c',
                             harness.admin_uri_for(paths['modvirt-qemud-admin.socket']), 'srv-list'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('virtqemud', r.stdout)
        for p in paths.values():
            self.assertTrue(stat.S_ISSOCK(os.stat(p).st_mode))


if __name__ == '__main__':
    harness.main()
