// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: a daemon config file (--config, re-read on SIGHUP): key-file syntax, the
// frame's [daemon] keys with their ranges, unknown groups and keys.

#include "fuzz.h"
#include "daemon/daemon-config.h"

#include <glib.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const driver_keys[] = { "qemu.emulator", "stats.interval_ms", NULL };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The "file" is a memfd, read through its /proc path: no disk in the loop. */
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-config", MFD_CLOEXEC);
        if (fd < 0)
            g_error("memfd_create failed");
        g_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (size > 1 << 20 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    MvDaemonConfig cfg;
    g_autoptr(GError) err = NULL;
    GKeyFile *kf = mv_daemon_config_load(path, true, driver_keys, &cfg, &err);
    if (kf) {
        MvServerLimits limits;
        mv_daemon_config_limits(&cfg, &limits, false);
        mv_daemon_config_limits(&cfg, &limits, true);
        g_key_file_unref(kf);
    }
    return 0;
}
