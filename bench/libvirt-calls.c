// SPDX-License-Identifier: LGPL-2.1-or-later
// libvirt-calls: N round trips through libvirt's own client library (the one virsh uses),
// for domain-bench's floor of `virsh list --all`: 1 + N GET_LIB_VERSION calls to the
// zero-work responder on one connection.  libvirt.so.0 is opened with dlopen, so building
// this needs no libvirt headers; running it needs libvirt0 (installed with virsh).
//
// Usage: libvirt-calls [--event-loop] URI CALLS [WARMUP]
// Prints: uri=URI calls=N seconds=S us_per_call=U  (only the calls are timed, not the
// open and close).
//
// --event-loop does what virsh does before it connects: registers libvirt's default event
// loop and runs it in a thread of its own.  The client library then hands every call's I/O
// to that thread and waits for it, which costs several µs per call more than doing the I/O
// in the calling thread, so this is the floor to set virsh's calls against.

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

typedef void *(*open_fn)(const char *);
typedef int (*close_fn)(void *);
typedef int (*libver_fn)(void *, unsigned long *);
typedef int (*event_fn)(void);

static event_fn event_run;

static void *
event_thread(void *arg)
{
    (void)arg;
    for (;;) {
        if (event_run() < 0)
            return NULL;
    }
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    int event_loop = argc > 1 && strcmp(argv[1], "--event-loop") == 0;
    if (event_loop) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: libvirt-calls [--event-loop] URI CALLS [WARMUP]\n");
        return 2;
    }
    const char *uri = argv[1];
    long calls = atol(argv[2]);
    long warmup = argc > 3 ? atol(argv[3]) : 0;

    void *lib = dlopen("libvirt.so.0", RTLD_NOW);
    if (!lib) {
        fprintf(stderr, "libvirt-calls: %s (apt-get install libvirt0)\n", dlerror());
        return 1;
    }
    open_fn vopen = (open_fn)dlsym(lib, "virConnectOpen");
    close_fn vclose = (close_fn)dlsym(lib, "virConnectClose");
    libver_fn vlibver = (libver_fn)dlsym(lib, "virConnectGetLibVersion");
    if (!vopen || !vclose || !vlibver) {
        fprintf(stderr, "libvirt-calls: libvirt.so.0 lacks virConnectOpen/GetLibVersion\n");
        return 1;
    }
    if (event_loop) {
        event_fn event_register = (event_fn)dlsym(lib, "virEventRegisterDefaultImpl");
        event_run = (event_fn)dlsym(lib, "virEventRunDefaultImpl");
        pthread_t tid;
        if (!event_register || !event_run || event_register() < 0 ||
            pthread_create(&tid, NULL, event_thread, NULL) != 0) {
            fprintf(stderr, "libvirt-calls: cannot start libvirt's event loop\n");
            return 1;
        }
        pthread_detach(tid);
    }
    void *conn = vopen(uri);
    if (!conn) {
        fprintf(stderr, "libvirt-calls: cannot open %s\n", uri);
        return 1;
    }
    unsigned long v;
    for (long i = 0; i < warmup; i++) {
        if (vlibver(conn, &v) < 0)
            return 1;
    }
    double t0 = now();
    for (long i = 0; i < calls; i++) {
        if (vlibver(conn, &v) < 0) {
            fprintf(stderr, "libvirt-calls: call %ld failed\n", i);
            return 1;
        }
    }
    double t = now() - t0;
    vclose(conn);
    printf("uri=%s calls=%ld seconds=%.6f us_per_call=%.2f\n", uri, calls, t, calls ? t * 1e6 / calls : 0.0);
    return 0;
}
