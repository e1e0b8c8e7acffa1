// SPDX-License-Identifier: LGPL-2.1-or-later
// GError <-> libvirt error numbers, and the generic message prefix of each code.

#include "util/util-error.h"

#include <string.h>

static GQuark quarks[MV_FROM_LAST];

GQuark
mv_error_quark(int from)
{
    if (from < 0 || from >= MV_FROM_LAST)
        from = MV_FROM_NONE;
    if (G_UNLIKELY(!quarks[from])) {
        g_autofree char *name = g_strdup_printf("modvirt-error-from-%d", from);
        /* Racing threads compute the same quark; writing it twice is harmless. */
        quarks[from] = g_quark_from_string(name);
    }
    return quarks[from];
}

/* The text clients print before the detail, per code.  A NULL entry means the detail
 * stands alone (system errors carry their own text; "unknown procedure" must start the
 * message for clients to recognise it). */
static const char *
code_prefix(int code)
{
    switch (code) {
    case MV_ERR_INTERNAL_ERROR: return "internal error";
    case MV_ERR_NO_SUPPORT: return "this function is not supported by the connection driver";
    case MV_ERR_NO_CONNECT: return "no connection driver available";
    case MV_ERR_INVALID_ARG: return "invalid argument";
    case MV_ERR_OPERATION_FAILED: return "operation failed";
    case MV_ERR_XML_ERROR: return "XML error";
    case MV_ERR_OPERATION_DENIED: return "operation forbidden";
    case MV_ERR_CONF_SYNTAX: return "configuration file syntax error";
    case MV_ERR_NO_DOMAIN: return "Domain not found";
    case MV_ERR_NO_NETWORK: return "Network not found";
    case MV_ERR_AUTH_FAILED: return "authentication failed";
    case MV_ERR_NO_STORAGE_POOL: return "Storage pool not found";
    case MV_ERR_NO_STORAGE_VOL: return "Storage volume not found";
    case MV_ERR_OPERATION_INVALID: return "Requested operation is not valid";
    case MV_ERR_CONFIG_UNSUPPORTED: return "unsupported configuration";
    case MV_ERR_OPERATION_TIMEOUT: return "Timed out during operation";
    case MV_ERR_ARGUMENT_UNSUPPORTED: return "argument unsupported";
    case MV_ERR_OPERATION_ABORTED: return "operation aborted";
    case MV_ERR_OPERATION_UNSUPPORTED: return "Operation not supported";
    case MV_ERR_ACCESS_DENIED: return "access denied";
    default: return NULL;
    }
}

void
mv_error_set_literal(GError **error, int from, int code, const char *message)
{
    g_set_error_literal(error, mv_error_quark(from), code, message ? message : "unknown error");
}

static void
set_va(GError **error, int from, int code, const char *fmt, va_list ap)
{
    if (!error)
        return;
    g_autofree char *detail = g_strdup_vprintf(fmt, ap);
    const char *prefix = code_prefix(code);
    if (prefix) {
        g_autofree char *msg = g_strdup_printf("%s: %s", prefix, detail);
        mv_error_set_literal(error, from, code, msg);
    } else {
        mv_error_set_literal(error, from, code, detail);
    }
}

bool
mv_error_fail(GError **error, int from, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_va(error, from, code, fmt, ap);
    va_end(ap);
    return false;
}

void
mv_error_set(GError **error, int from, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_va(error, from, code, fmt, ap);
    va_end(ap);
}

void
mv_error_set_errno(GError **error, int from, int errnum, const char *fmt, ...)
{
    if (!error)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *msg = g_strdup_printf("%s: %s", detail, g_strerror(errnum));
    mv_error_set_literal(error, from, MV_ERR_SYSTEM_ERROR, msg);
}

void
mv_error_info(const GError *err, int *ret_from, int *ret_code)
{
    *ret_from = MV_FROM_NONE;
    *ret_code = MV_ERR_INTERNAL_ERROR;
    if (!err)
        return;
    for (int i = 0; i < MV_FROM_LAST; i++) {
        if (quarks[i] && quarks[i] == err->domain) {
            *ret_from = i;
            *ret_code = err->code;
            return;
        }
    }
}

bool
mv_error_is(const GError *err, int code)
{
    int from, c;
    if (!err)
        return false;
    mv_error_info(err, &from, &c);
    return c == code && err->domain == mv_error_quark(from);
}

bool
mv_flags_check(unsigned flags, unsigned supported, int from, const char *function, GError **error)
{
    if (flags & ~supported) {
        mv_error_set(error, from, MV_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                     flags & ~supported, function);
        return false;
    }
    return true;
}
