// SPDX-License-Identifier: LGPL-2.1-or-later
// Once-per-procedure logging of calls the daemon could not serve (see rpc-proclog.h).

#include "rpc/rpc-proclog.h"

static GMutex lock;
static GHashTable *seen;   /* "kind:prog:proc" -> itself; under lock */
static bool full_said;     /* the "no more" line was logged; under lock */

void
mv_proclog_once(const char *kind, MvClient *c, const mv_message_header *hdr, const char *why)
{
    g_autofree char *key = g_strdup_printf("%s:%u:%d", kind, hdr->prog, hdr->proc);
    bool log = false, last = false;

    g_mutex_lock(&lock);
    if (!seen)
        seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (!g_hash_table_contains(seen, key)) {
        if (g_hash_table_size(seen) < MV_PROCLOG_MAX_ENTRIES) {
            g_hash_table_add(seen, g_steal_pointer(&key));
            log = true;
        } else if (!full_said) {
            full_said = last = true;
        }
    }
    g_mutex_unlock(&lock);

    if (!log && !last)
        return;
    uid_t uid = (uid_t)-1;
    gid_t gid;
    pid_t pid = 0;
    mv_client_peer(c, &uid, &gid, &pid);
    if (last) {
        g_info("%u distinct unserved procedures logged: further ones are not", MV_PROCLOG_MAX_ENTRIES);
        return;
    }
    g_info("client pid %d (uid %d) called procedure %d of program 0x%x: %s (logged once per procedure)",
           (int)pid, (int)uid, hdr->proc, hdr->prog, why);
}

void
mv_proclog_reset(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&seen, g_hash_table_unref);
    full_said = false;
    g_mutex_unlock(&lock);
}
