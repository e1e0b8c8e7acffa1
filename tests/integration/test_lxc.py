# SPDX-License-Identifier: LGPL-2.1-or-later
"""modvirt-lxcd with real containers: a busybox root directory built here, driven by Debian's
virsh and python3-libvirt, directly and through modvirt-proxyd.  Init is PID 1 and writes
markers into the root's /tmp; the checks are what a user sees: state, hostname, private /proc,
console I/O, suspend/resume, live memory limits, lxc-enter-namespace, events, a daemon killed
with two containers running (both re-adopted), a controller killed (crashed, nothing left),
and bad input (clear errors, no cgroup left)."""

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import log, wait_until
import test_proxy_common

import libvirt

LXCD = os.environ.get('MODVIRT_LXCD') or os.path.join(harness.SOURCE_ROOT, 'build/src/lxcd/modvirt-lxcd')
BUSYBOX = '/bin/busybox'
CGROUP_MEMORY = '/sys/fs/cgroup/memory/machine'
PREFIX = 'mv-lxct-'   # container names: unique to this test, so leftovers are ours

INIT = """#!/bin/sh
trap 'echo bye > /tmp/bye-$LIBVIRT_LXC_NAME; exit 0' TERM
echo "pid=$$ host=$(hostname) procs=$(ls -d /proc/[0-9]* | wc -l)" > /tmp/m.tmp
mv /tmp/m.tmp /tmp/marker-$LIBVIRT_LXC_NAME
while true; do sleep 1; done
"""
# On a bridge: an address, a ping to the bridge's, the result and eth0's MAC in a marker.
NET_INIT = """#!/bin/sh
ip addr add 10.213.77.2/24 dev eth0
ping -c1 -W2 10.213.77.1 >/dev/null 2>&1; echo "rc=$? $(cat /sys/class/net/eth0/address)" > /tmp/m.tmp
mv /tmp/m.tmp /tmp/marker-$LIBVIRT_LXC_NAME
while true; do sleep 1; done
"""
# A shell on the console, for console I/O.
SHELL_INIT = """#!/bin/sh
exec /bin/sh -i
"""


class LxcDaemon(harness.Daemon):
    def __init__(self, root, **kw):
        super().__init__(root=root, **kw)
        d = os.path.join(root, 'run/libvirt')
        self.sock = os.path.join(d, 'virtlxcd-sock')
        self.sock_ro = os.path.join(d, 'virtlxcd-sock-ro')
        self.sock_admin = os.path.join(d, 'virtlxcd-admin-sock')
        self.pidfile = os.path.join(root, 'run/modvirt/modvirt-lxcd.pid')
        self.config_path = os.path.join(root, 'etc/modvirt/modvirt-lxcd.conf')
        self.logfile = os.path.join(root, 'lxcd.log')

    @property
    def uri(self):
        return f'lxc+unix:///system?socket={self.sock}'

    netns = None   # run in this network namespace (nsenter keeps /sys and the cgroups visible)

    def argv(self):
        prefix = ['nsenter', f'--net=/run/netns/{self.netns}'] if self.netns else []
        return prefix + [LXCD, '--root', self.root, '--verbose']


def build_root(path):
    for d in ('bin', 'tmp', 'etc'):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    os.chmod(os.path.join(path, 'tmp'), 0o1777)
    shutil.copy(BUSYBOX, os.path.join(path, 'bin/busybox'))
    for applet in ('sh', 'echo', 'hostname', 'ls', 'wc', 'mv', 'sleep', 'cat', 'id', 'ps', 'dd', 'ip', 'ping'):
        os.symlink('busybox', os.path.join(path, 'bin', applet))
    for name, text, mode in (('ctinit', INIT, 0o755), ('shinit', SHELL_INIT, 0o755), ('noexec', INIT, 0o644),
                             ('netinit', NET_INIT, 0o755)):
        with open(os.path.join(path, 'bin', name), 'w') as f:
            f.write(text)
        os.chmod(os.path.join(path, 'bin', name), mode)


def domain_xml(name, root, init='/bin/ctinit', memory_mib=64, extra=''):
    return f"""<domain type='lxc'>
  <name>{name}</name>
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>1</vcpu>
  <os><type>exe</type><init>{init}</init></os>
  {extra}
  <devices>
    <filesystem type='mount'><source dir='{root}'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>"""


def cgroup_of(name):
    return os.path.join(CGROUP_MEMORY, f'{name}.libvirt-lxc')


def cleanup_leftovers():
    """What an aborted earlier run left: its controllers (their containers die with them) and
    the cgroups of containers named with our prefix."""
    subprocess.run(['pkill', '-KILL', '-f', f'modvirt-lxc-controller --name {PREFIX}'])
    time.sleep(0.2)
    for hier in os.listdir('/sys/fs/cgroup'):
        base = os.path.join('/sys/fs/cgroup', hier, 'machine')
        if not os.path.isdir(base):
            continue
        for d in os.listdir(base):
            if d.startswith(PREFIX) and d.endswith('.libvirt-lxc'):
                for sub in (os.path.join(base, d, 'payload'), os.path.join(base, d)):
                    try:
                        os.rmdir(sub)
                    except OSError:
                        pass


def init_pid(name):
    """The host pid of container @name's PID 1 (NSpid ends in 1), or None."""
    with open(os.path.join(cgroup_of(name), 'payload/cgroup.procs')) as f:
        for pid in f.read().split():
            try:
                with open(f'/proc/{pid}/status') as st:
                    if any(line.startswith('NSpid:') and line.split()[-1] == '1' for line in st):
                        return int(pid)
            except FileNotFoundError:
                pass
    return None


class LxcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for prog in (LXCD, BUSYBOX, harness.VIRSH):
            if not os.access(prog, os.X_OK):
                raise AssertionError(f'{prog} is missing (build modvirt; apt-get install busybox-static libvirt-clients)')
        if os.geteuid() != 0:
            raise AssertionError('containers need root')
        cleanup_leftovers()
        cls.tmp = tempfile.mkdtemp(prefix=PREFIX, dir='/tmp')
        os.chmod(cls.tmp, 0o755)   # an id-mapped root (uid 100000) must reach its root directory
        cls.rootfs = os.path.join(cls.tmp, 'rootfs')
        build_root(cls.rootfs)
        cls.root = os.path.join(cls.tmp, 'r')
        os.makedirs(cls.root)
        cls.daemon = LxcDaemon(cls.root).start()
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=cls.run_events, daemon=True).start()
        cls.conn = libvirt.open(cls.daemon.uri)

    @staticmethod
    def run_events():
        while True:
            libvirt.virEventRunDefaultImpl()

    @classmethod
    def tearDownClass(cls):
        try:
            for dom in cls.conn.listAllDomains():
                if dom.isActive():
                    dom.destroy()
                if dom.isPersistent():
                    dom.undefine()
            cls.conn.close()
        finally:
            cls.daemon.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- helpers --
    def virsh(self, *args, check=True):
        p = subprocess.run([harness.VIRSH, '-c', self.daemon.uri] + list(args), capture_output=True,
                           text=True, env=harness.CLIENT_ENV, timeout=60)
        if check and p.returncode != 0:
            self.fail(f'virsh {" ".join(args)} failed: {p.stderr}')
        return p

    def marker(self, name, kind='marker'):
        path = os.path.join(self.rootfs, 'tmp', f'{kind}-{name}')
        ok = wait_until(lambda: os.path.exists(path), 10)
        self.assertTrue(ok, f'container {name} wrote no {kind}')
        with open(path) as f:
            return f.read().strip()

    def clear_markers(self, name):
        for kind in ('marker', 'bye'):
            try:
                os.unlink(os.path.join(self.rootfs, 'tmp', f'{kind}-{name}'))
            except FileNotFoundError:
                pass

    def assertNothingLeft(self, name):
        self.assertTrue(wait_until(lambda: not os.path.exists(cgroup_of(name)), 5),
                        f'cgroup of {name} left behind')
        sock = os.path.join(self.root, f'run/modvirt/lxc/sockets/{name}.sock')
        self.assertFalse(os.path.exists(sock), f'controller socket of {name} left behind')
        out = subprocess.run(['pgrep', '-f', f'modvirt-lxc-controller --name {name} '], capture_output=True)
        self.assertEqual(out.returncode, 1, f'a controller of {name} still runs')

    def state(self, name):
        return self.conn.lookupByName(name).state()

    # -- tests --
    def test_lifecycle_with_virsh(self):
        name = PREFIX + 'life'
        self.clear_markers(name)
        xml = os.path.join(self.tmp, f'{name}.xml')
        with open(xml, 'w') as f:
            f.write(domain_xml(name, self.rootfs, memory_mib=48))
        self.virsh('define', xml)
        self.virsh('start', name)
        # PID 1, its own hostname, only its own processes in /proc.
        m = self.marker(name)
        self.assertTrue(m.startswith(f'pid=1 host={name} procs='), m)
        self.assertLessEqual(int(m.split('procs=')[1]), 5, m)
        info = self.virsh('dominfo', name).stdout
        self.assertRegex(info, r'State:\s+running')
        self.assertRegex(info, r'OS Type:\s+exe')
        self.assertIn(name, self.virsh('list', '--name').stdout.split())
        # The limits are the container's cgroup's.
        limit = os.path.join(cgroup_of(name), 'payload/memory.limit_in_bytes')
        with open(limit) as f:
            self.assertEqual(int(f.read()), 48 << 20)
        self.virsh('setmem', name, '32M', '--live')
        with open(limit) as f:
            self.assertEqual(int(f.read()), 32 << 20)
        self.assertEqual(self.state(name), [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED])
        # Statistics from the container's cgroup.
        stats = dict(line.strip().split('=', 1) for line in self.virsh('domstats', name).stdout.splitlines()
                     if '=' in line)
        self.assertEqual(stats['state.state'], '1')
        self.assertGreater(int(stats['cpu.time']), 0)
        self.assertEqual(stats['balloon.current'], str(32 << 10))
        self.assertGreater(int(stats['balloon.rss']), 0)
        self.assertEqual(stats['vcpu.current'], '1')
        # Freezer.
        self.virsh('suspend', name)
        self.assertIn('paused (user)', self.virsh('domstate', '--reason', name).stdout)
        self.virsh('resume', name)
        self.assertIn('running (unpaused)', self.virsh('domstate', '--reason', name).stdout)
        # Its namespaces, as virsh lxc-enter-namespace joins them.
        out = self.virsh('lxc-enter-namespace', name, '--noseclabel', '/bin/hostname').stdout
        self.assertEqual(out.strip(), name)
        ps = self.virsh('lxc-enter-namespace', name, '--noseclabel', '/bin/ps').stdout
        self.assertRegex(ps, r'\n\s+1 .*ctinit')
        # Shutdown: init's TERM handler runs, the container ends as shut off (shutdown).
        self.virsh('shutdown', name)
        self.assertEqual(self.marker(name, 'bye'), 'bye')
        self.assertTrue(wait_until(lambda: self.state(name)[0] == libvirt.VIR_DOMAIN_SHUTOFF, 10))
        self.assertEqual(self.state(name), [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN])
        self.assertNothingLeft(name)
        # Start again and destroy.
        self.virsh('start', name)
        self.virsh('destroy', name)
        self.assertEqual(self.state(name), [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED])
        self.assertNothingLeft(name)
        self.virsh('undefine', name)
        self.assertNotIn(name, self.virsh('list', '--all', '--name').stdout.split())

    def test_idmap(self):
        name = PREFIX + 'idmap'
        self.clear_markers(name)
        extra = """<idmap><uid start='0' target='100000' count='65536'/>
                   <gid start='0' target='100000' count='65536'/></idmap>"""
        dom = self.conn.createXML(domain_xml(name, self.rootfs, extra=extra))
        self.assertTrue(self.marker(name).startswith(f'pid=1 host={name}'))
        st = os.stat(os.path.join(self.rootfs, 'tmp', f'marker-{name}'))
        self.assertEqual((st.st_uid, st.st_gid), (100000, 100000))
        # Inside, the marker belongs to root.
        out = self.virsh('lxc-enter-namespace', name, '--noseclabel', '/bin/ls', '-ln', f'/tmp/marker-{name}').stdout
        self.assertRegex(out, r'^\S+\s+\d+\s+0\s+0\s')
        dom.destroy()
        self.assertNothingLeft(name)
        self.assertRaises(libvirt.libvirtError, self.conn.lookupByName, name)

    def test_console_and_events(self):
        name = PREFIX + 'cons'
        events = []
        cond = threading.Condition()

        def on_event(conn, dom, event, detail, opaque):
            with cond:
                events.append((dom.name(), event, detail))
                cond.notify_all()

        cb = self.conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event, None)
        try:
            dom = self.conn.createXML(domain_xml(name, self.rootfs, init='/bin/shinit'))
            st = self.conn.newStream(0)
            dom.openConsole(None, st, 0)
            st.send(b'echo CONSOLE-$((40+2))\n')
            got = b''
            deadline = time.time() + 10
            while b'CONSOLE-42' not in got.replace(b'CONSOLE-$((40+2))', b'') and time.time() < deadline:
                got += st.recv(4096)
            self.assertIn(b'CONSOLE-42', got.replace(b'CONSOLE-$((40+2))', b''))
            st.abort()
            # The controller is killed: the container is shut off (crashed), with an event.
            ctl = subprocess.run(['pgrep', '-f', f'modvirt-lxc-controller --name {name} '],
                                 capture_output=True, text=True).stdout.split()
            self.assertEqual(len(ctl), 1, ctl)
            os.kill(int(ctl[0]), signal.SIGKILL)
            with cond:
                cond.wait_for(lambda: (name, libvirt.VIR_DOMAIN_EVENT_STOPPED,
                                       libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED) in events, 10)
            self.assertIn((name, libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED), events)
            self.assertIn((name, libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED), events)
            self.assertNothingLeft(name)
        finally:
            self.conn.domainEventDeregisterAny(cb)

    def test_daemon_killed_with_two_running(self):
        names = [PREFIX + 'ka', PREFIX + 'kb']
        ids = {}
        for n in names:
            self.clear_markers(n)
            ids[n] = self.conn.createXML(domain_xml(n, self.rootfs)).ID()
            self.marker(n)
        inits = {n: init_pid(n) for n in names}
        log('killing modvirt-lxcd with two containers running')
        self.daemon.proc.kill()
        self.daemon.proc.wait()
        self.daemon.kill()
        for n in names:
            self.assertEqual(init_pid(n), inits[n], f'the init of {n} changed while no daemon ran')
        self.__class__.daemon = LxcDaemon(self.root).start()
        self.conn.close()
        self.__class__.conn = libvirt.open(self.daemon.uri)
        for n in names:
            dom = self.conn.lookupByName(n)
            self.assertEqual(dom.state()[0], libvirt.VIR_DOMAIN_RUNNING)
            self.assertEqual(dom.ID(), ids[n])
            out = self.virsh('lxc-enter-namespace', n, '--noseclabel', '/bin/hostname').stdout
            self.assertEqual(out.strip(), n)
        for n in names:
            self.conn.lookupByName(n).destroy()
            self.assertNothingLeft(n)

    def test_bad_input(self):
        # A root directory that does not exist.
        name = PREFIX + 'noroot'
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.createXML(domain_xml(name, '/nonexistent/' + name))
        self.assertIn("does not exist", str(cm.exception))
        self.assertNothingLeft(name)
        # An init that is not executable.
        name = PREFIX + 'noexec'
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.createXML(domain_xml(name, self.rootfs, init='/bin/noexec'))
        self.assertIn("cannot execute init '/bin/noexec'", str(cm.exception))
        self.assertNothingLeft(name)
        # Overlapping id ranges: refused at define, nothing defined.
        name = PREFIX + 'overlap'
        extra = """<idmap><uid start='0' target='100000' count='65536'/>
                   <uid start='1000' target='300000' count='10'/>
                   <gid start='0' target='100000' count='65536'/></idmap>"""
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.defineXML(domain_xml(name, self.rootfs, extra=extra))
        self.assertIn('overlap', str(cm.exception))
        self.assertRaises(libvirt.libvirtError, self.conn.lookupByName, name)
        # The daemon keeps serving.
        self.assertIsInstance(self.conn.listAllDomains(), list)

    def test_bridge(self):
        """A container on a bridge: a veth pair, eth0 inside with the defined MAC, reachable.
        lxcd runs in a network namespace of this test's, where the bridge lives."""
        ns, br, name = PREFIX + 'ns', 'mv-lxct-br0', PREFIX + 'net'
        subprocess.run(['ip', 'netns', 'add', ns], check=True)
        try:
            for cmd in (['link', 'set', 'lo', 'up'], ['link', 'add', br, 'type', 'bridge'],
                        ['addr', 'add', '10.213.77.1/24', 'dev', br], ['link', 'set', br, 'up']):
                subprocess.run(['ip', '-n', ns] + cmd, check=True)
            root = os.path.join(self.tmp, 'rnet')
            os.makedirs(root)
            d = LxcDaemon(root)
            d.netns = ns
            d.start()
            try:
                c = libvirt.open(d.uri)
                self.clear_markers(name)
                iface = f"""<interface type='bridge'><mac address='52:54:00:77:00:02'/>
                            <source bridge='{br}'/></interface>"""
                xml = domain_xml(name, self.rootfs, init='/bin/netinit').replace('<console', iface + '<console')
                dom = c.defineXML(xml)
                dom.create()
                self.assertEqual(self.marker(name), 'rc=0 52:54:00:77:00:02')
                live = dom.XMLDesc(0)
                self.assertRegex(live, r"<target dev='mvv[0-9a-f]+'/>")
                self.assertNotIn('<target dev=', dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
                dom.destroy()
                links = subprocess.run(['ip', '-n', ns, '-o', 'link'], capture_output=True, text=True).stdout
                self.assertNotIn('mvv', links)
                dom.undefine()
                c.close()
            finally:
                d.stop()
        finally:
            subprocess.run(['ip', 'netns', 'del', ns])

    def test_through_the_proxy(self):
        proxy = test_proxy_common.ProxyDaemon(self.root).start()
        try:
            uri = f'lxc+unix:///system?socket={proxy.sock}'
            name = PREFIX + 'proxy'
            self.clear_markers(name)
            c = libvirt.open(uri)
            try:
                self.assertEqual(c.getType(), 'LXC')
                dom = c.createXML(domain_xml(name, self.rootfs))
                self.assertTrue(self.marker(name).startswith('pid=1'))
                p = subprocess.run([harness.VIRSH, '-c', uri, 'list', '--name'], capture_output=True, text=True,
                                   env=harness.CLIENT_ENV, timeout=30)
                self.assertIn(name, p.stdout.split())
                dom.destroy()
            finally:
                c.close()
            self.assertNothingLeft(name)
        finally:
            proxy.stop()


if __name__ == '__main__':
    unittest.main(verbosity=2)
