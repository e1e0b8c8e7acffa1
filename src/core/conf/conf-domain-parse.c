// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain XML -> MvDomainDef.  Strict on purpose: every element and attribute is checked
// against the list this file understands, so nothing a user writes is silently dropped.
// Defaults and cross-device checks that need the machine type live in conf-domain-defaults.c.

#include "conf/conf-domain.h"

#include <errno.h>
#include <string.h>

#include <libxml/parser.h>

#include "conf/conf-domain-lxc.h"
#include "util/util-units.h"

/* Memory sizes in bytes above this are refused; it keeps every KiB count, and the byte
 * counts the drivers derive from it, inside a signed 64-bit integer. */
#define MAX_MEMORY_BYTES ((guint64)G_MAXINT64)

/* More vCPUs than any x86 machine type offers (q35: 288, with 4096 for future ones). */
#define MAX_VCPUS 4096

/* A memory element: number + unit, in KiB. */
static bool
parse_memory(xmlNodePtr node, guint64 *ret_kib, GError **error)
{
    static const char *const attrs[] = { "unit", "slots", "dumpCore", NULL };
    if (!check_node(node, attrs, NULL, true, error))
        return false;
    g_autofree char *dump = attr(node, "dumpCore");
    g_autofree char *slots = attr(node, "slots");
    if (slots && !g_str_equal(node_name(node), "maxMemory"))
        return xml_error(error, "unsupported attribute 'slots' in <%s>", node_name(node));
    if (dump)
        return unsupported(error, "attribute 'dumpCore' of <%s> is not supported", node_name(node));
    g_autofree char *unit = attr(node, "unit");
    g_autofree char *value = g_strstrip(text(node));
    guint64 number;
    int r = mv_units_parse_number(value, &number);
    if (r == -ERANGE)
        return xml_error(error, "value '%s' of <%s> is too large", value, node_name(node));
    if (r < 0)
        return xml_error(error, "invalid value '%s' for <%s>: expected a non-negative integer",
                         value, node_name(node));
    r = mv_units_to_kib(number, unit, MAX_MEMORY_BYTES, ret_kib);
    if (r == -EINVAL)
        return xml_error(error, "unknown unit '%s' for <%s>", unit, node_name(node));
    if (r < 0)
        return xml_error(error, "value '%s %s' of <%s> is too large", value, unit ? unit : "KiB",
                         node_name(node));
    return true;
}

static bool
parse_os(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "firmware", NULL };
    static const char *const children[] = { "type", "loader", "nvram", "boot", "bootmenu",
                                            "kernel", "initrd", "cmdline", "init", "initarg",
                                            "initenv", "initdir", NULL };
    MvDomainOs *os = &def->os;
    g_autofree char *firmware = attr(node, "firmware");
    if (!check_node(node, attrs, children, false, error))
        return false;
    if (firmware)
        return unsupported(error, "firmware autoselection (firmware='%s') is not supported",
                           firmware);

    xmlNodePtr type, loader, nvram, bootmenu, kernel, initrd, cmdline;
    if (!single_child(node, "type", &type, error) || !single_child(node, "loader", &loader, error) ||
        !single_child(node, "nvram", &nvram, error) ||
        !single_child(node, "bootmenu", &bootmenu, error) ||
        !single_child(node, "kernel", &kernel, error) ||
        !single_child(node, "initrd", &initrd, error) ||
        !single_child(node, "cmdline", &cmdline, error))
        return false;
    if (!type)
        return xml_error(error, "missing <type> in <os>");
    static const char *const type_attrs[] = { "arch", "machine", NULL };
    if (!check_node(type, type_attrs, NULL, true, error))
        return false;
    g_autofree char *os_type = g_strstrip(text(type));
    int v = mv_domain_os_from_string(os_type);
    if (v < 0)
        return xml_error(error, "unknown OS type '%s' in <os>", os_type);
    os->type = v;
    if ((v == MV_DOMAIN_OS_XEN || v == MV_DOMAIN_OS_XENPVH) && def->virt_type != MV_DOMAIN_VIRT_XEN)
        return unsupported(error, "OS type '%s' needs domain type 'xen'", os_type);
    os->arch = attr(type, "arch");
    os->machine = attr(type, "machine");
    if (os->arch && !*os->arch)
        return xml_error(error, "empty attribute 'arch' in <type>");
    if (os->machine && !*os->machine)
        return xml_error(error, "empty attribute 'machine' in <type>");

    if (loader) {
        static const char *const loader_attrs[] = { "readonly", "type", NULL };
        int ltype = MV_DOMAIN_LOADER_NONE;
        if (!check_node(loader, loader_attrs, NULL, true, error) ||
            !enum_attr(loader, "type", mv_domain_loader_from_string, false, &ltype, error) ||
            !tristate_attr(loader, "readonly", true, &os->loader_readonly, error))
            return false;
        os->loader_type = ltype;
        os->loader = g_strstrip(text(loader));
        if (!absolute_path(os->loader, "loader", error))
            return false;
    }
    if (nvram) {
        static const char *const nvram_attrs[] = { NULL };
        if (!check_node(nvram, nvram_attrs, NULL, true, error))
            return false;
        os->nvram = g_strstrip(text(nvram));
        if (!absolute_path(os->nvram, "nvram", error))
            return false;
    }
    FOREACH_CHILD(c, node) {
        static const char *const boot_attrs[] = { "dev", NULL };
        g_autofree char *dev = NULL;
        if (!g_str_equal(node_name(c), "boot"))
            continue;
        if (!check_node(c, boot_attrs, NULL, false, error) || !required_attr(c, "dev", &dev, error))
            return false;
        v = mv_domain_boot_from_string(dev);
        if (v < 0)
            return xml_error(error, "unknown boot device '%s' in <os>", dev);
        for (size_t i = 0; i < os->nboot; i++)
            if (os->boot[i] == (MvDomainBootDev)v)
                return xml_error(error, "boot device '%s' appears more than once in <os>", dev);
        os->boot[os->nboot++] = v;  /* at most MV_DOMAIN_BOOT_MAX distinct values */
    }
    if (bootmenu) {
        static const char *const menu_attrs[] = { "enable", NULL };
        if (!check_node(bootmenu, menu_attrs, NULL, false, error) ||
            !tristate_attr(bootmenu, "enable", true, &os->bootmenu, error))
            return false;
    }
    struct { xmlNodePtr node; char **field; } texts[] = {
        { kernel, &os->kernel }, { initrd, &os->initrd }, { cmdline, &os->cmdline },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        if (!texts[i].node)
            continue;
        if (!check_node(texts[i].node, NULL, NULL, true, error))
            return false;
        *texts[i].field = text(texts[i].node);
        if (texts[i].field != &os->cmdline) {
            g_strstrip(*texts[i].field);
            if (!absolute_path(*texts[i].field, node_name(texts[i].node), error))
                return false;
        }
    }
    if ((os->initrd || os->cmdline) && !os->kernel)
        return xml_error(error, "<%s> in <os> needs a <kernel>", os->initrd ? "initrd" : "cmdline");
    return mv_domain_lxc_parse_os(node, def, error);
}

static bool
parse_features(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    FOREACH_CHILD(c, node) {
        const char *name = node_name(c);
        int f = mv_domain_feature_from_string(name);
        if (f >= 0) {
            if (!check_node(c, NULL, NULL, false, error))
                return false;
            def->features[f] = true;
        } else if (g_str_equal(name, "vmport")) {
            static const char *const attrs[] = { "state", NULL };
            if (!check_node(c, attrs, NULL, false, error) ||
                !tristate_attr(c, "state", false, &def->vmport, error))
                return false;
            if (!def->vmport)
                return xml_error(error, "missing attribute 'state' in <vmport>");
        } else if (g_str_equal(name, "capabilities")) {
            if (!mv_domain_lxc_parse_caps(c, def, error))
                return false;
        } else {
            return unsupported(error, "feature <%s> is not supported", name);
        }
    }
    static const char *const children[] = { "acpi", "apic", "pae", "vmport", "capabilities", NULL };
    return check_node(node, NULL, children, false, error);
}

static bool
parse_cpu(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "mode", "match", "check", "migratable", NULL };
    static const char *const children[] = { "model", "topology", "numa", NULL };
    MvDomainCpu *cpu = &def->cpu;
    int mode = MV_DOMAIN_CPU_MODE_CUSTOM, match = 0, check = 0;
    if (!check_node(node, attrs, children, false, error) ||
        !enum_attr(node, "mode", mv_domain_cpu_mode_from_string, true, &mode, error) ||
        !enum_attr(node, "match", mv_domain_cpu_match_from_string, false, &match, error) ||
        !enum_attr(node, "check", mv_domain_cpu_check_from_string, false, &check, error) ||
        !tristate_attr(node, "migratable", false, &cpu->migratable, error))
        return false;
    cpu->present = true;
    cpu->mode = mode;
    cpu->match = match;
    cpu->check = check;

    xmlNodePtr model, topology, numa;
    if (!single_child(node, "model", &model, error) ||
        !single_child(node, "topology", &topology, error) ||
        !single_child(node, "numa", &numa, error))
        return false;
    if (model) {
        static const char *const model_attrs[] = { "fallback", NULL };
        int fallback = 0;
        if (!check_node(model, model_attrs, NULL, true, error) ||
            !enum_attr(model, "fallback", mv_domain_cpu_fallback_from_string, false, &fallback,
                       error))
            return false;
        cpu->fallback = fallback;
        cpu->model = g_strstrip(text(model));
        if (!*cpu->model)
            return xml_error(error, "empty <model> in <cpu>");
        for (const char *c = cpu->model; *c; c++)
            if (!g_ascii_isalnum(*c) && !strchr("-_.", *c))
                return xml_error(error, "invalid CPU model '%s'", cpu->model);
    }
    if (cpu->model && cpu->mode != MV_DOMAIN_CPU_MODE_CUSTOM)
        return unsupported(error, "a CPU <model> with mode '%s' is not supported",
                           mv_domain_cpu_mode_to_string(cpu->mode));
    if (topology) {
        static const char *const topo_attrs[] = { "sockets", "dies", "cores", "threads", NULL };
        cpu->dies = 1;
        if (!check_node(topology, topo_attrs, NULL, false, error) ||
            !uint_attr(topology, "sockets", MAX_VCPUS, &cpu->sockets, NULL, error) ||
            !uint_attr(topology, "dies", MAX_VCPUS, &cpu->dies, NULL, error) ||
            !uint_attr(topology, "cores", MAX_VCPUS, &cpu->cores, NULL, error) ||
            !uint_attr(topology, "threads", MAX_VCPUS, &cpu->threads, NULL, error))
            return false;
        if (!cpu->sockets || !cpu->dies || !cpu->cores || !cpu->threads)
            return xml_error(error, "<topology> needs sockets, cores and threads of 1 or more");
    }
    if (numa) {
        static const char *const cell_children[] = { "cell", NULL };
        if (!check_node(numa, NULL, cell_children, false, error))
            return false;
        FOREACH_CHILD(c, numa) {
            static const char *const cell_attrs[] = { "id", "cpus", "memory", "unit", NULL };
            g_autoptr(MvDomainNumaCell) cell = g_new0(MvDomainNumaCell, 1);
            g_autofree char *memory = NULL, *unit = NULL;
            bool has_id;
            if (!check_node(c, cell_attrs, NULL, false, error) ||
                !uint_attr(c, "id", 255, &cell->id, &has_id, error) ||
                !required_attr(c, "cpus", &cell->cpus, error) ||
                !required_attr(c, "memory", &memory, error))
                return false;
            if (!has_id)
                cell->id = cpu->numa->len;
            g_autofree char *cpus = g_steal_pointer(&cell->cpus);
            cell->cpus = mv_cpuset_canonical(cpus);
            if (!cell->cpus)
                return xml_error(error, "invalid cpus '%s' for NUMA cell %u", cpus, cell->id);
            if (cell->id != cpu->numa->len)
                return xml_error(error, "NUMA cell id '%u' out of order: expected '%u'", cell->id,
                                 cpu->numa->len);
            unit = attr(c, "unit");
            guint64 number;
            int r = mv_units_parse_number(memory, &number);
            if (r == 0)
                r = mv_units_to_kib(number, unit, MAX_MEMORY_BYTES, &cell->memory_kib);
            if (r == -EINVAL && unit && mv_units_parse_number(memory, &number) == 0)
                return xml_error(error, "unknown unit '%s' for NUMA cell %u", unit, cell->id);
            if (r < 0)
                return xml_error(error, "invalid memory '%s' for NUMA cell %u", memory, cell->id);
            g_ptr_array_add(cpu->numa, g_steal_pointer(&cell));
        }
    }
    return true;
}

static bool
parse_clock(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "offset", "adjustment", "basis", NULL };
    static const char *const children[] = { "timer", NULL };
    MvDomainClock *clock = &def->clock;
    int offset = MV_DOMAIN_CLOCK_UTC, basis = MV_DOMAIN_CLOCK_BASIS_UTC;
    g_autofree char *offset_s = attr(node, "offset");
    g_autofree char *adjustment = attr(node, "adjustment");
    if (!check_node(node, attrs, children, false, error))
        return false;
    if (offset_s && (offset = mv_domain_clock_offset_from_string(offset_s)) < 0)
        return unsupported(error, "clock offset '%s' is not supported", offset_s);
    clock->offset = offset;
    if (!enum_attr(node, "basis", mv_domain_clock_basis_from_string, true, &basis, error))
        return false;
    clock->basis = basis;
    if (clock->offset != MV_DOMAIN_CLOCK_VARIABLE) {
        g_autofree char *basis_s = attr(node, "basis");
        if (adjustment || basis_s)
            return xml_error(error, "clock attribute '%s' needs offset='variable'",
                             adjustment ? "adjustment" : "basis");
    } else if (adjustment) {
        char *end = NULL;
        errno = 0;
        clock->adjustment = g_ascii_strtoll(adjustment, &end, 10);
        if (errno || !*adjustment || *end)
            return xml_error(error, "invalid clock adjustment '%s'", adjustment);
    }
    FOREACH_CHILD(c, node) {
        static const char *const timer_attrs[] = { "name", "tickpolicy", "present", NULL };
        MvDomainTimer timer = { 0 };
        g_autofree char *name = NULL;
        int tick = 0;
        if (!check_node(c, timer_attrs, NULL, false, error) ||
            !required_attr(c, "name", &name, error))
            return false;
        int v = mv_domain_timer_from_string(name);
        if (v < 0)
            return unsupported(error, "timer '%s' is not supported", name);
        timer.name = v;
        if (!enum_attr(c, "tickpolicy", mv_domain_tickpolicy_from_string, false, &tick, error) ||
            !tristate_attr(c, "present", true, &timer.present, error))
            return false;
        timer.tickpolicy = tick;
        for (guint i = 0; i < clock->timers->len; i++)
            if (g_array_index(clock->timers, MvDomainTimer, i).name == timer.name)
                return xml_error(error, "timer '%s' appears more than once in <clock>", name);
        g_array_append_val(clock->timers, timer);
    }
    return true;
}

static bool
parse_lifecycle(xmlNodePtr node, bool crash, MvDomainLifecycleAction *ret, GError **error)
{
    if (!check_node(node, NULL, NULL, true, error))
        return false;
    g_autofree char *value = g_strstrip(text(node));
    int v = mv_domain_lifecycle_from_string(value);
    /* coredump-* only make sense after a crash. */
    if (v < 0 || (!crash && v >= MV_DOMAIN_LIFECYCLE_COREDUMP_DESTROY))
        return xml_error(error, "invalid value '%s' for <%s>", value, node_name(node));
    *ret = v;
    return true;
}

static bool
parse_vcpu(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "placement", "cpuset", "current", NULL };
    int placement = 0;
    bool has_current;
    if (!check_node(node, attrs, NULL, true, error) ||
        !enum_attr(node, "placement", mv_domain_vcpu_placement_from_string, false, &placement,
                   error) ||
        !uint_attr(node, "current", MAX_VCPUS, &def->current_vcpus, &has_current, error))
        return false;
    def->placement = placement;
    g_autofree char *count = g_strstrip(text(node));
    guint64 n;
    if (!parse_uint(count, MAX_VCPUS, &n) || n == 0)
        return xml_error(error, "invalid vCPU count '%s' in <vcpu>", count);
    def->vcpus = (unsigned)n;
    if (has_current && (def->current_vcpus == 0 || def->current_vcpus > def->vcpus))
        return xml_error(error, "current vCPU count '%u' must be between 1 and the maximum '%u'",
                         def->current_vcpus, def->vcpus);
    g_autofree char *cpuset = attr(node, "cpuset");
    if (cpuset) {
        def->cpuset = mv_cpuset_canonical(cpuset);
        if (!def->cpuset)
            return xml_error(error, "invalid cpuset '%s' in <vcpu>", cpuset);
    }
    return true;
}

/* Drop whitespace-only text between elements below @node, so that the serializer's
 * indentation is the only layout and a round trip does not indent twice. */
static void
strip_blanks(xmlNodePtr node)
{
    xmlNodePtr c = node->children;
    while (c) {
        xmlNodePtr next = c->next;
        if (c->type == XML_ELEMENT_NODE) {
            strip_blanks(c);
        } else if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c) &&
                   (c->prev || c->next)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
}

/* Serialize the element children of <metadata> verbatim (layout aside), each one
 * standalone (namespace declarations it inherited are copied onto it) and indented for its
 * place in a formatted domain, so that formatting copies the text as it is. */
static bool
parse_metadata(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);
    if (node->properties)
        return xml_error(error, "unsupported attribute '%s' in <metadata>",
                         (const char *)node->properties->name);
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_COMMENT_NODE) {
            for (const xmlChar *q = c->content; c->type == XML_TEXT_NODE && q && *q; q++)
                if (!g_ascii_isspace(*q))
                    return xml_error(error, "unexpected text in <metadata>");
            continue;
        }
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
        xmlNodePtr copy = doc ? xmlDocCopyNode(c, doc, 1) : NULL;
        xmlBufferPtr buf = xmlBufferCreate();
        bool ok = copy && buf;
        if (ok) {
            xmlDocSetRootElement(doc, copy);
            xmlReconciliateNs(doc, copy);
            strip_blanks(copy);
            /* Indented for where it sits: <domain><metadata><child>, level 2. */
            ok = xmlNodeDump(buf, doc, copy, 2, 1) >= 0;
        }
        if (ok) {
            if (out->len)
                g_string_append_c(out, '\n');
            g_string_append(out, "    ");
            g_string_append(out, (const char *)xmlBufferContent(buf));
        }
        if (buf)
            xmlBufferFree(buf);
        if (doc)
            xmlFreeDoc(doc);
        if (!ok)
            return xml_error(error, "cannot copy <%s> from <metadata>", node_name(c));
    }
    def->metadata = g_string_free(g_steal_pointer(&out), FALSE);
    return true;
}

static bool
parse_text_child(xmlNodePtr node, char **ret, GError **error)
{
    if (!check_node(node, NULL, NULL, true, error))
        return false;
    g_free(*ret);
    *ret = text(node);
    return true;
}

/* <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm> */
static bool
parse_pm(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const children[] = { "suspend-to-mem", "suspend-to-disk", NULL };
    static const char *const attrs[] = { "enabled", NULL };
    if (!check_node(node, NULL, children, false, error))
        return false;
    for (int i = 0; i < 2; i++) {
        xmlNodePtr c;
        MvTristate *t = i == 0 ? &def->pm_suspend_to_mem : &def->pm_suspend_to_disk;
        if (!single_child(node, children[i], &c, error))
            return false;
        if (!c)
            continue;
        if (!check_node(c, attrs, NULL, false, error) ||
            !tristate_attr(c, "enabled", true, t, error))
            return false;
        if (*t == MV_TRISTATE_ABSENT)
            return xml_error(error, "missing attribute 'enabled' in <%s>", children[i]);
    }
    return true;
}

static bool
parse_domain(Parser *p, xmlNodePtr root, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "type", "id", NULL };
    static const char *const children[] = { "name", "uuid", "title", "description", "metadata",
                                            "maxMemory", "memory", "currentMemory", "vcpu", "os",
                                            "features", "cpu", "clock", "on_poweroff",
                                            "on_reboot", "on_crash", "pm", "devices",
                                            "bootloader", "bootloader_args", "idmap",
                                            "resource", NULL };
    if (!is_element(root, "domain"))
        return xml_error(error, "unexpected root element <%s>, expecting <domain>",
                         node_name(root));
    if (!check_node(root, attrs, children, false, error))
        return false;

    g_autofree char *type = attr(root, "type");
    if (!type)
        return xml_error(error, "missing domain type attribute");
    int v = mv_domain_virt_from_string(type);
    if (v < 0)
        return xml_error(error, "invalid domain type '%s'", type);
    def->virt_type = v;
    p->virt = v;
    g_autofree char *id = attr(root, "id");
    guint64 n;
    if (id && (!parse_uint(id, G_MAXINT32, &n)))
        return xml_error(error, "invalid domain id '%s'", id);
    if (id && (p->flags & MV_DOMAIN_PARSE_LIVE))
        def->id = (int)n;

    for (const char *const *name = children; *name; name++) {
        xmlNodePtr c;
        if (!single_child(root, *name, &c, error))
            return false;
    }

    bool have_memory = false, have_os = false;
    FOREACH_CHILD(c, root) {
        const char *name = node_name(c);
        bool ok = true;
        if (g_str_equal(name, "name")) {
            ok = parse_text_child(c, &def->name, error);
        } else if (g_str_equal(name, "uuid")) {
            g_autofree char *uuid = NULL;
            ok = parse_text_child(c, &uuid, error);
            if (ok && mv_uuid_parse(uuid, def->uuid) < 0)
                return xml_error(error, "malformed uuid element '%s'", uuid);
        } else if (g_str_equal(name, "title")) {
            ok = parse_text_child(c, &def->title, error);
            if (ok && strchr(def->title, '\n'))
                return xml_error(error, "title can't contain newlines");
        } else if (g_str_equal(name, "description")) {
            ok = parse_text_child(c, &def->description, error);
        } else if (g_str_equal(name, "metadata")) {
            ok = parse_metadata(c, def, error);
        } else if (g_str_equal(name, "maxMemory")) {
            ok = parse_memory(c, &def->max_memory_kib, error) &&
                 uint_attr(c, "slots", 255, &def->max_memory_slots, NULL, error);
        } else if (g_str_equal(name, "memory")) {
            ok = parse_memory(c, &def->memory_kib, error);
            have_memory = true;
        } else if (g_str_equal(name, "currentMemory")) {
            ok = parse_memory(c, &def->current_memory_kib, error);
        } else if (g_str_equal(name, "vcpu")) {
            ok = parse_vcpu(c, def, error);
        } else if (g_str_equal(name, "os")) {
            ok = parse_os(c, def, error);
            have_os = true;
        } else if (g_str_equal(name, "features")) {
            ok = parse_features(c, def, error);
        } else if (g_str_equal(name, "cpu")) {
            ok = parse_cpu(c, def, error);
        } else if (g_str_equal(name, "clock")) {
            ok = parse_clock(c, def, error);
        } else if (g_str_equal(name, "on_poweroff")) {
            ok = parse_lifecycle(c, false, &def->on_poweroff, error);
        } else if (g_str_equal(name, "on_reboot")) {
            ok = parse_lifecycle(c, false, &def->on_reboot, error);
        } else if (g_str_equal(name, "on_crash")) {
            ok = parse_lifecycle(c, true, &def->on_crash, error);
        } else if (g_str_equal(name, "bootloader") || g_str_equal(name, "bootloader_args")) {
            if (def->virt_type != MV_DOMAIN_VIRT_XEN && def->virt_type != MV_DOMAIN_VIRT_BHYVE)
                return unsupported(error, "<%s> is only supported for domain types 'xen' and 'bhyve'",
                                   name);
            ok = parse_text_child(c, g_str_equal(name, "bootloader") ? &def->bootloader
                                                                     : &def->bootloader_args, error);
        } else if (g_str_equal(name, "idmap")) {
            ok = mv_domain_lxc_parse_idmap(c, def, error);
        } else if (g_str_equal(name, "resource")) {
            ok = mv_domain_lxc_parse_resource(c, def, error);
        } else if (g_str_equal(name, "pm")) {
            ok = parse_pm(c, def, error);
        } else if (g_str_equal(name, "devices")) {
            ok = mv_domain_parse_devices(p, c, def, error);
        }
        if (!ok)
            return false;
    }
    if (!def->name || !*def->name)
        return xml_error(error, "missing domain name information");
    if (strchr(def->name, '/'))
        return xml_error(error, "name '%s' cannot contain '/'", def->name);
    if (strchr(def->name, '\n'))
        return xml_error(error, "domain name cannot contain newlines");
    if (!have_memory && !def->cpu.numa->len)
        return xml_error(error, "Memory size must be specified via <memory> or in the <numa> "
                         "configuration");
    if (have_memory && def->memory_kib == 0 && !def->cpu.numa->len)
        return xml_error(error, "<memory> must be greater than zero");
    if (!have_os)
        return xml_error(error, "an os <type> must be specified");
    if (!def->vcpus)
        def->vcpus = 1;
    if (mv_uuid_is_null(def->uuid))
        mv_uuid_generate(def->uuid);

    return true;
}

MvDomainDef *
mv_domain_def_parse(const char *xml, unsigned flags, GError **error)
{
    Parser p = { .flags = flags };
    xmlDocPtr doc = conf_xml_read(xml, "domain", error);
    if (!doc)
        return NULL;

    g_autoptr(MvDomainDef) def = mv_domain_def_new();
    bool ok = parse_domain(&p, xmlDocGetRootElement(doc), def, error);
    xmlFreeDoc(doc);
    return ok ? g_steal_pointer(&def) : NULL;
}
