#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real Linux guest (Debian's cloud kernel + a busybox initramfs, direct kernel boot, 96 MiB,
TCG) under modvirt-qemud: it boots to a marker on its serial port (a file), reacts to the ACPI
power button for `virsh shutdown`, and reboots for `virsh reboot`, with libvirt's events."""

import os

import libvirt

import harness
import guest
from guest import GuestTestCase, RootTestCase, MARKER_BOOT, MARKER_POWEROFF

BOOT_TIMEOUT = 120     # about 3-5 s alone; TCG on a loaded 2-core machine is much slower


class KernelGuestTest(GuestTestCase):

    @classmethod
    def setUpClass(cls):
        cls.image = guest.linux_guest()
        harness.log(f'guest image: {cls.image}')
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

    def boot(self, name, machine):
        serial = os.path.join(self.root, f'{name}-serial.log')
        path = self.write(f'{name}.xml', guest.linux_xml(name, self.image, serial, machine=machine))
        self.virsh_ok('define', path)
        self.validate(self.virsh_ok('dumpxml', '--inactive', name), f'{name}-inactive')
        self.virsh_ok('start', name)
        self.validate(self.virsh_ok('dumpxml', name), f'{name}-live')
        seen = guest.wait_marker(serial, MARKER_BOOT, 1, BOOT_TIMEOUT)
        self.assertEqual(seen, 1, f'{name} did not boot to its marker within {BOOT_TIMEOUT}s; '
                         f'serial:\n{guest.read_text(serial)[-3000:]}\nQEMU log:\n'
                         f'{guest.read_text(os.path.join(self.root, "var/log/modvirt/qemu", name + ".log"))}')
        return serial

    def wait_state(self, name, want, timeout=30):
        ok = harness.wait_until(lambda: self.domstate(name) == want, timeout, 0.2)
        self.assertTrue(ok, f'{name}: state {self.domstate(name)!r}, expected {want!r}')

    def wait_events(self, name, expected, timeout=30):
        ok = harness.wait_until(lambda: guest.is_subsequence(expected, self.events.of(name)),
                                timeout, 0.1)
        self.assertTrue(ok, f'events of {name}: expected {expected} in this order, '
                        f'got {self.events.of(name)}')

    def test_acpi_shutdown(self):
        name = 'kshut'
        serial = self.boot(name, 'q35')
        pid = self.qemu_pid_of(name)
        self.assertEqual(self.domstate(name), 'running (booted)')
        out = self.virsh_ok('shutdown', name)
        self.assertIn(f"Domain '{name}' is being shutdown", out)
        self.assertEqual(guest.wait_marker(serial, MARKER_POWEROFF, 1, 60), 1,
                         'the guest\'s acpid never saw the power button')
        self.wait_state(name, 'shut off (shutdown)')
        self.assertTrue(harness.wait_until(lambda: not guest.pid_alive(pid), 10),
                        f'QEMU {pid} still runs after the guest powered off')
        self.assertFalse(os.path.exists(os.path.join(self.root, f'run/modvirt/qemu/{name}.xml')))
        self.assertEqual(guest.parse_colon(self.virsh_ok('dominfo', name))['Persistent'], 'yes')
        self.wait_events(name, ['lifecycle: Started Booted',
                                'lifecycle: Shutdown Finished after guest request',
                                'lifecycle: Stopped Shutdown'])
        # Exactly libvirt's sequence: the daemon's own `quit` after the guest powered off is
        # not a second shutdown (libvirt ignores repeated SHUTDOWN events).
        self.assertEqual(self.events.of(name),
                         ['lifecycle: Defined Added', 'lifecycle: Started Booted',
                          'lifecycle: Shutdown Finished after guest request',
                          'lifecycle: Stopped Shutdown'])

    def test_reboot(self):
        name = 'kreboot'
        serial = self.boot(name, 'pc')
        pid = self.qemu_pid_of(name)
        out = self.virsh_ok('reboot', name)
        self.assertIn(f"Domain '{name}' is being rebooted", out)
        self.assertEqual(guest.wait_marker(serial, MARKER_POWEROFF, 1, 60), 1,
                         'the guest\'s acpid never saw the power button')
        self.assertEqual(guest.wait_marker(serial, MARKER_BOOT, 2, BOOT_TIMEOUT), 2,
                         f'the guest did not boot a second time; serial:\n{guest.read_text(serial)}')
        self.wait_events(name, ['lifecycle: Started Booted', 'reboot'])
        self.assertEqual(self.domstate(name).split(' (')[0], 'running')
        self.assertEqual(self.qemu_pid_of(name), pid, 'a reboot keeps the same QEMU process')
        self.assertTrue(guest.pid_alive(pid))
        # A rebooted guest still shuts down on request.
        self.virsh_ok('shutdown', name)
        self.wait_state(name, 'shut off (shutdown)', 60)
        # libvirt's reboot is invisible in the lifecycle events (state stays running): the
        # guest's ACPI power-off and QEMU's pause during the reset are not reported.
        lifecycle = [e for e in self.events.of(name) if e.startswith('lifecycle')]
        self.assertEqual(lifecycle,
                         ['lifecycle: Defined Added', 'lifecycle: Started Booted',
                          'lifecycle: Shutdown Finished after guest request',
                          'lifecycle: Stopped Shutdown'],
                         f'all events: {self.events.of(name)}')

    def test_python_acpi_power_button(self):
        """The same through python3-libvirt with the ACPI flag, and the reason in state()."""
        name = 'kpy'
        serial = self.boot(name, 'q35')
        conn = libvirt.open(self.uri)
        try:
            dom = conn.lookupByName(name)
            self.assertEqual(dom.state(), [libvirt.VIR_DOMAIN_RUNNING,
                                           libvirt.VIR_DOMAIN_RUNNING_BOOTED])
            dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)
            self.assertEqual(guest.wait_marker(serial, MARKER_POWEROFF, 1, 60), 1)
            ok = harness.wait_until(lambda: dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF, 30)
            self.assertTrue(ok, f'state {dom.state()}')
            self.assertEqual(dom.state(), [libvirt.VIR_DOMAIN_SHUTOFF,
                                           libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN])
            with self.assertRaises(libvirt.libvirtError) as cm:
                dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT)
            self.assertIn(cm.exception.get_error_code(),
                          (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_OPERATION_INVALID,
                           libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED))
        finally:
            conn.close()


class KernelGuestRestartTest(RootTestCase):
    """The guest's power button still works through a monitor the daemon reattached to."""

    def test_shutdown_after_daemon_kill9(self):
        image = guest.linux_guest()
        name = 'krestart'
        serial = os.path.join(self.root, f'{name}-serial.log')
        d1 = self.daemon()
        self.define(d1, name, xml=guest.linux_xml(name, image, serial))
        self.virsh_ok(d1, 'start', name)
        self.assertEqual(guest.wait_marker(serial, MARKER_BOOT, 1, BOOT_TIMEOUT), 1,
                         f'no boot marker; serial:\n{guest.read_text(serial)[-3000:]}')
        pid = self.status_pid(name)
        d1.kill()
        d2 = self.daemon()
        self.assertEqual(self.virsh_ok(d2, 'domstate', '--reason', name), 'running (booted)')
        self.assertEqual(self.status_pid(name), pid)
        events = guest.EventWatcher(d2.uri, self.root)
        try:
            self.virsh_ok(d2, 'shutdown', name)
            self.assertEqual(guest.wait_marker(serial, MARKER_POWEROFF, 1, 60), 1)
            ok = harness.wait_until(lambda: self.virsh_ok(d2, 'domstate', '--reason', name)
                                    == 'shut off (shutdown)', 30, 0.2)
            self.assertTrue(ok, self.virsh_ok(d2, 'domstate', '--reason', name))
            self.assertTrue(events.wait_for(f"for domain '{name}': Stopped Shutdown", 10),
                            events.snapshot())
            self.assertTrue(harness.wait_until(lambda: not guest.pid_alive(pid), 10))
        finally:
            events.stop()


if __name__ == '__main__':
    harness.main()
