// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading and checking the [daemon] group of a daemon's key file.

#include "daemon/daemon-config.h"
#include "util/util-error.h"

#include <errno.h>
#include <string.h>

typedef enum { KEY_UINT, KEY_INT, KEY_OCTAL } KeyKind;

typedef struct {
    const char *key;
    KeyKind kind;
    size_t offset;
    long min;
    long max;
} KeyRule;

/* Every key the [daemon] group may hold, with its range. */
static const KeyRule daemon_keys[] = {
    { "max_clients", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, max_clients), 1, 100000 },
    { "max_readonly_clients", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, max_readonly_clients), 1, 100000 },
    { "max_client_requests", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, max_client_requests), 1, 1000 },
    { "admin_max_clients", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, admin_max_clients), 1, 1000 },
    { "workers", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, workers), 1, 256 },
    { "priority_workers", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, priority_workers), 1, 256 },
    { "keepalive_interval", KEY_INT, G_STRUCT_OFFSET(MvDaemonConfig, keepalive_interval), -1, 3600 },
    { "keepalive_count", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, keepalive_count), 0, 1000 },
    { "client_output_timeout", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, client_output_timeout), 0, 86400 },
    { "client_open_timeout", KEY_UINT, G_STRUCT_OFFSET(MvDaemonConfig, client_open_timeout), 0, 86400 },
    { "timeout", KEY_INT, G_STRUCT_OFFSET(MvDaemonConfig, timeout), 0, 86400 * 365 },
    { "unix_sock_ro_perms", KEY_OCTAL, G_STRUCT_OFFSET(MvDaemonConfig, unix_sock_ro_perms), 0, 0777 },
};

static void
defaults(MvDaemonConfig *cfg)
{
    MvServerLimits l;
    mv_server_limits_default(&l);
    cfg->max_clients = l.max_clients;
    cfg->max_readonly_clients = l.max_readonly_clients;
    cfg->max_client_requests = l.max_calls_per_client;
    cfg->admin_max_clients = 16;
    cfg->workers = l.workers;
    cfg->priority_workers = l.priority_workers;
    cfg->keepalive_interval = l.keepalive_interval;
    cfg->keepalive_count = l.keepalive_count;
    cfg->client_output_timeout = l.output_timeout;
    cfg->client_open_timeout = l.open_timeout;
    cfg->timeout = 0;
    cfg->unix_sock_ro_perms = 0666;
}

static bool
read_key(GKeyFile *kf, const char *path, const KeyRule *rule, MvDaemonConfig *cfg, GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf, "daemon", rule->key, NULL);
    g_autofree char *val = g_strstrip(g_strdup(raw));
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(val, &end, rule->kind == KEY_OCTAL ? 8 : 10);
    if (errno || !*val || *end || v < rule->min || v > rule->max) {
        mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX,
                     "%s: key '%s' in group 'daemon' has value '%s'; expected %s from %ld to %ld",
                     path, rule->key, val, rule->kind == KEY_OCTAL ? "an octal mode" : "a number",
                     rule->min, rule->max);
        return false;
    }
    if (rule->kind == KEY_INT)
        G_STRUCT_MEMBER(int, cfg, rule->offset) = (int)v;
    else
        G_STRUCT_MEMBER(unsigned, cfg, rule->offset) = (unsigned)v;
    return true;
}

/* Is every key of driver group @group listed in @driver_keys?  Sets @error otherwise. */
static bool
check_driver_group(GKeyFile *kf, const char *path, const char *group, const char *const *driver_keys,
                   GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    for (char **k = keys; k && *k; k++) {
        g_autofree char *full = g_strdup_printf("%s.%s", group, *k);
        if (!driver_keys || !g_strv_contains(driver_keys, full)) {
            mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX, "%s: unknown key '%s' in group '%s'",
                         path, *k, group);
            return false;
        }
    }
    return true;
}

static bool
is_driver_group(const char *group, const char *const *driver_keys)
{
    size_t len = strlen(group);
    for (const char *const *k = driver_keys; k && *k; k++) {
        if (strncmp(*k, group, len) == 0 && (*k)[len] == '.')
            return true;
    }
    return false;
}

GKeyFile *
mv_daemon_config_load(const char *path, bool must_exist, const char *const *driver_keys,
                      MvDaemonConfig *ret_cfg, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    MvDaemonConfig cfg;

    defaults(&cfg);
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        if (!must_exist && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            *ret_cfg = cfg;
            return g_steal_pointer(&kf);
        }
        mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX, "cannot read configuration file '%s': %s",
                     path, local->message);
        return NULL;
    }

    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (char **g = groups; *g; g++) {
        if (g_str_equal(*g, "daemon"))
            continue;
        if (is_driver_group(*g, driver_keys)) {
            if (!check_driver_group(kf, path, *g, driver_keys, error))
                return NULL;
            continue;
        }
        mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX, "%s: unknown group '%s'", path, *g);
        return NULL;
    }
    if (g_key_file_has_group(kf, "daemon")) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, "daemon", NULL, NULL);
        for (char **k = keys; *k; k++) {
            const KeyRule *rule = NULL;
            for (size_t i = 0; i < G_N_ELEMENTS(daemon_keys); i++) {
                if (g_str_equal(daemon_keys[i].key, *k))
                    rule = &daemon_keys[i];
            }
            if (!rule) {
                mv_error_set(error, MV_FROM_CONF, MV_ERR_CONF_SYNTAX,
                             "%s: unknown key '%s' in group 'daemon'", path, *k);
                return NULL;
            }
            if (!read_key(kf, path, rule, &cfg, error))
                return NULL;
        }
    }
    *ret_cfg = cfg;
    return g_steal_pointer(&kf);
}

void
mv_daemon_config_limits(const MvDaemonConfig *cfg, MvServerLimits *l, bool admin)
{
    mv_server_limits_default(l);
    l->max_clients = admin ? cfg->admin_max_clients : cfg->max_clients;
    /* The admin server has no read-only socket. */
    l->max_readonly_clients = admin ? 0 : cfg->max_readonly_clients;
    l->max_calls_per_client = cfg->max_client_requests;
    l->workers = admin ? 1 : cfg->workers;
    l->priority_workers = admin ? 1 : cfg->priority_workers;
    l->keepalive_interval = cfg->keepalive_interval;
    l->keepalive_count = cfg->keepalive_count;
    l->output_timeout = cfg->client_output_timeout;
    l->open_timeout = cfg->client_open_timeout;
}
