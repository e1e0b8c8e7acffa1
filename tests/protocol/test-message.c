// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden wire bytes: every message type, the error body and real procedure bodies are
// encoded, compared with hand-derived hex (data/*.hex), decoded and encoded again.
// Hostile input lives in test-hostile.c, sockets in test-server.c.

#include "proto-test.h"
#include "util/util-error.h"
#include "remote.h"

#include <gio/gio.h>
#include <string.h>

static GBytes *
encode_case(const ProtoCase *pc)
{
    g_autoptr(GError) err = NULL;
    GBytes *b = NULL;

    switch (pc->enc) {
    case PROTO_ENC_XDR: {
        g_autofree void *body = pc->size ? g_malloc0(pc->size) : NULL;
        if (pc->fill)
            pc->fill(body);
        b = mv_packet_encode(&pc->hdr, pc->proc, body, pc->nfds, &err);
        g_assert_no_error(err);
        if (pc->proc)
            xdr_free(pc->proc, body);
        break;
    }
    case PROTO_ENC_RAW:
        b = mv_packet_encode_raw(&pc->hdr, pc->raw, pc->raw_len);
        break;
    case PROTO_ENC_ERROR: {
        g_autoptr(GError) e = pc->make_error();
        b = mv_packet_encode_error(&pc->hdr, e);
        break;
    }
    }
    g_assert_nonnull(b);
    return b;
}

/* The header the encoder must have written for @pc. */
static mv_message_header
expected_header(const ProtoCase *pc)
{
    mv_message_header h = pc->hdr;
    if (pc->enc == PROTO_ENC_ERROR) {
        /* Errors answer calls as REPLY (never *_WITH_FDS) and streams as STREAM. */
        if (h.type != MV_MSG_STREAM)
            h.type = MV_MSG_REPLY;
        h.status = MV_STATUS_ERROR;
    }
    return h;
}

/* encode -> bytes == golden -> decode -> encode == golden */
static void
test_golden_case(const void *data)
{
    const ProtoCase *pc = data;
    g_autoptr(GBytes) enc = encode_case(pc);

    proto_golden_check(pc->name, enc);

    g_autoptr(GBytes) golden = proto_golden_load(pc->name);
    gsize len;
    const guint8 *bytes = g_bytes_get_data(golden, &len);
    guint32 be;
    memcpy(&be, bytes, 4);
    g_assert_cmpuint(GUINT32_FROM_BE(be), ==, len);   /* the length word counts itself */

    g_autoptr(MvPacket) pkt = proto_packet_new(bytes, len);
    g_autoptr(GError) err = NULL;
    unsigned nfds = 99;
    g_assert_true(mv_packet_parse_header(pkt, &nfds, &err));
    g_assert_no_error(err);

    mv_message_header want = expected_header(pc);
    g_assert_cmphex(pkt->hdr.prog, ==, want.prog);
    g_assert_cmpuint(pkt->hdr.vers, ==, want.vers);
    g_assert_cmpint(pkt->hdr.proc, ==, want.proc);
    g_assert_cmpint(pkt->hdr.type, ==, want.type);
    g_assert_cmpuint(pkt->hdr.serial, ==, want.serial);
    g_assert_cmpint(pkt->hdr.status, ==, want.status);
    g_assert_cmpuint(nfds, ==, pc->enc == PROTO_ENC_ERROR ? 0 : pc->nfds);
    bool has_count = want.type == MV_MSG_CALL_WITH_FDS || want.type == MV_MSG_REPLY_WITH_FDS;
    g_assert_cmpuint(pkt->payload_off, ==, has_count ? 32 : 28);

    g_autoptr(GBytes) again = NULL;
    if (pc->enc == PROTO_ENC_RAW) {
        g_assert_cmpmem(bytes + pkt->payload_off, len - pkt->payload_off, pc->raw, pc->raw_len);
        again = mv_packet_encode_raw(&pkt->hdr, bytes + pkt->payload_off, len - pkt->payload_off);
    } else {
        size_t size;
        xdrproc_t proc = proto_case_decoder(pc, &size);
        g_autofree void *body = size ? g_malloc0(size) : NULL;
        if (proc) {
            g_assert_true(mv_packet_decode_body(pkt, proc, body, &err));
            g_assert_no_error(err);
        } else {
            g_assert_cmpuint(pkt->payload_off, ==, len);   /* void: nothing after the header */
        }
        again = mv_packet_encode(&pkt->hdr, proc, body, nfds, &err);
        g_assert_no_error(err);
        if (proc)
            xdr_free(proc, body);
    }
    g_assert_nonnull(again);
    g_assert_true(g_bytes_equal(again, golden));
}

/* Decode golden case @name's body with @proc into @body. */
static void
decode_golden(const char *name, xdrproc_t proc, void *body)
{
    g_autoptr(GBytes) golden = proto_golden_load(name);
    gsize len;
    const guint8 *bytes = g_bytes_get_data(golden, &len);
    g_autoptr(MvPacket) pkt = proto_packet_new(bytes, len);
    g_autoptr(GError) err = NULL;

    g_assert_true(mv_packet_parse_header(pkt, NULL, &err));
    g_assert_true(mv_packet_decode_body(pkt, proc, body, &err));
    g_assert_no_error(err);
}

static void
test_decode_node_info(void)
{
    remote_node_get_info_ret r = { 0 };

    decode_golden("reply-node-get-info", (xdrproc_t)xdr_remote_node_get_info_ret, &r);
    g_assert_cmpstr(r.model, ==, "x86_64");
    for (size_t i = strlen("x86_64"); i < sizeof(r.model); i++)
        g_assert_cmpint(r.model[i], ==, 0);
    g_assert_cmpuint(r.memory, ==, 16318148);
    g_assert_cmpint(r.cpus, ==, 8);
    g_assert_cmpint(r.mhz, ==, 2400);
    g_assert_cmpint(r.cores, ==, 4);
    g_assert_cmpint(r.threads, ==, 2);
    xdr_free((xdrproc_t)xdr_remote_node_get_info_ret, &r);
}

static void
test_decode_typed_params(void)
{
    remote_typed_params_ret r = { 0 };

    decode_golden("reply-typed-params", (xdrproc_t)xdr_remote_typed_params_ret, &r);
    g_assert_cmpuint(r.params.params_len, ==, 7);
    const remote_typed_param *p = r.params.params_val;
    for (int i = 0; i < 7; i++)
        g_assert_cmpint(p[i].value.type, ==, i + 1);
    g_assert_cmpstr(p[0].field, ==, "int");
    g_assert_cmpint(p[0].value.remote_typed_param_value_u.i, ==, -5);
    g_assert_cmpuint(p[1].value.remote_typed_param_value_u.ui, ==, 4000000000U);
    g_assert_cmpint(p[2].value.remote_typed_param_value_u.l, ==, -2);
    g_assert_cmpuint(p[3].value.remote_typed_param_value_u.ul, ==, (1ULL << 40) + 1);
    g_assert_cmpfloat(p[4].value.remote_typed_param_value_u.d, ==, 1.5);
    g_assert_cmpint(p[5].value.remote_typed_param_value_u.b, ==, 1);
    g_assert_cmpstr(p[6].field, ==, "string");
    g_assert_cmpstr(p[6].value.remote_typed_param_value_u.s, ==, "vda");
    g_assert_cmpint(r.nparams, ==, 7);
    xdr_free((xdrproc_t)xdr_remote_typed_params_ret, &r);
}

static void
test_decode_domains(void)
{
    remote_connect_list_all_domains_ret r = { 0 };

    decode_golden("reply-list-all-domains", (xdrproc_t)xdr_remote_connect_list_all_domains_ret, &r);
    g_assert_cmpuint(r.domains.domains_len, ==, 2);
    g_assert_cmpstr(r.domains.domains_val[0].name, ==, "vm1");
    g_assert_cmpint(r.domains.domains_val[0].id, ==, 1);
    g_assert_cmphex((guint8)r.domains.domains_val[0].uuid[0], ==, 0x6d);
    g_assert_cmphex((guint8)r.domains.domains_val[0].uuid[15], ==, 0x09);
    g_assert_cmpstr(r.domains.domains_val[1].name, ==, "guest-two");
    g_assert_cmpint(r.domains.domains_val[1].id, ==, -1);
    g_assert_cmpuint(r.ret, ==, 2);
    xdr_free((xdrproc_t)xdr_remote_connect_list_all_domains_ret, &r);
}

/* The wire error becomes a GError with the peer's domain, code and text. */
static void
test_decode_error(void)
{
    mv_message_error e = { 0 };
    g_autoptr(GError) err = NULL;

    decode_golden("reply-error", (xdrproc_t)xdr_mv_message_error, &e);
    g_assert_cmpint(e.code, ==, MV_ERR_NO_DOMAIN);
    g_assert_cmpint(e.domain, ==, MV_FROM_QEMU);
    g_assert_cmpint(e.level, ==, 2);
    g_assert_nonnull(e.message);
    g_assert_cmpstr(*e.message, ==, "Domain not found: no domain with matching name 'vm9'");
    g_assert_null(e.dom);
    g_assert_null(e.str1);
    g_assert_null(e.net);
    mv_message_error_to_gerror(&e, &err);
    g_assert_true(err->domain == mv_error_quark(MV_FROM_QEMU));
    g_assert_cmpint(err->code, ==, MV_ERR_NO_DOMAIN);
    g_assert_cmpstr(err->message, ==, *e.message);
    xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);

    /* No message on the wire: still a usable error. */
    mv_message_error bare = { .code = MV_ERR_RPC, .domain = MV_FROM_RPC, .level = 2 };
    g_autoptr(GError) err2 = NULL;
    mv_message_error_to_gerror(&bare, &err2);
    g_assert_cmpstr(err2->message, ==, "unknown error");
    g_assert_true(mv_error_is(err2, MV_ERR_RPC));
}

/* Decode an error packet's body. */
static void
decode_error_packet(GBytes *b, mv_message_error *e)
{
    gsize len;
    const guint8 *p = g_bytes_get_data(b, &len);
    g_autoptr(MvPacket) pkt = proto_packet_new(p, len);
    g_autoptr(GError) err = NULL;

    g_assert_true(mv_packet_parse_header(pkt, NULL, &err));
    g_assert_cmpint(pkt->hdr.status, ==, MV_STATUS_ERROR);
    g_assert_true(mv_packet_decode_body(pkt, (xdrproc_t)xdr_mv_message_error, e, &err));
    g_assert_no_error(err);
}

static void
test_error_fallbacks(void)
{
    mv_message_header call = { REMOTE_PROGRAM, 1, 23, MV_MSG_CALL, 5, MV_STATUS_OK };

    /* No GError at all. */
    g_autoptr(GBytes) b1 = mv_packet_encode_error(&call, NULL);
    mv_message_error e = { 0 };
    decode_error_packet(b1, &e);
    g_assert_cmpint(e.code, ==, MV_ERR_INTERNAL_ERROR);
    g_assert_cmpint(e.domain, ==, MV_FROM_NONE);
    g_assert_cmpstr(*e.message, ==, "unknown error");
    xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);

    /* A GError that is not ours keeps its text, as an internal error. */
    g_autoptr(GError) foreign = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "disk on fire");
    g_autoptr(GBytes) b2 = mv_packet_encode_error(&call, foreign);
    memset(&e, 0, sizeof(e));
    decode_error_packet(b2, &e);
    g_assert_cmpint(e.code, ==, MV_ERR_INTERNAL_ERROR);
    g_assert_cmpint(e.domain, ==, MV_FROM_NONE);
    g_assert_cmpint(e.level, ==, 2);
    g_assert_cmpstr(*e.message, ==, "disk on fire");
    xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);

    /* A message over the string limit is replaced, never dropped. */
    g_autofree char *huge = g_malloc(REMOTE_STRING_MAX + 2);
    memset(huge, 'x', REMOTE_STRING_MAX + 1);
    huge[REMOTE_STRING_MAX + 1] = '\0';
    g_autoptr(GError) big = NULL;
    mv_error_set_literal(&big, MV_FROM_DOMAIN, MV_ERR_OPERATION_FAILED, huge);
    g_autoptr(GBytes) b3 = mv_packet_encode_error(&call, big);
    memset(&e, 0, sizeof(e));
    decode_error_packet(b3, &e);
    g_assert_cmpint(e.code, ==, MV_ERR_OPERATION_FAILED);
    g_assert_cmpint(e.domain, ==, MV_FROM_DOMAIN);
    g_assert_cmpstr(*e.message, ==, "error message too long");
    xdr_free((xdrproc_t)xdr_mv_message_error, (char *)&e);
}

/* Bodies the wire cannot carry fail to encode with an RPC error instead of a bad packet. */
static void
test_encode_limits(void)
{
    mv_message_header hdr = { REMOTE_PROGRAM, 1, 23, MV_MSG_CALL, 0, MV_STATUS_OK };
    g_autoptr(GError) err = NULL;

    /* A string of exactly REMOTE_STRING_MAX bytes goes through... */
    remote_domain_lookup_by_name_args a = { .name = g_malloc(REMOTE_STRING_MAX + 2) };
    memset(a.name, 'n', REMOTE_STRING_MAX);
    a.name[REMOTE_STRING_MAX] = '\0';
    g_autoptr(GBytes) ok = mv_packet_encode(&hdr, (xdrproc_t)xdr_remote_domain_lookup_by_name_args,
                                            &a, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(g_bytes_get_size(ok), ==, 28 + 4 + REMOTE_STRING_MAX);

    /* ...one byte more does not. */
    a.name[REMOTE_STRING_MAX] = 'n';
    a.name[REMOTE_STRING_MAX + 1] = '\0';
    g_autoptr(GBytes) bad = mv_packet_encode(&hdr, (xdrproc_t)xdr_remote_domain_lookup_by_name_args,
                                             &a, 0, &err);
    g_assert_null(bad);
    g_assert_nonnull(err);
    g_assert_true(mv_error_is(err, MV_ERR_RPC));
    g_assert_true(err->domain == mv_error_quark(MV_FROM_RPC));
    g_free(a.name);
    g_clear_error(&err);

    /* A body over the 16 MiB packet limit: five strings of 4 MiB. */
    remote_connect_list_defined_domains_ret names = { 0 };
    char *chunk = g_malloc(REMOTE_STRING_MAX + 1);
    memset(chunk, 'd', REMOTE_STRING_MAX);
    chunk[REMOTE_STRING_MAX] = '\0';
    char *vals[5] = { chunk, chunk, chunk, chunk, chunk };
    names.names.names_len = 5;
    names.names.names_val = vals;
    hdr.type = MV_MSG_REPLY;
    g_autoptr(GBytes) toobig = mv_packet_encode(&hdr, (xdrproc_t)xdr_remote_connect_list_defined_domains_ret,
                                                &names, 0, &err);
    g_assert_null(toobig);
    g_assert_true(mv_error_is(err, MV_ERR_RPC));
    g_free(chunk);
}

/* The fd count word is written only when there are fds. */
static void
test_fd_count_word(void)
{
    mv_message_header hdr = { REMOTE_PROGRAM, 1, 1, MV_MSG_REPLY_WITH_FDS, 3, MV_STATUS_OK };
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) b = mv_packet_encode(&hdr, NULL, NULL, 32, &err);
    gsize len;
    const guint8 *p = g_bytes_get_data(b, &len);
    guint32 w;

    g_assert_cmpuint(len, ==, 32);
    memcpy(&w, p + 28, 4);
    g_assert_cmpuint(GUINT32_FROM_BE(w), ==, 32);

    hdr.type = MV_MSG_REPLY;
    g_autoptr(GBytes) plain = mv_packet_encode(&hdr, NULL, NULL, 0, &err);
    g_assert_cmpuint(g_bytes_get_size(plain), ==, 28);
}

static void
test_type_names(void)
{
    g_assert_cmpstr(mv_message_type_name(MV_MSG_CALL), ==, "call");
    g_assert_cmpstr(mv_message_type_name(MV_MSG_REPLY_WITH_FDS), ==, "reply-with-fds");
    g_assert_cmpstr(mv_message_type_name(MV_MSG_STREAM_HOLE), ==, "stream-hole");
    g_assert_cmpstr(mv_message_type_name(7), ==, "unknown");
    g_assert_cmpstr(mv_message_type_name(-1), ==, "unknown");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < proto_ncases; i++) {
        g_autofree char *path = g_strdup_printf("/message/golden/%s", proto_cases[i].name);
        g_test_add_data_func(path, &proto_cases[i], test_golden_case);
    }
    g_test_add_func("/message/decode/node-get-info", test_decode_node_info);
    g_test_add_func("/message/decode/typed-params", test_decode_typed_params);
    g_test_add_func("/message/decode/list-all-domains", test_decode_domains);
    g_test_add_func("/message/decode/error", test_decode_error);
    g_test_add_func("/message/error/fallbacks", test_error_fallbacks);
    g_test_add_func("/message/encode/limits", test_encode_limits);
    g_test_add_func("/message/encode/fd-count-word", test_fd_count_word);
    g_test_add_func("/message/type-names", test_type_names);
    return g_test_run();
}
