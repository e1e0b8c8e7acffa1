// SPDX-License-Identifier: LGPL-2.1-or-later
// bhyve command lines -> a bhyve domain definition (CONNECT_DOMAIN_XML_FROM_NATIVE
// 'bhyve-argv'): the options bhyve(8) and bhyveload(8) take, split as the shell would split
// them.  An option or device emulation without a domain XML form is an error naming it.

#include "bhyve-command.h"

#include <string.h>

#include "util/util-error.h"

/* A pasted command line is short; anything bigger is a mistake. */
#define BHYVE_NATIVE_MAX_BYTES (64 * 1024)

static bool
native_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool
native_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_BHYVE, MV_ERR_CONFIG_UNSUPPORTED, "%s", msg);
    return false;
}

/* "512", "512M", "2G", "1048576K" -> MiB. */
static bool
parse_memsize(const char *text, guint64 *ret_kib)
{
    char *end = NULL;
    if (!text || !g_ascii_isdigit(*text))
        return false;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    guint64 mult;
    switch (g_ascii_tolower(*end)) {
    case '\0': mult = 1024; break;            /* MiB, bhyve's default unit */
    case 'k': mult = 1; break;
    case 'm': mult = 1024; break;
    case 'g': mult = 1024 * 1024; break;
    case 't': mult = 1024ULL * 1024 * 1024; break;
    default: return false;
    }
    if (*end && end[1] && !(g_ascii_tolower(end[1]) == 'b' && !end[2]))
        return false;
    if (v == 0 || v > G_MAXUINT64 / mult / 1024)
        return false;
    *ret_kib = v * mult;
    return true;
}

static bool
set_memory(MvDomainDef *def, const char *text, GError **error)
{
    guint64 kib;
    if (!parse_memsize(text, &kib))
        return native_error(error, "invalid memory size '%s'", text);
    if (def->memory_kib && def->memory_kib != kib)
        return native_error(error, "memory sizes of the loader and bhyve differ ('%s')", text);
    def->memory_kib = def->current_memory_kib = kib;
    return true;
}

static bool
set_name(MvDomainDef *def, const char *name, GError **error)
{
    if (def->name && !g_str_equal(def->name, name))
        return native_error(error, "the loader names guest '%s' and bhyve '%s'", def->name, name);
    if (!def->name)
        def->name = g_strdup(name);
    return true;
}

/* slot[:function] or bus:slot:function */
static bool
parse_slot(const char *text, MvDomainAddress *ret, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(text, ":", -1);
    guint n = g_strv_length(parts);
    guint64 v[3] = { 0, 0, 0 };
    if (n < 1 || n > 3)
        return native_error(error, "invalid PCI slot '%s'", text);
    for (guint i = 0; i < n; i++)
        if (!g_ascii_string_to_unsigned(parts[i], 10, 0, 255, &v[i], NULL))
            return native_error(error, "invalid PCI slot '%s'", text);
    *ret = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_PCI };
    if (n == 3) {
        ret->bus = (unsigned)v[0];
        ret->slot = (unsigned)v[1];
        ret->function = (unsigned)v[2];
    } else {
        ret->slot = (unsigned)v[0];
        ret->function = (unsigned)v[1];
    }
    return true;
}

static MvDomainDisk *
new_disk(MvDomainDef *def, MvDomainDiskBus bus, bool cdrom, const char *path, unsigned *counter)
{
    MvDomainDisk *disk = g_new0(MvDomainDisk, 1);
    disk->type = MV_DOMAIN_DISK_TYPE_FILE;
    disk->device = cdrom ? MV_DOMAIN_DISK_DEVICE_CDROM : MV_DOMAIN_DISK_DEVICE_DISK;
    disk->bus = bus;
    disk->driver_name = g_strdup("file");
    disk->format = MV_DOMAIN_DISK_FORMAT_RAW;
    disk->src = g_strdup(path);
    disk->readonly = cdrom;
    disk->target = g_strdup_printf("%s%c", bus == MV_DOMAIN_DISK_BUS_VIRTIO ? "vd" : "sd",
                                   'a' + (*counter)++);
    g_ptr_array_add(def->disks, disk);
    return disk;
}

static bool
parse_ahci(MvDomainDef *def, const MvDomainAddress *slot, char **opts, unsigned *nsata,
           GError **error)
{
    MvDomainController *c = g_new0(MvDomainController, 1);
    c->type = MV_DOMAIN_CONTROLLER_SATA;
    c->model = c->chassis = c->port = -1;
    for (guint i = 0; i < def->controllers->len; i++)
        if (((MvDomainController *)g_ptr_array_index(def->controllers, i))->type == MV_DOMAIN_CONTROLLER_SATA)
            c->index++;
    c->info.addr = *slot;
    g_ptr_array_add(def->controllers, c);
    for (char **o = opts; *o; o++) {
        bool cd = g_str_has_prefix(*o, "cd:"), hd = g_str_has_prefix(*o, "hd:");
        if (!cd && !hd)
            return native_error(error, "ahci option '%s' is not supported (expecting hd:PATH or cd:PATH)",
                                *o);
        if ((*nsata) >= 26)
            return native_error(error, "too many SATA disks");
        MvDomainDisk *disk = new_disk(def, MV_DOMAIN_DISK_BUS_SATA, cd, *o + 3, nsata);
        disk->info.addr = (MvDomainAddress){ .type = MV_DOMAIN_ADDRESS_DRIVE,
                                             .controller = (unsigned)c->index,
                                             .unit = (unsigned)(o - opts) };
    }
    return true;
}

static bool
parse_net(MvDomainDef *def, const MvDomainAddress *slot, MvDomainNetModel model, char **opts,
          GError **error)
{
    if (!opts[0] || !g_str_has_prefix(opts[0], "tap"))
        return native_error(error, "only tap network backends are supported ('%s')",
                            opts[0] ? opts[0] : "");
    g_autoptr(MvDomainNet) net = g_new0(MvDomainNet, 1);
    net->type = MV_DOMAIN_NET_BRIDGE;
    /* The bridge of a tap is not on the command line; libvirt assumes its default one. */
    net->source = g_strdup("virbr0");
    net->model = model;
    net->target_dev = g_strdup(opts[0]);
    net->info.addr = *slot;
    for (char **o = opts + 1; *o; o++) {
        if (!g_str_has_prefix(*o, "mac="))
            return native_error(error, "network option '%s' is not supported", *o);
        if (mv_mac_parse(*o + 4, net->mac) < 0)
            return native_error(error, "invalid MAC address '%s'", *o + 4);
        net->mac_set = true;
    }
    g_ptr_array_add(def->nets, g_steal_pointer(&net));
    return true;
}

static bool
parse_fbuf(MvDomainDef *def, const MvDomainAddress *slot, char **opts, GError **error)
{
    g_autoptr(MvDomainGraphics) gr = g_new0(MvDomainGraphics, 1);
    gr->type = MV_DOMAIN_GRAPHICS_VNC;
    gr->port = -1;
    gr->autoport = true;
    for (char **o = opts; *o; o++) {
        if (g_str_has_prefix(*o, "tcp=")) {
            const char *hostport = *o + 4;
            const char *colon = strrchr(hostport, ':');
            if (!colon)
                return native_error(error, "fbuf option '%s' needs ADDRESS:PORT", *o);
            g_autofree char *host = g_strndup(hostport, (gsize)(colon - hostport));
            if (host[0] == '[' && host[strlen(host) - 1] == ']') {
                char *inner = g_strndup(host + 1, strlen(host) - 2);
                g_free(host);
                host = inner;
            }
            guint64 port;
            if (!g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL) ||
                (port && port < 5900))
                return native_error(error, "invalid VNC port in '%s'", *o);
            g_free(gr->listen);   /* a repeated option: the last one counts, as in bhyve */
            gr->listen = *host ? g_strdup(host) : NULL;
            gr->autoport = port == 0;
            gr->port = port ? (int)port : -1;
        } else if (g_str_has_prefix(*o, "password=")) {
            g_free(gr->passwd);
            gr->passwd = g_strdup(*o + 9);
        } else {
            return native_error(error, "fbuf option '%s' is not supported", *o);
        }
    }
    MvDomainVideo *video = g_new0(MvDomainVideo, 1);
    video->model = MV_DOMAIN_VIDEO_GOP;
    video->heads = 1;
    video->primary = true;
    video->info.addr = *slot;
    g_ptr_array_add(def->videos, video);
    g_ptr_array_add(def->graphics, g_steal_pointer(&gr));
    return true;
}

/* -s slot,emulation[,conf] */
static bool
parse_pci(MvDomainDef *def, const char *arg, unsigned *nsata, unsigned *nvirtio, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(arg, ",", -1);
    if (!parts[0] || !parts[1])
        return native_error(error, "invalid device '-s %s'", arg);
    MvDomainAddress slot;
    if (!parse_slot(parts[0], &slot, error))
        return false;
    const char *emul = parts[1];
    char **opts = parts + 2;
    if (g_str_equal(emul, "hostbridge") || g_str_equal(emul, "amd_hostbridge") ||
        g_str_equal(emul, "lpc"))
        return true;   /* always there / implied by com ports and the ROM */
    if (g_str_equal(emul, "ahci"))
        return parse_ahci(def, &slot, opts, nsata, error);
    if (g_str_equal(emul, "ahci-hd") || g_str_equal(emul, "ahci-cd")) {
        if (!opts[0])
            return native_error(error, "device '-s %s' has no path", arg);
        g_autofree char *opt = g_strdup_printf("%s:%s", emul + 5, opts[0]);
        char *one[] = { opt, NULL };
        return parse_ahci(def, &slot, one, nsata, error);
    }
    if (g_str_equal(emul, "virtio-blk")) {
        if (!opts[0] || opts[1])
            return native_error(error, "device '-s %s': expecting virtio-blk,PATH", arg);
        if (*nvirtio >= 26)
            return native_error(error, "too many virtio disks");
        MvDomainDisk *disk = new_disk(def, MV_DOMAIN_DISK_BUS_VIRTIO, false, opts[0], nvirtio);
        disk->info.addr = slot;
        return true;
    }
    if (g_str_equal(emul, "virtio-net"))
        return parse_net(def, &slot, MV_DOMAIN_NET_MODEL_VIRTIO, opts, error);
    if (g_str_equal(emul, "e1000"))
        return parse_net(def, &slot, MV_DOMAIN_NET_MODEL_E1000, opts, error);
    if (g_str_equal(emul, "fbuf"))
        return parse_fbuf(def, &slot, opts, error);
    if (g_str_equal(emul, "xhci")) {
        if (!opts[0] || !g_str_equal(opts[0], "tablet") || opts[1])
            return native_error(error, "device '-s %s': expecting xhci,tablet", arg);
        MvDomainController *c = g_new0(MvDomainController, 1);
        c->type = MV_DOMAIN_CONTROLLER_USB;
        c->model = MV_DOMAIN_USB_MODEL_NEC_XHCI;
        c->chassis = c->port = -1;
        c->info.addr = slot;
        g_ptr_array_add(def->controllers, c);
        MvDomainInput *in = g_new0(MvDomainInput, 1);
        in->type = MV_DOMAIN_INPUT_TABLET;
        in->bus = MV_DOMAIN_INPUT_BUS_USB;
        g_ptr_array_add(def->inputs, in);
        return true;
    }
    return native_error(error, "device emulation '%s' (-s %s) has no domain XML form here", emul, arg);
}

/* -l com1,/dev/nmdm0A or -l bootrom,PATH */
static bool
parse_lpc(MvDomainDef *def, const char *arg, GError **error)
{
    const char *comma = strchr(arg, ',');
    if (!comma || !comma[1])
        return native_error(error, "invalid LPC device '-l %s'", arg);
    g_autofree char *kind = g_strndup(arg, (gsize)(comma - arg));
    const char *path = comma + 1;
    if (g_str_equal(kind, "bootrom")) {
        if (path[0] != '/' || strchr(path, ','))
            return native_error(error, "boot ROM '%s' must be an absolute path", path);
        g_free(def->os.loader);
        def->os.loader = g_strdup(path);
        def->os.loader_type = MV_DOMAIN_LOADER_PFLASH;
        def->os.loader_readonly = MV_TRISTATE_ON;
        return true;
    }
    if (!g_str_equal(kind, "com1") && !g_str_equal(kind, "com2"))
        return native_error(error, "LPC device '%s' is not supported (com1, com2, bootrom)", kind);
    size_t len = strlen(path);
    if (!g_str_has_prefix(path, "/dev/nmdm") || (path[len - 1] != 'A' && path[len - 1] != 'B'))
        return native_error(error, "com port '%s' must be an nmdm device (/dev/nmdmNA)", path);
    MvDomainChr *chr = g_new0(MvDomainChr, 1);
    chr->type = MV_DOMAIN_CHR_NMDM;
    chr->path = g_strdup(path);
    chr->slave = g_strdup(path);
    /* the other end of the null-modem pair */
    chr->slave[len - 1] = path[len - 1] == 'A' ? 'B' : 'A';
    chr->target_port = kind[3] - '1';
    g_ptr_array_add(def->serials, chr);
    return true;
}

/* Options of bhyve(8) that take an argument. */
static bool
bhyve_opt_has_arg(char c)
{
    return strchr("pgcsmlU", c) != NULL;
}

static bool
parse_bhyve(MvDomainDef *def, char **argv, GError **error)
{
    unsigned nsata = 0, nvirtio = 0;
    bool utc = false;
    int argc = (int)g_strv_length(argv), i;
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *o = argv[i] + 1; *o; o++) {
            const char *val = NULL;
            if (bhyve_opt_has_arg(*o)) {
                val = o[1] ? o + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!val)
                    return native_error(error, "bhyve option '-%c' needs a value", *o);
            }
            switch (*o) {
            case 'A': def->features[MV_DOMAIN_FEATURE_ACPI] = true; break;
            case 'I': def->features[MV_DOMAIN_FEATURE_APIC] = true; break;
            case 'u': utc = true; break;
            case 'H': case 'P': break;  /* libvirt always passes them */
            case 'c': {
                guint64 n;
                if (g_ascii_string_to_unsigned(val, 10, 1, 4096, &n, NULL)) {
                    def->vcpus = (unsigned)n;
                    break;
                }
                /* cpus=N,sockets=S,cores=C,threads=T */
                g_auto(GStrv) kv = g_strsplit(val, ",", -1);
                for (char **k = kv; *k; k++) {
                    g_auto(GStrv) pair = g_strsplit(*k, "=", 2);
                    guint64 v;
                    if (!pair[0] || !pair[1] || !g_ascii_string_to_unsigned(pair[1], 10, 1, 4096, &v, NULL))
                        return native_error(error, "invalid CPU option '-c %s'", val);
                    if (g_str_equal(pair[0], "cpus"))
                        def->vcpus = (unsigned)v;
                    else if (g_str_equal(pair[0], "sockets"))
                        def->cpu.sockets = (unsigned)v;
                    else if (g_str_equal(pair[0], "cores"))
                        def->cpu.cores = (unsigned)v;
                    else if (g_str_equal(pair[0], "threads"))
                        def->cpu.threads = (unsigned)v;
                    else
                        return native_error(error, "invalid CPU option '-c %s'", val);
                }
                if (def->cpu.sockets) {
                    def->cpu.present = true;
                    def->cpu.dies = 1;
                    def->cpu.cores = def->cpu.cores ? def->cpu.cores : 1;
                    def->cpu.threads = def->cpu.threads ? def->cpu.threads : 1;
                }
                break;
            }
            case 'm':
                if (!set_memory(def, val, error))
                    return false;
                break;
            case 's':
                if (!parse_pci(def, val, &nsata, &nvirtio, error))
                    return false;
                break;
            case 'l':
                if (!parse_lpc(def, val, error))
                    return false;
                break;
            case 'U':
                if (mv_uuid_parse(val, def->uuid) < 0)
                    return native_error(error, "invalid UUID '%s'", val);
                break;
            default:
                return native_error(error, "bhyve option '-%c' has no domain XML form here", *o);
            }
            if (val)
                break;
        }
    }
    if (i != argc - 1)
        return native_error(error, "the bhyve command must end with the guest name");
    def->clock.offset = utc ? MV_DOMAIN_CLOCK_UTC : MV_DOMAIN_CLOCK_LOCALTIME;
    return set_name(def, argv[argc - 1], error);
}

/* bhyveload: only "-m MEM -d DISK NAME" is libvirt's default loader; anything else (and
 * any other loader program) becomes <bootloader> with its arguments. */
static bool
parse_loader(MvDomainDef *def, char **argv, char **ret_boot_path, GError **error)
{
    int argc = (int)g_strv_length(argv);
    g_autofree char *base = g_path_get_basename(argv[0]);
    bool plain = g_str_equal(base, "bhyveload") && argc == 6;
    for (int i = 1; plain && i + 1 < argc; i += 2)
        plain = g_str_equal(argv[i], "-m") || g_str_equal(argv[i], "-d");
    if (plain) {
        for (int i = 1; i + 1 < argc; i += 2) {
            if (g_str_equal(argv[i], "-m") && !set_memory(def, argv[i + 1], error))
                return false;
            if (g_str_equal(argv[i], "-d")) {
                g_free(*ret_boot_path);
                *ret_boot_path = g_strdup(argv[i + 1]);
            }
        }
        return set_name(def, argv[argc - 1], error);
    }
    if (def->bootloader)
        return native_error(error, "a second loader command ('%s'): one may precede bhyve", argv[0]);
    def->bootloader = g_strdup(argv[0]);
    def->bootloader_args = argc > 1 ? g_strjoinv(" ", argv + 1) : NULL;
    return true;
}

MvDomainDef *
bhyve_argv_parse(const char *text, GError **error)
{
    if (!text || strlen(text) > BHYVE_NATIVE_MAX_BYTES || !g_utf8_validate(text, -1, NULL)) {
        native_error(error, "bhyve command lines must be UTF-8 text of at most %d bytes",
                     BHYVE_NATIVE_MAX_BYTES);
        return NULL;
    }
    g_autoptr(GString) joined = g_string_new(NULL);
    for (const char *p = text; *p; p++) {
        if (p[0] == '\\' && p[1] == '\n') {
            p++;
            g_string_append_c(joined, ' ');
        } else {
            g_string_append_c(joined, *p);
        }
    }
    g_autoptr(MvDomainDef) def = mv_domain_def_new();
    def->virt_type = MV_DOMAIN_VIRT_BHYVE;
    def->os.type = MV_DOMAIN_OS_HVM;
    def->vcpus = 1;
    bool seen_bhyve = false;
    g_autofree char *boot_path = NULL;   /* bhyveload -d: the disk the guest boots from */
    g_auto(GStrv) lines = g_strsplit(joined->str, "\n", -1);
    for (char **line = lines; *line; line++) {
        g_strstrip(*line);
        if (!**line || **line == '#')
            continue;
        g_auto(GStrv) argv = NULL;
        g_autoptr(GError) shell_err = NULL;
        if (!g_shell_parse_argv(*line, NULL, &argv, &shell_err)) {
            native_error(error, "cannot split command line: %s", shell_err->message);
            return NULL;
        }
        for (char **a = argv; *a; a++) {
            for (const char *c = *a; *c; c++) {
                if ((unsigned char)*c < 0x20) {
                    native_error(error, "argument '%s' holds a control character", *a);
                    return NULL;
                }
            }
        }
        g_autofree char *base = g_path_get_basename(argv[0]);
        if (seen_bhyve) {
            native_error(error, "nothing may follow the bhyve command ('%s')", argv[0]);
            return NULL;
        }
        if (g_str_equal(base, "bhyve")) {
            if (!parse_bhyve(def, argv, error))
                return NULL;
            seen_bhyve = true;
        } else if (!parse_loader(def, argv, &boot_path, error)) {
            return NULL;
        }
    }
    if (!seen_bhyve) {
        native_error(error, "no bhyve command found");
        return NULL;
    }
    if (!def->memory_kib) {
        native_error(error, "the bhyve command gives no memory size (-m)");
        return NULL;
    }
    if (boot_path) {
        MvDomainDisk *boot = NULL;
        for (guint i = 0; i < def->disks->len && !boot; i++) {
            MvDomainDisk *disk = g_ptr_array_index(def->disks, i);
            if (g_str_equal(disk->src, boot_path))
                boot = disk;
        }
        if (!boot) {
            native_error(error, "bhyveload boots '%s', which is not a disk of the bhyve command",
                         boot_path);
            return NULL;
        }
        boot->info.boot_order = 1;
    }
    if (mv_uuid_is_null(def->uuid))
        mv_uuid_generate(def->uuid);
    if (!bhyve_def_fill_defaults(def, error))
        return NULL;
    /* As for every definition: the shared domain parser has the last word. */
    g_autofree char *xml = mv_domain_def_format(def, MV_DOMAIN_FORMAT_INACTIVE |
                                                MV_DOMAIN_FORMAT_SECURE, -1, error);
    return xml ? mv_domain_def_parse(xml, 0, error) : NULL;
}
