// SPDX-License-Identifier: LGPL-2.1-or-later
// One nftables table per network (family inet, named after the bridge), applied and removed
// as single atomic batches through libnftables.
#pragma once

#include "conf/conf-network.h"

/* "modvirt_<bridge>" with characters outside [A-Za-z0-9_] as '_'. g_free()able. */
char *net_firewall_table_name(const char *bridge);
/* The whole batch for @def (the rules of its forward mode), g_free()able. */
char *net_firewall_script(const MvNetworkDef *def);
/* Create (or atomically replace) the table of @def. */
bool net_firewall_apply(const MvNetworkDef *def, GError **error);
/* Delete the table of @def; a missing table is fine, other failures are logged. */
void net_firewall_remove(const MvNetworkDef *def);
/* Does the table exist? */
bool net_firewall_exists(const MvNetworkDef *def);
