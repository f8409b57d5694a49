/*
 * The server's copy of the network (node_cache.h): snapshots of every node
 * with its service areas, sorted by code for binary search, their reference
 * counts, and the three ways a snapshot is replaced — at once after a change
 * in this process, lazily once the check interval has passed, and when a
 * code is missing (a node another server just created). It is not the
 * network's storage (the store's org and areas files) and it decides nothing about
 * scope; callers compare paths.
 *
 * Invariants (as in goods_list.c, whose discipline this copies):
 *  1. nc->cur is never NULL after open and holds one reference to its
 *     snapshot; every snapshot handed out holds one more.
 *  2. nc->cur changes only under nc->mu, and a reference is taken only under
 *     nc->mu while the snapshot is current, so whoever drops the last
 *     reference of a replaced snapshot frees it, outside any lock.
 *  3. One reload at a time (nc->load_mu), so snapshots are installed in the
 *     order they were read and never go back in time. The lazy and the
 *     missing-code reloads only try-lock it: a request never waits for
 *     another's reload.
 */
#include "http/node_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/tx.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MISSING_MIN_AGE_US 1000000 /* a missing code reloads a snapshot older than this */

struct pd_node_snapshot {
    atomic_int refs;
    int64_t loaded_us;           /* monotonic time the snapshot was read */
    struct pd_node_entry *nodes; /* sorted by code */
    size_t n;
    char (*areas)[8]; /* every node's areas; the entries point into it */
    size_t n_areas;
};

struct pd_node_cache {
    pd_store *store;
    int64_t check_us;
    pthread_mutex_t mu; /* guards cur; held only for pointer work */
    struct pd_node_snapshot *cur;
    /* when the next look at the stamp is due: claimed by one thread with a
     * compare-and-swap, so that the hot path takes the mutex once */
    _Atomic int64_t next_check_us;
    pthread_mutex_t load_mu; /* one reload at a time */
};

static void snap_free(struct pd_node_snapshot *s)
{
    if (!s)
        return;
    free(s->nodes);
    free(s->areas);
    free(s);
}

static void snap_unref(const struct pd_node_snapshot *cs)
{
    struct pd_node_snapshot *s = (struct pd_node_snapshot *)cs;
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snap_free(s);
}

/* ---- reading the store ---------------------------------------------------- */

struct load {
    struct pd_node_snapshot *s;
    size_t cap_nodes, cap_areas;
    size_t *area_start; /* per node, index into s->areas (pointers are set at the end) */
    size_t cur;         /* node whose areas are being read */
    bool oom;
};

static int on_node(void *cls, const struct pd_node *n)
{
    struct load *l = cls;
    struct pd_node_snapshot *s = l->s;
    if (s->n == l->cap_nodes) {
        size_t cap = l->cap_nodes ? 2 * l->cap_nodes : 64;
        struct pd_node_entry *nodes = realloc(s->nodes, cap * sizeof *nodes);
        size_t *start = realloc(l->area_start, cap * sizeof *start);
        if (nodes)
            s->nodes = nodes;
        if (start)
            l->area_start = start;
        if (!nodes || !start) {
            l->oom = true;
            return PD_QS_HARD;
        }
        l->cap_nodes = cap;
    }
    struct pd_node_entry *e = &s->nodes[s->n];
    memset(e, 0, sizeof *e);
    e->id = n->id;
    memcpy(e->code, n->code, sizeof e->code);
    memcpy(e->name, n->name, sizeof e->name);
    memcpy(e->path, n->path, sizeof e->path);
    e->code[sizeof e->code - 1] = e->name[sizeof e->name - 1] = e->path[sizeof e->path - 1] = '\0';
    e->type = n->type;
    e->active = n->active;
    s->n++;
    return 0;
}

static int on_area(void *cls, const char *division)
{
    struct load *l = cls;
    struct pd_node_snapshot *s = l->s;
    if (s->n_areas == l->cap_areas) {
        size_t cap = l->cap_areas ? 2 * l->cap_areas : 64;
        char(*areas)[8] = realloc(s->areas, cap * sizeof *areas);
        if (!areas) {
            l->oom = true;
            return PD_QS_HARD;
        }
        s->areas = areas;
        l->cap_areas = cap;
    }
    snprintf(s->areas[s->n_areas], sizeof s->areas[0], "%s", division ? division : "");
    s->n_areas++;
    s->nodes[l->cur].n_areas++;
    return 0;
}

static void load_clear(struct load *l)
{
    snap_free(l->s);
    free(l->area_start);
    memset(l, 0, sizeof *l);
}

/* Every node, then the areas of each. Runs in pd_tx_run or on a bare
 * connection; either way it may run again, so it starts from nothing. */
static pd_qs read_nodes(pd_db *db, void *cls)
{
    struct load *l = cls;
    load_clear(l);
    if (!(l->s = calloc(1, sizeof *l->s))) {
        l->oom = true;
        return PD_QS_HARD;
    }
    pd_qs qs = db->ops->node_list(db, "/", on_node, l);
    for (size_t i = 0; qs >= 0 && i < l->s->n; i++) {
        l->cur = i;
        l->area_start[i] = l->s->n_areas;
        qs = db->ops->node_areas_list(db, l->s->nodes[i].id, on_area, l);
    }
    return qs < 0 ? qs : PD_QS_ONE;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct pd_node_entry *)a)->code, ((const struct pd_node_entry *)b)->code);
}

/* With nc->load_mu held: read (in a transaction of its own when @p in_tx)
 * and install. */
static bool reload_locked(struct pd_node_cache *nc, bool in_tx)
{
    struct load l = {0};
    pd_qs qs;
    if (in_tx) {
        qs = pd_tx_run(nc->store, "node cache", true, read_nodes, &l);
    } else {
        pd_db *db = pd_store_acquire(nc->store);
        qs = db ? read_nodes(db, &l) : PD_QS_HARD;
        if (db)
            pd_store_release(nc->store, db);
    }
    if (qs < 0 || l.oom || !l.s) {
        pd_warn("node cache: cannot read the nodes%s; keeping the snapshot in use",
                l.oom ? " (out of memory)" : "");
        load_clear(&l);
        return false;
    }
    struct pd_node_snapshot *s = l.s;
    for (size_t i = 0; i < s->n; i++)
        s->nodes[i].areas = (const char(*)[8])(s->areas ? s->areas + l.area_start[i] : NULL);
    if (s->n) /* a fresh database has no node yet */
        qsort(s->nodes, s->n, sizeof *s->nodes, cmp_code);
    s->loaded_us = pd_mono_us();
    atomic_init(&s->refs, 1);
    l.s = NULL;
    load_clear(&l);

    pthread_mutex_lock(&nc->mu);
    struct pd_node_snapshot *old = nc->cur;
    nc->cur = s;
    atomic_store(&nc->next_check_us, s->loaded_us + nc->check_us);
    pthread_mutex_unlock(&nc->mu);
    snap_unref(old);
    pd_debug("node cache: %zu nodes, %zu areas", s->n, s->n_areas);
    return true;
}

bool pd_node_cache_reload(struct pd_node_cache *nc)
{
    pthread_mutex_lock(&nc->load_mu);
    bool ok = reload_locked(nc, true);
    pthread_mutex_unlock(&nc->load_mu);
    return ok;
}

bool pd_node_cache_refresh_missing(struct pd_node_cache *nc)
{
    if (!nc)
        return false;
    pthread_mutex_lock(&nc->mu);
    bool young = pd_mono_us() - nc->cur->loaded_us < MISSING_MIN_AGE_US;
    pthread_mutex_unlock(&nc->mu);
    if (young || pthread_mutex_trylock(&nc->load_mu) != 0)
        return false;
    bool ok = reload_locked(nc, false);
    pthread_mutex_unlock(&nc->load_mu);
    return ok;
}

/* ---- snapshots ------------------------------------------------------------ */

const struct pd_node_snapshot *pd_node_cache_acquire(struct pd_node_cache *nc)
{
    if (!nc)
        return NULL; /* an application context without a cache knows no node */
    int64_t now = pd_mono_us();
    int64_t due = atomic_load_explicit(&nc->next_check_us, memory_order_relaxed);
    /* this thread claims the interval; others go on with the snapshot they have */
    bool check =
        now >= due && atomic_compare_exchange_strong(&nc->next_check_us, &due, now + nc->check_us);
    /* The caller may be inside its own transaction: read on a bare
     * connection, never through pd_tx_run (invariant 3 for the lock). */
    if (check && pthread_mutex_trylock(&nc->load_mu) == 0) {
        reload_locked(nc, false);
        pthread_mutex_unlock(&nc->load_mu);
    }
    pthread_mutex_lock(&nc->mu);
    struct pd_node_snapshot *s = nc->cur;
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&nc->mu);
    return s;
}

void pd_node_cache_release(struct pd_node_cache *nc, const struct pd_node_snapshot *s)
{
    (void)nc;
    snap_unref(s);
}

const struct pd_node_entry *pd_node_snapshot_find(const struct pd_node_snapshot *s,
                                                  const char *code)
{
    if (!s || !code || !*code)
        return NULL;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, s->nodes[mid].code);
        if (c == 0)
            return &s->nodes[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t pd_node_snapshot_size(const struct pd_node_snapshot *s)
{
    return s ? s->n : 0;
}

static bool digits(const char *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] < '0' || a[i] > '9')
            return false;
    return a[n] == '\0';
}

bool pd_node_serves_city(const struct pd_node_entry *n, int32_t city)
{
    if (!n || city < 1000 || city > 9999)
        return false;
    int32_t province = city / 100;
    bool municipality = province == 11 || province == 12 || province == 31 || province == 50;
    for (int i = 0; i < n->n_areas; i++) {
        const char *a = n->areas[i];
        size_t len = strlen(a);
        if ((len == 4 || len == 6) && digits(a, len)) {
            int32_t c = (a[0] - '0') * 1000 + (a[1] - '0') * 100 + (a[2] - '0') * 10 + (a[3] - '0');
            if (c == city)
                return true;
        } else if (len == 2 && digits(a, 2) && municipality &&
                   (a[0] - '0') * 10 + (a[1] - '0') == province) {
            return true;
        }
    }
    return false;
}

/* ---- life cycle ----------------------------------------------------------- */

struct pd_node_cache *pd_node_cache_open(pd_store *store, int64_t check_ms, char err[256])
{
    struct pd_node_cache *nc = calloc(1, sizeof *nc);
    if (!nc) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    nc->store = store;
    nc->check_us = check_ms * 1000;
    pthread_mutex_init(&nc->mu, NULL);
    pthread_mutex_init(&nc->load_mu, NULL);
    if (!pd_node_cache_reload(nc) || !nc->cur) {
        snprintf(err, 256, "cannot load the network nodes from the database (is it migrated?)");
        pd_node_cache_free(nc);
        return NULL;
    }
    return nc;
}

void pd_node_cache_free(struct pd_node_cache *nc)
{
    if (!nc)
        return;
    if (nc->cur && atomic_load(&nc->cur->refs) != 1)
        pd_error("node cache: freed with %d snapshots outstanding",
                 atomic_load(&nc->cur->refs) - 1);
    snap_unref(nc->cur);
    pthread_mutex_destroy(&nc->mu);
    pthread_mutex_destroy(&nc->load_mu);
    free(nc);
}
