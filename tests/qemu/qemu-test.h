// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared harness of the QEMU tests: an I/O thread running the default main context (as the
// daemon's does), throw-away guests (diskless q35 under TCG, sitting in SeaBIOS) in a
// temporary directory, and the events and EOFs their monitors report, queued for the test
// thread to wait on.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "qemu-process.h"

/* Start / stop the thread that runs the default main context.  While it is stopped, a
 * thread issuing monitor commands drives the context itself. */
void test_io_start(void);
void test_io_stop(void);

typedef struct {
    char *name;        /* event name, or "<EOF>" */
    gint64 seconds;    /* QEMU's timestamp */
    guint micros;
    gint64 seen_us;    /* monotonic time the callback ran */
    GThread *thread;   /* the thread the callback ran on */
} TestEvent;

void test_event_free(TestEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestEvent, test_event_free)

typedef struct {
    char *dir;           /* temporary directory, removed by test_vm_free() */
    char *name;
    char *monitor_path;
    char *log_path;
    char *cgroup_name;   /* NULL when not root */
    GAsyncQueue *events; /* TestEvent* */
    QemuLaunchOpts opts;
} TestVm;

/* The QEMU binary, or NULL (after g_test_skip) when not installed. */
const char *test_qemu_binary(void);

/* The cgroup parent the tests use (removed at exit by test_cgroup_parent_cleanup). */
const char *test_cgroup_parent(void);
void test_cgroup_parent_cleanup(void);

TestVm *test_vm_new(const char *tag);
void test_vm_free(TestVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestVm, test_vm_free)

/* The guest command line: q35, TCG, -S, 64 MiB, @smp vCPUs, QMP on vm->monitor_path,
 * then @extra (NULL-terminated, may be NULL).  g_strfreev() it. */
char **test_vm_argv(TestVm *vm, unsigned smp, const char *const *extra);

/* Have @proc SIGKILLed if the test program dies (test_vm_launch does this itself). */
void test_guard(QemuProcess *proc);

/* Launch with test_vm_argv(vm, smp, extra). */
bool test_vm_launch(TestVm *vm, unsigned smp, const char *const *extra, QemuProcess **ret_proc, GError **error);

/* Wait up to @timeout_ms for event @name (or "<EOF>"), dropping others.  NULL on timeout. */
TestEvent *test_vm_wait_event(TestVm *vm, const char *name, unsigned timeout_ms);

/* Processes (not zombies) whose command line mentions @needle. */
unsigned test_count_processes(const char *needle);

/* True when the group @name under the test parent exists in any controller. */
bool test_cgroup_exists(const char *name);
