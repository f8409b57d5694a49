/*
 * Shared plumbing of the `parceldesk` commands: argument parsing (flags
 * `--name value` or `--name=value`, configuration flags `--section-key`,
 * positional arguments), configuration loading in precedence order, and
 * opening the store. Exit statuses follow CONTRACT.md: 0 success, 2 bad
 * arguments, 1 failure — each with the reason on stderr.
 */
#ifndef PD_CLI_CLI_H
#define PD_CLI_CLI_H

#include <stdbool.h>

#include "store/store.h"
#include "util/config.h"

#define PD_EXIT_OK    0
#define PD_EXIT_FAIL  1
#define PD_EXIT_USAGE 2

struct pd_cli {
    const char *cmd; /* "user add", for messages */
    struct pd_config cfg;
    char names[32][64]; /* command flags given, without the dashes */
    const char *values[32];
    int nflags;
    const char *pos[8]; /* positional arguments */
    int npos;
};

/**
 * Parse @p argv (after the command words). @p flags lists the command's own
 * flags that take a value, @p switches those that take none (both
 * NULL-terminated, may be NULL); any other `--section-key` must be a
 * configuration key. Loads the configuration: defaults < --config FILE <
 * environment < flags.
 * @return PD_EXIT_OK, or PD_EXIT_USAGE after printing the reason.
 */
int pd_cli_parse(struct pd_cli *c, const char *cmd, int argc, char **argv, const char *const *flags,
                 const char *const *switches);

/** Value of a command flag, or NULL. Switches give "". */
const char *pd_cli_flag(const struct pd_cli *c, const char *name);

/** Require a flag; prints "cmd: --name is required" and returns NULL if absent. */
const char *pd_cli_need(const struct pd_cli *c, const char *name);

/** Open c->cfg.db_url; prints the reason and returns NULL on failure. */
pd_store *pd_cli_open_store(const struct pd_cli *c);

/** Open and check that the schema is current; prints and returns NULL otherwise. */
pd_store *pd_cli_open_migrated(const struct pd_cli *c);

/* The commands (cmd_*.c). Each returns an exit status. */
int pd_cmd_serve(int argc, char **argv);
int pd_cmd_migrate(int argc, char **argv);
int pd_cmd_seed_demo(int argc, char **argv);
int pd_cmd_user(int argc, char **argv);
int pd_cmd_node(int argc, char **argv);
int pd_cmd_backup(int argc, char **argv);
int pd_cmd_config(int argc, char **argv);
int pd_cmd_import(int argc, char **argv);
int pd_cmd_generate(int argc, char **argv);
int pd_cmd_monitor(int argc, char **argv); /* cmd_monitor.c: the stale-parcel job, once */
int pd_cmd_calendar(int argc, char **argv);

/* cmd_callcenter.c: `import queue-log` (argv after "import") and `report callcenter`. */
int pd_cmd_import_queue_log(int argc, char **argv);
int pd_cmd_report(int argc, char **argv);

/* cmd_clocks.c: the service desk's clock job, once (issue 5 part A). */
int pd_cmd_clocks(int argc, char **argv);

#endif
