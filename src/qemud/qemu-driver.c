// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's dispatch table and its setup; handlers live in files by concept.

#include "qemu-driver.h"
#include "qemu-caps.h"
#include "daemon/daemon-programs.h"
#include "util/util-error.h"
#include "remote.h"
#include "qemu.h"

#define RO (MV_PROC_READONLY_OK)

static const MvProcedure qemu_remote_rows[] = {
    MV_PROC_ROW_NOARGS(REMOTE_PROC_CONNECT_GET_VERSION, "virConnectGetVersion",
                       remote_connect_get_version_ret, qemu_connect_get_version, RO | MV_PROC_PRIORITY),
    MV_PROC_ROW_NOARGS(REMOTE_PROC_CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities",
                       remote_connect_get_capabilities_ret, qemu_connect_get_capabilities, RO),
    MV_PROC_ROW(REMOTE_PROC_CONNECT_GET_MAX_VCPUS, "virConnectGetMaxVcpus",
                remote_connect_get_max_vcpus_args, remote_connect_get_max_vcpus_ret,
                qemu_connect_get_max_vcpus, RO | MV_PROC_PRIORITY),
    MV_PROC_ROW_NOARGS(REMOTE_PROC_NODE_GET_SECURITY_MODEL, "virNodeGetSecurityModel",
                       remote_node_get_security_model_ret, qemu_node_get_security_model, RO | MV_PROC_INLINE),
};

QemuDriver *
qemu_driver_of(MvCall *call)
{
    return mv_daemon_driver(mv_daemon_of(call));
}

bool
qemu_driver_init(MvDaemon *d, GError **error)
{
    GKeyFile *kf = mv_daemon_config(d);
    QemuDriver *drv = g_new0(QemuDriver, 1);

    drv->daemon = d;
    drv->emulator = g_key_file_get_string(kf, "qemu", "emulator", NULL);
    if (!drv->emulator)
        drv->emulator = qemu_caps_find_binary("x86_64");
    if (!drv->emulator)
        g_warning("no qemu-system-x86_64 found: guests cannot run until QEMU is installed");
    mv_daemon_set_driver(d, drv);

    MvProgram *remote = mv_daemon_remote_program();
    mv_program_add(remote, qemu_remote_rows, G_N_ELEMENTS(qemu_remote_rows));
    mv_server_add_program(mv_daemon_server(d), remote);
    /* The QEMU program has no rows yet: its calls answer "unknown procedure". */
    mv_server_add_program(mv_daemon_server(d), mv_program_new(QEMU_PROGRAM, QEMU_PROTOCOL_VERSION));
    return true;
}

void
qemu_driver_shutdown(MvDaemon *d)
{
    QemuDriver *drv = mv_daemon_driver(d);
    if (!drv)
        return;
    g_free(drv->emulator);
    g_free(drv);
    mv_daemon_set_driver(d, NULL);
}
