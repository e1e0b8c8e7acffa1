# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared pieces of the network daemon tests (not a test itself): modvirt-netd run inside a
network namespace of the test's own (so no bridge, dnsmasq or nftables rule ever touches the
host's networking), client namespaces joined to a network's bridge by a veth pair, and a DHCP
client (busybox udhcpc) in them."""

import os
import signal
import subprocess
import time
import unittest

import harness

BUILD = os.path.join(harness.SOURCE_ROOT, 'build')
NETD = os.environ.get('MODVIRT_NETD') or os.path.join(BUILD, 'src/netd/modvirt-netd')
BUSYBOX = '/bin/busybox'

UDHCPC_SCRIPT = '''#!/bin/sh
case "$1" in
  bound|renew) ip addr add $ip/${mask:-24} dev $interface; [ -n "$router" ] && ip route add default via ${router%% *}; echo "BOUND $ip";;
  deconfig) ip link set $interface up;;
esac
'''


def sh(*argv, check=True, timeout=30):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f'{" ".join(argv)} failed ({r.returncode}): {r.stderr}{r.stdout}')
    return r


def require(path, package):
    if not os.path.exists(path):
        raise AssertionError(f'{path} is missing: install the Debian package {package} (scripts/install-deps)')


class Netns:
    """A network namespace named mv-netd-<pid>-<tag>, deleted (with every link in it) at close."""

    def __init__(self, tag):
        self.name = f'mv-netd-{os.getpid()}-{tag}'
        sh('ip', 'netns', 'add', self.name)
        sh('ip', '-n', self.name, 'link', 'set', 'lo', 'up')

    def run(self, *argv, check=True, timeout=30):
        return sh('ip', 'netns', 'exec', self.name, *argv, check=check, timeout=timeout)

    def links(self):
        return self.run('ip', '-o', 'link', 'show').stdout

    def nft(self):
        return self.run('nft', 'list', 'ruleset').stdout

    def close(self):
        sh('ip', 'netns', 'del', self.name, check=False)


class NetDaemon(harness.Daemon):
    """modvirt-netd under @root, inside network namespace @ns."""

    # Tests define their own networks: no shipped default network unless a test asks.
    NO_DEFAULT = '[network]\ndefault_network = false\n'

    def __init__(self, ns, root=None, config=NO_DEFAULT, args=()):
        super().__init__(args=args, root=root)
        # dnsmasq reads its host files after it drops to its own user: it must be able to
        # pass through the test's private root (0700 from mkdtemp), as through / on a host.
        os.chmod(self.root, 0o711)
        self.ns = ns
        d = os.path.join(self.root, 'run/libvirt')
        self.sock = os.path.join(d, 'virtnetworkd-sock')
        self.sock_ro = os.path.join(d, 'virtnetworkd-sock-ro')
        self.sock_admin = os.path.join(d, 'virtnetworkd-admin-sock')
        self.pidfile = os.path.join(self.root, 'run/modvirt/modvirt-netd.pid')
        self.config_path = os.path.join(self.root, 'etc/modvirt/modvirt-netd.conf')
        self.logfile = os.path.join(self.root, 'netd.log')
        if config is not None:
            self.write_config(config)

    @property
    def uri(self):
        return f'network+unix:///system?socket={self.sock}'

    def argv(self):
        return ['ip', 'netns', 'exec', self.ns.name, NETD, '--root', self.root, '--verbose'] + self.args

    def start(self, wait=True, timeout=20):
        # A restart binds the sd_notify socket again at the same path.
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self.notifications = []
        super().start(wait=False)
        if wait:
            self.wait_ready(timeout)
        return self

    def dnsmasq_pids(self):
        """Pids of the dnsmasq processes started for networks under this root."""
        r = sh('pgrep', '-f', f'dnsmasq --conf-file={self.root}/', check=False)
        return [int(p) for p in r.stdout.split()]

    def kill_dnsmasqs(self):
        for pid in self.dnsmasq_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class NetTestCase(unittest.TestCase):
    """Each test gets a fresh namespace, root and netd; everything is removed afterwards."""

    def setUp(self):
        require(NETD, 'modvirt (build it first)')
        require('/usr/sbin/dnsmasq', 'dnsmasq-base')
        require('/usr/sbin/nft', 'nftables')
        require(BUSYBOX, 'busybox-static')
        self.ns = Netns('d')
        self.addCleanup(self.ns.close)
        self.netd = NetDaemon(self.ns)
        self.addCleanup(self.netd.cleanup)
        self.addCleanup(self.netd.kill_dnsmasqs)
        self.netd.start()
        self.clients = []

    def virsh(self, *args, check=False, uri=None):
        return harness.virsh(uri or self.netd.uri, *args, check=check)

    def define(self, xml, name='net.xml'):
        path = os.path.join(self.netd.root, name)
        with open(path, 'w') as f:
            f.write(xml)
        return path

    def client(self, bridge, mac, tag):
        """A namespace with a veth whose peer is a port of @bridge; returns (ns, ifname)."""
        c = Netns(f'c{tag}')
        self.addCleanup(c.close)
        host_if, guest_if = f'mvh{tag}', f'mvc{tag}'
        self.ns.run('ip', 'link', 'add', host_if, 'type', 'veth', 'peer', 'name', guest_if)
        self.ns.run('ip', 'link', 'set', guest_if, 'netns', c.name)
        self.ns.run('ip', 'link', 'set', host_if, 'master', bridge, 'up')
        c.run('ip', 'link', 'set', guest_if, 'address', mac, 'up')
        return c, guest_if

    def dhcp(self, c, ifname):
        """Run udhcpc in @c; returns the address it was given, or None."""
        script = os.path.join(self.netd.root, 'udhcpc.sh')
        with open(script, 'w') as f:
            f.write(UDHCPC_SCRIPT)
        os.chmod(script, 0o755)
        # A new bridge port with STP on listens and learns for 2 s each before it forwards.
        r = c.run(BUSYBOX, 'udhcpc', '-i', ifname, '-n', '-q', '-t', '12', '-T', '1', '-s', script,
                  check=False, timeout=30)
        for line in r.stdout.splitlines():
            if line.startswith('BOUND '):
                return line.split()[1]
        return None


def wait_gone(pids, timeout=5):
    def gone():
        return all(not os.path.exists(f'/proc/{p}') or open(f'/proc/{p}/stat').read().split()[2] == 'Z'
                   for p in pids)
    return harness.wait_until(gone, timeout)
