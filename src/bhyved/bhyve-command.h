// SPDX-License-Identifier: LGPL-2.1-or-later
// bhyve guests: the defaults libvirt's bhyve driver fills in at define time, the
// bhyveload/bhyve command lines it would run (format 'bhyve-argv'), and the way back from
// such command lines to a definition.  Nothing here runs a program: this host has no bhyve.
#pragma once

#include <glib.h>

#include "conf/conf-domain.h"

/* The name libvirt gives the format in CONNECT_DOMAIN_XML_FROM/TO_NATIVE. */
#define BHYVE_ARGV_FORMAT "bhyve-argv"

#define BHYVE_PATH "/usr/sbin/bhyve"
#define BHYVELOAD_PATH "/usr/sbin/bhyveload"

/* Fill in what libvirt's bhyve driver fills in at define time and check what bhyve cannot
 * run: currentMemory, MAC addresses (52:54:00 range), the SATA controller of SATA disks, the
 * USB (nec-xhci) controller of a tablet, PCI slots (0 hostbridge, 1 LPC, then controllers,
 * interfaces, virtio disks, video).  Idempotent.  False with @error (MV_FROM_BHYVE,
 * MV_ERR_CONFIG_UNSUPPORTED naming the device) for a definition bhyve cannot run. */
bool bhyve_def_fill_defaults(MvDomainDef *def, GError **error);

/* The loader command (bhyveload, a custom <bootloader>, or none with a UEFI <loader>) and
 * the bhyve command for a filled definition, as argument vectors (NULL-terminated,
 * g_strfreev).  *@ret_loader is NULL when the guest boots from UEFI. */
bool bhyve_build_argv(const MvDomainDef *def, char ***ret_loader, char ***ret_bhyve,
                      GError **error);

/* Both commands as text, one shell-quoted line each (loader first), as libvirt's
 * CONNECT_DOMAIN_XML_TO_NATIVE 'bhyve-argv' answers.  g_free()able, or NULL with @error. */
char *bhyve_argv_to_native(const MvDomainDef *def, GError **error);

/* A definition from bhyve command lines (optionally preceded by a bhyveload or custom loader
 * line; backslash-newline continues a line).  Returns a filled type 'bhyve' definition or
 * NULL with @error naming the option that has no domain XML form. */
MvDomainDef *bhyve_argv_parse(const char *text, GError **error);
