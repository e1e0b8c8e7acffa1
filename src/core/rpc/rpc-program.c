// SPDX-License-Identifier: LGPL-2.1-or-later
// Procedure tables indexed by procedure number.

#include "rpc/rpc-program.h"

struct MvProgram {
    unsigned prog;
    unsigned vers;
    GPtrArray *by_proc;   /* index = procedure number, element = const MvProcedure* */
};

MvProgram *
mv_program_new(unsigned prog, unsigned vers)
{
    MvProgram *p = g_new0(MvProgram, 1);
    p->prog = prog;
    p->vers = vers;
    p->by_proc = g_ptr_array_new();
    return p;
}

void
mv_program_free(MvProgram *p)
{
    if (!p)
        return;
    g_ptr_array_unref(p->by_proc);
    g_free(p);
}

void
mv_program_add(MvProgram *p, const MvProcedure *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_return_if_fail(rows[i].proc > 0 && rows[i].proc < 100000);
        if ((guint)rows[i].proc >= p->by_proc->len)
            g_ptr_array_set_size(p->by_proc, rows[i].proc + 1);
        p->by_proc->pdata[rows[i].proc] = (gpointer)&rows[i];
    }
}

unsigned
mv_program_number(const MvProgram *p)
{
    return p->prog;
}

unsigned
mv_program_version(const MvProgram *p)
{
    return p->vers;
}

const MvProcedure *
mv_program_lookup(const MvProgram *p, int proc)
{
    if (proc <= 0 || (guint)proc >= p->by_proc->len)
        return NULL;
    return p->by_proc->pdata[proc];
}
