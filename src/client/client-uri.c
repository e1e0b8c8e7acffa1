// SPDX-License-Identifier: LGPL-2.1-or-later
// Parsing connection URIs, naming the connection for CONNECT_OPEN and choosing the unix
// socket to dial.  The rules follow what libvirt 9.0 clients do (protocol-facts §7.2).

#include "client-uri.h"
#include "util/util-error.h"

#include <string.h>

/* Parameters the client consumes itself; they never reach the daemon in CONNECT_OPEN. */
static const char *const client_params[] = {
    "name", "command", "socket", "auth", "netcat", "keyfile", "no_sanity", "no_verify",
    "no_tty", "pkipath", "known_hosts", "known_hosts_verify", "sshauth", "mode", "proxy",
    "tls_priority", NULL,
};

static const char *const transport_names[MV_TRANSPORT_LAST] = {
    [MV_TRANSPORT_UNIX] = "unix",
    [MV_TRANSPORT_TCP] = "tcp",
    [MV_TRANSPORT_TLS] = "tls",
    [MV_TRANSPORT_SSH] = "ssh",
    [MV_TRANSPORT_LIBSSH] = "libssh",
    [MV_TRANSPORT_LIBSSH2] = "libssh2",
    [MV_TRANSPORT_EXT] = "ext",
};

/* URI driver name -> socket prefix of the daemon that owns it. */
static const struct {
    const char *driver;
    const char *prefix;
} daemons[] = {
    { "qemu", "virtqemud" },
    { "lxc", "virtlxcd" },
    { "xen", "virtxend" },
    { "libxl", "virtxend" },
    { "bhyve", "virtbhyved" },
    { "vbox", "virtvboxd" },
    { "vz", "virtvzd" },
    { "ch", "virtchd" },
    { "network", "virtnetworkd" },
    { "storage", "virtstoraged" },
    { "secret", "virtsecretd" },
    { "nodedev", "virtnodedevd" },
    { "interface", "virtinterfaced" },
    { "nwfilter", "virtnwfilterd" },
};

/* The order libvirt probes hypervisor daemons in when the client names no URI. */
static const char *const probe_order[] = { "xen", "qemu", "lxc", "bhyve", NULL };

static void
param_free(gpointer p)
{
    MvUriParam *param = p;
    g_free(param->name);
    g_free(param->value);
    g_free(param);
}

void
mv_client_uri_free(MvClientUri *u)
{
    if (!u)
        return;
    g_free(u->driver);
    g_free(u->transport);
    g_free(u->user);
    g_free(u->host);
    g_free(u->path);
    if (u->params)
        g_ptr_array_unref(u->params);
    g_free(u);
}

/* Unescape %XX sequences; text with a broken escape is kept as written. */
static char *
unescape(const char *s, gssize len)
{
    char *out = g_uri_unescape_segment(s, s + len, NULL);
    return out ? out : g_strndup(s, len);
}

static void
parse_params(GPtrArray *params, const char *query)
{
    const char *p = query;
    while (*p) {
        size_t seg = strcspn(p, "&;");
        if (seg > 0) {
            const char *eq = memchr(p, '=', seg);
            MvUriParam *param = g_new0(MvUriParam, 1);
            if (eq) {
                param->name = unescape(p, eq - p);
                param->value = unescape(eq + 1, p + seg - eq - 1);
            } else {
                param->name = unescape(p, seg);
                param->value = g_strdup("");
            }
            g_ptr_array_add(params, param);
        }
        p += seg;
        if (*p)
            p++;
    }
}

MvClientUri *
mv_client_uri_parse(const char *uri, GError **error)
{
    g_autofree char *scheme = NULL;
    g_autofree char *userinfo = NULL;
    g_autofree char *host = NULL;
    g_autofree char *path = NULL;
    g_autofree char *query = NULL;
    int port = -1;
    g_autoptr(GError) local = NULL;

    if (!g_uri_split(uri, G_URI_FLAGS_PARSE_RELAXED | G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_NON_DNS,
                     &scheme, &userinfo, &host, &port, &path, &query, NULL, &local)) {
        mv_error_set(error, MV_FROM_URI, MV_ERR_INVALID_ARG, "unable to parse URI '%s': %s",
                     uri, local->message);
        return NULL;
    }
    if (!scheme || !*scheme) {
        g_autofree char *msg = g_strdup_printf("no connection driver available for URI '%s': it "
                                               "does not name a driver (like 'qemu:///system')", uri);
        mv_error_set_literal(error, MV_FROM_NONE, MV_ERR_NO_CONNECT, msg);
        return NULL;
    }

    g_autoptr(MvClientUri) u = g_new0(MvClientUri, 1);
    const char *plus = strchr(scheme, '+');
    if (plus) {
        u->driver = g_ascii_strdown(scheme, plus - scheme);
        u->transport = g_ascii_strdown(plus + 1, -1);
    } else {
        u->driver = g_ascii_strdown(scheme, -1);
    }
    if (userinfo && *userinfo)
        u->user = g_steal_pointer(&userinfo);
    if (host && *host)
        u->host = g_steal_pointer(&host);
    u->port = port;
    u->path = path ? g_steal_pointer(&path) : g_strdup("");
    u->params = g_ptr_array_new_with_free_func(param_free);
    if (query)
        parse_params(u->params, query);
    return g_steal_pointer(&u);
}

const char *
mv_client_uri_param(const MvClientUri *u, const char *name)
{
    for (guint i = u->params->len; i > 0; i--) {
        const MvUriParam *p = u->params->pdata[i - 1];
        if (g_ascii_strcasecmp(p->name, name) == 0)
            return p->value;
    }
    return NULL;
}

bool
mv_client_uri_transport(const MvClientUri *u, MvTransport *ret_transport, GError **error)
{
    if (!u->transport) {
        *ret_transport = u->host ? MV_TRANSPORT_TLS : MV_TRANSPORT_UNIX;
        return true;
    }
    for (int t = 0; t < MV_TRANSPORT_LAST; t++) {
        if (strcmp(u->transport, transport_names[t]) == 0) {
            *ret_transport = t;
            return true;
        }
    }
    mv_error_set(error, MV_FROM_REMOTE, MV_ERR_INVALID_ARG,
                 "transport '%s' in URI not recognised (should be unix, tcp, tls, ssh, libssh, "
                 "libssh2 or ext)", u->transport);
    return false;
}

static bool
is_client_param(const char *name)
{
    for (int i = 0; client_params[i]; i++) {
        if (g_ascii_strcasecmp(name, client_params[i]) == 0)
            return true;
    }
    return false;
}

char *
mv_client_uri_open_name(const MvClientUri *u)
{
    const char *name = mv_client_uri_param(u, "name");
    if (name)
        return g_strdup(name);
    if (strcmp(u->driver, "remote") == 0)
        return g_strdup("");

    g_autofree char *path = g_uri_escape_string(u->path, G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "%s://%s", u->driver, path);
    char sep = '?';
    for (guint i = 0; i < u->params->len; i++) {
        const MvUriParam *p = u->params->pdata[i];
        if (is_client_param(p->name))
            continue;
        g_autofree char *k = g_uri_escape_string(p->name, NULL, FALSE);
        g_autofree char *v = g_uri_escape_string(p->value, "/:", FALSE);
        g_string_append_printf(s, "%c%s=%s", sep, k, v);
        sep = '&';
    }
    return g_string_free(s, FALSE);
}

const char *
mv_client_socket_prefix(const char *driver)
{
    for (size_t i = 0; i < G_N_ELEMENTS(daemons); i++) {
        if (strcmp(daemons[i].driver, driver) == 0)
            return daemons[i].prefix;
    }
    return NULL;
}

static char *
socket_path(const char *root, const char *prefix, bool readonly)
{
    g_autofree char *file = g_strconcat(prefix, readonly ? "-sock-ro" : "-sock", NULL);
    return g_build_filename(root && *root ? root : "/", "run", "libvirt", file, NULL);
}

char *
mv_client_socket_choose(const MvClientUri *u, const char *root, bool readonly,
                        MvPathExistsFunc exists, void *exists_data, GError **error)
{
    if (u) {
        const char *sock = mv_client_uri_param(u, "socket");
        if (sock && *sock)
            return g_strdup(sock);
    }

    g_autofree char *legacy = socket_path(root, "libvirt", readonly);
    if (!u) {
        for (int i = 0; probe_order[i]; i++) {
            g_autofree char *direct = socket_path(root, mv_client_socket_prefix(probe_order[i]), readonly);
            if (exists(direct, exists_data))
                return g_steal_pointer(&direct);
        }
        return g_steal_pointer(&legacy);
    }

    const char *mode = mv_client_uri_param(u, "mode");
    if (mode && strcmp(mode, "auto") != 0 && strcmp(mode, "direct") != 0 && strcmp(mode, "legacy") != 0) {
        mv_error_set(error, MV_FROM_REMOTE, MV_ERR_INVALID_ARG,
                     "unknown remote mode '%s' (should be auto, direct or legacy)", mode);
        return NULL;
    }
    const char *prefix = mv_client_socket_prefix(u->driver);
    if (!prefix || (mode && strcmp(mode, "legacy") == 0))
        return g_steal_pointer(&legacy);

    g_autofree char *direct = socket_path(root, prefix, readonly);
    if (mode && strcmp(mode, "direct") == 0)
        return g_steal_pointer(&direct);
    if (!exists(direct, exists_data) && exists(legacy, exists_data))
        return g_steal_pointer(&legacy);
    return g_steal_pointer(&direct);
}
