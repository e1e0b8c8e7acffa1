# SPDX-License-Identifier: LGPL-2.1-or-later
"""The parts of the main job (scripts/demo), one function per daemon, in the order they
run.  Each is called only when its daemon is built, with the Demo object that owns the
private root, the network namespace and the daemons; what a part creates it removes again,
or registers a cleanup on demo.cleanups."""
import os
import subprocess
import time

PARTS = []


def part(daemon):
    def wrap(fn):
        fn.daemon = daemon
        PARTS.append(fn)
        return fn
    return wrap


@part('modvirt-qemud')
def qemu_guest(demo):
    """A real Linux guest under QEMU/TCG: boot, vCPU statistics, ACPI shutdown."""
    uri = demo.uri('qemu')
    demo.step('the QEMU driver through the proxy')
    demo.run('virsh', '-c', uri, 'version')
    demo.run('virsh', '-c', uri, 'nodeinfo')

    demo.step('building the guest (Debian cloud kernel + busybox initramfs; cached after the first run)')
    g = demo.guest.linux_guest()
    print(f"kernel {g['kernel']}\ninitrd {g['initrd']}")
    serial = os.path.join(demo.root, 'serial.log')
    xml = os.path.join(demo.root, 'demo.xml')
    with open(xml, 'w') as f:
        f.write(demo.guest.linux_xml('demo', g, serial, vcpus=2))

    demo.step('define and start it with Debian virsh')
    demo.run('virsh', '-c', uri, 'define', xml)
    demo.cleanups.append(lambda: subprocess.run(['virsh', '-c', uri, 'undefine', 'demo'],
                                                capture_output=True))
    demo.run('virsh', '-c', uri, 'start', 'demo')
    demo.guest.wait_marker(serial, 'MODVIRT-GUEST-BOOT-OK', timeout=120)
    print('guest booted: its serial port says MODVIRT-GUEST-BOOT-OK')
    demo.run('virsh', '-c', uri, 'dominfo', 'demo')

    demo.step('vCPU statistics (nanoseconds, from schedstat)')
    demo.run('virsh', '-c', uri, 'domstats', '--vcpu', '--cpu-total', 'demo')
    demo.run(demo.shell, '-c', uri, 'top', '--batch', '--iterations', '2')
    import libvirt
    conn = libvirt.open(uri)
    for dom, stats in conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_VCPU):
        for i in range(stats['vcpu.current']):
            print(f"python3-libvirt: {dom.name()} vcpu {i}: time {stats[f'vcpu.{i}.time']} ns, "
                  f"wait {stats[f'vcpu.{i}.wait']} ns, delay {stats[f'vcpu.{i}.delay']} ns")
    conn.close()

    demo.step('ACPI shutdown: the guest powers itself off')
    demo.run('virsh', '-c', uri, 'shutdown', 'demo')
    out = ''
    for _ in range(600):
        out = subprocess.run(['virsh', '-c', uri, 'domstate', 'demo', '--reason'],
                             capture_output=True, text=True).stdout.strip()
        if out.startswith('shut off'):
            break
        time.sleep(0.1)
    print('domstate:', out)
    demo.run('virsh', '-c', uri, 'undefine', 'demo')


@part('modvirt-storaged')
def storage(demo):
    """A directory pool and volumes made by qemu-img, streamed in and out."""
    uri = demo.uri('storage')
    demo.step('storage: the default directory pool, a qcow2 volume, a streamed upload')
    demo.run('virsh', '-c', uri, 'pool-list', '--all')
    demo.run('virsh', '-c', uri, 'vol-create-as', 'default', 'demo-disk.qcow2', '64M', '--format', 'qcow2')
    demo.cleanups.append(lambda: subprocess.run(['virsh', '-c', uri, 'vol-delete', 'demo-disk.qcow2',
                                                 '--pool', 'default'], capture_output=True))
    data = os.path.join(demo.root, 'upload.bin')
    with open(data, 'wb') as f:
        f.write(os.urandom(1 << 20))
    demo.run('virsh', '-c', uri, 'vol-create-as', 'default', 'demo-data.raw', '1M', '--allocation', '0')
    demo.cleanups.append(lambda: subprocess.run(['virsh', '-c', uri, 'vol-delete', 'demo-data.raw',
                                                 '--pool', 'default'], capture_output=True))
    demo.run('virsh', '-c', uri, 'vol-upload', 'demo-data.raw', data, '--pool', 'default')
    back = os.path.join(demo.root, 'download.bin')
    demo.run('virsh', '-c', uri, 'vol-download', 'demo-data.raw', back, '--pool', 'default')
    with open(data, 'rb') as a, open(back, 'rb') as b:
        print('uploaded and downloaded bytes are', 'identical' if a.read() == b.read() else 'DIFFERENT')
    demo.run('virsh', '-c', uri, 'vol-list', 'default', '--details')


@part('modvirt-netd')
def network(demo):
    """libvirt's default NAT network, brought up inside the demo's network namespace."""
    uri = demo.uri('network')
    demo.step(f'networks: the default NAT network (bridge, dnsmasq, nftables) inside namespace {demo.netns}')
    demo.run('virsh', '-c', uri, 'net-list', '--all')
    demo.run('virsh', '-c', uri, 'net-info', 'default')
    demo.run('ip', '-n', demo.netns, '-br', 'addr', 'show')


@part('modvirt-qemud')
def guest_on_volume_and_network(demo):
    """A guest whose disk is a storaged volume and whose NIC is on netd's network: it gets
    its address by DHCP from the network's dnsmasq and pings the gateway."""
    if not all(os.path.exists(os.path.join(demo.root, 'run', 'libvirt', s))
               for s in ('virtnetworkd-sock', 'virtstoraged-sock')):
        return
    import netguest
    uri = demo.uri('qemu')
    demo.step('a guest on a volume and a network: its kernel asks for an address by DHCP')
    g = netguest.net_guest()
    serial = os.path.join(demo.root, 'netguest.serial')
    xml = netguest.xml('demo-net', g, serial, 'default', '52:54:00:6d:76:01')
    disk = '''    <disk type='volume' device='disk'>
      <source pool='default' volume='demo-disk.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface'''
    xml = xml.replace('    <interface', disk, 1)
    path = os.path.join(demo.root, 'demo-net.xml')
    with open(path, 'w') as f:
        f.write(xml)
    demo.run('virsh', '-c', uri, 'create', path)
    demo.cleanups.append(lambda: subprocess.run(['virsh', '-c', uri, 'destroy', 'demo-net'],
                                                capture_output=True))
    demo.guest.wait_marker(serial, 'NETGUEST-PING-OK', timeout=120)
    for line in demo.guest.read_text(serial).splitlines():
        if line.startswith(('NETGUEST-DHCP', 'NETGUEST-PING')):
            print('guest serial:', line.strip())
    demo.run('virsh', '-c', uri, 'domblklist', 'demo-net', check=False)
    demo.run('virsh', '-c', uri, 'net-dhcp-leases', 'default')
    demo.run('virsh', '-c', uri, 'domifaddr', 'demo-net')
    demo.run('virsh', '-c', uri, 'destroy', 'demo-net')


CONTAINER_INIT = """#!/bin/sh
echo "container init: pid $$, hostname $(hostname), $(ls -d /proc/[0-9]* | wc -l) processes in its /proc" > /tmp/hello
while true; do sleep 1; done
"""


@part('modvirt-lxcd')
def container(demo):
    """A busybox container under its own controller: PID 1 in new namespaces, cgroup limits."""
    import shutil as sh
    uri = demo.uri('lxc')
    demo.step('a container: busybox as PID 1 in its own namespaces, a memory limit from its cgroup')
    rootfs = os.path.join(demo.root, 'ctroot')
    for d in ('bin', 'tmp', 'etc', 'proc', 'sys', 'dev'):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    os.chmod(os.path.join(rootfs, 'tmp'), 0o1777)
    sh.copy('/bin/busybox', os.path.join(rootfs, 'bin', 'busybox'))
    for applet in ('sh', 'echo', 'hostname', 'ls', 'wc', 'sleep', 'cat', 'ps'):
        os.symlink('busybox', os.path.join(rootfs, 'bin', applet))
    init = os.path.join(rootfs, 'bin', 'ctinit')
    with open(init, 'w') as f:
        f.write(CONTAINER_INIT)
    os.chmod(init, 0o755)
    xml = os.path.join(demo.root, 'ct.xml')
    with open(xml, 'w') as f:
        f.write(f"""<domain type='lxc'>
  <name>demo-ct</name>
  <memory unit='MiB'>48</memory>
  <vcpu>1</vcpu>
  <os><type>exe</type><init>/bin/ctinit</init></os>
  <devices>
    <filesystem type='mount'><source dir='{rootfs}'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
""")
    demo.run('virsh', '-c', uri, 'define', xml)
    demo.cleanups.append(lambda: subprocess.run(['virsh', '-c', uri, 'undefine', 'demo-ct'], capture_output=True))
    demo.run('virsh', '-c', uri, 'start', 'demo-ct')
    demo.cleanups.append(lambda: subprocess.run(['virsh', '-c', uri, 'destroy', 'demo-ct'], capture_output=True))
    hello = os.path.join(rootfs, 'tmp', 'hello')
    for _ in range(100):
        if os.path.exists(hello):
            break
        time.sleep(0.1)
    with open(hello) as f:
        print(f.read().strip())
    demo.run('virsh', '-c', uri, 'list')
    demo.run('virsh', '-c', uri, 'lxc-enter-namespace', 'demo-ct', '--noseclabel', '/bin/ps')
    demo.run('virsh', '-c', uri, 'domstats', 'demo-ct')
    demo.run('virsh', '-c', uri, 'destroy', 'demo-ct')
    demo.run('virsh', '-c', uri, 'undefine', 'demo-ct')


@part('modvirt-xend')
def xen(demo):
    """Xen without a hypervisor: xl.cfg converted by Xen's own parser, defined, and a start
    refused clearly."""
    example = '/usr/local/share/xen-examples/xlexample.pvlinux'
    if not os.path.exists(example):
        return
    uri = demo.uri('xen')
    demo.step("Xen: Xen's example xl.cfg to libvirt XML and back (no hypervisor on this host)")
    xml = os.path.join(demo.root, 'xen.xml')
    with open(xml, 'w') as f:
        f.write(demo.out('virsh', '-c', uri, 'domxml-from-native', 'xen-xl', example))
    demo.run('virsh', '-c', uri, 'domxml-from-native', 'xen-xl', example)
    demo.run('virsh', '-c', uri, 'domxml-to-native', 'xen-xl', xml)
    demo.run('virsh', '-c', uri, 'define', xml)
    name = demo.out('virsh', '-c', uri, 'list', '--all', '--name').split()[0]
    demo.run('virsh', '-c', uri, 'start', name, check=False)
    demo.run('virsh', '-c', uri, 'undefine', name)


@part('modvirt-bhyved')
def bhyve(demo):
    """bhyve on Linux: the command lines libvirt's bhyve driver would run on FreeBSD."""
    uri = demo.uri('bhyve')
    demo.step('bhyve: the bhyveload and bhyve command lines for a definition')
    xml = os.path.join(demo.root, 'bhyve.xml')
    with open(xml, 'w') as f:
        f.write("""<domain type='bhyve'>
  <name>demo-bsd</name>
  <memory unit='MiB'>512</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/srv/bhyve/demo-bsd.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <mac address='52:54:00:6d:b1:20'/>
      <source bridge='bridge0'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
""")
    demo.run('virsh', '-c', uri, 'domxml-to-native', 'bhyve-argv', xml)
