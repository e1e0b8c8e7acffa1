/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public API for connections and the host they reach: opening and closing,
 * versions, hostname, capabilities and node information.  Domains live elsewhere. */
#ifndef MODVIRT_LIBVIRT_HOST_H
#define MODVIRT_LIBVIRT_HOST_H

#include "libvirt-common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags of virConnectOpenAuth. */
typedef enum {
    VIR_CONNECT_RO = (1 << 0),          /* read-only connection */
    VIR_CONNECT_NO_ALIASES = (1 << 1),  /* do not resolve URI aliases (there are none yet) */
} virConnectFlags;

/* Host information, as virNodeGetInfo fills it. */
typedef struct _virNodeInfo virNodeInfo;
struct _virNodeInfo {
    char model[32];          /* CPU model (architecture name) */
    unsigned long memory;    /* memory size in KiB */
    unsigned int cpus;       /* number of active CPUs */
    unsigned int mhz;        /* expected CPU frequency, 0 if unknown */
    unsigned int nodes;      /* NUMA cells, 1 for uniform memory access */
    unsigned int sockets;    /* CPU sockets per node */
    unsigned int cores;      /* cores per socket */
    unsigned int threads;    /* threads per core */
};
typedef virNodeInfo *virNodeInfoPtr;

/* Upper bound on the CPUs a virNodeInfo describes. */
#define VIR_NODEINFO_MAXCPUS(nodeinfo) \
    ((nodeinfo).nodes * (nodeinfo).sockets * (nodeinfo).cores * (nodeinfo).threads)

/* Security model of the host, as virNodeGetSecurityModel fills it. */
#define VIR_SECURITY_MODEL_BUFLEN (256 + 1)
#define VIR_SECURITY_DOI_BUFLEN (256 + 1)

typedef struct _virSecurityModel virSecurityModel;
struct _virSecurityModel {
    char model[VIR_SECURITY_MODEL_BUFLEN];  /* security model string, "" for none */
    char doi[VIR_SECURITY_DOI_BUFLEN];      /* domain of interpretation */
};
typedef virSecurityModel *virSecurityModelPtr;

/* A domain's security label, as virDomainGetSecurityLabel fills it. */
#define VIR_SECURITY_LABEL_BUFLEN (4096 + 1)

typedef struct _virSecurityLabel virSecurityLabel;
struct _virSecurityLabel {
    char label[VIR_SECURITY_LABEL_BUFLEN];  /* security label string, "" for none */
    int enforcing;                          /* 1 if the label is enforced, 0 if permissive */
};
typedef virSecurityLabel *virSecurityLabelPtr;

/* Raw UUIDs are 16 bytes; their text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" needs 37. */
#define VIR_UUID_BUFLEN 16
#define VIR_UUID_STRING_BUFLEN (36 + 1)

/* Credentials an authentication callback may be asked for. */
typedef enum {
    VIR_CRED_USERNAME = 1,
    VIR_CRED_AUTHNAME = 2,
    VIR_CRED_LANGUAGE = 3,
    VIR_CRED_CNONCE = 4,
    VIR_CRED_PASSPHRASE = 5,
    VIR_CRED_ECHOPROMPT = 6,
    VIR_CRED_NOECHOPROMPT = 7,
    VIR_CRED_REALM = 8,
    VIR_CRED_EXTERNAL = 9,
} virConnectCredentialType;

typedef struct _virConnectCredential virConnectCredential;
struct _virConnectCredential {
    int type;                /* one of virConnectCredentialType */
    const char *prompt;
    const char *challenge;
    const char *defresult;
    char *result;            /* filled by the callback, malloc'd */
    unsigned int resultlen;
};
typedef virConnectCredential *virConnectCredentialPtr;

typedef int (*virConnectAuthCallbackPtr)(virConnectCredentialPtr cred, unsigned int ncred,
                                         void *cbdata);

typedef struct _virConnectAuth virConnectAuth;
struct _virConnectAuth {
    int *credtype;                  /* credential types the callback supports */
    unsigned int ncredtype;
    virConnectAuthCallbackPtr cb;
    void *cbdata;
};
typedef virConnectAuth *virConnectAuthPtr;

/* A default authentication callback description (libmodvirt asks for no credentials yet). */
extern virConnectAuthPtr virConnectAuthPtrDefault;

/* Initialise the library.  Optional: every entry point initialises on demand.
 * Returns 0. */
int virInitialize(void);

/* The client library version in *libVer; with @type (any driver name) also *typeVer,
 * which is the same number.  Returns 0, or -1 on a NULL @libVer. */
int virGetVersion(unsigned long *libVer, const char *type, unsigned long *typeVer);

/* Open a connection to @name (a URI such as "qemu:///system"; NULL or "" picks the
 * default: $MODVIRT_DEFAULT_URI, $LIBVIRT_DEFAULT_URI, else the first daemon found).
 * Returns a new connection (release it with virConnectClose) or NULL with an error. */
virConnectPtr virConnectOpen(const char *name);
/* As virConnectOpen, through the read-only socket: only read-only calls are allowed. */
virConnectPtr virConnectOpenReadOnly(const char *name);
/* As virConnectOpen with virConnectFlags; @auth is accepted but not used yet (only
 * servers that need no authentication, or polkit, are supported). */
virConnectPtr virConnectOpenAuth(const char *name, virConnectAuthPtr auth, unsigned int flags);

/* Take one more reference on @conn.  Returns 0, or -1 on an invalid connection. */
int virConnectRef(virConnectPtr conn);
/* Drop one reference; the last one closes the connection.  Returns the references left
 * (0 when closed), or -1 on an invalid connection. */
int virConnectClose(virConnectPtr conn);

/* Name of the driver ("QEMU", "LXC", ...), owned by @conn; NULL on error. */
const char *virConnectGetType(virConnectPtr conn);
/* Hypervisor version in *hvVer (major * 1,000,000 + minor * 1,000 + micro).
 * Returns 0 or -1. */
int virConnectGetVersion(virConnectPtr conn, unsigned long *hvVer);
/* Version of the library the daemon runs, in *libVer.  Returns 0 or -1. */
int virConnectGetLibVersion(virConnectPtr conn, unsigned long *libVer);
/* Hostname of the host the daemon runs on; free() it.  NULL on error. */
char *virConnectGetHostname(virConnectPtr conn);
/* The URI of @conn, as opened or as the daemon named it when probed; free() it. */
char *virConnectGetURI(virConnectPtr conn);
/* Capabilities XML of the driver; free() it.  NULL on error. */
char *virConnectGetCapabilities(virConnectPtr conn);
/* Most vCPUs a guest of @type ("kvm", "qemu", or NULL) may have; -1 on error. */
int virConnectGetMaxVcpus(virConnectPtr conn, const char *type);
/* 1 if the channel to the daemon cannot be eavesdropped (unix socket), 0 if it can,
 * -1 on error. */
int virConnectIsSecure(virConnectPtr conn);
/* 1 if the channel is encrypted (TLS), 0 if not, -1 on error. */
int virConnectIsEncrypted(virConnectPtr conn);
/* 1 if the connection is still usable, 0 if the daemon went away, -1 on error. */
int virConnectIsAlive(virConnectPtr conn);

/* Host information into *info.  Returns 0 or -1. */
int virNodeGetInfo(virConnectPtr conn, virNodeInfoPtr info);
/* Free memory of the host in bytes; 0 on error. */
unsigned long long virNodeGetFreeMemory(virConnectPtr conn);
/* Free memory in bytes of NUMA cells @startCell.. into freeMems[0..maxCells).
 * Returns the number of cells filled, or -1. */
int virNodeGetCellsFreeMemory(virConnectPtr conn, unsigned long long *freeMems,
                              int startCell, int maxCells);
/* Host CPU map: returns the number of CPUs; with @cpumap, *cpumap is a bitmap of the
 * online CPUs (free() it); with @online, *online is their count.  -1 on error. */
int virNodeGetCPUMap(virConnectPtr conn, unsigned char **cpumap, unsigned int *online,
                     unsigned int flags);
/* Security model of the host into *secmodel.  Returns 0 or -1. */
int virNodeGetSecurityModel(virConnectPtr conn, virSecurityModelPtr secmodel);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_HOST_H */
