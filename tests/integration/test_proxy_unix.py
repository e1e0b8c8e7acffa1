#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-proxyd on libvirt's legacy socket (libvirt-sock), in front of a real
modvirt-qemud in the same root: Debian's virsh and python3-libvirt manage domains through
it (define, start, list, events, destroy, undefine); the proxy answers the handshake itself,
routes by URI scheme, forwards the client's identity, keeps serials, relays events and
keepalives both ways, and runs without capabilities."""

import os
import threading
import time

import libvirt

import harness
import guest
from guest import GuestTestCase, diskless_xml
from harness import Packer, Unpacker, RawClient
import test_proxy_common as pc
from test_proxy_common import ProxyDaemon, FakeBackend

MV_ADOPT_FEATURE = 0x4d560001   # rpc-relay.h


class ProxyUnixTest(GuestTestCase):
    """The default: once a connection is open, modvirt-qemud takes the client's socket and
    the proxy is out of the data path."""

    proxy_config = None
    handed_over = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = ProxyDaemon(cls.root, config=cls.proxy_config)
        try:
            cls.proxy.start()
            cls.direct_uri = cls.uri
            cls.uri = pc.legacy_uri(cls.proxy)
            cls.events = guest.EventWatcher(cls.uri, cls.root)
        except BaseException:
            cls.proxy.cleanup()
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.events.stop()
            alive = cls.proxy.running()
            rc = cls.proxy.stop()
            cls.proxy.cleanup()
            if alive and rc != 0:
                raise AssertionError(f'modvirt-proxyd exited with status {rc} on SIGTERM')
        finally:
            super().tearDownClass()

    def assertProxyAlive(self):
        self.assertTrue(self.proxy.running(), f'modvirt-proxyd died:\n{self.proxy.log()}')

    # ------------------------------------------------------------ virsh

    def test_virsh_domain_lifecycle(self):
        name = 'pxu-virsh'
        path = self.write(f'{name}.xml', diskless_xml(name))
        self.assertIn(f"Domain '{name}' defined", self.virsh_ok('define', path))
        self.assertEqual(self.listing('--all').get(name), (None, 'shut off'))
        self.assertIn(f"Domain '{name}' started", self.virsh_ok('start', name))
        dom_id, state = self.listing()[name]
        self.assertEqual(state, 'running')
        # The proxy holds nothing: the domain is modvirt-qemud's, seen the same directly.
        direct = guest.parse_list(harness.virsh(self.direct_uri, 'list', check=True).stdout)
        self.assertEqual(direct.get(name), (dom_id, 'running'))
        self.assertIn(f"Domain '{name}' destroyed", self.virsh_ok('destroy', name))
        self.assertIn(f"Domain '{name}' has been undefined", self.virsh_ok('undefine', name))
        self.assertNotIn(name, self.listing('--all'))
        ok = harness.wait_until(lambda: guest.is_subsequence(
            ['lifecycle: Defined Added', 'lifecycle: Started Booted', 'lifecycle: Stopped Destroyed',
             'lifecycle: Undefined Removed'], self.events.of(name)), 20, 0.1)
        self.assertTrue(ok, f'events through the proxy: {self.events.of(name)}')
        self.assertProxyAlive()

    def test_hand_over_or_relay(self):
        r = harness.virsh(self.uri, 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual('client handed over' in self.proxy.log(), self.handed_over)
        if self.handed_over:
            # The proxy keeps nothing of a handed-over client, not even a descriptor.
            with libvirt.open(self.uri) as conn:
                self.assertTrue(conn.getHostname())
                self.assertTrue(harness.wait_until(
                    lambda: len([f for f in os.listdir(f'/proc/{self.proxy.pid}/fd')
                                 if os.readlink(f'/proc/{self.proxy.pid}/fd/{f}').startswith('socket:')]) <= 4, 5))

    def test_virsh_uri_and_version(self):
        self.assertEqual(self.virsh_ok('uri').strip(), self.uri)
        self.assertIn('Running hypervisor: QEMU', self.virsh_ok('version'))

    def test_read_only_socket(self):
        ro = f'qemu+unix:///system?socket={self.proxy.sock_ro}'
        r = harness.virsh(ro, 'list', '--all', readonly=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        path = self.write('pxu-ro.xml', diskless_xml('pxu-ro'))
        r = harness.virsh(ro, 'define', path, readonly=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('read only access prevents virDomainDefineXML', r.stderr)
        self.assertNotIn('pxu-ro', self.listing('--all'))

    def test_unknown_scheme_and_missing_backend(self):
        r, secs = pc.elapsed(harness.virsh, pc.legacy_uri(self.proxy, 'test'), 'list')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("routes only the URI schemes", r.stderr)
        r, secs = pc.elapsed(harness.virsh, pc.legacy_uri(self.proxy, 'lxc'), 'list')
        self.assertNotEqual(r.returncode, 0)
        sock = os.path.join(self.root, 'run/libvirt/virtlxcd-sock')
        self.assertIn(f"URI scheme 'lxc'", r.stderr)
        self.assertIn(f"'{sock}'", r.stderr)
        self.assertIn('No such file or directory', r.stderr)
        self.assertLess(secs, 5, 'a missing backend must fail at once')
        self.assertProxyAlive()

    # ------------------------------------------------------------ python3-libvirt

    def test_python_domains_and_events(self):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        libvirt.virEventRegisterDefaultImpl()
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                libvirt.virEventRunDefaultImpl()

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        conn = libvirt.open(self.uri)
        seen = []
        cond = threading.Condition()

        def on_event(c, dom, event, detail, opaque):
            with cond:
                seen.append((dom.name(), event, detail))
                cond.notify_all()

        try:
            self.assertEqual(conn.getType(), 'QEMU')
            self.assertEqual(conn.getURI(), self.uri)
            cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event, None)
            name = 'pxu-python'
            dom = conn.defineXML(diskless_xml(name))
            dom.create()
            self.assertEqual(dom.state()[0], libvirt.VIR_DOMAIN_RUNNING)
            self.assertIn(name, [d.name() for d in conn.listAllDomains()])
            dom.destroy()
            dom.undefine()
            want = [(name, libvirt.VIR_DOMAIN_EVENT_DEFINED, 0), (name, libvirt.VIR_DOMAIN_EVENT_STARTED, 0),
                    (name, libvirt.VIR_DOMAIN_EVENT_STOPPED, 1), (name, libvirt.VIR_DOMAIN_EVENT_UNDEFINED, 0)]
            with cond:
                cond.wait_for(lambda: guest.is_subsequence(want, seen), 20)
                self.assertTrue(guest.is_subsequence(want, seen), f'events through the proxy: {seen}')
            conn.domainEventDeregisterAny(cb)
            self.assertEqual(conn.isAlive(), 1)
        finally:
            conn.close()
            stop.set()

    def test_many_clients_at_once(self):
        conns = [libvirt.open(self.uri) for _ in range(20)]
        try:
            self.assertEqual({c.getHostname() for c in conns}.__len__(), 1)
        finally:
            for c in conns:
                c.close()
        self.assertProxyAlive()

    # ------------------------------------------------------------ wire level

    def test_before_open(self):
        with RawClient(self.proxy.sock) as c:
            r = c.call(harness.PROC_CONNECT_GET_HOSTNAME)
            self.assertEqual(r.status, harness.STATUS_ERROR)
            self.assertEqual(r.error()['message'], 'internal error: connection not open')
            r = c.call(harness.PROC_AUTH_LIST)
            self.assertEqual(Unpacker(r.body).u32(), 1)
            c.send_packet(harness.KEEPALIVE_PROGRAM, harness.KEEPALIVE_PING, harness.MESSAGE)
            pong = c.recv_packet()
            self.assertEqual((pong.prog, pong.proc), (harness.KEEPALIVE_PROGRAM, harness.KEEPALIVE_PONG))

    def test_empty_uri_probes_the_running_hypervisor_daemon(self):
        with RawClient(self.proxy.sock) as c:
            r = c.handshake(name=None)
            self.assertEqual(r.status, harness.STATUS_OK, r.error() if r.status else '')
            r = c.call(pc.PROC_CONNECT_GET_URI)
            self.assertEqual(Unpacker(r.body).string(), 'qemu:///system')

    def test_serials_pass_through(self):
        with RawClient(self.proxy.sock) as c:
            c.handshake()
            for serial in (1000, 7, 0xfffffff0):
                c.serial = serial
                r = c.call(harness.PROC_CONNECT_GET_HOSTNAME)
                self.assertEqual(r.serial, serial)
                self.assertEqual(r.status, harness.STATUS_OK)

    def test_identity_events_and_keepalive_reach_the_backend(self):
        # A stand-in LXC daemon shows what the proxy sends a backend and passes back.
        sock = os.path.join(self.root, 'run/libvirt/virtlxcd-sock')
        fake = FakeBackend(sock, replies={harness.PROC_CONNECT_GET_HOSTNAME: Packer().string('fakehost').bytes()},
                           uri='lxc:///system').start()
        self.addCleanup(fake.stop)
        with RawClient(self.proxy.sock) as c:
            c.serial = 40
            r = c.handshake('lxc:///system')
            self.assertEqual(r.status, harness.STATUS_OK)
            self.assertEqual(r.serial, 42, 'the answer to CONNECT_OPEN keeps the client\'s serial')
            # Keepalive, because the client asked; then (unless hand-over is off) whether the
            # backend could take the client's socket itself (a libvirt daemon says 0).
            want = [harness.FEATURE_PROGRAM_KEEPALIVE] + ([MV_ADOPT_FEATURE] if self.handed_over else [])
            procs = [p.proc for p in fake.calls()]
            self.assertEqual(procs, [harness.PROC_AUTH_LIST] + [harness.PROC_CONNECT_SUPPORTS_FEATURE] * len(want) +
                             [harness.PROC_CONNECT_OPEN, harness.PROC_CONNECT_SET_IDENTITY])
            features = [Unpacker(p.body).s32() for p in fake.calls(harness.PROC_CONNECT_SUPPORTS_FEATURE)]
            self.assertEqual(features, want)
            opened = fake.calls(harness.PROC_CONNECT_OPEN)[0]
            self.assertEqual(opened.serial, 42)
            self.assertEqual(Unpacker(opened.body).opt_string(), 'lxc:///system')
            ident = pc.identity_params(fake.calls(harness.PROC_CONNECT_SET_IDENTITY)[0].body)
            self.assertEqual(ident['process-id'], os.getpid())
            self.assertEqual(ident['unix-user-id'], os.getuid())
            self.assertEqual(ident['unix-group-id'], os.getgid())
            self.assertEqual(ident['user-name'], 'root')
            self.assertGreater(ident['process-time'], 0)

            c.serial = 5000
            r = c.call(harness.PROC_CONNECT_GET_HOSTNAME)
            self.assertEqual((r.serial, Unpacker(r.body).string()), (5000, 'fakehost'))
            self.assertEqual(fake.calls(harness.PROC_CONNECT_GET_HOSTNAME)[0].serial, 5000)

            # An event and a ping from the backend arrive untouched; the pong goes back.
            event = harness.encode_packet(harness.REMOTE_PROGRAM, pc.PROC_DOMAIN_EVENT_LIFECYCLE,
                                          harness.MESSAGE, 1, body=b'\0\0\0\x07')
            fake.broadcast(event)
            got = c.recv_packet()
            self.assertEqual((got.proc, got.type, got.body), (pc.PROC_DOMAIN_EVENT_LIFECYCLE, harness.MESSAGE,
                                                              b'\0\0\0\x07'))
            fake.broadcast(harness.encode_packet(harness.KEEPALIVE_PROGRAM, harness.KEEPALIVE_PING,
                                                 harness.MESSAGE))
            self.assertTrue(c.recv_packet().is_ping())
            c.pong()
            self.assertTrue(fake.wait_for(lambda pk: any(p.prog == harness.KEEPALIVE_PROGRAM and
                                                         p.proc == harness.KEEPALIVE_PONG for _, _, p in pk)))
            r = c.call(harness.PROC_CONNECT_CLOSE)
            self.assertEqual(r.status, harness.STATUS_OK)
            self.assertTrue(c.wait_closed(5))

    def test_streams_pass_through(self):
        # A console-like stream (DOMAIN_OPEN_CONSOLE, 201) of a stand-in backend: its reply,
        # its data, the client's data and the finish handshake, all untouched.
        sock = os.path.join(self.root, 'run/libvirt/virtlxcd-sock')
        fake = FakeBackend(sock, replies={201: pc.stream_reply([b'from the guest'])}).start()
        self.addCleanup(fake.stop)
        with RawClient(self.proxy.sock) as c:
            self.assertEqual(c.handshake('lxc:///system').status, harness.STATUS_OK)
            r = c.call(201, Packer().string('dom').bytes() + bytes(16) + Packer().s32(-1).opt_string(None).u32(0).bytes())
            self.assertEqual(r.status, harness.STATUS_OK)
            data = c.recv_packet()
            self.assertEqual((data.type, data.serial, data.status, data.body),
                             (harness.STREAM, r.serial, harness.STATUS_CONTINUE, b'from the guest'))
            eof = c.recv_packet()
            self.assertEqual((eof.type, eof.body), (harness.STREAM, b''))
            c.send_packet(harness.REMOTE_PROGRAM, 201, harness.STREAM, r.serial, harness.STATUS_CONTINUE,
                          b'typed by the user')
            c.send_packet(harness.REMOTE_PROGRAM, 201, harness.STREAM, r.serial, harness.STATUS_OK)
            done = c.recv_packet()
            self.assertEqual((done.type, done.status, done.serial), (harness.STREAM, harness.STATUS_OK, r.serial))
            got = [p.body for _, _, p in fake.packets if p.type == harness.STREAM and p.status == harness.STATUS_CONTINUE]
            self.assertEqual(got, [b'typed by the user'])

    def test_admin_socket(self):
        r = harness.run(['virt-admin', '-q', '-c', self.proxy.admin_uri, 'srv-list'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('virtproxyd', r.stdout)

    def test_no_capabilities_after_binding(self):
        for tid, caps in pc.capabilities(self.proxy.pid).items():
            for k in ('CapEff', 'CapPrm', 'CapInh', 'CapBnd', 'CapAmb'):
                self.assertEqual(caps[k], 0, f'thread {tid} of modvirt-proxyd still has {k}={caps[k]:x}')
        with open(f'/proc/{self.proxy.pid}/status') as f:
            status = f.read()
        self.assertIn('NoNewPrivs:\t1', status)
        # Every thread runs under the system call allow-list (mode 2: filter).
        for tid in os.listdir(f'/proc/{self.proxy.pid}/task'):
            with open(f'/proc/{self.proxy.pid}/task/{tid}/status') as f:
                self.assertIn('Seccomp:\t2', f.read(), f'thread {tid} of modvirt-proxyd has no filter')
        # ... and it still reaches backends and serves clients.
        self.assertIn('Running hypervisor', self.virsh_ok('version'))


class ProxyUnixRelayTest(ProxyUnixTest):
    """The same with every connection relayed ([proxy] hand_over = false): the relay alone
    carries calls, replies, events, streams and keepalives."""

    proxy_config = '[proxy]\nhand_over = false\n'
    handed_over = False


if __name__ == '__main__':
    harness.main()
