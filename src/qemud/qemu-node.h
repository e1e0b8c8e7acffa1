// SPDX-License-Identifier: LGPL-2.1-or-later
// Host statistics and identity calls of the QEMU driver (qemu-node.c).
#pragma once

#include "daemon/daemon-programs.h"

bool qemu_node_get_cpu_stats(MvCall *call, void *args, void *ret, GError **error);
bool qemu_node_get_memory_stats(MvCall *call, void *args, void *ret, GError **error);
bool qemu_connect_get_sysinfo(MvCall *call, void *args, void *ret, GError **error);
