#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Connection limits that keep the administrator in: any local user (uid nobody) may fill
the world-connectable read-only socket, but read-only clients are counted apart
(max_readonly_clients), so root's virsh on the read-write socket and virt-admin on the
admin socket keep working; clients that never open their connection are dropped after
client_open_timeout, which gives the read-only socket back."""

import os
import resource
import shutil
import signal
import socket
import time
import unittest

import harness
from harness import RawClient

HOG = 1024
OPEN_TIMEOUT = 4
VIRT_ADMIN = shutil.which('virt-admin')


def connect_retrying(path, timeout=10):
    """A RawClient on @path; a unix listener's full backlog says EAGAIN: try again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return RawClient(path)
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def hog_as_nobody(path, n, do_open):
    """Fork a child (uid nobody) holding @n connections to @path (each opened read-only
    when @do_open) until SIGTERM.  Returns (pid, read fd); the child writes how many it
    connected, then, at SIGTERM, how many the server had closed meanwhile."""
    pid, fd = harness.fork_as_nobody()
    if pid == 0:
        wfd = fd
        try:
            conns = []
            for _ in range(n):
                c = connect_retrying(path)
                if do_open:
                    r = c.handshake(flags=1, keepalive=False)
                    assert r.status == harness.STATUS_OK, r.error()
                conns.append(c)
            os.write(wfd, f'{len(conns)}\n'.encode())
            stop = []
            signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
            while not stop:
                time.sleep(0.1)
            closed = 0
            for c in conns:
                c.sock.setblocking(False)
                try:
                    if c.sock.recv(1) == b'':
                        closed += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
            os.write(wfd, f'{closed}\n'.encode())
            os._exit(0)
        except BaseException as e:
            os.write(wfd, f'error {e!r}\n'.encode())
            os._exit(1)
    return pid, fd


def read_line(fd, timeout=60):
    buf = b''
    deadline = time.monotonic() + timeout
    while not buf.endswith(b'\n'):
        if time.monotonic() > deadline:
            raise AssertionError('the hogging child said nothing')
        chunk = os.read(fd, 1)
        if not chunk:
            break
        buf += chunk
    return buf.decode().strip()


def ro_refused(path):
    """True when a new read-only connection is closed by the server instead of served."""
    try:
        with RawClient(path, timeout=5) as c:
            c.handshake(flags=1, keepalive=False)
            return False
    except (AssertionError, ConnectionError, OSError, ValueError):
        return True


class ConnectionLimitsTest(harness.DaemonTestCase):

    daemon_config = f'[daemon]\nclient_open_timeout = {OPEN_TIMEOUT}\n'

    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 4 * HOG:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * HOG), hard))
        super().setUpClass()
        os.chmod(cls.daemon.root, 0o755)

    def admin_still_answers(self):
        if VIRT_ADMIN:
            r = harness.run([VIRT_ADMIN, '-q', '-c', self.daemon.admin_uri, 'srv-list'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('virtqemud', r.stdout)
        else:
            with RawClient(self.daemon.sock_admin) as c:
                r = c.call(1, harness.Packer().opt_string(None).u32(0).bytes(), prog=harness.ADMIN_PROGRAM)
                self.assertEqual(r.status, harness.STATUS_OK, r)

    def test_idle_ro_hog_keeps_root_in_and_is_dropped(self):
        pid, fd = hog_as_nobody(self.daemon.sock_ro, HOG, do_open=False)
        try:
            self.assertEqual(read_line(fd), str(HOG))
            # Full for read-only clients ...
            self.assertTrue(harness.wait_until(lambda: ro_refused(self.daemon.sock_ro), 5),
                            'a read-only client was served beyond max_readonly_clients')
            # ... and root keeps its places.
            r = harness.virsh(self.daemon.uri, 'hostname')
            self.assertEqual(r.returncode, 0, r.stderr)
            r = harness.virsh(self.daemon.uri, 'list', '--all')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.admin_still_answers()
            # The hog never opened its connections: dropped after client_open_timeout.
            self.assertTrue(harness.wait_until(lambda: not ro_refused(self.daemon.sock_ro),
                                               OPEN_TIMEOUT + 5, interval=0.5),
                            'idle unopened clients were not dropped')
            r = harness.virsh(self.daemon.uri_ro, 'hostname', readonly=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            # All of them: their sockets leave the daemon's fd table.
            self.assertTrue(harness.wait_until(lambda: self.daemon.fd_count() < HOG // 4, 10),
                            f'{self.daemon.fd_count()} fds still open in the daemon')
        finally:
            os.kill(pid, signal.SIGTERM)
            closed = read_line(fd)
            os.waitpid(pid, 0)
            os.close(fd)
        self.assertEqual(closed, str(HOG), 'the server did not close every idle unopened client')
        self.assertIn('did not open the connection within', self.daemon.log())
        self.assertDaemonAlive()


class OpenedHogTest(harness.DaemonTestCase):
    """Opened read-only clients are not dropped, but still cannot take root's places."""

    daemon_config = '[daemon]\nmax_readonly_clients = 100\nclient_open_timeout = 2\n'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.chmod(cls.daemon.root, 0o755)

    def test_opened_ro_hog(self):
        pid, fd = hog_as_nobody(self.daemon.sock_ro, 100, do_open=True)
        try:
            self.assertEqual(read_line(fd), '100')
            self.assertTrue(ro_refused(self.daemon.sock_ro))
            time.sleep(3)   # past client_open_timeout: opened clients stay
            self.assertTrue(ro_refused(self.daemon.sock_ro))
            for _ in range(3):
                r = harness.virsh(self.daemon.uri, 'hostname')
                self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            os.kill(pid, signal.SIGTERM)
            closed = read_line(fd)
            os.waitpid(pid, 0)
            os.close(fd)
        self.assertEqual(closed, '0', 'opened read-only clients were dropped')
        self.assertTrue(harness.wait_until(lambda: not ro_refused(self.daemon.sock_ro), 5))


class DescriptorLimitTest(unittest.TestCase):
    """A daemon whose descriptor limit is below what its client limits need says so at
    start, and when the descriptors run out it refuses new clients instead of spinning on
    its listener; once they are back it serves again."""

    def test_out_of_descriptors(self):
        d = harness.Daemon(wrapper=['prlimit', '--nofile=200:200', '--'],
                           config='[daemon]\nmax_readonly_clients = 1000\n')
        self.addCleanup(d.cleanup)
        d.start()
        d.wait_ready()
        os.chmod(d.root, 0o755)
        self.assertIn('descriptor limit (200) is below what the client limits need', d.log())
        pid, fd = hog_as_nobody(d.sock_ro, 300, do_open=False)
        try:
            self.assertEqual(read_line(fd), '300')
            self.assertTrue(harness.wait_until(lambda: 'out of file descriptors' in d.log(), 10))
            # Not spinning: the daemon uses little CPU while the hog holds everything.
            def cpu_ticks():
                with open(f'/proc/{d.pid}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
                return int(fields[11]) + int(fields[12])
            before = cpu_ticks()
            time.sleep(2)
            used = (cpu_ticks() - before) / os.sysconf('SC_CLK_TCK')
            self.assertLess(used, 0.5, f'the daemon used {used:.2f} s of CPU in 2 s while out of descriptors')
        finally:
            os.kill(pid, signal.SIGTERM)
            read_line(fd)
            os.waitpid(pid, 0)
            os.close(fd)
        self.assertTrue(harness.wait_until(lambda: harness.virsh(d.uri, 'hostname').returncode == 0, 10))
        self.assertTrue(d.running())


if __name__ == '__main__':
    harness.main()
