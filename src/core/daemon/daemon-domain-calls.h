// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain calls that are the same for every hypervisor driver (lookups, lists, bookkeeping
// reads), as handlers and as rows for the remote program.  A driver gives the frame its
// domain list (mv_daemon_set_domains) and adds mv_domain_call_rows to its program.
#pragma once

#include "conf/conf-domain-obj.h"
#include "rpc/rpc-program.h"
#include "remote.h"

/* Fill @ret_dom (name copied) from @obj (locked). */
void mv_domain_to_wire(MvDomainObj *obj, remote_nonnull_domain *ret_dom);
/* The object a Dom argument names (by UUID, as libvirt does), referenced; NULL with the
 * list kind's "Domain not found" error. */
MvDomainObj *mv_domain_find(MvDomainList *list, const remote_nonnull_domain *dom, GError **error);

/* The rows: LIST_ALL_DOMAINS, NUM_OF_(DEFINED_)DOMAINS, LIST_(DEFINED_)DOMAINS,
 * LOOKUP_BY_NAME/UUID/ID, GET_STATE, GET_CONTROL_INFO, IS_ACTIVE/PERSISTENT/UPDATED,
 * GET_AUTOSTART, HAS_MANAGED_SAVE_IMAGE, SNAPSHOT_NUM, GET_MESSAGES, GET_SECURITY_LABEL. */
extern const MvProcedure mv_domain_call_rows[];
extern const size_t mv_domain_call_nrows;
