#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Hostile or broken clients: each one loses only its own connection.

For every bad input a python-libvirt connection opened beforehand must keep working, the
daemon must keep running, and a new virsh must still be served.  Opening and closing many
connections must not leak file descriptors in the daemon.
"""

import struct

import libvirt

import harness
from harness import DaemonTestCase, Packer, RawClient, virsh

MAX_PACKET = 16 * 1024 * 1024 + 4   # VIR_NET_MESSAGE_MAX plus the length word (§1.1)


class RobustnessTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        cls.bystander = libvirt.open(cls.daemon.uri)
        cls.hostname = cls.bystander.getHostname()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.bystander.close()
        finally:
            super().tearDownClass()

    def assertOthersUnharmed(self):
        self.assertDaemonAlive()
        self.assertEqual(self.bystander.getHostname(), self.hostname,
                         'an unrelated connection was harmed')
        r = virsh(self.daemon.uri, 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), self.hostname)

    def assertDropped(self, data, what):
        with RawClient(self.daemon.sock) as c:
            c.send(data)
            self.assertTrue(c.wait_closed(5), f'daemon kept a connection that sent {what}')
        self.assertOthersUnharmed()

    def test_http_request(self):
        # 'GET ' read as a length word is about 1.2 GB: far beyond the limit.
        self.assertDropped(b'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'an HTTP request')

    def test_random_garbage(self):
        self.assertDropped(bytes(range(255, -1, -1)) * 64, 'garbage')

    def test_garbage_header_with_plausible_length(self):
        # A sane length around nonsense: the daemon may answer with an error or drop the
        # client, but it must neither hang the others nor die.
        with RawClient(self.daemon.sock) as c:
            c.send(struct.pack('>I', 64) + bytes(range(1, 61)))
            try:
                c.wait_closed(2)
            except OSError:
                pass
        self.assertOthersUnharmed()

    def test_length_zero(self):
        self.assertDropped(struct.pack('>I', 0), 'a length word of 0')

    def test_length_below_header(self):
        self.assertDropped(struct.pack('>I', 27) + b'\0' * 23, 'a length shorter than the header')

    def test_length_huge(self):
        self.assertDropped(struct.pack('>I', 0x7fffffff) + b'\0' * 64, 'a length of 0x7fffffff')

    def test_length_just_over_limit(self):
        self.assertDropped(struct.pack('>I', MAX_PACKET + 1) + b'\0' * 64,
                           'a length one byte over the limit')

    def test_truncated_packet_then_close(self):
        base = self.daemon.settled_fd_count()
        c = RawClient(self.daemon.sock)
        pkt = harness.encode_packet(harness.REMOTE_PROGRAM, harness.PROC_AUTH_LIST)
        c.send(struct.pack('>I', 100) + pkt[4:] + b'\0' * 10)   # 38 of the 100 bytes promised
        self.assertTrue(harness.wait_until(lambda: self.daemon.fd_count() > base, 2))
        c.close()
        harness.wait_until(lambda: self.daemon.fd_count() <= base, 5)
        self.assertLessEqual(self.daemon.fd_count(), base,
                             'daemon kept the half-sent connection open after the peer closed')
        self.assertOthersUnharmed()

    def test_unknown_program_is_an_error_reply(self):
        with RawClient(self.daemon.sock) as c:
            r = c.call(1, prog=0x12345678)
            self.assertEqual(r.status, harness.STATUS_ERROR)
            err = r.error()
            self.assertEqual(err['code'], harness.VIR_ERR_RPC, err)
            self.assertIn('Cannot find program', err['message'])
            # The connection survives a call it could not route.
            self.assertEqual(c.handshake().status, harness.STATUS_OK)
        self.assertOthersUnharmed()

    def test_undecodable_arguments_are_an_error_reply(self):
        with RawClient(self.daemon.sock) as c:
            # SUPPORTS_FEATURE without its int; CONNECT_OPEN whose name claims 4 GiB.
            for proc, body in ((harness.PROC_CONNECT_SUPPORTS_FEATURE, b''),
                               (harness.PROC_CONNECT_OPEN, Packer().u32(1).u32(0xffffffff).bytes())):
                with self.subTest(proc=proc):
                    try:
                        r = c.call(proc, body)
                    except ConnectionError:
                        # Dropping such a client is acceptable too; crashing is not.
                        self.assertOthersUnharmed()
                        return
                    self.assertEqual(r.status, harness.STATUS_ERROR)
                    self.assertEqual(r.error()['code'], harness.VIR_ERR_RPC, r.error())
        self.assertOthersUnharmed()

    def test_call_before_open_is_refused(self):
        with RawClient(self.daemon.sock) as c:
            r = c.call(harness.PROC_CONNECT_GET_HOSTNAME)
            self.assertEqual(r.status, harness.STATUS_ERROR)
            self.assertIn('connection not open', r.error()['message'])
            r = c.handshake()
            self.assertEqual(r.status, harness.STATUS_OK)
            r = c.handshake()   # a second CONNECT_OPEN
            self.assertEqual(r.status, harness.STATUS_ERROR)
            self.assertIn('already open', r.error()['message'])

    def test_no_fd_leak_over_many_connections(self):
        base = self.daemon.settled_fd_count()
        for i in range(100):
            conn = libvirt.open(self.daemon.uri)
            self.assertEqual(conn.getHostname(), self.hostname)
            conn.close()
            with RawClient(self.daemon.sock):
                pass
            if i % 10 == 0:
                with RawClient(self.daemon.sock) as c:
                    c.send(b'\xff' * 8)
        harness.wait_until(lambda: self.daemon.fd_count() <= base, 5)
        self.assertLessEqual(self.daemon.fd_count(), base,
                             f'daemon holds {self.daemon.fd_count() - base} more fds '
                             'after 210 connections')
        self.assertOthersUnharmed()


if __name__ == '__main__':
    harness.main()
