// SPDX-License-Identifier: LGPL-2.1-or-later
// What the conf-domain-*.c files share with each other and nobody else: the error shorthands
// (conf-xml-error.h) and the PCI address assignment called by the defaults.
#pragma once

#include "conf/conf-domain.h"
#include "conf/conf-xml-error.h"

/* Give every PCI device of @def without an address one, as libvirt lays out @q35 (pcie-root,
 * devices behind pcie-root-ports, conventional PCI behind a pcie-to-pci-bridge, one spare
 * root port) or i440fx (everything on pci.0 from slot 2 or 3).  Addresses already present
 * are checked and kept.  Fails with MV_ERR_XML_ERROR on conflicts and MV_ERR_CONFIG_UNSUPPORTED
 * when the layout runs out of slots. */
bool mv_domain_def_assign_pci(MvDomainDef *def, bool q35, GError **error);
