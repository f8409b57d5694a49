/* `parceldesk config show`: the effective configuration, as INI. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int pd_cmd_config(int argc, char **argv)
{
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "config", argc, argv, NULL, NULL);
    if (rc)
        return rc;
    if (c.npos != 1 || strcmp(c.pos[0], "show") != 0) {
        fprintf(stderr, "parceldesk config: usage: parceldesk config show [--config FILE]\n");
        return PD_EXIT_USAGE;
    }
    pd_config_dump(&c.cfg, stdout);
    return PD_EXIT_OK;
}
