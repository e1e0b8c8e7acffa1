// SPDX-License-Identifier: LGPL-2.1-or-later
// What the domain commands share: resolving a <domain> argument as virsh does (ID, then
// UUID, then name), virsh's words for states and reasons, and the option checks and
// parsers whose error texts scripts may match (exclusive options, scaled sizes, files).

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* virsh reads domain XML files up to this size. */
#define CLI_MAX_XML_FILE (10 * 1024 * 1024)

virDomainPtr
cli_domain_lookup(CliCtl *ctl, const char *name, unsigned by, GError **error)
{
    virDomainPtr dom = NULL;
    gint64 id;

    if ((by & CLI_BY_ID) && g_ascii_string_to_signed(name, 10, 0, G_MAXINT, &id, NULL))
        dom = virDomainLookupByID(ctl->conn, (int)id);
    if (!dom && (by & CLI_BY_UUID) && strlen(name) == VIR_UUID_STRING_BUFLEN - 1)
        dom = virDomainLookupByUUIDString(ctl->conn, name);
    if (!dom && (by & CLI_BY_NAME))
        dom = virDomainLookupByName(ctl->conn, name);
    /* Which form failed and why is noise: virsh says only that the domain was not found. */
    cli_reset_lib_error();
    if (!dom)
        g_set_error(error, cli_error_quark(), 0, "failed to get domain '%s'", name);
    return dom;
}

virDomainPtr
cli_domain_opt(CliCtl *ctl, const CliArgs *args, unsigned by, const char **ret_name, GError **error)
{
    const char *name = cli_args_string(args, "domain");

    if (!name) {
        g_set_error(error, cli_error_quark(), 0, "command '%s' requires <domain> option", args->cmd->name);
        return NULL;
    }
    virDomainPtr dom = cli_domain_lookup(ctl, name, by, error);
    if (dom && ret_name)
        *ret_name = name;
    return dom;
}

void
cli_domain_free(virDomain *dom)
{
    if (!dom)
        return;
    /* Keep an error raised before: virDomainFree starts by clearing the last error. */
    if (cli_lib_error_code() == VIR_ERR_OK && virGetLastError())
        cli_save_lib_error();
    virDomainFree(dom);
}

const char *
cli_domain_state_str(int state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "idle";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "in shutdown";
    case VIR_DOMAIN_SHUTOFF: return "shut off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    case VIR_DOMAIN_NOSTATE:
    default: return "no state";
    }
}

/* virsh's words per reason, indexed by the reason enums of libvirt-domain.h. */
static const char *const running_reasons[VIR_DOMAIN_RUNNING_LAST] = {
    "unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled",
    "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed",
};
static const char *const paused_reasons[VIR_DOMAIN_PAUSED_LAST] = {
    "unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot",
    "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed",
    "api error",
};
static const char *const shutdown_reasons[VIR_DOMAIN_SHUTDOWN_LAST] = { "unknown", "user" };
static const char *const shutoff_reasons[VIR_DOMAIN_SHUTOFF_LAST] = {
    "unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot",
    "daemon",
};
static const char *const crashed_reasons[VIR_DOMAIN_CRASHED_LAST] = { "unknown", "panicked" };

const char *
cli_domain_reason_str(int state, int reason)
{
    const char *const *table = NULL;
    int n = 0;

    switch (state) {
    case VIR_DOMAIN_RUNNING: table = running_reasons; n = VIR_DOMAIN_RUNNING_LAST; break;
    case VIR_DOMAIN_PAUSED: table = paused_reasons; n = VIR_DOMAIN_PAUSED_LAST; break;
    case VIR_DOMAIN_SHUTDOWN: table = shutdown_reasons; n = VIR_DOMAIN_SHUTDOWN_LAST; break;
    case VIR_DOMAIN_SHUTOFF: table = shutoff_reasons; n = VIR_DOMAIN_SHUTOFF_LAST; break;
    case VIR_DOMAIN_CRASHED: table = crashed_reasons; n = VIR_DOMAIN_CRASHED_LAST; break;
    default: break;  /* NOSTATE, BLOCKED, PMSUSPENDED: only "unknown" */
    }
    if (table && reason >= 0 && reason < n)
        return table[reason];
    return "unknown";
}

int
cli_domain_state(virDomainPtr dom, int *ret_reason)
{
    int state, reason = -1;
    virDomainInfo info;

    if (virDomainGetState(dom, &state, &reason, 0) == 0) {
        if (ret_reason)
            *ret_reason = reason;
        return state;
    }
    if (virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
        return -1;
    /* An old daemon: the state without a reason. */
    cli_reset_lib_error();
    if (virDomainGetInfo(dom, &info) < 0)
        return -1;
    if (ret_reason)
        *ret_reason = -1;
    return info.state;
}

bool
cli_args_exclusive(const CliArgs *args, const char *a, const char *b, GError **error)
{
    if (cli_args_string(args, a) && cli_args_string(args, b)) {
        g_set_error(error, cli_error_quark(), 0, "Options --%s and --%s are mutually exclusive", a, b);
        return false;
    }
    return true;
}

bool
cli_args_require(const CliArgs *args, const char *b, const char *a, GError **error)
{
    if (cli_args_string(args, b) && !cli_args_string(args, a)) {
        g_set_error(error, cli_error_quark(), 0, "Option --%s is required by option --%s", a, b);
        return false;
    }
    return true;
}

bool
cli_args_uint(const CliArgs *args, const char *name, unsigned int *ret_value, GError **error)
{
    const char *s = cli_args_string(args, name);
    guint64 n;

    if (!s)
        return true;
    if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT, &n, NULL)) {
        g_set_error(error, cli_error_quark(), 0,
                    "Numeric value '%s' for <%s> option is malformed or out of range", s, name);
        return false;
    }
    *ret_value = (unsigned int)n;
    return true;
}

/* Apply a size suffix as libvirt does: b/B bytes; k, M, G, T, P, E with nothing or "iB"
 * after them powers of 1024, with "B" after them powers of 1000. */
static bool
scale_by_suffix(unsigned long long *value, const char *suffix, unsigned long long scale,
                unsigned long long max)
{
    if (*suffix) {
        unsigned long long base;
        if (g_ascii_tolower(suffix[0]) == 'b' && !suffix[1]) {
            scale = 1;
        } else {
            if (!suffix[1] || g_ascii_strcasecmp(suffix + 1, "iB") == 0) {
                base = 1024;
            } else if (g_ascii_tolower(suffix[1]) == 'b' && !suffix[2]) {
                base = 1000;
            } else {
                cli_set_lib_error(VIR_ERR_INVALID_ARG, "invalid argument: unknown suffix '%s'", suffix);
                return false;
            }
            const char *powers = "kmgtpe";
            const char *p = strchr(powers, g_ascii_tolower(suffix[0]));
            if (!suffix[0] || !p) {
                cli_set_lib_error(VIR_ERR_INVALID_ARG, "invalid argument: unknown suffix '%s'", suffix);
                return false;
            }
            scale = 1;
            for (const char *q = powers; q <= p; q++)
                scale *= base;
        }
    }
    if (*value && *value > max / scale) {
        cli_set_lib_error(VIR_ERR_OVERFLOW, "numerical overflow: value too large: %llu%s", *value, suffix);
        return false;
    }
    *value *= scale;
    return true;
}

bool
cli_args_scaled(const CliArgs *args, const char *name, unsigned long long scale, unsigned long long max,
                unsigned long long *ret_bytes, GError **error)
{
    const char *s = cli_args_string(args, name);
    unsigned long long value;
    char *end;

    if (!s)
        return true;
    errno = 0;
    value = g_ascii_strtoull(s, &end, 10);
    /* Negative numbers are refused, not wrapped, as virStrToLong_ullp does. */
    if (end == s || errno != 0 || strchr(s, '-') || !scale_by_suffix(&value, end, scale, max)) {
        g_set_error(error, cli_error_quark(), 0,
                    "Scaled numeric value '%s' for <%s> option is malformed or out of range", s, name);
        return false;
    }
    *ret_bytes = value;
    return true;
}

char *
cli_read_file(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to open file '%s': %s", path, g_strerror(errno));
        return NULL;
    }
    g_autoptr(GString) buf = g_string_new(NULL);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            g_set_error(error, cli_error_quark(), 0, "Failed to read file '%s': %s", path, g_strerror(e));
            return NULL;
        }
        if (n == 0)
            break;
        if (buf->len + (size_t)n > CLI_MAX_XML_FILE) {
            close(fd);
            g_set_error(error, cli_error_quark(), 0, "Failed to read file '%s': %s", path, g_strerror(EFBIG));
            return NULL;
        }
        g_string_append_len(buf, chunk, n);
    }
    close(fd);
    return g_string_free(g_steal_pointer(&buf), FALSE);
}
