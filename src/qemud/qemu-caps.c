// SPDX-License-Identifier: LGPL-2.1-or-later
// Probing a QEMU binary: `--version`, `-machine help`, and one short QMP session on stdio
// (query-target, query-kvm, query-machines) for what the help text does not say, such as
// each machine's maximum vCPU count.  Results are cached per path and file identity.

#include "qemu-caps.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/wait.h>
#include <json-c/json.h>

#include "util/util-error.h"
#include "util/util-spawn.h"

/* How long one probe command may run.  Each normally takes well under 100 ms; the margin is
 * for loaded CI hosts, and the limit keeps a wedged binary from hanging the asking thread. */
#define QEMU_PROBE_TIMEOUT_MS 30000

struct _QemuCaps {
    gatomicrefcount ref;
    char *binary;
    /* The identity of the file that was probed: a changed binary is probed again. */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    unsigned version;
    char *arch;
    bool kvm_supported;
    GPtrArray *machines;  /* of QemuMachine* */
    GPtrArray *cpu_models; /* of QemuCpuModel*, in QEMU's order */
    GHashTable *devices;  /* set of instantiable device type names */
    GHashTable *commands; /* set of QMP command names */
};

static GMutex cache_lock;
/* binary path -> QemuCaps* (one reference); under cache_lock.  Only paths that probed
 * successfully as QEMU get in, so the size is bounded by the QEMU binaries installed, even
 * though clients choose the <emulator> paths. */
static GHashTable *cache;

void
qemu_cpu_model_free(QemuCpuModel *model)
{
    if (!model)
        return;
    g_free(model->name);
    g_free(model);
}

void
qemu_machine_free(QemuMachine *machine)
{
    if (!machine)
        return;
    g_free(machine->name);
    g_free(machine->alias);
    g_free(machine);
}

QemuCaps *
qemu_caps_ref(QemuCaps *caps)
{
    g_atomic_ref_count_inc(&caps->ref);
    return caps;
}

void
qemu_caps_unref(QemuCaps *caps)
{
    if (!caps || !g_atomic_ref_count_dec(&caps->ref))
        return;
    g_free(caps->binary);
    g_free(caps->arch);
    if (caps->machines)
        g_ptr_array_unref(caps->machines);
    if (caps->cpu_models)
        g_ptr_array_unref(caps->cpu_models);
    if (caps->devices)
        g_hash_table_unref(caps->devices);
    if (caps->commands)
        g_hash_table_unref(caps->commands);
    g_free(caps);
}

const char *
qemu_caps_binary(const QemuCaps *caps)
{
    return caps->binary;
}

unsigned
qemu_caps_version(const QemuCaps *caps)
{
    return caps->version;
}

const char *
qemu_caps_arch(const QemuCaps *caps)
{
    return caps->arch;
}

bool
qemu_caps_kvm_supported(const QemuCaps *caps)
{
    return caps->kvm_supported;
}

GPtrArray *
qemu_caps_machines(const QemuCaps *caps)
{
    return caps->machines;
}

GPtrArray *
qemu_caps_cpu_models(const QemuCaps *caps)
{
    return caps->cpu_models;
}

bool
qemu_caps_has_device(const QemuCaps *caps, const char *type)
{
    return g_hash_table_contains(caps->devices, type);
}

bool
qemu_caps_has_command(const QemuCaps *caps, const char *command)
{
    return g_hash_table_contains(caps->commands, command);
}

const QemuMachine *
qemu_caps_find_machine(const QemuCaps *caps, const char *name)
{
    for (guint i = 0; i < caps->machines->len; i++) {
        const QemuMachine *m = g_ptr_array_index(caps->machines, i);
        if (g_str_equal(m->name, name) || g_strcmp0(m->alias, name) == 0)
            return m;
    }
    return NULL;
}

const QemuMachine *
qemu_caps_default_machine(const QemuCaps *caps)
{
    for (guint i = 0; i < caps->machines->len; i++) {
        const QemuMachine *m = g_ptr_array_index(caps->machines, i);
        if (m->is_default)
            return m;
    }
    return NULL;
}

/* QEMU target names that libvirt spells differently; the others are the same. */
static const struct {
    const char *qemu;
    const char *libvirt;
} arch_names[] = {
    { "i386", "i686" },
    { "arm", "armv7l" },
};

static const char *
arch_from_qemu(const char *qemu)
{
    for (size_t i = 0; i < G_N_ELEMENTS(arch_names); i++) {
        if (g_str_equal(qemu, arch_names[i].qemu))
            return arch_names[i].libvirt;
    }
    return qemu;
}

static const char *
arch_to_qemu(const char *arch)
{
    for (size_t i = 0; i < G_N_ELEMENTS(arch_names); i++) {
        if (g_str_equal(arch, arch_names[i].libvirt))
            return arch_names[i].qemu;
    }
    return arch;
}

bool
qemu_caps_parse_version(const char *text, unsigned *ret_version, GError **error)
{
    static const char prefix[] = "QEMU emulator version ";
    g_autofree char *line = g_strndup(text, strcspn(text, "\n"));
    const char *p = line;
    guint64 part[3] = { 0, 0, 0 };

    if (!g_str_has_prefix(line, prefix))
        goto fail;
    p += strlen(prefix);
    /* "7.2.22 (Debian ...)"; a missing micro counts as 0. */
    for (int i = 0; i < 3; i++) {
        char *end;
        if (!g_ascii_isdigit(*p))
            goto fail;
        part[i] = g_ascii_strtoull(p, &end, 10);
        if (part[i] > (i == 0 ? 4000 : 999))
            goto fail;
        p = end;
        if (*p != '.')
            break;
        p++;
    }
    if (part[0] == 0 && part[1] == 0)
        goto fail;
    *ret_version = (unsigned)(part[0] * 1000000 + part[1] * 1000 + part[2]);
    return true;

fail:
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                 "cannot parse QEMU version from '%s'", line);
    return false;
}

/* If @desc ends with @suffix, cut it off and return true. */
static bool
strip_suffix(char *desc, const char *suffix)
{
    if (!g_str_has_suffix(desc, suffix))
        return false;
    desc[strlen(desc) - strlen(suffix)] = '\0';
    return true;
}

GPtrArray *
qemu_caps_parse_machine_help(const char *text, GError **error)
{
    g_autoptr(GPtrArray) machines = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_machine_free);
    /* Alias lines come first ("pc ... (alias of pc-i440fx-7.2)"); fold them in at the end. */
    g_autoptr(GPtrArray) alias_names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) alias_targets = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool header = false;

    for (size_t i = 0; lines[i]; i++) {
        char *line = g_strchomp(lines[i]);
        if (!header) {
            header = g_str_equal(line, "Supported machines are:");
            continue;
        }
        if (!*line || g_ascii_isspace(*line))
            continue;

        size_t namelen = strcspn(line, " \t");
        g_autofree char *name = g_strndup(line, namelen);
        char *desc = g_strstrip(line + namelen);
        g_autoptr(QemuMachine) m = g_new0(QemuMachine, 1);
        char *alias_of = NULL;

        /* QEMU appends " (default)" and " (deprecated)" to canonical names, and
         * " (alias of X)" to alias lines; the description may itself end in ')'. */
        for (;;) {
            if (strip_suffix(desc, " (default)"))
                m->is_default = true;
            else if (strip_suffix(desc, " (deprecated)"))
                m->deprecated = true;
            else
                break;
        }
        if (g_str_has_suffix(desc, ")"))
            alias_of = g_strrstr(desc, " (alias of ");
        if (alias_of) {
            const char *target = alias_of + strlen(" (alias of ");
            g_ptr_array_add(alias_names, g_steal_pointer(&name));
            g_ptr_array_add(alias_targets, g_strndup(target, strlen(target) - 1));
            continue;
        }
        m->name = g_steal_pointer(&name);
        g_ptr_array_add(machines, g_steal_pointer(&m));
    }

    for (guint a = 0; a < alias_names->len; a++) {
        for (guint i = 0; i < machines->len; i++) {
            QemuMachine *m = g_ptr_array_index(machines, i);
            if (!m->alias && g_str_equal(m->name, g_ptr_array_index(alias_targets, a))) {
                m->alias = g_strdup(g_ptr_array_index(alias_names, a));
                break;
            }
        }
    }

    if (machines->len == 0) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                     header ? "'-machine help' lists no machine types"
                            : "'-machine help' output lacks 'Supported machines are:'");
        return NULL;
    }
    return g_steal_pointer(&machines);
}

static QemuMachine *
find_machine(GPtrArray *machines, const char *name)
{
    for (guint i = 0; i < machines->len; i++) {
        QemuMachine *m = g_ptr_array_index(machines, i);
        if (g_str_equal(m->name, name))
            return m;
    }
    return NULL;
}

/* Take what the probe needs from one QMP reply. */
static void
apply_qmp_reply(const char *id, json_object *ret, GPtrArray *machines, char **arch, bool *kvm,
                bool *seen_machines)
{
    json_object *v;

    if (g_str_equal(id, "target") && json_object_object_get_ex(ret, "arch", &v) &&
        json_object_is_type(v, json_type_string)) {
        g_free(*arch);
        *arch = g_strdup(arch_from_qemu(json_object_get_string(v)));
    } else if (g_str_equal(id, "kvm") && json_object_object_get_ex(ret, "present", &v)) {
        *kvm = json_object_get_boolean(v);
    } else if (g_str_equal(id, "machines") && json_object_is_type(ret, json_type_array)) {
        *seen_machines = true;
        for (size_t i = 0; i < json_object_array_length(ret); i++) {
            json_object *entry = json_object_array_get_idx(ret, i);
            json_object *name, *max;
            if (!json_object_object_get_ex(entry, "name", &name) ||
                !json_object_object_get_ex(entry, "cpu-max", &max))
                continue;
            QemuMachine *m = find_machine(machines, json_object_get_string(name));
            int64_t n = json_object_get_int64(max);
            if (m && n > 0 && n <= G_MAXUINT)
                m->max_cpus = (unsigned)n;
        }
    }
}

bool
qemu_caps_parse_qmp(const char *text, GPtrArray *machines, char **ret_arch, bool *ret_kvm,
                    GError **error)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *arch = NULL;
    bool kvm = false, seen_machines = false;

    for (size_t i = 0; lines[i]; i++) {
        const char *line = g_strstrip(lines[i]);
        if (!*line)
            continue;
        json_object *obj = json_tokener_parse(line);
        if (!obj || !json_object_is_type(obj, json_type_object)) {
            json_object_put(obj);
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                         "malformed QMP output '%.80s'", line);
            return false;
        }
        json_object *id = NULL, *ret = NULL, *err = NULL, *desc = NULL;
        json_object_object_get_ex(obj, "id", &id);
        if (json_object_object_get_ex(obj, "error", &err)) {
            json_object_object_get_ex(err, "desc", &desc);
            mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "QMP command '%s' failed: %s",
                         id ? json_object_get_string(id) : "?",
                         desc ? json_object_get_string(desc) : "unknown error");
            json_object_put(obj);
            return false;
        }
        /* The greeting and events carry no id and are of no interest here. */
        if (id && json_object_is_type(id, json_type_string) &&
            json_object_object_get_ex(obj, "return", &ret))
            apply_qmp_reply(json_object_get_string(id), ret, machines, &arch, &kvm, &seen_machines);
        json_object_put(obj);
    }

    if (!arch || !seen_machines) {
        mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR,
                     "QMP session ended without answering %s",
                     !arch ? "query-target" : "query-machines");
        return false;
    }
    *ret_arch = g_steal_pointer(&arch);
    *ret_kvm = kvm;
    return true;
}

/* Names from a list of objects with "name" into @set. */
static void
add_names(json_object *list, GHashTable *set)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *name;
        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "name", &name) &&
            json_object_is_type(name, json_type_string))
            g_hash_table_add(set, g_strdup(json_object_get_string(name)));
    }
}

static void
add_cpu_models(json_object *list, GPtrArray *models)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *entry = json_object_array_get_idx(list, i);
        json_object *name, *v;
        if (!json_object_object_get_ex(entry, "name", &name) ||
            !json_object_is_type(name, json_type_string))
            continue;
        QemuCpuModel *m = g_new0(QemuCpuModel, 1);
        m->name = g_strdup(json_object_get_string(name));
        m->usable = MV_TRISTATE_ABSENT;
        if (json_object_object_get_ex(entry, "unavailable-features", &v) &&
            json_object_is_type(v, json_type_array))
            m->usable = json_object_array_length(v) == 0 ? MV_TRISTATE_ON : MV_TRISTATE_OFF;
        m->deprecated = json_object_object_get_ex(entry, "deprecated", &v) &&
                        json_object_get_boolean(v);
        g_ptr_array_add(models, m);
    }
}

/* The optional replies (CPU models, device types, commands): an older capture without them
 * gives empty lists.  The text was already checked by qemu_caps_parse_qmp. */
static void
parse_qmp_lists(const char *text, QemuCaps *caps)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        json_object *obj = json_tokener_parse(lines[i]);
        json_object *id, *ret;
        if (obj && json_object_object_get_ex(obj, "id", &id) &&
            json_object_object_get_ex(obj, "return", &ret) &&
            json_object_is_type(ret, json_type_array)) {
            const char *which = json_object_get_string(id);
            if (g_str_equal(which, "cpus"))
                add_cpu_models(ret, caps->cpu_models);
            else if (g_str_equal(which, "devices"))
                add_names(ret, caps->devices);
            else if (g_str_equal(which, "commands"))
                add_names(ret, caps->commands);
        }
        json_object_put(obj);
    }
}

/* Run @argv in the C locale with @input on stdin (/dev/null when NULL).  Returns its stdout,
 * or NULL with a reason naming @what in @ret_why (it could not start, timed out, or exited
 * non-zero: then with its first stderr line). */
static char *
run_probe(const char *what, const char *const *argv, const char *input, char **ret_why)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 0;
    int r = mv_spawn_capture(argv, input, QEMU_PROBE_TIMEOUT_MS, &out, &err, &status);

    if (r == -ETIMEDOUT) {
        *ret_why = g_strdup_printf("%s did not finish within %d s", what, QEMU_PROBE_TIMEOUT_MS / 1000);
        return NULL;
    }
    if (r < 0) {
        *ret_why = g_strdup_printf("%s: %s", what, g_strerror(-r));
        return NULL;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        err[strcspn(err, "\n")] = '\0';
        *ret_why = g_strdup_printf("%s failed%s%s", what, *err ? ": " : "", err);
        return NULL;
    }
    return g_steal_pointer(&out);
}

static void probe_error(GError **error, const char *binary, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
probe_error(GError **error, const char *binary, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    mv_error_set(error, MV_FROM_QEMU, MV_ERR_INTERNAL_ERROR, "cannot probe QEMU binary '%s': %s",
                 binary, why);
}

/* The reason text of one of our own errors, without the generic "internal error: " that
 * mv_error_set put in front, so that it can be nested in a probe error. */
static const char *
bare_message(const GError *err)
{
    static const char prefix[] = "internal error: ";
    return g_str_has_prefix(err->message, prefix) ? err->message + strlen(prefix) : err->message;
}

/* The QMP session: capabilities negotiation, the queries, then quit.  CPU models are
 * those of the TCG accelerator this session runs with (usable= for type='qemu').  -machine none
 * creates no guest; TCG first so that probing never needs /dev/kvm. */
static const char qmp_script[] =
    "{\"execute\":\"qmp_capabilities\",\"id\":\"caps\"}\n"
    "{\"execute\":\"query-target\",\"id\":\"target\"}\n"
    "{\"execute\":\"query-kvm\",\"id\":\"kvm\"}\n"
    "{\"execute\":\"query-machines\",\"id\":\"machines\"}\n"
    "{\"execute\":\"query-cpu-definitions\",\"id\":\"cpus\"}\n"
    "{\"execute\":\"qom-list-types\",\"arguments\":{\"implements\":\"device\","
    "\"abstract\":false},\"id\":\"devices\"}\n"
    "{\"execute\":\"query-commands\",\"id\":\"commands\"}\n"
    "{\"execute\":\"quit\",\"id\":\"quit\"}\n";

QemuCaps *
qemu_caps_new_from_output(const char *binary, const char *version_out, const char *help_out,
                          const char *qmp_out, GError **error)
{
    g_autoptr(QemuCaps) caps = g_new0(QemuCaps, 1);
    g_atomic_ref_count_init(&caps->ref);
    caps->binary = g_strdup(binary);

    if (!qemu_caps_parse_version(version_out, &caps->version, error))
        return NULL;
    caps->machines = qemu_caps_parse_machine_help(help_out, error);
    if (!caps->machines)
        return NULL;
    if (!qemu_caps_parse_qmp(qmp_out, caps->machines, &caps->arch, &caps->kvm_supported, error))
        return NULL;
    caps->cpu_models = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_cpu_model_free);
    caps->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    caps->commands = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    parse_qmp_lists(qmp_out, caps);
    return g_steal_pointer(&caps);
}

static QemuCaps *
probe(const char *binary, const struct stat *st, GError **error)
{
    const char *version_argv[] = { binary, "--version", NULL };
    const char *help_argv[] = { binary, "-machine", "help", NULL };
    const char *qmp_argv[] = { binary, "-S", "-no-user-config", "-nodefaults", "-display", "none",
                               "-machine", "none,accel=tcg:kvm", "-qmp", "stdio", NULL };
    g_autofree char *why = NULL;
    g_autofree char *version = NULL, *help = NULL, *qmp = NULL;
    g_autoptr(GError) local = NULL;
    unsigned number;

    /* Check the version first: something that is not QEMU fails here, with the clearest
     * message, before we feed it QMP. */
    version = run_probe("'--version'", version_argv, NULL, &why);
    if (version && !qemu_caps_parse_version(version, &number, &local)) {
        probe_error(error, binary, "%s", bare_message(local));
        return NULL;
    }
    if (!version || !(help = run_probe("'-machine help'", help_argv, NULL, &why)) ||
        !(qmp = run_probe("the QMP query", qmp_argv, qmp_script, &why))) {
        probe_error(error, binary, "%s", why);
        return NULL;
    }

    QemuCaps *caps = qemu_caps_new_from_output(binary, version, help, qmp, &local);
    if (!caps) {
        probe_error(error, binary, "%s", bare_message(local));
        return NULL;
    }
    caps->dev = st->st_dev;
    caps->ino = st->st_ino;
    caps->size = st->st_size;
    caps->mtime = st->st_mtim;
    return caps;
}

static bool
same_file(const QemuCaps *caps, const struct stat *st)
{
    return caps->dev == st->st_dev && caps->ino == st->st_ino && caps->size == st->st_size &&
           caps->mtime.tv_sec == st->st_mtim.tv_sec && caps->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

QemuCaps *
qemu_caps_get(const char *binary, GError **error)
{
    struct stat st;
    if (stat(binary, &st) < 0) {
        probe_error(error, binary, "%s", g_strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || access(binary, X_OK) < 0) {
        probe_error(error, binary, "not an executable file");
        return NULL;
    }

    g_mutex_lock(&cache_lock);
    QemuCaps *cached = cache ? g_hash_table_lookup(cache, binary) : NULL;
    if (cached && same_file(cached, &st)) {
        qemu_caps_ref(cached);
        g_mutex_unlock(&cache_lock);
        return cached;
    }
    g_mutex_unlock(&cache_lock);

    /* Probe without the lock: it takes a while and other binaries need not wait.  Two threads
     * may probe the same binary at once; the later result simply replaces the earlier. */
    QemuCaps *caps = probe(binary, &st, error);
    if (!caps)
        return NULL;

    g_mutex_lock(&cache_lock);
    if (!cache)
        cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)qemu_caps_unref);
    g_hash_table_replace(cache, g_strdup(binary), qemu_caps_ref(caps));
    g_mutex_unlock(&cache_lock);
    return caps;
}

void
qemu_caps_cache_flush(void)
{
    g_mutex_lock(&cache_lock);
    g_clear_pointer(&cache, g_hash_table_unref);
    g_mutex_unlock(&cache_lock);
}

char *
qemu_caps_find_binary(const char *arch)
{
    static const char *const dirs[] = { "/usr/bin", "/usr/libexec" };
    g_autofree char *name = g_strdup_printf("qemu-system-%s", arch_to_qemu(arch));

    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *path = g_build_filename(dirs[i], name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && access(path, X_OK) == 0)
            return g_steal_pointer(&path);
    }
    return NULL;
}
