// SPDX-License-Identifier: LGPL-2.1-or-later
// From text to commands: splitting a command line into words and commands the way virsh
// does, and binding each command's words to the options its table row declares.  Running
// the commands is cli-shell's job.

#include "cli.h"

#include <string.h>

G_DEFINE_QUARK(modvirt-cli-error-quark, cli_error)

void
cli_args_free(CliArgs *args)
{
    if (!args)
        return;
    g_hash_table_unref(args->values);
    g_free(args);
}

static CliArgs *
args_new(const CliCmd *cmd)
{
    CliArgs *args = g_new0(CliArgs, 1);
    args->cmd = cmd;
    args->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return args;
}

bool
cli_args_bool(const CliArgs *args, const char *name)
{
    return g_hash_table_contains(args->values, name);
}

const char *
cli_args_string(const CliArgs *args, const char *name)
{
    return g_hash_table_lookup(args->values, name);
}

bool
cli_args_int(const CliArgs *args, const char *name, int *ret_value, GError **error)
{
    const char *s = cli_args_string(args, name);
    gint64 n;

    if (!s)
        return true;
    if (!g_ascii_string_to_signed(s, 10, G_MININT, G_MAXINT, &n, NULL)) {
        g_set_error(error, cli_error_quark(), 0,
                    "Numeric value '%s' for <%s> option is malformed or out of range", s, name);
        return false;
    }
    *ret_value = (int)n;
    return true;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Close the command being collected in *words, if it has any word. */
static void
end_command(GPtrArray *cmds, GPtrArray **words)
{
    if ((*words)->len == 0)
        return;
    g_ptr_array_add(*words, NULL);
    g_ptr_array_add(cmds, g_ptr_array_free(*words, FALSE));
    *words = g_ptr_array_new_with_free_func(g_free);
}

/* Read one word starting at *pp; quotes and escapes are resolved. */
static char *
read_word(const char **pp, GError **error)
{
    const char *p = *pp;
    g_autoptr(GString) w = g_string_new(NULL);

    while (*p && !is_blank(*p) && *p != ';' && *p != '\n') {
        if (*p == '\'' || *p == '"') {
            char quote = *p++;
            while (*p && *p != quote) {
                /* Inside double quotes a backslash still escapes the next character. */
                if (quote == '"' && *p == '\\' && p[1])
                    p++;
                g_string_append_c(w, *p++);
            }
            if (!*p) {
                g_set_error(error, cli_error_quark(), 0, "missing %c", quote);
                return NULL;
            }
            p++;
        } else if (*p == '\\') {
            p++;
            if (*p)
                g_string_append_c(w, *p++);
        } else {
            g_string_append_c(w, *p++);
        }
    }
    *pp = p;
    return g_string_free(g_steal_pointer(&w), FALSE);
}

GPtrArray *
cli_split(const char *line, GError **error)
{
    g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *p = line;

    while (*p) {
        if (is_blank(*p)) {
            p++;
        } else if (*p == ';' || *p == '\n') {
            end_command(cmds, &words);
            p++;
        } else if (*p == '#') {
            p += strcspn(p, "\n");
        } else {
            char *w = read_word(&p, error);
            if (!w) {
                g_ptr_array_unref(words);
                return NULL;
            }
            g_ptr_array_add(words, w);
        }
    }
    end_command(cmds, &words);
    g_ptr_array_unref(words);
    return g_steal_pointer(&cmds);
}

static const CliOpt *
find_opt(const CliCmd *cmd, const char *name)
{
    for (const CliOpt *o = cmd->opts; o && o->name; o++) {
        if (strcmp(o->name, name) == 0)
            return o;
    }
    return NULL;
}

/* The option the next positional word fills: the first non-boolean one not given yet. */
static const CliOpt *
next_positional(const CliCmd *cmd, GHashTable *values)
{
    for (const CliOpt *o = cmd->opts; o && o->name; o++) {
        if (o->type != CLI_OPT_BOOL && !(o->flags & CLI_OPT_NAMED_ONLY) &&
            !g_hash_table_contains(values, o->name))
            return o;
    }
    return NULL;
}

static CliArgs *
help_for(const char *name)
{
    CliArgs *args = args_new(cli_find_cmd("help"));
    g_hash_table_insert(args->values, g_strdup("command"), g_strdup(name));
    return args;
}

/* Bind "--name[=value]" at words[*i], consuming the value word when needed. */
static bool
bind_named(CliArgs *args, char **words, int *i, GError **error)
{
    const char *w = words[*i] + 2;
    const char *eq = strchr(w, '=');
    g_autofree char *name = eq ? g_strndup(w, eq - w) : g_strdup(w);
    const CliOpt *opt = find_opt(args->cmd, name);

    if (!opt) {
        g_set_error(error, cli_error_quark(), 0, "command '%s' doesn't support option --%s",
                    args->cmd->name, name);
        return false;
    }
    if (g_hash_table_contains(args->values, name)) {
        g_set_error(error, cli_error_quark(), 0, "option --%s already seen", name);
        return false;
    }
    const char *value;
    if (opt->type == CLI_OPT_BOOL) {
        if (eq) {
            g_set_error(error, cli_error_quark(), 0, "option --%s does not take a value", name);
            return false;
        }
        value = "";
    } else if (eq) {
        value = eq + 1;
    } else if (words[*i + 1]) {
        value = words[++*i];
    } else {
        g_set_error(error, cli_error_quark(), 0, "expected syntax: --%s <%s>", name,
                    opt->type == CLI_OPT_INT ? "number" : "string");
        return false;
    }
    g_hash_table_insert(args->values, g_steal_pointer(&name), g_strdup(value));
    return true;
}

CliArgs *
cli_parse_cmd(char **words, GError **error)
{
    const CliCmd *cmd = cli_find_cmd(words[0]);
    if (!cmd) {
        g_set_error(error, cli_error_quark(), 0, "unknown command: '%s'", words[0]);
        return NULL;
    }
    for (int i = 1; words[i]; i++) {
        if (strcmp(words[i], "--help") == 0 && !find_opt(cmd, "help"))
            return help_for(cmd->name);
    }

    g_autoptr(CliArgs) args = args_new(cmd);
    bool data_only = false;
    for (int i = 1; words[i]; i++) {
        const char *w = words[i];
        if (!data_only && strcmp(w, "--") == 0) {
            data_only = true;
        } else if (!data_only && g_str_has_prefix(w, "--")) {
            if (!bind_named(args, words, &i, error))
                return NULL;
        } else {
            const CliOpt *opt = next_positional(cmd, args->values);
            if (!opt) {
                g_set_error(error, cli_error_quark(), 0, "unexpected data '%s'", w);
                return NULL;
            }
            g_hash_table_insert(args->values, g_strdup(opt->name), g_strdup(w));
        }
    }
    for (const CliOpt *o = cmd->opts; o && o->name; o++) {
        if (!(o->flags & CLI_OPT_REQUIRED) || g_hash_table_contains(args->values, o->name))
            continue;
        if (o->type == CLI_OPT_DATA)
            g_set_error(error, cli_error_quark(), 0, "command '%s' requires <%s> option", cmd->name, o->name);
        else
            g_set_error(error, cli_error_quark(), 0, "command '%s' requires --%s option", cmd->name, o->name);
        return NULL;
    }
    return g_steal_pointer(&args);
}

GPtrArray *
cli_parse_line(const char *line, GError **error)
{
    g_autoptr(GPtrArray) split = cli_split(line, error);
    if (!split)
        return NULL;
    g_autoptr(GPtrArray) cmds = g_ptr_array_new_with_free_func((GDestroyNotify)cli_args_free);
    for (guint i = 0; i < split->len; i++) {
        CliArgs *args = cli_parse_cmd(split->pdata[i], error);
        if (!args)
            return NULL;
        g_ptr_array_add(cmds, args);
    }
    return g_steal_pointer(&cmds);
}
