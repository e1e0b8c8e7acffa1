#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's virsh against modvirt-qemud: domains on real QEMU (TCG), diskless guests that sit
in SeaBIOS (q35 and pc), through their whole life: define, start, suspend, resume, destroy,
undefine, autostart, config changes, transient guests, listings and events."""

import os
import uuid
import xml.etree.ElementTree as ET

import harness
import guest
from guest import GuestTestCase, diskless_xml


class VirshDomainsTest(GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.events = guest.EventWatcher(cls.uri, cls.root)
        except BaseException:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.events.stop()
        finally:
            super().tearDownClass()

    def define(self, name, **kw):
        path = self.write(f'{name}.xml', diskless_xml(name, **kw))
        out = self.virsh_ok('define', path)
        self.assertIn(f"Domain '{name}' defined from {path}", out)
        return path

    def wait_events(self, name, expected, timeout=20):
        """Wait until the lifecycle lines of @name contain @expected in order."""
        ok = harness.wait_until(lambda: guest.is_subsequence(expected, self.events.of(name)),
                                timeout, 0.1)
        self.assertTrue(ok, f'events of {name}: expected {expected} in this order, '
                        f'got {self.events.of(name)}')

    # ---------------------------------------------------------------- whole life

    def lifecycle(self, name, machine, canonical_prefix):
        path = self.define(name, machine=machine)
        self.assertEqual(self.listing('--all').get(name), (None, 'shut off'))
        self.assertNotIn(name, self.listing())
        self.assertEqual(self.domstate(name), 'shut off (unknown)')
        self.assertEqual(self.virsh_ok('domid', name).strip(), '-')
        u = self.virsh_ok('domuuid', name).strip()
        self.assertEqual(str(uuid.UUID(u)), u)
        self.assertEqual(self.virsh_ok('domname', u).strip(), name)

        inactive = self.virsh_ok('dumpxml', name)
        self.validate(inactive, f'{name}-inactive-before')
        root = ET.fromstring(inactive)
        self.assertIsNone(root.get('id'), 'an inactive domain has no id attribute')
        self.assertEqual(root.findtext('uuid'), u)

        out = self.virsh_ok('start', name)
        self.assertIn(f"Domain '{name}' started", out)
        listed = self.listing()
        self.assertIn(name, listed)
        dom_id, state = listed[name]
        self.assertEqual(state, 'running')
        self.assertGreater(dom_id, 0)
        self.assertEqual(self.virsh_ok('domid', name).strip(), str(dom_id))
        self.assertEqual(self.virsh_ok('domname', str(dom_id)).strip(), name)
        self.assertEqual(self.domstate(name), 'running (booted)')
        pid = self.qemu_pid_of(name)
        self.assertIsNotNone(pid, 'no status file with a pid for a running domain')
        self.assertTrue(guest.pid_alive(pid))
        self.assertIn(pid, guest.qemu_pids(self.root))

        info = guest.parse_colon(self.virsh_ok('dominfo', name))
        self.assertEqual(info['Id'], str(dom_id))
        self.assertEqual(info['Name'], name)
        self.assertEqual(info['UUID'], u)
        self.assertEqual(info['OS Type'], 'hvm')
        self.assertEqual(info['State'], 'running')
        self.assertEqual(info['CPU(s)'], '1')
        self.assertEqual(info['Max memory'], '65536 KiB')
        self.assertEqual(info['Used memory'], '65536 KiB')
        self.assertEqual(info['Persistent'], 'yes')
        self.assertEqual(info['Autostart'], 'disable')
        self.assertRegex(info['CPU time'], r'^\d+\.\ds$')

        live = self.virsh_ok('dumpxml', name)
        self.validate(live, f'{name}-live')
        root = ET.fromstring(live)
        self.assertEqual(root.get('id'), str(dom_id))
        self.assertTrue(root.find('os/type').get('machine').startswith(canonical_prefix),
                        root.find('os/type').get('machine'))
        self.assertIsNotNone(root.find('devices/*/alias'), 'live XML carries device aliases')
        inactive = self.virsh_ok('dumpxml', '--inactive', name)
        self.validate(inactive, f'{name}-inactive-running')
        self.assertIsNone(ET.fromstring(inactive).get('id'))

        self.assertIn(f"Domain '{name}' suspended", self.virsh_ok('suspend', name))
        self.assertEqual(self.domstate(name), 'paused (user)')
        self.assertEqual(self.listing('--all')[name], (dom_id, 'paused'))
        self.assertIn(f"Domain '{name}' resumed", self.virsh_ok('resume', name))
        self.assertEqual(self.domstate(name), 'running (unpaused)')

        self.assertIn(f"Domain '{name}' destroyed", self.virsh_ok('destroy', name))
        self.assertEqual(self.domstate(name), 'shut off (destroyed)')
        self.assertEqual(self.listing('--all')[name], (None, 'shut off'))
        self.assertTrue(harness.wait_until(lambda: not guest.pid_alive(pid), 10),
                        f'QEMU pid {pid} still alive after destroy')
        self.assertFalse(os.path.exists(os.path.join(self.root, f'run/modvirt/qemu/{name}.xml')),
                         'status file left after destroy')

        self.assertIn(f"Domain '{name}' has been undefined", self.virsh_ok('undefine', name))
        self.assertNotIn(name, self.listing('--all'))
        self.assertFalse(os.path.exists(os.path.join(self.root, f'etc/modvirt/qemu/{name}.xml')))
        err = self.virsh_fails('dominfo', name)
        self.assertIn(f"failed to get domain '{name}'", err)

        self.wait_events(name, ['lifecycle: Defined Added', 'lifecycle: Started Booted',
                                'lifecycle: Suspended Paused', 'lifecycle: Resumed Unpaused',
                                'lifecycle: Stopped Destroyed', 'lifecycle: Undefined Removed'])
        return path

    def test_lifecycle_q35(self):
        self.lifecycle('vq35', 'q35', 'pc-q35-')

    def test_lifecycle_pc(self):
        self.lifecycle('vpc', 'pc', 'pc-i440fx-')

    # ---------------------------------------------------------------- events, exactly

    def test_destroy_events_are_libvirts(self):
        """libvirt's destroy reports exactly one event, Stopped Destroyed: the SHUTDOWN that
        QEMU emits while being killed is not a guest or host *shutdown*."""
        name = 'vevents'
        self.define(name)
        self.virsh_ok('start', name)
        self.wait_events(name, ['lifecycle: Started Booted'])
        self.virsh_ok('destroy', name)
        self.wait_events(name, ['lifecycle: Stopped Destroyed'])
        self.virsh_ok('undefine', name)
        self.wait_events(name, ['lifecycle: Undefined Removed'])
        self.assertEqual(self.events.of(name),
                         ['lifecycle: Defined Added', 'lifecycle: Started Booted',
                          'lifecycle: Stopped Destroyed', 'lifecycle: Undefined Removed'])

    # ---------------------------------------------------------------- autostart

    def test_autostart(self):
        name = 'vauto'
        self.define(name)
        link = os.path.join(self.root, f'etc/modvirt/qemu/autostart/{name}.xml')
        self.assertFalse(os.path.lexists(link))
        self.assertIn(f'Domain \'{name}\' marked as autostarted', self.virsh_ok('autostart', name))
        self.assertTrue(os.path.islink(link), f'{link} is not a symlink')
        self.assertEqual(os.path.realpath(link),
                         os.path.realpath(os.path.join(self.root, f'etc/modvirt/qemu/{name}.xml')))
        self.assertEqual(guest.parse_colon(self.virsh_ok('dominfo', name))['Autostart'], 'enable')
        self.assertIn(name, self.virsh_ok('list', '--all', '--autostart', '--name').split())
        self.assertNotIn(name, self.virsh_ok('list', '--all', '--no-autostart', '--name').split())
        self.assertIn(f'Domain \'{name}\' unmarked as autostarted',
                      self.virsh_ok('autostart', '--disable', name))
        self.assertFalse(os.path.lexists(link))
        self.assertEqual(guest.parse_colon(self.virsh_ok('dominfo', name))['Autostart'], 'disable')
        self.virsh_ok('autostart', name)
        self.virsh_ok('undefine', name)
        self.assertFalse(os.path.lexists(link), 'undefine leaves the autostart link behind')

    # ---------------------------------------------------------------- config changes

    def test_setmem_setvcpus_config(self):
        name = 'vconf'
        self.define(name, memory_mib=128, vcpus=4)
        self.virsh_ok('setmem', name, '96M', '--config')
        self.virsh_ok('setvcpus', name, '2', '--config')
        root = ET.fromstring(self.virsh_ok('dumpxml', '--inactive', name))
        self.assertEqual(root.find('memory').text, str(128 * 1024))
        self.assertEqual(root.find('currentMemory').text, str(96 * 1024))
        self.assertEqual(root.find('vcpu').text, '4')
        self.assertEqual(root.find('vcpu').get('current'), '2')
        info = guest.parse_colon(self.virsh_ok('dominfo', name))
        self.assertEqual(info['Used memory'], f'{96 * 1024} KiB')
        self.assertEqual(info['Max memory'], f'{128 * 1024} KiB')
        self.assertEqual(info['CPU(s)'], '2')
        self.assertEqual(self.virsh_ok('vcpucount', name, '--config', '--maximum').strip(), '4')
        self.assertEqual(self.virsh_ok('vcpucount', name, '--config', '--current').strip(), '2')

        self.virsh_ok('setmaxmem', name, '80M', '--config')
        self.virsh_ok('setvcpus', name, '3', '--config', '--maximum')
        root = ET.fromstring(self.virsh_ok('dumpxml', '--inactive', name))
        self.assertEqual(root.find('memory').text, str(80 * 1024))
        self.assertEqual(root.find('currentMemory').text, str(80 * 1024))
        self.assertEqual(root.find('vcpu').text, '3')

        err = self.virsh_fails('setvcpus', name, '8', '--config')
        self.assertIn('greater than', err)
        err = self.virsh_fails('setmem', name, '200M', '--config')
        self.assertIn('error', err)

        # The changes are in the file: a daemon reading it again sees them.
        saved = ET.parse(os.path.join(self.root, f'etc/modvirt/qemu/{name}.xml')).getroot()
        self.assertEqual(saved.find('memory').text, str(80 * 1024))
        self.assertEqual(saved.find('vcpu').text, '3')

        # While it runs, --config changes the next boot only; the live XML is unchanged.
        self.virsh_ok('start', name)
        self.virsh_ok('setmem', name, '64M', '--config')
        live = ET.fromstring(self.virsh_ok('dumpxml', name))
        self.assertEqual(live.find('currentMemory').text, str(80 * 1024))
        inactive = ET.fromstring(self.virsh_ok('dumpxml', '--inactive', name))
        self.assertEqual(inactive.find('currentMemory').text, str(64 * 1024))
        self.validate(self.virsh_ok('dumpxml', '--inactive', name), f'{name}-pending')
        self.virsh_ok('destroy', name)
        after = ET.fromstring(self.virsh_ok('dumpxml', name))
        self.assertEqual(after.find('currentMemory').text, str(64 * 1024),
                         'the pending definition did not take effect when the domain stopped')
        self.virsh_ok('undefine', name)

    # ---------------------------------------------------------------- define: update, conflicts

    def test_define_update_and_conflicts(self):
        name = 'vdef'
        u = str(uuid.uuid4())
        self.define(name, uuid=u)
        self.assertEqual(self.virsh_ok('domuuid', name).strip(), u)
        # Same name and uuid: an update.
        self.define(name, uuid=u, memory_mib=80)
        self.assertEqual(self.virsh_ok('domuuid', name).strip(), u)
        self.assertEqual(ET.fromstring(self.virsh_ok('dumpxml', name)).find('memory').text,
                         str(80 * 1024))
        self.wait_events(name, ['lifecycle: Defined Added', 'lifecycle: Defined Updated'])
        # Same name, another uuid: refused, naming the uuid it has.
        other = self.write('vdef-other.xml', diskless_xml(name, uuid=str(uuid.uuid4())))
        err = self.virsh_fails('define', other)
        self.assertIn(f"domain '{name}' is already defined with uuid {u}", err)
        # Without a uuid, a fresh one is generated: the same conflict.
        nouuid = self.write('vdef-nouuid.xml', diskless_xml(name))
        self.assertIn('already defined with uuid', self.virsh_fails('define', nouuid))
        # Another name, the same uuid: refused too.
        clash = self.write('vdef-clash.xml', diskless_xml('vdef2', uuid=u))
        err = self.virsh_fails('define', clash)
        self.assertIn(f"domain '{name}' already exists with uuid {u}", err)
        self.assertNotIn('vdef2', self.listing('--all'))
        self.assertEqual(self.virsh_ok('domuuid', name).strip(), u)
        self.virsh_ok('undefine', name)

    # ---------------------------------------------------------------- transient

    def test_create_transient(self):
        name = 'vtrans'
        path = self.write(f'{name}.xml', diskless_xml(name))
        out = self.virsh_ok('create', path)
        self.assertIn(f"Domain '{name}' created from {path}", out)
        listed = self.listing()
        self.assertEqual(listed[name][1], 'running')
        info = guest.parse_colon(self.virsh_ok('dominfo', name))
        self.assertEqual(info['Persistent'], 'no')
        self.assertIn(name, self.virsh_ok('list', '--transient', '--name').split())
        self.assertNotIn(name, self.virsh_ok('list', '--all', '--persistent', '--name').split())
        self.assertFalse(os.path.exists(os.path.join(self.root, f'etc/modvirt/qemu/{name}.xml')),
                         'a transient domain has no definition file')
        self.validate(self.virsh_ok('dumpxml', name), f'{name}-live')
        self.assertIn('transient', self.virsh_fails('autostart', name))
        self.assertIn('transient', self.virsh_fails('undefine', name))
        pid = self.qemu_pid_of(name)
        self.virsh_ok('destroy', name)
        self.assertNotIn(name, self.listing('--all'))
        self.assertIn(f"failed to get domain '{name}'", self.virsh_fails('domstate', name))
        self.assertTrue(harness.wait_until(lambda: not guest.pid_alive(pid), 10))
        self.wait_events(name, ['lifecycle: Started Booted', 'lifecycle: Stopped Destroyed'])
        self.assertNotIn('lifecycle: Defined Added', self.events.of(name))

    def test_undefine_running_domain_becomes_transient(self):
        name = 'vundef'
        self.define(name)
        self.virsh_ok('start', name)
        self.virsh_ok('undefine', name)
        self.assertEqual(self.listing()[name][1], 'running')
        self.assertEqual(guest.parse_colon(self.virsh_ok('dominfo', name))['Persistent'], 'no')
        self.virsh_ok('destroy', name)
        self.assertNotIn(name, self.listing('--all'))

    # ---------------------------------------------------------------- paused starts

    def test_start_and_create_paused(self):
        name = 'vpaused'
        self.define(name)
        self.virsh_ok('start', '--paused', name)
        self.assertEqual(self.domstate(name), 'paused (user)')
        self.assertEqual(self.listing()[name][1], 'paused')
        self.validate(self.virsh_ok('dumpxml', name), f'{name}-live')
        self.virsh_ok('resume', name)
        self.assertEqual(self.domstate(name), 'running (unpaused)')
        self.virsh_ok('destroy', name)
        self.wait_events(name, ['lifecycle: Started Booted', 'lifecycle: Suspended Paused',
                                'lifecycle: Resumed Unpaused', 'lifecycle: Stopped Destroyed'])
        self.virsh_ok('undefine', name)

        tname = 'vpaused-t'
        path = self.write(f'{tname}.xml', diskless_xml(tname, machine='pc'))
        self.virsh_ok('create', '--paused', path)
        self.assertEqual(self.domstate(tname), 'paused (user)')
        self.virsh_ok('destroy', tname)
        self.assertNotIn(tname, self.listing('--all'))

    # ---------------------------------------------------------------- operations in the wrong state

    def test_wrong_state_errors(self):
        name = 'vstate'
        self.define(name)
        self.assertIn('domain is not running', self.virsh_fails('destroy', name))
        self.assertIn('domain is not running', self.virsh_fails('suspend', name))
        self.assertIn('domain is not running', self.virsh_fails('resume', name))
        self.assertIn('domain is not running', self.virsh_fails('shutdown', name))
        self.assertIn('domain is not running', self.virsh_fails('reboot', name))
        self.virsh_ok('start', name)
        # virsh checks the id itself before calling CREATE (the daemon's own answer is
        # tested through python3-libvirt).
        self.assertIn('Domain is already active', self.virsh_fails('start', name))
        self.assertEqual(self.domstate(name), 'running (booted)')
        self.virsh_ok('destroy', name)
        self.virsh_ok('undefine', name)

    # ---------------------------------------------------------------- listings

    def test_list_filters(self):
        names = {'vl-run': 'running', 'vl-pause': 'paused', 'vl-off': 'shut off'}
        for n in names:
            self.define(n)
        self.virsh_ok('start', 'vl-run')
        self.virsh_ok('start', '--paused', 'vl-pause')
        tpath = self.write('vl-trans.xml', diskless_xml('vl-trans', machine='pc'))
        self.virsh_ok('create', tpath)
        try:
            def names_of(*flags):
                return {n for n in self.virsh_ok('list', '--name', *flags).split()
                        if n.startswith('vl-')}
            self.assertEqual(names_of(), {'vl-run', 'vl-pause', 'vl-trans'})
            self.assertEqual(names_of('--all'), {'vl-run', 'vl-pause', 'vl-off', 'vl-trans'})
            self.assertEqual(names_of('--inactive'), {'vl-off'})
            self.assertEqual(names_of('--all', '--persistent'), {'vl-run', 'vl-pause', 'vl-off'})
            self.assertEqual(names_of('--all', '--transient'), {'vl-trans'})
            self.assertEqual(names_of('--all', '--state-running'), {'vl-run', 'vl-trans'})
            self.assertEqual(names_of('--all', '--state-paused'), {'vl-pause'})
            self.assertEqual(names_of('--all', '--state-shutoff'), {'vl-off'})
            self.assertEqual(names_of('--all', '--with-managed-save'), set())
            self.assertEqual(names_of('--all', '--without-snapshot'),
                             {'vl-run', 'vl-pause', 'vl-off', 'vl-trans'})
            table = self.listing('--all')
            for n, st in names.items():
                self.assertEqual(table[n][1], st)
            ids = [table[n][0] for n in ('vl-run', 'vl-pause', 'vl-trans')]
            self.assertEqual(len(set(ids)), 3, f'ids are not unique: {ids}')
            uuids = self.virsh_ok('list', '--all', '--uuid').split()
            for n in names:
                self.assertIn(self.virsh_ok('domuuid', n).strip(), uuids)
        finally:
            for n in ('vl-run', 'vl-pause', 'vl-trans'):
                self.virsh('destroy', n)
            for n in names:
                self.virsh('undefine', n)

    def test_ids_are_not_reused(self):
        name = 'vids'
        self.define(name)
        self.virsh_ok('start', name)
        first = int(self.virsh_ok('domid', name))
        self.virsh_ok('destroy', name)
        self.virsh_ok('start', name)
        second = int(self.virsh_ok('domid', name))
        self.assertGreater(second, first, 'libvirt hands out increasing ids')
        self.virsh_ok('destroy', name)
        self.virsh_ok('undefine', name)

    # ---------------------------------------------------------------- read-only

    def test_readonly_reads_but_does_not_change(self):
        name = 'vro'
        path = self.define(name)
        out = self.virsh_ok('list', '--all', '--name', readonly=True)
        self.assertIn(name, out.split())
        self.validate(self.virsh_ok('dumpxml', name, readonly=True), f'{name}-ro')
        self.virsh_ok('dominfo', name, readonly=True)
        for args in (('start', name), ('undefine', name), ('define', path),
                     ('autostart', name)):
            r = self.virsh(*args, readonly=True)
            self.assertNotEqual(r.returncode, 0, f'read-only {args} succeeded')
            self.assertIn('operation forbidden', r.stderr)
        self.assertEqual(self.domstate(name), 'shut off (unknown)')
        self.virsh_ok('undefine', name)


if __name__ == '__main__':
    harness.main()
