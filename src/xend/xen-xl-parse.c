// SPDX-License-Identifier: LGPL-2.1-or-later
// xl.cfg -> domain definition.  The file is read by Xen's own parser (libxlutil: syntax,
// quoting, lists) and disk specifications by its xlu_disk_parse; the vif, vfb and serial
// strings are comma-separated key=value lists that xl itself splits by hand, and so do we.
// Settings without a domain XML form are kept in <metadata> (see XEN_XL_KEPT_NS).

#include "xen-xl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxlutil.h>

#include "util/util-error.h"

/* xl.cfg files are small; a bigger input is a mistake, not a guest. */
#define XL_MAX_BYTES (1024 * 1024)

/* The settings this file maps to domain XML; every other one is kept in <metadata>. */
static const char *const known_keys[] = {
    "name", "uuid", "type", "builder", "memory", "maxmem", "vcpus", "maxvcpus", "cpus",
    "kernel", "ramdisk", "extra", "cmdline", "root", "bootloader", "bootloader_args", "boot",
    "acpi", "apic", "pae", "localtime", "on_poweroff", "on_reboot", "on_crash", "disk", "vif",
    "vfb", "vnc", "vnclisten", "vncdisplay", "vncunused", "vncpasswd", "keymap", "sdl",
    "serial", NULL,
};

static bool
in_known(const char *key)
{
    for (const char *const *k = known_keys; *k; k++)
        if (g_str_equal(*k, key))
            return true;
    return false;
}

typedef struct {
    XLU_Config *cfg;
    FILE *report;      /* where libxlutil writes its messages */
    char *report_buf;
    size_t report_len;
} XlReader;

static void
reader_clear(XlReader *r)
{
    if (r->cfg)
        xlu_cfg_destroy(r->cfg);
    if (r->report)
        fclose(r->report);
    free(r->report_buf);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(XlReader, reader_clear)

/* What libxlutil reported so far, trimmed, or @fallback. */
static char *
reader_message(XlReader *r, const char *fallback)
{
    fflush(r->report);
    if (!r->report_buf || !*r->report_buf)
        return g_strdup(fallback);
    return g_strstrip(g_strdup(r->report_buf));
}

static bool
xl_error(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static bool
xl_error(GError **error, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_LIBXL, code, "%s", msg);
    return false;
}

static const char *
get_str(const XlReader *r, const char *key)
{
    const char *value = NULL;
    if (xlu_cfg_get_string(r->cfg, key, &value, 1) != 0)
        return NULL;
    return value;
}

/* A number setting: false with @error when present but not a number; *@ret_present says
 * whether it was there. */
static bool
get_long(const XlReader *r, const char *key, long *ret, bool *ret_present, GError **error)
{
    long v = 0;
    int rc = xlu_cfg_get_long(r->cfg, key, &v, 1);
    *ret_present = rc == 0;
    if (rc == ESRCH)
        return true;
    if (rc != 0)
        return xl_error(error, MV_ERR_CONF_SYNTAX, "setting '%s' must be a number, found '%s'",
                        key, get_str(r, key) ? get_str(r, key) : "a list");
    *ret = v;
    return true;
}

/* A boolean-as-number setting with a default. */
static bool
get_bool(const XlReader *r, const char *key, bool dflt, bool *ret, GError **error)
{
    long v = dflt;
    bool present;
    if (!get_long(r, key, &v, &present, error))
        return false;
    *ret = v != 0;
    return true;
}

/* A list setting; a plain string counts as a list of one (xl accepts both for serial). */
static GPtrArray *
get_list(const XlReader *r, const char *key)
{
    GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
    XLU_ConfigList *list = NULL;
    int n = 0;
    if (xlu_cfg_get_list(r->cfg, key, &list, &n, 1) == 0) {
        for (int i = 0; i < n; i++) {
            const char *item = xlu_cfg_get_listitem(list, i);
            if (item)
                g_ptr_array_add(items, g_strdup(item));
        }
    } else if (get_str(r, key)) {
        g_ptr_array_add(items, g_strdup(get_str(r, key)));
    }
    return items;
}

/* ---- kept settings ---- */

static void
append_xl_string(GString *out, const char *s)
{
    bool number = *s != '\0';
    for (const char *p = s; *p; p++)
        number &= g_ascii_isdigit(*p);
    if (number) {
        g_string_append(out, s);
        return;
    }
    xen_xl_append_quoted(out, s);
}

static void append_xl_list(const XlReader *r, GString *out, XLU_ConfigList *list, int n);

static void
append_xl_value(const XlReader *r, GString *out, XLU_ConfigValue *value)
{
    if (xlu_cfg_value_type(value) == XLU_STRING) {
        char *s = NULL;
        if (xlu_cfg_value_get_string(r->cfg, value, &s, 1) == 0 && s)
            append_xl_string(out, s);
        return;
    }
    XLU_ConfigList *list = NULL;
    if (xlu_cfg_value_get_list(r->cfg, value, &list, 1) == 0)
        append_xl_list(r, out, list, -1);
}

/* @n < 0: count by walking until the end. */
static void
append_xl_list(const XlReader *r, GString *out, XLU_ConfigList *list, int n)
{
    g_string_append(out, "[ ");
    for (int i = 0; n < 0 || i < n; i++) {
        XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, i);
        if (!item)
            break;
        if (i)
            g_string_append(out, ", ");
        append_xl_value(r, out, item);
    }
    g_string_append(out, " ]");
}

/* The value of @key re-written as xl.cfg text, or NULL when the key is not set. */
static char *
kept_value(const XlReader *r, const char *key)
{
    g_autoptr(GString) out = g_string_new(NULL);
    XLU_ConfigList *list = NULL;
    int n = 0;
    if (get_str(r, key))
        append_xl_string(out, get_str(r, key));
    else if (xlu_cfg_get_list(r->cfg, key, &list, &n, 1) == 0)
        append_xl_list(r, out, list, n);
    else
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Escaped as libxml2 writes it back (the domain parser keeps <metadata> in its own
 * serialization): &, <, > always, double quotes only inside attributes. */
static void
append_escaped(GString *out, const char *text, bool in_attr)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '"':
            g_string_append(out, in_attr ? "&quot;" : "\"");
            break;
        default: g_string_append_c(out, *p); break;
        }
    }
}

/* Settings of @text whose names are not in known_keys, as <metadata> content.  libxlutil
 * has no way to list the names it read, so the names come from the lines that assign them
 * ("name =" or "name +=" at the start of a line) and each is confirmed with libxlutil. */
static char *
kept_metadata(const XlReader *r, const char *text)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **line = lines; *line; line++) {
        const char *p = *line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!g_ascii_isalpha(*p) && *p != '_')
            continue;
        const char *start = p;
        while (g_ascii_isalnum(*p) || *p == '_' || *p == '.')
            p++;
        g_autofree char *key = g_strndup(start, (gsize)(p - start));
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=' && !(p[0] == '+' && p[1] == '='))
            continue;
        if (in_known(key) || g_hash_table_contains(seen, key))
            continue;
        g_autofree char *value = kept_value(r, key);
        if (!value)
            continue;
        g_hash_table_add(seen, g_strdup(key));
        if (!out->len)
            g_string_append_printf(out, "    <xl:settings xmlns:xl=\"%s\">\n", XEN_XL_KEPT_NS);
        g_string_append(out, "      <xl:setting name=\"");
        append_escaped(out, key, true);
        g_string_append(out, "\">");
        append_escaped(out, value, false);
        g_string_append(out, "</xl:setting>\n");
    }
    if (!out->len)
        return NULL;
    g_string_append(out, "    </xl:settings>");
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- domain settings ---- */

static bool
parse_lifecycle(const XlReader *r, const char *key, MvDomainLifecycleAction *ret, GError **error)
{
    /* xl's names for libvirt's actions, in libvirt's enum order. */
    static const char *const names[] = {
        "destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
        "coredump-restart",
    };
    const char *value = get_str(r, key);
    if (!value)
        return true;
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (g_str_equal(names[i], value)) {
            *ret = (MvDomainLifecycleAction)i;
            return true;
        }
    }
    return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "unknown action '%s' for setting '%s'",
                    value, key);
}

static bool
parse_general(const XlReader *r, MvDomainDef *def, GError **error)
{
    const char *name = get_str(r, "name");
    if (!name || !*name)
        return xl_error(error, MV_ERR_CONF_SYNTAX, "xl.cfg has no 'name' setting");
    def->name = g_strdup(name);
    const char *uuid = get_str(r, "uuid");
    if (uuid && mv_uuid_parse(uuid, def->uuid) < 0)
        return xl_error(error, MV_ERR_CONF_SYNTAX, "malformed 'uuid' setting '%s'", uuid);
    if (!uuid)
        mv_uuid_generate(def->uuid);

    long memory = 128, maxmem = 0, vcpus = 1, maxvcpus = 0;
    bool present, have_maxmem, have_maxvcpus;
    if (!get_long(r, "memory", &memory, &present, error) ||
        !get_long(r, "maxmem", &maxmem, &have_maxmem, error) ||
        !get_long(r, "vcpus", &vcpus, &present, error) ||
        !get_long(r, "maxvcpus", &maxvcpus, &have_maxvcpus, error))
        return false;
    /* MiB; a guest of more than a TiB or 4096 vCPUs is a typo. */
    if (memory <= 0 || memory > 1024 * 1024 || (have_maxmem && (maxmem < memory || maxmem > 1024 * 1024)))
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                        "memory settings memory=%ld maxmem=%ld are out of range", memory, maxmem);
    if (vcpus <= 0 || vcpus > 4096 || (have_maxvcpus && (maxvcpus < vcpus || maxvcpus > 4096)))
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                        "vCPU settings vcpus=%ld maxvcpus=%ld are out of range", vcpus, maxvcpus);
    def->current_memory_kib = (guint64)memory * 1024;
    def->memory_kib = (guint64)(have_maxmem ? maxmem : memory) * 1024;
    def->vcpus = (unsigned)(have_maxvcpus ? maxvcpus : vcpus);
    def->current_vcpus = (unsigned)vcpus;
    const char *cpus = get_str(r, "cpus");
    if (cpus) {
        def->cpuset = mv_cpuset_canonical(cpus);
        if (!def->cpuset)
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "malformed 'cpus' setting '%s'", cpus);
    }
    bool localtime;
    if (!get_bool(r, "localtime", false, &localtime, error))
        return false;
    def->clock.offset = localtime ? MV_DOMAIN_CLOCK_LOCALTIME : MV_DOMAIN_CLOCK_UTC;
    return parse_lifecycle(r, "on_poweroff", &def->on_poweroff, error) &&
           parse_lifecycle(r, "on_reboot", &def->on_reboot, error) &&
           parse_lifecycle(r, "on_crash", &def->on_crash, error);
}

static bool
parse_os(const XlReader *r, MvDomainDef *def, GError **error)
{
    MvDomainOs *os = &def->os;
    const char *type = get_str(r, "type");
    const char *builder = get_str(r, "builder");
    if (!type && builder && g_str_equal(builder, "hvm"))
        type = "hvm";
    if (!type)
        type = "pv";
    os->arch = g_strdup("x86_64");
    if (g_str_equal(type, "hvm")) {
        os->type = MV_DOMAIN_OS_HVM;
        os->machine = g_strdup("xenfv");
    } else if (g_str_equal(type, "pv")) {
        os->type = MV_DOMAIN_OS_XEN;
        os->machine = g_strdup("xenpv");
    } else if (g_str_equal(type, "pvh")) {
        os->type = MV_DOMAIN_OS_XENPVH;
        os->machine = g_strdup("xenpvh");
    } else {
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "unknown guest type '%s'", type);
    }

    const char *kernel = get_str(r, "kernel");
    const char *ramdisk = get_str(r, "ramdisk");
    const char *cmdline = get_str(r, "cmdline");
    const char *extra = get_str(r, "extra");
    const char *root = get_str(r, "root");
    if ((ramdisk || cmdline || extra || root) && !kernel)
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                        "settings 'ramdisk', 'cmdline', 'extra' and 'root' need a 'kernel'");
    os->kernel = g_strdup(kernel);
    os->initrd = g_strdup(ramdisk);
    /* xl builds the command line as "root=ROOT EXTRA" unless cmdline is given. */
    if (cmdline)
        os->cmdline = g_strdup(cmdline);
    else if (root && extra)
        os->cmdline = g_strdup_printf("root=%s %s", root, extra);
    else if (root)
        os->cmdline = g_strdup_printf("root=%s", root);
    else
        os->cmdline = g_strdup(extra);
    for (const char *k = os->kernel; k; k = NULL)
        if (k[0] != '/')
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "kernel '%s' must be an absolute path", k);
    if (os->initrd && os->initrd[0] != '/')
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "ramdisk '%s' must be an absolute path",
                        os->initrd);

    def->bootloader = g_strdup(get_str(r, "bootloader"));
    const char *bl_args = get_str(r, "bootloader_args");
    if (!bl_args) {
        /* bootloader_args may also be a list; libvirt's form is one string. */
        g_autoptr(GPtrArray) items = get_list(r, "bootloader_args");
        g_ptr_array_add(items, NULL);
        if (items->len > 1)
            def->bootloader_args = g_strjoinv(" ", (char **)items->pdata);
    } else {
        def->bootloader_args = g_strdup(bl_args);
    }
    if (def->bootloader && os->type != MV_DOMAIN_OS_XEN)
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "a 'bootloader' needs a PV guest");

    if (os->type != MV_DOMAIN_OS_HVM)
        return true;
    const char *boot = get_str(r, "boot");
    for (const char *b = boot && *boot ? boot : "c"; *b; b++) {
        MvDomainBootDev dev;
        switch (*b) {
        case 'a': dev = MV_DOMAIN_BOOT_FD; break;
        case 'c': dev = MV_DOMAIN_BOOT_HD; break;
        case 'd': dev = MV_DOMAIN_BOOT_CDROM; break;
        case 'n': dev = MV_DOMAIN_BOOT_NETWORK; break;
        default:
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                            "unknown boot device '%c' in setting 'boot' ('%s')", *b, boot);
        }
        for (size_t i = 0; i < os->nboot; i++)
            if (os->boot[i] == dev)
                return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                                "boot device '%c' appears twice in setting 'boot'", *b);
        os->boot[os->nboot++] = dev;
    }
    /* xl turns these on for HVM guests unless told otherwise. */
    static const struct { const char *key; MvDomainFeature feature; } features[] = {
        { "acpi", MV_DOMAIN_FEATURE_ACPI },
        { "apic", MV_DOMAIN_FEATURE_APIC },
        { "pae", MV_DOMAIN_FEATURE_PAE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(features); i++)
        if (!get_bool(r, features[i].key, true, &def->features[features[i].feature], error))
            return false;
    return true;
}

/* ---- devices ---- */

static bool
parse_disk(XlReader *r, const char *spec, MvDomainDef *def, GError **error)
{
    libxl_device_disk d;
    libxl_device_disk_init(&d);
    const char *specs[] = { spec };
    int rc = xlu_disk_parse(r->cfg, 1, specs, &d);
    if (rc != 0) {
        libxl_device_disk_dispose(&d);
        g_autofree char *msg = reader_message(r, g_strerror(rc));
        return xl_error(error, MV_ERR_CONF_SYNTAX, "invalid disk '%s': %s", spec, msg);
    }
    g_autoptr(MvDomainDisk) disk = g_new0(MvDomainDisk, 1);
    bool ok = true;
    disk->target = g_strdup(d.vdev);
    disk->src = d.pdev_path && *d.pdev_path ? g_strdup(d.pdev_path) : NULL;
    disk->device = d.is_cdrom ? MV_DOMAIN_DISK_DEVICE_CDROM : MV_DOMAIN_DISK_DEVICE_DISK;
    disk->readonly = !d.readwrite;
    switch (d.format) {
    case LIBXL_DISK_FORMAT_QCOW2: disk->format = MV_DOMAIN_DISK_FORMAT_QCOW2; break;
    case LIBXL_DISK_FORMAT_RAW:
    case LIBXL_DISK_FORMAT_UNKNOWN:
    case LIBXL_DISK_FORMAT_EMPTY:
        disk->format = MV_DOMAIN_DISK_FORMAT_RAW;
        break;
    default:
        ok = xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "format '%s' of disk '%s' is not supported",
                      libxl_disk_format_to_string(d.format), spec);
        break;
    }
    /* The backend xl would choose when none is named: blkback for block devices, qdisk for
     * image files. */
    bool block = disk->src && g_str_has_prefix(disk->src, "/dev/");
    switch (d.backend) {
    case LIBXL_DISK_BACKEND_PHY: disk->driver_name = g_strdup("phy"); break;
    case LIBXL_DISK_BACKEND_QDISK: disk->driver_name = g_strdup("qemu"); break;
    case LIBXL_DISK_BACKEND_TAP: disk->driver_name = g_strdup("tap"); break;
    case LIBXL_DISK_BACKEND_UNKNOWN:
        disk->driver_name = g_strdup(block && d.format != LIBXL_DISK_FORMAT_QCOW2 ? "phy" : "qemu");
        break;
    default:
        ok = ok && xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                            "backend '%s' of disk '%s' is not supported",
                            libxl_disk_backend_to_string(d.backend), spec);
        break;
    }
    if (ok && d.script)
        ok = xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                      "disk '%s': block scripts ('script=%s') have no domain XML form", spec, d.script);
    libxl_device_disk_dispose(&d);
    if (!ok)
        return false;
    disk->type = block ? MV_DOMAIN_DISK_TYPE_BLOCK : MV_DOMAIN_DISK_TYPE_FILE;
    size_t plen;
    unsigned index;
    if (!disk->target || mv_domain_disk_name_index(disk->target, &plen, &index) < 0)
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "disk '%s' has an unsupported vdev '%s'",
                        spec, disk->target ? disk->target : "");
    disk->bus = g_str_has_prefix(disk->target, "xvd") ? MV_DOMAIN_DISK_BUS_XEN
              : g_str_has_prefix(disk->target, "hd") ? MV_DOMAIN_DISK_BUS_IDE
              : g_str_has_prefix(disk->target, "sd") ? MV_DOMAIN_DISK_BUS_SCSI
              : MV_DOMAIN_DISK_BUS_XEN;
    if (!disk->src && disk->device != MV_DOMAIN_DISK_DEVICE_CDROM)
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "disk '%s' has no target path", spec);
    if (mv_domain_def_find_disk(def, disk->target))
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "disk vdev '%s' appears twice",
                        disk->target);
    g_ptr_array_add(def->disks, g_steal_pointer(&disk));
    return true;
}

/* Split "k=v,k=v" into a table; a later key replaces an earlier one, as in xl. */
static GHashTable *
split_pairs(const char *spec, const char *what, GError **error)
{
    g_autoptr(GHashTable) pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    for (char **part = parts; *part; part++) {
        g_strstrip(*part);
        if (!**part)
            continue;
        char *eq = strchr(*part, '=');
        if (!eq) {
            xl_error(error, MV_ERR_CONF_SYNTAX, "%s '%s': '%s' is not key=value", what, spec, *part);
            return NULL;
        }
        g_hash_table_replace(pairs, g_strndup(*part, (gsize)(eq - *part)), g_strdup(eq + 1));
    }
    return g_steal_pointer(&pairs);
}

/* Keys of @pairs not in @allowed are named in the error. */
static bool
check_pairs(GHashTable *pairs, const char *const *allowed, const char *what, const char *spec,
            GError **error)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, pairs);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = g_str_equal(*a, key);
        if (!ok)
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                            "%s '%s': key '%s' has no domain XML form", what, spec, (char *)key);
    }
    return true;
}

static bool
parse_vif(const char *spec, MvDomainDef *def, GError **error)
{
    static const char *const allowed[] = { "mac", "bridge", "script", "model", "type", "vifname", NULL };
    g_autoptr(GHashTable) pairs = split_pairs(spec, "vif", error);
    if (!pairs || !check_pairs(pairs, allowed, "vif", spec, error))
        return false;
    g_autoptr(MvDomainNet) net = g_new0(MvDomainNet, 1);
    const char *mac = g_hash_table_lookup(pairs, "mac");
    const char *bridge = g_hash_table_lookup(pairs, "bridge");
    const char *model = g_hash_table_lookup(pairs, "model");
    const char *type = g_hash_table_lookup(pairs, "type");
    const char *vifname = g_hash_table_lookup(pairs, "vifname");
    if (mac) {
        if (mv_mac_parse(mac, net->mac) < 0)
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "vif '%s': invalid MAC address '%s'",
                            spec, mac);
        net->mac_set = true;
    }
    net->type = bridge ? MV_DOMAIN_NET_BRIDGE : MV_DOMAIN_NET_ETHERNET;
    net->source = g_strdup(bridge);
    net->script = g_strdup(g_hash_table_lookup(pairs, "script"));
    net->target_dev = g_strdup(vifname);
    if (vifname && (strlen(vifname) > 15 || strchr(vifname, '/')))
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "vif '%s': invalid vifname '%s'", spec,
                        vifname);
    if (type && !g_str_equal(type, "ioemu") && !g_str_equal(type, "vif"))
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "vif '%s': unknown type '%s'", spec, type);
    if (model) {
        int v = mv_domain_net_model_from_string(model);
        if (v <= MV_DOMAIN_NET_MODEL_NONE)
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "vif '%s': model '%s' is not supported",
                            spec, model);
        net->model = v;
    }
    g_ptr_array_add(def->nets, g_steal_pointer(&net));
    return true;
}

/* VNC/SDL from the vfb keys (PV) or the top-level keys (HVM), which share their names. */
static bool
graphics_from(GHashTable *pairs, const XlReader *r, MvDomainDef *def, GError **error)
{
    const char *vnc = NULL, *sdl = NULL;
    if (pairs) {
        vnc = g_hash_table_lookup(pairs, "vnc");
        sdl = g_hash_table_lookup(pairs, "sdl");
    } else {
        vnc = get_str(r, "vnc");
        sdl = get_str(r, "sdl");
    }
#define GETKEY(k) (pairs ? (const char *)g_hash_table_lookup(pairs, k) : get_str(r, k))
    if (vnc && g_strcmp0(vnc, "0") != 0) {
        g_autoptr(MvDomainGraphics) gr = g_new0(MvDomainGraphics, 1);
        gr->type = MV_DOMAIN_GRAPHICS_VNC;
        gr->port = -1;
        gr->autoport = true;
        const char *display = GETKEY("vncdisplay");
        const char *unused = GETKEY("vncunused");
        guint64 n;
        if (display) {
            if (!g_ascii_string_to_unsigned(display, 10, 0, 65535 - 5900, &n, NULL))
                return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "invalid vncdisplay '%s'", display);
            gr->port = 5900 + (int)n;
            gr->autoport = false;
        }
        if (unused && g_str_equal(unused, "0") && !display)
            gr->port = 5900;
        if (unused && g_str_equal(unused, "0"))
            gr->autoport = false;
        gr->listen = g_strdup(GETKEY("vnclisten"));
        gr->passwd = g_strdup(GETKEY("vncpasswd"));
        gr->keymap = g_strdup(GETKEY("keymap"));
        g_ptr_array_add(def->graphics, g_steal_pointer(&gr));
    }
#undef GETKEY
    if (sdl && g_strcmp0(sdl, "0") != 0) {
        MvDomainGraphics *gr = g_new0(MvDomainGraphics, 1);
        gr->type = MV_DOMAIN_GRAPHICS_SDL;
        gr->port = -1;
        g_ptr_array_add(def->graphics, gr);
    }
    return true;
}

static bool
parse_vfbs(const XlReader *r, MvDomainDef *def, GError **error)
{
    static const char *const allowed[] = { "vnc", "sdl", "vncdisplay", "vncunused", "vnclisten",
                                           "vncpasswd", "keymap", NULL };
    if (def->os.type == MV_DOMAIN_OS_HVM)
        return graphics_from(NULL, r, def, error);
    g_autoptr(GPtrArray) vfbs = get_list(r, "vfb");
    if (vfbs->len > 1)
        return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "more than one 'vfb' is not supported");
    for (guint i = 0; i < vfbs->len; i++) {
        const char *spec = g_ptr_array_index(vfbs, i);
        g_autoptr(GHashTable) pairs = split_pairs(spec, "vfb", error);
        if (!pairs || !check_pairs(pairs, allowed, "vfb", spec, error) ||
            !graphics_from(pairs, r, def, error))
            return false;
        /* A PV framebuffer brings Xen's PV mouse and keyboard. */
        if (def->graphics->len) {
            for (int t = MV_DOMAIN_INPUT_MOUSE; t <= MV_DOMAIN_INPUT_KEYBOARD; t++) {
                MvDomainInput *input = g_new0(MvDomainInput, 1);
                input->type = t;
                input->bus = MV_DOMAIN_INPUT_BUS_XEN;
                g_ptr_array_add(def->inputs, input);
            }
        }
    }
    return true;
}

static bool
parse_serials(const XlReader *r, MvDomainDef *def, GError **error)
{
    g_autoptr(GPtrArray) serials = get_list(r, "serial");
    for (guint i = 0; i < serials->len; i++) {
        const char *spec = g_ptr_array_index(serials, i);
        g_autoptr(MvDomainChr) chr = g_new0(MvDomainChr, 1);
        chr->target_port = (int)i;
        chr->mode = MV_DOMAIN_CHR_MODE_CONNECT;
        if (g_str_equal(spec, "pty")) {
            chr->type = MV_DOMAIN_CHR_PTY;
        } else if (g_str_has_prefix(spec, "file:")) {
            chr->type = MV_DOMAIN_CHR_FILE;
            chr->path = g_strdup(spec + 5);
        } else if (g_str_has_prefix(spec, "unix:")) {
            chr->type = MV_DOMAIN_CHR_UNIX;
            g_auto(GStrv) parts = g_strsplit(spec + 5, ",", -1);
            chr->path = g_strdup(parts[0]);
            for (char **o = parts + 1; *o; o++) {
                if (g_str_equal(*o, "server"))
                    chr->mode = MV_DOMAIN_CHR_MODE_BIND;
                else if (!g_str_equal(*o, "nowait"))
                    return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED,
                                    "serial '%s': option '%s' is not supported", spec, *o);
            }
        } else {
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "serial '%s' is not supported", spec);
        }
        if (chr->path && chr->path[0] != '/')
            return xl_error(error, MV_ERR_CONFIG_UNSUPPORTED, "serial '%s': path must be absolute",
                            spec);
        g_ptr_array_add(def->serials, g_steal_pointer(&chr));
    }
    /* libvirt's view: HVM guests have a console mirroring serial 0; PV and PVH guests
     * always have Xen's PV console. */
    MvDomainChr *console = g_new0(MvDomainChr, 1);
    console->type = MV_DOMAIN_CHR_PTY;
    console->target_port = 0;
    if (def->os.type != MV_DOMAIN_OS_HVM) {
        console->target_type = MV_DOMAIN_CHR_TARGET_XEN;
        g_ptr_array_add(def->consoles, console);
    } else if (def->serials->len) {
        MvDomainChr *serial0 = g_ptr_array_index(def->serials, 0);
        console->type = serial0->type;
        console->path = g_strdup(serial0->path);
        console->mode = serial0->mode;
        console->target_type = MV_DOMAIN_CHR_TARGET_SERIAL;
        g_ptr_array_add(def->consoles, console);
    } else {
        mv_domain_chr_free(console);
    }
    return true;
}

MvDomainDef *
xen_xl_parse(const char *text, GError **error)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    if (len > XL_MAX_BYTES) {
        xl_error(error, MV_ERR_CONF_SYNTAX, "xl.cfg of %zu bytes exceeds the limit of %d", len,
                 XL_MAX_BYTES);
        return NULL;
    }
    /* Whatever is read becomes XML text, which holds neither invalid UTF-8 nor control
     * characters. */
    const char *bad = NULL;
    if (!g_utf8_validate(text, (gssize)len, &bad)) {
        xl_error(error, MV_ERR_CONF_SYNTAX, "xl.cfg is not valid UTF-8 (at byte %zu)",
                 (size_t)(bad - text));
        return NULL;
    }
    for (const char *c = text; *c; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t' && *c != '\r') {
            xl_error(error, MV_ERR_CONF_SYNTAX, "xl.cfg holds control character 0x%02x (at byte %zu)",
                     (unsigned)*c, (size_t)(c - text));
            return NULL;
        }
    }
    g_auto(XlReader) r = { 0 };
    r.report = open_memstream(&r.report_buf, &r.report_len);
    if (!r.report) {
        mv_error_set_errno(error, MV_FROM_LIBXL, errno, "cannot open a memory stream");
        return NULL;
    }
    r.cfg = xlu_cfg_init(r.report, "xl.cfg");
    if (!r.cfg) {
        mv_error_set(error, MV_FROM_LIBXL, MV_ERR_NO_MEMORY, "cannot create an xl.cfg parser");
        return NULL;
    }
    int rc = xlu_cfg_readdata(r.cfg, text, (int)len);
    if (rc != 0) {
        g_autofree char *msg = reader_message(&r, g_strerror(rc));
        xl_error(error, MV_ERR_CONF_SYNTAX, "%s", msg);
        return NULL;
    }

    g_autoptr(MvDomainDef) def = mv_domain_def_new();
    def->virt_type = MV_DOMAIN_VIRT_XEN;
    if (!parse_general(&r, def, error) || !parse_os(&r, def, error))
        return NULL;
    g_autoptr(GPtrArray) disks = get_list(&r, "disk");
    for (guint i = 0; i < disks->len; i++)
        if (!parse_disk(&r, g_ptr_array_index(disks, i), def, error))
            return NULL;
    g_autoptr(GPtrArray) vifs = get_list(&r, "vif");
    for (guint i = 0; i < vifs->len; i++)
        if (!parse_vif(g_ptr_array_index(vifs, i), def, error))
            return NULL;
    if (!parse_vfbs(&r, def, error) || !parse_serials(&r, def, error))
        return NULL;
    def->metadata = kept_metadata(&r, text);
    /* The shared domain parser has the last word (names, paths, duplicates): what comes out
     * of here is exactly what defining the XML would give. */
    g_autofree char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE |
                                                MV_DOMAIN_FORMAT_SECURE, -1, error);
    return xml ? mv_domain_def_parse(xml, 0, error) : NULL;
}
