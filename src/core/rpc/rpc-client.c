// SPDX-License-Identifier: LGPL-2.1-or-later
// The synchronous RPC client.

#include "rpc/rpc-client.h"
#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct MvRpcClient {
    int fd;
    GMutex lock;
    guint32 serial;
    MvRx rx;
    bool dead;
    MvRpcEventFunc event_fn;
    void *event_data;
    MvRpcStreamFunc stream_fn;
    void *stream_data;
};

MvRpcClient *
mv_rpc_client_new_fd(int fd)
{
    MvRpcClient *c = g_new0(MvRpcClient, 1);
    c->fd = fd;
    g_mutex_init(&c->lock);
    mv_rx_init(&c->rx);
    c->rx.exact = true;   /* callers poll the fd for the next packet: leave it in the socket */
    return c;
}

MvRpcClient *
mv_rpc_client_connect_unix(const char *path, GError **error)
{
    struct sockaddr_un sa;
    if (!mv_unix_address(path, &sa, error))
        return NULL;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot create socket");
        return NULL;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        mv_error_set_errno(error, MV_FROM_RPC, e, "Failed to connect socket to '%s'", path);
        return NULL;
    }
    return mv_rpc_client_new_fd(fd);
}

MvRpcClient *
mv_rpc_client_connect_tcp(const char *host, const char *port, GError **error)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_SYSTEM_ERROR, "Unable to resolve address '%s' service '%s': %s",
                     host, port, gai_strerror(rc));
        return NULL;
    }
    int last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            freeaddrinfo(res);
            return mv_rpc_client_new_fd(fd);
        }
        last = errno;
        close(fd);
    }
    freeaddrinfo(res);
    mv_error_set_errno(error, MV_FROM_RPC, last, "unable to connect to server at '%s:%s'", host, port);
    return NULL;
}

void
mv_rpc_client_free(MvRpcClient *c)
{
    if (!c)
        return;
    close(c->fd);
    mv_rx_clear(&c->rx);
    g_mutex_clear(&c->lock);
    g_free(c);
}

void
mv_rpc_client_set_event_func(MvRpcClient *c, MvRpcEventFunc fn, void *data)
{
    c->event_fn = fn;
    c->event_data = data;
}

bool mv_rpc_client_is_alive(MvRpcClient *c) { return !c->dead; }
int mv_rpc_client_fd(MvRpcClient *c) { return c->fd; }

static bool
send_keepalive(MvRpcClient *c, int proc, GError **error)
{
    mv_message_header hdr = { MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_VERSION, proc, MV_MSG_MESSAGE, 0, MV_STATUS_OK };
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 0, error);
    int r = mv_write_all(c->fd, b, NULL, 0);
    if (r < 0) {
        c->dead = true;
        mv_error_set_errno(error, MV_FROM_RPC, -r, "cannot write to server");
        return false;
    }
    return true;
}

/* Read one packet (blocking).  Handles pings and events itself and returns them as
 * NULL with true; returns a reply packet otherwise. */
static bool
read_one(MvRpcClient *c, MvPacket **ret_pkt, GError **error)
{
    MvPacket *pkt = NULL;
    *ret_pkt = NULL;
    for (;;) {
        MvRxResult r = mv_rx_read(&c->rx, c->fd, &pkt, error);
        if (r == MV_RX_PACKET)
            break;
        if (r == MV_RX_EOF) {
            c->dead = true;
            mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "End of file while reading data: Input/output error");
            return false;
        }
        if (r == MV_RX_ERROR) {
            c->dead = true;
            return false;
        }
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            c->dead = true;
            mv_error_set_errno(error, MV_FROM_RPC, errno, "poll failed");
            return false;
        }
        mv_rx_wakeup(&c->rx);
    }
    if (pkt->hdr.prog == MV_KEEPALIVE_PROGRAM) {
        bool ok = true;
        if (pkt->hdr.proc == MV_KEEPALIVE_PROC_PING)
            ok = send_keepalive(c, MV_KEEPALIVE_PROC_PONG, error);
        mv_packet_free(pkt);
        return ok;
    }
    if (pkt->hdr.type == MV_MSG_MESSAGE) {
        if (c->event_fn)
            c->event_fn(c, pkt, c->event_data);
        mv_packet_free(pkt);
        return true;
    }
    if (pkt->hdr.type == MV_MSG_STREAM) {
        if (c->stream_fn)
            c->stream_fn(c, pkt, c->stream_data);
        mv_packet_free(pkt);
        return true;
    }
    *ret_pkt = pkt;
    return true;
}

void
mv_rpc_client_set_stream_func(MvRpcClient *c, MvRpcStreamFunc fn, void *data)
{
    c->stream_fn = fn;
    c->stream_data = data;
}

static bool
call_full(MvRpcClient *c, unsigned prog, int proc,
          xdrproc_t args_proc, const void *args, const int *fds, unsigned nfds,
          xdrproc_t ret_proc, void *ret, int **ret_fds, unsigned *ret_nfds,
          unsigned *ret_serial, GError **error);

bool
mv_rpc_client_call_fds(MvRpcClient *c, unsigned prog, int proc,
                       xdrproc_t args_proc, const void *args, const int *fds, unsigned nfds,
                       xdrproc_t ret_proc, void *ret, int **ret_fds, unsigned *ret_nfds,
                       GError **error)
{
    return call_full(c, prog, proc, args_proc, args, fds, nfds, ret_proc, ret, ret_fds, ret_nfds, NULL, error);
}

bool
mv_rpc_client_call_serial(MvRpcClient *c, unsigned prog, int proc,
                          xdrproc_t args_proc, const void *args,
                          xdrproc_t ret_proc, void *ret, unsigned *ret_serial, GError **error)
{
    return call_full(c, prog, proc, args_proc, args, NULL, 0, ret_proc, ret, NULL, NULL, ret_serial, error);
}

bool
mv_rpc_client_send_stream(MvRpcClient *c, unsigned prog, int proc, unsigned serial, int status,
                          const void *data, size_t len, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
    mv_message_header hdr = { prog, 1, proc, MV_MSG_STREAM, serial, status };
    g_autoptr(GBytes) b = mv_packet_encode_raw(&hdr, data, len);
    int r = mv_write_all(c->fd, b, NULL, 0);
    if (r < 0) {
        c->dead = true;
        mv_error_set_errno(error, MV_FROM_RPC, -r, "cannot send stream data");
        return false;
    }
    return true;
}

static bool
call_full(MvRpcClient *c, unsigned prog, int proc,
          xdrproc_t args_proc, const void *args, const int *fds, unsigned nfds,
          xdrproc_t ret_proc, void *ret, int **ret_fds, unsigned *ret_nfds,
          unsigned *ret_serial, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);

    if (c->dead) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INTERNAL_ERROR, "client socket is closed");
        return false;
    }
    mv_message_header hdr = { prog, 1, proc, nfds ? MV_MSG_CALL_WITH_FDS : MV_MSG_CALL,
                              c->serial++, MV_STATUS_OK };
    if (ret_serial)
        *ret_serial = hdr.serial;
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, args_proc, args, nfds, error);
    if (!b)
        return false;
    int r = mv_write_all(c->fd, b, fds, nfds);
    if (r < 0) {
        c->dead = true;
        mv_error_set_errno(error, MV_FROM_RPC, -r, "cannot send data");
        return false;
    }
    for (;;) {
        g_autoptr(MvPacket) pkt = NULL;
        if (!read_one(c, &pkt, error))
            return false;
        if (!pkt)
            continue;
        if (pkt->hdr.serial != hdr.serial || pkt->hdr.prog != prog || pkt->hdr.proc != proc ||
            (pkt->hdr.type != MV_MSG_REPLY && pkt->hdr.type != MV_MSG_REPLY_WITH_FDS)) {
            g_debug("ignoring unexpected packet (serial %u, proc %d)", pkt->hdr.serial, pkt->hdr.proc);
            continue;
        }
        if (pkt->hdr.status == MV_STATUS_ERROR) {
            mv_message_error e = { 0 };
            if (!mv_packet_decode_body(pkt, (xdrproc_t)xdr_mv_message_error, &e, error))
                return false;
            mv_message_error_to_gerror(&e, error);
            xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);
            return false;
        }
        if (ret_proc && !mv_packet_decode_body(pkt, ret_proc, ret, error))
            return false;
        if (ret_fds) {
            *ret_fds = g_steal_pointer(&pkt->fds);
            *ret_nfds = pkt->nfds;
            pkt->nfds = 0;
        }
        return true;
    }
}

bool
mv_rpc_client_call(MvRpcClient *c, unsigned prog, int proc,
                   xdrproc_t args_proc, const void *args,
                   xdrproc_t ret_proc, void *ret, GError **error)
{
    return mv_rpc_client_call_fds(c, prog, proc, args_proc, args, NULL, 0, ret_proc, ret,
                                  NULL, NULL, error);
}

bool
mv_rpc_client_poll(MvRpcClient *c, int timeout_ms, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    unsigned taken = 0;

    while (!c->dead && taken < MV_RPC_POLL_BURST) {
        gint64 left = (end - g_get_monotonic_time()) / 1000;
        if (left < 0)
            left = 0;
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno != EINTR) {
            mv_error_set_errno(error, MV_FROM_RPC, errno, "poll failed");
            return false;
        }
        if (n <= 0)
            return true;
        g_autoptr(MvPacket) pkt = NULL;
        if (!read_one(c, &pkt, error))
            return false;
        taken++;
    }
    if (!c->dead)
        return true;   /* the burst is read; the caller polls again */
    mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "connection closed");
    return false;
}

bool
mv_rpc_client_ping(MvRpcClient *c, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);
    return send_keepalive(c, MV_KEEPALIVE_PROC_PING, error);
}
