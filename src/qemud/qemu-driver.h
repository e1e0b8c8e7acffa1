// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's state and entry points as seen by modvirt-qemud's main.c and tests.
#pragma once

#include "daemon/daemon-frame.h"
#include "conf/conf-domain-obj.h"
#include "conf/conf-persist.h"
#include "daemon/daemon-domain-calls.h"

typedef struct {
    MvDaemon *daemon;
    char *emulator;          /* the x86_64 QEMU binary, from [qemu] emulator or found in PATH dirs */
    MvDomainList *domains;
    MvPersist *persist;      /* definitions in <root>/etc/modvirt/qemu, live status of
                              * running guests in <root>/run/modvirt/qemu */
    char *lib_dir;           /* <root>/var/lib/modvirt/qemu: monitor sockets and such */
    char *log_dir;           /* <root>/var/log/modvirt/qemu */
    GMutex define_lock;      /* serialises creating new domain objects with their files */
    GThreadPool *tasks;      /* runs what QEMU's events ask for (qemu-events.c) */
    GThread *autostart;      /* starts autostart domains beside serving clients */
    struct QemuStats *stats; /* the sampler and QMP gatherer (qemu-stats.c); NULL in some tests */
    MvDomainDriver dd;       /* what the common domain calls use (daemon-domain-calls.h) */
} QemuDriver;

/* The frame's hooks. */
bool qemu_driver_init(MvDaemon *d, GError **error);
void qemu_driver_shutdown(MvDaemon *d);

/* The remote program rows the driver serves (beside the frame's common ones); for the
 * fuzz targets, which decode every call's arguments. */
const MvProcedure *qemu_driver_remote_rows(size_t *n);

/* The error names of the driver's domain list. */
extern const MvObjKind qemu_domain_kind;

/* The driver behind @call. */
QemuDriver *qemu_driver_of(MvCall *call);

/* Connection-level handlers (qemu-connect.c). */
bool qemu_connect_get_version(MvCall *call, void *args, void *ret, GError **error);
bool qemu_connect_get_capabilities(MvCall *call, void *args, void *ret, GError **error);
bool qemu_connect_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error);
bool qemu_node_get_security_model(MvCall *call, void *args, void *ret, GError **error);
