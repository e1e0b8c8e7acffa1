// SPDX-License-Identifier: LGPL-2.1-or-later
// Building and formatting capabilities XML with libxml2's text writer.  Element order and
// attribute spelling follow what libvirt emits, so clients that scrape it keep working.

#include "conf/conf-capabilities.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "util/util-error.h"

/* Element names per enum; one table drives formatting. */
static const char *const feature_names[MV_CAPS_FEATURE_LAST] = {
    [MV_CAPS_FEATURE_PAE] = "pae",
    [MV_CAPS_FEATURE_NONPAE] = "nonpae",
    [MV_CAPS_FEATURE_IA64_BE] = "ia64_be",
    [MV_CAPS_FEATURE_ACPI] = "acpi",
    [MV_CAPS_FEATURE_APIC] = "apic",
    [MV_CAPS_FEATURE_CPUSELECTION] = "cpuselection",
    [MV_CAPS_FEATURE_DEVICEBOOT] = "deviceboot",
    [MV_CAPS_FEATURE_DISKSNAPSHOT] = "disksnapshot",
    [MV_CAPS_FEATURE_HAP] = "hap",
};

/* The schema requires default=/toggle= on exactly these. */
static const bool feature_has_toggle[MV_CAPS_FEATURE_LAST] = {
    [MV_CAPS_FEATURE_ACPI] = true,
    [MV_CAPS_FEATURE_APIC] = true,
    [MV_CAPS_FEATURE_DISKSNAPSHOT] = true,
    [MV_CAPS_FEATURE_HAP] = true,
};

static const char *const domain_names[MV_CAPS_DOMAIN_LAST] = {
    [MV_CAPS_DOMAIN_QEMU] = "qemu",
    [MV_CAPS_DOMAIN_KVM] = "kvm",
    [MV_CAPS_DOMAIN_XEN] = "xen",
    [MV_CAPS_DOMAIN_LXC] = "lxc",
    [MV_CAPS_DOMAIN_TEST] = "test",
    [MV_CAPS_DOMAIN_BHYVE] = "bhyve",
};

static const char *const os_names[MV_CAPS_OS_LAST] = {
    [MV_CAPS_OS_HVM] = "hvm",
    [MV_CAPS_OS_XEN] = "xen",
    [MV_CAPS_OS_EXE] = "exe",
};

static void
machine_free(MvCapsMachine *machine)
{
    g_free(machine->name);
    g_free(machine->canonical);
    g_free(machine);
}

static void
guest_free(MvCapsGuest *guest)
{
    g_free(guest->arch);
    g_free(guest->emulator);
    g_free(guest->loader);
    g_ptr_array_unref(guest->machines);
    g_free(guest);
}

static void
secmodel_free(MvCapsSecModel *secmodel)
{
    g_free(secmodel->model);
    g_free(secmodel->doi);
    g_free(secmodel);
}

MvCaps *
mv_caps_new(const char *host_arch)
{
    MvCaps *caps = g_new0(MvCaps, 1);
    caps->host_arch = g_strdup(host_arch);
    caps->secmodels = g_ptr_array_new_with_free_func((GDestroyNotify)secmodel_free);
    caps->guests = g_ptr_array_new_with_free_func((GDestroyNotify)guest_free);
    return caps;
}

void
mv_caps_free(MvCaps *caps)
{
    if (!caps)
        return;
    g_free(caps->host_uuid);
    g_free(caps->host_arch);
    mv_host_topology_free(caps->topology);
    g_ptr_array_unref(caps->secmodels);
    g_ptr_array_unref(caps->guests);
    g_free(caps);
}

const char *
mv_caps_arch_from_uname(const char *machine)
{
    if (g_str_equal(machine, "i386") || g_str_equal(machine, "i486") ||
        g_str_equal(machine, "i586") || g_str_equal(machine, "i686"))
        return "i686";
    return machine;
}

MvCaps *
mv_caps_new_host(GError **error)
{
    struct utsname uts;
    if (uname(&uts) < 0) {
        mv_error_set_errno(error, MV_FROM_CAPABILITIES, errno, "cannot get the host architecture");
        return NULL;
    }
    g_autoptr(MvCaps) caps = mv_caps_new(mv_caps_arch_from_uname(uts.machine));

    char uuid[37];
    mv_host_uuid(uuid);
    caps->host_uuid = g_strdup(uuid);

    int r = mv_host_cpu_topology(&caps->topology);
    if (r < 0) {
        mv_error_set_errno(error, MV_FROM_CAPABILITIES, -r,
                           "cannot read the host CPU and NUMA topology");
        return NULL;
    }
    caps->iommu = mv_host_has_iommu() ? MV_CAPS_IOMMU_YES : MV_CAPS_IOMMU_NO;
    return g_steal_pointer(&caps);
}

void
mv_caps_add_secmodel(MvCaps *caps, const char *model, const char *doi)
{
    MvCapsSecModel *secmodel = g_new0(MvCapsSecModel, 1);
    secmodel->model = g_strdup(model);
    secmodel->doi = g_strdup(doi);
    g_ptr_array_add(caps->secmodels, secmodel);
}

MvCapsGuest *
mv_caps_add_guest(MvCaps *caps, MvCapsOsType os_type, const char *arch, int wordsize,
                  const char *emulator, const char *loader)
{
    MvCapsGuest *guest = g_new0(MvCapsGuest, 1);
    guest->os_type = os_type;
    guest->arch = g_strdup(arch);
    guest->wordsize = wordsize;
    guest->emulator = g_strdup(emulator);
    guest->loader = g_strdup(loader);
    guest->machines = g_ptr_array_new_with_free_func((GDestroyNotify)machine_free);
    g_ptr_array_add(caps->guests, guest);
    return guest;
}

void
mv_caps_guest_add_machine(MvCapsGuest *guest, const char *name, const char *canonical,
                          unsigned max_cpus, bool deprecated)
{
    MvCapsMachine *machine = g_new0(MvCapsMachine, 1);
    machine->name = g_strdup(name);
    machine->canonical = g_strdup(canonical);
    machine->max_cpus = max_cpus;
    machine->deprecated = deprecated;
    g_ptr_array_add(guest->machines, machine);
}

void
mv_caps_guest_add_domain(MvCapsGuest *guest, MvCapsDomainType type)
{
    g_return_if_fail(type < MV_CAPS_DOMAIN_LAST);
    guest->domains |= 1u << type;
}

void
mv_caps_guest_set_feature(MvCapsGuest *guest, MvCapsFeature feature, bool default_on,
                          bool toggle)
{
    g_return_if_fail(feature < MV_CAPS_FEATURE_LAST);
    guest->features[feature] = (MvCapsGuestFeature){ true, default_on, toggle };
}

/* libxml2's writer returns -1 on failure (out of memory, in practice); rather than check
 * every call, the first failure latches and the formatter reports it once at the end. */
typedef struct {
    xmlTextWriterPtr w;
    bool failed;
} Writer;

static void
w_start(Writer *w, const char *name)
{
    if (!w->failed && xmlTextWriterStartElement(w->w, BAD_CAST name) < 0)
        w->failed = true;
}

static void
w_end(Writer *w)
{
    if (!w->failed && xmlTextWriterEndElement(w->w) < 0)
        w->failed = true;
}

static void w_attr(Writer *w, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
w_attr(Writer *w, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!w->failed && xmlTextWriterWriteAttribute(w->w, BAD_CAST name, BAD_CAST value) < 0)
        w->failed = true;
}

static void
w_string(Writer *w, const char *text)
{
    if (!w->failed && xmlTextWriterWriteString(w->w, BAD_CAST text) < 0)
        w->failed = true;
}

/* <name>text</name> */
static void
w_text_element(Writer *w, const char *name, const char *text)
{
    w_start(w, name);
    w_string(w, text);
    w_end(w);
}

static void
format_host_cpu(Writer *w, const MvCaps *caps)
{
    const MvHostTopology *topo = caps->topology;

    w_start(w, "cpu");
    w_text_element(w, "arch", caps->host_arch);
    if (topo && topo->vendor[0])
        w_text_element(w, "vendor", topo->vendor);
    if (topo && topo->microcode) {
        w_start(w, "microcode");
        w_attr(w, "version", "%" G_GUINT64_FORMAT, topo->microcode);
        w_end(w);
    }
    if (topo && topo->family) {
        w_start(w, "signature");
        w_attr(w, "family", "%u", topo->family);
        w_attr(w, "model", "%u", topo->model);
        w_attr(w, "stepping", "%u", topo->stepping);
        w_end(w);
    }
    if (topo) {
        w_start(w, "topology");
        w_attr(w, "sockets", "%d", topo->sockets);
        w_attr(w, "dies", "%d", topo->dies);
        w_attr(w, "cores", "%d", topo->cores);
        w_attr(w, "threads", "%d", topo->threads);
        w_end(w);
        for (size_t i = 0; i < topo->npage_sizes; i++) {
            w_start(w, "pages");
            w_attr(w, "unit", "KiB");
            w_attr(w, "size", "%u", topo->page_sizes_kib[i]);
            w_end(w);
        }
    }
    w_end(w);
}

static void
format_cell(Writer *w, const MvHostCell *cell)
{
    w_start(w, "cell");
    w_attr(w, "id", "%u", cell->id);

    w_start(w, "memory");
    w_attr(w, "unit", "KiB");
    g_autofree char *mem = g_strdup_printf("%" G_GUINT64_FORMAT, cell->memory_kib);
    w_string(w, mem);
    w_end(w);

    for (size_t i = 0; i < cell->npages; i++) {
        g_autofree char *count = g_strdup_printf("%" G_GUINT64_FORMAT, cell->pages[i].count);
        w_start(w, "pages");
        w_attr(w, "unit", "KiB");
        w_attr(w, "size", "%u", cell->pages[i].size_kib);
        w_string(w, count);
        w_end(w);
    }

    if (cell->ndistances) {
        w_start(w, "distances");
        for (size_t i = 0; i < cell->ndistances; i++) {
            w_start(w, "sibling");
            w_attr(w, "id", "%u", cell->distances[i].id);
            w_attr(w, "value", "%u", cell->distances[i].value);
            w_end(w);
        }
        w_end(w);
    }

    w_start(w, "cpus");
    w_attr(w, "num", "%zu", cell->ncpus);
    for (size_t i = 0; i < cell->ncpus; i++) {
        const MvHostCpu *cpu = &cell->cpus[i];
        w_start(w, "cpu");
        w_attr(w, "id", "%u", cpu->id);
        /* The schema wants all four or none; an offline CPU has none. */
        if (cpu->socket_id >= 0 && cpu->die_id >= 0 && cpu->core_id >= 0 && cpu->siblings) {
            w_attr(w, "socket_id", "%d", cpu->socket_id);
            w_attr(w, "die_id", "%d", cpu->die_id);
            w_attr(w, "core_id", "%d", cpu->core_id);
            w_attr(w, "siblings", "%s", cpu->siblings);
        }
        w_end(w);
    }
    w_end(w);

    w_end(w);
}

static void
format_host(Writer *w, const MvCaps *caps)
{
    w_start(w, "host");
    if (caps->host_uuid)
        w_text_element(w, "uuid", caps->host_uuid);
    format_host_cpu(w, caps);

    if (caps->iommu != MV_CAPS_IOMMU_UNKNOWN) {
        w_start(w, "iommu");
        w_attr(w, "support", "%s", caps->iommu == MV_CAPS_IOMMU_YES ? "yes" : "no");
        w_end(w);
    }

    if (caps->topology && caps->topology->ncells) {
        w_start(w, "topology");
        w_start(w, "cells");
        w_attr(w, "num", "%zu", caps->topology->ncells);
        for (size_t i = 0; i < caps->topology->ncells; i++)
            format_cell(w, &caps->topology->cells[i]);
        w_end(w);
        w_end(w);
    }

    for (guint i = 0; i < caps->secmodels->len; i++) {
        const MvCapsSecModel *sm = g_ptr_array_index(caps->secmodels, i);
        w_start(w, "secmodel");
        w_text_element(w, "model", sm->model);
        w_text_element(w, "doi", sm->doi);
        w_end(w);
    }
    w_end(w);
}

static void
format_guest(Writer *w, const MvCapsGuest *guest)
{
    w_start(w, "guest");
    w_text_element(w, "os_type", os_names[guest->os_type]);

    w_start(w, "arch");
    w_attr(w, "name", "%s", guest->arch);
    g_autofree char *wordsize = g_strdup_printf("%d", guest->wordsize);
    w_text_element(w, "wordsize", wordsize);
    if (guest->emulator)
        w_text_element(w, "emulator", guest->emulator);
    if (guest->loader)
        w_text_element(w, "loader", guest->loader);
    for (guint i = 0; i < guest->machines->len; i++) {
        const MvCapsMachine *m = g_ptr_array_index(guest->machines, i);
        w_start(w, "machine");
        if (m->canonical)
            w_attr(w, "canonical", "%s", m->canonical);
        if (m->max_cpus)
            w_attr(w, "maxCpus", "%u", m->max_cpus);
        if (m->deprecated)
            w_attr(w, "deprecated", "yes");
        w_string(w, m->name);
        w_end(w);
    }
    for (int d = 0; d < MV_CAPS_DOMAIN_LAST; d++) {
        if (!(guest->domains & (1u << d)))
            continue;
        w_start(w, "domain");
        w_attr(w, "type", "%s", domain_names[d]);
        w_end(w);
    }
    w_end(w);

    bool any = false;
    for (int f = 0; f < MV_CAPS_FEATURE_LAST; f++)
        any |= guest->features[f].present;
    if (any) {
        w_start(w, "features");
        for (int f = 0; f < MV_CAPS_FEATURE_LAST; f++) {
            const MvCapsGuestFeature *feat = &guest->features[f];
            if (!feat->present)
                continue;
            w_start(w, feature_names[f]);
            if (feature_has_toggle[f]) {
                w_attr(w, "default", "%s", feat->default_on ? "on" : "off");
                w_attr(w, "toggle", "%s", feat->toggle ? "yes" : "no");
            }
            w_end(w);
        }
        w_end(w);
    }
    w_end(w);
}

char *
mv_caps_format(const MvCaps *caps, GError **error)
{
    for (guint i = 0; i < caps->guests->len; i++) {
        const MvCapsGuest *guest = g_ptr_array_index(caps->guests, i);
        if (!guest->domains) {
            mv_error_set(error, MV_FROM_CAPABILITIES, MV_ERR_INTERNAL_ERROR,
                         "guest arch '%s' has no domain type", guest->arch);
            return NULL;
        }
    }

    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr xw = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    Writer w = { xw, xw == NULL };
    if (xw) {
        /* libvirt's look: two-space indent, single-quoted attributes, no XML declaration. */
        if (xmlTextWriterSetIndent(xw, 1) < 0 || xmlTextWriterSetIndentString(xw, BAD_CAST "  ") < 0 ||
            xmlTextWriterSetQuoteChar(xw, '\'') < 0)
            w.failed = true;
        w_start(&w, "capabilities");
        format_host(&w, caps);
        for (guint i = 0; i < caps->guests->len; i++)
            format_guest(&w, g_ptr_array_index(caps->guests, i));
        w_end(&w);
        /* Freeing the writer flushes what it still holds into @buf. */
        xmlFreeTextWriter(xw);
    }

    char *xml = NULL;
    if (!w.failed) {
        const char *content = (const char *)xmlBufferContent(buf);
        xml = g_str_has_suffix(content, "\n") ? g_strdup(content) : g_strconcat(content, "\n", NULL);
    }
    if (buf)
        xmlBufferFree(buf);
    if (!xml) {
        mv_error_set(error, MV_FROM_CAPABILITIES, MV_ERR_XML_ERROR,
                     "cannot format the capabilities XML");
        return NULL;
    }
    return xml;
}
