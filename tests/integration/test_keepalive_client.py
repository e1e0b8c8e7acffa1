#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An idle virsh session stays connected because the daemon answers its keepalive PINGs.

libvirt's client pings every 5 s while idle and gives up after about 30 s of pings without
any packet coming back ("connection closed due to keepalive timeout").  Any packet resets
its count, including the daemon's own PINGs, so the daemon here runs with
keepalive_interval = -1 (it never pings first): only its PONGs can keep virsh connected.
"""

import re
import time

import harness
from harness import DaemonTestCase, VirshSession

IDLE_SECONDS = 42


class ClientKeepaliveTest(DaemonTestCase):
    daemon_config = harness.format_config(daemon={'keepalive_interval': -1})

    def test_idle_virsh_session_survives(self):
        with VirshSession(self.daemon.uri) as s:
            first = s.command('hostname').strip()
            self.assertTrue(first)
            connected = self.daemon.log().count("connected to server 'virtqemud'")
            self.assertEqual(connected, 1, 'the session opened exactly one connection')

            harness.log(f'idle for {IDLE_SECONDS} s')
            time.sleep(IDLE_SECONDS)

            self.assertIsNone(s.proc.poll(), 'virsh exited while idle')
            self.assertEqual(s.command('hostname').strip(), first)
            self.assertEqual(s.stderr, '', 'virsh reported a problem')
            self.assertNotRegex(s.stdout, re.compile('keepalive|Reconnected|Disconnected', re.I))
            log = self.daemon.log()
            self.assertEqual(log.count("connected to server 'virtqemud'"), 1,
                             'virsh lost its connection and reconnected')
            self.assertEqual(log.count(' closed'), 0, 'the connection was closed while idle')
        self.assertDaemonAlive()


if __name__ == '__main__':
    harness.main()
