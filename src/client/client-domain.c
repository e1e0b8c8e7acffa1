// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain objects and finding them: the object itself (name, UUID and ID answered locally,
// as libvirt's client does), lookups by name, UUID and ID, and the domain lists.  Life
// cycle calls live in client-domain-life.c, queries in client-domain-query.c.

#include "client-private.h"
#include "util/util-error.h"

#include <string.h>

virDomainPtr
mv_client_domain_new(virConnectPtr conn, const remote_nonnull_domain *d)
{
    virDomainPtr dom = g_new0(virDomain, 1);
    dom->magic = MV_CLIENT_DOMAIN_MAGIC;
    dom->refs = 1;
    mv_client_conn_ref(conn);
    dom->conn = conn;
    dom->name = g_strdup(d->name);
    memcpy(dom->uuid, d->uuid, VIR_UUID_BUFLEN);
    dom->id = d->id;
    return dom;
}

void
mv_client_domain_unref(virDomainPtr dom)
{
    if (!g_atomic_int_dec_and_test(&dom->refs))
        return;
    dom->magic = 0;
    mv_client_conn_unref(dom->conn);
    g_free(dom->name);
    g_free(dom);
}

void
mv_client_domain_to_wire(virDomainPtr dom, remote_nonnull_domain *ret)
{
    ret->name = dom->name;
    memcpy(ret->uuid, dom->uuid, VIR_UUID_BUFLEN);
    ret->id = g_atomic_int_get(&dom->id);
}

static bool
domain_valid(virDomainPtr dom)
{
    return dom && dom->magic == MV_CLIENT_DOMAIN_MAGIC;
}

bool
mv_client_domain_enter(virDomainPtr dom, const char *func, GError **error)
{
    mv_client_error_reset();
    if (!domain_valid(dom)) {
        mv_error_set(error, MV_FROM_DOM, MV_ERR_INVALID_DOMAIN, "invalid domain pointer in %s", func);
        return false;
    }
    return true;
}

void
mv_client_domain_report(virDomainPtr dom, const GError *error)
{
    mv_client_report(domain_valid(dom) ? dom->conn : NULL, error);
}

int
virDomainRef(virDomainPtr domain)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    g_atomic_int_inc(&domain->refs);
    return 0;
}

int
virDomainFree(virDomainPtr domain)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    mv_client_domain_unref(domain);
    return 0;
}

virConnectPtr
virDomainGetConnect(virDomainPtr domain)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return NULL;
    }
    return domain->conn;
}

const char *
virDomainGetName(virDomainPtr domain)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return NULL;
    }
    return domain->name;
}

unsigned int
virDomainGetID(virDomainPtr domain)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error)) {
        mv_client_domain_report(domain, error);
        return (unsigned int)-1;
    }
    return (unsigned int)g_atomic_int_get(&domain->id);
}

int
virDomainGetUUID(virDomainPtr domain, unsigned char *uuid)
{
    g_autoptr(GError) error = NULL;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error) ||
        !mv_client_check_arg(uuid, G_STRFUNC, "uuid", &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    memcpy(uuid, domain->uuid, VIR_UUID_BUFLEN);
    return 0;
}

int
virDomainGetUUIDString(virDomainPtr domain, char *buf)
{
    g_autoptr(GError) error = NULL;
    const unsigned char *u;

    if (!mv_client_domain_enter(domain, G_STRFUNC, &error) ||
        !mv_client_check_arg(buf, G_STRFUNC, "buf", &error)) {
        mv_client_domain_report(domain, error);
        return -1;
    }
    u = domain->uuid;
    g_snprintf(buf, VIR_UUID_STRING_BUFLEN,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
               u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
               u[13], u[14], u[15]);
    return 0;
}

/* ---- lookups ---- */

/* Call a lookup @proc and wrap the domain it answers. */
static virDomainPtr
lookup(virConnectPtr conn, int proc, xdrproc_t args_proc, const void *args, GError **error)
{
    remote_domain_ret ret = { 0 };

    if (!mv_client_call(conn, proc, args_proc, args, (xdrproc_t)xdr_remote_domain_ret, &ret, error))
        return NULL;
    virDomainPtr dom = mv_client_domain_new(conn, &ret.dom);
    xdr_free((xdrproc_t)xdr_remote_domain_ret, (char *)&ret);
    return dom;
}

virDomainPtr
virDomainLookupByName(virConnectPtr conn, const char *name)
{
    g_autoptr(GError) error = NULL;
    remote_domain_lookup_by_name_args args = { .name = (char *)name };
    virDomainPtr dom = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(name, G_STRFUNC, "name", &error) ||
        !(dom = lookup(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                       (xdrproc_t)xdr_remote_domain_lookup_by_name_args, &args, &error)))
        mv_client_report(conn, error);
    return dom;
}

virDomainPtr
virDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    g_autoptr(GError) error = NULL;
    remote_domain_lookup_by_uuid_args args;
    virDomainPtr dom = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(uuid, G_STRFUNC, "uuid", &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    memcpy(args.uuid, uuid, VIR_UUID_BUFLEN);
    if (!(dom = lookup(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID,
                       (xdrproc_t)xdr_remote_domain_lookup_by_uuid_args, &args, &error)))
        mv_client_report(conn, error);
    return dom;
}

/* Parse a UUID as liberally as libvirt does: 32 hex digits, '-' or ' ' allowed between
 * digit pairs, blanks around.  Returns false when @s is not a UUID. */
static bool
uuid_parse(const char *s, unsigned char uuid[VIR_UUID_BUFLEN])
{
    while (g_ascii_isspace(*s))
        s++;
    for (int i = 0; i < VIR_UUID_BUFLEN;) {
        if (*s == '-' || *s == ' ') {
            s++;
            continue;
        }
        if (!g_ascii_isxdigit(s[0]) || !g_ascii_isxdigit(s[1]))
            return false;
        uuid[i++] = g_ascii_xdigit_value(s[0]) * 16 + g_ascii_xdigit_value(s[1]);
        s += 2;
    }
    while (g_ascii_isspace(*s))
        s++;
    return *s == '\0';
}

virDomainPtr
virDomainLookupByUUIDString(virConnectPtr conn, const char *uuidstr)
{
    g_autoptr(GError) error = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(uuidstr, G_STRFUNC, "uuidstr", &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    if (!uuid_parse(uuidstr, uuid)) {
        mv_client_invalid_arg(&error, "uuidstr in %s must be a valid UUID",
                     G_STRFUNC);
        mv_client_report(conn, error);
        return NULL;
    }
    return virDomainLookupByUUID(conn, uuid);
}

virDomainPtr
virDomainLookupByID(virConnectPtr conn, int id)
{
    g_autoptr(GError) error = NULL;
    remote_domain_lookup_by_id_args args = { .id = id };
    virDomainPtr dom = NULL;

    if (!mv_client_enter(conn, G_STRFUNC, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    if (id < 0) {
        mv_client_invalid_arg(&error, "id in %s must be non-negative, but is %d",
                     G_STRFUNC, id);
        mv_client_report(conn, error);
        return NULL;
    }
    if (!(dom = lookup(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_ID,
                       (xdrproc_t)xdr_remote_domain_lookup_by_id_args, &args, &error)))
        mv_client_report(conn, error);
    return dom;
}

/* ---- lists ---- */

int
virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_connect_list_all_domains_args args = { .need_results = domains != NULL, .flags = flags };
    remote_connect_list_all_domains_ret ret = { 0 };

    if (domains)
        *domains = NULL;
    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS,
                        (xdrproc_t)xdr_remote_connect_list_all_domains_args, &args,
                        (xdrproc_t)xdr_remote_connect_list_all_domains_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    int n = (int)ret.ret;
    if (domains) {
        /* NULL-terminated, as libvirt hands it out. */
        virDomainPtr *list = g_new0(virDomainPtr, ret.domains.domains_len + 1);
        for (u_int i = 0; i < ret.domains.domains_len; i++)
            list[i] = mv_client_domain_new(conn, &ret.domains.domains_val[i]);
        *domains = list;
        n = (int)ret.domains.domains_len;
    }
    xdr_free((xdrproc_t)xdr_remote_connect_list_all_domains_ret, (char *)&ret);
    return n;
}

/* Shared body of the two counting calls. */
static int
count_domains(virConnectPtr conn, const char *func, int proc)
{
    g_autoptr(GError) error = NULL;
    remote_int_ret ret = { 0 };

    if (!mv_client_enter(conn, func, &error) ||
        !mv_client_call(conn, proc, NULL, NULL, (xdrproc_t)xdr_remote_int_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    return ret.num;
}

int
virConnectNumOfDomains(virConnectPtr conn)
{
    return count_domains(conn, G_STRFUNC, REMOTE_PROC_CONNECT_NUM_OF_DOMAINS);
}

int
virConnectNumOfDefinedDomains(virConnectPtr conn)
{
    return count_domains(conn, G_STRFUNC, REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS);
}

/* Check the output array arguments of the old list calls. */
static bool
check_list_args(const void *array, const char *what, int max, const char *func, GError **error)
{
    if (!mv_client_check_arg(array, func, what, error))
        return false;
    if (max < 0) {
        mv_client_invalid_arg(error, "max%s in %s must be non-negative, but is %d",
                     what, func, max);
        return false;
    }
    /* The reply could not carry more than the protocol's array bound. */
    if (max > REMOTE_DOMAIN_LIST_MAX) {
        mv_error_set(error, MV_FROM_REMOTE, MV_ERR_RPC, "Too many domains '%d' for limit '%d'", max,
                     REMOTE_DOMAIN_LIST_MAX);
        return false;
    }
    return true;
}

int
virConnectListDomains(virConnectPtr conn, int *ids, int maxids)
{
    g_autoptr(GError) error = NULL;
    remote_connect_list_domains_args args = { .maxids = maxids };
    remote_connect_list_domains_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !check_list_args(ids, "ids", maxids, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_LIST_DOMAINS,
                        (xdrproc_t)xdr_remote_connect_list_domains_args, &args,
                        (xdrproc_t)xdr_remote_connect_list_domains_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    int n = MIN((int)ret.ids.ids_len, maxids);
    for (int i = 0; i < n; i++)
        ids[i] = ret.ids.ids_val[i];
    xdr_free((xdrproc_t)xdr_remote_connect_list_domains_ret, (char *)&ret);
    return n;
}

int
virConnectListDefinedDomains(virConnectPtr conn, char **const names, int maxnames)
{
    g_autoptr(GError) error = NULL;
    remote_connect_list_defined_domains_args args = { .maxnames = maxnames };
    remote_connect_list_defined_domains_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !check_list_args(names, "names", maxnames, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS,
                        (xdrproc_t)xdr_remote_connect_list_defined_domains_args, &args,
                        (xdrproc_t)xdr_remote_connect_list_defined_domains_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    int n = MIN((int)ret.names.names_len, maxnames);
    for (int i = 0; i < n; i++)
        names[i] = g_strdup(ret.names.names_val[i]);
    xdr_free((xdrproc_t)xdr_remote_connect_list_defined_domains_ret, (char *)&ret);
    return n;
}
