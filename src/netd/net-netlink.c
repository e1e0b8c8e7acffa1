// SPDX-License-Identifier: LGPL-2.1-or-later
// Links and addresses by rtnetlink, without forking `ip`: create and delete a bridge, give it
// addresses, bring it up, enslave a tap.  One request per socket round trip, acknowledged
// (NLM_F_ACK), so every failure comes back as the kernel's errno.  Routes are read from
// /proc/net by net-bringup.c.

#include "net-netlink.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Big enough for every request built here (a name, a MAC, a few nested attributes). */
#define REQ_BUFLEN 1024
/* An acknowledgement or error: the header, the errno and the echoed request. */
#define ACK_BUFLEN (REQ_BUFLEN + 64)

typedef struct {
    struct nlmsghdr *h;
    size_t cap;
} Req;

static void *
put_attr(Req *r, unsigned short type, const void *data, size_t len)
{
    size_t at = NLMSG_ALIGN(r->h->nlmsg_len);
    size_t need = at + RTA_SPACE(len);
    g_assert(need <= r->cap);   /* requests here are small and fixed in shape */
    struct rtattr *rta = (struct rtattr *)((char *)r->h + at);
    rta->rta_type = type;
    rta->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(rta), data, len);
    r->h->nlmsg_len = (unsigned)need;
    return rta;
}

static struct rtattr *
nest_begin(Req *r, unsigned short type)
{
    return put_attr(r, type, NULL, 0);
}

static void
nest_end(Req *r, struct rtattr *nest)
{
    nest->rta_len = (unsigned short)((char *)r->h + r->h->nlmsg_len - (char *)nest);
}

/* Send @h and wait for its acknowledgement.  Returns 0 or -errno. */
static int
talk(struct nlmsghdr *h)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = 1;
    int r = 0;
    if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        r = -errno;
    } else {
        char buf[ACK_BUFLEN];
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                r = -errno;
                break;
            }
            struct nlmsghdr *a = (struct nlmsghdr *)buf;
            if (!NLMSG_OK(a, (unsigned)n)) {
                r = -EPROTO;
                break;
            }
            if (a->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(a);
                r = e->error;
                break;
            }
        }
    }
    close(fd);
    return r;
}

static void
req_init(Req *r, void *buf, size_t cap, unsigned short type, unsigned short flags, size_t hdrlen)
{
    memset(buf, 0, cap);
    r->h = buf;
    r->cap = cap;
    r->h->nlmsg_len = (unsigned)NLMSG_LENGTH(hdrlen);
    r->h->nlmsg_type = type;
    r->h->nlmsg_flags = flags;
}

int
net_nl_bridge_add(const char *name, const guint8 *mac, unsigned mtu, bool stp, unsigned delay_s)
{
    union { struct nlmsghdr h; char b[REQ_BUFLEN]; } buf;
    Req r;
    req_init(&r, &buf, sizeof(buf), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
    put_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    if (mac)
        put_attr(&r, IFLA_ADDRESS, mac, 6);
    if (mtu)
        put_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
    struct rtattr *info = nest_begin(&r, IFLA_LINKINFO);
    put_attr(&r, IFLA_INFO_KIND, "bridge", strlen("bridge"));
    struct rtattr *data = nest_begin(&r, IFLA_INFO_DATA);
    guint32 stp_state = stp ? 1 : 0;
    /* The kernel counts the forward delay in centiseconds (clock_t at USER_HZ 100). */
    guint32 delay = delay_s * 100;
    put_attr(&r, IFLA_BR_STP_STATE, &stp_state, sizeof(stp_state));
    put_attr(&r, IFLA_BR_FORWARD_DELAY, &delay, sizeof(delay));
    nest_end(&r, data);
    nest_end(&r, info);
    return talk(r.h);
}

int
net_nl_link_del(const char *name)
{
    unsigned idx = if_nametoindex(name);
    if (!idx)
        return -ENODEV;
    union { struct nlmsghdr h; char b[REQ_BUFLEN]; } buf;
    Req r;
    req_init(&r, &buf, sizeof(buf), RTM_DELLINK, 0, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(r.h);
    ifi->ifi_index = (int)idx;
    return talk(r.h);
}

static int
set_link(const char *name, unsigned flags, unsigned change, int master)
{
    unsigned idx = if_nametoindex(name);
    if (!idx)
        return -ENODEV;
    union { struct nlmsghdr h; char b[REQ_BUFLEN]; } buf;
    Req r;
    req_init(&r, &buf, sizeof(buf), RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(r.h);
    ifi->ifi_index = (int)idx;
    ifi->ifi_flags = flags;
    ifi->ifi_change = change;
    if (master >= 0) {
        guint32 m = (guint32)master;
        put_attr(&r, IFLA_MASTER, &m, sizeof(m));
    }
    return talk(r.h);
}

int
net_nl_link_up(const char *name)
{
    return set_link(name, IFF_UP, IFF_UP, -1);
}

int
net_nl_enslave(const char *name, const char *bridge)
{
    unsigned master = if_nametoindex(bridge);
    if (!master)
        return -ENODEV;
    return set_link(name, IFF_UP, IFF_UP, (int)master);
}

int
net_nl_addr_add(const char *name, const MvIpAddr *addr, unsigned prefix)
{
    unsigned idx = if_nametoindex(name);
    if (!idx)
        return -ENODEV;
    union { struct nlmsghdr h; char b[REQ_BUFLEN]; } buf;
    Req r;
    req_init(&r, &buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg));
    struct ifaddrmsg *ifa = NLMSG_DATA(r.h);
    ifa->ifa_family = (unsigned char)addr->family;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = idx;
    size_t len = addr->family == AF_INET ? 4 : 16;
    put_attr(&r, IFA_LOCAL, addr->bytes, len);
    put_attr(&r, IFA_ADDRESS, addr->bytes, len);
    if (addr->family == AF_INET && prefix < 31) {
        MvIpAddr bcast = *addr;
        for (unsigned b = prefix; b < 32; b++)
            bcast.bytes[b / 8] |= (guint8)(0x80 >> (b % 8));
        put_attr(&r, IFA_BROADCAST, bcast.bytes, 4);
    }
    return talk(r.h);
}

bool
net_nl_link_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}
