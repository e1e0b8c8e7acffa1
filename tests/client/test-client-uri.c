// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit tests of connection URIs: parsing, the transport they ask for, the name sent in
// CONNECT_OPEN, and the socket chosen under a root (with a fake filesystem).

#include "client-uri.h"
#include "util/util-error.h"

#include <string.h>

typedef struct {
    const char *uri;
    const char *driver;
    const char *transport;
    const char *user;
    const char *host;
    int port;
    const char *path;
    MvTransport effective;
    const char *open_name;
} ParseCase;

static const ParseCase parse_cases[] = {
    { "qemu:///system", "qemu", NULL, NULL, NULL, -1, "/system", MV_TRANSPORT_UNIX, "qemu:///system" },
    { "qemu+unix:///system?socket=/tmp/a%20b/virtqemud-sock", "qemu", "unix", NULL, NULL, -1,
      "/system", MV_TRANSPORT_UNIX, "qemu:///system" },
    { "qemu+unix:///system?socket=/r/sock&mode=direct&foo=bar", "qemu", "unix", NULL, NULL, -1,
      "/system", MV_TRANSPORT_UNIX, "qemu:///system?foo=bar" },
    { "qemu+tcp://admin@host.example:1234/system?socket=/s&x=1", "qemu", "tcp", "admin",
      "host.example", 1234, "/system", MV_TRANSPORT_TCP, "qemu:///system?x=1" },
    { "qemu+tcp://[::1]/system", "qemu", "tcp", NULL, "::1", -1, "/system", MV_TRANSPORT_TCP,
      "qemu:///system" },
    { "qemu://virt.example/system", "qemu", NULL, NULL, "virt.example", -1, "/system",
      MV_TRANSPORT_TLS, "qemu:///system" },
    { "lxc:///system", "lxc", NULL, NULL, NULL, -1, "/system", MV_TRANSPORT_UNIX, "lxc:///system" },
    { "network:///system", "network", NULL, NULL, NULL, -1, "/system", MV_TRANSPORT_UNIX,
      "network:///system" },
    { "storage+ssh://root@h/system", "storage", "ssh", "root", "h", -1, "/system",
      MV_TRANSPORT_SSH, "storage:///system" },
    { "remote:///", "remote", NULL, NULL, NULL, -1, "/", MV_TRANSPORT_UNIX, "" },
    { "QEMU+UNIX:///system", "qemu", "unix", NULL, NULL, -1, "/system", MV_TRANSPORT_UNIX,
      "qemu:///system" },
    { "qemu+unix:///system?name=qemu:///session&socket=/s", "qemu", "unix", NULL, NULL, -1,
      "/system", MV_TRANSPORT_UNIX, "qemu:///session" },
    { "test:///default", "test", NULL, NULL, NULL, -1, "/default", MV_TRANSPORT_UNIX,
      "test:///default" },
};

static void
test_parse(gconstpointer data)
{
    const ParseCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(MvClientUri) u = mv_client_uri_parse(c->uri, &error);
    MvTransport t;

    g_assert_no_error(error);
    g_assert_nonnull(u);
    g_assert_cmpstr(u->driver, ==, c->driver);
    g_assert_cmpstr(u->transport, ==, c->transport);
    g_assert_cmpstr(u->user, ==, c->user);
    g_assert_cmpstr(u->host, ==, c->host);
    g_assert_cmpint(u->port, ==, c->port);
    g_assert_cmpstr(u->path, ==, c->path);
    g_assert_true(mv_client_uri_transport(u, &t, &error));
    g_assert_no_error(error);
    g_assert_cmpint(t, ==, c->effective);
    g_autofree char *name = mv_client_uri_open_name(u);
    g_assert_cmpstr(name, ==, c->open_name);
}

static void
test_params(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MvClientUri) u = mv_client_uri_parse(
        "qemu+unix:///system?socket=/tmp/a%20b/sock;mode=legacy&flag&socket=/second", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(u->params->len, ==, 4);
    /* The last occurrence wins, and values are unescaped. */
    g_assert_cmpstr(mv_client_uri_param(u, "socket"), ==, "/second");
    g_assert_cmpstr(mv_client_uri_param(u, "mode"), ==, "legacy");
    g_assert_cmpstr(mv_client_uri_param(u, "flag"), ==, "");
    g_assert_null(mv_client_uri_param(u, "absent"));
    const MvUriParam *p = u->params->pdata[0];
    g_assert_cmpstr(p->value, ==, "/tmp/a b/sock");
}

static void
test_bad_uris(void)
{
    static const struct {
        const char *uri;
        int code;
    } cases[] = {
        { "/x/", MV_ERR_NO_CONNECT },
        { "", MV_ERR_NO_CONNECT },
        { "qemu", MV_ERR_NO_CONNECT },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MvClientUri) u = mv_client_uri_parse(cases[i].uri, &error);
        g_assert_null(u);
        g_assert_true(mv_error_is(error, cases[i].code));
        g_assert_nonnull(strstr(error->message, "no connection driver available"));
    }

    g_autoptr(GError) error = NULL;
    g_autoptr(MvClientUri) u = mv_client_uri_parse("qemu+bogus:///system", &error);
    MvTransport t;
    g_assert_no_error(error);
    g_assert_false(mv_client_uri_transport(u, &t, &error));
    g_assert_true(mv_error_is(error, MV_ERR_INVALID_ARG));
    g_assert_nonnull(strstr(error->message, "'bogus'"));
}

/* ---- socket choice ---- */

static bool
fake_exists(const char *path, void *data)
{
    return g_hash_table_contains(data, path);
}

typedef struct {
    const char *uri;      /* NULL: no URI, probe */
    const char *root;
    bool readonly;
    const char *existing; /* space-separated paths that exist */
    const char *expect;   /* NULL: expect an error */
} SocketCase;

static const SocketCase socket_cases[] = {
    /* socket= wins, even when it does not exist */
    { "qemu+unix:///system?socket=/elsewhere/sock", "/r", false, "/r/run/libvirt/virtqemud-sock",
      "/elsewhere/sock" },
    /* direct socket first, read-only variant for read-only connections */
    { "qemu:///system", "/r", false, "/r/run/libvirt/virtqemud-sock /r/run/libvirt/libvirt-sock",
      "/r/run/libvirt/virtqemud-sock" },
    { "qemu:///system", "/r", true, "/r/run/libvirt/virtqemud-sock-ro /r/run/libvirt/libvirt-sock-ro",
      "/r/run/libvirt/virtqemud-sock-ro" },
    /* then the legacy socket of a proxy or libvirtd */
    { "qemu:///system", "/r", false, "/r/run/libvirt/libvirt-sock", "/r/run/libvirt/libvirt-sock" },
    { "qemu:///system", "/r", true, "/r/run/libvirt/libvirt-sock-ro", "/r/run/libvirt/libvirt-sock-ro" },
    /* nothing there: the driver's own daemon, so the error names it */
    { "qemu:///system", "/r", false, "", "/r/run/libvirt/virtqemud-sock" },
    { "qemu:///system", "", false, "", "/run/libvirt/virtqemud-sock" },
    { "qemu:///system", NULL, true, "", "/run/libvirt/virtqemud-sock-ro" },
    /* modes */
    { "qemu:///system?mode=legacy", "/r", false, "/r/run/libvirt/virtqemud-sock",
      "/r/run/libvirt/libvirt-sock" },
    { "qemu:///system?mode=direct", "/r", false, "/r/run/libvirt/libvirt-sock",
      "/r/run/libvirt/virtqemud-sock" },
    { "qemu:///system?mode=auto", "/r", false, "/r/run/libvirt/libvirt-sock",
      "/r/run/libvirt/libvirt-sock" },
    { "qemu:///system?mode=sideways", "/r", false, "", NULL },
    /* every driver daemon */
    { "lxc:///system", "/r", false, "", "/r/run/libvirt/virtlxcd-sock" },
    { "xen:///system", "/r", false, "", "/r/run/libvirt/virtxend-sock" },
    { "bhyve:///system", "/r", false, "", "/r/run/libvirt/virtbhyved-sock" },
    { "network:///system", "/r", false, "", "/r/run/libvirt/virtnetworkd-sock" },
    { "storage:///system", "/r", true, "", "/r/run/libvirt/virtstoraged-sock-ro" },
    /* drivers without a daemon of their own go to the proxy */
    { "remote:///system", "/r", false, "", "/r/run/libvirt/libvirt-sock" },
    { "frobnicate:///system", "/r", false, "/r/run/libvirt/virtqemud-sock",
      "/r/run/libvirt/libvirt-sock" },
    /* no URI: probe xen, qemu, lxc, bhyve, then the legacy socket */
    { NULL, "/r", false, "/r/run/libvirt/virtlxcd-sock /r/run/libvirt/virtqemud-sock",
      "/r/run/libvirt/virtqemud-sock" },
    { NULL, "/r", false, "/r/run/libvirt/virtbhyved-sock /r/run/libvirt/virtxend-sock",
      "/r/run/libvirt/virtxend-sock" },
    { NULL, "/r", false, "/r/run/libvirt/virtlxcd-sock", "/r/run/libvirt/virtlxcd-sock" },
    { NULL, "/r", true, "/r/run/libvirt/virtqemud-sock", "/r/run/libvirt/libvirt-sock-ro" },
    { NULL, "/r", true, "/r/run/libvirt/virtqemud-sock-ro", "/r/run/libvirt/virtqemud-sock-ro" },
    { NULL, "", false, "", "/run/libvirt/libvirt-sock" },
};

static void
test_socket(gconstpointer data)
{
    const SocketCase *c = data;
    g_autoptr(GHashTable) fs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_auto(GStrv) paths = g_strsplit(c->existing, " ", -1);
    g_autoptr(GError) error = NULL;
    g_autoptr(MvClientUri) u = NULL;

    for (int i = 0; paths[i]; i++) {
        if (*paths[i])
            g_hash_table_add(fs, g_strdup(paths[i]));
    }
    if (c->uri) {
        u = mv_client_uri_parse(c->uri, &error);
        g_assert_no_error(error);
    }
    g_autofree char *path = mv_client_socket_choose(u, c->root, c->readonly, fake_exists, fs, &error);
    if (c->expect) {
        g_assert_no_error(error);
        g_assert_cmpstr(path, ==, c->expect);
    } else {
        g_assert_null(path);
        g_assert_true(mv_error_is(error, MV_ERR_INVALID_ARG));
        g_assert_nonnull(strstr(error->message, "sideways"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
        g_autofree char *name = g_strdup_printf("/client/uri/parse/%zu", i);
        g_test_add_data_func(name, &parse_cases[i], test_parse);
    }
    g_test_add_func("/client/uri/params", test_params);
    g_test_add_func("/client/uri/bad", test_bad_uris);
    for (size_t i = 0; i < G_N_ELEMENTS(socket_cases); i++) {
        g_autofree char *name = g_strdup_printf("/client/socket/%zu", i);
        g_test_add_data_func(name, &socket_cases[i], test_socket);
    }
    return g_test_run();
}
