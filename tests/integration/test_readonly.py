#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The read-only socket: anyone may read through it, nobody may change anything.

The only mutating procedure served so far is CONNECT_SET_IDENTITY (419).  libvirt's client
refuses it locally on a connection it opened read-only, so the server-side check is reached
two ways: python-libvirt opening the -ro socket *read-write*, and a raw client.
"""

import os
import shutil

import libvirt

import harness
from harness import DaemonTestCase, RawClient, virsh

DENIED = 'operation forbidden: read only access prevents virConnectSetIdentity'


class ReadOnlyTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)

    def test_virsh_reads_through_ro_socket(self):
        for cmd, want in (('hostname', None), ('nodeinfo', 'CPU(s):'),
                          ('version', 'Running hypervisor: QEMU'),
                          ('capabilities', '<capabilities>')):
            with self.subTest(cmd=cmd):
                r = virsh(self.daemon.uri_ro, cmd, readonly=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(r.stdout.strip())
                if want:
                    self.assertIn(want, r.stdout)

    def test_raw_set_identity_denied_on_ro_socket(self):
        with RawClient(self.daemon.sock_ro) as c:
            r = c.handshake(flags=0)   # the socket, not the flag, makes the client read-only
            self.assertEqual(r.status, harness.STATUS_OK, r)
            r = c.call(harness.PROC_CONNECT_SET_IDENTITY, harness.identity_args())
            self.assertEqual(r.status, harness.STATUS_ERROR, 'read-only client changed its identity')
            err = r.error()
            self.assertEqual(err['code'], harness.VIR_ERR_OPERATION_DENIED, err)
            self.assertEqual(err['level'], 2, err)
            self.assertEqual(err['message'], DENIED)
            # The refusal closes nothing: the same connection still answers reads.
            r = c.call(harness.PROC_CONNECT_GET_HOSTNAME)
            self.assertEqual(r.status, harness.STATUS_OK, r)

    def test_raw_set_identity_before_open_denied_on_ro_socket(self):
        with RawClient(self.daemon.sock_ro) as c:
            r = c.call(harness.PROC_CONNECT_SET_IDENTITY, harness.identity_args())
            self.assertEqual(r.status, harness.STATUS_ERROR)
            self.assertEqual(r.error()['code'], harness.VIR_ERR_OPERATION_DENIED, r.error())

    def test_raw_set_identity_allowed_on_rw_socket(self):
        # The control: the same bytes are accepted on the read-write socket.
        with RawClient(self.daemon.sock) as c:
            r = c.handshake()
            self.assertEqual(r.status, harness.STATUS_OK, r)
            r = c.call(harness.PROC_CONNECT_SET_IDENTITY, harness.identity_args())
            self.assertEqual(r.status, harness.STATUS_OK, r.error() if r.status else r)
            self.assertEqual(r.body, b'')

    def test_python_rw_open_of_ro_socket_is_denied_by_server(self):
        conn = libvirt.open(self.daemon.uri_ro)
        try:
            self.assertTrue(conn.getHostname())
            with self.assertRaises(libvirt.libvirtError) as cm:
                conn.setIdentity({'user-name': 'root'})
            self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_DENIED)
            self.assertEqual(str(cm.exception), DENIED)
            self.assertEqual(conn.isAlive(), 1)
        finally:
            conn.close()

    def test_python_set_identity_on_rw_socket(self):
        conn = libvirt.open(self.daemon.uri)
        try:
            self.assertEqual(conn.setIdentity({'user-name': 'root', 'unix-user-id': 0}), 0)
        finally:
            conn.close()

    def test_unprivileged_user_reads_ro_but_not_rw(self):
        self.assertEqual(harness.file_mode(self.daemon.sock_ro), 0o666)
        self.assertEqual(harness.file_mode(self.daemon.sock), 0o600)
        runuser = shutil.which('runuser')
        if not runuser:
            self.skipTest('runuser (util-linux) is not installed')
        os.chmod(self.daemon.root, 0o755)   # mkdtemp made it 0700
        nobody = [runuser, '-u', 'nobody', '--', harness.VIRSH, '-q']
        r = harness.run(nobody + ['-r', '-c', self.daemon.uri_ro, 'hostname'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.strip())
        r = harness.run(nobody + ['-c', self.daemon.uri, 'hostname'])
        self.assertNotEqual(r.returncode, 0, 'nobody connected to the root-only socket')
        self.assertIn('Permission denied', r.stderr)


if __name__ == '__main__':
    harness.main()
