// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Domain Statistics" commands: domstats, printed as virsh 9.0 prints it, and top, a
// live per-domain and per-vCPU view (CPU %, wait %, memory) computed from two consecutive
// virConnectGetAllDomainStats answers, so it works against any libvirt-compatible daemon.

#include "cli.h"
#include "cli-stats.h"
#include "modvirt/libvirt-domain-stats.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* How many domains `domstats` takes on its command line (the parser binds one word per
 * option, so each slot is an option of its own). */
#define DOMSTATS_DOMAINS_MAX 16

/* ---- domstats ---- */

static const struct {
    const char *opt;
    unsigned int bit;
} domstats_groups[] = {
    { "state", VIR_DOMAIN_STATS_STATE },
    { "cpu-total", VIR_DOMAIN_STATS_CPU_TOTAL },
    { "balloon", VIR_DOMAIN_STATS_BALLOON },
    { "vcpu", VIR_DOMAIN_STATS_VCPU },
    { "interface", VIR_DOMAIN_STATS_INTERFACE },
    { "block", VIR_DOMAIN_STATS_BLOCK },
    { "perf", VIR_DOMAIN_STATS_PERF },
    { "iothread", VIR_DOMAIN_STATS_IOTHREAD },
    { "memory", VIR_DOMAIN_STATS_MEMORY },
    { "dirtyrate", VIR_DOMAIN_STATS_DIRTYRATE },
    { "vm", VIR_DOMAIN_STATS_VM },
};

static const struct {
    const char *opt;
    unsigned int bit;
} domstats_flags[] = {
    { "list-active", VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE },
    { "list-inactive", VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE },
    { "list-persistent", VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT },
    { "list-transient", VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT },
    { "list-running", VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING },
    { "list-paused", VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED },
    { "list-shutoff", VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF },
    { "list-other", VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER },
    { "nowait", VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT },
    { "backing", VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING },
    { "enforce", VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS },
};

/* A typed parameter's value as virsh prints it. */
static char *
param_value(const virTypedParameter *p)
{
    switch (p->type) {
    case VIR_TYPED_PARAM_INT:
        return g_strdup_printf("%d", p->value.i);
    case VIR_TYPED_PARAM_UINT:
        return g_strdup_printf("%u", p->value.ui);
    case VIR_TYPED_PARAM_LLONG:
        return g_strdup_printf("%lld", p->value.l);
    case VIR_TYPED_PARAM_ULLONG:
        return g_strdup_printf("%llu", p->value.ul);
    case VIR_TYPED_PARAM_DOUBLE:
        return g_strdup_printf("%f", p->value.d);
    case VIR_TYPED_PARAM_BOOLEAN:
        return g_strdup(p->value.b ? "yes" : "no");
    case VIR_TYPED_PARAM_STRING:
        return g_strdup(p->value.s ? p->value.s : "");
    default:
        return g_strdup_printf("unimplemented parameter type %d", p->type);
    }
}

static bool
cmd_domstats(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned int stats = 0, flags = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(domstats_groups); i++) {
        if (cli_args_bool(args, domstats_groups[i].opt))
            stats |= domstats_groups[i].bit;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(domstats_flags); i++) {
        if (cli_args_bool(args, domstats_flags[i].opt))
            flags |= domstats_flags[i].bit;
    }

    g_autoptr(GPtrArray) doms = g_ptr_array_new();
    for (int i = 1; i <= DOMSTATS_DOMAINS_MAX; i++) {
        g_autofree char *opt = i == 1 ? g_strdup("domain") : g_strdup_printf("domain%d", i);
        const char *name = cli_args_string(args, opt);
        if (!name)
            continue;
        virDomainPtr dom = cli_domain_lookup(ctl, name, CLI_BY_ANY, error);
        if (!dom) {
            for (guint k = 0; k < doms->len; k++)
                cli_domain_free(doms->pdata[k]);
            return false;
        }
        g_ptr_array_add(doms, dom);
    }

    virDomainStatsRecordPtr *recs = NULL;
    int n;
    if (doms->len) {
        g_ptr_array_add(doms, NULL);
        n = virDomainListGetStats((virDomainPtr *)doms->pdata, stats, &recs, flags);
        g_ptr_array_set_size(doms, doms->len - 1);
    } else {
        n = virConnectGetAllDomainStats(ctl->conn, stats, &recs, flags);
    }
    for (guint k = 0; k < doms->len; k++)
        cli_domain_free(doms->pdata[k]);
    if (n < 0) {
        cli_save_lib_error();
        g_set_error(error, cli_error_quark(), 0, "failed to get domain statistics");
        return false;
    }
    for (virDomainStatsRecordPtr *r = recs; r && *r; r++) {
        cli_print("Domain: '%s'\n", virDomainGetName((*r)->dom));
        for (int i = 0; i < (*r)->nparams; i++) {
            g_autofree char *v = param_value(&(*r)->params[i]);
            cli_print("  %s=%s\n", (*r)->params[i].field, v);
        }
        cli_print("\n");
    }
    virDomainStatsRecordListFree(recs);
    return true;
}

static const CliOpt domstats_opts[] = {
    { "state", CLI_OPT_BOOL, 0, "report domain state" },
    { "cpu-total", CLI_OPT_BOOL, 0, "report domain physical cpu usage" },
    { "balloon", CLI_OPT_BOOL, 0, "report domain balloon statistics" },
    { "vcpu", CLI_OPT_BOOL, 0, "report domain virtual cpu information" },
    { "interface", CLI_OPT_BOOL, 0, "report domain network interface information" },
    { "block", CLI_OPT_BOOL, 0, "report domain block device statistics" },
    { "perf", CLI_OPT_BOOL, 0, "report domain perf event statistics" },
    { "iothread", CLI_OPT_BOOL, 0, "report domain IOThread information" },
    { "memory", CLI_OPT_BOOL, 0, "report domain memory usage" },
    { "dirtyrate", CLI_OPT_BOOL, 0, "report domain dirty rate information" },
    { "vm", CLI_OPT_BOOL, 0, "report hypervisor-specific statistics" },
    { "list-active", CLI_OPT_BOOL, 0, "list only active domains" },
    { "list-inactive", CLI_OPT_BOOL, 0, "list only inactive domains" },
    { "list-persistent", CLI_OPT_BOOL, 0, "list only persistent domains" },
    { "list-transient", CLI_OPT_BOOL, 0, "list only transient domains" },
    { "list-running", CLI_OPT_BOOL, 0, "list only running domains" },
    { "list-paused", CLI_OPT_BOOL, 0, "list only paused domains" },
    { "list-shutoff", CLI_OPT_BOOL, 0, "list only shutoff domains" },
    { "list-other", CLI_OPT_BOOL, 0, "list only domains in other states" },
    { "raw", CLI_OPT_BOOL, 0, "do not pretty-print the fields" },
    { "enforce", CLI_OPT_BOOL, 0, "enforce requested stats parameters" },
    { "backing", CLI_OPT_BOOL, 0, "add backing chain information to block stats" },
    { "nowait", CLI_OPT_BOOL, 0, "report only stats that are accessible instantly" },
    { "domain", CLI_OPT_STRING, 0, "list of domains to get stats for" },
    { "domain2", CLI_OPT_STRING, 0, "another domain" },
    { "domain3", CLI_OPT_STRING, 0, "another domain" },
    { "domain4", CLI_OPT_STRING, 0, "another domain" },
    { "domain5", CLI_OPT_STRING, 0, "another domain" },
    { "domain6", CLI_OPT_STRING, 0, "another domain" },
    { "domain7", CLI_OPT_STRING, 0, "another domain" },
    { "domain8", CLI_OPT_STRING, 0, "another domain" },
    { "domain9", CLI_OPT_STRING, 0, "another domain" },
    { "domain10", CLI_OPT_STRING, 0, "another domain" },
    { "domain11", CLI_OPT_STRING, 0, "another domain" },
    { "domain12", CLI_OPT_STRING, 0, "another domain" },
    { "domain13", CLI_OPT_STRING, 0, "another domain" },
    { "domain14", CLI_OPT_STRING, 0, "another domain" },
    { "domain15", CLI_OPT_STRING, 0, "another domain" },
    { "domain16", CLI_OPT_STRING, 0, "another domain" },
    { NULL },
};
G_STATIC_ASSERT(DOMSTATS_DOMAINS_MAX == 16);

/* ---- top ---- */

/* What top shows of one domain in one snapshot. */
typedef struct {
    char *name;
    int id;                      /* -1 when inactive */
    int state;
    bool has_cpu;
    unsigned long long cpu_ns;
    unsigned long long mem_kib, rss_kib;
    unsigned int nvcpus;         /* vcpu.current */
    GArray *vcpus;               /* TopVcpu */
    /* Rates against the previous snapshot (negative: unknown). */
    double cpu_pct, wait_pct;
} TopDom;

typedef struct {
    unsigned int n;
    int state;
    bool has_time;
    unsigned long long time_ns, wait_ns;
    double run_pct, wait_pct;
} TopVcpu;

static void
top_dom_free(TopDom *d)
{
    g_free(d->name);
    g_array_unref(d->vcpus);
    g_free(d);
}

static unsigned long long
ull(virDomainStatsRecordPtr r, const char *key, bool *ret_found)
{
    unsigned long long v = 0;
    bool found = virTypedParamsGetULLong(r->params, r->nparams, key, &v) == 1;
    if (ret_found)
        *ret_found = found;
    return v;
}

static TopDom *
top_dom_from(virDomainStatsRecordPtr r)
{
    TopDom *d = g_new0(TopDom, 1);
    d->name = g_strdup(virDomainGetName(r->dom));
    d->id = (int)virDomainGetID(r->dom);
    virTypedParamsGetInt(r->params, r->nparams, "state.state", &d->state);
    d->cpu_ns = ull(r, "cpu.time", &d->has_cpu);
    d->mem_kib = ull(r, "balloon.current", NULL);
    d->rss_kib = ull(r, "balloon.rss", NULL);
    virTypedParamsGetUInt(r->params, r->nparams, "vcpu.current", &d->nvcpus);
    d->vcpus = g_array_new(FALSE, TRUE, sizeof(TopVcpu));
    d->cpu_pct = d->wait_pct = -1.0;
    /* vCPU numbers may be sparse: walk the keys rather than 0..current. */
    for (int i = 0; i < r->nparams; i++) {
        unsigned int n;
        char rest[VIR_TYPED_PARAM_FIELD_LENGTH];
        if (sscanf(r->params[i].field, "vcpu.%u.%79s", &n, rest) != 2 || strcmp(rest, "state") != 0)
            continue;
        TopVcpu v = { .n = n, .state = r->params[i].value.i, .run_pct = -1.0, .wait_pct = -1.0 };
        char key[VIR_TYPED_PARAM_FIELD_LENGTH];
        snprintf(key, sizeof(key), "vcpu.%u.time", n);
        v.time_ns = ull(r, key, &v.has_time);
        snprintf(key, sizeof(key), "vcpu.%u.wait", n);
        v.wait_ns = ull(r, key, NULL);
        g_array_append_val(d->vcpus, v);
    }
    return d;
}

static double
rate(unsigned long long before, unsigned long long after, double dt_s)
{
    return after >= before ? 100.0 * (double)(after - before) / (dt_s * 1e9) : 0.0;
}

/* Fill the rates of @cur from @prev (same domain, @dt_s seconds earlier). */
static void
top_rates(TopDom *cur, const TopDom *prev, double dt_s)
{
    if (!prev || prev->id != cur->id || cur->id < 0 || dt_s <= 0)
        return;
    if (cur->has_cpu && prev->has_cpu)
        cur->cpu_pct = rate(prev->cpu_ns, cur->cpu_ns, dt_s);
    double wait = 0.0;
    bool any = false;
    for (guint i = 0; i < cur->vcpus->len; i++) {
        TopVcpu *v = &g_array_index(cur->vcpus, TopVcpu, i);
        for (guint k = 0; k < prev->vcpus->len; k++) {
            const TopVcpu *p = &g_array_index(prev->vcpus, TopVcpu, k);
            if (p->n != v->n || !p->has_time || !v->has_time)
                continue;
            v->run_pct = rate(p->time_ns, v->time_ns, dt_s);
            v->wait_pct = rate(p->wait_ns, v->wait_ns, dt_s);
            wait += v->wait_pct;
            any = true;
        }
    }
    if (any)
        cur->wait_pct = wait;
}

typedef enum {
    TOP_SORT_CPU,
    TOP_SORT_WAIT,
    TOP_SORT_MEM,
    TOP_SORT_NAME,
    TOP_SORT_ID,
} TopSort;

static const char *const top_sort_names[] = { "cpu", "wait", "mem", "name", "id", NULL };

static TopSort top_sort_key;

static gint
top_compare(gconstpointer a, gconstpointer b)
{
    const TopDom *x = *(TopDom *const *)a, *y = *(TopDom *const *)b;
    int c = 0;
    switch (top_sort_key) {
    case TOP_SORT_CPU:
        c = (y->cpu_pct > x->cpu_pct) - (y->cpu_pct < x->cpu_pct);
        break;
    case TOP_SORT_WAIT:
        c = (y->wait_pct > x->wait_pct) - (y->wait_pct < x->wait_pct);
        break;
    case TOP_SORT_MEM:
        c = (y->mem_kib > x->mem_kib) - (y->mem_kib < x->mem_kib);
        break;
    case TOP_SORT_ID:
        /* Running ones by id, then the others. */
        c = (x->id < 0) - (y->id < 0);
        if (!c)
            c = (x->id > y->id) - (x->id < y->id);
        break;
    case TOP_SORT_NAME:
        break;
    }
    return c ? c : g_strcmp0(x->name, y->name);
}

static const char *
vcpu_state_str(int state)
{
    switch (state) {
    case VIR_VCPU_OFFLINE:
        return "offline";
    case VIR_VCPU_RUNNING:
        return "running";
    case VIR_VCPU_BLOCKED:
        return "blocked";
    default:
        return "no state";
    }
}

static void
pct_cell(GString *s, double v)
{
    if (v < 0)
        g_string_append_printf(s, " %7s", "-");
    else
        g_string_append_printf(s, " %7.1f", v);
}

/* One snapshot as text. */
static char *
top_render(GPtrArray *doms, double interval_s, bool vcpus, bool tty)
{
    GString *out = g_string_new(NULL);
    unsigned running = 0;
    for (guint i = 0; i < doms->len; i++)
        running += ((TopDom *)doms->pdata[i])->id >= 0;
    char now[16];
    time_t t = time(NULL);
    strftime(now, sizeof(now), "%H:%M:%S", localtime(&t));
    g_string_append_printf(out, "modvirt top - %s  %u domains, %u running  interval %.1f s  sort %s%s\n", now,
                           doms->len, running, interval_s, top_sort_names[top_sort_key],
                           tty ? "  [c]pu [w]ait [m]em [n]ame [i]d [v]cpus [q]uit" : "");
    g_string_append_printf(out, "%5s %-20s %-10s %7s %7s %5s %9s %9s\n", "ID", "NAME", "STATE", "CPU%", "WAIT%",
                           "VCPUS", "MEM MiB", "RSS MiB");
    for (guint i = 0; i < doms->len; i++) {
        const TopDom *d = doms->pdata[i];
        if (d->id >= 0)
            g_string_append_printf(out, "%5d", d->id);
        else
            g_string_append_printf(out, "%5s", "-");
        g_string_append_printf(out, " %-20s %-10s", d->name, cli_domain_state_str(d->state));
        pct_cell(out, d->cpu_pct);
        pct_cell(out, d->wait_pct);
        g_string_append_printf(out, " %5u %9llu", d->nvcpus, d->mem_kib / 1024);
        if (d->id >= 0 && d->rss_kib)
            g_string_append_printf(out, " %9llu\n", d->rss_kib / 1024);
        else
            g_string_append_printf(out, " %9s\n", "-");
        for (guint k = 0; vcpus && d->id >= 0 && k < d->vcpus->len; k++) {
            const TopVcpu *v = &g_array_index(d->vcpus, TopVcpu, k);
            g_autofree char *label = g_strdup_printf("vcpu %u", v->n);
            g_string_append_printf(out, "%5s   %-18s %-10s", "", label, vcpu_state_str(v->state));
            pct_cell(out, v->run_pct);
            pct_cell(out, v->wait_pct);
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}

/* A snapshot: the domains, keyed and listed; rates from @prev. */
static GPtrArray *
top_snapshot(virConnectPtr conn, GHashTable *prev, double dt_s, GError **error)
{
    virDomainStatsRecordPtr *recs = NULL;
    unsigned int stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |
                         VIR_DOMAIN_STATS_VCPU;
    if (virConnectGetAllDomainStats(conn, stats, &recs, 0) < 0) {
        cli_save_lib_error();
        g_set_error(error, cli_error_quark(), 0, "failed to get domain statistics");
        return NULL;
    }
    GPtrArray *doms = g_ptr_array_new_with_free_func((GDestroyNotify)top_dom_free);
    for (virDomainStatsRecordPtr *r = recs; *r; r++) {
        TopDom *d = top_dom_from(*r);
        top_rates(d, prev ? g_hash_table_lookup(prev, d->name) : NULL, dt_s);
        g_ptr_array_add(doms, d);
    }
    virDomainStatsRecordListFree(recs);
    g_ptr_array_sort(doms, top_compare);
    return doms;
}

static volatile sig_atomic_t top_interrupted;

static void
top_on_sigint(int sig)
{
    top_interrupted = 1;
}

/* Wait @seconds, or less when a key changes the view; returns the key pressed (0: none). */
static int
top_wait(double seconds, bool keys)
{
    gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
    for (;;) {
        gint64 left = end - g_get_monotonic_time();
        if (left <= 0 || top_interrupted)
            return 0;
        if (!keys) {
            g_usleep((gulong)MIN(left, 100000));
            continue;
        }
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        int rc = poll(&pfd, 1, (int)MIN(left / 1000 + 1, 100));
        if (rc > 0) {
            char c;
            if (read(STDIN_FILENO, &c, 1) == 1)
                return c;
            return 'q';   /* stdin closed */
        }
    }
}

static GHashTable *
top_index(GPtrArray *doms)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < doms->len; i++)
        g_hash_table_insert(h, ((TopDom *)doms->pdata[i])->name, doms->pdata[i]);
    return h;
}

static bool
cmd_top(CliCtl *ctl, const CliArgs *args, GError **error)
{
    double interval = 1.0;
    const char *s = cli_args_string(args, "interval");
    if (s) {
        char *end;
        interval = g_ascii_strtod(s, &end);
        if (*end || interval < 0.1 || interval > 3600) {
            g_set_error(error, cli_error_quark(), 0, "invalid interval '%s': expected seconds from 0.1 to 3600", s);
            return false;
        }
    }
    int iterations = 0;
    if (!cli_args_int(args, "iterations", &iterations, error))
        return false;
    if (iterations < 0) {
        g_set_error(error, cli_error_quark(), 0, "invalid iterations %d", iterations);
        return false;
    }
    top_sort_key = TOP_SORT_CPU;
    const char *sort = cli_args_string(args, "sort");
    if (sort) {
        int k = -1;
        for (int i = 0; top_sort_names[i]; i++) {
            if (g_ascii_strcasecmp(sort, top_sort_names[i]) == 0)
                k = i;
        }
        if (k < 0) {
            g_set_error(error, cli_error_quark(), 0, "invalid sort key '%s': expected cpu, wait, mem, name or id", sort);
            return false;
        }
        top_sort_key = (TopSort)k;
    }
    bool batch = cli_args_bool(args, "batch");
    bool vcpus = !cli_args_bool(args, "no-vcpus");
    /* Live view only on a terminal; otherwise snapshots, as --batch. */
    bool tty = !batch && isatty(STDOUT_FILENO);
    bool keys = tty && isatty(STDIN_FILENO);

    struct termios saved;
    bool restore = false;
    if (keys && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios raw = saved;
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    struct sigaction sa = { .sa_handler = top_on_sigint }, old_sa;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    top_interrupted = 0;

    bool ok = true;
    g_autoptr(GPtrArray) prev = top_snapshot(ctl->conn, NULL, 0, error);
    gint64 prev_us = g_get_monotonic_time();
    if (!prev)
        ok = false;
    int shown = 0;
    double wait_s = interval;
    while (ok && !top_interrupted && (!iterations || shown < iterations)) {
        int key = top_wait(wait_s, keys);
        if (top_interrupted || key == 'q')
            break;
        gint64 now_us = g_get_monotonic_time();
        if (key) {
            /* A key re-sorts and redraws at once; the next sample keeps its interval. */
            switch (key) {
            case 'c': top_sort_key = TOP_SORT_CPU; break;
            case 'w': top_sort_key = TOP_SORT_WAIT; break;
            case 'm': top_sort_key = TOP_SORT_MEM; break;
            case 'n': top_sort_key = TOP_SORT_NAME; break;
            case 'i': top_sort_key = TOP_SORT_ID; break;
            case 'v': vcpus = !vcpus; break;
            default: break;
            }
            wait_s = MAX(0.0, interval - (double)(now_us - prev_us) / G_USEC_PER_SEC);
            if (shown) {
                g_ptr_array_sort(prev, top_compare);
                g_autofree char *text = top_render(prev, interval, vcpus, tty);
                cli_print("\033[H\033[2J%s", text);
            }
            continue;
        }
        g_autoptr(GHashTable) index = top_index(prev);
        GPtrArray *cur = top_snapshot(ctl->conn, index, (double)(now_us - prev_us) / G_USEC_PER_SEC, error);
        g_clear_pointer(&index, g_hash_table_unref);
        if (!cur) {
            ok = false;
            break;
        }
        g_ptr_array_unref(prev);
        prev = cur;
        prev_us = now_us;
        wait_s = interval;
        g_autofree char *text = top_render(cur, interval, vcpus, tty);
        if (tty)
            cli_print("\033[H\033[2J%s", text);
        else
            cli_print("%s%s", shown ? "\n" : "", text);
        fflush(stdout);
        shown++;
    }
    sigaction(SIGINT, &old_sa, NULL);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return ok;
}

static const CliOpt top_opts[] = {
    { "interval", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "seconds between snapshots (default 1)" },
    { "iterations", CLI_OPT_INT, CLI_OPT_NAMED_ONLY, "stop after this many snapshots (default: until q or Ctrl-C)" },
    { "sort", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "cpu (default), wait, mem, name or id" },
    { "batch", CLI_OPT_BOOL, 0, "print one plain snapshot per interval, for scripts" },
    { "no-vcpus", CLI_OPT_BOOL, 0, "leave out the per-vCPU rows" },
    { NULL },
};

const CliCmd cli_stats_cmds[] = {
    { "domstats", "get statistics about one or multiple domains",
      "Gets statistics about one or more (or all) domains. The statistics groups are\n"
      "    --state --cpu-total --balloon --vcpu --interface --block; without any, all the\n"
      "    daemon has. vcpu.N.time, vcpu.N.wait and vcpu.N.delay are nanoseconds.",
      domstats_opts, cmd_domstats, 0 },
    { "top", "live CPU, wait and memory of every domain and vCPU",
      "Shows each domain's CPU use, the time its vCPUs waited for a host CPU (both in % of\n"
      "    one host CPU) and its memory, refreshed every interval, with a row per vCPU.\n"
      "    Keys: c w m n i sort by CPU, wait, memory, name or id; v shows or hides vCPU rows;\n"
      "    q quits. --batch prints one snapshot per interval instead, for scripts.",
      top_opts, cmd_top, 0 },
    { NULL },
};
