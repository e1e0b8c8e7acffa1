// SPDX-License-Identifier: LGPL-2.1-or-later
// The shell's own commands: help, quit/exit and connect.  They run without a connection
// (connect makes one).

#include "cli.h"

static bool
cmd_quit(CliCtl *ctl, const CliArgs *args, GError **error)
{
    return true;
}

static bool
cmd_connect(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = cli_args_string(args, "name");
    return cli_reconnect(ctl, name ? name : ctl->uri, cli_args_bool(args, "readonly"), error);
}

static const CliOpt help_opts[] = {
    { "command", CLI_OPT_STRING, 0,
      "Prints global help, command specific help, or help for a group of related commands" },
    { NULL },
};

static const CliOpt connect_opts[] = {
    { "name", CLI_OPT_DATA, 0, "hypervisor connection URI" },
    { "readonly", CLI_OPT_BOOL, 0, "read-only connection" },
    { NULL },
};

const CliCmd cli_self_cmds[] = {
    { "exit", "quit this interactive terminal", NULL, NULL, cmd_quit,
      CLI_CMD_NOCONNECT | CLI_CMD_QUIT },
    { "help", "print help",
      "Prints global help, command specific help, or help for a\n    group of related commands",
      help_opts, cli_cmd_help, CLI_CMD_NOCONNECT },
    { "quit", "quit this interactive terminal", NULL, NULL, cmd_quit,
      CLI_CMD_NOCONNECT | CLI_CMD_QUIT },
    { "connect", "(re)connect to hypervisor",
      "Connect to local hypervisor. This is built-in command after shell start up.",
      connect_opts, cmd_connect, CLI_CMD_NOCONNECT },
    { NULL },
};
