// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Domain Monitoring" commands: list, dominfo and domstate, printed as virsh 9.0
// prints them (its table layout, its field labels and widths, its sort order).

#include "cli.h"

#include <limits.h>
#include <string.h>

/* ---- list ---- */

/* Display width of a cell: characters, not bytes, for UTF-8 names. */
static size_t
cell_width(const char *s)
{
    return g_utf8_validate(s, -1, NULL) ? (size_t)g_utf8_strlen(s, -1) : strlen(s);
}

/* A cell as virsh's tables show it: control characters (and a backslash before 'x', which
 * would read as one) become \xHH, so a name or title cannot break the layout. */
static char *
table_cell(const char *s)
{
    GString *out = g_string_new(NULL);
    for (const char *p = s; *p; p++) {
        if ((*p == '\\' && p[1] == 'x') || g_ascii_iscntrl(*p))
            g_string_append_printf(out, "\\x%02x", (unsigned char)*p);
        else
            g_string_append_c(out, *p);
    }
    return g_string_free(out, FALSE);
}

/* GMarkup callbacks collecting the text of the first <title> right under the root. */
typedef struct {
    int depth;
    bool in_title;
    bool done;
    GString *text;
} TitleParse;

static void
title_start(GMarkupParseContext *ctx, const char *name, const char **attr_names, const char **attr_values,
            gpointer data, GError **error)
{
    TitleParse *tp = data;
    tp->depth++;
    if (tp->depth == 2 && !tp->done && strcmp(name, "title") == 0)
        tp->in_title = true;
}

static void
title_end(GMarkupParseContext *ctx, const char *name, gpointer data, GError **error)
{
    TitleParse *tp = data;
    if (tp->in_title && tp->depth == 2) {
        tp->in_title = false;
        tp->done = true;
    }
    tp->depth--;
}

static void
title_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data, GError **error)
{
    TitleParse *tp = data;
    if (tp->in_title)
        g_string_append_len(tp->text, text, len);
}

/* The title of @dom ("" without one), read from its XML as virsh does when the daemon has
 * no metadata call.  NULL on error, with the library's error kept. */
static char *
domain_title(virDomainPtr dom)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml)
        return NULL;
    static const GMarkupParser parser = { title_start, title_end, title_text, NULL, NULL };
    TitleParse tp = { .text = g_string_new(NULL) };
    g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, &tp, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_markup_parse_context_parse(ctx, xml, -1, &error) || !g_markup_parse_context_end_parse(ctx, &error)) {
        cli_set_lib_error(VIR_ERR_XML_ERROR, "XML error: %s", error->message);
        g_string_free(tp.text, TRUE);
        return NULL;
    }
    return g_string_free(tp.text, FALSE);
}

/* Print @rows (GStrv each, the first the header) as virsh's tables: a space before each
 * cell, columns padded to their widest cell plus two, a dashed rule under the header. */
void
cli_print_table(GPtrArray *rows)
{
    char **header = rows->pdata[0];
    guint ncols = g_strv_length(header);
    g_autofree size_t *widths = g_new0(size_t, ncols);

    for (guint r = 0; r < rows->len; r++) {
        char **row = rows->pdata[r];
        for (guint c = 0; c < ncols; c++)
            widths[c] = MAX(widths[c], cell_width(row[c]));
    }
    for (guint r = 0; r < rows->len; r++) {
        char **row = rows->pdata[r];
        g_autoptr(GString) line = g_string_new(NULL);
        for (guint c = 0; c < ncols; c++) {
            g_string_append_c(line, ' ');
            g_string_append(line, row[c]);
            if (c + 1 < ncols) {
                for (size_t k = cell_width(row[c]); k < widths[c] + 2; k++)
                    g_string_append_c(line, ' ');
            }
        }
        cli_print("%s\n", line->str);
        if (r == 0) {
            g_autoptr(GString) rule = g_string_new(NULL);
            for (guint c = 0; c < ncols; c++) {
                for (size_t k = 0; k < widths[c] + 3; k++)
                    g_string_append_c(rule, '-');
            }
            cli_print("%s\n", rule->str);
        }
    }
}

/* virsh's order: running domains by ID, then the others by name, ignoring case. */
static gint
compare_domains(gconstpointer a, gconstpointer b)
{
    virDomainPtr da = *(virDomainPtr *)a, db = *(virDomainPtr *)b;
    unsigned int ia = virDomainGetID(da), ib = virDomainGetID(db);
    const unsigned int inactive = (unsigned int)-1;

    if (ia == inactive && ib == inactive)
        return g_ascii_strcasecmp(virDomainGetName(da), virDomainGetName(db));
    if (ia != inactive && ib != inactive)
        return ia < ib ? -1 : ia > ib;
    return ia != inactive ? -1 : 1;
}

/* Does @dom pass the filters in @flags that the old listing calls cannot apply?  Only the
 * ones answerable through domain calls are supported; -1 on error. */
static int
filter_match(virDomainPtr dom, unsigned int flags)
{
    if (flags & (VIR_CONNECT_LIST_DOMAINS_PERSISTENT | VIR_CONNECT_LIST_DOMAINS_TRANSIENT)) {
        int p = virDomainIsPersistent(dom);
        if (p < 0)
            return -1;
        if (!((p && (flags & VIR_CONNECT_LIST_DOMAINS_PERSISTENT)) ||
              (!p && (flags & VIR_CONNECT_LIST_DOMAINS_TRANSIENT))))
            return 0;
    }
    unsigned int states = VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
                          VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER;
    if (flags & states) {
        int st = cli_domain_state(dom, NULL);
        if (st < 0)
            return -1;
        unsigned int bit = st == VIR_DOMAIN_RUNNING ? VIR_CONNECT_LIST_DOMAINS_RUNNING
                         : st == VIR_DOMAIN_PAUSED ? VIR_CONNECT_LIST_DOMAINS_PAUSED
                         : st == VIR_DOMAIN_SHUTOFF ? VIR_CONNECT_LIST_DOMAINS_SHUTOFF
                         : VIR_CONNECT_LIST_DOMAINS_OTHER;
        if (!(flags & bit))
            return 0;
    }
    if (flags & (VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE | VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE)) {
        int m = virDomainHasManagedSaveImage(dom, 0);
        if (m < 0)
            return -1;
        if (!((m && (flags & VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)) ||
              (!m && (flags & VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE))))
            return 0;
    }
    if (flags & (VIR_CONNECT_LIST_DOMAINS_AUTOSTART | VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART)) {
        int a;
        if (virDomainGetAutostart(dom, &a) < 0)
            return -1;
        if (!((a && (flags & VIR_CONNECT_LIST_DOMAINS_AUTOSTART)) ||
              (!a && (flags & VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART))))
            return 0;
    }
    return 1;
}

/* The domains the old calls (count, IDs, names) list, for daemons without
 * CONNECT_LIST_ALL_DOMAINS.  NULL on error. */
static GPtrArray *
collect_old_style(CliCtl *ctl, unsigned int flags)
{
    g_autoptr(GPtrArray) doms = g_ptr_array_new_with_free_func((GDestroyNotify)cli_domain_free);

    if (flags & (VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT | VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT |
                 VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT | VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT)) {
        cli_set_lib_error(VIR_ERR_NO_SUPPORT,
                          "snapshot and checkpoint filters need a daemon that lists domains itself");
        return NULL;
    }
    if (flags & VIR_CONNECT_LIST_DOMAINS_ACTIVE) {
        int n = virConnectNumOfDomains(ctl->conn);
        if (n < 0)
            return NULL;
        g_autofree int *ids = g_new0(int, MAX(n, 1));
        if (n > 0 && (n = virConnectListDomains(ctl->conn, ids, n)) < 0)
            return NULL;
        for (int i = 0; i < n; i++) {
            virDomainPtr dom = virDomainLookupByID(ctl->conn, ids[i]);
            /* Gone since it was listed: not an error. */
            if (dom)
                g_ptr_array_add(doms, dom);
            else
                cli_reset_lib_error();
        }
    }
    if (flags & VIR_CONNECT_LIST_DOMAINS_INACTIVE) {
        int n = virConnectNumOfDefinedDomains(ctl->conn);
        if (n < 0)
            return NULL;
        char **names = g_new0(char *, MAX(n, 1) + 1);
        if (n > 0 && (n = virConnectListDefinedDomains(ctl->conn, names, n)) < 0) {
            g_strfreev(names);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            virDomainPtr dom = virDomainLookupByName(ctl->conn, names[i]);
            if (dom)
                g_ptr_array_add(doms, dom);
            else
                cli_reset_lib_error();
        }
        g_strfreev(names);
    }
    unsigned int other = flags & ~(unsigned int)(VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE);
    for (guint i = doms->len; other && i-- > 0;) {
        int m = filter_match(doms->pdata[i], other);
        if (m < 0)
            return NULL;
        if (m == 0)
            g_ptr_array_remove_index(doms, i);
    }
    return g_steal_pointer(&doms);
}

/* The domains matching @flags, sorted as virsh sorts them.  NULL on error (the library's
 * error is kept for the report). */
static GPtrArray *
collect_domains(CliCtl *ctl, unsigned int flags)
{
    virDomainPtr *list = NULL;
    g_autoptr(GPtrArray) doms = NULL;

    int n = virConnectListAllDomains(ctl->conn, &list, flags);
    if (n >= 0) {
        doms = g_ptr_array_new_with_free_func((GDestroyNotify)cli_domain_free);
        for (int i = 0; i < n; i++)
            g_ptr_array_add(doms, list[i]);
        free(list);
    } else if (virGetLastErrorCode() == VIR_ERR_NO_SUPPORT) {
        cli_reset_lib_error();
        doms = collect_old_style(ctl, flags);
    } else if (virGetLastErrorCode() == VIR_ERR_INVALID_ARG) {
        /* A daemon that knows the call but not every filter: ask for the basic sets and
         * filter here, as virsh does. */
        unsigned int basic = flags & (VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE);
        cli_reset_lib_error();
        n = virConnectListAllDomains(ctl->conn, &list, basic);
        if (n >= 0) {
            doms = g_ptr_array_new_with_free_func((GDestroyNotify)cli_domain_free);
            for (int i = 0; i < n; i++)
                g_ptr_array_add(doms, list[i]);
            free(list);
            for (guint i = doms->len; i-- > 0;) {
                int m = filter_match(doms->pdata[i], flags & ~basic);
                if (m < 0)
                    return NULL;
                if (m == 0)
                    g_ptr_array_remove_index(doms, i);
            }
        }
    }
    if (doms)
        g_ptr_array_sort(doms, compare_domains);
    return g_steal_pointer(&doms);
}

static bool
cmd_list(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } filters[] = {
        { "persistent", VIR_CONNECT_LIST_DOMAINS_PERSISTENT },
        { "transient", VIR_CONNECT_LIST_DOMAINS_TRANSIENT },
        { "with-managed-save", VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE },
        { "without-managed-save", VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE },
        { "autostart", VIR_CONNECT_LIST_DOMAINS_AUTOSTART },
        { "no-autostart", VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART },
        { "with-snapshot", VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT },
        { "without-snapshot", VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT },
        { "with-checkpoint", VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT },
        { "without-checkpoint", VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT },
        { "state-running", VIR_CONNECT_LIST_DOMAINS_RUNNING },
        { "state-paused", VIR_CONNECT_LIST_DOMAINS_PAUSED },
        { "state-shutoff", VIR_CONNECT_LIST_DOMAINS_SHUTOFF },
        { "state-other", VIR_CONNECT_LIST_DOMAINS_OTHER },
    };
    bool opt_uuid = cli_args_bool(args, "uuid"), opt_name = cli_args_bool(args, "name");
    bool opt_id = cli_args_bool(args, "id"), managed = cli_args_bool(args, "managed-save");
    bool opt_title = cli_args_bool(args, "title");
    unsigned int flags = VIR_CONNECT_LIST_DOMAINS_ACTIVE;

    if (!cli_args_exclusive(args, "table", "name", error) || !cli_args_exclusive(args, "table", "uuid", error) ||
        !cli_args_exclusive(args, "table", "id", error))
        return false;
    if (cli_args_bool(args, "inactive") || cli_args_bool(args, "state-shutoff"))
        flags = VIR_CONNECT_LIST_DOMAINS_INACTIVE;
    if (cli_args_bool(args, "all"))
        flags = VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE;
    for (size_t i = 0; i < G_N_ELEMENTS(filters); i++) {
        if (cli_args_bool(args, filters[i].opt))
            flags |= filters[i].flag;
    }
    bool table = !opt_uuid && !opt_name && !opt_id;

    g_autoptr(GPtrArray) doms = collect_domains(ctl, flags);
    if (!doms) {
        g_set_error(error, cli_error_quark(), 0, "Failed to list domains");
        return false;
    }

    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    if (table)
        g_ptr_array_add(rows, g_strsplit(opt_title ? "Id Name State Title" : "Id Name State", " ", -1));
    for (guint i = 0; i < doms->len; i++) {
        virDomainPtr dom = doms->pdata[i];
        unsigned int id = virDomainGetID(dom);
        g_autofree char *id_str = id == (unsigned int)-1 ? g_strdup("-") : g_strdup_printf("%d", (int)id);

        if (table) {
            int state = cli_domain_state(dom, NULL);
            /* Gone since it was listed. */
            if (state < 0) {
                cli_reset_lib_error();
                continue;
            }
            const char *state_str = cli_domain_state_str(state);
            if (managed && state == VIR_DOMAIN_SHUTOFF && virDomainHasManagedSaveImage(dom, 0) > 0)
                state_str = "saved";
            char **row = g_new0(char *, 5);
            row[0] = table_cell(id_str);
            row[1] = table_cell(virDomainGetName(dom));
            row[2] = table_cell(state_str);
            if (opt_title) {
                /* Titles live in the XML: virDomainGetMetadata is not in libmodvirt, and
                 * virsh reads the XML too when the daemon lacks it. */
                g_autofree char *title = domain_title(dom);
                if (!title) {
                    g_strfreev(row);
                    return false;
                }
                row[3] = table_cell(title);
            }
            g_ptr_array_add(rows, row);
            continue;
        }
        g_autoptr(GString) line = g_string_new(NULL);
        if (opt_uuid) {
            char uuid[VIR_UUID_STRING_BUFLEN];
            if (virDomainGetUUIDString(dom, uuid) < 0) {
                g_set_error(error, cli_error_quark(), 0, "Failed to get domain's UUID");
                return false;
            }
            g_string_append(line, uuid);
        }
        if (opt_id) {
            /* IDs alone are listed for running domains only. */
            if (id == (unsigned int)-1 && !opt_uuid && !opt_name)
                continue;
            g_string_append_printf(line, "%s%s", line->len ? " " : "", id_str);
        }
        if (opt_name)
            g_string_append_printf(line, "%s%s", (opt_uuid || opt_id) ? " " : "", virDomainGetName(dom));
        cli_print("%s\n", line->str);
    }
    if (table)
        cli_print_table(rows);
    return true;
}

/* ---- dominfo, domstate ---- */

static bool
cmd_dominfo(CliCtl *ctl, const CliArgs *args, GError **error)
{
    virDomainInfo info;
    virSecurityModel secmodel;
    char uuid[VIR_UUID_STRING_BUFLEN];
    int autostart;
    bool ok = true;

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error);
    if (!dom)
        return false;

    unsigned int id = virDomainGetID(dom);
    if (id == (unsigned int)-1)
        cli_print("%-15s %s\n", "Id:", "-");
    else
        cli_print("%-15s %d\n", "Id:", (int)id);
    cli_print("%-15s %s\n", "Name:", virDomainGetName(dom));
    if (virDomainGetUUIDString(dom, uuid) == 0)
        cli_print("%-15s %s\n", "UUID:", uuid);
    g_autofree char *os_type = virDomainGetOSType(dom);
    if (os_type)
        cli_print("%-15s %s\n", "OS Type:", os_type);

    if (virDomainGetInfo(dom, &info) == 0) {
        cli_print("%-15s %s\n", "State:", cli_domain_state_str(info.state));
        cli_print("%-15s %d\n", "CPU(s):", info.nrVirtCpu);
        if (info.cpuTime != 0)
            cli_print("%-15s %.1lfs\n", "CPU time:", info.cpuTime / 1000000000.0);
        if (info.maxMem != UINT_MAX)
            cli_print("%-15s %lu KiB\n", "Max memory:", info.maxMem);
        else
            cli_print("%-15s %s\n", "Max memory:", "no limit");
        cli_print("%-15s %lu KiB\n", "Used memory:", info.memory);
    } else {
        ok = false;
    }

    int persistent = virDomainIsPersistent(dom);
    if (persistent < 0)
        cli_print("%-15s %s\n", "Persistent:", "unknown");
    else
        cli_print("%-15s %s\n", "Persistent:", persistent ? "yes" : "no");

    if (virDomainGetAutostart(dom, &autostart) == 0)
        cli_print("%-15s %s\n", "Autostart:", autostart ? "enable" : "disable");

    int managed = virDomainHasManagedSaveImage(dom, 0);
    if (managed < 0)
        cli_print("%-15s %s\n", "Managed save:", "unknown");
    else
        cli_print("%-15s %s\n", "Managed save:", managed ? "yes" : "no");

    memset(&secmodel, 0, sizeof(secmodel));
    if (virNodeGetSecurityModel(ctl->conn, &secmodel) < 0) {
        if (virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
            return false;
        cli_reset_lib_error();
    } else if (secmodel.model[0] != '\0') {
        /* Only with an active security model; labels exist for running domains only. */
        virSecurityLabel label;
        cli_print("%-15s %s\n", "Security model:", secmodel.model);
        cli_print("%-15s %s\n", "Security DOI:", secmodel.doi);
        memset(&label, 0, sizeof(label));
        if (virDomainGetSecurityLabel(dom, &label) < 0)
            return false;
        if (label.label[0] != '\0')
            cli_print("%-15s %s (%s)\n", "Security label:", label.label,
                      label.enforcing ? "enforcing" : "permissive");
    }

    char **messages = NULL;
    int nmsgs = virDomainGetMessages(dom, &messages, 0);
    for (int i = 0; i < nmsgs; i++)
        cli_print("%-15s %s\n", i == 0 ? "Messages:" : "", messages[i]);
    g_strfreev(messages);
    /* A daemon without messages is not an error of dominfo. */
    if (nmsgs < 0 && ok)
        cli_reset_lib_error();
    return ok;
}

static bool
cmd_domstate(CliCtl *ctl, const CliArgs *args, GError **error)
{
    int reason;

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error);
    if (!dom)
        return false;
    int state = cli_domain_state(dom, &reason);
    if (state < 0)
        return false;
    if (cli_args_bool(args, "reason"))
        cli_print("%s (%s)\n", cli_domain_state_str(state), cli_domain_reason_str(state, reason));
    else
        cli_print("%s\n", cli_domain_state_str(state));
    return true;
}

/* ---- the table ---- */

static const CliOpt list_opts[] = {
    { "inactive", CLI_OPT_BOOL, 0, "list inactive domains" },
    { "all", CLI_OPT_BOOL, 0, "list inactive & active domains" },
    { "transient", CLI_OPT_BOOL, 0, "list transient domains" },
    { "persistent", CLI_OPT_BOOL, 0, "list persistent domains" },
    { "with-snapshot", CLI_OPT_BOOL, 0, "list domains with existing snapshot" },
    { "without-snapshot", CLI_OPT_BOOL, 0, "list domains without a snapshot" },
    { "with-checkpoint", CLI_OPT_BOOL, 0, "list domains with existing checkpoint" },
    { "without-checkpoint", CLI_OPT_BOOL, 0, "list domains without a checkpoint" },
    { "state-running", CLI_OPT_BOOL, 0, "list domains in running state" },
    { "state-paused", CLI_OPT_BOOL, 0, "list domains in paused state" },
    { "state-shutoff", CLI_OPT_BOOL, 0, "list domains in shutoff state" },
    { "state-other", CLI_OPT_BOOL, 0, "list domains in other states" },
    { "autostart", CLI_OPT_BOOL, 0, "list domains with autostart enabled" },
    { "no-autostart", CLI_OPT_BOOL, 0, "list domains with autostart disabled" },
    { "with-managed-save", CLI_OPT_BOOL, 0, "list domains with managed save state" },
    { "without-managed-save", CLI_OPT_BOOL, 0, "list domains without managed save" },
    { "uuid", CLI_OPT_BOOL, 0, "list uuid's only" },
    { "name", CLI_OPT_BOOL, 0, "list domain names only" },
    { "id", CLI_OPT_BOOL, 0, "list domain IDs only" },
    { "table", CLI_OPT_BOOL, 0, "list table (default)" },
    { "managed-save", CLI_OPT_BOOL, 0, "mark inactive domains with managed save state" },
    { "title", CLI_OPT_BOOL, 0, "show domain title" },
    { NULL },
};

static const CliOpt dominfo_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { NULL },
};

static const CliOpt domstate_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "reason", CLI_OPT_BOOL, 0, "also print reason for the state" },
    { NULL },
};

const CliCmd cli_monitor_cmds[] = {
    { "dominfo", "domain information", "Returns basic information about the domain.", dominfo_opts,
      cmd_dominfo, 0 },
    { "domstate", "domain state", "Returns state about a domain.", domstate_opts, cmd_domstate, 0 },
    { "list", "list domains", "Returns list of domains.", list_opts, cmd_list, 0 },
    { NULL },
};
