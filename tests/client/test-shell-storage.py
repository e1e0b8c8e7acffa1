#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The modvirt shell's storage commands against a real modvirt-storaged, side by side with
Debian's virsh: each command's output and errors must be what virsh 9.0 prints against the
same daemon, byte for byte; changes made by one are seen by the other.

usage: test-shell-storage.py MODVIRT-STORAGED MODVIRT [unittest options]
"""

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvdaemon  # noqa: E402

STORAGED = None
MODVIRT = None
VIRSH = shutil.which('virsh') or '/usr/bin/virsh'

ENV = dict(os.environ, LC_ALL='C', LANG='C')
for var in ('LIBVIRT_DEFAULT_URI', 'VIRSH_DEFAULT_CONNECT_URI', 'MODVIRT_DEFAULT_URI', 'MODVIRT_ROOT'):
    ENV.pop(var, None)


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=ENV)
    return p.returncode, p.stdout, p.stderr


class ShellStorageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.daemon = mvdaemon.Daemon(STORAGED)
        cls.daemon.sock = os.path.join(cls.daemon.sockdir, 'virtstoraged-sock')
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.start()
        cls.uri = f'storage+unix:///system?socket={cls.daemon.sock}'
        cls.images = os.path.join(cls.daemon.root, 'var/lib/libvirt/images')

    def same(self, *args):
        """Run @args with both shells; assert equal results; return modvirt's stdout."""
        mine = run([MODVIRT, '-c', self.uri, *args])
        theirs = run([VIRSH, '-c', self.uri, *args])
        self.assertEqual(mine, theirs, f'modvirt and virsh differ on {" ".join(args)}')
        return mine[1]

    def test_reading_commands(self):
        code, out, err = run([MODVIRT, '-c', self.uri, 'vol-create-as', 'default', 'r.qcow2', '10M',
                              '--format', 'qcow2'])
        self.assertEqual((code, out), (0, 'Vol r.qcow2 created\n\n'), err)
        run([MODVIRT, '-c', self.uri, 'vol-create-as', 'default', 'r.raw', '1M', '--allocation', '0'])
        for args in (['pool-list'], ['pool-list', '--all'], ['pool-info', 'default'], ['pool-dumpxml', 'default'],
                     ['vol-list', 'default'], ['vol-info', 'r.qcow2', '--pool', 'default'],
                     ['vol-dumpxml', 'r.raw', '--pool', 'default'], ['vol-path', 'r.raw', '--pool', 'default'],
                     ['vol-key', os.path.join(self.images, 'r.raw')],
                     ['vol-info', 'nope', '--pool', 'default'], ['pool-info', 'nope']):
            self.same(*args)
        self.assertIn('r.qcow2', self.same('vol-list', 'default'))

    def test_upload_and_download(self):
        src = os.path.join(self.daemon.root, 'src.bin')
        with open(src, 'wb') as f:
            f.write(os.urandom(24 << 20))
        run([VIRSH, '-c', self.uri, 'vol-create-as', 'default', 'u.raw', '24M', '--allocation', '0'])
        outs = {}
        for shell in (MODVIRT, VIRSH):
            self.assertEqual(run([shell, '-c', self.uri, 'vol-upload', 'u.raw', src, '--pool', 'default'])[:2],
                             (0, '\n'))
            out = os.path.join(self.daemon.root, os.path.basename(shell) + '.out')
            self.assertEqual(run([shell, '-c', self.uri, 'vol-download', 'u.raw', out, '--pool', 'default'])[:2],
                             (0, '\n'))
            with open(out, 'rb') as f:
                outs[shell] = f.read()
        with open(src, 'rb') as f:
            want = f.read()
        self.assertEqual(outs[MODVIRT], want)
        self.assertEqual(outs[VIRSH], want)
        self.same('vol-upload', 'nope', src, '--pool', 'default')

    def test_changing_commands_print_what_virsh_prints(self):
        target = os.path.join(self.daemon.root, 'p2')
        steps = [
            (['pool-define-as', 'p2', 'dir', '--target', target], ['pool-undefine', 'p2']),
            (['pool-build', 'p2'], ['pool-delete', 'p2']),
            (['pool-start', 'p2'], ['pool-destroy', 'p2']),
            (['pool-autostart', 'p2'], ['pool-autostart', 'p2', '--disable']),
            (['pool-refresh', 'p2'], ['pool-refresh', 'p2']),
        ]
        for do, undo in steps:
            mine = run([MODVIRT, '-c', self.uri, *do])
            run([VIRSH, '-c', self.uri, *undo])
            theirs = run([VIRSH, '-c', self.uri, *do])
            self.assertEqual(mine, theirs, f'modvirt and virsh differ on {" ".join(do)}')
        for args in (['vol-create-as', 'p2', 'v', '1M'], ['vol-resize', 'v', '2M', '--pool', 'p2'],
                     ['vol-wipe', 'v', '--pool', 'p2'], ['vol-delete', 'v', '--pool', 'p2']):
            mine = run([MODVIRT, '-c', self.uri, *args])
            if args[0] == 'vol-delete':
                run([VIRSH, '-c', self.uri, 'vol-create-as', 'p2', 'v', '2M'])
            elif args[0] == 'vol-create-as':
                run([VIRSH, '-c', self.uri, 'vol-delete', 'v', '--pool', 'p2'])
            theirs = run([VIRSH, '-c', self.uri, *args])
            self.assertEqual(mine, theirs, f'modvirt and virsh differ on {" ".join(args)}')
        self.same('vol-resize', 'v', '1M', '--pool', 'p2')
        self.same('pool-define-as', 'bad', 'dir')

    def test_create_from_xml_and_clone(self):
        xml = os.path.join(self.daemon.root, 'c.xml')
        with open(xml, 'w') as f:
            f.write('<volume>\n  <name>c.raw</name>\n  <capacity>1048576</capacity>\n</volume>\n')
        bad = os.path.join(self.daemon.root, 'bad.xml')
        with open(bad, 'w') as f:
            f.write('<volume>\n  <capacity>1048576</capacity>\n</volume>\n')
        copy = os.path.join(self.daemon.root, 'copy.xml')
        with open(copy, 'w') as f:
            f.write('<volume>\n  <name>copy.raw</name>\n  <capacity>1048576</capacity>\n</volume>\n')
        # Each changing command runs in modvirt, is undone by virsh, then runs in virsh.
        steps = [
            (['vol-create', 'default', xml], ['vol-delete', 'c.raw', '--pool', 'default']),
            (['vol-create-from', 'default', copy, 'c.raw', '--inputpool', 'default'],
             ['vol-delete', 'copy.raw', '--pool', 'default']),
            (['vol-clone', 'c.raw', 'clone.raw', '--pool', 'default'],
             ['vol-delete', 'clone.raw', '--pool', 'default']),
        ]
        for do, undo in steps:
            mine = run([MODVIRT, '-c', self.uri, *do])
            self.assertEqual(mine[0], 0, mine[2])
            run([VIRSH, '-c', self.uri, *undo])
            theirs = run([VIRSH, '-c', self.uri, *do])
            self.assertEqual(mine, theirs, f'modvirt and virsh differ on {" ".join(do)}')
        # The clone has the original's type and capacity (its allocation is the copy's own).
        self.assertEqual(self.same('vol-info', 'clone.raw', '--pool', 'default').splitlines()[1:3],
                         self.same('vol-info', 'c.raw', '--pool', 'default').splitlines()[1:3])
        self.assertIn(os.path.join(self.images, 'clone.raw'), self.same('vol-list', 'default'))
        for args in (['vol-create', 'default', bad], ['vol-create', 'default', xml],
                     ['vol-create', 'default', os.path.join(self.daemon.root, 'none.xml')],
                     ['vol-create', 'nope', xml],
                     ['vol-create-from', 'default', copy, 'nope', '--inputpool', 'default'],
                     ['vol-create-from', 'default', copy, 'c.raw', '--inputpool', 'nope'],
                     ['vol-create-from', 'default', copy, 'c.raw'],
                     ['vol-clone', 'c.raw', 'clone.raw', '--pool', 'default'],
                     ['vol-clone', 'nope', 'x.raw', '--pool', 'default']):
            self.same(*args)
        self.assertNotIn('x.raw', self.same('vol-list', 'default'))


if __name__ == '__main__':
    STORAGED, MODVIRT = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
