#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""python3-libvirt 9.0 against modvirt-qemud: domains on real QEMU (TCG) as a management
application drives them: define, start paused, info/state, XML, listings with filters,
lookups, autostart, lifecycle and reboot events through libvirt's own event loop, and the
error codes applications branch on."""

import os
import threading
import uuid as uuidlib
import xml.etree.ElementTree as ET

import libvirt

import harness
import guest
from guest import GuestTestCase, diskless_xml

L = libvirt
EV = {  # lifecycle event names and details as (event, detail) pairs, for readable messages
    'DEFINED_ADDED': (L.VIR_DOMAIN_EVENT_DEFINED, L.VIR_DOMAIN_EVENT_DEFINED_ADDED),
    'DEFINED_UPDATED': (L.VIR_DOMAIN_EVENT_DEFINED, L.VIR_DOMAIN_EVENT_DEFINED_UPDATED),
    'UNDEFINED_REMOVED': (L.VIR_DOMAIN_EVENT_UNDEFINED, L.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED),
    'STARTED_BOOTED': (L.VIR_DOMAIN_EVENT_STARTED, L.VIR_DOMAIN_EVENT_STARTED_BOOTED),
    'SUSPENDED_PAUSED': (L.VIR_DOMAIN_EVENT_SUSPENDED, L.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
    'RESUMED_UNPAUSED': (L.VIR_DOMAIN_EVENT_RESUMED, L.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
    'STOPPED_DESTROYED': (L.VIR_DOMAIN_EVENT_STOPPED, L.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
    'STOPPED_SHUTDOWN': (L.VIR_DOMAIN_EVENT_STOPPED, L.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN),
    'STOPPED_CRASHED': (L.VIR_DOMAIN_EVENT_STOPPED, L.VIR_DOMAIN_EVENT_STOPPED_CRASHED),
    'STOPPED_FAILED': (L.VIR_DOMAIN_EVENT_STOPPED, L.VIR_DOMAIN_EVENT_STOPPED_FAILED),
    'SHUTDOWN_FINISHED': (L.VIR_DOMAIN_EVENT_SHUTDOWN, L.VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED),
    'SHUTDOWN_GUEST': (L.VIR_DOMAIN_EVENT_SHUTDOWN, L.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
    'SHUTDOWN_HOST': (L.VIR_DOMAIN_EVENT_SHUTDOWN, L.VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
}
NAMES = {v: k for k, v in EV.items()}

_loop_started = False


def start_event_loop():
    """libvirt's default event loop in a daemon thread (must precede libvirt.open)."""
    global _loop_started
    if _loop_started:
        return
    libvirt.virEventRegisterDefaultImpl()

    def run():
        while True:
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=run, name='libvirt-event-loop', daemon=True).start()
    _loop_started = True


class PythonDomainsTest(GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            libvirt.registerErrorHandler(lambda ctx, err: None, None)
            start_event_loop()
            cls.conn = libvirt.open(cls.uri)
            cls.ro = libvirt.openReadOnly(cls.daemon.uri_ro)
            cls.cond = threading.Condition()
            cls.lifecycle = []     # (name, event, detail)
            cls.reboots = []       # names
            cls.cb_ids = [
                cls.conn.domainEventRegisterAny(None, L.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                cls._on_lifecycle, None),
                cls.conn.domainEventRegisterAny(None, L.VIR_DOMAIN_EVENT_ID_REBOOT,
                                                cls._on_reboot, None),
            ]
        except BaseException:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for cid in cls.cb_ids:
                cls.conn.domainEventDeregisterAny(cid)
            cls.conn.close()
            cls.ro.close()
        finally:
            super().tearDownClass()

    @classmethod
    def _on_lifecycle(cls, conn, dom, event, detail, opaque):
        with cls.cond:
            cls.lifecycle.append((dom.name(), event, detail))
            cls.cond.notify_all()

    @classmethod
    def _on_reboot(cls, conn, dom, opaque):
        with cls.cond:
            cls.reboots.append(dom.name())
            cls.cond.notify_all()

    def events_of(self, name):
        with self.cond:
            return [NAMES.get((e, d), f'{e}/{d}') for n, e, d in self.lifecycle if n == name]

    def wait_events(self, name, expected, timeout=20):
        with self.cond:
            self.cond.wait_for(lambda: guest.is_subsequence(expected, self.events_of_locked(name)),
                               timeout)
        self.assertTrue(guest.is_subsequence(expected, self.events_of(name)),
                        f'lifecycle events of {name}: expected {expected} in order, '
                        f'got {self.events_of(name)}')

    def events_of_locked(self, name):
        return [NAMES.get((e, d), f'{e}/{d}') for n, e, d in self.lifecycle if n == name]

    def assertLibvirtError(self, code, fn, *args, contains=None):
        with self.assertRaises(libvirt.libvirtError) as cm:
            fn(*args)
        e = cm.exception
        self.assertEqual(e.get_error_code(), code,
                         f'error code {e.get_error_code()} ({e}) instead of {code}')
        if contains:
            self.assertIn(contains, str(e))
        return e

    # ---------------------------------------------------------------- whole life

    def test_define_start_paused_info_state_xml(self):
        name = 'pylife'
        dom = self.conn.defineXML(diskless_xml(name, memory_mib=64, vcpus=2))
        self.assertEqual(dom.name(), name)
        u = dom.UUIDString()
        self.assertEqual(str(uuidlib.UUID(u)), u)
        self.assertEqual(dom.UUID(), uuidlib.UUID(u).bytes)
        self.assertEqual(dom.ID(), -1)
        self.assertFalse(dom.isActive())
        self.assertTrue(dom.isPersistent())
        self.assertFalse(dom.isUpdated())
        self.assertEqual(dom.state(), [L.VIR_DOMAIN_SHUTOFF, L.VIR_DOMAIN_SHUTOFF_UNKNOWN])
        self.assertEqual(dom.info()[:4], [L.VIR_DOMAIN_SHUTOFF, 65536, 65536, 2])
        self.assertEqual(dom.OSType(), 'hvm')
        self.assertEqual(dom.maxMemory(), 65536)
        self.assertEqual(dom.hasManagedSaveImage(), 0)
        self.assertEqual(dom.snapshotNum(), 0)
        self.assertEqual(dom.vcpusFlags(L.VIR_DOMAIN_AFFECT_CONFIG | L.VIR_DOMAIN_VCPU_MAXIMUM), 2)
        self.validate(dom.XMLDesc(0), f'{name}-inactive')

        self.assertEqual(dom.createWithFlags(L.VIR_DOMAIN_START_PAUSED), 0)
        self.assertTrue(dom.isActive())
        self.assertGreater(dom.ID(), 0)
        self.assertEqual(dom.state(), [L.VIR_DOMAIN_PAUSED, L.VIR_DOMAIN_PAUSED_USER])
        dom.resume()
        self.assertEqual(dom.state(), [L.VIR_DOMAIN_RUNNING, L.VIR_DOMAIN_RUNNING_UNPAUSED])
        state, maxmem, mem, ncpu, cputime = dom.info()
        self.assertEqual((state, maxmem, mem, ncpu), (L.VIR_DOMAIN_RUNNING, 65536, 65536, 2))
        # SeaBIOS runs on TCG for a while: some CPU time must show.
        self.assertTrue(harness.wait_until(lambda: dom.info()[4] > 0, 5),
                        'cpuTime stays 0 for a running guest')
        self.assertIsNotNone(self.qemu_pid_of(name))

        live = dom.XMLDesc(0)
        self.validate(live, f'{name}-live')
        self.assertEqual(ET.fromstring(live).get('id'), str(dom.ID()))
        inactive = dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE)
        self.validate(inactive, f'{name}-inactive-running')
        self.assertIsNone(ET.fromstring(inactive).get('id'))
        self.validate(dom.XMLDesc(L.VIR_DOMAIN_XML_SECURE), f'{name}-secure')

        # Lookups, by every key.
        self.assertEqual(self.conn.lookupByID(dom.ID()).name(), name)
        self.assertEqual(self.conn.lookupByUUIDString(u).ID(), dom.ID())
        self.assertEqual(self.conn.lookupByUUID(dom.UUID()).name(), name)
        self.assertEqual(self.conn.lookupByName(name).UUIDString(), u)
        self.assertEqual(self.ro.lookupByName(name).state()[0], L.VIR_DOMAIN_RUNNING)

        self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.create,
                                contains='domain is already running')
        dom.suspend()
        self.assertEqual(dom.state(), [L.VIR_DOMAIN_PAUSED, L.VIR_DOMAIN_PAUSED_USER])
        dom.resume()
        dom.destroy()
        self.assertFalse(dom.isActive())
        self.assertEqual(dom.ID(), -1)
        self.assertEqual(dom.state(), [L.VIR_DOMAIN_SHUTOFF, L.VIR_DOMAIN_SHUTOFF_DESTROYED])
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByID, 999999)
        dom.undefine()
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByName, name)
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByUUIDString, u)
        self.wait_events(name, ['DEFINED_ADDED', 'STARTED_BOOTED', 'SUSPENDED_PAUSED',
                                'RESUMED_UNPAUSED', 'SUSPENDED_PAUSED', 'RESUMED_UNPAUSED',
                                'STOPPED_DESTROYED', 'UNDEFINED_REMOVED'])

    def test_start_paused_events(self):
        """A paused start is Started Booted followed by Suspended Paused, as libvirt sends;
        destroying it is Stopped Destroyed alone (no Shutdown event: nobody shut it down)."""
        name = 'pypaused'
        dom = self.conn.defineXML(diskless_xml(name, machine='pc'))
        dom.createWithFlags(L.VIR_DOMAIN_START_PAUSED)
        self.wait_events(name, ['DEFINED_ADDED', 'STARTED_BOOTED', 'SUSPENDED_PAUSED'])
        dom.destroy()
        dom.undefine()
        self.wait_events(name, ['STOPPED_DESTROYED', 'UNDEFINED_REMOVED'])
        self.assertEqual(self.events_of(name),
                         ['DEFINED_ADDED', 'STARTED_BOOTED', 'SUSPENDED_PAUSED',
                          'STOPPED_DESTROYED', 'UNDEFINED_REMOVED'])

    def test_reset_sends_reboot_event(self):
        name = 'pyreset'
        dom = self.conn.defineXML(diskless_xml(name))
        dom.create()
        with self.cond:
            before = self.reboots.count(name)
        dom.reset()
        with self.cond:
            self.cond.wait_for(lambda: self.reboots.count(name) > before, 10)
            n = self.reboots.count(name)
        self.assertGreater(n, before, 'no reboot event after virDomainReset')
        self.assertEqual(dom.state()[0], L.VIR_DOMAIN_RUNNING)
        dom.destroy()
        dom.undefine()

    def test_transient_domain(self):
        name = 'pytrans'
        dom = self.conn.createXML(diskless_xml(name), L.VIR_DOMAIN_START_PAUSED)
        self.assertTrue(dom.isActive())
        self.assertFalse(dom.isPersistent())
        self.assertEqual(dom.state(), [L.VIR_DOMAIN_PAUSED, L.VIR_DOMAIN_PAUSED_USER])
        self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.setAutostart, 1)
        self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.undefine)
        dom.destroy()
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByName, name)
        self.wait_events(name, ['STARTED_BOOTED', 'SUSPENDED_PAUSED', 'STOPPED_DESTROYED'])
        # Defining a running transient domain makes it persistent.
        dom = self.conn.createXML(diskless_xml(name), 0)
        u = dom.UUIDString()
        self.conn.defineXML(diskless_xml(name, uuid=u))
        self.assertTrue(dom.isPersistent())
        dom.destroy()
        self.assertEqual(self.conn.lookupByName(name).state()[0], L.VIR_DOMAIN_SHUTOFF)
        self.conn.lookupByName(name).undefine()

    # ---------------------------------------------------------------- autostart

    def test_autostart(self):
        name = 'pyauto'
        dom = self.conn.defineXML(diskless_xml(name))
        self.assertEqual(dom.autostart(), 0)
        dom.setAutostart(1)
        self.assertEqual(dom.autostart(), 1)
        link = os.path.join(self.root, f'etc/modvirt/qemu/autostart/{name}.xml')
        self.assertTrue(os.path.islink(link))
        names = {d.name() for d in self.conn.listAllDomains(L.VIR_CONNECT_LIST_DOMAINS_AUTOSTART)}
        self.assertIn(name, names)
        names = {d.name() for d in self.conn.listAllDomains(L.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART)}
        self.assertNotIn(name, names)
        dom.setAutostart(0)
        self.assertEqual(dom.autostart(), 0)
        self.assertFalse(os.path.lexists(link))
        self.assertLibvirtError(L.VIR_ERR_OPERATION_DENIED,
                                self.ro.lookupByName(name).setAutostart, 1)
        dom.undefine()

    # ---------------------------------------------------------------- listings

    def test_list_all_domains_filters(self):
        made = {}
        made['pl-run'] = self.conn.defineXML(diskless_xml('pl-run'))
        made['pl-run'].create()
        made['pl-pause'] = self.conn.defineXML(diskless_xml('pl-pause'))
        made['pl-pause'].createWithFlags(L.VIR_DOMAIN_START_PAUSED)
        made['pl-off'] = self.conn.defineXML(diskless_xml('pl-off'))
        made['pl-trans'] = self.conn.createXML(diskless_xml('pl-trans', machine='pc'), 0)
        try:
            def names(flags):
                return {d.name() for d in self.conn.listAllDomains(flags)
                        if d.name().startswith('pl-')}
            F = L
            everything = {'pl-run', 'pl-pause', 'pl-off', 'pl-trans'}
            self.assertEqual(names(0), everything)
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_ACTIVE), everything - {'pl-off'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_INACTIVE), {'pl-off'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_PERSISTENT), everything - {'pl-trans'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_TRANSIENT), {'pl-trans'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_RUNNING), {'pl-run', 'pl-trans'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_PAUSED), {'pl-pause'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_SHUTOFF), {'pl-off'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_OTHER), set())
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_ACTIVE |
                                   F.VIR_CONNECT_LIST_DOMAINS_PERSISTENT), {'pl-run', 'pl-pause'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_RUNNING |
                                   F.VIR_CONNECT_LIST_DOMAINS_PAUSED),
                             {'pl-run', 'pl-pause', 'pl-trans'})
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE), set())
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE), everything)
            self.assertEqual(names(F.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT), set())
            # The domains that come back carry their ids.
            for d in self.conn.listAllDomains(F.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                if d.name() in made:
                    self.assertEqual(d.ID(), made[d.name()].ID())
            # The legacy calls, as older tools make them.
            ids = self.conn.listDomainsID()
            self.assertEqual(self.conn.numOfDomains(), len(ids))
            for n in ('pl-run', 'pl-pause', 'pl-trans'):
                self.assertIn(made[n].ID(), ids)
            defined = self.conn.listDefinedDomains()
            self.assertEqual(self.conn.numOfDefinedDomains(), len(defined))
            self.assertIn('pl-off', defined)
            self.assertNotIn('pl-run', defined)
            # Read-only connections may list.
            self.assertIn('pl-off', {d.name() for d in self.ro.listAllDomains(0)})
        finally:
            for n, d in made.items():
                try:
                    d.destroy()
                except libvirt.libvirtError:
                    pass
                if n != 'pl-trans':
                    d.undefine()

    # ---------------------------------------------------------------- config changes

    def test_config_changes(self):
        name = 'pyconf'
        dom = self.conn.defineXML(diskless_xml(name, memory_mib=128, vcpus=4))
        dom.setMemoryFlags(64 * 1024, L.VIR_DOMAIN_AFFECT_CONFIG)
        dom.setVcpusFlags(2, L.VIR_DOMAIN_AFFECT_CONFIG)
        root = ET.fromstring(dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE))
        self.assertEqual(root.find('currentMemory').text, str(64 * 1024))
        self.assertEqual(root.find('vcpu').get('current'), '2')
        self.assertEqual(dom.vcpusFlags(L.VIR_DOMAIN_AFFECT_CONFIG), 2)
        self.assertEqual(dom.info()[2], 64 * 1024)
        self.assertLibvirtError(L.VIR_ERR_INVALID_ARG, dom.setVcpusFlags, 5,
                                L.VIR_DOMAIN_AFFECT_CONFIG)
        # The live guest is not running: AFFECT_LIVE is invalid.
        self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.setMemoryFlags, 32 * 1024,
                                L.VIR_DOMAIN_AFFECT_LIVE)
        dom.undefine()

    # ---------------------------------------------------------------- errors

    def test_error_codes(self):
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByName, 'py-no-such',
                                contains="'py-no-such'")
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByUUIDString,
                                str(uuidlib.uuid4()))
        e = self.assertLibvirtError(L.VIR_ERR_XML_DETAIL, self.conn.defineXML,
                                    "<domain type='qemu'><name>x</name>")
        self.assertIn('domain_definition', str(e))
        self.assertLibvirtError(L.VIR_ERR_XML_ERROR, self.conn.defineXML,
                                diskless_xml('pyunk', extra='\n  <frobnicate/>'),
                                contains='frobnicate')
        self.assertLibvirtError(L.VIR_ERR_XML_ERROR, self.conn.defineXML,
                                "<domain type='qemu'><memory>65536</memory></domain>")
        self.assertLibvirtError(L.VIR_ERR_OPERATION_DENIED, self.ro.defineXML,
                                diskless_xml('pyro'))
        self.assertLibvirtError(L.VIR_ERR_OPERATION_DENIED, self.ro.createXML,
                                diskless_xml('pyro'), 0)
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByName, 'pyro')
        self.assertLibvirtError(L.VIR_ERR_NO_DOMAIN, self.conn.lookupByName, 'pyunk')

        dom = self.conn.defineXML(diskless_xml('pyerr'))
        try:
            self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.destroy,
                                    contains='domain is not running')
            self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.suspend)
            self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.resume)
            self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.shutdown)
            self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.reboot, 0)
            self.assertLibvirtError(L.VIR_ERR_OPERATION_INVALID, dom.reset, 0)
            self.assertLibvirtError(L.VIR_ERR_INVALID_ARG, dom.destroyFlags, 0x1000)
            ro_dom = self.ro.lookupByName('pyerr')
            self.assertLibvirtError(L.VIR_ERR_OPERATION_DENIED, ro_dom.create)
            self.assertLibvirtError(L.VIR_ERR_OPERATION_DENIED, ro_dom.undefine)
            self.assertEqual(ro_dom.state()[0], L.VIR_DOMAIN_SHUTOFF)
            # The same name with another uuid; the same uuid under another name.
            self.assertLibvirtError(L.VIR_ERR_OPERATION_FAILED, self.conn.defineXML,
                                    diskless_xml('pyerr', uuid=str(uuidlib.uuid4())),
                                    contains='already defined with uuid')
            self.assertLibvirtError(L.VIR_ERR_OPERATION_FAILED, self.conn.defineXML,
                                    diskless_xml('pyerr2', uuid=dom.UUIDString()),
                                    contains='already exists')
            # createXML of a name that is defined (inactive) under another uuid.
            with self.assertRaises(libvirt.libvirtError):
                self.conn.createXML(diskless_xml('pyerr', uuid=str(uuidlib.uuid4())), 0)
            self.assertFalse(dom.isActive())
        finally:
            dom.undefine()

    def test_connection_survives_domain_churn(self):
        """Many quick define/start/destroy/undefine cycles on one connection with events on."""
        for i in range(5):
            name = f'pychurn{i}'
            dom = self.conn.defineXML(diskless_xml(name, machine='pc' if i % 2 else 'q35'))
            dom.create()
            dom.destroy()
            dom.undefine()
        for i in range(5):
            self.wait_events(f'pychurn{i}', ['DEFINED_ADDED', 'STARTED_BOOTED',
                                             'STOPPED_DESTROYED', 'UNDEFINED_REMOVED'])
        self.assertEqual(self.conn.isAlive(), 1)
        self.assertEqual([p for p in guest.qemu_pids(self.root)
                          if 'pychurn' in guest.read_text(f'/proc/{p}/cmdline')], [])


if __name__ == '__main__':
    harness.main()
