// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain objects and the list that holds them: O(1) lookup by name, UUID and id, a lock per
// object and a job per object for long operations.  What a definition contains is
// conf-domain's business; running a domain is the driver's.
#pragma once

#include <glib.h>
#include <stdbool.h>

/* libvirt's virDomainState values; they cross the wire. */
typedef enum {
    MV_DOMAIN_NOSTATE = 0,
    MV_DOMAIN_RUNNING = 1,
    MV_DOMAIN_BLOCKED = 2,
    MV_DOMAIN_PAUSED = 3,
    MV_DOMAIN_SHUTDOWN = 4,
    MV_DOMAIN_SHUTOFF = 5,
    MV_DOMAIN_CRASHED = 6,
    MV_DOMAIN_PMSUSPENDED = 7,
    MV_DOMAIN_STATE_LAST
} MvDomainState;

typedef struct MvDomainObj MvDomainObj;

struct MvDomainObj {
    gint refs;
    GMutex lock;            /* guards every field below */
    GCond job_cond;
    bool job_active;        /* a long operation (start, stop, ...) owns the object */
    bool removed;           /* no longer in the list; lookups will not find it */

    char *name;             /* lookup keys, kept equal to def's */
    unsigned char uuid[16];
    int id;                 /* -1 while inactive */

    void *def;              /* the definition (live one while running); owned */
    void *newdef;           /* the persistent definition while running, if it differs */
    GDestroyNotify def_free;
    bool persistent;
    bool autostart;
    int state;              /* MvDomainState */
    int reason;
    gint64 state_time;      /* monotonic µs of the last state change */

    void *priv;             /* the driver's runtime state (process, monitor, ...) */
    GDestroyNotify priv_free;
};

MvDomainObj *mv_domain_obj_ref(MvDomainObj *obj);
void mv_domain_obj_unref(MvDomainObj *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainObj, mv_domain_obj_unref)

void mv_domain_obj_lock(MvDomainObj *obj);
void mv_domain_obj_unlock(MvDomainObj *obj);

/* Wait (with the object locked; the lock is released while waiting) until no job runs,
 * then own the job.  False after @timeout_ms with @error set ("cannot acquire state
 * change lock"), or if the object was removed meanwhile. */
bool mv_domain_obj_begin_job(MvDomainObj *obj, unsigned timeout_ms, GError **error);
/* Release the job (object locked). */
void mv_domain_obj_end_job(MvDomainObj *obj);

/* Set state and reason (object locked). */
void mv_domain_obj_set_state(MvDomainObj *obj, int state, int reason);
static inline bool mv_domain_obj_is_active(const MvDomainObj *obj) { return obj->id >= 0; }

typedef struct MvDomainList MvDomainList;

MvDomainList *mv_domain_list_new(void);
void mv_domain_list_free(MvDomainList *list);

/* Add a new object for @def named @name with @uuid, taking ownership of @def (freed with
 * @def_free).  Fails with MV_ERR_OPERATION_FAILED if the name or the UUID is taken.  The
 * returned object is referenced, not locked. */
MvDomainObj *mv_domain_list_add(MvDomainList *list, const char *name, const unsigned char uuid[16],
                                void *def, GDestroyNotify def_free, GError **error);

/* Remove @obj from the list (it may live on while referenced). */
void mv_domain_list_remove(MvDomainList *list, MvDomainObj *obj);

/* Lookups return a reference (not locked) or NULL. */
MvDomainObj *mv_domain_list_find_by_name(MvDomainList *list, const char *name);
MvDomainObj *mv_domain_list_find_by_uuid(MvDomainList *list, const unsigned char uuid[16]);
MvDomainObj *mv_domain_list_find_by_id(MvDomainList *list, int id);

/* Record that @obj now has id @id (-1: inactive), keeping the id index right. */
void mv_domain_list_set_id(MvDomainList *list, MvDomainObj *obj, int id);

/* A new id for a domain being started: increasing, never reused while the daemon runs. */
int mv_domain_list_next_id(MvDomainList *list);
/* Make sure ids handed out later are above @id (after reattaching a guest). */
void mv_domain_list_note_id(MvDomainList *list, int id);

/* A snapshot of every object, referenced, in name order: iterate without the list lock. */
GPtrArray *mv_domain_list_snapshot(MvDomainList *list);
unsigned mv_domain_list_count(MvDomainList *list);
/* The active objects only (those with an id), referenced, unordered: O(running domains),
 * for periodic work such as the stats sampler. */
GPtrArray *mv_domain_list_snapshot_active(MvDomainList *list);
