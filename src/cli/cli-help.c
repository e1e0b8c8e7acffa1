// SPDX-License-Identifier: LGPL-2.1-or-later
// Help texts, laid out as virsh 9.0 lays them out: `--help`, `help`, `help <group>` and
// `help <command>` (also `<command> --help`).  Everything is generated from the tables.

#include "cli.h"

#include <stdio.h>

static const char *
value_kind(const CliOpt *o)
{
    return o->type == CLI_OPT_INT ? "number" : "string";
}

/* How @o appears on the SYNOPSIS line. */
static char *
synopsis_part(const CliOpt *o)
{
    bool required = o->flags & CLI_OPT_REQUIRED;

    switch (o->type) {
    case CLI_OPT_BOOL:
        return g_strdup_printf("[--%s]", o->name);
    case CLI_OPT_DATA:
        return g_strdup_printf(required ? "<%s>" : "[<%s>]", o->name);
    case CLI_OPT_INT:
        /* A required number may come positionally, as virsh shows it. */
        if (required)
            return g_strdup_printf("<%s>", o->name);
        return g_strdup_printf("[--%s <number>]", o->name);
    case CLI_OPT_STRING:
    default:
        return g_strdup_printf(required ? "--%s <%s>" : "[--%s <%s>]", o->name, value_kind(o));
    }
}

/* How @o is named in the OPTIONS list. */
static char *
option_label(const CliOpt *o)
{
    switch (o->type) {
    case CLI_OPT_BOOL:
        return g_strdup_printf("--%s", o->name);
    case CLI_OPT_DATA:
        return g_strdup_printf("[--%s] <%s>", o->name, value_kind(o));
    case CLI_OPT_INT:
        if (o->flags & CLI_OPT_REQUIRED)
            return g_strdup_printf("[--%s] <number>", o->name);
        return g_strdup_printf("--%s <number>", o->name);
    case CLI_OPT_STRING:
    default:
        return g_strdup_printf("--%s <%s>", o->name, value_kind(o));
    }
}

static void
print_cmd_help(const CliCmd *cmd)
{
    cli_print("  NAME\n    %s - %s\n\n", cmd->name, cmd->brief);
    cli_print("  SYNOPSIS\n    %s", cmd->name);
    for (const CliOpt *o = cmd->opts; o && o->name; o++) {
        g_autofree char *part = synopsis_part(o);
        cli_print(" %s", part);
    }
    cli_print("\n\n");
    if (cmd->desc)
        cli_print("  DESCRIPTION\n    %s\n\n", cmd->desc);
    if (cmd->opts && cmd->opts->name) {
        cli_print("  OPTIONS\n");
        for (const CliOpt *o = cmd->opts; o->name; o++) {
            g_autofree char *label = option_label(o);
            cli_print("    %-15s  %s\n", label, o->help);
        }
        cli_print("\n");
    }
}

static void
print_group_cmds(const CliGroup *g)
{
    for (const CliCmd *c = g->cmds; c->name; c++)
        cli_print("    %-30s %s\n", c->name, c->brief);
}

void
cli_usage(const char *prog)
{
    cli_print("\n%s [options]... [<command_string>]\n"
              "%s [options]... <command> [args...]\n\n", prog, prog);
    cli_print("  options:\n"
              "    -c | --connect=URI      hypervisor connection URI\n"
              "    -h | --help             this help\n"
              "    -q | --quiet            quiet mode\n"
              "    -r | --readonly         connect readonly\n"
              "    -v                      short version\n"
              "    -V                      long version\n"
              "         --version[=TYPE]   version, TYPE is short or long (default short)\n"
              "  commands (non interactive mode):\n\n");
    for (const CliGroup *g = cli_groups; g->name; g++) {
        cli_print(" %s (help keyword '%s')\n", g->name, g->keyword);
        print_group_cmds(g);
        cli_print("\n");
    }
    cli_print("\n  (specify help <group> for details about the commands in the group)\n"
              "\n  (specify help <command> for details about the command)\n\n");
}

bool
cli_help(const char *topic, GError **error)
{
    if (!topic || !*topic) {
        cli_print("Grouped commands:\n\n");
        for (const CliGroup *g = cli_groups; g->name; g++) {
            cli_print(" %s (help keyword '%s'):\n", g->name, g->keyword);
            print_group_cmds(g);
            cli_print("\n");
        }
        return true;
    }
    const CliCmd *cmd = cli_find_cmd(topic);
    if (cmd) {
        print_cmd_help(cmd);
        return true;
    }
    const CliGroup *g = cli_find_group(topic);
    if (g) {
        cli_print(" %s (help keyword '%s'):\n", g->name, g->keyword);
        print_group_cmds(g);
        return true;
    }
    g_set_error(error, cli_error_quark(), 0, "command or command group '%s' doesn't exist", topic);
    return false;
}

bool
cli_cmd_help(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return cli_help(cli_args_string(args, "command"), error);
}
