#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The modvirt shell's domain commands against a real modvirt-qemud running real QEMU, side
by side with Debian's virsh.

usage: test-shell-domain.py MODVIRT-QEMUD MODVIRT [unittest options]

Queries (list, dominfo, domstate, domid/domuuid/domname, dumpxml) run through both tools
against the same daemon state and must print the same bytes.  Changes (define, start,
suspend, ...) run through modvirt, are undone, run again through virsh, and must print
the same.  `event` runs in both tools at once while modvirt changes a domain.  Every QEMU
of the test root is killed at the end, whatever happens.
"""

import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvdaemon  # noqa: E402

QEMUD = None
MODVIRT = None
VIRSH = shutil.which('virsh') or '/usr/bin/virsh'
HAVE_VIRSH = os.access(VIRSH, os.X_OK)
HAVE_QEMU = shutil.which('qemu-system-x86_64') is not None

ENV = dict(os.environ, LC_ALL='C', LANG='C')
for var in ('LIBVIRT_DEFAULT_URI', 'VIRSH_DEFAULT_CONNECT_URI', 'MODVIRT_DEFAULT_URI', 'MODVIRT_ROOT'):
    ENV.pop(var, None)


# Domain names carry the test's pid: the daemon names guest cgroups after the guest's ID and
# name only, so two test daemons running the same name at the same ID would collide.
SUFFIX = f'-{os.getpid()}'


def N(name):
    """The name this run gives domain @name."""
    return name + SUFFIX


def domain_xml(name, memory_mib=64, title=None):
    """A diskless q35 guest: QEMU runs it, nothing boots."""
    title = f'<title>{title}</title>' if title else ''
    return (f"<domain type='qemu'><name>{name}</name>{title}<memory unit='MiB'>{memory_mib}</memory>"
            "<vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>")


def run(argv, stdin=None, timeout=60, **kw):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, env=ENV, **kw)
    return p.returncode, p.stdout, p.stderr


@unittest.skipUnless(HAVE_QEMU, 'qemu-system-x86_64 is not installed')
class DomainShellTest(unittest.TestCase):
    daemon = None

    @classmethod
    def setUpClass(cls):
        cls.daemon = mvdaemon.Daemon(QEMUD)
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.start()
        cls.uri = f'qemu+unix:///system?socket={cls.daemon.sock}'
        cls.uri_ro = f'qemu+unix:///system?socket={cls.daemon.sock_ro}'
        cls.files = tempfile.mkdtemp(prefix='mvc-xml-', dir='/tmp')
        cls.addClassCleanup(shutil.rmtree, cls.files, True)

    def setUp(self):
        self.addCleanup(self.remove_domains)

    # -- helpers --

    def xml_file(self, name, **kw):
        path = os.path.join(self.files, f'{name}.xml')
        with open(path, 'w') as f:
            f.write(domain_xml(name, **kw))
        return path

    def modvirt(self, *args, ro=False, **kw):
        return run([MODVIRT, '-c', self.uri_ro if ro else self.uri] + (['-r'] if ro else []) + list(args), **kw)

    def virsh(self, *args, ro=False, **kw):
        if not HAVE_VIRSH:
            self.skipTest('virsh is not installed')
        return run([VIRSH, '-c', self.uri_ro if ro else self.uri] + (['-r'] if ro else []) + list(args), **kw)

    def ok(self, *args):
        rc, out, err = self.modvirt(*args)
        self.assertEqual((rc, err), (0, ''), f'modvirt {args} failed: {err}')
        return out

    def like_virsh(self, *args, ro=False):
        """A query: both tools print the same against the same state."""
        ours = self.modvirt(*args, ro=ro)
        theirs = self.virsh(*args, ro=ro)
        # A running guest's CPU time moves between the two calls (by a tenth of a second on
        # a loaded host): compare the line's shape, not its figure.
        def steady(res):
            rc, out, err = res
            return rc, re.sub(r'(?m)^(CPU time:\s+)\d+\.\ds$', r'\1N.Ns', out), err
        self.assertEqual(steady(ours), steady(theirs), f'modvirt and virsh differ for {args}')
        return ours

    def change_like_virsh(self, args, undo):
        """A change: modvirt makes it, virsh undoes it and makes it again; same output."""
        ours = self.modvirt(*args)
        self.assertEqual(self.virsh(*undo)[0], 0, f'undoing {args} with {undo} failed')
        theirs = self.virsh(*args)
        self.assertEqual(ours, theirs, f'modvirt and virsh differ for {args}')
        return ours

    def remove_domains(self):
        """Destroy and undefine whatever a test left, through modvirt alone."""
        rc, out, _ = self.modvirt('list', '--all', '--name')
        for name in out.split():
            self.modvirt('destroy', name)
            self.modvirt('undefine', name)
        rc, out, _ = self.modvirt('list', '--all', '--name')
        self.assertEqual(out.strip(), '', 'domains left behind')

    def define(self, name, start=False):
        self.ok('define', self.xml_file(name))
        if start:
            self.ok('start', name)

    # -- help --

    def test_help(self):
        for cmd in ('list', 'define', 'undefine', 'start', 'create', 'destroy', 'shutdown', 'reboot', 'reset',
                    'suspend', 'resume', 'dominfo', 'domstate', 'domid', 'domuuid', 'domname', 'dumpxml',
                    'autostart', 'setmem', 'setvcpus', 'event', 'console'):
            with self.subTest(cmd=cmd):
                rc, out, err = self.like_virsh(cmd, '--help')
                self.assertEqual(rc, 0)
                self.assertTrue(out.startswith(f'  NAME\n    {cmd} - '))
        self.assert_group('help', 'events')
        rc, out, _ = self.modvirt('help', 'domain')
        self.assertTrue(out.startswith(" Domain Management (help keyword 'domain'):\n"))
        self.assertIn('\n    setvcpus                       change number of virtual CPUs\n', out)

    def assert_group(self, *args):
        rc, out, err = self.like_virsh(*args)
        self.assertEqual(rc, 0)

    # -- queries --

    def test_list_and_info(self):
        rc, out, _ = self.like_virsh('list', '--all')
        self.assertEqual(out, ' Id   Name   State\n--------------------\n\n')
        for name in (N('vm-b'), N('VM-a'), N('vm-c')):
            self.define(name)
        self.ok('define', self.xml_file(N('vm-d'), title='Tom &amp; Jerry'))
        self.ok('start', N('vm-c'))
        self.ok('start', N('vm-b'))
        self.ok('suspend', N('vm-b'))
        # Running ones by ID, then the rest by name ignoring case.
        rc, out, _ = self.like_virsh('list', '--all')
        rows = [line.split()[:2] for line in out.splitlines()[2:] if line]
        self.assertEqual([r[1] for r in rows], [N('vm-c'), N('vm-b'), N('VM-a'), N('vm-d')])
        self.assertIn(' paused\n', out)
        for args in (['list'], ['list', '--inactive'], ['list', '--all', '--name'], ['list', '--uuid'],
                     ['list', '--all', '--id'], ['list', '--all', '--uuid', '--name', '--id'],
                     ['list', '--state-paused'], ['list', '--all', '--persistent'], ['list', '--transient'],
                     ['list', '--all', '--state-shutoff'], ['list', '--all', '--managed-save'],
                     ['list', '--name', '--table'], ['list', '--all', '--title']):
            with self.subTest(args=args):
                self.like_virsh(*args)
        for dom in (N('vm-b'), N('VM-a'), N('vm-c'), 'nosuch'):
            for args in (['dominfo', dom], ['domstate', dom], ['domstate', dom, '--reason'], ['domid', dom],
                         ['domuuid', dom], ['domname', dom], ['dumpxml', dom], ['dumpxml', dom, '--inactive'],
                         ['dumpxml', dom, '--security-info']):
                with self.subTest(args=args):
                    self.like_virsh(*args)
        rc, out, _ = self.like_virsh('list', '--all', '--title')
        self.assertIn(' Tom & Jerry\n', out)
        rc, out, _ = self.like_virsh('dominfo', N('vm-c'))
        self.assertRegex(out, rf'^Id:             \d+\nName:           {N("vm-c")}\nUUID:           [0-9a-f-]{{36}}\n'
                              r'OS Type:        hvm\nState:          running\nCPU\(s\):         1\n')
        self.assertIn('Max memory:     65536 KiB\n', out)
        # By ID and by UUID too, as virsh resolves them.
        rc, ident, _ = self.modvirt('domid', N('vm-c'))
        rc, uuid, _ = self.modvirt('domuuid', N('vm-c'))
        for key in (ident.strip(), uuid.strip()):
            for cmd in ('dominfo', 'domname', 'domstate', 'domid', 'domuuid'):
                with self.subTest(cmd=cmd, key=key):
                    self.like_virsh(cmd, key)
        self.like_virsh('list', '--all', ro=True)
        self.like_virsh('dominfo', N('vm-b'), ro=True)

    # -- changes --

    def test_lifecycle(self):
        path = self.xml_file(N('x'))
        rc, out, err = self.change_like_virsh(['define', path], ['undefine', N('x')])
        self.assertEqual((rc, out, err), (0, f"Domain '{N('x')}' defined from {path}\n\n", ''))
        rc, out, err = self.change_like_virsh(['start', N('x')], ['destroy', N('x')])
        self.assertEqual((rc, out), (0, f"Domain '{N('x')}' started\n\n"))
        self.like_virsh('start', N('x'))   # already active
        self.change_like_virsh(['suspend', N('x')], ['resume', N('x')])
        self.like_virsh('suspend', N('x'))
        self.change_like_virsh(['resume', N('x')], ['suspend', N('x')])
        for args in (['reset', N('x')], ['reboot', N('x')], ['shutdown', N('x')], ['reboot', N('x'), '--mode', 'foo'],
                     ['shutdown', N('x'), '--mode', 'acpi,nosuch']):
            with self.subTest(args=args):
                self.assertEqual(self.modvirt(*args), self.virsh(*args))
        rc, out, _ = self.change_like_virsh(['destroy', N('x')], ['start', N('x')])
        self.assertEqual((rc, out), (0, f"Domain '{N('x')}' destroyed\n\n"))
        for args in (['destroy', N('x')], ['suspend', N('x')], ['resume', N('x')], ['shutdown', N('x')], ['reset', N('x')]):
            with self.subTest(args=args):
                self.like_virsh(*args)
        self.change_like_virsh(['start', N('x'), '--paused'], ['destroy', N('x')])
        self.like_virsh('domstate', N('x'), '--reason')
        self.ok('destroy', N('x'))
        self.change_like_virsh(['autostart', N('x')], ['autostart', N('x'), '--disable'])
        self.like_virsh('list', '--all', '--autostart')
        self.change_like_virsh(['autostart', N('x'), '--disable'], ['autostart', N('x')])
        rc, out, _ = self.change_like_virsh(['undefine', N('x')], ['define', path])
        self.assertEqual((rc, out), (0, f"Domain '{N('x')}' has been undefined\n\n"))
        rc, out, _ = self.change_like_virsh(['create', path, '--paused'], ['destroy', N('x')])
        self.assertEqual((rc, out), (0, f"Domain '{N('x')}' created from {path}\n\n"))
        self.like_virsh('list', '--transient')
        self.like_virsh('domstate', N('x'), '--reason')
        self.ok('destroy', N('x'))
        # Failures name what failed, then the daemon's reason.
        for args in (['start', 'nosuch'], ['undefine', 'nosuch'], ['define', '/nonexistent.xml'],
                     ['create', '/nonexistent.xml'], ['define', self.files], ['undefine', N('x'), '--nvram', '--keep-nvram']):
            with self.subTest(args=args):
                self.like_virsh(*args)

    def test_duplicate_and_readonly(self):
        path = self.xml_file(N('dup'))
        self.define(N('dup'), start=True)
        other = os.path.join(self.files, 'dup2.xml')
        with open(other, 'w') as f:
            f.write(domain_xml(N('dup')))
        self.like_virsh('define', other)   # same name, other UUID
        self.like_virsh('create', path)
        for args in (['destroy', N('dup')], ['suspend', N('dup')], ['start', N('dup')], ['undefine', N('dup')],
                     ['autostart', N('dup')], ['setmem', N('dup'), '64M', '--config'], ['dumpxml', N('dup')],
                     ['dumpxml', N('dup'), '--security-info'], ['domstate', N('dup')]):
            with self.subTest(args=args):
                self.like_virsh(*args, ro=True)

    def test_tuning(self):
        self.define(N('t'))
        for args in (['setmem', N('t'), '48M', '--config'], ['setmem', N('t'), '50000', '--config'],
                     ['setvcpus', N('t'), '2', '--config', '--maximum'], ['setvcpus', N('t'), '2', '--config'],
                     ['setvcpus', N('t'), '1', '--config'], ['setvcpus', N('t'), '1', '--config', '--maximum'],
                     ['setmem', N('t'), '64MiB', '--config']):
            with self.subTest(args=args):
                rc, out, err = self.modvirt(*args)
                self.assertEqual((rc, out, err), (0, '\n', ''))
                self.assertEqual(self.virsh(*args), (rc, out, err))
                self.like_virsh('dominfo', N('t'))
        self.assertIn('Used memory:    65536 KiB\n', self.ok('dominfo', N('t')))
        for args in (['setmem', N('t'), 'abc'], ['setmem', N('t'), '10X', '--config'], ['setmem', N('t'), '-5'],
                     ['setmem', N('t'), '99999999999T', '--config'], ['setmem', N('t'), '0', '--config'],
                     ['setmem', N('t'), '64M'], ['setmem', N('t'), '64M', '--current', '--live'],
                     ['setvcpus', N('t'), 'abc'], ['setvcpus', N('t'), '0', '--config'], ['setvcpus', N('t'), '2', '--maximum'],
                     ['setvcpus', N('t'), '1', '--guest', '--config'], ['setvcpus', N('t'), '1'], ['setvcpus', N('t')],
                     ['setmem', 'nosuch', '64M']):
            with self.subTest(args=args):
                self.like_virsh(*args)

    # -- events --

    def listen(self, tool, *args):
        argv = [MODVIRT if tool == 'modvirt' else VIRSH, '-c', self.uri, 'event'] + list(args)
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)

    def test_events(self):
        if not HAVE_VIRSH:
            self.skipTest('virsh is not installed')
        self.define(N('ev'))
        listeners = {}
        for tool in ('modvirt', 'virsh'):
            listeners[tool, 'all'] = self.listen(tool, '--all', '--loop', '--timeout', '12')
            listeners[tool, 'one'] = self.listen(tool, N('ev'), '--event', 'lifecycle', '--timeout', '12')
            listeners[tool, 'reboot'] = self.listen(tool, '--event', 'reboot', '--loop', '--timeout', '12')
        time.sleep(1.5)   # let every listener register
        for args in (['start', N('ev')], ['suspend', N('ev')], ['resume', N('ev')], ['reset', N('ev')], ['destroy', N('ev')],
                     ['undefine', N('ev')]):
            self.ok(*args)
            time.sleep(0.3)
        results = {}
        for key, p in listeners.items():
            out, err = p.communicate(timeout=30)
            results[key] = (p.returncode, out, err)
        for kind in ('all', 'one', 'reboot'):
            with self.subTest(kind=kind):
                self.assertEqual(results['modvirt', kind], results['virsh', kind])
        rc, out, err = results['modvirt', 'all']
        self.assertEqual(rc, 0)
        self.assertIn(f"event 'lifecycle' for domain '{N('ev')}': Started Booted\n"
                      f"event 'lifecycle' for domain '{N('ev')}': Suspended Paused\n"
                      f"event 'lifecycle' for domain '{N('ev')}': Resumed Unpaused\n", out)
        self.assertIn(f"event 'reboot' for domain '{N('ev')}'\n", out)
        self.assertIn(f"event 'lifecycle' for domain '{N('ev')}': Stopped Destroyed\n", out)
        self.assertIn(f"event 'lifecycle' for domain '{N('ev')}': Undefined Removed\n", out)
        self.assertTrue(out.endswith('event loop timed out\nevents received: %d\n\n' % out.count('event \'')))
        self.assertEqual(results['modvirt', 'one'],
                         (0, f"event 'lifecycle' for domain '{N('ev')}': Started Booted\nevents received: 1\n\n", ''))

    def test_event_errors(self):
        self.define(N('ev2'))
        for args in (['event'], ['event', '--event', 'foo'], ['event', '--all', '--event', 'lifecycle'],
                     ['event', '--list'], ['event', '--list', '--all'], ['event', '--all', '--timeout', '0'],
                     ['event', '--all', '--timeout', 'abc'], ['event', 'nosuch', '--all', '--timeout', '1'],
                     ['event', N('ev2'), '--event', 'lifecycle', '--timeout', '1'],
                     ['event', '--event', 'reboot', '--timeout', '1', '--loop']):
            with self.subTest(args=args):
                self.like_virsh(*args)

    # -- console --

    def test_console(self):
        self.define(N('con'), start=True)
        # Without a terminal on stdin virsh refuses; modvirt pipes the bytes instead, so the
        # daemon answers: this guest has no serial port.  The banner only follows an attach.
        rc, out, err = self.modvirt('console', N('con'), stdin='')
        self.assertEqual((rc, out), (1, '\n'))
        self.assertEqual(err, 'error: internal error: cannot find character device <null>\n')
        self.like_virsh('console', 'nosuch')
        self.define(N('off'))
        self.like_virsh('console', N('off'))
        # On a terminal: the banner, then the daemon's answer for a guest without serial port.
        results = []
        for tool in (MODVIRT, VIRSH if HAVE_VIRSH else None):
            if not tool:
                continue
            master, slave = pty.openpty()
            try:
                p = subprocess.run([tool, '-c', self.uri, 'console', N('con')], stdin=slave, capture_output=True,
                                   text=True, timeout=60, env=ENV)
                results.append((p.returncode, p.stdout, p.stderr))
            finally:
                os.close(slave)
                os.close(master)
        rc, out, err = results[0]
        self.assertEqual((rc, out), (1, f"Connected to domain '{N('con')}'\nEscape character is ^] (Ctrl + ])\n\n"))
        self.assertTrue(err.startswith('error: '), err)
        if len(results) == 2:
            self.assertEqual(results[0], results[1])

    # -- the interactive prompt --

    def test_interactive(self):
        path = self.xml_file(N('sh'))
        n = N('sh')
        script = (f'define {path}\nlist --all\nstart {n}\ndominfo {n}\ndomstate {n} --reason\nsuspend {n}\n'
                  f'list\nresume {n}\ndestroy {n}\nundefine {n}\nlist --all\nquit\n')
        ours = self.modvirt(stdin=script)
        self.remove_domains()
        rc, out, err = self.virsh(stdin=script)
        theirs = (rc, out.replace('virsh', 'modvirt'), err)
        # IDs, UUIDs and CPU time differ between the two runs (IDs are never reused).
        def strip_ids(result):
            rc, out, err = result
            lines = [re.sub(r'^ \d+ ', ' N ', line) for line in out.splitlines()
                     if not line.startswith(('Id:', 'UUID:', 'CPU time:'))]
            return rc, lines, err
        self.assertEqual(strip_ids(ours), strip_ids(theirs))
        self.assertIn(f"modvirt # start {n}\nDomain '{n}' started\n", ours[1])


if __name__ == '__main__':
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    QEMUD, MODVIRT = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
