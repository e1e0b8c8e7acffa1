#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-qemud's command line: --version, --validate-config and bad options."""

import os
import shutil
import unittest

import harness
from harness import QEMUD

GOOD_CONFIG = harness.format_config(
    daemon={'max_clients': 200, 'max_client_requests': 10, 'admin_max_clients': 4,
            'workers': 4, 'priority_workers': 2, 'keepalive_interval': 5,
            'keepalive_count': 5, 'timeout': 120, 'unix_sock_ro_perms': '0666',
            'max_readonly_clients': 100, 'client_output_timeout': 30, 'client_open_timeout': 60},
    qemu={'emulator': '/usr/bin/qemu-system-x86_64'})


class DaemonOptionsTest(unittest.TestCase):

    def setUp(self):
        self.root = harness.make_root()
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

    def qemud(self, *args):
        return harness.run([QEMUD] + list(args), timeout=30)

    def validate(self, text):
        path = os.path.join(self.root, 'test.conf')
        with open(path, 'w') as f:
            f.write(text)
        return path, self.qemud('--root', self.root, '--config', path, '--validate-config')

    def assertRejected(self, text, *needles):
        path, r = self.validate(text)
        self.assertNotEqual(r.returncode, 0, f'accepted:\n{text}')
        msg = r.stderr + r.stdout
        self.assertIn(path, msg, 'the message should name the file')
        for n in needles:
            self.assertIn(n, msg)
        self.assertFalse(os.path.exists(os.path.join(self.root, 'run')),
                         '--validate-config must not start anything')

    def test_version(self):
        r = self.qemud('--version')
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^modvirt-qemud \(modvirt\) \d+\.\d+\.\d+\n$')
        self.assertEqual(r.stderr, '')

    def test_help(self):
        r = self.qemud('--help')
        self.assertEqual(r.returncode, 0)
        for opt in ('--root', '--config', '--timeout', '--verbose', '--version', '--validate-config'):
            self.assertIn(opt, r.stdout)

    def test_bad_option(self):
        r = self.qemud('--no-such-option')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no-such-option', r.stderr)
        r = self.qemud('--timeout', 'soon')
        self.assertNotEqual(r.returncode, 0)
        r = self.qemud('--timeout', '-1')
        self.assertNotEqual(r.returncode, 0)

    def test_validate_good_config(self):
        path, r = self.validate(GOOD_CONFIG)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(path, r.stdout)

    def test_validate_default_config_location(self):
        # Without --config: ROOT/etc/modvirt/modvirt-qemud.conf, and no file is fine.
        r = self.qemud('--root', self.root, '--validate-config')
        self.assertEqual(r.returncode, 0, r.stderr)
        d = harness.Daemon(root=self.root, config='[daemon]\nbogus_default = 1\n')
        r = self.qemud('--root', self.root, '--validate-config')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('bogus_default', r.stderr)
        self.assertIn(d.config_path, r.stderr)

    def test_missing_explicit_config(self):
        r = self.qemud('--root', self.root, '--config', os.path.join(self.root, 'nope.conf'),
                       '--validate-config')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('nope.conf', r.stderr)

    def test_unknown_daemon_key(self):
        self.assertRejected(GOOD_CONFIG + '[daemon]\nmax_clientz = 5\n', "'max_clientz'")

    def test_unknown_group(self):
        self.assertRejected(GOOD_CONFIG + '[network]\nbridge = br0\n', "'network'")

    def test_unknown_qemu_key(self):
        # Unknown keys are errors in every group, the driver's included: a typo in a
        # setting must not be silently ignored.
        self.assertRejected('[qemu]\nemulater = /usr/bin/qemu-system-x86_64\n', "'emulater'")

    def test_bad_values(self):
        for key, value in (('max_clients', 'many'), ('max_clients', '0'),
                           ('keepalive_interval', '99999'), ('unix_sock_ro_perms', '0999'),
                           ('timeout', '-5'), ('max_readonly_clients', '0'),
                           ('client_output_timeout', '-1'), ('client_open_timeout', 'soon')):
            with self.subTest(key=key, value=value):
                self.assertRejected(f'[daemon]\n{key} = {value}\n', f"'{key}'", value)

    def test_not_a_key_file(self):
        self.assertRejected('max_clients = 5\n')
        self.assertRejected('<daemon/>\n')

    def test_daemon_refuses_to_start_with_bad_config(self):
        d = harness.Daemon(root=self.root, config='[daemon]\nmax_clientz = 5\n', verbose=False)
        d.start(wait=False)
        try:
            rc = d.wait_exit(15)
            self.assertIsNotNone(rc, 'daemon started with a bad configuration')
            self.assertNotEqual(rc, 0)
            self.assertIn('max_clientz', d.log())
            self.assertFalse(os.path.exists(d.sock), 'socket created despite the bad config')
        finally:
            d.cleanup()


if __name__ == '__main__':
    harness.main()
