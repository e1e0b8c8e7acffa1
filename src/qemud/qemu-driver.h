// SPDX-License-Identifier: LGPL-2.1-or-later
// The QEMU driver's state and entry points as seen by modvirt-qemud's main.c and tests.
#pragma once

#include "daemon/daemon-frame.h"

typedef struct {
    MvDaemon *daemon;
    char *emulator;          /* the x86_64 QEMU binary, from [qemu] emulator or found in PATH dirs */
} QemuDriver;

/* The frame's hooks. */
bool qemu_driver_init(MvDaemon *d, GError **error);
void qemu_driver_shutdown(MvDaemon *d);

/* The driver behind @call. */
QemuDriver *qemu_driver_of(MvCall *call);

/* Connection-level handlers (qemu-connect.c). */
bool qemu_connect_get_version(MvCall *call, void *args, void *ret, GError **error);
bool qemu_connect_get_capabilities(MvCall *call, void *args, void *ret, GError **error);
bool qemu_connect_get_max_vcpus(MvCall *call, void *args, void *ret, GError **error);
bool qemu_node_get_security_model(MvCall *call, void *args, void *ret, GError **error);
