#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Remote access through modvirt-proxyd: `modvirt pki init` makes the certificates, and
Debian's virsh and python3-libvirt manage domains over qemu+tcp://127.0.0.1:PORT/system
and qemu+tls://localhost:PORT/system?pkipath=...  A TLS client without a certificate, with
one from another CA or with a name not on the allow-list gets no RPC answer; plain TCP is
not served unless asked for."""

import os
import shutil
import socket
import ssl
import stat

import libvirt

import harness
import guest
from guest import GuestTestCase, diskless_xml
from harness import encode_packet
import test_proxy_common as pc
from test_proxy_common import ProxyDaemon


def file_modes(root):
    return {os.path.relpath(os.path.join(d, n), root): stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode)
            for d, dirs, files in os.walk(root) for n in dirs + files}


class ProxyRemoteTest(GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        cls.pki = cls.root + '/pki-out'
        try:
            cls.pki_run = pc.pki_init(cls.root)
            assert cls.pki_run.returncode == 0, cls.pki_run.stderr
            cls.tcp_port, cls.tls_port = pc.free_port(), pc.free_port()
            cls.proxy = ProxyDaemon(cls.root, args=['--listen-tcp', f'127.0.0.1:{cls.tcp_port}',
                                                    '--listen-tls', f'127.0.0.1:{cls.tls_port}'])
            cls.proxy.start()
        except BaseException:
            if hasattr(cls, 'proxy'):
                cls.proxy.cleanup()
            super().tearDownClass()
            raise
        cls.tcp_uri = f'qemu+tcp://127.0.0.1:{cls.tcp_port}/system'
        cls.tls_uri = pc.tls_uri(cls.tls_port, cls.root)

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

    def lifecycle(self, uri, name):
        path = self.write(f'{name}.xml', diskless_xml(name))
        v = lambda *a: guest.virsh(uri, *a)
        r = v('define', path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"Domain '{name}' defined", r.stdout)
        r = v('start', name)
        self.assertEqual(r.returncode, 0, r.stderr)
        listed = guest.parse_list(v('list').stdout)
        self.assertEqual(listed[name][1], 'running')
        self.assertEqual(v('destroy', name).returncode, 0)
        self.assertEqual(v('undefine', name).returncode, 0)
        self.assertNotIn(name, guest.parse_list(v('list', '--all').stdout))

    # ------------------------------------------------------------ pki init

    def test_pki_files_and_modes(self):
        self.assertIn('qemu+tls://localhost/system?pkipath=', self.pki_run.stdout)
        modes = file_modes(os.path.join(self.root, 'etc/pki'))
        for key in ('CA/private/cakey.pem', 'libvirt/private/serverkey.pem', 'libvirt/private/clientkey.pem',
                    'modvirt-client/clientkey.pem'):
            self.assertEqual(modes[key], 0o600, key)
        for d in ('CA/private', 'libvirt/private', 'modvirt-client'):
            self.assertEqual(modes[d], 0o700, d)
        for cert in ('CA/cacert.pem', 'libvirt/servercert.pem', 'libvirt/clientcert.pem',
                     'modvirt-client/cacert.pem', 'modvirt-client/clientcert.pem'):
            self.assertEqual(modes[cert], 0o644, cert)
        # certtool (gnutls-bin, installed by scripts/install-deps) sees what libvirt needs:
        # a server certificate for localhost and 127.0.0.1.
        self.assertTrue(shutil.which('certtool'), 'certtool (gnutls-bin) is missing')
        out = harness.run(['certtool', '-i', '--infile',
                           os.path.join(self.root, 'etc/pki/libvirt/servercert.pem')]).stdout
        self.assertIn('DNSname: localhost', out)
        self.assertIn('IPAddress: 127.0.0.1', out)
        self.assertIn('TLS WWW Server', out)

    def test_pki_refuses_to_overwrite_keys(self):
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        self.assertEqual(pc.pki_init(root, '--host', 'proxy.example,10.1.2.3').returncode, 0)
        key = os.path.join(root, 'etc/pki/libvirt/private/serverkey.pem')
        with open(key) as f:
            before = f.read()
        r = pc.pki_init(root)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('--force', r.stderr)
        with open(key) as f:
            self.assertEqual(f.read(), before)
        r = pc.pki_init(root, '--force')
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(key) as f:
            self.assertNotEqual(f.read(), before)
        r = pc.pki_init(root, '--force', '--host', 'proxy.example,10.1.2.3')
        self.assertEqual(r.returncode, 0, r.stderr)
        out = harness.run(['certtool', '-i', '--infile', os.path.join(root, 'etc/pki/libvirt/servercert.pem')]).stdout
        self.assertIn('DNSname: proxy.example', out)
        self.assertIn('IPAddress: 10.1.2.3', out)

    # ------------------------------------------------------------ TCP and TLS with real clients

    def test_tcp_virsh_lifecycle(self):
        self.lifecycle(self.tcp_uri, 'pxr-tcp')

    def test_tls_virsh_lifecycle_and_events(self):
        events = guest.EventWatcher(self.tls_uri, self.root)
        try:
            self.lifecycle(self.tls_uri, 'pxr-tls')
            want = ['lifecycle: Defined Added', 'lifecycle: Started Booted', 'lifecycle: Stopped Destroyed',
                    'lifecycle: Undefined Removed']
            ok = harness.wait_until(lambda: guest.is_subsequence(want, events.of('pxr-tls')), 20, 0.1)
            self.assertTrue(ok, f'events over TLS: {events.of("pxr-tls")}')
        finally:
            events.stop()

    def test_tls_python(self):
        conn = libvirt.open(self.tls_uri)
        try:
            self.assertEqual(conn.getType(), 'QEMU')
            self.assertEqual(conn.getURI(), self.tls_uri)
            dom = conn.defineXML(diskless_xml('pxr-py'))
            dom.create()
            self.assertEqual(dom.state()[0], libvirt.VIR_DOMAIN_RUNNING)
            dom.destroy()
            dom.undefine()
            self.assertEqual(conn.isAlive(), 1)
        finally:
            conn.close()

    def test_secure_and_encrypted_per_transport(self):
        """libvirt's client answers IsEncrypted itself (IS_SECURE plus its transport): over
        TLS both are yes, over plain TCP both are no, and over the unix socket the channel is
        secure but not encrypted.  The daemon side answers IS_SECURE; 148 is not a call."""
        for uri, secure, encrypted in ((self.tls_uri, 1, 1), (self.tcp_uri, 0, 0),
                                       (self.uri, 1, 0)):
            conn = libvirt.open(uri)
            try:
                self.assertEqual((conn.isSecure(), conn.isEncrypted()), (secure, encrypted), uri)
            finally:
                conn.close()

    def test_tls_identity_is_the_certificate_name(self):
        # What the backend learns about a TLS client: its certificate's name, nothing else
        # (a stand-in LXC daemon records it).
        fake = pc.FakeBackend(os.path.join(self.root, 'run/libvirt/virtlxcd-sock'), uri='lxc:///system').start()
        self.addCleanup(fake.stop)
        r = guest.virsh(pc.tls_uri(self.tls_port, self.root, 'lxc'), 'uri')
        self.assertEqual(r.returncode, 0, r.stderr)
        ident = pc.identity_params(fake.calls(harness.PROC_CONNECT_SET_IDENTITY)[0].body)
        self.assertEqual(ident, {'x509-distinguished-name': f'O=modvirt,CN=modvirt client on {socket.gethostname()}'})
        # Plain TCP clients have no identity to forward at all.
        r = guest.virsh(f'lxc+tcp://127.0.0.1:{self.tcp_port}/system', 'uri')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(fake.calls(harness.PROC_CONNECT_SET_IDENTITY)), 1)
        self.assertEqual(len(fake.calls(harness.PROC_CONNECT_OPEN)), 2)

    # ------------------------------------------------------------ refused TLS clients

    def no_rpc_answer(self, cert=None, key=None):
        """Connect with TLS (optionally a client certificate) and send AUTH_LIST; True if no
        RPC answer ever comes."""
        ca = os.path.join(self.root, 'etc/pki/CA/cacert.pem')
        try:
            s = pc.tls_raw_connect(self.tls_port, ca, cert, key)
        except (ssl.SSLError, OSError) as e:
            harness.log(f'TLS handshake refused: {e}')
            return True
        try:
            s.settimeout(3)
            s.sendall(encode_packet(harness.REMOTE_PROGRAM, harness.PROC_AUTH_LIST))
            data = b''
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            harness.log(f'got {data!r} before the connection closed')
            # Not even libvirt's confirmation byte, let alone a packet.
            return data == b''
        except (ssl.SSLError, OSError) as e:
            harness.log(f'TLS connection dropped: {e}')
            return True
        finally:
            s.close()

    def test_tls_without_certificate_gets_no_answer(self):
        self.assertTrue(self.no_rpc_answer())
        self.assertTrue(self.proxy.running())

    def test_tls_with_certificate_of_another_ca_gets_no_answer(self):
        other = harness.make_root()
        self.addCleanup(shutil.rmtree, other, ignore_errors=True)
        self.assertEqual(pc.pki_init(other).returncode, 0)
        d = pc.pki_dir(other)
        self.assertTrue(self.no_rpc_answer(os.path.join(d, 'clientcert.pem'), os.path.join(d, 'clientkey.pem')))
        # The right certificate still gets its confirmation byte and answers.
        mine = pc.pki_dir(self.root)
        s = pc.tls_raw_connect(self.tls_port, os.path.join(self.root, 'etc/pki/CA/cacert.pem'),
                               os.path.join(mine, 'clientcert.pem'), os.path.join(mine, 'clientkey.pem'))
        with s:
            s.settimeout(5)
            self.assertEqual(s.recv(1), b'\1')
            s.sendall(encode_packet(harness.REMOTE_PROGRAM, harness.PROC_AUTH_LIST))
            self.assertGreaterEqual(len(s.recv(4096)), 28)
        self.assertTrue(self.proxy.running())

    def test_allow_list_and_config_file(self):
        # A second proxy (own root, no backend needed) configured by file only: TLS on,
        # and an allow-list our client's name is not on.
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        shutil.copytree(os.path.join(self.root, 'etc/pki'), os.path.join(root, 'etc/pki'))
        port = pc.free_port()
        p = ProxyDaemon(root, config=f'[remote]\nlisten_tls = 127.0.0.1:{port}\n'
                                     'tls_allowed_dn_list = O=other,*;CN=nobody\n')
        self.addCleanup(p.cleanup)
        p.start()
        r = guest.virsh(pc.tls_uri(port, root), 'hostname')
        self.assertNotEqual(r.returncode, 0)
        # libvirt's client words it either way, depending on how it sees the close.
        self.assertRegex(r.stderr, 'Unable to read TLS confirmation|server verification')
        self.assertIn('is not in the allowed list', p.log())
        p.stop()
        p = ProxyDaemon(root, config=f'[remote]\nlisten_tls = 127.0.0.1:{port}\n'
                                     'tls_allowed_dn_list = O=modvirt,CN=modvirt client*\n')
        self.addCleanup(p.cleanup)
        p.start()
        r = guest.virsh(pc.tls_uri(port, root), 'uri')
        # No backend runs in that root: the proxy accepted us and names what is missing.
        self.assertIn("URI scheme 'qemu'", r.stderr)

    def test_plain_tcp_only_when_asked_for(self):
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        p = ProxyDaemon(root)
        self.addCleanup(p.cleanup)
        p.start()
        # No --listen-tcp, no config: not a single TCP socket.
        inodes = set()
        for fd in os.listdir(f'/proc/{p.pid}/fd'):
            target = os.readlink(f'/proc/{p.pid}/fd/{fd}')
            if target.startswith('socket:['):
                inodes.add(target[8:-1])
        tcp = []
        for table in ('/proc/net/tcp', '/proc/net/tcp6'):
            with open(table) as f:
                tcp += [line.split()[9] for line in f.readlines()[1:]]
        self.assertFalse(inodes & set(tcp), 'modvirt-proxyd listens on TCP without being asked to')
        self.assertTrue(pc.tcp_listening(self.tcp_port))
        # A config file without TLS files fails clearly.
        p.stop()
        p = ProxyDaemon(root, config=f'[remote]\nlisten_tls = 127.0.0.1:{pc.free_port()}\n')
        self.addCleanup(p.cleanup)
        p.start(wait=False)
        self.assertEqual(p.wait_exit(10), 1)
        self.assertIn('modvirt pki init', p.log())
        self.assertIn('cacert.pem', p.log())


if __name__ == '__main__':
    harness.main()
