/* `parceldesk backup`: consistent copy of a running SQLite database. */
#include <stdio.h>

#include "cli/cli.h"
#include "store/backup.h"

int pd_cmd_backup(int argc, char **argv)
{
    static const char *const flags[] = {"out", NULL};
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "backup", argc, argv, flags, NULL);
    if (rc)
        return rc;
    const char *out = pd_cli_need(&c, "out");
    if (!out)
        return PD_EXIT_USAGE;
    char err[256];
    if (!pd_store_backup(c.cfg.db_url, out, err)) {
        fprintf(stderr, "parceldesk backup: %s\n", err);
        return PD_EXIT_FAIL;
    }
    printf("backed up %s to %s\n", c.cfg.db_url, out);
    return PD_EXIT_OK;
}
