// SPDX-License-Identifier: LGPL-2.1-or-later
// A container's interfaces: for each <interface type='bridge'> (and 'ethernet') a veth pair is
// made in lxcd's network namespace, the host end attached to the bridge and brought up, and
// the other end handed to the controller (--veth), which moves it into the container's
// namespace and names it there before init runs.  The pair goes away with the container's
// namespace.  type='network' (modvirt-netd's ports) is not done yet.

#include "lxc-net.h"
#include "util/util-error.h"
#include "util/util-spawn.h"

#include <net/if.h>

/* How long one `ip` command may take. */
#define LXC_NET_IP_TIMEOUT_MS 5000
#define IP_BINARY "/sbin/ip"

static bool
run_ip(const char *const *argv, const char *name, GError **error)
{
    g_autofree char *err = NULL;
    int status = 0;
    int r = mv_spawn_capture(argv, NULL, LXC_NET_IP_TIMEOUT_MS, NULL, &err, &status);
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_autofree char *cmd = g_strjoinv(" ", (char **)argv);
        mv_error_set(error, MV_FROM_LXC, MV_ERR_OPERATION_FAILED, "cannot set up the interfaces of container '%s': '%s' failed: %s",
                     name, cmd, r < 0 ? g_strerror(-r) : g_strstrip(err ? err : g_strdup("")));
        return false;
    }
    return true;
}

void
lxc_net_cleanup(GPtrArray *created)
{
    for (guint i = 0; created && i < created->len; i++) {
        const char *argv[] = { IP_BINARY, "link", "del", created->pdata[i], NULL };
        g_autoptr(GError) err = NULL;
        if (if_nametoindex(created->pdata[i]) && !run_ip(argv, "", &err))
            g_warning("%s, ignoring", err->message);
    }
}

bool
lxc_net_prepare(MvDomainDef *def, GPtrArray *options, GPtrArray *created, GError **error)
{
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = def->nets->pdata[i];
        if (net->type != MV_DOMAIN_NET_BRIDGE && net->type != MV_DOMAIN_NET_ETHERNET) {
            mv_error_set(error, MV_FROM_LXC, MV_ERR_CONFIG_UNSUPPORTED,
                         "interface type 'network' of container '%s' is not supported yet; use type 'bridge'",
                         def->name);
            return false;
        }
        /* Host names libvirt's way ("veth" + a number) would collide with other users of
         * veths; ours carry a random part, short enough for IFNAMSIZ with the "p" peer. */
        g_autofree char *host = g_strdup_printf("mvv%08x", g_random_int());
        g_autofree char *peer = g_strdup_printf("%sp", host);
        const char *add[] = { IP_BINARY, "link", "add", host, "type", "veth", "peer", "name", peer, NULL };
        if (!run_ip(add, def->name, error))
            return false;
        g_ptr_array_add(created, g_strdup(host));
        if (net->type == MV_DOMAIN_NET_BRIDGE) {
            const char *attach[] = { IP_BINARY, "link", "set", host, "master", net->source, NULL };
            if (!run_ip(attach, def->name, error))
                return false;
        }
        const char *up[] = { IP_BINARY, "link", "set", host, "up", NULL };
        if (!run_ip(up, def->name, error))
            return false;
        char mac[MV_MAC_STRING_BUFLEN];
        g_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1], net->mac[2],
                   net->mac[3], net->mac[4], net->mac[5]);
        g_ptr_array_add(options, g_strdup("--veth"));
        g_ptr_array_add(options, g_strdup_printf("%s,eth%u,%s", peer, i, mac));
        g_free(net->target_dev);
        net->target_dev = g_strdup(host);
    }
    return true;
}
