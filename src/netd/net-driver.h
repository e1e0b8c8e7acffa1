// SPDX-License-Identifier: LGPL-2.1-or-later
// The network driver's state and the entry points its files share.  A network is an
// MvDomainObj of the generic object list (def: MvNetworkDef; id >= 0 while active; priv:
// NetRuntime) until the driver kit's list replaces it.
#pragma once

#include "daemon/daemon-frame.h"
#include "conf/conf-domain-obj.h"
#include "conf/conf-network.h"
#include "remote.h"

/* libvirt's virNetworkEventLifecycleType. */
enum {
    NET_EVENT_DEFINED = 0,
    NET_EVENT_UNDEFINED = 1,
    NET_EVENT_STARTED = 2,
    NET_EVENT_STOPPED = 3,
};

typedef struct {
    MvDaemon *daemon;
    MvDomainList *networks;
    GMutex lock;               /* serialises every change: define, start, destroy, undefine */
    char *config_dir;          /* <root>/etc/modvirt/network: definitions */
    char *autostart_dir;       /* <config_dir>/autostart */
    char *status_dir;          /* <root>/run/modvirt/network: live XML and dnsmasq files */
    char *lib_dir;             /* <root>/var/lib/modvirt/dnsmasq: lease files */
    char *dnsmasq;             /* the dnsmasq binary; NULL: not installed */
    char *dnsmasq_user;        /* the user dnsmasq drops to */
    struct MvJournal *journal; /* durable changes under config_dir; NULL: flush each */
    GHashTable *ports;         /* port UUID (16 bytes) -> NetPort* */
} NetDriver;

/* What a running network holds besides its definition. */
typedef struct {
    pid_t dnsmasq_pid;         /* 0: none */
    int connections;           /* ports in use */
} NetRuntime;

/* A guest's port on a network (NETWORK_PORT_CREATE_XML). */
typedef struct {
    guint8 uuid[16];
    guint8 net_uuid[16];
    char *xml;                 /* the port XML as formatted back */
    char *owner_name;
    guint8 owner_uuid[16];
    char *mac;
    char *bridge;
} NetPort;

NetDriver *net_driver_of(MvCall *call);
bool net_driver_init(MvDaemon *d, GError **error);
void net_driver_shutdown(MvDaemon *d);
const MvProcedure *net_driver_remote_rows(size_t *n);

/* net-network.c: the calls. */
bool net_list_all(MvCall *call, void *args, void *ret, GError **error);
bool net_num_active(MvCall *call, void *args, void *ret, GError **error);
bool net_num_defined(MvCall *call, void *args, void *ret, GError **error);
bool net_list_active(MvCall *call, void *args, void *ret, GError **error);
bool net_list_defined(MvCall *call, void *args, void *ret, GError **error);
bool net_lookup_by_name(MvCall *call, void *args, void *ret, GError **error);
bool net_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error);
bool net_define_xml(MvCall *call, void *args, void *ret, GError **error);
bool net_define_xml_flags(MvCall *call, void *args, void *ret, GError **error);
bool net_create_xml(MvCall *call, void *args, void *ret, GError **error);
bool net_create_xml_flags(MvCall *call, void *args, void *ret, GError **error);
bool net_undefine(MvCall *call, void *args, void *ret, GError **error);
bool net_create(MvCall *call, void *args, void *ret, GError **error);
bool net_destroy(MvCall *call, void *args, void *ret, GError **error);
bool net_get_xml_desc(MvCall *call, void *args, void *ret, GError **error);
bool net_get_bridge_name(MvCall *call, void *args, void *ret, GError **error);
bool net_get_autostart(MvCall *call, void *args, void *ret, GError **error);
bool net_set_autostart(MvCall *call, void *args, void *ret, GError **error);
bool net_is_active(MvCall *call, void *args, void *ret, GError **error);
bool net_is_persistent(MvCall *call, void *args, void *ret, GError **error);
bool net_update(MvCall *call, void *args, void *ret, GError **error);
bool net_get_dhcp_leases(MvCall *call, void *args, void *ret, GError **error);

/* net-port.c */
bool net_port_create_xml(MvCall *call, void *args, void *ret, GError **error);
bool net_port_lookup_by_uuid(MvCall *call, void *args, void *ret, GError **error);
bool net_port_get_xml_desc(MvCall *call, void *args, void *ret, GError **error);
bool net_port_delete(MvCall *call, void *args, void *ret, GError **error);
bool net_list_all_ports(MvCall *call, void *args, void *ret, GError **error);
void net_port_free(NetPort *port);

/* net-persist.c: definitions and autostart links through the journal, status files. */
bool net_persist_open(NetDriver *drv, GError **error);
bool net_config_save(NetDriver *drv, const MvNetworkDef *def, GError **error);
bool net_config_remove(NetDriver *drv, const char *name, GError **error);
bool net_autostart_set(NetDriver *drv, const char *name, bool on, GError **error);
void net_config_load_all(NetDriver *drv);
bool net_status_save(NetDriver *drv, MvDomainObj *obj, GError **error);
void net_status_remove(NetDriver *drv, const char *name);

/* net-bringup.c: a network's bridge, addresses, dnsmasq and firewall table. */
/* Bring @obj's network up (object and driver locked).  On failure nothing is left. */
bool net_bringup_start(NetDriver *drv, MvDomainObj *obj, GError **error);
/* Take it down; what is already gone is not an error. */
void net_bringup_stop(NetDriver *drv, MvDomainObj *obj);
/* After a restart: adopt networks whose status file says they run. */
void net_bringup_reattach_all(NetDriver *drv);
/* MvBridgeTakenFn for mv_network_def_fill_defaults(), @opaque the driver. */
bool net_bridge_taken_cb(const char *name, void *opaque);
/* True when @name is a network interface on the host or another network's bridge. */
bool net_bridge_name_taken(NetDriver *drv, const char *name, MvDomainObj *self);

/* Events and wire helpers (net-network.c). */
void net_emit(NetDriver *drv, MvDomainObj *obj, int event);
void net_to_wire(MvDomainObj *obj, remote_nonnull_network *ret_net);
MvDomainObj *net_find(NetDriver *drv, const remote_nonnull_network *net, GError **error);
