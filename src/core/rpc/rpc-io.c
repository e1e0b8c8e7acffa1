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
};

void
mv_rx_init(MvRx *rx)
{
    memset(rx, 0, sizeof(*rx));
}

void
mv_rx_clear(MvRx *rx)
{
    mv_packet_free(rx->pkt);
    mv_rx_init(rx);
}

/* Receive one fd: a 1-byte message with SCM_RIGHTS.  Returns the fd, -EAGAIN, or -errno. */
static int
recv_one_fd(int fd)
{
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                          .msg_controllen = sizeof(u.buf) };
    ssize_t n;

    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ECONNRESET;
    /* Whatever arrived is ours now: keep exactly one fd, close every other one. */
    int got = -1;
    bool bad = (msg.msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int one;
            memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (got < 0 && n == 1)
                got = one;
            else
                close(one);
        }
        if (n != 1)
            bad = true;
    }
    if (bad || got < 0) {
        if (got >= 0)
            close(got);
        return -EBADMSG;
    }
    return got;
}

MvRxResult
mv_rx_read(MvRx *rx, int fd, MvPacket **ret_pkt, GError **error)
{
    for (;;) {
        if (rx->pkt && rx->have == rx->pkt->len) {
            /* Body complete: collect the fds that follow it. */
            while (rx->fds_wanted > 0) {
                int got = recv_one_fd(fd);
                if (got == -EAGAIN || got == -EWOULDBLOCK)
                    return MV_RX_AGAIN;
                if (got < 0) {
                    mv_error_set_errno(error, MV_FROM_RPC, -got, "cannot receive file descriptor");
                    return MV_RX_ERROR;
                }
                rx->pkt->fds[rx->pkt->nfds++] = got;
                rx->fds_wanted--;
            }
            *ret_pkt = g_steal_pointer(&rx->pkt);
            rx->have = 0;
            return MV_RX_PACKET;
        }

        guint8 *dst;
        size_t want;
        if (!rx->pkt) {
            dst = rx->len_word + rx->have;
            want = 4 - rx->have;
        } else {
            dst = rx->pkt->data + rx->have;
            want = rx->pkt->len - rx->have;
        }
        ssize_t n = read(fd, dst, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return MV_RX_AGAIN;
            mv_error_set_errno(error, MV_FROM_RPC, errno, "cannot read from socket");
            return MV_RX_ERROR;
        }
        if (n == 0) {
            if (rx->have == 0 && !rx->pkt)
                return MV_RX_EOF;
            mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "connection closed in the middle of a packet");
            return MV_RX_ERROR;
        }
        rx->have += n;
        if (!rx->pkt && rx->have == 4) {
            guint32 be;
            memcpy(&be, rx->len_word, 4);
            size_t len = GUINT32_FROM_BE(be);
            if (len < MV_PACKET_MIN || len > MV_PACKET_MAX) {
                mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC,
                             "packet length %zu out of range [%zu, %zu]", len, MV_PACKET_MIN, MV_PACKET_MAX);
                return MV_RX_ERROR;
            }
            rx->pkt = g_new0(MvPacket, 1);
            rx->pkt->len = len;
            rx->pkt->data = g_malloc(len);
            memcpy(rx->pkt->data, rx->len_word, 4);
        }
        if (rx->pkt && rx->have == rx->pkt->len && rx->fds_wanted == 0 && !rx->pkt->fds) {
            unsigned nfds = 0;
            if (!mv_packet_parse_header(rx->pkt, &nfds, error))
                return MV_RX_ERROR;
            if (nfds > 0) {
                rx->pkt->fds = g_new(int, nfds);
                rx->fds_wanted = nfds;
            }
        }
    }
}

void
mv_tx_init(MvTx *tx)
{
    g_queue_init(&tx->items);
    tx->bytes = 0;
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
}

void
mv_tx_push(MvTx *tx, GBytes *data, int *fds, unsigned nfds)
{
    MvTxItem *it = g_new0(MvTxItem, 1);
    it->data = g_bytes_ref(data);
    it->fds = fds;
    it->nfds = nfds;
    g_queue_push_tail(&tx->items, it);
    tx->bytes += g_bytes_get_size(data);
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
