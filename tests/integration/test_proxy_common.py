# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared pieces of the proxy tests (not a test itself): modvirt-proxyd under a root that a
modvirt-qemud may share, the modvirt shell, free loopback ports, and FakeBackend, a stand-in
daemon on a unix socket that answers the handshake and a table of procedures and records
every packet, for backends that do not exist yet (network) or behaviour a real one never
shows (a call left unanswered)."""

import os
import socket
import ssl
import struct
import tempfile
import threading
import time

import harness
from harness import Packer, Unpacker, Packet, encode_packet

BUILD = os.path.join(harness.SOURCE_ROOT, 'build')
PROXYD = os.environ.get('MODVIRT_PROXYD') or os.path.join(BUILD, 'src/proxyd/modvirt-proxyd')
MODVIRT = os.environ.get('MODVIRT_CLI') or os.path.join(BUILD, 'src/cli/modvirt')

PROC_CONNECT_GET_URI = 110
PROC_CONNECT_LIST_ALL_NETWORKS = 283
PROC_NETWORK_GET_AUTOSTART = 44
PROC_NETWORK_IS_ACTIVE = 152
PROC_NETWORK_IS_PERSISTENT = 153
PROC_DOMAIN_EVENT_LIFECYCLE = 107


class ProxyDaemon(harness.Daemon):
    """modvirt-proxyd under @root (usually a modvirt-qemud's), with its own log file."""

    def __init__(self, root, args=(), config=None, verbose=True):
        super().__init__(args=args, root=root, verbose=verbose)
        d = os.path.join(root, 'run/libvirt')
        self.sock = os.path.join(d, 'libvirt-sock')
        self.sock_ro = os.path.join(d, 'libvirt-sock-ro')
        self.sock_admin = os.path.join(d, 'libvirt-admin-sock')
        self.pidfile = os.path.join(root, 'run/modvirt/modvirt-proxyd.pid')
        self.config_path = os.path.join(root, 'etc/modvirt/modvirt-proxyd.conf')
        self.logfile = os.path.join(root, 'proxyd.log')
        if config is not None:
            self.write_config(config)

    @property
    def admin_uri(self):
        return f'virtproxyd:///system?socket={self.sock_admin}'

    def argv(self):
        argv = self.wrapper + [PROXYD, '--root', self.root] + self.args
        if self.verbose:
            argv.append('--verbose')
        return argv


def legacy_uri(proxy, scheme='qemu'):
    return f'{scheme}+unix:///system?socket={proxy.sock}'


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def tcp_listening(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=2):
            return True
    except OSError:
        return False


def pki_init(root, *extra):
    """`modvirt pki init --root ROOT ...`; returns the CompletedProcess."""
    return harness.run([MODVIRT, 'pki', 'init', '--root', root] + list(extra))


def pki_dir(root):
    return os.path.join(root, 'etc/pki/modvirt-client')


def tls_uri(port, root, scheme='qemu'):
    return f'{scheme}+tls://localhost:{port}/system?pkipath={pki_dir(root)}'


def capabilities(pid):
    """{tid: {'CapEff': int, ...}} of every thread of @pid."""
    out = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        caps = {}
        with open(f'/proc/{pid}/task/{tid}/status') as f:
            for line in f:
                k, _, v = line.partition(':')
                if k.startswith('Cap'):
                    caps[k] = int(v.strip(), 16)
        out[int(tid)] = caps
    return out


def error_body(code, domain, message):
    """A remote_error body (protocol-facts §1.5)."""
    return (Packer().s32(code).s32(domain).opt_string(message).s32(2).u32(0)
            .u32(0).u32(0).u32(0).s32(0).s32(0).u32(0).bytes())


def tls_raw_connect(port, cafile, cert=None, key=None):
    """A TLS connection to the proxy as a non-libvirt client would make it: returns the
    socket after the handshake, or raises ssl.SSLError/OSError."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    if cert:
        ctx.load_cert_chain(cert, key)
    raw = socket.create_connection(('127.0.0.1', port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname='localhost')


class FakeBackend:
    """A stand-in daemon listening on @path (and @ro_path): it answers AUTH_LIST, feature
    questions, CONNECT_OPEN, CONNECT_SET_IDENTITY and CONNECT_CLOSE, procedures in @replies
    ({proc: body bytes, 'hang' to never answer, or a function of the call returning the
    packets to send}), and "unknown procedure" otherwise; it confirms stream finishes.
    Every packet received is kept in .packets as (connection number, socket path, Packet)."""

    def __init__(self, path, ro_path=None, replies=None, uri='test:///system'):
        self.paths = [p for p in (path, ro_path) if p]
        self.replies = dict(replies or {})
        self.uri = uri
        self.packets = []
        self.conns = []
        self.listeners = []
        self.cond = threading.Condition()
        self.stopped = False

    def start(self):
        for p in self.paths:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(p)
            s.listen(16)
            self.listeners.append(s)
            threading.Thread(target=self._accept, args=(s, p), daemon=True).start()
        return self

    def _accept(self, lsock, path):
        while True:
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            with self.cond:
                if self.stopped:
                    conn.close()
                    return
                self.conns.append(conn)
                n = len(self.conns) - 1
            threading.Thread(target=self._serve, args=(conn, n, path), daemon=True).start()

    def _serve(self, conn, n, path):
        buf = b''
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                chunk = b''
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 4:
                size = struct.unpack('>I', buf[:4])[0]
                if len(buf) < size:
                    break
                hdr = struct.unpack('>IIIiiIi', buf[:28])
                pkt = Packet(*hdr[1:], buf[28:size])
                buf = buf[size:]
                with self.cond:
                    self.packets.append((n, path, pkt))
                    self.cond.notify_all()
                self._answer(conn, pkt)
        with self.cond:
            self.cond.notify_all()

    def _answer(self, conn, pkt):
        if pkt.type == harness.STREAM:
            # A client's finish (status OK) or abort (ERROR) of a stream is confirmed.
            if pkt.status != harness.STATUS_CONTINUE:
                self._send(conn, encode_packet(pkt.prog, pkt.proc, harness.STREAM, pkt.serial, harness.STATUS_OK))
            return
        if pkt.prog == harness.KEEPALIVE_PROGRAM:
            if pkt.is_ping():
                self._send(conn, encode_packet(harness.KEEPALIVE_PROGRAM, harness.KEEPALIVE_PONG,
                                               harness.MESSAGE))
            return
        if pkt.type != harness.CALL:
            return
        # Like libvirt's daemons: yes to the features they have, 0 to any other.
        feature = Unpacker(pkt.body).s32() if pkt.proc == harness.PROC_CONNECT_SUPPORTS_FEATURE else None
        body = {harness.PROC_AUTH_LIST: Packer().u32(1).s32(0).bytes(),
                harness.PROC_CONNECT_SUPPORTS_FEATURE: Packer().s32(int(feature in (8, 9, 10, 14, 15, 16))).bytes(),
                harness.PROC_CONNECT_OPEN: b'',
                harness.PROC_CONNECT_SET_IDENTITY: b'',
                harness.PROC_CONNECT_CLOSE: b'',
                PROC_CONNECT_GET_URI: Packer().string(self.uri).bytes()}.get(pkt.proc)
        if pkt.proc in self.replies:
            body = self.replies[pkt.proc]
        if body == 'hang':
            return
        if callable(body):
            # A procedure that answers with several packets (a reply, then stream data).
            for data in body(pkt):
                self._send(conn, data)
            return
        if body is None:
            self._send(conn, encode_packet(pkt.prog, pkt.proc, harness.REPLY, pkt.serial, harness.STATUS_ERROR,
                                           error_body(39, 7, f'unknown procedure: {pkt.proc}')))
            return
        self._send(conn, encode_packet(pkt.prog, pkt.proc, harness.REPLY, pkt.serial, harness.STATUS_OK, body))
        if pkt.proc == harness.PROC_CONNECT_CLOSE:
            conn.shutdown(socket.SHUT_RDWR)

    def _send(self, conn, data):
        try:
            conn.sendall(data)
        except OSError:
            pass

    def broadcast(self, data):
        """Send raw packet bytes on every connection (events, pings)."""
        with self.cond:
            conns = list(self.conns)
        for c in conns:
            self._send(c, data)

    def calls(self, proc=None):
        """Packets of type CALL received so far (for @proc)."""
        with self.cond:
            return [p for _, _, p in self.packets if p.type == harness.CALL and (proc is None or p.proc == proc)]

    def wait_for(self, pred, timeout=10):
        """Wait until @pred(packets) is true; return its value."""
        with self.cond:
            self.cond.wait_for(lambda: pred(self.packets), timeout)
            return pred(self.packets)

    def stop(self):
        """Stop listening and drop every connection, like a daemon that dies."""
        with self.cond:
            self.stopped = True
            conns = list(self.conns)
        for s in self.listeners:
            s.close()
        for p in self.paths:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


def identity_params(body):
    """{field: value} of CONNECT_SET_IDENTITY arguments."""
    u = Unpacker(body)
    out = {}
    for _ in range(u.u32()):
        field = u.string()
        typ = u.s32()
        if typ in (1, 6):
            out[field] = u.s32()
        elif typ == 2:
            out[field] = u.u32()
        elif typ == 3:
            out[field] = struct.unpack('>q', u._take(8))[0]
        elif typ == 4:
            out[field] = u.u64()
        elif typ == 5:
            out[field] = struct.unpack('>d', u._take(8))[0]
        else:
            out[field] = u.string()
    return out


def network_list_body(names):
    """remote_connect_list_all_networks_ret with networks @names."""
    p = Packer().u32(len(names))
    for i, n in enumerate(names):
        p.string(n)
        p.buf += bytes([0x11, 0x22, 0x33, i] + [0] * 12)
    return p.u32(len(names)).bytes()


def fake_netd(root, names=('fakenet0', 'fakenet1')):
    """A network daemon stand-in at ROOT/run/libvirt/virtnetworkd-sock (and -sock-ro) that
    lists @names and says each is active, persistent and autostarted."""
    d = os.path.join(root, 'run/libvirt')
    one = Packer().s32(1).bytes()
    return FakeBackend(os.path.join(d, 'virtnetworkd-sock'), os.path.join(d, 'virtnetworkd-sock-ro'),
                       replies={PROC_CONNECT_LIST_ALL_NETWORKS: network_list_body(list(names)),
                                PROC_NETWORK_GET_AUTOSTART: one, PROC_NETWORK_IS_ACTIVE: one,
                                PROC_NETWORK_IS_PERSISTENT: one},
                       uri='network:///system')


def elapsed(fn, *args, **kw):
    """(result of fn, seconds it took)."""
    t = time.monotonic()
    r = fn(*args, **kw)
    return r, time.monotonic() - t


def stream_reply(chunks):
    """A @replies entry opening a stream: the OK reply, then @chunks as STREAM data and EOF."""
    def answer(pkt):
        out = [encode_packet(pkt.prog, pkt.proc, harness.REPLY, pkt.serial, harness.STATUS_OK)]
        out += [encode_packet(pkt.prog, pkt.proc, harness.STREAM, pkt.serial, harness.STATUS_CONTINUE, c)
                for c in chunks]
        out.append(encode_packet(pkt.prog, pkt.proc, harness.STREAM, pkt.serial, harness.STATUS_CONTINUE))
        return out
    return answer


def storage_body_pool(name):
    return Packer().string(name).bytes() + bytes(range(16))


def fake_storaged(root, chunks):
    """A storage daemon stand-in whose pool 'pool0' has volume 'vol0'; downloading it
    streams @chunks."""
    d = os.path.join(root, 'run/libvirt')
    vol = Packer().string('pool0').string('vol0').string('/fake/vol0').bytes()
    return FakeBackend(os.path.join(d, 'virtstoraged-sock'), os.path.join(d, 'virtstoraged-sock-ro'),
                       replies={84: storage_body_pool('pool0'),     # STORAGE_POOL_LOOKUP_BY_NAME
                                95: vol,                            # STORAGE_VOL_LOOKUP_BY_NAME
                                209: stream_reply(chunks)},          # STORAGE_VOL_DOWNLOAD
                       uri='storage:///system')
