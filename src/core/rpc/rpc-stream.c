// SPDX-License-Identifier: LGPL-2.1-or-later
// Stream packets: data (status CONTINUE), end of data (empty CONTINUE), finish (OK),
// abort and errors (ERROR), answered as libvirt's peers expect.

#include "rpc/rpc-stream.h"
#include "util/util-error.h"

struct MvStream {
    MvClient *client;        /* a reference */
    mv_message_header hdr;   /* prog, vers, proc and serial of the opening call */
    MvStreamCallbacks cbs;
    void *opaque;
    bool registered;
};

static void
send_status(MvStream *st, int status, const void *buf, size_t len)
{
    mv_message_header h = st->hdr;
    h.type = MV_MSG_STREAM;
    h.status = status;
    g_autoptr(GBytes) b = mv_packet_encode_raw(&h, buf, len);
    mv_client_send_packet(st->client, b, true);
}

static void
unregister(MvStream *st)
{
    if (st->registered) {
        st->registered = false;
        mv_client_unregister_stream(st->client, st->hdr.serial);
    }
}

/* A STREAM_HOLE from the client: passed on to a sparse-aware opener; anything else (or an
 * undecodable body) fails the stream, since the bytes the hole stands for cannot be dropped. */
static void
on_hole(MvStream *st, const MvPacket *pkt)
{
    mv_message_stream_hole hole = { 0 };
    bool ok = mv_packet_decode_body(pkt, (xdrproc_t)xdr_mv_message_stream_hole, &hole, NULL) && hole.length >= 0;
    if (ok && st->cbs.hole) {
        st->cbs.hole(st, (guint64)hole.length, st->opaque);
        return;
    }
    g_autoptr(GError) err = NULL;
    mv_error_set(&err, MV_FROM_STREAMS, MV_ERR_RPC, ok ? "this stream does not take holes (it is not sparse)"
                                                       : "malformed stream hole packet");
    mv_stream_send_error(st, err);
    if (st->cbs.closed)
        st->cbs.closed(st, true, st->opaque);
}

static void
on_packet(MvClient *c, const MvPacket *pkt, void *data)
{
    MvStream *st = data;

    if (!pkt) {
        st->registered = false;   /* the client dropped its list already */
        if (st->cbs.closed)
            st->cbs.closed(st, true, st->opaque);
        return;
    }
    if (pkt->hdr.proc != st->hdr.proc)
        return;
    if (pkt->hdr.type == MV_MSG_STREAM_HOLE) {
        on_hole(st, pkt);
        return;
    }
    switch (pkt->hdr.status) {
    case MV_STATUS_CONTINUE: {
        size_t len = pkt->len - pkt->payload_off;
        /* An empty packet is the client's end of data; nothing to pass on. */
        if (len > 0 && st->cbs.data)
            st->cbs.data(st, pkt->data + pkt->payload_off, len, st->opaque);
        break;
    }
    case MV_STATUS_OK:
    case MV_STATUS_ERROR:
        /* Finish or abort: confirm with an empty OK, then the stream is over. */
        send_status(st, MV_STATUS_OK, NULL, 0);
        unregister(st);
        if (st->cbs.closed)
            st->cbs.closed(st, pkt->hdr.status == MV_STATUS_ERROR, st->opaque);
        break;
    default:
        break;
    }
}

MvStream *
mv_stream_new(MvCall *call, const MvStreamCallbacks *cbs, void *opaque, GError **error)
{
    MvStream *st = g_new0(MvStream, 1);
    st->client = mv_client_ref(call->client);
    st->hdr = call->pkt->hdr;
    st->cbs = *cbs;
    st->opaque = opaque;
    if (!mv_client_register_stream(st->client, st->hdr.serial, on_packet, st)) {
        mv_client_unref(st->client);
        g_free(st);
        mv_error_set(error, MV_FROM_STREAMS, MV_ERR_OPERATION_FAILED,
                     "cannot open a stream: the connection has %d open already or is closing",
                     MV_CLIENT_STREAMS_MAX);
        return NULL;
    }
    st->registered = true;
    return st;
}

bool
mv_stream_send(MvStream *st, const void *buf, size_t len)
{
    const guint8 *p = buf;
    while (len > 0) {
        size_t n = MIN(len, (size_t)MV_MESSAGE_STREAM_CHUNK);
        mv_message_header h = st->hdr;
        h.type = MV_MSG_STREAM;
        h.status = MV_STATUS_CONTINUE;
        g_autoptr(GBytes) b = mv_packet_encode_raw(&h, p, n);
        if (!mv_client_send_packet(st->client, b, true))
            return false;
        p += n;
        len -= n;
    }
    return true;
}

size_t
mv_stream_backlog(MvStream *st)
{
    return mv_client_backlog(st->client);
}

bool
mv_stream_send_hole(MvStream *st, guint64 length)
{
    mv_message_header h = st->hdr;
    h.type = MV_MSG_STREAM_HOLE;
    h.status = MV_STATUS_CONTINUE;
    mv_message_stream_hole hole = { (gint64)length, 0 };
    g_autoptr(GBytes) b = mv_packet_encode(&h, (xdrproc_t)xdr_mv_message_stream_hole, &hole, 0, NULL);
    return b && mv_client_send_packet(st->client, b, true);
}

void
mv_stream_send_eof(MvStream *st)
{
    send_status(st, MV_STATUS_CONTINUE, NULL, 0);
}

void
mv_stream_send_error(MvStream *st, const GError *err)
{
    mv_message_header h = st->hdr;
    h.type = MV_MSG_STREAM;
    g_autoptr(GBytes) b = mv_packet_encode_error(&h, err);
    mv_client_send_packet(st->client, b, true);
    unregister(st);
}

void
mv_stream_free(MvStream *st)
{
    if (!st)
        return;
    unregister(st);
    mv_client_unref(st->client);
    g_free(st);
}
