// SPDX-License-Identifier: LGPL-2.1-or-later
// The domain API against a real modvirt-qemud running real QEMU (started by
// with-daemon.py, whose root is in $MODVIRT_TEST_ROOT): define, lookups, lists, start,
// information, suspend/resume, reset, destroy, undefine, tuning, errors, read-only
// refusals, and events delivered through virEventRunDefaultImpl — also those that arrive
// while another call waits for its reply, and with the loop in a second thread.
// The tests run in order and share one domain, 'x-<pid>'.

#include "client-private.h"
#include "util/util-error.h"

#include <poll.h>
#include <string.h>
#include <unistd.h>

/* A 64 MiB diskless q35 guest: enough for QEMU to run, nothing to boot.  Its name carries
 * our pid: the daemon names guest cgroups after ID and name only, so test daemons running
 * side by side must not both start an 'x' as their first guest. */
static char *
domain_xml(const char *name)
{
    return g_strdup_printf("<domain type='qemu'><name>%s</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                           "<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>", name);
}

static char *xname;   /* the shared domain, "x-<pid>" */
static char *xml_x;

/* How long to wait for an event before failing. */
#define EVENT_WAIT_US (20 * G_USEC_PER_SEC)

static char *uri_rw;
static char *uri_ro;
static virConnectPtr conn;  /* shared by the tests, read-write */

#define assert_api(expr) \
    do { \
        if (!(expr)) \
            g_error("%s failed: %s", #expr, virGetLastErrorMessage()); \
    } while (0)

static void
quiet(void *data, virErrorPtr err)
{
}

/* ---- event recording ---- */

typedef struct {
    int event;        /* lifecycle event, or -1 for reboot */
    int detail;
    char *name;
    int id;
    GThread *thread;  /* where the callback ran */
} Seen;

static GMutex seen_lock;
static GPtrArray *seen;       /* Seen */
static int lifecycle_frees;   /* freecb calls */

static void
seen_free(gpointer p)
{
    Seen *s = p;
    g_free(s->name);
    g_free(s);
}

static void
record(virDomainPtr dom, int event, int detail)
{
    Seen *s = g_new0(Seen, 1);
    s->event = event;
    s->detail = detail;
    s->name = g_strdup(virDomainGetName(dom));
    s->id = (int)virDomainGetID(dom);
    s->thread = g_thread_self();
    g_mutex_lock(&seen_lock);
    g_ptr_array_add(seen, s);
    g_mutex_unlock(&seen_lock);
}

static int
on_lifecycle(virConnectPtr c, virDomainPtr dom, int event, int detail, void *opaque)
{
    g_assert_true(c == conn);
    g_assert_cmpint(GPOINTER_TO_INT(opaque), ==, 42);
    record(dom, event, detail);
    return 0;
}

static void
on_reboot(virConnectPtr c, virDomainPtr dom, void *opaque)
{
    record(dom, -1, 0);
}

static void
count_free(void *opaque)
{
    g_atomic_int_inc(&lifecycle_frees);
}

/* Index of the first recorded (event, detail) from @from on, or -1. */
static int
find_seen(guint from, int event, int detail)
{
    g_mutex_lock(&seen_lock);
    int found = -1;
    for (guint i = from; i < seen->len && found < 0; i++) {
        Seen *s = seen->pdata[i];
        if (s->event == event && (detail < 0 || s->detail == detail))
            found = (int)i;
    }
    g_mutex_unlock(&seen_lock);
    return found;
}

static guint
seen_count(void)
{
    g_mutex_lock(&seen_lock);
    guint n = seen->len;
    g_mutex_unlock(&seen_lock);
    return n;
}

/* Run the loop until (event, detail) is recorded after index @from; returns its index. */
static int
wait_event(guint from, int event, int detail)
{
    gint64 end = g_get_monotonic_time() + EVENT_WAIT_US;
    int i;
    while ((i = find_seen(from, event, detail)) < 0) {
        if (g_get_monotonic_time() > end)
            g_error("event %d/%d not received", event, detail);
        assert_api(virEventRunDefaultImpl() == 0);
    }
    return i;
}

/* ---- the tests ---- */

static void
test_events_need_loop(void)
{
    /* Before virEventRegisterDefaultImpl, as in libvirt, registering fails. */
    g_assert_cmpint(virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                     VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INTERNAL_ERROR);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "internal error: could not initialize domain event timer");
    g_assert_cmpint(virEventRunDefaultImpl(), ==, -1);
    g_assert_cmpint(virEventAddTimeout(10, NULL, NULL, NULL), ==, -1);
}

static int lifecycle_id = -1, reboot_id = -1;

static void
test_register(void)
{
    g_assert_cmpint(virEventRegisterDefaultImpl(), ==, 0);
    g_assert_cmpint(virEventRegisterDefaultImpl(), ==, 0);

    /* Bad IDs and kinds libmodvirt cannot deliver. */
    g_assert_cmpint(virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LAST,
                                                     VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    g_assert_cmpint(virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_RTC_CHANGE, on_reboot, NULL,
                                                     NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_SUPPORT);
    g_assert_cmpint(virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, NULL, NULL, NULL), ==,
                    -1);
    g_assert_cmpint(virConnectDomainEventDeregisterAny(conn, 12345), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);

    lifecycle_id = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), GINT_TO_POINTER(42),
                                                    count_free);
    assert_api(lifecycle_id > 0);
    /* The same callback for the same events twice is refused, as libvirt does. */
    g_assert_cmpint(virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                     VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    /* Nothing happened yet: one bounded iteration returns. */
    gint64 t0 = g_get_monotonic_time();
    assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
}

static unsigned char x_uuid[VIR_UUID_BUFLEN];

static void
test_define_and_lookup(void)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN], uuidstr2[VIR_UUID_STRING_BUFLEN];
    guint mark = seen_count();

    virDomainPtr dom = virDomainDefineXML(conn, xml_x);
    assert_api(dom);
    g_assert_cmpstr(virDomainGetName(dom), ==, xname);
    g_assert_cmpuint(virDomainGetID(dom), ==, (unsigned int)-1);
    g_assert_true(virDomainGetConnect(dom) == conn);
    assert_api(virDomainGetUUID(dom, x_uuid) == 0);
    assert_api(virDomainGetUUIDString(dom, uuidstr) == 0);
    g_assert_cmpuint(strlen(uuidstr), ==, VIR_UUID_STRING_BUFLEN - 1);
    int i = wait_event(mark, VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED);
    g_assert_cmpstr(((Seen *)seen->pdata[i])->name, ==, xname);

    virDomainPtr by_name = virDomainLookupByName(conn, xname);
    virDomainPtr by_uuid = virDomainLookupByUUID(conn, x_uuid);
    /* Dashes and blanks anywhere between digit pairs, as libvirt parses. */
    g_autofree char *loose = g_strdup_printf("  %s ", uuidstr);
    virDomainPtr by_str = virDomainLookupByUUIDString(conn, loose);
    assert_api(by_name && by_uuid && by_str);
    assert_api(virDomainGetUUIDString(by_str, uuidstr2) == 0);
    g_assert_cmpstr(uuidstr, ==, uuidstr2);
    g_assert_cmpstr(virDomainGetName(by_uuid), ==, xname);

    /* References: each object lives until its last reference goes. */
    assert_api(virDomainRef(by_name) == 0);
    assert_api(virDomainFree(by_name) == 0);
    g_assert_cmpstr(virDomainGetName(by_name), ==, xname);
    virDomainFree(by_name);
    virDomainFree(by_uuid);
    virDomainFree(by_str);
    virDomainFree(dom);

    g_assert_null(virDomainLookupByName(conn, "nosuch"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_DOMAIN);
    g_assert_nonnull(strstr(virGetLastErrorMessage(), "nosuch"));
    g_assert_null(virDomainLookupByUUIDString(conn, "not-a-uuid"));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "uuidstr in virDomainLookupByUUIDString must be a valid UUID");
    g_assert_null(virDomainLookupByID(conn, 4242));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_DOMAIN);
    g_assert_cmpint(virDomainFree(NULL), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_DOMAIN);
}

static void
test_lists_inactive(void)
{
    virDomainPtr *doms = NULL;
    char *names[4] = { 0 };
    int ids[4];

    g_assert_cmpint(virConnectListAllDomains(conn, &doms, 0), ==, 1);
    g_assert_cmpstr(virDomainGetName(doms[0]), ==, xname);
    g_assert_null(doms[1]);
    virDomainFree(doms[0]);
    free(doms);
    g_assert_cmpint(virConnectListAllDomains(conn, NULL, VIR_CONNECT_LIST_DOMAINS_INACTIVE), ==, 1);
    g_assert_cmpint(virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE), ==, 0);
    g_assert_null(doms[0]);
    free(doms);
    g_assert_cmpint(virConnectNumOfDomains(conn), ==, 0);
    g_assert_cmpint(virConnectListDomains(conn, ids, 4), ==, 0);
    g_assert_cmpint(virConnectNumOfDefinedDomains(conn), ==, 1);
    g_assert_cmpint(virConnectListDefinedDomains(conn, names, 4), ==, 1);
    g_assert_cmpstr(names[0], ==, xname);
    free(names[0]);
    g_assert_cmpint(virConnectListDomains(conn, ids, -1), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
}

static void
test_inactive_queries(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, xname);
    virDomainInfo info;
    int state, reason, autostart;
    char **msgs = NULL;

    assert_api(dom);
    assert_api(virDomainGetInfo(dom, &info) == 0);
    g_assert_cmpint(info.state, ==, VIR_DOMAIN_SHUTOFF);
    g_assert_cmpuint(info.maxMem, ==, 65536);
    g_assert_cmpuint(info.nrVirtCpu, ==, 1);
    g_assert_cmpuint(info.cpuTime, ==, 0);
    assert_api(virDomainGetState(dom, &state, &reason, 0) == 0);
    g_assert_cmpint(state, ==, VIR_DOMAIN_SHUTOFF);
    assert_api(virDomainGetState(dom, &state, NULL, 0) == 0);
    g_assert_cmpint(virDomainIsActive(dom), ==, 0);
    g_assert_cmpint(virDomainIsPersistent(dom), ==, 1);
    g_assert_cmpint(virDomainIsUpdated(dom), ==, 0);
    g_autofree char *os = virDomainGetOSType(dom);
    g_assert_cmpstr(os, ==, "hvm");
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    assert_api(xml);
    g_autofree char *name_elem = g_strdup_printf("<name>%s</name>", xname);
    g_assert_nonnull(strstr(xml, name_elem));
    g_assert_cmpuint(virDomainGetMaxMemory(dom), ==, 65536);
    g_assert_cmpint(virDomainHasManagedSaveImage(dom, 0), ==, 0);
    g_assert_cmpint(virDomainSnapshotNum(dom, 0), ==, 0);
    g_assert_cmpint(virDomainGetMessages(dom, &msgs, 0), >=, 0);
    g_strfreev(msgs);

    assert_api(virDomainGetAutostart(dom, &autostart) == 0);
    g_assert_cmpint(autostart, ==, 0);
    assert_api(virDomainSetAutostart(dom, 1) == 0);
    assert_api(virDomainGetAutostart(dom, &autostart) == 0);
    g_assert_cmpint(autostart, ==, 1);
    g_assert_cmpint(virConnectListAllDomains(conn, NULL, VIR_CONNECT_LIST_DOMAINS_AUTOSTART), ==, 1);
    assert_api(virDomainSetAutostart(dom, 0) == 0);

    /* Tuning the persistent config. */
    assert_api(virDomainSetVcpusFlags(dom, 2, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM) == 0);
    assert_api(virDomainSetVcpusFlags(dom, 2, VIR_DOMAIN_AFFECT_CONFIG) == 0);
    g_assert_cmpint(virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_CONFIG), ==, 2);
    g_assert_cmpint(virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM), ==, 2);
    assert_api(virDomainSetVcpusFlags(dom, 1, VIR_DOMAIN_AFFECT_CONFIG) == 0);
    assert_api(virDomainSetVcpusFlags(dom, 1, VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM) == 0);
    g_assert_cmpint(virDomainGetMaxVcpus(dom), ==, 1);
    assert_api(virDomainSetMemoryFlags(dom, 49152, VIR_DOMAIN_AFFECT_CONFIG) == 0);
    assert_api(virDomainGetInfo(dom, &info) == 0);
    g_assert_cmpuint(info.memory, ==, 49152);
    assert_api(virDomainSetMemoryFlags(dom, 65536, VIR_DOMAIN_AFFECT_CONFIG) == 0);
    g_assert_cmpint(virDomainSetMemoryFlags(dom, 0, VIR_DOMAIN_AFFECT_CONFIG), ==, -1);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "memory in virDomainSetMemoryFlags must not be zero");

    /* Not running: the daemon says so. */
    g_assert_cmpint(virDomainDestroy(dom), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    g_assert_cmpint(virDomainSuspend(dom), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    virDomainFree(dom);
}

static void
test_readonly_refusals(void)
{
    virConnectPtr ro = virConnectOpenReadOnly(uri_ro);
    virDomainInfo info;

    assert_api(ro);
    virDomainPtr dom = virDomainLookupByName(ro, xname);
    assert_api(dom);
    assert_api(virDomainGetInfo(dom, &info) == 0);
    g_assert_cmpint(virDomainCreate(dom), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_DENIED);
    g_assert_cmpstr(virGetLastErrorMessage(), ==, "operation forbidden: read only access prevents virDomainCreate");
    g_assert_cmpint(virDomainUndefine(dom), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_DENIED);
    g_assert_null(virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_DENIED);
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    assert_api(xml);
    /* The domain holds a reference: the connection closes with the domain. */
    g_assert_cmpint(virConnectClose(ro), ==, 1);
    g_assert_cmpstr(virDomainGetName(dom), ==, xname);
    virDomainFree(dom);
}

static void
test_start(void)
{
    guint mark = seen_count();
    virDomainInfo info;
    int state, reason;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    virDomainPtr dom = virDomainLookupByName(conn, xname);
    assert_api(dom);
    assert_api(virDomainCreate(dom) == 0);
    /* The object learnt its ID (libvirt's client looks it up after DOMAIN_CREATE). */
    int id = (int)virDomainGetID(dom);
    g_assert_cmpint(id, >, 0);

    int i = wait_event(mark, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
    g_assert_cmpint(((Seen *)seen->pdata[i])->id, ==, id);

    virDomainPtr by_id = virDomainLookupByID(conn, id);
    assert_api(by_id);
    g_assert_cmpstr(virDomainGetName(by_id), ==, xname);
    assert_api(virDomainGetUUIDString(by_id, uuidstr) == 0);
    virDomainFree(by_id);

    assert_api(virDomainGetInfo(dom, &info) == 0);
    g_assert_cmpint(info.state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpuint(info.maxMem, ==, 65536);
    assert_api(virDomainGetState(dom, &state, &reason, 0) == 0);
    g_assert_cmpint(state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpint(reason, ==, VIR_DOMAIN_RUNNING_BOOTED);
    g_assert_cmpint(virDomainIsActive(dom), ==, 1);
    virDomainControlInfo ctl;
    assert_api(virDomainGetControlInfo(dom, &ctl, 0) == 0);
    g_assert_cmpuint(ctl.state, ==, VIR_DOMAIN_CONTROL_OK);

    g_assert_cmpint(virConnectNumOfDomains(conn), ==, 1);
    int ids[2];
    g_assert_cmpint(virConnectListDomains(conn, ids, 2), ==, 1);
    g_assert_cmpint(ids[0], ==, id);
    g_assert_cmpint(virConnectListAllDomains(conn, NULL, VIR_CONNECT_LIST_DOMAINS_RUNNING), ==, 1);

    /* Starting twice is the daemon's error. */
    g_assert_cmpint(virDomainCreate(dom), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_OPERATION_INVALID);
    virDomainFree(dom);
}

/* True if @c's socket holds unread bytes. */
static bool
socket_readable(virConnectPtr c)
{
    struct pollfd p = { .fd = mv_rpc_client_fd(c->rpc), .events = POLLIN };
    return poll(&p, 1, 0) > 0;
}

static void
test_events_during_calls(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, xname);
    int state;

    assert_api(dom);
    guint mark = seen_count();
    assert_api(virDomainSuspend(dom) == 0);
    /* Let the daemon send the event, then make calls without running the loop: the event
     * is read off the socket while a call waits for its reply, and must be kept. */
    g_usleep(G_USEC_PER_SEC / 2);
    assert_api(virDomainGetState(dom, &state, NULL, 0) == 0);
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    assert_api(xml);
    g_assert_false(socket_readable(conn));
    g_assert_cmpint(find_seen(mark, VIR_DOMAIN_EVENT_SUSPENDED, -1), <, 0);

    /* One iteration delivers it, without waiting for the socket. */
    gint64 t0 = g_get_monotonic_time();
    assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC / 4);
    g_assert_cmpint(find_seen(mark, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED), >=, 0);

    mark = seen_count();
    assert_api(virDomainResume(dom) == 0);
    wait_event(mark, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    virDomainFree(dom);
}

static void
test_reboot_event(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, xname);

    assert_api(dom);
    reboot_id = virConnectDomainEventRegisterAny(conn, dom, VIR_DOMAIN_EVENT_ID_REBOOT, on_reboot, NULL, NULL);
    assert_api(reboot_id > 0);
    guint mark = seen_count();
    assert_api(virDomainReset(dom, 0) == 0);
    int i = wait_event(mark, -1, -1);
    g_assert_cmpstr(((Seen *)seen->pdata[i])->name, ==, xname);
    assert_api(virConnectDomainEventDeregisterAny(conn, reboot_id) == 0);
    virDomainFree(dom);
}

typedef struct {
    volatile gint stop;
    int iterations;
} LoopThread;

static gpointer
loop_thread(gpointer data)
{
    LoopThread *lt = data;
    while (!g_atomic_int_get(&lt->stop)) {
        if (virEventRunDefaultImpl() < 0)
            break;
        lt->iterations++;
    }
    return NULL;
}

static void
test_loop_in_thread(void)
{
    LoopThread lt = { 0 };
    virDomainPtr dom = virDomainLookupByName(conn, xname);

    assert_api(dom);
    GThread *t = g_thread_new("event-loop", loop_thread, &lt);
    guint mark = seen_count();
    /* Calls from this thread while the loop polls the same socket in another. */
    assert_api(virDomainSuspend(dom) == 0);
    assert_api(virDomainResume(dom) == 0);
    gint64 end = g_get_monotonic_time() + EVENT_WAIT_US;
    while (find_seen(mark, VIR_DOMAIN_EVENT_RESUMED, -1) < 0 && g_get_monotonic_time() < end)
        g_usleep(10000);
    g_atomic_int_set(&lt.stop, 1);
    g_thread_join(t);
    int s = find_seen(mark, VIR_DOMAIN_EVENT_SUSPENDED, -1);
    int r = find_seen(mark, VIR_DOMAIN_EVENT_RESUMED, -1);
    g_assert_cmpint(s, >=, 0);
    g_assert_cmpint(r, >, s);
    g_assert_true(((Seen *)seen->pdata[r])->thread == t);
    virDomainFree(dom);
}

static void
test_destroy_and_paused_start(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, xname);
    int state, reason;

    assert_api(dom);
    guint mark = seen_count();
    assert_api(virDomainDestroy(dom) == 0);
    g_assert_cmpuint(virDomainGetID(dom), ==, (unsigned int)-1);
    wait_event(mark, VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    assert_api(virDomainGetState(dom, &state, &reason, 0) == 0);
    g_assert_cmpint(state, ==, VIR_DOMAIN_SHUTOFF);
    g_assert_cmpint(reason, ==, VIR_DOMAIN_SHUTOFF_DESTROYED);

    mark = seen_count();
    assert_api(virDomainCreateWithFlags(dom, VIR_DOMAIN_START_PAUSED) == 0);
    g_assert_cmpint((int)virDomainGetID(dom), >, 0);
    assert_api(virDomainGetState(dom, &state, &reason, 0) == 0);
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
    wait_event(mark, VIR_DOMAIN_EVENT_STARTED, -1);

    /* A guest without a serial port has no console (daemons without consoles at all say
     * "unknown procedure", which becomes VIR_ERR_NO_SUPPORT). */
    virStreamPtr st = virStreamNew(conn, VIR_STREAM_NONBLOCK);
    assert_api(st);
    g_assert_cmpint(virDomainOpenConsole(dom, NULL, st, 0), ==, -1);
    g_assert_true(virGetLastErrorCode() == VIR_ERR_NO_SUPPORT || virGetLastErrorCode() == VIR_ERR_INTERNAL_ERROR);
    g_assert_cmpint(virStreamFinish(st), ==, -1);
    assert_api(virStreamFree(st) == 0);

    assert_api(virDomainDestroyFlags(dom, 0) == 0);
    g_assert_cmpuint(virDomainGetID(dom), ==, (unsigned int)-1);
    virDomainFree(dom);
}

static int once_id = -1;
static int once_calls;
static int once_frees;

/* Deregisters itself from inside the dispatch: later events must not reach it, and its
 * opaque data is released once, after it returned. */
static int
on_once(virConnectPtr c, virDomainPtr dom, int event, int detail, void *opaque)
{
    once_calls++;
    g_assert_cmpint(once_frees, ==, 0);
    assert_api(virConnectDomainEventDeregisterAny(c, once_id) == 0);
    g_assert_cmpint(once_frees, ==, 0);
    return 0;
}

static void
once_free(void *opaque)
{
    once_frees++;
}

static void
test_transient(void)
{
    once_id = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                               VIR_DOMAIN_EVENT_CALLBACK(on_once), NULL, once_free);
    assert_api(once_id > 0);
    guint mark = seen_count();
    g_autofree char *tname = g_strdup_printf("t-%d", (int)getpid());
    g_autofree char *xml = domain_xml(tname);
    virDomainPtr dom = virDomainCreateXML(conn, xml, VIR_DOMAIN_START_PAUSED);
    assert_api(dom);
    g_assert_cmpint((int)virDomainGetID(dom), >, 0);
    g_assert_cmpint(virDomainIsPersistent(dom), ==, 0);
    g_assert_cmpint(virConnectListAllDomains(conn, NULL, VIR_CONNECT_LIST_DOMAINS_TRANSIENT), ==, 1);
    wait_event(mark, VIR_DOMAIN_EVENT_STARTED, -1);
    assert_api(virDomainDestroy(dom) == 0);
    wait_event(mark, VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    g_assert_cmpint(once_calls, ==, 1);
    g_assert_cmpint(once_frees, ==, 1);
    virDomainFree(dom);
    g_assert_null(virDomainLookupByName(conn, tname));
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_DOMAIN);
}

static int timer_fired;
static int timer_freed;
static int handle_events;
static int handle_freed;

static void on_timer(int timer, void *opaque) { timer_fired++; }
static void on_timer_free(void *opaque) { timer_freed++; }
static void on_handle(int watch, int fd, int events, void *opaque) { handle_events |= events; }
static void on_handle_free(void *opaque) { handle_freed++; }

static void
test_timers_and_handles(void)
{
    int fds[2];

    int timer = virEventAddTimeout(20, on_timer, NULL, on_timer_free);
    assert_api(timer > 0);
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (timer_fired < 3 && g_get_monotonic_time() < end)
        assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(timer_fired, >=, 3);
    virEventUpdateTimeout(timer, -1);
    int before = timer_fired;
    assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(timer_fired, ==, before);
    assert_api(virEventRemoveTimeout(timer) == 0);
    g_assert_cmpint(virEventRemoveTimeout(timer), ==, -1);
    assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(timer_freed, ==, 1);

    g_assert_cmpint(pipe(fds), ==, 0);
    int watch = virEventAddHandle(fds[0], VIR_EVENT_HANDLE_READABLE, on_handle, NULL, on_handle_free);
    assert_api(watch > 0);
    g_assert_cmpint(write(fds[1], "x", 1), ==, 1);
    assert_api(virEventRunDefaultImpl() == 0);
    g_assert_true(handle_events & VIR_EVENT_HANDLE_READABLE);
    assert_api(virEventRemoveHandle(watch) == 0);
    assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(handle_freed, ==, 1);
    close(fds[0]);
    close(fds[1]);
}

static void
test_undefine(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, xname);

    assert_api(dom);
    guint mark = seen_count();
    g_assert_cmpint(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_KEEP_NVRAM), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_INVALID_ARG);
    assert_api(virDomainUndefineFlags(dom, 0) == 0);
    wait_event(mark, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    /* The object outlives the domain; the daemon no longer knows it. */
    g_assert_cmpstr(virDomainGetName(dom), ==, xname);
    g_assert_cmpint(virDomainIsActive(dom), ==, -1);
    g_assert_cmpint(virGetLastErrorCode(), ==, VIR_ERR_NO_DOMAIN);
    virDomainFree(dom);
    g_assert_cmpint(virConnectNumOfDefinedDomains(conn), ==, 0);
}

static int legacy_calls;

static int
on_legacy(virConnectPtr c, virDomainPtr dom, int event, int detail, void *opaque)
{
    legacy_calls++;
    return 0;
}

static void
test_deregister_and_close(void)
{
    /* The older registration, on lifecycle events of every domain. */
    assert_api(virConnectDomainEventRegister(conn, on_legacy, NULL, NULL) == 0);
    virDomainPtr dom = virDomainDefineXML(conn, xml_x);
    assert_api(dom);
    gint64 end = g_get_monotonic_time() + EVENT_WAIT_US;
    while (!legacy_calls && g_get_monotonic_time() < end)
        assert_api(virEventRunDefaultImpl() == 0);
    g_assert_cmpint(legacy_calls, ==, 1);
    assert_api(virConnectDomainEventDeregister(conn, on_legacy) == 0);
    g_assert_cmpint(virConnectDomainEventDeregister(conn, on_legacy), ==, -1);
    assert_api(virDomainUndefine(dom) == 0);
    virDomainFree(dom);

    /* Callbacks hold the connection: closing it leaves it open until they go. */
    g_assert_cmpint(virConnectRef(conn), ==, 0);
    g_assert_cmpint(virConnectClose(conn), ==, 2);
    g_assert_cmpint(lifecycle_frees, ==, 0);
    assert_api(virConnectDomainEventDeregisterAny(conn, lifecycle_id) == 0);
    g_assert_cmpint(lifecycle_frees, ==, 1);
    g_assert_cmpint(virConnectDomainEventDeregisterAny(conn, lifecycle_id), ==, -1);
    g_assert_cmpint(virConnectClose(conn), ==, 0);
    conn = NULL;
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    const char *root = g_getenv("MODVIRT_TEST_ROOT");
    if (!root) {
        g_printerr("MODVIRT_TEST_ROOT is not set: run me through with-daemon.py\n");
        return 77;
    }
    if (!g_file_test("/usr/bin/qemu-system-x86_64", G_FILE_TEST_IS_EXECUTABLE) &&
        !g_find_program_in_path("qemu-system-x86_64")) {
        g_printerr("qemu-system-x86_64 is not installed\n");
        return 77;
    }
    virSetErrorFunc(NULL, quiet);
    seen = g_ptr_array_new_with_free_func(seen_free);
    xname = g_strdup_printf("x-%d", (int)getpid());
    xml_x = domain_xml(xname);
    uri_rw = g_strdup_printf("qemu+unix:///system?socket=%s/run/libvirt/virtqemud-sock", root);
    uri_ro = g_strdup_printf("qemu+unix:///system?socket=%s/run/libvirt/virtqemud-sock-ro", root);
    conn = virConnectOpen(uri_rw);
    assert_api(conn);

    g_test_add_func("/client/domain/events-need-loop", test_events_need_loop);
    g_test_add_func("/client/domain/register", test_register);
    g_test_add_func("/client/domain/define-lookup", test_define_and_lookup);
    g_test_add_func("/client/domain/lists-inactive", test_lists_inactive);
    g_test_add_func("/client/domain/inactive-queries", test_inactive_queries);
    g_test_add_func("/client/domain/readonly", test_readonly_refusals);
    g_test_add_func("/client/domain/start", test_start);
    g_test_add_func("/client/domain/events-during-calls", test_events_during_calls);
    g_test_add_func("/client/domain/reboot-event", test_reboot_event);
    g_test_add_func("/client/domain/loop-in-thread", test_loop_in_thread);
    g_test_add_func("/client/domain/destroy-paused-start", test_destroy_and_paused_start);
    g_test_add_func("/client/domain/transient", test_transient);
    g_test_add_func("/client/domain/timers-handles", test_timers_and_handles);
    g_test_add_func("/client/domain/undefine", test_undefine);
    g_test_add_func("/client/domain/deregister-close", test_deregister_and_close);
    int rc = g_test_run();
    g_ptr_array_unref(seen);
    g_free(uri_rw);
    g_free(uri_ro);
    g_free(xname);
    g_free(xml_x);
    return rc;
}
