// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain objects, their jobs, and the indexed list.

#include "conf/conf-domain-obj.h"
#include "util/util-error.h"

#include <string.h>

struct MvDomainList {
    GMutex lock;
    GHashTable *by_name;    /* name -> obj (one reference held by the list) */
    GHashTable *by_uuid;    /* uuid bytes -> obj (borrowed) */
    GHashTable *by_id;      /* GINT_TO_POINTER(id) -> obj (borrowed) */
    int next_id;
};

MvDomainObj *
mv_domain_obj_ref(MvDomainObj *obj)
{
    g_atomic_int_inc(&obj->refs);
    return obj;
}

void
mv_domain_obj_unref(MvDomainObj *obj)
{
    if (!obj || !g_atomic_int_dec_and_test(&obj->refs))
        return;
    if (obj->priv_free)
        obj->priv_free(obj->priv);
    if (obj->def_free) {
        obj->def_free(obj->def);
        obj->def_free(obj->newdef);
    }
    g_free(obj->name);
    g_mutex_clear(&obj->lock);
    g_cond_clear(&obj->job_cond);
    g_free(obj);
}

void mv_domain_obj_lock(MvDomainObj *obj) { g_mutex_lock(&obj->lock); }
void mv_domain_obj_unlock(MvDomainObj *obj) { g_mutex_unlock(&obj->lock); }

bool
mv_domain_obj_begin_job(MvDomainObj *obj, unsigned timeout_ms, GError **error)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (obj->job_active) {
        if (!g_cond_wait_until(&obj->job_cond, &obj->lock, end)) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_TIMEOUT,
                         "cannot acquire state change lock for domain '%s': another operation is still running",
                         obj->name);
            return false;
        }
    }
    if (obj->removed) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_NO_DOMAIN, "no domain with matching name '%s'", obj->name);
        return false;
    }
    obj->job_active = true;
    return true;
}

void
mv_domain_obj_end_job(MvDomainObj *obj)
{
    obj->job_active = false;
    g_cond_broadcast(&obj->job_cond);
}

void
mv_domain_obj_set_state(MvDomainObj *obj, int state, int reason)
{
    obj->state = state;
    obj->reason = reason;
    obj->state_time = g_get_monotonic_time();
}

static guint
uuid_hash(gconstpointer key)
{
    guint h;
    memcpy(&h, key, sizeof(h));   /* random bytes: any four of them hash well */
    return h;
}

static gboolean
uuid_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 16) == 0;
}

MvDomainList *
mv_domain_list_new(void)
{
    MvDomainList *l = g_new0(MvDomainList, 1);
    g_mutex_init(&l->lock);
    l->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)mv_domain_obj_unref);
    l->by_uuid = g_hash_table_new(uuid_hash, uuid_equal);
    l->by_id = g_hash_table_new(NULL, NULL);
    l->next_id = 1;
    return l;
}

void
mv_domain_list_free(MvDomainList *l)
{
    if (!l)
        return;
    g_hash_table_unref(l->by_id);
    g_hash_table_unref(l->by_uuid);
    g_hash_table_unref(l->by_name);
    g_mutex_clear(&l->lock);
    g_free(l);
}

MvDomainObj *
mv_domain_list_add(MvDomainList *l, const char *name, const unsigned char uuid[16],
                   void *def, GDestroyNotify def_free, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    MvDomainObj *other;

    if ((other = g_hash_table_lookup(l->by_name, name))) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "domain '%s' already exists", name);
        return NULL;
    }
    if ((other = g_hash_table_lookup(l->by_uuid, uuid))) {
        char s[37];
        const unsigned char *u = uuid;
        g_snprintf(s, sizeof(s), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                   u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     "domain '%s' already exists with uuid %s", other->name, s);
        return NULL;
    }
    MvDomainObj *obj = g_new0(MvDomainObj, 1);
    obj->refs = 1;
    g_mutex_init(&obj->lock);
    g_cond_init(&obj->job_cond);
    obj->name = g_strdup(name);
    memcpy(obj->uuid, uuid, 16);
    obj->id = -1;
    obj->def = def;
    obj->def_free = def_free;
    mv_domain_obj_set_state(obj, MV_DOMAIN_SHUTOFF, 0);
    g_hash_table_insert(l->by_name, obj->name, obj);
    g_hash_table_insert(l->by_uuid, obj->uuid, obj);
    return mv_domain_obj_ref(obj);
}

void
mv_domain_list_remove(MvDomainList *l, MvDomainObj *obj)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    if (g_hash_table_lookup(l->by_name, obj->name) != obj)
        return;
    obj->removed = true;
    if (obj->id >= 0)
        g_hash_table_remove(l->by_id, GINT_TO_POINTER(obj->id));
    g_hash_table_remove(l->by_uuid, obj->uuid);
    g_hash_table_remove(l->by_name, obj->name);   /* drops the list's reference last */
}

static MvDomainObj *
ref_or_null(MvDomainObj *obj)
{
    return obj ? mv_domain_obj_ref(obj) : NULL;
}

MvDomainObj *
mv_domain_list_find_by_name(MvDomainList *l, const char *name)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return ref_or_null(g_hash_table_lookup(l->by_name, name));
}

MvDomainObj *
mv_domain_list_find_by_uuid(MvDomainList *l, const unsigned char uuid[16])
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return ref_or_null(g_hash_table_lookup(l->by_uuid, uuid));
}

MvDomainObj *
mv_domain_list_find_by_id(MvDomainList *l, int id)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return id < 0 ? NULL : ref_or_null(g_hash_table_lookup(l->by_id, GINT_TO_POINTER(id)));
}

void
mv_domain_list_set_id(MvDomainList *l, MvDomainObj *obj, int id)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    if (obj->id >= 0 && g_hash_table_lookup(l->by_id, GINT_TO_POINTER(obj->id)) == obj)
        g_hash_table_remove(l->by_id, GINT_TO_POINTER(obj->id));
    obj->id = id;
    if (id >= 0 && !obj->removed) {
        g_hash_table_insert(l->by_id, GINT_TO_POINTER(id), obj);
        if (id >= l->next_id)
            l->next_id = id + 1;
    }
}

int
mv_domain_list_next_id(MvDomainList *l)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return l->next_id++;
}

void
mv_domain_list_note_id(MvDomainList *l, int id)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    if (id >= l->next_id)
        l->next_id = id + 1;
}

static gint
by_name_cmp(gconstpointer a, gconstpointer b)
{
    const MvDomainObj *x = *(MvDomainObj *const *)a, *y = *(MvDomainObj *const *)b;
    return strcmp(x->name, y->name);
}

GPtrArray *
mv_domain_list_snapshot(MvDomainList *l)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    GPtrArray *out = g_ptr_array_new_full(g_hash_table_size(l->by_name), (GDestroyNotify)mv_domain_obj_unref);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, l->by_name);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(out, mv_domain_obj_ref(v));
    g_ptr_array_sort(out, by_name_cmp);
    return out;
}

GPtrArray *
mv_domain_list_snapshot_active(MvDomainList *l)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    GPtrArray *out = g_ptr_array_new_full(g_hash_table_size(l->by_id), (GDestroyNotify)mv_domain_obj_unref);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, l->by_id);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(out, mv_domain_obj_ref(v));
    return out;
}

unsigned
mv_domain_list_count(MvDomainList *l)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return g_hash_table_size(l->by_name);
}
