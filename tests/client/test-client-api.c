// SPDX-License-Identifier: LGPL-2.1-or-later
// The public API against a real modvirt-qemud (started by with-daemon.py, whose root is in
// $MODVIRT_TEST_ROOT): every connection and node call, read-only sockets, socket choice
// under MODVIRT_ROOT, default-URI probing, reference counting, and "unknown procedure"
// turning into VIR_ERR_NO_SUPPORT.

#include "client-private.h"
#include "util/util-error.h"
#include "remote.h"

#include <string.h>

static const char *root;
static char *uri_rw;
static char *uri_ro;

static void
quiet(void *data, virErrorPtr err)
{
}

/* Fail the test with the library's last error. */
#define assert_api(expr) \
    do { \
        if (!(expr)) \
            g_error("%s failed: %s", #expr, virGetLastErrorMessage()); \
    } while (0)

static virConnectPtr
open_rw(void)
{
    virConnectPtr conn = virConnectOpen(uri_rw);
    assert_api(conn);
    return conn;
}

static void
test_connection(void)
{
    virConnectPtr conn = open_rw();
    unsigned long hv = 0, lib = 0;

    const char *type = virConnectGetType(conn);
    assert_api(type);
    g_assert_cmpstr(type, ==, "QEMU");
    /* Cached: the same string comes back. */
    g_assert_true(virConnectGetType(conn) == type);
    assert_api(virConnectGetVersion(conn, &hv) == 0);
    g_assert_cmpuint(hv, >, 1000000);
    assert_api(virConnectGetLibVersion(conn, &lib) == 0);
    g_assert_cmpuint(lib, >, 0);

    g_autofree char *uri = virConnectGetURI(conn);
    g_assert_cmpstr(uri, ==, uri_rw);
    g_autofree char *host = virConnectGetHostname(conn);
    assert_api(host);
    g_assert_cmpstr(host, !=, "");
    g_autofree char *caps = virConnectGetCapabilities(conn);
    assert_api(caps);
    g_assert_true(g_str_has_prefix(caps, "<capabilities>"));

    g_assert_cmpint(virConnectIsSecure(conn), ==, 1);
    g_assert_cmpint(virConnectIsEncrypted(conn), ==, 0);
    g_assert_cmpint(virConnectIsAlive(conn), ==, 1);
    g_assert_null(virGetLastError());

    /* References: the last close answers 0. */
    g_assert_cmpint(virConnectRef(conn), ==, 0);
    g_assert_cmpint(virConnectRef(conn), ==, 0);
    g_assert_cmpint(virConnectClose(conn), ==, 2);
    g_assert_cmpint(virConnectClose(conn), ==, 1);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
}

static void
test_node(void)
{
    virConnectPtr conn = open_rw();
    virNodeInfo info;
    virSecurityModel sec;
    unsigned long long cells[8];
    unsigned char *map = NULL;
    unsigned int online = 0;

    assert_api(virNodeGetInfo(conn, &info) == 0);
    g_assert_cmpuint(strlen(info.model), >, 0);
    g_assert_cmpuint(info.cpus, >=, 1);
    g_assert_cmpuint(info.nodes, >=, 1);
    g_assert_cmpuint(info.memory, >, 0);
    g_assert_cmpuint(VIR_NODEINFO_MAXCPUS(info), >=, 1);

    unsigned long long free_mem = virNodeGetFreeMemory(conn);
    g_assert_cmpuint(free_mem, >, 0);
    g_assert_cmpuint(free_mem, <=, (unsigned long long)info.memory * 1024);

    int n = virNodeGetCellsFreeMemory(conn, cells, 0, G_N_ELEMENTS(cells));
    assert_api(n >= 1);
    g_assert_cmpint(n, ==, MIN(info.nodes, G_N_ELEMENTS(cells)));
    g_assert_cmpuint(cells[0], >, 0);
    g_assert_cmpint(virNodeGetCellsFreeMemory(conn, cells, 0, 0), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);

    int ncpus = virNodeGetCPUMap(conn, &map, &online, 0);
    assert_api(ncpus >= 1);
    g_assert_cmpuint(online, >=, 1);
    g_assert_cmpuint(online, <=, (unsigned)ncpus);
    unsigned bits = 0;
    for (int i = 0; i < ncpus; i++)
        bits += (map[i / 8] >> (i % 8)) & 1;
    g_assert_cmpuint(bits, ==, online);
    free(map);
    g_assert_cmpint(virNodeGetCPUMap(conn, NULL, NULL, 0), ==, ncpus);

    assert_api(virNodeGetSecurityModel(conn, &sec) == 0);
    g_assert_cmpuint(strlen(sec.model), <, sizeof(sec.model));

    int max = virConnectGetMaxVcpus(conn, NULL);
    /* Without a QEMU binary the daemon says so; with one, a positive limit. */
    if (max < 0)
        g_assert_nonnull(strstr(virGetLastErrorMessage(), "QEMU"));
    else
        g_assert_cmpint(max, >, 0);
    virConnectClose(conn);
}

static void
test_readonly(void)
{
    virConnectPtr conn = virConnectOpenReadOnly(uri_ro);
    virNodeInfo info;

    assert_api(conn);
    assert_api(virNodeGetInfo(conn, &info) == 0);
    g_autofree char *host = virConnectGetHostname(conn);
    assert_api(host);
    g_assert_cmpint(virConnectClose(conn), ==, 0);

    /* Read-only through the auth variant, socket chosen from the root. */
    g_setenv("MODVIRT_ROOT", root, TRUE);
    conn = virConnectOpenAuth("qemu:///system", virConnectAuthPtrDefault, VIR_CONNECT_RO);
    assert_api(conn);
    assert_api(virNodeGetInfo(conn, &info) == 0);
    virConnectClose(conn);
    g_unsetenv("MODVIRT_ROOT");
}

static void
test_socket_choice(void)
{
    g_setenv("MODVIRT_ROOT", root, TRUE);
    g_unsetenv("MODVIRT_DEFAULT_URI");
    g_unsetenv("LIBVIRT_DEFAULT_URI");

    virConnectPtr conn = virConnectOpen("qemu:///system");
    assert_api(conn);
    g_autofree char *uri = virConnectGetURI(conn);
    g_assert_cmpstr(uri, ==, "qemu:///system");
    virConnectClose(conn);

    /* No URI: the daemon found by probing names its own. */
    conn = virConnectOpen(NULL);
    assert_api(conn);
    g_autofree char *probed = virConnectGetURI(conn);
    g_assert_cmpstr(probed, ==, "qemu:///system");
    virConnectClose(conn);

    g_unsetenv("MODVIRT_ROOT");
}

static void
test_unknown_procedure(void)
{
    virConnectPtr conn = open_rw();
    g_autoptr(GError) error = NULL;

    /* A procedure no daemon will ever have. */
    g_assert_false(mv_client_call(conn, 0x7fff0001, NULL, NULL, NULL, NULL, &error));
    g_assert_true(mv_error_is(error, VIR_ERR_NO_SUPPORT));
    g_assert_true(g_str_has_prefix(error->message, "unknown procedure"));
    mv_client_report(conn, error);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_SUPPORT);
    int dom = virGetLastErrorDomain();
    g_assert_true(dom == VIR_FROM_RPC || dom == VIR_FROM_REMOTE);
    virErrorPtr conn_err = virConnGetLastError(conn);
    g_assert_nonnull(conn_err);
    g_assert_cmpint(conn_err->code, ==, VIR_ERR_NO_SUPPORT);
    virConnResetLastError(conn);
    g_assert_null(virConnGetLastError(conn));

    /* The connection carries on. */
    g_autofree char *host = virConnectGetHostname(conn);
    assert_api(host);
    g_assert_null(virGetLastError());
    virConnectClose(conn);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    root = g_getenv("MODVIRT_TEST_ROOT");
    virSetErrorFunc(NULL, quiet);
    if (root) {
        uri_rw = g_strdup_printf("qemu+unix:///system?socket=%s/run/libvirt/virtqemud-sock", root);
        uri_ro = g_strdup_printf("qemu+unix:///system?socket=%s/run/libvirt/virtqemud-sock-ro", root);
        g_test_add_func("/client/api/connection", test_connection);
        g_test_add_func("/client/api/node", test_node);
        g_test_add_func("/client/api/readonly", test_readonly);
        g_test_add_func("/client/api/socket-choice", test_socket_choice);
        g_test_add_func("/client/api/unknown-procedure", test_unknown_procedure);
    } else {
        g_printerr("MODVIRT_TEST_ROOT is not set: run me through with-daemon.py\n");
        return 77;
    }
    int rc = g_test_run();
    g_free(uri_rw);
    g_free(uri_ro);
    return rc;
}
