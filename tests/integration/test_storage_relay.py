#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Storage calls reach modvirt-storaged three ways, with Debian's virsh and python3-libvirt:
on its own socket, through modvirt-proxyd (storage:///system routed to virtstoraged-sock),
and relayed by modvirt-qemud from a qemu:///system connection, upload and download streams
included.  Read-only sockets list but do not change."""

import hashlib
import os
import unittest

import libvirt

import harness
from storage_common import StorageDaemon, virsh
from test_proxy_common import ProxyDaemon, legacy_uri


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class RelayTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        cls.stor = StorageDaemon().start()
        cls.root = cls.stor.root
        cls.qemud = harness.Daemon(root=cls.root).start()
        cls.proxy = ProxyDaemon(cls.root).start()
        cls.uris = {
            'direct': cls.stor.uri,
            'proxy': legacy_uri(cls.proxy, 'storage'),
            'qemud': cls.qemud.uri,
        }

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.qemud.stop()
        cls.stor.stop()

    def run_virsh(self, uri, *args):
        r = virsh(uri, *args)
        self.assertEqual(r.returncode, 0, f'virsh -c {uri} {" ".join(args)}: {r.stderr}')
        return r.stdout

    def test_virsh_each_way_with_streams(self):
        data = os.path.join(self.root, 'data.bin')
        with open(data, 'wb') as f:
            f.write(os.urandom(3 << 20))
        for way, uri in self.uris.items():
            with self.subTest(way=way):
                name = f'v-{way}.raw'
                self.run_virsh(uri, 'vol-create-as', 'default', name, '4M', '--allocation', '0')
                self.assertIn(name, self.run_virsh(uri, 'vol-list', 'default'))
                self.run_virsh(uri, 'vol-upload', name, data, '--pool', 'default')
                out = os.path.join(self.root, f'out-{way}.bin')
                self.run_virsh(uri, 'vol-download', name, out, '--pool', 'default', '--length', str(3 << 20))
                self.assertEqual(digest(out), digest(data))
                self.run_virsh(uri, 'vol-delete', name, '--pool', 'default')

    def test_python_each_way(self):
        for way, uri in self.uris.items():
            with self.subTest(way=way):
                conn = libvirt.open(uri)
                try:
                    pools = conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
                    self.assertEqual([p.name() for p in pools], ['default'])
                    pool = pools[0]
                    vol = pool.createXML(f"<volume><name>py-{way}</name><capacity>1048576</capacity>"
                                         "<target><format type='qcow2'/></target></volume>", 0)
                    path = vol.path()
                    self.assertEqual(conn.storageVolLookupByPath(path).name(), f'py-{way}')
                    self.assertEqual(vol.info()[1], 1 << 20)
                    self.assertIn("<format type='qcow2'/>", vol.XMLDesc(0))
                    st = conn.newStream(0)
                    vol.download(st, 0, 0, 0)
                    got = bytearray()
                    st.recvAll(lambda s, b, acc: acc.extend(b), got)
                    st.finish()
                    self.assertEqual(bytes(got[:4]), b'QFI\xfb')
                    vol.delete(0)
                    with self.assertRaises(libvirt.libvirtError) as cm:
                        pool.storageVolLookupByName(f'py-{way}')
                    self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_NO_STORAGE_VOL)
                finally:
                    conn.close()

    def test_read_only(self):
        ro = f'storage+unix:///system?socket={self.stor.sock_ro}'
        self.assertIn('default', self.run_virsh(ro, 'pool-list'))
        r = virsh(ro, 'vol-create-as', 'default', 'nope', '1M')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('read only access prevents virStorageVolCreateXML', r.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
