#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""--timeout N: exit after N idle seconds, never while a client is connected."""

import os
import time
import unittest

import harness
from harness import Daemon

TIMEOUT = 2
SLACK = 3   # scheduling delay on a loaded two-core machine


class IdleTimeoutTest(unittest.TestCase):

    def daemon(self, *args, **kw):
        d = Daemon(args=args, **kw)
        self.addCleanup(d.cleanup)
        return d

    def assertIdleExit(self, d, since):
        rc = d.wait_exit(TIMEOUT + SLACK)
        waited = time.monotonic() - since
        self.assertIsNotNone(rc, f'still running {waited:.1f} s after the last client left')
        self.assertEqual(rc, 0, 'an idle exit is a clean exit')
        # GLib's whole-second timers may fire up to a second early.
        self.assertGreaterEqual(waited, TIMEOUT - 1, f'exited after only {waited:.1f} s')
        for p in (d.sock, d.sock_ro, d.sock_admin, d.pidfile):
            self.assertFalse(os.path.exists(p), f'{p} left behind')
        harness.log(f'idle exit {waited:.1f} s after the last client left')

    def test_exits_when_idle(self):
        d = self.daemon('--timeout', str(TIMEOUT))
        t0 = time.monotonic()
        d.start()
        self.assertIdleExit(d, t0)

    def test_timeout_from_config(self):
        d = self.daemon(config=harness.format_config(daemon={'timeout': TIMEOUT}))
        t0 = time.monotonic()
        d.start()
        self.assertIdleExit(d, t0)

    def test_no_exit_while_client_connected(self):
        d = self.daemon('--timeout', str(TIMEOUT)).start()
        with harness.VirshSession(d.uri) as s:
            host = s.command('hostname')
            time.sleep(TIMEOUT * 3)
            self.assertTrue(d.running(), 'exited while a virsh session was connected')
            self.assertEqual(s.command('hostname'), host)
            self.assertEqual(s.stderr, '')
        t0 = time.monotonic()
        self.assertIdleExit(d, t0)

    def test_admin_client_counts_too(self):
        d = self.daemon('--timeout', str(TIMEOUT)).start()
        with harness.RawClient(d.sock_admin):
            time.sleep(TIMEOUT * 2)
            self.assertTrue(d.running(), 'exited while an admin client was connected')
        self.assertIdleExit(d, time.monotonic())

    def test_each_client_restarts_the_clock(self):
        d = self.daemon('--timeout', str(TIMEOUT)).start()
        # Short clients more often than the timeout: the daemon must stay up throughout.
        t_end = time.monotonic() + TIMEOUT * 3
        while True:
            r = harness.virsh(d.uri, 'hostname')
            left = time.monotonic()
            self.assertEqual(r.returncode, 0, r.stderr)
            if left >= t_end:
                break
            time.sleep(TIMEOUT / 4)
        self.assertTrue(d.running())
        self.assertIdleExit(d, left)

    def test_no_timeout_means_no_exit(self):
        d = self.daemon().start()
        time.sleep(TIMEOUT + SLACK)
        self.assertTrue(d.running(), 'exited without --timeout')


if __name__ == '__main__':
    harness.main()
