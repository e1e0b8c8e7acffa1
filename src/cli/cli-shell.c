// SPDX-License-Identifier: LGPL-2.1-or-later
// The shell proper: finding commands, holding the connection, running parsed commands
// with virsh's error reporting and spacing, and the interactive prompt.  Parsing is in
// cli-parse.c, the commands themselves in their group's file.

#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
cli_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void
cli_error(const char *fmt, ...)
{
    va_list ap;
    /* Keep stdout and stderr in order when both reach one terminal or file. */
    fflush(stdout);
    fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const CliCmd *
cli_find_cmd(const char *name)
{
    for (const CliGroup *g = cli_groups; g->name; g++) {
        for (const CliCmd *c = g->cmds; c->name; c++) {
            if (strcmp(c->name, name) == 0)
                return c;
        }
    }
    return NULL;
}

const CliGroup *
cli_find_group(const char *keyword)
{
    for (const CliGroup *g = cli_groups; g->name; g++) {
        if (strcmp(g->keyword, keyword) == 0)
            return g;
    }
    return NULL;
}

/* The library's last error as the shell saw it (see cli_save_lib_error). */
static virErrorPtr saved_error;

void
cli_save_lib_error(void)
{
    virFreeError(saved_error);
    saved_error = virSaveLastError();
}

void
cli_reset_lib_error(void)
{
    virFreeError(saved_error);
    saved_error = NULL;
    virResetLastError();
}

int
cli_lib_error_code(void)
{
    return saved_error ? saved_error->code : VIR_ERR_OK;
}

void
cli_set_lib_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virFreeError(saved_error);
    saved_error = g_new0(virError, 1);
    saved_error->code = code;
    saved_error->level = VIR_ERR_ERROR;
    /* virFreeError releases the strings with free(); g_strdup's come from malloc too. */
    saved_error->message = g_steal_pointer(&msg);
}

/* Print the shell's message for a failed step, then what the library said, as virsh
 * does ("error: failed to get node information" / "error: <library message>"). */
static void
report(const GError *err)
{
    if (err)
        cli_error("%s", err->message);
    if (!saved_error || saved_error->code == VIR_ERR_OK)
        cli_save_lib_error();
    if (saved_error && saved_error->code != VIR_ERR_OK)
        cli_error("%s", saved_error->message ? saved_error->message : "unknown error");
    cli_reset_lib_error();
}

void
cli_disconnect(CliCtl *ctl)
{
    if (ctl->conn) {
        virConnectClose(ctl->conn);
        ctl->conn = NULL;
    }
}

bool
cli_reconnect(CliCtl *ctl, const char *uri, bool readonly, GError **error)
{
    g_autofree char *target = g_strdup(uri);

    cli_disconnect(ctl);
    ctl->conn = virConnectOpenAuth(target, virConnectAuthPtrDefault, readonly ? VIR_CONNECT_RO : 0);
    if (!ctl->conn) {
        g_set_error(error, cli_error_quark(), 0, "failed to connect to the hypervisor");
        return false;
    }
    g_free(ctl->uri);
    ctl->uri = g_steal_pointer(&target);
    ctl->readonly = readonly;
    return true;
}

bool
cli_connect(CliCtl *ctl, GError **error)
{
    if (ctl->conn)
        return true;
    return cli_reconnect(ctl, ctl->uri, ctl->readonly, error);
}

bool
cli_run(CliCtl *ctl, GPtrArray *cmds, bool *ret_quit)
{
    bool ok = true;

    *ret_quit = false;
    for (guint i = 0; i < cmds->len; i++) {
        const CliArgs *args = cmds->pdata[i];
        const CliCmd *cmd = args->cmd;
        g_autoptr(GError) error = NULL;

        cli_reset_lib_error();
        if (!(cmd->flags & CLI_CMD_NOCONNECT) && !cli_connect(ctl, &error)) {
            /* Like virsh failing to connect at start: nothing else runs. */
            report(error);
            return false;
        }
        ok = cmd->handler(ctl, args, &error);
        if (!ok)
            report(error);
        if (cmd->flags & CLI_CMD_QUIT) {
            *ret_quit = true;
            return ok;
        }
        if (!ctl->quiet)
            cli_print("\n");
    }
    return ok;
}

int
cli_interactive(CliCtl *ctl)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *line = NULL;
    size_t cap = 0;
    /* readline shows what it reads when stdin is not a terminal; virsh users see their
     * piped commands after the prompt, and so do ours. */
    bool echo = !isatty(STDIN_FILENO);

    if (!cli_connect(ctl, &error)) {
        report(error);
        return 1;
    }
    if (!ctl->quiet) {
        cli_print("Welcome to modvirt, the virtualization interactive terminal.\n\n"
                  "Type:  'help' for help with commands\n"
                  "       'quit' to quit\n\n");
    }
    for (;;) {
        cli_print("%s", ctl->readonly ? "modvirt > " : "modvirt # ");
        fflush(stdout);
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0)
            break;
        if (echo)
            cli_print("%s%s", line, n > 0 && line[n - 1] == '\n' ? "" : "\n");

        g_autoptr(GError) parse_error = NULL;
        g_autoptr(GPtrArray) cmds = cli_parse_line(line, &parse_error);
        if (!cmds) {
            report(parse_error);
            continue;
        }
        bool quit;
        cli_run(ctl, cmds, &quit);
        if (quit)
            break;
    }
    cli_print("\n");
    return 0;
}

int
cli_batch(CliCtl *ctl, char **words, int nwords)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) cmds = NULL;
    bool quit;

    /* One word is a command string ("hostname; uri"); several are one command. */
    if (nwords == 1) {
        cmds = cli_parse_line(words[0], &error);
    } else {
        CliArgs *args = cli_parse_cmd(words, &error);
        if (args) {
            cmds = g_ptr_array_new_with_free_func((GDestroyNotify)cli_args_free);
            g_ptr_array_add(cmds, args);
        }
    }
    if (!cmds) {
        cli_error("%s", error->message);
        return 1;
    }
    return cli_run(ctl, cmds, &quit) ? 0 : 1;
}
