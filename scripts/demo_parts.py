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
