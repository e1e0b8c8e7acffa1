// SPDX-License-Identifier: LGPL-2.1-or-later
// The objects every driver keeps (domains, networks, storage pools, ...) and the list that
// holds them: O(1) lookup by name, UUID and (for objects that run with one) id, a lock per
// object, a job per object for long operations, and libvirt's LIST_ALL filters.  What a
// definition contains is the kind's conf code's business; what running means is the driver's.
// The conventions that go with it are written down in daemon/daemon-driver.h.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* What kind of object a list holds, as its error messages name it.  Data, one per driver. */
typedef struct {
    const char *noun;      /* "domain", "network", "storage pool", ... */
    int from;              /* libvirt error domain of the driver's errors (MV_FROM_*) */
    int not_found;         /* libvirt error code for "no such object" (MV_ERR_NO_DOMAIN, ...) */
    int initial_state;     /* the state a new object has (MV_DOMAIN_SHUTOFF for domains) */
} MvObjKind;

typedef struct MvObj MvObj;

struct MvObj {
    gint refs;
    GMutex lock;            /* guards every field below */
    GCond job_cond;
    bool job_active;        /* a long operation (start, stop, ...) owns the object */
    bool removed;           /* no longer in the list; lookups will not find it */
    const MvObjKind *kind;

    char *name;             /* lookup keys, kept equal to def's */
    unsigned char uuid[16];
    int id;                 /* -1 while inactive, or always for kinds without ids */

    void *def;              /* the definition (live one while active); owned */
    void *newdef;           /* the persistent definition while active, if it differs */
    GDestroyNotify def_free;
    bool persistent;
    bool autostart;
    bool active;            /* for kinds without ids (networks, pools): is it running */
    int state;              /* the kind's state number (MvDomainState for domains) */
    int reason;
    gint64 state_time;      /* monotonic µs of the last state change */

    void *priv;             /* the driver's runtime state (process, monitor, ...) */
    GDestroyNotify priv_free;
};

MvObj *mv_obj_ref(MvObj *obj);
void mv_obj_unref(MvObj *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvObj, mv_obj_unref)

void mv_obj_lock(MvObj *obj);
void mv_obj_unlock(MvObj *obj);

/* Wait (with the object locked; the lock is released while waiting) until no job runs,
 * then own the job.  False after @timeout_ms with @error set ("cannot acquire state
 * change lock"), or if the object was removed meanwhile ("no <noun> with matching name"). */
bool mv_obj_begin_job(MvObj *obj, unsigned timeout_ms, GError **error);
/* Release the job (object locked). */
void mv_obj_end_job(MvObj *obj);

/* Set state and reason (object locked). */
void mv_obj_set_state(MvObj *obj, int state, int reason);
/* Active: has an id (domains), or marked active (kinds without ids).  Object locked. */
static inline bool mv_obj_is_active(const MvObj *obj) { return obj->id >= 0 || obj->active; }

typedef struct MvObjList MvObjList;

/* A list of objects of @kind (static data, not copied). */
MvObjList *mv_obj_list_new(const MvObjKind *kind);
void mv_obj_list_free(MvObjList *list);
const MvObjKind *mv_obj_list_kind(const MvObjList *list);

/* Add a new object for @def named @name with @uuid, taking ownership of @def (freed with
 * @def_free).  Fails with MV_ERR_OPERATION_FAILED ("<noun> 'x' already exists") if the name
 * or the UUID is taken, and then @def stays the caller's.  The returned object is
 * referenced, not locked; it starts inactive in the kind's initial state. */
MvObj *mv_obj_list_add(MvObjList *list, const char *name, const unsigned char uuid[16],
                       void *def, GDestroyNotify def_free, GError **error);

/* Remove @obj from the list (it may live on while referenced). */
void mv_obj_list_remove(MvObjList *list, MvObj *obj);

/* Lookups return a reference (not locked) or NULL. */
MvObj *mv_obj_list_find_by_name(MvObjList *list, const char *name);
MvObj *mv_obj_list_find_by_uuid(MvObjList *list, const unsigned char uuid[16]);
MvObj *mv_obj_list_find_by_id(MvObjList *list, int id);

/* The same lookups, failing with the kind's "not found" error naming what was asked:
 * "no <noun> with matching name 'x'" / "... uuid '...'" / "... id N".  @what, when not
 * NULL, is added in parentheses after a UUID (the name the client gave with it). */
MvObj *mv_obj_list_get_by_name(MvObjList *list, const char *name, GError **error);
MvObj *mv_obj_list_get_by_uuid(MvObjList *list, const unsigned char uuid[16], const char *what,
                               GError **error);
MvObj *mv_obj_list_get_by_id(MvObjList *list, int id, GError **error);

/* Record that @obj now has id @id (-1: inactive), keeping the id index right. */
void mv_obj_list_set_id(MvObjList *list, MvObj *obj, int id);
/* A new id for an object being started: increasing, never reused while the daemon runs. */
int mv_obj_list_next_id(MvObjList *list);
/* Make sure ids handed out later are above @id (after reattaching a guest). */
void mv_obj_list_note_id(MvObjList *list, int id);

/* A snapshot of every object, referenced, in name order: iterate without the list lock. */
GPtrArray *mv_obj_list_snapshot(MvObjList *list);
unsigned mv_obj_list_count(MvObjList *list);
/* The objects with an id only, referenced, unordered: O(running domains), for periodic
 * work such as the stats sampler. */
GPtrArray *mv_obj_list_snapshot_active(MvObjList *list);

/* ---- libvirt's LIST_ALL filters ---- */

/* Two flag bits that ask for one property or its opposite.  libvirt's rule: neither bit or
 * both bits set filter nothing; one bit keeps the objects that have (or lack) the property. */
typedef struct {
    unsigned yes, no;
} MvFilterPair;

/* Does a property @has pass @pair under @flags? */
bool mv_filter_pair_passes(MvFilterPair pair, unsigned flags, bool has);

/* One LIST_ALL call's flags, as data: the bit values differ per kind (a pool's ACTIVE is a
 * domain's INACTIVE).  Pairs left zero filter nothing. */
typedef struct MvObjFilter MvObjFilter;
struct MvObjFilter {
    const char *function;      /* the API name, for "unsupported flags" errors */
    unsigned supported;        /* every flag the call accepts */
    MvFilterPair active, persistent, autostart;
    /* Pairs asking for a property no object of ours has yet (managed save, snapshots,
     * checkpoints): the "yes" bit matches nothing, the "no" bit everything. */
    MvFilterPair never[3];
    /* The kind's own bits (domain states, pool types); NULL: none.  Object locked. */
    bool (*extra)(const MvObjFilter *filter, MvObj *obj, unsigned flags);
};

/* Does @obj (locked) pass @filter under @flags? */
bool mv_obj_filter_passes(const MvObjFilter *filter, MvObj *obj, unsigned flags);

/* The objects of @list passing @filter under @flags, referenced, in name order; each object
 * is locked while it is tested.  NULL with MV_ERR_INVALID_ARG from @from ("unsupported flags
 * (0x..) in function <function>") if @flags has bits the filter does not know. */
GPtrArray *mv_obj_list_filter(MvObjList *list, const MvObjFilter *filter, unsigned flags,
                              GError **error);

/* libvirt's CONNECT_LIST_ALL_DOMAINS (and GET_ALL_DOMAIN_STATS filter) flags, as data. */
extern const MvObjFilter mv_domain_list_filter;
/* CONNECT_LIST_ALL_NETWORKS. */
extern const MvObjFilter mv_network_list_filter;
/* CONNECT_LIST_ALL_STORAGE_POOLS, without the pool type bits (64 and up): storaged copies
 * it, adds the type bits to .supported and tests them in .extra. */
extern const MvObjFilter mv_storage_pool_list_filter;
