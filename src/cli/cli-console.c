// SPDX-License-Identifier: LGPL-2.1-or-later
// `console`: virsh's checks and banner, then the console stream.  Moving bytes between
// the terminal and the stream (raw mode, the ^] escape, stream and stdin watches in the
// event loop) belongs in console_pump(), which waits for libmodvirt's stream data calls;
// until then virDomainOpenConsole fails and the shell shows the library's error.

#include "cli.h"

#include <stdio.h>
#include <unistd.h>

/* Relay the terminal and @st until the escape character or the stream's end.  libmodvirt
 * cannot attach a stream yet (virDomainOpenConsole fails first), so this only says so. */
static bool
console_pump(CliCtl *ctl, virStreamPtr st, GError **error)
{
    g_set_error(error, cli_error_quark(), 0, "console data transfer is not supported by modvirt yet");
    return false;
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
    if (!isatty(STDIN_FILENO)) {
        g_set_error(error, cli_error_quark(), 0, "Cannot run interactive console without a controlling TTY");
        return false;
    }
    if (!ctl->quiet) {
        cli_print("Connected to domain '%s'\n", virDomainGetName(dom));
        cli_print("Escape character is ^] (Ctrl + ])\n");
    }
    fflush(stdout);

    virStreamPtr st = virStreamNew(ctl->conn, VIR_STREAM_NONBLOCK);
    if (!st)
        return false;
    bool ok = virDomainOpenConsole(dom, devname, st, flags) == 0 && console_pump(ctl, st, error);
    virStreamFree(st);
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
