// SPDX-License-Identifier: LGPL-2.1-or-later
// Calls that change domains: defining and undefining, starting (keeping the object's ID
// current, as libvirt's client does), stopping, pausing, autostart, memory and vCPUs.
// Each refuses a read-only connection before asking the daemon, as libvirt does.

#include "client-private.h"
#include "util/util-error.h"

#include <string.h>

/* Enter a mutating entry point on @dom. */
static bool
enter_writable(virDomainPtr dom, const char *func, GError **error)
{
    return mv_client_domain_enter(dom, func, error) && mv_client_check_writable(dom->conn, func, error);
}

/* Call @proc with {dom} (@with_flags false) or {dom, flags} and no reply body. */
static int
call_void(virDomainPtr dom, const char *func, int proc, bool with_flags, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_domain_flags_args fargs = { .flags = flags };
    remote_domain_only_args args;

    if (!enter_writable(dom, func, &error)) {
        mv_client_domain_report(dom, error);
        return -1;
    }
    mv_client_domain_to_wire(dom, &args.dom);
    mv_client_domain_to_wire(dom, &fargs.dom);
    bool ok = with_flags
        ? mv_client_call(dom->conn, proc, (xdrproc_t)xdr_remote_domain_flags_args, &fargs, NULL, NULL, &error)
        : mv_client_call(dom->conn, proc, (xdrproc_t)xdr_remote_domain_only_args, &args, NULL, NULL, &error);
    if (!ok) {
        mv_client_domain_report(dom, error);
        return -1;
    }
    return 0;
}

/* ---- defining ---- */

/* Call a define-like @proc with @args and wrap the domain it answers. */
static virDomainPtr
call_domain_ret(virConnectPtr conn, const char *func, int proc, xdrproc_t args_proc, const void *args,
                const char *xml)
{
    g_autoptr(GError) error = NULL;
    remote_domain_ret ret = { 0 };

    if (!mv_client_enter(conn, func, &error) ||
        !mv_client_check_writable(conn, func, &error) ||
        !mv_client_check_arg(xml, func, "xml", &error) ||
        !mv_client_call(conn, proc, args_proc, args, (xdrproc_t)xdr_remote_domain_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    virDomainPtr dom = mv_client_domain_new(conn, &ret.dom);
    xdr_free((xdrproc_t)xdr_remote_domain_ret, (char *)&ret);
    return dom;
}

virDomainPtr
virDomainDefineXML(virConnectPtr conn, const char *xml)
{
    remote_domain_define_xml_args args = { .xml = (char *)xml };
    return call_domain_ret(conn, G_STRFUNC, REMOTE_PROC_DOMAIN_DEFINE_XML,
                           (xdrproc_t)xdr_remote_domain_define_xml_args, &args, xml);
}

virDomainPtr
virDomainDefineXMLFlags(virConnectPtr conn, const char *xml, unsigned int flags)
{
    remote_domain_define_xml_flags_args args = { .xml = (char *)xml, .flags = flags };
    return call_domain_ret(conn, G_STRFUNC, REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS,
                           (xdrproc_t)xdr_remote_domain_define_xml_flags_args, &args, xml);
}

virDomainPtr
virDomainCreateXML(virConnectPtr conn, const char *xml, unsigned int flags)
{
    remote_domain_create_xml_args args = { .xml_desc = (char *)xml, .flags = flags };
    return call_domain_ret(conn, G_STRFUNC, REMOTE_PROC_DOMAIN_CREATE_XML,
                           (xdrproc_t)xdr_remote_domain_create_xml_args, &args, xml);
}

int
virDomainUndefine(virDomainPtr domain)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_UNDEFINE, false, 0);
}

/* Refuse @flags holding both of two contradicting flags, as libvirt's client does. */
static bool
check_exclusive(unsigned int flags, unsigned int a, const char *a_name, unsigned int b, const char *b_name,
                GError **error)
{
    if ((flags & a) && (flags & b)) {
        mv_client_invalid_arg(error, "Flags '%s' and '%s' are mutually exclusive",
                     a_name, b_name);
        return false;
    }
    return true;
}

#define EXCLUSIVE(flags, a, b, error) check_exclusive(flags, a, #a, b, #b, error)

int
virDomainUndefineFlags(virDomainPtr domain, unsigned int flags)
{
    g_autoptr(GError) error = NULL;

    if (!EXCLUSIVE(flags, VIR_DOMAIN_UNDEFINE_NVRAM, VIR_DOMAIN_UNDEFINE_KEEP_NVRAM, &error) ||
        !EXCLUSIVE(flags, VIR_DOMAIN_UNDEFINE_TPM, VIR_DOMAIN_UNDEFINE_KEEP_TPM, &error)) {
        mv_client_error_reset();
        mv_client_domain_report(domain, error);
        return -1;
    }
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, true, flags);
}

/* ---- life cycle ---- */

int
virDomainCreate(virDomainPtr domain)
{
    g_autoptr(GError) error = NULL;

    if (call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_CREATE, false, 0) < 0)
        return -1;

    /* DOMAIN_CREATE answers nothing, so the new ID has to be asked for (libvirt's client
     * does the same, and daemons expect this lookup right after). */
    remote_domain_lookup_by_uuid_args args;
    remote_domain_ret ret = { 0 };
    memcpy(args.uuid, domain->uuid, VIR_UUID_BUFLEN);
    if (!mv_client_call(domain->conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
                        (xdrproc_t)xdr_remote_domain_lookup_by_uuid_args, &args,
                        (xdrproc_t)xdr_remote_domain_ret, &ret, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    g_atomic_int_set(&domain->id, ret.dom.id);
    xdr_free((xdrproc_t)xdr_remote_domain_ret, (char *)&ret);
    return 0;
}

int
virDomainCreateWithFlags(virDomainPtr domain, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_domain_flags_args args = { .flags = flags };
    remote_domain_ret ret = { 0 };

    if (!enter_writable(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    mv_client_domain_to_wire(domain, &args.dom);
    if (!mv_client_call(domain->conn, REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS,
                        (xdrproc_t)xdr_remote_domain_flags_args, &args,
                        (xdrproc_t)xdr_remote_domain_ret, &ret, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    g_atomic_int_set(&domain->id, ret.dom.id);
    xdr_free((xdrproc_t)xdr_remote_domain_ret, (char *)&ret);
    return 0;
}

int
virDomainDestroy(virDomainPtr domain)
{
    if (call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_DESTROY, false, 0) < 0)
        return -1;
    g_atomic_int_set(&domain->id, -1);
    return 0;
}

int
virDomainDestroyFlags(virDomainPtr domain, unsigned int flags)
{
    if (call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_DESTROY_FLAGS, true, flags) < 0)
        return -1;
    g_atomic_int_set(&domain->id, -1);
    return 0;
}

int
virDomainShutdown(virDomainPtr domain)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SHUTDOWN, false, 0);
}

int
virDomainShutdownFlags(virDomainPtr domain, unsigned int flags)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, true, flags);
}

int
virDomainReboot(virDomainPtr domain, unsigned int flags)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_REBOOT, true, flags);
}

int
virDomainReset(virDomainPtr domain, unsigned int flags)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_RESET, true, flags);
}

int
virDomainSuspend(virDomainPtr domain)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SUSPEND, false, 0);
}

int
virDomainResume(virDomainPtr domain)
{
    return call_void(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_RESUME, false, 0);
}

int
virDomainSetAutostart(virDomainPtr domain, int autostart)
{
    g_autoptr(GError) error = NULL;
    remote_domain_set_autostart_args args = { .autostart = autostart };

    if (!enter_writable(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    mv_client_domain_to_wire(domain, &args.dom);
    if (!mv_client_call(domain->conn, REMOTE_PROC_DOMAIN_SET_AUTOSTART,
                        (xdrproc_t)xdr_remote_domain_set_autostart_args, &args, NULL, NULL, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    return 0;
}

/* ---- memory and vCPUs ---- */

/* Refuse a zero @value of argument @what, as libvirt's client does. */
static bool
check_nonzero(unsigned long long value, const char *what, const char *func, GError **error)
{
    if (value != 0)
        return true;
    mv_client_invalid_arg(error, "%s in %s must not be zero", what, func);
    return false;
}

/* SET_MEMORY and SET_MAX_MEMORY: {dom, memory}, no reply body. */
/* The shape of every sizing call: refuse on a read-only connection or for a zero @value
 * (named @what), then send @args (whose Dom field is @dom) as @proc. */
static int
call_sizing(virDomainPtr domain, const char *func, int proc, xdrproc_t args_proc, void *args,
            remote_nonnull_domain *dom, unsigned long value, const char *what)
{
    g_autoptr(GError) error = NULL;

    if (!enter_writable(domain, func, &error) || !check_nonzero(value, what, func, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    mv_client_domain_to_wire(domain, dom);
    if (!mv_client_call(domain->conn, proc, args_proc, args, NULL, NULL, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    return 0;
}

static int
set_memory(virDomainPtr domain, const char *func, int proc, unsigned long memory)
{
    remote_domain_memory_args args = { .memory = memory };
    return call_sizing(domain, func, proc, (xdrproc_t)xdr_remote_domain_memory_args, &args, &args.dom,
                       memory, "memory");
}

int
virDomainSetMemory(virDomainPtr domain, unsigned long memory)
{
    return set_memory(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SET_MEMORY, memory);
}

int
virDomainSetMaxMemory(virDomainPtr domain, unsigned long memory)
{
    return set_memory(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, memory);
}

int
virDomainSetMemoryFlags(virDomainPtr domain, unsigned long memory, unsigned int flags)
{
    remote_domain_set_memory_flags_args args = { .memory = memory, .flags = flags };
    return call_sizing(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS,
                       (xdrproc_t)xdr_remote_domain_set_memory_flags_args, &args, &args.dom, memory, "memory");
}

int
virDomainSetVcpus(virDomainPtr domain, unsigned int nvcpus)
{
    remote_domain_set_vcpus_args args = { .nvcpus = nvcpus };
    return call_sizing(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SET_VCPUS,
                       (xdrproc_t)xdr_remote_domain_set_vcpus_args, &args, &args.dom, nvcpus, "nvcpus");
}

int
virDomainSetVcpusFlags(virDomainPtr domain, unsigned int nvcpus, unsigned int flags)
{
    remote_domain_set_vcpus_flags_args args = { .nvcpus = nvcpus, .flags = flags };
    return call_sizing(domain, G_STRFUNC, REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS,
                       (xdrproc_t)xdr_remote_domain_set_vcpus_flags_args, &args, &args.dom, nvcpus, "nvcpus");
}
