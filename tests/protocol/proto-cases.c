// SPDX-License-Identifier: LGPL-2.1-or-later
// The golden cases: for each, the header and the body as our rpcgen structs hold it.
// The expected bytes live in data/<name>.hex, derived field by field from the protocol
// facts (not from our encoder); these builders must describe the same values.

#include "proto-test.h"
#include "util/util-error.h"
#include "remote.h"
#include "admin.h"
#include "qemu.h"
#include "lxc.h"

#include <errno.h>
#include <string.h>

static const guint8 uuid_vm1[16] = { 0x6d, 0x76, 0xd0, 0xc5, 0x4e, 0x12, 0x8a, 0x2b,
                                     0xb3, 0xc1, 0x05, 0xa7, 0xe2, 0xd4, 0xf0, 0x09 };
static const guint8 uuid_two[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

static void
set_dom(remote_nonnull_domain *d, const char *name, const guint8 *uuid, int id)
{
    d->name = g_strdup(name);
    memcpy(d->uuid, uuid, 16);
    d->id = id;
}

static remote_string
opt_str(const char *s)
{
    remote_string r = g_new(char *, 1);
    *r = g_strdup(s);
    return r;
}

static void
fill_connect_open(void *body)
{
    remote_connect_open_args *a = body;
    a->name = opt_str("qemu:///system");
    a->flags = 0;
}

static void
fill_connect_open_null(void *body)
{
    remote_connect_open_args *a = body;
    a->name = NULL;
    a->flags = 1;
}

static void
fill_auth_list(void *body)
{
    remote_auth_list_ret *r = body;
    r->types.types_len = 1;
    r->types.types_val = g_new0(remote_auth_type, 1);
    r->types.types_val[0] = REMOTE_AUTH_NONE;
}

static void
fill_supports_feature(void *body)
{
    ((remote_connect_supports_feature_args *)body)->feature = 10;
}

static void
fill_supports_feature_ret(void *body)
{
    ((remote_connect_supports_feature_ret *)body)->supported = 1;
}

/* CONNECT_DOMAIN_XML_FROM_NATIVE: format, configuration, flags. */
static void
fill_xml_from_native(void *body)
{
    remote_connect_domain_xml_from_native_args *a = body;
    a->nativeFormat = g_strdup("xen-xl");
    a->nativeConfig = g_strdup("name=\"a\"");
    a->flags = 0;
}

static void
fill_xml_from_native_ret(void *body)
{
    ((remote_connect_domain_xml_from_native_ret *)body)->domainXml = g_strdup("<domain/>");
}

static void
fill_node_get_info(void *body)
{
    remote_node_get_info_ret *r = body;
    memset(r->model, 0, sizeof(r->model));
    strcpy(r->model, "x86_64");
    r->memory = 16318148;
    r->cpus = 8;
    r->mhz = 2400;
    r->nodes = 1;
    r->sockets = 1;
    r->cores = 4;
    r->threads = 2;
}

static void
fill_lib_version(void *body)
{
    ((remote_connect_get_lib_version_ret *)body)->lib_ver = 9000000;
}

static void
fill_domain_get_info(void *body)
{
    remote_domain_get_info_ret *r = body;
    r->state = 1;
    r->maxMem = 2097152;
    r->memory = 1048576;
    r->nrVirtCpu = 2;
    r->cpuTime = 1234567890123ULL;
}

static void
fill_list_all_domains(void *body)
{
    remote_connect_list_all_domains_ret *r = body;
    r->domains.domains_len = 2;
    r->domains.domains_val = g_new0(remote_nonnull_domain, 2);
    set_dom(&r->domains.domains_val[0], "vm1", uuid_vm1, 1);
    set_dom(&r->domains.domains_val[1], "guest-two", uuid_two, -1);
    r->ret = 2;
}

static void
set_param(remote_typed_param *p, const char *field, int type)
{
    p->field = g_strdup(field);
    p->value.type = type;
}

static void
fill_typed_params(void *body)
{
    remote_typed_params_ret *r = body;
    remote_typed_param *p = g_new0(remote_typed_param, 7);

    set_param(&p[0], "int", 1);
    p[0].value.remote_typed_param_value_u.i = -5;
    set_param(&p[1], "uint", 2);
    p[1].value.remote_typed_param_value_u.ui = 4000000000U;
    set_param(&p[2], "llong", 3);
    p[2].value.remote_typed_param_value_u.l = -2;
    set_param(&p[3], "ullong", 4);
    p[3].value.remote_typed_param_value_u.ul = (1ULL << 40) + 1;
    set_param(&p[4], "double", 5);
    p[4].value.remote_typed_param_value_u.d = 1.5;
    set_param(&p[5], "boolean", 6);
    p[5].value.remote_typed_param_value_u.b = 1;
    set_param(&p[6], "string", 7);
    p[6].value.remote_typed_param_value_u.s = g_strdup("vda");
    r->params.params_len = 7;
    r->params.params_val = p;
    r->nparams = 7;
}

static void
fill_all_domain_stats(void *body)
{
    remote_connect_get_all_domain_stats_ret *r = body;
    remote_domain_stats_record *rec = g_new0(remote_domain_stats_record, 1);
    remote_typed_param *p = g_new0(remote_typed_param, 2);

    set_dom(&rec->dom, "vm1", uuid_vm1, 1);
    set_param(&p[0], "state.state", 1);
    p[0].value.remote_typed_param_value_u.i = 1;
    set_param(&p[1], "cpu.time", 4);
    p[1].value.remote_typed_param_value_u.ul = 123456789;
    rec->params.params_len = 2;
    rec->params.params_val = p;
    r->retStats.retStats_len = 1;
    r->retStats.retStats_val = rec;
}

static void
fill_lifecycle(void *body)
{
    remote_domain_event_callback_lifecycle_msg *m = body;
    m->callbackID = 3;
    set_dom(&m->msg.dom, "vm1", uuid_vm1, -1);
    m->msg.event = 5;   /* STOPPED */
    m->msg.detail = 1;  /* DESTROYED */
}

static void
fill_list_servers(void *body)
{
    admin_connect_list_servers_ret *r = body;
    r->servers.servers_len = 2;
    r->servers.servers_val = g_new0(admin_nonnull_server, 2);
    r->servers.servers_val[0].name = g_strdup("virtqemud");
    r->servers.servers_val[1].name = g_strdup("admin");
    r->ret = 2;
}

static void
fill_admin_lib_version(void *body)
{
    ((admin_connect_get_lib_version_ret *)body)->libVer = 9000000;
}

static void
fill_monitor_command(void *body)
{
    qemu_domain_monitor_command_args *a = body;
    set_dom(&a->dom, "vm1", uuid_vm1, 1);
    a->cmd = g_strdup("{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"fd0\"}}");
    a->flags = 0;
}

static GError *
error_no_domain(void)
{
    GError *e = NULL;
    mv_error_set(&e, MV_FROM_QEMU, MV_ERR_NO_DOMAIN, "no domain with matching name '%s'", "vm9");
    return e;
}

static GError *
error_unknown_proc(void)
{
    GError *e = NULL;
    mv_error_set(&e, MV_FROM_RPC, MV_ERR_RPC, "unknown procedure: %d", 999);
    return e;
}

static GError *
error_read_only(void)
{
    GError *e = NULL;
    mv_error_set(&e, MV_FROM_NONE, MV_ERR_OPERATION_DENIED, "read only access prevents %s",
                 "virDomainQemuMonitorCommandWithFiles");
    return e;
}

static GError *
error_stream(void)
{
    GError *e = NULL;
    mv_error_set_errno(&e, MV_FROM_STREAMS, EIO, "cannot read console");
    return e;
}

#define HDR(prog, proc, type, serial, status) \
    { (prog), 1, (proc), (type), (serial), (status) }
#define XDR_CASE(n, h, fds, T, fn) \
    { .name = (n), .enc = PROTO_ENC_XDR, .hdr = h, .nfds = (fds), \
      .proc = (xdrproc_t)xdr_##T, .size = sizeof(T), .fill = (fn) }
#define VOID_CASE(n, h, fds) \
    { .name = (n), .enc = PROTO_ENC_XDR, .hdr = h, .nfds = (fds) }
#define RAW_CASE(n, h, data) \
    { .name = (n), .enc = PROTO_ENC_RAW, .hdr = h, .raw = (data), .raw_len = sizeof(data) - 1 }
#define ERROR_CASE(n, h, fn) \
    { .name = (n), .enc = PROTO_ENC_ERROR, .hdr = h, .make_error = (fn) }

const ProtoCase proto_cases[] = {
    XDR_CASE("call-connect-open", HDR(REMOTE_PROGRAM, 1, MV_MSG_CALL, 2, MV_STATUS_OK), 0,
             remote_connect_open_args, fill_connect_open),
    XDR_CASE("call-connect-open-null", HDR(REMOTE_PROGRAM, 1, MV_MSG_CALL, 0, MV_STATUS_OK), 0,
             remote_connect_open_args, fill_connect_open_null),
    VOID_CASE("call-auth-list", HDR(REMOTE_PROGRAM, 66, MV_MSG_CALL, 0, MV_STATUS_OK), 0),
    XDR_CASE("reply-auth-list", HDR(REMOTE_PROGRAM, 66, MV_MSG_REPLY, 0, MV_STATUS_OK), 0,
             remote_auth_list_ret, fill_auth_list),
    XDR_CASE("call-supports-feature", HDR(REMOTE_PROGRAM, 60, MV_MSG_CALL, 1, MV_STATUS_OK), 0,
             remote_connect_supports_feature_args, fill_supports_feature),
    XDR_CASE("reply-supports-feature", HDR(REMOTE_PROGRAM, 60, MV_MSG_REPLY, 1, MV_STATUS_OK), 0,
             remote_connect_supports_feature_ret, fill_supports_feature_ret),
    XDR_CASE("reply-node-get-info", HDR(REMOTE_PROGRAM, 6, MV_MSG_REPLY, 3, MV_STATUS_OK), 0,
             remote_node_get_info_ret, fill_node_get_info),
    XDR_CASE("reply-get-lib-version", HDR(REMOTE_PROGRAM, 157, MV_MSG_REPLY, 4, MV_STATUS_OK), 0,
             remote_connect_get_lib_version_ret, fill_lib_version),
    XDR_CASE("reply-domain-get-info", HDR(REMOTE_PROGRAM, 16, MV_MSG_REPLY, 5, MV_STATUS_OK), 0,
             remote_domain_get_info_ret, fill_domain_get_info),
    XDR_CASE("call-domain-xml-from-native", HDR(REMOTE_PROGRAM, 135, MV_MSG_CALL, 13, MV_STATUS_OK), 0,
             remote_connect_domain_xml_from_native_args, fill_xml_from_native),
    XDR_CASE("reply-domain-xml-from-native", HDR(REMOTE_PROGRAM, 135, MV_MSG_REPLY, 13, MV_STATUS_OK), 0,
             remote_connect_domain_xml_from_native_ret, fill_xml_from_native_ret),
    XDR_CASE("reply-list-all-domains", HDR(REMOTE_PROGRAM, 273, MV_MSG_REPLY, 6, MV_STATUS_OK), 0,
             remote_connect_list_all_domains_ret, fill_list_all_domains),
    XDR_CASE("reply-typed-params", HDR(REMOTE_PROGRAM, 243, MV_MSG_REPLY, 7, MV_STATUS_OK), 0,
             remote_typed_params_ret, fill_typed_params),
    XDR_CASE("reply-get-all-domain-stats", HDR(REMOTE_PROGRAM, 344, MV_MSG_REPLY, 8, MV_STATUS_OK), 0,
             remote_connect_get_all_domain_stats_ret, fill_all_domain_stats),
    XDR_CASE("msg-event-callback-lifecycle", HDR(REMOTE_PROGRAM, 318, MV_MSG_MESSAGE, 1, MV_STATUS_OK), 0,
             remote_domain_event_callback_lifecycle_msg, fill_lifecycle),
    XDR_CASE("admin-reply-list-servers", HDR(ADMIN_PROGRAM, 4, MV_MSG_REPLY, 1, MV_STATUS_OK), 0,
             admin_connect_list_servers_ret, fill_list_servers),
    XDR_CASE("admin-reply-get-lib-version", HDR(ADMIN_PROGRAM, 3, MV_MSG_REPLY, 2, MV_STATUS_OK), 0,
             admin_connect_get_lib_version_ret, fill_admin_lib_version),
    RAW_CASE("stream-data", HDR(REMOTE_PROGRAM, 201, MV_MSG_STREAM, 7, MV_STATUS_CONTINUE), "hello"),
    RAW_CASE("stream-eof", HDR(REMOTE_PROGRAM, 201, MV_MSG_STREAM, 7, MV_STATUS_CONTINUE), ""),
    /* Our qemu.x has no *_WITH_FILES struct; libvirt's has the same fields as this one. */
    XDR_CASE("call-with-fds", HDR(QEMU_PROGRAM, 7, MV_MSG_CALL_WITH_FDS, 11, MV_STATUS_OK), 1,
             qemu_domain_monitor_command_args, fill_monitor_command),
    VOID_CASE("reply-with-fds", HDR(LXC_PROGRAM, 1, MV_MSG_REPLY_WITH_FDS, 12, MV_STATUS_OK), 3),
    ERROR_CASE("reply-error", HDR(REMOTE_PROGRAM, 23, MV_MSG_CALL, 9, MV_STATUS_OK), error_no_domain),
    ERROR_CASE("reply-error-unknown-proc", HDR(REMOTE_PROGRAM, 999, MV_MSG_CALL, 10, MV_STATUS_OK),
               error_unknown_proc),
    ERROR_CASE("reply-error-fds-call", HDR(QEMU_PROGRAM, 7, MV_MSG_CALL_WITH_FDS, 11, MV_STATUS_OK),
               error_read_only),
    ERROR_CASE("stream-error", HDR(REMOTE_PROGRAM, 201, MV_MSG_STREAM, 7, MV_STATUS_CONTINUE), error_stream),
    VOID_CASE("keepalive-ping", HDR(MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_PROC_PING, MV_MSG_MESSAGE, 0,
                                    MV_STATUS_OK), 0),
    VOID_CASE("keepalive-pong", HDR(MV_KEEPALIVE_PROGRAM, MV_KEEPALIVE_PROC_PONG, MV_MSG_MESSAGE, 0,
                                    MV_STATUS_OK), 0),
};
const size_t proto_ncases = G_N_ELEMENTS(proto_cases);

xdrproc_t
proto_case_decoder(const ProtoCase *pc, size_t *ret_size)
{
    if (pc->enc == PROTO_ENC_ERROR) {
        *ret_size = sizeof(mv_message_error);
        return (xdrproc_t)xdr_mv_message_error;
    }
    *ret_size = pc->size;
    return pc->proc;
}
