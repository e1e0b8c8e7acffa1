// SPDX-License-Identifier: LGPL-2.1-or-later
// A container definition as modvirt-lxc-controller's options (lxc-controller.h): root and
// extra filesystems, init with its arguments, environment and directory, id maps and the
// capabilities dropped under the <capabilities> policy.  Cgroup limits and the socket are
// lxc-process.c's.

#include "lxc-command.h"
#include "lxc-driver.h"
#include "util/util-error.h"

#include <linux/capability.h>

/* Kernel numbers of the capabilities the XML names, in MvDomainCap order. */
static const int cap_numbers[MV_DOMAIN_CAP_LAST] = {
    CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_BLOCK_SUSPEND, CAP_CHOWN, CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_KILL, CAP_LEASE,
    CAP_LINUX_IMMUTABLE, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_MKNOD, CAP_NET_ADMIN,
    CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW, CAP_SETGID, CAP_SETFCAP, CAP_SETPCAP,
    CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_CHROOT, CAP_SYS_MODULE, CAP_SYS_NICE,
    CAP_SYS_PACCT, CAP_SYS_PTRACE, CAP_SYS_RAWIO, CAP_SYS_RESOURCE, CAP_SYS_TIME,
    CAP_SYS_TTY_CONFIG, CAP_SYSLOG, CAP_WAKE_ALARM,
};

/* What the default policy takes away, as libvirt's LXC driver does: what would act on the
 * host rather than the container (kernel modules, the clock, audit and MAC policy). */
static bool
dropped_by_default(MvDomainCap cap)
{
    return cap == MV_DOMAIN_CAP_SYS_MODULE || cap == MV_DOMAIN_CAP_SYS_TIME ||
           cap == MV_DOMAIN_CAP_AUDIT_CONTROL || cap == MV_DOMAIN_CAP_MAC_ADMIN ||
           cap == MV_DOMAIN_CAP_MAC_OVERRIDE;
}

static bool
cap_dropped(const MvDomainContainer *ct, MvDomainCap cap)
{
    if (ct->caps[cap] == MV_TRISTATE_ON)
        return false;
    if (ct->caps[cap] == MV_TRISTATE_OFF)
        return true;
    switch (ct->caps_policy) {
    case MV_DOMAIN_CAPS_POLICY_ALLOW:
        return false;
    case MV_DOMAIN_CAPS_POLICY_DENY:
        return true;
    default:
        return dropped_by_default(cap);
    }
}

static void
opt(GPtrArray *argv, const char *name, char *value)
{
    g_ptr_array_add(argv, g_strdup(name));
    g_ptr_array_add(argv, value);
}

static void
id_ranges(GPtrArray *argv, const char *name, const GArray *map)
{
    for (guint i = 0; map && i < map->len; i++) {
        const MvDomainIdRange *r = &g_array_index(map, MvDomainIdRange, i);
        opt(argv, name, g_strdup_printf("%u:%u:%u", r->start, r->target, r->count));
    }
}

GPtrArray *
lxc_command_build(const MvDomainDef *def, GError **error)
{
    const MvDomainContainer *ct = &def->ct;
    const MvDomainFs *root = mv_domain_def_root_fs(def);
    if (!root) {
        mv_error_set(error, MV_FROM_LXC, MV_ERR_CONFIG_UNSUPPORTED,
                     "container '%s' has no root filesystem: give a <filesystem> with target '/'", def->name);
        return NULL;
    }
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    opt(argv, "--name", g_strdup(def->name));
    opt(argv, "--root", g_strdup(root->source));
    opt(argv, "--init", g_strdup(ct->init ? ct->init : LXC_DEFAULT_INIT));
    for (guint i = 0; ct->init_args && i < ct->init_args->len; i++)
        opt(argv, "--arg", g_strdup(g_ptr_array_index(ct->init_args, i)));
    char uuid[MV_UUID_STRING_BUFLEN];
    mv_uuid_format(def->uuid, uuid);
    /* What libvirt tells a container about itself. */
    opt(argv, "--env", g_strdup_printf("LIBVIRT_LXC_NAME=%s", def->name));
    opt(argv, "--env", g_strdup_printf("LIBVIRT_LXC_UUID=%s", uuid));
    for (guint i = 0; ct->init_env && i < ct->init_env->len; i++) {
        const MvDomainInitEnv *e = g_ptr_array_index(ct->init_env, i);
        opt(argv, "--env", g_strdup_printf("%s=%s", e->name, e->value));
    }
    if (ct->init_dir)
        opt(argv, "--workdir", g_strdup(ct->init_dir));
    for (guint i = 0; ct->filesystems && i < ct->filesystems->len; i++) {
        const MvDomainFs *fs = g_ptr_array_index(ct->filesystems, i);
        if (fs == root)
            continue;
        if (fs->type == MV_DOMAIN_FS_MOUNT)
            opt(argv, "--bind", g_strdup_printf("%s:%s%s", fs->source, fs->target, fs->readonly ? ":ro" : ""));
        else
            opt(argv, "--tmpfs", g_strdup_printf("%s:%" G_GUINT64_FORMAT, fs->target, fs->usage_kib));
    }
    for (int c = 0; c < MV_DOMAIN_CAP_LAST; c++) {
        if (ct->caps[c] == MV_TRISTATE_ON && !lxc_sandbox_grants(cap_numbers[c])) {
            mv_error_set(error, MV_FROM_LXC, MV_ERR_CONFIG_UNSUPPORTED,
                         "capability '%s' cannot be granted to container '%s': modvirt-lxcd does not hold it",
                         mv_domain_cap_to_string(c), def->name);
            return NULL;
        }
    }
    id_ranges(argv, "--uidmap", ct->uid_map);
    id_ranges(argv, "--gidmap", ct->gid_map);
    for (int c = 0; c < MV_DOMAIN_CAP_LAST; c++)
        if (cap_dropped(ct, c))
            opt(argv, "--cap-drop", g_strdup_printf("%d", cap_numbers[c]));
    return g_steal_pointer(&argv);
}
