# SPDX-License-Identifier: LGPL-2.1-or-later
"""A modvirt-qemud under a temporary root for the client tests, always killed at the end,
together with every QEMU it started (a daemon leaves its guests running when it exits).

The root lives in /tmp because unix socket paths are limited to 107 bytes.  Readiness is
the read-write socket accepting a connection.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

_live = []


def _kill_all():
    for d in list(_live):
        d.stop()


atexit.register(_kill_all)


def _on_sigterm(signum, frame):
    # meson's timeout sends SIGTERM: leave through atexit so no daemon outlives the test.
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


def qemu_pids(root):
    """Pids of the QEMUs of @root: their command lines name sockets under it."""
    pids = []
    needle = root.encode()
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            with open(f'/proc/{p}/cmdline', 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        if b'qemu-system' in argv[0] and any(needle in a for a in argv):
            pids.append(int(p))
    return pids


def _cgroups(pid):
    """The cgroup directories of @pid named like the daemon names a guest's (qemu-N-name)."""
    dirs = []
    try:
        with open(f'/proc/{pid}/cgroup') as f:
            lines = f.read().splitlines()
    except OSError:
        return dirs
    for line in lines:
        _, controllers, path = line.split(':', 2)
        if not os.path.basename(path).startswith('qemu-'):
            continue
        if controllers.startswith('name='):
            controllers = controllers[len('name='):]
        for c in (controllers.split(',') if controllers else ['']):
            d = os.path.join('/sys/fs/cgroup', c, path.lstrip('/'))
            if os.path.isdir(d):
                dirs.append(d)
    return dirs


def kill_qemus(root):
    """SIGKILL the QEMUs of @root, wait (up to 10 s) until they are gone and remove their
    cgroups: a killed guest's cgroup outlives it, and a later guest with the same ID and
    name (the next test run) could not be started."""
    pids = qemu_pids(root)
    cgroups = [d for pid in pids for d in _cgroups(pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if os.path.exists(f'/proc/{p}') and not _zombie(p)]
        time.sleep(0.05)
    for d in cgroups:
        try:
            os.rmdir(d)
        except OSError:
            pass
    return pids


def _zombie(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except OSError:
        return True


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr, flush=True)


class Daemon:
    def __init__(self, qemud):
        self.qemud = qemud
        self.root = tempfile.mkdtemp(prefix='mvc-', dir='/tmp')
        self.sockdir = os.path.join(self.root, 'run/libvirt')
        self.sock = os.path.join(self.sockdir, 'virtqemud-sock')
        self.sock_ro = os.path.join(self.sockdir, 'virtqemud-sock-ro')
        self.logfile = os.path.join(self.root, 'daemon.log')
        self.proc = None

    def start(self, timeout=20):
        env = dict(os.environ)
        env.pop('NOTIFY_SOCKET', None)
        with open(self.logfile, 'wb') as logf:
            self.proc = subprocess.Popen([self.qemud, '--root', self.root], stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=subprocess.STDOUT, env=env)
        _live.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'modvirt-qemud exited with {self.proc.returncode}:\n{self.log()}')
            if self._connectable():
                log(f'modvirt-qemud pid {self.proc.pid} ready under {self.root}')
                return self
            time.sleep(0.05)
        raise RuntimeError(f'modvirt-qemud not ready after {timeout}s:\n{self.log()}')

    def _connectable(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.sock)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def log(self):
        try:
            with open(self.logfile, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def stop(self):
        if self in _live:
            _live.remove(self)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        left = kill_qemus(self.root)
        if left:
            log(f'QEMU processes {left} of {self.root} would not die')
        shutil.rmtree(self.root, ignore_errors=True)
