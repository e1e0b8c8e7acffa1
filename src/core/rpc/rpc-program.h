// SPDX-License-Identifier: LGPL-2.1-or-later
// Dispatch as data: a program is a table of procedures, one row each, naming the codecs,
// the handler and the rules for calling it.  The server looks rows up; drivers write them.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <rpc/rpc.h>

typedef struct MvClient MvClient;
typedef struct MvCall MvCall;

/* Handler of one procedure.  @args is decoded, @ret is zeroed and encoded after a true
 * return; on false @error becomes the error reply.  Both are freed by the dispatcher. */
typedef bool (*MvProcHandler)(MvCall *call, void *args, void *ret, GError **error);

typedef enum {
    MV_PROC_READONLY_OK = 1 << 0,  /* read-only clients may call it */
    MV_PROC_BEFORE_OPEN = 1 << 1,  /* allowed before CONNECT_OPEN */
    MV_PROC_INLINE      = 1 << 2,  /* cheap and never blocks: run on the I/O thread */
    MV_PROC_PRIORITY    = 1 << 3,  /* run on the priority lane, never behind slow calls */
    MV_PROC_BEFORE_AUTH = 1 << 4,  /* allowed before authentication (AUTH_*) */
} MvProcFlags;

typedef struct {
    int proc;
    const char *api;          /* public API name, for "read only access prevents <api>" */
    xdrproc_t args_proc;      /* NULL: no arguments */
    size_t args_size;
    xdrproc_t ret_proc;       /* NULL: void reply */
    size_t ret_size;
    MvProcHandler handler;
    unsigned flags;           /* MvProcFlags */
    /* Bits of the call's own `flags` argument that read-only clients may not set, because
     * they widen what the answer reveals (VIR_DOMAIN_XML_SECURE: passwords and keys).  The
     * server refuses them with libvirt's "operation forbidden" before the handler runs, so
     * a driver only names them in its table (MV_PROC_ROW_RO_DENY). */
    unsigned ro_denied_flags;
    size_t flags_offset;      /* offsetof(args, flags), when ro_denied_flags is set */
} MvProcedure;

#define MV_PROC_ROW(num, name, argtype, rettype, fn, fl) \
    { (num), (name), (xdrproc_t)xdr_##argtype, sizeof(argtype), \
      (xdrproc_t)xdr_##rettype, sizeof(rettype), (fn), (fl), 0, 0 }
#define MV_PROC_ROW_NOARGS(num, name, rettype, fn, fl) \
    { (num), (name), NULL, 0, (xdrproc_t)xdr_##rettype, sizeof(rettype), (fn), (fl), 0, 0 }
#define MV_PROC_ROW_NORET(num, name, argtype, fn, fl) \
    { (num), (name), (xdrproc_t)xdr_##argtype, sizeof(argtype), NULL, 0, (fn), (fl), 0, 0 }
#define MV_PROC_ROW_VOID(num, name, fn, fl) \
    { (num), (name), NULL, 0, NULL, 0, (fn), (fl), 0, 0 }
/* A row whose @deny bits of args.flags read-only clients may not set. */
#define MV_PROC_ROW_RO_DENY(num, name, argtype, rettype, fn, fl, deny) \
    { (num), (name), (xdrproc_t)xdr_##argtype, sizeof(argtype), \
      (xdrproc_t)xdr_##rettype, sizeof(rettype), (fn), (fl), (deny), offsetof(argtype, flags) }

typedef struct MvProgram MvProgram;

/* A new empty program @prog version @vers. */
MvProgram *mv_program_new(unsigned prog, unsigned vers);
void mv_program_free(MvProgram *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvProgram, mv_program_free)

/* Add @n rows; a later row for the same procedure replaces an earlier one. */
void mv_program_add(MvProgram *p, const MvProcedure *rows, size_t n);

unsigned mv_program_number(const MvProgram *p);
unsigned mv_program_version(const MvProgram *p);

/* The row for @proc, or NULL.  O(1). */
const MvProcedure *mv_program_lookup(const MvProgram *p, int proc);
