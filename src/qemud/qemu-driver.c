// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's dispatch table and its setup; handlers live in files by concept.

#include "qemu-driver.h"
#include "qemu-caps.h"
#include "qemu-kvm.h"
#include "qemu-domaincaps.h"
#include "qemu-node.h"
#include "qemu-domain.h"
#include "qemu-runtime.h"
#include "qemu-persist.h"
#include "qemu-stats.h"
#include "qemu-net.h"
#include "daemon/daemon-programs.h"
#include "util/util-error.h"
#include "remote.h"
#include "qemu.h"

#include <errno.h>

/* Row flags: R = read-only clients may call it; I = cheap, runs on the I/O thread;
 * P = priority lane (never waits behind slow calls). */
#define R MV_PROC_READONLY_OK
#define I MV_PROC_INLINE
#define P MV_PROC_PRIORITY
#define ROW(num, api, a, r, fn, fl) MV_PROC_ROW(REMOTE_PROC_##num, api, remote_##a, remote_##r, fn, fl)
#define ROW_NOARGS(num, api, r, fn, fl) MV_PROC_ROW_NOARGS(REMOTE_PROC_##num, api, remote_##r, fn, fl)
#define ROW_NORET(num, api, a, fn, fl) MV_PROC_ROW_NORET(REMOTE_PROC_##num, api, remote_##a, fn, fl)

static const MvProcedure qemu_remote_rows[] = {
    ROW_NOARGS(CONNECT_GET_VERSION, "virConnectGetVersion", connect_get_version_ret, qemu_connect_get_version, R | P),
    ROW_NOARGS(CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities", connect_get_capabilities_ret,
               qemu_connect_get_capabilities, R),
    ROW(CONNECT_GET_DOMAIN_CAPABILITIES, "virConnectGetDomainCapabilities",
        connect_get_domain_capabilities_args, connect_get_domain_capabilities_ret,
        qemu_connect_get_domain_capabilities, R),
    ROW(CONNECT_GET_CPU_MODEL_NAMES, "virConnectGetCPUModelNames", connect_get_cpu_model_names_args,
        connect_get_cpu_model_names_ret, qemu_connect_get_cpu_model_names, R),
    ROW(NODE_GET_CPU_STATS, "virNodeGetCPUStats", node_get_cpu_stats_args, node_get_cpu_stats_ret,
        qemu_node_get_cpu_stats, R | P),
    ROW(NODE_GET_MEMORY_STATS, "virNodeGetMemoryStats", node_get_memory_stats_args,
        node_get_memory_stats_ret, qemu_node_get_memory_stats, R | P),
    ROW(CONNECT_GET_SYSINFO, "virConnectGetSysinfo", connect_get_sysinfo_args, connect_get_sysinfo_ret,
        qemu_connect_get_sysinfo, R),
    ROW(CONNECT_GET_MAX_VCPUS, "virConnectGetMaxVcpus", connect_get_max_vcpus_args, connect_get_max_vcpus_ret,
        qemu_connect_get_max_vcpus, R | P),
    ROW_NOARGS(NODE_GET_SECURITY_MODEL, "virNodeGetSecurityModel", node_get_security_model_ret,
               qemu_node_get_security_model, R | I),

    ROW_NORET(DOMAIN_CREATE, "virDomainCreate", domain_only_args, qemu_create, 0),
    ROW(DOMAIN_CREATE_WITH_FLAGS, "virDomainCreateWithFlags", domain_flags_args, domain_ret,
        qemu_create_with_flags, 0),
    ROW(DOMAIN_CREATE_XML, "virDomainCreateXML", domain_create_xml_args, domain_ret, qemu_create_xml, 0),
    /* Destroy must never wait behind slow calls: the priority lane. */
    ROW_NORET(DOMAIN_DESTROY, "virDomainDestroy", domain_only_args, qemu_destroy, P),
    ROW_NORET(DOMAIN_DESTROY_FLAGS, "virDomainDestroyFlags", domain_flags_args, qemu_destroy_flags, P),
    ROW_NORET(DOMAIN_SHUTDOWN, "virDomainShutdown", domain_only_args, qemu_shutdown, 0),
    ROW_NORET(DOMAIN_SHUTDOWN_FLAGS, "virDomainShutdownFlags", domain_flags_args, qemu_shutdown_flags, 0),
    ROW_NORET(DOMAIN_REBOOT, "virDomainReboot", domain_flags_args, qemu_reboot, 0),
    ROW_NORET(DOMAIN_RESET, "virDomainReset", domain_flags_args, qemu_reset, 0),
    ROW_NORET(DOMAIN_SUSPEND, "virDomainSuspend", domain_only_args, qemu_suspend, 0),
    ROW_NORET(DOMAIN_RESUME, "virDomainResume", domain_only_args, qemu_resume, 0),
    ROW_NORET(DOMAIN_OPEN_CONSOLE, "virDomainOpenConsole", domain_open_console_args, qemu_open_console, 0),

    /* Statistics (qemu-stats.c): the priority lane, so they never wait behind slow calls;
     * they take no job and never ask a monitor. */
    ROW(CONNECT_GET_ALL_DOMAIN_STATS, "virConnectGetAllDomainStats", connect_get_all_domain_stats_args,
        connect_get_all_domain_stats_ret, qemu_connect_get_all_domain_stats, R | P),
    ROW(DOMAIN_GET_VCPUS, "virDomainGetVcpus", domain_get_vcpus_args, domain_get_vcpus_ret,
        qemu_domain_get_vcpus, R | P),
    ROW(DOMAIN_GET_VCPU_PIN_INFO, "virDomainGetVcpuPinInfo", domain_get_vcpu_pin_info_args,
        domain_get_vcpu_pin_info_ret, qemu_domain_get_vcpu_pin_info, R | P),
    ROW(DOMAIN_GET_CPU_STATS, "virDomainGetCPUStats", domain_get_cpu_stats_args, typed_params_ret,
        qemu_domain_get_cpu_stats, R | P),
    ROW(DOMAIN_MEMORY_STATS, "virDomainMemoryStats", domain_memory_stats_args, domain_memory_stats_ret,
        qemu_domain_memory_stats, R | P),
    ROW(DOMAIN_BLOCK_STATS, "virDomainBlockStats", domain_block_stats_args, domain_block_stats_ret,
        qemu_domain_block_stats, R | P),
    ROW(DOMAIN_BLOCK_STATS_FLAGS, "virDomainBlockStatsFlags", domain_block_stats_flags_args, typed_params_ret,
        qemu_domain_block_stats_flags, R | P),
    ROW(DOMAIN_INTERFACE_STATS, "virDomainInterfaceStats", domain_interface_stats_args,
        domain_interface_stats_ret, qemu_domain_interface_stats, R | P),
    /* Addresses from the network daemon's DHCP leases (qemu-net.c). */
    ROW(DOMAIN_INTERFACE_ADDRESSES, "virDomainInterfaceAddresses", domain_interface_addresses_args,
        domain_interface_addresses_ret, qemu_domain_interface_addresses, R),
};

const MvProcedure *
qemu_driver_remote_rows(size_t *n)
{
    *n = G_N_ELEMENTS(qemu_remote_rows);
    return qemu_remote_rows;
}

const MvObjKind qemu_domain_kind = MV_DOMAIN_KIND_INIT(MV_FROM_QEMU);

QemuDriver *
qemu_driver_of(MvCall *call)
{
    return mv_daemon_driver(mv_daemon_of(call));
}


/* The KVM probe may take up to its deadline on a broken host: take that beside serving
 * clients, so that the first capabilities call finds the answer cached. */
static gpointer
kvm_probe_thread(gpointer data)
{
    (void)data;
    qemu_kvm_usable(NULL);
    return NULL;
}

static gpointer
autostart_thread(gpointer data)
{
    mv_domain_autostart_run(&((QemuDriver *)data)->dd);
    return NULL;
}

static MvDomainDef *
def_parse(void *drv, const char *xml, unsigned parse_flags, GError **error)
{
    return qemu_def_parse(drv, xml, parse_flags, error);
}

static bool
def_start(void *drv, MvDomainObj *obj, GError **error)
{
    return qemu_domain_start(drv, obj, false, error);
}

bool
qemu_driver_init(MvDaemon *d, GError **error)
{
    GKeyFile *kf = mv_daemon_config(d);
    QemuDriver *drv = g_new0(QemuDriver, 1);

    drv->daemon = d;
    g_mutex_init(&drv->define_lock);
    drv->domains = mv_obj_list_new(&qemu_domain_kind);
    drv->lib_dir = mv_daemon_path(d, "var/lib/modvirt/qemu");
    drv->log_dir = mv_daemon_path(d, "var/log/modvirt/qemu");
    mv_daemon_set_driver(d, drv);
    g_autofree char *config_dir = mv_daemon_path(d, "etc/modvirt/qemu");
    g_autofree char *status_dir = mv_daemon_path(d, "run/modvirt/qemu");
    if (!(drv->persist = mv_persist_open(&qemu_domain_kind, config_dir, status_dir, error)) ||
        !mv_daemon_make_dir(drv->lib_dir, MV_FROM_QEMU, error) || !mv_daemon_make_dir(drv->log_dir, MV_FROM_QEMU, error))
        return false;
    drv->dd = (MvDomainDriver){
        .domains = drv->domains,
        .persist = drv->persist,
        .define_lock = &drv->define_lock,
        .job_wait_ms = QEMU_JOB_WAIT_MS,
        .from = MV_FROM_QEMU,
        .drv = drv,
        .parse = def_parse,
        .cpu_time = qemu_domain_cpu_time,
        .start = def_start,
    };
    mv_daemon_set_domain_driver(d, &drv->dd);

    drv->emulator = g_key_file_get_string(kf, "qemu", "emulator", NULL);
    if (!drv->emulator)
        drv->emulator = qemu_caps_find_binary("x86_64");
    if (!drv->emulator)
        g_warning("no qemu-system-x86_64 found: guests cannot run until QEMU is installed");

    drv->tasks = qemu_task_pool_new(drv);
    unsigned stats_interval_ms;
    if (!qemu_stats_config_interval(kf, &stats_interval_ms, error))
        return false;
    drv->stats = qemu_stats_new(drv, stats_interval_ms);
    g_info("loaded %u domain definitions from '%s'", qemu_config_load_all(drv), config_dir);
    /* Guests that ran under the previous daemon are ours again before the first client. */
    qemu_status_reattach_all(drv);
    qemu_stats_start(drv->stats);
    g_thread_unref(g_thread_new("kvm-probe", kvm_probe_thread, NULL));
    /* Autostart takes seconds per guest: do it beside serving clients. */
    drv->autostart = g_thread_new("qemu-autostart", autostart_thread, drv);

    MvProgram *remote = mv_daemon_remote_program();
    mv_program_add(remote, qemu_remote_rows, G_N_ELEMENTS(qemu_remote_rows));
    mv_program_add(remote, mv_domain_call_rows, mv_domain_call_nrows);
    mv_program_add(remote, mv_domain_define_rows, mv_domain_define_nrows);
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
    /* Guests keep running: only our handles on them go. */
    g_thread_join(drv->autostart);
    /* Stats first: the sampler walks the domain list. */
    g_clear_pointer(&drv->stats, qemu_stats_free);
    g_thread_pool_free(drv->tasks, FALSE, TRUE);
    g_autoptr(GPtrArray) all = mv_domain_list_snapshot(drv->domains);
    for (guint i = 0; i < all->len; i++) {
        MvDomainObj *obj = all->pdata[i];
        mv_domain_obj_lock(obj);
        QemuDomainPriv *priv = obj->priv;
        if (priv) {
            g_clear_pointer(&priv->proc, qemu_process_free);
            g_clear_pointer(&priv->cb_ref, mv_domain_obj_unref);
        }
        mv_domain_obj_unlock(obj);
    }
    g_clear_pointer(&all, g_ptr_array_unref);
    mv_domain_list_free(drv->domains);
    g_clear_pointer(&drv->persist, mv_persist_free);
    g_free(drv->emulator);
    g_free(drv->lib_dir);
    g_free(drv->log_dir);
    g_mutex_clear(&drv->define_lock);
    g_free(drv);
    mv_daemon_set_domain_driver(d, NULL);
    mv_daemon_set_driver(d, NULL);
}
