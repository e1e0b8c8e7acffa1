// SPDX-License-Identifier: LGPL-2.1-or-later
// Procedures every daemon serves the same way: the admin program, and the remote
// program's connection and host rows (handshake, open/close, features, node facts).
#pragma once

#include "rpc/rpc-program.h"

/* A new admin program (0x06900690 v1). */
MvProgram *mv_daemon_admin_program(void);

/* A new remote program holding the rows common to every driver daemon; the driver adds
 * its own rows after these. */
MvProgram *mv_daemon_remote_program(void);

/* The private program through which modvirt-proxyd hands a client's socket over
 * (rpc-relay.h).  Served by every driver daemon. */
MvProgram *mv_daemon_adopt_program(void);

/* The pre-open authentication rows every server answers the same way (auth none), shared
 * by the driver daemons and the proxy. */
bool mv_daemon_auth_list(MvCall *call, void *args, void *ret, GError **error);
bool mv_daemon_auth_polkit(MvCall *call, void *args, void *ret, GError **error);
