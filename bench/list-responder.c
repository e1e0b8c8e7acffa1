// SPDX-License-Identifier: LGPL-2.1-or-later
// list-responder: domain-bench's zero-work floor for `virsh list --all`.  It is
// bench/zero-responder (one thread, one client at a time, blocking reads, the project's
// packet codecs) that also answers CONNECT_LIST_ALL_DOMAINS with N made-up inactive domains
// (built once at start; encoded per call, as any server must) and DOMAIN_GET_STATE with
// "shut off" at once, so `virsh -c URI list --all` against it costs what virsh itself costs
// with N domains: its start-up, the handshake, 1 + N round trips, decoding, sorting and
// printing the table.
//
// Usage: list-responder SOCKET N PREFIX   (domains are named PREFIX000000, PREFIX000001, ...)

#include "rpc/rpc-io.h"
#include "util/util-error.h"
#include "remote.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdlib.h>
#include <unistd.h>

/* The made-up domains, built once. */
static remote_connect_list_all_domains_ret all_domains;
/* The same names and UUIDs as networks, for `virsh net-list --all`. */
static remote_connect_list_all_networks_ret all_networks;

static void
make_domains(unsigned n, const char *prefix)
{
    all_domains.domains.domains_len = n;
    all_domains.domains.domains_val = g_new0(remote_nonnull_domain, n);
    for (unsigned i = 0; i < n; i++) {
        remote_nonnull_domain *d = &all_domains.domains.domains_val[i];
        d->name = g_strdup_printf("%s%06u", prefix, i);
        for (unsigned k = 0; k < 16; k++)
            d->uuid[k] = (unsigned char)((i >> (8 * (k % 4))) ^ (k * 37));
        d->id = -1;
    }
    all_domains.ret = n;
    all_networks.nets.nets_len = n;
    all_networks.nets.nets_val = g_new0(remote_nonnull_network, n);
    for (unsigned i = 0; i < n; i++) {
        all_networks.nets.nets_val[i].name = all_domains.domains.domains_val[i].name;
        memcpy(all_networks.nets.nets_val[i].uuid, all_domains.domains.domains_val[i].uuid, 16);
    }
    all_networks.ret = n;
}

/* The version we report: the same as modvirt-qemud and libvirtd 9.0. */
#define ZERO_LIB_VERSION 9000000ULL

/* Features a libvirt 9.0 client must hear "1" for (protocol-facts §4.2); 0 for the rest. */
static bool
feature_supported(int feature)
{
    return feature == 8 || feature == 9 || feature == 10 || feature == 14 || feature == 15 ||
           feature == 16;
}

static GBytes *
reply_ok(const mv_message_header *call, xdrproc_t ret_proc, const void *ret)
{
    mv_message_header h = *call;
    h.type = MV_MSG_REPLY;
    h.status = MV_STATUS_OK;
    return mv_packet_encode(&h, ret_proc, ret, 0, NULL);
}

static GBytes *
reply_error(const mv_message_header *call, int from, int code, const char *text)
{
    g_autoptr(GError) err = NULL;
    mv_error_set(&err, from, code, "%s", text);
    return mv_packet_encode_error(call, err);
}

/* The answer to @pkt, or NULL when it wants none.  Sets *ret_close for CONNECT_CLOSE. */
static GBytes *
answer(const MvPacket *pkt, bool *ret_close)
{
    const mv_message_header *hdr = &pkt->hdr;

    if (hdr->prog == MV_KEEPALIVE_PROGRAM) {
        if (hdr->type != MV_MSG_MESSAGE || hdr->proc != MV_KEEPALIVE_PROC_PING)
            return NULL;
        mv_message_header pong = { MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_VERSION,
                                   MV_KEEPALIVE_PROC_PONG, MV_MSG_MESSAGE, 0, MV_STATUS_OK };
        return mv_packet_encode(&pong, NULL, NULL, 0, NULL);
    }
    if (hdr->type != MV_MSG_CALL)
        return NULL;
    if (hdr->prog != REMOTE_PROGRAM || hdr->vers != REMOTE_PROTOCOL_VERSION) {
        g_autofree char *text = g_strdup_printf("Cannot find program %u version %u",
                                                hdr->prog, hdr->vers);
        return reply_error(hdr, MV_FROM_RPC, MV_ERR_RPC, text);
    }

    switch (hdr->proc) {
    case REMOTE_PROC_AUTH_LIST: {
        remote_auth_type none = REMOTE_AUTH_NONE;
        remote_auth_list_ret r = { .types = { 1, &none } };
        return reply_ok(hdr, (xdrproc_t)xdr_remote_auth_list_ret, &r);
    }
    case REMOTE_PROC_CONNECT_SUPPORTS_FEATURE: {
        remote_connect_supports_feature_args a = { 0 };
        if (!mv_packet_decode_body(pkt, (xdrproc_t)xdr_remote_connect_supports_feature_args, &a, NULL))
            return reply_error(hdr, MV_FROM_RPC, MV_ERR_RPC, "cannot decode arguments");
        remote_connect_supports_feature_ret r = { feature_supported(a.feature) };
        return reply_ok(hdr, (xdrproc_t)xdr_remote_connect_supports_feature_ret, &r);
    }
    case REMOTE_PROC_CONNECT_GET_LIB_VERSION: {
        remote_connect_get_lib_version_ret r = { ZERO_LIB_VERSION };
        return reply_ok(hdr, (xdrproc_t)xdr_remote_connect_get_lib_version_ret, &r);
    }
    case REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS:
        return reply_ok(hdr, (xdrproc_t)xdr_remote_connect_list_all_domains_ret, &all_domains);
    case REMOTE_PROC_DOMAIN_GET_STATE: {
        remote_domain_get_state_ret r = { 5 /* VIR_DOMAIN_SHUTOFF */, 0 };
        return reply_ok(hdr, (xdrproc_t)xdr_remote_domain_get_state_ret, &r);
    }
    case REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS:
        return reply_ok(hdr, (xdrproc_t)xdr_remote_connect_list_all_networks_ret, &all_networks);
    case REMOTE_PROC_NETWORK_IS_ACTIVE:
    case REMOTE_PROC_NETWORK_GET_AUTOSTART:
    case REMOTE_PROC_NETWORK_IS_PERSISTENT: {
        /* Inactive, not autostarted, persistent: what N defined networks answer. */
        remote_int_ret r = { hdr->proc == REMOTE_PROC_NETWORK_IS_PERSISTENT };
        return reply_ok(hdr, (xdrproc_t)xdr_remote_int_ret, &r);
    }
    case REMOTE_PROC_CONNECT_CLOSE:
        *ret_close = true;
        return reply_ok(hdr, NULL, NULL);
    case REMOTE_PROC_CONNECT_OPEN:
    case REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK:
    case REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK:
        /* Zero work: whatever the arguments say, the answer is yes. */
        return reply_ok(hdr, NULL, NULL);
    default: {
        /* The text clients turn into "not supported" (protocol-facts §1.4). */
        g_autofree char *text = g_strdup_printf("unknown procedure: %d", hdr->proc);
        return reply_error(hdr, MV_FROM_RPC, MV_ERR_RPC, text);
    }
    }
}

/* Serve one connection until EOF, an error, or CONNECT_CLOSE.  Takes @fd. */
static void
serve(int fd)
{
    MvRx rx;

    mv_rx_init(&rx);
    for (;;) {
        g_autoptr(MvPacket) pkt = NULL;
        g_autoptr(GError) err = NULL;
        if (mv_rx_read(&rx, fd, &pkt, &err) != MV_RX_PACKET)
            break;
        bool close_after = false;
        g_autoptr(GBytes) reply = answer(pkt, &close_after);
        if (reply && mv_write_all(fd, reply, NULL, 0) < 0)
            break;
        if (close_after)
            break;
    }
    mv_rx_clear(&rx);
    close(fd);
}

int
main(int argc, char **argv)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET N PREFIX\n", argv[0]);
        return 2;
    }
    make_domains((unsigned)strtoul(argv[2], NULL, 10), argv[3]);
    if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "%s: socket path '%s' is too long\n", argv[0], argv[1]);
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        perror("socket");
        return 1;
    }
    unlink(sa.sun_path);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 64) < 0) {
        fprintf(stderr, "%s: cannot listen on '%s': %s\n", argv[0], sa.sun_path, g_strerror(errno));
        return 1;
    }
    for (;;) {
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "%s: accept failed: %s\n", argv[0], g_strerror(errno));
            return 1;
        }
        serve(cfd);
    }
}
