// SPDX-License-Identifier: LGPL-2.1-or-later
// A container's interfaces as veth pairs (lxc-net.c).
#pragma once

#include "conf/conf-domain.h"

/* Make a veth pair per interface of @def (bridge: the host end joins the bridge), add the
 * controller's --veth options to @options, record the host ends in @created (for
 * lxc_net_cleanup after a failed start) and in each interface's live target.  False with
 * @error; what was made is in @created. */
bool lxc_net_prepare(MvDomainDef *def, GPtrArray *options, GPtrArray *created, GError **error);
/* Delete the host ends in @created that still exist. */
void lxc_net_cleanup(GPtrArray *created);
