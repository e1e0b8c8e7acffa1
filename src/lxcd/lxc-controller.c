// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt-lxc-controller: one process per container, in its own session and in the
// container's cgroup (modvirt-lxcd puts it there before exec; it forks once at start, so
// that it is nobody's child to reap).  It starts the container's
// init (lxc-container.c), serves the console pty, answers modvirt-lxcd on a private socket
// (protocol in lxc-controller.h), restarts the container on reboot and, when init ends,
// tells the monitors why, removes its socket and exits.  The cgroup itself is lxcd's: it
// made it and removes it after us.
//
// Plain C and one poll loop, no GLib: a controller runs beside every container and must
// stay under 2 MiB of RSS.

#include "lxc-container.h"
#include "lxc-controller.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Connections served at once: lxcd's monitor, a console, a few short commands. */
#define MAX_CLIENTS 16
/* Console bytes moved per read. */
#define CONSOLE_CHUNK 4096

typedef enum { CLIENT_COMMAND, CLIENT_MONITOR, CLIENT_CONSOLE } ClientMode;

typedef struct {
    int fd;             /* -1: slot free */
    ClientMode mode;
    char line[LXC_CTL_LINE_MAX];
    size_t len;
} Client;

typedef enum { STOP_NONE, STOP_TERM, STOP_KILL } StopAsked;

typedef struct {
    LxcContainerConfig cfg;
    const char *socket_path;
    int handshake_fd;
    int listen_fd;
    int signal_fd;
    int console_master;
    char console_path[64];
    pid_t init_pid;
    StopAsked stop;
    bool reboot;
    Client clients[MAX_CLIENTS];
} Controller;

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

static void PRINTF_LIKE(1, 2)
logmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "modvirt-lxc-controller: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void PRINTF_LIKE(2, 3)
send_line(int fd, const char *fmt, ...)
{
    char buf[LXC_CTL_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(buf) - 2)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    /* Replies are short and the peer reads them: a failed write just means it left. */
    if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
    }
}

/* --uidmap IN:OUT:COUNT */
static bool
parse_range(const char *s, LxcIdRange *r)
{
    char *end;
    errno = 0;
    r->start = strtoul(s, &end, 10);
    if (*end != ':')
        return false;
    r->target = strtoul(end + 1, &end, 10);
    if (*end != ':')
        return false;
    r->count = strtoul(end + 1, &end, 10);
    return *end == '\0' && errno == 0 && r->count > 0;
}

static bool
parse_bind(char *s, LxcBind *b)
{
    char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return false;
    *colon = '\0';
    b->src = s;
    b->dst = colon + 1;
    char *ro = strchr(b->dst, ':');
    if (ro) {
        *ro = '\0';
        if (strcmp(ro + 1, "ro") != 0)
            return false;
        b->readonly = true;
    }
    return b->dst[0] == '/';
}

/* --veth PEER,NAME,MAC */
static bool
parse_veth(char *s, LxcVeth *v)
{
    char *c1 = strchr(s, ',');
    char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2)
        return false;
    *c1 = *c2 = '\0';
    v->peer = s;
    v->name = c1 + 1;
    unsigned m[6];
    if (sscanf(c2 + 1, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        v->mac[i] = (unsigned char)m[i];
    return *v->peer && *v->name && strlen(v->name) < 16;
}

static bool
parse_tmpfs(char *s, LxcTmpfs *t)
{
    char *colon = strrchr(s, ':');
    if (!colon)
        return false;
    *colon = '\0';
    char *end;
    t->dst = s;
    t->size_kib = strtoull(colon + 1, &end, 10);
    return *end == '\0' && s[0] == '/';
}

/* A list option: append @val to @list[*n] unless full. */
#define PUSH(list, n, val) ((n) < LXC_MAX_LIST ? ((list)[(n)++] = (val), true) : false)

static bool
parse_args(Controller *c, int argc, char **argv)
{
    LxcContainerConfig *cfg = &c->cfg;
    c->handshake_fd = -1;
    const char *args[LXC_MAX_LIST];
    int n_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val) {
            logmsg("option '%s' needs a value", opt);
            return false;
        }
        i++;
        bool ok = true;
        if (!strcmp(opt, "--name"))
            cfg->name = val;
        else if (!strcmp(opt, "--hostname"))
            cfg->hostname = val;
        else if (!strcmp(opt, "--root"))
            cfg->root = val;
        else if (!strcmp(opt, "--init"))
            cfg->init = val;
        else if (!strcmp(opt, "--workdir"))
            cfg->workdir = val;
        else if (!strcmp(opt, "--socket"))
            c->socket_path = val;
        else if (!strcmp(opt, "--handshake-fd"))
            c->handshake_fd = atoi(val);
        else if (!strcmp(opt, "--arg"))
            ok = PUSH(args, n_args, val);
        else if (!strcmp(opt, "--env"))
            ok = PUSH(cfg->env, cfg->n_env, val);
        else if (!strcmp(opt, "--cgroup-join"))
            ok = PUSH(cfg->cgroup_join, cfg->n_cgroup_join, val);
        else if (!strcmp(opt, "--cap-drop"))
            ok = PUSH(cfg->cap_drop, cfg->n_cap_drop, atoi(val));
        else if (!strcmp(opt, "--bind"))
            ok = cfg->n_binds < LXC_MAX_LIST && parse_bind(val, &cfg->binds[cfg->n_binds++]);
        else if (!strcmp(opt, "--veth"))
            ok = cfg->n_veths < LXC_MAX_LIST && parse_veth(val, &cfg->veths[cfg->n_veths++]);
        else if (!strcmp(opt, "--tmpfs"))
            ok = cfg->n_tmpfs < LXC_MAX_LIST && parse_tmpfs(val, &cfg->tmpfs[cfg->n_tmpfs++]);
        else if (!strcmp(opt, "--uidmap"))
            ok = cfg->n_uidmap < LXC_MAX_LIST && parse_range(val, &cfg->uidmap[cfg->n_uidmap++]);
        else if (!strcmp(opt, "--gidmap"))
            ok = cfg->n_gidmap < LXC_MAX_LIST && parse_range(val, &cfg->gidmap[cfg->n_gidmap++]);
        else {
            logmsg("unknown option '%s'", opt);
            return false;
        }
        if (!ok) {
            logmsg("bad value '%s' for option '%s'", val, opt);
            return false;
        }
    }
    if (!cfg->name || !cfg->root || !c->socket_path || c->handshake_fd < 0) {
        logmsg("--name, --root, --socket and --handshake-fd are required");
        return false;
    }
    if (!cfg->init)
        cfg->init = "/sbin/init";
    cfg->args[cfg->n_args++] = cfg->init;
    for (int i = 0; i < n_args; i++)
        cfg->args[cfg->n_args++] = args[i];
    cfg->args[cfg->n_args] = NULL;
    /* What libvirt's containers find in their environment, unless lxcd set it. */
    static const char *const defaults[][2] = {
        { "PATH=", "PATH=/bin:/usr/bin:/sbin:/usr/sbin" },
        { "TERM=", "TERM=linux" },
        { "container=", "container=lxc-libvirt" },
        { "HOME=", "HOME=/" },
    };
    for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
        bool set = false;
        for (int i = 0; i < cfg->n_env; i++)
            set = set || !strncmp(cfg->env[i], defaults[d][0], strlen(defaults[d][0]));
        if (!set)
            cfg->env[cfg->n_env++] = defaults[d][1];
    }
    cfg->env[cfg->n_env] = NULL;
    return true;
}

static void PRINTF_LIKE(2, 3)
handshake(Controller *c, const char *fmt, ...)
{
    char buf[LXC_CTL_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || c->handshake_fd < 0)
        return;
    if ((size_t)n > sizeof(buf) - 2)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    if (write(c->handshake_fd, buf, (size_t)n) < 0)
        logmsg("cannot answer the handshake: %s", strerror(errno));
    close(c->handshake_fd);
    c->handshake_fd = -1;
}

/* The console: a host pty pair; the container gets the slave, we keep the master.  In a
 * user namespace the slave belongs to the container's root, or init could not open it. */
static bool
open_console(Controller *c, char *err, size_t errlen)
{
    c->console_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (c->console_master < 0 || grantpt(c->console_master) < 0 || unlockpt(c->console_master) < 0 ||
        ptsname_r(c->console_master, c->console_path, sizeof(c->console_path)) != 0) {
        snprintf(err, errlen, "cannot open a console pty for container '%s': %s", c->cfg.name, strerror(errno));
        return false;
    }
    if (c->cfg.n_uidmap > 0) {
        uid_t uid = (uid_t)c->cfg.uidmap[0].target;
        gid_t gid = (gid_t)(c->cfg.n_gidmap ? c->cfg.gidmap[0].target : c->cfg.uidmap[0].target);
        for (int i = 0; i < c->cfg.n_uidmap; i++)
            if (c->cfg.uidmap[i].start == 0)
                uid = (uid_t)c->cfg.uidmap[i].target;
        for (int i = 0; i < c->cfg.n_gidmap; i++)
            if (c->cfg.gidmap[i].start == 0)
                gid = (gid_t)c->cfg.gidmap[i].target;
        if (chown(c->console_path, uid, gid) < 0) {
            snprintf(err, errlen, "cannot give the console '%s' to container '%s': %s", c->console_path,
                     c->cfg.name, strerror(errno));
            return false;
        }
    }
    c->cfg.console = c->console_path;
    return true;
}

/* Our socket; a live controller already listening there is refused, a stale file removed. */
static bool
open_socket(Controller *c, char *err, size_t errlen)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(c->socket_path) >= sizeof(addr.sun_path)) {
        snprintf(err, errlen, "socket path '%s' of container '%s' is too long", c->socket_path, c->cfg.name);
        return false;
    }
    strcpy(addr.sun_path, c->socket_path);
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && connect(probe, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
        close(probe);
        snprintf(err, errlen, "a controller for container '%s' already runs on '%s'", c->cfg.name,
                 c->socket_path);
        return false;
    }
    if (probe >= 0)
        close(probe);
    unlink(c->socket_path);
    c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(077);
    int rc = c->listen_fd < 0 ? -1 : bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (rc < 0 || listen(c->listen_fd, MAX_CLIENTS) < 0) {
        snprintf(err, errlen, "cannot listen on '%s' for container '%s': %s", c->socket_path, c->cfg.name,
                 strerror(errno));
        return false;
    }
    return true;
}

static void
client_close(Client *cl)
{
    if (cl->fd >= 0)
        close(cl->fd);
    cl->fd = -1;
    cl->len = 0;
}

static Client *
console_client(Controller *c)
{
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (c->clients[i].fd >= 0 && c->clients[i].mode == CLIENT_CONSOLE)
            return &c->clients[i];
    return NULL;
}

static void
run_command(Controller *c, Client *cl, const char *cmd)
{
    if (!strcmp(cmd, "info")) {
        send_line(cl->fd, "ok %d %s", (int)c->init_pid, c->console_path);
    } else if (!strcmp(cmd, "monitor")) {
        send_line(cl->fd, "ok %d", (int)c->init_pid);
        cl->mode = CLIENT_MONITOR;
    } else if (!strcmp(cmd, "stop term") || !strcmp(cmd, "stop kill")) {
        bool hard = !strcmp(cmd, "stop kill");
        if (!hard || c->stop != STOP_KILL)
            c->stop = hard ? STOP_KILL : STOP_TERM;
        c->reboot = false;
        kill(c->init_pid, hard ? SIGKILL : SIGTERM);
        send_line(cl->fd, "ok");
    } else if (!strcmp(cmd, "reboot")) {
        c->reboot = true;
        kill(c->init_pid, SIGKILL);
        send_line(cl->fd, "ok");
    } else if (!strcmp(cmd, "console")) {
        /* The newest connection gets the console: lxcd decides who may take it over. */
        Client *old = console_client(c);
        if (old)
            client_close(old);
        send_line(cl->fd, "ok");
        cl->mode = CLIENT_CONSOLE;
    } else {
        send_line(cl->fd, "error unknown command '%s'", cmd);
    }
    if (cl->mode == CLIENT_COMMAND)
        client_close(cl);
}

static void
client_readable(Controller *c, Client *cl)
{
    if (cl->mode == CLIENT_CONSOLE) {
        char buf[CONSOLE_CHUNK];
        ssize_t n = read(cl->fd, buf, sizeof(buf));
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR))
                client_close(cl);
            return;
        }
        /* Keyboard input: a full tty buffer drops it, like a terminal nobody reads. */
        if (write(c->console_master, buf, (size_t)n) < 0) {
        }
        return;
    }
    if (cl->mode == CLIENT_MONITOR) {
        /* Monitors only listen; anything they send, or their hang-up, ends them. */
        client_close(cl);
        return;
    }
    ssize_t n = read(cl->fd, cl->line + cl->len, sizeof(cl->line) - 1 - cl->len);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            client_close(cl);
        return;
    }
    cl->len += (size_t)n;
    cl->line[cl->len] = '\0';
    char *nl = strchr(cl->line, '\n');
    if (!nl) {
        if (cl->len == sizeof(cl->line) - 1) {
            send_line(cl->fd, "error command too long");
            client_close(cl);
        }
        return;
    }
    *nl = '\0';
    run_command(c, cl, cl->line);
}

static void
accept_client(Controller *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++) {
        if (c->clients[i].fd < 0) {
            c->clients[i] = (Client){ .fd = fd, .mode = CLIENT_COMMAND };
            return;
        }
    }
    send_line(fd, "error too many connections");
    close(fd);
}

static void
console_readable(Controller *c)
{
    char buf[CONSOLE_CHUNK];
    ssize_t n = read(c->console_master, buf, sizeof(buf));
    if (n <= 0)
        return;
    /* Nobody attached: the output is dropped, so a chatty init never blocks on its tty. */
    Client *cl = console_client(c);
    if (cl && send(cl->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
        client_close(cl);
}

/* Init is gone: decide why, restart it for a reboot, or tell the monitors and leave.
 * Returns true when the controller should exit. */
static bool
init_exited(Controller *c, int status)
{
    /* A reboot(2) inside a pid namespace ends its init with SIGHUP (restart) or SIGINT
     * (halt, power off). */
    bool rebooting = c->reboot || (WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP && c->stop == STOP_NONE);
    if (rebooting) {
        char err[LXC_CTL_LINE_MAX];
        c->reboot = false;
        c->init_pid = lxc_container_start(&c->cfg, err, sizeof(err));
        if (c->init_pid > 0) {
            for (int i = 0; i < MAX_CLIENTS; i++)
                if (c->clients[i].fd >= 0 && c->clients[i].mode == CLIENT_MONITOR)
                    send_line(c->clients[i].fd, "restarted %d", (int)c->init_pid);
            return false;
        }
        logmsg("%s", err);
    }
    const char *reason;
    if (c->stop == STOP_KILL)
        reason = LXC_CTL_EXIT_DESTROYED;
    else if (WIFEXITED(status) || c->stop == STOP_TERM ||
             (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT))
        reason = LXC_CTL_EXIT_SHUTDOWN;
    else
        reason = LXC_CTL_EXIT_CRASHED;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (c->clients[i].fd >= 0 && c->clients[i].mode == CLIENT_MONITOR)
            send_line(c->clients[i].fd, "exit %s %d", reason, status);
    return true;
}

static int
serve(Controller *c)
{
    struct pollfd pfd[MAX_CLIENTS + 3];
    for (;;) {
        int n = 0;
        pfd[n++] = (struct pollfd){ .fd = c->signal_fd, .events = POLLIN };
        pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
        pfd[n++] = (struct pollfd){ .fd = c->console_master, .events = POLLIN };
        for (int i = 0; i < MAX_CLIENTS; i++)
            pfd[n++] = (struct pollfd){ .fd = c->clients[i].fd, .events = POLLIN };
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            logmsg("poll: %s", strerror(errno));
            return 1;
        }
        if (pfd[0].revents) {
            struct signalfd_siginfo si;
            if (read(c->signal_fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGTERM) {
                /* Asked to stop: the container goes with us. */
                c->stop = STOP_KILL;
                kill(c->init_pid, SIGKILL);
            }
            int status;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (pid == c->init_pid && init_exited(c, status))
                    return 0;
            }
        }
        if (pfd[1].revents)
            accept_client(c);
        if (pfd[2].revents)
            console_readable(c);
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (pfd[3 + i].revents && c->clients[i].fd >= 0)
                client_readable(c, &c->clients[i]);
    }
}

int
main(int argc, char **argv)
{
    static Controller ctl;
    Controller *c = &ctl;
    char err[LXC_CTL_LINE_MAX] = "";

    c->listen_fd = c->signal_fd = c->console_master = -1;
    for (int i = 0; i < MAX_CLIENTS; i++)
        c->clients[i].fd = -1;
    if (!parse_args(c, argc, argv)) {
        if (c->handshake_fd >= 0)
            handshake(c, "error bad options for the container controller");
        return 2;
    }
    fcntl(c->handshake_fd, F_SETFD, FD_CLOEXEC);
    /* Leave our starter at once (it reaps this first process and waits on the handshake):
     * init or a subreaper adopts the controller, so lxcd never has a controller to reap and
     * one restarted lxcd sees its containers as the first one did.  A session of our own
     * keeps lxcd's terminal signals away. */
    pid_t child = fork();
    if (child < 0) {
        snprintf(err, sizeof(err), "cannot fork the controller of container '%s': %s", c->cfg.name,
                 strerror(errno));
        goto fail;
    }
    if (child > 0)
        _exit(0);
    setsid();
    signal(SIGPIPE, SIG_IGN);

    struct stat st;
    if (stat(c->cfg.root, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, sizeof(err), "root directory '%s' of container '%s' %s", c->cfg.root, c->cfg.name,
                 errno == ENOENT ? "does not exist" : "is not a directory");
        goto fail;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    c->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (c->signal_fd < 0) {
        snprintf(err, sizeof(err), "cannot watch signals for container '%s': %s", c->cfg.name, strerror(errno));
        goto fail;
    }
    if (!open_console(c, err, sizeof(err)) || !open_socket(c, err, sizeof(err)))
        goto fail;
    c->init_pid = lxc_container_start(&c->cfg, err, sizeof(err));
    if (c->init_pid < 0)
        goto fail;
    handshake(c, "ok %d %s", (int)c->init_pid, c->console_path);
    int rc = serve(c);
    unlink(c->socket_path);
    return rc;

fail:
    logmsg("%s", err);
    handshake(c, "error %s", err);
    if (c->listen_fd >= 0)
        unlink(c->socket_path);
    return 1;
}
