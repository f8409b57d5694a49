/* Argument and configuration handling shared by every command; see cli.h. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "store/migrate.h"
#include "util/log.h"

static bool in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (!strcmp(*list, name))
            return true;
    return false;
}

int pd_cli_parse(struct pd_cli *c, const char *cmd, int argc, char **argv, const char *const *flags,
                 const char *const *switches)
{
    memset(c, 0, sizeof *c);
    c->cmd = cmd;
    pd_config_defaults(&c->cfg);
    char err[256];

    /* --config first: flags override the file, wherever they stand. */
    for (int i = 0; i < argc; i++) {
        const char *path = NULL;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            path = argv[i] + 9;
        if (path && !pd_config_load_file(&c->cfg, path, err)) {
            fprintf(stderr, "parceldesk %s: %s\n", cmd, err);
            return PD_EXIT_USAGE;
        }
    }
    if (!pd_config_load_env(&c->cfg, err)) {
        fprintf(stderr, "parceldesk %s: environment: %s\n", cmd, err);
        return PD_EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (c->npos == 8) {
                fprintf(stderr, "parceldesk %s: too many arguments\n", cmd);
                return PD_EXIT_USAGE;
            }
            c->pos[c->npos++] = a;
            continue;
        }
        char name[64];
        const char *value = NULL;
        const char *eq = strchr(a, '=');
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a - 2 < 63 ? eq - a - 2 : 63), a + 2);
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a + 2);
        }
        if (!strcmp(name, "config")) {
            if (!value)
                i++;
            continue;
        }
        if (in_list(switches, name)) {
            if (value) {
                fprintf(stderr, "parceldesk %s: --%s takes no value\n", cmd, name);
                return PD_EXIT_USAGE;
            }
            value = "";
        } else if (!value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "parceldesk %s: --%s needs a value\n", cmd, name);
                return PD_EXIT_USAGE;
            }
            value = argv[++i];
        }
        if (in_list(flags, name) || in_list(switches, name)) {
            if (c->nflags == 32) {
                fprintf(stderr, "parceldesk %s: too many flags\n", cmd);
                return PD_EXIT_USAGE;
            }
            snprintf(c->names[c->nflags], sizeof c->names[0], "%s", name);
            c->values[c->nflags] = value;
            c->nflags++;
            continue;
        }
        if (!pd_config_set(&c->cfg, name, value, err)) {
            fprintf(stderr, "parceldesk %s: --%s: %s\n", cmd, name, err);
            return PD_EXIT_USAGE;
        }
    }
    enum pd_log_level lvl;
    if (!pd_log_level_parse(c->cfg.log_level, &lvl)) {
        fprintf(stderr, "parceldesk %s: log.level must be debug, info, warn or error\n", cmd);
        return PD_EXIT_USAGE;
    }
    pd_log_set_level(lvl);
    return PD_EXIT_OK;
}

const char *pd_cli_flag(const struct pd_cli *c, const char *name)
{
    for (int i = c->nflags - 1; i >= 0; i--)
        if (!strcmp(c->names[i], name))
            return c->values[i];
    return NULL;
}

const char *pd_cli_need(const struct pd_cli *c, const char *name)
{
    const char *v = pd_cli_flag(c, name);
    if (!v || !*v) {
        fprintf(stderr, "parceldesk %s: --%s is required\n", c->cmd, name);
        return NULL;
    }
    return v;
}

pd_store *pd_cli_open_store(const struct pd_cli *c)
{
    struct pd_store_options o;
    pd_store_options_default(&o);
    o.pool_size = c->cfg.pool_size;
    o.busy_timeout_ms = c->cfg.busy_timeout_ms;
    o.cache_kib = c->cfg.cache_kib;
    char err[256] = "";
    pd_store *st = pd_store_open(c->cfg.db_url, &o, err);
    if (!st)
        fprintf(stderr, "parceldesk %s: cannot open %s: %s\n", c->cmd, c->cfg.db_url, err);
    return st;
}

pd_store *pd_cli_open_migrated(const struct pd_cli *c)
{
    pd_store *st = pd_cli_open_store(c);
    if (!st)
        return NULL;
    pd_db *db = pd_store_acquire(st);
    int v = -1;
    if (db) {
        if (db->ops->schema_version(db, &v) < 0)
            v = -1;
        pd_store_release(st, db);
    }
    int latest = pd_store_latest_version(st);
    if (v != latest) {
        if (v < 0)
            fprintf(stderr, "parceldesk %s: cannot read the schema version of %s\n", c->cmd,
                    c->cfg.db_url);
        else
            fprintf(stderr,
                    "parceldesk %s: database schema is at version %d, this program needs %d: "
                    "run `parceldesk migrate --db %s`\n",
                    c->cmd, v, latest, c->cfg.db_url);
        pd_store_close(st);
        return NULL;
    }
    return st;
}
