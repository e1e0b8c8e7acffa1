// SPDX-License-Identifier: LGPL-2.1-or-later
// A container definition as modvirt-lxc-controller's options (lxc-command.c).
#pragma once

#include "conf/conf-domain.h"

/* Init when the definition names none: libvirt's default too. */
#define LXC_DEFAULT_INIT "/sbin/init"

/* The controller's options for @def (filled with the LXC defaults), without --socket,
 * --handshake-fd and --cgroup-join; NULL-free array of strings (g_ptr_array_unref).  NULL
 * with MV_ERR_CONFIG_UNSUPPORTED when @def has no root filesystem. */
GPtrArray *lxc_command_build(const MvDomainDef *def, GError **error);
