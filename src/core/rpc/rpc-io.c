// SPDX-License-Identifier: LGPL-2.1-or-later
// Packet reader and writer: length-prefixed packets, then one sendmsg/recvmsg per fd
// carrying a single 0 byte and an SCM_RIGHTS message, as libvirt's peers do.

#include "rpc/rpc-io.h"
#include "util/util-error.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct MvTxItem {
    GBytes *data;
    size_t off;
    int *fds;
    unsigned nfds;
    unsigned fds_sent;
    bool reply;        /* counted in MvTx.replies */
};

#define RX_CHUNK 65536

bool
mv_unix_address(const char *path, struct sockaddr_un *ret, GError **error)
{
    memset(ret, 0, sizeof(*ret));
    ret->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(ret->sun_path)) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_INVALID_ARG, "socket path '%s' is longer than %zu bytes",
                     path, sizeof(ret->sun_path) - 1);
        return false;
    }
    strcpy(ret->sun_path, path);
    return true;
}

void
mv_rx_init(MvRx *rx)
{
    memset(rx, 0, sizeof(*rx));
    g_queue_init(&rx->fds);
}

void
mv_rx_clear(MvRx *rx)
{
    int fd;
    while ((fd = GPOINTER_TO_INT(g_queue_pop_head(&rx->fds))) > 0)
        close(fd);
    g_free(rx->buf);
    mv_rx_init(rx);
}

bool
mv_rx_is_empty(const MvRx *rx)
{
    return rx->start == rx->end && rx->fds.length == 0;
}

static void
rx_reserve(MvRx *rx, size_t want)
{
    if (rx->start == rx->end)
        rx->start = rx->end = 0;
    if (rx->cap - rx->end >= want)
        return;
    if (rx->start > 0) {
        memmove(rx->buf, rx->buf + rx->start, rx->end - rx->start);
        rx->end -= rx->start;
        rx->start = 0;
    }
    if (rx->cap - rx->end < want) {
        rx->cap = rx->end + MAX(want, RX_CHUNK);
        rx->buf = g_realloc(rx->buf, rx->cap);
    }
}

void
mv_rx_move(MvRx *to, MvRx *from)
{
    size_t n = from->end - from->start;
    if (n) {
        rx_reserve(to, n);
        memcpy(to->buf + to->end, from->buf + from->start, n);
        to->end += n;
    }
    gpointer fd;
    while ((fd = g_queue_pop_head(&from->fds)))
        g_queue_push_tail(&to->fds, fd);
    g_free(from->buf);
    mv_rx_init(from);
}

/* The length of the packet at the front, once its length word is there (0 before). */
static size_t front_len(const MvRx *rx);

/* In exact mode, how many bytes finish the front packet: its length word, its body, or the
 * one byte that carries its next fd. */
static size_t
exact_need(const MvRx *rx)
{
    size_t have = rx->end - rx->start;
    if (have < 4)
        return 4 - have;
    size_t len = front_len(rx);
    return have < len ? len - have : 1;
}

static MvRxResult
fill(MvRx *rx, int fd, int flags, GError **error)
{
    rx_reserve(rx, RX_CHUNK / 4);
    struct iovec iov = { rx->buf + rx->end, rx->cap - rx->end };
    if (rx->exact) {
        size_t need = exact_need(rx);
        rx_reserve(rx, need);
        iov.iov_base = rx->buf + rx->end;
        iov.iov_len = need;
    }
    union { char buf[CMSG_SPACE(sizeof(int) * MV_MESSAGE_FDS_MAX)]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof(u.buf) };
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | flags);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return MV_RX_AGAIN;
        mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot read from socket");
        return MV_RX_ERROR;
    }
    bool got_fds = false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int one;
            memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            g_queue_push_tail(&rx->fds, GINT_TO_POINTER(one));
            got_fds = true;
        }
    }
    if (msg.msg_flags & MSG_CTRUNC) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "too many file descriptors in one message");
        return MV_RX_ERROR;
    }
    if (g_queue_get_length(&rx->fds) > MV_MESSAGE_FDS_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "more file descriptors than any packet asked for");
        return MV_RX_ERROR;
    }
    if (n == 0) {
        if (rx->start == rx->end)
            return MV_RX_EOF;
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "connection closed in the middle of a packet");
        return MV_RX_ERROR;
    }
    rx->end += n;
    /* A read that brought fds stops early by design; only a plain short read means empty. */
    rx->drained = !got_fds && (size_t)n < iov.iov_len && !rx->exact;
    return MV_RX_PACKET;
}

MvRxResult
mv_rx_fill(MvRx *rx, int fd, GError **error)
{
    return fill(rx, fd, MSG_DONTWAIT, error);
}

static size_t
front_len(const MvRx *rx)
{
    if (rx->end - rx->start < 4)
        return 0;
    guint32 be;
    memcpy(&be, rx->buf + rx->start, 4);
    return GUINT32_FROM_BE(be);
}

bool
mv_rx_has_packet(const MvRx *rx)
{
    size_t len = front_len(rx);
    if (rx->end - rx->start < 4)
        return false;
    if (len < MV_PACKET_MIN || len > MV_PACKET_MAX)
        return true;   /* a bad one: the caller hears of it at once */
    return rx->end - rx->start >= len;
}

MvRxResult
mv_rx_next(MvRx *rx, MvPacket **ret_pkt, GError **error)
{
    size_t have = rx->end - rx->start;
    if (have < 4)
        return MV_RX_AGAIN;
    size_t len = front_len(rx);
    if (len < MV_PACKET_MIN || len > MV_PACKET_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "packet length %zu out of range [%zu, %zu]",
                     len, MV_PACKET_MIN, MV_PACKET_MAX);
        return MV_RX_ERROR;
    }
    if (have < len) {
        rx_reserve(rx, len - have);
        return MV_RX_AGAIN;
    }
    g_autoptr(MvPacket) pkt = g_new0(MvPacket, 1);
    pkt->len = len;
    pkt->data = g_memdup2(rx->buf + rx->start, len);
    unsigned nfds = 0;
    if (!mv_packet_parse_header(pkt, &nfds, error))
        return MV_RX_ERROR;
    /* One byte per fd follows the packet, each fd arriving with its byte: once the bytes
     * are here, so must the fds be. */
    if (have < len + nfds)
        return MV_RX_AGAIN;
    if (g_queue_get_length(&rx->fds) < nfds) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "a packet announced %u file descriptors, %u came",
                     nfds, g_queue_get_length(&rx->fds));
        return MV_RX_ERROR;
    }
    if (nfds) {
        pkt->fds = g_new(int, nfds);
        for (unsigned i = 0; i < nfds; i++)
            pkt->fds[pkt->nfds++] = GPOINTER_TO_INT(g_queue_pop_head(&rx->fds));
    }
    rx->start += len + nfds;
    *ret_pkt = g_steal_pointer(&pkt);
    return MV_RX_PACKET;
}

MvRxResult
mv_rx_read(MvRx *rx, int fd, MvPacket **ret_pkt, GError **error)
{
    for (;;) {
        MvRxResult r = mv_rx_next(rx, ret_pkt, error);
        if (r != MV_RX_AGAIN)
            return r;
        if (rx->drained && rx->skip_empty_reads) {
            /* The last read found the socket empty: skip the read that would only say so
             * again, once; the next call (after the poll) reads. */
            rx->drained = false;
            return MV_RX_AGAIN;
        }
        /* Without MSG_DONTWAIT: a blocking fd blocks here, as its owner expects. */
        r = fill(rx, fd, 0, error);
        if (r != MV_RX_PACKET)
            return r;
    }
}

void
mv_tx_init(MvTx *tx)
{
    g_queue_init(&tx->items);
    tx->bytes = 0;
    tx->replies = 0;
}

static void
tx_item_free(MvTxItem *it)
{
    for (unsigned i = it->fds_sent; i < it->nfds; i++)
        close(it->fds[i]);
    g_free(it->fds);
    g_bytes_unref(it->data);
    g_free(it);
}

void
mv_tx_clear(MvTx *tx)
{
    g_queue_clear_full(&tx->items, (GDestroyNotify)tx_item_free);
    tx->bytes = 0;
    tx->replies = 0;
}

static void
tx_push(MvTx *tx, GBytes *data, int *fds, unsigned nfds, bool reply)
{
    MvTxItem *it = g_new0(MvTxItem, 1);
    it->data = g_bytes_ref(data);
    it->fds = fds;
    it->nfds = nfds;
    it->reply = reply;
    g_queue_push_tail(&tx->items, it);
    tx->bytes += g_bytes_get_size(data);
    tx->replies += reply;
}

void
mv_tx_push(MvTx *tx, GBytes *data, int *fds, unsigned nfds)
{
    tx_push(tx, data, fds, nfds, false);
}

void
mv_tx_push_reply(MvTx *tx, GBytes *data, int *fds, unsigned nfds)
{
    tx_push(tx, data, fds, nfds, true);
}

static int
send_one_fd(int sock, int fd)
{
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof(u.buf) };
    memset(u.buf, 0, sizeof(u.buf));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : 0;
}

int
mv_tx_flush(MvTx *tx, int fd)
{
    MvTxItem *it;

    while ((it = g_queue_peek_head(&tx->items))) {
        gsize size;
        const guint8 *p = g_bytes_get_data(it->data, &size);
        while (it->off < size) {
            ssize_t n = send(fd, p + it->off, size - it->off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return 0;
                return -errno;
            }
            it->off += n;
            tx->bytes -= n;
        }
        while (it->fds_sent < it->nfds) {
            int r = send_one_fd(fd, it->fds[it->fds_sent]);
            if (r == -EAGAIN || r == -EWOULDBLOCK)
                return 0;
            if (r < 0)
                return r;
            close(it->fds[it->fds_sent]);
            it->fds_sent++;
        }
        tx->replies -= it->reply;
        tx_item_free(g_queue_pop_head(&tx->items));
    }
    return 1;
}

int
mv_write_all(int fd, GBytes *data, const int *fds, unsigned nfds)
{
    gsize size;
    const guint8 *p = g_bytes_get_data(data, &size);
    size_t off = 0;

    while (off < size) {
        ssize_t n = send(fd, p + off, size - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        off += n;
    }
    for (unsigned i = 0; i < nfds; i++) {
        int r = send_one_fd(fd, fds[i]);
        if (r < 0)
            return r;
    }
    return 0;
}
