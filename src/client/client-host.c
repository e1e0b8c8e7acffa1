// SPDX-License-Identifier: LGPL-2.1-or-later
// Calls about the host a connection reaches: hostname, capabilities, vCPU limit, node
// information, free memory, the CPU map and the security model.

#include "client-private.h"
#include "util/util-error.h"
#include "remote.h"

#include <string.h>

char *
virConnectGetHostname(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;
    remote_connect_get_hostname_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_GET_HOSTNAME, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_get_hostname_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    char *hostname = g_strdup(ret.hostname);
    xdr_free((xdrproc_t)xdr_remote_connect_get_hostname_ret, (char *)&ret);
    return hostname;
}

char *
virConnectGetCapabilities(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;
    remote_connect_get_capabilities_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_GET_CAPABILITIES, NULL, NULL,
                        (xdrproc_t)xdr_remote_connect_get_capabilities_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    char *caps = g_strdup(ret.capabilities);
    xdr_free((xdrproc_t)xdr_remote_connect_get_capabilities_ret, (char *)&ret);
    return caps;
}

int
virConnectGetMaxVcpus(virConnectPtr conn, const char *type)
{
    g_autoptr(GError) error = NULL;
    char *type_copy = (char *)type;
    remote_connect_get_max_vcpus_args args = { .type = type ? &type_copy : NULL };
    remote_connect_get_max_vcpus_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_CONNECT_GET_MAX_VCPUS,
                        (xdrproc_t)xdr_remote_connect_get_max_vcpus_args, &args,
                        (xdrproc_t)xdr_remote_connect_get_max_vcpus_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    return ret.max_vcpus;
}

int
virNodeGetInfo(virConnectPtr conn, virNodeInfoPtr info)
{
    g_autoptr(GError) error = NULL;
    remote_node_get_info_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(info, G_STRFUNC, "info", &error) ||
        !mv_client_call(conn, REMOTE_PROC_NODE_GET_INFO, NULL, NULL,
                        (xdrproc_t)xdr_remote_node_get_info_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    /* The wire array carries 32 chars with no promise of a terminator. */
    memset(info, 0, sizeof(*info));
    memcpy(info->model, ret.model, sizeof(info->model) - 1);
    info->memory = ret.memory;
    info->cpus = ret.cpus;
    info->mhz = ret.mhz;
    info->nodes = ret.nodes;
    info->sockets = ret.sockets;
    info->cores = ret.cores;
    info->threads = ret.threads;
    return 0;
}

unsigned long long
virNodeGetFreeMemory(virConnectPtr conn)
{
    g_autoptr(GError) error = NULL;
    remote_node_get_free_memory_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_NODE_GET_FREE_MEMORY, NULL, NULL,
                        (xdrproc_t)xdr_remote_node_get_free_memory_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return 0;
    }
    return ret.freeMem;
}

int
virNodeGetCellsFreeMemory(virConnectPtr conn, unsigned long long *freeMems, int startCell,
                          int maxCells)
{
    g_autoptr(GError) error = NULL;
    remote_node_get_cells_free_memory_args args = { .startCell = startCell, .maxcells = maxCells };
    remote_node_get_cells_free_memory_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(freeMems, G_STRFUNC, "freeMems", &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    if (startCell < 0 || maxCells <= 0) {
        mv_client_invalid_arg(&error,
                     "startCell (%d) in %s must not be negative and maxCells (%d) must be positive",
                     startCell, G_STRFUNC, maxCells);
        mv_client_report(conn, error);
        return -1;
    }
    /* The reply could not carry more cells than the protocol's array bound. */
    if (maxCells > REMOTE_NODE_MAX_CELLS) {
        mv_error_set(&error, MV_FROM_REMOTE, MV_ERR_RPC, "too many NUMA cells requested: %d > %d",
                     maxCells, REMOTE_NODE_MAX_CELLS);
        mv_client_report(conn, error);
        return -1;
    }
    if (!mv_client_call(conn, REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY,
                        (xdrproc_t)xdr_remote_node_get_cells_free_memory_args, &args,
                        (xdrproc_t)xdr_remote_node_get_cells_free_memory_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    int n = MIN((int)ret.cells.cells_len, maxCells);
    for (int i = 0; i < n; i++)
        freeMems[i] = ret.cells.cells_val[i];
    xdr_free((xdrproc_t)xdr_remote_node_get_cells_free_memory_ret, (char *)&ret);
    return n;
}

int
virNodeGetCPUMap(virConnectPtr conn, unsigned char **cpumap, unsigned int *online,
                 unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    remote_node_get_cpu_map_args args = { .need_map = cpumap != NULL, .need_online = online != NULL,
                                          .flags = flags };
    remote_node_get_cpu_map_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_call(conn, REMOTE_PROC_NODE_GET_CPU_MAP,
                        (xdrproc_t)xdr_remote_node_get_cpu_map_args, &args,
                        (xdrproc_t)xdr_remote_node_get_cpu_map_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    if (cpumap)
        *cpumap = g_memdup2(ret.cpumap.cpumap_val, ret.cpumap.cpumap_len);
    if (online)
        *online = ret.online;
    int ncpus = ret.ret;
    xdr_free((xdrproc_t)xdr_remote_node_get_cpu_map_ret, (char *)&ret);
    return ncpus;
}

/* Copy a wire char array into a fixed buffer of @size, NUL-terminated. */
static bool
copy_char_array(char *dst, size_t size, const char *src, u_int len, const char *what, GError **error)
{
    if (len >= size && !(len == size && src[len - 1] == '\0')) {
        mv_error_set(error, MV_FROM_REMOTE, MV_ERR_RPC, "security %s of %u bytes exceeds the %zu allowed",
                     what, len, size - 1);
        return false;
    }
    memset(dst, 0, size);
    if (len)
        memcpy(dst, src, len);
    return true;
}

int
virNodeGetSecurityModel(virConnectPtr conn, virSecurityModelPtr secmodel)
{
    g_autoptr(GError) error = NULL;
    remote_node_get_security_model_ret ret = { 0 };

    if (!mv_client_enter(conn, G_STRFUNC, &error) ||
        !mv_client_check_arg(secmodel, G_STRFUNC, "secmodel", &error) ||
        !mv_client_call(conn, REMOTE_PROC_NODE_GET_SECURITY_MODEL, NULL, NULL,
                        (xdrproc_t)xdr_remote_node_get_security_model_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return -1;
    }
    virSecurityModel out;
    bool ok = copy_char_array(out.model, sizeof(out.model), ret.model.model_val, ret.model.model_len,
                              "model", &error) &&
              copy_char_array(out.doi, sizeof(out.doi), ret.doi.doi_val, ret.doi.doi_len, "doi", &error);
    xdr_free((xdrproc_t)xdr_remote_node_get_security_model_ret, (char *)&ret);
    if (!ok) {
        mv_client_report(conn, error);
        return -1;
    }
    *secmodel = out;
    return 0;
}

/* CONNECT_DOMAIN_XML_FROM_NATIVE and _TO_NATIVE: one string in, one string out. */
static char *
convert(virConnectPtr conn, const char *func, int proc, const char *format, const char *text,
        unsigned int flags)
{
    g_autoptr(GError) error = NULL;
    if (!format || !text) {
        mv_error_set(&error, MV_FROM_NONE, MV_ERR_INVALID_ARG, "%s: %s must not be NULL", func,
                     !format ? "the native format" : "the configuration");
        mv_client_report(conn, error);
        return NULL;
    }
    /* The two calls have the same fields (format, text, flags) and reply (one string). */
    remote_connect_domain_xml_from_native_args args = {
        .nativeFormat = (char *)format, .nativeConfig = (char *)text, .flags = flags,
    };
    remote_connect_domain_xml_from_native_ret ret = { 0 };
    if (!mv_client_enter(conn, func, &error) ||
        !mv_client_call(conn, proc, (xdrproc_t)xdr_remote_connect_domain_xml_from_native_args, &args,
                        (xdrproc_t)xdr_remote_connect_domain_xml_from_native_ret, &ret, &error)) {
        mv_client_report(conn, error);
        return NULL;
    }
    char *out = g_strdup(ret.domainXml);
    xdr_free((xdrproc_t)xdr_remote_connect_domain_xml_from_native_ret, (char *)&ret);
    return out;
}

char *
virConnectDomainXMLFromNative(virConnectPtr conn, const char *nativeFormat, const char *nativeConfig,
                              unsigned int flags)
{
    return convert(conn, G_STRFUNC, REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE, nativeFormat,
                   nativeConfig, flags);
}

char *
virConnectDomainXMLToNative(virConnectPtr conn, const char *nativeFormat, const char *domainXml,
                            unsigned int flags)
{
    return convert(conn, G_STRFUNC, REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE, nativeFormat,
                   domainXml, flags);
}
