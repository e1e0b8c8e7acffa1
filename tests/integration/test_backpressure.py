#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Back-pressure per client: an unprivileged local user (uid nobody) on the world-writable
read-only socket sends calls as fast as it can and never reads a reply.  The daemon must stop
reading that client once its unwritten output passes the bound (MV_CLIENT_OUTPUT_PAUSE), keep
serving everyone else meanwhile, drop the client once it has stayed blocked past the output
timeout, and give the memory back: RSS grows by a few MiB at most, not by a GiB.

The same attack goes through modvirt-proxyd's libvirt-sock-ro, relayed and handed over.

MV_FLOOD_REPORT=1 prints the RSS figures (used for the before/after numbers of issue 16).
"""

import os
import signal
import socket
import struct
import time

import harness
from harness import Daemon, Packer, RawClient, encode_packet
import test_proxy_common as pc

PROC_CONNECT_GET_CAPABILITIES = 7
FLOOD_SECONDS = 8
# What the flood may add to the daemon's RSS: the bound on unwritten output (1 MiB), the
# socket buffers and what glibc keeps per thread arena.
RSS_GROWTH_MAX_KIB = 6 * 1024
OUTPUT_TIMEOUT = 3       # [daemon] client_output_timeout for these tests


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError(f'no VmRSS for pid {pid}')


def flood_as_nobody(path, seconds, uri='qemu:///system'):
    """Fork a child that becomes uid nobody, opens @path read-only and sends capability calls
    without reading for @seconds (or until the server drops it).  Returns (pid, pipe fd);
    the child writes 'dropped N' or 'alive N' (N = calls sent) on the pipe at the end."""
    pid, fd = harness.fork_as_nobody()
    if pid == 0:
        wfd = fd
        try:
            c = RawClient(path)
            r = c.handshake(name=uri, flags=1)
            assert r.status == harness.STATUS_OK, r.error()
            c.sock.settimeout(0.5)
            sent, dropped = 0, False
            call = encode_packet(harness.REMOTE_PROGRAM, PROC_CONNECT_GET_CAPABILITIES)
            burst = call * 64
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    c.sock.sendall(burst)
                    sent += 64
                except socket.timeout:
                    # The server stopped reading us: keep the pressure on until it drops us.
                    continue
                except OSError:
                    dropped = True
                    break
            if not dropped:
                # A dropped client sees EOF (or a reset) when it finally reads.
                c.sock.settimeout(0.2)
                try:
                    while True:
                        if not c.sock.recv(1 << 20):
                            dropped = True
                            break
                except socket.timeout:
                    pass
                except OSError:
                    dropped = True
            os.write(wfd, f'{"dropped" if dropped else "alive"} {sent}'.encode())
            os._exit(0)
        except BaseException as e:
            os.write(wfd, f'error {e!r}'.encode())
            os._exit(1)
    return pid, fd


def flood_result(pid, rfd, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError('the flooding client did not finish')
    out = os.read(rfd, 4096).decode()
    os.close(rfd)
    return out


class FloodCase:
    """Mixin: flood socket @flood_path as nobody while a normal client calls on @check_path;
    RSS of @pids sampled meanwhile."""

    def flood_and_watch(self, flood_path, check_path, pids, open_uri='qemu:///system'):
        # The first capabilities call probes QEMU (seconds); the flood must not wait on it.
        with RawClient(check_path) as warm:
            self.assertEqual(warm.handshake(name=open_uri, flags=1).status, harness.STATUS_OK)
            r = warm.call(PROC_CONNECT_GET_CAPABILITIES, timeout=30)
            self.assertEqual(r.status, harness.STATUS_OK, r)
        time.sleep(0.2)
        base = {p: rss_kib(p) for p in pids}
        peak = dict(base)
        pid, rfd = flood_as_nobody(flood_path, FLOOD_SECONDS, open_uri)
        served, slowest = 0, 0.0
        try:
            with RawClient(check_path) as normal:
                r = normal.handshake(name=open_uri, flags=1)
                self.assertEqual(r.status, harness.STATUS_OK, r)
                end = time.monotonic() + FLOOD_SECONDS
                while time.monotonic() < end:
                    t0 = time.monotonic()
                    r = normal.call(harness.PROC_CONNECT_GET_HOSTNAME, timeout=5)
                    self.assertEqual(r.status, harness.STATUS_OK, r)
                    slowest = max(slowest, time.monotonic() - t0)
                    served += 1
                    for p in pids:
                        peak[p] = max(peak[p], rss_kib(p))
                    time.sleep(0.05)
        finally:
            result = flood_result(pid, rfd)
        # Once the flooder has gone, what it made the daemon allocate goes back.
        time.sleep(0.5)
        after = {p: rss_kib(p) for p in pids}
        for p in pids:
            msg = (f'pid {p}: RSS {base[p]} KiB before the flood, peak {peak[p]} KiB, '
                   f'{after[p]} KiB after; flooder: {result}; normal client: {served} calls, '
                   f'slowest {slowest * 1000:.0f} ms')
            harness.log(msg)
            if os.environ.get('MV_FLOOD_REPORT'):
                print('FLOOD ' + msg, flush=True)
        self.assertFalse(result.startswith('error'), result)
        self.assertGreater(served, 10, 'the normal client was not served during the flood')
        self.assertLess(slowest, 2.0, 'the normal client waited behind the flood')
        for p in pids:
            self.assertLessEqual(peak[p] - base[p], RSS_GROWTH_MAX_KIB,
                                 f'a client that never reads grew pid {p} from {base[p]} KiB to {peak[p]} KiB')
            self.assertLessEqual(after[p] - base[p], RSS_GROWTH_MAX_KIB)
        return result


CONFIG = f'[daemon]\nclient_output_timeout = {OUTPUT_TIMEOUT}\n'


class BackPressureTest(FloodCase, harness.DaemonTestCase):

    daemon_config = CONFIG

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.chmod(cls.daemon.root, 0o755)   # mkdtemp made it 0700: let nobody reach -sock-ro

    def test_flood_on_ro_socket_is_bounded_and_dropped(self):
        result = self.flood_and_watch(self.daemon.sock_ro, self.daemon.sock_ro, [self.daemon.pid])
        # The flood lasted longer than the output timeout: the daemon dropped the client.
        self.assertTrue(result.startswith('dropped'), result)
        self.assertIn('stopped reading its output', self.daemon.log())
        self.assertDaemonAlive()

    def test_slow_reader_is_paused_not_dropped(self):
        # A client that sends many calls at once and reads its replies late (within the
        # timeout) gets every one of them, More calls than the socket buffers
        # hold, so that the client's sending stalls while the server does not read it.
        n = 12000
        with RawClient(self.daemon.sock_ro) as c:
            r = c.handshake(flags=1)
            self.assertEqual(r.status, harness.STATUS_OK, r)
            c.sock.setblocking(False)
            data = b''.join(encode_packet(harness.REMOTE_PROGRAM, harness.PROC_CONNECT_GET_HOSTNAME,
                                          serial=100 + i) for i in range(n))
            off = 0
            deadline = time.monotonic() + 2
            while off < len(data) and time.monotonic() < deadline:
                try:
                    off += c.sock.send(data[off:])
                except BlockingIOError:
                    time.sleep(0.01)
            self.assertLess(off, len(data), 'the server read every call without pausing')
            c.sock.setblocking(True)
            got, seen = 0, set()
            while got < n:
                if off < len(data):
                    try:
                        c.sock.setblocking(False)
                        off += c.sock.send(data[off:])
                    except BlockingIOError:
                        pass
                    finally:
                        c.sock.setblocking(True)
                pkt = c.recv_packet(timeout=10)
                self.assertIsNotNone(pkt, f'dropped after {got} replies')
                if pkt.type == harness.REPLY:
                    # Calls run on several workers: replies may come in any order.
                    self.assertEqual(pkt.status, harness.STATUS_OK)
                    seen.add(pkt.serial)
                    got += 1
            self.assertEqual(seen, set(range(100, 100 + n)))
        self.assertDaemonAlive()


class ProxyBackPressureTest(FloodCase, harness.DaemonTestCase):
    """Through modvirt-proxyd's libvirt-sock-ro: handed over to modvirt-qemud (the default),
    and relayed by the proxy ([proxy] hand_over = false)."""

    daemon_config = CONFIG
    proxy_config = f'[daemon]\nclient_output_timeout = {OUTPUT_TIMEOUT}\n'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.chmod(cls.daemon.root, 0o755)
        cls.proxy = pc.ProxyDaemon(cls.daemon.root, config=cls.proxy_config)
        try:
            cls.proxy.start()
        except BaseException:
            cls.proxy.cleanup()
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.proxy.stop()
            cls.proxy.cleanup()
        finally:
            super().tearDownClass()

    def test_flood_through_proxy_ro_socket(self):
        result = self.flood_and_watch(self.proxy.sock_ro, self.proxy.sock_ro,
                                      [self.daemon.pid, self.proxy.pid])
        self.assertTrue(result.startswith('dropped'), result)
        self.assertTrue(self.proxy.running())
        self.assertDaemonAlive()


class ProxyRelayBackPressureTest(ProxyBackPressureTest):
    proxy_config = (f'[daemon]\nclient_output_timeout = {OUTPUT_TIMEOUT}\n'
                    '[proxy]\nhand_over = false\n')


if __name__ == '__main__':
    harness.main()
