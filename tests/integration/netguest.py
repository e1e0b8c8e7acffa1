# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Linux guest for the network tests: the kernel of guest.py's Linux guest, and an
initramfs of its own here (virtio-net modules, busybox udhcpc) whose init gets an address by
DHCP on eth0, prints it and pings the gateway, and keeps pinging it so that a test can count
lost replies.  Built once into CACHE_DIR (its own, so guest.py's cache is never touched)."""

import fcntl
import glob
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import gzip

import guest
import harness

CACHE_DIR = os.environ.get('MODVIRT_TEST_NETGUEST_CACHE', '/var/tmp/modvirt-test-netguest')
MODULES = ['drivers/virtio/virtio.ko', 'drivers/virtio/virtio_ring.ko',
           'drivers/virtio/virtio_pci_legacy_dev.ko', 'drivers/virtio/virtio_pci_modern_dev.ko',
           'drivers/virtio/virtio_pci.ko', 'net/core/failover.ko', 'drivers/net/net_failover.ko',
           'drivers/net/virtio_net.ko']
INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
  insmod /lib/modules/$m.ko > /dev/ttyS0 2>&1; done
echo "NETGUEST-BOOT $(ls /sys/class/net | tr '\n' ' ')" > /dev/ttyS0
ip link set lo up; ip link set eth0 up
udhcpc -s /etc/udhcpc.sh -i eth0 -n -q -t 20 -T 1 > /dev/null 2>&1
GW=$(cat /tmp/gw 2>/dev/null)
if [ -n "$GW" ] && ping -c1 -W2 $GW > /dev/null 2>&1; then echo "NETGUEST-PING-OK $GW" > /dev/ttyS0; else echo "NETGUEST-PING-FAIL" > /dev/ttyS0; fi
# Ping the gateway once a tenth of a second for ever; report losses.
exec sh -c 'n=0; while true; do if ping -c1 -W1 '"$GW"' > /dev/null 2>&1; then :; else n=$((n+1)); echo "NETGUEST-LOST $n" > /dev/ttyS0; fi; sleep 0.1; done'
'''
UDHCPC = r'''#!/bin/sh
case "$1" in
  bound|renew) ip addr add $ip/${mask:-24} dev $interface; echo ${router%% *} > /tmp/gw
               echo "NETGUEST-DHCP $ip" > /dev/ttyS0;;
esac
'''
RECIPE = hashlib.sha256('\0'.join([INIT, UDHCPC] + MODULES).encode()).hexdigest()[:12]


def _build(pkg, d):
    work = tempfile.mkdtemp(prefix='build-', dir=CACHE_DIR)
    try:
        harness.log(f'netguest: downloading {pkg} (apt-get download; not installed)')
        r = subprocess.run(['apt-get', 'download', pkg], cwd=work, capture_output=True, text=True, timeout=600)
        debs = glob.glob(os.path.join(work, f'{pkg}_*.deb'))
        if r.returncode != 0 or not debs:
            raise RuntimeError(f'apt-get download {pkg} failed: {r.stderr.strip()}')
        subprocess.run(['dpkg-deb', '-x', debs[0], os.path.join(work, 'x')], check=True, timeout=300)
        kernel = glob.glob(os.path.join(work, 'x/boot/vmlinuz-*'))[0]
        moddir = glob.glob(os.path.join(work, 'x/lib/modules/*/kernel'))[0]
        entries = [(p, stat.S_IFDIR | 0o755, None) for p in
                   ('bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'lib',
                    'lib/modules')]
        with open(shutil.which('busybox') or '/bin/busybox', 'rb') as f:
            entries.append(('bin/busybox', stat.S_IFREG | 0o755, f.read()))
        for m in MODULES:
            with open(os.path.join(moddir, m), 'rb') as f:
                entries.append(('lib/modules/' + os.path.basename(m), stat.S_IFREG | 0o644, f.read()))
        entries.append(('init', stat.S_IFREG | 0o755, INIT.encode()))
        entries.append(('etc/udhcpc.sh', stat.S_IFREG | 0o755, UDHCPC.encode()))
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(kernel, os.path.join(d, 'vmlinuz'))
        with open(os.path.join(d, 'initrd.gz'), 'wb') as f:
            f.write(gzip.compress(guest._cpio_newc(entries), compresslevel=1))
        with open(os.path.join(d, 'READY'), 'w') as f:
            f.write(f'{pkg} recipe {RECIPE}\n')
    finally:
        shutil.rmtree(work, ignore_errors=True)


def net_guest():
    """{'kernel': path, 'initrd': path}, built once."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(os.path.join(CACHE_DIR, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for pkg in guest._kernel_packages()[:3]:
            d = os.path.join(CACHE_DIR, f'{pkg}-{RECIPE}')
            if not os.path.exists(os.path.join(d, 'READY')):
                shutil.rmtree(d, ignore_errors=True)
                try:
                    _build(pkg, d)
                except (RuntimeError, subprocess.SubprocessError, OSError, IndexError) as e:
                    harness.log(f'netguest: {e}')
                    continue
                for old in glob.glob(os.path.join(CACHE_DIR, 'linux-image-*')):
                    if old != d:
                        shutil.rmtree(old, ignore_errors=True)
            return {'kernel': os.path.join(d, 'vmlinuz'), 'initrd': os.path.join(d, 'initrd.gz')}
        for d in sorted(glob.glob(os.path.join(CACHE_DIR, f'*-{RECIPE}')), reverse=True):
            if os.path.exists(os.path.join(d, 'READY')):
                return {'kernel': os.path.join(d, 'vmlinuz'), 'initrd': os.path.join(d, 'initrd.gz')}
        raise RuntimeError('cannot build the network test guest (no cloud kernel package could be downloaded)')


def xml(name, g, serial_path, network, mac):
    return f'''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{g['kernel']}</kernel>
    <initrd>{g['initrd']}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>{guest.EMULATOR}</emulator>
    <interface type='network'>
      <source network='{network}'/>
      <mac address='{mac}'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='{serial_path}'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
'''
