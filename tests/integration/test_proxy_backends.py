#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-proxyd when backends come and go: a backend that is not running fails at once
with an error naming the scheme and socket; a backend killed under connected clients
closes them promptly (a call in flight gets an error naming the backend); a restarted
backend serves new clients through the same proxy, which never stops."""

import os
import signal
import socket
import time

import libvirt

import harness
import guest
from harness import Packer, RawClient
import test_proxy_common as pc
from test_proxy_common import ProxyDaemon, FakeBackend


class ProxyBackendsTest(guest.GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        cls.proxy = ProxyDaemon(cls.root)
        try:
            cls.proxy.start()
        except BaseException:
            cls.proxy.cleanup()
            super().tearDownClass()
            raise
        cls.puri = pc.legacy_uri(cls.proxy)

    @classmethod
    def tearDownClass(cls):
        try:
            alive = cls.proxy.running()
            rc = cls.proxy.stop()
            cls.proxy.cleanup()
            if alive and rc != 0:
                raise AssertionError(f'modvirt-proxyd exited with status {rc} on SIGTERM')
        finally:
            super().tearDownClass()

    def assertProxyAlive(self):
        self.assertTrue(self.proxy.running(), f'modvirt-proxyd died:\n{self.proxy.log()}')

    def restart_qemud(self):
        """A new modvirt-qemud on the same root (the old one was killed)."""
        self.daemon.kill()
        self.__class__.daemon = guest.GuestDaemon(root=self.root)
        self.daemon.start()

    def test_missing_backend_fails_at_once(self):
        for scheme, sock in (('lxc', 'virtlxcd-sock'), ('network', 'virtnetworkd-sock'),
                             ('storage', 'virtstoraged-sock')):
            r, secs = pc.elapsed(harness.virsh, pc.legacy_uri(self.proxy, scheme), 'uri')
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(f"URI scheme '{scheme}'", r.stderr)
            self.assertIn(os.path.join(self.root, 'run/libvirt', sock), r.stderr)
            self.assertLess(secs, 5)
        self.assertProxyAlive()

    def test_backend_killed_under_clients_then_restarted(self):
        conn = libvirt.open(self.puri)
        self.addCleanup(conn.close)
        self.assertTrue(conn.getHostname())
        with harness.VirshSession(self.puri) as session:
            host = session.command('hostname').strip()
            self.assertTrue(host)
            self.daemon.proc.send_signal(signal.SIGKILL)
            self.daemon.proc.wait()
            t = time.monotonic()
            # The proxy closes its clients of that backend: the next call fails at once
            # (this client runs no event loop, so it learns it then).
            with self.assertRaises(libvirt.libvirtError) as cm:
                conn.getHostname()
            self.assertLess(time.monotonic() - t, 5)
            harness.log(f'python after the backend died: {cm.exception}')
            self.assertEqual(conn.isAlive(), 0)
            # virsh's event loop sees its connection end and says so at once.
            self.assertTrue(harness.wait_until(lambda: 'Disconnected from' in session.stderr, 5),
                            f'virsh did not notice: {session.stderr!r}')
            self.assertEqual(session.command('hostname').strip(), '')
            self.assertIn('error', session.stderr)
            # New clients get a clear error while the backend is down.
            r, secs = pc.elapsed(harness.virsh, self.puri, 'list')
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("URI scheme 'qemu'", r.stderr)
            self.assertIn('virtqemud-sock', r.stderr)
            self.assertLess(secs, 5)
            self.assertProxyAlive()

            self.restart_qemud()
            # virsh reconnects by itself; new connections go through as before.
            self.assertEqual(session.command('hostname').strip(), host, session.stderr)
        r = harness.virsh(self.puri, 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr)
        conn2 = libvirt.open(self.puri)
        self.assertTrue(conn2.getHostname())
        conn2.close()
        self.assertProxyAlive()

    def test_call_in_flight_when_backend_dies(self):
        sock = os.path.join(self.root, 'run/libvirt/virtlxcd-sock')
        fake = FakeBackend(sock, replies={harness.PROC_CONNECT_GET_HOSTNAME: 'hang'}).start()
        self.addCleanup(fake.stop)
        with RawClient(self.proxy.sock) as c:
            r = c.handshake('lxc:///system')
            self.assertEqual(r.status, harness.STATUS_OK)
            c.serial = 900
            c.send_packet(harness.REMOTE_PROGRAM, harness.PROC_CONNECT_GET_HOSTNAME, serial=900)
            self.assertTrue(fake.wait_for(lambda pk: any(p.proc == harness.PROC_CONNECT_GET_HOSTNAME
                                                         for _, _, p in pk)))
            fake.stop()
            t = time.monotonic()
            r = c.recv_packet(timeout=5)
            self.assertIsNotNone(r, 'the proxy closed the connection without answering the call')
            self.assertEqual((r.type, r.serial, r.proc, r.status),
                             (harness.REPLY, 900, harness.PROC_CONNECT_GET_HOSTNAME, harness.STATUS_ERROR))
            msg = r.error()['message']
            self.assertIn('modvirt-lxcd', msg)
            self.assertIn(sock, msg)
            self.assertIn('closed the connection', msg)
            self.assertTrue(c.wait_closed(5))
            self.assertLess(time.monotonic() - t, 3)
        self.assertProxyAlive()

    def test_backend_refusing_the_open(self):
        # The backend's own error reaches the client as it sent it.
        with RawClient(self.proxy.sock) as c:
            r = c.handshake('qemu:///session')
            self.assertEqual(r.status, harness.STATUS_ERROR)
            self.assertIn("no connection driver available for URI 'qemu:///session'", r.error()['message'])
        self.assertProxyAlive()

    def test_client_gone_mid_handshake_and_garbage(self):
        # Clients that vanish or send nonsense cost the proxy nothing.
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX)
            s.connect(self.proxy.sock)
            s.sendall(harness.encode_packet(harness.REMOTE_PROGRAM, harness.PROC_CONNECT_OPEN,
                                            body=Packer().opt_string('qemu:///system').u32(0).bytes()))
            s.close()
        with RawClient(self.proxy.sock) as c:
            c.send(b'\xff\xff\xff\xff' + b'x' * 24)
            self.assertTrue(c.wait_closed(5))
        self.assertTrue(harness.wait_until(lambda: self.proxy.settled_fd_count() <= 20, 10))
        self.assertProxyAlive()
        self.assertEqual(harness.virsh(self.puri, 'hostname').returncode, 0)


if __name__ == '__main__':
    harness.main()
