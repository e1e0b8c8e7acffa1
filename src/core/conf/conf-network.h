// SPDX-License-Identifier: LGPL-2.1-or-later
// Virtual network definitions in libvirt's network XML format: the forward modes nat, route,
// open, bridge and none (isolated), the bridge, IPv4/IPv6 addresses with DHCP ranges and static
// hosts, DNS hosts and forwarders.  Bringing a network up is modvirt-netd's business.
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "conf/conf-domain.h"
#include "util/util-enum.h"
#include "util/util-uuid.h"

/* libvirt's virNetworkForwardType numbers, in its order (they cross the wire in port XML). */
typedef enum {
    MV_NETWORK_FORWARD_NONE = 0,    /* isolated: no <forward> */
    MV_NETWORK_FORWARD_NAT,
    MV_NETWORK_FORWARD_ROUTE,
    MV_NETWORK_FORWARD_OPEN,
    MV_NETWORK_FORWARD_BRIDGE,
    MV_NETWORK_FORWARD_PRIVATE,
    MV_NETWORK_FORWARD_VEPA,
    MV_NETWORK_FORWARD_PASSTHROUGH,
    MV_NETWORK_FORWARD_HOSTDEV,
    MV_NETWORK_FORWARD_LAST
} MvNetworkForward;

/* An IPv4 or IPv6 address in network byte order. */
typedef struct {
    int family;                   /* AF_INET or AF_INET6 */
    guint8 bytes[16];             /* 4 used for AF_INET */
} MvIpAddr;

typedef struct {
    MvIpAddr start, end;
} MvNetworkRange;

typedef struct {
    char *mac;                    /* IPv4 hosts: the guest's MAC (lower case); NULL for IPv6 */
    char *id;                     /* IPv6 hosts: DUID; may be NULL */
    char *name;                   /* may be NULL */
    MvIpAddr ip;                  /* family 0: no address (name/MAC only) */
} MvNetworkDhcpHost;
void mv_network_dhcp_host_free(MvNetworkDhcpHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvNetworkDhcpHost, mv_network_dhcp_host_free)

typedef struct {
    MvIpAddr address;             /* the host's address on the bridge */
    unsigned prefix;
    bool netmask_form;            /* written as netmask= (IPv4 given that way), else prefix= */
    bool dhcp;                    /* a <dhcp> element was given */
    GArray *ranges;               /* MvNetworkRange */
    GPtrArray *hosts;             /* MvNetworkDhcpHost* */
} MvNetworkIp;
void mv_network_ip_free(MvNetworkIp *ip);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvNetworkIp, mv_network_ip_free)

typedef struct {
    MvIpAddr ip;
    GPtrArray *hostnames;         /* char*, at least one */
} MvNetworkDnsHost;

typedef struct {
    char *addr;                   /* may be NULL when domain is set */
    char *domain;                 /* may be NULL */
} MvNetworkDnsForwarder;

typedef struct {
    char *name;
    guint8 uuid[MV_UUID_BUFLEN];
    MvNetworkForward forward;
    char *forward_dev;            /* <forward dev=>; may be NULL */
    MvIpAddr nat_start, nat_end;  /* <nat><address/>: family 0 when absent */
    unsigned nat_port_start, nat_port_end;  /* 0/0 when absent */
    char *bridge;                 /* NULL until given or filled in */
    MvTristate stp;
    unsigned delay;
    bool has_mac;
    guint8 mac[MV_MAC_BUFLEN];
    unsigned mtu;                 /* 0: absent */
    char *domain;                 /* <domain name=> */
    MvTristate domain_local_only;
    GPtrArray *dns_forwarders;    /* MvNetworkDnsForwarder* */
    GPtrArray *dns_hosts;         /* MvNetworkDnsHost* */
    GPtrArray *ips;               /* MvNetworkIp* */
} MvNetworkDef;

MV_ENUM_DECL(mv_network_forward);

MvNetworkDef *mv_network_def_new(void);
void mv_network_def_free(MvNetworkDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvNetworkDef, mv_network_def_free)

/* Parse network XML.  Strict: unknown elements and attributes, values outside libvirt's sets,
 * addresses that do not parse, DHCP ranges or hosts outside their subnet are errors naming the
 * element and the value.  A missing UUID is generated; nothing else is filled in.
 * Returns a new definition or NULL with @error: MV_FROM_NETWORK, MV_ERR_XML_DETAIL for
 * malformed XML, MV_ERR_XML_ERROR for bad values, MV_ERR_CONFIG_UNSUPPORTED for what libvirt
 * knows and we do not implement (forward modes private/vepa/passthrough/hostdev, portgroups,
 * routes, bandwidth, ...). */
MvNetworkDef *mv_network_def_parse(const char *xml, GError **error);

/* Format as libvirt does.  @connections >= 0 writes the live attribute connections='N' when
 * N > 0.  Returns a g_free()able string, or NULL with @error when @def is inconsistent. */
char *mv_network_def_format(const MvNetworkDef *def, int connections, GError **error);

/* A deep copy (format and parse back).  NULL with @error only on a bug. */
MvNetworkDef *mv_network_def_copy(const MvNetworkDef *def, GError **error);

/* What libvirt fills in when a network is defined: the bridge name (the first "virbrN" for
 * which @bridge_taken answers false; not for forward mode bridge, which must name one),
 * stp on and delay 0, NAT ports 1024-65535, and a MAC (random, 52:54:00) for the bridge.
 * Fails with MV_ERR_XML_ERROR when a forward mode bridge network has no bridge name or has
 * addresses. */
typedef bool (*MvBridgeTakenFn)(const char *name, void *opaque);
bool mv_network_def_fill_defaults(MvNetworkDef *def, MvBridgeTakenFn bridge_taken, void *opaque,
                                  GError **error);

/* True for the forward modes whose bridge, addresses and dnsmasq netd itself runs
 * (none, nat, route, open); false for bridge (an existing host bridge). */
bool mv_network_def_is_managed(const MvNetworkDef *def);

/* The first IPv4 (or IPv6) address element, or NULL.  Borrowed. */
const MvNetworkIp *mv_network_def_ip(const MvNetworkDef *def, int family);

/* Addresses. */
/* Parse @text as @family (0: either).  Returns -EINVAL when malformed. */
int mv_ip_addr_parse(const char *text, int family, MvIpAddr *ret_addr);
/* The canonical text form (inet_ntop), g_free()able. */
char *mv_ip_addr_format(const MvIpAddr *addr);
/* Compare two addresses of one family as unsigned big-endian numbers. */
int mv_ip_addr_compare(const MvIpAddr *a, const MvIpAddr *b);
/* True when @addr lies in @net/@prefix. */
bool mv_ip_addr_in_subnet(const MvIpAddr *addr, const MvIpAddr *net, unsigned prefix);
/* True when the two subnets share an address. */
bool mv_ip_subnets_overlap(const MvIpAddr *a, unsigned a_prefix, const MvIpAddr *b, unsigned b_prefix);
/* The subnet's first address (@addr with the host bits cleared). */
void mv_ip_addr_network(const MvIpAddr *addr, unsigned prefix, MvIpAddr *ret_net);
