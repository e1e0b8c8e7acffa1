# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-storaged under a temporary root for the storage tests (harness.py's Daemon with
the storage daemon's binary, sockets and files), and the virsh/python helpers they share."""

import os
import shutil
import subprocess
import unittest

import harness

STORAGED = os.environ.get('MODVIRT_STORAGED') or os.path.join(harness.SOURCE_ROOT,
                                                               'build/src/storaged/modvirt-storaged')


class StorageDaemon(harness.Daemon):
    """modvirt-storaged under @root (a new one when None)."""

    def __init__(self, root=None, args=(), verbose=True):
        super().__init__(args=args, root=root, verbose=verbose)
        d = os.path.join(self.root, 'run/libvirt')
        self.sock = os.path.join(d, 'virtstoraged-sock')
        self.sock_ro = os.path.join(d, 'virtstoraged-sock-ro')
        self.sock_admin = os.path.join(d, 'virtstoraged-admin-sock')
        self.pidfile = os.path.join(self.root, 'run/modvirt/modvirt-storaged.pid')
        self.config_path = os.path.join(self.root, 'etc/modvirt/modvirt-storaged.conf')
        self.logfile = os.path.join(self.root, 'storaged.log')

    @property
    def uri(self):
        return f'storage+unix:///system?socket={self.sock}'

    @property
    def uri_ro(self):
        return f'storage+unix:///system?socket={self.sock_ro}'

    def argv(self):
        argv = self.wrapper + [STORAGED, '--root', self.root] + self.args
        if self.verbose:
            argv.append('--verbose')
        return argv

    @property
    def images(self):
        """The default pool's directory."""
        return os.path.join(self.root, 'var/lib/libvirt/images')


def virsh(uri, *args, timeout=120, input=None):
    return subprocess.run([harness.VIRSH, '-c', uri, *args], capture_output=True, text=True,
                          env=harness.CLIENT_ENV, timeout=timeout, input=input)


class StorageTestCase(unittest.TestCase):
    """One storage daemon per test, in its own root."""

    def setUp(self):
        self.d = StorageDaemon().start()
        # Volumes of a gigabyte live in the root: it goes when the test ends (after the daemon).
        self.addCleanup(shutil.rmtree, self.d.root, True)
        self.addCleanup(self.d.stop)

    def virsh(self, *args, **kw):
        return virsh(self.d.uri, *args, **kw)

    def ok(self, *args, **kw):
        r = self.virsh(*args, **kw)
        self.assertEqual(r.returncode, 0, f'virsh {" ".join(args)} failed: {r.stderr}')
        return r.stdout

    def fails(self, needle, *args, **kw):
        r = self.virsh(*args, **kw)
        self.assertNotEqual(r.returncode, 0, f'virsh {" ".join(args)} succeeded: {r.stdout}')
        self.assertIn(needle, r.stderr)
        return r.stderr

    def names(self, out):
        """First column of a virsh table."""
        return [ln.split()[0] for ln in out.splitlines()
                if ln.strip() and not ln.startswith(('-', ' Name'))]
