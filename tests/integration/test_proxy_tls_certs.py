#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Client certificates at modvirt-proxyd's TLS socket are checked as libvirt checks them:
signed by the CA is not enough.  A certificate made for a server (extended key usage TLS
WWW server only), an expired one and a revoked one (etc/pki/CA/cacrl.pem, read again on
SIGHUP) get no RPC answer, over TLS 1.2 and 1.3; the client certificate of `modvirt pki
init` still does.  certtool (gnutls-bin) makes the certificates from the pki init CA."""

import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import unittest

import harness
from harness import encode_packet
import test_proxy_common as pc

CERTTOOL = shutil.which('certtool')


def certtool(*args):
    r = subprocess.run([CERTTOOL] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f'certtool {args} failed: {r.stderr}')
    return r.stdout


class ProxyTlsCertificatesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not CERTTOOL:
            raise AssertionError('certtool (gnutls-bin, scripts/install-deps) is missing')
        cls.root = harness.make_root()
        r = pc.pki_init(cls.root)
        assert r.returncode == 0, r.stderr
        cls.pki = os.path.join(cls.root, 'etc/pki')
        cls.ca = os.path.join(cls.pki, 'CA/cacert.pem')
        cls.ca_key = os.path.join(cls.pki, 'CA/private/cakey.pem')
        cls.work = tempfile.mkdtemp(prefix='certs-', dir=cls.root)
        cls.port = pc.free_port()
        cls.proxy = pc.ProxyDaemon(cls.root, config=f'[remote]\nlisten_tls = 127.0.0.1:{cls.port}\n')
        try:
            cls.proxy.start()
        except BaseException:
            cls.proxy.cleanup()
            shutil.rmtree(cls.root, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        alive = cls.proxy.running()
        rc = cls.proxy.stop()
        cls.proxy.cleanup()
        shutil.rmtree(cls.root, ignore_errors=True)
        if alive and rc != 0:
            raise AssertionError(f'modvirt-proxyd exited with status {rc} on SIGTERM')

    def make_client(self, name, serial, extra=''):
        """A client certificate signed by the pki init CA; returns (cert, key) paths."""
        key = os.path.join(self.work, f'{name}-key.pem')
        cert = os.path.join(self.work, f'{name}-cert.pem')
        tmpl = os.path.join(self.work, f'{name}.tmpl')
        with open(tmpl, 'w') as f:
            f.write(f'cn = "{name}"\norganization = "modvirt"\nserial = {serial}\n'
                    f'tls_www_client\nsigning_key\nencryption_key\n{extra}')
        certtool('--generate-privkey', '--outfile', key)
        certtool('--generate-certificate', '--load-privkey', key, '--load-ca-certificate', self.ca,
                 '--load-ca-privkey', self.ca_key, '--template', tmpl, '--outfile', cert)
        return cert, key

    def answered(self, cert, key, version):
        """True when a TLS client with @cert gets the confirmation byte and an RPC answer."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ctx.maximum_version = version
        ctx.load_verify_locations(self.ca)
        ctx.load_cert_chain(cert, key)
        import socket
        try:
            raw = socket.create_connection(('127.0.0.1', self.port), timeout=5)
            s = ctx.wrap_socket(raw, server_hostname='localhost')
        except (ssl.SSLError, OSError) as e:
            harness.log(f'handshake refused: {e}')
            return False
        try:
            s.settimeout(5)
            if s.recv(1) != b'\1':
                return False
            s.sendall(encode_packet(harness.REMOTE_PROGRAM, harness.PROC_AUTH_LIST))
            return len(s.recv(4096)) >= 28
        except (ssl.SSLError, OSError) as e:
            harness.log(f'connection dropped: {e}')
            return False
        finally:
            s.close()

    def each_version(self, cert, key, want, log_text=None):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with self.subTest(version=version.name):
                self.assertEqual(self.answered(cert, key, version), want)
        if log_text:
            self.assertIn(log_text, self.proxy.log())
        self.assertTrue(self.proxy.running())

    def test_pki_init_client_certificate_is_accepted(self):
        d = pc.pki_dir(self.root)
        self.each_version(os.path.join(d, 'clientcert.pem'), os.path.join(d, 'clientkey.pem'), True)

    def test_server_certificate_as_client_certificate_is_refused(self):
        self.each_version(os.path.join(self.pki, 'libvirt/servercert.pem'),
                          os.path.join(self.pki, 'libvirt/private/serverkey.pem'), False,
                          'does not include TLS client authentication')

    def test_expired_client_certificate_is_refused(self):
        cert, key = self.make_client('expired client', 1001,
                                     'activation_date = "2020-01-01 00:00:00"\n'
                                     'expiration_date = "2021-01-01 00:00:00"\n')
        self.each_version(cert, key, False, 'expired')

    def test_revoked_client_certificate_is_refused_after_sighup(self):
        cert, key = self.make_client('revoked client', 1002)
        self.each_version(cert, key, True)
        tmpl = os.path.join(self.work, 'crl.tmpl')
        with open(tmpl, 'w') as f:
            f.write('crl_next_update = 30\ncrl_number = 1\n')
        crl = os.path.join(self.pki, 'CA/cacrl.pem')
        certtool('--generate-crl', '--load-ca-certificate', self.ca, '--load-ca-privkey', self.ca_key,
                 '--load-certificate', cert, '--template', tmpl, '--outfile', crl + '.new')
        os.rename(crl + '.new', crl)
        self.proxy.signal(signal.SIGHUP)
        self.assertTrue(harness.wait_until(lambda: 'TLS credentials reloaded' in self.proxy.log(), 10),
                        'the proxy did not reload its TLS files on SIGHUP')
        self.each_version(cert, key, False, 'revoked')
        # The others are still welcome.
        d = pc.pki_dir(self.root)
        self.each_version(os.path.join(d, 'clientcert.pem'), os.path.join(d, 'clientkey.pem'), True)


if __name__ == '__main__':
    harness.main()
