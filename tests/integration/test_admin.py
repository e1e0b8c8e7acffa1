#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The admin socket: virt-admin (libvirt-clients) lists the daemon's servers and versions.

Without virt-admin the same is checked with raw ADMIN program calls.
"""

import re
import shutil
import unittest

import harness
from harness import ADMIN_PROGRAM, DaemonTestCase, Packer, RawClient, Unpacker

VIRT_ADMIN = shutil.which('virt-admin')

ADMIN_CONNECT_OPEN = 1
ADMIN_CONNECT_CLOSE = 2
ADMIN_CONNECT_GET_LIB_VERSION = 3
ADMIN_CONNECT_LIST_SERVERS = 4


class AdminTest(DaemonTestCase):

    def admin(self, *args, uri=None):
        return harness.run([VIRT_ADMIN, '-q', '-c', uri or self.daemon.admin_uri] + list(args))

    @unittest.skipUnless(VIRT_ADMIN, 'virt-admin is not installed')
    def test_virt_admin_srv_list(self):
        r = self.admin('srv-list')
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split() for line in r.stdout.splitlines() if line.strip()]
        self.assertEqual(rows, [['0', 'virtqemud'], ['1', 'admin']])

    @unittest.skipUnless(VIRT_ADMIN, 'virt-admin is not installed')
    def test_virt_admin_version(self):
        r = harness.run([VIRT_ADMIN, '-c', self.daemon.admin_uri, 'version'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, re.compile(r'^Running against daemon: \d+\.\d+\.\d+$', re.M))

    @unittest.skipUnless(VIRT_ADMIN, 'virt-admin is not installed')
    def test_virt_admin_unknown_server(self):
        r = self.admin('srv-clients-list', 'nosuch')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("'nosuch'", r.stderr)
        self.assertDaemonAlive()

    @unittest.skipUnless(VIRT_ADMIN, 'virt-admin is not installed')
    def test_virt_admin_refused_on_main_socket(self):
        r = self.admin('srv-list', uri=harness.admin_uri_for(self.daemon.sock))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('Cannot find program', r.stderr)

    def test_virsh_refused_on_admin_socket(self):
        r = harness.virsh(harness.uri_for(self.daemon.sock_admin), 'hostname', timeout=30)
        self.assertNotEqual(r.returncode, 0, 'the admin socket served the remote program')
        self.assertIn('Cannot find program', r.stderr)

    def test_raw_admin_protocol(self):
        with RawClient(self.daemon.sock_admin) as c:
            r = c.call(ADMIN_CONNECT_OPEN, Packer().u32(0).bytes(), prog=ADMIN_PROGRAM)
            self.assertEqual(r.status, harness.STATUS_OK, r)
            r = c.call(ADMIN_CONNECT_GET_LIB_VERSION, prog=ADMIN_PROGRAM)
            self.assertEqual(r.status, harness.STATUS_OK, r)
            self.assertGreaterEqual(Unpacker(r.body).u64(), 9000000)
            r = c.call(ADMIN_CONNECT_LIST_SERVERS, Packer().u32(1).u32(0).bytes(), prog=ADMIN_PROGRAM)
            self.assertEqual(r.status, harness.STATUS_OK, r)
            u = Unpacker(r.body)
            names = [u.string() for _ in range(u.u32())]
            self.assertEqual(names, ['virtqemud', 'admin'])
            self.assertEqual(u.u32(), 2)
            r = c.call(ADMIN_CONNECT_CLOSE, prog=ADMIN_PROGRAM)
            self.assertEqual(r.status, harness.STATUS_OK, r)
            self.assertTrue(c.wait_closed(5), 'CONNECT_CLOSE did not close the connection')


if __name__ == '__main__':
    harness.main()
