// SPDX-License-Identifier: LGPL-2.1-or-later
// The modvirt shell: command tables, parsed arguments and the shell state shared by the
// cli-*.c files.  A command is one table row (name, help, options, handler); a group is a
// table of commands listed in cli-commands.c.  The shell speaks only the public API.
#pragma once

#include "modvirt/libvirt.h"

#include <glib.h>
#include <stdbool.h>

typedef enum {
    CLI_OPT_BOOL,    /* --name */
    CLI_OPT_STRING,  /* --name <string>, or positional */
    CLI_OPT_INT,     /* --name <number>, or positional */
    CLI_OPT_DATA,    /* the command's object: <name> positionally, or --name <string> */
} CliOptType;

typedef enum {
    CLI_OPT_REQUIRED = 1 << 0,    /* the command fails to parse without it */
    CLI_OPT_NAMED_ONLY = 1 << 1,  /* never filled from a positional word */
} CliOptFlags;

typedef struct {
    const char *name;
    CliOptType type;
    unsigned flags;    /* CliOptFlags */
    const char *help;
} CliOpt;

/* GError domain of the shell's own errors (the library's come from virGetLastError). */
GQuark cli_error_quark(void);

typedef struct CliCtl CliCtl;
typedef struct CliArgs CliArgs;

/* Run a command.  Returns false with @error set to the shell's own message ("failed to
 * get node information"); the shell prints it, then the library's last error if any. */
typedef bool (*CliHandler)(CliCtl *ctl, const CliArgs *args, GError **error);

typedef enum {
    CLI_CMD_NOCONNECT = 1 << 0,  /* runs without a connection (help, quit, connect) */
    CLI_CMD_QUIT = 1 << 1,       /* ends the shell after it runs */
} CliCmdFlags;

typedef struct {
    const char *name;
    const char *brief;   /* one line for the command lists */
    const char *desc;    /* DESCRIPTION paragraph, or NULL */
    const CliOpt *opts;  /* terminated by a row with a NULL name; NULL for none */
    CliHandler handler;
    unsigned flags;      /* CliCmdFlags */
} CliCmd;

typedef struct {
    const char *name;      /* "Host and Hypervisor" */
    const char *keyword;   /* "host", for `help host` */
    const CliCmd *cmds;    /* terminated by a row with a NULL name */
} CliGroup;

/* Every group, terminated by a row with a NULL name (cli-commands.c). */
extern const CliGroup cli_groups[];
/* The groups' tables, defined by the files that implement them. */
extern const CliCmd cli_domain_cmds[];   /* cli-domain.c */
extern const CliCmd cli_network_cmds[];  /* cli-network.c */
extern const CliCmd cli_monitor_cmds[];  /* cli-monitor.c */
extern const CliCmd cli_event_cmds[];    /* cli-event.c */
extern const CliCmd cli_host_cmds[];
extern const CliCmd cli_native_cmds[];  /* cli-native.c */
extern const CliCmd cli_self_cmds[];
extern const CliCmd cli_storage_cmds[]; /* cli-storage.c */

struct CliCtl {
    char *uri;            /* -c / connect; NULL for the library's default */
    bool readonly;        /* -r */
    bool quiet;           /* -q: no banner, no blank line after each command */
    bool interactive;
    virConnectPtr conn;   /* NULL until a command needs it */
};

/* The command called @name, or NULL. */
const CliCmd *cli_find_cmd(const char *name);
/* The group whose keyword is @keyword, or NULL. */
const CliGroup *cli_find_group(const char *keyword);

/* ---- parsed arguments (cli-parse.c) ---- */

struct CliArgs {
    const CliCmd *cmd;
    GHashTable *values;   /* option name -> value ("" for booleans) */
};

void cli_args_free(CliArgs *args);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliArgs, cli_args_free)

/* True if boolean option @name was given. */
bool cli_args_bool(const CliArgs *args, const char *name);
/* Value of option @name, or NULL when not given.  Borrowed. */
const char *cli_args_string(const CliArgs *args, const char *name);
/* Integer option @name into *ret_value (untouched when not given); false with @error
 * when the value is not a number. */
bool cli_args_int(const CliArgs *args, const char *name, int *ret_value, GError **error);

/* Split a command string into commands: words separated by blanks, 'single' and "double"
 * quotes, backslash escapes, ';' between commands, '#' comments.  Each element of the
 * result is a NULL-terminated word vector (GStrv); empty commands are dropped. */
GPtrArray *cli_split(const char *line, GError **error);

/* Bind the words of one command (@words[0] is its name) to its options.  "--help"
 * anywhere turns into `help <command>`. */
CliArgs *cli_parse_cmd(char **words, GError **error);

/* Parse every command of @line; on the first error nothing is returned, as in virsh. */
GPtrArray *cli_parse_line(const char *line, GError **error);

/* ---- the shell (cli-shell.c) ---- */

/* Make sure @ctl has a connection; false with @error ("failed to connect ..."). */
bool cli_connect(CliCtl *ctl, GError **error);
/* Replace the connection with one to @uri (NULL: the default). */
bool cli_reconnect(CliCtl *ctl, const char *uri, bool readonly, GError **error);
void cli_disconnect(CliCtl *ctl);

/* Run the parsed commands in order until one asks to quit.  Returns the result of the
 * last command run; *ret_quit tells whether a command ended the shell. */
bool cli_run(CliCtl *ctl, GPtrArray *cmds, bool *ret_quit);
/* Run the command given on the command line as @nwords words (NULL-terminated): one word
 * is a command string, several are one command.  Returns the process exit status. */
int cli_batch(CliCtl *ctl, char **words, int nwords);
/* The interactive prompt on stdin.  Returns the process exit status. */
int cli_interactive(CliCtl *ctl);

/* The library's errors, kept as virsh keeps them: every error the library raises is saved
 * (the error handler calls cli_save_lib_error), so freeing objects afterwards, which
 * clears the thread's last error, cannot lose it before the shell prints it. */
void cli_save_lib_error(void);
/* Forget the saved error and the thread's last error (a lookup that falls through to
 * the next form, an ignored failure). */
void cli_reset_lib_error(void);
/* The code of the saved error, VIR_ERR_OK when there is none. */
int cli_lib_error_code(void);
/* Save an error of @code with exactly @fmt as its text, for helpers whose libvirt
 * counterparts raise library errors (virsh prints them after its own line). */
void cli_set_lib_error(int code, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Print on stdout; commands use this for their output. */
void cli_print(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Print @rows (GStrv each, the first the header) as virsh's tables (cli-monitor.c). */
void cli_print_table(GPtrArray *rows);
/* Print "error: <message>" on stderr. */
void cli_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* ---- help (cli-help.c) ---- */

/* The text of `<prog> --help`. */
void cli_usage(const char *prog);
/* `help` with nothing, a group keyword, or a command name. */
bool cli_help(const char *topic, GError **error);
bool cli_cmd_help(CliCtl *ctl, const CliArgs *args, GError **error);

/* ---- domains (cli-domain-util.c) ---- */

/* How a <domain> argument may be resolved, tried in this order as virsh does. */
typedef enum {
    CLI_BY_ID = 1 << 0,
    CLI_BY_UUID = 1 << 1,
    CLI_BY_NAME = 1 << 2,
    CLI_BY_ANY = CLI_BY_ID | CLI_BY_UUID | CLI_BY_NAME,
} CliLookupFlags;

/* The domain @name names: an ID if it is a number, then a UUID, then a name (as @by
 * allows).  NULL with @error "failed to get domain '<name>'" and no library error. */
virDomainPtr cli_domain_lookup(CliCtl *ctl, const char *name, unsigned by, GError **error);
/* The domain of the command's "domain" option; *ret_name (may be NULL) is the text the
 * user gave, which virsh's messages quote. */
virDomainPtr cli_domain_opt(CliCtl *ctl, const CliArgs *args, unsigned by, const char **ret_name,
                            GError **error);
/* virDomainFree keeping the library error (it clears the thread's last error). */
void cli_domain_free(virDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, cli_domain_free)

/* virsh's words for a virDomainState ("shut off") and for a state's reason ("booted"). */
const char *cli_domain_state_str(int state);
const char *cli_domain_reason_str(int state, int reason);
/* The state of @dom (and its reason into *ret_reason when not NULL), from
 * virDomainGetState or, on daemons without it, virDomainGetInfo.  -1 on error. */
int cli_domain_state(virDomainPtr dom, int *ret_reason);

/* False with virsh's error when both options @a and @b were given. */
bool cli_args_exclusive(const CliArgs *args, const char *a, const char *b, GError **error);
/* False with virsh's error when @b was given without @a. */
bool cli_args_require(const CliArgs *args, const char *b, const char *a, GError **error);
/* Unsigned option @name into *ret_value (untouched when not given); virsh's error when it
 * is not a non-negative number. */
bool cli_args_uint(const CliArgs *args, const char *name, unsigned int *ret_value, GError **error);
/* Scaled option @name ("512M", "1GiB"; no suffix means @scale bytes) into *ret_bytes, at
 * most @max; virsh's errors otherwise. */
bool cli_args_scaled(const CliArgs *args, const char *name, unsigned long long scale,
                     unsigned long long max, unsigned long long *ret_bytes, GError **error);
/* The contents of the XML file @path (at most 10 MiB, as virsh reads). */
char *cli_read_file(const char *path, GError **error);

/* ---- the console (cli-console.c) ---- */

bool cli_cmd_console(CliCtl *ctl, const CliArgs *args, GError **error);
extern const CliOpt cli_console_opts[];
/* Attach the terminal to the console @devname (NULL: the first) of @dom as virsh does,
 * after its checks and banner.  @flags are virDomainConsoleFlags. */
bool cli_console_run(CliCtl *ctl, virDomainPtr dom, const char *devname, unsigned int flags, GError **error);
