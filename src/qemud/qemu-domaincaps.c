// SPDX-License-Identifier: LGPL-2.1-or-later
// Domain capabilities of the QEMU driver (CONNECT_GET_DOMAIN_CAPABILITIES, `virsh
// domcapabilities`) and its CPU model names (CONNECT_GET_CPU_MODEL_NAMES): what the probed
// QEMU offers, narrowed to what our command line builder can express, so a tool that picks
// from this list gets a guest that starts.  Everything comes from the cached probe: no QEMU
// runs while answering.

#include "qemu-domaincaps.h"

#include <string.h>
#include <unistd.h>

#include "conf/conf-domaincaps.h"
#include "qemu-caps.h"
#include "qemu-driver.h"
#include "qemu-kvm.h"
#include "remote.h"
#include "util/util-error.h"

/* UEFI images Debian's ovmf package installs, in the order we offer them.  Secure-boot
 * builds need SMM, which we do not set up, so they are left out. */
static const char *const firmware_images[] = {
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
    "/usr/share/OVMF/OVMF_CODE.fd",
};

/* CPU models libvirt leaves out of the custom list: they are modes, not models. */
static const char *const not_models[] = { "host", "max", "base" };

/* The vendor libvirt's CPU map gives a QEMU model, by family name.  Generic models
 * (qemu64, kvm32, ...) have none. */
static const struct {
    const char *prefix;
    const char *vendor;
} model_vendors[] = {
    { "EPYC", "AMD" }, { "Opteron", "AMD" }, { "phenom", "AMD" }, { "athlon", "AMD" },
    { "Dhyana", "Hygon" },
    { "qemu", "unknown" }, { "kvm", "unknown" },
};

static const char *
model_vendor(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(model_vendors); i++) {
        if (g_str_has_prefix(name, model_vendors[i].prefix))
            return model_vendors[i].vendor;
    }
    return "Intel";
}

static bool
is_model(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(not_models); i++) {
        if (g_str_equal(name, not_models[i]))
            return false;
    }
    return true;
}

GStrv
qemu_domaincaps_find_firmware(void)
{
    g_autoptr(GStrvBuilder) found = g_strv_builder_new();
    for (size_t i = 0; i < G_N_ELEMENTS(firmware_images); i++) {
        if (access(firmware_images[i], R_OK) == 0)
            g_strv_builder_add(found, firmware_images[i]);
    }
    return g_strv_builder_end(found);
}

static void
fill_os(MvDomCaps *caps, const char *const *firmware)
{
    /* Firmware autoselection (<os firmware=>) is not implemented: an empty enum. */
    mv_domcaps_enum(&caps->os, "firmware", NULL);
    for (size_t i = 0; firmware && firmware[i]; i++)
        g_ptr_array_add(caps->loader_values, g_strdup(firmware[i]));
    mv_domcaps_enum(&caps->loader, "type", "rom", "pflash", NULL);
    mv_domcaps_enum(&caps->loader, "readonly", "yes", "no", NULL);
    mv_domcaps_enum(&caps->loader, "secure", "no", NULL);
}

static void
fill_cpu(MvDomCaps *caps, const QemuCaps *qcaps, bool kvm)
{
    /* host-passthrough needs KVM (qemu_command_validate refuses it under TCG). */
    if (kvm)
        mv_domcaps_enum(&caps->cpu[MV_DOMCAPS_CPU_HOST_PASSTHROUGH], "hostPassthroughMigratable",
                        "on", "off", NULL);
    caps->cpu[MV_DOMCAPS_CPU_MAXIMUM].supported = true;
    /* host-model becomes QEMU's host (KVM) or max (TCG) model. */
    caps->cpu[MV_DOMCAPS_CPU_HOST_MODEL].supported = true;
    caps->cpu[MV_DOMCAPS_CPU_CUSTOM].supported = true;
    GPtrArray *models = qemu_caps_cpu_models(qcaps);
    for (guint i = 0; i < models->len; i++) {
        const QemuCpuModel *m = g_ptr_array_index(models, i);
        if (!is_model(m->name))
            continue;
        /* The probe ran with TCG: its usability says nothing about KVM. */
        mv_domcaps_add_cpu_model(caps, m->name, kvm ? MV_TRISTATE_ABSENT : m->usable, m->deprecated,
                                 model_vendor(m->name));
    }
}

/* A device value offered only when QEMU has the device type behind it. */
static void
add_if(MvDomCapsSection *section, const char *name, const char *value, const QemuCaps *qcaps,
       const char *device)
{
    if (!device || qemu_caps_has_device(qcaps, device))
        mv_domcaps_enum_add(section, name, value);
}

static void
fill_devices(MvDomCaps *caps, const QemuCaps *qcaps, const char *machine)
{
    MvDomCapsSection *disk = &caps->devices[MV_DOMCAPS_DEVICE_DISK];
    mv_domcaps_enum(disk, "diskDevice", "disk", "cdrom", NULL);
    mv_domcaps_enum(disk, "bus", NULL);
    /* IDE exists on i440fx only; q35 has SATA (AHCI) in its place. */
    if (!mv_domain_machine_is_q35(machine))
        mv_domcaps_enum_add(disk, "bus", "ide");
    add_if(disk, "bus", "scsi", qcaps, "virtio-scsi-pci");
    add_if(disk, "bus", "virtio", qcaps, "virtio-blk-pci");
    add_if(disk, "bus", "sata", qcaps, "ich9-ahci");

    MvDomCapsSection *graphics = &caps->devices[MV_DOMCAPS_DEVICE_GRAPHICS];
    mv_domcaps_enum(graphics, "type", NULL);
    if (qemu_caps_has_command(qcaps, "query-vnc"))
        mv_domcaps_enum_add(graphics, "type", "vnc");
    bool spice = qemu_caps_has_command(qcaps, "query-spice");
    if (spice)
        mv_domcaps_enum_add(graphics, "type", "spice");

    MvDomCapsSection *video = &caps->devices[MV_DOMCAPS_DEVICE_VIDEO];
    mv_domcaps_enum(video, "modelType", NULL);
    add_if(video, "modelType", "vga", qcaps, "VGA");
    add_if(video, "modelType", "cirrus", qcaps, "cirrus-vga");
    add_if(video, "modelType", "virtio", qcaps, "virtio-vga");
    add_if(video, "modelType", "bochs", qcaps, "bochs-display");
    add_if(video, "modelType", "qxl", qcaps, "qxl-vga");
    add_if(video, "modelType", "ramfb", qcaps, "ramfb");
    mv_domcaps_enum_add(video, "modelType", "none");

    MvDomCapsSection *channel = &caps->devices[MV_DOMCAPS_DEVICE_CHANNEL];
    mv_domcaps_enum(channel, "type", "pty", "unix", NULL);
    if (spice)
        mv_domcaps_enum_add(channel, "type", "spicevmc");

    MvDomCapsSection *rng = &caps->devices[MV_DOMCAPS_DEVICE_RNG];
    mv_domcaps_enum(rng, "model", NULL);
    add_if(rng, "model", "virtio", qcaps, "virtio-rng-pci");
    mv_domcaps_enum(rng, "backendModel", "random", NULL);
}

char *
qemu_domaincaps_build(const QemuCaps *qcaps, const char *machine, MvDomainVirtType virt,
                      const char *const *firmware, GError **error)
{
    g_autofree char *kvm_reason = NULL;
    if (virt != MV_DOMAIN_VIRT_QEMU && virt != MV_DOMAIN_VIRT_KVM) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "virttype '%s' is not supported by the QEMU driver",
                     mv_domain_virt_to_string(virt));
        return NULL;
    }
    if (virt == MV_DOMAIN_VIRT_KVM &&
        (!qemu_caps_kvm_supported(qcaps) || !qemu_kvm_usable(&kvm_reason))) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "KVM is not supported by '%s' on this host%s%s%s", qemu_caps_binary(qcaps),
                     kvm_reason ? " (" : "", kvm_reason ? kvm_reason : "", kvm_reason ? ")" : "");
        return NULL;
    }
    const QemuMachine *m = machine ? qemu_caps_find_machine(qcaps, machine)
                                   : qemu_caps_default_machine(qcaps);
    if (!m || g_str_equal(m->name, "none")) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "the machine '%s' is not supported by emulator '%s'",
                     machine ? machine : "(default)", qemu_caps_binary(qcaps));
        return NULL;
    }
    if (!mv_domain_machine_is_q35(m->name) && !mv_domain_machine_is_i440fx(m->name)) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_CONFIG_UNSUPPORTED,
                     "machine type '%s' is not supported: only the i440fx (pc) and q35 families are",
                     m->name);
        return NULL;
    }

    bool kvm = virt == MV_DOMAIN_VIRT_KVM;
    g_autoptr(MvDomCaps) caps = mv_domcaps_new(qemu_caps_binary(qcaps), kvm ? "kvm" : "qemu", m->name,
                                               qemu_caps_arch(qcaps));
    caps->max_vcpus = m->max_cpus;
    fill_os(caps, firmware);
    fill_cpu(caps, qcaps, kvm);
    fill_devices(caps, qcaps, m->name);
    return mv_domcaps_format(caps);
}

static const char *
opt(char **s)
{
    return s && *s && **s ? *s : NULL;
}

bool
qemu_connect_get_domain_capabilities(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_domain_capabilities_args *a = args;
    QemuDriver *drv = qemu_driver_of(call);
    const char *arch = opt(a->arch);
    const char *emulator = opt(a->emulatorbin);
    g_autofree char *found = NULL;

    if (a->flags) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "unsupported flags (0x%x) in function qemu_connect_get_domain_capabilities",
                     a->flags);
        return false;
    }
    if (!emulator && arch) {
        found = qemu_caps_find_binary(arch);
        if (!found) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                         "unable to find any emulator to serve '%s' architecture", arch);
            return false;
        }
        emulator = found;
    }
    if (!emulator)
        emulator = drv->emulator;
    if (!emulator) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                     "no QEMU binary (qemu-system-x86_64) is installed on this host");
        return false;
    }
    g_autoptr(QemuCaps) qcaps = qemu_caps_get(emulator, error);
    if (!qcaps)
        return false;
    if (arch && !g_str_equal(arch, qemu_caps_arch(qcaps))) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "architecture from emulator '%s' doesn't match given architecture '%s'",
                     qemu_caps_arch(qcaps), arch);
        return false;
    }

    MvDomainVirtType virt;
    const char *virttype = opt(a->virttype);
    if (virttype) {
        int v = mv_domain_virt_from_string(virttype);
        if (v < 0) {
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG, "unknown virttype: %s", virttype);
            return false;
        }
        virt = (MvDomainVirtType)v;
    } else {
        /* As libvirt: kvm when it works, else qemu. */
        virt = qemu_caps_kvm_supported(qcaps) && qemu_kvm_usable(NULL) ? MV_DOMAIN_VIRT_KVM
                                                                        : MV_DOMAIN_VIRT_QEMU;
    }
    g_auto(GStrv) firmware = qemu_domaincaps_find_firmware();
    char *xml = qemu_domaincaps_build(qcaps, opt(a->machine), virt, (const char *const *)firmware,
                                      error);
    if (!xml)
        return false;
    ((remote_connect_get_domain_capabilities_ret *)ret)->capabilities = xml;
    return true;
}


bool
qemu_connect_get_cpu_model_names(MvCall *call, void *args, void *ret, GError **error)
{
    remote_connect_get_cpu_model_names_args *a = args;
    remote_connect_get_cpu_model_names_ret *r = ret;

    if (a->flags) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "unsupported flags (0x%x) in function qemu_connect_get_cpu_model_names",
                     a->flags);
        return false;
    }
    g_autofree char *emulator = qemu_caps_find_binary(a->arch);
    if (!emulator) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INVALID_ARG,
                     "cannot find CPU models for architecture '%s': no emulator for it", a->arch);
        return false;
    }
    g_autoptr(QemuCaps) qcaps = qemu_caps_get(emulator, error);
    if (!qcaps)
        return false;
    (void)call;
    GPtrArray *models = qemu_caps_cpu_models(qcaps);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < models->len && names->len < REMOTE_CONNECT_CPU_MODELS_MAX; i++) {
        const QemuCpuModel *m = g_ptr_array_index(models, i);
        if (is_model(m->name))
            g_ptr_array_add(names, g_strdup(m->name));
    }
    r->ret = (int)names->len;
    if (a->need_results) {
        g_ptr_array_set_free_func(names, NULL);
        r->models.models_len = names->len;
        r->models.models_val = (char **)g_ptr_array_steal(names, NULL);
    }
    return true;
}
