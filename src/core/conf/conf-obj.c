// SPDX-License-Identifier: LGPL-2.1-or-later
// Objects, their jobs, the indexed list, and libvirt's LIST_ALL filters.

#include "conf/conf-obj.h"
#include "conf/conf-domain-state.h"
#include "util/util-error.h"
#include "util/util-uuid.h"

#include <string.h>

struct MvObjList {
    GMutex lock;
    const MvObjKind *kind;
    GHashTable *by_name;    /* name -> obj (one reference held by the list) */
    GHashTable *by_uuid;    /* uuid bytes -> obj (borrowed) */
    GHashTable *by_id;      /* GINT_TO_POINTER(id) -> obj (borrowed) */
    int next_id;
};

MvObj *
mv_obj_ref(MvObj *obj)
{
    g_atomic_int_inc(&obj->refs);
    return obj;
}

void
mv_obj_unref(MvObj *obj)
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

void mv_obj_lock(MvObj *obj) { g_mutex_lock(&obj->lock); }
void mv_obj_unlock(MvObj *obj) { g_mutex_unlock(&obj->lock); }

bool
mv_obj_begin_job(MvObj *obj, unsigned timeout_ms, GError **error)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (obj->job_active) {
        if (!g_cond_wait_until(&obj->job_cond, &obj->lock, end)) {
            mv_error_set(error, obj->kind->from, MV_ERR_OPERATION_TIMEOUT,
                         "cannot acquire state change lock for %s '%s': another operation is still running",
                         obj->kind->noun, obj->name);
            return false;
        }
    }
    if (obj->removed) {
        mv_error_set(error, obj->kind->from, obj->kind->not_found, "no %s with matching name '%s'",
                     obj->kind->noun, obj->name);
        return false;
    }
    obj->job_active = true;
    return true;
}

void
mv_obj_end_job(MvObj *obj)
{
    obj->job_active = false;
    g_cond_broadcast(&obj->job_cond);
}

void
mv_obj_set_state(MvObj *obj, int state, int reason)
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

MvObjList *
mv_obj_list_new(const MvObjKind *kind)
{
    MvObjList *l = g_new0(MvObjList, 1);
    g_mutex_init(&l->lock);
    l->kind = kind;
    l->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)mv_obj_unref);
    l->by_uuid = g_hash_table_new(uuid_hash, uuid_equal);
    l->by_id = g_hash_table_new(NULL, NULL);
    l->next_id = 1;
    return l;
}

void
mv_obj_list_free(MvObjList *l)
{
    if (!l)
        return;
    g_hash_table_unref(l->by_id);
    g_hash_table_unref(l->by_uuid);
    g_hash_table_unref(l->by_name);
    g_mutex_clear(&l->lock);
    g_free(l);
}

const MvObjKind *
mv_obj_list_kind(const MvObjList *l)
{
    return l->kind;
}

MvObj *
mv_obj_list_add(MvObjList *l, const char *name, const unsigned char uuid[16],
                void *def, GDestroyNotify def_free, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    MvObj *other;

    if ((other = g_hash_table_lookup(l->by_name, name))) {
        mv_error_set(error, l->kind->from, MV_ERR_OPERATION_FAILED, "%s '%s' already exists",
                     l->kind->noun, name);
        return NULL;
    }
    if ((other = g_hash_table_lookup(l->by_uuid, uuid))) {
        char s[MV_UUID_STRING_BUFLEN];
        mv_uuid_format(uuid, s);
        mv_error_set(error, l->kind->from, MV_ERR_OPERATION_FAILED, "%s '%s' already exists with uuid %s",
                     l->kind->noun, other->name, s);
        return NULL;
    }
    MvObj *obj = g_new0(MvObj, 1);
    obj->refs = 1;
    g_mutex_init(&obj->lock);
    g_cond_init(&obj->job_cond);
    obj->kind = l->kind;
    obj->name = g_strdup(name);
    memcpy(obj->uuid, uuid, 16);
    obj->id = -1;
    obj->def = def;
    obj->def_free = def_free;
    mv_obj_set_state(obj, l->kind->initial_state, 0);
    g_hash_table_insert(l->by_name, obj->name, obj);
    g_hash_table_insert(l->by_uuid, obj->uuid, obj);
    return mv_obj_ref(obj);
}

void
mv_obj_list_remove(MvObjList *l, MvObj *obj)
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

static MvObj *
ref_or_null(MvObj *obj)
{
    return obj ? mv_obj_ref(obj) : NULL;
}

MvObj *
mv_obj_list_find_by_name(MvObjList *l, const char *name)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return ref_or_null(g_hash_table_lookup(l->by_name, name));
}

MvObj *
mv_obj_list_find_by_uuid(MvObjList *l, const unsigned char uuid[16])
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return ref_or_null(g_hash_table_lookup(l->by_uuid, uuid));
}

MvObj *
mv_obj_list_find_by_id(MvObjList *l, int id)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return id < 0 ? NULL : ref_or_null(g_hash_table_lookup(l->by_id, GINT_TO_POINTER(id)));
}

MvObj *
mv_obj_list_get_by_name(MvObjList *l, const char *name, GError **error)
{
    MvObj *obj = mv_obj_list_find_by_name(l, name);
    if (!obj)
        mv_error_set(error, l->kind->from, l->kind->not_found, "no %s with matching name '%s'",
                     l->kind->noun, name);
    return obj;
}

MvObj *
mv_obj_list_get_by_uuid(MvObjList *l, const unsigned char uuid[16], const char *what, GError **error)
{
    MvObj *obj = mv_obj_list_find_by_uuid(l, uuid);
    if (!obj) {
        char s[MV_UUID_STRING_BUFLEN];
        mv_uuid_format(uuid, s);
        if (what)
            mv_error_set(error, l->kind->from, l->kind->not_found, "no %s with matching uuid '%s' (%s)",
                         l->kind->noun, s, what);
        else
            mv_error_set(error, l->kind->from, l->kind->not_found, "no %s with matching uuid '%s'",
                         l->kind->noun, s);
    }
    return obj;
}

MvObj *
mv_obj_list_get_by_id(MvObjList *l, int id, GError **error)
{
    MvObj *obj = mv_obj_list_find_by_id(l, id);
    if (!obj)
        mv_error_set(error, l->kind->from, l->kind->not_found, "no %s with matching id %d", l->kind->noun, id);
    return obj;
}

void
mv_obj_list_set_id(MvObjList *l, MvObj *obj, int id)
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
mv_obj_list_next_id(MvObjList *l)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return l->next_id++;
}

void
mv_obj_list_note_id(MvObjList *l, int id)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    if (id >= l->next_id)
        l->next_id = id + 1;
}

static gint
by_name_cmp(gconstpointer a, gconstpointer b)
{
    const MvObj *x = *(MvObj *const *)a, *y = *(MvObj *const *)b;
    return strcmp(x->name, y->name);
}

static GPtrArray *
snapshot_of(MvObjList *l, GHashTable *index)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    GPtrArray *out = g_ptr_array_new_full(g_hash_table_size(index), (GDestroyNotify)mv_obj_unref);
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, index);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(out, mv_obj_ref(v));
    return out;
}

GPtrArray *
mv_obj_list_snapshot(MvObjList *l)
{
    GPtrArray *out = snapshot_of(l, l->by_name);
    g_ptr_array_sort(out, by_name_cmp);
    return out;
}

GPtrArray *
mv_obj_list_snapshot_active(MvObjList *l)
{
    return snapshot_of(l, l->by_id);
}

unsigned
mv_obj_list_count(MvObjList *l)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&l->lock);
    return g_hash_table_size(l->by_name);
}

/* ---- filters ---- */

bool
mv_filter_pair_passes(MvFilterPair pair, unsigned flags, bool has)
{
    unsigned both = pair.yes | pair.no;
    unsigned asked = flags & both;
    if (!asked || asked == both)
        return true;
    return (asked == pair.yes) == has;
}

bool
mv_obj_filter_passes(const MvObjFilter *f, MvObj *obj, unsigned flags)
{
    if (!mv_filter_pair_passes(f->active, flags, mv_obj_is_active(obj)) ||
        !mv_filter_pair_passes(f->persistent, flags, obj->persistent) ||
        !mv_filter_pair_passes(f->autostart, flags, obj->autostart))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(f->never); i++)
        if (!mv_filter_pair_passes(f->never[i], flags, false))
            return false;
    return !f->extra || f->extra(f, obj, flags);
}

GPtrArray *
mv_obj_list_filter(MvObjList *l, const MvObjFilter *f, unsigned flags, GError **error)
{
    if (!mv_flags_check(flags, f->supported, l->kind->from, f->function, error))
        return NULL;
    g_autoptr(GPtrArray) all = mv_obj_list_snapshot(l);
    GPtrArray *out = g_ptr_array_new_full(all->len, (GDestroyNotify)mv_obj_unref);
    for (guint i = 0; i < all->len; i++) {
        MvObj *obj = all->pdata[i];
        mv_obj_lock(obj);
        if (mv_obj_filter_passes(f, obj, flags))
            g_ptr_array_add(out, mv_obj_ref(obj));
        mv_obj_unlock(obj);
    }
    return out;
}

/* libvirt's virConnectListAllDomainsFlags bits. */
enum {
    DOMAINS_ACTIVE = 1 << 0,
    DOMAINS_INACTIVE = 1 << 1,
    DOMAINS_PERSISTENT = 1 << 2,
    DOMAINS_TRANSIENT = 1 << 3,
    DOMAINS_RUNNING = 1 << 4,
    DOMAINS_PAUSED = 1 << 5,
    DOMAINS_SHUTOFF = 1 << 6,
    DOMAINS_OTHER = 1 << 7,
    DOMAINS_MANAGEDSAVE = 1 << 8,
    DOMAINS_NO_MANAGEDSAVE = 1 << 9,
    DOMAINS_AUTOSTART = 1 << 10,
    DOMAINS_NO_AUTOSTART = 1 << 11,
    DOMAINS_HAS_SNAPSHOT = 1 << 12,
    DOMAINS_NO_SNAPSHOT = 1 << 13,
    DOMAINS_HAS_CHECKPOINT = 1 << 14,
    DOMAINS_NO_CHECKPOINT = 1 << 15,
    DOMAINS_ALL = (1 << 16) - 1,
};

/* The state bits: any one set keeps the domains in one of the states asked for. */
static bool
domain_state_passes(const MvObjFilter *f, MvObj *obj, unsigned flags)
{
    unsigned states = flags & (DOMAINS_RUNNING | DOMAINS_PAUSED | DOMAINS_SHUTOFF | DOMAINS_OTHER);
    if (!states)
        return true;
    switch (obj->state) {
    case MV_DOMAIN_RUNNING: return states & DOMAINS_RUNNING;
    case MV_DOMAIN_PAUSED: return states & DOMAINS_PAUSED;
    case MV_DOMAIN_SHUTOFF: return states & DOMAINS_SHUTOFF;
    default: return states & DOMAINS_OTHER;
    }
}

const MvObjFilter mv_domain_list_filter = {
    .function = "virConnectListAllDomains",
    .supported = DOMAINS_ALL,
    .active = { DOMAINS_ACTIVE, DOMAINS_INACTIVE },
    .persistent = { DOMAINS_PERSISTENT, DOMAINS_TRANSIENT },
    .autostart = { DOMAINS_AUTOSTART, DOMAINS_NO_AUTOSTART },
    .never = {
        { DOMAINS_MANAGEDSAVE, DOMAINS_NO_MANAGEDSAVE },
        { DOMAINS_HAS_SNAPSHOT, DOMAINS_NO_SNAPSHOT },
        { DOMAINS_HAS_CHECKPOINT, DOMAINS_NO_CHECKPOINT },
    },
    .extra = domain_state_passes,
};

/* virConnectListAllNetworksFlags and virConnectListAllStoragePoolsFlags share these six
 * bits; note INACTIVE is 1 and ACTIVE 2, the other way round from domains. */
enum {
    NETS_POOLS_INACTIVE = 1 << 0,
    NETS_POOLS_ACTIVE = 1 << 1,
    NETS_POOLS_PERSISTENT = 1 << 2,
    NETS_POOLS_TRANSIENT = 1 << 3,
    NETS_POOLS_AUTOSTART = 1 << 4,
    NETS_POOLS_NO_AUTOSTART = 1 << 5,
    NETS_POOLS_ALL = (1 << 6) - 1,
};

const MvObjFilter mv_network_list_filter = {
    .function = "virConnectListAllNetworks",
    .supported = NETS_POOLS_ALL,
    .active = { NETS_POOLS_ACTIVE, NETS_POOLS_INACTIVE },
    .persistent = { NETS_POOLS_PERSISTENT, NETS_POOLS_TRANSIENT },
    .autostart = { NETS_POOLS_AUTOSTART, NETS_POOLS_NO_AUTOSTART },
};

const MvObjFilter mv_storage_pool_list_filter = {
    .function = "virConnectListAllStoragePools",
    .supported = NETS_POOLS_ALL,
    .active = { NETS_POOLS_ACTIVE, NETS_POOLS_INACTIVE },
    .persistent = { NETS_POOLS_PERSISTENT, NETS_POOLS_TRANSIENT },
    .autostart = { NETS_POOLS_AUTOSTART, NETS_POOLS_NO_AUTOSTART },
};
