/*
 * The application context handed to every request: configuration, the store,
 * the permission matrix, the session cache and the metrics. One pd_app lives
 * for the whole server process; there are no other globals in the server.
 *
 * Ownership: pd_app_init() allocates the members it creates; pd_app_free()
 * releases them. The store is borrowed (opened and closed by the caller).
 */
#ifndef PD_HTTP_APP_H
#define PD_HTTP_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/org.h"
#include "store/store.h"
#include "util/config.h"

struct pd_metrics;
struct pd_ratecard;
struct pd_goods_list;
struct pd_session_cache;
struct pd_ratelimit;
struct pd_node_cache;
struct pd_notify;
struct pd_desk;
struct pd_ingest;

/* Public tracking: guessing limits per client address (docs/tracking.md). */
#define PD_TRACK_UNKNOWN_PER_10MIN   30     /* look-ups of numbers with no tracking … */
#define PD_TRACK_UNKNOWN_WINDOW_MS   600000 /* … in this window */
#define PD_TRACK_GUESSES_PER_HOUR    5      /* wrong phone_last4 for one number */
#define PD_TRACK_GUESSES_IP_PER_HOUR 20     /* wrong phone_last4 over all numbers */

struct pd_app {
    struct pd_config cfg;
    pd_store *store;             /* borrowed */
    pthread_rwlock_t perms_lock; /* guards perms */
    struct pd_perm_matrix perms; /* loaded from the store at start and after edits */
    struct pd_session_cache *sessions;
    struct pd_metrics *metrics;
    struct pd_ratelimit *login_limit;        /* per-address login attempts */
    struct pd_ratelimit *public_order_limit; /* per-address orders from the public page */
    struct pd_ratecard *ratecards;           /* every version of every card, by code then version */
    int n_ratecards;
    /* prohibited/restricted goods: snapshots of the list in the store, seeded
     * from <data_dir>/prohibited_goods.tsv (http/goods_list.h) */
    struct pd_goods_list *goods;
    /* node code → id, path, name, areas for scans and tracking (http/node_cache.h) */
    struct pd_node_cache *nodes;
    struct pd_ratelimit *track_unknown_limit;  /* per address: unknown numbers looked up */
    struct pd_ratelimit *track_guess_limit;    /* per address and number: wrong phone_last4 */
    struct pd_ratelimit *track_guess_ip_limit; /* per address: wrong phone_last4, any number */
    /* when a public look-up last missed (ms): while none did within the
     * window, no address can be over the enumeration limit, and the hot
     * path skips the limiter's lock */
    _Atomic int64_t track_last_unknown_ms;
    /* webhooks and the SMS/e-mail outbox (http/notify.h): set by `serve`
     * after pd_app_init (pd_notify_start), stopped before pd_app_free;
     * NULL: this process queues no notices (`generate`) */
    struct pd_notify *notify;
    /* the scan writer (http/ingest.h): set by `serve`, stopped after the
     * server; NULL: scan batches run their own transactions */
    struct pd_ingest *ingest;
    /* the service desk: business calendar, public complaint limits (http/desk.h) */
    struct pd_desk *desk;
    atomic_bool shutting_down;
    FILE *access_log; /* NULL = off */
};

/**
 * Prepare the context: copy @p cfg, borrow @p store, load the permission
 * matrix, open the access log.
 * @param[out] err reason on failure (256 bytes).
 */
bool pd_app_init(struct pd_app *app, const struct pd_config *cfg, pd_store *store, char err[256]);
void pd_app_free(struct pd_app *app);

/** Reload the permission matrix from the store. @return false on a database error. */
bool pd_app_reload_perms(struct pd_app *app);

/** Every permission of @p role as a bit mask (bit p = enum pd_perm p); thread-safe. */
uint64_t pd_app_role_bits(struct pd_app *app, enum pd_role role);

/** Whether @p role holds @p perm under the current matrix (thread-safe). */
bool pd_app_role_has(struct pd_app *app, enum pd_role role, enum pd_perm perm);

#endif
