// SPDX-License-Identifier: LGPL-2.1-or-later
// `modvirt pki init`: TLS certificates for remote access in one step.
#pragma once

#include "cli.h"

extern const CliCmd cli_pki_cmds[];
