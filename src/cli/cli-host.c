// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Host and Hypervisor" commands: version, hostname, uri, nodeinfo, capabilities.
// Output and failure messages follow virsh 9.0 line for line, so scripts can switch.

#include "cli.h"

/* Print a libvirt-style version number (major * 1,000,000 + minor * 1,000 + micro). */
static char *
format_version(unsigned long v)
{
    return g_strdup_printf("%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

static bool
cmd_version(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned long lib_ver, api_ver, hv_ver, daemon_ver;

    const char *type = virConnectGetType(ctl->conn);
    if (!type) {
        g_set_error(error, cli_error_quark(), 0, "failed to get hypervisor type");
        return false;
    }
    g_autofree char *built = format_version(LIBVIR_VERSION_NUMBER);
    cli_print("Compiled against library: libvirt %s\n", built);

    if (virGetVersion(&lib_ver, type, &api_ver) < 0) {
        g_set_error(error, cli_error_quark(), 0, "failed to get the library version");
        return false;
    }
    g_autofree char *lib = format_version(lib_ver);
    g_autofree char *api = format_version(api_ver);
    cli_print("Using library: libvirt %s\n", lib);
    cli_print("Using API: %s %s\n", type, api);

    if (virConnectGetVersion(ctl->conn, &hv_ver) < 0) {
        g_set_error(error, cli_error_quark(), 0, "failed to get the hypervisor version");
        return false;
    }
    if (hv_ver == 0) {
        cli_print("Cannot extract running %s hypervisor version\n", type);
    } else {
        g_autofree char *hv = format_version(hv_ver);
        cli_print("Running hypervisor: %s %s\n", type, hv);
    }

    if (cli_args_bool(args, "daemon")) {
        if (virConnectGetLibVersion(ctl->conn, &daemon_ver) < 0) {
            g_set_error(error, cli_error_quark(), 0, "failed to get the daemon version");
            return false;
        }
        g_autofree char *daemon = format_version(daemon_ver);
        cli_print("Running against daemon: %s\n", daemon);
    }
    return true;
}

static bool
cmd_hostname(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autofree char *hostname = virConnectGetHostname(ctl->conn);
    if (!hostname) {
        g_set_error(error, cli_error_quark(), 0, "failed to get hostname");
        return false;
    }
    cli_print("%s\n", hostname);
    return true;
}

static bool
cmd_uri(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autofree char *uri = virConnectGetURI(ctl->conn);
    if (!uri) {
        g_set_error(error, cli_error_quark(), 0, "failed to get URI");
        return false;
    }
    cli_print("%s\n", uri);
    return true;
}

static bool
cmd_nodeinfo(CliCtl *ctl, const CliArgs *args, GError **error)
{
    virNodeInfo info;

    if (virNodeGetInfo(ctl->conn, &info) < 0) {
        g_set_error(error, cli_error_quark(), 0, "failed to get node information");
        return false;
    }
    cli_print("%-20s %s\n", "CPU model:", info.model);
    cli_print("%-20s %u\n", "CPU(s):", info.cpus);
    cli_print("%-20s %u MHz\n", "CPU frequency:", info.mhz);
    cli_print("%-20s %u\n", "CPU socket(s):", info.sockets);
    cli_print("%-20s %u\n", "Core(s) per socket:", info.cores);
    cli_print("%-20s %u\n", "Thread(s) per core:", info.threads);
    cli_print("%-20s %u\n", "NUMA cell(s):", info.nodes);
    cli_print("%-20s %lu KiB\n", "Memory size:", info.memory);
    return true;
}

static bool
cmd_capabilities(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autofree char *caps = virConnectGetCapabilities(ctl->conn);
    if (!caps) {
        g_set_error(error, cli_error_quark(), 0, "failed to get capabilities");
        return false;
    }
    cli_print("%s\n", caps);
    return true;
}

static const CliOpt version_opts[] = {
    { "daemon", CLI_OPT_BOOL, 0, "report daemon version too" },
    { NULL },
};

const CliCmd cli_host_cmds[] = {
    { "capabilities", "capabilities", "Returns capabilities of hypervisor/driver.",
      NULL, cmd_capabilities, 0 },
    { "hostname", "print the hypervisor hostname", NULL, NULL, cmd_hostname, 0 },
    { "nodeinfo", "node information", "Returns basic information about the node.",
      NULL, cmd_nodeinfo, 0 },
    { "uri", "print the hypervisor canonical URI", NULL, NULL, cmd_uri, 0 },
    { "version", "show version", "Display the system version information.",
      version_opts, cmd_version, 0 },
    { NULL },
};
