// SPDX-License-Identifier: LGPL-2.1-or-later
// The domain calls every hypervisor driver answers the same way: finding and listing
// domains, and the calls that only read an object's bookkeeping (state, persistence,
// autostart, ids).  None of them waits for a domain's job.  They work on the domain list
// the driver gave the frame (mv_daemon_set_domains) and use its kind's error domain.

#include "daemon/daemon-domain-calls.h"
#include "daemon/daemon-frame.h"
#include "util/util-error.h"
#include "util/util-uuid.h"
#include "remote.h"

#include <string.h>

void
mv_domain_to_wire(MvDomainObj *obj, remote_nonnull_domain *ret_dom)
{
    ret_dom->name = g_strdup(obj->name);
    memcpy(ret_dom->uuid, obj->uuid, 16);
    ret_dom->id = obj->id;
}

MvDomainObj *
mv_domain_find(MvDomainList *list, const remote_nonnull_domain *dom, GError **error)
{
    return mv_obj_list_get_by_uuid(list, (const unsigned char *)dom->uuid, dom->name, error);
}

const MvDomainDriver *
mv_daemon_domain_driver(MvDaemon *d)
{
    return mv_daemon_domain_driver_ptr(d);
}

/* The domain list of @call's daemon. */
static MvDomainList *
domains_of(MvCall *call)
{
    return mv_daemon_domain_driver(mv_daemon_of(call))->domains;
}

static int
from_of(MvCall *call)
{
    return mv_daemon_domain_driver(mv_daemon_of(call))->from;
}

static bool
mv_domain_call_list_all_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_all_domains_args *a = args;
    remote_connect_list_all_domains_ret *r = ret;
    MvDomainList *domains = domains_of(call);

    if (!mv_flags_check(a->flags, mv_domain_list_filter.supported, from_of(call),
                        mv_domain_list_filter.function, error))
        return false;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(domains);
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(remote_nonnull_domain));
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (mv_obj_filter_passes(&mv_domain_list_filter, obj, a->flags)) {
            remote_nonnull_domain d;
            if (a->need_results) {
                mv_domain_to_wire(obj, &d);
                g_array_append_val(out, d);
            } else {
                r->ret++;
            }
        }
        mv_domain_obj_unlock(obj);
    }
    if (a->need_results) {
        if (out->len > REMOTE_DOMAIN_LIST_MAX) {
            for (guint i = 0; i < out->len; i++)
                g_free(g_array_index(out, remote_nonnull_domain, i).name);
            mv_error_set(error, from_of(call), MV_ERR_INTERNAL_ERROR,
                         "too many domains for one reply: %u > %d", out->len, REMOTE_DOMAIN_LIST_MAX);
            return false;
        }
        r->ret = out->len;
        r->domains.domains_len = out->len;
        r->domains.domains_val = (remote_nonnull_domain *)g_array_free(g_steal_pointer(&out), FALSE);
    }
    return true;
}

static unsigned
count_where(MvDomainList *domains, bool active)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(domains);
    unsigned n = 0;
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (mv_domain_obj_is_active(obj) == active)
            n++;
        mv_domain_obj_unlock(obj);
    }
    return n;
}

static bool
mv_domain_call_num_of_domains(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = count_where(domains_of(call), true);
    return true;
}

static bool
mv_domain_call_num_of_defined_domains(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = count_where(domains_of(call), false);
    return true;
}

static bool
mv_domain_call_list_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_domains_args *a = args;
    remote_connect_list_domains_ret *r = ret;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(domains_of(call));
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int));

    if (a->maxids < 0 || a->maxids > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxids > REMOTE_DOMAIN_LIST_MAX");
        return false;
    }
    for (guint i = 0; i < all->len && ids->len < (guint)a->maxids; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (mv_domain_obj_is_active(obj))
            g_array_append_val(ids, obj->id);
        mv_domain_obj_unlock(obj);
    }
    r->ids.ids_len = ids->len;
    r->ids.ids_val = (int *)g_array_free(g_steal_pointer(&ids), FALSE);
    return true;
}

static bool
mv_domain_call_list_defined_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_defined_domains_args *a = args;
    remote_connect_list_defined_domains_ret *r = ret;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(domains_of(call));
    g_autoptr(GPtrArray) names = g_ptr_array_new();

    if (a->maxnames < 0 || a->maxnames > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, MV_FROM_RPC, MV_ERR_RPC, "maxnames > REMOTE_DOMAIN_LIST_MAX");
        return false;
    }
    for (guint i = 0; i < all->len && names->len < (guint)a->maxnames; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (!mv_domain_obj_is_active(obj))
            g_ptr_array_add(names, g_strdup(obj->name));
        mv_domain_obj_unlock(obj);
    }
    r->names.names_len = names->len;
    r->names.names_val = (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    return true;
}

static bool
lookup_reply(MvDomainObj *obj, void *ret)
{
    mv_domain_obj_lock(obj);
    mv_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
    mv_domain_obj_unlock(obj);
    return true;
}

static bool
mv_domain_call_lookup_by_name(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_name_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_obj_list_get_by_name(domains_of(call), a->name, error);
    if (!obj)
        return false;
    return lookup_reply(obj, ret);
}

static bool
mv_domain_call_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_uuid_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_obj_list_get_by_uuid(domains_of(call),
                                                         (const unsigned char *)a->uuid, NULL, error);
    if (!obj)
        return false;
    return lookup_reply(obj, ret);
}

static bool
mv_domain_call_lookup_by_id(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_id_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_obj_list_get_by_id(domains_of(call), a->id, error);
    if (!obj)
        return false;
    return lookup_reply(obj, ret);
}

/* Look up the object of a Dom argument, lock it, and run @fn on it. */
#define WITH_OBJ(call, dom, error, body) do { \
        g_autoptr(MvDomainObj) obj = mv_domain_find(domains_of(call), (dom), (error)); \
        if (!obj) \
            return false; \
        mv_domain_obj_lock(obj); \
        body; \
        mv_domain_obj_unlock(obj); \
    } while (0)

static bool
mv_domain_call_get_state(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    remote_domain_get_state_ret *r = ret;
    if (!mv_flags_check(a->flags, 0, from_of(call), "virDomainGetState", error))
        return false;
    WITH_OBJ(call, &a->dom, error, { r->state = obj->state; r->reason = obj->reason; });
    return true;
}

static bool
mv_domain_call_get_control_info(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    remote_domain_get_control_info_ret *r = ret;
    /* VIR_DOMAIN_CONTROL_OK (0) or JOB (2) with how long the job has run. */
    WITH_OBJ(call, &a->dom, error, {
        r->state = obj->job_active ? 2 : 0;
        r->stateTime = obj->job_active ? (g_get_monotonic_time() - obj->state_time) / 1000 : 0;
    });
    return true;
}

static bool
mv_domain_call_is_active(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = mv_domain_obj_is_active(obj); });
    return true;
}

static bool
mv_domain_call_is_persistent(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = obj->persistent; });
    return true;
}

static bool
mv_domain_call_is_updated(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    /* Updated = the live domain has a pending persistent definition that differs. */
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = obj->newdef != NULL; });
    return true;
}

static bool
mv_domain_call_get_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_domain_get_autostart_ret *)ret)->autostart = obj->autostart; });
    return true;
}

static bool
mv_domain_call_has_managed_save(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    /* Managed save is not implemented: no domain ever has an image. */
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = 0; });
    return true;
}

static bool
mv_domain_call_snapshot_num(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = 0; });
    return true;
}

static bool
mv_domain_call_get_messages(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    /* No tainting or deprecation messages are recorded yet: an empty list. */
    WITH_OBJ(call, &a->dom, error, { (void)obj; });
    return true;
}

static bool
mv_domain_call_get_security_label(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    remote_domain_get_security_label_ret *r = ret;
    WITH_OBJ(call, &a->dom, error, { (void)obj; });
    r->label.label_len = 1;
    r->label.label_val = g_strdup("");
    r->enforcing = 0;
    return true;
}

/* Row flags: R = read-only clients may call it; I = cheap, runs on the I/O thread;
 * P = priority lane (never waits behind slow calls). */
#define R MV_PROC_READONLY_OK
#define I MV_PROC_INLINE
#define P MV_PROC_PRIORITY
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)

const MvProcedure mv_domain_call_rows[] = {
    ROW(CONNECT_LIST_ALL_DOMAINS, "virConnectListAllDomains", connect_list_all_domains_args,
        connect_list_all_domains_ret, mv_domain_call_list_all_domains, R | P),
    ROW_NOARGS(CONNECT_NUM_OF_DOMAINS, "virConnectNumOfDomains", int_ret, mv_domain_call_num_of_domains, R | P),
    ROW_NOARGS(CONNECT_NUM_OF_DEFINED_DOMAINS, "virConnectNumOfDefinedDomains", int_ret,
               mv_domain_call_num_of_defined_domains, R | P),
    ROW(CONNECT_LIST_DOMAINS, "virConnectListDomains", connect_list_domains_args, connect_list_domains_ret,
        mv_domain_call_list_domains, R | P),
    ROW(CONNECT_LIST_DEFINED_DOMAINS, "virConnectListDefinedDomains", connect_list_defined_domains_args,
        connect_list_defined_domains_ret, mv_domain_call_list_defined_domains, R | P),
    ROW(DOMAIN_LOOKUP_BY_NAME, "virDomainLookupByName", domain_lookup_by_name_args, domain_ret,
        mv_domain_call_lookup_by_name, R | I),
    ROW(DOMAIN_LOOKUP_BY_UUID, "virDomainLookupByUUID", domain_lookup_by_uuid_args, domain_ret,
        mv_domain_call_lookup_by_uuid, R | I),
    ROW(DOMAIN_LOOKUP_BY_ID, "virDomainLookupByID", domain_lookup_by_id_args, domain_ret, mv_domain_call_lookup_by_id, R | I),
    ROW(DOMAIN_GET_STATE, "virDomainGetState", domain_flags_args, domain_get_state_ret, mv_domain_call_get_state, R | I),
    ROW(DOMAIN_GET_CONTROL_INFO, "virDomainGetControlInfo", domain_flags_args, domain_get_control_info_ret,
        mv_domain_call_get_control_info, R | I),
    ROW(DOMAIN_IS_ACTIVE, "virDomainIsActive", domain_only_args, int_ret, mv_domain_call_is_active, R | I),
    ROW(DOMAIN_IS_PERSISTENT, "virDomainIsPersistent", domain_only_args, int_ret, mv_domain_call_is_persistent, R | I),
    ROW(DOMAIN_IS_UPDATED, "virDomainIsUpdated", domain_only_args, int_ret, mv_domain_call_is_updated, R | I),
    ROW(DOMAIN_GET_AUTOSTART, "virDomainGetAutostart", domain_only_args, domain_get_autostart_ret,
        mv_domain_call_get_autostart, R | I),
    ROW(DOMAIN_HAS_MANAGED_SAVE_IMAGE, "virDomainHasManagedSaveImage", domain_flags_args, int_ret,
        mv_domain_call_has_managed_save, R | I),
    ROW(DOMAIN_SNAPSHOT_NUM, "virDomainSnapshotNum", domain_flags_args, int_ret, mv_domain_call_snapshot_num, R | I),
    ROW(DOMAIN_GET_MESSAGES, "virDomainGetMessages", domain_flags_args, domain_get_messages_ret,
        mv_domain_call_get_messages, R | I),
    ROW(DOMAIN_GET_SECURITY_LABEL, "virDomainGetSecurityLabel", domain_only_args, domain_get_security_label_ret,
        mv_domain_call_get_security_label, R | I),
};
const size_t mv_domain_call_nrows = G_N_ELEMENTS(mv_domain_call_rows);
