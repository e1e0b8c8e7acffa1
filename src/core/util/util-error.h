// SPDX-License-Identifier: LGPL-2.1-or-later
// Errors as GError, numbered as libvirt numbers them: the GError domain carries libvirt's
// error domain ("from") and the GError code carries libvirt's error code, so one GError maps
// straight to the wire error body.  Logging errors is left to the boundaries.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* libvirt's virErrorDomain values we raise; the numbers cross the wire. */
typedef enum {
    MV_FROM_NONE = 0,
    MV_FROM_DOM = 6,
    MV_FROM_RPC = 7,
    MV_FROM_CONF = 9,
    MV_FROM_QEMU = 10,
    MV_FROM_NET = 11,
    MV_FROM_REMOTE = 13,
    MV_FROM_LXC = 17,
    MV_FROM_STORAGE = 18,
    MV_FROM_NETWORK = 19,
    MV_FROM_DOMAIN = 20,
    MV_FROM_SECURITY = 24,
    MV_FROM_STREAMS = 38,
    MV_FROM_CAPABILITIES = 44,
    MV_FROM_URI = 45,
    MV_FROM_AUTH = 46,
    MV_FROM_CGROUP = 54,
    MV_FROM_ACCESS = 55,
    MV_FROM_SYSTEMD = 56,
    MV_FROM_BHYVE = 57,
    MV_FROM_ADMIN = 62,
    MV_FROM_LIBXL = 41,
    MV_FROM_LAST = 73,
} MvErrorFrom;

/* libvirt's virErrorNumber values we raise; append-only, the numbers cross the wire. */
typedef enum {
    MV_ERR_OK = 0,
    MV_ERR_INTERNAL_ERROR = 1,
    MV_ERR_NO_MEMORY = 2,
    MV_ERR_NO_SUPPORT = 3,
    MV_ERR_UNKNOWN_HOST = 4,
    MV_ERR_NO_CONNECT = 5,
    MV_ERR_INVALID_CONN = 6,
    MV_ERR_INVALID_DOMAIN = 7,
    MV_ERR_INVALID_ARG = 8,
    MV_ERR_OPERATION_FAILED = 9,
    MV_ERR_XML_ERROR = 27,
    MV_ERR_DOM_EXIST = 28,
    MV_ERR_OPERATION_DENIED = 29,
    MV_ERR_OPEN_FAILED = 30,
    MV_ERR_READ_FAILED = 31,
    MV_ERR_PARSE_FAILED = 32,
    MV_ERR_CONF_SYNTAX = 33,
    MV_ERR_WRITE_FAILED = 34,
    MV_ERR_XML_DETAIL = 35,
    MV_ERR_SYSTEM_ERROR = 38,
    MV_ERR_RPC = 39,
    MV_ERR_NO_DOMAIN = 42,
    MV_ERR_NO_NETWORK = 43,
    MV_ERR_INVALID_MAC = 44,
    MV_ERR_AUTH_FAILED = 45,
    MV_ERR_NO_STORAGE_POOL = 49,
    MV_ERR_NO_STORAGE_VOL = 50,
    MV_ERR_OPERATION_INVALID = 55,
    MV_ERR_CONFIG_UNSUPPORTED = 67,
    MV_ERR_OPERATION_TIMEOUT = 68,
    MV_ERR_ARGUMENT_UNSUPPORTED = 74,
    MV_ERR_OPERATION_ABORTED = 78,
    MV_ERR_OPERATION_UNSUPPORTED = 84,
    MV_ERR_ACCESS_DENIED = 88,
    MV_ERR_LAST = 111,
} MvErrorCode;

/* GError domain quark standing for libvirt error domain @from. */
GQuark mv_error_quark(int from);

/* Set @error to code @code from @from.  The message is the generic text libvirt's
 * clients expect for @code ("Domain not found: ..."), followed by the formatted detail. */
void mv_error_set(GError **error, int from, int code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* mv_error_set() that returns false, for `return mv_error_fail(...);` in a bool function
 * and for per-file shorthands such as conf's xml_error(). */
bool mv_error_fail(GError **error, int from, int code, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Like mv_error_set with MV_ERR_SYSTEM_ERROR: "<detail>: <strerror(errnum)>". */
void mv_error_set_errno(GError **error, int from, int errnum, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Set @error with the message taken verbatim (used for errors received off the wire). */
void mv_error_set_literal(GError **error, int from, int code, const char *message);

/* The libvirt (from, code) pair of @err; a GError that is not ours maps to
 * (MV_FROM_NONE, MV_ERR_INTERNAL_ERROR). */
void mv_error_info(const GError *err, int *ret_from, int *ret_code);

/* True if @err is ours with error code @code. */
bool mv_error_is(const GError *err, int code);

/* libvirt's flags check: true if @flags has no bit outside @supported; otherwise false with
 * MV_ERR_INVALID_ARG from @from, "unsupported flags (0x<bits>) in function <function>". */
bool mv_flags_check(unsigned flags, unsigned supported, int from, const char *function, GError **error);
