// SPDX-License-Identifier: LGPL-2.1-or-later
// The container parts of libvirt's domain XML (<domain type='lxc'>): <os> init, initarg,
// initenv, initdir; <idmap>; <features><capabilities>; <filesystem> (mount, ram);
// <resource><partition>; the console's lxc target; and the defaults libvirt's LXC driver
// fills in.  Called from the one domain parser and formatter at the places these elements
// belong; other domain types refuse them.  Starting a container is lxcd's business.

#include "conf/conf-domain-lxc.h"

#include <sys/utsname.h>

#include "util/util-units.h"

MV_ENUM_IMPL(mv_domain_fs, MV_DOMAIN_FS_LAST, "mount", "ram")
MV_ENUM_IMPL(mv_domain_caps_policy, MV_DOMAIN_CAPS_POLICY_LAST, "default", "allow", "deny")
MV_ENUM_IMPL(mv_domain_cap, MV_DOMAIN_CAP_LAST, "audit_control", "audit_write", "block_suspend", "chown",
             "dac_override", "dac_read_search", "fowner", "fsetid", "ipc_lock", "ipc_owner", "kill", "lease",
             "linux_immutable", "mac_admin", "mac_override", "mknod", "net_admin", "net_bind_service",
             "net_broadcast", "net_raw", "setgid", "setfcap", "setpcap", "setuid", "sys_admin", "sys_boot",
             "sys_chroot", "sys_module", "sys_nice", "sys_pacct", "sys_ptrace", "sys_rawio", "sys_resource",
             "sys_time", "sys_tty_config", "syslog", "wake_alarm")

/* Most <initarg>, <initenv>, <filesystem> and id ranges of one container: the controller's
 * limit per option kind (LXC_MAX_LIST), so a definition that defines also starts. */
#define LXC_MAX_ITEMS 64

void
mv_domain_init_env_free(MvDomainInitEnv *env)
{
    if (!env)
        return;
    g_free(env->name);
    g_free(env->value);
    g_free(env);
}

void
mv_domain_fs_free(MvDomainFs *fs)
{
    if (!fs)
        return;
    g_free(fs->source);
    g_free(fs->target);
    g_free(fs);
}

void
mv_domain_container_clear(MvDomainContainer *ct)
{
    g_clear_pointer(&ct->init, g_free);
    g_clear_pointer(&ct->init_args, g_ptr_array_unref);
    g_clear_pointer(&ct->init_env, g_ptr_array_unref);
    g_clear_pointer(&ct->init_dir, g_free);
    g_clear_pointer(&ct->uid_map, g_array_unref);
    g_clear_pointer(&ct->gid_map, g_array_unref);
    g_clear_pointer(&ct->filesystems, g_ptr_array_unref);
    g_clear_pointer(&ct->partition, g_free);
}

static bool
lxc_only(const MvDomainDef *def, const char *what, GError **error)
{
    if (def->virt_type == MV_DOMAIN_VIRT_LXC)
        return true;
    return unsupported(error, "%s is only supported for domain type 'lxc'", what);
}

/* ---- parsing ---- */

static bool
env_name_valid(const char *name)
{
    if (!g_ascii_isalpha(name[0]) && name[0] != '_')
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_')
            return false;
    return true;
}

bool
mv_domain_lxc_parse_os(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    MvDomainContainer *ct = &def->ct;
    xmlNodePtr init, initdir;
    if (!single_child(node, "init", &init, error) || !single_child(node, "initdir", &initdir, error))
        return false;
    FOREACH_CHILD(c, node) {
        const char *name = node_name(c);
        bool arg = g_str_equal(name, "initarg"), env = g_str_equal(name, "initenv");
        if (!arg && !env && c != init && c != initdir)
            continue;
        if (def->os.type != MV_DOMAIN_OS_EXE)
            return xml_error(error, "<%s> in <os> needs OS type 'exe'", name);
        if (arg) {
            if (!check_node(c, NULL, NULL, true, error))
                return false;
            if (!ct->init_args)
                ct->init_args = g_ptr_array_new_with_free_func(g_free);
            if (ct->init_args->len == LXC_MAX_ITEMS)
                return unsupported(error, "more than %d <initarg> in <os>", LXC_MAX_ITEMS);
            g_ptr_array_add(ct->init_args, text(c));
        } else if (env) {
            static const char *const attrs[] = { "name", NULL };
            g_autofree char *ename = NULL;
            if (!check_node(c, attrs, NULL, true, error) || !required_attr(c, "name", &ename, error))
                return false;
            if (!env_name_valid(ename))
                return xml_error(error, "invalid environment variable name '%s' in <initenv>", ename);
            if (!ct->init_env)
                ct->init_env = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_init_env_free);
            if (ct->init_env->len == LXC_MAX_ITEMS)
                return unsupported(error, "more than %d <initenv> in <os>", LXC_MAX_ITEMS);
            MvDomainInitEnv *e = g_new0(MvDomainInitEnv, 1);
            e->name = g_steal_pointer(&ename);
            e->value = text(c);
            g_ptr_array_add(ct->init_env, e);
        }
    }
    struct { xmlNodePtr node; char **field; } paths[] = { { init, &ct->init }, { initdir, &ct->init_dir } };
    for (size_t i = 0; i < G_N_ELEMENTS(paths); i++) {
        if (!paths[i].node)
            continue;
        if (!check_node(paths[i].node, NULL, NULL, true, error))
            return false;
        *paths[i].field = g_strstrip(text(paths[i].node));
        if (!absolute_path(*paths[i].field, node_name(paths[i].node), error))
            return false;
    }
    return true;
}

/* Two ranges [a, a+n) and [b, b+m) share an id. */
static bool
ranges_overlap(guint64 a, guint64 n, guint64 b, guint64 m)
{
    return a < b + m && b < a + n;
}

static bool
parse_id_ranges(xmlNodePtr node, const char *kind, GArray **ret_map, GError **error)
{
    static const char *const attrs[] = { "start", "target", "count", NULL };
    g_autoptr(GArray) map = g_array_new(FALSE, FALSE, sizeof(MvDomainIdRange));
    FOREACH_CHILD(c, node) {
        if (!g_str_equal(node_name(c), kind))
            continue;
        MvDomainIdRange r;
        bool have[3];
        if (!check_node(c, attrs, NULL, false, error) ||
            !uint_attr(c, "start", G_MAXUINT32, &r.start, &have[0], error) ||
            !uint_attr(c, "target", G_MAXUINT32, &r.target, &have[1], error) ||
            !uint_attr(c, "count", G_MAXUINT32, &r.count, &have[2], error))
            return false;
        if (!have[0] || !have[1] || !have[2])
            return xml_error(error, "<%s> in <idmap> needs attributes 'start', 'target' and 'count'", kind);
        if (r.count == 0)
            return xml_error(error, "<%s> in <idmap> with count 0 maps nothing", kind);
        if ((guint64)r.start + r.count > (guint64)G_MAXUINT32 + 1 ||
            (guint64)r.target + r.count > (guint64)G_MAXUINT32 + 1)
            return xml_error(error, "<%s> range in <idmap> goes beyond id %u", kind, G_MAXUINT32);
        if (map->len == LXC_MAX_ITEMS)
            return unsupported(error, "more than %d <%s> ranges in <idmap>", LXC_MAX_ITEMS, kind);
        /* The kernel refuses a map whose ranges overlap inside or outside. */
        for (guint i = 0; i < map->len; i++) {
            const MvDomainIdRange *o = &g_array_index(map, MvDomainIdRange, i);
            if (ranges_overlap(o->start, o->count, r.start, r.count) ||
                ranges_overlap(o->target, o->count, r.target, r.count))
                return xml_error(error,
                                 "<%s> ranges in <idmap> overlap: start %u target %u count %u and "
                                 "start %u target %u count %u",
                                 kind, o->start, o->target, o->count, r.start, r.target, r.count);
        }
        g_array_append_val(map, r);
    }
    if (map->len == 0)
        return xml_error(error, "<idmap> needs both <uid> and <gid> ranges");
    *ret_map = g_steal_pointer(&map);
    return true;
}

bool
mv_domain_lxc_parse_idmap(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const children[] = { "uid", "gid", NULL };
    if (!lxc_only(def, "<idmap>", error) || !check_node(node, NULL, children, false, error))
        return false;
    return parse_id_ranges(node, "uid", &def->ct.uid_map, error) &&
           parse_id_ranges(node, "gid", &def->ct.gid_map, error);
}

bool
mv_domain_lxc_parse_resource(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const children[] = { "partition", NULL };
    xmlNodePtr part;
    if (!lxc_only(def, "<resource>", error) || !check_node(node, NULL, children, false, error) ||
        !single_child(node, "partition", &part, error))
        return false;
    if (!part)
        return xml_error(error, "missing <partition> in <resource>");
    if (!check_node(part, NULL, NULL, true, error))
        return false;
    def->ct.partition = g_strstrip(text(part));
    return absolute_path(def->ct.partition, "partition", error);
}

bool
mv_domain_lxc_parse_caps(xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "policy", NULL };
    /* Every capability name may be a child: the name table, NULL-terminated. */
    const char *children[MV_DOMAIN_CAP_LAST + 1];
    for (int c = 0; c < MV_DOMAIN_CAP_LAST; c++)
        children[c] = mv_domain_cap_names[c];
    children[MV_DOMAIN_CAP_LAST] = NULL;
    int policy = MV_DOMAIN_CAPS_POLICY_DEFAULT;
    FOREACH_CHILD(c, node) {
        if (mv_domain_cap_from_string(node_name(c)) < 0)
            return unsupported(error, "unknown capability <%s> in <capabilities>", node_name(c));
    }
    if (!lxc_only(def, "<capabilities> in <features>", error) || !check_node(node, attrs, children, false, error) ||
        !enum_attr(node, "policy", mv_domain_caps_policy_from_string, true, &policy, error))
        return false;
    def->ct.caps_present = true;
    def->ct.caps_policy = policy;
    FOREACH_CHILD(c, node) {
        static const char *const cap_attrs[] = { "state", NULL };
        int cap = mv_domain_cap_from_string(node_name(c));
        if (cap < 0)
            return unsupported(error, "unknown capability <%s> in <capabilities>", node_name(c));
        if (def->ct.caps[cap])
            return xml_error(error, "capability <%s> appears more than once in <capabilities>", node_name(c));
        if (!check_node(c, cap_attrs, NULL, false, error) ||
            !tristate_attr(c, "state", false, &def->ct.caps[cap], error))
            return false;
        if (!def->ct.caps[cap])
            return xml_error(error, "missing attribute 'state' in <%s>", node_name(c));
    }
    return true;
}

bool
mv_domain_lxc_parse_filesystem(Parser *p, xmlNodePtr node, MvDomainDef *def, GError **error)
{
    static const char *const attrs[] = { "type", "accessmode", NULL };
    static const char *const children[] = { "source", "target", "readonly", NULL };
    int type = MV_DOMAIN_FS_MOUNT;
    if (!lxc_only(def, "<filesystem>", error) || !check_node(node, attrs, children, false, error) ||
        !enum_attr(node, "type", mv_domain_fs_from_string, true, &type, error))
        return false;
    g_autofree char *mode = attr(node, "accessmode");
    if (mode && !g_str_equal(mode, "passthrough"))
        return unsupported(error, "filesystem access mode '%s' is not supported", mode);
    xmlNodePtr source, target, readonly;
    if (!single_child(node, "source", &source, error) || !single_child(node, "target", &target, error) ||
        !single_child(node, "readonly", &readonly, error))
        return false;
    if (!source || !target)
        return xml_error(error, "<filesystem> needs a <source> and a <target>");
    g_autoptr(MvDomainFs) fs = g_new0(MvDomainFs, 1);
    fs->type = type;
    fs->readonly = readonly != NULL;
    if (readonly && !check_node(readonly, NULL, NULL, false, error))
        return false;
    static const char *const target_attrs[] = { "dir", NULL };
    if (!check_node(target, target_attrs, NULL, false, error) || !required_attr(target, "dir", &fs->target, error) ||
        !absolute_path(fs->target, "filesystem target", error))
        return false;
    if (type == MV_DOMAIN_FS_MOUNT) {
        static const char *const source_attrs[] = { "dir", NULL };
        if (!check_node(source, source_attrs, NULL, false, error) ||
            !required_attr(source, "dir", &fs->source, error) ||
            !absolute_path(fs->source, "filesystem source", error))
            return false;
    } else {
        static const char *const source_attrs[] = { "usage", "units", NULL };
        g_autofree char *usage = NULL;
        g_autofree char *units = attr(source, "units");
        guint64 number;
        if (!check_node(source, source_attrs, NULL, false, error) || !required_attr(source, "usage", &usage, error))
            return false;
        if (mv_units_parse_number(usage, &number) < 0 ||
            mv_units_to_kib(number, units, (guint64)G_MAXINT64, &fs->usage_kib) < 0)
            return xml_error(error, "invalid size '%s %s' of a ram filesystem", usage, units ? units : "KiB");
    }
    if (!def->ct.filesystems)
        def->ct.filesystems = g_ptr_array_new_with_free_func((GDestroyNotify)mv_domain_fs_free);
    for (guint i = 0; i < def->ct.filesystems->len; i++) {
        const MvDomainFs *o = g_ptr_array_index(def->ct.filesystems, i);
        if (g_str_equal(o->target, fs->target))
            return xml_error(error, "two filesystems have target '%s'", fs->target);
    }
    if (def->ct.filesystems->len == LXC_MAX_ITEMS)
        return unsupported(error, "more than %d <filesystem> devices", LXC_MAX_ITEMS);
    g_ptr_array_add(def->ct.filesystems, g_steal_pointer(&fs));
    (void)p;
    return true;
}

/* ---- formatting ---- */

void
mv_domain_lxc_format_os(Xml *x, const MvDomainDef *def)
{
    const MvDomainContainer *ct = &def->ct;
    text_element(x, "init", ct->init);
    for (guint i = 0; ct->init_args && i < ct->init_args->len; i++)
        text_element(x, "initarg", g_ptr_array_index(ct->init_args, i));
    for (guint i = 0; ct->init_env && i < ct->init_env->len; i++) {
        const MvDomainInitEnv *e = g_ptr_array_index(ct->init_env, i);
        start(x, "initenv");
        attrf(x, "name", "%s", e->name);
        inline_text(x, e->value);
        end(x, "initenv");
    }
    text_element(x, "initdir", ct->init_dir);
}

void
mv_domain_lxc_format_resource(Xml *x, const MvDomainDef *def)
{
    if (!def->ct.partition)
        return;
    start(x, "resource");
    text_element(x, "partition", def->ct.partition);
    end(x, "resource");
}

static void
format_ranges(Xml *x, const char *kind, const GArray *map)
{
    for (guint i = 0; map && i < map->len; i++) {
        const MvDomainIdRange *r = &g_array_index(map, MvDomainIdRange, i);
        start(x, kind);
        attrf(x, "start", "%u", r->start);
        attrf(x, "target", "%u", r->target);
        attrf(x, "count", "%u", r->count);
        end(x, kind);
    }
}

void
mv_domain_lxc_format_idmap(Xml *x, const MvDomainDef *def)
{
    if (!def->ct.uid_map && !def->ct.gid_map)
        return;
    start(x, "idmap");
    format_ranges(x, "uid", def->ct.uid_map);
    format_ranges(x, "gid", def->ct.gid_map);
    end(x, "idmap");
}

void
mv_domain_lxc_format_caps(Xml *x, const MvDomainDef *def)
{
    if (!def->ct.caps_present)
        return;
    start(x, "capabilities");
    attr_name(x, "policy", mv_domain_caps_policy_to_string(def->ct.caps_policy));
    for (int c = 0; c < MV_DOMAIN_CAP_LAST; c++) {
        if (!def->ct.caps[c])
            continue;
        start(x, mv_domain_cap_to_string(c));
        attrf(x, "state", "%s", def->ct.caps[c] == MV_TRISTATE_ON ? "on" : "off");
        end(x, mv_domain_cap_to_string(c));
    }
    end(x, "capabilities");
}

void
mv_domain_lxc_format_filesystems(Xml *x, const MvDomainDef *def)
{
    for (guint i = 0; def->ct.filesystems && i < def->ct.filesystems->len; i++) {
        const MvDomainFs *fs = g_ptr_array_index(def->ct.filesystems, i);
        start(x, "filesystem");
        attr_name(x, "type", mv_domain_fs_to_string(fs->type));
        attrf(x, "accessmode", "passthrough");
        start(x, "source");
        if (fs->type == MV_DOMAIN_FS_MOUNT) {
            attrf(x, "dir", "%s", fs->source);
        } else {
            attrf(x, "usage", "%" G_GUINT64_FORMAT, fs->usage_kib);
            attrf(x, "units", "KiB");
        }
        end(x, "source");
        start(x, "target");
        attrf(x, "dir", "%s", fs->target);
        end(x, "target");
        if (fs->readonly)
            empty_element(x, "readonly");
        end(x, "filesystem");
    }
}

/* ---- defaults ---- */

const MvDomainFs *
mv_domain_def_root_fs(const MvDomainDef *def)
{
    for (guint i = 0; def->ct.filesystems && i < def->ct.filesystems->len; i++) {
        const MvDomainFs *fs = g_ptr_array_index(def->ct.filesystems, i);
        if (fs->type == MV_DOMAIN_FS_MOUNT && g_str_equal(fs->target, "/"))
            return fs;
    }
    return NULL;
}

bool
mv_domain_def_fill_lxc_defaults(MvDomainDef *def, const char *emulator, GError **error)
{
    if (def->virt_type != MV_DOMAIN_VIRT_LXC)
        return unsupported(error, "domain type '%s' is not a container", mv_domain_virt_to_string(def->virt_type));
    if (def->os.type != MV_DOMAIN_OS_EXE)
        return unsupported(error, "a container needs OS type 'exe', not '%s'", mv_domain_os_to_string(def->os.type));
    if (def->os.kernel || def->os.loader || def->os.nboot)
        return unsupported(error, "a container boots no kernel, loader or boot device");
    /* What only a virtual machine has. */
    struct { const char *what; guint n; } vm_only[] = {
        { "disk", def->disks->len }, { "controller", def->controllers->len },
        { "serial", def->serials->len }, { "input", def->inputs->len }, { "graphics", def->graphics->len },
        { "video", def->videos->len }, { "watchdog", def->watchdogs->len }, { "rng", def->rngs->len },
        { "audio", def->audios->len }, { "memballoon", def->memballoon != NULL },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(vm_only); i++)
        if (vm_only[i].n)
            return unsupported(error, "device <%s> is not supported in a container", vm_only[i].what);
    if (def->cpu.present)
        return unsupported(error, "<cpu> is not supported in a container");
    if ((def->ct.uid_map != NULL) != (def->ct.gid_map != NULL))
        return xml_error(error, "<idmap> needs both <uid> and <gid> ranges");

    if (!def->os.arch) {
        struct utsname u;
        def->os.arch = g_strdup(uname(&u) == 0 ? u.machine : "x86_64");
    }
    if (!def->emulator && emulator)
        def->emulator = g_strdup(emulator);
    if (!def->placement)
        def->placement = MV_DOMAIN_VCPU_PLACEMENT_STATIC;
    if (!def->current_memory_kib || def->current_memory_kib > def->memory_kib)
        def->current_memory_kib = def->memory_kib;
    for (guint i = 0; i < def->nets->len; i++) {
        MvDomainNet *net = g_ptr_array_index(def->nets, i);
        if (net->type == MV_DOMAIN_NET_USER)
            return unsupported(error, "interface type 'user' is not supported in a container");
        if (net->model)
            return unsupported(error, "a container's interface has no model");
        if (!net->mac_set) {
            mv_mac_generate(net->mac);
            net->mac_set = true;
        }
    }
    for (guint i = 0; i < def->consoles->len; i++) {
        MvDomainChr *chr = g_ptr_array_index(def->consoles, i);
        if (chr->type != MV_DOMAIN_CHR_PTY)
            return unsupported(error, "a container's console must be of type 'pty'");
        if (!chr->target_type)
            chr->target_type = MV_DOMAIN_CHR_TARGET_LXC;
        if (chr->target_type != MV_DOMAIN_CHR_TARGET_LXC)
            return unsupported(error, "a container's console needs target type 'lxc'");
        if (chr->target_port < 0)
            chr->target_port = (int)i;
    }
    if (def->consoles->len > 1)
        return unsupported(error, "a container has one console");
    return true;
}
