// SPDX-License-Identifier: LGPL-2.1-or-later
// modvirt: the shell.  Reads the global options and hands the command line, or stdin,
// to the shell; everything else lives in cli-*.c.

#include "cli.h"
#include "mv-config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
print_version(bool full)
{
    if (full)
        cli_print("modvirt command line tool %s (libvirt API %d.%d.%d)\n", MV_VERSION,
                  LIBVIR_VERSION_NUMBER / 1000000, LIBVIR_VERSION_NUMBER / 1000 % 1000,
                  LIBVIR_VERSION_NUMBER % 1000);
    else
        cli_print("%s\n", MV_VERSION);
}

/* Report errors ourselves, after the shell's own message, instead of on the library's
 * default stderr line; keep each one until then. */
static void
keep_errors(void *data, virErrorPtr err)
{
    cli_save_lib_error();
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "quiet", no_argument, NULL, 'q' },
        { "readonly", no_argument, NULL, 'r' },
        { "version", optional_argument, NULL, 'V' + 256 },
        { NULL, 0, NULL, 0 },
    };
    CliCtl ctl = { 0 };
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:c:hqrvV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': g_free(ctl.uri); ctl.uri = g_strdup(optarg); break;
        case 'h': cli_usage("modvirt"); return 0;
        case 'q': ctl.quiet = true; break;
        case 'r': ctl.readonly = true; break;
        case 'v': print_version(false); return 0;
        case 'V': print_version(true); return 0;
        case 'V' + 256: print_version(optarg && strcmp(optarg, "long") == 0); return 0;
        case ':': cli_error("option '%s' requires an argument", argv[optind - 1]); return 1;
        default: cli_error("unsupported option '%s'. See --help.", argv[optind - 1]); return 1;
        }
    }
    virSetErrorFunc(NULL, keep_errors);
    /* As virsh: the loop exists before any connection, for events and the console. */
    virEventRegisterDefaultImpl();

    int status = optind == argc ? cli_interactive(&ctl)
                                : cli_batch(&ctl, argv + optind, argc - optind);
    cli_disconnect(&ctl);
    g_free(ctl.uri);
    return status;
}
