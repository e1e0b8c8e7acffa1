// SPDX-License-Identifier: LGPL-2.1-or-later
// Does KVM run guests on this host?  Opening /dev/kvm is not enough (a host may expose the
// node and still fail every vCPU entry), so the probe runs a guest: one VM, one vCPU, and a
// three-instruction real-mode program (write a byte to an I/O port, halt).  It runs in a
// child process with a deadline, because a broken host may keep the vCPU spinning inside
// KVM_RUN.  The result is cached until /dev/kvm changes.

#include "qemu-kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#define KVM_DEVICE "/dev/kvm"

/* How long the probe guest may take.  A working KVM finishes in well under a millisecond;
 * the margin is for a loaded host.  A host that spins the vCPU costs this once per change
 * of /dev/kvm, on the first question, never at daemon start. */
#define KVM_PROBE_TIMEOUT_MS 2000

/* The probe guest: one page of memory at this guest-physical address, executed from its
 * start in real mode.  `mov al, 0x42; out 0x10, al; hlt` */
#define PROBE_GPA 0x1000
#define PROBE_PORT 0x10
#define PROBE_VALUE 0x42
static const unsigned char probe_code[] = { 0xb0, PROBE_VALUE, 0xe6, PROBE_PORT, 0xf4 };

/* Steps of the probe, in order; the child reports the one that failed. */
typedef enum {
    STEP_OPEN,
    STEP_API_VERSION,
    STEP_CREATE_VM,
    STEP_MEMORY,
    STEP_CREATE_VCPU,
    STEP_MAP_RUN,
    STEP_REGISTERS,
    STEP_RUN,
    STEP_DONE,
} ProbeStep;

static const char *const step_names[] = {
    [STEP_OPEN] = "open",
    [STEP_API_VERSION] = "KVM_GET_API_VERSION",
    [STEP_CREATE_VM] = "KVM_CREATE_VM",
    [STEP_MEMORY] = "KVM_SET_USER_MEMORY_REGION",
    [STEP_CREATE_VCPU] = "KVM_CREATE_VCPU",
    [STEP_MAP_RUN] = "mapping the vCPU run area",
    [STEP_REGISTERS] = "setting the vCPU registers",
    [STEP_RUN] = "KVM_RUN",
    [STEP_DONE] = "",
};

/* What the child writes to the pipe: a fixed record, so a short read means it died. */
typedef struct {
    int step;       /* ProbeStep that failed, or STEP_DONE */
    int err;        /* errno of the failed step */
    int api;        /* KVM_GET_API_VERSION answer */
    unsigned exits[4]; /* KVM exit reasons seen, in order (KVM_EXIT_*) */
    int nexits;
} ProbeRecord;

/* Runs in the forked child: system calls only (no allocation, no locks), since the parent
 * has other threads. */
static void
probe_child(const char *path, ProbeRecord *rec)
{
    rec->step = STEP_OPEN;
    int kvm = open(path, O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        goto fail;
    rec->step = STEP_API_VERSION;
    rec->api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (rec->api != KVM_API_VERSION)
        goto fail;
    rec->step = STEP_CREATE_VM;
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        goto fail;
    rec->step = STEP_MEMORY;
    unsigned char *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        goto fail;
    memcpy(mem, probe_code, sizeof(probe_code));
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = PROBE_GPA, .memory_size = 4096,
        .userspace_addr = (unsigned long)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        goto fail;
    rec->step = STEP_CREATE_VCPU;
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        goto fail;
    rec->step = STEP_MAP_RUN;
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0)
        goto fail;
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        goto fail;
    rec->step = STEP_REGISTERS;
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        goto fail;
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        goto fail;
    struct kvm_regs regs = { .rip = PROBE_GPA, .rflags = 0x2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        goto fail;
    rec->step = STEP_RUN;
    while (rec->nexits < (int)G_N_ELEMENTS(rec->exits)) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        rec->exits[rec->nexits++] = run->exit_reason;
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == PROBE_PORT &&
            ((unsigned char *)run)[run->io.data_offset] == PROBE_VALUE)
            continue;
        if (run->exit_reason == KVM_EXIT_HLT && rec->nexits == 2 && rec->exits[0] == KVM_EXIT_IO)
            rec->step = STEP_DONE;
        return;
    }
    return;
fail:
    rec->err = errno;
}

char *
qemu_kvm_probe_describe(int step, int err, int api, const unsigned *exits, int nexits)
{
    if (step == STEP_DONE)
        return NULL;
    if (step < 0 || step > STEP_DONE)
        return g_strdup("the KVM probe returned nonsense");
    if (step == STEP_OPEN)
        return g_strdup_printf("cannot open " KVM_DEVICE ": %s", g_strerror(err));
    if (step == STEP_API_VERSION && api >= 0)
        return g_strdup_printf(KVM_DEVICE " speaks KVM API version %d, not %d", api, KVM_API_VERSION);
    if (step != STEP_RUN || nexits == 0)
        return g_strdup_printf("%s failed: %s", step_names[step], g_strerror(err));

    g_autoptr(GString) seen = g_string_new(NULL);
    for (int i = 0; i < nexits; i++)
        g_string_append_printf(seen, "%s%u", i ? ", " : "", exits[i]);
    return g_strdup_printf("a test vCPU did not run its program to the halt (KVM exit reasons %s; "
                           "expected %d, %d)", seen->str, KVM_EXIT_IO, KVM_EXIT_HLT);
}

char *
qemu_kvm_probe_device(const char *path)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return g_strdup_printf("cannot create a pipe for the KVM probe: %s", g_strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return g_strdup_printf("cannot fork the KVM probe: %s", g_strerror(e));
    }
    if (pid == 0) {
        ProbeRecord rec = { 0 };
        close(fds[0]);
        /* The deadline again, in case the parent is gone. */
        alarm(KVM_PROBE_TIMEOUT_MS / 1000 + 1);
        probe_child(path, &rec);
        ssize_t n = write(fds[1], &rec, sizeof(rec));
        _exit(n == (ssize_t)sizeof(rec) ? 0 : 1);
    }
    close(fds[1]);

    ProbeRecord rec = { 0 };
    size_t got = 0;
    gint64 deadline = g_get_monotonic_time() + KVM_PROBE_TIMEOUT_MS * 1000;
    bool timed_out = false;
    while (got < sizeof(rec)) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = true;
            break;
        }
        ssize_t n = read(fds[0], (char *)&rec + got, sizeof(rec) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    if (got < sizeof(rec))
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return g_strdup_printf("a test vCPU did not reach its halt instruction within %d ms",
                               KVM_PROBE_TIMEOUT_MS);
    if (got < sizeof(rec))
        return g_strdup_printf("the KVM probe process died (wait status %d)", status);
    return qemu_kvm_probe_describe(rec.step, rec.err, rec.api, rec.exits, rec.nexits);
}

static GMutex probe_lock;
/* The last answer and the identity of the device node it is about; under probe_lock. */
static bool probe_valid;
static dev_t probe_rdev;
static ino_t probe_ino;
static struct timespec probe_ctime;
static char *probe_reason;   /* NULL: usable */

static bool
same_node(const struct stat *st)
{
    return probe_valid && probe_rdev == st->st_rdev && probe_ino == st->st_ino &&
           probe_ctime.tv_sec == st->st_ctim.tv_sec && probe_ctime.tv_nsec == st->st_ctim.tv_nsec;
}

bool
qemu_kvm_usable(char **ret_reason)
{
    struct stat st;
    bool present = stat(KVM_DEVICE, &st) == 0;
    int stat_errno = errno;

    g_mutex_lock(&probe_lock);
    /* The same device node as last time (a reloaded module makes a new one): same answer. */
    if (!present || !same_node(&st)) {
        g_autofree char *reason = present ? qemu_kvm_probe_device(KVM_DEVICE)
            : g_strdup_printf("cannot open " KVM_DEVICE ": %s", g_strerror(stat_errno));
        if (reason && g_strcmp0(reason, probe_reason) != 0)
            g_info("KVM is not usable, guests can run with TCG only: %s", reason);
        g_free(probe_reason);
        probe_reason = g_steal_pointer(&reason);
        probe_valid = present;
        if (present) {
            probe_rdev = st.st_rdev;
            probe_ino = st.st_ino;
            probe_ctime = st.st_ctim;
        }
    }
    bool usable = probe_reason == NULL;
    if (ret_reason)
        *ret_reason = g_strdup(probe_reason);
    g_mutex_unlock(&probe_lock);
    return usable;
}
