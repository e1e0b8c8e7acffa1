// SPDX-License-Identifier: LGPL-2.1-or-later
// Key and certificate generation with gnutls, shaped for libvirt's checks: the CA has
// basic constraints CA and may sign certificates; the others are not CAs, may sign and
// encipher, and name their purpose (TLS server or client).  The server certificate lists
// every host name and address clients may use, since libvirt's client checks the name.

#include "util/util-pki.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Validity: the CA for ten years, the others for three; starting an hour ago, so that a
 * peer whose clock is a little behind accepts them at once. */
#define CA_DAYS 3650
#define LEAF_DAYS 1095
#define BACKDATE_SECONDS 3600

typedef struct {
    gnutls_x509_privkey_t key;
    gnutls_x509_crt_t crt;
} Pair;

static void
pair_clear(Pair *p)
{
    if (p->crt)
        gnutls_x509_crt_deinit(p->crt);
    if (p->key)
        gnutls_x509_privkey_deinit(p->key);
    p->crt = NULL;
    p->key = NULL;
}

static bool
gnutls_failed(GError **error, int rc, const char *what)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot %s: %s", what, gnutls_strerror(rc));
    return false;
}

/* A new key and a certificate for it with @cn, not yet signed. */
static bool
pair_new(Pair *p, const char *cn, unsigned days, GError **error)
{
    int rc;
    gnutls_x509_privkey_init(&p->key);
    /* ECDSA P-256: as strong as RSA-3072 for TLS and generated in a millisecond. */
    rc = gnutls_x509_privkey_generate(p->key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (rc < 0)
        return gnutls_failed(error, rc, "generate a key");
    gnutls_x509_crt_init(&p->crt);
    guint8 serial[16];
    gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
    serial[0] &= 0x7f;   /* positive, as RFC 5280 wants */
    serial[0] |= 0x01;   /* and without a leading zero byte */
    time_t now = time(NULL);
    const char *org = "modvirt";
    if ((rc = gnutls_x509_crt_set_version(p->crt, 3)) < 0 ||
        (rc = gnutls_x509_crt_set_serial(p->crt, serial, sizeof(serial))) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(p->crt, now - BACKDATE_SECONDS)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(p->crt, now + (time_t)days * 86400)) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(p->crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, org, strlen(org))) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(p->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn))) < 0 ||
        (rc = gnutls_x509_crt_set_key(p->crt, p->key)) < 0)
        return gnutls_failed(error, rc, "fill in a certificate");
    guint8 id[64];
    size_t idlen = sizeof(id);
    if ((rc = gnutls_x509_crt_get_key_id(p->crt, 0, id, &idlen)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(p->crt, id, idlen)) < 0)
        return gnutls_failed(error, rc, "set a subject key id");
    return true;
}

static bool
sign(Pair *p, const Pair *issuer, GError **error)
{
    int rc;
    guint8 id[64];
    size_t idlen = sizeof(id);
    if (issuer != p) {
        if ((rc = gnutls_x509_crt_get_subject_key_id(issuer->crt, id, &idlen, NULL)) < 0 ||
            (rc = gnutls_x509_crt_set_authority_key_id(p->crt, id, idlen)) < 0)
            return gnutls_failed(error, rc, "set the authority key id");
    }
    rc = gnutls_x509_crt_sign2(p->crt, issuer->crt, issuer->key, GNUTLS_DIG_SHA256, 0);
    return rc < 0 ? gnutls_failed(error, rc, "sign a certificate") : true;
}

static bool
make_ca(Pair *ca, GError **error)
{
    g_autofree char *cn = g_strdup_printf("modvirt CA on %s", g_get_host_name());
    int rc;
    if (!pair_new(ca, cn, CA_DAYS, error))
        return false;
    if ((rc = gnutls_x509_crt_set_basic_constraints(ca->crt, 1, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(ca->crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0)
        return gnutls_failed(error, rc, "make a CA certificate");
    return sign(ca, ca, error);
}

static bool
make_leaf(Pair *p, const Pair *ca, const char *cn, const char *purpose, const char *const *hosts,
          GError **error)
{
    int rc;
    if (!pair_new(p, cn, LEAF_DAYS, error))
        return false;
    /* libvirt wants digital signature and key encipherment on a peer certificate. */
    if ((rc = gnutls_x509_crt_set_basic_constraints(p->crt, 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(p->crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT)) < 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(p->crt, purpose, 0)) < 0)
        return gnutls_failed(error, rc, "fill in a certificate");
    for (const char *const *h = hosts; h && *h; h++) {
        guint8 addr[16];
        if (inet_pton(AF_INET, *h, addr) == 1)
            rc = gnutls_x509_crt_set_subject_alt_name(p->crt, GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
        else if (inet_pton(AF_INET6, *h, addr) == 1)
            rc = gnutls_x509_crt_set_subject_alt_name(p->crt, GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
        else
            rc = gnutls_x509_crt_set_subject_alt_name(p->crt, GNUTLS_SAN_DNSNAME, *h, strlen(*h), GNUTLS_FSAN_APPEND);
        if (rc < 0) {
            g_autofree char *what = g_strdup_printf("add host name '%s'", *h);
            return gnutls_failed(error, rc, what);
        }
    }
    return sign(p, ca, error);
}

static char *
export_key(const Pair *p, GError **error)
{
    gnutls_datum_t d = { 0 };
    int rc = gnutls_x509_privkey_export2(p->key, GNUTLS_X509_FMT_PEM, &d);
    if (rc < 0) {
        gnutls_failed(error, rc, "export a key");
        return NULL;
    }
    char *s = g_strndup((const char *)d.data, d.size);
    gnutls_free(d.data);
    return s;
}

static char *
export_cert(const Pair *p, GError **error)
{
    gnutls_datum_t d = { 0 };
    int rc = gnutls_x509_crt_export2(p->crt, GNUTLS_X509_FMT_PEM, &d);
    if (rc < 0) {
        gnutls_failed(error, rc, "export a certificate");
        return NULL;
    }
    char *s = g_strndup((const char *)d.data, d.size);
    gnutls_free(d.data);
    return s;
}

/* Write @text to @path atomically with @mode, creating its directory with @dir_mode. */
static bool
write_file(const char *path, const char *text, mode_t mode, mode_t dir_mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *parent = g_path_get_dirname(dir);
    /* Only the file's own directory gets @dir_mode; the ones above it are public. */
    if (g_mkdir_with_parents(parent, 0755) < 0 || (mkdir(dir, dir_mode) < 0 && errno != EEXIST)) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create directory '%s': %s",
                    dir, g_strerror(e));
        return false;
    }
    /* An existing key directory keeps its owner but gets no wider than asked. */
    if (dir_mode == 0700)
        chmod(dir, 0700);
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    /* The temporary file has the final mode from the start: a key is never readable by
     * others, not even for a moment. */
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create '%s': %s", tmp, g_strerror(e));
        return false;
    }
    size_t len = strlen(text), off = 0;
    int e = 0;
    while (off < len && !e) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno != EINTR)
            e = errno;
        else if (n > 0)
            off += n;
    }
    if (!e && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
        e = errno;
    close(fd);
    if (!e && rename(tmp, path) < 0)
        e = errno;
    if (e) {
        unlink(tmp);
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot write '%s': %s", path, g_strerror(e));
        return false;
    }
    return true;
}

typedef struct {
    const char *rel;
    const Pair *pair;
    bool key;
} Output;

bool
mv_pki_init(const MvPkiOptions *opts, char ***ret_files, GError **error)
{
    static const char *const default_hosts[] = { "localhost", "127.0.0.1", NULL };
    const char *const *hosts = opts->hosts && opts->hosts[0] ? opts->hosts : default_hosts;
    const char *root = opts->root && *opts->root ? opts->root : "/";
    Pair ca = { 0 }, server = { 0 }, client = { 0 };
    bool ok = false;

    const Output outputs[] = {
        { MV_PKI_CA_KEY, &ca, true },
        { MV_PKI_CA_CERT, &ca, false },
        { MV_PKI_SERVER_KEY, &server, true },
        { MV_PKI_SERVER_CERT, &server, false },
        { MV_PKI_CLIENT_KEY, &client, true },
        { MV_PKI_CLIENT_CERT, &client, false },
        { MV_PKI_CLIENT_DIR "/clientkey.pem", &client, true },
        { MV_PKI_CLIENT_DIR "/clientcert.pem", &client, false },
        { MV_PKI_CLIENT_DIR "/cacert.pem", &ca, false },
    };
    if (!opts->force) {
        for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
            g_autofree char *path = g_build_filename(root, outputs[i].rel, NULL);
            if (outputs[i].key && g_file_test(path, G_FILE_TEST_EXISTS)) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                            "key '%s' exists already; use --force to replace the keys and certificates", path);
                return false;
            }
        }
    }

    int rc = gnutls_global_init();
    if (rc < 0)
        return gnutls_failed(error, rc, "initialise gnutls");
    g_autofree char *client_cn = g_strdup_printf("modvirt client on %s", g_get_host_name());
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    if (!make_ca(&ca, error) ||
        !make_leaf(&server, &ca, hosts[0], GNUTLS_KP_TLS_WWW_SERVER, hosts, error) ||
        !make_leaf(&client, &ca, client_cn, GNUTLS_KP_TLS_WWW_CLIENT, NULL, error))
        goto out;
    for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
        const Output *o = &outputs[i];
        g_autofree char *path = g_build_filename(root, o->rel, NULL);
        g_autofree char *text = o->key ? export_key(o->pair, error) : export_cert(o->pair, error);
        bool in_client_dir = g_str_has_prefix(o->rel, MV_PKI_CLIENT_DIR "/");
        /* Key directories and the client directory are private; certificates are public. */
        mode_t dir_mode = (o->key || in_client_dir) ? 0700 : 0755;
        if (!text || !write_file(path, text, o->key ? 0600 : 0644, dir_mode, error))
            goto out;
        g_ptr_array_add(files, g_steal_pointer(&path));
    }
    g_ptr_array_add(files, NULL);
    *ret_files = (char **)g_ptr_array_free(g_steal_pointer(&files), FALSE);
    ok = true;
 out:
    pair_clear(&ca);
    pair_clear(&server);
    pair_clear(&client);
    gnutls_global_deinit();
    return ok;
}
