// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-netd's sandbox profile.
#pragma once

#include "daemon/daemon-frame.h"

bool net_sandbox(MvDaemon *d, GError **error);
