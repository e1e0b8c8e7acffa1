// SPDX-License-Identifier: LGPL-2.1-or-later
// The QMP client against a scripted fake QEMU (a thread serving a unix socket), for what a
// real QEMU will not do on request: a socket that shows up late, no greeting, garbage, a
// message past the 16 MiB limit, replies out of order and unknown ids; plus many threads
// sharing one monitor, and the in-flight bound.

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu-monitor.h"
#include "qemu-test.h"
#include "util/util-error.h"

typedef struct FakeQemu FakeQemu;
typedef void (*FakeScript)(FakeQemu *fq, int fd);

struct FakeQemu {
    char *dir;
    char *path;
    unsigned bind_delay_ms;
    bool greet;
    bool fail_cont;        /* script_cont answers "cont" with an error */
    FakeScript script;
    GThread *thread;
    GAsyncQueue *events;   /* "<EOF>" / event names, from the callbacks */
    char *eof_reason;
};

static void
send_text(int fd, const char *text)
{
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

/* Read one line (without the newline) from @fd; NULL at EOF. */
static char *
recv_line(int fd)
{
    GString *s = g_string_new(NULL);
    char c;
    for (;;) {
        ssize_t n = recv(fd, &c, 1, 0);
        if (n <= 0) {
            g_string_free(s, TRUE);
            return NULL;
        }
        if (c == '\n')
            return g_string_free(s, FALSE);
        g_string_append_c(s, c);
    }
}

/* The id of the request @line (an integer we echo back verbatim). */
static gint64
request_id(const char *line, char **ret_command)
{
    json_object *req = json_tokener_parse(line), *id, *cmd;
    g_assert_nonnull(req);
    g_assert_true(json_object_object_get_ex(req, "id", &id));
    g_assert_true(json_object_object_get_ex(req, "execute", &cmd));
    gint64 v = json_object_get_int64(id);
    if (ret_command)
        *ret_command = g_strdup(json_object_get_string(cmd));
    json_object_put(req);
    return v;
}

static gpointer
fake_run(gpointer data)
{
    FakeQemu *fq = data;
    if (fq->bind_delay_ms)
        g_usleep(fq->bind_delay_ms * 1000);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_strlcpy(addr.sun_path, fq->path, sizeof(addr.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    close(lfd);
    g_assert_cmpint(fd, >=, 0);
    if (fq->greet) {
        send_text(fd, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
                      "\"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\r\n");
        g_autofree char *neg = recv_line(fd);
        if (neg) {
            gint64 id = request_id(neg, NULL);
            g_autofree char *reply = g_strdup_printf("{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}\r\n",
                                                     id);
            send_text(fd, reply);
        }
    }
    fq->script(fq, fd);
    close(fd);
    return NULL;
}

static void
on_event(QemuMonitor *mon, const char *name, json_object *data, gint64 seconds, guint micros, void *opaque)
{
    FakeQemu *fq = opaque;
    g_async_queue_push(fq->events, g_strdup(name));
}

static void
on_eof(QemuMonitor *mon, const GError *reason, void *opaque)
{
    FakeQemu *fq = opaque;
    fq->eof_reason = reason ? g_strdup(reason->message) : NULL;
    g_async_queue_push(fq->events, g_strdup("<EOF>"));
}

static const QemuMonitorCallbacks callbacks = { .event = on_event, .eof = on_eof };

static FakeQemu *
fake_start(FakeScript script, bool greet, unsigned bind_delay_ms)
{
    FakeQemu *fq = g_new0(FakeQemu, 1);
    fq->dir = g_dir_make_tmp("mvfakeqmp-XXXXXX", NULL);
    fq->path = g_build_filename(fq->dir, "qmp.sock", NULL);
    fq->greet = greet;
    fq->bind_delay_ms = bind_delay_ms;
    fq->script = script;
    fq->events = g_async_queue_new_full(g_free);
    fq->thread = g_thread_new("fake-qemu", fake_run, fq);
    return fq;
}

static void
fake_free(FakeQemu *fq)
{
    g_thread_join(fq->thread);
    unlink(fq->path);
    rmdir(fq->dir);
    g_async_queue_unref(fq->events);
    g_free(fq->eof_reason);
    g_free(fq->path);
    g_free(fq->dir);
    g_free(fq);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeQemu, fake_free)

static char *
wait_event(FakeQemu *fq, unsigned timeout_ms)
{
    return g_async_queue_timeout_pop(fq->events, (guint64)timeout_ms * 1000);
}

/* ---- scripts ---- */

/* Answer every command with {"return": {"n": <sequence>}} until EOF; "bye" closes. */
static void
script_echo(FakeQemu *fq, int fd)
{
    for (int n = 0;; n++) {
        g_autofree char *line = recv_line(fd);
        if (!line)
            return;
        g_autofree char *cmd = NULL;
        gint64 id = request_id(line, &cmd);
        if (strcmp(cmd, "bye") == 0)
            return;
        g_autofree char *reply = g_strdup_printf("{\"return\": {\"cmd\": \"%s\"}, "
                                                 "\"id\": %" G_GINT64_FORMAT "}\r\n",
                                                 cmd, id);
        send_text(fd, reply);
    }
}

/* Two commands answered in reverse order, an unknown id and an event in between. */
static void
script_reorder(FakeQemu *fq, int fd)
{
    g_autofree char *a = recv_line(fd), *b = recv_line(fd);
    g_autofree char *ca = NULL, *cb = NULL;
    gint64 ia = request_id(a, &ca), ib = request_id(b, &cb);
    g_autofree char *rb = g_strdup_printf("{\"return\": \"%s\", \"id\": %" G_GINT64_FORMAT "}\n", cb, ib);
    g_autofree char *ra = g_strdup_printf("{\"return\": \"%s\", \"id\": %" G_GINT64_FORMAT "}\n", ca, ia);
    send_text(fd, "{\"return\": {}, \"id\": 999999}\n");
    send_text(fd, rb);
    send_text(fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"HELLO\"}\n");
    send_text(fd, ra);
    script_echo(fq, fd);
}

/* "cont" as the handshake sends it: a RESUME event first (the open drops it), then the
 * reply, or an error when @fq->fail_cont; then echo. */
static void
script_cont(FakeQemu *fq, int fd)
{
    g_autofree char *line = recv_line(fd);
    g_autofree char *cmd = NULL;
    gint64 id = request_id(line, &cmd);
    g_assert_cmpstr(cmd, ==, "cont");
    send_text(fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\n");
    g_autofree char *reply = fq->fail_cont
        ? g_strdup_printf("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no way\"}, "
                          "\"id\": %" G_GINT64_FORMAT "}\n", id)
        : g_strdup_printf("{\"return\": {}, \"id\": %" G_GINT64_FORMAT "}\n", id);
    send_text(fd, reply);
    script_echo(fq, fd);
}

static void
script_garbage(FakeQemu *fq, int fd)
{
    g_free(recv_line(fd));
    send_text(fd, "this is not json\n");
    g_free(recv_line(fd));  /* until the client hangs up */
}

static void
script_oversize(FakeQemu *fq, int fd)
{
    g_free(recv_line(fd));
    /* 17 MiB of a string that never ends in a newline. */
    g_autofree char *chunk = g_malloc(1 << 20);
    memset(chunk, 'x', 1 << 20);
    send_text(fd, "{\"return\": \"");
    for (int i = 0; i < 17; i++) {
        if (send(fd, chunk, 1 << 20, MSG_NOSIGNAL) <= 0)
            return;
    }
}

static void
script_silent(FakeQemu *fq, int fd)
{
    /* Reads and never answers, until the client goes away. */
    for (;;) {
        g_autofree char *line = recv_line(fd);
        if (!line)
            return;
    }
}

/* ---- tests ---- */

static void
test_late_socket(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_echo, true, 300);
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 3000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpint((g_get_monotonic_time() - t0) / 1000, >=, 290);
    int major = 0, minor = 0, micro = -1;
    qemu_monitor_qemu_version(mon, &major, &minor, &micro);
    g_assert_cmpint(major, ==, 7);
    g_assert_cmpint(minor, ==, 2);
    g_assert_cmpint(micro, ==, 0);

    json_object *reply = NULL;
    g_assert_true(qemu_monitor_command(mon, "query-x", NULL, &reply, 2000, &err));
    g_assert_no_error(err);
    json_object *cmd;
    g_assert_true(json_object_object_get_ex(reply, "cmd", &cmd));
    g_assert_cmpstr(json_object_get_string(cmd), ==, "query-x");
    json_object_put(reply);

    /* The fake hangs up on "bye": EOF reported without a reason, waiter failed. */
    g_assert_false(qemu_monitor_command(mon, "bye", NULL, NULL, 2000, &err));
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_FAILED));
    g_autofree char *ev = wait_event(fq, 2000);
    g_assert_cmpstr(ev, ==, "<EOF>");
    g_assert_null(fq->eof_reason);
}

static void
test_open_cont(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_cont, true, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuMonitor) mon = qemu_monitor_open_cont(fq->path, -1, 3000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);
    json_object *reply = NULL;
    g_assert_true(qemu_monitor_command(mon, "query-x", NULL, &reply, 2000, &err));
    json_object_put(reply);
    g_assert_false(qemu_monitor_command(mon, "bye", NULL, NULL, 2000, &err));
    /* The RESUME that came before the reply, during the open, is delivered afterwards. */
    g_autofree char *ev = wait_event(fq, 2000);
    g_assert_cmpstr(ev, ==, "RESUME");
    g_autofree char *ev2 = wait_event(fq, 2000);
    g_assert_cmpstr(ev2, ==, "<EOF>");
}

static void
test_open_cont_fails(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_cont, true, 0);
    fq->fail_cont = true;
    g_autoptr(GError) err = NULL;
    QemuMonitor *mon = qemu_monitor_open_cont(fq->path, -1, 3000, &callbacks, fq, NULL, &err);
    g_assert_null(mon);
    g_assert_true(mv_error_is(err, MV_ERR_INTERNAL_ERROR));
    g_assert_nonnull(strstr(err->message, "unable to execute QEMU command 'cont': no way"));
}

static void
test_no_greeting(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_silent, false, 0);
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time();
    QemuMonitor *mon = qemu_monitor_open(fq->path, -1, 400, &callbacks, fq, NULL, &err);
    g_assert_null(mon);
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_TIMEOUT));
    g_assert_nonnull(strstr(err->message, "handshake"));
    gint64 ms = (g_get_monotonic_time() - t0) / 1000;
    g_assert_cmpint(ms, >=, 390);
    g_assert_cmpint(ms, <, 1500);
}

typedef struct {
    QemuMonitor *mon;
    const char *cmd;
    unsigned timeout_ms;
    unsigned repeat;
    json_object *reply;   /* the last one */
    GError *err;
    unsigned ok;
} Call;

static gpointer
call_thread(gpointer data)
{
    Call *c = data;
    for (unsigned i = 0; i < MAX(c->repeat, 1); i++) {
        json_object *reply = NULL;
        g_clear_error(&c->err);
        if (qemu_monitor_command(c->mon, c->cmd, NULL, &reply, c->timeout_ms, &c->err)) {
            c->ok++;
            json_object_put(c->reply);
            c->reply = reply;
        }
    }
    return NULL;
}

static void
call_clear(Call *c)
{
    json_object_put(c->reply);
    g_clear_error(&c->err);
}

static void
test_reorder(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_reorder, true, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 2000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);

    /* Two threads' commands in flight together, answered in reverse order with a stray
     * reply and an event in between: each caller gets its own reply. */
    Call calls[2] = { { .mon = mon, .cmd = "first", .timeout_ms = 3000 },
                      { .mon = mon, .cmd = "second", .timeout_ms = 3000 } };
    GThread *threads[2];
    for (int i = 0; i < 2; i++)
        threads[i] = g_thread_new("call", call_thread, &calls[i]);
    for (int i = 0; i < 2; i++) {
        g_thread_join(threads[i]);
        g_assert_no_error(calls[i].err);
        g_assert_cmpstr(json_object_get_string(calls[i].reply), ==, calls[i].cmd);
        call_clear(&calls[i]);
    }
    g_autofree char *ev = wait_event(fq, 2000);
    g_assert_cmpstr(ev, ==, "HELLO");
    g_assert_false(qemu_monitor_is_closed(mon));
}

static void
test_many_threads(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_echo, true, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 2000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);

    static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
    Call calls[G_N_ELEMENTS(names)];
    GThread *threads[G_N_ELEMENTS(names)];
    gint64 t0 = g_get_monotonic_time();
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        calls[i] = (Call){ .mon = mon, .cmd = names[i], .timeout_ms = 5000, .repeat = 200 };
        threads[i] = g_thread_new("call", call_thread, &calls[i]);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_thread_join(threads[i]);
        g_assert_no_error(calls[i].err);
        g_assert_cmpuint(calls[i].ok, ==, 200);
        json_object *cmd;
        g_assert_true(json_object_object_get_ex(calls[i].reply, "cmd", &cmd));
        g_assert_cmpstr(json_object_get_string(cmd), ==, names[i]);
        call_clear(&calls[i]);
    }
    g_test_message("%zu commands from %zu threads in %" G_GINT64_FORMAT " ms", G_N_ELEMENTS(names) * 200,
                   G_N_ELEMENTS(names), (g_get_monotonic_time() - t0) / 1000);
    qemu_monitor_command(mon, "bye", NULL, NULL, 1000, NULL);
}

static void
test_garbage(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_garbage, true, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 2000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);
    g_assert_false(qemu_monitor_command(mon, "query-status", NULL, NULL, 2000, &err));
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_FAILED));
    g_autofree char *ev = wait_event(fq, 2000);
    g_assert_cmpstr(ev, ==, "<EOF>");
    g_assert_nonnull(fq->eof_reason);
    g_assert_nonnull(strstr(fq->eof_reason, "not a JSON object"));
}

static void
test_oversize(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_oversize, true, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 2000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);
    g_assert_false(qemu_monitor_command(mon, "query-huge", NULL, NULL, 10000, &err));
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_FAILED));
    g_autofree char *ev = wait_event(fq, 5000);
    g_assert_cmpstr(ev, ==, "<EOF>");
    g_assert_nonnull(strstr(fq->eof_reason, "16 MiB"));
}

static void
test_pending_limit(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_silent, true, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 2000, &callbacks, fq, NULL, &err);
    g_assert_no_error(err);

    enum { N = QEMU_MONITOR_MAX_PENDING + 8 };
    Call calls[N];
    GThread *threads[N];
    for (int i = 0; i < N; i++) {
        calls[i] = (Call){ .mon = mon, .cmd = "hang", .timeout_ms = 1000 };
        threads[i] = g_thread_new("call", call_thread, &calls[i]);
    }
    unsigned timed_out = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        g_thread_join(threads[i]);
        g_assert_nonnull(calls[i].err);
        if (mv_error_is(calls[i].err, MV_ERR_OPERATION_TIMEOUT))
            timed_out++;
        else if (strstr(calls[i].err->message, "too many commands in flight"))
            refused++;
        call_clear(&calls[i]);
    }
    g_test_message("%u timed out, %u refused", timed_out, refused);
    g_assert_cmpuint(timed_out, <=, QEMU_MONITOR_MAX_PENDING);
    g_assert_cmpuint(timed_out + refused, ==, N);
    g_assert_cmpuint(refused, >=, 8);

    /* Timed-out waiters left: the table is free again. */
    g_assert_false(qemu_monitor_command(mon, "hang", NULL, NULL, 100, &err));
    g_assert_true(mv_error_is(err, MV_ERR_OPERATION_TIMEOUT));
}

/* A callback that tries to use its own monitor. */
static void
on_event_reentrant(QemuMonitor *mon, const char *name, json_object *data, gint64 seconds, guint micros,
                   void *opaque)
{
    FakeQemu *fq = opaque;
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time();
    bool ok = qemu_monitor_command(mon, "from-callback", NULL, NULL, 5000, &err);
    /* Refused at once instead of blocking the I/O thread for 5 s. */
    g_assert_false(ok);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 100 * 1000);
    g_async_queue_push(fq->events, g_strdup(err->message));
}

static void
test_reentrant(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_reorder, true, 0);
    g_autoptr(GError) err = NULL;
    QemuMonitorCallbacks cb = { .event = on_event_reentrant };
    g_autoptr(QemuMonitor) mon = qemu_monitor_open(fq->path, -1, 2000, &cb, fq, NULL, &err);
    g_assert_no_error(err);
    Call calls[2] = { { .mon = mon, .cmd = "first", .timeout_ms = 3000 },
                      { .mon = mon, .cmd = "second", .timeout_ms = 3000 } };
    GThread *threads[2];
    for (int i = 0; i < 2; i++)
        threads[i] = g_thread_new("call", call_thread, &calls[i]);
    for (int i = 0; i < 2; i++) {
        g_thread_join(threads[i]);
        g_assert_no_error(calls[i].err);
        call_clear(&calls[i]);
    }
    g_autofree char *msg = wait_event(fq, 2000);
    g_assert_nonnull(msg);
    g_assert_nonnull(strstr(msg, "cannot be run from a monitor callback"));
}

static void
count_free(gpointer data)
{
    g_atomic_int_inc((gint *)data);
}

static void
test_opaque_lifetime(void)
{
    g_autoptr(FakeQemu) fq = fake_start(script_echo, true, 0);
    g_autoptr(GError) err = NULL;
    gint freed = 0;
    QemuMonitor *mon = qemu_monitor_open(fq->path, -1, 2000, &callbacks, &freed, count_free, &err);
    g_assert_no_error(err);
    g_assert_true(qemu_monitor_command(mon, "x", NULL, NULL, 2000, &err));
    g_assert_cmpint(g_atomic_int_get(&freed), ==, 0);
    qemu_monitor_free(mon);
    /* Released once the I/O thread let go of it too; exactly once. */
    for (int i = 0; i < 100 && !g_atomic_int_get(&freed); i++)
        g_usleep(10 * 1000);
    g_assert_cmpint(g_atomic_int_get(&freed), ==, 1);

    /* A failed open leaves @opaque to the caller. */
    QemuMonitor *none = qemu_monitor_open("/nonexistent/dir/qmp.sock", -1, 100, &callbacks, &freed,
                                          count_free, &err);
    g_assert_null(none);
    g_assert_cmpint(g_atomic_int_get(&freed), ==, 1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_io_start();
    g_test_add_func("/qemu/monitor/late-socket", test_late_socket);
    g_test_add_func("/qemu/monitor/open-cont", test_open_cont);
    g_test_add_func("/qemu/monitor/open-cont-fails", test_open_cont_fails);
    g_test_add_func("/qemu/monitor/no-greeting", test_no_greeting);
    g_test_add_func("/qemu/monitor/reorder", test_reorder);
    g_test_add_func("/qemu/monitor/many-threads", test_many_threads);
    g_test_add_func("/qemu/monitor/garbage", test_garbage);
    g_test_add_func("/qemu/monitor/oversize", test_oversize);
    g_test_add_func("/qemu/monitor/pending-limit", test_pending_limit);
    g_test_add_func("/qemu/monitor/reentrant", test_reentrant);
    g_test_add_func("/qemu/monitor/opaque-lifetime", test_opaque_lifetime);
    int ret = g_test_run();
    test_io_stop();
    return ret;
}
