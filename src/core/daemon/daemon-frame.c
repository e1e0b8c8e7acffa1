// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon frame: startup sequence, sockets, lifecycle and idle exit.

#include "daemon/daemon-frame.h"
#include "daemon/daemon-config.h"
#include "daemon/daemon-events.h"
#include "daemon/daemon-listen.h"
#include "daemon/daemon-sockets.h"
#include "daemon/daemon-programs.h"
#include "daemon/daemon-secondary.h"
#include "util/util-error.h"
#include "util/util-log.h"
#include "mv-config.h"

#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

struct MvDaemon {
    const MvDaemonSpec *spec;
    char *root;                 /* "" for "/" so that root + "/run" works */
    char *config_path;
    bool config_explicit;
    GKeyFile *config;
    MvDaemonConfig cfg;
    int timeout;
    bool verbose;
    GMainLoop *loop;
    MvServer *server;
    MvServer *admin;
    MvDaemonSockets sockets;
    int pidfile_fd;
    char *pidfile;
    gint inhibitors;
    guint idle_timer;
    MvEvents *events;
    void *driver;
    const void *domain_driver;  /* the driver's MvDomainDriver (daemon-domain-calls.h) */
    char *listen_tcp;           /* --listen-tcp (remote_listen daemons) */
    char *listen_tls;           /* --listen-tls */
    void *tls;                  /* the remote_listen hook's TLS state */
};

const MvDaemonSpec *mv_daemon_spec(MvDaemon *d) { return d->spec; }
MvServer *mv_daemon_server(MvDaemon *d) { return d->server; }
const char *mv_daemon_root(MvDaemon *d) { return d->root; }
GKeyFile *mv_daemon_config(MvDaemon *d) { return d->config; }
void *mv_daemon_driver(MvDaemon *d) { return d->driver; }
MvEvents *mv_daemon_events(MvDaemon *d) { return d->events; }
void mv_daemon_set_driver(MvDaemon *d, void *driver) { d->driver = driver; }
void mv_daemon_set_domain_driver(MvDaemon *d, const void *dd) { d->domain_driver = dd; }
const void *mv_daemon_domain_driver_ptr(MvDaemon *d) { return d->domain_driver; }

bool
mv_daemon_make_dir(const char *path, int from, GError **error)
{
    if (g_mkdir_with_parents(path, 0755) < 0) {
        mv_error_set_errno(error, from, errno, "cannot create directory '%s'", path);
        return false;
    }
    return true;
}

char *
mv_daemon_path(MvDaemon *d, const char *rel)
{
    while (*rel == '/')
        rel++;
    return g_strdup_printf("%s/%s", d->root, rel);
}

MvDaemon *
mv_daemon_of(MvCall *call)
{
    return mv_server_get_data(mv_client_server(call->client));
}

static void
conn_free(MvConn *conn)
{
    if (!conn)
        return;
    if (conn->driver_free)
        conn->driver_free(conn->driver_data);
    g_free(conn->uri);
    g_free(conn->x509_dname);
    if (conn->identity)
        g_ptr_array_unref(conn->identity);
    g_free(conn);
}

MvConn *
mv_conn_of_client(MvClient *c)
{
    /* A client's calls may run on several workers at once: create under a lock. */
    static GMutex lock;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    MvConn *conn = mv_client_get_private(c);
    if (!conn) {
        conn = g_new0(MvConn, 1);
        mv_client_set_private(c, conn, (GDestroyNotify)conn_free);
    }
    return conn;
}

MvConn *
mv_conn_of(MvCall *call)
{
    return mv_conn_of_client(call->client);
}

/* ---------- idle exit ---------- */

static gboolean
idle_expired(gpointer data)
{
    MvDaemon *d = data;
    d->idle_timer = 0;
    g_info("no clients and no running guests for %d seconds, exiting", d->timeout);
    g_main_loop_quit(d->loop);
    return G_SOURCE_REMOVE;
}

/* Start the idle timer when nothing holds the daemon, cancel it otherwise.  I/O thread. */
static void
idle_update(MvDaemon *d)
{
    if (d->timeout <= 0)
        return;
    unsigned clients = mv_server_client_count(d->server) + mv_server_client_count(d->admin);
    bool idle = clients == 0 && g_atomic_int_get(&d->inhibitors) == 0;
    if (idle && !d->idle_timer)
        d->idle_timer = g_timeout_add_seconds(d->timeout, idle_expired, d);
    else if (!idle && d->idle_timer) {
        g_source_remove(d->idle_timer);
        d->idle_timer = 0;
    }
}

static void
on_client_close(MvClient *client, void *data)
{
    MvDaemon *d = data;
    mv_events_drop_client(d->events, client);
    if (d->spec->relay_secondary)
        mv_daemon_secondary_drop(client);
}

static void
on_client_count(MvServer *server, unsigned nclients, void *data)
{
    idle_update(data);
}

static gboolean
idle_update_cb(gpointer data)
{
    idle_update(data);
    return G_SOURCE_REMOVE;
}

void
mv_daemon_inhibit(MvDaemon *d)
{
    g_atomic_int_inc(&d->inhibitors);
    g_main_context_invoke(NULL, idle_update_cb, d);
}

void
mv_daemon_release(MvDaemon *d)
{
    g_atomic_int_dec_and_test(&d->inhibitors);
    g_main_context_invoke(NULL, idle_update_cb, d);
}

/* ---------- signals ---------- */

static gboolean
on_sigterm(gpointer data)
{
    MvDaemon *d = data;
    g_info("received a termination signal, shutting down");
    g_main_loop_quit(d->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_sighup(gpointer data)
{
    MvDaemon *d = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    MvDaemonConfig cfg;

    sd_notify(0, "RELOADING=1");
    kf = mv_daemon_config_load(d->config_path, d->config_explicit, d->spec->config_keys, &cfg, &err);
    if (!kf) {
        g_warning("reload: %s, keeping the old configuration", err->message);
    } else {
        g_key_file_unref(d->config);
        d->config = g_steal_pointer(&kf);
        d->cfg = cfg;
        if (d->spec->reload)
            d->spec->reload(d);
        if (d->tls && d->spec->remote_listen && d->spec->remote_listen->reload_tls)
            d->spec->remote_listen->reload_tls(d, d->tls);
        g_info("configuration reloaded from '%s'", d->config_path);
    }
    sd_notify(0, "READY=1");
    return G_SOURCE_CONTINUE;
}

static void
install_signals(MvDaemon *d)
{
    g_unix_signal_add(SIGTERM, on_sigterm, d);
    g_unix_signal_add(SIGINT, on_sigterm, d);
    g_unix_signal_add(SIGHUP, on_sighup, d);
}

/* ---------- pidfile ---------- */

static bool
pidfile_acquire(MvDaemon *d, GError **error)
{
    g_autofree char *dir = mv_daemon_path(d, "run/modvirt");
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        mv_error_set_errno(error, MV_FROM_NONE, errno, "cannot create directory '%s'", dir);
        return false;
    }
    d->pidfile = g_strdup_printf("%s/%s.pid", dir, d->spec->name);
    int fd = open(d->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_NONE, errno, "cannot open pidfile '%s'", d->pidfile);
        return false;
    }
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    if (fcntl(fd, F_SETLK, &fl) < 0) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        g_strchomp(buf);
        close(fd);
        mv_error_set(error, MV_FROM_NONE, MV_ERR_OPERATION_FAILED,
                     "another %s (pid %s) already runs with root '%s' (pidfile '%s' is locked)",
                     d->spec->name, *buf ? buf : "?", *d->root ? d->root : "/", d->pidfile);
        return false;
    }
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
        int e = errno;
        close(fd);
        mv_error_set_errno(error, MV_FROM_NONE, e, "cannot write pidfile '%s'", d->pidfile);
        return false;
    }
    d->pidfile_fd = fd;
    return true;
}

static void
pidfile_release(MvDaemon *d)
{
    if (d->pidfile_fd >= 0) {
        unlink(d->pidfile);
        close(d->pidfile_fd);
        d->pidfile_fd = -1;
    }
}

/* ---------- main ---------- */

static bool
daemon_start(MvDaemon *d, GError **error)
{
    MvServerLimits limits;

    if (!pidfile_acquire(d, error))
        return false;

    mv_daemon_config_limits(&d->cfg, &limits, false);
    d->server = mv_server_new(d->spec->server_name ? d->spec->server_name : d->spec->sock_prefix, &limits);
    mv_server_set_data(d->server, d);
    mv_server_set_hooks(d->server, on_client_close, on_client_count, d);
    mv_daemon_config_limits(&d->cfg, &limits, true);
    d->admin = mv_server_new("admin", &limits);
    mv_server_set_data(d->admin, d);
    mv_server_set_hooks(d->admin, NULL, on_client_count, d);
    mv_server_add_program(d->admin, mv_daemon_admin_program());

    if (d->spec->sandbox && d->spec->sandbox_early && !d->spec->sandbox(d, error))
        return false;
    if (!d->spec->init(d, error))
        return false;
    if (d->spec->relay_secondary)
        mv_daemon_secondary_install(d);
    /* Driver daemons take over the sockets of clients the proxy opened for them. */
    if (d->spec->uris)
        mv_server_add_program(d->server, mv_daemon_adopt_program());

    if (d->spec->remote_listen)
        mv_daemon_sockets_allow_network(&d->sockets);
    if (!mv_daemon_sockets_open(&d->sockets, d->spec->name, d->spec->sock_prefix, d->root,
                                d->cfg.unix_sock_ro_perms, error))
        return false;
    if (d->spec->remote_listen &&
        !d->spec->remote_listen->open(d, &d->sockets, d->listen_tcp, d->listen_tls, &d->tls, error))
        return false;
    for (unsigned i = 0; i < d->sockets.n; i++) {
        MvDaemonSocket *s = &d->sockets.socks[i];
        if (s->kind == MV_SOCK_TLS) {
            d->spec->remote_listen->add_tls_listener(d->tls, s->fd);
        } else {
            MvServer *srv = s->kind == MV_SOCK_ADMIN ? d->admin : d->server;
            mv_server_add_listener(srv, s->fd, s->kind == MV_SOCK_RO);
        }
        s->fd = -1;   /* the server owns it now */
    }
    if (d->spec->sandbox && !d->spec->sandbox_early && !d->spec->sandbox(d, error))
        return false;
    idle_update(d);
    return true;
}

/* Descriptors beyond the clients' own: guests (monitor, taps, logs), relays, the journal,
 * files being read. */
#define FD_RESERVE 1024

/* Raise the soft descriptor limit so that the configured clients fit (a shell's default is
 * 1024 while a unit sets LimitNOFILE): a full read-only socket must not use up the
 * descriptors the read-write and admin sockets need. */
static void
raise_fd_limit(const MvDaemonConfig *cfg)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)cfg->max_clients + cfg->max_readonly_clients + cfg->admin_max_clients + FD_RESERVE;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
        return;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
        g_warning("the descriptor limit (%llu) is below what the client limits need (%llu): "
                  "raise LimitNOFILE or lower max_clients/max_readonly_clients",
                  (unsigned long long)rl.rlim_cur, (unsigned long long)want);
    else
        g_debug("descriptor limit raised from %llu to %llu", (unsigned long long)old,
                (unsigned long long)rl.rlim_cur);
}

int
mv_daemon_main(const MvDaemonSpec *spec, int argc, char **argv)
{
    g_autofree char *root = NULL;
    g_autofree char *config = NULL;
    int timeout = 0;
    gboolean verbose = FALSE, version = FALSE, validate = FALSE;
    GOptionEntry entries[] = {
        { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, "Directory all paths live under (default /)", "DIR" },
        { "config", 'f', 0, G_OPTION_ARG_FILENAME, &config, "Configuration file", "FILE" },
        { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Exit after SECONDS with no clients and no running guests", "SECONDS" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
        { "validate-config", 0, 0, G_OPTION_ARG_NONE, &validate, "Check the configuration file and exit", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GError) err = NULL;

    g_autofree char *listen_tcp = NULL;
    g_autofree char *listen_tls = NULL;
    GOptionEntry remote_entries[] = {
        { "listen-tcp", 0, 0, G_OPTION_ARG_STRING, &listen_tcp,
          "Serve plain TCP clients on ADDR:PORT (port " MV_DAEMON_TCP_PORT " if left out); no encryption, no authentication", "ADDR:PORT" },
        { "listen-tls", 0, 0, G_OPTION_ARG_STRING, &listen_tls,
          "Serve TLS clients with verified certificates on ADDR:PORT (port " MV_DAEMON_TLS_PORT " if left out)", "ADDR:PORT" },
        { NULL }
    };

    g_option_context_set_summary(ctx, "modvirt daemon; serves libvirt's remote protocol.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (spec->remote_listen)
        g_option_context_add_main_entries(ctx, remote_entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "%s: %s\n", spec->name, err->message);
        return 2;
    }
    if (argc > 1) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", spec->name, argv[1]);
        return 2;
    }
    if (version) {
        printf("%s (modvirt) %s\n", spec->name, MV_VERSION);
        return 0;
    }
    if (timeout < 0) {
        fprintf(stderr, "%s: --timeout must not be negative\n", spec->name);
        return 2;
    }

    MvDaemon d = { .spec = spec, .pidfile_fd = -1, .timeout = timeout, .verbose = verbose,
                   .listen_tcp = listen_tcp, .listen_tls = listen_tls };
    g_autofree char *canon = g_canonicalize_filename(root ? root : "/", NULL);
    d.root = g_strcmp0(canon, "/") == 0 ? g_strdup("") : g_strdup(canon);
    d.config_explicit = config != NULL;
    d.config_path = config ? g_strdup(config)
                           : g_strdup_printf("%s/etc/modvirt/%s.conf", d.root, spec->name);

    mv_log_init(spec->name, verbose);
    signal(SIGPIPE, SIG_IGN);

    d.config = mv_daemon_config_load(d.config_path, d.config_explicit, spec->config_keys, &d.cfg, &err);
    if (validate) {
        int vrc = d.config ? 0 : 1;
        if (d.config) {
            printf("%s: configuration '%s' is valid\n", spec->name, d.config_path);
            g_key_file_unref(d.config);
        } else {
            fprintf(stderr, "%s: %s\n", spec->name, err->message);
        }
        g_free(d.config_path);
        g_free(d.root);
        return vrc;
    }
    if (!d.config) {
        g_critical("%s", err->message);
        return 1;
    }
    if (d.timeout == 0)
        d.timeout = d.cfg.timeout;
    raise_fd_limit(&d.cfg);

    d.loop = g_main_loop_new(NULL, FALSE);
    d.events = mv_events_new();
    g_main_context_acquire(NULL);   /* we are the I/O thread */
    /* GLib delivers signals through a thread of its own.  A daemon with a sandbox gives
     * up its privileges before that thread exists (they are per thread), with the signals
     * held meanwhile so that none is lost. */
    sigset_t held, old;
    sigemptyset(&held);
    sigaddset(&held, SIGTERM);
    sigaddset(&held, SIGINT);
    sigaddset(&held, SIGHUP);
    if (spec->sandbox)
        pthread_sigmask(SIG_BLOCK, &held, &old);
    else
        install_signals(&d);

    int rc = 0;
    bool started = daemon_start(&d, &err);
    if (spec->sandbox) {
        install_signals(&d);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (!started) {
        g_critical("cannot start %s: %s", spec->name, err->message);
        rc = 1;
    } else {
        g_info("%s %s ready, root '%s'", spec->name, MV_VERSION, *d.root ? d.root : "/");
        sd_notifyf(0, "READY=1\nSTATUS=serving %s\nMAINPID=%d", spec->sock_prefix, (int)getpid());
        g_main_loop_run(d.loop);
        sd_notify(0, "STOPPING=1");
    }

    if (d.server)
        mv_server_shutdown(d.server);
    if (d.admin)
        mv_server_shutdown(d.admin);
    if (rc == 0 && spec->shutdown)
        spec->shutdown(&d);
    if (d.tls)
        spec->remote_listen->free_tls(d.tls);
    mv_server_free(d.server);
    mv_server_free(d.admin);
    mv_daemon_sockets_close(&d.sockets);
    mv_events_free(d.events);
    pidfile_release(&d);
    if (d.idle_timer)
        g_source_remove(d.idle_timer);
    g_main_context_release(NULL);
    g_main_loop_unref(d.loop);
    if (d.config)
        g_key_file_unref(d.config);
    g_free(d.config_path);
    g_free(d.pidfile);
    g_free(d.root);
    return rc;
}
