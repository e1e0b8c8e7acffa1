#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What goes wrong with domains goes wrong clearly: broken XML, unknown elements, bad values,
a missing or bogus emulator, a QEMU that exits at start (its own message comes back, no process
stays behind, the definition is untouched, the domain is shut off (failed)), and the daemon
lives on through all of it."""

import glob
import os
import signal
import threading
import time

import libvirt

import harness
import guest
from guest import GuestTestCase, diskless_xml

EMU = guest.EMULATOR


class DomainErrorsTest(GuestTestCase):

    def tearDown(self):
        self.assertTrue(self.daemon.running(),
                        f'modvirt-qemud died (exit status {self.daemon.proc.poll()})')

    def define_fails(self, name, xml):
        """virsh define of @xml fails; nothing named @name appears.  Returns virsh's stderr."""
        path = self.write(f'{name}.xml', xml)
        err = self.virsh_fails('define', path)
        self.assertIn(f'Failed to define domain from {path}', err)
        self.assertNotIn(name, self.virsh_ok('list', '--all', '--name').split())
        self.assertFalse(os.path.exists(os.path.join(self.root, f'etc/modvirt/qemu/{name}.xml')))
        return err

    def assertNoQemu(self, name):
        pids = [p for p in guest.qemu_pids(self.root)
                if f'guest={name},' in guest.read_text(f'/proc/{p}/cmdline').replace('\0', ' ')]
        self.assertEqual(pids, [], f'QEMU processes of {name} are left behind')
        self.assertEqual(guest.cgroup_dirs_named(f'qemu-*-{name}'), [],
                         f'cgroups of {name} are left behind')

    # ---------------------------------------------------------------- XML

    def test_malformed_xml(self):
        err = self.define_fails('e-trunc', "<domain type='qemu'><name>e-trunc</name>")
        self.assertIn('(domain_definition):1:', err)
        self.assertIn('Premature end of data', err)
        err = self.define_fails('e-notxml', 'this is not XML at all')
        self.assertIn('(domain_definition)', err)
        err = self.define_fails('e-mismatch', "<domain type='qemu'><name>e-mismatch</nam></domain>")
        self.assertIn('mismatch', err.lower())

    def test_unknown_elements_are_named(self):
        err = self.define_fails('e-unk', diskless_xml('e-unk', extra='\n  <frobnicate/>'))
        self.assertIn('frobnicate', err)
        err = self.define_fails('e-unkdev', diskless_xml('e-unkdev',
                                                         extra_devices='\n    <gizmo/>'))
        self.assertIn('gizmo', err)

    def test_bad_values_are_named(self):
        err = self.define_fails('e-unit', diskless_xml('e-unit').replace(
            "unit='MiB'", "unit='parsecs'"))
        self.assertIn('parsecs', err)
        err = self.define_fails('e-uuid', diskless_xml('e-uuid', uuid='not-a-uuid'))
        self.assertIn('not-a-uuid', err)
        err = self.define_fails('e-machine', diskless_xml('e-machine', machine='nosuchmachine'))
        self.assertIn('nosuchmachine', err)
        err = self.define_fails('e-xen', diskless_xml('e-xen').replace("type='qemu'", "type='xen'"))
        self.assertIn('xen', err)
        err = self.define_fails('e-noname', diskless_xml('e-noname').replace(
            '<name>e-noname</name>', ''))
        self.assertIn('name', err)
        err = self.define_fails('e-vcpu', diskless_xml('e-vcpu', vcpus=0))
        self.assertIn('vcpu', err.lower())
        # libvirt's limit and words for VNC passwords; eight characters are fine.
        vnc = "\n    <graphics type='vnc' autoport='yes' passwd='{}'/>"
        err = self.define_fails('e-vncpw', diskless_xml('e-vncpw', extra_devices=vnc.format('123456789')))
        self.assertIn('unsupported configuration: VNC password is 9 characters long, only 8 permitted', err)
        path = self.write('e-vncpw8.xml', diskless_xml('e-vncpw8', extra_devices=vnc.format('12345678')))
        self.virsh_ok('define', path)
        self.virsh_ok('undefine', 'e-vncpw8')

    def test_missing_emulator(self):
        err = self.define_fails('e-emu', diskless_xml('e-emu', emulator='/nonexistent/qemu'))
        self.assertIn('/nonexistent/qemu', err)
        self.assertIn('No such file or directory', err)
        # Something that exists but is no QEMU.
        err = self.define_fails('e-false', diskless_xml('e-false', emulator='/bin/false'))
        self.assertIn('/bin/false', err)
        # A transient one the same.
        path = self.write('e-emu-t.xml', diskless_xml('e-emu-t', emulator='/nonexistent/qemu'))
        err = self.virsh_fails('create', path)
        self.assertIn('/nonexistent/qemu', err)
        self.assertNotIn('e-emu-t', self.virsh_ok('list', '--all', '--name').split())

    # ---------------------------------------------------------------- QEMU exits at start

    def test_qemu_exits_at_start(self):
        name = 'e-kernel'
        xml = diskless_xml(name, memory_mib=96,
                           extra_os='\n    <kernel>/nonexistent/vmlinuz-e</kernel>')
        path = self.write(f'{name}.xml', xml)
        self.virsh_ok('define', path)
        conf = os.path.join(self.root, f'etc/modvirt/qemu/{name}.xml')
        with open(conf, 'rb') as f:
            before = f.read()
        events = guest.EventWatcher(self.uri, self.root)
        try:
            err = self.virsh_fails('start', name)
            self.assertIn(f"Failed to start domain '{name}'", err)
            # QEMU's own words, naming the file.
            self.assertIn('/nonexistent/vmlinuz-e', err)
            self.assertIn('could not open kernel file', err)
            self.assertEqual(self.domstate(name), 'shut off (failed)')
            self.assertEqual(self.virsh_ok('domid', name).strip(), '-')
            self.assertNoQemu(name)
            self.assertFalse(os.path.exists(os.path.join(self.root, f'run/modvirt/qemu/{name}.xml')),
                             'a status file stays after a failed start')
            self.assertEqual(glob.glob(os.path.join(self.root, f'var/lib/modvirt/qemu/domain-*-{name}')),
                             [], 'the run directory stays after a failed start')
            with open(conf, 'rb') as f:
                self.assertEqual(f.read(), before, 'a failed start changed the definition file')
            log = guest.read_text(os.path.join(self.root, f'var/log/modvirt/qemu/{name}.log'))
            self.assertIn('/nonexistent/vmlinuz-e', log, 'QEMU\'s message is not in its log')
            # Again: the same clear error, not "already running" or a leftover of the first try.
            err = self.virsh_fails('start', name)
            self.assertIn('could not open kernel file', err)
            self.assertNoQemu(name)
            # Fix the definition: it starts.
            self.virsh_ok('define', self.write(f'{name}-fixed.xml', diskless_xml(
                name, uuid=self.virsh_ok('domuuid', name).strip())))
            self.virsh_ok('start', name)
            self.assertEqual(self.domstate(name), 'running (booted)')
            self.virsh_ok('destroy', name)
            self.virsh_ok('undefine', name)
            self.assertTrue(events.wait_for(f"for domain '{name}': Undefined", 10))
            started = [e for e in events.of(name) if 'Started' in e]
            self.assertEqual(started, ['lifecycle: Started Booted'],
                             'a start that failed must not report Started')
        finally:
            events.stop()

    def test_transient_qemu_exits_at_start(self):
        name = 'e-kernel-t'
        path = self.write(f'{name}.xml', diskless_xml(
            name, memory_mib=96, extra_os='\n    <kernel>/nonexistent/vmlinuz-t</kernel>'))
        err = self.virsh_fails('create', path)
        self.assertIn('/nonexistent/vmlinuz-t', err)
        self.assertNotIn(name, self.virsh_ok('list', '--all', '--name').split())
        self.assertNoQemu(name)
        # The name is free again.
        self.virsh_ok('create', self.write(f'{name}-ok.xml', diskless_xml(name)))
        self.virsh_ok('destroy', name)
        self.assertNotIn(name, self.virsh_ok('list', '--all', '--name').split())

    def test_bogus_kernel_through_python(self):
        """A kernel file QEMU cannot boot: QEMU exits at once with its reason."""
        name = 'e-initrd'
        conn = libvirt.open(self.uri)
        try:
            image_dir = self.root
            kernel = self.write('not-a-kernel', 'x' * 4096)
            dom = conn.defineXML(diskless_xml(name, memory_mib=96, extra_os=(
                f'\n    <kernel>{kernel}</kernel>\n    <initrd>{image_dir}/nonexistent-initrd</initrd>')))
            with self.assertRaises(libvirt.libvirtError) as cm:
                dom.create()
            e = cm.exception
            self.assertIn(e.get_error_code(), (libvirt.VIR_ERR_INTERNAL_ERROR,
                                               libvirt.VIR_ERR_OPERATION_FAILED))
            self.assertIn('qemu', str(e).lower())
            self.assertIn('kernel', str(e).lower(), 'QEMU\'s reason is not in the error')
            self.assertEqual(dom.state(), [libvirt.VIR_DOMAIN_SHUTOFF,
                                           libvirt.VIR_DOMAIN_SHUTOFF_FAILED])
            self.assertFalse(dom.isActive())
            self.assertNoQemu(name)
            dom.undefine()
        finally:
            conn.close()

    # ---------------------------------------------------------------- a hung guest

    def test_destroy_does_not_wait_for_a_hung_monitor(self):
        """A QEMU that stops answering (SIGSTOP) while a suspend waits on its monitor: destroy
        still kills it at once, as libvirt's does (DESIGN §3: destroy never waits behind a
        slow call), and the daemon answers other calls meanwhile."""
        name = 'e-hung'
        self.virsh_ok('define', self.write(f'{name}.xml', diskless_xml(name)))
        self.virsh_ok('start', name)
        pid = self.qemu_pid_of(name)
        os.kill(pid, signal.SIGSTOP)
        result = {}

        def suspend():
            result['suspend'] = self.virsh('suspend', name, timeout=120)

        t = threading.Thread(target=suspend)
        t.start()
        try:
            time.sleep(1.0)     # the suspend now holds the domain's job, waiting for QEMU
            start = time.monotonic()
            info = self.virsh('dominfo', name, timeout=120)
            self.assertEqual(info.returncode, 0, info.stderr)
            self.assertLess(time.monotonic() - start, 5, 'dominfo waited for the hung monitor')
            start = time.monotonic()
            r = self.virsh('destroy', name, timeout=120)
            took = time.monotonic() - start
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertLess(took, 5, f'destroy of a hung guest took {took:.1f} s: it waited '
                            'for the job of the stuck suspend instead of killing QEMU')
            self.assertTrue(harness.wait_until(lambda: not guest.pid_alive(pid), 10))
            self.assertEqual(self.domstate(name), 'shut off (destroyed)')
        finally:
            if guest.pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
            t.join(120)
        self.assertNotEqual(result['suspend'].returncode, 0,
                            'suspend of a QEMU that was stopped and then killed succeeded')
        self.assertNoQemu(name)
        self.virsh_ok('undefine', name)

    def test_kvm_offered_only_when_it_runs(self):
        """Capabilities offer kvm only when the daemon's probe guest ran under KVM; then a
        type='kvm' guest starts.  Otherwise the start is refused naming the probe's finding,
        and no QEMU is left behind."""
        caps = self.virsh_ok('capabilities')
        offered = "<domain type='kvm'" in caps
        if not os.path.exists('/dev/kvm'):
            self.assertFalse(offered, 'kvm offered on a host without /dev/kvm')
        name = 'e-kvm'
        self.virsh_ok('define', self.write(f'{name}.xml', diskless_xml(name).replace(
            "type='qemu'", "type='kvm'")))
        r = self.virsh('start', name)
        if offered:
            self.assertEqual(r.returncode, 0, r.stderr)
            self.virsh_ok('destroy', name)
        else:
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('Domain requires KVM, but it is not available on this host (', r.stderr)
            if not os.path.exists('/dev/kvm'):
                self.assertIn('cannot open /dev/kvm: No such file or directory', r.stderr)
            self.assertIn("use <domain type='qemu'>", r.stderr)
            self.assertNoQemu(name)
        self.virsh_ok('undefine', name)

if __name__ == '__main__':
    harness.main()
