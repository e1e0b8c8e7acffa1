// SPDX-License-Identifier: LGPL-2.1-or-later
// The two errors a definition earns, as return-false shorthands for the conf files that
// read and check XML.  Private to src/core/conf.
#pragma once

#include "util/util-error.h"

/* The error domain of these errors: a parser of another object defines CONF_XML_FROM before
 * including this header (conf-network-parse.c: MV_FROM_NETWORK). */
#ifndef CONF_XML_FROM
#define CONF_XML_FROM MV_FROM_DOMAIN
#endif

#define xml_error(error, ...) mv_error_fail((error), CONF_XML_FROM, MV_ERR_XML_ERROR, __VA_ARGS__)
#define unsupported(error, ...) mv_error_fail((error), CONF_XML_FROM, MV_ERR_CONFIG_UNSUPPORTED, __VA_ARGS__)
