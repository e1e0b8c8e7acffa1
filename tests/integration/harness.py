# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared harness of the integration tests: real modvirt daemons in temporary roots.

A Daemon runs modvirt-qemud under a fresh root in /tmp (unix socket paths are limited to
107 bytes), waits for its sd_notify READY=1, keeps its log, and is always killed at the end.
Clients are the real ones: virsh (one-shot or an interactive session), python3-libvirt, and
RawClient, a tiny speaker of libvirt's wire protocol for what real clients never send.
"""

import atexit
import os
import re
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('MODVIRT_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
QEMUD = os.environ.get('MODVIRT_QEMUD') or os.path.join(SOURCE_ROOT, 'build/src/qemud/modvirt-qemud')
VIRSH = shutil.which('virsh') or '/usr/bin/virsh'

NAME = 'modvirt-qemud'
PREFIX = 'virtqemud'

# Wire constants (protocol-facts §1, §2).
REMOTE_PROGRAM = 0x20008086
QEMU_PROGRAM = 0x20008087
KEEPALIVE_PROGRAM = 0x6b656570
ADMIN_PROGRAM = 0x06900690
CALL, REPLY, MESSAGE, STREAM = 0, 1, 2, 3
STATUS_OK, STATUS_ERROR, STATUS_CONTINUE = 0, 1, 2
PROC_CONNECT_OPEN = 1
PROC_CONNECT_CLOSE = 2
PROC_CONNECT_GET_HOSTNAME = 59
PROC_CONNECT_SUPPORTS_FEATURE = 60
PROC_AUTH_LIST = 66
PROC_CONNECT_SET_IDENTITY = 419
KEEPALIVE_PING, KEEPALIVE_PONG = 1, 2
FEATURE_PROGRAM_KEEPALIVE = 10
VIR_ERR_OPERATION_DENIED = 29
VIR_ERR_RPC = 39

CLIENT_ENV = dict(os.environ, LC_ALL='C', LANG='C')
CLIENT_ENV.pop('LIBVIRT_DEFAULT_URI', None)
CLIENT_ENV.pop('VIRSH_DEFAULT_CONNECT_URI', None)

_live = []   # daemons to kill if the test process dies early


def _kill_all():
    for d in list(_live):
        d.kill()


atexit.register(_kill_all)


def _on_sigterm(signum, frame):
    # meson's timeout sends SIGTERM.  unittest would record a SystemExit as one test's
    # error and go on, so kill the daemons and leave at once.
    _kill_all()
    os._exit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def wait_until(pred, timeout, interval=0.05):
    """Poll @pred until it returns a true value or @timeout seconds pass; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def make_root():
    return tempfile.mkdtemp(prefix='mv-', dir='/tmp')


def sock_paths(root):
    d = os.path.join(root, 'run/libvirt')
    return (os.path.join(d, f'{PREFIX}-sock'), os.path.join(d, f'{PREFIX}-sock-ro'),
            os.path.join(d, f'{PREFIX}-admin-sock'))


def uri_for(path):
    return f'qemu+unix:///system?socket={path}'


def admin_uri_for(path):
    return f'{PREFIX}:///system?socket={path}'


def format_config(daemon=None, qemu=None):
    """A key file with the given [daemon] and [qemu] keys, in that order."""
    out = []
    for group, keys in (('daemon', daemon), ('qemu', qemu)):
        if keys is None:
            continue
        out.append(f'[{group}]')
        out += [f'{k} = {v}' for k, v in keys.items()]
        out.append('')
    return '\n'.join(out)


class Daemon:
    """One modvirt-qemud under its own root.

    config: text of ROOT/etc/modvirt/modvirt-qemud.conf (None: no file).
    args: extra command-line options.  wrapper: argv placed before the daemon (e.g.
    systemd-socket-activate ... --); with a wrapper start() does not wait for READY=1.
    """

    def __init__(self, args=(), config=None, root=None, wrapper=None, verbose=True):
        self.root = root or make_root()
        self.own_root = root is None
        self.args = list(args)
        self.wrapper = list(wrapper or [])
        self.verbose = verbose
        self.proc = None
        self.logfile = os.path.join(self.root, 'daemon.log')
        self.notifications = []
        self._notify = None
        self.sock, self.sock_ro, self.sock_admin = sock_paths(self.root)
        self.pidfile = os.path.join(self.root, f'run/modvirt/{NAME}.pid')
        self.config_path = os.path.join(self.root, f'etc/modvirt/{NAME}.conf')
        # sd_notify target; one per daemon, as several daemons may share a root in a test.
        # mktemp only picks a name: the root is this test's own 0700 directory.
        self.notify_path = tempfile.mktemp(prefix='notify-', dir=self.root)
        if config is not None:
            self.write_config(config)

    # -- paths and URIs --
    @property
    def uri(self):
        return uri_for(self.sock)

    @property
    def uri_ro(self):
        return uri_for(self.sock_ro)

    @property
    def admin_uri(self):
        return admin_uri_for(self.sock_admin)

    @property
    def pid(self):
        return self.proc.pid

    def write_config(self, text):
        os.makedirs(os.path.dirname(self.config_path), exist_ok=True)
        with open(self.config_path, 'w') as f:
            f.write(text)

    def argv(self):
        argv = self.wrapper + [QEMUD, '--root', self.root] + self.args
        if self.verbose:
            argv.append('--verbose')
        return argv

    # -- lifecycle --
    def start(self, wait=True, timeout=20):
        self._notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._notify.bind(self.notify_path)
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path)
        for k in ('LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'):
            env.pop(k, None)
        logf = open(self.logfile, 'ab')
        log(f'starting {" ".join(self.argv())}')
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=subprocess.STDOUT, env=env, close_fds=True)
        logf.close()
        _live.append(self)
        if wait and not self.wrapper:
            self.wait_ready(timeout)
        return self

    def poll_notify(self):
        """Collect sd_notify datagrams received so far; return them all."""
        if self._notify is None:
            return self.notifications
        while True:
            r, _, _ = select.select([self._notify], [], [], 0)
            if not r:
                break
            self.notifications.append(self._notify.recv(4096).decode(errors='replace'))
        return self.notifications

    def wait_notify(self, needle, timeout, start=0):
        """Wait for a notification (after index @start) containing the line @needle."""
        def seen():
            return any(needle in n.split('\n') for n in self.poll_notify()[start:])
        ok = wait_until(lambda: seen() or self.proc.poll() is not None, timeout)
        return bool(ok) and seen()

    def wait_ready(self, timeout=20):
        if not self.wait_notify('READY=1', timeout):
            rc = self.proc.poll()
            raise AssertionError(f'{NAME} did not report READY=1 within {timeout}s '
                                 f'(exit status {rc})\n--- daemon log ---\n{self.log()}')
        for p in (self.sock, self.sock_ro, self.sock_admin):
            if not os.path.exists(p):
                raise AssertionError(f'{NAME} reported READY=1 but {p} does not exist')

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=10):
        """SIGTERM, wait; SIGKILL if it hangs.  Returns the exit status (None if killed)."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.wait_exit(timeout)
            if rc is None:
                log(f'{NAME} pid {self.proc.pid} ignored SIGTERM for {timeout}s, killing it')
                self.kill()
        self._finish()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._finish()

    def _finish(self):
        if self in _live:
            _live.remove(self)
            print(f'--- log of {NAME} (root {self.root}) ---\n{self.log()}--- end of log ---',
                  flush=True)
        if self._notify is not None:
            self.poll_notify()
            self._notify.close()
            self._notify = None

    def cleanup(self):
        self.kill()
        if self.own_root and not os.environ.get('MV_KEEP_ROOT'):
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self):
        try:
            with open(self.logfile, errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def fd_count(self):
        return len(os.listdir(f'/proc/{self.pid}/fd'))

    def settled_fd_count(self, timeout=5):
        """The fd count once it has stayed the same for half a second (closes are async)."""
        deadline = time.monotonic() + timeout
        last, since = self.fd_count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            n = self.fd_count()
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= 0.5:
                break
        return last

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()


def run(argv, timeout=60, check=False, **kw):
    log('$ ' + ' '.join(argv))
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=CLIENT_ENV, **kw)
    if r.stdout:
        print(r.stdout, end='' if r.stdout.endswith('\n') else '\n')
    if r.stderr:
        print('stderr: ' + r.stderr, end='' if r.stderr.endswith('\n') else '\n')
    if check and r.returncode != 0:
        raise AssertionError(f'{argv} exited {r.returncode}: {r.stderr.strip()}')
    return r


def virsh(uri, *args, readonly=False, timeout=60, check=False):
    """One-shot virsh against @uri; returns the CompletedProcess."""
    argv = [VIRSH, '-q'] + (['-r'] if readonly else []) + ['-c', uri] + list(args)
    return run(argv, timeout=timeout, check=check)


class VirshSession:
    """An interactive `virsh -c URI` fed through a pipe, as a user at a prompt.

    virsh echoes a prompt and each command even when stdin is a pipe, so every command is
    followed by an `echo` of a marker written so that only the echo's output (not the
    echoed command line) contains the marker text.
    """

    def __init__(self, uri, readonly=False):
        argv = [VIRSH, '-q'] + (['-r'] if readonly else []) + ['-c', uri]
        log('$ ' + ' '.join(argv) + '   (interactive)')
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=CLIENT_ENV)
        self._out = bytearray()
        self._err = bytearray()
        self._cond = threading.Condition()
        self._n = 0
        for stream, buf in ((self.proc.stdout, self._out), (self.proc.stderr, self._err)):
            threading.Thread(target=self._reader, args=(stream, buf), daemon=True).start()

    def _reader(self, stream, buf):
        while True:
            chunk = os.read(stream.fileno(), 65536)
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                buf.extend(chunk)
                self._cond.notify_all()

    @property
    def stderr(self):
        with self._cond:
            return self._err.decode(errors='replace')

    @property
    def stdout(self):
        with self._cond:
            return self._out.decode(errors='replace')

    def command(self, cmd, timeout=30):
        """Run @cmd at the prompt; return the text virsh printed for it on stdout."""
        self._n += 1
        marker = f'MV_DONE_{self._n}_'
        with self._cond:
            start = len(self._out)
        # virsh joins quoted pieces like a shell: the echoed line reads MV'_DONE_'... .
        line = f"{cmd}\necho MV'_DONE_{self._n}_'\n"
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()
        with self._cond:
            self._cond.wait_for(
                lambda: marker.encode() in self._out[start:] or self.proc.poll() is not None,
                timeout)
            text = self._out[start:].decode(errors='replace')
        if marker not in text:
            raise AssertionError(f'virsh did not finish {cmd!r} within {timeout}s '
                                 f'(exit status {self.proc.poll()}); stdout {text!r}, '
                                 f'stderr {self.stderr!r}')
        text = text[:text.index(marker)]
        lines = []
        for ln in text.split('\n'):
            while ln.startswith('virsh # '):
                ln = ln[len('virsh # '):]
            if ln.strip() in ('', cmd, 'virsh #') or ln.startswith('echo MV'):
                continue
            lines.append(ln)
        out = '\n'.join(lines)
        log(f'virsh# {cmd} -> {out!r}')
        return out

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


# ---------------------------------------------------------------- wire protocol

class Packer:
    """Just enough XDR (RFC 4506) for headers and the arguments the tests send."""

    def __init__(self):
        self.buf = bytearray()

    def u32(self, v):
        self.buf += struct.pack('>I', v)
        return self

    def s32(self, v):
        self.buf += struct.pack('>i', v)
        return self

    def u64(self, v):
        self.buf += struct.pack('>Q', v)
        return self

    def s64(self, v):
        self.buf += struct.pack('>q', v)
        return self

    def string(self, s):
        b = s.encode() if isinstance(s, str) else s
        self.u32(len(b))
        self.buf += b + b'\0' * (-len(b) % 4)
        return self

    def opt_string(self, s):
        if s is None:
            return self.u32(0)
        self.u32(1)
        return self.string(s)

    def typed_params(self, params):
        """remote_typed_param<>: (field, type, value) triples, types 1..7 (§3)."""
        self.u32(len(params))
        for field, typ, value in params:
            self.string(field)
            self.s32(typ)
            {1: self.s32, 2: self.u32, 3: self.s64, 4: self.u64,
             5: lambda v: self.buf.extend(struct.pack('>d', v)),
             6: self.s32, 7: self.string}[typ](value)
        return self

    def bytes(self):
        return bytes(self.buf)


class Unpacker:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f'XDR body too short: need {n} bytes at {self.pos} of {len(self.data)}')
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u32(self):
        return struct.unpack('>I', self._take(4))[0]

    def s32(self):
        return struct.unpack('>i', self._take(4))[0]

    def u64(self):
        return struct.unpack('>Q', self._take(8))[0]

    def string(self):
        n = self.u32()
        s = self._take(n)
        self._take(-n % 4)
        return s.decode(errors='replace')

    def opt_string(self):
        return self.string() if self.u32() else None


class Packet:
    def __init__(self, prog, vers, proc, type, serial, status, body):
        self.prog, self.vers, self.proc, self.type = prog, vers, proc, type
        self.serial, self.status, self.body = serial, status, body

    def is_ping(self):
        return (self.prog == KEEPALIVE_PROGRAM and self.type == MESSAGE
                and self.proc == KEEPALIVE_PING)

    def error(self):
        """Decode the error struct (§1.5) of a status-ERROR reply."""
        u = Unpacker(self.body)
        code, domain = u.s32(), u.s32()
        message = u.opt_string()
        level = u.s32()
        return {'code': code, 'domain': domain, 'message': message, 'level': level}

    def __repr__(self):
        return (f'Packet(prog={self.prog:#x}, proc={self.proc}, type={self.type}, '
                f'serial={self.serial}, status={self.status}, {len(self.body)} body bytes)')


def encode_packet(prog, proc, type=CALL, serial=0, status=STATUS_OK, body=b'', vers=1):
    return struct.pack('>IIIiiIi', 28 + len(body), prog, vers, proc, type, serial, status) + body


class RawClient:
    """A hand-driven client connection: send any bytes, read whole packets."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.serial = 0
        self.pings = 0
        self._buf = b''

    def send(self, data):
        self.sock.sendall(data)

    def send_packet(self, prog, proc, type=CALL, serial=0, status=STATUS_OK, body=b''):
        self.send(encode_packet(prog, proc, type, serial, status, body))

    def recv_packet(self, timeout=10):
        """The next whole packet; None at EOF (or a reset); TimeoutError if none comes."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self._buf) >= 4:
                n = struct.unpack('>I', self._buf[:4])[0]
                if n < 28:
                    raise ValueError(f'server sent a packet of length {n}')
                if len(self._buf) >= n:
                    hdr = struct.unpack('>IIIiiIi', self._buf[:28])
                    body = self._buf[28:n]
                    self._buf = self._buf[n:]
                    return Packet(*hdr[1:], body)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('no packet from the server')
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError('no packet from the server') from None
            except ConnectionResetError:
                chunk = b''
            if not chunk:
                return None
            self._buf += chunk

    def call(self, proc, body=b'', prog=REMOTE_PROGRAM, timeout=10):
        """CALL @proc and return its REPLY, answering keepalive PINGs meanwhile."""
        serial = self.serial
        self.serial += 1
        self.send_packet(prog, proc, CALL, serial, STATUS_OK, body)
        while True:
            pkt = self.recv_packet(timeout)
            if pkt is None:
                raise ConnectionError(f'server closed the connection instead of answering {proc}')
            if pkt.is_ping():
                self.pings += 1
                self.pong()
                continue
            if pkt.type == REPLY and pkt.serial == serial and pkt.proc == proc:
                return pkt

    def pong(self):
        self.send_packet(KEEPALIVE_PROGRAM, KEEPALIVE_PONG, MESSAGE)

    def handshake(self, name='qemu:///system', flags=0, keepalive=True):
        """What libvirt 9.0 clients send first (§4.1): AUTH_LIST, feature 10, CONNECT_OPEN."""
        r = self.call(PROC_AUTH_LIST)
        assert r.status == STATUS_OK, r.error()
        if keepalive:
            r = self.call(PROC_CONNECT_SUPPORTS_FEATURE,
                          Packer().s32(FEATURE_PROGRAM_KEEPALIVE).bytes())
            assert r.status == STATUS_OK and Unpacker(r.body).s32() == 1, r
        r = self.call(PROC_CONNECT_OPEN, Packer().opt_string(name).u32(flags).bytes())
        return r

    def wait_closed(self, timeout, answer_pings=False):
        """Read until EOF; True if the server closed the connection within @timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                pkt = self.recv_packet(left)
            except TimeoutError:
                return False
            except (ValueError, OSError):
                return True
            if pkt is None:
                return True
            if pkt.is_ping():
                self.pings += 1
                if answer_pings:
                    self.pong()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


NOBODY = 65534


def fork_as_nobody():
    """Fork with a pipe from the child to the parent: the child runs as uid and gid nobody
    (65534, no supplementary groups), where a local attacker would be.  Returns (0, write
    fd) in the child (which must end with os._exit) and (pid, read fd) in the parent."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        except BaseException as e:
            os.write(wfd, f'error cannot become nobody: {e!r}\n'.encode())
            os._exit(1)
        return 0, wfd
    os.close(wfd)
    return pid, rfd


def identity_args(user='root', uid=0):
    """CONNECT_SET_IDENTITY arguments as virtproxyd sends them (§7.3)."""
    return (Packer()
            .typed_params([('user-name', 7, user), ('unix-user-id', 4, uid),
                           ('process-id', 3, os.getpid())])
            .u32(0)
            .bytes())


# ---------------------------------------------------------------- host facts

def meminfo():
    out = {}
    with open('/proc/meminfo') as f:
        for line in f:
            k, v = line.split(':', 1)
            out[k] = int(v.split()[0])
    return out


def online_cpus():
    """CPU numbers listed in /sys/devices/system/cpu/online."""
    with open('/sys/devices/system/cpu/online') as f:
        spec = f.read().strip()
    cpus = set()
    for part in spec.split(','):
        a, _, b = part.partition('-')
        cpus.update(range(int(a), int(b or a) + 1))
    return cpus


def qemu_binary():
    return shutil.which('qemu-system-x86_64')


def qemu_version():
    """(major, minor, micro) of qemu-system-x86_64 --version."""
    out = subprocess.run([qemu_binary(), '--version'], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r'version (\d+)\.(\d+)\.(\d+)', out)
    return tuple(int(x) for x in m.groups())


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class DaemonTestCase(unittest.TestCase):
    """A test class sharing one daemon (started in setUpClass, killed in tearDownClass)."""

    daemon_args = ()
    daemon_config = None

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon(args=cls.daemon_args, config=cls.daemon_config)
        try:
            cls.daemon.start()
        except BaseException:
            cls.daemon.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        # A daemon that does not shut down cleanly on SIGTERM fails the class.
        was_running = cls.daemon.running()
        rc = cls.daemon.stop()
        cls.daemon.cleanup()
        if was_running and rc != 0:
            raise AssertionError(f'{NAME} exited with status {rc} on SIGTERM')

    def assertDaemonAlive(self):
        self.assertTrue(self.daemon.running(),
                        f'{NAME} died (exit status {self.daemon.proc.poll()})')


def main():
    unittest.main(verbosity=2)
