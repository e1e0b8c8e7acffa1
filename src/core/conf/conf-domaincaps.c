// SPDX-License-Identifier: LGPL-2.1-or-later
// Formatting domain capabilities XML.  Element order follows domaincaps.rng (it is strict
// about <cpu> modes and <devices> children); a section that is not supported is a single
// empty element, as libvirt writes it.

#include "conf/conf-domaincaps.h"

#include <stdarg.h>

static const char *const device_names[MV_DOMCAPS_DEVICE_LAST] = {
    [MV_DOMCAPS_DEVICE_DISK] = "disk",
    [MV_DOMCAPS_DEVICE_GRAPHICS] = "graphics",
    [MV_DOMCAPS_DEVICE_VIDEO] = "video",
    [MV_DOMCAPS_DEVICE_HOSTDEV] = "hostdev",
    [MV_DOMCAPS_DEVICE_RNG] = "rng",
    [MV_DOMCAPS_DEVICE_FILESYSTEM] = "filesystem",
    [MV_DOMCAPS_DEVICE_TPM] = "tpm",
    [MV_DOMCAPS_DEVICE_REDIRDEV] = "redirdev",
    [MV_DOMCAPS_DEVICE_CHANNEL] = "channel",
};

static const char *const feature_names[MV_DOMCAPS_FEATURE_LAST] = {
    [MV_DOMCAPS_FEATURE_GIC] = "gic",
    [MV_DOMCAPS_FEATURE_VMCOREINFO] = "vmcoreinfo",
    [MV_DOMCAPS_FEATURE_GENID] = "genid",
    [MV_DOMCAPS_FEATURE_BACKING_STORE_INPUT] = "backingStoreInput",
    [MV_DOMCAPS_FEATURE_BACKUP] = "backup",
    [MV_DOMCAPS_FEATURE_SEV] = "sev",
    [MV_DOMCAPS_FEATURE_SGX] = "sgx",
};

static const char *const cpu_mode_names[MV_DOMCAPS_CPU_LAST] = {
    [MV_DOMCAPS_CPU_HOST_PASSTHROUGH] = "host-passthrough",
    [MV_DOMCAPS_CPU_MAXIMUM] = "maximum",
    [MV_DOMCAPS_CPU_HOST_MODEL] = "host-model",
    [MV_DOMCAPS_CPU_CUSTOM] = "custom",
};

static void
enum_free(MvDomCapsEnum *e)
{
    if (!e)
        return;
    g_free(e->name);
    g_ptr_array_unref(e->values);
    g_free(e);
}

static void
cpu_model_free(MvDomCapsCpuModel *m)
{
    if (!m)
        return;
    g_free(m->name);
    g_free(m->vendor);
    g_free(m);
}

static void
section_init(MvDomCapsSection *s)
{
    s->enums = g_ptr_array_new_with_free_func((GDestroyNotify)enum_free);
}

MvDomCaps *
mv_domcaps_new(const char *path, const char *domain, const char *machine, const char *arch)
{
    MvDomCaps *caps = g_new0(MvDomCaps, 1);
    caps->path = g_strdup(path);
    caps->domain = g_strdup(domain);
    caps->machine = g_strdup(machine);
    caps->arch = g_strdup(arch);
    section_init(&caps->os);
    section_init(&caps->loader);
    caps->loader_values = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < MV_DOMCAPS_CPU_LAST; i++)
        section_init(&caps->cpu[i]);
    caps->cpu_models = g_ptr_array_new_with_free_func((GDestroyNotify)cpu_model_free);
    section_init(&caps->memory_backing);
    for (int i = 0; i < MV_DOMCAPS_DEVICE_LAST; i++)
        section_init(&caps->devices[i]);
    return caps;
}

void
mv_domcaps_free(MvDomCaps *caps)
{
    if (!caps)
        return;
    g_free(caps->path);
    g_free(caps->domain);
    g_free(caps->machine);
    g_free(caps->arch);
    g_ptr_array_unref(caps->os.enums);
    g_ptr_array_unref(caps->loader.enums);
    g_ptr_array_unref(caps->loader_values);
    for (int i = 0; i < MV_DOMCAPS_CPU_LAST; i++)
        g_ptr_array_unref(caps->cpu[i].enums);
    g_ptr_array_unref(caps->cpu_models);
    g_ptr_array_unref(caps->memory_backing.enums);
    for (int i = 0; i < MV_DOMCAPS_DEVICE_LAST; i++)
        g_ptr_array_unref(caps->devices[i].enums);
    g_free(caps);
}

static MvDomCapsEnum *
find_enum(MvDomCapsSection *section, const char *name)
{
    for (guint i = 0; i < section->enums->len; i++) {
        MvDomCapsEnum *e = g_ptr_array_index(section->enums, i);
        if (g_str_equal(e->name, name))
            return e;
    }
    MvDomCapsEnum *e = g_new0(MvDomCapsEnum, 1);
    e->name = g_strdup(name);
    e->values = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(section->enums, e);
    return e;
}

void
mv_domcaps_enum(MvDomCapsSection *section, const char *name, ...)
{
    va_list ap;
    MvDomCapsEnum *e = find_enum(section, name);
    section->supported = true;
    va_start(ap, name);
    for (const char *v = va_arg(ap, const char *); v; v = va_arg(ap, const char *))
        g_ptr_array_add(e->values, g_strdup(v));
    va_end(ap);
}

void
mv_domcaps_enum_add(MvDomCapsSection *section, const char *name, const char *value)
{
    section->supported = true;
    g_ptr_array_add(find_enum(section, name)->values, g_strdup(value));
}

void
mv_domcaps_add_cpu_model(MvDomCaps *caps, const char *name, MvTristate usable, bool deprecated,
                         const char *vendor)
{
    MvDomCapsCpuModel *m = g_new0(MvDomCapsCpuModel, 1);
    m->name = g_strdup(name);
    m->usable = usable;
    m->deprecated = deprecated;
    m->vendor = g_strdup(vendor);
    g_ptr_array_add(caps->cpu_models, m);
}

static void
indent(GString *out, int depth)
{
    for (int i = 0; i < depth; i++)
        g_string_append(out, "  ");
}

static void
text_element(GString *out, int depth, const char *name, const char *text)
{
    indent(out, depth);
    g_string_append_printf(out, "<%s>", name);
    g_autofree char *escaped = g_markup_escape_text(text, -1);
    g_string_append_printf(out, "%s</%s>\n", escaped, name);
}

static void
format_values(GString *out, int depth, GPtrArray *values)
{
    for (guint i = 0; i < values->len; i++)
        text_element(out, depth, "value", g_ptr_array_index(values, i));
}

static void
format_enums(GString *out, int depth, const MvDomCapsSection *section)
{
    for (guint i = 0; i < section->enums->len; i++) {
        const MvDomCapsEnum *e = g_ptr_array_index(section->enums, i);
        indent(out, depth);
        if (e->values->len == 0) {
            g_string_append_printf(out, "<enum name='%s'/>\n", e->name);
            continue;
        }
        g_string_append_printf(out, "<enum name='%s'>\n", e->name);
        format_values(out, depth + 1, e->values);
        indent(out, depth);
        g_string_append(out, "</enum>\n");
    }
}

/* <name supported='yes'> + enums, or <name supported='no'/>. */
static void
format_section(GString *out, int depth, const char *name, const char *extra,
               const MvDomCapsSection *section)
{
    indent(out, depth);
    g_string_append_printf(out, "<%s%s supported='%s'", name, extra ? extra : "",
                           section->supported ? "yes" : "no");
    if (!section->supported || section->enums->len == 0) {
        g_string_append(out, "/>\n");
        return;
    }
    g_string_append(out, ">\n");
    format_enums(out, depth + 1, section);
    indent(out, depth);
    g_string_append_printf(out, "</%s>\n", name);
}

static void
format_os(GString *out, const MvDomCaps *caps)
{
    if (!caps->os.supported) {
        g_string_append(out, "  <os supported='no'/>\n");
        return;
    }
    g_string_append(out, "  <os supported='yes'>\n");
    format_enums(out, 2, &caps->os);
    if (caps->loader.supported) {
        g_string_append(out, "    <loader supported='yes'>\n");
        format_values(out, 3, caps->loader_values);
        format_enums(out, 3, &caps->loader);
        g_string_append(out, "    </loader>\n");
    }
    g_string_append(out, "  </os>\n");
}

static void
format_cpu(GString *out, const MvDomCaps *caps)
{
    g_string_append(out, "  <cpu>\n");
    for (int i = 0; i < MV_DOMCAPS_CPU_LAST; i++) {
        g_autofree char *extra = g_strdup_printf(" name='%s'", cpu_mode_names[i]);
        const MvDomCapsSection *mode = &caps->cpu[i];
        if (i != MV_DOMCAPS_CPU_CUSTOM || !mode->supported || caps->cpu_models->len == 0) {
            format_section(out, 2, "mode", extra, mode);
            continue;
        }
        g_string_append_printf(out, "    <mode%s supported='yes'>\n", extra);
        for (guint m = 0; m < caps->cpu_models->len; m++) {
            const MvDomCapsCpuModel *model = g_ptr_array_index(caps->cpu_models, m);
            g_autofree char *name = g_markup_escape_text(model->name, -1);
            g_autofree char *vendor = g_markup_escape_text(model->vendor ? model->vendor : "unknown", -1);
            const char *usable = model->usable == MV_TRISTATE_ON ? "yes"
                                 : model->usable == MV_TRISTATE_OFF ? "no" : "unknown";
            g_string_append_printf(out, "      <model usable='%s'%s vendor='%s'>%s</model>\n", usable,
                                   model->deprecated ? " deprecated='yes'" : "", vendor, name);
        }
        g_string_append(out, "    </mode>\n");
    }
    g_string_append(out, "  </cpu>\n");
}

char *
mv_domcaps_format(const MvDomCaps *caps)
{
    GString *out = g_string_new("<domainCapabilities>\n");
    text_element(out, 1, "path", caps->path);
    text_element(out, 1, "domain", caps->domain);
    if (caps->machine)
        text_element(out, 1, "machine", caps->machine);
    text_element(out, 1, "arch", caps->arch);
    if (caps->max_vcpus)
        g_string_append_printf(out, "  <vcpu max='%u'/>\n", caps->max_vcpus);
    g_string_append_printf(out, "  <iothreads supported='%s'/>\n", caps->iothreads ? "yes" : "no");
    format_os(out, caps);
    format_cpu(out, caps);
    format_section(out, 1, "memoryBacking", NULL, &caps->memory_backing);
    g_string_append(out, "  <devices>\n");
    for (int i = 0; i < MV_DOMCAPS_DEVICE_LAST; i++)
        format_section(out, 2, device_names[i], NULL, &caps->devices[i]);
    g_string_append(out, "  </devices>\n");
    g_string_append(out, "  <features>\n");
    for (int i = 0; i < MV_DOMCAPS_FEATURE_LAST; i++) {
        /* gic wants an enum when supported; we never offer it on x86. */
        g_string_append_printf(out, "    <%s supported='%s'/>\n", feature_names[i],
                               caps->features[i] && i != MV_DOMCAPS_FEATURE_GIC ? "yes" : "no");
    }
    g_string_append(out, "  </features>\n");
    g_string_append(out, "</domainCapabilities>\n");
    return g_string_free(out, FALSE);
}
