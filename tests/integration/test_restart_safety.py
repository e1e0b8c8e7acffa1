#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Guests outlive their daemon: kill -9 modvirt-qemud while guests run, start a new one on the
same root, and every guest is still there with its id; a guest whose QEMU died meanwhile is
shut off (crashed); a status file naming an unrelated process never makes the daemon adopt or
kill it; autostart happens once per host boot; --timeout never exits while a guest runs; and
daemons in different roots do not step on each other's guests."""

import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import harness
import guest
from guest import RootTestCase, diskless_xml, virsh


class RestartSafetyTest(RootTestCase):

    def test_kill9_restart_reattaches(self):
        d1 = self.daemon()
        for name, machine in (('rs-a', 'q35'), ('rs-b', 'pc'), ('rs-victim', 'q35')):
            self.define(d1, name, machine=machine)
            self.virsh_ok(d1, 'start', name)
        tpath = os.path.join(self.root, 'rs-trans.xml')
        with open(tpath, 'w') as f:
            f.write(diskless_xml('rs-trans'))
        self.virsh_ok(d1, 'create', tpath)
        self.virsh_ok(d1, 'suspend', 'rs-b')
        # A change for the next boot, pending while rs-a runs: it must survive the restart.
        self.virsh_ok(d1, 'setmem', 'rs-a', '48M', '--config')
        names = ('rs-a', 'rs-b', 'rs-victim', 'rs-trans')
        ids = {n: self.virsh_ok(d1, 'domid', n) for n in names}
        pids = {n: self.status_pid(n) for n in names}
        self.assertTrue(all(pids.values()), f'status files without pids: {pids}')
        victim_cgroup = self.status_cgroup('rs-victim')
        victim_cgroup_dirs = guest.cgroup_dirs_of(pids['rs-victim'])
        self.cgroup_dirs += victim_cgroup_dirs + guest.cgroup_dirs_of(pids['rs-a'])

        harness.log('kill -9 the daemon')
        d1.kill()
        for n in names:
            self.assertTrue(guest.pid_alive(pids[n]), f'QEMU of {n} died with its daemon')
        harness.log('kill the QEMU of rs-victim while no daemon runs')
        os.kill(pids['rs-victim'], signal.SIGKILL)
        self.assertTrue(harness.wait_until(lambda: not guest.pid_alive(pids['rs-victim']), 10))

        d2 = self.daemon()
        for n in ('rs-a', 'rs-b', 'rs-trans'):
            self.assertEqual(self.virsh_ok(d2, 'domid', n), ids[n], f'{n} changed its id')
            self.assertEqual(self.status_pid(n), pids[n])
            self.assertTrue(guest.pid_alive(pids[n]))
        self.assertEqual(self.virsh_ok(d2, 'domstate', '--reason', 'rs-a'), 'running (booted)')
        self.assertEqual(self.virsh_ok(d2, 'domstate', 'rs-b'), 'paused')
        self.assertEqual(self.virsh_ok(d2, 'domstate', '--reason', 'rs-victim'),
                         'shut off (crashed)')
        self.assertEqual(self.virsh_ok(d2, 'domid', 'rs-victim'), '-')
        self.assertFalse(os.path.exists(os.path.join(self.root, 'run/modvirt/qemu/rs-victim.xml')),
                         'the status file of a vanished guest stays')
        info = guest.parse_colon(self.virsh_ok(d2, 'dominfo', 'rs-trans'))
        self.assertEqual(info['Persistent'], 'no')
        self.assertEqual(info['State'], 'running')
        listed = guest.parse_list(self.virsh_ok(d2, 'list', '--all'))
        self.assertEqual(listed['rs-a'], (int(ids['rs-a']), 'running'))
        self.assertEqual(listed['rs-b'], (int(ids['rs-b']), 'paused'))
        self.assertEqual(listed['rs-trans'], (int(ids['rs-trans']), 'running'))
        self.assertEqual(listed['rs-victim'], (None, 'shut off'))

        live = ET.fromstring(self.virsh_ok(d2, 'dumpxml', 'rs-a'))
        pending = ET.fromstring(self.virsh_ok(d2, 'dumpxml', '--inactive', 'rs-a'))
        self.assertEqual(live.find('currentMemory').text, str(64 * 1024))
        self.assertEqual(pending.find('currentMemory').text, str(48 * 1024),
                         'the pending definition was lost in the restart')

        # The reattached monitors work.
        self.virsh_ok(d2, 'suspend', 'rs-a')
        self.assertEqual(self.virsh_ok(d2, 'domstate', '--reason', 'rs-a'), 'paused (user)')
        self.virsh_ok(d2, 'resume', 'rs-a')
        self.virsh_ok(d2, 'resume', 'rs-b')
        self.assertEqual(self.virsh_ok(d2, 'domstate', '--reason', 'rs-b'), 'running (unpaused)')
        for n in ('rs-a', 'rs-trans'):
            xml = self.virsh_ok(d2, 'dumpxml', n)
            self.assertEqual(ET.fromstring(xml).get('id'), ids[n])
            path = os.path.join(self.root, f'{n}-after.xml')
            with open(path, 'w') as f:
                f.write(xml)
            r = harness.run(['virt-xml-validate', path, 'domain'])
            self.assertEqual(r.returncode, 0, r.stderr)
        # New guests get ids the survivors do not have.
        self.virsh_ok(d2, 'start', 'rs-victim')
        new_id = self.virsh_ok(d2, 'domid', 'rs-victim')
        self.assertNotIn(new_id, [ids['rs-a'], ids['rs-b'], ids['rs-trans']])

        # A QEMU that dies under a running daemon: noticed at once, crashed, with an event.
        events = guest.EventWatcher(d2.uri, self.root)
        try:
            os.kill(pids['rs-a'], signal.SIGKILL)
            ok = harness.wait_until(lambda: self.virsh_ok(d2, 'domstate', '--reason', 'rs-a')
                                    == 'shut off (crashed)', 15, 0.2)
            self.assertTrue(ok, self.virsh_ok(d2, 'domstate', '--reason', 'rs-a'))
            self.assertTrue(events.wait_for("for domain 'rs-a': Stopped Failed", 10),
                            events.snapshot())
        finally:
            events.stop()

        # The transient guest goes away for good when destroyed after the restart.
        self.virsh_ok(d2, 'destroy', 'rs-trans')
        self.assertNotIn('rs-trans', self.virsh_ok(d2, 'list', '--all', '--name').split())
        self.assertFalse(guest.pid_alive(pids['rs-trans']))

        # Graceful stop (SIGTERM) keeps guests too, and a third daemon finds them.
        rc = d2.stop()
        self.assertEqual(rc, 0, 'modvirt-qemud did not exit 0 on SIGTERM')
        self.assertTrue(guest.pid_alive(pids['rs-b']), 'SIGTERM of the daemon killed a guest')
        d3 = self.daemon()
        self.assertEqual(self.virsh_ok(d3, 'domid', 'rs-b'), ids['rs-b'])
        self.assertEqual(self.virsh_ok(d3, 'domid', 'rs-victim'), new_id)
        self.virsh_ok(d3, 'destroy', 'rs-b')
        self.virsh_ok(d3, 'destroy', 'rs-victim')
        self.assertEqual(guest.qemu_pids(self.root), [])

        # The vanished guest's cgroup went with it (nobody else will ever remove it).
        if victim_cgroup_dirs:
            left = [p for p in victim_cgroup_dirs if os.path.isdir(p)]
            self.assertEqual(left, [], f'cgroup {victim_cgroup} of the guest that died while '
                             'the daemon was down is left behind')

    def test_definition_changes_survive_a_crash(self):
        """Definition changes are durable through the journal of etc/modvirt/qemu: kill -9 the
        daemon right after the calls return, throw away what an unflushed directory may lose
        in a power cut (the files of the changes, or the older states), and the next daemon
        replays them: new definitions, a changed one, an undefine, an autostart mark."""
        d1 = self.daemon()
        cfg = os.path.join(self.root, 'etc/modvirt/qemu')
        self.define(d1, 'rs-old')
        self.define(d1, 'rs-gone')
        self.virsh_ok(d1, 'autostart', 'rs-gone')
        # Written and flushed: a clean checkpoint of the journal (an idle one takes 2 s).
        with open(os.path.join(cfg, 'rs-old.xml')) as f:
            old_xml = f.read()
        with open(os.path.join(cfg, 'rs-gone.xml')) as f:
            gone_xml = f.read()
        self.assertTrue(harness.wait_until(lambda: self.journal_epoch() > 1, 10),
                        'the idle journal was never checkpointed')
        for n in ('rs-new1', 'rs-new2'):
            self.define(d1, n)
        self.virsh_ok(d1, 'setmem', 'rs-old', '40M', '--config')
        self.virsh_ok(d1, 'autostart', 'rs-new2')
        self.virsh_ok(d1, 'undefine', 'rs-gone')
        d1.kill()

        # What a power cut may do to unflushed directory changes: undo them all.
        for n in ('rs-new1', 'rs-new2'):
            os.unlink(os.path.join(cfg, f'{n}.xml'))
        os.unlink(os.path.join(cfg, 'autostart/rs-new2.xml'))
        with open(os.path.join(cfg, 'rs-old.xml'), 'w') as f:
            f.write(old_xml)
        with open(os.path.join(cfg, 'rs-gone.xml'), 'w') as f:
            f.write(gone_xml)
        os.symlink(os.path.join(cfg, 'rs-gone.xml'), os.path.join(cfg, 'autostart/rs-gone.xml'))

        d2 = self.daemon()
        self.assertIn('replayed 6 changes from the journal', d2.log())
        names = self.virsh_ok(d2, 'list', '--all', '--name').split()
        self.assertEqual(sorted(names), ['rs-new1', 'rs-new2', 'rs-old'])
        pending = ET.fromstring(self.virsh_ok(d2, 'dumpxml', '--inactive', 'rs-old'))
        self.assertEqual(pending.find('currentMemory').text, str(40 * 1024))
        self.assertEqual(self.virsh_ok(d2, 'dominfo', 'rs-new2').split('Autostart:')[1].split()[0],
                         'enable')
        self.assertFalse(os.path.lexists(os.path.join(cfg, 'autostart/rs-gone.xml')))

    def journal_epoch(self):
        with open(os.path.join(self.root, 'etc/modvirt/qemu/.journal'), 'rb') as f:
            head = f.read(16)
        return int.from_bytes(head[8:16], 'little')

    def test_status_pid_of_unrelated_process(self):
        """A status file whose pid now belongs to something else (pid reuse): the daemon
        neither adopts nor kills that process; the domain is shut off (crashed)."""
        d1 = self.daemon()
        self.define(d1, 'rs-reuse')
        self.virsh_ok(d1, 'start', 'rs-reuse')
        pid = self.status_pid('rs-reuse')
        self.cgroup_dirs += guest.cgroup_dirs_of(pid)
        d1.kill()
        os.kill(pid, signal.SIGKILL)
        harness.wait_until(lambda: not guest.pid_alive(pid), 10)
        other = subprocess.Popen(['sleep', '300'])
        try:
            path = os.path.join(self.root, 'run/modvirt/qemu/rs-reuse.xml')
            text = guest.read_text(path)
            with open(path, 'w') as f:
                f.write(re.sub(r"(<domstatus[^>]*\spid=')\d+'", rf"\g<1>{other.pid}'", text, 1))
            d2 = self.daemon()
            self.assertEqual(self.virsh_ok(d2, 'domstate', '--reason', 'rs-reuse'),
                             'shut off (crashed)')
            time.sleep(0.5)
            self.assertIsNone(other.poll(), 'the daemon killed an unrelated process')
            self.virsh_ok(d2, 'start', 'rs-reuse')
            self.virsh_ok(d2, 'destroy', 'rs-reuse')
            self.assertIsNone(other.poll(), 'the daemon killed an unrelated process')
        finally:
            other.kill()
            other.wait()

    def test_timeout_never_exits_with_running_guest(self):
        d1 = self.daemon(args=['--timeout', '2'])
        self.define(d1, 'rs-idle')
        self.virsh_ok(d1, 'start', 'rs-idle')
        time.sleep(5)
        self.assertTrue(d1.running(), 'the daemon exited on --timeout while a guest runs')
        # A daemon started (with --timeout) on a root whose guest runs reattaches and stays.
        d1.kill()
        d2 = self.daemon(args=['--timeout', '2'])
        time.sleep(5)
        self.assertTrue(d2.running(), 'the daemon exited on --timeout with a reattached guest')
        self.assertEqual(self.virsh_ok(d2, 'domstate', 'rs-idle'), 'running')
        self.virsh_ok(d2, 'destroy', 'rs-idle')
        rc = d2.wait_exit(15)
        self.assertEqual(rc, 0, 'the daemon did not exit 0 on --timeout once the guest was gone')

    def test_autostart_once_per_boot(self):
        d1 = self.daemon()
        self.define(d1, 'rs-auto')
        self.virsh_ok(d1, 'autostart', 'rs-auto')
        d1.stop()
        # A fresh start of the daemon after a "host boot": forget the marker.
        marker = os.path.join(self.root, 'run/modvirt/qemu/autostarted')
        if os.path.exists(marker):
            os.unlink(marker)
        d2 = self.daemon()
        ok = harness.wait_until(lambda: self.virsh_ok(d2, 'domstate', 'rs-auto') == 'running', 20)
        self.assertTrue(ok, 'the autostart domain was not started')
        self.virsh_ok(d2, 'destroy', 'rs-auto')
        d2.kill()
        d3 = self.daemon()
        time.sleep(1.5)
        self.assertEqual(self.virsh_ok(d3, 'domstate', 'rs-auto'), 'shut off',
                         'autostart ran again in the same host boot')


class SideBySideTest(RootTestCase):
    """Tests and demos run daemons side by side in temporary roots (DESIGN §1)."""

    def test_two_roots_same_domain_name(self):
        other_root = harness.make_root()
        try:
            d1 = self.daemon()
            d2 = self.daemon(root=other_root)
            for d in (d1, d2):
                self.define(d, 'same')
            self.virsh_ok(d1, 'start', 'same')
            r = virsh(d2.uri, 'start', 'same')
            self.assertEqual(r.returncode, 0, 'a guest of the same name and id in another root '
                             f'cannot start: {r.stderr.strip()}')
            self.assertEqual(self.virsh_ok(d1, 'domstate', 'same'), 'running')
            self.assertEqual(self.virsh_ok(d2, 'domstate', 'same'), 'running')
            self.virsh_ok(d1, 'destroy', 'same')
            self.assertEqual(self.virsh_ok(d2, 'domstate', 'same'), 'running',
                             'destroying a guest in one root touched the other root\'s guest')
            self.virsh_ok(d2, 'destroy', 'same')
        finally:
            for d in self.daemons:
                if d.root == other_root:
                    d.kill()
            guest.kill_qemus(other_root)
            shutil.rmtree(other_root, ignore_errors=True)


if __name__ == '__main__':
    harness.main()
