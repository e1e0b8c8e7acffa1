// SPDX-License-Identifier: LGPL-2.1-or-later
// TCP and TLS listeners: where they come from (options, config, activation) and the TLS
// credentials, at libvirt's file locations under the daemon's root.

#include "daemon/daemon-listen.h"
#include "rpc/rpc-tls.h"
#include "util/util-error.h"

#include <unistd.h>

/* libvirt's locations of the server's PKI files, relative to the root. */
#define PKI_CA_CERT "etc/pki/CA/cacert.pem"
#define PKI_SERVER_CERT "etc/pki/libvirt/servercert.pem"
#define PKI_SERVER_KEY "etc/pki/libvirt/private/serverkey.pem"
/* libvirt's certificate revocation list, used when the file exists. */
#define PKI_CA_CRL "etc/pki/CA/cacrl.pem"

/* A TLS client that passed: it becomes a client of the main server like any other. */
static bool
tls_client(int fd, const char *dname, void *data)
{
    MvDaemon *d = data;
    MvServer *srv = mv_daemon_server(d);
    g_autofree char *who = g_strdup_printf("TLS client '%s'", dname);
    if (!mv_server_has_room(srv, false, who)) {
        close(fd);
        return false;
    }
    MvClient *c = mv_server_add_client_fd(srv, fd, false);
    mv_conn_of_client(c)->x509_dname = g_strdup(dname);
    return true;
}

static char *
config_string(MvDaemon *d, const char *key)
{
    g_autofree char *v = g_key_file_get_string(mv_daemon_config(d), "remote", key, NULL);
    if (v)
        g_strstrip(v);
    return v && *v ? g_steal_pointer(&v) : NULL;
}

/* The CRL file when there is one. */
static char *
crl_path(MvDaemon *d)
{
    g_autofree char *crl = mv_daemon_path(d, PKI_CA_CRL);
    return g_file_test(crl, G_FILE_TEST_EXISTS) ? g_steal_pointer(&crl) : NULL;
}

static GStrv
allowed_dns(MvDaemon *d)
{
    g_auto(GStrv) allowed = g_key_file_get_string_list(mv_daemon_config(d), "remote", "tls_allowed_dn_list",
                                                       NULL, NULL);
    for (char **p = allowed; p && *p; p++)
        g_strstrip(*p);
    return g_steal_pointer(&allowed);
}

static bool
listen_network(MvDaemon *d, MvDaemonSockets *socks, const char *opt_tcp,
               const char *opt_tls, void **ret_state, GError **error)
{
    g_autofree char *cfg_tcp = config_string(d, "listen_tcp");
    g_autofree char *cfg_tls = config_string(d, "listen_tls");
    const char *tcp = opt_tcp ? opt_tcp : cfg_tcp;
    const char *tls = opt_tls ? opt_tls : cfg_tls;

    if (socks->activated) {
        /* systemd decides what we listen on; binding more behind its back would surprise. */
        if (opt_tcp || opt_tls) {
            mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX,
                         "--listen-tcp and --listen-tls cannot be used with socket activation: "
                         "enable the -tcp/-tls socket units instead");
            return false;
        }
        if (cfg_tcp || cfg_tls)
            g_info("socket activation decides the listeners: listen_tcp/listen_tls of the config file are ignored");
    } else {
        if (tcp && !mv_daemon_sockets_listen_tcp(socks, MV_SOCK_TCP, tcp, MV_DAEMON_TCP_PORT, error))
            return false;
        if (tls && !mv_daemon_sockets_listen_tcp(socks, MV_SOCK_TLS, tls, MV_DAEMON_TLS_PORT, error))
            return false;
    }
    if (mv_daemon_sockets_have(socks, MV_SOCK_TCP))
        g_warning("serving plain TCP clients%s%s: no encryption and no authentication",
                  tcp && !socks->activated ? " on " : "", tcp && !socks->activated ? tcp : "");
    if (!mv_daemon_sockets_have(socks, MV_SOCK_TLS))
        return true;

    g_autofree char *ca = mv_daemon_path(d, PKI_CA_CERT);
    g_autofree char *cert = mv_daemon_path(d, PKI_SERVER_CERT);
    g_autofree char *key = mv_daemon_path(d, PKI_SERVER_KEY);
    g_autofree char *crl = crl_path(d);
    g_auto(GStrv) allowed = allowed_dns(d);
    MvTlsServer *tls_server = mv_tls_server_new(ca, cert, key, crl, (const char *const *)allowed, tls_client, d,
                                                error);
    *ret_state = tls_server;
    if (!tls_server) {
        g_prefix_error(error, "cannot serve TLS (create the files with 'modvirt pki init'): ");
        return false;
    }
    g_info("serving TLS clients%s%s with certificate '%s'", tls && !socks->activated ? " on " : "",
           tls && !socks->activated ? tls : "", cert);
    return true;
}

static void
add_tls_listener(void *tls, int fd)
{
    mv_tls_server_add_listener(tls, fd);
}

static void
free_tls(void *tls)
{
    mv_tls_server_free(tls);
}

/* SIGHUP: renewed certificates, a new CRL and allow-list take effect for new clients. */
static void
reload_tls(MvDaemon *d, void *tls)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *crl = crl_path(d);
    g_auto(GStrv) allowed = allowed_dns(d);
    if (!mv_tls_server_reload(tls, crl, (const char *const *)allowed, &err))
        g_warning("reload: %s, keeping the TLS credentials in use", err->message);
    else
        g_info("TLS credentials reloaded%s%s", crl ? ", revocation list " : "", crl ? crl : "");
}

const MvDaemonNetwork mv_daemon_network = {
    .open = listen_network,
    .add_tls_listener = add_tls_listener,
    .free_tls = free_tls,
    .reload_tls = reload_tls,
};
