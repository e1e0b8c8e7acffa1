// SPDX-License-Identifier: LGPL-2.1-or-later
// TLS for the RPC server, with gnutls: x509 server credentials, client certificates
// required and verified against the CA and an optional allow-list of distinguished names,
// and libvirt's confirmation byte.  A client that passes is handed over as a plain socket
// (one end of a socket pair whose other end this file encrypts), so the RPC server never
// sees TLS; what the bytes mean is the server's business.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* TLS handshakes in progress at once; connections beyond it are closed at accept. */
#define MV_TLS_HANDSHAKES_MAX 64
/* A client that has not finished its handshake after this many seconds is dropped. */
#define MV_TLS_HANDSHAKE_TIMEOUT 10

typedef struct MvTlsServer MvTlsServer;

/* A client passed the handshake and the certificate checks.  @fd is a connected stream
 * socket carrying its decrypted bytes (ownership passes), @dname the distinguished name of
 * its certificate.  Return false to refuse it (the connection is closed). */
typedef bool (*MvTlsClientFunc)(int fd, const char *dname, void *data);

/* Load the CA certificate, the server certificate and its key, and the certificate
 * revocation list @crl_file (NULL: none) (PEM files).  Fails with @error naming the file
 * that is missing or wrong, and when the server certificate is not signed by the CA.
 * @allowed_dns: fnmatch(3) patterns the client's DN must match, or NULL for any client
 * certificate signed by the CA.  Client certificates must also be in date, not revoked, and
 * made for TLS client authentication (key usage, extended key usage, not a CA). */
MvTlsServer *mv_tls_server_new(const char *ca_file, const char *cert_file, const char *key_file,
                               const char *crl_file, const char *const *allowed_dns, MvTlsClientFunc fn,
                               void *data, GError **error);

/* Read the certificate files again (a renewed certificate, a new CRL @crl_file) and take
 * @allowed_dns: for the clients that connect from now on.  On error nothing changes. */
bool mv_tls_server_reload(MvTlsServer *t, const char *crl_file, const char *const *allowed_dns,
                          GError **error);

/* Close every TLS connection and listener, free.  NULL-safe. */
void mv_tls_server_free(MvTlsServer *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvTlsServer, mv_tls_server_free)

/* Accept TLS clients on the listening socket @fd (ownership taken).  Main loop. */
void mv_tls_server_add_listener(MvTlsServer *t, int fd);
