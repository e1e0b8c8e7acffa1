// SPDX-License-Identifier: LGPL-2.1-or-later
// Listening sockets of a daemon, created or inherited from systemd.

#include "daemon/daemon-sockets.h"
#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

/* Connections waiting in the kernel per socket before accept() takes them. */
#define MV_LISTEN_BACKLOG 128

int
mv_unix_listen(const char *path, unsigned mode, GError **error)
{
    struct sockaddr_un sa;
    if (!mv_unix_address(path, &sa, error))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot create socket '%s'", path);
        return -1;
    }
    /* We hold the pidfile lock, so a socket file left here belongs to a dead daemon. */
    unlink(path);
    /* Bind with the final mode so no client ever sees a wider one. */
    mode_t old = umask(~mode & 0777);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    umask(old);
    if (r < 0 || chmod(path, mode) < 0 || listen(fd, MV_LISTEN_BACKLOG) < 0) {
        e = r < 0 ? e : errno;
        close(fd);
        mv_error_set_errno(error, MV_FROM_RPC, e, "cannot listen on socket '%s'", path);
        return -1;
    }
    return fd;
}

static bool
take_activated(MvDaemonSockets *socks, const char *name, GError **error)
{
    char **names = NULL;
    int n = sd_listen_fds_with_names(1, &names);
    if (n < 0) {
        /* Activated, but LISTEN_FDS/LISTEN_FDNAMES do not add up: serving nothing (or
         * binding our own sockets over the activator's) would strand the client. */
        g_strfreev(names);
        mv_error_set_errno(error, MV_FROM_RPC, -n,
                           "cannot use the sockets passed by socket activation (LISTEN_FDS/LISTEN_FDNAMES)");
        return false;
    }
    if (n == 0) {
        g_strfreev(names);
        return true;
    }
    g_autofree char *rw = g_strdup_printf("%s.socket", name);
    g_autofree char *ro = g_strdup_printf("%s-ro.socket", name);
    g_autofree char *admin = g_strdup_printf("%s-admin.socket", name);
    g_autofree char *tcp = g_strdup_printf("%s-tcp.socket", name);
    g_autofree char *tls = g_strdup_printf("%s-tls.socket", name);
    socks->activated = true;
    for (int i = 0; i < n && socks->n < G_N_ELEMENTS(socks->socks); i++) {
        int fd = SD_LISTEN_FDS_START + i;
        const char *fdname = names ? names[i] : "unknown";
        MvSockKind kind;
        if (g_str_equal(fdname, rw))
            kind = MV_SOCK_RW;
        else if (g_str_equal(fdname, ro))
            kind = MV_SOCK_RO;
        else if (g_str_equal(fdname, admin))
            kind = MV_SOCK_ADMIN;
        else if (socks->allow_network && g_str_equal(fdname, tcp))
            kind = MV_SOCK_TCP;
        else if (socks->allow_network && g_str_equal(fdname, tls))
            kind = MV_SOCK_TLS;
        else if (g_str_equal(fdname, "unknown") && i < 3)
            kind = (MvSockKind)i;   /* unnamed: rw, ro, admin in that order */
        else {
            /* An fd we cannot place is a unit file mistake; say so rather than serve less. */
            mv_error_set(error, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR,
                         "activated socket %d is named '%s'; expected '%s', '%s' or '%s'",
                         fd, fdname, rw, ro, admin);
            g_strfreev(names);
            return false;
        }
        if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
            mv_error_set(error, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR,
                         "activated fd %d ('%s') is not a listening stream socket", fd, fdname);
            g_strfreev(names);
            return false;
        }
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        socks->socks[socks->n++] = (MvDaemonSocket){ .kind = kind, .fd = fd };
    }
    g_strfreev(names);
    bool have_rw = false;
    for (unsigned i = 0; i < socks->n; i++)
        have_rw |= socks->socks[i].kind == MV_SOCK_RW;
    if (!have_rw) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR,
                     "socket activation passed no '%s' socket: there is nothing to serve clients on", rw);
        return false;
    }
    return true;
}

bool
mv_daemon_sockets_open(MvDaemonSockets *socks, const char *name, const char *prefix,
                       const char *root, unsigned ro_perms, GError **error)
{
    bool allow_network = socks->allow_network;
    memset(socks, 0, sizeof(*socks));
    socks->allow_network = allow_network;
    if (!take_activated(socks, name, error))
        return false;
    if (socks->activated)
        return true;

    g_autofree char *dir = g_strdup_printf("%s/run/libvirt", root);
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot create directory '%s'", dir);
        return false;
    }
    const struct { MvSockKind kind; const char *fmt; unsigned mode; } want[] = {
        { MV_SOCK_RW, "%s/%s-sock", 0600 },
        { MV_SOCK_RO, "%s/%s-sock-ro", ro_perms },
        { MV_SOCK_ADMIN, "%s/%s-admin-sock", 0600 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        g_autofree char *path = g_strdup_printf(want[i].fmt, dir, prefix);
        int fd = mv_unix_listen(path, want[i].mode, error);
        if (fd < 0) {
            mv_daemon_sockets_close(socks);
            return false;
        }
        socks->socks[socks->n++] = (MvDaemonSocket){ .kind = want[i].kind, .fd = fd,
                                                     .path = g_steal_pointer(&path) };
    }
    return true;
}

void
mv_daemon_sockets_close(MvDaemonSockets *socks)
{
    for (unsigned i = 0; i < socks->n; i++) {
        if (socks->socks[i].fd >= 0)
            close(socks->socks[i].fd);
        if (socks->socks[i].path) {
            unlink(socks->socks[i].path);
            g_free(socks->socks[i].path);
        }
    }
    socks->n = 0;
}

void
mv_daemon_sockets_allow_network(MvDaemonSockets *socks)
{
    socks->allow_network = true;
}

bool
mv_daemon_sockets_have(const MvDaemonSockets *socks, MvSockKind kind)
{
    for (unsigned i = 0; i < socks->n; i++) {
        if (socks->socks[i].kind == kind)
            return true;
    }
    return false;
}

/* Split "HOST:PORT", "[V6]:PORT", "HOST", ":PORT" into host (NULL: any) and port. */
static bool
split_addr(const char *addr, const char *default_port, char **ret_host, char **ret_port, GError **error)
{
    g_autofree char *host = NULL;
    const char *port = NULL;
    if (addr[0] == '[') {
        const char *end = strchr(addr, ']');
        if (!end || (end[1] && end[1] != ':')) {
            mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX, "listen address '%s' is not [ADDRESS]:PORT", addr);
            return false;
        }
        host = g_strndup(addr + 1, end - addr - 1);
        port = end[1] ? end + 2 : NULL;
    } else {
        const char *colon = strrchr(addr, ':');
        if (colon && strchr(addr, ':') != colon) {
            host = g_strdup(addr);   /* a bare IPv6 address */
        } else if (colon) {
            host = g_strndup(addr, colon - addr);
            port = colon + 1;
        } else {
            host = g_strdup(addr);
        }
    }
    if (!port || !*port)
        port = default_port;
    char *end = NULL;
    unsigned long n = strtoul(port, &end, 10);
    if (*end || n == 0 || n > 65535) {
        mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX, "listen address '%s' has no valid port", addr);
        return false;
    }
    *ret_host = *host ? g_steal_pointer(&host) : NULL;
    *ret_port = g_strdup(port);
    return true;
}

bool
mv_daemon_sockets_listen_tcp(MvDaemonSockets *socks, MvSockKind kind, const char *addr,
                             const char *default_port, GError **error)
{
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;
    if (!split_addr(addr, default_port, &host, &port, error))
        return false;
    struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_ADDRCONFIG, .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "cannot resolve listen address '%s': %s",
                     addr, gai_strerror(rc));
        return false;
    }
    unsigned added = 0;
    bool ok = true;
    for (struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
        if (socks->n >= G_N_ELEMENTS(socks->socks))
            break;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* Each address family gets its own socket, so [::] must not also take IPv4. */
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, MV_LISTEN_BACKLOG) < 0) {
            mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot listen on '%s'", addr);
            close(fd);
            ok = false;
            break;
        }
        socks->socks[socks->n++] = (MvDaemonSocket){ .kind = kind, .fd = fd };
        added++;
    }
    freeaddrinfo(res);
    if (ok && added == 0) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "cannot listen on '%s': no usable address", addr);
        ok = false;
    }
    return ok;
}
