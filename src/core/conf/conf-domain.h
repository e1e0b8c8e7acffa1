// SPDX-License-Identifier: LGPL-2.1-or-later
// libvirt's domain XML as a plain C struct: the parser, the formatter (inactive and live
// forms, both valid against domain.rng) and the defaults libvirt fills in for x86 machines
// (implicit devices, drive and PCI addresses, aliases).  Hypervisor checks and the command
// line are the drivers' business; this layer never touches files or guest processes.
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "util/util-enum.h"
#include "util/util-uuid.h"

/* Yes/no attributes that may also be absent (absent keeps the default behaviour). */
typedef enum {
    MV_TRISTATE_ABSENT,
    MV_TRISTATE_ON,
    MV_TRISTATE_OFF,
    MV_TRISTATE_LAST,
} MvTristate;

/* <domain type=...>.  Only qemu and kvm are usable by the QEMU driver; the others parse so
 * that the other drivers can share this code. */
typedef enum {
    MV_DOMAIN_VIRT_QEMU,
    MV_DOMAIN_VIRT_KVM,
    MV_DOMAIN_VIRT_XEN,
    MV_DOMAIN_VIRT_LXC,
    MV_DOMAIN_VIRT_TEST,
    MV_DOMAIN_VIRT_BHYVE,
    MV_DOMAIN_VIRT_LAST,
} MvDomainVirtType;

typedef enum {
    MV_DOMAIN_OS_HVM,
    MV_DOMAIN_OS_XEN,
    MV_DOMAIN_OS_LINUX,
    MV_DOMAIN_OS_EXE,
    MV_DOMAIN_OS_XENPVH,   /* Xen PVH guests */
    MV_DOMAIN_OS_LAST,
} MvDomainOsType;

typedef enum {
    MV_DOMAIN_BOOT_FD,
    MV_DOMAIN_BOOT_CDROM,
    MV_DOMAIN_BOOT_HD,
    MV_DOMAIN_BOOT_NETWORK,
    MV_DOMAIN_BOOT_LAST,
} MvDomainBootDev;

/* At most one <boot dev=> per device kind, as libvirt allows. */
#define MV_DOMAIN_BOOT_MAX 4

typedef enum {
    MV_DOMAIN_LOADER_NONE, /* type= absent */
    MV_DOMAIN_LOADER_ROM,
    MV_DOMAIN_LOADER_PFLASH,
    MV_DOMAIN_LOADER_LAST,
} MvDomainLoaderType;

/* Presence-only <features> children, plus vmport which carries state=. */
typedef enum {
    MV_DOMAIN_FEATURE_ACPI,
    MV_DOMAIN_FEATURE_APIC,
    MV_DOMAIN_FEATURE_PAE,
    MV_DOMAIN_FEATURE_LAST,
} MvDomainFeature;

typedef enum {
    MV_DOMAIN_VCPU_PLACEMENT_NONE, /* absent; filled with static */
    MV_DOMAIN_VCPU_PLACEMENT_STATIC,
    MV_DOMAIN_VCPU_PLACEMENT_AUTO,
    MV_DOMAIN_VCPU_PLACEMENT_LAST,
} MvDomainVcpuPlacement;

typedef enum {
    MV_DOMAIN_CPU_MODE_CUSTOM,
    MV_DOMAIN_CPU_MODE_HOST_MODEL,
    MV_DOMAIN_CPU_MODE_HOST_PASSTHROUGH,
    MV_DOMAIN_CPU_MODE_MAXIMUM,
    MV_DOMAIN_CPU_MODE_LAST,
} MvDomainCpuMode;

typedef enum {
    MV_DOMAIN_CPU_MATCH_NONE, /* absent */
    MV_DOMAIN_CPU_MATCH_MINIMUM,
    MV_DOMAIN_CPU_MATCH_EXACT,
    MV_DOMAIN_CPU_MATCH_STRICT,
    MV_DOMAIN_CPU_MATCH_LAST,
} MvDomainCpuMatch;

typedef enum {
    MV_DOMAIN_CPU_CHECK_NONE_SET, /* absent */
    MV_DOMAIN_CPU_CHECK_NONE,
    MV_DOMAIN_CPU_CHECK_PARTIAL,
    MV_DOMAIN_CPU_CHECK_FULL,
    MV_DOMAIN_CPU_CHECK_LAST,
} MvDomainCpuCheck;

typedef enum {
    MV_DOMAIN_CPU_FALLBACK_NONE, /* absent */
    MV_DOMAIN_CPU_FALLBACK_ALLOW,
    MV_DOMAIN_CPU_FALLBACK_FORBID,
    MV_DOMAIN_CPU_FALLBACK_LAST,
} MvDomainCpuFallback;

typedef enum {
    MV_DOMAIN_CLOCK_UTC,
    MV_DOMAIN_CLOCK_LOCALTIME,
    MV_DOMAIN_CLOCK_VARIABLE,
    MV_DOMAIN_CLOCK_LAST,
} MvDomainClockOffset;

typedef enum {
    MV_DOMAIN_CLOCK_BASIS_UTC,
    MV_DOMAIN_CLOCK_BASIS_LOCALTIME,
    MV_DOMAIN_CLOCK_BASIS_LAST,
} MvDomainClockBasis;

typedef enum {
    MV_DOMAIN_TIMER_RTC,
    MV_DOMAIN_TIMER_PIT,
    MV_DOMAIN_TIMER_HPET,
    MV_DOMAIN_TIMER_KVMCLOCK,
    MV_DOMAIN_TIMER_LAST,
} MvDomainTimerName;

typedef enum {
    MV_DOMAIN_TICKPOLICY_NONE, /* absent */
    MV_DOMAIN_TICKPOLICY_DELAY,
    MV_DOMAIN_TICKPOLICY_CATCHUP,
    MV_DOMAIN_TICKPOLICY_MERGE,
    MV_DOMAIN_TICKPOLICY_DISCARD,
    MV_DOMAIN_TICKPOLICY_LAST,
} MvDomainTickPolicy;

/* on_poweroff / on_reboot / on_crash, with libvirt's names and numbers. */
typedef enum {
    MV_DOMAIN_LIFECYCLE_DESTROY,
    MV_DOMAIN_LIFECYCLE_RESTART,
    MV_DOMAIN_LIFECYCLE_RESTART_RENAME,
    MV_DOMAIN_LIFECYCLE_PRESERVE,
    MV_DOMAIN_LIFECYCLE_COREDUMP_DESTROY,
    MV_DOMAIN_LIFECYCLE_COREDUMP_RESTART,
    MV_DOMAIN_LIFECYCLE_LAST,
} MvDomainLifecycleAction;

typedef enum {
    MV_DOMAIN_ADDRESS_NONE,
    MV_DOMAIN_ADDRESS_PCI,
    MV_DOMAIN_ADDRESS_DRIVE,
    MV_DOMAIN_ADDRESS_USB,
    MV_DOMAIN_ADDRESS_LAST,
} MvDomainAddressType;

typedef struct {
    MvDomainAddressType type;
    /* PCI */
    unsigned domain, bus, slot, function;
    MvTristate multifunction;
    /* drive */
    unsigned controller, drive_bus, target, unit;
    /* USB: bus and the port path ("1", "1.2") */
    unsigned usb_bus;
    char *usb_port;
} MvDomainAddress;

/* What every device carries. */
typedef struct {
    /* "virtio-disk0", "net0", ...: filled by mv_domain_def_fill_defaults() and formatted
     * only in the live XML; a user alias ("ua-" prefix) is kept and formatted always. */
    char *alias;
    MvDomainAddress addr;
    unsigned boot_order;  /* <boot order=N/>; 0 when absent */
} MvDomainDeviceInfo;

typedef enum {
    MV_DOMAIN_DISK_TYPE_FILE,
    MV_DOMAIN_DISK_TYPE_BLOCK,
    MV_DOMAIN_DISK_TYPE_VOLUME,   /* a volume of a storage pool, resolved when the guest starts */
    MV_DOMAIN_DISK_TYPE_LAST,
} MvDomainDiskType;

typedef enum {
    MV_DOMAIN_DISK_DEVICE_DISK,
    MV_DOMAIN_DISK_DEVICE_CDROM,
    MV_DOMAIN_DISK_DEVICE_LAST,
} MvDomainDiskDevice;

typedef enum {
    MV_DOMAIN_DISK_BUS_NONE, /* absent: derived from the target name */
    MV_DOMAIN_DISK_BUS_IDE,
    MV_DOMAIN_DISK_BUS_SCSI,
    MV_DOMAIN_DISK_BUS_VIRTIO,
    MV_DOMAIN_DISK_BUS_SATA,
    MV_DOMAIN_DISK_BUS_XEN,    /* Xen's blkfront, domain type xen only */
    MV_DOMAIN_DISK_BUS_LAST,
} MvDomainDiskBus;

typedef enum {
    MV_DOMAIN_DISK_FORMAT_NONE, /* absent; filled with raw */
    MV_DOMAIN_DISK_FORMAT_RAW,
    MV_DOMAIN_DISK_FORMAT_QCOW2,
    MV_DOMAIN_DISK_FORMAT_LAST,
} MvDomainDiskFormat;

typedef enum {
    MV_DOMAIN_DISK_CACHE_NONE_SET, /* absent */
    MV_DOMAIN_DISK_CACHE_DEFAULT,
    MV_DOMAIN_DISK_CACHE_NONE,
    MV_DOMAIN_DISK_CACHE_WRITETHROUGH,
    MV_DOMAIN_DISK_CACHE_WRITEBACK,
    MV_DOMAIN_DISK_CACHE_DIRECTSYNC,
    MV_DOMAIN_DISK_CACHE_UNSAFE,
    MV_DOMAIN_DISK_CACHE_LAST,
} MvDomainDiskCache;

typedef enum {
    MV_DOMAIN_DISK_DISCARD_NONE, /* absent */
    MV_DOMAIN_DISK_DISCARD_UNMAP,
    MV_DOMAIN_DISK_DISCARD_IGNORE,
    MV_DOMAIN_DISK_DISCARD_LAST,
} MvDomainDiskDiscard;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainDiskType type;
    MvDomainDiskDevice device;
    char *driver_name;          /* <driver name=>: "qemu" or NULL */
    MvDomainDiskFormat format;
    MvDomainDiskCache cache;
    MvDomainDiskDiscard discard;
    char *src;                  /* file or block device path; NULL: empty CD-ROM.  Volume
                                 * disks: the volume's path, set while the guest starts */
    char *src_pool;             /* type volume: <source pool= volume=> */
    char *src_volume;
    bool src_block;             /* type volume: the volume is a block device (set with src) */
    char *target;               /* "vda", "sdb", "hdc" */
    MvDomainDiskBus bus;
    bool readonly;
    bool shareable;
    char *serial;
} MvDomainDisk;

void mv_domain_disk_free(MvDomainDisk *disk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainDisk, mv_domain_disk_free)

typedef enum {
    MV_DOMAIN_CONTROLLER_IDE,
    MV_DOMAIN_CONTROLLER_SCSI,
    MV_DOMAIN_CONTROLLER_SATA,
    MV_DOMAIN_CONTROLLER_VIRTIO_SERIAL,
    MV_DOMAIN_CONTROLLER_USB,
    MV_DOMAIN_CONTROLLER_PCI,
    MV_DOMAIN_CONTROLLER_LAST,
} MvDomainControllerType;

/* USB ports: an xHCI controller takes at most 15 (QEMU's limit for p2/p3); the ICH9 EHCI
 * master has 6, which its UHCI companions take in pairs from <master startport=>. */
#define USB_XHCI_MAX_PORTS 15
#define USB_EHCI_PORTS 6

/* model= of each controller type that has one; -1 in MvDomainController.model: absent. */
typedef enum {
    MV_DOMAIN_USB_MODEL_PIIX3_UHCI,
    MV_DOMAIN_USB_MODEL_QEMU_XHCI,
    MV_DOMAIN_USB_MODEL_NEC_XHCI,
    MV_DOMAIN_USB_MODEL_NONE,
    /* The ICH9 set: an EHCI master and UHCI companions (<master startport=>). */
    MV_DOMAIN_USB_MODEL_ICH9_EHCI1,
    MV_DOMAIN_USB_MODEL_ICH9_UHCI1,
    MV_DOMAIN_USB_MODEL_ICH9_UHCI2,
    MV_DOMAIN_USB_MODEL_ICH9_UHCI3,
    MV_DOMAIN_USB_MODEL_LAST,
} MvDomainUsbModel;

typedef enum {
    MV_DOMAIN_SCSI_MODEL_LSILOGIC,
    MV_DOMAIN_SCSI_MODEL_VIRTIO_SCSI,
    MV_DOMAIN_SCSI_MODEL_LAST,
} MvDomainScsiModel;

typedef enum {
    MV_DOMAIN_PCI_MODEL_PCI_ROOT,
    MV_DOMAIN_PCI_MODEL_PCIE_ROOT,
    MV_DOMAIN_PCI_MODEL_PCIE_ROOT_PORT,
    MV_DOMAIN_PCI_MODEL_PCIE_TO_PCI_BRIDGE,
    MV_DOMAIN_PCI_MODEL_LAST,
} MvDomainPciModel;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainControllerType type;
    int index;
    int model;           /* MvDomainUsbModel / MvDomainScsiModel / MvDomainPciModel, or -1 */
    /* PCI controllers: <model name=> (the QEMU device), <target chassis= port=>; -1 absent */
    char *model_name;
    int chassis;
    int port;
    /* USB: ports= (xHCI port count; 0 or -1 absent); <master startport=> of a UHCI companion
     * when has_master (zero-filled controllers have neither) */
    int usb_ports;
    bool has_master;
    unsigned master_startport;
} MvDomainController;

void mv_domain_controller_free(MvDomainController *ctrl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainController, mv_domain_controller_free)

typedef enum {
    MV_DOMAIN_NET_USER,
    MV_DOMAIN_NET_NETWORK,
    MV_DOMAIN_NET_BRIDGE,
    MV_DOMAIN_NET_ETHERNET,
    MV_DOMAIN_NET_LAST,
} MvDomainNetType;

typedef enum {
    MV_DOMAIN_NET_MODEL_NONE, /* absent; filled with rtl8139, QEMU's x86 default NIC */
    MV_DOMAIN_NET_MODEL_VIRTIO,
    MV_DOMAIN_NET_MODEL_E1000,
    MV_DOMAIN_NET_MODEL_E1000E,
    MV_DOMAIN_NET_MODEL_RTL8139,
    MV_DOMAIN_NET_MODEL_LAST,
} MvDomainNetModel;

#define MV_MAC_BUFLEN 6
#define MV_MAC_STRING_BUFLEN 18

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainNetType type;
    guint8 mac[MV_MAC_BUFLEN];
    bool mac_set;        /* false until parsed or generated */
    char *source;        /* network name (network) or bridge name (bridge) */
    char *portid;        /* network, live: the UUID of the port the network daemon gave */
    char *port_bridge;   /* network, live: the bridge that port plugs into */
    char *target_dev;    /* tap name: given for ethernet, or the live one */
    MvDomainNetModel model;
    char *script;        /* <script path=>: Xen's vif hotplug script; xen domains only */
} MvDomainNet;

void mv_domain_net_free(MvDomainNet *net);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainNet, mv_domain_net_free)

typedef enum {
    MV_DOMAIN_CHR_PTY,
    MV_DOMAIN_CHR_FILE,
    MV_DOMAIN_CHR_UNIX,
    MV_DOMAIN_CHR_NMDM,   /* FreeBSD null-modem pair, bhyve domains only */
    MV_DOMAIN_CHR_LAST,
} MvDomainChrType;

typedef enum {
    MV_DOMAIN_CHR_MODE_BIND,
    MV_DOMAIN_CHR_MODE_CONNECT,
    MV_DOMAIN_CHR_MODE_LAST,
} MvDomainChrMode;

/* <target type=> of a serial port / console. */
typedef enum {
    MV_DOMAIN_CHR_TARGET_NONE,       /* absent */
    MV_DOMAIN_CHR_TARGET_ISA_SERIAL, /* serial */
    MV_DOMAIN_CHR_TARGET_SERIAL,     /* console: a view of serial port <target port=> */
    MV_DOMAIN_CHR_TARGET_XEN,        /* console: Xen's PV console, xen domains only */
    MV_DOMAIN_CHR_TARGET_LXC,        /* console: a container's, lxc domains only */
    MV_DOMAIN_CHR_TARGET_LAST,
} MvDomainChrTarget;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainChrType type;
    /* file, unix: the path; pty: the pseudo-terminal once the guest runs (live only) */
    char *path;
    char *slave;               /* nmdm: the guest's end (path holds the master end) */
    MvDomainChrMode mode;      /* unix only */
    MvTristate append;         /* file only */
    MvDomainChrTarget target_type;
    int target_port;           /* -1: absent */
} MvDomainChr;

void mv_domain_chr_free(MvDomainChr *chr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainChr, mv_domain_chr_free)

/* <channel type=>: a virtio-serial port to the guest (guest agent, SPICE agent). */
typedef enum {
    MV_DOMAIN_CHANNEL_PTY,
    MV_DOMAIN_CHANNEL_UNIX,
    MV_DOMAIN_CHANNEL_SPICEVMC,
    MV_DOMAIN_CHANNEL_LAST,
} MvDomainChannelType;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainChannelType type;
    /* unix: the socket; NULL with mode bind: a path in the guest's run directory */
    char *path;
    MvDomainChrMode mode;
    char *target_name;   /* <target type='virtio' name=>: "org.qemu.guest_agent.0" */
} MvDomainChannel;

void mv_domain_channel_free(MvDomainChannel *channel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainChannel, mv_domain_channel_free)

typedef enum {
    MV_DOMAIN_INPUT_MOUSE,
    MV_DOMAIN_INPUT_KEYBOARD,
    MV_DOMAIN_INPUT_TABLET,
    MV_DOMAIN_INPUT_LAST,
} MvDomainInputType;

typedef enum {
    MV_DOMAIN_INPUT_BUS_NONE, /* absent: ps2 for mouse/keyboard, usb for tablet */
    MV_DOMAIN_INPUT_BUS_PS2,
    MV_DOMAIN_INPUT_BUS_USB,
    MV_DOMAIN_INPUT_BUS_VIRTIO,
    MV_DOMAIN_INPUT_BUS_XEN,   /* Xen's PV framebuffer input, xen domains only */
    MV_DOMAIN_INPUT_BUS_LAST,
} MvDomainInputBus;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainInputType type;
    MvDomainInputBus bus;
} MvDomainInput;

void mv_domain_input_free(MvDomainInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainInput, mv_domain_input_free)

typedef enum {
    MV_DOMAIN_GRAPHICS_VNC,
    MV_DOMAIN_GRAPHICS_SDL,    /* a local window; xen domains only */
    MV_DOMAIN_GRAPHICS_SPICE,
    MV_DOMAIN_GRAPHICS_LAST,
} MvDomainGraphicsType;

/* <listen type=> of VNC and SPICE graphics. */
typedef enum {
    MV_DOMAIN_LISTEN_ADDRESS,  /* TCP on an address (absent <listen> too) */
    MV_DOMAIN_LISTEN_SOCKET,   /* a unix socket */
    MV_DOMAIN_LISTEN_NONE,     /* no listener (VNC: reachable through the monitor only) */
    MV_DOMAIN_LISTEN_LAST,
} MvDomainListenType;

typedef struct {
    MvDomainGraphicsType type;
    int port;            /* -1: automatic (before start) */
    bool autoport;
    MvDomainListenType listen_type;
    char *listen;        /* listen address; NULL: the driver's default (127.0.0.1) */
    char *socket;        /* listen type socket: the path; NULL: one in the guest's run dir */
    char *passwd;        /* formatted only with MV_DOMAIN_FORMAT_SECURE */
    char *keymap;
    char *image_compression;  /* SPICE <image compression=>, kept as given; or NULL */
} MvDomainGraphics;

void mv_domain_graphics_free(MvDomainGraphics *graphics);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainGraphics, mv_domain_graphics_free)

typedef enum {
    MV_DOMAIN_VIDEO_VGA,
    MV_DOMAIN_VIDEO_CIRRUS,
    MV_DOMAIN_VIDEO_VIRTIO,
    MV_DOMAIN_VIDEO_BOCHS,
    MV_DOMAIN_VIDEO_NONE,
    MV_DOMAIN_VIDEO_XEN,       /* Xen's PV framebuffer, xen domains only */
    MV_DOMAIN_VIDEO_GOP,       /* bhyve's UEFI framebuffer, bhyve domains only */
    MV_DOMAIN_VIDEO_QXL,
    MV_DOMAIN_VIDEO_RAMFB,     /* a framebuffer in guest RAM: no PCI device */
    MV_DOMAIN_VIDEO_LAST,
} MvDomainVideoModel;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainVideoModel model;
    unsigned vram_kib;  /* 0: absent */
    unsigned heads;     /* 0: absent */
    bool primary;
} MvDomainVideo;

void mv_domain_video_free(MvDomainVideo *video);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainVideo, mv_domain_video_free)

typedef enum {
    MV_DOMAIN_MEMBALLOON_VIRTIO,
    MV_DOMAIN_MEMBALLOON_NONE,
    MV_DOMAIN_MEMBALLOON_LAST,
} MvDomainMemballoonModel;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainMemballoonModel model;
    MvTristate autodeflate;
} MvDomainMemballoon;

void mv_domain_memballoon_free(MvDomainMemballoon *balloon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainMemballoon, mv_domain_memballoon_free)

typedef struct {
    MvDomainDeviceInfo info;
    char *backend_path;  /* <backend model='random'>PATH</backend>; filled with /dev/random */
} MvDomainRng;

void mv_domain_rng_free(MvDomainRng *rng);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainRng, mv_domain_rng_free)

typedef enum {
    MV_DOMAIN_WATCHDOG_I6300ESB,
    MV_DOMAIN_WATCHDOG_IB700,
    MV_DOMAIN_WATCHDOG_LAST,
} MvDomainWatchdogModel;

typedef enum {
    MV_DOMAIN_WATCHDOG_ACTION_RESET,
    MV_DOMAIN_WATCHDOG_ACTION_SHUTDOWN,
    MV_DOMAIN_WATCHDOG_ACTION_POWEROFF,
    MV_DOMAIN_WATCHDOG_ACTION_PAUSE,
    MV_DOMAIN_WATCHDOG_ACTION_DUMP,
    MV_DOMAIN_WATCHDOG_ACTION_NONE,
    MV_DOMAIN_WATCHDOG_ACTION_INJECT_NMI,
    MV_DOMAIN_WATCHDOG_ACTION_LAST,
} MvDomainWatchdogAction;

typedef struct {
    MvDomainDeviceInfo info;
    MvDomainWatchdogModel model;
    MvDomainWatchdogAction action;
} MvDomainWatchdog;

void mv_domain_watchdog_free(MvDomainWatchdog *watchdog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainWatchdog, mv_domain_watchdog_free)

/* <audio id=N type='none'/>: the only audio backend we offer (libvirt adds one by default). */
typedef struct {
    unsigned id;
} MvDomainAudio;

void mv_domain_audio_free(MvDomainAudio *audio);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainAudio, mv_domain_audio_free)

typedef struct {
    unsigned id;
    char *cpus;           /* as written: "0-1,4" */
    guint64 memory_kib;
} MvDomainNumaCell;

void mv_domain_numa_cell_free(MvDomainNumaCell *cell);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainNumaCell, mv_domain_numa_cell_free)

typedef struct {
    bool present;                 /* <cpu> given or filled */
    MvDomainCpuMode mode;
    MvDomainCpuMatch match;
    MvDomainCpuCheck check;
    MvTristate migratable;
    char *model;
    MvDomainCpuFallback fallback;
    /* <topology>; all zero when absent */
    unsigned sockets, dies, cores, threads;
    GPtrArray *numa;              /* of MvDomainNumaCell*, never NULL */
} MvDomainCpu;

typedef struct {
    MvDomainTimerName name;
    MvDomainTickPolicy tickpolicy;
    MvTristate present;
} MvDomainTimer;

typedef struct {
    MvDomainClockOffset offset;
    gint64 adjustment;            /* variable only, seconds */
    MvDomainClockBasis basis;     /* variable only */
    GArray *timers;               /* of MvDomainTimer, never NULL */
} MvDomainClock;

typedef struct {
    MvDomainOsType type;
    char *arch;                   /* NULL until filled */
    char *machine;                /* canonical after mv_domain_def_fill_defaults() */
    MvDomainBootDev boot[MV_DOMAIN_BOOT_MAX];
    size_t nboot;
    MvTristate bootmenu;
    char *kernel, *initrd, *cmdline;
    char *loader;
    MvDomainLoaderType loader_type;
    MvTristate loader_readonly;
    char *nvram;
} MvDomainOs;

/* Containers (<domain type='lxc'>): what their XML adds, kept apart in MvDomainContainer.
 * conf-domain-lxc.c parses, formats and fills it; the other domain types refuse it. */
typedef struct {
    char *name;
    char *value;
} MvDomainInitEnv;

void mv_domain_init_env_free(MvDomainInitEnv *env);

/* <idmap><uid start= target= count=/>: ids start.. inside are target.. outside. */
typedef struct {
    unsigned start, target, count;
} MvDomainIdRange;

typedef enum {
    MV_DOMAIN_FS_MOUNT,   /* a host directory (source dir=) */
    MV_DOMAIN_FS_RAM,     /* a tmpfs (source usage=) */
    MV_DOMAIN_FS_LAST,
} MvDomainFsType;

typedef struct {
    MvDomainFsType type;
    char *source;         /* mount: the host directory */
    guint64 usage_kib;    /* ram: the size */
    char *target;         /* the directory inside */
    bool readonly;
} MvDomainFs;

void mv_domain_fs_free(MvDomainFs *fs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainFs, mv_domain_fs_free)

/* <features><capabilities policy=>: which capabilities init keeps. */
typedef enum {
    MV_DOMAIN_CAPS_POLICY_DEFAULT,  /* drop the few that reach the host (modules, time, ...) */
    MV_DOMAIN_CAPS_POLICY_ALLOW,    /* keep all but those switched off */
    MV_DOMAIN_CAPS_POLICY_DENY,     /* drop all but those switched on */
    MV_DOMAIN_CAPS_POLICY_LAST,
} MvDomainCapsPolicy;

/* The capabilities <capabilities> may name, in libvirt's (alphabetical) order. */
typedef enum {
    MV_DOMAIN_CAP_AUDIT_CONTROL, MV_DOMAIN_CAP_AUDIT_WRITE, MV_DOMAIN_CAP_BLOCK_SUSPEND,
    MV_DOMAIN_CAP_CHOWN, MV_DOMAIN_CAP_DAC_OVERRIDE, MV_DOMAIN_CAP_DAC_READ_SEARCH,
    MV_DOMAIN_CAP_FOWNER, MV_DOMAIN_CAP_FSETID, MV_DOMAIN_CAP_IPC_LOCK, MV_DOMAIN_CAP_IPC_OWNER,
    MV_DOMAIN_CAP_KILL, MV_DOMAIN_CAP_LEASE, MV_DOMAIN_CAP_LINUX_IMMUTABLE,
    MV_DOMAIN_CAP_MAC_ADMIN, MV_DOMAIN_CAP_MAC_OVERRIDE, MV_DOMAIN_CAP_MKNOD,
    MV_DOMAIN_CAP_NET_ADMIN, MV_DOMAIN_CAP_NET_BIND_SERVICE, MV_DOMAIN_CAP_NET_BROADCAST,
    MV_DOMAIN_CAP_NET_RAW, MV_DOMAIN_CAP_SETGID, MV_DOMAIN_CAP_SETFCAP, MV_DOMAIN_CAP_SETPCAP,
    MV_DOMAIN_CAP_SETUID, MV_DOMAIN_CAP_SYS_ADMIN, MV_DOMAIN_CAP_SYS_BOOT,
    MV_DOMAIN_CAP_SYS_CHROOT, MV_DOMAIN_CAP_SYS_MODULE, MV_DOMAIN_CAP_SYS_NICE,
    MV_DOMAIN_CAP_SYS_PACCT, MV_DOMAIN_CAP_SYS_PTRACE, MV_DOMAIN_CAP_SYS_RAWIO,
    MV_DOMAIN_CAP_SYS_RESOURCE, MV_DOMAIN_CAP_SYS_TIME, MV_DOMAIN_CAP_SYS_TTY_CONFIG,
    MV_DOMAIN_CAP_SYSLOG, MV_DOMAIN_CAP_WAKE_ALARM,
    MV_DOMAIN_CAP_LAST,
} MvDomainCap;

typedef struct {
    char *init;                   /* <os><init>; NULL: absent (the driver picks /sbin/init) */
    GPtrArray *init_args;         /* char*, <initarg> in order; NULL when none */
    GPtrArray *init_env;          /* MvDomainInitEnv*; NULL when none */
    char *init_dir;               /* <initdir> */
    GArray *uid_map, *gid_map;    /* MvDomainIdRange; NULL without <idmap> */
    GPtrArray *filesystems;       /* MvDomainFs*; NULL when none */
    bool caps_present;            /* <capabilities> given */
    MvDomainCapsPolicy caps_policy;
    MvTristate caps[MV_DOMAIN_CAP_LAST];
    char *partition;              /* <resource><partition> */
} MvDomainContainer;

void mv_domain_container_clear(MvDomainContainer *ct);

typedef struct {
    MvDomainVirtType virt_type;
    int id;                       /* read back from live XML (MV_DOMAIN_PARSE_LIVE); else -1 */
    char *name;
    guint8 uuid[MV_UUID_BUFLEN];  /* generated when absent */
    char *title;
    char *description;
    /* The children of <metadata> serialized verbatim, indented as they are formatted
     * (four spaces, nested elements two more); "" for an empty <metadata/>; or NULL. */
    char *metadata;

    guint64 memory_kib;           /* <memory> */
    guint64 current_memory_kib;   /* <currentMemory>; 0 until filled */
    guint64 max_memory_kib;       /* <maxMemory>; 0 when absent */
    unsigned max_memory_slots;

    unsigned vcpus;               /* maximum */
    unsigned current_vcpus;       /* 0: same as vcpus */
    MvDomainVcpuPlacement placement;
    char *cpuset;

    /* <bootloader> and <bootloader_args>: a host program that picks the kernel of a Xen PV
     * guest (pygrub-style) or loads a bhyve guest (bhyveload, grub-bhyve); NULL when absent. */
    char *bootloader;
    char *bootloader_args;
    MvDomainOs os;
    bool features[MV_DOMAIN_FEATURE_LAST];
    MvTristate vmport;
    MvDomainCpu cpu;
    MvDomainClock clock;
    MvDomainLifecycleAction on_poweroff, on_reboot, on_crash;

    char *emulator;
    /* Devices, each array owning its elements; all non-NULL, possibly empty. */
    GPtrArray *disks;             /* MvDomainDisk*, kept grouped by bus, in target order */
    GPtrArray *controllers;       /* MvDomainController* */
    GPtrArray *nets;              /* MvDomainNet* */
    GPtrArray *serials;           /* MvDomainChr* */
    GPtrArray *consoles;          /* MvDomainChr* */
    GPtrArray *inputs;            /* MvDomainInput* */
    GPtrArray *graphics;          /* MvDomainGraphics* */
    GPtrArray *audios;            /* MvDomainAudio* */
    GPtrArray *videos;            /* MvDomainVideo* */
    GPtrArray *watchdogs;         /* MvDomainWatchdog* */
    MvDomainMemballoon *memballoon; /* NULL until filled (then model virtio or none) */
    GPtrArray *rngs;              /* MvDomainRng* */
    MvDomainContainer ct;         /* type='lxc' only */
    GPtrArray *channels;          /* MvDomainChannel* */
    /* <pm>: suspend-to-mem / suspend-to-disk enabled= */
    MvTristate pm_suspend_to_mem, pm_suspend_to_disk;
} MvDomainDef;

MV_ENUM_DECL(mv_tristate_onoff);
MV_ENUM_DECL(mv_tristate_yesno);
MV_ENUM_DECL(mv_domain_virt);
MV_ENUM_DECL(mv_domain_os);
MV_ENUM_DECL(mv_domain_boot);
MV_ENUM_DECL(mv_domain_loader);
MV_ENUM_DECL(mv_domain_feature);
MV_ENUM_DECL(mv_domain_vcpu_placement);
MV_ENUM_DECL(mv_domain_cpu_mode);
MV_ENUM_DECL(mv_domain_cpu_match);
MV_ENUM_DECL(mv_domain_cpu_check);
MV_ENUM_DECL(mv_domain_cpu_fallback);
MV_ENUM_DECL(mv_domain_clock_offset);
MV_ENUM_DECL(mv_domain_clock_basis);
MV_ENUM_DECL(mv_domain_timer);
MV_ENUM_DECL(mv_domain_tickpolicy);
MV_ENUM_DECL(mv_domain_lifecycle);
MV_ENUM_DECL(mv_domain_address);
MV_ENUM_DECL(mv_domain_disk_type);
MV_ENUM_DECL(mv_domain_disk_device);
MV_ENUM_DECL(mv_domain_disk_bus);
MV_ENUM_DECL(mv_domain_disk_format);
MV_ENUM_DECL(mv_domain_disk_cache);
MV_ENUM_DECL(mv_domain_disk_discard);
MV_ENUM_DECL(mv_domain_controller);
MV_ENUM_DECL(mv_domain_usb_model);
MV_ENUM_DECL(mv_domain_scsi_model);
MV_ENUM_DECL(mv_domain_pci_model);
MV_ENUM_DECL(mv_domain_net);
MV_ENUM_DECL(mv_domain_net_model);
MV_ENUM_DECL(mv_domain_chr);
MV_ENUM_DECL(mv_domain_chr_mode);
MV_ENUM_DECL(mv_domain_chr_target);
MV_ENUM_DECL(mv_domain_fs);
MV_ENUM_DECL(mv_domain_caps_policy);
MV_ENUM_DECL(mv_domain_cap);
MV_ENUM_DECL(mv_domain_channel);
MV_ENUM_DECL(mv_domain_input);
MV_ENUM_DECL(mv_domain_input_bus);
MV_ENUM_DECL(mv_domain_graphics);
MV_ENUM_DECL(mv_domain_listen);
MV_ENUM_DECL(mv_domain_video);
MV_ENUM_DECL(mv_domain_memballoon);
MV_ENUM_DECL(mv_domain_watchdog);
MV_ENUM_DECL(mv_domain_watchdog_action);

/* An empty definition: no name, null UUID, every device array empty, lifecycle actions at
 * libvirt's defaults (destroy, restart, destroy), id -1. */
MvDomainDef *mv_domain_def_new(void);
void mv_domain_def_free(MvDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MvDomainDef, mv_domain_def_free)

/* Parse flags. */
typedef enum {
    /* Also read what only live/status XML carries: <domain id=>, device <alias>es, pty
     * paths.  Without it, an <alias> must be a user alias ("ua-..."). */
    MV_DOMAIN_PARSE_LIVE = 1 << 0,
} MvDomainParseFlags;

/* Parse domain XML.  Everything not understood is an error, never dropped: unknown elements
 * and attributes, values outside libvirt's sets, bad units, bad UUIDs or MACs, duplicate
 * disk targets.  A missing UUID is generated, a missing MAC is not (see fill_defaults).
 * Returns a new definition (mv_domain_def_free) or NULL with @error set: MV_FROM_DOMAIN
 * MV_ERR_XML_DETAIL for malformed XML ("(domain_definition):LINE: ..."), MV_ERR_XML_ERROR
 * for bad values (naming element and value), MV_ERR_CONFIG_UNSUPPORTED for things libvirt
 * knows but we do not implement. */
MvDomainDef *mv_domain_def_parse(const char *xml, unsigned flags, GError **error);

/* Format flags. */
typedef enum {
    MV_DOMAIN_FORMAT_INACTIVE = 1 << 0, /* the persistent form: no id, aliases, live paths */
    MV_DOMAIN_FORMAT_SECURE = 1 << 1,   /* include passwords */
} MvDomainFormatFlags;

/* Format @def as libvirt does: two-space indent, single-quoted attributes, newline at the
 * end.  Without MV_DOMAIN_FORMAT_INACTIVE, @id >= 0 is written as <domain id=> and device
 * aliases and live paths appear.  Returns a g_free()able string, or NULL with @error
 * (MV_ERR_INTERNAL_ERROR) when @def is inconsistent (an enum out of range). */
char *mv_domain_def_format(const MvDomainDef *def, unsigned flags, int id, GError **error);

/* A deep copy made by formatting and parsing back (live form, so aliases survive).
 * Returns NULL with @error only if @def does not round-trip, which is a bug. */
MvDomainDef *mv_domain_def_copy(const MvDomainDef *def, GError **error);

/* What the hypervisor driver knows and conf must not look up itself. */
typedef struct {
    const char *emulator;        /* <emulator> when absent; NULL leaves it absent */
    const char *arch;            /* <type arch=> when absent */
    const char *default_machine; /* <type machine=> when absent, canonical ("pc-i440fx-7.2") */
    /* Machine aliases as {alias, canonical, alias, canonical, ..., NULL}; may be NULL.
     * A machine= given as an alias is replaced by its canonical name, as libvirt shows it. */
    const char *const *machine_aliases;
} MvDomainDefaults;

/* Fill in what libvirt fills in at define time for an x86 guest, then check the result:
 * emulator, arch, canonical machine, default CPU (qemu64), currentMemory, vCPU placement,
 * <boot dev='hd'/>, MAC addresses (52:54:00:xx:xx:xx) and NIC model (rtl8139), disk driver,
 * implicit controllers (USB, PCI root, SATA on q35, every index up to the highest one the
 * disks use), PS/2 inputs, audio, memballoon, serial ports (port = highest + 1) and the
 * console mirroring serial 0, a cirrus video device for graphics, drive addresses, PCI
 * addresses (the i440fx and q35 layouts, adding pcie-root-ports, a pcie-to-pci-bridge and a
 * spare root port on q35) and device aliases (kept in the definition, formatted live only).
 * Idempotent: filling a formatted-and-reparsed definition changes nothing.
 * Returns false with @error (MV_FROM_DOMAIN; MV_ERR_CONFIG_UNSUPPORTED for a machine type
 * other than i440fx or q35, IDE on q35, no free PCI slot, ...; MV_ERR_XML_ERROR for
 * conflicts such as two devices on one address or one boot order). */
bool mv_domain_def_fill_defaults(MvDomainDef *def, const MvDomainDefaults *defaults,
                                 GError **error);

/* A container's defaults, as libvirt's LXC driver fills them at define time: arch, vCPU
 * placement, currentMemory, MAC addresses, the console's target (type lxc, port 0; libvirt
 * adds no console when there is none), accessmode of filesystems; @emulator as the
 * <emulator> when absent.  Checks what a container needs to make sense: id maps without
 * overlapping ranges, one root filesystem at most, no VM-only devices.  Returns false with
 * @error (MV_FROM_DOMAIN, MV_ERR_XML_ERROR or MV_ERR_CONFIG_UNSUPPORTED). */
bool mv_domain_def_fill_lxc_defaults(MvDomainDef *def, const char *emulator, GError **error);

/* The host directory a container's root is (<filesystem> with target '/'), or NULL. */
const MvDomainFs *mv_domain_def_root_fs(const MvDomainDef *def);

/* Small helpers shared by the conf files and the drivers. */

/* The disk with target @target, or NULL.  Borrowed. */
MvDomainDisk *mv_domain_def_find_disk(const MvDomainDef *def, const char *target);

/* The controller of @type with @index, or NULL.  Borrowed. */
MvDomainController *mv_domain_def_find_controller(const MvDomainDef *def,
                                                  MvDomainControllerType type, int index);

/* True for a machine type of the q35 family ("q35", "pc-q35-7.2"). */
bool mv_domain_machine_is_q35(const char *machine);

/* True for a machine type of the i440fx family ("pc", "pc-i440fx-7.2"). */
bool mv_domain_machine_is_i440fx(const char *machine);

/* Parse a disk target name ("vda", "hdc", "sdaa") into its prefix length and index
 * ("sdaa": 2 and 26).  Returns -EINVAL when the name is not letters + suffix letters. */
int mv_domain_disk_name_index(const char *name, size_t *ret_prefix_len, unsigned *ret_index);

/* A CPU list ("0-3,^2,8") in libvirt's canonical form ("0-1,3,8"), g_free()able; NULL when
 * malformed or empty. */
char *mv_cpuset_canonical(const char *text);

/* MAC addresses: "52:54:00:ab:cd:ef" form.  Parse returns -EINVAL when malformed. */
int mv_mac_parse(const char *text, guint8 ret_mac[MV_MAC_BUFLEN]);
void mv_mac_format(const guint8 mac[MV_MAC_BUFLEN], char ret_text[MV_MAC_STRING_BUFLEN]);
/* A random MAC in QEMU's locally administered 52:54:00 range. */
void mv_mac_generate(guint8 ret_mac[MV_MAC_BUFLEN]);
