// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Domain Statistics" group of the shell (cli-stats.c): domstats and top.
#pragma once

#include "cli.h"

extern const CliCmd cli_stats_cmds[];
