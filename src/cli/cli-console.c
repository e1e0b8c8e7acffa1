// SPDX-License-Identifier: LGPL-2.1-or-later
// `console`: virsh's checks and banner, then the terminal joined to the console stream
// through the default event loop, as virsh does: stdin goes to the stream, the stream to
// stdout, and the escape character (^]) or the guest's end of data ends the session.  A
// terminal on stdin is put in raw mode; without one the bytes are piped both ways unchanged
// (virsh refuses that case; scripts want it).

#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* virsh's escape character, ^] (Ctrl + ]). */
#define CONSOLE_ESCAPE '\x1d'
/* Bytes moved per read.  Writes to stdout stay at this size too: poll() promises room for
 * at least PIPE_BUF (4096) bytes, so a write of that much never stalls the loop. */
#define CONSOLE_CHUNK 4096
/* Guest output waiting for a slow stdout.  Past this the stream is not read until stdout
 * catches up (the bytes wait in the library, then in the daemon). */
#define CONSOLE_OUT_MAX (1024 * 1024)

typedef struct {
    virStreamPtr st;
    int stdin_watch;
    int stdout_watch;
    GByteArray *out;        /* guest output not written to stdout yet */
    bool stream_paused;     /* not reading the stream while out is full */
    bool quit;
    bool graceful;          /* the guest's end of data or the escape: finish, not abort */
    bool stream_failed;     /* the library's last error says why */
    int term_errno;         /* a read or write of ours failed */
} Console;

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
    got_signal = sig;
}

/* stdin: keystrokes (or piped bytes) to the guest, up to the escape character. */
static void
on_stdin(int watch, int fd, int events, void *opaque)
{
    Console *con = opaque;
    char buf[CONSOLE_CHUNK];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            con->term_errno = errno;
            con->quit = true;
        }
        return;
    }
    if (n == 0) {
        /* Piped input ran out: the guest's output still comes until it ends, ^C or a
         * signal.  A terminal that hangs up ends the session. */
        virEventRemoveHandle(watch);
        con->stdin_watch = -1;
        if (isatty(fd))
            con->quit = true;
        return;
    }
    const char *esc = memchr(buf, CONSOLE_ESCAPE, n);
    size_t len = esc ? (size_t)(esc - buf) : (size_t)n;
    if (len > 0 && virStreamSend(con->st, buf, len) < 0) {
        con->stream_failed = true;
        con->quit = true;
        return;
    }
    if (esc) {
        con->graceful = true;
        con->quit = true;
    }
}

/* stdout: write what the guest said, a chunk at a time. */
static void
on_stdout(int watch, int fd, int events, void *opaque)
{
    Console *con = opaque;
    ssize_t n = write(fd, con->out->data, MIN(con->out->len, (guint)CONSOLE_CHUNK));

    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            con->term_errno = errno;
            con->quit = true;
        }
        return;
    }
    g_byte_array_remove_range(con->out, 0, (guint)n);
    if (con->out->len == 0)
        virEventUpdateHandle(watch, 0);
    if (con->stream_paused && con->out->len < CONSOLE_OUT_MAX / 2) {
        con->stream_paused = false;
        virStreamEventUpdateCallback(con->st, VIR_STREAM_EVENT_READABLE);
    }
}

/* The stream: the guest's output, its end, or a failure. */
static void
on_stream(virStreamPtr st, int events, void *opaque)
{
    Console *con = opaque;
    char buf[CONSOLE_CHUNK];

    while (!con->quit) {
        if (con->out->len >= CONSOLE_OUT_MAX) {
            con->stream_paused = true;
            virStreamEventUpdateCallback(st, 0);
            break;
        }
        int n = virStreamRecv(st, buf, sizeof(buf));
        if (n == -2)
            break;
        if (n == 0) {
            con->graceful = true;
            con->quit = true;
        } else if (n < 0) {
            con->stream_failed = true;
            con->quit = true;
        } else {
            g_byte_array_append(con->out, (const guint8 *)buf, (guint)n);
        }
    }
    if (con->out->len > 0)
        virEventUpdateHandle(con->stdout_watch, VIR_EVENT_HANDLE_WRITABLE);
}

/* Write what is left for stdout, waiting for it: the guest's last words before its end. */
static void
flush_output(Console *con)
{
    size_t off = 0;
    while (off < con->out->len && !con->term_errno) {
        ssize_t n = write(STDOUT_FILENO, con->out->data + off, con->out->len - off);
        if (n < 0 && errno != EINTR)
            con->term_errno = errno;
        else if (n > 0)
            off += n;
    }
    g_byte_array_set_size(con->out, 0);
}

/* Run the session on the open stream @st until it ends. */
static void
console_loop(Console *con)
{
    con->stdin_watch = virEventAddHandle(STDIN_FILENO, VIR_EVENT_HANDLE_READABLE, on_stdin, con, NULL);
    con->stdout_watch = virEventAddHandle(STDOUT_FILENO, 0, on_stdout, con, NULL);
    bool have_cb = con->stdin_watch >= 0 && con->stdout_watch >= 0 &&
                   virStreamEventAddCallback(con->st, VIR_STREAM_EVENT_READABLE, on_stream, con, NULL) == 0;
    if (!have_cb) {
        con->stream_failed = true;
        con->quit = true;
    }
    while (!con->quit && !got_signal) {
        if (virEventRunDefaultImpl() < 0) {
            con->stream_failed = true;
            break;
        }
    }
    if (have_cb)
        virStreamEventRemoveCallback(con->st);
    if (con->stdin_watch >= 0)
        virEventRemoveHandle(con->stdin_watch);
    if (con->stdout_watch >= 0)
        virEventRemoveHandle(con->stdout_watch);
    flush_output(con);
}

static void
print_banner(CliCtl *ctl, virDomainPtr dom, FILE *to)
{
    if (!ctl->quiet) {
        fprintf(to, "Connected to domain '%s'\n", virDomainGetName(dom));
        fprintf(to, "Escape character is ^] (Ctrl + ])\n");
    }
    fflush(to);
}

/* Open the console and relay until the escape, the guest's end of data, a signal or a
 * failure.  Library errors are left for the shell to print (@error stays unset). */
static bool
console_session(CliCtl *ctl, virDomainPtr dom, const char *devname, unsigned int flags, bool banner_after,
                GError **error)
{
    Console con = { .stdin_watch = -1, .stdout_watch = -1 };

    con.st = virStreamNew(ctl->conn, VIR_STREAM_NONBLOCK);
    if (!con.st)
        return false;
    if (virDomainOpenConsole(dom, devname, con.st, flags) < 0) {
        virStreamFree(con.st);
        return false;
    }
    if (banner_after)
        print_banner(ctl, dom, stderr);
    con.out = g_byte_array_new();
    console_loop(&con);

    /* As virsh: a session that ended by itself or by the escape is finished, a failed one
     * aborted (the shell kept the library's error already; aborting a failed stream adds
     * none).  After a signal nothing waits for the daemon: freeing an open stream aborts
     * it without waiting for the answer. */
    bool ok = !con.stream_failed && !con.term_errno;
    if (!got_signal && con.graceful && ok)
        ok = virStreamFinish(con.st) == 0;
    else if (!got_signal)
        virStreamAbort(con.st);
    /* One more turn of the loop releases the removed watches and the stream references
     * they hold (the removals woke the loop, so it does not wait). */
    virEventRunDefaultImpl();
    virStreamFree(con.st);
    g_byte_array_unref(con.out);
    if (con.term_errno) {
        g_set_error(error, cli_error_quark(), 0, "cannot relay the console: %s", g_strerror(con.term_errno));
        return false;
    }
    return ok;
}

bool
cli_console_run(CliCtl *ctl, virDomainPtr dom, const char *devname, unsigned int flags, GError **error)
{
    int state = cli_domain_state(dom, NULL);

    if (state < 0) {
        g_set_error(error, cli_error_quark(), 0, "Unable to get domain status");
        return false;
    }
    if (state == VIR_DOMAIN_SHUTOFF) {
        g_set_error(error, cli_error_quark(), 0, "The domain is not running");
        return false;
    }
    bool tty = isatty(STDIN_FILENO);
    /* On a terminal virsh's banner comes first, on stdout.  Piped, it goes to stderr (stdout
     * carries the guest's bytes alone) once the console is attached, so that a script can
     * wait for it before it makes the guest talk. */
    if (tty)
        print_banner(ctl, dom, stdout);

    struct termios saved, raw;
    bool restore = false;
    if (tty) {
        if (tcgetattr(STDIN_FILENO, &saved) < 0) {
            g_set_error(error, cli_error_quark(), 0, "unable to get tty attributes: %s", g_strerror(errno));
            return false;
        }
        raw = saved;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0) {
            g_set_error(error, cli_error_quark(), 0, "unable to set tty attributes: %s", g_strerror(errno));
            return false;
        }
        restore = true;
    }
    /* As virsh: these end the session (and restore the terminal) instead of the process.
     * No SA_RESTART, so that the loop's poll() returns at once. */
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
    struct sigaction sa = { .sa_handler = on_signal }, old[G_N_ELEMENTS(sigs)];
    sigemptyset(&sa.sa_mask);
    got_signal = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
        sigaction(sigs[i], &sa, &old[i]);

    bool ok = console_session(ctl, dom, devname, flags, !tty, error);

    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
        sigaction(sigs[i], &old[i], NULL);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    return ok;
}

bool
cli_cmd_console(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned int flags = 0;

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error);
    if (!dom)
        return false;
    if (cli_args_bool(args, "force"))
        flags |= VIR_DOMAIN_CONSOLE_FORCE;
    if (cli_args_bool(args, "safe"))
        flags |= VIR_DOMAIN_CONSOLE_SAFE;
    return cli_console_run(ctl, dom, cli_args_string(args, "devname"), flags, error);
}

const CliOpt cli_console_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "devname", CLI_OPT_STRING, 0, "character device name" },
    { "force", CLI_OPT_BOOL, 0, "force console connection (disconnect already connected sessions)" },
    { "safe", CLI_OPT_BOOL, 0, "only connect if safe console handling is supported" },
    { NULL },
};
