// SPDX-License-Identifier: LGPL-2.1-or-later
// qmp-wrap: a QEMU "emulator" for domain-bench that adds one more QMP monitor to a guest, so
// the benchmark can ask QEMU itself (query-status) when the guest runs, the same way whether
// modvirt-qemud, libvirtd or the benchmark launched it.  Daemons own the guest's own monitor.
//
// domain-bench copies this binary to DIR/qemu-system-x86_64, where DIR also holds `qemu.real`
// (a symlink to the real QEMU) and `qmp/`.  When the command line names a guest
// (`-name guest=NAME,...` or `-name NAME`), it execs the real QEMU with the same arguments
// plus `-qmp unix:DIR/qmp/NAME.sock,server=on,wait=off`; otherwise (capability probes) with
// the arguments unchanged.  It costs one exec of a static-size C program (well under 1 ms).

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The guest name in a -name value: "guest=NAME,opt=..." or "NAME[,opt=...]"; ",," is a
 * literal comma.  Returns a malloc'd string, or NULL. */
static char *
guest_name(const char *val)
{
    const char *p = val;
    if (strncmp(p, "guest=", 6) == 0)
        p += 6;
    else if (strchr(p, '=') && strchr(p, '=') < (strchr(p, ',') ? strchr(p, ',') : p + strlen(p)))
        return NULL; /* another key first: not handled */
    char *out = malloc(strlen(p) + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (; *p; p++) {
        if (*p == ',') {
            if (p[1] != ',')
                break;
            p++;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
    if (n == 0 || strchr(out, '/')) {
        free(out);
        return NULL;
    }
    return out;
}

int
main(int argc, char **argv)
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len < 0) {
        perror("qmp-wrap: /proc/self/exe");
        return 127;
    }
    self[len] = '\0';
    const char *dir = dirname(self);

    char real[PATH_MAX];
    snprintf(real, sizeof(real), "%s/qemu.real", dir);

    char *name = NULL;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "-name") == 0) {
            name = guest_name(argv[i + 1]);
            break;
        }
    }

    char **nargv = calloc(argc + 3, sizeof(char *));
    if (!nargv)
        return 127;
    nargv[0] = real;
    for (int i = 1; i < argc; i++)
        nargv[i] = argv[i];
    if (name) {
        static char sock[PATH_MAX], spec[PATH_MAX + 64];
        snprintf(sock, sizeof(sock), "%s/qmp/%s.sock", dir, name);
        unlink(sock);
        snprintf(spec, sizeof(spec), "unix:%s,server=on,wait=off", sock);
        nargv[argc] = "-qmp";
        nargv[argc + 1] = spec;
    }
    execv(real, nargv);
    fprintf(stderr, "qmp-wrap: cannot exec %s: %s\n", real, strerror(errno));
    return 127;
}
