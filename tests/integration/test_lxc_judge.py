# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's libvirtd 9.0 LXC driver as the outside judge of modvirt-lxcd's container XML: the
same definitions are defined on both and dumped back (inactive form); the dumps must be equal
but for <emulator>, which names each daemon's own controller.  libvirtd runs in a private
mount namespace with empty state directories (its containers cannot start on this host's
cgroup layout, so only definitions are compared) and with only its LXC driver loaded."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from harness import log, wait_until
from test_lxc import LxcDaemon, build_root

LIBVIRTD = '/usr/sbin/libvirtd'
DRIVERS = '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver'

# Run inside "unshare -m": empty state directories, only the LXC driver module, a socket
# directory of our own.
INNER = r"""set -e
mount --make-rprivate /
for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
  mkdir -p $d; mount -t tmpfs tmpfs $d
done
mkdir -p "$1" "$2"; cp "$3/libvirt_driver_lxc.so" "$2/"; mount --bind "$2" "$3"
printf 'unix_sock_dir = "%s"\nauth_unix_rw = "none"\n' "$1" > /etc/libvirt/libvirtd.conf
exec "$4" -f /etc/libvirt/libvirtd.conf
"""

CASES = ['lxc-full', 'lxc-minimal']


class LxcJudgeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for f in (LIBVIRTD, os.path.join(DRIVERS, 'libvirt_driver_lxc.so')):
            if not os.path.exists(f):
                raise AssertionError(f'{f} is missing: apt-get install libvirt-daemon libvirt-daemon-driver-lxc')
        cls.tmp = tempfile.mkdtemp(prefix='mv-lxcj-', dir='/tmp')
        cls.sockdir = os.path.join(cls.tmp, 'lv')
        cls.liblog = open(os.path.join(cls.tmp, "libvirtd.log"), "w")  # noqa: SIM115 (closed in tearDownClass)
        cls.libvirtd = subprocess.Popen(
            ['unshare', '-m', 'sh', '-c', INNER, 'inner', cls.sockdir, os.path.join(cls.tmp, 'drv'), DRIVERS,
             LIBVIRTD], stdout=cls.liblog, stderr=subprocess.STDOUT)
        cls.lv_uri = f'lxc+unix:///system?socket={cls.sockdir}/libvirt-sock'
        if not wait_until(lambda: os.path.exists(f'{cls.sockdir}/libvirt-sock') or cls.libvirtd.poll() is not None, 30):
            raise AssertionError('libvirtd did not start')
        if cls.libvirtd.poll() is not None:
            raise AssertionError('libvirtd exited: ' + open(os.path.join(cls.tmp, 'libvirtd.log')).read())
        cls.root = os.path.join(cls.tmp, 'r')
        os.makedirs(cls.root)
        cls.daemon = LxcDaemon(cls.root).start()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        cls.libvirtd.terminate()
        try:
            cls.libvirtd.wait(10)
        except subprocess.TimeoutExpired:
            cls.libvirtd.kill()
        cls.liblog.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def virsh(self, uri, *args):
        p = subprocess.run([harness.VIRSH, '-c', uri] + list(args), capture_output=True, text=True,
                           env=harness.CLIENT_ENV, timeout=60)
        self.assertEqual(p.returncode, 0, f'virsh {" ".join(args)} on {uri}: {p.stderr}')
        return p.stdout

    def test_define_and_dump_alike(self):
        for case in CASES:
            with self.subTest(case=case):
                path = os.path.join(harness.SOURCE_ROOT, 'tests/data/domain-xml', f'{case}.xml')
                with open(path) as f:
                    xml = f.read()
                # A fixed MAC: each side would generate its own.
                xml = xml.replace("<source bridge='br0'/>", "<mac address='52:54:00:aa:bb:cc'/>\n      <source bridge='br0'/>")
                src = os.path.join(self.tmp, f'{case}.xml')
                with open(src, 'w') as f:
                    f.write(xml)
                dumps = []
                for uri in (self.lv_uri, self.daemon.uri):
                    self.virsh(uri, 'define', src)
                    out = self.virsh(uri, 'dumpxml', '--inactive', case)
                    self.virsh(uri, 'undefine', case)
                    dumps.append(re.sub(r'<emulator>[^<]*</emulator>', '<emulator/>', out))
                self.assertEqual(dumps[1], dumps[0], f'{case}: modvirt-lxcd and libvirtd differ')


if __name__ == '__main__':
    unittest.main(verbosity=2)
