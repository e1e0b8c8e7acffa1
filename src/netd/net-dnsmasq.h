// SPDX-License-Identifier: LGPL-2.1-or-later
// dnsmasq for one network: config, start, stop, host file reloads, leases.
#pragma once

#include <sys/types.h>

#include "conf/conf-network.h"

typedef struct {
    char *conf;        /* <status_dir>/<net>.conf */
    char *pid;         /* <status_dir>/<net>.pid, written by dnsmasq */
    char *hosts;       /* <status_dir>/<net>.hostsfile: static DHCP hosts */
    char *addn_hosts;  /* <status_dir>/<net>.addnhosts: DNS hosts */
    char *leases;      /* <lib_dir>/<net>.leases, kept by dnsmasq */
} NetDnsmasqPaths;

NetDnsmasqPaths *net_dnsmasq_paths(const char *status_dir, const char *lib_dir, const char *name);
void net_dnsmasq_paths_free(NetDnsmasqPaths *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NetDnsmasqPaths, net_dnsmasq_paths_free)

/* Does @def need a dnsmasq (a managed network with an address)? */
bool net_dnsmasq_needed(const MvNetworkDef *def);
/* The config file text; dnsmasq drops to @user. */
char *net_dnsmasq_config(const MvNetworkDef *def, const NetDnsmasqPaths *paths, const char *user);
/* The dhcp-hostsfile text (one static host a line). */
char *net_dnsmasq_hosts_text(const MvNetworkDef *def);
/* Write config, host and DNS host files. */
bool net_dnsmasq_write_files(const MvNetworkDef *def, const NetDnsmasqPaths *paths, const char *user,
                             GError **error);
/* Start dnsmasq on the written config; it daemonizes.  Returns its pid or -1 with @error
 * holding dnsmasq's own message. */
pid_t net_dnsmasq_start(const char *binary, const NetDnsmasqPaths *paths, const char *net, GError **error);
/* The running dnsmasq of these files (pid file + command line check), or 0. */
pid_t net_dnsmasq_find(const NetDnsmasqPaths *paths);
/* Stop it (SIGTERM, then SIGKILL) and remove its files, not the lease file. */
void net_dnsmasq_stop(const NetDnsmasqPaths *paths);
/* Rewrite the DHCP host file and make dnsmasq read it (SIGHUP). */
bool net_dnsmasq_reload_hosts(const MvNetworkDef *def, const NetDnsmasqPaths *paths, GError **error);

typedef struct {
    gint64 expiry;     /* seconds since the epoch; 0: never */
    bool ipv6;
    char *mac;         /* IPv4 */
    char *iaid;        /* IPv6 */
    char *ip;
    char *hostname;
    char *clientid;
} NetDhcpLease;
void net_dhcp_lease_free(NetDhcpLease *l);

/* The unexpired leases in the lease file (NetDhcpLease*); empty when there is none. */
GPtrArray *net_dnsmasq_leases(const NetDnsmasqPaths *paths);
