// SPDX-License-Identifier: LGPL-2.1-or-later
// Calls that read about a domain: state and information, XML, OS type, the is-active
// family, autostart, limits, managed save, snapshot count, the security label and the
// daemon's messages.
// Read-only connections may make all of them (but secrets stay out of their XML).

#include "client-private.h"
#include "util/util-error.h"

#include <string.h>

/* Call @proc with {dom} (@with_flags false) or {dom, flags}, decoding the reply into @ret
 * with @ret_proc (the caller xdr_frees it).  Reports and returns false on failure. */
static bool
query(virDomainPtr dom, const char *func, int proc, bool with_flags, unsigned int flags,
      xdrproc_t ret_proc, void *ret)
{
    g_autoptr(GError) error = NULL;
    remote_domain_flags_args fargs = { .flags = flags };
    remote_domain_only_args args;

    if (!mv_client_domain_enter(dom, func, &error)) {
        mv_client_domain_report(dom, error);
        return false;
    }
    mv_client_domain_to_wire(dom, &args.dom);
    mv_client_domain_to_wire(dom, &fargs.dom);
    bool ok = with_flags
        ? mv_client_call(dom->conn, proc, (xdrproc_t)xdr_remote_domain_flags_args, &fargs, ret_proc, ret, &error)
        : mv_client_call(dom->conn, proc, (xdrproc_t)xdr_remote_domain_only_args, &args, ret_proc, ret, &error);
    if (!ok)
        mv_client_domain_report(dom, error);
    return ok;
}

/* A query whose reply is one int (remote_int_ret); -1 on failure. */
static int
query_int(virDomainPtr dom, const char *func, int proc, bool with_flags, unsigned int flags)
{
    remote_int_ret ret = { 0 };
    if (!query(dom, func, proc, with_flags, flags, (xdrproc_t)xdr_remote_int_ret, &ret))
        return -1;
    return ret.num;
}

/* Check an output pointer of a domain entry point, reporting on @dom. */
static bool
check_out(virDomainPtr dom, const void *arg, const char *func, const char *what)
{
    g_autoptr(GError) error = NULL;

    if (mv_client_check_arg(arg, func, what, &error))
        return true;
    mv_client_error_reset();
    mv_client_domain_report(dom, error);
    return false;
}

int
virDomainGetInfo(virDomainPtr domain, virDomainInfoPtr info)
{
    remote_domain_get_info_ret ret = { 0 };

    if (!check_out(domain, info, G_STRFUNC, "info") ||
        !query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_INFO, false, 0,
               (xdrproc_t)xdr_remote_domain_get_info_ret, &ret))
        return -1;
    memset(info, 0, sizeof(*info));
    info->state = ret.state;
    info->maxMem = ret.maxMem;
    info->memory = ret.memory;
    info->nrVirtCpu = ret.nrVirtCpu;
    info->cpuTime = ret.cpuTime;
    return 0;
}

int
virDomainGetState(virDomainPtr domain, int *state, int *reason, unsigned int flags)
{
    remote_domain_get_state_ret ret = { 0 };

    if (!check_out(domain, state, G_STRFUNC, "state") ||
        !query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_STATE, true, flags,
               (xdrproc_t)xdr_remote_domain_get_state_ret, &ret))
        return -1;
    *state = ret.state;
    if (reason)
        *reason = ret.reason;
    return 0;
}

int
virDomainGetControlInfo(virDomainPtr domain, virDomainControlInfoPtr info, unsigned int flags)
{
    remote_domain_get_control_info_ret ret = { 0 };

    if (!check_out(domain, info, G_STRFUNC, "info") ||
        !query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, true, flags,
               (xdrproc_t)xdr_remote_domain_get_control_info_ret, &ret))
        return -1;
    info->state = ret.state;
    info->details = ret.details;
    info->stateTime = ret.stateTime;
    return 0;
}

char *
virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_domain_get_xml_desc_ret ret = { 0 };

    /* Secrets are for read-write connections only; libvirt's client refuses before asking. */
    if (mv_client_domain_enter(domain, G_STRFUNC, &error) && domain->conn->readonly &&
        (flags & VIR_DOMAIN_XML_SECURE)) {
        mv_error_set(&error, MV_FROM_DOMAIN, MV_ERR_OPERATION_DENIED, "virDomainGetXMLDesc with secure flag");
        mv_client_domain_report(domain, error);
        return NULL;
    }
    if (!query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_XML_DESC, true, flags,
               (xdrproc_t)xdr_remote_domain_get_xml_desc_ret, &ret))
        return NULL;
    /* Handed out as the wire decoded it (malloc'd), to be free()d. */
    return ret.xml;
}

char *
virDomainGetOSType(virDomainPtr domain)
{
    remote_domain_get_os_type_ret ret = { 0 };

    if (!query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_OS_TYPE, false, 0,
               (xdrproc_t)xdr_remote_domain_get_os_type_ret, &ret))
        return NULL;
    return ret.type;
}

int
virDomainIsActive(virDomainPtr domain)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_IS_ACTIVE, false, 0);
}

int
virDomainIsPersistent(virDomainPtr domain)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_IS_PERSISTENT, false, 0);
}

int
virDomainIsUpdated(virDomainPtr domain)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_IS_UPDATED, false, 0);
}

int
virDomainGetAutostart(virDomainPtr domain, int *autostart)
{
    remote_domain_get_autostart_ret ret = { 0 };

    if (!check_out(domain, autostart, G_STRFUNC, "autostart") ||
        !query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_AUTOSTART, false, 0,
               (xdrproc_t)xdr_remote_domain_get_autostart_ret, &ret))
        return -1;
    *autostart = ret.autostart;
    return 0;
}

unsigned long
virDomainGetMaxMemory(virDomainPtr domain)
{
    remote_domain_get_max_memory_ret ret = { 0 };

    if (!query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_MAX_MEMORY, false, 0,
               (xdrproc_t)xdr_remote_domain_get_max_memory_ret, &ret))
        return 0;
    return ret.memory;
}

int
virDomainGetMaxVcpus(virDomainPtr domain)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_MAX_VCPUS, false, 0);
}

int
virDomainHasManagedSaveImage(virDomainPtr domain, unsigned int flags)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, true, flags);
}

int
virDomainSnapshotNum(virDomainPtr domain, unsigned int flags)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, true, flags);
}

int
virDomainGetVcpusFlags(virDomainPtr domain, unsigned int flags)
{
    return query_int(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, true, flags);
}

int
virDomainGetSecurityLabel(virDomainPtr domain, virSecurityLabelPtr seclabel)
{
    g_autoptr(GError) error = NULL;
    remote_domain_get_security_label_ret ret = { 0 };

    if (!check_out(domain, seclabel, G_STRFUNC, "seclabel") ||
        !query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, false, 0,
               (xdrproc_t)xdr_remote_domain_get_security_label_ret, &ret))
        return -1;
    /* The wire array is the label with its terminating NUL. */
    u_int len = ret.label.label_len;
    bool ok = len <= VIR_SECURITY_LABEL_BUFLEN;
    if (ok) {
        memset(seclabel, 0, sizeof(*seclabel));
        if (len)
            memcpy(seclabel->label, ret.label.label_val, len);
        seclabel->label[VIR_SECURITY_LABEL_BUFLEN - 1] = '\0';
        seclabel->enforcing = ret.enforcing;
    } else {
        mv_error_set(&error, MV_FROM_REMOTE, MV_ERR_RPC, "security label of %u bytes exceeds the %d allowed",
                     len, VIR_SECURITY_LABEL_BUFLEN - 1);
        mv_client_domain_report(domain, error);
    }
    xdr_free((xdrproc_t)xdr_remote_domain_get_security_label_ret, (char *)&ret);
    return ok ? 0 : -1;
}

int
virDomainGetMessages(virDomainPtr domain, char ***msgs, unsigned int flags)
{
    remote_domain_get_messages_ret ret = { 0 };

    if (!check_out(domain, msgs, G_STRFUNC, "msgs"))
        return -1;
    *msgs = NULL;
    if (!query(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_GET_MESSAGES, true, flags,
               (xdrproc_t)xdr_remote_domain_get_messages_ret, &ret))
        return -1;
    int n = (int)ret.msgs.msgs_len;
    char **out = g_new0(char *, n + 1);
    for (int i = 0; i < n; i++)
        out[i] = g_strdup(ret.msgs.msgs_val[i]);
    *msgs = out;
    xdr_free((xdrproc_t)xdr_remote_domain_get_messages_ret, (char *)&ret);
    return n;
}
