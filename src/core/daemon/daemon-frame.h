// SPDX-License-Identifier: LGPL-2.1-or-later
// The frame every modvirt daemon runs in: options, config file, sockets (created or taken
// from systemd), pidfile lock, sd_notify, signals, idle exit, and the admin server.
// A daemon's main.c describes itself with an MvDaemonSpec and calls mv_daemon_main().
#pragma once

#include "rpc/rpc-server.h"

/* The library version we report (GET_LIB_VERSION): the libvirt API level we implement,
 * 9.0.0, because clients compare it to decide which calls they may make. */
#define MV_LIB_VERSION 9000000ULL

typedef struct MvDaemon MvDaemon;
struct MvDaemonNetwork;   /* daemon-listen.h */

typedef struct {
    const char *name;            /* "modvirt-qemud": config file, pidfile, log ident, units */
    const char *sock_prefix;     /* "virtqemud": socket names and the main server's name */
    const char *driver_type;     /* "QEMU": CONNECT_GET_TYPE */
    const char *const *uris;     /* URIs CONNECT_OPEN accepts; the first is the default */
    /* Keys the driver reads from its config file besides [daemon], as "group.key";
     * any other group or key is an error, so typos fail --validate-config. */
    const char *const *config_keys;
    /* Set up the driver and add its programs to the main server.  Runs once, after the
     * config file is read and before sockets accept clients. */
    bool (*init)(MvDaemon *d, GError **error);
    /* Stop the driver (guests keep running). */
    void (*shutdown)(MvDaemon *d);
    /* SIGHUP, after the config file is read again. */
    void (*reload)(MvDaemon *d);

    /* Name of the main server as virt-admin lists it; NULL: sock_prefix. */
    const char *server_name;
    /* Serve remote clients too: --listen-tcp/--listen-tls, the [remote] group of the
     * config file (list MV_DAEMON_REMOTE_CONFIG_KEYS in config_keys) and the -tcp/-tls
     * socket units.  NULL: the daemon has only its unix sockets.  A hook rather than a
     * flag so that only a daemon that serves TLS links gnutls (daemon-listen.h). */
    const struct MvDaemonNetwork *remote_listen;
    /* Runs once every socket is bound, before the first client is served: the place to
     * give up privileges.  Signal handling starts after it, so that no thread exists yet
     * when it runs (capabilities are per thread). */
    bool (*sandbox)(MvDaemon *d, GError **error);
    /* Run the sandbox before init instead, for a daemon whose driver starts threads of its
     * own (the hypervisor daemons): whatever init and serving need must then be kept. */
    bool sandbox_early;
    /* A hypervisor daemon: network and storage calls arriving on its connections are
     * relayed to the network and storage daemons under the same root. */
    bool relay_secondary;
} MvDaemonSpec;

/* The config keys of a daemon with remote_listen, for its config_keys list:
 * [remote] listen_tcp = ADDR:PORT, listen_tls = ADDR:PORT, tls_allowed_dn_list = A;B. */
#define MV_DAEMON_REMOTE_CONFIG_KEYS "remote.listen_tcp", "remote.listen_tls", "remote.tls_allowed_dn_list"
/* Default ports, libvirt's. */
#define MV_DAEMON_TCP_PORT "16509"
#define MV_DAEMON_TLS_PORT "16514"

/* Run the daemon; returns the process exit status. */
int mv_daemon_main(const MvDaemonSpec *spec, int argc, char **argv);

const MvDaemonSpec *mv_daemon_spec(MvDaemon *d);
/* "<root>/<rel>": every path a daemon uses is under its root. */
char *mv_daemon_path(MvDaemon *d, const char *rel);
MvServer *mv_daemon_server(MvDaemon *d);
GKeyFile *mv_daemon_config(MvDaemon *d);
void *mv_daemon_driver(MvDaemon *d);
/* The hypervisor driver's description for the common domain calls (daemon-domain-calls.h);
 * @dd must outlive the driver's use of it. */
void mv_daemon_set_domain_driver(MvDaemon *d, const void *dd);
const void *mv_daemon_domain_driver_ptr(MvDaemon *d);
void mv_daemon_set_driver(MvDaemon *d, void *driver);
/* The event callback registry of the daemon's main server. */
typedef struct MvEvents MvEvents;
MvEvents *mv_daemon_events(MvDaemon *d);
/* The daemon behind a call's client. */
MvDaemon *mv_daemon_of(MvCall *call);
/* mkdir -p @path (mode 0755), failing with an error from @from naming it. */
bool mv_daemon_make_dir(const char *path, int from, GError **error);
/* The root the daemon runs under ("" for "/"). */
const char *mv_daemon_root(MvDaemon *d);

/* Hold off idle exit while the driver has live state (running guests). Thread-safe. */
void mv_daemon_inhibit(MvDaemon *d);
void mv_daemon_release(MvDaemon *d);

/* Per-connection state kept by the frame for every client of the main server. */
typedef struct {
    char *uri;                  /* the URI opened, as GET_URI reports it */
    bool close_callback;        /* CONNECT_REGISTER_CLOSE_CALLBACK seen */
    GPtrArray *identity;        /* "key=value" strings from CONNECT_SET_IDENTITY */
    void *driver_data;          /* the driver's own per-connection state */
    GDestroyNotify driver_free;
    char *x509_dname;           /* TLS clients: their certificate's distinguished name */
    struct MvSecondary *secondary;  /* relays of network/storage calls (I/O thread) */
} MvConn;

/* The frame's state of @call's client, created on first use. */
MvConn *mv_conn_of(MvCall *call);
MvConn *mv_conn_of_client(MvClient *c);
