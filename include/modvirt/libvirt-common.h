/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmodvirt's public API, common part: the library version it presents (libvirt 9.0.0,
 * the API level it implements) and the opaque object types every other header uses. */
#ifndef MODVIRT_LIBVIRT_COMMON_H
#define MODVIRT_LIBVIRT_COMMON_H

#ifdef __cplusplus
extern "C" {
#endif

/* The libvirt API version this header describes: major * 1,000,000 + minor * 1,000 + micro. */
#define LIBVIR_VERSION_NUMBER 9000000

/* True when the API described here is at least major.minor.micro. */
#define LIBVIR_CHECK_VERSION(major, minor, micro) \
    ((major) * 1000000 + (minor) * 1000 + (micro) <= LIBVIR_VERSION_NUMBER)

/* A connection to a hypervisor or other driver daemon; reference counted, thread safe. */
typedef struct _virConnect virConnect;
typedef virConnect *virConnectPtr;

/* Objects later headers deal in; only pointers to them cross the API. */
typedef struct _virDomain virDomain;
typedef virDomain *virDomainPtr;
typedef struct _virNetwork virNetwork;
typedef virNetwork *virNetworkPtr;
typedef struct _virStream virStream;
typedef virStream *virStreamPtr;

/* Releases the opaque data of a callback when the library no longer needs it. */
typedef void (*virFreeCallback)(void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* MODVIRT_LIBVIRT_COMMON_H */
