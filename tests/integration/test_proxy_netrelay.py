#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Network calls on a qemu:///system connection: modvirt-qemud relays them to the network
daemon's socket under its root (a stand-in here, until modvirt-netd exists), forwarding the
client's identity; without that daemon they answer "not supported", and a network daemon
that dies or comes back changes nothing for the domain side of the connection.  The same
through modvirt-proxyd: proxy -> qemud -> network daemon."""

import os

import libvirt

import harness
import guest
from harness import Unpacker
import test_proxy_common as pc
from test_proxy_common import ProxyDaemon


class NetworkRelayTest(guest.GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)

    def netd(self):
        fake = pc.fake_netd(self.root).start()
        self.addCleanup(fake.stop)
        return fake

    def net_names(self, out):
        return [ln.split()[0] for ln in out.splitlines() if ln.strip() and not ln.startswith(('-', ' Name'))]

    def test_net_list_is_relayed_with_the_identity(self):
        fake = self.netd()
        r = self.virsh('net-list', '--all')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.net_names(r.stdout), ['fakenet0', 'fakenet1'])
        self.assertIn('active', r.stdout)
        opens = fake.calls(harness.PROC_CONNECT_OPEN)
        self.assertEqual(Unpacker(opens[0].body).opt_string(), 'network:///system')
        ident = pc.identity_params(fake.calls(harness.PROC_CONNECT_SET_IDENTITY)[0].body)
        self.assertEqual(ident['unix-user-id'], os.getuid())
        self.assertGreater(ident['process-id'], 0)
        # The domain side of the same connection is qemud's own.
        self.assertEqual(self.virsh('list', '--all').returncode, 0)

    def test_python_list_all_networks(self):
        fake = self.netd()
        conn = libvirt.open(self.uri)
        try:
            self.assertEqual(sorted(n.name() for n in conn.listAllNetworks()), ['fakenet0', 'fakenet1'])
            ident = pc.identity_params(fake.calls(harness.PROC_CONNECT_SET_IDENTITY)[-1].body)
            self.assertEqual(ident['process-id'], os.getpid())
            self.assertEqual(conn.getType(), 'QEMU')
        finally:
            conn.close()

    def test_read_only_clients_use_the_read_only_socket(self):
        fake = self.netd()
        r = self.virsh('net-list', '--all', readonly=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.net_names(r.stdout), ['fakenet0', 'fakenet1'])
        ro = [(path, p) for _, path, p in fake.packets if p.proc == harness.PROC_CONNECT_OPEN]
        self.assertTrue(ro[-1][0].endswith('virtnetworkd-sock-ro'))
        u = Unpacker(ro[-1][1].body)
        u.opt_string()
        self.assertEqual(u.u32() & 1, 1, 'CONNECT_OPEN must say read-only')

    def test_not_supported_without_a_network_daemon(self):
        r = self.virsh('net-list', '--all')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('this function is not supported by the connection driver', r.stderr)
        self.assertIn('the network driver is not running', r.stderr)
        self.assertIn(os.path.join(self.root, 'run/libvirt/virtnetworkd-sock'), r.stderr)
        conn = libvirt.open(self.uri)
        try:
            with self.assertRaises(libvirt.libvirtError) as cm:
                conn.listAllStoragePools()
            self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_NO_SUPPORT)
            self.assertIn('storage driver is not running', str(cm.exception))
            self.assertEqual(conn.isAlive(), 1)
        finally:
            conn.close()

    def test_network_daemon_dies_and_returns(self):
        fake = self.netd()
        with harness.VirshSession(self.uri) as s:
            self.assertIn('fakenet0', s.command('net-list --all'))
            fake.stop()
            s.command('net-list --all')
            # virsh's error reaches its stderr a moment after the prompt: wait for it.
            harness.wait_until(lambda: 'network driver is not running' in s.stderr, 5)
            self.assertIn('network driver is not running', s.stderr)
            self.assertTrue(s.command('hostname').strip())   # the session itself lives on
            fake2 = self.netd()
            self.assertIn('fakenet1', s.command('net-list --all'), s.stderr)
            self.assertEqual(len(fake2.calls(harness.PROC_CONNECT_OPEN)), 1)
        self.assertDaemonAlive()

    def test_through_the_proxy(self):
        fake = self.netd()
        proxy = ProxyDaemon(self.root)
        self.addCleanup(proxy.cleanup)
        proxy.start()
        r = harness.virsh(pc.legacy_uri(proxy), 'net-list', '--all')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.net_names(r.stdout), ['fakenet0', 'fakenet1'])
        # The identity the proxy forwarded to qemud is the one qemud forwards on: the
        # client's, not the proxy's.
        idents = [pc.identity_params(p.body) for p in fake.calls(harness.PROC_CONNECT_SET_IDENTITY)]
        self.assertTrue(idents)
        self.assertNotEqual(idents[-1]['process-id'], proxy.pid)
        self.assertNotEqual(idents[-1]['process-id'], self.daemon.pid)

    def test_storage_stream_is_relayed(self):
        # A volume download: the reply that opens the stream, the data after it and the
        # finish handshake all pass through modvirt-qemud to the storage daemon and back.
        chunks = [b'first chunk of the volume ', b'x' * 300000, b' last']
        fake = pc.fake_storaged(self.root, chunks).start()
        self.addCleanup(fake.stop)
        conn = libvirt.open(self.uri)
        try:
            vol = conn.storagePoolLookupByName('pool0').storageVolLookupByName('vol0')
            st = conn.newStream(0)
            vol.download(st, 0, 0, 0)
            data = b''
            while True:
                got = st.recv(65536)
                if not got:
                    break
                data += got
            st.finish()
            self.assertEqual(data, b''.join(chunks))
            finish = [p for _, _, p in fake.packets if p.type == harness.STREAM and p.status == harness.STATUS_OK]
            self.assertEqual(len(finish), 1, "the client's finish reaches the storage daemon")
            self.assertEqual(finish[0].serial, fake.calls(209)[0].serial)
            self.assertEqual(conn.getType(), 'QEMU')
        finally:
            conn.close()

    def assertDaemonAlive(self):
        self.assertTrue(self.daemon.running(), 'modvirt-qemud died')


if __name__ == '__main__':
    harness.main()
