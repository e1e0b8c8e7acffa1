# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-xend and modvirt-bhyved, driven by Debian's virsh: native conversion (directly and
through modvirt-proxyd, as `virsh -c xen:///system domxml-from-native xen-xl FILE` reaches it),
definitions that survive kill -9, autostart, capabilities valid per virt-xml-validate, a start
that fails clearly and leaves nothing, bad input named, and the sandbox (no capability,
a seccomp filter)."""

import os
import shutil
import signal
import subprocess
import unittest

import harness
from test_proxy_common import MODVIRT, ProxyDaemon, legacy_uri

BUILD = os.path.join(harness.SOURCE_ROOT, 'build')
XEND = os.environ.get('MODVIRT_XEND') or os.path.join(BUILD, 'src/xend/modvirt-xend')
BHYVED = os.environ.get('MODVIRT_BHYVED') or os.path.join(BUILD, 'src/bhyved/modvirt-bhyved')
XEN_DATA = os.path.join(harness.SOURCE_ROOT, 'tests/data/xen-xl')
BHYVE_DATA = os.path.join(harness.SOURCE_ROOT, 'tests/data/bhyve-argv')
XEN_EXAMPLES = os.environ.get('MV_XEN_EXAMPLES') or '/usr/local/share/xen-examples'


class DriverDaemon(harness.Daemon):
    """A definitions-only driver daemon (@binary, sockets @prefix-*) under its root."""

    def __init__(self, binary, name, prefix, scheme, root=None):
        super().__init__(root=root)
        self.binary = binary
        self.scheme = scheme
        d = os.path.join(self.root, 'run/libvirt')
        self.sock = os.path.join(d, f'{prefix}-sock')
        self.sock_ro = os.path.join(d, f'{prefix}-sock-ro')
        self.sock_admin = os.path.join(d, f'{prefix}-admin-sock')
        self.pidfile = os.path.join(self.root, f'run/modvirt/{name}.pid')
        self.config_path = os.path.join(self.root, f'etc/modvirt/{name}.conf')
        self.logfile = os.path.join(self.root, f'{name}.log')

    @property
    def uri(self):
        return f'{self.scheme}+unix:///system?socket={self.sock}'

    @property
    def uri_ro(self):
        return f'{self.scheme}+unix:///system?socket={self.sock_ro}'

    def argv(self):
        return [self.binary, '--root', self.root, '--verbose'] + self.args


def validate(path, kind):
    r = harness.run(['virt-xml-validate', path, kind])
    if r.returncode != 0:
        raise AssertionError(f'virt-xml-validate rejected {path} as {kind}: {r.stdout}{r.stderr}')


class Base(unittest.TestCase):
    BINARY = NAME = PREFIX = SCHEME = None

    def setUp(self):
        if not os.path.exists(self.BINARY):
            raise AssertionError(f'{self.BINARY} is missing: build modvirt first')
        self.d = DriverDaemon(self.BINARY, self.NAME, self.PREFIX, self.SCHEME)
        self.addCleanup(self.d.cleanup)
        self.d.start()

    def virsh(self, *args, uri=None, readonly=False):
        return harness.virsh(uri or (self.d.uri_ro if readonly else self.d.uri), *args)

    def ok(self, *args, **kw):
        r = self.virsh(*args, **kw)
        self.assertEqual(r.returncode, 0, f'virsh {" ".join(args)}: {r.stderr}')
        return r.stdout

    def fails(self, *args, needle, **kw):
        r = self.virsh(*args, **kw)
        self.assertNotEqual(r.returncode, 0, f'virsh {" ".join(args)} succeeded: {r.stdout}')
        self.assertIn(needle, r.stderr)
        return r.stderr

    def write(self, name, text):
        path = os.path.join(self.d.root, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def config_dir(self):
        return os.path.join(self.d.root, f'etc/modvirt/{self.DIR}')

    def files(self):
        """What the driver keeps on disk, without its journal's bookkeeping."""
        out = []
        for base, dirs, names in os.walk(self.config_dir()):
            out += [os.path.relpath(os.path.join(base, n), self.config_dir())
                    for n in names if not n.startswith('.')]
        return sorted(out)

    def check_sandbox(self):
        with open(f'/proc/{self.d.pid}/status') as f:
            status = dict(line.split(':', 1) for line in f if ':' in line)
        self.assertEqual(int(status['CapEff'].strip(), 16), 0)
        self.assertEqual(int(status['CapBnd'].strip(), 16), 0)
        self.assertEqual(status['Seccomp'].strip(), '2')

    def check_capabilities(self, guest_type):
        caps = self.ok('capabilities')
        self.assertIn(f"<domain type='{guest_type}'", caps)
        if guest_type == 'bhyve':
            # libvirt 9.0's capability.rng has no 'bhyve' domain type, though its own bhyve
            # driver reports one: everything else must validate.
            caps = caps.replace("<domain type='bhyve'", "<domain type='test'")
        validate(self.write('caps.xml', caps), 'capability')


class XenTest(Base):
    BINARY, NAME, PREFIX, SCHEME, DIR = XEND, 'modvirt-xend', 'virtxend', 'xen', 'xen'

    def test_shipped_examples_through_proxy(self):
        proxy = ProxyDaemon(self.d.root)
        self.addCleanup(proxy.cleanup)
        proxy.start()
        for ex in ('xlexample.hvm', 'xlexample.pvlinux', 'xlexample.pvhlinux'):
            path = os.path.join(XEN_EXAMPLES, ex)
            if not os.path.exists(path):
                raise AssertionError(f'{path} is missing: scripts/install-deps extracts it')
            xml = self.ok('domxml-from-native', 'xen-xl', path, uri=legacy_uri(proxy, 'xen'))
            self.assertIn("<domain type='xen'>", xml)
            out = self.write(ex + '.xml', xml)
            validate(out, 'domain')
            back = self.ok('domxml-to-native', 'xen-xl', out, uri=legacy_uri(proxy, 'xen'))
            self.assertIn('name = "example.', back)

    def test_define_autostart_survive_kill(self):
        xml = self.ok('domxml-from-native', 'xen-xl', os.path.join(XEN_DATA, 'pv-multi-disk.cfg'))
        self.ok('define', self.write('pvdisks.xml', xml))
        self.ok('define', os.path.join(XEN_DATA, 'hvm-cdrom-boot.xml'))
        self.ok('autostart', 'pvdisks')
        before = self.ok('dumpxml', 'pvdisks')
        self.assertIn('00:16:3e', self.ok('dumpxml', 'hvm-install'))
        self.d.kill()
        self.d = DriverDaemon(self.BINARY, self.NAME, self.PREFIX, self.SCHEME, root=self.d.root)
        self.addCleanup(self.d.cleanup)
        self.d.start()
        listing = self.ok('list', '--all', '--name')
        self.assertEqual(sorted(listing.split()), ['hvm-install', 'pvdisks'])
        self.assertEqual(self.ok('list', '--all', '--autostart', '--name').split(), ['pvdisks'])
        self.assertEqual(self.ok('dumpxml', 'pvdisks'), before)
        info = self.ok('dominfo', 'pvdisks')
        self.assertRegex(info, r'State:\s+shut off')
        self.assertRegex(info, r'OS Type:\s+xen')
        self.ok('undefine', 'hvm-install')
        self.assertEqual(self.files(), ['autostart/pvdisks.xml', 'pvdisks.xml'])

    def test_start_fails_and_leaves_nothing(self):
        self.ok('define', os.path.join(XEN_DATA, 'pv-kernel.xml'))
        files = self.files()
        err = self.fails('start', 'pv1', needle='no Xen hypervisor on this host')
        self.assertIn("'pv1'", err)
        self.assertRegex(self.ok('domstate', 'pv1'), 'shut off')
        self.assertEqual(self.files(), files)
        self.fails('create', os.path.join(XEN_DATA, 'pvh-kernel.xml'), needle='no Xen hypervisor on this host')
        self.assertEqual(self.ok('list', '--all', '--name').split(), ['pv1'])
        self.fails('destroy', 'pv1', needle='is not running')
        self.assertTrue(self.d.running())

    def test_bad_input(self):
        bad = self.write('bad.cfg', 'name = "bad"\nmemory = 256\nvcpus = = 2\n')
        self.fails('domxml-from-native', 'xen-xl', bad, needle='xl.cfg:3: config parsing error')
        vif = self.write('vif.cfg', 'name = "v"\nmemory = 256\nvif = [ "bridge=xenbr0,rate=10Mb/s" ]\n')
        self.fails('domxml-from-native', 'xen-xl', vif, needle="key 'rate'")
        self.fails('domxml-from-native', 'xen-xm', bad, needle='unsupported config type xen-xm')
        kvm = os.path.join(XEN_DATA, 'xmlerr-kvm.in.xml')
        self.fails('define', kvm, needle="has type 'kvm'")
        self.fails('domxml-to-native', 'xen-xl', kvm, needle="has type 'kvm'")
        self.fails('define', os.path.join(XEN_DATA, 'xmlerr-network.in.xml'), needle="interface type 'network'")
        self.assertEqual(self.files(), [])
        self.assertTrue(self.d.running())

    def test_unknown_keys_kept(self):
        xml = self.ok('domxml-from-native', 'xen-xl', os.path.join(XEN_DATA, 'pv-unknown-keys.cfg'))
        self.assertIn('max_grant_frames', xml)
        self.ok('define', self.write('keep.xml', xml))
        xl = self.ok('domxml-to-native', 'xen-xl', self.write('dump.xml', self.ok('dumpxml', 'pvkeep')))
        self.assertIn('max_grant_frames = 64', xl)
        self.assertIn('device_model_version = "qemu-xen"', xl)

    def test_shell(self):
        def shell(*args):
            return harness.run([MODVIRT, '-c', self.d.uri] + list(args))
        r = shell('domxml-from-native', 'xen-xl', os.path.join(XEN_DATA, 'pvh-kernel.cfg'))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(XEN_DATA, 'pvh-kernel.xml')) as f:
            # (the shell ends a one-shot command's output with an empty line, as virsh does)
            self.assertEqual(r.stdout.rstrip('\n'), f.read().rstrip('\n'))
        self.assertEqual(shell('define', os.path.join(XEN_DATA, 'pvh-kernel.xml')).returncode, 0)
        r = shell('domxml-to-native', 'xen-xl', '--domain', 'pvh1')
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(XEN_DATA, 'pvh-kernel.xl')) as f:
            # (the shell ends a one-shot command's output with an empty line, as virsh does)
            self.assertEqual(r.stdout.rstrip('\n'), f.read().rstrip('\n'))
        r = shell('start', 'pvh1')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no Xen hypervisor on this host', r.stderr)
        r = shell('domxml-from-native', 'xen-xl', os.path.join(XEN_DATA, 'err-syntax.cfg'))
        self.assertIn('xl.cfg:3:', r.stderr)

    def test_capabilities_readonly_sandbox(self):
        self.check_capabilities('xen')
        self.assertIn('Xen', self.ok('version'))
        self.ok('domxml-from-native', 'xen-xl', os.path.join(XEN_DATA, 'hvm-minimal.cfg'), readonly=True)
        self.fails('define', os.path.join(XEN_DATA, 'pv-kernel.xml'), readonly=True, needle='read only')
        self.check_sandbox()


class BhyveTest(Base):
    BINARY, NAME, PREFIX, SCHEME, DIR = BHYVED, 'modvirt-bhyved', 'virtbhyved', 'bhyve', 'bhyve'

    def test_argv_both_ways_through_proxy(self):
        proxy = ProxyDaemon(self.d.root)
        self.addCleanup(proxy.cleanup)
        proxy.start()
        uri = legacy_uri(proxy, 'bhyve')
        args = self.ok('domxml-to-native', 'bhyve-argv', os.path.join(BHYVE_DATA, 'uefi-vnc.xml'), uri=uri)
        with open(os.path.join(BHYVE_DATA, 'uefi-vnc.args')) as f:
            self.assertEqual(args.strip(), f.read().strip())
        xml = self.ok('domxml-from-native', 'bhyve-argv', os.path.join(BHYVE_DATA, 'native-freebsd.args'), uri=uri)
        validate(self.write('native.xml', xml), 'domain')

    def test_define_start_survive(self):
        self.ok('define', os.path.join(BHYVE_DATA, 'uefi-installer.xml'))
        self.ok('autostart', 'uefi-installer')
        files = self.files()
        err = self.fails('start', 'uefi-installer', needle='bhyve needs FreeBSD')
        self.assertIn("'uefi-installer'", err)
        self.assertEqual(self.files(), files)
        dump = self.ok('dumpxml', 'uefi-installer')
        self.assertIn("<controller type='usb' index='0' model='nec-xhci'>", dump)
        self.d.kill()
        self.d = DriverDaemon(self.BINARY, self.NAME, self.PREFIX, self.SCHEME, root=self.d.root)
        self.addCleanup(self.d.cleanup)
        self.d.start()
        self.assertEqual(self.ok('list', '--all', '--autostart', '--name').split(), ['uefi-installer'])
        self.assertEqual(self.ok('dumpxml', 'uefi-installer'), dump)

    def test_bad_input(self):
        self.fails('define', os.path.join(BHYVE_DATA, 'err-vnc-no-uefi.xml'), needle='UEFI')
        self.fails('define', os.path.join(XEN_DATA, 'pv-kernel.xml'), needle="has type 'xen'")
        self.fails('domxml-from-native', 'bhyve-argv', os.path.join(BHYVE_DATA, 'native-err-emulation.args'),
                   needle="'virtio-rnd'")
        self.assertEqual(self.files(), [])

    def test_capabilities_sandbox(self):
        self.check_capabilities('bhyve')
        self.check_sandbox()


if __name__ == '__main__':
    unittest.main(verbosity=2)
