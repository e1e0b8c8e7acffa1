#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-qemud's life: sockets and modes, sd_notify, one daemon per root, SIGTERM, SIGHUP."""

import os
import signal
import socket
import stat
import threading
import time
import unittest
import uuid

import harness
from harness import Daemon, virsh


class DaemonLifecycleTest(unittest.TestCase):

    def daemon(self, **kw):
        d = Daemon(**kw)
        self.addCleanup(d.cleanup)
        return d

    def test_sockets_pidfile_and_modes(self):
        d = self.daemon().start()
        for path, mode in ((d.sock, 0o600), (d.sock_ro, 0o666), (d.sock_admin, 0o600)):
            with self.subTest(path=path):
                st = os.stat(path)
                self.assertTrue(stat.S_ISSOCK(st.st_mode), f'{path} is not a socket')
                self.assertEqual(stat.S_IMODE(st.st_mode), mode, f'{path} has mode {st.st_mode:o}')
                self.assertEqual(st.st_uid, 0)
        with open(d.pidfile) as f:
            self.assertEqual(f.read().strip(), str(d.pid))
        notes = '\n'.join(d.poll_notify())
        self.assertIn(f'MAINPID={d.pid}', notes)
        self.assertEqual(sorted(os.listdir(os.path.dirname(d.sock))),
                         sorted(os.path.basename(p) for p in (d.sock, d.sock_ro, d.sock_admin)))

    def test_ro_socket_mode_from_config(self):
        d = self.daemon(config=harness.format_config(daemon={'unix_sock_ro_perms': '0660'})).start()
        self.assertEqual(harness.file_mode(d.sock_ro), 0o660)
        self.assertEqual(harness.file_mode(d.sock), 0o600)

    def test_second_daemon_on_same_root_refuses(self):
        first = self.daemon().start()
        inodes = {p: os.stat(p).st_ino for p in (first.sock, first.sock_ro, first.sock_admin)}
        second = Daemon(root=first.root, verbose=False)
        second.logfile = os.path.join(first.root, 'second.log')
        self.addCleanup(second.cleanup)
        second.start(wait=False)
        rc = second.wait_exit(15)
        self.assertIsNotNone(rc, 'second daemon on the same root kept running')
        self.assertNotEqual(rc, 0)
        msg = second.log()
        self.assertIn(str(first.pid), msg, f'the message should name the running daemon: {msg}')
        self.assertIn('already', msg)
        self.assertIn(first.root, msg)
        # The first daemon lost nothing: same socket files, same pidfile, still serving.
        self.assertTrue(first.running())
        self.assertEqual({p: os.stat(p).st_ino for p in inodes}, inodes,
                         'the second daemon replaced the first one\'s sockets')
        with open(first.pidfile) as f:
            self.assertEqual(f.read().strip(), str(first.pid))
        r = virsh(first.uri, 'hostname')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sigterm_exits_cleanly(self):
        d = self.daemon().start()
        virsh(d.uri, 'hostname', check=True)
        n = len(d.poll_notify())
        d.signal(signal.SIGTERM)
        rc = d.wait_exit(10)
        self.assertEqual(rc, 0, 'SIGTERM must exit 0')
        self.assertTrue(d.wait_notify('STOPPING=1', 1, start=n), 'no STOPPING=1 notification')
        for p in (d.sock, d.sock_ro, d.sock_admin, d.pidfile):
            self.assertFalse(os.path.exists(p), f'{p} left behind')
        # A fresh daemon can start on the same root right away.
        again = Daemon(root=d.root)
        self.addCleanup(again.cleanup)
        again.start()
        virsh(again.uri, 'hostname', check=True)

    def test_sigterm_with_client_connected(self):
        d = self.daemon().start()
        with harness.VirshSession(d.uri) as s:
            s.command('hostname')
            d.signal(signal.SIGTERM)
            self.assertEqual(d.wait_exit(10), 0, 'a connected client must not block shutdown')
        self.assertFalse(os.path.exists(d.sock))

    def test_stale_socket_files_are_replaced(self):
        # A daemon killed with SIGKILL leaves its files; the next one must start anyway.
        d = self.daemon().start()
        d.proc.kill()
        d.proc.wait()
        self.assertTrue(os.path.exists(d.sock))
        again = Daemon(root=d.root)
        self.addCleanup(again.cleanup)
        again.start()
        virsh(again.uri, 'hostname', check=True)

    def test_sighup_reloads_and_keeps_serving(self):
        d = self.daemon(config=harness.format_config(daemon={'max_clients': 50})).start()
        with harness.VirshSession(d.uri) as s:
            host = s.command('hostname').strip()
            for i, config in enumerate(('[daemon]\nmax_clients = 60\n',
                                        '[daemon]\nmax_clientz = 60\n')):
                d.write_config(config)
                n = len(d.poll_notify())
                d.signal(signal.SIGHUP)
                self.assertTrue(d.wait_notify('READY=1', 5, start=n),
                                'no READY=1 after the reload')
                self.assertIn('RELOADING=1', '\n'.join(d.poll_notify()[n:]))
                self.assertTrue(d.running(), f'SIGHUP #{i + 1} stopped the daemon')
                # The session that was open across the reload still works, and new ones too.
                self.assertEqual(s.command('hostname').strip(), host)
                self.assertEqual(virsh(d.uri, 'hostname').stdout.strip(), host)
            self.assertEqual(s.stderr, '')
        log = d.log()
        self.assertIn('reloaded', log)
        self.assertIn('max_clientz', log, 'a broken config on reload must be reported')
        self.assertTrue(d.running())

    def test_kill_9_during_defines_leaves_no_staged_files(self):
        # Defines race kill -9; the moment between staging a definition and renaming it into
        # place is also made certain with a staged file of our own.  The next start removes
        # every staged file and keeps every definition whole.
        import libvirt
        import guest
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        d = self.daemon().start()
        conf = os.path.join(d.root, 'etc/modvirt/qemu')
        # The first define probes QEMU (a second or more): not part of the race.
        warm = libvirt.open(d.uri)
        warm.defineXML(guest.diskless_xml('warm'))
        warm.close()
        for rnd in range(3):
            conn = libvirt.open(d.uri)
            stop = threading.Event()
            errors = []

            def define_loop():
                i = 0
                while not stop.is_set():
                    try:
                        name = f'vm{rnd}-{i % 20}'
                        # The same uuid each time: a redefinition, which rewrites the file.
                        conn.defineXML(guest.diskless_xml(name, uuid=str(uuid.uuid5(uuid.NAMESPACE_DNS, name))))
                    except libvirt.libvirtError as e:
                        errors.append(str(e))
                        return
                    i += 1
            t = threading.Thread(target=define_loop)
            t.start()
            time.sleep(0.3 + 0.1 * rnd)
            d.kill()
            stop.set()
            t.join(10)
            harness.log(f'round {rnd}: the define loop ended with {errors}')
            try:
                conn.close()
            except libvirt.libvirtError:
                pass
            with open(os.path.join(conf, f'vm{rnd}-0.xml.new-Zz9Yy8'), 'w') as f:
                f.write('<domain')
            d = self.daemon(root=d.root).start()
        staged = [n for n in os.listdir(conf) if '.new-' in n]
        self.assertEqual(staged, [], 'staged files survived the restart')
        self.assertIn('left by a change a crash interrupted', d.log())
        r = virsh(d.uri, 'list', '--all', '--name')
        self.assertEqual(r.returncode, 0, r.stderr)
        names = set(r.stdout.split())
        on_disk = {n[:-4] for n in os.listdir(conf) if n.endswith('.xml')}
        self.assertEqual(names, on_disk)
        self.assertGreaterEqual(len(names), 3)

    def test_socket_path_too_long_is_a_clear_error(self):
        base = harness.make_root()
        self.addCleanup(__import__('shutil').rmtree, base, ignore_errors=True)
        root = os.path.join(base, 'x' * (108 - len(base) - len('/run/libvirt/virtqemud-sock')))
        d = Daemon(root=root, verbose=False)
        self.addCleanup(d.cleanup)
        os.makedirs(root)
        d.start(wait=False)
        rc = d.wait_exit(15)
        self.assertIsNotNone(rc, 'daemon runs without being able to create its socket')
        self.assertNotEqual(rc, 0)
        self.assertIn('longer than', d.log())

    def test_notify_ready_only_when_serving(self):
        d = self.daemon().start()
        # At READY=1 every socket must already accept connections.
        for p in (d.sock, d.sock_ro, d.sock_admin):
            s = socket.socket(socket.AF_UNIX)
            s.connect(p)
            s.close()


if __name__ == '__main__':
    harness.main()
