// SPDX-License-Identifier: LGPL-2.1-or-later
// A private PKI for TLS between libvirt clients and modvirt-proxyd, made with gnutls: a CA,
// a server certificate and a client certificate, written where libvirt looks for them.
// Used by `modvirt pki init`; loading certificates is rpc-tls's business.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Where each file goes, relative to the root (libvirt's locations, plus a directory the
 * client URI can name with ?pkipath=). */
#define MV_PKI_CA_KEY "etc/pki/CA/private/cakey.pem"
#define MV_PKI_CA_CERT "etc/pki/CA/cacert.pem"
#define MV_PKI_SERVER_KEY "etc/pki/libvirt/private/serverkey.pem"
#define MV_PKI_SERVER_CERT "etc/pki/libvirt/servercert.pem"
#define MV_PKI_CLIENT_KEY "etc/pki/libvirt/private/clientkey.pem"
#define MV_PKI_CLIENT_CERT "etc/pki/libvirt/clientcert.pem"
#define MV_PKI_CLIENT_DIR "etc/pki/modvirt-client"

typedef struct {
    const char *root;            /* "/" or a directory all files go under */
    const char *const *hosts;    /* names and addresses of the server; NULL: localhost, 127.0.0.1 */
    bool force;                  /* replace existing keys */
} MvPkiOptions;

/* Create the CA, server and client keys and certificates.  Keys are written 0600 in
 * 0700 directories, certificates 0644, each file atomically.  Refuses (nothing written)
 * when a key exists and @force is not set.  On success *ret_files lists the paths written
 * (free with g_strfreev). */
bool mv_pki_init(const MvPkiOptions *opts, char ***ret_files, GError **error);
