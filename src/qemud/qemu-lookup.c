// SPDX-License-Identifier: LGPL-2.1-or-later
// Finding and listing domains, and the calls that only read an object's bookkeeping
// (state, persistence, autostart, ids).  None of them waits for a domain's job.

#include "qemu-driver.h"
#include "qemu-domain.h"
#include "util/util-error.h"
#include "util/util-uuid.h"
#include "remote.h"

#include <string.h>

void
qemu_domain_to_wire(MvDomainObj *obj, remote_nonnull_domain *ret_dom)
{
    ret_dom->name = g_strdup(obj->name);
    memcpy(ret_dom->uuid, obj->uuid, 16);
    ret_dom->id = obj->id;
}

MvDomainObj *
qemu_domain_find(QemuDriver *drv, const remote_nonnull_domain *dom, GError **error)
{
    return mv_obj_list_get_by_uuid(drv->domains, (const unsigned char *)dom->uuid, dom->name, error);
}

bool
qemu_list_all_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_all_domains_args *a = args;
    remote_connect_list_all_domains_ret *r = ret;
    QemuDriver *drv = qemu_driver_of(call);

    if (!mv_flags_check(a->flags, mv_domain_list_filter.supported, MV_FROM_QEMU,
                        mv_domain_list_filter.function, error))
        return false;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->domains);
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(remote_nonnull_domain));
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        if (mv_obj_filter_passes(&mv_domain_list_filter, obj, a->flags)) {
            remote_nonnull_domain d;
            if (a->need_results) {
                qemu_domain_to_wire(obj, &d);
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
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
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
count_where(QemuDriver *drv, bool active)
{
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->domains);
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

bool
qemu_num_of_domains(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = count_where(qemu_driver_of(call), true);
    return true;
}

bool
qemu_num_of_defined_domains(MvCall *call, void *args, void *ret, GError **error)
{
    ((remote_int_ret *)ret)->num = count_where(qemu_driver_of(call), false);
    return true;
}

bool
qemu_list_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_domains_args *a = args;
    remote_connect_list_domains_ret *r = ret;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(qemu_driver_of(call)->domains);
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

bool
qemu_list_defined_domains(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_list_defined_domains_args *a = args;
    remote_connect_list_defined_domains_ret *r = ret;
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(qemu_driver_of(call)->domains);
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
    qemu_domain_to_wire(obj, &((remote_domain_ret *)ret)->dom);
    mv_domain_obj_unlock(obj);
    return true;
}

bool
qemu_lookup_by_name(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_name_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_obj_list_get_by_name(qemu_driver_of(call)->domains, a->name, error);
    if (!obj)
        return false;
    return lookup_reply(obj, ret);
}

bool
qemu_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_uuid_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_obj_list_get_by_uuid(qemu_driver_of(call)->domains,
                                                         (const unsigned char *)a->uuid, NULL, error);
    if (!obj)
        return false;
    return lookup_reply(obj, ret);
}

bool
qemu_lookup_by_id(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_lookup_by_id_args *a = args;
    g_autoptr(MvDomainObj) obj = mv_obj_list_get_by_id(qemu_driver_of(call)->domains, a->id, error);
    if (!obj)
        return false;
    return lookup_reply(obj, ret);
}

/* Look up the object of a Dom argument, lock it, and run @fn on it. */
#define WITH_OBJ(call, dom, error, body) do { \
        g_autoptr(MvDomainObj) obj = qemu_domain_find(qemu_driver_of(call), (dom), (error)); \
        if (!obj) \
            return false; \
        mv_domain_obj_lock(obj); \
        body; \
        mv_domain_obj_unlock(obj); \
    } while (0)

bool
qemu_get_state(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    remote_domain_get_state_ret *r = ret;
    if (!mv_flags_check(a->flags, 0, MV_FROM_QEMU, "virDomainGetState", error))
        return false;
    WITH_OBJ(call, &a->dom, error, { r->state = obj->state; r->reason = obj->reason; });
    return true;
}

bool
qemu_get_control_info(MvCall *call, void *args, void *ret, GError **error)
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

bool
qemu_is_active(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = mv_domain_obj_is_active(obj); });
    return true;
}

bool
qemu_is_persistent(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = obj->persistent; });
    return true;
}

bool
qemu_is_updated(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    /* Updated = the live domain has a pending persistent definition that differs. */
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = obj->newdef != NULL; });
    return true;
}

bool
qemu_get_autostart(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_domain_get_autostart_ret *)ret)->autostart = obj->autostart; });
    return true;
}

bool
qemu_has_managed_save(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    /* Managed save is not implemented: no domain ever has an image. */
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = 0; });
    return true;
}

bool
qemu_snapshot_num(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    WITH_OBJ(call, &a->dom, error, { ((remote_int_ret *)ret)->num = 0; });
    return true;
}

bool
qemu_get_messages(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_flags_args *a = args;
    /* No tainting or deprecation messages are recorded yet: an empty list. */
    WITH_OBJ(call, &a->dom, error, { (void)obj; });
    return true;
}

bool
qemu_get_security_label(MvCall *call, void *args, void *ret, GError **error)
{
    remote_domain_only_args *a = args;
    remote_domain_get_security_label_ret *r = ret;
    WITH_OBJ(call, &a->dom, error, { (void)obj; });
    r->label.label_len = 1;
    r->label.label_val = g_strdup("");
    r->enforcing = 0;
    return true;
}
