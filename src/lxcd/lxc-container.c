// SPDX-License-Identifier: LGPL-2.1-or-later
// The container's init before exec: cloned by the controller into new pid, mount, uts,
// ipc and net namespaces (and a user namespace when an id map is given), it waits until
// the controller has placed it in its cgroup and written its id maps, then enters a
// cgroup namespace, builds its root (the root directory bound onto itself, extra bind and
// tmpfs mounts, /proc, /sys read-only, a /dev tmpfs with host device nodes bound in,
// devpts for ptys), pivots into it, sets the hostname, drops capabilities and execs init.
// Any failure before exec is written to the error pipe as one message.
//
// Order matters in a user namespace: /proc and /sys are mounted while the host's own
// /proc is still visible in this mount namespace (the kernel refuses a new proc mount in a
// user namespace when no fully visible one exists: "mount too revealing"), and device
// nodes are bind mounts because mknod is refused there.

#include "lxc-container.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_arp.h>
#include <unistd.h>

/* The clone child runs only this file's setup code before exec: 256 KiB of stack is
 * plenty (path buffers are PATH_MAX on it). */
#define CHILD_STACK_SIZE (256 * 1024)

/* Host device nodes every container gets, bound onto empty files in its /dev. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

/* Size of the /dev tmpfs: it holds only directories, empty files and symlinks. */
#define DEV_TMPFS_OPTS "mode=755,size=65536"

typedef struct {
    const LxcContainerConfig *cfg;
    int sync_fd;    /* read end: one byte 'g' when the parent is done, else EOF */
    int sync_wr;    /* the parent's end, closed in the child so that EOF can come */
    int err_fd;     /* write end, close-on-exec: EOF without data means exec worked */
} ChildArgs;

/* Report @what on @path with errno to the parent and end the child. */
static _Noreturn void
child_fail(const ChildArgs *a, const char *what, const char *path)
{
    int saved = errno;
    char msg[1024];
    int n = snprintf(msg, sizeof(msg), "cannot %s '%s' in container '%s': %s", what, path ? path : "",
                     a->cfg->name, strerror(saved));
    if (n > 0 && write(a->err_fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1) < 0) {
        /* the parent is gone; nothing else to tell */
    }
    _exit(126);
}


/* @buf (PATH_MAX bytes) = @base/@rel; a path too long ends the child with a message. */
static void
join_path(const ChildArgs *a, char *buf, const char *base, const char *rel)
{
    while (*rel == '/')
        rel++;
    int n = snprintf(buf, PATH_MAX, "%s/%s", base, rel);
    if (n < 0 || n >= PATH_MAX) {
        errno = ENAMETOOLONG;
        child_fail(a, "build a path under", base);
    }
}

/* mkdir -p, for mount points inside the container's root. */
static int
make_dirs(const char *path, mode_t mode)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* An empty file to bind a non-directory onto. */
static int
make_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/* Bind @src onto @dst (made if missing, as a directory or a file like @src), read-only if
 * asked.  A read-only remount must repeat the flags the kernel locked on the source
 * (nosuid, nodev, noexec), or it is refused in a user namespace. */
static void
bind_mount(const ChildArgs *a, const char *src, const char *dst, bool readonly)
{
    struct stat st;
    if (stat(src, &st) < 0)
        child_fail(a, "find the source of a bind mount", src);
    if (S_ISDIR(st.st_mode) ? make_dirs(dst, 0755) : (access(dst, F_OK) == 0 ? 0 : make_file(dst)) < 0)
        child_fail(a, "create the mount point", dst);
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        child_fail(a, "bind mount", src);
    if (!readonly)
        return;
    struct statvfs sv;
    unsigned long keep = 0;
    if (statvfs(dst, &sv) == 0)
        keep = sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
    if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
        child_fail(a, "make read-only", dst);
}

static void
setup_dev(const ChildArgs *a, const char *root)
{
    const LxcContainerConfig *cfg = a->cfg;
    char dev[PATH_MAX], path[PATH_MAX], src[PATH_MAX];

    join_path(a, dev, root, "dev");
    if (make_dirs(dev, 0755) < 0)
        child_fail(a, "create", dev);
    if (mount("devfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, DEV_TMPFS_OPTS) < 0)
        child_fail(a, "mount a tmpfs on", dev);
    for (int i = 0; dev_nodes[i]; i++) {
        join_path(a, src, "/dev", dev_nodes[i]);
        join_path(a, path, dev, dev_nodes[i]);
        bind_mount(a, src, path, false);
    }
    /* A private devpts instance: the container's ptys are its own. */
    join_path(a, path, dev, "pts");
    if (mkdir(path, 0755) < 0 || mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
                                       "newinstance,ptmxmode=0666,mode=0620") < 0)
        child_fail(a, "mount devpts on", path);
    join_path(a, path, dev, "shm");
    if (mkdir(path, 01777) < 0 || mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
        child_fail(a, "mount a tmpfs on", path);
    static const char *const links[][2] = {
        { "pts/ptmx", "ptmx" }, { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        join_path(a, path, dev, links[i][1]);
        if (symlink(links[i][0], path) < 0)
            child_fail(a, "create", path);
    }
    /* The console: the host pty whose master the controller serves. */
    if (cfg->console) {
        join_path(a, path, dev, "console");
        bind_mount(a, cfg->console, path, false);
        join_path(a, path, dev, "tty1");
        bind_mount(a, cfg->console, path, false);
    }
}

/* Interface flags and names through the classic ioctls: all a container needs before init. */
static void
link_up(const ChildArgs *a, int sock, const char *name)
{
    struct ifreq ifr = { 0 };
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
        child_fail(a, "find interface", name);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
        child_fail(a, "bring up interface", name);
}

/* lo up; each veth end the controller moved in gets its name and MAC, and goes up. */
static void
setup_net(const ChildArgs *a)
{
    const LxcContainerConfig *cfg = a->cfg;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        child_fail(a, "open a socket for the interfaces of", cfg->name);
    link_up(a, sock, "lo");
    for (int i = 0; i < cfg->n_veths; i++) {
        const LxcVeth *v = &cfg->veths[i];
        struct ifreq ifr = { 0 };
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", v->peer);
        snprintf(ifr.ifr_newname, sizeof(ifr.ifr_newname), "%s", v->name);
        if (ioctl(sock, SIOCSIFNAME, &ifr) < 0)
            child_fail(a, "rename interface", v->peer);
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", v->name);
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        memcpy(ifr.ifr_hwaddr.sa_data, v->mac, 6);
        if (ioctl(sock, SIOCSIFHWADDR, &ifr) < 0)
            child_fail(a, "set the MAC address of interface", v->name);
        link_up(a, sock, v->name);
    }
    close(sock);
}

static void
setup_root(const ChildArgs *a)
{
    const LxcContainerConfig *cfg = a->cfg;
    const char *root = cfg->root;
    char path[PATH_MAX];

    /* Nothing we mount may propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail(a, "make private", "/");
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
        child_fail(a, "bind the root directory", root);
    for (int i = 0; i < cfg->n_binds; i++) {
        join_path(a, path, root, cfg->binds[i].dst);
        bind_mount(a, cfg->binds[i].src, path, cfg->binds[i].readonly);
    }
    for (int i = 0; i < cfg->n_tmpfs; i++) {
        char opts[64];
        join_path(a, path, root, cfg->tmpfs[i].dst);
        snprintf(opts, sizeof(opts), "size=%llu%s", cfg->tmpfs[i].size_kib, cfg->tmpfs[i].size_kib ? "k" : "");
        if (make_dirs(path, 0755) < 0 ||
            mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, cfg->tmpfs[i].size_kib ? opts : NULL) < 0)
            child_fail(a, "mount a tmpfs on", path);
    }
    /* /proc and /sys of the new namespaces, before the host's are detached (see top). */
    join_path(a, path, root, "proc");
    if (make_dirs(path, 0555) < 0 || mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        child_fail(a, "mount proc on", path);
    /* /proc/sys would let the container tune the host's kernel: read-only. */
    join_path(a, path, root, "proc/sys");
    bind_mount(a, path, path, true);
    join_path(a, path, root, "sys");
    if (make_dirs(path, 0555) < 0 ||
        mount("sysfs", path, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        child_fail(a, "mount sysfs on", path);
    setup_dev(a, root);

    /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only
     * the container's tree, with no directory for the old root inside it. */
    if (chdir(root) < 0)
        child_fail(a, "enter", root);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        child_fail(a, "pivot into", root);
    if (umount2(".", MNT_DETACH) < 0)
        child_fail(a, "detach the host's root from", root);
    if (chdir("/") < 0)
        child_fail(a, "enter", "/");
}

static void
drop_capabilities(const ChildArgs *a)
{
    const LxcContainerConfig *cfg = a->cfg;
    /* The bounding set limits what init (root in its namespace) gets at exec. */
    for (int i = 0; i < cfg->n_cap_drop; i++) {
        if (prctl(PR_CAPBSET_DROP, (unsigned long)cfg->cap_drop[i], 0, 0, 0) < 0 && errno != EINVAL) {
            char num[16];
            snprintf(num, sizeof(num), "%d", cfg->cap_drop[i]);
            child_fail(a, "drop capability", num);
        }
    }
}

static int
child_main(void *opaque)
{
    const ChildArgs *a = opaque;
    const LxcContainerConfig *cfg = a->cfg;
    char go = 0;

    /* The controller blocks these for its signalfd; init must not inherit that. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* If the controller dies, the container dies with it (and so its pid namespace). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(a->sync_wr);
    if (read(a->sync_fd, &go, 1) != 1 || go != 'g')
        _exit(125);
    close(a->sync_fd);

    if (cfg->n_uidmap > 0) {
        if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            child_fail(a, "become root of the user namespace of", cfg->name);
    }
    /* Now that the controller has moved us into the container's cgroup, make it our root. */
    if (unshare(CLONE_NEWCGROUP) < 0)
        child_fail(a, "create a cgroup namespace for", cfg->name);

    /* Init's session and controlling terminal: the console. */
    setsid();
    if (cfg->console) {
        int fd = open(cfg->console, O_RDWR);
        if (fd < 0)
            child_fail(a, "open the console", cfg->console);
        if (ioctl(fd, TIOCSCTTY, 0) < 0)
            child_fail(a, "make the console the controlling terminal", cfg->console);
        if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            child_fail(a, "attach the console", cfg->console);
        if (fd > 2)
            close(fd);
    }

    setup_net(a);
    setup_root(a);
    const char *hostname = cfg->hostname ? cfg->hostname : cfg->name;
    if (sethostname(hostname, strlen(hostname)) < 0)
        child_fail(a, "set the hostname", hostname);
    if (cfg->workdir && chdir(cfg->workdir) < 0)
        child_fail(a, "enter the init directory", cfg->workdir);
    drop_capabilities(a);

    execve(cfg->init, (char *const *)cfg->args, (char *const *)cfg->env);
    child_fail(a, "execute init", cfg->init);
}

static int
write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Move host interface @name into the network namespace of @pid (RTM_NEWLINK with
 * IFLA_NET_NS_PID).  Returns 0, or -1 with errno. */
static int
move_link(const char *name, pid_t pid)
{
    unsigned idx = if_nametoindex(name);
    if (!idx)
        return -1;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    struct {
        struct nlmsghdr nh;
        struct ifinfomsg ifi;
        char attrs[RTA_SPACE(sizeof(unsigned))];
    } req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    req.nh.nlmsg_type = RTM_NEWLINK;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.ifi.ifi_family = AF_UNSPEC;
    req.ifi.ifi_index = (int)idx;
    struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
    rta->rta_type = IFLA_NET_NS_PID;
    rta->rta_len = RTA_LENGTH(sizeof(unsigned));
    unsigned target = (unsigned)pid;
    memcpy(RTA_DATA(rta), &target, sizeof(target));
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
    int rc = -1;
    if (send(fd, &req, req.nh.nlmsg_len, 0) == (ssize_t)req.nh.nlmsg_len) {
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR) {
            int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
            if (err == 0)
                rc = 0;
            else
                errno = -err;
        } else {
            errno = EPROTO;
        }
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static int
write_id_map(pid_t pid, const char *file, const LxcIdRange *ranges, int n)
{
    char path[64], text[LXC_MAX_LIST * 64];
    size_t off = 0;
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(text + off, sizeof(text) - off, "%lu %lu %lu\n", ranges[i].start,
                                ranges[i].target, ranges[i].count);
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    return write_file(path, text);
}

pid_t
lxc_container_start(const LxcContainerConfig *cfg, char *err, size_t errlen)
{
    int sync_pipe[2], err_pipe[2];
    pid_t pid = -1;

    if (pipe2(sync_pipe, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for container '%s': %s", cfg->name, strerror(errno));
        return -1;
    }
    if (pipe2(err_pipe, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for container '%s': %s", cfg->name, strerror(errno));
        close(sync_pipe[0]);
        close(sync_pipe[1]);
        return -1;
    }
    void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate a stack for container '%s': %s", cfg->name, strerror(errno));
        goto out;
    }
    ChildArgs args = { .cfg = cfg, .sync_fd = sync_pipe[0], .sync_wr = sync_pipe[1], .err_fd = err_pipe[1] };
    int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD;
    if (cfg->n_uidmap > 0)
        flags |= CLONE_NEWUSER;
    pid = clone(child_main, (char *)stack + CHILD_STACK_SIZE, flags, &args);
    int clone_errno = errno;
    munmap(stack, CHILD_STACK_SIZE);
    close(sync_pipe[0]);
    sync_pipe[0] = -1;
    close(err_pipe[1]);
    err_pipe[1] = -1;
    if (pid < 0) {
        snprintf(err, errlen, "cannot create the namespaces of container '%s': %s", cfg->name,
                 strerror(clone_errno));
        goto out;
    }

    /* Place the child, then map its ids; only then may it go on. */
    bool ok = true;
    for (int i = 0; ok && i < cfg->n_cgroup_join; i++) {
        char num[32];
        snprintf(num, sizeof(num), "%d", (int)pid);
        if (write_file(cfg->cgroup_join[i], num) < 0) {
            snprintf(err, errlen, "cannot move container '%s' into its cgroup '%s': %s", cfg->name,
                     cfg->cgroup_join[i], strerror(errno));
            ok = false;
        }
    }
    for (int i = 0; ok && i < cfg->n_veths; i++) {
        if (move_link(cfg->veths[i].peer, pid) < 0) {
            snprintf(err, errlen, "cannot move interface '%s' into container '%s': %s", cfg->veths[i].peer,
                     cfg->name, strerror(errno));
            ok = false;
        }
    }
    if (ok && cfg->n_uidmap > 0) {
        if (write_id_map(pid, "uid_map", cfg->uidmap, cfg->n_uidmap) < 0) {
            snprintf(err, errlen, "cannot write the uid map of container '%s': %s", cfg->name, strerror(errno));
            ok = false;
        } else if (write_id_map(pid, "gid_map", cfg->n_gidmap ? cfg->gidmap : cfg->uidmap,
                                cfg->n_gidmap ? cfg->n_gidmap : cfg->n_uidmap) < 0) {
            snprintf(err, errlen, "cannot write the gid map of container '%s': %s", cfg->name, strerror(errno));
            ok = false;
        }
    }
    if (ok && write(sync_pipe[1], "g", 1) != 1) {
        snprintf(err, errlen, "cannot release container '%s': %s", cfg->name, strerror(errno));
        ok = false;
    }
    close(sync_pipe[1]);
    sync_pipe[1] = -1;
    if (!ok)
        kill(pid, SIGKILL);

    /* Wait for exec (the error pipe closes) or for the child's message. */
    char msg[1024];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(err_pipe[0], msg + got, sizeof(msg) - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == sizeof(msg) - 1)
            break;
    }
    msg[got] = '\0';
    if (ok && got > 0) {
        snprintf(err, errlen, "%s", msg);
        ok = false;
    }
    if (!ok) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        pid = -1;
    }

out:
    for (int i = 0; i < 2; i++) {
        if (sync_pipe[i] >= 0)
            close(sync_pipe[i]);
        if (err_pipe[i] >= 0)
            close(err_pipe[i]);
    }
    return pid;
}
