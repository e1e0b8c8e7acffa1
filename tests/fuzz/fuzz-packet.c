// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: one packet as a peer sends it.  The header is parsed as the server and the
// client parse it; then the body is decoded with what the packet says it is: a call's
// arguments (every procedure modvirt-qemud and modvirt-storaged serve), a reply's return value, an error, or an
// event.  A body that decodes is encoded again and must decode again: the XDR routines are
// their own oracle.

#include "fuzz.h"
#include "daemon/daemon-programs.h"
#include "qemu-driver.h"
#include "stor-driver.h"
#include "rpc/rpc-message.h"
#include "rpc/rpc-program.h"
#include "remote.h"

#include "daemon/daemon-domain-calls.h"

#include <glib.h>
#include <string.h>

static MvProgram *
remote_program(void)
{
    static MvProgram *p;
    if (!p) {
        size_t n = 0;
        const MvProcedure *rows = qemu_driver_remote_rows(&n);
        p = mv_daemon_remote_program();
        mv_program_add(p, rows, n);
        mv_program_add(p, mv_domain_call_rows, mv_domain_call_nrows);
        mv_program_add(p, mv_domain_define_rows, mv_domain_define_nrows);
        /* modvirt-storaged's calls too: the numbers do not overlap. */
        rows = stor_driver_remote_rows(&n);
        mv_program_add(p, rows, n);
    }
    return p;
}

/* Bodies of the events the server sends (MESSAGE packets of the remote program). */
static const struct {
    int proc;
    xdrproc_t xdr;
    size_t size;
} events[] = {
    { REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE, (xdrproc_t)xdr_remote_storage_pool_event_lifecycle_msg,
      sizeof(remote_storage_pool_event_lifecycle_msg) },
    { REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH, (xdrproc_t)xdr_remote_storage_pool_event_refresh_msg,
      sizeof(remote_storage_pool_event_refresh_msg) },
    { REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE, (xdrproc_t)xdr_remote_domain_event_lifecycle_msg,
      sizeof(remote_domain_event_lifecycle_msg) },
    { REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, (xdrproc_t)xdr_remote_domain_event_callback_lifecycle_msg,
      sizeof(remote_domain_event_callback_lifecycle_msg) },
    { REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT, (xdrproc_t)xdr_remote_domain_event_callback_reboot_msg,
      sizeof(remote_domain_event_callback_reboot_msg) },
};

/* Decode @pkt's body with @xdr; when it decodes, encode it again and check the round trip. */
static void
decode(MvPacket *pkt, xdrproc_t xdr, size_t size)
{
    if (!xdr)
        return;
    void *body = g_malloc0(size);
    if (mv_packet_decode_body(pkt, xdr, body, NULL)) {
        /* Without the fds (and their count word): the body is what matters here. */
        mv_message_header hdr = pkt->hdr;
        if (hdr.type == MV_MSG_CALL_WITH_FDS)
            hdr.type = MV_MSG_CALL;
        else if (hdr.type == MV_MSG_REPLY_WITH_FDS)
            hdr.type = MV_MSG_REPLY;
        g_autoptr(GBytes) again = mv_packet_encode(&hdr, xdr, body, 0, NULL);
        if (again) {
            gsize len = 0;
            const guint8 *bytes = g_bytes_get_data(again, &len);
            MvPacket pkt2 = { .data = (guint8 *)bytes, .len = len };
            unsigned nfds = 0;
            void *body2 = g_malloc0(size);
            if (!mv_packet_parse_header(&pkt2, &nfds, NULL) || !mv_packet_decode_body(&pkt2, xdr, body2, NULL))
                FUZZ_FAIL("a body that decoded does not decode after encoding it again (proc %d)", pkt->hdr.proc);
            xdr_free(xdr, body2);
            g_free(body2);
        }
    }
    xdr_free(xdr, body);
    g_free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < MV_PACKET_MIN || size > MV_PACKET_MAX)
        return 0;
    /* The length word is made right, so that mutations reach the header and body (a wrong
     * length is the I/O layer's business, covered by the hostile-input tests).  The packet
     * owns a copy: it is never freed through mv_packet_free. */
    g_autofree guint8 *copy = g_memdup2(data, size);
    guint32 len_be = GUINT32_TO_BE((guint32)size);
    memcpy(copy, &len_be, 4);
    MvPacket pkt = { .data = copy, .len = size };
    unsigned nfds = 0;
    if (!mv_packet_parse_header(&pkt, &nfds, NULL))
        return 0;
    if (pkt.hdr.status == MV_STATUS_ERROR) {
        decode(&pkt, (xdrproc_t)xdr_mv_message_error, sizeof(mv_message_error));
        return 0;
    }
    if (pkt.hdr.prog != REMOTE_PROGRAM)
        return 0;
    if (pkt.hdr.type == MV_MSG_MESSAGE) {
        for (size_t i = 0; i < G_N_ELEMENTS(events); i++) {
            if (events[i].proc == pkt.hdr.proc)
                decode(&pkt, events[i].xdr, events[i].size);
        }
        return 0;
    }
    const MvProcedure *row = mv_program_lookup(remote_program(), pkt.hdr.proc);
    if (!row)
        return 0;
    if (pkt.hdr.type == MV_MSG_CALL || pkt.hdr.type == MV_MSG_CALL_WITH_FDS)
        decode(&pkt, row->args_proc, row->args_size);
    else if (pkt.hdr.type == MV_MSG_REPLY || pkt.hdr.type == MV_MSG_REPLY_WITH_FDS)
        decode(&pkt, row->ret_proc, row->ret_size);
    return 0;
}
