// SPDX-License-Identifier: LGPL-2.1-or-later
// Hostile input to the packet decoders and the socket reader: truncation at every byte,
// seeded random and mutated packets, bad length words, fd counts and over-long strings and
// arrays.  Everything must fail cleanly: no crash, no leak (run under ASan or valgrind),
// no descriptor left open.  MV_FUZZ_SEED and MV_FUZZ_ITERATIONS change the random runs.

#include "proto-test.h"
#include "rpc/rpc-io.h"
#include "util/util-error.h"
#include "remote.h"
#include "admin.h"
#include "qemu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------- helpers ---------- */

/* mv_rx_read as the server calls it: after the poll said the socket is readable. */
static MvRxResult
rx_read_polled(MvRx *rx, int fd, MvPacket **ret_pkt, GError **error)
{
    mv_rx_wakeup(rx);
    return mv_rx_read(rx, fd, ret_pkt, error);
}

static unsigned
count_open_fds(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    g_assert_nonnull(d);
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static guint32
fuzz_seed(void)
{
    const char *s = g_getenv("MV_FUZZ_SEED");
    return s ? (guint32)g_ascii_strtoull(s, NULL, 0) : 0x6d767274;   /* "mvrt" */
}

static unsigned
fuzz_iterations(unsigned dflt)
{
    const char *s = g_getenv("MV_FUZZ_ITERATIONS");
    return s ? (unsigned)g_ascii_strtoull(s, NULL, 0) : dflt;
}

/* A socketpair: [0] the reading end (non-blocking, as the server has it), [1] the writer. */
static void
make_pair(int sv[2])
{
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    g_assert_cmpint(fcntl(sv[0], F_SETFL, O_NONBLOCK), ==, 0);
}

static void
write_bytes(int fd, const void *p, size_t len)
{
    g_autoptr(GBytes) b = g_bytes_new(p, len);
    g_assert_cmpint(mv_write_all(fd, b, NULL, 0), ==, 0);
}

static void
put_be32(guint8 *p, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);
    memcpy(p, &be, 4);
}

/* Read everything @rx can get from @fd after the writer shut down; returns the last
 * result (EOF or ERROR) and counts the packets. */
static MvRxResult
drain(MvRx *rx, int fd, unsigned *ret_packets)
{
    unsigned packets = 0;
    int agains = 0;
    for (int guard = 0; guard < 10000; guard++) {
        MvPacket *pkt = NULL;
        g_autoptr(GError) err = NULL;
        MvRxResult r = rx_read_polled(rx, fd, &pkt, &err);
        /* A read that found the socket empty is not repeated in the same call: the reader
         * says AGAIN once, and the next (polled) call sees the end. */
        if (r == MV_RX_AGAIN && agains++ == 0)
            continue;
        if (r != MV_RX_AGAIN)
            agains = 0;
        if (r == MV_RX_PACKET) {
            g_assert_nonnull(pkt);
            g_assert_no_error(err);
            packets++;
            mv_packet_free(pkt);
            continue;
        }
        if (r == MV_RX_ERROR)
            g_assert_nonnull(err);
        else
            g_assert_no_error(err);
        /* The writer is shut down: the reader can never be left waiting. */
        g_assert_cmpint(r, !=, MV_RX_AGAIN);
        if (ret_packets)
            *ret_packets = packets;
        return r;
    }
    g_assert_not_reached();
}

static bool
case_has_fds(const ProtoCase *pc)
{
    return pc->enc != PROTO_ENC_ERROR && pc->nfds > 0;
}

/* ---------- truncation ---------- */

/* Every strict prefix of every golden packet fails to parse or to decode. */
static void
test_truncated_decode(void)
{
    for (size_t c = 0; c < proto_ncases; c++) {
        const ProtoCase *pc = &proto_cases[c];
        g_autoptr(GBytes) golden = proto_golden_load(pc->name);
        gsize len;
        const guint8 *bytes = g_bytes_get_data(golden, &len);
        size_t size;
        xdrproc_t proc = proto_case_decoder(pc, &size);
        size_t header_len = case_has_fds(pc) ? 32 : 28;

        for (size_t l = 0; l < len; l++) {
            g_autoptr(MvPacket) pkt = proto_packet_new(bytes, l);
            g_autoptr(GError) err = NULL;
            unsigned nfds = 0;
            bool ok = mv_packet_parse_header(pkt, &nfds, &err);
            if (l < header_len) {
                g_assert_false(ok);
                g_assert_true(mv_error_is(err, MV_ERR_RPC));
                continue;
            }
            g_assert_true(ok);
            if (!proc)
                continue;   /* raw stream data: any length is a valid payload */
            g_autofree void *body = g_malloc0(size);
            g_assert_false(mv_packet_decode_body(pkt, proc, body, &err));
            g_assert_true(mv_error_is(err, MV_ERR_RPC));
            g_assert_nonnull(strstr(err->message, "Unable to decode message payload"));
        }
    }
}

/* Every prefix of a packet followed by EOF: the reader reports EOF (nothing read) or an
 * error (something read), never a packet and never a hang. */
static void
test_truncated_stream(void)
{
    unsigned fds_before = count_open_fds();

    for (size_t c = 0; c < proto_ncases; c++) {
        const ProtoCase *pc = &proto_cases[c];
        g_autoptr(GBytes) golden = proto_golden_load(pc->name);
        gsize len;
        const guint8 *bytes = g_bytes_get_data(golden, &len);

        for (size_t l = 0; l <= len; l++) {
            int sv[2];
            MvRx rx;
            unsigned packets = 0;

            make_pair(sv);
            mv_rx_init(&rx);
            if (l)
                write_bytes(sv[1], bytes, l);
            shutdown(sv[1], SHUT_WR);
            MvRxResult r = drain(&rx, sv[0], &packets);
            if (l == 0) {
                g_assert_cmpint(r, ==, MV_RX_EOF);
            } else if (l < len || case_has_fds(pc)) {
                /* Short packet, or whole packet whose promised fd never comes. */
                g_assert_cmpint(r, ==, MV_RX_ERROR);
                g_assert_cmpuint(packets, ==, 0);
            } else {
                g_assert_cmpint(r, ==, MV_RX_EOF);
                g_assert_cmpuint(packets, ==, 1);
            }
            mv_rx_clear(&rx);
            close(sv[0]);
            close(sv[1]);
        }
    }
    g_assert_cmpuint(count_open_fds(), ==, fds_before);
}

/* Bytes trickling in one at a time, then two packets in one write. */
static void
test_incremental(void)
{
    g_autoptr(GBytes) golden = proto_golden_load("reply-typed-params");
    g_autoptr(GBytes) ping = proto_golden_load("keepalive-ping");
    gsize len;
    const guint8 *bytes = g_bytes_get_data(golden, &len);
    int sv[2];
    MvRx rx;

    make_pair(sv);
    mv_rx_init(&rx);
    for (size_t i = 0; i < len; i++) {
        MvPacket *pkt = NULL;
        g_autoptr(GError) err = NULL;
        write_bytes(sv[1], bytes + i, 1);
        MvRxResult r = rx_read_polled(&rx, sv[0], &pkt, &err);
        g_assert_no_error(err);
        if (i + 1 < len) {
            g_assert_cmpint(r, ==, MV_RX_AGAIN);
            g_assert_null(pkt);
        } else {
            g_assert_cmpint(r, ==, MV_RX_PACKET);
            g_assert_cmpmem(pkt->data, pkt->len, bytes, len);
            g_assert_cmpint(pkt->hdr.proc, ==, 243);
            g_assert_cmpuint(pkt->payload_off, ==, 28);
            mv_packet_free(pkt);
        }
    }

    /* Back to back: the reader stops at the packet boundary. */
    g_autoptr(GByteArray) two = g_byte_array_new();
    g_byte_array_append(two, g_bytes_get_data(ping, NULL), g_bytes_get_size(ping));
    g_byte_array_append(two, bytes, len);
    write_bytes(sv[1], two->data, two->len);
    for (int i = 0; i < 2; i++) {
        MvPacket *pkt = NULL;
        g_assert_cmpint(rx_read_polled(&rx, sv[0], &pkt, NULL), ==, MV_RX_PACKET);
        g_assert_cmpuint(pkt->len, ==, i == 0 ? 28 : len);
        mv_packet_free(pkt);
    }
    MvPacket *none = NULL;
    g_assert_cmpint(rx_read_polled(&rx, sv[0], &none, NULL), ==, MV_RX_AGAIN);
    g_assert_null(none);
    mv_rx_clear(&rx);
    close(sv[0]);
    close(sv[1]);
}

/* ---------- length words ---------- */

static MvRxResult
read_after_length_word(guint32 word, GError **error)
{
    int sv[2];
    MvRx rx;
    MvPacket *pkt = NULL;
    guint8 w[4];

    make_pair(sv);
    mv_rx_init(&rx);
    put_be32(w, word);
    /* Split the word so the reader also has to assemble it. */
    write_bytes(sv[1], w, 1);
    g_assert_cmpint(rx_read_polled(&rx, sv[0], &pkt, NULL), ==, MV_RX_AGAIN);
    write_bytes(sv[1], w + 1, 3);
    MvRxResult r = rx_read_polled(&rx, sv[0], &pkt, error);
    g_assert_null(pkt);
    mv_rx_clear(&rx);
    close(sv[0]);
    close(sv[1]);
    return r;
}

static void
test_length_words(void)
{
    for (guint32 l = 0; l < MV_PACKET_MIN; l++) {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(read_after_length_word(l, &err), ==, MV_RX_ERROR);
        g_assert_true(mv_error_is(err, MV_ERR_RPC));
        g_assert_nonnull(strstr(err->message, "out of range"));
    }
    const guint32 too_big[] = { MV_PACKET_MAX + 1, MV_PACKET_MAX + 4, 0x01000005, 0x7fffffff,
                                0x80000000, 0xfffffffc, 0xffffffff };
    for (size_t i = 0; i < G_N_ELEMENTS(too_big); i++) {
        g_autoptr(GError) err = NULL;
        g_assert_cmpint(read_after_length_word(too_big[i], &err), ==, MV_RX_ERROR);
        g_assert_true(mv_error_is(err, MV_ERR_RPC));
    }
    /* The bounds themselves are legal: the reader waits for the rest. */
    g_assert_cmpint(read_after_length_word(MV_PACKET_MIN, NULL), ==, MV_RX_AGAIN);
    g_assert_cmpint(read_after_length_word(MV_PACKET_MAX, NULL), ==, MV_RX_AGAIN);
}

/* ---------- fds ---------- */

static void
send_fds_raw(int sock, const int *fds, unsigned n)
{
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    g_autofree char *buf = g_malloc0(CMSG_SPACE(sizeof(int) * n));
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
                          .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    g_assert_cmpint(sendmsg(sock, &msg, MSG_NOSIGNAL), ==, 1);
}

/* A CALL_WITH_FDS packet announcing @announced fds. */
static GBytes *
fd_packet(unsigned announced)
{
    mv_message_header hdr = { REMOTE_PROGRAM, 1, 60, MV_MSG_CALL_WITH_FDS, 1, MV_STATUS_OK };
    remote_connect_supports_feature_args a = { 8 };
    g_autoptr(GError) err = NULL;
    GBytes *b = mv_packet_encode(&hdr, (xdrproc_t)xdr_remote_connect_supports_feature_args, &a,
                                 announced, &err);
    g_assert_no_error(err);
    return b;
}

static void
test_fd_receive(void)
{
    unsigned fds_before = count_open_fds();
    int sv[2], p[2];
    MvRx rx;
    MvPacket *pkt = NULL;

    /* One fd, sent the way libvirt sends it: it arrives close-on-exec and works. */
    make_pair(sv);
    mv_rx_init(&rx);
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    g_autoptr(GBytes) one = fd_packet(1);
    g_assert_cmpint(mv_write_all(sv[1], one, &p[1], 1), ==, 0);
    close(p[1]);
    g_assert_cmpint(rx_read_polled(&rx, sv[0], &pkt, NULL), ==, MV_RX_PACKET);
    g_assert_cmpuint(pkt->nfds, ==, 1);
    g_assert_cmpuint(pkt->payload_off, ==, 32);
    g_assert_cmpint(fcntl(pkt->fds[0], F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
    g_assert_cmpint(write(pkt->fds[0], "ok", 2), ==, 2);
    char buf[4] = { 0 };
    g_assert_cmpint(read(p[0], buf, sizeof(buf)), ==, 2);
    g_assert_cmpstr(buf, ==, "ok");
    mv_packet_free(pkt);
    close(p[0]);

    /* Two announced, one sent, then a plain byte: an error, and the one fd received is
     * released with the reader. */
    g_autoptr(GBytes) two = fd_packet(2);
    g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
    write_bytes(sv[1], g_bytes_get_data(two, NULL), g_bytes_get_size(two));
    send_fds_raw(sv[1], &p[0], 1);
    write_bytes(sv[1], "x", 1);
    close(p[0]);
    close(p[1]);
    g_autoptr(GError) err = NULL;
    pkt = NULL;
    g_assert_cmpint(rx_read_polled(&rx, sv[0], &pkt, &err), ==, MV_RX_ERROR);
    g_assert_null(pkt);
    g_assert_nonnull(err);
    mv_rx_clear(&rx);
    close(sv[0]);
    close(sv[1]);

    /* One announced, the peer goes away instead. */
    make_pair(sv);
    mv_rx_init(&rx);
    write_bytes(sv[1], g_bytes_get_data(one, NULL), g_bytes_get_size(one));
    shutdown(sv[1], SHUT_WR);
    g_assert_cmpint(drain(&rx, sv[0], NULL), ==, MV_RX_ERROR);
    mv_rx_clear(&rx);
    close(sv[0]);
    close(sv[1]);

    g_assert_cmpuint(count_open_fds(), ==, fds_before);
}

/* A peer that packs several fds into the one SCM_RIGHTS message where one is expected.
 * Whether the reader takes the first or refuses the packet, every descriptor the kernel
 * installed in our process must be closed again: otherwise each such connection leaks
 * descriptors in the daemon until it runs out. */
static void
test_fd_extra_in_one_message(void)
{
    for (unsigned extra = 2; extra <= 4; extra++) {
        unsigned fds_before = count_open_fds();
        int sv[2], p[2];
        MvRx rx;
        MvPacket *pkt = NULL;
        g_autoptr(GError) err = NULL;
        g_autoptr(GBytes) one = fd_packet(1);

        make_pair(sv);
        mv_rx_init(&rx);
        g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
        int fds[4] = { p[0], p[1], p[0], p[1] };
        write_bytes(sv[1], g_bytes_get_data(one, NULL), g_bytes_get_size(one));
        send_fds_raw(sv[1], fds, extra);
        close(p[0]);
        close(p[1]);
        MvRxResult r = rx_read_polled(&rx, sv[0], &pkt, &err);
        if (r == MV_RX_PACKET) {
            g_assert_cmpuint(pkt->nfds, ==, 1);
            mv_packet_free(pkt);
        } else {
            g_assert_cmpint(r, ==, MV_RX_ERROR);
        }
        mv_rx_clear(&rx);
        close(sv[0]);
        close(sv[1]);
        if (count_open_fds() != fds_before)
            g_test_message("%u fds sent in one message: %u descriptors left open by the reader",
                           extra, count_open_fds() - fds_before);
        g_assert_cmpuint(count_open_fds(), ==, fds_before);
    }
}

/* The fd count word: at most MV_MESSAGE_FDS_MAX, and zero is a packet without fds. */
static void
test_fd_count_limit(void)
{
    for (unsigned n = 0; n <= 40; n++) {
        guint8 buf[32];
        mv_message_header hdr = { REMOTE_PROGRAM, 1, 1, MV_MSG_CALL_WITH_FDS, 0, MV_STATUS_OK };
        g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 1, NULL);
        memcpy(buf, g_bytes_get_data(b, NULL), 32);
        put_be32(buf + 28, n);
        g_autoptr(MvPacket) pkt = proto_packet_new(buf, sizeof(buf));
        g_autoptr(GError) err = NULL;
        unsigned nfds = 1234;
        bool ok = mv_packet_parse_header(pkt, &nfds, &err);
        if (n <= MV_MESSAGE_FDS_MAX) {
            g_assert_true(ok);
            g_assert_cmpuint(nfds, ==, n);
        } else {
            g_assert_false(ok);
            g_assert_true(mv_error_is(err, MV_ERR_RPC));
            g_assert_cmpuint(nfds, ==, 1234);   /* ret_* untouched on failure */
        }
    }
}

/* ---------- decoder bounds ---------- */

/* A packet: header for @proc, then the words in @words, then @extra zero bytes. */
static MvPacket *
body_packet(int proc, const guint32 *words, size_t nwords, size_t extra)
{
    size_t len = 28 + nwords * 4 + extra;
    g_autofree guint8 *buf = g_malloc0(len);
    mv_message_header hdr = { REMOTE_PROGRAM, 1, proc, MV_MSG_CALL, 0, MV_STATUS_OK };
    g_autoptr(GBytes) h = mv_packet_encode(&hdr, NULL, NULL, 0, NULL);

    memcpy(buf, g_bytes_get_data(h, NULL), 28);
    put_be32(buf, (guint32)len);
    for (size_t i = 0; i < nwords; i++)
        put_be32(buf + 28 + 4 * i, words[i]);
    MvPacket *pkt = proto_packet_new(buf, len);
    g_assert_true(mv_packet_parse_header(pkt, NULL, NULL));
    return pkt;
}

static bool
try_decode(MvPacket *pkt, xdrproc_t proc, size_t size)
{
    g_autofree void *body = g_malloc0(size);
    g_autoptr(GError) err = NULL;
    bool ok = mv_packet_decode_body(pkt, proc, body, &err);
    if (ok)
        xdr_free(proc, body);
    else
        g_assert_true(mv_error_is(err, MV_ERR_RPC));
    return ok;
}

#define DECODES(pkt, T) try_decode((pkt), (xdrproc_t)xdr_##T, sizeof(T))

static void
test_string_limit(void)
{
    const guint32 over[] = { REMOTE_STRING_MAX + 1 };
    const guint32 huge[] = { 0xffffffff };
    const guint32 exact[] = { REMOTE_STRING_MAX };
    const guint32 short_len[] = { 9 };

    /* Over the limit: refused before anything is allocated or read. */
    g_autoptr(MvPacket) p1 = body_packet(23, over, 1, 64);
    g_assert_false(DECODES(p1, remote_domain_lookup_by_name_args));
    g_autoptr(MvPacket) p2 = body_packet(23, huge, 1, 64);
    g_assert_false(DECODES(p2, remote_domain_lookup_by_name_args));
    /* Claims more bytes than the packet has. */
    g_autoptr(MvPacket) p3 = body_packet(23, short_len, 1, 8);
    g_assert_false(DECODES(p3, remote_domain_lookup_by_name_args));
    /* Exactly the limit is fine. */
    g_autoptr(MvPacket) p4 = body_packet(23, exact, 1, REMOTE_STRING_MAX);
    remote_domain_lookup_by_name_args a = { 0 };
    g_assert_true(mv_packet_decode_body(p4, (xdrproc_t)xdr_remote_domain_lookup_by_name_args, &a, NULL));
    g_assert_cmpuint(strlen(a.name), ==, 0);   /* the bytes were zeros */
    xdr_free((xdrproc_t)xdr_remote_domain_lookup_by_name_args, (char *)&a);
    /* The error body's message has the same bound. */
    const guint32 err_over[] = { 1, 7, 1, MV_MESSAGE_STRING_MAX + 1 };
    g_autoptr(MvPacket) p5 = body_packet(1, err_over, G_N_ELEMENTS(err_over), 64);
    g_assert_false(DECODES(p5, mv_message_error));
}

static void
test_array_limits(void)
{
    /* AUTH_LIST types<20> */
    guint32 auth[1 + 21] = { 21 };
    g_autoptr(MvPacket) a21 = body_packet(66, auth, 22, 0);
    g_assert_false(DECODES(a21, remote_auth_list_ret));
    auth[0] = 20;
    g_autoptr(MvPacket) a20 = body_packet(66, auth, 21, 0);
    g_assert_true(DECODES(a20, remote_auth_list_ret));

    /* LIST_ALL_DOMAINS domains<16384>, GET_ALL_DOMAIN_STATS records<16384> params<262144> */
    const guint32 doms[] = { REMOTE_DOMAIN_LIST_MAX + 1 };
    g_autoptr(MvPacket) d = body_packet(273, doms, 1, 64);
    g_assert_false(DECODES(d, remote_connect_list_all_domains_ret));
    g_autoptr(MvPacket) s = body_packet(344, doms, 1, 64);
    g_assert_false(DECODES(s, remote_connect_get_all_domain_stats_ret));
    const guint32 params[] = { 1, 3, 0x766d3100, 0, 0, 0, 0, 1, REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX + 1 };
    g_autoptr(MvPacket) sp = body_packet(344, params, G_N_ELEMENTS(params), 64);
    g_assert_false(DECODES(sp, remote_connect_get_all_domain_stats_ret));

    /* NODE_GET_SECURITY_MODEL char model<257>: each char is a 4-byte word */
    guint32 model[1 + 258 + 2] = { 258 };
    g_autoptr(MvPacket) m258 = body_packet(122, model, G_N_ELEMENTS(model), 0);
    g_assert_false(DECODES(m258, remote_node_get_security_model_ret));
    model[0] = 257;
    model[258] = 0;   /* doi: empty */
    g_autoptr(MvPacket) m257 = body_packet(122, model, 1 + 257 + 1, 0);
    g_assert_true(DECODES(m257, remote_node_get_security_model_ret));

    /* An array count larger than the bytes that follow. */
    const guint32 liar[] = { 1000 };
    g_autoptr(MvPacket) l = body_packet(66, liar, 1, 40);
    g_assert_false(DECODES(l, remote_auth_list_ret));
}

/* Typed parameter discriminants outside 1..7 do not decode. */
static void
test_typed_param_union(void)
{
    for (int type = -1; type <= 9; type++) {
        /* params<1> = { "a", {type, 0 0} }, nparams 1 */
        const guint32 w[] = { 1, 1, 0x61000000, (guint32)type, 0, 0, 1 };
        g_autoptr(MvPacket) p = body_packet(243, w, G_N_ELEMENTS(w), 0);
        bool ok = DECODES(p, remote_typed_params_ret);
        if (type >= 1 && type <= 7)
            g_assert_true(ok);
        else
            g_assert_false(ok);
    }
}

/* ---------- random ---------- */

typedef struct {
    xdrproc_t proc;
    size_t size;
} Decoder;

#define DEC(T) { (xdrproc_t)xdr_##T, sizeof(T) }
static const Decoder decoders[] = {
    DEC(mv_message_error),
    DEC(remote_connect_open_args),
    DEC(remote_auth_list_ret),
    DEC(remote_node_get_info_ret),
    DEC(remote_domain_get_info_ret),
    DEC(remote_connect_list_all_domains_ret),
    DEC(remote_typed_params_ret),
    DEC(remote_connect_get_all_domain_stats_ret),
    DEC(remote_connect_get_all_domain_stats_args),
    DEC(remote_domain_event_callback_lifecycle_msg),
    DEC(remote_domain_get_vcpus_ret),
    DEC(remote_node_get_security_model_ret),
    DEC(remote_connect_set_identity_args),
    DEC(remote_connect_get_domain_capabilities_args),
    DEC(remote_domain_memory_stats_ret),
    DEC(admin_connect_list_servers_ret),
    DEC(qemu_domain_monitor_event_msg),
    DEC(mv_message_stream_hole),
};

/* Decode @pkt's body with @d; on success it must encode again. */
static void
decode_any(MvPacket *pkt, unsigned nfds, const Decoder *d)
{
    g_autofree void *body = g_malloc0(d->size);
    g_autoptr(GError) err = NULL;

    if (!mv_packet_decode_body(pkt, d->proc, body, &err)) {
        g_assert_true(mv_error_is(err, MV_ERR_RPC));
        return;
    }
    g_autoptr(GBytes) again = mv_packet_encode(&pkt->hdr, d->proc, body, nfds, &err);
    g_assert_no_error(err);
    g_assert_nonnull(again);
    xdr_free(d->proc, body);
}

/* Words a mutation likes to plant: limits and their neighbours, signs, zero. */
static const guint32 interesting[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7f, 0x80, 0xff, 20, 21, 32, 33, 257, 258, 4097, 16384, 16385,
    262144, 262145, REMOTE_STRING_MAX, REMOTE_STRING_MAX + 1, 0x7fffffff, 0x80000000,
    0xfffffffe, 0xffffffff,
};

static GByteArray *
mutate(GRand *rand, const guint8 *bytes, gsize len)
{
    GByteArray *m = g_byte_array_sized_new(len + 16);
    g_byte_array_append(m, bytes, len);
    int n = g_rand_int_range(rand, 1, 5);
    for (int i = 0; i < n && m->len > 0; i++) {
        switch (g_rand_int_range(rand, 0, 5)) {
        case 0:   /* a random byte */
            m->data[g_rand_int_range(rand, 0, m->len)] = (guint8)g_rand_int(rand);
            break;
        case 1:   /* an interesting aligned word (never the length word) */
            if (m->len >= 8) {
                gsize w = g_rand_int_range(rand, 1, m->len / 4);
                put_be32(m->data + 4 * w, interesting[g_rand_int_range(rand, 0, G_N_ELEMENTS(interesting))]);
            }
            break;
        case 2:   /* cut the tail */
            g_byte_array_set_size(m, g_rand_int_range(rand, 0, m->len));
            break;
        case 3: { /* append garbage */
            int extra = g_rand_int_range(rand, 1, 16);
            for (int k = 0; k < extra; k++) {
                guint8 b = (guint8)g_rand_int(rand);
                g_byte_array_append(m, &b, 1);
            }
            break;
        }
        default:  /* make the length word honest again */
            if (m->len >= 4)
                put_be32(m->data, m->len);
            break;
        }
    }
    return m;
}

static GByteArray *
random_packet(GRand *rand)
{
    gsize len = g_rand_int_range(rand, 0, 300);
    GByteArray *m = g_byte_array_sized_new(len);
    g_byte_array_set_size(m, len);
    for (gsize i = 0; i < len; i++)
        m->data[i] = (guint8)g_rand_int(rand);
    if (len >= 4 && g_rand_boolean(rand))
        put_be32(m->data, len);
    if (len >= 20 && g_rand_boolean(rand))
        put_be32(m->data + 16, g_rand_int_range(rand, 0, 7));
    if (len >= 32 && g_rand_boolean(rand))
        put_be32(m->data + 28, g_rand_int_range(rand, 0, 40));
    return m;
}

/* Random and mutated packets through parse_header and decode_body. */
static void
test_random_decode(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(fuzz_seed());
    GBytes *golden[64];
    unsigned iterations = fuzz_iterations(4000);

    g_assert_cmpuint(proto_ncases, <=, G_N_ELEMENTS(golden));
    for (size_t c = 0; c < proto_ncases; c++)
        golden[c] = proto_golden_load(proto_cases[c].name);

    for (unsigned i = 0; i < iterations; i++) {
        g_autoptr(GByteArray) m = NULL;
        Decoder d;
        if (i % 2 == 0) {
            m = random_packet(rand);
            d = decoders[g_rand_int_range(rand, 0, G_N_ELEMENTS(decoders))];
        } else {
            size_t c = g_rand_int_range(rand, 0, proto_ncases);
            gsize len;
            const guint8 *bytes = g_bytes_get_data(golden[c], &len);
            m = mutate(rand, bytes, len);
            d.proc = proto_case_decoder(&proto_cases[c], &d.size);
            if (!d.proc)
                d = decoders[g_rand_int_range(rand, 0, G_N_ELEMENTS(decoders))];
        }
        g_autoptr(MvPacket) pkt = proto_packet_new(m->data, m->len);
        g_autoptr(GError) err = NULL;
        unsigned nfds = 0;
        if (!mv_packet_parse_header(pkt, &nfds, &err)) {
            g_assert_true(mv_error_is(err, MV_ERR_RPC));
            continue;
        }
        g_assert_cmpuint(nfds, <=, MV_MESSAGE_FDS_MAX);
        g_assert_cmpuint(pkt->payload_off, <=, pkt->len);
        decode_any(pkt, nfds, &d);
    }
    for (size_t c = 0; c < proto_ncases; c++)
        g_bytes_unref(golden[c]);
}

/* Random byte streams, mixing valid, mutated and random packets and stray fds, through
 * the socket reader. */
static void
test_random_stream(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(fuzz_seed() ^ 0x5a5a5a5a);
    unsigned iterations = fuzz_iterations(4000) / 2;
    unsigned fds_before = count_open_fds();
    GBytes *golden[64];

    for (size_t c = 0; c < proto_ncases; c++)
        golden[c] = proto_golden_load(proto_cases[c].name);

    for (unsigned i = 0; i < iterations; i++) {
        int sv[2];
        MvRx rx;
        make_pair(sv);
        mv_rx_init(&rx);
        int chunks = g_rand_int_range(rand, 1, 5);
        for (int k = 0; k < chunks; k++) {
            size_t c = g_rand_int_range(rand, 0, proto_ncases);
            gsize len;
            const guint8 *bytes = g_bytes_get_data(golden[c], &len);
            switch (g_rand_int_range(rand, 0, 4)) {
            case 0:
                write_bytes(sv[1], bytes, len);
                break;
            case 1: {
                g_autoptr(GByteArray) m = mutate(rand, bytes, len);
                if (m->len)
                    write_bytes(sv[1], m->data, m->len);
                break;
            }
            case 2: {
                g_autoptr(GByteArray) m = random_packet(rand);
                if (m->len)
                    write_bytes(sv[1], m->data, m->len);
                break;
            }
            default: {
                int p[2];
                g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
                /* One fd a message: several in one are test_fd_extra_in_one_message's. */
                send_fds_raw(sv[1], p, 1);
                close(p[0]);
                close(p[1]);
                break;
            }
            }
        }
        shutdown(sv[1], SHUT_WR);
        drain(&rx, sv[0], NULL);
        mv_rx_clear(&rx);
        close(sv[0]);
        close(sv[1]);
    }
    for (size_t c = 0; c < proto_ncases; c++)
        g_bytes_unref(golden[c]);
    g_assert_cmpuint(count_open_fds(), ==, fds_before);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/hostile/truncated/decode", test_truncated_decode);
    g_test_add_func("/hostile/truncated/stream", test_truncated_stream);
    g_test_add_func("/hostile/incremental", test_incremental);
    g_test_add_func("/hostile/length-words", test_length_words);
    g_test_add_func("/hostile/fds/receive", test_fd_receive);
    g_test_add_func("/hostile/fds/extra-in-one-message", test_fd_extra_in_one_message);
    g_test_add_func("/hostile/fds/count-limit", test_fd_count_limit);
    g_test_add_func("/hostile/limits/string", test_string_limit);
    g_test_add_func("/hostile/limits/arrays", test_array_limits);
    g_test_add_func("/hostile/limits/typed-param-union", test_typed_param_union);
    g_test_add_func("/hostile/random/decode", test_random_decode);
    g_test_add_func("/hostile/random/stream", test_random_stream);
    return g_test_run();
}
