# SPDX-License-Identifier: LGPL-2.1-or-later
"""Guests for the domain tests: diskless firmware guests and a tiny direct-kernel-boot Linux.

The Linux guest (machine-facts R2) is Debian's cloud kernel, taken out of its .deb with
`apt-get download` + `dpkg-deb -x` (never installed), and a busybox initramfs built here.
Its init prints MARKER_BOOT to ttyS0 on every boot and runs busybox acpid, whose power-button
handler prints MARKER_POWEROFF and powers off, so `virsh shutdown` and `virsh reboot` get a
real ACPI reaction.  The build is cached in CACHE_DIR (default /var/tmp/modvirt-test-guest),
keyed by kernel package and by the content of the initramfs recipe; concurrent tests share it
under a file lock.

Also here: QEMU process hygiene for tests (find and kill every QEMU whose command line names a
test root), domain XML makers, an event listener (`virsh event --all --loop`), and a serial
log reader.
"""

import atexit
import fcntl
import glob
import gzip
import hashlib
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import harness

CACHE_DIR = os.environ.get('MODVIRT_TEST_GUEST_CACHE', '/var/tmp/modvirt-test-guest')
EMULATOR = harness.qemu_binary() or '/usr/bin/qemu-system-x86_64'

MARKER_BOOT = 'MODVIRT-GUEST-BOOT-OK'
MARKER_POWEROFF = 'MODVIRT-GUEST-ACPI-POWEROFF'

# Modules the init loads, in dependency order (relative to lib/modules/<kver>/kernel).
# evdev + button give the ACPI power button as /dev/input/event* for busybox acpid.
MODULES = ['drivers/input/evdev.ko', 'drivers/acpi/button.ko']

INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in evdev button; do insmod /lib/modules/$m.ko 2>/dev/null; done
echo 'PWRF PWRF/00000080' > /etc/acpid.conf
acpid -c /etc/acpi -l /tmp/acpid.log
echo "@BOOT@ uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
exec sh -c 'while true; do sleep 3600; done'
'''.replace('@BOOT@', MARKER_BOOT)

POWER_HANDLER = '#!/bin/sh\necho @OFF@ > /dev/ttyS0\npoweroff -f\n'.replace('@OFF@', MARKER_POWEROFF)

DIRS = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'etc/acpi',
        'etc/acpi/PWRF', 'lib', 'lib/modules']

# The cache key of the initramfs: any change to the recipe builds a new one.
RECIPE_VERSION = hashlib.sha256(
    '\0'.join([INIT, POWER_HANDLER] + MODULES + DIRS).encode()).hexdigest()[:12]


# ------------------------------------------------------------------ building the Linux guest

def _kernel_packages():
    """Names of linux-image-6.1.0-N-cloud-amd64 known to apt, newest ABI first."""
    r = subprocess.run(['apt-cache', 'search', '--names-only',
                        r'^linux-image-6\.1\.0-[0-9]+-cloud-amd64$'],
                       capture_output=True, text=True, timeout=120)
    names = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]
    return sorted(set(names), key=lambda n: int(re.search(r'6\.1\.0-(\d+)-', n).group(1)),
                  reverse=True)


def _cpio_newc(entries):
    """A newc cpio archive of (path, mode, data-or-None) entries (directories have None)."""
    out = io.BytesIO()
    ino = 1

    def put(name, mode, data):
        nonlocal ino
        nb = name.encode() + b'\0'
        hdr = '070701' + ''.join('%08X' % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.write(hdr.encode() + nb)
        out.write(b'\0' * (-(110 + len(nb)) % 4))
        out.write(data)
        out.write(b'\0' * (-len(data) % 4))
        ino += 1

    for path, mode, data in entries:
        put(path, mode, data if data is not None else b'')
    put('TRAILER!!!', 0, b'')
    return out.getvalue()


def _build_initrd(moddir, dest):
    entries = []
    for d in DIRS:
        entries.append((d, stat.S_IFDIR | 0o755, None))
    busybox = shutil.which('busybox') or '/bin/busybox'
    with open(busybox, 'rb') as f:
        entries.append(('bin/busybox', stat.S_IFREG | 0o755, f.read()))
    for m in MODULES:
        with open(os.path.join(moddir, m), 'rb') as f:
            entries.append(('lib/modules/' + os.path.basename(m), stat.S_IFREG | 0o644, f.read()))
    entries.append(('init', stat.S_IFREG | 0o755, INIT.encode()))
    entries.append(('etc/acpi/PWRF/00000080', stat.S_IFREG | 0o755, POWER_HANDLER.encode()))
    with open(dest, 'wb') as f:
        f.write(gzip.compress(_cpio_newc(entries), compresslevel=1))


def _complete(d):
    return all(os.path.exists(os.path.join(d, f)) for f in ('vmlinuz', 'initrd.gz', 'READY'))


def _build_one(pkg, d):
    work = tempfile.mkdtemp(prefix='build-', dir=CACHE_DIR)
    try:
        harness.log(f'guest: downloading {pkg} (apt-get download; not installed)')
        r = subprocess.run(['apt-get', 'download', pkg], cwd=work, capture_output=True,
                           text=True, timeout=600)
        debs = glob.glob(os.path.join(work, f'{pkg}_*.deb'))
        if r.returncode != 0 or not debs:
            raise RuntimeError(f'apt-get download {pkg} failed: {r.stderr.strip()}')
        subprocess.run(['dpkg-deb', '-x', debs[0], os.path.join(work, 'x')], check=True,
                       timeout=300)
        kernels = glob.glob(os.path.join(work, 'x/boot/vmlinuz-*'))
        moddirs = glob.glob(os.path.join(work, 'x/lib/modules/*/kernel'))
        if len(kernels) != 1 or len(moddirs) != 1:
            raise RuntimeError(f'{debs[0]} has no single vmlinuz/module tree: {kernels} {moddirs}')
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(kernels[0], os.path.join(d, 'vmlinuz'))
        _build_initrd(moddirs[0], os.path.join(d, 'initrd.gz'))
        with open(os.path.join(d, 'READY'), 'w') as f:
            f.write(f'{pkg} {os.path.basename(kernels[0])} recipe {RECIPE_VERSION}\n')
    finally:
        shutil.rmtree(work, ignore_errors=True)


def linux_guest():
    """{'kernel': path, 'initrd': path, 'package': name}, building it once into CACHE_DIR."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(os.path.join(CACHE_DIR, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        errors = []
        pkgs = _kernel_packages()
        for pkg in pkgs[:3]:     # the newest ABI; older ones if a mirror lacks it
            d = os.path.join(CACHE_DIR, f'{pkg}-{RECIPE_VERSION}')
            if not _complete(d):
                shutil.rmtree(d, ignore_errors=True)
                try:
                    _build_one(pkg, d)
                except (RuntimeError, subprocess.SubprocessError, OSError) as e:
                    errors.append(str(e))
                    continue
                # Builds of older recipes or kernels only take space now.
                for old in glob.glob(os.path.join(CACHE_DIR, 'linux-image-*')):
                    if old != d:
                        shutil.rmtree(old, ignore_errors=True)
            return {'kernel': os.path.join(d, 'vmlinuz'), 'initrd': os.path.join(d, 'initrd.gz'),
                    'package': pkg}
        # No network: any complete earlier build of this recipe will do.
        for d in sorted(glob.glob(os.path.join(CACHE_DIR, f'*-{RECIPE_VERSION}')), reverse=True):
            if _complete(d):
                return {'kernel': os.path.join(d, 'vmlinuz'),
                        'initrd': os.path.join(d, 'initrd.gz'),
                        'package': os.path.basename(d)[:-len(RECIPE_VERSION) - 1]}
        raise RuntimeError('cannot build the test guest: no cloud kernel package '
                           f'(apt-cache found {pkgs}); errors: {errors}')


# ------------------------------------------------------------------ domain XML

def diskless_xml(name, machine='q35', memory_mib=64, vcpus=1, uuid=None, emulator=EMULATOR,
                 extra_os='', extra_devices='', extra=''):
    """A guest with no disk: it sits in SeaBIOS ("No bootable device") forever."""
    u = f'\n  <uuid>{uuid}</uuid>' if uuid else ''
    return f'''<domain type='qemu'>
  <name>{name}</name>{u}
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='{machine}'>hvm</type>{extra_os}
  </os>{extra}
  <devices>
    <emulator>{emulator}</emulator>{extra_devices}
  </devices>
</domain>
'''


def linux_xml(name, g, serial_path, machine='q35', memory_mib=96, vcpus=1, uuid=None,
              kernel=None, on_reboot='restart'):
    """The busybox Linux guest @g (from linux_guest()) with ttyS0 written to @serial_path."""
    u = f'\n  <uuid>{uuid}</uuid>' if uuid else ''
    return f'''<domain type='qemu'>
  <name>{name}</name>{u}
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='{machine}'>hvm</type>
    <kernel>{kernel or g['kernel']}</kernel>
    <initrd>{g['initrd']}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>{on_reboot}</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{EMULATOR}</emulator>
    <serial type='file'>
      <source path='{serial_path}'/>
      <target port='0'/>
    </serial>
  </devices>
</domain>
'''


def read_text(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode(errors='replace')
    except FileNotFoundError:
        return ''


def wait_marker(path, marker, count=1, timeout=60):
    """Wait until @marker appears @count times in the file @path; return the count seen."""
    n = harness.wait_until(lambda: read_text(path).count(marker) >= count, timeout, 0.1)
    return read_text(path).count(marker) if not n else count


# ------------------------------------------------------------------ QEMU process hygiene

def qemu_pids(root):
    """Pids of processes (other than the daemon) whose command line mentions @root: the
    QEMUs of that test root (their monitor socket lives under it)."""
    pids = []
    needle = root.encode()
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open(f'/proc/{p}/cmdline', 'rb') as f:
                cmd = f.read()
        except OSError:
            continue
        if needle in cmd and b'qemu-system' in cmd.split(b'\0')[0]:
            pids.append(int(p))
    return pids


def status_pids(root):
    """Pids recorded in ROOT/run/modvirt/qemu/*.xml status files."""
    pids = []
    for f in glob.glob(os.path.join(root, 'run/modvirt/qemu/*.xml')):
        m = re.search(r"<domstatus[^>]*\spid='(\d+)'", read_text(f))
        if m:
            pids.append(int(m.group(1)))
    return pids


def cgroup_dirs_of(pid):
    """The guest cgroup directories (last component qemu-*) that @pid sits in."""
    dirs = []
    for ln in read_text(f'/proc/{pid}/cgroup').splitlines():
        num, ctrls, path = ln.split(':', 2)
        base = os.path.basename(path)
        if not base.startswith('qemu-'):
            continue
        if num == '0':
            mount = '/sys/fs/cgroup/unified'
            if not os.path.isdir(mount):
                mount = '/sys/fs/cgroup'
        else:
            first = ctrls.split(',')[0].replace('name=', '')
            mount = f'/sys/fs/cgroup/{ctrls}'
            if not os.path.isdir(mount):
                mount = f'/sys/fs/cgroup/{first}'
        dirs.append(mount + path)
    return dirs


def status_cgroups(root):
    """{cgroup name: status file} from ROOT/run/modvirt/qemu/*.xml."""
    out = {}
    for f in glob.glob(os.path.join(root, 'run/modvirt/qemu/*.xml')):
        m = re.search(r"<cgroup name='([^']+)'", read_text(f))
        if m:
            out[m.group(1)] = f
    return out


def cgroup_dirs_named(name):
    """Every directory called @name under a 'machine' group of any mounted hierarchy."""
    return [d for d in glob.glob(f'/sys/fs/cgroup/*/machine/{name}') +
            glob.glob(f'/sys/fs/cgroup/*/*/machine/{name}') +
            glob.glob(f'/sys/fs/cgroup/*/*/*/machine/{name}') if os.path.isdir(d)]


def kill_qemus(root):
    """SIGKILL every QEMU of @root (by status file and by command line), then remove the
    cgroups they sat in (nobody else will: the daemon is gone).  Returns the pids."""
    pids = set(qemu_pids(root))
    for pid in status_pids(root):
        if b'qemu-system' in read_text(f'/proc/{pid}/cmdline').encode().split(b'\0')[0]:
            pids.add(pid)
    dirs = set()
    for pid in pids:
        dirs.update(cgroup_dirs_of(pid))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    harness.wait_until(lambda: not any(_alive(p) for p in pids), 10)
    for name in status_cgroups(root):
        dirs.update(cgroup_dirs_named(name))
    for d in sorted(dirs, key=len, reverse=True):
        # An exited process leaves its cgroup a moment later: retry briefly.
        harness.wait_until(lambda: _rmdir(d), 2)
    return sorted(pids)


def _rmdir(d):
    try:
        os.rmdir(d)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def pid_alive(pid):
    return _alive(pid)


# Every root a GuestDaemon ran in: their QEMUs die with the test process, also when meson's
# timeout sends SIGTERM (harness's handler then kills the daemons and leaves at once).
_roots = set()


def _kill_all_qemus():
    for root in list(_roots):
        try:
            kill_qemus(root)
        except Exception as e:     # keep going: the other roots still need it
            print(f'cannot clean up the QEMUs of {root}: {e}', flush=True)


def _on_sigterm(signum, frame):
    _kill_all_qemus()
    harness._on_sigterm(signum, frame)


atexit.register(_kill_all_qemus)
signal.signal(signal.SIGTERM, _on_sigterm)


class GuestDaemon(harness.Daemon):
    """A Daemon whose cleanup also kills every QEMU of its root (.leftover: their pids).
    kill() alone (kill -9 of the daemon) leaves the guests running, as restart tests need."""

    leftover = ()

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        _roots.add(self.root)

    def cleanup(self):
        self.kill()
        self.leftover = kill_qemus(self.root)
        if self.leftover:
            harness.log(f'killed leftover QEMU processes {self.leftover} of {self.root}')
        super().cleanup()


# ------------------------------------------------------------------ events through virsh

class EventWatcher:
    """`virsh event --all --loop --timeout N` in the background, lines collected as they come.

    virsh prints nothing until the first event, so the constructor synchronises: it defines
    and undefines a probe domain until virsh reports both, which proves the callbacks are
    registered.  Tests then look only at the lines of their own domains.
    """

    def __init__(self, uri, probe_dir, timeout=170):
        argv = [harness.VIRSH, '-c', uri, 'event', '--all', '--loop', '--timeout', str(timeout)]
        harness.log('$ ' + ' '.join(argv) + '   (background)')
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=harness.CLIENT_ENV)
        self.lines = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        probe = f'evprobe-{os.getpid()}-{id(self) % 10000}'
        path = os.path.join(probe_dir, probe + '.xml')
        with open(path, 'w') as f:
            f.write(diskless_xml(probe))
        deadline = time.monotonic() + 20
        while True:
            harness.virsh(uri, 'define', path, check=True)
            seen = self.wait_for(f"for domain '{probe}': Defined", 0.5)
            harness.virsh(uri, 'undefine', probe, check=True)
            if seen:
                break
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise AssertionError('virsh event --all --loop never reported the probe '
                                     f'domain being defined: {self.snapshot()}')
        if not self.wait_for(f"for domain '{probe}': Undefined", 10):
            raise AssertionError(f'virsh event did not report the probe undefine: {self.snapshot()}')

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors='replace').rstrip('\n')
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, text, timeout=30, count=1):
        """Wait until @count lines contain @text; return True if they did."""
        with self._cond:
            return self._cond.wait_for(
                lambda: sum(text in ln for ln in self.lines) >= count, timeout)

    def snapshot(self):
        with self._cond:
            return list(self.lines)

    def of(self, name):
        """The event lines of domain @name, without the common prefix:
        "lifecycle: Started Booted", "reboot"."""
        out = []
        for ln in self.snapshot():
            m = re.match(r"event '([\w-]+)' for domain '([^']*)'(?:: (.*))?$", ln)
            if m and m.group(2) == name:
                out.append(m.group(1) + (': ' + m.group(3) if m.group(3) else ''))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read().decode(errors='replace')
        self.proc.stdout.close()
        self.proc.stderr.close()
        harness.log('virsh event lines: ' + repr(self.snapshot()) + (f' stderr {err!r}' if err else ''))
        return self.snapshot()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def is_subsequence(expected, actual):
    it = iter(actual)
    return all(any(e == a for a in it) for e in expected)


# ------------------------------------------------------------------ virsh

def virsh(uri, *args, readonly=False, timeout=60, check=False):
    """One-shot virsh without -q: the messages a user reads ("Domain 'x' started") stay."""
    argv = [harness.VIRSH] + (['-r'] if readonly else []) + ['-c', uri] + list(args)
    return harness.run(argv, timeout=timeout, check=check)


def parse_list(text):
    """`virsh list` table rows -> {name: (id or None, state)}."""
    out = {}
    for ln in text.splitlines():
        parts = ln.split()
        if len(parts) < 3 or parts[0] == 'Id' or set(ln.strip()) <= {'-'}:
            continue
        out[parts[1]] = (None if parts[0] == '-' else int(parts[0]), ' '.join(parts[2:]))
    return out


def parse_colon(text):
    """`Key:   value` lines (dominfo) -> dict."""
    out = {}
    for ln in text.splitlines():
        if ':' in ln:
            k, v = ln.split(':', 1)
            out[k.strip()] = v.strip()
    return out


# ------------------------------------------------------------------ test case base

class GuestTestCase(unittest.TestCase):
    """One modvirt-qemud (GuestDaemon) per class; every QEMU of its root is killed at the end,
    whatever happened.  The daemon must still exit 0 on SIGTERM."""

    daemon_args = ()

    @classmethod
    def setUpClass(cls):
        cls.daemon = GuestDaemon(args=cls.daemon_args)
        try:
            cls.daemon.start()
        except BaseException:
            cls.daemon.cleanup()
            raise
        cls.uri = cls.daemon.uri
        cls.root = cls.daemon.root

    @classmethod
    def tearDownClass(cls):
        was_running = cls.daemon.running()
        rc = cls.daemon.stop()
        cls.daemon.cleanup()
        if was_running and rc != 0:
            raise AssertionError(f'modvirt-qemud exited with status {rc} on SIGTERM')

    def write(self, name, text):
        path = os.path.join(self.root, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def virsh(self, *args, check=False, readonly=False, timeout=60):
        return virsh(self.daemon.uri_ro if readonly else self.uri, *args, check=check,
                     readonly=readonly, timeout=timeout)

    def virsh_ok(self, *args, **kw):
        r = self.virsh(*args, **kw)
        self.assertEqual(r.returncode, 0, f'virsh {" ".join(args)} failed: {r.stderr.strip()}')
        return r.stdout

    def virsh_fails(self, *args, **kw):
        r = self.virsh(*args, **kw)
        self.assertNotEqual(r.returncode, 0, f'virsh {" ".join(args)} succeeded: {r.stdout!r}')
        return r.stderr

    def domstate(self, name, reason=True):
        args = ['domstate', name] + (['--reason'] if reason else [])
        return self.virsh_ok(*args).strip()

    def listing(self, *flags):
        return parse_list(self.virsh_ok('list', *flags))

    def validate(self, xml, label):
        path = self.write(f'{label}.xml', xml)
        r = harness.run(['virt-xml-validate', path, 'domain'])
        self.assertEqual(r.returncode, 0, f'{label} does not validate against domain.rng: '
                         f'{r.stderr}{r.stdout}\n{xml}')

    def qemu_pid_of(self, name):
        """The pid in the status file of @name (None without one)."""
        m = re.search(r"<domstatus[^>]*\spid='(\d+)'",
                      read_text(os.path.join(self.root, f'run/modvirt/qemu/{name}.xml')))
        return int(m.group(1)) if m else None


class RootTestCase(unittest.TestCase):
    """Each test gets its own root; whatever happens, its QEMUs die and the root goes."""

    def setUp(self):
        self.root = harness.make_root()
        self.daemons = []
        self.cgroup_dirs = []     # of QEMUs a test kills behind the daemon's back

    def tearDown(self):
        for d in self.daemons:
            d.kill()
        killed = kill_qemus(self.root)
        if killed:
            harness.log(f'tearDown killed QEMU {killed}')
        for p in sorted(set(self.cgroup_dirs), key=len, reverse=True):
            harness.wait_until(lambda: _rmdir(p), 2)
        if not os.environ.get('MV_KEEP_ROOT'):
            shutil.rmtree(self.root, ignore_errors=True)

    def daemon(self, args=(), root=None):
        d = GuestDaemon(args=args, root=root or self.root)
        self.daemons.append(d)
        d.start()
        return d

    def virsh_ok(self, d, *args):
        r = virsh(d.uri, *args)
        self.assertEqual(r.returncode, 0, f'virsh {" ".join(args)}: {r.stderr.strip()}')
        return r.stdout.strip()

    def define(self, d, name, xml=None, **kw):
        path = os.path.join(d.root, f'{name}.xml')
        with open(path, 'w') as f:
            f.write(xml or diskless_xml(name, **kw))
        self.virsh_ok(d, 'define', path)
        return path

    def status_pid(self, name, root=None):
        text = read_text(os.path.join(root or self.root, f'run/modvirt/qemu/{name}.xml'))
        m = re.search(r"<domstatus[^>]*\spid='(\d+)'", text)
        return int(m.group(1)) if m else None

    def status_cgroup(self, name):
        text = read_text(os.path.join(self.root, f'run/modvirt/qemu/{name}.xml'))
        m = re.search(r"<cgroup name='([^']+)'", text)
        return m.group(1) if m else None
