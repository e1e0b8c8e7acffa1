// SPDX-License-Identifier: LGPL-2.1-or-later
// Encoding and decoding of remote-protocol packets with rpcgen's XDR routines.

#include "rpc/rpc-message.h"
#include "util/util-error.h"

#include <string.h>
#include <unistd.h>

void
mv_packet_free(MvPacket *pkt)
{
    if (!pkt)
        return;
    for (unsigned i = 0; i < pkt->nfds; i++) {
        if (pkt->fds[i] >= 0)
            close(pkt->fds[i]);
    }
    g_free(pkt->fds);
    g_free(pkt->data);
    g_free(pkt);
}

static bool
encode_into(guint8 *buf, size_t size, const mv_message_header *hdr, xdrproc_t body_proc,
            const void *body, unsigned nfds, size_t *ret_len)
{
    XDR xdr;
    unsigned int len = 0;
    bool ok = false;

    xdrmem_create(&xdr, (char *)buf, size, XDR_ENCODE);
    if (!xdr_u_int(&xdr, &len) || !xdr_mv_message_header(&xdr, (mv_message_header *)hdr))
        goto out;
    if (nfds > 0 && !xdr_u_int(&xdr, &nfds))
        goto out;
    if (body_proc && !body_proc(&xdr, (void *)body, 0))
        goto out;
    len = xdr_getpos(&xdr);
    xdr_setpos(&xdr, 0);
    if (!xdr_u_int(&xdr, &len))
        goto out;
    *ret_len = len;
    ok = true;
 out:
    xdr_destroy(&xdr);
    return ok;
}

GBytes *
mv_packet_encode(const mv_message_header *hdr, xdrproc_t body_proc, const void *body,
                 unsigned nfds, GError **error)
{
    /* XDR cannot tell us the size up front, so try a buffer and grow it. */
    for (size_t size = MV_PACKET_INITIAL; ; size *= 4) {
        if (size > MV_PACKET_MAX)
            size = MV_PACKET_MAX;
        g_autofree guint8 *buf = g_malloc(size);
        size_t len;
        if (encode_into(buf, size, hdr, body_proc, body, nfds, &len))
            return g_bytes_new_take(g_steal_pointer(&buf), len);
        if (size == MV_PACKET_MAX)
            break;
    }
    mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC,
                 "unable to encode message payload of procedure %d: more than %u bytes or invalid data",
                 hdr->proc, (unsigned)MV_MESSAGE_MAX);
    return NULL;
}

GBytes *
mv_packet_encode_raw(const mv_message_header *hdr, const void *data, size_t len)
{
    size_t total = MV_PACKET_MIN + len;
    guint8 *buf = g_malloc(total);
    size_t hlen;

    /* The header always fits in MV_PACKET_MIN bytes. */
    if (!encode_into(buf, MV_PACKET_MIN, hdr, NULL, NULL, 0, &hlen))
        g_assert_not_reached();
    if (len > 0)   /* an empty body may come as NULL */
        memcpy(buf + MV_PACKET_MIN, data, len);
    guint32 be = GUINT32_TO_BE((guint32)total);
    memcpy(buf, &be, 4);
    return g_bytes_new_take(buf, total);
}

GBytes *
mv_packet_encode_error(const mv_message_header *hdr, const GError *err)
{
    mv_message_header rh = *hdr;
    mv_message_error body = { 0 };
    int from, code;
    char *msg = err ? err->message : (char *)"unknown error";

    mv_error_info(err, &from, &code);
    if (rh.type != MV_MSG_STREAM)
        rh.type = MV_MSG_REPLY;
    rh.status = MV_STATUS_ERROR;
    body.code = code;
    body.domain = from;
    body.message = &msg;
    body.level = 2;  /* VIR_ERR_ERROR */

    g_autoptr(GError) local = NULL;
    GBytes *b = mv_packet_encode(&rh, (xdrproc_t)xdr_mv_message_error, &body, 0, &local);
    if (b)
        return b;
    /* Only a message over the string limit gets here: send a shorter one. */
    char *short_msg = (char *)"error message too long";
    body.message = &short_msg;
    b = mv_packet_encode(&rh, (xdrproc_t)xdr_mv_message_error, &body, 0, NULL);
    g_assert(b);
    return b;
}

bool
mv_packet_parse_header(MvPacket *pkt, unsigned *ret_nfds, GError **error)
{
    XDR xdr;
    unsigned nfds = 0;
    bool ok = true;

    if (pkt->len < MV_PACKET_MIN) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "packet of %zu bytes is shorter than a header", pkt->len);
        return false;
    }
    xdrmem_create(&xdr, (char *)pkt->data + 4, pkt->len - 4, XDR_DECODE);
    memset(&pkt->hdr, 0, sizeof(pkt->hdr));
    if (!xdr_mv_message_header(&xdr, &pkt->hdr)) {
        ok = false;
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "cannot decode message header");
    } else if (pkt->hdr.type == MV_MSG_CALL_WITH_FDS || pkt->hdr.type == MV_MSG_REPLY_WITH_FDS) {
        if (!xdr_u_int(&xdr, &nfds)) {
            ok = false;
            mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "cannot decode the number of fds");
        } else if (nfds > MV_MESSAGE_FDS_MAX) {
            ok = false;
            mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "too many fds in message: %u > %u",
                         nfds, (unsigned)MV_MESSAGE_FDS_MAX);
        }
    }
    pkt->payload_off = 4 + xdr_getpos(&xdr);
    xdr_destroy(&xdr);
    if (ok && ret_nfds)
        *ret_nfds = nfds;
    return ok;
}

bool
mv_packet_decode_body(const MvPacket *pkt, xdrproc_t proc, void *body, GError **error)
{
    XDR xdr;
    bool ok;

    xdrmem_create(&xdr, (char *)pkt->data + pkt->payload_off, pkt->len - pkt->payload_off, XDR_DECODE);
    ok = proc(&xdr, body, 0);
    xdr_destroy(&xdr);
    if (!ok) {
        xdr_free(proc, body);
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC,
                     "Unable to decode message payload of procedure %d", pkt->hdr.proc);
    }
    return ok;
}

void
mv_message_error_to_gerror(const mv_message_error *e, GError **error)
{
    const char *msg = (e->message && *e->message) ? *e->message : "unknown error";
    mv_error_set_literal(error, e->domain, e->code, msg);
}

const char *
mv_message_type_name(int type)
{
    static const char *names[] = { "call", "reply", "message", "stream", "call-with-fds",
                                   "reply-with-fds", "stream-hole" };
    return (type >= 0 && type < (int)G_N_ELEMENTS(names)) ? names[type] : "unknown";
}
