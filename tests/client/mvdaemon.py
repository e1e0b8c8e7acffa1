# SPDX-License-Identifier: LGPL-2.1-or-later
"""A modvirt-qemud under a temporary root for the client tests, always killed at the end.

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
        shutil.rmtree(self.root, ignore_errors=True)
