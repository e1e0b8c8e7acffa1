// SPDX-License-Identifier: LGPL-2.1-or-later
// Tap devices for bridge and ethernet interfaces, opened the way libvirt hands them to QEMU:
// /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, passed as an inherited fd.

#include "qemu-net.h"
#include "util/util-error.h"
#include "util/util-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* libvirt's tap name template: the kernel picks the first free number. */
#define TAP_TEMPLATE "vnet%d"

static int
tap_create(char ret_name[IFNAMSIZ], GError **error)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot open /dev/net/tun");
        return -1;
    }
    struct ifreq ifr = { 0 };
    g_strlcpy(ifr.ifr_name, TAP_TEMPLATE, IFNAMSIZ);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        mv_error_set_errno(error, MV_FROM_QEMU, errno, "cannot create a tap device");
        close(fd);
        return -1;
    }
    g_strlcpy(ret_name, ifr.ifr_name, IFNAMSIZ);
    return fd;
}

/* Run `ip link set dev TAP [master BRIDGE] up`. */
static bool
tap_attach(const char *tap, const char *bridge, GError **error)
{
    const char *argv_bridge[] = { "/sbin/ip", "link", "set", "dev", tap, "master", bridge, "up", NULL };
    const char *argv_plain[] = { "/sbin/ip", "link", "set", "dev", tap, "up", NULL };
    g_autofree char *err = NULL;
    int status = 0;
    int r = mv_spawn_capture(bridge ? argv_bridge : argv_plain, NULL, 10000, NULL, &err, &status);
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (err)
            g_strstrip(err);
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_OPERATION_FAILED,
                     bridge ? "cannot add tap '%s' to bridge '%s': %s" : "cannot bring tap '%s' up%s: %s",
                     tap, bridge ? bridge : "", r < 0 ? g_strerror(-r) : (err && *err ? err : "ip failed"));
        return false;
    }
    return true;
}

bool
qemu_taps_open(MvDomainDef *def, QemuTaps *ret_taps, GError **error)
{
    QemuTaps taps = { g_new(int, MAX(def->nets->len, 1)), def->nets->len };
    for (size_t i = 0; i < taps.n; i++)
        taps.fds[i] = -1;

    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = def->nets->pdata[i];
        if (net->type == MV_DOMAIN_NET_NETWORK) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED,
                         "interface '%s' uses network '%s', but no network daemon (modvirt-netd) serves "
                         "virtual networks yet; use <interface type='bridge'>",
                         net->info.alias, net->source ? net->source : "");
            qemu_taps_close(&taps);
            return false;
        }
        bool wanted = net->type == MV_DOMAIN_NET_BRIDGE ||
                      (net->type == MV_DOMAIN_NET_ETHERNET && !net->target_dev);
        if (!wanted)
            continue;
        char name[IFNAMSIZ];
        int fd = tap_create(name, error);
        if (fd < 0 || !tap_attach(name, net->type == MV_DOMAIN_NET_BRIDGE ? net->source : NULL, error)) {
            if (fd >= 0)
                close(fd);
            g_prefix_error(error, "interface '%s': ", net->info.alias);
            qemu_taps_close(&taps);
            return false;
        }
        taps.fds[i] = fd;
        g_free(net->target_dev);
        net->target_dev = g_strdup(name);
    }
    *ret_taps = taps;
    return true;
}

void
qemu_taps_close(QemuTaps *taps)
{
    for (size_t i = 0; i < taps->n; i++) {
        if (taps->fds[i] >= 0)
            close(taps->fds[i]);
    }
    g_clear_pointer(&taps->fds, g_free);
    taps->n = 0;
}
