/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain statistics: typed parameters, the bulk stats call (virConnectGetAllDomainStats,
 * virDomainListGetStats) and the per-domain ones (vCPUs, CPU, memory, block, interface),
 * with libvirt's names, types and numbers.  Included by libvirt.h. */
#ifndef MODVIRT_LIBVIRT_DOMAIN_STATS_H
#define MODVIRT_LIBVIRT_DOMAIN_STATS_H

#include "libvirt-common.h"
#include "libvirt-host.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- typed parameters ---- */

#ifndef VIR_TYPED_PARAM_FIELD_LENGTH
/* Longest parameter name, with its NUL. */
# define VIR_TYPED_PARAM_FIELD_LENGTH 80

typedef enum {
    VIR_TYPED_PARAM_INT = 1,
    VIR_TYPED_PARAM_UINT = 2,
    VIR_TYPED_PARAM_LLONG = 3,
    VIR_TYPED_PARAM_ULLONG = 4,
    VIR_TYPED_PARAM_DOUBLE = 5,
    VIR_TYPED_PARAM_BOOLEAN = 6,
    VIR_TYPED_PARAM_STRING = 7,
} virTypedParameterType;

typedef enum {
    VIR_TYPED_PARAM_STRING_OKAY = 1 << 2,
} virTypedParameterFlags;

typedef struct _virTypedParameter virTypedParameter;
struct _virTypedParameter {
    char field[VIR_TYPED_PARAM_FIELD_LENGTH];
    int type;                      /* virTypedParameterType */
    union {
        int i;
        unsigned int ui;
        long long int l;
        unsigned long long int ul;
        double d;
        char b;
        char *s;
    } value;
};
typedef virTypedParameter *virTypedParameterPtr;

/* The parameter called @name, or NULL. */
virTypedParameterPtr virTypedParamsGet(virTypedParameterPtr params, int nparams, const char *name);
/* The value of @name into *value: 1 when found, 0 when absent, -1 when it has another
 * type (VIR_ERR_INVALID_ARG). */
int virTypedParamsGetInt(virTypedParameterPtr params, int nparams, const char *name, int *value);
int virTypedParamsGetUInt(virTypedParameterPtr params, int nparams, const char *name, unsigned int *value);
int virTypedParamsGetLLong(virTypedParameterPtr params, int nparams, const char *name, long long *value);
int virTypedParamsGetULLong(virTypedParameterPtr params, int nparams, const char *name,
                            unsigned long long *value);
int virTypedParamsGetDouble(virTypedParameterPtr params, int nparams, const char *name, double *value);
int virTypedParamsGetBoolean(virTypedParameterPtr params, int nparams, const char *name, int *value);
/* *value is borrowed from @params. */
int virTypedParamsGetString(virTypedParameterPtr params, int nparams, const char *name, const char **value);
/* Free the strings of @params (not the array). */
void virTypedParamsClear(virTypedParameterPtr params, int nparams);
/* Free the strings and the array. */
void virTypedParamsFree(virTypedParameterPtr params, int nparams);
#endif /* VIR_TYPED_PARAM_FIELD_LENGTH */

/* ---- bulk statistics ---- */

typedef enum {
    VIR_DOMAIN_STATS_STATE = 1 << 0,
    VIR_DOMAIN_STATS_CPU_TOTAL = 1 << 1,
    VIR_DOMAIN_STATS_BALLOON = 1 << 2,
    VIR_DOMAIN_STATS_VCPU = 1 << 3,
    VIR_DOMAIN_STATS_INTERFACE = 1 << 4,
    VIR_DOMAIN_STATS_BLOCK = 1 << 5,
    VIR_DOMAIN_STATS_PERF = 1 << 6,
    VIR_DOMAIN_STATS_IOTHREAD = 1 << 7,
    VIR_DOMAIN_STATS_MEMORY = 1 << 8,
    VIR_DOMAIN_STATS_DIRTYRATE = 1 << 9,
    VIR_DOMAIN_STATS_VM = 1 << 10,
} virDomainStatsTypes;

typedef enum {
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE = 1 << 0,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE = 1 << 1,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT = 1 << 2,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT = 1 << 3,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING = 1 << 4,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED = 1 << 5,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF = 1 << 6,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER = 1 << 7,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT = 1 << 29,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING = 1 << 30,
    VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS = 1U << 31,
} virConnectGetAllDomainStatsFlags;

typedef struct _virDomainStatsRecord virDomainStatsRecord;
typedef virDomainStatsRecord *virDomainStatsRecordPtr;
struct _virDomainStatsRecord {
    virDomainPtr dom;
    virTypedParameterPtr params;
    int nparams;
};

/* Statistics groups @stats (virDomainStatsTypes; 0: all the daemon has) of every domain
 * passing the filter @flags.  *retStats gets a NULL-terminated array; free it with
 * virDomainStatsRecordListFree.  Returns the number of records or -1. */
int virConnectGetAllDomainStats(virConnectPtr conn, unsigned int stats, virDomainStatsRecordPtr **retStats,
                                unsigned int flags);
/* The same for the NULL-terminated list @doms (all of one connection). */
int virDomainListGetStats(virDomainPtr *doms, unsigned int stats, virDomainStatsRecordPtr **retStats,
                          unsigned int flags);
void virDomainStatsRecordListFree(virDomainStatsRecordPtr *stats);

/* ---- per-domain statistics ---- */

typedef enum {
    VIR_VCPU_OFFLINE = 0,
    VIR_VCPU_RUNNING = 1,
    VIR_VCPU_BLOCKED = 2,
} virVcpuState;

typedef struct _virVcpuInfo virVcpuInfo;
struct _virVcpuInfo {
    unsigned int number;
    int state;                  /* virVcpuState */
    unsigned long long cpuTime; /* ns */
    int cpu;                    /* host CPU it runs on, -1 when offline */
};
typedef virVcpuInfo *virVcpuInfoPtr;

#ifndef VIR_CPU_MAPLEN
# define VIR_CPU_MAPLEN(cpu) (((cpu) + 7) / 8)
#endif
#ifndef VIR_CPU_USABLE
# define VIR_CPU_USABLE(cpumaps, maplen, vcpu, cpu) \
    ((cpumaps)[((vcpu) * (maplen)) + ((cpu) / 8)] & (1 << ((cpu) % 8)))
#endif

/* Up to @maxinfo online vCPUs of a running domain, and (when @cpumaps is not NULL) their
 * affinity maps of @maplen bytes each.  Returns the number filled or -1. */
int virDomainGetVcpus(virDomainPtr domain, virVcpuInfoPtr info, int maxinfo, unsigned char *cpumaps, int maplen);

/* Per host CPU (@start_cpu >= 0, @ncpus CPUs) or total (@start_cpu -1, @ncpus 1) CPU
 * statistics; with @params NULL and @nparams 0, the number of parameters (or with @ncpus
 * 0 too, the number of host CPUs).  Returns that count or -1. */
int virDomainGetCPUStats(virDomainPtr domain, virTypedParameterPtr params, unsigned int nparams, int start_cpu,
                         unsigned int ncpus, unsigned int flags);

typedef enum {
    VIR_DOMAIN_MEMORY_STAT_SWAP_IN = 0,
    VIR_DOMAIN_MEMORY_STAT_SWAP_OUT = 1,
    VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT = 2,
    VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT = 3,
    VIR_DOMAIN_MEMORY_STAT_UNUSED = 4,
    VIR_DOMAIN_MEMORY_STAT_AVAILABLE = 5,
    VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON = 6,
    VIR_DOMAIN_MEMORY_STAT_RSS = 7,
    VIR_DOMAIN_MEMORY_STAT_USABLE = 8,
    VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE = 9,
    VIR_DOMAIN_MEMORY_STAT_DISK_CACHES = 10,
    VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC = 11,
    VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL = 12,
    VIR_DOMAIN_MEMORY_STAT_NR = 13,
    VIR_DOMAIN_MEMORY_STAT_LAST = VIR_DOMAIN_MEMORY_STAT_NR,
} virDomainMemoryStatTags;

typedef struct _virDomainMemoryStat virDomainMemoryStatStruct;
struct _virDomainMemoryStat {
    int tag;                    /* virDomainMemoryStatTags */
    unsigned long long val;
};
typedef virDomainMemoryStatStruct *virDomainMemoryStatPtr;

/* Up to @nr_stats memory statistics of a running domain.  Returns the number filled or -1. */
int virDomainMemoryStats(virDomainPtr dom, virDomainMemoryStatPtr stats, unsigned int nr_stats, unsigned int flags);

typedef struct _virDomainBlockStats virDomainBlockStatsStruct;
struct _virDomainBlockStats {
    long long rd_req;           /* -1 when unknown, here and below */
    long long rd_bytes;
    long long wr_req;
    long long wr_bytes;
    long long errs;
};
typedef virDomainBlockStatsStruct *virDomainBlockStatsPtr;

/* I/O counters of disk @disk ("vda" or its path; "" for all disks together). */
int virDomainBlockStats(virDomainPtr dom, const char *disk, virDomainBlockStatsPtr stats, size_t size);

typedef struct _virDomainInterfaceStats virDomainInterfaceStatsStruct;
struct _virDomainInterfaceStats {
    long long rx_bytes;         /* -1 when unknown, here and below */
    long long rx_packets;
    long long rx_errs;
    long long rx_drop;
    long long tx_bytes;
    long long tx_packets;
    long long tx_errs;
    long long tx_drop;
};
typedef virDomainInterfaceStatsStruct *virDomainInterfaceStatsPtr;

/* Traffic counters of interface @device (host device name or MAC address), as the guest
 * sees them. */
int virDomainInterfaceStats(virDomainPtr dom, const char *device, virDomainInterfaceStatsPtr stats, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_DOMAIN_STATS_H */
