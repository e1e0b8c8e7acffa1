#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Read-only means read-only, whatever the flags: as uid nobody on the read-only socket,
every procedure the daemon serves there is called with every flag bit, and no answer may
carry a secret of a defined guest (its VNC password).  VIR_DOMAIN_XML_SECURE and
VIR_DOMAIN_XML_MIGRATABLE on GET_XML_DESC are refused with libvirt's error 29.

The sweep knows no procedure by heart: it finds the served procedures on the wire (every
number of libvirt's remote and QEMU programs; "unknown procedure" and "read only access
prevents" answers are left out), then sends each one a domain reference followed by
argument words with one bit set at each of the first positions, where a procedure's
`flags` sits.  A daemon that adds a procedure is swept with no change here; run_sweep()
takes any read-only socket (netd, storaged, lxcd)."""

import json
import os
import uuid as uuidlib

import libvirt

import harness
import guest
from harness import Packer, RawClient

SECRET = 's3cr3tPw'
PROC_DOMAIN_GET_XML_DESC = 14
VIR_DOMAIN_XML_SECURE = 1
VIR_DOMAIN_XML_MIGRATABLE = 8
DENIED_SECURE = 'operation forbidden: virDomainGetXMLDesc with secure flag'
# libvirt 9.0's remote procedures end at 443 (../shared/remote-procedures.txt); a margin
# for numbers added later.
REMOTE_PROC_MAX = 460
QEMU_PROC_MAX = 8
SKIP = {1, 2}          # CONNECT_OPEN and CONNECT_CLOSE would end the sweep's connection
ARG_WORDS = 8          # argument words after the domain reference
FLAG_POSITIONS = 4     # the first words each get every bit in turn


def domain_ref(name, uuid_bytes):
    p = Packer().string(name)
    p.buf += uuid_bytes
    return p.s32(-1).bytes()


def run_sweep(path, name, uuid_bytes, secret):
    """Connect to @path read-only and sweep; returns a dict of findings (JSON-able)."""
    out = {'served': [], 'leaks': [], 'denied': {}, 'calls': 0}
    ref = domain_ref(name, uuid_bytes)
    with RawClient(path, timeout=30) as c:
        r = c.handshake(flags=1)
        assert r.status == harness.STATUS_OK, r.error()
        for prog, last in ((harness.REMOTE_PROGRAM, REMOTE_PROC_MAX), (harness.QEMU_PROGRAM, QEMU_PROC_MAX)):
            for proc in range(1, last + 1):
                if prog == harness.REMOTE_PROGRAM and proc in SKIP:
                    continue
                r = c.call(proc, ref + b'\0' * 4 * ARG_WORDS, prog=prog, timeout=30)
                out['calls'] += 1
                if r.status != harness.STATUS_OK:
                    msg = r.error()['message'] or ''
                    if msg.startswith('unknown procedure') or 'read only access prevents' in msg:
                        continue
                if secret.encode() in r.body:
                    out['leaks'].append([prog, proc, 0, 0])
                out['served'].append([prog, proc])
                for pos in range(FLAG_POSITIONS):
                    for bit in range(32):
                        words = [0] * ARG_WORDS
                        words[pos] = 1 << bit
                        body = ref + b''.join(w.to_bytes(4, 'big') for w in words)
                        r = c.call(proc, body, prog=prog, timeout=30)
                        out['calls'] += 1
                        if secret.encode() in r.body:
                            out['leaks'].append([prog, proc, pos, bit])
                        if r.status != harness.STATUS_OK and r.error()['code'] == harness.VIR_ERR_OPERATION_DENIED:
                            out['denied'].setdefault(f'{prog}:{proc}:{pos}:{bit}', r.error()['message'])
    return out


def sweep_as_nobody(path, name, uuid_bytes, secret):
    pid, fd = harness.fork_as_nobody()
    if pid == 0:
        try:
            res = run_sweep(path, name, uuid_bytes, secret)
        except BaseException as e:
            res = {'error': repr(e)}
        with os.fdopen(fd, 'w') as f:
            json.dump(res, f)
        os._exit(0)
    with os.fdopen(fd) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


class ReadOnlyFlagsTest(harness.DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        os.chmod(cls.daemon.root, 0o755)   # let nobody reach -sock-ro
        cls.uuid = uuidlib.uuid4()
        xml = guest.diskless_xml('victim', uuid=str(cls.uuid),
                                 extra_devices=f"\n    <graphics type='vnc' autoport='yes' passwd='{SECRET}'/>")
        conn = libvirt.open(cls.daemon.uri)
        try:
            conn.defineXML(xml)
        finally:
            conn.close()

    def test_control_rw_socket_shows_the_secret(self):
        # The oracle can fail: the same call on the read-write socket does reveal it.
        with RawClient(self.daemon.sock) as c:
            self.assertEqual(c.handshake().status, harness.STATUS_OK)
            r = c.call(PROC_DOMAIN_GET_XML_DESC,
                       domain_ref('victim', self.uuid.bytes) + Packer().u32(VIR_DOMAIN_XML_SECURE).bytes())
            self.assertEqual(r.status, harness.STATUS_OK, r.error() if r.status else r)
            self.assertIn(SECRET.encode(), r.body)

    def test_every_procedure_every_flag_as_nobody(self):
        res = sweep_as_nobody(self.daemon.sock_ro, 'victim', self.uuid.bytes, SECRET)
        self.assertNotIn('error', res, res.get('error'))
        harness.log(f'{len(res["served"])} procedures served read-only, {res["calls"]} calls; '
                    f'denied: {sorted(res["denied"])}')
        self.assertEqual(res['leaks'], [], 'read-only answers carried the VNC password')
        served = {tuple(x) for x in res['served']}
        self.assertIn((harness.REMOTE_PROGRAM, PROC_DOMAIN_GET_XML_DESC), served)
        self.assertGreater(len(served), 30, 'the sweep found too few procedures to mean anything')
        for bit in (0, 3):
            key = f'{harness.REMOTE_PROGRAM}:{PROC_DOMAIN_GET_XML_DESC}:0:{bit}'
            self.assertEqual(res['denied'].get(key), DENIED_SECURE, key)
        self.assertDaemonAlive()

    def test_python_rw_open_of_ro_socket_secure_xml_denied(self):
        # libvirt's client checks the flag itself on a connection it opened read-only; opened
        # read-write on the -ro socket it does not, and the server must.
        conn = libvirt.open(self.daemon.uri_ro)
        try:
            dom = conn.lookupByName('victim')
            self.assertNotIn(SECRET, dom.XMLDesc(0))
            for flag in (VIR_DOMAIN_XML_SECURE, VIR_DOMAIN_XML_MIGRATABLE):
                with self.assertRaises(libvirt.libvirtError) as cm:
                    dom.XMLDesc(flag)
                self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_DENIED)
                self.assertEqual(str(cm.exception), DENIED_SECURE)
            self.assertEqual(conn.isAlive(), 1)
        finally:
            conn.close()

    def test_virsh_readonly_dumpxml_security_info(self):
        r = harness.virsh(self.daemon.uri_ro, 'dumpxml', 'victim', '--security-info', readonly=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn(SECRET, r.stdout)
        r = harness.virsh(self.daemon.uri, 'dumpxml', 'victim', '--security-info')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(SECRET, r.stdout)


if __name__ == '__main__':
    harness.main()
