// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's domain calls, by concept: lookups and listing (qemu-lookup.c),
// definitions (qemu-define.c), lifecycle (qemu-lifecycle.c).  Handlers follow the
// MvProcHandler contract.
#pragma once

#include "qemu-driver.h"
#include "conf/conf-domain-obj.h"
#include "remote.h"

/* Fill @ret_dom (name copied) from @obj (locked). */
void qemu_domain_to_wire(MvDomainObj *obj, remote_nonnull_domain *ret_dom);
/* The object a Dom argument names (by UUID, as libvirt does), referenced; NULL with a
 * "Domain not found" error. */
MvDomainObj *qemu_domain_find(QemuDriver *drv, const remote_nonnull_domain *dom, GError **error);

/* qemu-lookup.c */
bool qemu_list_all_domains(MvCall *call, void *args, void *ret, GError **error);
bool qemu_num_of_domains(MvCall *call, void *args, void *ret, GError **error);
bool qemu_num_of_defined_domains(MvCall *call, void *args, void *ret, GError **error);
bool qemu_list_domains(MvCall *call, void *args, void *ret, GError **error);
bool qemu_list_defined_domains(MvCall *call, void *args, void *ret, GError **error);
bool qemu_lookup_by_name(MvCall *call, void *args, void *ret, GError **error);
bool qemu_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error);
bool qemu_lookup_by_id(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_state(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_control_info(MvCall *call, void *args, void *ret, GError **error);
bool qemu_is_active(MvCall *call, void *args, void *ret, GError **error);
bool qemu_is_persistent(MvCall *call, void *args, void *ret, GError **error);
bool qemu_is_updated(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_autostart(MvCall *call, void *args, void *ret, GError **error);
bool qemu_has_managed_save(MvCall *call, void *args, void *ret, GError **error);
bool qemu_snapshot_num(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_messages(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_security_label(MvCall *call, void *args, void *ret, GError **error);

/* Send lifecycle @event/@detail about @obj (locked) to the clients that asked. */
void qemu_domain_event(QemuDriver *drv, MvDomainObj *obj, int event, int detail);

/* How long a call waits for another call's job on the same domain. */
#define QEMU_JOB_WAIT_MS 30000

/* CPU time of a running domain in ns (0 when inactive).  Object locked; never waits on
 * the guest. */
guint64 qemu_domain_cpu_time(MvDomainObj *obj);

/* qemu-define.c */
bool qemu_define_xml(MvCall *call, void *args, void *ret, GError **error);
bool qemu_define_xml_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_undefine(MvCall *call, void *args, void *ret, GError **error);
bool qemu_undefine_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_xml_desc(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_os_type(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_info(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_max_memory(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error);
bool qemu_set_autostart(MvCall *call, void *args, void *ret, GError **error);
bool qemu_set_memory_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_set_vcpus_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_get_vcpus_flags(MvCall *call, void *args, void *ret, GError **error);

/* qemu-lifecycle.c */
bool qemu_create(MvCall *call, void *args, void *ret, GError **error);
bool qemu_create_with_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_create_xml(MvCall *call, void *args, void *ret, GError **error);
bool qemu_destroy(MvCall *call, void *args, void *ret, GError **error);
bool qemu_destroy_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_shutdown(MvCall *call, void *args, void *ret, GError **error);
bool qemu_shutdown_flags(MvCall *call, void *args, void *ret, GError **error);
bool qemu_reboot(MvCall *call, void *args, void *ret, GError **error);
bool qemu_reset(MvCall *call, void *args, void *ret, GError **error);
bool qemu_suspend(MvCall *call, void *args, void *ret, GError **error);
bool qemu_resume(MvCall *call, void *args, void *ret, GError **error);

/* qemu-console.c */
bool qemu_open_console(MvCall *call, void *args, void *ret, GError **error);
