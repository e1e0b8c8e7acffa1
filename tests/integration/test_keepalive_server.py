#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon pings idle keepalive clients and drops the ones that never answer.

With keepalive_interval = 1 and keepalive_count = 2 a client that enabled keepalive
(CONNECT_SUPPORTS_FEATURE 10) and then stays silent must be pinged and closed within a few
seconds, while a client that answers (virsh, or a raw client sending PONGs) stays.
"""

import time

import harness
from harness import DaemonTestCase, Packer, RawClient, VirshSession

# interval x (count + 1) plus scheduling slack on a loaded machine.
DROP_WITHIN = 6


class ServerKeepaliveTest(DaemonTestCase):
    daemon_config = harness.format_config(daemon={'keepalive_interval': 1, 'keepalive_count': 2})

    def enable_keepalive(self, c):
        r = c.call(harness.PROC_CONNECT_SUPPORTS_FEATURE,
                   Packer().s32(harness.FEATURE_PROGRAM_KEEPALIVE).bytes())
        self.assertEqual(r.status, harness.STATUS_OK, r)
        return r

    def test_silent_client_dropped_answering_clients_kept(self):
        before = self.daemon.log().count("connected to server 'virtqemud'")
        with VirshSession(self.daemon.uri) as s, \
                RawClient(self.daemon.sock) as silent, RawClient(self.daemon.sock) as polite:
            host = s.command('hostname').strip()
            self.enable_keepalive(silent)
            r = polite.handshake()   # AUTH_LIST, feature 10, CONNECT_OPEN
            self.assertEqual(r.status, harness.STATUS_OK, r)
            t0 = time.monotonic()

            # Watch the silent client; the polite one answers each PING meanwhile.
            pings_seen = 0
            closed_at = None
            while time.monotonic() - t0 < DROP_WITHIN + 2:
                try:
                    pkt = silent.recv_packet(timeout=0.2)
                except TimeoutError:
                    pkt = False
                if pkt is None:
                    closed_at = time.monotonic() - t0
                    break
                if pkt and pkt.is_ping():
                    pings_seen += 1
                    harness.log(f'silent client got PING {pings_seen}')
                self.assertFalse(polite.wait_closed(0.2, answer_pings=True),
                                 'a client answering PINGs was dropped')
            self.assertGreaterEqual(pings_seen, 1, 'the daemon never pinged an idle client')
            self.assertIsNotNone(closed_at, f'silent client still connected after {DROP_WITHIN + 2} s')
            self.assertLessEqual(closed_at, DROP_WITHIN)
            harness.log(f'silent client closed after {closed_at:.1f} s and {pings_seen} PINGs')

            # Keep the polite client waiting past the silent one's deadline, then use it.
            self.assertFalse(polite.wait_closed(3, answer_pings=True),
                             'a client answering PINGs was dropped')
            self.assertGreaterEqual(polite.pings, 1)
            r = polite.call(harness.PROC_CONNECT_GET_HOSTNAME)
            self.assertEqual(r.status, harness.STATUS_OK, r)

            # virsh answers the daemon's PINGs by itself and keeps working.
            self.assertEqual(s.command('hostname').strip(), host)
            self.assertEqual(s.stderr, '')
            self.assertEqual(self.daemon.log().count("connected to server 'virtqemud'") - before, 3,
                             'virsh had to reconnect')
        self.assertDaemonAlive()

    def test_client_without_keepalive_is_not_pinged(self):
        # Pinging a client that never asked for keepalive would confuse old clients.
        with RawClient(self.daemon.sock) as c:
            r = c.handshake(keepalive=False)
            self.assertEqual(r.status, harness.STATUS_OK)
            self.assertFalse(c.wait_closed(4), 'client without keepalive was dropped')
            self.assertEqual(c.pings, 0, 'client without keepalive was pinged')


if __name__ == '__main__':
    harness.main()
