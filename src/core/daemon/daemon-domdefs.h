// SPDX-License-Identifier: LGPL-2.1-or-later
// A domain driver for a hypervisor this host cannot run (Xen without a hypervisor, bhyve
// off FreeBSD): everything that needs only definitions, on the driver kit's object list and
// persistence: define/undefine, lookups, lists, XML, autostart, info, capabilities, native
// format conversion.  Starting a guest fails with the driver's own refusal and leaves
// nothing.  A driver (xend, bhyved) is an MvDomDefsSpec, data plus its conversion functions;
// one copy of these handlers serves both.
#pragma once

#include "conf/conf-domain.h"
#include "daemon/daemon-driver.h"

typedef struct {
    const char *dir;              /* "xen": <root>/etc/modvirt/<dir>, <root>/run/modvirt/<dir> */
    const MvObjKind *kind;        /* "domain" in the driver's error domain */
    MvDomainVirtType virt;        /* the only <domain type=> the driver takes */
    unsigned long long version;   /* CONNECT_GET_VERSION: the hypervisor's, 0 when absent */
    unsigned max_vcpus;           /* CONNECT_GET_MAX_VCPUS */
    /* Fill the driver's defaults into a parsed definition and refuse what it cannot run. */
    bool (*prepare)(MvDomainDef *def, GError **error);
    /* The capabilities XML (g_free()able). */
    char *(*capabilities)(GError **error);
    /* CONNECT_DOMAIN_XML_FROM/TO_NATIVE in the one format the driver knows. */
    const char *native_format;
    MvDomainDef *(*from_native)(const char *text, GError **error);
    char *(*to_native)(const MvDomainDef *def, GError **error);
    /* Why no guest can start here: "no Xen hypervisor on this host". */
    const char *start_refusal;
} MvDomDefsSpec;

/* Set the driver up for daemon @d (its MvDaemonSpec.init): open the persistence under the
 * daemon's root, load every definition, add the handlers to the remote program.  False with
 * @error when the directories cannot be created or the journal cannot be replayed. */
bool mv_domdefs_init(MvDaemon *d, const MvDomDefsSpec *spec, GError **error);

/* Its MvDaemonSpec.shutdown. */
void mv_domdefs_shutdown(MvDaemon *d);

/* Its MvDaemonSpec.sandbox (with sandbox_early): no capabilities, an allow-list of system
 * calls (daemon-domdefs-sandbox.c). */
bool mv_domdefs_sandbox(MvDaemon *d, GError **error);
