// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Domain Conversion" commands: domxml-from-native and domxml-to-native, between domain
// XML and a hypervisor's own configuration format (xen-xl, bhyve-argv), done by the daemon.

#include "cli.h"

static bool
cmd_from_native(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *format = cli_args_string(args, "format");
    const char *file = cli_args_string(args, "config");
    g_autofree char *config = cli_read_file(file, error);
    if (!config)
        return false;
    g_autofree char *xml = virConnectDomainXMLFromNative(ctl->conn, format, config, 0);
    if (!xml) {
        g_set_error(error, cli_error_quark(), 0, "failed to convert '%s' from %s", file, format);
        return false;
    }
    cli_print("%s", xml);
    return true;
}

static bool
cmd_to_native(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *format = cli_args_string(args, "format");
    const char *file = cli_args_string(args, "xml");
    const char *domain = cli_args_string(args, "domain");
    g_autofree char *xml = NULL;
    if (!cli_args_exclusive(args, "xml", "domain", error))
        return false;
    if (domain) {
        g_autoptr(virDomain) dom = cli_domain_lookup(ctl, domain, CLI_BY_ANY, error);
        if (!dom)
            return false;
        xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    } else if (file) {
        xml = cli_read_file(file, error);
        if (!xml)
            return false;
    } else {
        g_set_error(error, cli_error_quark(), 0, "either --xml or --domain must be given");
        return false;
    }
    if (!xml)
        return false;
    g_autofree char *native = virConnectDomainXMLToNative(ctl->conn, format, xml, 0);
    if (!native) {
        g_set_error(error, cli_error_quark(), 0, "failed to convert domain XML to %s", format);
        return false;
    }
    cli_print("%s", native);
    return true;
}

static const CliOpt from_native_opts[] = {
    { "format", CLI_OPT_DATA, CLI_OPT_REQUIRED, "source config data format (xen-xl, bhyve-argv)" },
    { "config", CLI_OPT_STRING, CLI_OPT_REQUIRED, "config data file to import from" },
    { NULL },
};

static const CliOpt to_native_opts[] = {
    { "format", CLI_OPT_DATA, CLI_OPT_REQUIRED, "target config data type format (xen-xl, bhyve-argv)" },
    { "xml", CLI_OPT_STRING, 0, "xml data file to export from" },
    { "domain", CLI_OPT_STRING, CLI_OPT_NAMED_ONLY, "domain name, id or uuid" },
    { NULL },
};

const CliCmd cli_native_cmds[] = {
    { "domxml-from-native", "Convert native config to domain XML",
      "Convert native guest configuration format to domain XML format.", from_native_opts,
      cmd_from_native, 0 },
    { "domxml-to-native", "Convert domain XML to native config",
      "Convert domain XML config to a native guest configuration format.", to_native_opts,
      cmd_to_native, 0 },
    { NULL },
};
