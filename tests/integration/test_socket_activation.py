#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Socket activation as systemd does it, through systemd-socket-activate.

systemd-socket-activate binds the sockets, waits for the first connection, then execs the
daemon with LISTEN_FDS/LISTEN_PID and, with --fdname, LISTEN_FDNAMES (one name per fd, in
-l order).  The daemon must use those fds by name (the socket unit names), or by position
(rw, ro, admin) when they are unnamed, and must not create socket files of its own.
"""

import os
import shutil
import signal
import stat
import unittest

import libvirt

import harness
from harness import Daemon, virsh

ACTIVATE = shutil.which('systemd-socket-activate')
NAMES = {'rw': 'modvirt-qemud.socket', 'ro': 'modvirt-qemud-ro.socket',
         'admin': 'modvirt-qemud-admin.socket'}


@unittest.skipUnless(ACTIVATE, 'systemd-socket-activate is not installed')
class SocketActivationTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)

    def activated(self, kinds, named=True, fdnames=None):
        """A daemon behind systemd-socket-activate listening on @kinds, in that order.

        Named by their socket unit names unless @named is false; @fdnames overrides them.
        Returns the daemon (waiting for its first connection), the paths by kind, and the
        inode of each socket file systemd-socket-activate created.
        """
        root = harness.make_root()
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        os.makedirs(os.path.join(root, 'run/libvirt'))
        paths = dict(zip(('rw', 'ro', 'admin'), harness.sock_paths(root)))
        d = Daemon(root=root)
        self.addCleanup(d.cleanup)
        # systemd-socket-activate passes on only PATH, TERM, USER, HOME and its -E variables.
        d.wrapper = [ACTIVATE, '-E', f'NOTIFY_SOCKET={d.notify_path}']
        for k in kinds:
            d.wrapper += ['-l', paths[k]]
        if fdnames is None and named:
            fdnames = [NAMES[k] for k in kinds]
        if fdnames:
            d.wrapper.append('--fdname=' + ':'.join(fdnames))
        d.wrapper.append('--')
        d.start()
        self.assertTrue(harness.wait_until(lambda: all(os.path.exists(paths[k]) for k in kinds), 10),
                        f'systemd-socket-activate did not listen:\n{d.log()}')
        return d, paths, {k: os.stat(paths[k]).st_ino for k in kinds}

    def assertNoOwnSockets(self, d, paths, inodes):
        listed = sorted(os.listdir(os.path.dirname(d.sock)))
        self.assertEqual(listed, sorted(os.path.basename(paths[k]) for k in inodes),
                         'the activated daemon created socket files of its own')
        for k, ino in inodes.items():
            self.assertEqual(os.stat(paths[k]).st_ino, ino, f'the {k} socket file was replaced')

    def first_contact(self, d, uri):
        # The first connection makes systemd-socket-activate exec the daemon.
        r = virsh(uri, 'hostname')
        self.assertEqual(r.returncode, 0, f'{r.stderr}\n--- daemon log ---\n{d.log()}')
        self.assertTrue(d.wait_notify('READY=1', 10), 'no READY=1 from the activated daemon')
        return r.stdout.strip()

    def test_single_named_socket(self):
        d, paths, inodes = self.activated(['rw'])
        self.assertTrue(d.running())
        self.assertTrue(self.first_contact(d, harness.uri_for(paths['rw'])))
        self.assertNoOwnSockets(d, paths, inodes)
        self.assertIn(f'MAINPID={d.pid}', '\n'.join(d.poll_notify()),
                      'the daemon must run as the activated process itself')
        # Stopping the daemon leaves systemd's socket in place for the next activation.
        d.signal(signal.SIGTERM)
        self.assertEqual(d.wait_exit(10), 0)
        self.assertTrue(stat.S_ISSOCK(os.stat(paths['rw']).st_mode),
                        'the daemon removed a socket it did not create')

    def check_three(self, d, paths, inodes):
        uri_rw, uri_ro = harness.uri_for(paths['rw']), harness.uri_for(paths['ro'])
        self.first_contact(d, uri_rw)
        self.assertNoOwnSockets(d, paths, inodes)
        # rw: a mutating call is allowed.
        conn = libvirt.open(uri_rw)
        try:
            self.assertEqual(conn.setIdentity({'user-name': 'root'}), 0)
        finally:
            conn.close()
        # ro: reads work, the same call is refused by the daemon.
        conn = libvirt.open(uri_ro)
        try:
            self.assertTrue(conn.getHostname())
            with self.assertRaises(libvirt.libvirtError) as cm:
                conn.setIdentity({'user-name': 'root'})
            self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_DENIED)
        finally:
            conn.close()
        # admin: the admin program, and only it.
        with harness.RawClient(paths['admin']) as c:
            r = c.call(1, harness.Packer().u32(0).bytes(), prog=harness.ADMIN_PROGRAM)
            self.assertEqual(r.status, harness.STATUS_OK, 'admin socket does not serve the admin program')
            r = c.call(harness.PROC_AUTH_LIST)
            self.assertEqual(r.status, harness.STATUS_ERROR, 'admin socket serves the remote program')
        with harness.RawClient(paths['rw']) as c:
            r = c.call(1, harness.Packer().u32(0).bytes(), prog=harness.ADMIN_PROGRAM)
            self.assertEqual(r.status, harness.STATUS_ERROR, 'rw socket serves the admin program')

    def test_three_named_sockets_in_any_order(self):
        # Names, not positions, decide: give them in the reverse of the positional order.
        d, paths, inodes = self.activated(['admin', 'ro', 'rw'])
        self.check_three(d, paths, inodes)

    def test_three_unnamed_sockets_by_position(self):
        d, paths, inodes = self.activated(['rw', 'ro', 'admin'], named=False)
        self.check_three(d, paths, inodes)

    def assertActivationRefused(self, d, paths, inodes, *needles):
        """The daemon must exit with an error naming the problem (one of @needles), not
        serve nothing or sockets of its own."""
        with harness.RawClient(paths['rw']):   # triggers the exec; left pending
            rc = d.wait_exit(5)
        self.assertIsNotNone(rc, 'the daemon keeps running with sockets it cannot use\n'
                             + d.log())
        self.assertNotEqual(rc, 0)
        self.assertTrue(any(n in d.log() for n in needles),
                        f'the error should mention one of {needles}:\n{d.log()}')
        self.assertNoOwnSockets(d, paths, inodes)

    def test_unknown_fd_name_is_an_error(self):
        # libvirt's own unit names are not ours: an fd nobody claims is a setup error, and a
        # daemon without a single listening socket must not report READY=1 and sit there.
        d, paths, inodes = self.activated(['rw'], fdnames=['virtqemud.socket'])
        self.assertActivationRefused(d, paths, inodes, 'virtqemud.socket')
        self.assertFalse(any('READY=1' in n for n in d.poll_notify()), 'READY=1 without sockets')

    def test_fewer_names_than_fds_is_an_error(self):
        # LISTEN_FDNAMES with 2 names for 3 fds: sd_listen_fds_with_names() fails (EINVAL).
        # The daemon must report it, not ignore the fds and bind sockets of its own (which
        # replaces the activator's files and strands the client that triggered the start).
        d, paths, inodes = self.activated(['rw', 'ro', 'admin'],
                                          fdnames=[NAMES['rw'], NAMES['ro']])
        self.assertActivationRefused(d, paths, inodes, 'LISTEN_FDNAMES', 'LISTEN_FDS')


if __name__ == '__main__':
    harness.main()
