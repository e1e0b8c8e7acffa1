// SPDX-License-Identifier: LGPL-2.1-or-later
// The list of command groups, in the order `help` shows them.  A new group is a table in
// its own cli-<group>.c plus one row here.

#include "cli.h"
#include "cli-pki.h"
#include "cli-stats.h"

const CliGroup cli_groups[] = {
    { "Domain Management", "domain", cli_domain_cmds },
    { "Domain Conversion", "convert", cli_native_cmds },
    { "Domain Monitoring", "monitor", cli_monitor_cmds },
    { "Domain Statistics", "stats", cli_stats_cmds },
    { "Domain Events", "events", cli_event_cmds },
    { "Host and Hypervisor", "host", cli_host_cmds },
    { "Networking", "network", cli_network_cmds },
    { "Storage Pools and Volumes", "storage", cli_storage_cmds },
    { "Modvirt itself", "modvirt", cli_self_cmds },
    { "Remote Access (PKI)", "pki", cli_pki_cmds },
    { NULL },
};
