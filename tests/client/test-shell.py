#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The modvirt shell against a real modvirt-qemud, side by side with Debian's virsh.

usage: test-shell.py MODVIRT-QEMUD MODVIRT [unittest options]

Output of version, hostname, uri, nodeinfo and capabilities (read-write and read-only),
`<command> --help`, piped interactive sessions and connection errors must be what virsh
9.0 prints against the same daemon, byte for byte ("virsh" spelled "modvirt").
"""

import os
import shutil
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvdaemon  # noqa: E402

QEMUD = None
MODVIRT = None
VIRSH = shutil.which('virsh') or '/usr/bin/virsh'
HAVE_VIRSH = os.access(VIRSH, os.X_OK)

ENV = dict(os.environ, LC_ALL='C', LANG='C')
for var in ('LIBVIRT_DEFAULT_URI', 'VIRSH_DEFAULT_CONNECT_URI', 'MODVIRT_DEFAULT_URI', 'MODVIRT_ROOT'):
    ENV.pop(var, None)


def run(argv, stdin=None, env=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60,
                       env=dict(ENV, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def uri_for(path):
    return f'qemu+unix:///system?socket={path}'


class ShellTest(unittest.TestCase):
    daemon = None

    @classmethod
    def setUpClass(cls):
        cls.daemon = mvdaemon.Daemon(QEMUD)
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.start()
        cls.uri = uri_for(cls.daemon.sock)
        cls.uri_ro = uri_for(cls.daemon.sock_ro)

    def modvirt(self, *args, stdin=None, env=None):
        return run([MODVIRT, *args], stdin=stdin, env=env)

    def virsh(self, *args, stdin=None):
        if not HAVE_VIRSH:
            self.skipTest('virsh is not installed')
        return run([VIRSH, *args], stdin=stdin)

    def ok(self, *args, **kw):
        rc, out, err = self.modvirt(*args, **kw)
        self.assertEqual((rc, err), (0, ''), f'modvirt {args} failed: {err}')
        return out

    def assert_like_virsh(self, *args, ro=False):
        """modvirt and virsh print the same for the same command against the daemon."""
        uri = self.uri_ro if ro else self.uri
        flags = ['-r'] if ro else []
        ours = self.modvirt(*flags, '-c', uri, *args)
        theirs = self.virsh(*flags, '-c', uri, *args)
        self.assertEqual(ours, theirs, f'modvirt and virsh differ for {args}')
        return ours

    # -- the commands, one shot --

    def test_version(self):
        out = self.ok('-c', self.uri, 'version')
        lines = out.splitlines()
        self.assertEqual(lines[:3], ['Compiled against library: libvirt 9.0.0',
                                     'Using library: libvirt 9.0.0', 'Using API: QEMU 9.0.0'])
        self.assertRegex(lines[3], r'^Running hypervisor: QEMU \d+\.\d+\.\d+$')
        self.assertEqual(out[-2:], '\n\n')
        self.assert_like_virsh('version')
        rc, out, _ = self.assert_like_virsh('version', '--daemon')
        self.assertRegex(out, r'Running against daemon: \d+\.\d+\.\d+\n')

    def test_hostname(self):
        rc, out, err = self.assert_like_virsh('hostname')
        self.assertEqual(rc, 0)
        self.assertRegex(out, r'^\S+\n\n$')

    def test_nodeinfo(self):
        rc, out, err = self.assert_like_virsh('nodeinfo')
        self.assertEqual(rc, 0)
        labels = [line.split(':')[0] for line in out.splitlines() if line]
        self.assertEqual(labels, ['CPU model', 'CPU(s)', 'CPU frequency', 'CPU socket(s)',
                                  'Core(s) per socket', 'Thread(s) per core', 'NUMA cell(s)',
                                  'Memory size'])
        self.assertRegex(out, r'Memory size:         \d+ KiB\n')

    def test_nodeinfo_readonly(self):
        rc, out, err = self.assert_like_virsh('nodeinfo', ro=True)
        self.assertEqual(rc, 0)
        self.assertIn('CPU model:', out)

    def test_capabilities(self):
        rc, out, err = self.assert_like_virsh('capabilities')
        self.assertEqual(rc, 0)
        root = ET.fromstring(out)
        self.assertEqual(root.tag, 'capabilities')
        self.assertIsNotNone(root.find('host/cpu/arch'))

    def test_uri(self):
        self.assertEqual(self.ok('-c', self.uri, 'uri'), self.uri + '\n\n')
        self.assert_like_virsh('uri')

    def test_command_string(self):
        self.assert_like_virsh('hostname; uri # comment')
        self.assert_like_virsh('hostname; quit; uri')

    # -- socket choice through the environment --

    def test_root_environment(self):
        env = {'MODVIRT_ROOT': self.daemon.root}
        self.assertEqual(self.ok('-c', 'qemu:///system', 'uri', env=env), 'qemu:///system\n\n')
        ro = self.ok('-r', '-c', 'qemu:///system', 'nodeinfo', env=env)
        self.assertEqual(ro, self.ok('-c', self.uri, 'nodeinfo'))
        # No URI at all: the daemon is found by probing and names itself.
        self.assertEqual(self.ok('uri', env=env), 'qemu:///system\n\n')
        self.assertEqual(self.ok('uri', env=dict(env, MODVIRT_DEFAULT_URI=self.uri)), self.uri + '\n\n')

    # -- help --

    def test_command_help(self):
        for cmd in ('version', 'hostname', 'uri', 'nodeinfo', 'capabilities', 'help', 'quit'):
            with self.subTest(cmd=cmd):
                rc, out, err = self.assert_like_virsh(cmd, '--help')
                self.assertEqual(rc, 0)
                self.assertTrue(out.startswith(f'  NAME\n    {cmd} - '), out)
        self.assert_like_virsh('help', 'nodeinfo')
        # Help needs no daemon.
        rc, out, err = self.modvirt('-c', uri_for('/nonexistent/sock'), 'nodeinfo', '--help')
        self.assertEqual((rc, err), (0, ''))

    def test_global_help(self):
        out = self.ok('--help')
        self.assertIn("\nmodvirt [options]... <command> [args...]\n", out)
        self.assertIn(" Host and Hypervisor (help keyword 'host')\n", out)
        out = self.ok('help')
        self.assertTrue(out.startswith('Grouped commands:\n\n'))
        for cmd in ('version', 'hostname', 'uri', 'nodeinfo', 'capabilities', 'help', 'quit'):
            self.assertRegex(out, rf'\n    {cmd} +\S')
        out = self.ok('help', 'host')
        self.assertTrue(out.startswith(" Host and Hypervisor (help keyword 'host'):\n"))
        rc, out, err = self.modvirt('help', 'nosuch')
        self.assertEqual((rc, err), (1, "error: command or command group 'nosuch' doesn't exist\n"))

    # -- the interactive prompt --

    def interactive_like_virsh(self, script, *flags, uri=None):
        uri = uri or self.uri
        ours = self.modvirt(*flags, '-c', uri, stdin=script)
        rc, out, err = self.virsh(*flags, '-c', uri, stdin=script)
        theirs = (rc, out.replace('virsh', 'modvirt'), err)
        self.assertEqual(ours, theirs)
        return ours

    def test_interactive(self):
        rc, out, err = self.interactive_like_virsh('hostname\nnodeinfo\nnosuch\nversion\nquit\n')
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith('Welcome to modvirt, the virtualization interactive terminal.\n'))
        self.assertIn('modvirt # nodeinfo\nCPU model:', out)
        self.assertEqual(err, "error: unknown command: 'nosuch'\n")

    def test_interactive_eof_quiet_readonly(self):
        rc, out, err = self.interactive_like_virsh('hostname\nuri', '-q', '-r', uri=self.uri_ro)
        self.assertTrue(out.startswith('modvirt > hostname\n'), out)
        self.assertTrue(out.endswith('modvirt > \n'), out)

    def test_interactive_errors(self):
        self.interactive_like_virsh('nodeinfo extra\nhostname --x\nhelp nosuch\n"unterminated\nexit\n')

    # -- errors --

    def test_missing_socket(self):
        missing = os.path.join(self.daemon.root, 'nonexistent-sock')
        rc, out, err = self.modvirt('-c', uri_for(missing), 'nodeinfo')
        self.assertEqual((rc, out), (1, ''))
        self.assertEqual(err, 'error: failed to connect to the hypervisor\n'
                              f"error: Failed to connect socket to '{missing}': No such file or directory\n")
        if HAVE_VIRSH:
            self.assertEqual((rc, out, err), self.virsh('-c', uri_for(missing), 'nodeinfo'))
        # The same through MODVIRT_ROOT: the message names the socket the URI leads to.
        empty = os.path.join(self.daemon.root, 'empty')
        rc, out, err = self.modvirt('-c', 'qemu:///system', 'hostname', env={'MODVIRT_ROOT': empty})
        self.assertEqual(rc, 1)
        self.assertIn(f"Failed to connect socket to '{empty}/run/libvirt/virtqemud-sock': "
                      "No such file or directory", err)
        # Interactive mode gives up the same way.
        rc, out, err = self.modvirt('-c', uri_for(missing), stdin='hostname\n')
        self.assertEqual(rc, 1)
        self.assertIn('error: failed to connect to the hypervisor\n', err)

    def test_parse_errors(self):
        for args, msg in ((['nosuch'], "unknown command: 'nosuch'"),
                          (['nodeinfo', 'extra'], "unexpected data 'extra'"),
                          (['version', '--daemon', '--daemon'], 'option --daemon already seen'),
                          (['hostname', '--x'], "command 'hostname' doesn't support option --x"),
                          (['help', '--command'], 'expected syntax: --command <string>'),
                          (['hostname "a'], 'missing "')):
            with self.subTest(args=args):
                rc, out, err = self.modvirt('-c', self.uri, *args)
                self.assertEqual((rc, out, err), (1, '', f'error: {msg}\n'))
                if HAVE_VIRSH:
                    self.assertEqual((rc, out, err), self.virsh('-c', self.uri, *args))

    def test_bad_uri(self):
        rc, out, err = self.modvirt('-c', 'qemu+tls://virt.example/system', 'hostname')
        self.assertEqual(rc, 1)
        self.assertIn('TLS transport is not supported yet', err)
        rc, out, err = self.modvirt('-c', 'qemu:///system?mode=sideways', 'hostname')
        self.assertEqual(rc, 1)
        self.assertIn("unknown remote mode 'sideways'", err)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    QEMUD, MODVIRT = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
