// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Domain Management" commands: define/undefine, start/create, the stop and pause
// family, ID/UUID/name conversion, dumpxml, autostart, setmem and setvcpus.  Messages
// and exit statuses follow virsh 9.0; the console lives in cli-console.c.

#include "cli.h"

#include <limits.h>
#include <string.h>

/* ---- define, undefine, start, create ---- */

static bool
cmd_define(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *file = cli_args_string(args, "file");
    unsigned int flags = cli_args_bool(args, "validate") ? VIR_DOMAIN_DEFINE_VALIDATE : 0;

    g_autofree char *xml = cli_read_file(file, error);
    if (!xml)
        return false;
    g_autoptr(virDomain) dom = flags ? virDomainDefineXMLFlags(ctl->conn, xml, flags)
                                     : virDomainDefineXML(ctl->conn, xml);
    if (!dom) {
        g_set_error(error, cli_error_quark(), 0, "Failed to define domain from %s", file);
        return false;
    }
    cli_print("Domain '%s' defined from %s\n", virDomainGetName(dom), file);
    return true;
}

/* Options of undefine that need storage handling modvirt does not have yet. */
static const char *const undefine_storage_opts[] = {
    "storage", "remove-all-storage", "delete-storage-volume-snapshots", "wipe-storage", NULL,
};

static bool
cmd_undefine(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } flag_opts[] = {
        { "managed-save", VIR_DOMAIN_UNDEFINE_MANAGED_SAVE },
        { "snapshots-metadata", VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA },
        { "checkpoints-metadata", VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA },
        { "nvram", VIR_DOMAIN_UNDEFINE_NVRAM },
        { "keep-nvram", VIR_DOMAIN_UNDEFINE_KEEP_NVRAM },
        { "tpm", VIR_DOMAIN_UNDEFINE_TPM },
        { "keep-tpm", VIR_DOMAIN_UNDEFINE_KEEP_TPM },
    };
    /* Flags only UNDEFINE_FLAGS understands: with them there is no falling back. */
    const unsigned int flags_only = VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_KEEP_NVRAM |
                                    VIR_DOMAIN_UNDEFINE_TPM | VIR_DOMAIN_UNDEFINE_KEEP_TPM |
                                    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
    unsigned int flags = 0;
    const char *name = NULL;

    if (!cli_args_exclusive(args, "nvram", "keep-nvram", error) ||
        !cli_args_exclusive(args, "tpm", "keep-tpm", error))
        return false;
    for (size_t i = 0; undefine_storage_opts[i]; i++) {
        if (cli_args_string(args, undefine_storage_opts[i])) {
            g_set_error(error, cli_error_quark(), 0, "option --%s is not supported by modvirt yet",
                        undefine_storage_opts[i]);
            return false;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(flag_opts); i++) {
        if (cli_args_bool(args, flag_opts[i].opt))
            flags |= flag_opts[i].flag;
    }
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, &name, error);
    if (!dom)
        return false;
    int active = virDomainIsActive(dom);
    if (active < 0)
        return false;

    /* As virsh: for an inactive domain, find out whether there is a managed save image or
     * snapshot metadata the flags would not cover; UNDEFINE_FLAGS is used once that is
     * known to be safe. */
    bool save_safe = active || (flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE);
    bool snapshots_safe = active || (flags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
    int has_save = 0, has_snapshots = 0, has_metadata = 0;
    if (!save_safe) {
        if ((has_save = virDomainHasManagedSaveImage(dom, 0)) < 0) {
            if (virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
                return false;
            cli_reset_lib_error();
            has_save = 0;
        }
    }
    if (!snapshots_safe) {
        has_metadata = virDomainSnapshotNum(dom, VIR_DOMAIN_SNAPSHOT_LIST_METADATA);
        if (has_metadata < 0) {
            /* A daemon without the flag: take every snapshot for one with metadata. */
            cli_reset_lib_error();
            if ((has_snapshots = virDomainSnapshotNum(dom, 0)) < 0) {
                if (virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
                    return false;
                cli_reset_lib_error();
                has_snapshots = 0;
            }
            has_metadata = has_snapshots;
        } else {
            /* It knew the flag, so it knows every undefine flag. */
            save_safe = snapshots_safe = true;
        }
        if (!has_save) {
            flags &= ~(unsigned int)VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;
            save_safe = true;
        }
        if (has_snapshots == 0)
            snapshots_safe = true;
        if (has_metadata == 0) {
            flags &= ~(unsigned int)VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
            snapshots_safe = true;
        }
    }

    int rc = -1;
    bool fall_back = true;
    if (save_safe && snapshots_safe) {
        rc = virDomainUndefineFlags(dom, flags);
        /* Only a daemon without the call (or without a flag) gets the piecewise way. */
        int code = virGetLastErrorCode();
        fall_back = rc < 0 && (code == VIR_ERR_NO_SUPPORT || code == VIR_ERR_INVALID_ARG) && !(flags & flags_only);
        if (fall_back)
            cli_reset_lib_error();
    }
    if (fall_back) {
        if (has_save) {
            /* Removing the image needs virDomainManagedSaveRemove, which libmodvirt lacks. */
            g_set_error(error, cli_error_quark(), 0, "Refusing to undefine while domain managed save image exists");
            return false;
        }
        rc = virDomainUndefine(dom);
    }
    if (rc < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to undefine domain '%s'", name);
        return false;
    }
    cli_print("Domain '%s' has been undefined\n", name);
    return true;
}

/* Options of start and create that pass file descriptors, which needs fd passing in
 * libmodvirt's calls (not there yet). */
static bool
refuse_pass_fds(const CliArgs *args, GError **error)
{
    if (!cli_args_string(args, "pass-fds"))
        return true;
    g_set_error(error, cli_error_quark(), 0, "option --pass-fds is not supported by modvirt yet");
    return false;
}

static bool
cmd_start(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } flag_opts[] = {
        { "paused", VIR_DOMAIN_START_PAUSED },
        { "autodestroy", VIR_DOMAIN_START_AUTODESTROY },
        { "bypass-cache", VIR_DOMAIN_START_BYPASS_CACHE },
        { "force-boot", VIR_DOMAIN_START_FORCE_BOOT },
        { "reset-nvram", VIR_DOMAIN_START_RESET_NVRAM },
    };
    unsigned int flags = 0;

    /* IDs name running domains only, so virsh does not try them here. */
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_UUID | CLI_BY_NAME, NULL, error);
    if (!dom)
        return false;
    if (virDomainGetID(dom) != (unsigned int)-1) {
        g_set_error(error, cli_error_quark(), 0, "Domain is already active");
        return false;
    }
    if (!refuse_pass_fds(args, error))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(flag_opts); i++) {
        if (cli_args_bool(args, flag_opts[i].opt))
            flags |= flag_opts[i].flag;
    }
    /* The older call unless a flag needs the newer, as virsh prefers. */
    int rc = flags ? virDomainCreateWithFlags(dom, flags) : virDomainCreate(dom);
    if (rc < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to start domain '%s'", virDomainGetName(dom));
        return false;
    }
    cli_print("Domain '%s' started\n", virDomainGetName(dom));
    if (cli_args_bool(args, "console"))
        return cli_console_run(ctl, dom, NULL, 0, error);
    return true;
}

static bool
cmd_create(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } flag_opts[] = {
        { "paused", VIR_DOMAIN_START_PAUSED },
        { "autodestroy", VIR_DOMAIN_START_AUTODESTROY },
        { "validate", VIR_DOMAIN_START_VALIDATE },
        { "reset-nvram", VIR_DOMAIN_START_RESET_NVRAM },
    };
    const char *file = cli_args_string(args, "file");
    unsigned int flags = 0;

    if (!refuse_pass_fds(args, error))
        return false;
    g_autofree char *xml = cli_read_file(file, error);
    if (!xml)
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(flag_opts); i++) {
        if (cli_args_bool(args, flag_opts[i].opt))
            flags |= flag_opts[i].flag;
    }
    g_autoptr(virDomain) dom = virDomainCreateXML(ctl->conn, xml, flags);
    if (!dom) {
        g_set_error(error, cli_error_quark(), 0, "Failed to create domain from %s", file);
        return false;
    }
    cli_print("Domain '%s' created from %s\n", virDomainGetName(dom), file);
    if (cli_args_bool(args, "console"))
        return cli_console_run(ctl, dom, NULL, 0, error);
    return true;
}

/* ---- stopping and pausing ---- */

static bool
cmd_destroy(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = NULL;
    unsigned int flags = 0;

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, &name, error);
    if (!dom)
        return false;
    if (cli_args_bool(args, "graceful"))
        flags |= VIR_DOMAIN_DESTROY_GRACEFUL;
    if (cli_args_bool(args, "remove-logs"))
        flags |= VIR_DOMAIN_DESTROY_REMOVE_LOGS;
    if ((flags ? virDomainDestroyFlags(dom, flags) : virDomainDestroy(dom)) < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to destroy domain '%s'", name);
        return false;
    }
    cli_print("Domain '%s' destroyed\n", name);
    return true;
}

/* The --mode list of shutdown and reboot ("acpi,agent") as flags; both flag sets have the
 * same values.  virsh words the error of each command slightly differently. */
static bool
parse_modes(const CliArgs *args, const char *expecting, unsigned int *ret_flags, GError **error)
{
    static const struct {
        const char *name;
        unsigned int flag;
    } modes[] = {
        { "acpi", VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN },
        { "agent", VIR_DOMAIN_SHUTDOWN_GUEST_AGENT },
        { "initctl", VIR_DOMAIN_SHUTDOWN_INITCTL },
        { "signal", VIR_DOMAIN_SHUTDOWN_SIGNAL },
        { "paravirt", VIR_DOMAIN_SHUTDOWN_PARAVIRT },
    };
    const char *mode = cli_args_string(args, "mode");
    unsigned int flags = 0;

    if (mode && !*mode) {
        g_set_error(error, cli_error_quark(), 0, "Malformed mode parameter '%s'", mode);
        return false;
    }
    g_auto(GStrv) parts = mode ? g_strsplit(mode, ",", 0) : NULL;
    for (char **m = parts; m && *m; m++) {
        size_t i;
        for (i = 0; i < G_N_ELEMENTS(modes) && strcmp(*m, modes[i].name) != 0; i++)
            ;
        if (i == G_N_ELEMENTS(modes)) {
            g_set_error(error, cli_error_quark(), 0, "Unknown mode %s value, expecting %s", *m, expecting);
            return false;
        }
        flags |= modes[i].flag;
    }
    *ret_flags = flags;
    return true;
}

static bool
cmd_shutdown(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = NULL;
    unsigned int flags;

    if (!parse_modes(args, "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'", &flags, error))
        return false;
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, &name, error);
    if (!dom)
        return false;
    if ((flags ? virDomainShutdownFlags(dom, flags) : virDomainShutdown(dom)) < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to shutdown domain '%s'", name);
        return false;
    }
    cli_print("Domain '%s' is being shutdown\n", name);
    return true;
}

static bool
cmd_reboot(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = NULL;
    unsigned int flags;

    if (!parse_modes(args, "'acpi', 'agent', 'initctl', 'signal' or 'paravirt'", &flags, error))
        return false;
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, &name, error);
    if (!dom)
        return false;
    if (virDomainReboot(dom, flags) < 0) {
        g_set_error(error, cli_error_quark(), 0, "Failed to reboot domain '%s'", name);
        return false;
    }
    cli_print("Domain '%s' is being rebooted\n", name);
    return true;
}

/* reset, suspend and resume: one call, one message each way. */
typedef struct {
    int (*call)(virDomainPtr dom);
    const char *done;    /* "Domain '%s' suspended" */
    const char *failed;  /* "Failed to suspend domain '%s'" */
} SimpleAction;

static int
reset_domain(virDomainPtr dom)
{
    return virDomainReset(dom, 0);
}

static bool
run_simple(CliCtl *ctl, const CliArgs *args, const SimpleAction *action, GError **error)
{
    const char *name = NULL;

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, &name, error);
    if (!dom)
        return false;
    if (action->call(dom) < 0) {
        g_set_error(error, cli_error_quark(), 0, action->failed, name);
        return false;
    }
    cli_print(action->done, name);
    cli_print("\n");
    return true;
}

static bool
cmd_reset(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const SimpleAction a = { reset_domain, "Domain '%s' was reset", "Failed to reset domain '%s'" };
    return run_simple(ctl, args, &a, error);
}

static bool
cmd_suspend(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const SimpleAction a = { virDomainSuspend, "Domain '%s' suspended", "Failed to suspend domain '%s'" };
    return run_simple(ctl, args, &a, error);
}

static bool
cmd_resume(CliCtl *ctl, const CliArgs *args, GError **error)
{
    static const SimpleAction a = { virDomainResume, "Domain '%s' resumed", "Failed to resume domain '%s'" };
    return run_simple(ctl, args, &a, error);
}

/* ---- names, IDs, UUIDs ---- */

static bool
cmd_domid(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_NAME | CLI_BY_UUID, NULL, error);
    if (!dom)
        return false;
    unsigned int id = virDomainGetID(dom);
    if (id == (unsigned int)-1)
        cli_print("-\n");
    else
        cli_print("%d\n", (int)id);
    return true;
}

static bool
cmd_domname(CliCtl *ctl, const CliArgs *args, GError **error)
{
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ID | CLI_BY_UUID, NULL, error);
    if (!dom)
        return false;
    cli_print("%s\n", virDomainGetName(dom));
    return true;
}

static bool
cmd_domuuid(CliCtl *ctl, const CliArgs *args, GError **error)
{
    char uuid[VIR_UUID_STRING_BUFLEN];

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_NAME | CLI_BY_ID, NULL, error);
    if (!dom)
        return false;
    if (virDomainGetUUIDString(dom, uuid) < 0) {
        g_set_error(error, cli_error_quark(), 0, "failed to get domain UUID");
        return false;
    }
    cli_print("%s\n", uuid);
    return true;
}

/* ---- XML, autostart, tuning ---- */

static bool
cmd_dumpxml(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned int flags = 0;

    if (cli_args_string(args, "xpath") || cli_args_bool(args, "wrap")) {
        g_set_error(error, cli_error_quark(), 0, "option --%s is not supported by modvirt yet",
                    cli_args_string(args, "xpath") ? "xpath" : "wrap");
        return false;
    }
    if (cli_args_bool(args, "inactive"))
        flags |= VIR_DOMAIN_XML_INACTIVE;
    if (cli_args_bool(args, "security-info"))
        flags |= VIR_DOMAIN_XML_SECURE;
    if (cli_args_bool(args, "update-cpu"))
        flags |= VIR_DOMAIN_XML_UPDATE_CPU;
    if (cli_args_bool(args, "migratable"))
        flags |= VIR_DOMAIN_XML_MIGRATABLE;
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error);
    if (!dom)
        return false;
    g_autofree char *xml = virDomainGetXMLDesc(dom, flags);
    if (!xml)
        return false;
    cli_print("%s", xml);
    return true;
}

static bool
cmd_autostart(CliCtl *ctl, const CliArgs *args, GError **error)
{
    const char *name = NULL;
    bool enable = !cli_args_bool(args, "disable");

    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, &name, error);
    if (!dom)
        return false;
    if (virDomainSetAutostart(dom, enable) < 0) {
        g_set_error(error, cli_error_quark(), 0,
                    enable ? "Failed to mark domain '%s' as autostarted"
                           : "Failed to unmark domain '%s' as autostarted", name);
        return false;
    }
    cli_print(enable ? "Domain '%s' marked as autostarted\n" : "Domain '%s' unmarked as autostarted\n", name);
    return true;
}

/* --config/--live/--current as virDomainModificationImpact; -1 when none was given, which
 * each command treats its own way. */
static bool
impact_flags(const CliArgs *args, int *ret_flags, GError **error)
{
    bool config = cli_args_bool(args, "config"), live = cli_args_bool(args, "live");
    bool current = cli_args_bool(args, "current");

    if (!cli_args_exclusive(args, "current", "live", error) ||
        !cli_args_exclusive(args, "current", "config", error))
        return false;
    int flags = VIR_DOMAIN_AFFECT_CURRENT;
    if (config)
        flags |= VIR_DOMAIN_AFFECT_CONFIG;
    if (live)
        flags |= VIR_DOMAIN_AFFECT_LIVE;
    *ret_flags = (!current && !live && !config) ? -1 : flags;
    return true;
}

static bool
cmd_setmem(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned long long bytes = 0;
    int flags;

    if (!impact_flags(args, &flags, error))
        return false;
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error);
    if (!dom)
        return false;
    /* Without a suffix the size is in KiB; the API takes KiB and an unsigned long. */
    if (!cli_args_scaled(args, "size", 1024, ULONG_MAX, &bytes, error))
        return false;
    unsigned long kib = (unsigned long)((bytes + 1023) / 1024);
    /* Without --config/--live/--current virsh changes the running domain, through the
     * flags call (it never uses virDomainSetMemory). */
    if (flags == -1)
        flags = VIR_DOMAIN_AFFECT_LIVE;
    return virDomainSetMemoryFlags(dom, kib, (unsigned int)flags) == 0;
}

static bool
cmd_setvcpus(CliCtl *ctl, const CliArgs *args, GError **error)
{
    unsigned int count = 0;
    int flags;

    if (!impact_flags(args, &flags, error) ||
        !cli_args_exclusive(args, "guest", "config", error) ||
        !cli_args_require(args, "maximum", "config", error))
        return false;
    unsigned int extra = 0;
    if (cli_args_bool(args, "maximum"))
        extra |= VIR_DOMAIN_VCPU_MAXIMUM;
    if (cli_args_bool(args, "guest"))
        extra |= VIR_DOMAIN_VCPU_GUEST;
    if (cli_args_bool(args, "hotpluggable"))
        extra |= VIR_DOMAIN_VCPU_HOTPLUGGABLE;
    g_autoptr(virDomain) dom = cli_domain_opt(ctl, args, CLI_BY_ANY, NULL, error);
    if (!dom)
        return false;
    if (!cli_args_uint(args, "count", &count, error))
        return false;
    if (count == 0) {
        g_set_error(error, cli_error_quark(), 0, "Can't set 0 processors for a VM");
        return false;
    }
    if (flags == -1 && !extra)
        return virDomainSetVcpus(dom, count) == 0;
    return virDomainSetVcpusFlags(dom, count, (unsigned int)(flags == -1 ? 0 : flags) | extra) == 0;
}

/* ---- the table ---- */

static const CliOpt domain_opt[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { NULL },
};

static const CliOpt autostart_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "disable", CLI_OPT_BOOL, 0, "disable autostarting" },
    { NULL },
};

static const CliOpt create_opts[] = {
    { "file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML domain description" },
    { "console", CLI_OPT_BOOL, 0, "attach to console after creation" },
    { "paused", CLI_OPT_BOOL, 0, "leave the guest paused after creation" },
    { "autodestroy", CLI_OPT_BOOL, 0, "automatically destroy the guest when virsh disconnects" },
    { "pass-fds", CLI_OPT_STRING, 0, "pass file descriptors N,M,... to the guest" },
    { "validate", CLI_OPT_BOOL, 0, "validate the XML against the schema" },
    { "reset-nvram", CLI_OPT_BOOL, 0, "re-initialize NVRAM from its pristine template" },
    { NULL },
};

static const CliOpt define_opts[] = {
    { "file", CLI_OPT_DATA, CLI_OPT_REQUIRED, "file containing an XML domain description" },
    { "validate", CLI_OPT_BOOL, 0, "validate the XML against the schema" },
    { NULL },
};

static const CliOpt destroy_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "graceful", CLI_OPT_BOOL, 0, "terminate gracefully" },
    { "remove-logs", CLI_OPT_BOOL, 0, "remove domain logs" },
    { NULL },
};

static const CliOpt domid_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name or uuid" },
    { NULL },
};

static const CliOpt domname_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain id or uuid" },
    { NULL },
};

static const CliOpt domuuid_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain id or name" },
    { NULL },
};

static const CliOpt dumpxml_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "inactive", CLI_OPT_BOOL, 0, "show inactive defined XML" },
    { "security-info", CLI_OPT_BOOL, 0, "include security sensitive information in XML dump" },
    { "update-cpu", CLI_OPT_BOOL, 0, "update guest CPU according to host CPU" },
    { "migratable", CLI_OPT_BOOL, 0, "provide XML suitable for migrations" },
    { "xpath", CLI_OPT_STRING, 0, "xpath expression to filter the XML document" },
    { "wrap", CLI_OPT_BOOL, 0, "wrap xpath results in an common root element" },
    { NULL },
};

static const CliOpt shutdown_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "mode", CLI_OPT_STRING, 0, "shutdown mode: acpi|agent|initctl|signal|paravirt" },
    { NULL },
};

static const CliOpt setmem_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "size", CLI_OPT_INT, CLI_OPT_REQUIRED, "new memory size, as scaled integer (default KiB)" },
    { "config", CLI_OPT_BOOL, 0, "affect next boot" },
    { "live", CLI_OPT_BOOL, 0, "affect running domain" },
    { "current", CLI_OPT_BOOL, 0, "affect current domain" },
    { NULL },
};

static const CliOpt setvcpus_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "count", CLI_OPT_INT, CLI_OPT_REQUIRED, "number of virtual CPUs" },
    { "maximum", CLI_OPT_BOOL, 0, "set maximum limit on next boot" },
    { "config", CLI_OPT_BOOL, 0, "affect next boot" },
    { "live", CLI_OPT_BOOL, 0, "affect running domain" },
    { "current", CLI_OPT_BOOL, 0, "affect current domain" },
    { "guest", CLI_OPT_BOOL, 0, "modify cpu state in the guest" },
    { "hotpluggable", CLI_OPT_BOOL, 0, "make added vcpus hot(un)pluggable" },
    { NULL },
};

static const CliOpt start_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "name of the inactive domain" },
    { "console", CLI_OPT_BOOL, 0, "attach to console after creation" },
    { "paused", CLI_OPT_BOOL, 0, "leave the guest paused after creation" },
    { "autodestroy", CLI_OPT_BOOL, 0, "automatically destroy the guest when virsh disconnects" },
    { "bypass-cache", CLI_OPT_BOOL, 0, "avoid file system cache when loading" },
    { "force-boot", CLI_OPT_BOOL, 0, "force fresh boot by discarding any managed save" },
    { "pass-fds", CLI_OPT_STRING, 0, "pass file descriptors N,M,... to the guest" },
    { "reset-nvram", CLI_OPT_BOOL, 0, "re-initialize NVRAM from its pristine template" },
    { NULL },
};

static const CliOpt undefine_opts[] = {
    { "domain", CLI_OPT_DATA, CLI_OPT_REQUIRED, "domain name, id or uuid" },
    { "managed-save", CLI_OPT_BOOL, 0, "remove domain managed state file" },
    { "storage", CLI_OPT_STRING, 0,
      "remove associated storage volumes (comma separated list of targets or source paths) (see domblklist)" },
    { "remove-all-storage", CLI_OPT_BOOL, 0, "remove all associated storage volumes (use with caution)" },
    { "delete-storage-volume-snapshots", CLI_OPT_BOOL, 0,
      "delete snapshots associated with volume(s), requires --remove-all-storage (must be supported by storage "
      "driver)" },
    { "wipe-storage", CLI_OPT_BOOL, 0, "wipe data on the removed volumes" },
    { "snapshots-metadata", CLI_OPT_BOOL, 0, "remove all domain snapshot metadata (vm must be inactive)" },
    { "checkpoints-metadata", CLI_OPT_BOOL, 0, "remove all domain checkpoint metadata (vm must be inactive)" },
    { "nvram", CLI_OPT_BOOL, 0, "remove nvram file" },
    { "keep-nvram", CLI_OPT_BOOL, 0, "keep nvram file" },
    { "tpm", CLI_OPT_BOOL, 0, "remove TPM state" },
    { "keep-tpm", CLI_OPT_BOOL, 0, "keep TPM state" },
    { NULL },
};

/* In virsh's order (its table order, which `help domain` shows). */
const CliCmd cli_domain_cmds[] = {
    { "autostart", "autostart a domain", "Configure a domain to be automatically started at boot.",
      autostart_opts, cmd_autostart, 0 },
    { "console", "connect to the guest console", "Connect the virtual serial console for the guest",
      cli_console_opts, cli_cmd_console, 0 },
    { "create", "create a domain from an XML file", "Create a domain.", create_opts, cmd_create, 0 },
    { "define", "define (but don't start) a domain from an XML file", "Define a domain.", define_opts,
      cmd_define, 0 },
    { "destroy", "destroy (stop) a domain", "Forcefully stop a given domain, but leave its resources intact.",
      destroy_opts, cmd_destroy, 0 },
    { "domid", "convert a domain name or UUID to domain id", NULL, domid_opts, cmd_domid, 0 },
    { "domname", "convert a domain id or UUID to domain name", NULL, domname_opts, cmd_domname, 0 },
    { "domuuid", "convert a domain name or id to domain UUID", NULL, domuuid_opts, cmd_domuuid, 0 },
    { "dumpxml", "domain information in XML", "Output the domain information as an XML dump to stdout.",
      dumpxml_opts, cmd_dumpxml, 0 },
    { "reboot", "reboot a domain", "Run a reboot command in the target domain.", shutdown_opts, cmd_reboot, 0 },
    { "reset", "reset a domain", "Reset the target domain as if by power button", domain_opt, cmd_reset, 0 },
    { "resume", "resume a domain", "Resume a previously suspended domain.", domain_opt, cmd_resume, 0 },
    { "setmem", "change memory allocation", "Change the current memory allocation in the guest domain.",
      setmem_opts, cmd_setmem, 0 },
    { "setvcpus", "change number of virtual CPUs", "Change the number of virtual CPUs in the guest domain.",
      setvcpus_opts, cmd_setvcpus, 0 },
    { "shutdown", "gracefully shutdown a domain", "Run shutdown in the target domain.", shutdown_opts,
      cmd_shutdown, 0 },
    { "start", "start a (previously defined) inactive domain",
      "Start a domain, either from the last managedsave\n    state, or via a fresh boot if no managedsave state\n"
      "    is present.",
      start_opts, cmd_start, 0 },
    { "suspend", "suspend a domain", "Suspend a running domain.", domain_opt, cmd_suspend, 0 },
    { "undefine", "undefine a domain", "Undefine an inactive domain, or convert persistent to transient.",
      undefine_opts, cmd_undefine, 0 },
    { NULL },
};
