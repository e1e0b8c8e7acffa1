// SPDX-License-Identifier: LGPL-2.1-or-later
// The domain face of the generic object list (conf-obj.h): a domain is an MvObj whose state
// is an MvDomainState and whose id is its running id.  These names are the same functions
// under domain names, for the hypervisor drivers; networks and pools use mv_obj_* directly.
#pragma once

#include "conf/conf-obj.h"
#include "conf/conf-domain-state.h"
#include "util/util-error.h"

typedef MvObj MvDomainObj;
typedef MvObjList MvDomainList;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainObj, mv_obj_unref)

/* The error names of a domain list whose driver raises errors from @from (MV_FROM_QEMU,
 * MV_FROM_LXC, ...): "no domain with matching ..." is MV_ERR_NO_DOMAIN. */
#define MV_DOMAIN_KIND_INIT(from) { "domain", (from), MV_ERR_NO_DOMAIN, MV_DOMAIN_SHUTOFF }

static inline MvDomainObj *mv_domain_obj_ref(MvDomainObj *obj) { return mv_obj_ref(obj); }
static inline void mv_domain_obj_unref(MvDomainObj *obj) { mv_obj_unref(obj); }
static inline void mv_domain_obj_lock(MvDomainObj *obj) { mv_obj_lock(obj); }
static inline void mv_domain_obj_unlock(MvDomainObj *obj) { mv_obj_unlock(obj); }
static inline bool mv_domain_obj_begin_job(MvDomainObj *obj, unsigned timeout_ms, GError **error)
{ return mv_obj_begin_job(obj, timeout_ms, error); }
static inline void mv_domain_obj_end_job(MvDomainObj *obj) { mv_obj_end_job(obj); }
static inline void mv_domain_obj_set_state(MvDomainObj *obj, int state, int reason)
{ mv_obj_set_state(obj, state, reason); }
/* A domain is active while it has an id. */
static inline bool mv_domain_obj_is_active(const MvDomainObj *obj) { return obj->id >= 0; }

/* A domain list with the QEMU driver's error domain, as before the kit; other drivers call
 * mv_obj_list_new() with their own MvObjKind (MV_DOMAIN_KIND_INIT). */
MvDomainList *mv_domain_list_new(void);
static inline void mv_domain_list_free(MvDomainList *list) { mv_obj_list_free(list); }

static inline MvDomainObj *mv_domain_list_add(MvDomainList *list, const char *name, const unsigned char uuid[16],
                                              void *def, GDestroyNotify def_free, GError **error)
{ return mv_obj_list_add(list, name, uuid, def, def_free, error); }
static inline void mv_domain_list_remove(MvDomainList *list, MvDomainObj *obj) { mv_obj_list_remove(list, obj); }
static inline MvDomainObj *mv_domain_list_find_by_name(MvDomainList *list, const char *name)
{ return mv_obj_list_find_by_name(list, name); }
static inline MvDomainObj *mv_domain_list_find_by_uuid(MvDomainList *list, const unsigned char uuid[16])
{ return mv_obj_list_find_by_uuid(list, uuid); }
static inline MvDomainObj *mv_domain_list_find_by_id(MvDomainList *list, int id)
{ return mv_obj_list_find_by_id(list, id); }
static inline void mv_domain_list_set_id(MvDomainList *list, MvDomainObj *obj, int id)
{ mv_obj_list_set_id(list, obj, id); }
static inline int mv_domain_list_next_id(MvDomainList *list) { return mv_obj_list_next_id(list); }
static inline void mv_domain_list_note_id(MvDomainList *list, int id) { mv_obj_list_note_id(list, id); }
static inline GPtrArray *mv_domain_list_snapshot(MvDomainList *list) { return mv_obj_list_snapshot(list); }
static inline unsigned mv_domain_list_count(MvDomainList *list) { return mv_obj_list_count(list); }
static inline GPtrArray *mv_domain_list_snapshot_active(MvDomainList *list)
{ return mv_obj_list_snapshot_active(list); }
