// SPDX-License-Identifier: LGPL-2.1-or-later
// Streams and the calls that attach them (the domain console).  The object, its
// references and the opening call are here; carrying data needs the RPC client to route
// STREAM packets by serial, which it does not do yet, so an attached stream is refused
// right after the daemon accepts it (see virDomainOpenConsole).

#include "client-private.h"
#include "util/util-error.h"

static bool
stream_valid(virStreamPtr st)
{
    return st && st->magic == MV_CLIENT_STREAM_MAGIC;
}

/* Start of a public entry point taking a stream. */
static bool
stream_enter(virStreamPtr st, const char *func, GError **error)
{
    mv_client_error_reset();
    if (!stream_valid(st)) {
        mv_error_set(error, MV_FROM_STREAMS, VIR_ERR_INVALID_STREAM, "invalid stream pointer in %s", func);
        return false;
    }
    return true;
}

static void
stream_report(virStreamPtr st, const GError *error)
{
    mv_client_report(stream_valid(st) ? st->conn : NULL, error);
}

virStreamPtr
virStreamNew(virConnectPtr conn, unsigned int flags)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    virStreamPtr st = g_new0(virStream, 1);
    st->magic = MV_CLIENT_STREAM_MAGIC;
    st->refs = 1;
    mv_client_conn_ref(conn);
    st->conn = conn;
    st->flags = flags;
    return st;
}

int
virStreamRef(virStreamPtr st)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error)) {
        stream_report(st, error);
        return -1;
    }
    g_atomic_int_inc(&st->refs);
    return 0;
}

int
virStreamFree(virStreamPtr st)
{
    g_autoptr(GError) error = NULL;

    if (!stream_enter(st, G_STRFUNC, &error)) {
        stream_report(st, error);
        return -1;
    }
    if (!g_atomic_int_dec_and_test(&st->refs))
        return 0;
    st->magic = 0;
    mv_client_conn_unref(st->conn);
    g_free(st);
    return 0;
}

/* Finish and Abort: no stream is ever left attached yet (see the file comment), so both
 * only have an unattached stream to refuse. */
static int
end_stream(virStreamPtr st, const char *func)
{
    g_autoptr(GError) error = NULL;

    if (stream_enter(st, func, &error))
        mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_OPERATION_INVALID, "stream is not open");
    stream_report(st, error);
    return -1;
}

int
virStreamFinish(virStreamPtr st)
{
    return end_stream(st, G_STRFUNC);
}

int
virStreamAbort(virStreamPtr st)
{
    return end_stream(st, G_STRFUNC);
}

int
virDomainOpenConsole(virDomainPtr dom, const char *dev_name, virStreamPtr st, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    char *name = (char *)dev_name;
    remote_domain_open_console_args args = { .dev_name = dev_name ? &name : NULL, .flags = flags };

    if (!mv_client_domain_enter(dom, G_STRFUNC, &error) ||
        !mv_client_check_writable(dom->conn, G_STRFUNC, &error)) {
        mv_client_domain_report(dom, error);
        return -1;
    }
    if (!stream_valid(st) || st->conn != dom->conn) {
        mv_client_invalid_arg(&error, "stream in %s must match connection", G_STRFUNC);
        mv_client_domain_report(dom, error);
        return -1;
    }
    mv_client_domain_to_wire(dom, &args.dom);
    /* A daemon without consoles answers "unknown procedure": VIR_ERR_NO_SUPPORT with the
     * daemon's text, which is what virsh shows. */
    if (!mv_client_call(dom->conn, REMOTE_PROC_DOMAIN_OPEN_CONSOLE,
                        (xdrproc_t)xdr_remote_domain_open_console_args, &args, NULL, NULL, &error)) {
        mv_client_domain_report(dom, error);
        return -1;
    }
    /* The daemon attached the console; its data would arrive as STREAM packets, which the
     * RPC client drops.  Refuse rather than hand out a stream that never delivers; the
     * daemon releases the console when the connection closes. */
    mv_error_set(&error, MV_FROM_STREAMS, MV_ERR_NO_SUPPORT,
                 "console streams of domain '%s' cannot be carried by libmodvirt yet", dom->name);
    mv_client_domain_report(dom, error);
    return -1;
}
