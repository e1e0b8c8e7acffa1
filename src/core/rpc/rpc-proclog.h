// SPDX-License-Identifier: LGPL-2.1-or-later
// Telling the operator what clients asked for and did not get: an unknown procedure, a call
// that could not be relayed.  Each (kind, program, procedure) is logged once per process, so
// a tool that retries in a loop does not flood the log.
#pragma once

#include "rpc/rpc-message.h"
#include "rpc/rpc-server.h"

/* How many distinct (kind, program, procedure) are remembered; clients choose the numbers,
 * so the set is bounded, and past it one last line says that logging stops. */
#define MV_PROCLOG_MAX_ENTRIES 4096

/* Log at info level, the first time only for @kind ("unknown", "relay") and @hdr's program
 * and procedure: "client pid P (uid U) called procedure N of program 0xX: @why". */
void mv_proclog_once(const char *kind, MvClient *c, const mv_message_header *hdr, const char *why);

/* Forget what was logged (tests). */
void mv_proclog_reset(void);
