// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit tests of libmodvirt's error reporting without a daemon: daemon errors rewritten as
// libvirt's client rewrites them, the per-thread last error, callbacks, invalid
// arguments, and the errors of connections that cannot be made (missing sockets under
// MODVIRT_ROOT, transports not supported yet).

#include "client-private.h"
#include "util/util-error.h"

#include <glib/gstdio.h>
#include <string.h>

/* Errors the handler saw, so that nothing goes to stderr and tests can look. */
static GPtrArray *seen;

static void
collect(void *data, virErrorPtr err)
{
    g_ptr_array_add(seen, g_strdup_printf("%d/%d/%s", err->domain, err->code, err->message));
}

static void
test_from_wire(void)
{
    static const struct {
        int from, code;
        const char *message;
        int expect;
    } cases[] = {
        { MV_FROM_RPC, MV_ERR_RPC, "unknown procedure: 203", MV_ERR_NO_SUPPORT },
        { MV_FROM_REMOTE, MV_ERR_RPC, "unknown procedure: 9999", MV_ERR_NO_SUPPORT },
        { MV_FROM_QEMU, MV_ERR_RPC, "unknown procedure: 203", MV_ERR_RPC },
        { MV_FROM_RPC, MV_ERR_RPC, "authentication required", MV_ERR_RPC },
        { MV_FROM_NETWORK, 61, "x", 65 },
        { 33 /* NWFILTER */, 61, "x", 61 },
        { MV_FROM_QEMU, 64, "x", 68 },
        { 1 /* XEN */, 65, "x", 69 },
        { MV_FROM_QEMU, MV_ERR_NO_DOMAIN, "Domain not found", MV_ERR_NO_DOMAIN },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        int from, code;
        mv_error_set_literal(&err, cases[i].from, cases[i].code, cases[i].message);
        mv_client_error_from_wire(err);
        mv_error_info(err, &from, &code);
        g_assert_cmpint(from, ==, cases[i].from);
        g_assert_cmpint(code, ==, cases[i].expect);
        g_assert_cmpstr(err->message, ==, cases[i].message);
    }
    mv_client_error_from_wire(NULL);
}

static void
test_last_error(void)
{
    g_autoptr(GError) err = NULL;
    virError copy = { 0 };

    g_ptr_array_set_size(seen, 0);
    virResetLastError();
    g_assert_null(virGetLastError());
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "no error");
    g_assert_cmpint(virCopyLastError(&copy), ==, 0);
    g_assert_cmpint(copy.code, ==, VIR_ERR_OK);

    mv_error_set_literal(&err, VIR_FROM_QEMU, VIR_ERR_OPERATION_INVALID, "domain is not running");
    mv_client_report(NULL, err);
    virErrorPtr last = virGetLastError();
    g_assert_nonnull(last);
    g_assert_cmpint(last->code, ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpint(last->domain, ==, VIR_FROM_QEMU);
    g_assert_cmpint(last->level, ==, VIR_ERR_ERROR);
    g_assert_cmpstr(last->message, ==, "domain is not running");
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpint(virGetLastErrorDomain(), ==, VIR_FROM_QEMU);

    g_assert_cmpint(virCopyLastError(&copy), ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpstr(copy.message, ==, "domain is not running");
    g_assert_true(copy.message != last->message);
    virResetError(&copy);
    g_assert_null(copy.message);

    virErrorPtr saved = virSaveLastError();
    virResetLastError();
    g_assert_null(virGetLastError());
    g_assert_cmpint(saved->code, ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpstr(saved->message, ==, "domain is not running");
    virFreeError(saved);
    virFreeError(NULL);
    g_assert_cmpint(virCopyLastError(NULL), ==, -1);

    g_assert_cmpuint(seen->len, ==, 1);
    g_assert_cmpstr(seen->pdata[0], ==, "10/55/domain is not running");
}

static gpointer
other_thread(gpointer data)
{
    /* A fresh thread has no error, whatever the main thread did. */
    bool clean = virGetLastError() == NULL;
    g_autoptr(GError) err = NULL;
    mv_error_set_literal(&err, VIR_FROM_RPC, VIR_ERR_RPC, "thread error");
    mv_client_report(NULL, err);
    clean = clean && virGetLastErrorCode() == VIR_ERR_RPC;
    return GINT_TO_POINTER(clean);
}

static void
test_thread_local(void)
{
    g_autoptr(GError) err = NULL;

    mv_error_set_literal(&err, VIR_FROM_NONE, VIR_ERR_INTERNAL_ERROR, "main thread error");
    mv_client_report(NULL, err);
    GThread *t = g_thread_new("errors", other_thread, NULL);
    g_assert_true(GPOINTER_TO_INT(g_thread_join(t)));
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "main thread error");
    virResetLastError();
}

static void
test_invalid_args(void)
{
    virNodeInfo info;
    unsigned long ver;

    g_ptr_array_set_size(seen, 0);
    g_assert_cmpint(virConnectClose(NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_CONN);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "invalid connection pointer in virConnectClose");
    g_assert_cmpint(virNodeGetInfo(NULL, &info), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_CONN);
    g_assert_null(virConnectGetHostname(NULL));
    g_assert_cmpint(virConnectIsAlive(NULL), ==, -1);
    g_assert_cmpint(virConnectRef(NULL), ==, -1);
    g_assert_null(virConnGetLastError(NULL));
    g_assert_cmpuint(seen->len, ==, 5);

    g_assert_cmpint(virGetVersion(NULL, NULL, NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    g_assert_cmpint(virGetVersion(&ver, NULL, NULL), ==, 0);
    g_assert_null(virGetLastError());
    g_assert_cmpuint(ver, ==, 9000000);
    unsigned long type_ver = 0;
    g_assert_cmpint(virGetVersion(&ver, "QEMU", &type_ver), ==, 0);
    g_assert_cmpuint(type_ver, ==, 9000000);
}

/* Open @uri (NULL: default) and expect failure with @code and a message containing
 * @needle. */
static void
expect_open_failure(const char *uri, bool readonly, int code, int domain, const char *needle)
{
    virConnectPtr conn = readonly ? virConnectOpenReadOnly(uri) : virConnectOpen(uri);
    g_assert_null(conn);
    virErrorPtr e = virGetLastError();
    g_assert_nonnull(e);
    if (!strstr(e->message, needle))
        g_error("opening '%s': message '%s' lacks '%s'", uri, e->message, needle);
    g_assert_cmpint(e->code, ==, code);
    g_assert_cmpint(e->domain, ==, domain);
}

static void
test_open_failures(void)
{
    g_autofree char *root = g_dir_make_tmp("mvclient-XXXXXX", NULL);
    g_autofree char *rw = g_build_filename(root, "run/libvirt/virtqemud-sock", NULL);
    g_autofree char *ro = g_build_filename(root, "run/libvirt/virtqemud-sock-ro", NULL);
    g_autofree char *legacy = g_build_filename(root, "run/libvirt/libvirt-sock", NULL);
    g_autofree char *msg_rw = g_strdup_printf("Failed to connect socket to '%s': No such file or directory", rw);
    g_autofree char *msg_ro = g_strdup_printf("Failed to connect socket to '%s': ", ro);
    g_autofree char *msg_legacy = g_strdup_printf("Failed to connect socket to '%s': ", legacy);

    g_setenv("MODVIRT_ROOT", root, TRUE);
    g_unsetenv("MODVIRT_DEFAULT_URI");
    g_unsetenv("LIBVIRT_DEFAULT_URI");

    expect_open_failure("qemu+unix:///system?socket=/nonexistent/sock", false, VIR_ERR_SYSTEM_ERROR,
                        VIR_FROM_RPC, "Failed to connect socket to '/nonexistent/sock': No such file or directory");
    expect_open_failure("qemu:///system", false, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, msg_rw);
    expect_open_failure("qemu:///system", true, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, msg_ro);
    /* No URI and no daemon: the proxy's socket is the last resort. */
    expect_open_failure(NULL, false, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, msg_legacy);
    expect_open_failure("", false, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, msg_legacy);
    /* The default URI comes from the environment. */
    g_setenv("LIBVIRT_DEFAULT_URI", "qemu:///system", TRUE);
    expect_open_failure(NULL, false, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, msg_rw);
    g_setenv("MODVIRT_DEFAULT_URI", "qemu+unix:///system?socket=/mv/default", TRUE);
    expect_open_failure(NULL, false, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, "'/mv/default'");
    g_unsetenv("MODVIRT_DEFAULT_URI");
    g_unsetenv("LIBVIRT_DEFAULT_URI");

    expect_open_failure("qemu+tls://virt.example/system", false, VIR_ERR_OPERATION_UNSUPPORTED,
                        VIR_FROM_REMOTE, "TLS transport is not supported yet");
    expect_open_failure("qemu://virt.example/system", false, VIR_ERR_OPERATION_UNSUPPORTED,
                        VIR_FROM_REMOTE, "TLS transport is not supported yet");
    expect_open_failure("qemu+ssh://virt.example/system", false, VIR_ERR_OPERATION_UNSUPPORTED,
                        VIR_FROM_REMOTE, "'ssh' transport is not supported yet");
    expect_open_failure("qemu+carrier-pigeon:///system", false, VIR_ERR_INVALID_ARG,
                        VIR_FROM_REMOTE, "'carrier-pigeon'");
    expect_open_failure("qemu:///system?mode=sideways", false, VIR_ERR_INVALID_ARG,
                        VIR_FROM_REMOTE, "unknown remote mode 'sideways'");
    expect_open_failure("/x/", false, VIR_ERR_NO_CONNECT, VIR_FROM_NONE,
                        "no connection driver available for URI '/x/'");
    /* Port 1 on loopback: nothing listens there. */
    expect_open_failure("qemu+tcp://127.0.0.1:1/system", false, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC,
                        "unable to connect to server at '127.0.0.1:1'");

    g_unsetenv("MODVIRT_ROOT");
    g_rmdir(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    seen = g_ptr_array_new_with_free_func(g_free);
    virSetErrorFunc(NULL, collect);
    g_test_add_func("/client/errors/from-wire", test_from_wire);
    g_test_add_func("/client/errors/last-error", test_last_error);
    g_test_add_func("/client/errors/thread-local", test_thread_local);
    g_test_add_func("/client/errors/invalid-args", test_invalid_args);
    g_test_add_func("/client/errors/open-failures", test_open_failures);
    int rc = g_test_run();
    g_ptr_array_unref(seen);
    return rc;
}
