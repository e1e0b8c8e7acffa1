/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public API for domains: the object and its lookups, listing, defining,
 * the life cycle, queries and tuning, lifecycle events and the console.  Every number here
 * is libvirt's: flags and states cross the wire and applications compare against them. */
#ifndef MODVIRT_LIBVIRT_DOMAIN_H
#define MODVIRT_LIBVIRT_DOMAIN_H

#include "libvirt-common.h"
#include "libvirt-host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- states and the reasons for them ---- */

typedef enum {
    VIR_DOMAIN_NOSTATE = 0,      /* no state */
    VIR_DOMAIN_RUNNING = 1,      /* running */
    VIR_DOMAIN_BLOCKED = 2,      /* blocked on a resource */
    VIR_DOMAIN_PAUSED = 3,       /* paused by the user */
    VIR_DOMAIN_SHUTDOWN = 4,     /* being shut down */
    VIR_DOMAIN_SHUTOFF = 5,      /* shut off */
    VIR_DOMAIN_CRASHED = 6,      /* crashed */
    VIR_DOMAIN_PMSUSPENDED = 7,  /* suspended by guest power management */
    VIR_DOMAIN_LAST
} virDomainState;

typedef enum {
    VIR_DOMAIN_NOSTATE_UNKNOWN = 0,
    VIR_DOMAIN_NOSTATE_LAST
} virDomainNostateReason;

typedef enum {
    VIR_DOMAIN_RUNNING_UNKNOWN = 0,
    VIR_DOMAIN_RUNNING_BOOTED = 1,
    VIR_DOMAIN_RUNNING_MIGRATED = 2,
    VIR_DOMAIN_RUNNING_RESTORED = 3,
    VIR_DOMAIN_RUNNING_FROM_SNAPSHOT = 4,
    VIR_DOMAIN_RUNNING_UNPAUSED = 5,
    VIR_DOMAIN_RUNNING_MIGRATION_CANCELED = 6,
    VIR_DOMAIN_RUNNING_SAVE_CANCELED = 7,
    VIR_DOMAIN_RUNNING_WAKEUP = 8,
    VIR_DOMAIN_RUNNING_CRASHED = 9,
    VIR_DOMAIN_RUNNING_POSTCOPY = 10,
    VIR_DOMAIN_RUNNING_POSTCOPY_FAILED = 11,
    VIR_DOMAIN_RUNNING_LAST
} virDomainRunningReason;

typedef enum {
    VIR_DOMAIN_BLOCKED_UNKNOWN = 0,
    VIR_DOMAIN_BLOCKED_LAST
} virDomainBlockedReason;

typedef enum {
    VIR_DOMAIN_PAUSED_UNKNOWN = 0,
    VIR_DOMAIN_PAUSED_USER = 1,
    VIR_DOMAIN_PAUSED_MIGRATION = 2,
    VIR_DOMAIN_PAUSED_SAVE = 3,
    VIR_DOMAIN_PAUSED_DUMP = 4,
    VIR_DOMAIN_PAUSED_IOERROR = 5,
    VIR_DOMAIN_PAUSED_WATCHDOG = 6,
    VIR_DOMAIN_PAUSED_FROM_SNAPSHOT = 7,
    VIR_DOMAIN_PAUSED_SHUTTING_DOWN = 8,
    VIR_DOMAIN_PAUSED_SNAPSHOT = 9,
    VIR_DOMAIN_PAUSED_CRASHED = 10,
    VIR_DOMAIN_PAUSED_STARTING_UP = 11,
    VIR_DOMAIN_PAUSED_POSTCOPY = 12,
    VIR_DOMAIN_PAUSED_POSTCOPY_FAILED = 13,
    VIR_DOMAIN_PAUSED_API_ERROR = 14,
    VIR_DOMAIN_PAUSED_LAST
} virDomainPausedReason;

typedef enum {
    VIR_DOMAIN_SHUTDOWN_UNKNOWN = 0,
    VIR_DOMAIN_SHUTDOWN_USER = 1,
    VIR_DOMAIN_SHUTDOWN_LAST
} virDomainShutdownReason;

typedef enum {
    VIR_DOMAIN_SHUTOFF_UNKNOWN = 0,
    VIR_DOMAIN_SHUTOFF_SHUTDOWN = 1,
    VIR_DOMAIN_SHUTOFF_DESTROYED = 2,
    VIR_DOMAIN_SHUTOFF_CRASHED = 3,
    VIR_DOMAIN_SHUTOFF_MIGRATED = 4,
    VIR_DOMAIN_SHUTOFF_SAVED = 5,
    VIR_DOMAIN_SHUTOFF_FAILED = 6,
    VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT = 7,
    VIR_DOMAIN_SHUTOFF_DAEMON = 8,
    VIR_DOMAIN_SHUTOFF_LAST
} virDomainShutoffReason;

typedef enum {
    VIR_DOMAIN_CRASHED_UNKNOWN = 0,
    VIR_DOMAIN_CRASHED_PANICKED = 1,
    VIR_DOMAIN_CRASHED_LAST
} virDomainCrashedReason;

typedef enum {
    VIR_DOMAIN_PMSUSPENDED_UNKNOWN = 0,
    VIR_DOMAIN_PMSUSPENDED_LAST
} virDomainPMSuspendedReason;

typedef enum {
    VIR_DOMAIN_PMSUSPENDED_DISK_UNKNOWN = 0,
    VIR_DOMAIN_PMSUSPENDED_DISK_LAST
} virDomainPMSuspendedDiskReason;

/* State of the daemon's control channel to a domain (virDomainGetControlInfo). */
typedef enum {
    VIR_DOMAIN_CONTROL_OK = 0,        /* ready to accept commands */
    VIR_DOMAIN_CONTROL_JOB = 1,       /* a background job is running */
    VIR_DOMAIN_CONTROL_OCCUPIED = 2,  /* busy with a command */
    VIR_DOMAIN_CONTROL_ERROR = 3,     /* unusable; details say why */
    VIR_DOMAIN_CONTROL_LAST
} virDomainControlState;

typedef enum {
    VIR_DOMAIN_CONTROL_ERROR_REASON_NONE = 0,
    VIR_DOMAIN_CONTROL_ERROR_REASON_UNKNOWN = 1,
    VIR_DOMAIN_CONTROL_ERROR_REASON_MONITOR = 2,
    VIR_DOMAIN_CONTROL_ERROR_REASON_INTERNAL = 3,
    VIR_DOMAIN_CONTROL_ERROR_REASON_LAST
} virDomainControlErrorReason;

typedef struct _virDomainControlInfo virDomainControlInfo;
struct _virDomainControlInfo {
    unsigned int state;            /* virDomainControlState */
    unsigned int details;          /* virDomainControlErrorReason when state is ERROR */
    unsigned long long stateTime;  /* milliseconds in the current state */
};
typedef virDomainControlInfo *virDomainControlInfoPtr;

/* What virDomainGetInfo fills. */
typedef struct _virDomainInfo virDomainInfo;
struct _virDomainInfo {
    unsigned char state;         /* virDomainState */
    unsigned long maxMem;        /* maximum memory in KiB */
    unsigned long memory;        /* memory in use, KiB */
    unsigned short nrVirtCpu;    /* virtual CPUs */
    unsigned long long cpuTime;  /* CPU time used, nanoseconds */
};
typedef virDomainInfo *virDomainInfoPtr;

/* ---- flags ---- */

/* Which definition a change or a query applies to. */
typedef enum {
    VIR_DOMAIN_AFFECT_CURRENT = 0,       /* live if running, else the persistent config */
    VIR_DOMAIN_AFFECT_LIVE = 1 << 0,     /* the running domain */
    VIR_DOMAIN_AFFECT_CONFIG = 1 << 1,   /* the persistent config */
} virDomainModificationImpact;

typedef enum {
    VIR_DOMAIN_NONE = 0,
    VIR_DOMAIN_START_PAUSED = 1 << 0,
    VIR_DOMAIN_START_AUTODESTROY = 1 << 1,
    VIR_DOMAIN_START_BYPASS_CACHE = 1 << 2,
    VIR_DOMAIN_START_FORCE_BOOT = 1 << 3,
    VIR_DOMAIN_START_VALIDATE = 1 << 4,
    VIR_DOMAIN_START_RESET_NVRAM = 1 << 5,
} virDomainCreateFlags;

typedef enum {
    VIR_DOMAIN_DEFINE_VALIDATE = 1 << 0,
} virDomainDefineFlags;

typedef enum {
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = 1 << 0,
    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 1 << 1,
    VIR_DOMAIN_UNDEFINE_NVRAM = 1 << 2,
    VIR_DOMAIN_UNDEFINE_KEEP_NVRAM = 1 << 3,
    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 1 << 4,
    VIR_DOMAIN_UNDEFINE_TPM = 1 << 5,
    VIR_DOMAIN_UNDEFINE_KEEP_TPM = 1 << 6,
} virDomainUndefineFlagsValues;

typedef enum {
    VIR_DOMAIN_XML_SECURE = 1 << 0,      /* include passwords and other secrets */
    VIR_DOMAIN_XML_INACTIVE = 1 << 1,    /* the persistent config, not the live one */
    VIR_DOMAIN_XML_UPDATE_CPU = 1 << 2,  /* update the guest CPU from the host's */
    VIR_DOMAIN_XML_MIGRATABLE = 1 << 3,  /* XML fit for migration */
} virDomainXMLFlags;

typedef enum {
    VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0,
    VIR_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1,
    VIR_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2,
    VIR_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3,
    VIR_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4,
    VIR_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5,
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6,
    VIR_CONNECT_LIST_DOMAINS_OTHER = 1 << 7,
    VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8,
    VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9,
    VIR_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10,
    VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11,
    VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12,
    VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13,
    VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14,
    VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15,
} virConnectListAllDomainsFlags;

typedef enum {
    VIR_DOMAIN_DESTROY_DEFAULT = 0,
    VIR_DOMAIN_DESTROY_GRACEFUL = 1 << 0,     /* SIGTERM only, no SIGKILL */
    VIR_DOMAIN_DESTROY_REMOVE_LOGS = 1 << 1,  /* also remove the domain's log files */
} virDomainDestroyFlagsValues;

typedef enum {
    VIR_DOMAIN_SHUTDOWN_DEFAULT = 0,
    VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1 << 0,
    VIR_DOMAIN_SHUTDOWN_GUEST_AGENT = 1 << 1,
    VIR_DOMAIN_SHUTDOWN_INITCTL = 1 << 2,
    VIR_DOMAIN_SHUTDOWN_SIGNAL = 1 << 3,
    VIR_DOMAIN_SHUTDOWN_PARAVIRT = 1 << 4,
} virDomainShutdownFlagValues;

typedef enum {
    VIR_DOMAIN_REBOOT_DEFAULT = 0,
    VIR_DOMAIN_REBOOT_ACPI_POWER_BTN = 1 << 0,
    VIR_DOMAIN_REBOOT_GUEST_AGENT = 1 << 1,
    VIR_DOMAIN_REBOOT_INITCTL = 1 << 2,
    VIR_DOMAIN_REBOOT_SIGNAL = 1 << 3,
    VIR_DOMAIN_REBOOT_PARAVIRT = 1 << 4,
} virDomainRebootFlagValues;

typedef enum {
    VIR_DOMAIN_VCPU_CURRENT = VIR_DOMAIN_AFFECT_CURRENT,
    VIR_DOMAIN_VCPU_LIVE = VIR_DOMAIN_AFFECT_LIVE,
    VIR_DOMAIN_VCPU_CONFIG = VIR_DOMAIN_AFFECT_CONFIG,
    VIR_DOMAIN_VCPU_MAXIMUM = 1 << 2,       /* the maximum rather than the current count */
    VIR_DOMAIN_VCPU_GUEST = 1 << 3,         /* ask the guest agent */
    VIR_DOMAIN_VCPU_HOTPLUGGABLE = 1 << 4,  /* make added vCPUs hot-unpluggable */
} virDomainVcpuFlags;

typedef enum {
    VIR_DOMAIN_MEM_CURRENT = VIR_DOMAIN_AFFECT_CURRENT,
    VIR_DOMAIN_MEM_LIVE = VIR_DOMAIN_AFFECT_LIVE,
    VIR_DOMAIN_MEM_CONFIG = VIR_DOMAIN_AFFECT_CONFIG,
    VIR_DOMAIN_MEM_MAXIMUM = 1 << 2,  /* the maximum rather than the current size */
} virDomainMemoryModFlags;

typedef enum {
    VIR_DOMAIN_MESSAGE_DEPRECATION = 1 << 0,
    VIR_DOMAIN_MESSAGE_TAINTING = 1 << 1,
} virDomainMessageType;

typedef enum {
    VIR_DOMAIN_CONSOLE_FORCE = 1 << 0,  /* take the console from another session */
    VIR_DOMAIN_CONSOLE_SAFE = 1 << 1,   /* only if the driver can arbitrate sessions */
} virDomainConsoleFlags;

/* ---- the domain object ---- */

/* Domain objects are reference counted and hold a reference on their connection; name,
 * UUID and ID are kept in the object, so the calls answering them need no daemon. */

/* Drop one reference; the last one frees @domain.  Returns 0, or -1 on a bad pointer. */
int virDomainFree(virDomainPtr domain);
/* Take one more reference.  Returns 0, or -1 on a bad pointer. */
int virDomainRef(virDomainPtr domain);
/* The connection @domain belongs to (no reference taken), NULL on a bad pointer. */
virConnectPtr virDomainGetConnect(virDomainPtr domain);
/* The name, owned by @domain; NULL on a bad pointer. */
const char *virDomainGetName(virDomainPtr domain);
/* The ID of a running domain, (unsigned int)-1 when it is not running or on error.  The
 * ID is the one seen when @domain was obtained (or started through it). */
unsigned int virDomainGetID(virDomainPtr domain);
/* The raw UUID into @uuid (VIR_UUID_BUFLEN bytes).  Returns 0 or -1. */
int virDomainGetUUID(virDomainPtr domain, unsigned char *uuid);
/* The UUID as text into @buf (VIR_UUID_STRING_BUFLEN bytes).  Returns 0 or -1. */
int virDomainGetUUIDString(virDomainPtr domain, char *buf);

/* ---- finding and listing domains ---- */

/* Each lookup returns a new domain object (virDomainFree it) or NULL with an error,
 * VIR_ERR_NO_DOMAIN when there is no such domain. */
virDomainPtr virDomainLookupByName(virConnectPtr conn, const char *name);
virDomainPtr virDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid);
virDomainPtr virDomainLookupByUUIDString(virConnectPtr conn, const char *uuid);
virDomainPtr virDomainLookupByID(virConnectPtr conn, int id);

/* Domains matching @flags (virConnectListAllDomainsFlags; 0 = all).  With @domains,
 * *domains is a NULL-terminated array of new objects: virDomainFree each, free() the
 * array.  Returns the number of domains, or -1. */
int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags);
/* Number of running domains, or -1. */
int virConnectNumOfDomains(virConnectPtr conn);
/* IDs of up to @maxids running domains into @ids.  Returns how many, or -1. */
int virConnectListDomains(virConnectPtr conn, int *ids, int maxids);
/* Number of defined but inactive domains, or -1. */
int virConnectNumOfDefinedDomains(virConnectPtr conn);
/* Names of up to @maxnames inactive domains into @names (free() each).  Returns how many,
 * or -1. */
int virConnectListDefinedDomains(virConnectPtr conn, char **const names, int maxnames);

/* ---- defining ---- */

/* Define (or redefine) a persistent domain from @xml.  Returns the domain or NULL. */
virDomainPtr virDomainDefineXML(virConnectPtr conn, const char *xml);
/* As virDomainDefineXML with virDomainDefineFlags. */
virDomainPtr virDomainDefineXMLFlags(virConnectPtr conn, const char *xml, unsigned int flags);
/* Remove the persistent config; a running domain becomes transient.  Returns 0 or -1. */
int virDomainUndefine(virDomainPtr domain);
/* As virDomainUndefine with virDomainUndefineFlagsValues. */
int virDomainUndefineFlags(virDomainPtr domain, unsigned int flags);

/* ---- life cycle; each returns 0 or -1 unless said otherwise ---- */

/* Start a defined domain; afterwards virDomainGetID(@domain) answers the new ID. */
int virDomainCreate(virDomainPtr domain);
/* As virDomainCreate with virDomainCreateFlags. */
int virDomainCreateWithFlags(virDomainPtr domain, unsigned int flags);
/* Start a transient domain from @xml (virDomainCreateFlags).  Returns it, or NULL. */
virDomainPtr virDomainCreateXML(virConnectPtr conn, const char *xml, unsigned int flags);
/* Stop the domain at once (its ID becomes -1). */
int virDomainDestroy(virDomainPtr domain);
/* As virDomainDestroy with virDomainDestroyFlagsValues. */
int virDomainDestroyFlags(virDomainPtr domain, unsigned int flags);
/* Ask the guest to shut down; returns once asked, not once done. */
int virDomainShutdown(virDomainPtr domain);
/* As virDomainShutdown, choosing the method with virDomainShutdownFlagValues. */
int virDomainShutdownFlags(virDomainPtr domain, unsigned int flags);
/* Ask the guest to reboot (virDomainRebootFlagValues). */
int virDomainReboot(virDomainPtr domain, unsigned int flags);
/* Reset the virtual hardware at once, as a reset button does.  @flags must be 0. */
int virDomainReset(virDomainPtr domain, unsigned int flags);
/* Pause all vCPUs. */
int virDomainSuspend(virDomainPtr domain);
/* Resume a paused domain. */
int virDomainResume(virDomainPtr domain);

/* ---- queries ---- */

/* State, memory, vCPUs and CPU time into *info. */
int virDomainGetInfo(virDomainPtr domain, virDomainInfoPtr info);
/* State (virDomainState) into *state and, when @reason is not NULL, its reason (one of
 * the vir*Reason enums for that state) into *reason.  @flags must be 0. */
int virDomainGetState(virDomainPtr domain, int *state, int *reason, unsigned int flags);
/* State of the daemon's control channel into *info.  @flags must be 0. */
int virDomainGetControlInfo(virDomainPtr domain, virDomainControlInfoPtr info, unsigned int flags);
/* The domain XML (virDomainXMLFlags); free() it.  NULL on error. */
char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags);

/* Domain XML from a hypervisor's native configuration ("xen-xl", "bhyve-argv") and back. */
char *virConnectDomainXMLFromNative(virConnectPtr conn, const char *nativeFormat,
                                    const char *nativeConfig, unsigned int flags);
char *virConnectDomainXMLToNative(virConnectPtr conn, const char *nativeFormat,
                                  const char *domainXml, unsigned int flags);
/* The OS type ("hvm", ...); free() it.  NULL on error. */
char *virDomainGetOSType(virDomainPtr domain);
/* 1 if running, 0 if not, -1 on error. */
int virDomainIsActive(virDomainPtr domain);
/* 1 if it has a persistent config, 0 if transient, -1 on error. */
int virDomainIsPersistent(virDomainPtr domain);
/* 1 if the running domain differs from its persistent config, 0 if not, -1 on error. */
int virDomainIsUpdated(virDomainPtr domain);
/* Whether the domain starts with the daemon, into *autostart (0/1). */
int virDomainGetAutostart(virDomainPtr domain, int *autostart);
/* Make the domain start (1) or not (0) with the daemon. */
int virDomainSetAutostart(virDomainPtr domain, int autostart);
/* Maximum memory in KiB, 0 on error. */
unsigned long virDomainGetMaxMemory(virDomainPtr domain);
/* Maximum vCPUs of a running domain (or the config's maximum), -1 on error. */
int virDomainGetMaxVcpus(virDomainPtr domain);
/* 1 if a managed save image exists, 0 if not, -1 on error.  @flags must be 0. */
int virDomainHasManagedSaveImage(virDomainPtr domain, unsigned int flags);
/* The security label of a running domain into *seclabel. */
int virDomainGetSecurityLabel(virDomainPtr domain, virSecurityLabelPtr seclabel);
/* Messages the daemon keeps about the domain (virDomainMessageType selects which, 0 =
 * all): *msgs becomes a NULL-terminated array (free() each and the array).  Returns the
 * count, or -1. */
int virDomainGetMessages(virDomainPtr domain, char ***msgs, unsigned int flags);

/* ---- tuning ---- */

/* Memory of the running domain, in KiB. */
int virDomainSetMemory(virDomainPtr domain, unsigned long memory);
/* Maximum memory, in KiB. */
int virDomainSetMaxMemory(virDomainPtr domain, unsigned long memory);
/* Memory in KiB of the definitions @flags (virDomainMemoryModFlags) chooses. */
int virDomainSetMemoryFlags(virDomainPtr domain, unsigned long memory, unsigned int flags);
/* Number of vCPUs of the running domain. */
int virDomainSetVcpus(virDomainPtr domain, unsigned int nvcpus);
/* Number of vCPUs of the definitions @flags (virDomainVcpuFlags) chooses. */
int virDomainSetVcpusFlags(virDomainPtr domain, unsigned int nvcpus, unsigned int flags);
/* Number of vCPUs (or the maximum with VIR_DOMAIN_VCPU_MAXIMUM), -1 on error. */
int virDomainGetVcpusFlags(virDomainPtr domain, unsigned int flags);

/* ---- console ---- */

/* Attach the stream @st (from virStreamNew on the same connection) to the console
 * @dev_name (NULL: the first console) with virDomainConsoleFlags. */
int virDomainOpenConsole(virDomainPtr dom, const char *dev_name, virStreamPtr st,
                         unsigned int flags);

/* ---- events ---- */

/* Event kinds for virConnectDomainEventRegisterAny; each has its own callback type,
 * cast to virConnectDomainEventGenericCallback with VIR_DOMAIN_EVENT_CALLBACK. */
typedef enum {
    VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0,       /* virConnectDomainEventCallback */
    VIR_DOMAIN_EVENT_ID_REBOOT = 1,          /* virConnectDomainEventGenericCallback */
    VIR_DOMAIN_EVENT_ID_RTC_CHANGE = 2,
    VIR_DOMAIN_EVENT_ID_WATCHDOG = 3,
    VIR_DOMAIN_EVENT_ID_IO_ERROR = 4,
    VIR_DOMAIN_EVENT_ID_GRAPHICS = 5,
    VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON = 6,
    VIR_DOMAIN_EVENT_ID_CONTROL_ERROR = 7,
    VIR_DOMAIN_EVENT_ID_BLOCK_JOB = 8,
    VIR_DOMAIN_EVENT_ID_DISK_CHANGE = 9,
    VIR_DOMAIN_EVENT_ID_TRAY_CHANGE = 10,
    VIR_DOMAIN_EVENT_ID_PMWAKEUP = 11,
    VIR_DOMAIN_EVENT_ID_PMSUSPEND = 12,
    VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE = 13,
    VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK = 14,
    VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED = 15,
    VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2 = 16,
    VIR_DOMAIN_EVENT_ID_TUNABLE = 17,
    VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE = 18,
    VIR_DOMAIN_EVENT_ID_DEVICE_ADDED = 19,
    VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION = 20,
    VIR_DOMAIN_EVENT_ID_JOB_COMPLETED = 21,
    VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED = 22,
    VIR_DOMAIN_EVENT_ID_METADATA_CHANGE = 23,
    VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD = 24,
    VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE = 25,
    VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE = 26,
    VIR_DOMAIN_EVENT_ID_LAST
} virDomainEventID;

/* The @event of a lifecycle event; each has a detail enum below. */
typedef enum {
    VIR_DOMAIN_EVENT_DEFINED = 0,
    VIR_DOMAIN_EVENT_UNDEFINED = 1,
    VIR_DOMAIN_EVENT_STARTED = 2,
    VIR_DOMAIN_EVENT_SUSPENDED = 3,
    VIR_DOMAIN_EVENT_RESUMED = 4,
    VIR_DOMAIN_EVENT_STOPPED = 5,
    VIR_DOMAIN_EVENT_SHUTDOWN = 6,
    VIR_DOMAIN_EVENT_PMSUSPENDED = 7,
    VIR_DOMAIN_EVENT_CRASHED = 8,
    VIR_DOMAIN_EVENT_LAST
} virDomainEventType;

typedef enum {
    VIR_DOMAIN_EVENT_DEFINED_ADDED = 0,
    VIR_DOMAIN_EVENT_DEFINED_UPDATED = 1,
    VIR_DOMAIN_EVENT_DEFINED_RENAMED = 2,
    VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT = 3,
    VIR_DOMAIN_EVENT_DEFINED_LAST
} virDomainEventDefinedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_UNDEFINED_REMOVED = 0,
    VIR_DOMAIN_EVENT_UNDEFINED_RENAMED = 1,
    VIR_DOMAIN_EVENT_UNDEFINED_LAST
} virDomainEventUndefinedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_STARTED_BOOTED = 0,
    VIR_DOMAIN_EVENT_STARTED_MIGRATED = 1,
    VIR_DOMAIN_EVENT_STARTED_RESTORED = 2,
    VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT = 3,
    VIR_DOMAIN_EVENT_STARTED_WAKEUP = 4,
    VIR_DOMAIN_EVENT_STARTED_LAST
} virDomainEventStartedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_SUSPENDED_PAUSED = 0,
    VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED = 1,
    VIR_DOMAIN_EVENT_SUSPENDED_IOERROR = 2,
    VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG = 3,
    VIR_DOMAIN_EVENT_SUSPENDED_RESTORED = 4,
    VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT = 5,
    VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR = 6,
    VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY = 7,
    VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED = 8,
    VIR_DOMAIN_EVENT_SUSPENDED_LAST
} virDomainEventSuspendedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_RESUMED_UNPAUSED = 0,
    VIR_DOMAIN_EVENT_RESUMED_MIGRATED = 1,
    VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT = 2,
    VIR_DOMAIN_EVENT_RESUMED_POSTCOPY = 3,
    VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED = 4,
    VIR_DOMAIN_EVENT_RESUMED_LAST
} virDomainEventResumedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN = 0,
    VIR_DOMAIN_EVENT_STOPPED_DESTROYED = 1,
    VIR_DOMAIN_EVENT_STOPPED_CRASHED = 2,
    VIR_DOMAIN_EVENT_STOPPED_MIGRATED = 3,
    VIR_DOMAIN_EVENT_STOPPED_SAVED = 4,
    VIR_DOMAIN_EVENT_STOPPED_FAILED = 5,
    VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT = 6,
    VIR_DOMAIN_EVENT_STOPPED_LAST
} virDomainEventStoppedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED = 0,
    VIR_DOMAIN_EVENT_SHUTDOWN_GUEST = 1,
    VIR_DOMAIN_EVENT_SHUTDOWN_HOST = 2,
    VIR_DOMAIN_EVENT_SHUTDOWN_LAST
} virDomainEventShutdownDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY = 0,
    VIR_DOMAIN_EVENT_PMSUSPENDED_DISK = 1,
    VIR_DOMAIN_EVENT_PMSUSPENDED_LAST
} virDomainEventPMSuspendedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_CRASHED_PANICKED = 0,
    VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED = 1,
    VIR_DOMAIN_EVENT_CRASHED_LAST
} virDomainEventCrashedDetailType;

/* Callback of events that carry nothing but the domain (REBOOT, CONTROL_ERROR); also the
 * type every callback is passed as.  @dom is valid for the call only (virDomainRef it
 * to keep it). */
typedef void (*virConnectDomainEventGenericCallback)(virConnectPtr conn, virDomainPtr dom,
                                                     void *opaque);
/* Callback of VIR_DOMAIN_EVENT_ID_LIFECYCLE: @event is a virDomainEventType, @detail one
 * of its detail values.  The return value is ignored. */
typedef int (*virConnectDomainEventCallback)(virConnectPtr conn, virDomainPtr dom, int event,
                                             int detail, void *opaque);

/* Pass a specific callback where a generic one is expected.  The detour through
 * void (*)(void) keeps compilers' function-cast warnings quiet; the value is the same. */
#define VIR_DOMAIN_EVENT_CALLBACK(cb) ((virConnectDomainEventGenericCallback)(void (*)(void))(cb))

/* Call @cb for events @eventID of @dom (NULL: every domain) on @conn.  An event loop must
 * have been registered (virEventRegisterDefaultImpl) and must run for callbacks to be
 * called; they run in the thread running the loop.  The callback holds a reference on
 * @conn until it is deregistered; @freecb (may be NULL) releases @opaque then.
 * libmodvirt delivers VIR_DOMAIN_EVENT_ID_LIFECYCLE and VIR_DOMAIN_EVENT_ID_REBOOT; other
 * IDs fail with VIR_ERR_NO_SUPPORT.  Returns a callback ID for the deregistration, or -1. */
int virConnectDomainEventRegisterAny(virConnectPtr conn, virDomainPtr dom, int eventID,
                                     virConnectDomainEventGenericCallback cb, void *opaque,
                                     virFreeCallback freecb);
/* Remove the callback @callbackID.  Returns 0 or -1. */
int virConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID);

/* The older form: lifecycle events of every domain to @cb.  Returns 0 or -1. */
int virConnectDomainEventRegister(virConnectPtr conn, virConnectDomainEventCallback cb,
                                  void *opaque, virFreeCallback freecb);
/* Remove the callback registered with virConnectDomainEventRegister.  Returns 0 or -1. */
int virConnectDomainEventDeregister(virConnectPtr conn, virConnectDomainEventCallback cb);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_DOMAIN_H */
