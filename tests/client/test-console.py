#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Guest consoles end to end: the busybox guest of tests/integration/guest.py with its serial
port on a pty and a shell on it, reached through python3-libvirt (libvirt's own client),
`modvirt console` and libmodvirt's stream API (test-client-console).

usage: test-console.py MODVIRT-QEMUD MODVIRT TEST-CLIENT-CONSOLE [unittest options]

Each test boots its own guest, paused until the console is attached so that the boot marker
cannot be missed (QEMU drops what a pty nobody holds is sent).  The daemon and every QEMU of
its root are killed at the end, whatever happens.

Three checks guard two daemon behaviours that once failed: a console stream must stay
until the client finishes it after the end of data (or virsh and `modvirt console` hang when
the guest stops), and a console taken over with --force must tell its old client.
"""

import gzip
import os
import pty
import re
import select
import shutil
import stat
import subprocess
import sys
import termios
import threading
import time
import unittest

if __name__ == '__main__':
    QEMUD, MODVIRT, CONSOLE_TEST = sys.argv[1:4]
    del sys.argv[1:4]
    os.environ['MODVIRT_QEMUD'] = QEMUD
else:
    QEMUD = MODVIRT = CONSOLE_TEST = None

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'integration'))
import harness  # noqa: E402
import guest  # noqa: E402
import libvirt  # noqa: E402

HAVE_QEMU = os.access(guest.EMULATOR, os.X_OK)
VIRSH = shutil.which('virsh')
BOOT_TIMEOUT = 120
ANSWER_TIMEOUT = 30
PROMPT = b'guest# '
ESCAPE = b'\x1d'
# How long a session that should end is given before it counts as hung.
END_TIMEOUT = 6

# The guest's init: the boot marker, then a shell on the console, forever.
CONSOLE_INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "@BOOT@ uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
export PS1='guest# '
while true; do setsid cttyhack sh; done
'''.replace('@BOOT@', guest.MARKER_BOOT)

ENV = dict(harness.CLIENT_ENV)
for var in ('MODVIRT_DEFAULT_URI', 'MODVIRT_ROOT'):
    ENV.pop(var, None)


def console_image(directory):
    """guest.linux_guest() with a second initramfs appended that replaces its /init: the
    kernel unpacks both, the later file wins."""
    g = guest.linux_guest()
    path = os.path.join(directory, 'console-initrd.gz')
    with open(g['initrd'], 'rb') as src, open(path, 'wb') as dst:
        dst.write(src.read())
        dst.write(gzip.compress(guest._cpio_newc([('init', stat.S_IFREG | 0o755, CONSOLE_INIT.encode())])))
    return dict(g, initrd=path)


def console_xml(name, image):
    """The Linux guest with ttyS0 on a pty (and the console on it)."""
    xml = guest.linux_xml(name, image, '/dev/null')
    xml, n = re.subn(r"<serial type='file'>.*?</serial>", "<serial type='pty'/>\n    <console type='pty'/>",
                     xml, flags=re.S)
    assert n == 1, xml
    return xml


class PyConsole:
    """A console session through python3-libvirt, event driven as virsh runs one."""

    def __init__(self, conn, dom, force=False):
        self.st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
        self.buf = b''
        self.eof = False
        self.error = None
        self.cond = threading.Condition()
        dom.openConsole(None, self.st, libvirt.VIR_DOMAIN_CONSOLE_FORCE if force else 0)
        self.st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_ERROR |
                                 libvirt.VIR_STREAM_EVENT_HANGUP, self._on_event, None)
        self.watching = True

    def _on_event(self, st, events, opaque):
        with self.cond:
            while True:
                try:
                    data = st.recv(4096)
                except libvirt.libvirtError as e:
                    self.error = e
                    break
                if data == -2:
                    break
                if not data:
                    self.eof = True
                    break
                self.buf += data
            if self.eof or self.error:
                st.eventRemoveCallback()
                self.watching = False
            self.cond.notify_all()

    def wait_for(self, text, timeout=ANSWER_TIMEOUT):
        with self.cond:
            return self.cond.wait_for(lambda: text in self.buf or self.eof or self.error, timeout) and text in self.buf

    def wait_end(self, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: self.eof or self.error, timeout)

    def send(self, data):
        self.st.send(data)

    def stop_watching(self):
        with self.cond:
            if self.watching:
                self.st.eventRemoveCallback()
                self.watching = False


class ShellConsole:
    """`modvirt console NAME` with piped stdin and stdout, read in the background."""

    def __init__(self, uri, name, *args):
        argv = [MODVIRT, '-c', uri, 'console', name] + list(args)
        harness.log('$ ' + ' '.join(argv) + '   (background)')
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=ENV)
        self.out = b''
        self.err = b''
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(self.proc.stdout, 'out'), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, 'err'), daemon=True).start()

    def _read(self, f, attr):
        while True:
            data = f.read1(4096)
            with self.cond:
                if not data:
                    self.cond.notify_all()
                    return
                setattr(self, attr, getattr(self, attr) + data)
                self.cond.notify_all()

    def wait_for(self, text, where='out', timeout=ANSWER_TIMEOUT):
        with self.cond:
            return self.cond.wait_for(lambda: text in getattr(self, where), timeout)

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait(self, timeout):
        """The exit status, or None if it is still running after @timeout seconds."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


@unittest.skipUnless(HAVE_QEMU, f'{guest.EMULATOR} is not installed')
class ConsoleTest(guest.GuestTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.image = console_image(cls.root)
        except RuntimeError as e:
            cls.tearDownClass()
            raise unittest.SkipTest(f'no guest kernel: {e}')
        # As virsh: the loop runs in a thread of its own, before any connection opens.
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=cls._loop, daemon=True).start()
        cls.conn = libvirt.open(cls.uri)

    @staticmethod
    def _loop():
        while True:
            libvirt.virEventRunDefaultImpl()

    def setUp(self):
        self.shells = []
        t0 = time.monotonic()
        self.addCleanup(lambda: harness.log(f'{self.id().split(".")[-1]}: {time.monotonic() - t0:.1f}s'))
        self.addCleanup(self._kill_shells)

    def _kill_shells(self):
        for s in self.shells:
            s.kill()

    def boot(self, label, paused=True):
        """Define and start a console guest (paused: resume it once attached)."""
        name = f'{label}-{os.getpid()}'
        dom = self.conn.defineXML(console_xml(name, self.image))
        self.addCleanup(self._remove, dom)
        dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED if paused else 0)
        return dom

    def _remove(self, dom):
        try:
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        except libvirt.libvirtError as e:
            harness.log(f'cannot remove {dom.name()}: {e}')

    def shell(self, name, *args):
        s = ShellConsole(self.uri, name, *args)
        self.shells.append(s)
        return s

    def private_conn(self):
        """A connection of this test's own, for sessions the daemon may leave hanging: a
        libvirt client thread stuck in one slows down every other call on its connection."""
        conn = libvirt.open(self.uri)
        self.addCleanup(conn.close)
        return conn

    def booted_console(self, label, conn=None):
        """A running guest with a python3-libvirt session (on @conn) that saw it boot to its
        prompt."""
        dom = self.boot(label)
        con = PyConsole(conn, conn.lookupByName(dom.name())) if conn else PyConsole(self.conn, dom)
        dom.resume()
        self.assertTrue(con.wait_for(PROMPT, BOOT_TIMEOUT), f'no prompt; console said {con.buf[-2000:]!r}')
        return dom, con

    def assert_refused(self, name):
        """A second session without --force: refused, by the library and by the shell."""
        dom = self.conn.lookupByName(name)
        with self.assertRaises(libvirt.libvirtError) as cm:
            PyConsole(self.conn, dom)
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_FAILED)
        self.assertEqual(str(cm.exception), 'operation failed: Active console session exists for this domain')
        p = subprocess.run([MODVIRT, '-c', self.uri, 'console', name], stdin=subprocess.DEVNULL,
                           capture_output=True, env=ENV, timeout=30)
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (1, b'\n', b'error: operation failed: Active console session exists for this domain\n'))

    # -- the tests --

    def test_python_console(self):
        """python3-libvirt: the boot marker, a command and its answer, the end of data
        when the guest is destroyed."""
        t0 = time.monotonic()
        dom = self.boot('py')
        con = PyConsole(self.conn, dom)
        dom.resume()
        self.assertTrue(con.wait_for(guest.MARKER_BOOT.encode(), BOOT_TIMEOUT),
                        f'no boot marker; console said {con.buf[-2000:]!r}')
        self.assertTrue(con.wait_for(PROMPT), f'no prompt; console said {con.buf[-2000:]!r}')
        harness.log(f'guest booted to its prompt in {time.monotonic() - t0:.1f}s')
        con.send(b'echo MARK$((6*7))\n')
        self.assertTrue(con.wait_for(b'\nMARK42'), f'no answer; console said {con.buf[-2000:]!r}')
        dom.destroy()
        self.assertTrue(con.wait_end(END_TIMEOUT), 'no end of data after the guest was destroyed')
        self.assertIsNone(con.error)
        self.assertTrue(con.eof)

    def test_shell_console_piped(self):
        """`modvirt console` with pipes: the banner on stderr once attached, the guest's
        bytes on stdout, a command, ^] to leave; the console is free again afterwards."""
        dom = self.boot('sh')
        name = dom.name()
        s = self.shell(name)
        banner = f"Connected to domain '{name}'\nEscape character is ^] (Ctrl + ])\n".encode()
        self.assertTrue(s.wait_for(banner, 'err'), f'no banner: {s.err!r}')
        dom.resume()
        self.assertTrue(s.wait_for(guest.MARKER_BOOT.encode(), timeout=BOOT_TIMEOUT), f'no boot marker: {s.out!r}')
        self.assertTrue(s.wait_for(PROMPT), f'no prompt: {s.out!r}')
        self.assert_refused(name)
        s.send(b'echo MARK$((6*7))\n')
        self.assertTrue(s.wait_for(b'\nMARK42'), f'no answer: {s.out!r}')
        self.assertTrue(s.wait_for(b'MARK42\r\n' + PROMPT), f'no second prompt: {s.out!r}')
        t0 = time.monotonic()
        s.send(ESCAPE)
        self.assertEqual(s.wait(END_TIMEOUT), 0, f'stderr: {s.err!r}')
        harness.log(f'^] ended the session in {time.monotonic() - t0:.2f}s')
        # The guest's bytes alone, then the shell's blank line after a command.
        self.assertNotIn(b'Connected to domain', s.out)
        self.assertTrue(s.out.endswith(b'\n'), s.out[-200:])
        self.assertEqual(s.err, banner)
        # Finished: the daemon let go of the console.
        con = PyConsole(self.conn, dom)
        con.send(b'echo AGAIN$((6*7))\n')
        self.assertTrue(con.wait_for(b'\nAGAIN42'), f'no answer: {con.buf!r}')
        con.stop_watching()
        con.st.finish()

    def test_c_api(self):
        """libmodvirt's stream API (test-client-console.c) on a guest booted paused."""
        dom = self.boot('capi')
        env = dict(ENV, MV_CONSOLE_URI=self.uri, MV_CONSOLE_DOMAIN=dom.name())
        p = subprocess.run([CONSOLE_TEST], env=env, capture_output=True, text=True, timeout=300)
        sys.stdout.write(p.stdout)
        self.assertEqual(p.returncode, 0, f'test-client-console failed:\n{p.stdout}\n{p.stderr}')
        self.assertEqual(dom.isActive(), 0)

    def test_force(self):
        """While one session is open a second one is refused; --force takes over."""
        dom, con = self.booted_console('force', self.private_conn())
        name = dom.name()
        self.assert_refused(name)
        s = self.shell(name, '--force')
        self.assertTrue(s.wait_for(b'Escape character is ^] (Ctrl + ])\n', 'err'), f'no banner: {s.err!r}')
        s.send(b'echo FORCE$((6*7))\n')
        self.assertTrue(s.wait_for(b'\nFORCE42'), f'no answer: {s.out!r}')
        s.send(ESCAPE)
        self.assertEqual(s.wait(END_TIMEOUT), 0, f'stderr: {s.err!r}')
        # The first session saw nothing of the second one's conversation.
        self.assertNotIn(b'FORCE42', con.buf)
        con.stop_watching()

    def tty_session(self, tool, name, command):
        """`TOOL console NAME` on a pseudo-terminal: type @command once the terminal is
        raw, wait for the answer and the next prompt, type ^].  Returns the exit status,
        the bytes the terminal showed, and whether its attributes were restored."""
        master, slave = pty.openpty()
        try:
            before = termios.tcgetattr(slave)
            p = subprocess.Popen([tool, '-c', self.uri, 'console', name], stdin=slave, stdout=slave,
                                 stderr=slave, env=ENV)
            shown = bytearray()

            def read_until(pred, timeout):
                end = time.monotonic() + timeout
                while not pred() and time.monotonic() < end:
                    if select.select([master], [], [], 0.05)[0]:
                        shown.extend(os.read(master, 4096))
                return pred()
            # Typed before raw mode, keys would be flushed with the cooked input.
            self.assertTrue(read_until(lambda: not termios.tcgetattr(slave)[3] & termios.ICANON, 20),
                            f'{tool} never made the terminal raw: {bytes(shown)!r}')
            os.write(master, command)
            self.assertTrue(read_until(lambda: b'42\r\n' + PROMPT + b'\x1b[6n' in shown, ANSWER_TIMEOUT),
                            f'no answer through {tool}: {bytes(shown)!r}')
            os.write(master, ESCAPE)
            try:
                rc = p.wait(END_TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
            read_until(lambda: False, 0.3)
            return rc, bytes(shown), termios.tcgetattr(slave) == before
        finally:
            os.close(master)
            os.close(slave)

    def test_shell_console_tty(self):
        """On a terminal: raw mode, virsh's banner, ^] to leave, the terminal restored;
        byte for byte what virsh shows for the same conversation."""
        dom, con = self.booted_console('tty')
        con.stop_watching()
        con.st.finish()
        name = dom.name()
        rc, shown, restored = self.tty_session(MODVIRT, name, b'echo TTY$((6*7))\r')
        self.assertEqual(rc, 0, shown)
        self.assertTrue(restored, 'modvirt left the terminal raw')
        self.assertTrue(shown.startswith(f"Connected to domain '{name}'\r\nEscape character is ^] (Ctrl + ])\r\n"
                                         .encode()), shown)
        self.assertIn(b'\r\nTTY42\r\n', shown)
        if VIRSH:
            # The guest's shell asks the terminal for the cursor position (ESC [6n) after each
            # prompt, and what of that query and the prompt reaches the session before the
            # command's echo depends on when the attach lands (once virsh showed a lone '6n'):
            # timing, not the client.  Compare the banner and everything from the echo on.
            def plain(out):
                banner, _, rest = out.partition(b'(Ctrl + ])\r\n')
                echo = rest.find(b'echo TTY')
                return (banner, rest[echo:].replace(b'\x1b[6n', b'') if echo >= 0 else rest)
            vrc, vshown, vrestored = self.tty_session(VIRSH, name, b'echo TTY$((6*7))\r')
            self.assertEqual((vrc, plain(vshown), vrestored), (rc, plain(shown), restored))

    def known_daemon_bug(self, works, what):
        """Checks of two former modvirt-qemud bugs (a stream forgotten after its end of
        data, a forced takeover not told to the old session), fixed in qemu-console.c."""
        self.assertTrue(works, f'{what} does not work')

    def test_force_ends_old_session(self):
        """The session a --force takes over from is told (end of data or an error), as
        libvirtd tells it.  modvirt-qemud drops it silently: its client waits forever."""
        dom, con = self.booted_console('forceold', self.private_conn())
        new = PyConsole(self.conn, dom, force=True)
        new.send(b'echo NEW$((6*7))\n')
        self.assertTrue(new.wait_for(b'\nNEW42'), f'no answer: {new.buf!r}')
        told = con.wait_end(END_TIMEOUT)
        con.stop_watching()
        new.stop_watching()
        new.st.abort()
        self.known_daemon_bug(told, 'telling the session taken over by --force')

    def test_finish_after_eof(self):
        """After the guest's end of data the client finishes the stream and the daemon
        confirms.  modvirt-qemud forgot the stream when it sent the end: never answered."""
        dom, con = self.booted_console('fin', self.private_conn())
        dom.destroy()
        self.assertTrue(con.wait_end(END_TIMEOUT), 'no end of data after the guest was destroyed')
        self.assertTrue(con.eof, con.error)
        done = threading.Event()

        def finish():
            try:
                con.st.finish()
            except libvirt.libvirtError as e:
                harness.log(f'finish: {e}')
            done.set()
        # A daemon thread: if the daemon never answers, it stays blocked until we exit.
        threading.Thread(target=finish, daemon=True).start()
        self.known_daemon_bug(done.wait(END_TIMEOUT), 'virStreamFinish after the end of data')

    def test_destroy_ends_shell_session(self):
        """`modvirt console` ends by itself, exit status 0, when the guest is destroyed
        (virsh behaves the same: both finish the stream after the end of data)."""
        dom = self.boot('shend')
        s = self.shell(dom.name())
        self.assertTrue(s.wait_for(b'Escape character is ^] (Ctrl + ])\n', 'err'), f'no banner: {s.err!r}')
        dom.resume()
        self.assertTrue(s.wait_for(PROMPT, timeout=BOOT_TIMEOUT), f'no prompt: {s.out!r}')
        dom.destroy()
        rc = s.wait(END_TIMEOUT)
        if rc is not None:
            self.assertEqual(rc, 0, f'stderr {s.err!r}')
        self.known_daemon_bug(rc is not None, '`modvirt console` ending when the guest is destroyed')


if __name__ == '__main__':
    unittest.main(verbosity=2)
