/* `parceldesk migrate`: run the schema migrations the database lacks. */
#include <stdio.h>

#include "cli/cli.h"
#include "store/migrate.h"

int pd_cmd_migrate(int argc, char **argv)
{
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "migrate", argc, argv, NULL, NULL);
    if (rc)
        return rc;
    pd_store *st = pd_cli_open_store(&c);
    if (!st)
        return PD_EXIT_FAIL;
    char err[256] = "";
    int from = 0, to = 0;
    bool ok = pd_store_migrate(st, &from, &to, err);
    pd_store_close(st);
    if (!ok) {
        fprintf(stderr, "parceldesk migrate: %s\n", err);
        return PD_EXIT_FAIL;
    }
    if (from == to)
        printf("schema is up to date (version %d)\n", to);
    else
        printf("migrated schema from version %d to %d\n", from, to);
    return PD_EXIT_OK;
}
