// SPDX-License-Identifier: LGPL-2.1-or-later
// TLS connections on the main loop: non-blocking handshake, certificate checks, the
// confirmation byte libvirt's clients wait for, then a pump between the TLS session and a
// socket pair whose other end the RPC server reads as a plain client.

#include "rpc/rpc-tls.h"
#include "util/util-error.h"

#include <errno.h>
#include <netdb.h>
#include <fnmatch.h>
#include <glib-unix.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes moved per read in each direction; a TLS record holds at most 16 KiB. */
#define TLS_CHUNK 16384

/* Credentials, shared by the sessions made with them: a reload makes new ones for new
 * clients while the connections of before keep theirs until they end. */
typedef struct {
    gint refs;
    gnutls_certificate_credentials_t cred;
} TlsCred;

struct MvTlsServer {
    TlsCred *cred;           /* for new clients */
    char *ca_file, *cert_file, *key_file, *crl_file;
    gnutls_priority_t priority;
    char **allowed_dns;
    MvTlsClientFunc fn;
    void *data;
    GPtrArray *listeners;    /* GSource* */
    GArray *listen_fds;      /* int, parallel to listeners */
    GList *conns;            /* TlsConn* */
    unsigned handshaking;
};

typedef enum { TLS_HANDSHAKE, TLS_PUMP, TLS_CLOSED } TlsState;

typedef struct {
    GSource base;
    struct TlsConn *conn;
} ConnSource;

typedef struct TlsConn {
    MvTlsServer *server;
    GList *link;
    TlsState state;
    TlsCred *cred;           /* the credentials of its session (a reference) */
    gnutls_session_t session;
    int net;                 /* the client's TCP socket */
    int local;               /* our end of the pair the RPC server reads */
    GSource *source;
    gpointer net_tag;
    gpointer local_tag;
    guint timer;
    guint8 to_local[TLS_CHUNK];   /* decrypted, not yet written to the pair */
    size_t to_local_len, to_local_off;
    guint8 to_net[TLS_CHUNK];     /* read from the pair, not yet accepted by gnutls */
    size_t to_net_len, to_net_off;
    bool net_eof;
    bool local_eof;
    char *peer;              /* "address:port" for logs */
} TlsConn;

static void conn_pump(TlsConn *c);

static bool
tls_error(GError **error, int rc, const char *what, const char *file)
{
    mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "%s '%s': %s", what, file, gnutls_strerror(rc));
    return false;
}

static bool
load_cert(const char *file, gnutls_x509_crt_t *ret, GError **error)
{
    gnutls_datum_t d = { 0 };
    int rc = gnutls_load_file(file, &d);
    if (rc < 0)
        return tls_error(error, rc, "cannot read certificate", file);
    gnutls_x509_crt_init(ret);
    rc = gnutls_x509_crt_import(*ret, &d, GNUTLS_X509_FMT_PEM);
    gnutls_free(d.data);
    if (rc < 0) {
        gnutls_x509_crt_deinit(*ret);
        return tls_error(error, rc, "cannot parse certificate", file);
    }
    return true;
}

/* The server certificate must verify against the CA now, not at the first client. */
static bool
check_server_cert(const char *ca_file, const char *cert_file, GError **error)
{
    gnutls_x509_crt_t ca, cert;
    if (!load_cert(ca_file, &ca, error))
        return false;
    if (!load_cert(cert_file, &cert, error)) {
        gnutls_x509_crt_deinit(ca);
        return false;
    }
    unsigned status = 0;
    int rc = gnutls_x509_crt_list_verify(&cert, 1, &ca, 1, NULL, 0, 0, &status);
    bool ok = rc >= 0 && status == 0;
    if (!ok) {
        gnutls_datum_t out = { 0 };
        if (rc >= 0)
            gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0);
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR,
                     "server certificate '%s' does not verify against CA certificate '%s': %s",
                     cert_file, ca_file, rc < 0 ? gnutls_strerror(rc) : (const char *)out.data);
        gnutls_free(out.data);
    }
    gnutls_x509_crt_deinit(cert);
    gnutls_x509_crt_deinit(ca);
    return ok;
}

static TlsCred *
cred_ref(TlsCred *c)
{
    g_atomic_int_inc(&c->refs);
    return c;
}

static void
cred_unref(TlsCred *c)
{
    if (!c || !g_atomic_int_dec_and_test(&c->refs))
        return;
    gnutls_certificate_free_credentials(c->cred);
    g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TlsCred, cred_unref)

/* Load the CA, the server certificate and key, and the CRL (@crl_file may be NULL). */
static TlsCred *
cred_load(const char *ca_file, const char *cert_file, const char *key_file, const char *crl_file,
          GError **error)
{
    g_autoptr(TlsCred) c = g_new0(TlsCred, 1);
    c->refs = 1;
    gnutls_certificate_allocate_credentials(&c->cred);
    int rc = gnutls_certificate_set_x509_trust_file(c->cred, ca_file, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        tls_error(error, rc, "cannot load CA certificate", ca_file);
        return NULL;
    }
    if (rc == 0) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "CA certificate file '%s' holds no certificate", ca_file);
        return NULL;
    }
    rc = gnutls_certificate_set_x509_key_file(c->cred, cert_file, key_file, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        g_autofree char *both = g_strdup_printf("%s' and '%s", cert_file, key_file);
        tls_error(error, rc, "cannot load server certificate and key", both);
        return NULL;
    }
    /* Revoked client certificates then fail gnutls's verification (GNUTLS_CERT_REVOKED). */
    if (crl_file && (rc = gnutls_certificate_set_x509_crl_file(c->cred, crl_file, GNUTLS_X509_FMT_PEM)) < 0) {
        tls_error(error, rc, "cannot load certificate revocation list", crl_file);
        return NULL;
    }
    if (!check_server_cert(ca_file, cert_file, error))
        return NULL;
    return g_steal_pointer(&c);
}

MvTlsServer *
mv_tls_server_new(const char *ca_file, const char *cert_file, const char *key_file, const char *crl_file,
                  const char *const *allowed_dns, MvTlsClientFunc fn, void *data, GError **error)
{
    int rc = gnutls_global_init();
    if (rc < 0) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "cannot initialise gnutls: %s", gnutls_strerror(rc));
        return NULL;
    }
    g_autoptr(MvTlsServer) t = g_new0(MvTlsServer, 1);
    t->listeners = g_ptr_array_new();
    t->listen_fds = g_array_new(FALSE, FALSE, sizeof(int));
    t->fn = fn;
    t->data = data;
    t->allowed_dns = g_strdupv((char **)allowed_dns);
    t->ca_file = g_strdup(ca_file);
    t->cert_file = g_strdup(cert_file);
    t->key_file = g_strdup(key_file);
    t->crl_file = g_strdup(crl_file);
    if (!(t->cred = cred_load(ca_file, cert_file, key_file, crl_file, error)))
        return NULL;
    rc = gnutls_priority_init(&t->priority, NULL, NULL);   /* the system's default */
    if (rc < 0) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "cannot set TLS priorities: %s", gnutls_strerror(rc));
        return NULL;
    }
    return g_steal_pointer(&t);
}

bool
mv_tls_server_reload(MvTlsServer *t, const char *crl_file, const char *const *allowed_dns, GError **error)
{
    TlsCred *c = cred_load(t->ca_file, t->cert_file, t->key_file, crl_file, error);
    if (!c)
        return false;
    cred_unref(t->cred);
    t->cred = c;
    g_free(t->crl_file);
    t->crl_file = g_strdup(crl_file);
    g_strfreev(t->allowed_dns);
    t->allowed_dns = g_strdupv((char **)allowed_dns);
    return true;
}

/* ---------- one connection ---------- */

static gboolean
conn_free_idle(gpointer data)
{
    TlsConn *c = data;
    g_free(c->peer);
    g_free(c);
    return G_SOURCE_REMOVE;
}

/* End the connection now; only the memory waits for an idle callback (we may be in the
 * connection's own dispatch). */
static void
conn_close(TlsConn *c, const char *why)
{
    MvTlsServer *t = c->server;
    if (c->state == TLS_CLOSED)
        return;
    if (why)
        g_info("TLS client %s: %s", c->peer, why);
    if (c->state == TLS_HANDSHAKE)
        t->handshaking--;
    c->state = TLS_CLOSED;
    g_clear_handle_id(&c->timer, g_source_remove);
    if (c->source) {
        g_source_destroy(c->source);
        g_source_unref(c->source);
        c->source = NULL;
    }
    if (c->net >= 0)
        close(c->net);
    if (c->local >= 0)
        close(c->local);
    c->net = c->local = -1;
    gnutls_deinit(c->session);
    g_clear_pointer(&c->cred, cred_unref);
    t->conns = g_list_delete_link(t->conns, c->link);
    g_idle_add(conn_free_idle, c);
}

static void
conn_watch(TlsConn *c, GIOCondition net, GIOCondition local)
{
    if (c->net_tag)
        g_source_modify_unix_fd(c->source, c->net_tag, net);
    if (c->local_tag)
        g_source_modify_unix_fd(c->source, c->local_tag, local);
}

static gboolean
conn_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    conn_pump(((ConnSource *)source)->conn);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs conn_source_funcs = { .dispatch = conn_dispatch };

static gboolean
handshake_expired(gpointer data)
{
    TlsConn *c = data;
    c->timer = 0;
    conn_close(c, "no TLS handshake within the time limit");
    return G_SOURCE_REMOVE;
}

/* What makes @crt unfit to authenticate a TLS client, as libvirt judges it, or NULL: a CA
 * certificate; a key usage without digital signatures (a TLS client signs the handshake);
 * an extended key usage that does not name TLS client authentication (a certificate made
 * for a server, say). */
static char *
client_purpose_problem(gnutls_x509_crt_t crt)
{
    unsigned critical = 0;
    if (gnutls_x509_crt_get_ca_status(crt, &critical) > 0)
        return g_strdup("it is a CA certificate");
    unsigned usage = 0;
    int rc = gnutls_x509_crt_get_key_usage(crt, &usage, &critical);
    if (rc >= 0 && !(usage & GNUTLS_KEY_DIGITAL_SIGNATURE))
        return g_strdup("its key usage does not allow digital signatures");
    bool any_purpose = false, client = false;
    for (unsigned i = 0;; i++) {
        char oid[128];
        size_t size = sizeof(oid);
        rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, &critical);
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (rc < 0)
            return g_strdup_printf("cannot read its extended key usage: %s", gnutls_strerror(rc));
        any_purpose = true;
        if (g_str_equal(oid, GNUTLS_KP_TLS_WWW_CLIENT) || g_str_equal(oid, GNUTLS_KP_ANY))
            client = true;
    }
    if (any_purpose && !client)
        return g_strdup("its purpose (extended key usage) does not include TLS client authentication");
    return NULL;
}

/* The client's certificate: signed by our CA, in date, not revoked (with a CRL), made for
 * client authentication, and (with an allow-list) of an allowed name.  Returns its DN, or
 * NULL with @why set. */
static char *
check_client(TlsConn *c, char **why)
{
    unsigned status = 0;
    int rc = gnutls_certificate_verify_peers2(c->session, &status);
    if (rc < 0) {
        *why = g_strdup_printf("cannot verify the client certificate: %s", gnutls_strerror(rc));
        return NULL;
    }
    if (status != 0) {
        gnutls_datum_t out = { 0 };
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0);
        *why = g_strdup_printf("client certificate refused: %s", (const char *)out.data);
        gnutls_free(out.data);
        return NULL;
    }
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(c->session, &n);
    if (!certs || n == 0 || gnutls_certificate_type_get(c->session) != GNUTLS_CRT_X509) {
        *why = g_strdup("the client sent no x509 certificate");
        return NULL;
    }
    gnutls_x509_crt_t crt;
    gnutls_x509_crt_init(&crt);
    gnutls_datum_t dn = { 0 };
    rc = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER);
    if (rc >= 0)
        rc = gnutls_x509_crt_get_dn2(crt, &dn);
    g_autofree char *purpose = rc >= 0 ? client_purpose_problem(crt) : NULL;
    gnutls_x509_crt_deinit(crt);
    if (rc < 0) {
        *why = g_strdup_printf("cannot read the client certificate's name: %s", gnutls_strerror(rc));
        return NULL;
    }
    if (purpose) {
        *why = g_strdup_printf("client certificate '%.*s' refused: %s", (int)dn.size, (const char *)dn.data, purpose);
        gnutls_free(dn.data);
        return NULL;
    }
    g_autofree char *dname = g_strndup((const char *)dn.data, dn.size);
    gnutls_free(dn.data);
    if (c->server->allowed_dns) {
        bool allowed = false;
        for (char **p = c->server->allowed_dns; *p && !allowed; p++)
            allowed = fnmatch(*p, dname, 0) == 0;
        if (!allowed) {
            *why = g_strdup_printf("client certificate name '%s' is not in the allowed list (tls_allowed_dn_list)",
                                   dname);
            return NULL;
        }
    }
    return g_steal_pointer(&dname);
}

/* Handshake done and the client accepted: the pair for the RPC server, then pump. */
static void
conn_accepted(TlsConn *c)
{
    char *why = NULL;
    g_autofree char *dname = check_client(c, &why);
    if (!dname) {
        /* No confirmation byte: libvirt's client reports that the server refused it. */
        conn_close(c, why);
        g_free(why);
        return;
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) {
        g_autofree char *e = g_strdup_printf("cannot create a socket pair: %s", g_strerror(errno));
        conn_close(c, e);
        return;
    }
    g_clear_handle_id(&c->timer, g_source_remove);
    c->server->handshaking--;
    c->state = TLS_PUMP;
    c->local = pair[0];
    c->local_tag = g_source_add_unix_fd(c->source, c->local, G_IO_IN);
    /* libvirt's client waits for this byte before its first call: it means "your
     * certificate was accepted". */
    c->to_net[0] = 1;
    c->to_net_len = 1;
    c->to_net_off = 0;
    g_debug("TLS client %s accepted as '%s'", c->peer, dname);
    if (!c->server->fn(pair[1], dname, c->server->data)) {
        conn_close(c, "refused by the server");
        return;
    }
}

static void
conn_handshake(TlsConn *c)
{
    int rc = gnutls_handshake(c->session);
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
        conn_watch(c, gnutls_record_get_direction(c->session) ? G_IO_OUT : G_IO_IN, 0);
        return;
    }
    if (rc < 0) {
        g_autofree char *why = g_strdup_printf("TLS handshake failed: %s", gnutls_strerror(rc));
        conn_close(c, why);
        return;
    }
    conn_accepted(c);
}

/* Move bytes both ways until neither side can take or give more; then wait. */
static void
conn_pump(TlsConn *c)
{
    if (c->state == TLS_HANDSHAKE) {
        conn_handshake(c);
        if (c->state != TLS_PUMP)
            return;
    }
    bool net_out = false;
    for (bool progress = true; progress && c->state == TLS_PUMP;) {
        progress = false;
        /* network -> pair */
        if (c->to_local_off == c->to_local_len && !c->net_eof) {
            ssize_t n = gnutls_record_recv(c->session, c->to_local, sizeof(c->to_local));
            if (n > 0) {
                c->to_local_len = n;
                c->to_local_off = 0;
                progress = true;
            } else if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) {
                c->net_eof = true;
                progress = true;
            } else if (n != GNUTLS_E_AGAIN && gnutls_error_is_fatal(n)) {
                /* Warning alerts and the like are not fatal: carry on. */
                g_autofree char *why = g_strdup_printf("TLS receive failed: %s", gnutls_strerror(n));
                conn_close(c, why);
                return;
            }
        }
        if (c->to_local_off < c->to_local_len) {
            ssize_t n = send(c->local, c->to_local + c->to_local_off, c->to_local_len - c->to_local_off,
                             MSG_NOSIGNAL);
            if (n > 0) {
                c->to_local_off += n;
                progress = true;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                conn_close(c, NULL);   /* the server dropped the client */
                return;
            }
        }
        /* pair -> network */
        if (c->to_net_off == c->to_net_len && !c->local_eof) {
            ssize_t n = read(c->local, c->to_net, sizeof(c->to_net));
            if (n > 0) {
                c->to_net_len = n;
                c->to_net_off = 0;
                progress = true;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                c->local_eof = true;
                progress = true;
            }
        }
        net_out = false;
        if (c->to_net_off < c->to_net_len) {
            ssize_t n = gnutls_record_send(c->session, c->to_net + c->to_net_off, c->to_net_len - c->to_net_off);
            if (n > 0) {
                c->to_net_off += n;
                progress = true;
            } else if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
                net_out = true;
            } else {
                g_autofree char *why = g_strdup_printf("TLS send failed: %s", gnutls_strerror(n));
                conn_close(c, why);
                return;
            }
        }
    }
    if (c->state != TLS_PUMP)
        return;
    bool local_pending = c->to_local_off < c->to_local_len;
    bool net_pending = c->to_net_off < c->to_net_len;
    if ((c->net_eof && !local_pending) || (c->local_eof && !net_pending)) {
        /* One side is done and everything it said has been passed on.  Closing our end of
         * the pair makes the server see the client go; the client gets a TLS goodbye. */
        if (c->local_eof)
            gnutls_bye(c->session, GNUTLS_SHUT_WR);
        conn_close(c, NULL);
        return;
    }
    GIOCondition net = (!local_pending && !c->net_eof ? G_IO_IN : 0) | (net_out ? G_IO_OUT : 0);
    GIOCondition local = (!net_pending && !c->local_eof ? G_IO_IN : 0) | (local_pending ? G_IO_OUT : 0);
    conn_watch(c, net, local);
}

static gboolean
listener_ready(gint fd, GIOCondition cond, gpointer data)
{
    MvTlsServer *t = data;
    for (;;) {
        union { struct sockaddr sa; struct sockaddr_storage ss; } addr;
        socklen_t alen = sizeof(addr);
        int cfd = accept4(fd, &addr.sa, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                g_warning("accept on a TLS socket failed: %s", g_strerror(errno));
            break;
        }
        if (t->handshaking >= MV_TLS_HANDSHAKES_MAX) {
            g_warning("%u TLS handshakes are in progress already, refusing a new client", t->handshaking);
            close(cfd);
            continue;
        }
        TlsConn *c = g_new0(TlsConn, 1);
        c->server = t;
        c->net = cfd;
        c->local = -1;
        char host[64] = "?", port[16] = "?";
        getnameinfo(&addr.sa, alen, host, sizeof(host), port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
        c->peer = g_strdup_printf("%s:%s", host, port);
        gnutls_init(&c->session, GNUTLS_SERVER | GNUTLS_NONBLOCK);
        gnutls_priority_set(c->session, t->priority);
        c->cred = cred_ref(t->cred);
        gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, c->cred->cred);
        /* A client without a certificate fails the handshake. */
        gnutls_certificate_server_set_request(c->session, GNUTLS_CERT_REQUIRE);
        gnutls_transport_set_int(c->session, cfd);
        c->source = g_source_new(&conn_source_funcs, sizeof(ConnSource));
        ((ConnSource *)c->source)->conn = c;
        /* No fd juggling around each dispatch (see rpc-relay.c). */
        g_source_set_can_recurse(c->source, TRUE);
        c->net_tag = g_source_add_unix_fd(c->source, cfd, G_IO_IN);
        g_source_attach(c->source, NULL);
        c->timer = g_timeout_add_seconds(MV_TLS_HANDSHAKE_TIMEOUT, handshake_expired, c);
        t->conns = g_list_prepend(t->conns, c);
        c->link = t->conns;
        t->handshaking++;
        g_debug("TLS client %s connected", c->peer);
        conn_pump(c);
    }
    return G_SOURCE_CONTINUE;
}

void
mv_tls_server_add_listener(MvTlsServer *t, int fd)
{
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    GSource *src = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(src, (GSourceFunc)(void (*)(void))listener_ready, t, NULL);
    g_source_attach(src, NULL);
    g_ptr_array_add(t->listeners, src);
    g_array_append_val(t->listen_fds, fd);
}

void
mv_tls_server_free(MvTlsServer *t)
{
    if (!t)
        return;
    for (guint i = 0; i < t->listeners->len; i++) {
        g_source_destroy(t->listeners->pdata[i]);
        g_source_unref(t->listeners->pdata[i]);
        close(g_array_index(t->listen_fds, int, i));
    }
    g_ptr_array_unref(t->listeners);
    g_array_unref(t->listen_fds);
    while (t->conns)
        conn_close(t->conns->data, NULL);
    if (t->priority)
        gnutls_priority_deinit(t->priority);
    cred_unref(t->cred);
    g_free(t->ca_file);
    g_free(t->cert_file);
    g_free(t->key_file);
    g_free(t->crl_file);
    g_strfreev(t->allowed_dns);
    g_free(t);
    gnutls_global_deinit();
}
