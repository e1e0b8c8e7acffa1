// SPDX-License-Identifier: LGPL-2.1-or-later
// rtnetlink requests for bridges, taps and addresses.  Each returns 0 or the kernel's -errno.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "conf/conf-network.h"

/* Create bridge @name (EEXIST when the name is taken) with @mac (NULL: the kernel's), @mtu
 * (0: default), STP on or off and the forward delay in seconds.  It stays down. */
int net_nl_bridge_add(const char *name, const guint8 *mac, unsigned mtu, bool stp, unsigned delay_s);
/* Delete link @name (-ENODEV when there is none). */
int net_nl_link_del(const char *name);
/* Set link @name up. */
int net_nl_link_up(const char *name);
/* Make link @name a port of @bridge and set it up. */
int net_nl_enslave(const char *name, const char *bridge);
/* Add @addr/@prefix to link @name (IPv4 with its broadcast address). */
int net_nl_addr_add(const char *name, const MvIpAddr *addr, unsigned prefix);
bool net_nl_link_exists(const char *name);
