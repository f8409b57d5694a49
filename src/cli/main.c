/*
 * `parceldesk`: one binary for the server, the administration commands and
 * the operators' tools. This file only dispatches on the command word.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/crypto.h"

static const char usage[] =
    "usage: parceldesk COMMAND [options]\n"
    "\n"
    "  serve      [--db URL] [--listen HOST:PORT] [--config FILE]   run the HTTP server\n"
    "  migrate    --db URL                                 bring the schema up to date\n"
    "  seed-demo  --db URL [--password P]                  demo network and one user per role\n"
    "  user add   --db URL --username U --role ROLE --node CODE [--display-name N] [--phone P]\n"
    "                                                      (password on stdin)\n"
    "  node add   --db URL --code C --name N --type T [--parent CODE]\n"
    "  node list  --db URL\n"
    "  backup     --db sqlite:PATH --out FILE              online backup of a SQLite database\n"
    "  config     show [--config FILE] [flags]             print the effective configuration\n"
    "  import     orders --db URL FILE [--encoding auto|utf-8|gb18030] [--all-or-nothing]\n"
    "             [--node CODE] [--lang zh|en]             orders from CSV (import orders --help)\n"
    "  generate   --db URL --waybills N [--events-per-waybill K] [--seed S] [--list FILE]\n"
    "                                                      bench/demo waybills with scans\n"
    "  monitor    run --db URL [--now RFC3339]              one round of the stale-parcel job\n"
    "  calendar   due --from RFC3339 (--working-days N | --calendar-days N | --hours N |\n"
    "             --months N | --by-day D | --rule ID) [--region CN]\n"
    "                                                      a deadline on the business calendar\n"
    "  import     queue-log --db URL FILE [--format auto|pipe|csv]   Asterisk queue_log\n"
    "  report     callcenter --db URL --from DATE --to DATE [--queue Q] [--agent A]\n"
    "             [--service-level-s 20] [--format json|csv|xlsx] [--output FILE]\n"
    "  clocks     run --db URL [--now RFC3339]               one round of the ticket clock job\n"
    "  version\n"
    "\n"
    "URL is sqlite:PATH or postgresql://... (libpq). Every setting of the configuration\n"
    "file can also be given as PD_SECTION_KEY in the environment or --section-key here;\n"
    "see docs/operations.md.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return PD_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return PD_EXIT_OK;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        puts("parceldesk " PD_VERSION);
        return PD_EXIT_OK;
    }
    if (!pd_crypto_init()) {
        fputs("parceldesk: cannot initialise libsodium\n", stderr);
        return PD_EXIT_FAIL;
    }
    int rest = argc - 2;
    char **rv = argv + 2;
    if (!strcmp(cmd, "serve"))
        return pd_cmd_serve(rest, rv);
    if (!strcmp(cmd, "migrate"))
        return pd_cmd_migrate(rest, rv);
    if (!strcmp(cmd, "seed-demo"))
        return pd_cmd_seed_demo(rest, rv);
    if (!strcmp(cmd, "user"))
        return pd_cmd_user(rest, rv);
    if (!strcmp(cmd, "node"))
        return pd_cmd_node(rest, rv);
    if (!strcmp(cmd, "backup"))
        return pd_cmd_backup(rest, rv);
    if (!strcmp(cmd, "config"))
        return pd_cmd_config(rest, rv);
    if (!strcmp(cmd, "import") && rest > 0 && !strcmp(rv[0], "queue-log"))
        return pd_cmd_import_queue_log(rest - 1, rv + 1);
    if (!strcmp(cmd, "report"))
        return pd_cmd_report(rest, rv);
    if (!strcmp(cmd, "import"))
        return pd_cmd_import(rest, rv);
    if (!strcmp(cmd, "generate"))
        return pd_cmd_generate(rest, rv);
    if (!strcmp(cmd, "monitor"))
        return pd_cmd_monitor(rest, rv);
    if (!strcmp(cmd, "calendar"))
        return pd_cmd_calendar(rest, rv);
    if (!strcmp(cmd, "clocks"))
        return pd_cmd_clocks(rest, rv);
    fprintf(stderr, "parceldesk: unknown command \"%s\"\n\n%s", cmd, usage);
    return PD_EXIT_USAGE;
}
