// SPDX-License-Identifier: LGPL-2.1-or-later
// The driver kit as a network driver would use it: a list of a kind of its own with its error
// names, libvirt's LIST_ALL filters for domains, networks and pools (their bit values differ),
// the flags check, jobs, and persistence (definitions, autostart links, status files, loading
// at start with broken files skipped, autostart once per boot); and the fd type.

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf-domain-obj.h"
#include "conf/conf-persist.h"
#include "util/util-error.h"
#include "util/util-fd.h"

static const MvObjKind net_kind = { "network", MV_FROM_NETWORK, MV_ERR_NO_NETWORK, 0 };

typedef struct {
    char *name;
    unsigned char uuid[16];
} NetDef;

static void
net_def_free(NetDef *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def);
}

static NetDef *
net_def_new(const char *name, unsigned char u)
{
    NetDef *def = g_new0(NetDef, 1);
    def->name = g_strdup(name);
    memset(def->uuid, u, 16);
    return def;
}

static MvObj *
add_net(MvObjList *list, const char *name, unsigned char u)
{
    g_autoptr(GError) err = NULL;
    NetDef *def = net_def_new(name, u);
    MvObj *obj = mv_obj_list_add(list, name, def->uuid, def, (GDestroyNotify)net_def_free, &err);
    g_assert_no_error(err);
    return obj;
}

static char *
names_of(GPtrArray *objs)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < objs->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", ((MvObj *)objs->pdata[i])->name);
    return g_string_free(s, FALSE);
}

static char *
filtered(MvObjList *list, const MvObjFilter *f, unsigned flags)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) objs = mv_obj_list_filter(list, f, flags, &err);
    g_assert_no_error(err);
    return names_of(objs);
}

#define ASSERT_FILTER(list, f, flags, expected) do { \
        g_autofree char *got_ = filtered((list), (f), (flags)); \
        g_assert_cmpstr(got_, ==, (expected)); \
    } while (0)

static void
test_list_errors(void)
{
    g_autoptr(GError) err = NULL;
    MvObjList *list = mv_obj_list_new(&net_kind);
    g_autoptr(MvObj) a = add_net(list, "default", 1);

    NetDef *dup = net_def_new("default", 2);
    g_assert_null(mv_obj_list_add(list, "default", dup->uuid, dup, (GDestroyNotify)net_def_free, &err));
    g_assert_error(err, mv_error_quark(MV_FROM_NETWORK), MV_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "operation failed: network 'default' already exists");
    g_clear_error(&err);
    net_def_free(dup);

    g_assert_null(mv_obj_list_get_by_name(list, "nope", &err));
    g_assert_error(err, mv_error_quark(MV_FROM_NETWORK), MV_ERR_NO_NETWORK);
    g_assert_cmpstr(err->message, ==, "Network not found: no network with matching name 'nope'");
    g_clear_error(&err);

    unsigned char other[16];
    memset(other, 0x11, 16);
    g_assert_null(mv_obj_list_get_by_uuid(list, other, "nope", &err));
    g_assert_cmpstr(err->message, ==,
                    "Network not found: no network with matching uuid '11111111-1111-1111-1111-111111111111' (nope)");
    g_clear_error(&err);

    g_autoptr(MvObj) b = mv_obj_list_get_by_uuid(list, a->uuid, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(a == b);

    /* A removed object refuses new jobs with the kind's "not found". */
    mv_obj_list_remove(list, a);
    mv_obj_lock(a);
    g_assert_false(mv_obj_begin_job(a, 10, &err));
    mv_obj_unlock(a);
    g_assert_error(err, mv_error_quark(MV_FROM_NETWORK), MV_ERR_NO_NETWORK);
    mv_obj_list_free(list);
}

static void
test_job_timeout(void)
{
    g_autoptr(GError) err = NULL;
    MvObjList *list = mv_obj_list_new(&net_kind);
    g_autoptr(MvObj) a = add_net(list, "default", 1);
    mv_obj_lock(a);
    g_assert_true(mv_obj_begin_job(a, 10, &err));
    g_assert_false(mv_obj_begin_job(a, 10, &err));
    g_assert_error(err, mv_error_quark(MV_FROM_NETWORK), MV_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(strstr(err->message, "state change lock for network 'default'"));
    mv_obj_end_job(a);
    g_clear_error(&err);
    g_assert_true(mv_obj_begin_job(a, 10, &err));
    mv_obj_end_job(a);
    mv_obj_unlock(a);
    mv_obj_list_free(list);
}

static void
test_network_filter(void)
{
    MvObjList *list = mv_obj_list_new(&net_kind);
    g_autoptr(MvObj) a = add_net(list, "a", 1);   /* active, persistent, autostart */
    g_autoptr(MvObj) b = add_net(list, "b", 2);   /* inactive, persistent */
    g_autoptr(MvObj) c = add_net(list, "c", 3);   /* active, transient */
    a->active = true;
    a->persistent = true;
    a->autostart = true;
    b->persistent = true;
    c->active = true;

    /* VIR_CONNECT_LIST_NETWORKS_INACTIVE = 1, ACTIVE = 2 (the other way round from domains). */
    ASSERT_FILTER(list, &mv_network_list_filter, 0, "a b c");
    ASSERT_FILTER(list, &mv_network_list_filter, 1, "b");
    ASSERT_FILTER(list, &mv_network_list_filter, 2, "a c");
    ASSERT_FILTER(list, &mv_network_list_filter, 1 | 2, "a b c");
    ASSERT_FILTER(list, &mv_network_list_filter, 8, "c");
    ASSERT_FILTER(list, &mv_network_list_filter, 2 | 4, "a");
    ASSERT_FILTER(list, &mv_network_list_filter, 32, "b c");
    ASSERT_FILTER(list, &mv_storage_pool_list_filter, 2 | 16, "a");

    g_autoptr(GError) err = NULL;
    g_assert_null(mv_obj_list_filter(list, &mv_network_list_filter, 64, &err));
    g_assert_error(err, mv_error_quark(MV_FROM_NETWORK), MV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "invalid argument: unsupported flags (0x40) in function virConnectListAllNetworks");
    mv_obj_list_free(list);
}

static void
test_domain_filter(void)
{
    MvDomainList *list = mv_domain_list_new();
    g_autoptr(MvObj) run = add_net(list, "run", 1);
    g_autoptr(MvObj) off = add_net(list, "off", 2);
    g_autoptr(MvObj) paused = add_net(list, "paused", 3);
    g_assert_cmpint(off->state, ==, MV_DOMAIN_SHUTOFF);
    mv_obj_list_set_id(list, run, mv_obj_list_next_id(list));
    mv_obj_set_state(run, MV_DOMAIN_RUNNING, MV_DOMAIN_RUNNING_BOOTED);
    mv_obj_list_set_id(list, paused, mv_obj_list_next_id(list));
    mv_obj_set_state(paused, MV_DOMAIN_PAUSED, MV_DOMAIN_PAUSED_USER);
    off->persistent = true;

    /* VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1, INACTIVE = 2, RUNNING = 16, PAUSED = 32,
     * SHUTOFF = 64, OTHER = 128, MANAGEDSAVE = 256, NO_MANAGEDSAVE = 512. */
    ASSERT_FILTER(list, &mv_domain_list_filter, 1, "paused run");
    ASSERT_FILTER(list, &mv_domain_list_filter, 2, "off");
    ASSERT_FILTER(list, &mv_domain_list_filter, 16 | 64, "off run");
    ASSERT_FILTER(list, &mv_domain_list_filter, 128, "");
    ASSERT_FILTER(list, &mv_domain_list_filter, 256, "");
    ASSERT_FILTER(list, &mv_domain_list_filter, 512, "off paused run");
    ASSERT_FILTER(list, &mv_domain_list_filter, 4, "off");

    g_autoptr(MvObj) by_id = mv_obj_list_get_by_id(list, run->id, NULL);
    g_assert_true(by_id == run);
    g_autoptr(GError) err = NULL;
    g_assert_null(mv_obj_list_get_by_id(list, 99, &err));
    g_assert_cmpstr(err->message, ==, "Domain not found: no domain with matching id 99");
    mv_obj_list_free(list);
}

static void
test_flags_check(void)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(mv_flags_check(3, 7, MV_FROM_QEMU, "virDomainFoo", &err));
    g_assert_false(mv_flags_check(9, 1, MV_FROM_QEMU, "virDomainFoo", &err));
    g_assert_error(err, mv_error_quark(MV_FROM_QEMU), MV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==, "invalid argument: unsupported flags (0x8) in function virDomainFoo");
}

/* ---- persistence ---- */

static void *
net_parse(const char *xml, void *opaque, GError **error)
{
    char name[64];
    unsigned u;
    (*(int *)opaque)++;
    if (sscanf(xml, "<network name='%63[^']' u='%u'/>", name, &u) != 2) {
        mv_error_set(error, MV_FROM_NETWORK, MV_ERR_XML_ERROR, "not a network");
        return NULL;
    }
    return net_def_new(name, (unsigned char)u);
}

static const char *net_name(const void *def) { return ((const NetDef *)def)->name; }
static const unsigned char *net_uuid(const void *def) { return ((const NetDef *)def)->uuid; }

static const MvObjDefOps net_ops = {
    .parse = net_parse, .name = net_name, .uuid = net_uuid, .free = (GDestroyNotify)net_def_free,
};

static void
count_status(const char *path, void *opaque)
{
    g_assert_true(g_str_has_suffix(path, ".xml"));
    (*(int *)opaque)++;
}

/* While set, warnings are collected here instead of failing the test. */
static GPtrArray *warnings;

static GLogWriterOutput
collect_warnings(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
    if (!warnings || !(level & G_LOG_LEVEL_WARNING))
        return g_log_writer_default(level, fields, n, data);
    for (gsize i = 0; i < n; i++)
        if (g_str_equal(fields[i].key, "MESSAGE"))
            g_ptr_array_add(warnings, g_strdup(fields[i].value));
    return G_LOG_WRITER_HANDLED;
}

static void
test_persist(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *root = g_dir_make_tmp("mvkit-XXXXXX", &err);
    g_assert_no_error(err);
    g_autofree char *config = g_build_filename(root, "etc", "network", NULL);
    g_autofree char *status = g_build_filename(root, "run", "network", NULL);

    MvPersist *p = mv_persist_open(&net_kind, config, status, &err);
    g_assert_no_error(err);
    g_assert_true(mv_persist_config_save(p, "a", "<network name='a' u='1'/>", &err));
    g_assert_true(mv_persist_config_save(p, "b", "<network name='b' u='2'/>", &err));
    g_assert_true(mv_persist_autostart_set(p, "b", true, &err));
    g_assert_true(mv_persist_autostart_get(p, "b"));
    g_assert_false(mv_persist_autostart_get(p, "a"));
    g_assert_true(mv_persist_config_save(p, "c", "<network name='c' u='3'/>", &err));
    g_assert_true(mv_persist_config_remove(p, "c", &err));
    g_assert_no_error(err);
    g_assert_true(mv_persist_status_save(p, "a", "<status/>", 9, &err));
    g_assert_no_error(err);
    mv_persist_free(p);

    /* Files a load must skip: not parseable, and naming another network than its file. */
    g_autofree char *bad = g_build_filename(config, "bad.xml", NULL);
    g_autofree char *other = g_build_filename(config, "other.xml", NULL);
    g_assert_true(g_file_set_contents(bad, "garbage", -1, NULL));
    g_assert_true(g_file_set_contents(other, "<network name='a' u='9'/>", -1, NULL));

    p = mv_persist_open(&net_kind, config, status, &err);
    g_assert_no_error(err);
    MvObjList *list = mv_obj_list_new(&net_kind);
    int parsed = 0;
    warnings = g_ptr_array_new_with_free_func(g_free);
    unsigned n = mv_persist_load_all(p, list, &net_ops, &parsed);
    g_assert_cmpuint(warnings->len, ==, 2);
    g_ptr_array_add(warnings, NULL);
    g_autofree char *all = g_strjoinv("\n", (char **)warnings->pdata);
    g_clear_pointer(&warnings, g_ptr_array_unref);
    g_assert_nonnull(strstr(all, "cannot load network definition"));
    g_assert_nonnull(strstr(all, "not a network, ignoring"));
    g_assert_nonnull(strstr(all, "/other.xml' names network 'a', ignoring"));
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpint(parsed, ==, 4);
    g_assert_true(g_file_test(bad, G_FILE_TEST_EXISTS));   /* never deleted */
    g_autoptr(MvObj) a = mv_obj_list_find_by_name(list, "a");
    g_autoptr(MvObj) b = mv_obj_list_find_by_name(list, "b");
    g_autoptr(MvObj) c = mv_obj_list_find_by_name(list, "c");
    g_assert_nonnull(a);
    g_assert_nonnull(b);
    g_assert_null(c);
    g_assert_true(a->persistent && !a->autostart);
    g_assert_true(b->persistent && b->autostart);

    int nstatus = 0;
    mv_persist_status_foreach(p, count_status, &nstatus);
    g_assert_cmpint(nstatus, ==, 1);
    mv_persist_status_remove(p, "a");
    nstatus = 0;
    mv_persist_status_foreach(p, count_status, &nstatus);
    g_assert_cmpint(nstatus, ==, 0);

    g_assert_true(mv_persist_autostart_due(p));
    mv_persist_autostart_done(p);
    g_assert_false(mv_persist_autostart_due(p));

    mv_obj_list_free(list);
    mv_persist_free(p);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
    g_assert_cmpint(system(cmd), ==, 0);
}

static void
test_autofd(void)
{
    int seen;
    {
        mv_autofd int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        seen = fd;
    }
    g_assert_cmpint(fcntl(seen, F_GETFD), ==, -1);   /* closed at the end of the scope */

    int kept;
    {
        mv_autofd int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        kept = mv_steal_fd(&fd);
        g_assert_cmpint(fd, ==, -1);
    }
    g_assert_cmpint(fcntl(kept, F_GETFD), !=, -1);   /* stolen: still open */
    mv_clear_fd(&kept);
    g_assert_cmpint(kept, ==, -1);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_log_set_writer_func(collect_warnings, NULL, NULL);
    g_test_add_func("/kit/list-errors", test_list_errors);
    g_test_add_func("/kit/job-timeout", test_job_timeout);
    g_test_add_func("/kit/network-filter", test_network_filter);
    g_test_add_func("/kit/domain-filter", test_domain_filter);
    g_test_add_func("/kit/flags-check", test_flags_check);
    g_test_add_func("/kit/persist", test_persist);
    g_test_add_func("/kit/autofd", test_autofd);
    return g_test_run();
}
