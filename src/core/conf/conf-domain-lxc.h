// SPDX-License-Identifier: LGPL-2.1-or-later
// The container parts of the domain XML, as the one domain parser and formatter call them
// (conf-domain-lxc.c).  Private to src/core/conf.
#pragma once

#include "conf/conf-domain-xml.h"
#include "conf/conf-xml-writer.h"

/* <os>: init, initarg, initenv, initdir (after the rest of <os> is parsed). */
bool mv_domain_lxc_parse_os(xmlNodePtr node, MvDomainDef *def, GError **error);
bool mv_domain_lxc_parse_idmap(xmlNodePtr node, MvDomainDef *def, GError **error);
bool mv_domain_lxc_parse_resource(xmlNodePtr node, MvDomainDef *def, GError **error);
/* <features><capabilities> */
bool mv_domain_lxc_parse_caps(xmlNodePtr node, MvDomainDef *def, GError **error);
bool mv_domain_lxc_parse_filesystem(Parser *p, xmlNodePtr node, MvDomainDef *def, GError **error);

void mv_domain_lxc_format_os(Xml *x, const MvDomainDef *def);
void mv_domain_lxc_format_resource(Xml *x, const MvDomainDef *def);
void mv_domain_lxc_format_idmap(Xml *x, const MvDomainDef *def);
void mv_domain_lxc_format_caps(Xml *x, const MvDomainDef *def);
void mv_domain_lxc_format_filesystems(Xml *x, const MvDomainDef *def);
