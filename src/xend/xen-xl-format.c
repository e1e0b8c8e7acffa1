// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain definition (type 'xen') -> xl.cfg text that libxlutil reads back into the same
// definition.  Settings kept in <metadata> by xen-xl-parse.c are written out again as they
// were read.  Anything xl.cfg cannot say is an error naming it, never dropped.

#include "xen-xl.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util/util-error.h"

static bool
unsupported(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool
unsupported(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_LIBXL, MV_ERR_CONFIG_UNSUPPORTED, "%s", msg);
    return false;
}

void
xen_xl_append_quoted(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default: g_string_append_c(out, *p); break;
        }
    }
    g_string_append_c(out, '"');
}

static void
put_quoted(GString *out, const char *s)
{
    xen_xl_append_quoted(out, s);
}

static void
put_str(GString *out, const char *key, const char *value)
{
    if (!value)
        return;
    g_string_append_printf(out, "%s = ", key);
    put_quoted(out, value);
    g_string_append_c(out, '\n');
}

static void
put_list(GString *out, const char *key, GPtrArray *items)
{
    if (!items->len)
        return;
    g_string_append_printf(out, "%s = [ ", key);
    for (guint i = 0; i < items->len; i++) {
        if (i)
            g_string_append(out, ", ");
        put_quoted(out, g_ptr_array_index(items, i));
    }
    g_string_append(out, " ]\n");
}

static const char *
lifecycle_name(MvDomainLifecycleAction a)
{
    static const char *const names[] = {
        "destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
        "coredump-restart",
    };
    return (unsigned)a < G_N_ELEMENTS(names) ? names[a] : "destroy";
}

static bool
format_disk(const MvDomainDisk *disk, GPtrArray *out, GError **error)
{
    const char *backend = NULL;
    if (disk->driver_name && g_str_equal(disk->driver_name, "phy"))
        backend = "phy";
    else if (disk->driver_name && g_str_equal(disk->driver_name, "qemu"))
        backend = "qdisk";
    else if (disk->driver_name && g_str_has_prefix(disk->driver_name, "tap"))
        backend = "tap";
    else if (disk->driver_name && !g_str_equal(disk->driver_name, "file"))
        return unsupported(error, "disk '%s': driver '%s' has no xl.cfg form", disk->target,
                           disk->driver_name);
    if (disk->bus && disk->bus != MV_DOMAIN_DISK_BUS_XEN && disk->bus != MV_DOMAIN_DISK_BUS_IDE &&
        disk->bus != MV_DOMAIN_DISK_BUS_SCSI)
        return unsupported(error, "disk '%s': bus '%s' has no xl.cfg form", disk->target,
                           mv_domain_disk_bus_to_string(disk->bus));
    if (disk->src && strchr(disk->src, '"'))
        return unsupported(error, "disk '%s': source path has a double quote", disk->target);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "format=%s,vdev=%s,access=%s",
                           disk->format == MV_DOMAIN_DISK_FORMAT_QCOW2 ? "qcow2"
                           : !disk->src ? "empty" : "raw",
                           disk->target, disk->readonly ? "ro" : "rw");
    if (disk->device == MV_DOMAIN_DISK_DEVICE_CDROM)
        g_string_append(s, ",devtype=cdrom");
    if (backend)
        g_string_append_printf(s, ",backendtype=%s", backend);
    /* target= comes last: everything after it is the path, commas included. */
    g_string_append_printf(s, ",target=%s", disk->src ? disk->src : "");
    g_ptr_array_add(out, g_string_free(s, FALSE));
    return true;
}

static bool
format_vif(const MvDomainNet *net, bool hvm, GPtrArray *out, GError **error)
{
    if (net->type != MV_DOMAIN_NET_BRIDGE && net->type != MV_DOMAIN_NET_ETHERNET)
        return unsupported(error, "interface type '%s' has no xl.cfg form (use 'bridge')",
                           mv_domain_net_to_string(net->type));
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    if (net->mac_set) {
        char mac[MV_MAC_STRING_BUFLEN];
        mv_mac_format(net->mac, mac);
        g_ptr_array_add(parts, g_strdup_printf("mac=%s", mac));
    }
    if (net->source)
        g_ptr_array_add(parts, g_strdup_printf("bridge=%s", net->source));
    if (net->script)
        g_ptr_array_add(parts, g_strdup_printf("script=%s", net->script));
    if (net->model)
        g_ptr_array_add(parts, g_strdup_printf("model=%s", mv_domain_net_model_to_string(net->model)));
    if (net->target_dev)
        g_ptr_array_add(parts, g_strdup_printf("vifname=%s", net->target_dev));
    (void)hvm;
    for (guint i = 0; i < parts->len; i++) {
        const char *p = g_ptr_array_index(parts, i);
        if (strchr(p + 1, ',') || strchr(p, '"'))
            return unsupported(error, "interface setting '%s' has a comma or quote", p);
    }
    g_ptr_array_add(parts, NULL);
    g_ptr_array_add(out, g_strjoinv(",", (char **)parts->pdata));
    return true;
}

/* VNC keys: top-level for HVM, inside vfb for PV. */
static void
vnc_keys(const MvDomainGraphics *gr, GPtrArray *keys)
{
    g_ptr_array_add(keys, g_strdup("vnc=1"));
    if (gr->listen)
        g_ptr_array_add(keys, g_strdup_printf("vnclisten=%s", gr->listen));
    if (!gr->autoport && gr->port >= 5900)
        g_ptr_array_add(keys, g_strdup_printf("vncdisplay=%d", gr->port - 5900));
    if (!gr->autoport)
        g_ptr_array_add(keys, g_strdup("vncunused=0"));
    if (gr->passwd)
        g_ptr_array_add(keys, g_strdup_printf("vncpasswd=%s", gr->passwd));
    if (gr->keymap)
        g_ptr_array_add(keys, g_strdup_printf("keymap=%s", gr->keymap));
}

static bool
format_graphics(const MvDomainDef *def, GString *out, GError **error)
{
    const MvDomainGraphics *vnc = NULL, *sdl = NULL;
    for (guint i = 0; i < def->graphics->len; i++) {
        const MvDomainGraphics *gr = g_ptr_array_index(def->graphics, i);
        const MvDomainGraphics **slot = gr->type == MV_DOMAIN_GRAPHICS_VNC ? &vnc : &sdl;
        if (*slot)
            return unsupported(error, "more than one <graphics type='%s'> has no xl.cfg form",
                               mv_domain_graphics_to_string(gr->type));
        *slot = gr;
    }
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    if (vnc)
        vnc_keys(vnc, keys);
    if (sdl)
        g_ptr_array_add(keys, g_strdup("sdl=1"));
    if (!keys->len)
        return true;
    if (def->os.type == MV_DOMAIN_OS_HVM) {
        for (guint i = 0; i < keys->len; i++) {
            g_auto(GStrv) kv = g_strsplit(g_ptr_array_index(keys, i), "=", 2);
            bool number = kv[1][0] && strspn(kv[1], "0123456789") == strlen(kv[1]);
            if (number)
                g_string_append_printf(out, "%s = %s\n", kv[0], kv[1]);
            else
                put_str(out, kv[0], kv[1]);
        }
        return true;
    }
    g_ptr_array_add(keys, NULL);
    g_autofree char *vfb = g_strjoinv(",", (char **)keys->pdata);
    g_autoptr(GPtrArray) list = g_ptr_array_new();
    g_ptr_array_add(list, vfb);
    put_list(out, "vfb", list);
    return true;
}

static bool
format_serials(const MvDomainDef *def, GString *out, GError **error)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < def->serials->len; i++) {
        const MvDomainChr *chr = g_ptr_array_index(def->serials, i);
        switch (chr->type) {
        case MV_DOMAIN_CHR_PTY:
            g_ptr_array_add(items, g_strdup("pty"));
            break;
        case MV_DOMAIN_CHR_FILE:
            g_ptr_array_add(items, g_strdup_printf("file:%s", chr->path));
            break;
        case MV_DOMAIN_CHR_UNIX:
            g_ptr_array_add(items, g_strdup_printf("unix:%s%s", chr->path,
                                                   chr->mode == MV_DOMAIN_CHR_MODE_BIND
                                                       ? ",server,nowait" : ""));
            break;
        default:
            return unsupported(error, "serial type '%s' has no xl.cfg form",
                               mv_domain_chr_to_string(chr->type));
        }
    }
    put_list(out, "serial", items);
    return true;
}

/* The settings kept by the parser, written back as they were read. */
static bool
format_kept(const char *metadata, GString *out, GError **error)
{
    if (!metadata || !strstr(metadata, XEN_XL_KEPT_NS))
        return true;
    g_autofree char *doc_text = g_strdup_printf("<m>%s</m>", metadata);
    xmlDocPtr doc = xmlReadMemory(doc_text, (int)strlen(doc_text), "metadata", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return unsupported(error, "the kept xl.cfg settings in <metadata> are malformed");
    for (xmlNodePtr top = xmlDocGetRootElement(doc)->children; top; top = top->next) {
        if (top->type != XML_ELEMENT_NODE || !top->ns ||
            !g_str_equal((const char *)top->ns->href, XEN_XL_KEPT_NS))
            continue;
        for (xmlNodePtr s = top->children; s; s = s->next) {
            if (s->type != XML_ELEMENT_NODE)
                continue;
            xmlChar *name = xmlGetNoNsProp(s, BAD_CAST "name");
            xmlChar *value = xmlNodeGetContent(s);
            if (name && value && strchr((const char *)value, '\n') == NULL)
                g_string_append_printf(out, "%s = %s\n", (const char *)name, (const char *)value);
            xmlFree(name);
            xmlFree(value);
        }
    }
    xmlFreeDoc(doc);
    return true;
}

char *
xen_xl_format(const MvDomainDef *def, GError **error)
{
    if (def->virt_type != MV_DOMAIN_VIRT_XEN) {
        unsupported(error, "domain '%s' of type '%s' cannot be written as xen-xl: expecting type 'xen'",
                    def->name, mv_domain_virt_to_string(def->virt_type));
        return NULL;
    }
    const MvDomainOs *os = &def->os;
    bool hvm = os->type == MV_DOMAIN_OS_HVM;
    if (!hvm && os->type != MV_DOMAIN_OS_XEN && os->type != MV_DOMAIN_OS_XENPVH) {
        unsupported(error, "OS type '%s' has no xl.cfg form", mv_domain_os_to_string(os->type));
        return NULL;
    }
    if (os->loader || os->nvram) {
        unsupported(error, "<loader>/<nvram> have no xl.cfg form in this converter");
        return NULL;
    }
    g_autoptr(GString) out = g_string_new(NULL);
    put_str(out, "name", def->name);
    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(def->uuid, uuid);
    put_str(out, "uuid", uuid);
    put_str(out, "type", hvm ? "hvm" : os->type == MV_DOMAIN_OS_XEN ? "pv" : "pvh");
    /* xl counts memory in MiB; a partial MiB is rounded up, as libvirt does. */
    guint64 cur = def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
    guint64 max_mib = (def->memory_kib + 1023) / 1024, cur_mib = (cur + 1023) / 1024;
    if (max_mib != cur_mib)
        g_string_append_printf(out, "maxmem = %" G_GUINT64_FORMAT "\n", max_mib);
    g_string_append_printf(out, "memory = %" G_GUINT64_FORMAT "\n", cur_mib);
    unsigned vcpus = def->current_vcpus ? def->current_vcpus : def->vcpus;
    if (vcpus != def->vcpus)
        g_string_append_printf(out, "maxvcpus = %u\n", def->vcpus);
    g_string_append_printf(out, "vcpus = %u\n", vcpus);
    put_str(out, "cpus", def->cpuset);
    put_str(out, "kernel", os->kernel);
    put_str(out, "ramdisk", os->initrd);
    put_str(out, "cmdline", os->cmdline);
    put_str(out, "bootloader", def->bootloader);
    put_str(out, "bootloader_args", def->bootloader_args);
    if (hvm) {
        GString *boot = g_string_new(NULL);
        static const char letters[] = { [MV_DOMAIN_BOOT_FD] = 'a', [MV_DOMAIN_BOOT_CDROM] = 'd',
                                        [MV_DOMAIN_BOOT_HD] = 'c', [MV_DOMAIN_BOOT_NETWORK] = 'n' };
        for (size_t i = 0; i < os->nboot; i++)
            g_string_append_c(boot, letters[os->boot[i]]);
        g_autofree char *boot_s = g_string_free(boot, FALSE);
        put_str(out, "boot", *boot_s ? boot_s : NULL);
        g_string_append_printf(out, "acpi = %d\n", def->features[MV_DOMAIN_FEATURE_ACPI]);
        g_string_append_printf(out, "apic = %d\n", def->features[MV_DOMAIN_FEATURE_APIC]);
        g_string_append_printf(out, "pae = %d\n", def->features[MV_DOMAIN_FEATURE_PAE]);
    } else if (os->nboot > 1 || def->features[MV_DOMAIN_FEATURE_ACPI] ||
               def->features[MV_DOMAIN_FEATURE_APIC]) {
        unsupported(error, "boot order and ACPI/APIC features need an HVM guest in xl.cfg");
        return NULL;
    }
    if (def->clock.offset == MV_DOMAIN_CLOCK_LOCALTIME)
        g_string_append(out, "localtime = 1\n");
    else if (def->clock.offset != MV_DOMAIN_CLOCK_UTC) {
        unsupported(error, "clock offset '%s' has no xl.cfg form",
                    mv_domain_clock_offset_to_string(def->clock.offset));
        return NULL;
    }
    put_str(out, "on_poweroff", lifecycle_name(def->on_poweroff));
    put_str(out, "on_reboot", lifecycle_name(def->on_reboot));
    put_str(out, "on_crash", lifecycle_name(def->on_crash));

    if (!format_graphics(def, out, error) || !format_serials(def, out, error))
        return NULL;
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < def->disks->len; i++)
        if (!format_disk(g_ptr_array_index(def->disks, i), disks, error))
            return NULL;
    put_list(out, "disk", disks);
    g_autoptr(GPtrArray) vifs = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < def->nets->len; i++)
        if (!format_vif(g_ptr_array_index(def->nets, i), hvm, vifs, error))
            return NULL;
    put_list(out, "vif", vifs);
    for (guint i = 0; i < def->controllers->len; i++) {
        const MvDomainController *c = g_ptr_array_index(def->controllers, i);
        if (c->type != MV_DOMAIN_CONTROLLER_PCI && c->type != MV_DOMAIN_CONTROLLER_USB &&
            c->type != MV_DOMAIN_CONTROLLER_IDE) {
            unsupported(error, "<controller type='%s'> has no xl.cfg form",
                        mv_domain_controller_to_string(c->type));
            return NULL;
        }
    }
    struct { GPtrArray *list; const char *what; } none[] = {
        { def->watchdogs, "watchdog" }, { def->rngs, "rng" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(none); i++) {
        if (none[i].list->len) {
            unsupported(error, "<%s> has no xl.cfg form", none[i].what);
            return NULL;
        }
    }
    if (!format_kept(def->metadata, out, error))
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}
