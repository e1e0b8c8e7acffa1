// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKI commands: `pki init` makes the CA, server and client certificates that TLS
// between libvirt clients and modvirt-proxyd needs (src/core/util/util-pki.c does the
// work).  They run without a connection.

#include "cli-pki.h"
#include "util/util-pki.h"

#include <string.h>

static bool
cmd_pki(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *action = cli_args_string(args, "action");
    if (!g_str_equal(action, "init")) {
        g_set_error(error, cli_error_quark(), 0, "unknown pki action '%s' (known: init)", action);
        return false;
    }
    const char *root = cli_args_string(args, "root");
    const char *host = cli_args_string(args, "host");
    /* Several names: "--host a,b" or "--host 'a b'". */
    g_auto(GStrv) hosts = host ? g_strsplit_set(host, ", ", -1) : NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (char **h = hosts; h && *h; h++) {
        if (**h)
            g_ptr_array_add(names, *h);
    }
    g_ptr_array_add(names, NULL);

    MvPkiOptions opts = {
        .root = root ? root : "/",
        .hosts = (const char *const *)names->pdata,
        .force = cli_args_bool(args, "force"),
    };
    g_auto(GStrv) files = NULL;
    g_autoptr(GError) err = NULL;
    if (!mv_pki_init(&opts, &files, &err)) {
        g_set_error(error, cli_error_quark(), 0, "cannot create the PKI: %s", err->message);
        return false;
    }
    for (char **f = files; *f; f++)
        cli_print("%s\n", *f);
    g_autofree char *client_dir = g_build_filename(opts.root, MV_PKI_CLIENT_DIR, NULL);
    const char *first = names->len > 1 ? names->pdata[0] : "localhost";
    cli_print("Clients connect with: qemu+tls://%s/system?pkipath=%s\n", first, client_dir);
    return true;
}

static const CliOpt pki_opts[] = {
    { "action", CLI_OPT_DATA, CLI_OPT_REQUIRED, "what to do: init" },
    { "root", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "directory the files go under (default /)" },
    { "host", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY,
      "host names and addresses clients use for the server, separated by commas (default localhost,127.0.0.1)" },
    { "force", CLI_OPT_BOOL, 0, "replace existing keys and certificates" },
    { NULL },
};

const CliCmd cli_pki_cmds[] = {
    { "pki", "create TLS certificates for remote access",
      "init: create a CA, a server certificate for the given host names and a client\n"
      "    certificate, in libvirt's locations under the root (etc/pki/CA, etc/pki/libvirt) and\n"
      "    in etc/pki/modvirt-client for a client URI's pkipath=.  Existing keys are kept\n"
      "    unless --force is given.",
      pki_opts, cmd_pki, CLI_CMD_NOCONNECT },
    { NULL },
};
