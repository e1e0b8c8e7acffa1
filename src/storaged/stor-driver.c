// SPDX-License-Identifier: LGPL-2.1-or-later
// The storage driver's setup and its dispatch table; the calls live in stor-pool.c,
// stor-vol.c and stor-transfer.c.

#include "stor-driver.h"
#include "stor-vol.h"
#include "daemon/daemon-programs.h"
#include "daemon/daemon-events.h"
#include "util/util-error.h"
#include "util/util-journal.h"

#include <errno.h>

StorDriver *
stor_driver_of(MvCall *call)
{
    return mv_daemon_driver(mv_daemon_of(call));
}

static GArray *
all_rows(void)
{
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(MvProcedure));
    g_array_append_vals(rows, stor_pool_rows, stor_pool_nrows);
    g_array_append_vals(rows, stor_vol_rows, stor_vol_nrows);
    g_array_append_vals(rows, stor_transfer_rows, stor_transfer_nrows);
    g_array_append_vals(rows, mv_pool_events_rows, mv_pool_events_nrows);
    return rows;
}

const MvProcedure *
stor_driver_remote_rows(size_t *n)
{
    static GArray *rows;
    if (g_once_init_enter(&rows))
        g_once_init_leave(&rows, all_rows());
    *n = rows->len;
    return (const MvProcedure *)rows->data;
}

static bool
make_dir(const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0755) < 0) {
        mv_error_set_errno(error, MV_FROM_STORAGE, errno, "cannot create directory '%s'", path);
        return false;
    }
    return true;
}

bool
stor_driver_init(MvDaemon *d, GError **error)
{
    StorDriver *drv = g_new0(StorDriver, 1);
    drv->daemon = d;
    g_mutex_init(&drv->define_lock);
    drv->pools = mv_domain_list_new();
    drv->config_dir = mv_daemon_path(d, "etc/modvirt/storage");
    drv->autostart_dir = g_build_filename(drv->config_dir, "autostart", NULL);
    drv->status_dir = mv_daemon_path(d, "run/modvirt/storage");
    drv->root = g_strdup(mv_daemon_root(d));
    drv->qemu_img = g_file_test("/usr/bin/qemu-img", G_FILE_TEST_IS_EXECUTABLE) ? g_strdup("/usr/bin/qemu-img")
                                                                              : g_find_program_in_path("qemu-img");
    if (!drv->qemu_img)
        g_warning("no qemu-img found: qcow2 volumes cannot be made until qemu-utils is installed");
    mv_daemon_set_driver(d, drv);
    if (!make_dir(drv->config_dir, error) || !make_dir(drv->status_dir, error) || !stor_config_open(drv, error))
        return false;
    stor_config_load_all(drv);
    g_info("loaded %u storage pools", mv_domain_list_count(drv->pools));

    MvProgram *remote = mv_daemon_remote_program();
    size_t n;
    const MvProcedure *rows = stor_driver_remote_rows(&n);
    mv_program_add(remote, rows, n);
    mv_server_add_program(mv_daemon_server(d), remote);
    return true;
}

void
stor_driver_shutdown(MvDaemon *d)
{
    StorDriver *drv = mv_daemon_driver(d);
    if (!drv)
        return;
    /* Running pools stay running (mounts stay mounted): the next daemon re-adopts them. */
    mv_domain_list_free(drv->pools);
    g_clear_pointer(&drv->journal, mv_journal_close);
    g_free(drv->config_dir);
    g_free(drv->autostart_dir);
    g_free(drv->status_dir);
    g_free(drv->root);
    g_free(drv->qemu_img);
    g_mutex_clear(&drv->define_lock);
    g_free(drv);
    mv_daemon_set_driver(d, NULL);
}
