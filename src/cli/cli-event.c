// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Domain Events" group: `event`, which registers domain event callbacks and runs the
// library's default event loop until one event arrives (or, with --loop, until the timeout
// or an interrupt), printing each as virsh 9.0 prints it.

#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct EventWait EventWait;

/* One event kind as `event --list` names it, and the callback printing it. */
typedef struct {
    const char *name;
    virConnectDomainEventGenericCallback cb;
} EventKind;

/* What the callbacks share with the command. */
struct EventWait {
    bool loop;        /* --loop: keep going after the first event */
    bool timestamp;   /* --timestamp */
    int count;        /* events printed */
    bool done;        /* one-shot mode got its event */
    bool timed_out;
};

/* The callback's opaque data: the shared state and the kind it was registered for. */
typedef struct {
    EventWait *wait;
    const EventKind *kind;
    int id;           /* callback ID, -1 when not registered */
} EventReg;

/* virsh's words for lifecycle events and their details. */
static const char *const event_names[VIR_DOMAIN_EVENT_LAST] = {
    "Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped", "Shutdown", "PMSuspended", "Crashed",
};

static const char *const defined_details[] = { "Added", "Updated", "Renamed", "Snapshot" };
static const char *const undefined_details[] = { "Removed", "Renamed" };
static const char *const started_details[] = { "Booted", "Migrated", "Restored", "Snapshot", "Event wakeup" };
static const char *const suspended_details[] = {
    "Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy",
    "Post-copy Error",
};
static const char *const resumed_details[] = { "Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error" };
static const char *const stopped_details[] = {
    "Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot",
};
static const char *const shutdown_details[] = {
    "Finished", "Finished after guest request", "Finished after host request",
};
static const char *const pmsuspended_details[] = { "Memory", "Disk" };
static const char *const crashed_details[] = { "Panicked", "Crashloaded" };

static const struct {
    const char *const *names;
    size_t n;
} details[VIR_DOMAIN_EVENT_LAST] = {
    { defined_details, G_N_ELEMENTS(defined_details) },
    { undefined_details, G_N_ELEMENTS(undefined_details) },
    { started_details, G_N_ELEMENTS(started_details) },
    { suspended_details, G_N_ELEMENTS(suspended_details) },
    { resumed_details, G_N_ELEMENTS(resumed_details) },
    { stopped_details, G_N_ELEMENTS(stopped_details) },
    { shutdown_details, G_N_ELEMENTS(shutdown_details) },
    { pmsuspended_details, G_N_ELEMENTS(pmsuspended_details) },
    { crashed_details, G_N_ELEMENTS(crashed_details) },
};

static const char *
event_str(int event)
{
    return event >= 0 && event < VIR_DOMAIN_EVENT_LAST ? event_names[event] : "unknown";
}

static const char *
detail_str(int event, int detail)
{
    if (event < 0 || event >= VIR_DOMAIN_EVENT_LAST || detail < 0 || (size_t)detail >= details[event].n)
        return "unknown";
    return details[event].names[detail];
}

/* Print one event line unless a one-shot wait already has its event. */
static void G_GNUC_PRINTF(2, 3)
event_printf(EventReg *reg, const char *fmt, ...)
{
    EventWait *w = reg->wait;
    va_list ap;

    if (!w->loop && w->count)
        return;
    if (w->timestamp) {
        g_autoptr(GDateTime) now = g_date_time_new_now_utc();
        g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
        cli_print("%s.%03d+0000: ", stamp, g_date_time_get_microsecond(now) / 1000);
    }
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    cli_print("%s", msg);
    /* Someone may be watching the output live. */
    fflush(stdout);
    w->count++;
    if (!w->loop)
        w->done = true;
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    event_printf(opaque, "event 'lifecycle' for domain '%s': %s %s\n", virDomainGetName(dom), event_str(event),
                 detail_str(event, detail));
    return 0;
}

/* Events carrying only the domain (reboot, control-error). */
static void
on_generic(virConnectPtr conn, virDomainPtr dom, void *opaque)
{
    EventReg *reg = opaque;
    event_printf(reg, "event '%s' for domain '%s'\n", reg->kind->name, virDomainGetName(dom));
}

/* Every kind virsh 9.0 knows, indexed by virDomainEventID.  libmodvirt delivers lifecycle
 * and reboot; registering the others fails, which `--all` tolerates as virsh does. */
static const EventKind event_kinds[VIR_DOMAIN_EVENT_ID_LAST] = {
    { "lifecycle", VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle) },
    { "reboot", on_generic },
    { "rtc-change", on_generic },
    { "watchdog", on_generic },
    { "io-error", on_generic },
    { "graphics", on_generic },
    { "io-error-reason", on_generic },
    { "control-error", on_generic },
    { "block-job", on_generic },
    { "disk-change", on_generic },
    { "tray-change", on_generic },
    { "pm-wakeup", on_generic },
    { "pm-suspend", on_generic },
    { "balloon-change", on_generic },
    { "pm-suspend-disk", on_generic },
    { "device-removed", on_generic },
    { "block-job-2", on_generic },
    { "tunable", on_generic },
    { "agent-lifecycle", on_generic },
    { "device-added", on_generic },
    { "migration-iteration", on_generic },
    { "job-completed", on_generic },
    { "device-removal-failed", on_generic },
    { "metadata-change", on_generic },
    { "block-threshold", on_generic },
    { "memory-failure", on_generic },
    { "memory-device-size-change", on_generic },
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
    interrupted = 1;
}

static void
on_timeout(int timer, void *opaque)
{
    ((EventWait *)opaque)->timed_out = true;
}

/* Parse --timeout (seconds) into milliseconds, 0 when absent. */
static bool
timeout_ms(const CliArgs *args, int *ret_ms, GError **error)
{
    unsigned int secs = 0;

    if (!cli_args_uint(args, "timeout", &secs, error))
        return false;
    if (cli_args_string(args, "timeout") && (secs == 0 || secs > G_MAXINT / 1000)) {
        g_set_error(error, cli_error_quark(), 0, "Numeric value '%u' for <%s> option is malformed or out of range",
                    secs, "timeout");
        return false;
    }
    *ret_ms = (int)secs * 1000;
    return true;
}

/* Run the loop until the wait ends; the reason is left in @w and `interrupted`. */
static bool
run_loop(EventWait *w, int timeout, GError **error)
{
    struct sigaction sa = { .sa_handler = on_sigint }, old;
    int timer = -1;
    bool ok = true;

    if (timeout > 0 && (timer = virEventAddTimeout(timeout, on_timeout, w, NULL)) < 0)
        return false;
    interrupted = 0;
    /* No SA_RESTART: the loop's poll() must return on ^C. */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    while (!w->done && !w->timed_out && !interrupted) {
        if (virEventRunDefaultImpl() < 0) {
            ok = false;
            break;
        }
    }
    sigaction(SIGINT, &old, NULL);
    if (timer >= 0)
        virEventRemoveTimeout(timer);
    return ok;
}

static bool
cmd_event(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *event_name = cli_args_string(args, "event");
    bool all = cli_args_bool(args, "all");
    EventWait w = { .loop = cli_args_bool(args, "loop"), .timestamp = cli_args_bool(args, "timestamp") };
    EventReg regs[VIR_DOMAIN_EVENT_ID_LAST];
    size_t nregs = 0;
    int timeout = 0;

    if (!cli_args_exclusive(args, "all", "event", error) || !cli_args_exclusive(args, "list", "all", error) ||
        !cli_args_exclusive(args, "list", "event", error))
        return false;
    if (cli_args_bool(args, "list")) {
        for (size_t i = 0; i < G_N_ELEMENTS(event_kinds); i++)
            cli_print("%s\n", event_kinds[i].name);
        return true;
    }
    if (!event_name && !all) {
        g_set_error(error, cli_error_quark(), 0, "one of --list, --all, or --event <type> is required");
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(event_kinds); i++) {
        if (event_name && strcmp(event_name, event_kinds[i].name) != 0)
            continue;
        regs[nregs++] = (EventReg){ .wait = &w, .kind = &event_kinds[i], .id = -1 };
    }
    if (nregs == 0) {
        g_set_error(error, cli_error_quark(), 0, "unknown event type %s", event_name);
        return false;
    }
    if (!timeout_ms(args, &timeout, error))
        return false;
    g_autoptr(virDomain) dom = NULL;
    if (cli_args_string(args, "domain") && !(dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error)))
        return false;

    bool ok = false;
    for (size_t i = 0; i < nregs; i++) {
        int event_id = (int)(regs[i].kind - event_kinds);
        regs[i].id = virConnectDomainEventRegisterAny(ctl->conn, dom, event_id, regs[i].kind->cb, &regs[i], NULL);
        if (regs[i].id >= 0)
            continue;
        /* With --all, kinds after the first that fail are taken for ones this daemon (or
         * library) does not know, as virsh does. */
        if (i == 0)
            goto cleanup;
        cli_reset_lib_error();
    }
    if (!run_loop(&w, timeout, error))
        goto cleanup;
    if (interrupted)
        cli_print("event loop interrupted\n");
    else if (w.timed_out)
        cli_print("event loop timed out\n");
    cli_print("events received: %d\n", w.count);
    ok = w.count > 0;

cleanup:
    for (size_t i = 0; i < nregs; i++) {
        if (regs[i].id >= 0 && virConnectDomainEventDeregisterAny(ctl->conn, regs[i].id) < 0)
            ok = false;
    }
    return ok;
}

static const CliOpt event_opts[] = {
    { "domain", CLI_OPT_STRING, 0, "filter by domain name, id or uuid" },
    { "event", CLI_OPT_STRING, 0, "which event type to wait for" },
    { "all", CLI_OPT_BOOL, 0, "wait for all events instead of just one type" },
    { "loop", CLI_OPT_BOOL, 0, "loop until timeout or interrupt, rather than one-shot" },
    { "timeout", CLI_OPT_INT, 0, "timeout seconds" },
    { "list", CLI_OPT_BOOL, 0, "list valid event types" },
    { "timestamp", CLI_OPT_BOOL, 0, "show timestamp for each printed event" },
    { NULL },
};

const CliCmd cli_event_cmds[] = {
    { "event", "Domain Events", "List event types, or wait for domain events to occur", event_opts, cmd_event, 0 },
    { NULL },
};
