/*
 * The SQLite backend's connections, transactions and schema operations, the
 * shared statement helpers, and its operations table.
 *
 * Connections: one per thread. A thread's first pd_store_acquire() opens a
 * connection (or adopts one left by a thread that has exited) and binds it
 * to the thread through a pthread key; later acquires return the same one.
 * When the thread exits the key's destructor puts the connection on the free
 * list instead of closing it, so a server whose worker threads come and go
 * does not reopen the file each time. close() closes every connection.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. In WAL mode NORMAL
 * syncs the WAL at checkpoints rather than at every commit: a committed
 * transaction survives a crash of the application (the WAL is in the OS page
 * cache) and the database is never corrupted; only a power loss or kernel
 * crash can lose the last transactions. That is the trade-off SQLite itself
 * recommends for WAL and what the embedded default is for; PostgreSQL is the
 * answer when that is not enough.
 *
 * Checkpoints: not in the committing writer. SQLite's default runs a
 * checkpoint inside the commit that takes the WAL past 1,000 pages, and
 * with synchronous=NORMAL a checkpoint fsyncs the WAL and the database:
 * under sustained scan ingestion (every batch writes ~1,000 pages) that put
 * an fsync into nearly every commit, and the one writer waited on the disk
 * (profile: 18 % of the server's time under fsync). Every connection
 * therefore replaces the automatic checkpoint with a hook that only counts
 * WAL frames and wakes a checkpoint thread with a connection of its own,
 * which runs PASSIVE checkpoints (they never block readers or the writer)
 * when the WAL passes PD_SQ_CKPT_FRAMES and once a second otherwise. If
 * the WAL still grows past PD_SQ_WAL_MAX_FRAMES (readers kept old frames in
 * use), the thread runs one RESTART checkpoint, which makes writers wait
 * until the WAL can start again from its beginning, so the file stays
 * bounded.
 *
 * Locking: writers begin with BEGIN IMMEDIATE, taking the write lock up front,
 * so a transaction never fails half-way trying to upgrade a read lock (the
 * "deadlock upgrade" SQLITE_BUSY that no busy timeout can resolve). Readers
 * use a deferred BEGIN and, under WAL, never wait for writers.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

struct sq_store {
    struct pd_store base;
    struct pd_store_options opt;
    char path[512];
    pthread_key_t key; /* the calling thread's connection */
    /* Writers of this process take turns here before BEGIN IMMEDIATE: a
     * mutex hands the write lock over in microseconds, where SQLite's busy
     * handler sleeps in steps of up to 100 ms (measured: p99 of order
     * creation 138 ms with 16 clients). Other processes still meet the busy
     * timeout. */
    pthread_mutex_t write_mu;
    /* the checkpoint thread (see the top of this file) */
    pthread_t ckpt_thread;
    bool ckpt_started;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    bool ckpt_stop;  /* guarded by ckpt_mu */
    int ckpt_frames; /* WAL frames at the last commit; guarded by ckpt_mu */
    long long ckpt_runs, ckpt_restarts;
    pthread_mutex_t mu;            /* guards everything below but the counters */
    struct pd__sq_conn *all;       /* every connection, for close() */
    struct pd__sq_conn *free_list; /* connections of exited threads */
    int nconns;
    /* Counted without the mutex: every request acquires and releases its
     * thread's connection, and a mutex all pool threads take twice per
     * public look-up was contended for nothing but these figures. */
    atomic_int in_use;
    atomic_llong acquired_total;
};

static const struct pd_store_ops sqlite_ops;

#define PD_SQ_CKPT_FRAMES    4096   /* ~16 MB of WAL: time for a checkpoint */
#define PD_SQ_WAL_MAX_FRAMES 131072 /* ~512 MB: make the WAL start again */

/* ---- statement helpers ------------------------------------------------ */

pd_qs pd__sq_fail(struct pd__sq_conn *c, int rc, const char *what)
{
    int prim = rc & 0xFF;
    snprintf(c->err, sizeof c->err, "%s: %s (%d)", what, sqlite3_errmsg(c->h), rc);
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        pd_debug("sqlite: %s", c->err);
        return PD_QS_SOFT;
    }
    pd_warn("sqlite: %s", c->err);
    return PD_QS_HARD;
}

sqlite3_stmt *pd__sq_prep(struct pd__sq_conn *c, enum pd_sq_stmt id, const char *sql)
{
    if (c->stmt[id])
        return c->stmt[id];
    /* PERSISTENT: these statements live as long as the connection. */
    int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id], NULL);
    if (rc != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "prepare %d: %s", (int)id, sqlite3_errmsg(c->h));
        pd_error("sqlite: %s", c->err);
        c->stmt[id] = NULL;
        return NULL;
    }
    return c->stmt[id];
}

void pd__sq_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

pd_qs pd__sq_exec(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ;
    pd_qs qs = rc == SQLITE_DONE ? (pd_qs)sqlite3_changes(c->h) : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

void pd__sq_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

void pd__sq_opt(sqlite3_stmt *s, int i, const char *v)
{
    pd__sq_text(s, i, v && *v ? v : NULL);
}

void pd__sq_i64(sqlite3_stmt *s, int i, int64_t v)
{
    sqlite3_bind_int64(s, i, v);
}

void pd__sq_col(sqlite3_stmt *s, int i, char *dst, size_t cap)
{
    /* Through the blob accessor: sqlite3_column_text must end a value that
     * lies in a database page with a NUL, which copies it into an allocation
     * of its own first (nine per tracking row on the public look-up). The
     * bytes are the same, the database being UTF-8; the copy stops at an
     * embedded NUL as the text accessor's string would. */
    const char *p = sqlite3_column_blob(s, i);
    size_t n = p ? (size_t)sqlite3_column_bytes(s, i) : 0;
    const char *nul = n ? memchr(p, '\0', n) : NULL;
    if (nul)
        n = (size_t)(nul - p);
    if (cap == 0)
        return;
    if (n >= cap) {
        n = cap - 1;
        /* Back up over continuation bytes so no character is cut in half. */
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

const char *pd__sqlite_last_error(pd_db *db)
{
    return ((struct pd__sq_conn *)db)->err;
}

/* ---- connections ------------------------------------------------------ */

static void conn_free(struct pd__sq_conn *c)
{
    for (int i = 0; i < PD_SQ__COUNT; i++)
        sqlite3_finalize(c->stmt[i]);
    sqlite3_close_v2(c->h);
    free(c);
}

/* sqlite3_wal_hook: called after every commit with the WAL's frame count. */
static int on_wal_commit(void *arg, sqlite3 *h, const char *db_name, int frames)
{
    struct sq_store *st = arg;
    if (!st->ckpt_started) { /* no thread: checkpoint here, as SQLite would */
        if (frames >= 1000)
            sqlite3_wal_checkpoint_v2(h, db_name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    pthread_mutex_lock(&st->ckpt_mu);
    st->ckpt_frames = frames;
    if (frames >= PD_SQ_CKPT_FRAMES)
        pthread_cond_signal(&st->ckpt_cv);
    pthread_mutex_unlock(&st->ckpt_mu);
    return SQLITE_OK;
}

static struct pd__sq_conn *conn_open(struct sq_store *st, char err[256]);

static void *checkpoint_main(void *arg)
{
    struct sq_store *st = arg;
    char err[256];
    struct pd__sq_conn *c = conn_open(st, err);
    if (!c) {
        pd_error("sqlite: the checkpoint thread cannot open the database: %s", err);
        return NULL;
    }
    pthread_mutex_lock(&st->ckpt_mu);
    while (!st->ckpt_stop) {
        if (st->ckpt_frames < PD_SQ_CKPT_FRAMES) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&st->ckpt_cv, &st->ckpt_mu, &until);
            if (st->ckpt_stop)
                break;
        }
        int frames = st->ckpt_frames;
        st->ckpt_frames = 0;
        pthread_mutex_unlock(&st->ckpt_mu);
        if (frames > 0) {
            int log = 0, done = 0;
            int mode = frames >= PD_SQ_WAL_MAX_FRAMES ? SQLITE_CHECKPOINT_RESTART
                                                      : SQLITE_CHECKPOINT_PASSIVE;
            int rc = sqlite3_wal_checkpoint_v2(c->h, "main", mode, &log, &done);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
                pd_warn("sqlite: checkpoint: %s (%d)", sqlite3_errmsg(c->h), rc);
            pthread_mutex_lock(&st->mu);
            st->ckpt_runs++;
            st->ckpt_restarts += mode == SQLITE_CHECKPOINT_RESTART;
            pthread_mutex_unlock(&st->mu);
        }
        pthread_mutex_lock(&st->ckpt_mu);
    }
    pthread_mutex_unlock(&st->ckpt_mu);
    conn_free(c);
    return NULL;
}

static struct pd__sq_conn *conn_open(struct sq_store *st, char err[256])
{
    struct pd__sq_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    c->base.ops = &sqlite_ops;
    c->base.store = &st->base;
    /* NOMUTEX: a connection is only ever used by one thread at a time. */
    int rc = sqlite3_open_v2(
        st->path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, 256, "cannot open SQLite database %.120s: %.100s", st->path,
                 c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
        conn_free(c);
        return NULL;
    }
    sqlite3_extended_result_codes(c->h, 1);
    /* The busy timeout first: switching to WAL needs a lock another process
     * may hold. PRAGMAs take no bound parameters; the values are integers
     * from validated options, never text from outside. */
    sqlite3_busy_timeout(c->h, st->opt.busy_timeout_ms);
    char pragmas[512];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
             "PRAGMA cache_size=-%ld; PRAGMA mmap_size=%ld; PRAGMA temp_store=MEMORY;",
             st->opt.cache_kib, st->opt.mmap_bytes);
    char *msg = NULL;
    rc = sqlite3_exec(c->h, pragmas, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, 256, "cannot set up SQLite database %.120s: %.100s", st->path,
                 msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        conn_free(c);
        return NULL;
    }
    /* Replaces the automatic checkpoint (sqlite3_wal_autocheckpoint is this
     * same hook): commits only count, the checkpoint thread checkpoints. */
    sqlite3_wal_hook(c->h, on_wal_commit, st);
    return c;
}

/* pthread key destructor: the owning thread is exiting. */
static void on_thread_exit(void *p)
{
    struct pd__sq_conn *c = p;
    struct sq_store *st = (struct sq_store *)c->base.store;
    if (!sqlite3_get_autocommit(c->h))
        sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
    if (c->depth > 0)
        atomic_fetch_sub_explicit(&st->in_use, 1, memory_order_relaxed);
    c->depth = 0;
    pthread_mutex_lock(&st->mu);
    c->next_free = st->free_list;
    st->free_list = c;
    pthread_mutex_unlock(&st->mu);
}

static pd_db *sq_acquire(pd_store *base)
{
    struct sq_store *st = (struct sq_store *)base;
    struct pd__sq_conn *c = pthread_getspecific(st->key);
    if (!c) {
        pthread_mutex_lock(&st->mu);
        c = st->free_list;
        if (c)
            st->free_list = c->next_free;
        pthread_mutex_unlock(&st->mu);
        if (!c) {
            char err[256];
            c = conn_open(st, err);
            if (!c) {
                pd_error("sqlite: %s", err);
                return NULL;
            }
            pthread_mutex_lock(&st->mu);
            c->next_all = st->all;
            st->all = c;
            st->nconns++;
            pthread_mutex_unlock(&st->mu);
        }
        c->next_free = NULL;
        pthread_setspecific(st->key, c);
    }
    /* depth belongs to the owning thread: no lock for it */
    if (c->depth++ == 0)
        atomic_fetch_add_explicit(&st->in_use, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->acquired_total, 1, memory_order_relaxed);
    return &c->base;
}

static void sq_release(pd_store *base, pd_db *db)
{
    struct sq_store *st = (struct sq_store *)base;
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    if (PD_BREAK(c->depth > 0))
        return;
    /* A transaction still open here is a bug above; never let it leak into
     * the thread's next request. */
    if (c->depth == 1 && !sqlite3_get_autocommit(c->h)) {
        pd_error("sqlite: connection released inside a transaction; rolling back");
        sqlite3_exec(c->h, "ROLLBACK", NULL, NULL, NULL);
    }
    if (--c->depth == 0)
        atomic_fetch_sub_explicit(&st->in_use, 1, memory_order_relaxed);
}

static void sq_stats(pd_store *base, struct pd_store_stats *out)
{
    struct sq_store *st = (struct sq_store *)base;
    pthread_mutex_lock(&st->mu);
    out->pool_size = st->nconns;
    out->in_use = atomic_load_explicit(&st->in_use, memory_order_relaxed);
    out->waiting = 0;
    out->acquired_total = atomic_load_explicit(&st->acquired_total, memory_order_relaxed);
    out->timeouts_total = 0;
    pthread_mutex_unlock(&st->mu);
}

static void sq_close(pd_store *base)
{
    struct sq_store *st = (struct sq_store *)base;
    if (st->ckpt_started) {
        pthread_mutex_lock(&st->ckpt_mu);
        st->ckpt_stop = true;
        pthread_cond_signal(&st->ckpt_cv);
        pthread_mutex_unlock(&st->ckpt_mu);
        pthread_join(st->ckpt_thread, NULL);
    }
    /* Deleting the key first means no exiting thread touches the store
     * while it is being freed. */
    pthread_key_delete(st->key);
    struct pd__sq_conn *c = st->all;
    while (c) {
        struct pd__sq_conn *next = c->next_all;
        conn_free(c);
        c = next;
    }
    pthread_mutex_destroy(&st->mu);
    pthread_mutex_destroy(&st->write_mu);
    pthread_mutex_destroy(&st->ckpt_mu);
    pthread_cond_destroy(&st->ckpt_cv);
    free(st);
}

/* SQLite's memory statistics take one process-wide mutex around every
 * allocation it makes, and Debian's build has no lookaside, so every small
 * one — several per statement — crossed it: on the public look-up that
 * mutex was most of the futex calls of the pool threads. Nothing here reads
 * the statistics. The setting must come before SQLite initialises itself;
 * if something in the process was earlier, SQLite refuses it and keeps its
 * default, which is only slower. (Under the scan projection the same mutex
 * was 5 % of the writer's time.) */
static pthread_once_t sq_config_once = PTHREAD_ONCE_INIT;

static void sq_config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

pd_store *pd__sqlite_open(const char *path, const struct pd_store_options *opts, char err[256])
{
    pthread_once(&sq_config_once, sq_config);
    struct sq_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    st->base.ops = &sqlite_ops;
    st->opt = *opts;
    snprintf(st->path, sizeof st->path, "%s", path);
    int e = pthread_key_create(&st->key, on_thread_exit);
    if (e != 0) {
        snprintf(err, 256, "cannot create a thread key: %s", strerror(e));
        free(st);
        return NULL;
    }
    pthread_mutex_init(&st->mu, NULL);
    pthread_mutex_init(&st->write_mu, NULL);
    pthread_mutex_init(&st->ckpt_mu, NULL);
    pthread_cond_init(&st->ckpt_cv, NULL);
    /* Open one connection now so a bad path fails here, with its reason,
     * rather than at the first request. It waits on the free list for the
     * first thread that acquires. */
    struct pd__sq_conn *c = conn_open(st, err);
    if (!c) {
        pthread_key_delete(st->key);
        pthread_mutex_destroy(&st->mu);
        pthread_mutex_destroy(&st->write_mu);
        pthread_mutex_destroy(&st->ckpt_mu);
        pthread_cond_destroy(&st->ckpt_cv);
        free(st);
        return NULL;
    }
    st->all = st->free_list = c;
    st->nconns = 1;
    /* Without the thread the WAL would only be checkpointed when the last
     * connection closes: a process that cannot start one checkpoints the
     * old way, in its commits. */
    int e2 = pthread_create(&st->ckpt_thread, NULL, checkpoint_main, st);
    if (e2 == 0) {
        st->ckpt_started = true;
    } else {
        pd_warn("sqlite: no checkpoint thread (%s); checkpoints run in commits", strerror(e2));
    }
    return &st->base;
}

/* ---- transactions ----------------------------------------------------- */

/* Take the writer mutex, waiting at most the busy timeout (then the
 * transaction is retried like a busy database). */
static pd_qs writer_enter(struct pd__sq_conn *c)
{
    struct sq_store *st = (struct sq_store *)c->base.store;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ms = st->opt.busy_timeout_ms > 0 ? st->opt.busy_timeout_ms : 5000;
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (pthread_mutex_timedlock(&st->write_mu, &until) != 0) {
        snprintf(c->err, sizeof c->err, "begin: another writer of this process held on");
        return PD_QS_SOFT;
    }
    c->holds_write = true;
    return PD_QS_NONE;
}

static void writer_leave(struct pd__sq_conn *c)
{
    if (!c->holds_write)
        return;
    c->holds_write = false;
    pthread_mutex_unlock(&((struct sq_store *)c->base.store)->write_mu);
}

static pd_qs sq_begin(pd_db *db, bool read_only)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    c->err[0] = '\0';
    if (PD_BREAK(sqlite3_get_autocommit(c->h))) /* nested pd_tx_run on one thread */
        return PD_QS_HARD;
    if (PD_BREAK(!c->holds_write))
        return PD_QS_HARD;
    pd_qs qs;
    if (!read_only && (qs = writer_enter(c)) < 0)
        return qs;
    sqlite3_stmt *s = read_only ? pd__sq_prep(c, PD_SQ_BEGIN, "BEGIN")
                                : pd__sq_prep(c, PD_SQ_BEGIN_IMMEDIATE, "BEGIN IMMEDIATE");
    qs = s ? pd__sq_exec(c, s, "begin") : PD_QS_HARD;
    if (qs < 0)
        writer_leave(c); /* tx.c does not roll back a failed begin */
    return qs < 0 ? qs : PD_QS_NONE;
}

static pd_qs sq_commit(pd_db *db)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_COMMIT, "COMMIT");
    if (!s)
        return PD_QS_HARD;
    pd_qs qs = pd__sq_exec(c, s, "commit");
    if (qs >= 0)
        writer_leave(c); /* a failed commit is rolled back, which lets go */
    return qs < 0 ? qs : PD_QS_NONE;
}

static void sq_rollback(pd_db *db)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    /* Some errors (SQLITE_FULL, IOERR, …) already rolled the transaction back. */
    if (!sqlite3_get_autocommit(c->h)) {
        sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_ROLLBACK, "ROLLBACK");
        if (s)
            pd__sq_exec(c, s, "rollback");
    }
    writer_leave(c);
}

static pd_qs sq_set_cache_kib(pd_db *db, long kib)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    if (PD_BREAK(kib > 0 && kib <= 16L * 1024 * 1024))
        return PD_QS_HARD;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld", kib); /* an integer, not input */
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? PD_QS_NONE : pd__sq_fail(c, rc, "set_cache_kib");
}

/* Statements are compiled once per connection (pd__sq_prep) and carry no
 * plan choice per run: nothing to do. */
static pd_qs sq_plan_generic(pd_db *db)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    if (PD_BREAK(!sqlite3_get_autocommit(c->h)))
        return PD_QS_HARD;
    return PD_QS_NONE;
}

static pd_qs sq_ping(pd_db *db)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PING, "SELECT 1");
    if (!s)
        return PD_QS_HARD;
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "ping");
    pd__sq_done(s);
    return qs;
}

/* ---- schema ----------------------------------------------------------- */

static pd_qs sq_exec_script(pd_db *db, const char *sql)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    char *msg = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return PD_QS_NONE;
    snprintf(c->err, sizeof c->err, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    int prim = rc & 0xFF;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return PD_QS_SOFT;
    pd_warn("sqlite: script failed: %s", c->err);
    return PD_QS_HARD;
}

static pd_qs sq_schema_version(pd_db *db, int *version)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    *version = 0;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SCHEMA_EXISTS,
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    if (!s)
        return PD_QS_HARD;
    int rc = sqlite3_step(s);
    bool exists = rc == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "schema_version");
    pd__sq_done(s);
    if (qs < 0 || !exists)
        return qs < 0 ? qs : PD_QS_NONE;
    s = pd__sq_prep(c, PD_SQ_SCHEMA_VERSION,
                    "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!s)
        return PD_QS_HARD;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        qs = PD_QS_ONE;
    } else {
        qs = pd__sq_fail(c, rc, "schema_version");
    }
    pd__sq_done(s);
    return qs;
}

static pd_qs sq_schema_version_set(pd_db *db, int version, const char *name)
{
    struct pd__sq_conn *c = (struct pd__sq_conn *)db;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SCHEMA_VERSION_SET,
                    "INSERT INTO schema_version (version, name, applied_ms) VALUES (?1, ?2, ?3)");
    if (!s)
        return PD_QS_HARD;
    sqlite3_bind_int(s, 1, version);
    pd__sq_text(s, 2, name);
    pd__sq_i64(s, 3, pd_now_ms());
    return pd__sq_exec(c, s, "schema_version_set");
}

static const struct pd_store_ops sqlite_ops = {
    .backend = "sqlite",
    .acquire = sq_acquire,
    .release = sq_release,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .ping = sq_ping,
    .set_cache_kib = sq_set_cache_kib,
    .plan_generic = sq_plan_generic,
    .stats = sq_stats,
    .close = sq_close,
    .exec_script = sq_exec_script,
    .schema_version = sq_schema_version,
    .schema_version_set = sq_schema_version_set,
    .node_insert = pd__sq_node_insert,
    .node_get = pd__sq_node_get,
    .node_get_by_code = pd__sq_node_get_by_code,
    .node_list = pd__sq_node_list,
    .node_update = pd__sq_node_update,
    .node_dependents = pd__sq_node_dependents,
    .user_insert = pd__sq_user_insert,
    .user_get = pd__sq_user_get,
    .user_get_by_name = pd__sq_user_get_by_name,
    .user_list = pd__sq_user_list,
    .user_update = pd__sq_user_update,
    .user_set_password = pd__sq_user_set_password,
    .user_set_login_state = pd__sq_user_set_login_state,
    .session_insert = pd__sq_session_insert,
    .session_get = pd__sq_session_get,
    .session_touch = pd__sq_session_touch,
    .session_delete = pd__sq_session_delete,
    .session_delete_user = pd__sq_session_delete_user,
    .session_purge_expired = pd__sq_session_purge_expired,
    .apikey_insert = pd__sq_apikey_insert,
    .apikey_get_by_hash = pd__sq_apikey_get_by_hash,
    .apikey_get = pd__sq_apikey_get,
    .apikey_list = pd__sq_apikey_list,
    .apikey_revoke = pd__sq_apikey_revoke,
    .apikey_touch = pd__sq_apikey_touch,
    .audit_insert = pd__sq_audit_insert,
    .audit_list = pd__sq_audit_list,
    .waybill_insert = pd__sq_waybill_insert,
    .waybill_get = pd__sq_waybill_get,
    .waybill_get_by_idem = pd__sq_waybill_get_by_idem,
    .waybill_update = pd__sq_waybill_update,
    .waybill_list = pd__sq_waybill_list,
    .waybill_find_duplicate = pd__sq_waybill_find_duplicate,
    .parcel_list = pd__sq_parcel_list,
    .parcel_set_weight = pd__sq_parcel_set_weight,
    .customer_insert = pd__sq_customer_insert,
    .customer_get = pd__sq_customer_get,
    .customer_get_by_code = pd__sq_customer_get_by_code,
    .customer_list = pd__sq_customer_list,
    .customer_update = pd__sq_customer_update,
    .pickup_insert = pd__sq_pickup_insert,
    .pickup_get_open = pd__sq_pickup_get_open,
    .pickup_set_state = pd__sq_pickup_set_state,
    .pickup_list = pd__sq_pickup_list,
    .pickup_load = pd__sq_pickup_load,
    .inspection_insert = pd__sq_inspection_insert,
    .inspection_list = pd__sq_inspection_list,
    .special_rate_insert = pd__sq_special_rate_insert,
    .special_rate_get = pd__sq_special_rate_get,
    .special_rate_list = pd__sq_special_rate_list,
    .special_rate_set_state = pd__sq_special_rate_set_state,
    .node_areas_set = pd__sq_node_areas_set,
    .node_areas_list = pd__sq_node_areas_list,
    .node_for_division = pd__sq_node_for_division,
    .idem_answer_put = pd__sq_idem_answer_put,
    .idem_answer_get = pd__sq_idem_answer_get,
    .perm_list = pd__sq_perm_list,
    .perm_set = pd__sq_perm_set,
    .goods_rule_list = pd__sq_goods_rule_list,
    .goods_rule_get = pd__sq_goods_rule_get,
    .goods_rule_upsert = pd__sq_goods_rule_upsert,
    .goods_rule_insert_new = pd__sq_goods_rule_insert_new,
    .goods_stamp = pd__sq_goods_stamp,
    .scan_insert = pd__sq_scan_insert,
    .scan_list = pd__sq_scan_list,
    .scan_log_append = pd__sq_scan_log_append,
    .scan_log_take = pd__sq_scan_log_take,
    .scan_log_trim = pd__sq_scan_log_trim,
    .scan_log_state = pd__sq_scan_log_state,
    .tracking_put = pd__sq_tracking_put,
    .tracking_get_many = pd__sq_tracking_get_many,
    .tracking_put_many = pd__sq_tracking_put_many,
    .tracking_get = pd__sq_tracking_get,
    .tracking_list_stale = pd__sq_tracking_list_stale,
    .webhook_insert = pd__sq_webhook_insert,
    .webhook_get = pd__sq_webhook_get,
    .webhook_list = pd__sq_webhook_list,
    .webhook_delete = pd__sq_webhook_delete,
    .delivery_insert = pd__sq_delivery_insert,
    .delivery_claim = pd__sq_delivery_claim,
    .delivery_finish = pd__sq_delivery_finish,
    .delivery_get = pd__sq_delivery_get,
    .delivery_list = pd__sq_delivery_list,
    .delivery_attempts = pd__sq_delivery_attempts,
    .delivery_revive = pd__sq_delivery_revive,
    .outbox_insert = pd__sq_outbox_insert,
    .outbox_claim = pd__sq_outbox_claim,
    .outbox_finish = pd__sq_outbox_finish,
    .outbox_list = pd__sq_outbox_list,
    .notify_purge = pd__sq_notify_purge,
    /* call-centre records (issue 6 part B) */
    .cc_agent_insert = pd__sq_cc_agent_insert,
    .cc_agent_update = pd__sq_cc_agent_update,
    .cc_agent_get = pd__sq_cc_agent_get,
    .cc_agent_list = pd__sq_cc_agent_list,
    .cc_qa_form_insert = pd__sq_cc_qa_form_insert,
    .cc_qa_form_get = pd__sq_cc_qa_form_get,
    .cc_qa_form_list = pd__sq_cc_qa_form_list,
    .cc_qa_score_insert = pd__sq_cc_qa_score_insert,
    .cc_qa_score_list = pd__sq_cc_qa_score_list,
    .cc_shift_insert = pd__sq_cc_shift_insert,
    .cc_shift_get = pd__sq_cc_shift_get,
    .cc_shift_list = pd__sq_cc_shift_list,
    .cc_attendance_put = pd__sq_cc_attendance_put,
    .cc_cost_insert = pd__sq_cc_cost_insert,
    .cc_cost_list = pd__sq_cc_cost_list,
    .cc_own_qa = pd__sq_cc_own_qa,
    .cc_own_shifts = pd__sq_cc_own_shifts,
    .cc_own_waybills = pd__sq_cc_own_waybills,
    .cc_lookup_customers = pd__sq_cc_lookup_customers,
    .cc_lookup_waybills = pd__sq_cc_lookup_waybills,
    /* problem parcels, return receipts, the stale-parcel job (issue 4) */
    .problem_open = pd__sq_problem_open,
    .problem_get = pd__sq_problem_get,
    .problem_list = pd__sq_problem_list,
    .problem_close = pd__sq_problem_close,
    .monitor_quiet = pd__sq_monitor_quiet,
    .monitor_delayed = pd__sq_monitor_delayed,
    .receipt_insert = pd__sq_receipt_insert,
    .receipt_get = pd__sq_receipt_get,
    .receipt_step = pd__sq_receipt_step,
    .receipt_list = pd__sq_receipt_list,
    .receipt_overdue_count = pd__sq_receipt_overdue_count,
    /* the call centre's queue log (issue 6 part A) */
    .cc_log_insert = pd__sq_cc_log_insert,
    .cc_log_stream = pd__sq_cc_log_stream,
    /* bags (issue 4 item 2) */
    .bag_get = pd__sq_bag_get,
    .bag_add = pd__sq_bag_add,
    .bag_remove = pd__sq_bag_remove,
    .bag_contents = pd__sq_bag_contents,
    .bag_event_find = pd__sq_bag_event_find,
    .bag_event_insert = pd__sq_bag_event_insert,
    .bag_event_list = pd__sq_bag_event_list,
    /* service desk (issue 5 part A): sqlite_tickets.c */
    .ticket_insert = pd__sq_ticket_insert,
    .ticket_get = pd__sq_ticket_get,
    .ticket_list = pd__sq_ticket_list,
    .ticket_update = pd__sq_ticket_update,
    .ticket_event_insert = pd__sq_ticket_event_insert,
    .ticket_event_list = pd__sq_ticket_event_list,
    .ticket_pause_open = pd__sq_ticket_pause_open,
    .ticket_pause_close = pd__sq_ticket_pause_close,
    .ticket_pause_list = pd__sq_ticket_pause_list,
    .ticket_clock_insert = pd__sq_ticket_clock_insert,
    .ticket_clock_update = pd__sq_ticket_clock_update,
    .ticket_clock_list = pd__sq_ticket_clock_list,
    .ticket_clock_due = pd__sq_ticket_clock_due,
    .ticket_escalation_insert = pd__sq_ticket_escalation_insert,
    .ticket_escalation_get = pd__sq_ticket_escalation_get,
    .ticket_escalation_list = pd__sq_ticket_escalation_list,
    .ticket_escalation_read = pd__sq_ticket_escalation_read,
    .ticket_supervisor_node = pd__sq_ticket_supervisor_node,
    .ticket_corrective_insert = pd__sq_ticket_corrective_insert,
    .ticket_corrective_get = pd__sq_ticket_corrective_get,
    .ticket_corrective_update = pd__sq_ticket_corrective_update,
    .ticket_corrective_list = pd__sq_ticket_corrective_list,
    .ticket_stats_complaints = pd__sq_ticket_stats_complaints,
    .ticket_stats_waybills = pd__sq_ticket_stats_waybills,
    .ticket_stats_clocks = pd__sq_ticket_stats_clocks,
    .ticket_stats_csat = pd__sq_ticket_stats_csat,
    /* service desk part B (issue 5: problems in full, knowledge base, handover) */
    .problem_open_scan = pd__sq_problem_open_scan,
    .problem_exception_scans = pd__sq_problem_exception_scans,
    .job_cursor_get = pd__sq_job_cursor_get,
    .job_cursor_put = pd__sq_job_cursor_put,
    .problem_more_get = pd__sq_problem_more_get,
    .problem_list_more = pd__sq_problem_list_more,
    .problem_touch = pd__sq_problem_touch,
    .problem_action_insert = pd__sq_problem_action_insert,
    .problem_action_list = pd__sq_problem_action_list,
    .problem_contact_insert = pd__sq_problem_contact_insert,
    .problem_contact_list = pd__sq_problem_contact_list,
    .problem_evidence_insert = pd__sq_problem_evidence_insert,
    .problem_evidence_get = pd__sq_problem_evidence_get,
    .problem_evidence_list = pd__sq_problem_evidence_list,
    .compensation_case_insert = pd__sq_compensation_case_insert,
    .compensation_case_list = pd__sq_compensation_case_list,
    .problem_stats = pd__sq_problem_stats,
    .kb_insert = pd__sq_kb_insert,
    .kb_get = pd__sq_kb_get,
    .kb_update = pd__sq_kb_update,
    .kb_delete = pd__sq_kb_delete,
    .kb_list = pd__sq_kb_list,
    .kb_search = pd__sq_kb_search,
    .handover_insert = pd__sq_handover_insert,
    .handover_get = pd__sq_handover_get,
    .handover_ack = pd__sq_handover_ack,
    .handover_list = pd__sq_handover_list,
    /* trips (issue 4 item 2) */
    .vehicle_insert = pd__sq_vehicle_insert,
    .vehicle_get = pd__sq_vehicle_get,
    .vehicle_list = pd__sq_vehicle_list,
    .trip_insert = pd__sq_trip_insert,
    .trip_get = pd__sq_trip_get,
    .trip_list = pd__sq_trip_list,
    .trip_set_state = pd__sq_trip_set_state,
    .trip_item_add = pd__sq_trip_item_add,
    .trip_item_holder = pd__sq_trip_item_holder,
    .trip_item_remove = pd__sq_trip_item_remove,
    .trip_item_list = pd__sq_trip_item_list,
    .trip_scans = pd__sq_trip_scans,
};
