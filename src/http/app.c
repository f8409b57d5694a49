/*
 * The application context: configuration, store, permission matrix, caches,
 * metrics and the access log. The permission matrix is data in the store
 * (table role_permissions); it is loaded into bit masks at start-up and
 * after every edit, so the per-request check is one shift and mask.
 */
#include "http/app.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tariff.h"

#include "http/auth.h"
#include "http/desk.h"
#include "http/goods_list.h"
#include "http/metrics.h"
#include "http/node_cache.h"
#include "http/ratelimit.h"
#include "store/tx.h"
#include "util/log.h"

#define SESSION_CACHE_TTL_MS   5000
#define LOGIN_ATTEMPTS_PER_MIN 30
/* Orders one address may place through the public page in ten minutes. */
#define PUBLIC_ORDERS_PER_10MIN 20

static int on_perm_row(void *cls, const char *role, const char *perm)
{
    struct pd_perm_matrix *m = cls;
    enum pd_role r;
    enum pd_perm p;
    if (!pd_role_parse(role, &r) || !pd_perm_parse(perm, &p)) {
        pd_warn("role_permissions: ignoring unknown pair (%s, %s)", role, perm);
        return 0;
    }
    m->bits[r] |= (uint64_t)1 << p;
    return 0;
}

static pd_qs load_perms(pd_db *db, void *cls)
{
    struct pd_perm_matrix *m = cls;
    memset(m, 0, sizeof *m);
    return db->ops->perm_list(db, on_perm_row, m);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_cards(const void *a, const void *b)
{
    const struct pd_ratecard *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->version > y->version) - (x->version < y->version);
}

/* Every .json file in <data_dir>/ratecards. A card that does not load stops
 * the start: prices must never silently fall back to another card. The
 * cards end up sorted by code and version, so one code's versions are
 * adjacent (what pd_ratecard_pick takes). */
static bool load_ratecards(struct pd_app *app, char err[256])
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/ratecards", app->cfg.data_dir);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, 256, "rate cards: %.200s: %s", dir, strerror(errno));
        return false;
    }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json") && e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);
    bool ok = n > 0;
    if (!ok)
        snprintf(err, 256, "rate cards: no *.json in %.200s", dir);
    app->ratecards = ok ? calloc((size_t)n, sizeof *app->ratecards) : NULL;
    if (ok && !app->ratecards) {
        snprintf(err, 256, "out of memory");
        ok = false;
    }
    for (int i = 0; i < n; i++) {
        if (ok) {
            char path[900];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            json_error_t je;
            json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
            struct pd_ratecard_error re = {{0}, {0}};
            if (!doc) {
                snprintf(err, 256, "rate card %.100s: line %d: %.100s", names[i], je.line, je.text);
                ok = false;
            } else if (pd_ratecard_from_json(doc, &app->ratecards[app->n_ratecards], &re) !=
                       PD_OK) {
                snprintf(err, 256, "rate card %.80s: %.80s: %.80s", names[i], re.path, re.reason);
                ok = false;
            } else {
                app->n_ratecards++;
            }
            json_decref(doc);
        }
        free(names[i]);
    }
    if (ok)
        qsort(app->ratecards, (size_t)app->n_ratecards, sizeof *app->ratecards, cmp_cards);
    return ok;
}

/* The goods list lives in the store; an empty one (a fresh database) is
 * seeded from <data_dir>/prohibited_goods.tsv. A list that cannot be read
 * or built, or a seed that does not parse, stops the start. */
static bool load_goods(struct pd_app *app, char err[256])
{
    char path[600];
    snprintf(path, sizeof path, "%s/prohibited_goods.tsv", app->cfg.data_dir);
    app->goods = pd_goods_list_open(app->store, path, PD_GOODS_CHECK_MS, err);
    return app->goods != NULL;
}

bool pd_app_reload_perms(struct pd_app *app)
{
    struct pd_perm_matrix m;
    if (pd_tx_run(app->store, "load permissions", true, load_perms, &m) < 0)
        return false;
    pthread_rwlock_wrlock(&app->perms_lock);
    app->perms = m;
    pthread_rwlock_unlock(&app->perms_lock);
    return true;
}

uint64_t pd_app_role_bits(struct pd_app *app, enum pd_role role)
{
    if ((unsigned)role >= PD_ROLE__COUNT)
        return 0;
    pthread_rwlock_rdlock(&app->perms_lock);
    uint64_t bits = app->perms.bits[role];
    pthread_rwlock_unlock(&app->perms_lock);
    return bits;
}

bool pd_app_role_has(struct pd_app *app, enum pd_role role, enum pd_perm perm)
{
    if ((unsigned)role >= PD_ROLE__COUNT || (unsigned)perm >= PD_PERM__COUNT)
        return false;
    pthread_rwlock_rdlock(&app->perms_lock);
    bool ok = pd_perm_has(&app->perms, role, perm);
    pthread_rwlock_unlock(&app->perms_lock);
    return ok;
}

bool pd_app_init(struct pd_app *app, const struct pd_config *cfg, pd_store *store, char err[256])
{
    memset(app, 0, sizeof *app);
    app->cfg = *cfg;
    app->store = store;
    atomic_init(&app->shutting_down, false);
    pthread_rwlock_init(&app->perms_lock, NULL);
    app->sessions = pd_session_cache_new(SESSION_CACHE_TTL_MS);
    app->metrics = pd_metrics_new();
    app->login_limit = pd_ratelimit_new(LOGIN_ATTEMPTS_PER_MIN, 60000, 65536);
    app->public_order_limit = pd_ratelimit_new(PUBLIC_ORDERS_PER_10MIN, 600000, 65536);
    app->track_unknown_limit =
        pd_ratelimit_new(PD_TRACK_UNKNOWN_PER_10MIN, PD_TRACK_UNKNOWN_WINDOW_MS, 65536);
    atomic_init(&app->track_last_unknown_ms, 0);
    app->track_guess_limit = pd_ratelimit_new(PD_TRACK_GUESSES_PER_HOUR, 3600000, 65536);
    app->track_guess_ip_limit = pd_ratelimit_new(PD_TRACK_GUESSES_IP_PER_HOUR, 3600000, 65536);
    if (!app->sessions || !app->metrics || !app->login_limit || !app->public_order_limit ||
        !app->track_unknown_limit || !app->track_guess_limit || !app->track_guess_ip_limit) {
        snprintf(err, 256, "out of memory");
        pd_app_free(app);
        return false;
    }
    if (!strcmp(cfg->access_log, "-")) {
        app->access_log = stderr;
    } else if (strcmp(cfg->access_log, "off") != 0) {
        app->access_log = fopen(cfg->access_log, "a");
        if (!app->access_log) {
            snprintf(err, 256, "access log %.200s: %s", cfg->access_log, strerror(errno));
            pd_app_free(app);
            return false;
        }
    }
    if (!load_ratecards(app, err)) {
        pd_app_free(app);
        return false;
    }
    if (!pd_app_reload_perms(app)) {
        snprintf(err, 256, "cannot load the permission matrix (is the database migrated?)");
        pd_app_free(app);
        return false;
    }
    if (!load_goods(app, err)) {
        pd_app_free(app);
        return false;
    }
    if (!(app->nodes = pd_node_cache_open(store, PD_NODE_CHECK_MS, err))) {
        pd_app_free(app);
        return false;
    }
    if (!(app->desk = pd_desk_new(cfg, err))) {
        pd_app_free(app);
        return false;
    }
    return true;
}

void pd_app_free(struct pd_app *app)
{
    pd_session_cache_free(app->sessions);
    pd_metrics_free(app->metrics);
    pd_ratelimit_free(app->login_limit);
    pd_ratelimit_free(app->public_order_limit);
    if (app->access_log && app->access_log != stderr)
        fclose(app->access_log);
    pd_goods_list_free(app->goods);
    app->goods = NULL;
    pd_node_cache_free(app->nodes);
    app->nodes = NULL;
    pd_desk_free(app->desk);
    app->desk = NULL;
    pd_ratelimit_free(app->track_unknown_limit);
    pd_ratelimit_free(app->track_guess_limit);
    pd_ratelimit_free(app->track_guess_ip_limit);
    app->track_unknown_limit = app->track_guess_limit = app->track_guess_ip_limit = NULL;
    free(app->ratecards);
    app->ratecards = NULL;
    app->n_ratecards = 0;
    pthread_rwlock_destroy(&app->perms_lock);
    app->sessions = NULL;
    app->metrics = NULL;
    app->login_limit = NULL;
    app->public_order_limit = NULL;
    app->access_log = NULL;
}
