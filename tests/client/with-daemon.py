#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""with-daemon.py QEMUD COMMAND [ARGS...]: run COMMAND against a fresh modvirt-qemud.

COMMAND sees the daemon's root in $MODVIRT_TEST_ROOT; its stdout (TAP) passes through, and
its exit status is ours.  The daemon is killed whatever happens.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvdaemon  # noqa: E402


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    daemon = mvdaemon.Daemon(sys.argv[1])
    try:
        daemon.start()
        env = dict(os.environ, MODVIRT_TEST_ROOT=daemon.root)
        rc = subprocess.call(sys.argv[2:], env=env)
        if rc != 0:
            mvdaemon.log(f'{sys.argv[2]} failed ({rc}); daemon log:\n{daemon.log()}')
        return rc
    finally:
        daemon.stop()


if __name__ == '__main__':
    sys.exit(main())
