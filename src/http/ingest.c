/*
 * The scan writer (ingest.h): a queue of batch jobs, one thread that takes
 * everything queued of one kind (up to PD_INGEST_GROUP_EVENTS events) into
 * one transaction, a condition variable the waiting requests watch for
 * their job's result, and on SQLite the projector of the scan log with the
 * table of numbers whose events still wait in it.
 */
#include "http/ingest.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/log.h"

#define PD_INGEST_GROUP_EVENTS 8000 /* events in one shared transaction, at most */
#define PROJECT_CHUNK          1024 /* log events read and projected at a time */
/* Events projected in one transaction, at most, and at least (or all the
 * log holds) before it stops for anything. Events for random waybills dirty
 * a page of the tracking rows and one of scans_waybill each; a transaction
 * writes each dirty page once, so its cost is nearly fixed (the pages)
 * until it holds about as many events as those trees have pages. Measured
 * (docs/tracking.md, "The scan log"): a projection's cost per event falls
 * from about 32 µs in transactions of the 250 ms it ran for before (under
 * 10,000 events) to about 25 µs at 32,768; the bare SQLite work of an
 * event, from 27 µs at 10,000 to 9.7 µs at 32,768. Bigger transactions
 * hold the write lock longer: batches and the process's other writers
 * (orders, tickets …) wait up to a projection's length, about a second
 * while the log catches up (p99 per batch 1.4 s in bench/ingest.sh). */
#define PROJECT_TX_MAX 65536
#define PROJECT_MIN    32768
/* Past PROJECT_MIN, a projection ends after its current chunk once it has
 * run PROJECT_YIELD_MS while batches wait, or PROJECT_MAX_MS in any case. */
#define PROJECT_YIELD_MS 20
#define PROJECT_MAX_MS   250
#define IDLE_MS          5         /* no batch for this long: the writer is idle, it projects */
#define STOP_PROJECT_MS  10000     /* pd_ingest_stop projects the log this long, at most */
#define PENDING_MAX      (1 << 22) /* numbers the pending table holds (64 MB), at most */

enum job_kind { JOB_RUN, JOB_APPEND };

struct job {
    enum job_kind kind;
    pd_tx_fn fn; /* JOB_RUN */
    void *cls;
    const struct pd_scan_row *rows; /* JOB_APPEND */
    bool *dup;
    int events;
    pd_qs result;
    bool done;
    struct job *next;
};

/* Numbers with events in the log: open addressing on a 64-bit hash of the
 * number (0 = empty slot), each with the highest log id of its events. Two
 * numbers sharing a hash only make a reader wait for both. */
struct pending {
    uint64_t *key;
    int64_t *id;
    size_t cap, n;    /* cap a power of two, or 0 */
    int64_t overflow; /* the table was full: every number waits for this id */
};

struct pd_ingest {
    pd_store *store;
    long cache_kib;
    pd_ingest_project_fn project; /* NULL: inline (no log) */
    void *project_cls;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;    /* a job was queued, a reader waits, or stop */
    pthread_cond_t settled; /* some jobs are done, or the projection moved on */
    struct job *head, *tail;
    atomic_bool queued; /* head != NULL, for the projection to look at without mu */
    bool stop;
    bool tuned;
    int readers; /* readers waiting for the projection */
    /* The log: ids up to `projected` are projected; `last` is the highest
     * id appended. Written under mu, read without it on the fast path. */
    _Atomic int64_t last, projected;
    int64_t backlog;     /* events in the log (mu) */
    struct pending pend; /* mu */
    /* writer thread only */
    struct pd_scan_row *rows;
    int64_t rows_last;
    int n_rows;
    /* figures (mu) */
    int64_t appended_total, projected_total, settle_timeouts;
};

/* ---- the pending table ---------------------------------------------------------- */

static uint64_t number_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

static void pending_clear(struct pending *p)
{
    if (p->n) {
        memset(p->key, 0, p->cap * sizeof *p->key);
        p->n = 0;
    }
    p->overflow = 0;
}

static bool pending_grow(struct pending *p)
{
    size_t cap = p->cap ? 2 * p->cap : 4096;
    uint64_t *key = calloc(cap, sizeof *key);
    int64_t *id = malloc(cap * sizeof *id);
    if (!key || !id) {
        free(key);
        free(id);
        return false;
    }
    for (size_t i = 0; i < p->cap; i++) {
        if (!p->key[i])
            continue;
        size_t k = p->key[i] & (cap - 1);
        while (key[k])
            k = (k + 1) & (cap - 1);
        key[k] = p->key[i];
        id[k] = p->id[i];
    }
    free(p->key);
    free(p->id);
    p->key = key;
    p->id = id;
    p->cap = cap;
    return true;
}

/* Record that @p no has events up to log id @p id. */
static void pending_put(struct pending *p, const char *no, int64_t id)
{
    if (2 * (p->n + 1) > p->cap && (p->cap >= PENDING_MAX || !pending_grow(p))) {
        p->overflow = id; /* full: every reader waits for this id */
        return;
    }
    uint64_t h = number_hash(no);
    size_t k = h & (p->cap - 1);
    while (p->key[k] && p->key[k] != h)
        k = (k + 1) & (p->cap - 1);
    if (!p->key[k]) {
        p->key[k] = h;
        p->n++;
    }
    p->id[k] = id;
}

static int64_t pending_get(const struct pending *p, const char *no)
{
    int64_t id = p->overflow;
    if (!p->n)
        return id;
    uint64_t h = number_hash(no);
    size_t k = h & (p->cap - 1);
    while (p->key[k]) {
        if (p->key[k] == h)
            return p->id[k] > id ? p->id[k] : id;
        k = (k + 1) & (p->cap - 1);
    }
    return id;
}

/* ---- transactions ----------------------------------------------------------------- */

struct group {
    struct job *first;
    int n;
    int64_t last; /* JOB_APPEND: highest id appended */
};

/* One transaction for the whole group: a job's failure fails the group. */
static pd_qs group_tx(pd_db *db, void *cls)
{
    struct group *g = cls;
    struct job *j = g->first;
    for (int i = 0; i < g->n; i++, j = j->next) {
        pd_qs qs = j->kind == JOB_RUN
                       ? j->fn(db, j->cls)
                       : db->ops->scan_log_append(db, j->rows, j->events, j->dup, &g->last);
        if (qs < 0)
            return qs;
        j->result = qs;
    }
    return PD_QS_ONE;
}

static void tune(struct pd_ingest *ing)
{
    if (ing->tuned || ing->cache_kib <= 0)
        return;
    /* The writer's connection is this thread's: size its cache once. */
    pd_db *db = pd_store_acquire(ing->store);
    if (db) {
        if (db->ops->set_cache_kib(db, ing->cache_kib) < 0)
            pd_warn("ingest: could not size the writer's page cache");
        pd_store_release(ing->store, db);
        ing->tuned = true;
    }
}

/* After the append group @p g committed: the log grew, its numbers wait. */
static void appended(struct pd_ingest *ing, const struct group *g)
{
    pthread_mutex_lock(&ing->mu);
    const struct job *j = g->first;
    for (int i = 0; i < g->n; i++, j = j->next) {
        if (j->result <= 0)
            continue;
        ing->backlog += j->result;
        ing->appended_total += j->result;
        for (int r = 0; r < j->events; r++)
            if (!j->dup[r])
                pending_put(&ing->pend, j->rows[r].waybill_no, g->last);
    }
    if (g->last > atomic_load(&ing->last))
        atomic_store(&ing->last, g->last);
    pthread_mutex_unlock(&ing->mu);
}

static void run_group(struct pd_ingest *ing, struct job *first, int n)
{
    tune(ing);
    struct group g = {first, n, 0};
    pd_qs qs = pd_tx_run(ing->store, "scans.ingest", false, group_tx, &g);
    if (qs >= 0 || n == 1 || qs == PD_QS_SOFT) {
        struct job *j = first;
        for (int i = 0; i < n; i++, j = j->next)
            if (qs < 0)
                j->result = qs;
        if (qs >= 0 && first->kind == JOB_APPEND)
            appended(ing, &g);
        return;
    }
    /* A hard failure of a shared transaction: which batch? Each alone. */
    struct job *j = first;
    for (int i = 0; i < n; i++, j = j->next) {
        struct group one = {j, 1, 0};
        pd_qs q1 = pd_tx_run(ing->store, "scans.ingest", false, group_tx, &one);
        if (q1 < 0)
            j->result = q1;
        else if (j->kind == JOB_APPEND)
            appended(ing, &one);
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- projection ------------------------------------------------------------------- */

static int take_cb(void *cls, int64_t id, const struct pd_scan_row *s)
{
    struct pd_ingest *ing = cls;
    ing->rows[ing->n_rows++] = *s;
    ing->rows_last = id;
    return 0;
}

struct projection {
    struct pd_ingest *ing;
    int64_t from; /* ids above this */
    int max;      /* events, at most */
    int64_t started_ms;
    int64_t upto; /* out: the last id projected (from when none) */
    int events;   /* out */
    bool drained; /* out: the log had no more events */
};

static pd_qs project_tx(pd_db *db, void *cls)
{
    struct projection *p = cls;
    struct pd_ingest *ing = p->ing;
    p->upto = p->from;
    p->events = 0;
    p->drained = false;
    while (p->events < p->max) {
        ing->n_rows = 0;
        int want = p->max - p->events < PROJECT_CHUNK ? p->max - p->events : PROJECT_CHUNK;
        pd_qs qs = db->ops->scan_log_take(db, p->upto, want, take_cb, ing);
        if (qs < 0)
            return qs;
        if (ing->n_rows == 0) {
            p->drained = true;
            break;
        }
        if ((qs = ing->project(ing->project_cls, db, ing->rows, ing->n_rows)) < 0)
            return qs;
        p->upto = ing->rows_last;
        p->events += ing->n_rows;
        if (ing->n_rows < want) {
            p->drained = true;
            break;
        }
        int64_t ran = mono_ms() - p->started_ms;
        if (p->events >= PROJECT_MIN &&
            (ran >= PROJECT_MAX_MS ||
             (ran >= PROJECT_YIELD_MS && atomic_load_explicit(&ing->queued, memory_order_relaxed))))
            break; /* batches wait, or other writers may: let them commit */
    }
    if (p->upto > p->from) {
        pd_qs qs = db->ops->scan_log_trim(db, p->upto);
        if (qs < 0)
            return qs;
    }
    return PD_QS_ONE;
}

/* Project up to @p max events of the log in one transaction (at least
 * PROJECT_MIN, or all there is). @return false when it failed (logged; the
 * events stay in the log for the next try). */
static bool project_some(struct pd_ingest *ing, int max)
{
    tune(ing);
    int64_t last = atomic_load(&ing->last);
    struct projection p = {
        .ing = ing, .from = atomic_load(&ing->projected), .max = max, .started_ms = mono_ms()};
    pd_qs qs = pd_tx_run(ing->store, "scans.project", false, project_tx, &p);
    if (qs < 0) {
        pd_error("ingest: projecting the scan log after id %lld failed; it will be tried again",
                 (long long)p.from);
        return false;
    }
    pthread_mutex_lock(&ing->mu);
    /* Nothing left to take means everything appended before this
     * transaction began is projected (by this writer or by another process). */
    int64_t done = p.drained && last > p.upto ? last : p.upto;
    if (done > atomic_load(&ing->projected))
        atomic_store(&ing->projected, done);
    ing->projected_total += p.events;
    ing->backlog = done >= atomic_load(&ing->last) ? 0 : ing->backlog - p.events;
    if (ing->backlog < 0)
        ing->backlog = 0;
    if (done >= atomic_load(&ing->last))
        pending_clear(&ing->pend);
    pthread_cond_broadcast(&ing->settled);
    pthread_mutex_unlock(&ing->mu);
    return true;
}

/* Project everything appended so far; false when a projection failed or
 * @p deadline_ms (monotonic; 0: none) passed. */
static bool project_all(struct pd_ingest *ing, int64_t deadline_ms)
{
    while (atomic_load(&ing->projected) < atomic_load(&ing->last)) {
        if (!project_some(ing, PROJECT_TX_MAX))
            return false;
        if (deadline_ms && mono_ms() > deadline_ms)
            return false;
    }
    return true;
}

/* ---- the thread ---------------------------------------------------------------------- */

static bool log_waiting(struct pd_ingest *ing)
{
    return ing->project && atomic_load(&ing->projected) < atomic_load(&ing->last);
}

/* Wait up to IDLE_MS for a batch (under mu); true when none came. */
static bool idle_wait(struct pd_ingest *ing)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += IDLE_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!ing->head && !ing->stop && !ing->readers)
        if (pthread_cond_timedwait(&ing->work, &ing->mu, &until) == ETIMEDOUT)
            break;
    return !ing->head && !ing->stop;
}

static void *writer_main(void *arg)
{
    struct pd_ingest *ing = arg;
    pthread_mutex_lock(&ing->mu);
    for (;;) {
        while (!ing->head && !ing->stop && !log_waiting(ing))
            pthread_cond_wait(&ing->work, &ing->mu);
        if (!ing->head) {
            if (ing->stop)
                break;
            /* No batch waits. Devices sending steadily leave the queue
             * empty for the moment their next batch is parsed: wait that
             * moment out, unless a reader waits, before projecting. */
            if (!ing->readers && !idle_wait(ing))
                continue;
            /* Project (a failure is retried after a pause, so that a broken
             * database does not spin this thread). */
            pthread_mutex_unlock(&ing->mu);
            if (!project_some(ing, PROJECT_TX_MAX)) {
                struct timespec pause = {0, 200 * 1000000L};
                nanosleep(&pause, NULL);
            }
            pthread_mutex_lock(&ing->mu);
            continue;
        }
        /* Take a prefix of the queue: at least one job, at most the cap,
         * all of the first job's kind. */
        struct job *first = ing->head, *last = first;
        int n = 1, events = first->events;
        while (last->next && last->next->kind == first->kind &&
               events + last->next->events <= PD_INGEST_GROUP_EVENTS) {
            last = last->next;
            events += last->events;
            n++;
        }
        ing->head = last->next;
        if (!ing->head)
            ing->tail = NULL;
        atomic_store(&ing->queued, ing->head != NULL);
        /* A reader waits for a number, or the log is over its bound: then
         * a projection (PROJECT_MIN events, several groups' worth) runs
         * before the next group, so the log stops growing (back-pressure on
         * the devices). */
        bool urgent = ing->backlog > PD_INGEST_BACKLOG_MAX || ing->readers > 0;
        pthread_mutex_unlock(&ing->mu);
        /* Functions run on scans and the tracking rows: they see the log's
         * events there. A projection that fails fails the group. */
        bool ok = first->kind == JOB_APPEND || !ing->project || project_all(ing, 0);
        if (ok)
            run_group(ing, first, n);
        if (ok && urgent)
            project_some(ing, PROJECT_TX_MAX);
        pthread_mutex_lock(&ing->mu);
        struct job *j = first;
        for (int i = 0; i < n; i++) {
            struct job *next = j->next;
            if (!ok)
                j->result = PD_QS_HARD;
            j->done = true;
            j = next;
        }
        pthread_cond_broadcast(&ing->settled);
    }
    pthread_mutex_unlock(&ing->mu);
    if (ing->project && !project_all(ing, mono_ms() + STOP_PROJECT_MS)) {
        pthread_mutex_lock(&ing->mu);
        long long left = (long long)ing->backlog;
        pthread_mutex_unlock(&ing->mu);
        pd_warn("ingest: stopping with %lld events of the scan log not projected; the next "
                "start projects them",
                left);
    }
    return NULL;
}

/* What a previous run left in the log. */
static bool read_log_state(struct pd_ingest *ing, char err[256])
{
    pd_db *db = pd_store_acquire(ing->store);
    if (!db) {
        snprintf(err, 256, "cannot read the scan log: no database connection");
        return false;
    }
    int64_t count = 0, last = 0;
    pd_qs qs = db->ops->scan_log_state(db, &count, &last);
    pd_store_release(ing->store, db);
    if (qs < 0) {
        snprintf(err, 256, "cannot read the scan log");
        return false;
    }
    atomic_store(&ing->last, last);
    atomic_store(&ing->projected, 0);
    ing->backlog = count;
    /* The numbers of those events are unknown here: every reader waits for them. */
    ing->pend.overflow = count ? last : 0;
    if (count)
        pd_info("ingest: the scan log holds %lld events from before; projecting them",
                (long long)count);
    return true;
}

struct pd_ingest *pd_ingest_start(pd_store *store, long cache_kib, pd_ingest_project_fn project,
                                  void *cls, char err[256])
{
    struct pd_ingest *ing = calloc(1, sizeof *ing);
    if (!ing) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    ing->store = store;
    ing->cache_kib = cache_kib;
    ing->project = project;
    ing->project_cls = cls;
    if (project) {
        ing->rows = malloc(PROJECT_CHUNK * sizeof *ing->rows);
        if (!ing->rows || !read_log_state(ing, err)) {
            if (!ing->rows)
                snprintf(err, 256, "out of memory");
            free(ing->rows);
            free(ing->pend.key);
            free(ing->pend.id);
            free(ing);
            return NULL;
        }
    }
    pthread_mutex_init(&ing->mu, NULL);
    pthread_cond_init(&ing->work, NULL);
    pthread_cond_init(&ing->settled, NULL);
    int e = pthread_create(&ing->thread, NULL, writer_main, ing);
    if (e != 0) {
        snprintf(err, 256, "cannot start the scan writer: %s", strerror(e));
        pthread_mutex_destroy(&ing->mu);
        pthread_cond_destroy(&ing->work);
        pthread_cond_destroy(&ing->settled);
        free(ing->rows);
        free(ing->pend.key);
        free(ing->pend.id);
        free(ing);
        return NULL;
    }
    return ing;
}

void pd_ingest_stop(struct pd_ingest *ing)
{
    if (!ing)
        return;
    pthread_mutex_lock(&ing->mu);
    ing->stop = true;
    pthread_cond_signal(&ing->work);
    pthread_mutex_unlock(&ing->mu);
    pthread_join(ing->thread, NULL);
    pthread_mutex_destroy(&ing->mu);
    pthread_cond_destroy(&ing->work);
    pthread_cond_destroy(&ing->settled);
    free(ing->rows);
    free(ing->pend.key);
    free(ing->pend.id);
    free(ing);
}

bool pd_ingest_deferred(const struct pd_ingest *ing)
{
    return ing && ing->project;
}

static pd_qs submit(struct pd_ingest *ing, struct job *j)
{
    pthread_mutex_lock(&ing->mu);
    if (ing->stop) { /* shutting down: run it here rather than lose it */
        pthread_mutex_unlock(&ing->mu);
        struct group one = {j, 1, 0};
        pd_qs qs = pd_tx_run(ing->store, "scans.ingest", false, group_tx, &one);
        return qs < 0 ? qs : j->result;
    }
    if (ing->tail)
        ing->tail->next = j;
    else
        ing->head = j;
    ing->tail = j;
    atomic_store(&ing->queued, true);
    pthread_cond_signal(&ing->work);
    while (!j->done)
        pthread_cond_wait(&ing->settled, &ing->mu);
    pthread_mutex_unlock(&ing->mu);
    return j->result;
}

pd_qs pd_ingest_run(struct pd_ingest *ing, pd_tx_fn fn, void *cls, int events)
{
    struct job j = {.kind = JOB_RUN, .fn = fn, .cls = cls, .events = events > 0 ? events : 1};
    return submit(ing, &j);
}

pd_qs pd_ingest_append(struct pd_ingest *ing, const struct pd_scan_row *rows, int n, bool *dup)
{
    if (PD_BREAK(ing && ing->project && n > 0 && rows && dup))
        return PD_QS_HARD;
    struct job j = {.kind = JOB_APPEND, .rows = rows, .dup = dup, .events = n};
    return submit(ing, &j);
}

/* Wait until the events of @p no (NULL: all) acknowledged so far are projected. */
static bool settle(struct pd_ingest *ing, const char *no)
{
    if (!ing || !ing->project ||
        atomic_load(&ing->projected) >= atomic_load(&ing->last)) /* the common case */
        return true;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PD_INGEST_SETTLE_MS / 1000;
    until.tv_nsec += (PD_INGEST_SETTLE_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    bool ok = true;
    pthread_mutex_lock(&ing->mu);
    int64_t want = no ? pending_get(&ing->pend, no) : atomic_load(&ing->last);
    if (want > atomic_load(&ing->projected)) {
        ing->readers++;
        pthread_cond_signal(&ing->work);
        while (ok && want > atomic_load(&ing->projected) && !ing->stop)
            ok = pthread_cond_timedwait(&ing->settled, &ing->mu, &until) != ETIMEDOUT;
        ok = want <= atomic_load(&ing->projected);
        ing->readers--;
        if (!ok)
            ing->settle_timeouts++;
    }
    pthread_mutex_unlock(&ing->mu);
    return ok;
}

bool pd_ingest_settle(struct pd_ingest *ing, const char *waybill_no)
{
    return settle(ing, waybill_no ? waybill_no : "");
}

bool pd_ingest_settle_all(struct pd_ingest *ing)
{
    return settle(ing, NULL);
}

void pd_ingest_stats(struct pd_ingest *ing, struct pd_ingest_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!ing || !ing->project)
        return;
    pthread_mutex_lock(&ing->mu);
    out->appended = ing->appended_total;
    out->projected = ing->projected_total;
    out->backlog = ing->backlog;
    out->settle_timeouts = ing->settle_timeouts;
    pthread_mutex_unlock(&ing->mu);
}
