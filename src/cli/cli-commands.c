// SPDX-License-Identifier: LGPL-2.1-or-later
// The list of command groups, in the order `help` shows them.  A new group is a table in
// its own cli-<group>.c plus one row here.

#include "cli.h"

const CliGroup cli_groups[] = {
    { "Host and Hypervisor", "host", cli_host_cmds },
    { "Modvirt itself", "modvirt", cli_self_cmds },
    { NULL },
};
