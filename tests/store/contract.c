/*
 * The store contract suite: the behaviour every backend must show, checked
 * through the operations table only, so that SQLite and PostgreSQL are held
 * to one definition. This file has the fixture (fresh databases per run:
 * a temporary file for SQLite, CREATE DATABASE with a random name through an
 * admin connection for PostgreSQL — the store itself knows nothing of this),
 * main(), and the tests of opening, migrations, the transaction runner,
 * concurrency, the pool and connection recovery. The org, auth and audit
 * aggregates have their own files.
 *
 * PostgreSQL comes from PD_TEST_PG_URL (scripts/pg-cluster.sh start). Without
 * it the pg run exits 77 (skipped), except under CI=true, where a missing
 * database is a failure.
 */
#include "contract.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/timeutil.h"

/* role_permissions rows of a freshly migrated database (see test_migrate_from_empty). */
#define PERMS_ALL 153

pd_store *ct_store;

static bool is_pg;
static char tmpdir[256];    /* SQLite: where the database files live */
static const char *pg_base; /* PostgreSQL: the admin URL */
static PGconn *pg_admin;
static char pg_made[32][64]; /* databases to drop at the end */
static int pg_nmade;
static int seq;
static pd_db *open_db; /* the connection of an unfinished ct_begin() */

bool ct_is_pg(void)
{
    return is_pg;
}

int ct_seq(void)
{
    return __atomic_add_fetch(&seq, 1, __ATOMIC_SEQ_CST);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- fixture --------------------------------------------------------------- */

static void admin_exec(const char *sql)
{
    PGresult *r = PQexec(pg_admin, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("admin: %s: %s", sql, PQerrorMessage(pg_admin));
    PQclear(r);
}

/* The admin URL with its database name replaced (libpq URL syntax). */
static void url_with_db(const char *base, const char *db, char *out, size_t cap)
{
    const char *auth = strstr(base, "://");
    auth = auth ? auth + 3 : base;
    const char *q = strchr(auth, '?');
    const char *slash = strchr(auth, '/');
    if (slash && q && slash > q)
        slash = NULL;
    size_t keep = slash ? (size_t)(slash - base) : q ? (size_t)(q - base) : strlen(base);
    snprintf(out, cap, "%.*s/%s%s", (int)keep, base, db, q ? q : "");
}

void ct_fresh_url(char *out)
{
    int n = ct_seq();
    if (!is_pg) {
        snprintf(out, 512, "sqlite:%s/db%d.sqlite", tmpdir, n);
        return;
    }
    assert_true(pg_nmade < 32);
    snprintf(pg_made[pg_nmade], sizeof pg_made[0], "pd_contract_%d_%d_%d", (int)getpid(),
             (int)(pd_mono_us() % 100000), n);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", pg_made[pg_nmade]);
    admin_exec(sql);
    url_with_db(pg_base, pg_made[pg_nmade], out, 512);
    pg_nmade++;
}

pd_store *ct_open(const char *url, const struct pd_store_options *o)
{
    char err[256];
    pd_store *st = pd_store_open(url, o, err);
    if (!st)
        fail_msg("pd_store_open(%s): %s", url, err);
    return st;
}

pd_store *ct_open_fresh_migrated(void)
{
    char url[512], err[256];
    ct_fresh_url(url);
    pd_store *st = ct_open(url, NULL);
    if (!pd_store_migrate(st, NULL, NULL, err))
        fail_msg("migrate: %s", err);
    return st;
}

pd_db *ct_begin(pd_store *st)
{
    assert_null(open_db);
    pd_db *db = pd_store_acquire(st);
    assert_non_null(db);
    open_db = db;
    assert_int_equal(db->ops->begin(db, false), PD_QS_NONE);
    return db;
}

void ct_commit(pd_db *db)
{
    assert_int_equal(db->ops->commit(db), PD_QS_NONE);
    open_db = NULL;
    pd_store_release(db->store, db);
}

void ct_rollback(pd_db *db)
{
    db->ops->rollback(db);
    open_db = NULL;
    pd_store_release(db->store, db);
}

int ct_cleanup(void **state)
{
    if (open_db)
        ct_rollback(open_db);
    return 0;
}

int64_t ct_node(pd_db *db, const char *code, enum pd_node_type type, int64_t parent,
                struct pd_node *out)
{
    struct pd_node n = {0}, *p = out ? out : &n;
    memset(p, 0, sizeof *p);
    size_t len = strlen(code);
    if (len && code[len - 1] == '-')
        snprintf(p->code, sizeof p->code, "%s%d", code, ct_seq());
    else
        snprintf(p->code, sizeof p->code, "%s", code);
    snprintf(p->name, sizeof p->name, "网点 %s", p->code);
    p->type = type;
    p->parent_id = parent;
    p->active = true;
    bool dup = true;
    assert_int_equal(db->ops->node_insert(db, p, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(p->id > 0);
    return p->id;
}

int64_t ct_user(pd_db *db, const char *username, const char *display_name, enum pd_role role,
                int64_t node_id, struct pd_user *out)
{
    struct pd_user u = {0}, *p = out ? out : &u;
    memset(p, 0, sizeof *p);
    snprintf(p->username, sizeof p->username, "%s", username);
    snprintf(p->display_name, sizeof p->display_name, "%s", display_name);
    snprintf(p->phone, sizeof p->phone, "13800138000");
    snprintf(p->password_hash, sizeof p->password_hash, "$argon2id$v=19$fake");
    p->role = role;
    p->node_id = node_id;
    p->active = true;
    bool dup = true;
    assert_int_equal(db->ops->user_insert(db, p, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(p->id > 0);
    return p->id;
}

struct exec_ctx {
    const char *sql;
};

static pd_qs exec_cb(pd_db *db, void *cls)
{
    return db->ops->exec_script(db, ((struct exec_ctx *)cls)->sql);
}

pd_qs ct_exec(pd_store *st, const char *sql)
{
    struct exec_ctx x = {sql};
    return pd_tx_run(st, "ct_exec", false, exec_cb, &x);
}

static int group_setup(void **state)
{
    ct_store = ct_open_fresh_migrated();
    return 0;
}

static int group_teardown(void **state)
{
    pd_store_close(ct_store);
    ct_store = NULL;
    return 0;
}

static void cleanup_databases(void)
{
    if (is_pg) {
        for (int i = 0; i < pg_nmade; i++) {
            if (!pg_made[i][0])
                continue;
            char sql[128];
            snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %.63s WITH (FORCE)", pg_made[i]);
            PGresult *r = PQexec(pg_admin, sql);
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                fprintf(stderr, "store_contract: %s: %s", sql, PQerrorMessage(pg_admin));
            PQclear(r);
        }
        PQfinish(pg_admin);
        return;
    }
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char path[600];
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tmpdir);
}

/* ---- opening ------------------------------------------------------------------ */

static void test_options_default(void **state)
{
    struct pd_store_options o;
    memset(&o, 0xA5, sizeof o);
    pd_store_options_default(&o);
    assert_int_equal(o.pool_size, 8);
    assert_int_equal(o.acquire_timeout_ms, 5000);
    assert_int_equal(o.busy_timeout_ms, 5000);
    assert_int_equal(o.cache_kib, 16384);
    assert_int_equal(o.mmap_bytes, 256L * 1024 * 1024);
}

static void expect_open_error(const char *url, const struct pd_store_options *o, const char *needle)
{
    char err[256] = "";
    pd_store *st = pd_store_open(url, o, err);
    if (st) {
        pd_store_close(st);
        fail_msg("pd_store_open(%s) succeeded", url);
    }
    if (!strstr(err, needle))
        fail_msg("pd_store_open(%s): error \"%s\" lacks \"%s\"", url, err, needle);
}

static void test_open_errors(void **state)
{
    expect_open_error("", NULL, "empty");
    expect_open_error("mysql://root:secret@db/x", NULL, "unknown scheme \"mysql\"");
    /* The password part of an unknown URL must not be echoed. */
    char err[256] = "";
    assert_null(pd_store_open("mysql://root:secret@db/x", NULL, err));
    assert_null(strstr(err, "secret"));
    expect_open_error("sqlite:", NULL, "names no file");
    expect_open_error("sqlite:/nonexistent-dir-pd/sub/x.db", NULL, "cannot open SQLite database");
    struct pd_store_options o;
    pd_store_options_default(&o);
    o.pool_size = 0;
    expect_open_error("sqlite:/tmp/never-created.db", &o, "pool_size");
    pd_store_options_default(&o);
    o.acquire_timeout_ms = -1;
    expect_open_error("sqlite:/tmp/never-created.db", &o, "acquire_timeout_ms");
    expect_open_error("postgresql://pdtest@127.0.0.1:1/nothing", NULL, "cannot connect");
    expect_open_error("postgresql://host:notaport:x/db", NULL, "PostgreSQL");
    assert_int_equal(access("/tmp/never-created.db", F_OK), -1);
}

static void test_backend_and_ping(void **state)
{
    assert_string_equal(pd_store_backend(ct_store), is_pg ? "postgresql" : "sqlite");
    assert_true(pd_store_ping(ct_store));
    pd_db *db = pd_store_acquire(ct_store);
    assert_non_null(db);
    assert_ptr_equal(db->store, ct_store);
    assert_int_equal(db->ops->ping(db), PD_QS_ONE);
    pd_store_release(ct_store, db);
}

/* ---- migrations ------------------------------------------------------------------- */

static pd_qs read_version(pd_db *db, void *cls)
{
    return db->ops->schema_version(db, cls);
}

static int count_perm(void *cls, const char *role, const char *perm)
{
    (*(int *)cls)++;
    return 0;
}

static pd_qs count_perms(pd_db *db, void *cls)
{
    *(int *)cls = 0;
    return db->ops->perm_list(db, count_perm, cls);
}

static void test_migrate_from_empty(void **state)
{
    char url[512], err[256];
    ct_fresh_url(url);
    pd_store *st = ct_open(url, NULL);
    int latest = pd_store_latest_version(st);
    assert_true(latest >= 1);
    const struct pd_migration *t = is_pg ? pd_migrations_pg : pd_migrations_sqlite;
    int max = 0;
    for (; t->version; t++)
        max = t->version > max ? t->version : max;
    assert_int_equal(latest, max);

    int v = -1;
    assert_true(pd_tx_run(st, "version", true, read_version, &v) >= 0);
    assert_int_equal(v, 0);

    int from = -1, to = -1;
    if (!pd_store_migrate(st, &from, &to, err))
        fail_msg("migrate: %s", err);
    assert_int_equal(from, 0);
    assert_int_equal(to, latest);
    assert_true(pd_tx_run(st, "version", true, read_version, &v) >= 0);
    assert_int_equal(v, latest);
    int perms = 0;
    assert_true(pd_tx_run(st, "perms", true, count_perms, &perms) > 0);
    /* 132 of 001, goods.manage ×3 (005), callcenter.import ×3 (010),
     * callcenter.manage ×3 and callcenter.qa ×2 (011), tickets.supervise ×3
     * (012), kb.edit ×3 (013), trips.manage ×4 (015); tests/store/contract_org.c
     * checks each. */
    assert_int_equal(perms, PERMS_ALL);

    /* Again: nothing to do, nothing changes. */
    from = to = -1;
    if (!pd_store_migrate(st, &from, &to, err))
        fail_msg("second migrate: %s", err);
    assert_int_equal(from, latest);
    assert_int_equal(to, latest);
    assert_true(pd_tx_run(st, "perms", true, count_perms, &perms) > 0);
    assert_int_equal(perms, PERMS_ALL);
    pd_store_close(st);

    /* A fresh store on the same database sees the same version. */
    st = ct_open(url, NULL);
    assert_true(pd_tx_run(st, "version", true, read_version, &v) >= 0);
    assert_int_equal(v, latest);
    pd_store_close(st);
}

struct mig_thread {
    pd_store *st;
    bool ok;
    int from, to;
    char err[256];
};

static void *mig_main(void *p)
{
    struct mig_thread *m = p;
    m->ok = pd_store_migrate(m->st, &m->from, &m->to, m->err);
    return NULL;
}

static void test_migrate_concurrent(void **state)
{
    char url[512];
    ct_fresh_url(url);
    /* Two stores stand for two processes: separate connections. */
    struct mig_thread m[2] = {{.st = ct_open(url, NULL)}, {.st = ct_open(url, NULL)}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, mig_main, &m[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    int latest = pd_store_latest_version(m[0].st);
    for (int i = 0; i < 2; i++) {
        if (!m[i].ok)
            fail_msg("migrator %d: %s", i, m[i].err);
        assert_int_equal(m[i].to, latest);
    }
    /* Exactly one of them started from 0 and did the work. */
    assert_true(m[0].from == 0 || m[1].from == 0);
    int perms = 0;
    assert_true(pd_tx_run(m[0].st, "perms", true, count_perms, &perms) > 0);
    assert_int_equal(perms, PERMS_ALL);
    pd_store_close(m[0].st);
    pd_store_close(m[1].st);
}

/* ---- the transaction runner ------------------------------------------------------- */

struct txc {
    int calls;
    char code[PD_CODE_MAX];
    pd_qs first, later; /* what the callback returns on the first and later calls */
    bool raw_error;     /* run failing SQL after the insert */
    bool ignore_error;  /* … and return success anyway (a buggy callback) */
    bool saw_dup;
};

static pd_qs tx_insert_cb(pd_db *db, void *cls)
{
    struct txc *t = cls;
    t->calls++;
    struct pd_node n = {0};
    snprintf(n.code, sizeof n.code, "%s", t->code);
    snprintf(n.name, sizeof n.name, "tx test");
    n.type = PD_NODE_HEAD_OFFICE;
    n.active = true;
    bool dup = false;
    pd_qs qs = db->ops->node_insert(db, &n, &dup);
    if (qs < 0)
        return qs;
    t->saw_dup |= dup;
    if (t->raw_error) {
        qs = db->ops->exec_script(db, "SELECT * FROM no_such_table_pd");
        if (qs >= 0 || t->ignore_error)
            return PD_QS_ONE; /* the test will fail on the missing error */
        return qs;
    }
    return t->calls == 1 ? t->first : t->later;
}

static pd_qs get_code_cb(pd_db *db, void *cls)
{
    struct pd_node n;
    return db->ops->node_get_by_code(db, cls, &n);
}

static pd_qs node_exists(pd_store *st, const char *code)
{
    return pd_tx_run(st, "get", true, get_code_cb, (void *)code);
}

static void new_txc(struct txc *t, pd_qs first, pd_qs later)
{
    memset(t, 0, sizeof *t);
    snprintf(t->code, sizeof t->code, "TX-%d", ct_seq());
    t->first = first;
    t->later = later;
}

static void test_tx_commit_returns_result(void **state)
{
    struct txc t;
    new_txc(&t, (pd_qs)7, (pd_qs)7);
    assert_int_equal(pd_tx_run(ct_store, "commit", false, tx_insert_cb, &t), 7);
    assert_int_equal(t.calls, 1);
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_ONE);
}

static void test_tx_abort_rolls_back(void **state)
{
    struct txc t;
    new_txc(&t, PD_QS_ABORT, PD_QS_ONE);
    assert_int_equal(pd_tx_run(ct_store, "abort", false, tx_insert_cb, &t), PD_QS_ABORT);
    assert_int_equal(t.calls, 1); /* no retry */
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_NONE);
}

static void test_tx_soft_retried(void **state)
{
    struct txc t;
    new_txc(&t, PD_QS_SOFT, PD_QS_ONE);
    assert_int_equal(pd_tx_run(ct_store, "soft once", false, tx_insert_cb, &t), PD_QS_ONE);
    assert_int_equal(t.calls, 2);
    /* The first try's insert was rolled back: the second was no duplicate. */
    assert_false(t.saw_dup);
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_ONE);
}

static void test_tx_soft_gives_up(void **state)
{
    struct txc t;
    new_txc(&t, PD_QS_SOFT, PD_QS_SOFT);
    assert_int_equal(pd_tx_run(ct_store, "always soft", false, tx_insert_cb, &t), PD_QS_SOFT);
    assert_int_equal(t.calls, PD_TX_MAX_TRIES);
    assert_false(t.saw_dup);
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_NONE);
}

static void test_tx_hard_rolls_back(void **state)
{
    struct txc t;
    new_txc(&t, PD_QS_HARD, PD_QS_ONE);
    assert_int_equal(pd_tx_run(ct_store, "hard", false, tx_insert_cb, &t), PD_QS_HARD);
    assert_int_equal(t.calls, 1);
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_NONE);

    /* A real database error inside the callback. */
    new_txc(&t, PD_QS_ONE, PD_QS_ONE);
    t.raw_error = true;
    assert_int_equal(pd_tx_run(ct_store, "sql error", false, tx_insert_cb, &t), PD_QS_HARD);
    assert_int_equal(t.calls, 1);
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_NONE);

    /* A callback that ignores a failed statement and returns success: on
     * PostgreSQL the failure already doomed the transaction, and commit must
     * say so rather than report a write that did not happen. */
    if (is_pg) {
        new_txc(&t, PD_QS_ONE, PD_QS_ONE);
        t.raw_error = true;
        t.ignore_error = true;
        assert_int_equal(pd_tx_run(ct_store, "ignored error", false, tx_insert_cb, &t), PD_QS_HARD);
        assert_int_equal(node_exists(ct_store, t.code), PD_QS_NONE);
    }

    /* The connection is still good afterwards. */
    new_txc(&t, PD_QS_ONE, PD_QS_ONE);
    assert_int_equal(pd_tx_run(ct_store, "after", false, tx_insert_cb, &t), PD_QS_ONE);
    assert_int_equal(node_exists(ct_store, t.code), PD_QS_ONE);
}

/* ---- concurrency ----------------------------------------------------------------- */

#define CW_THREADS 4
#define CW_USERS   200

struct cw {
    int thread;
    int i;
    int64_t node_id;
    int failures;
    pd_qs last_failure;
    int tag;
};

static pd_qs cw_insert(pd_db *db, void *cls)
{
    struct cw *w = cls;
    struct pd_user u = {0};
    snprintf(u.username, sizeof u.username, "cw%d-t%d-u%d", w->tag, w->thread, w->i);
    snprintf(u.display_name, sizeof u.display_name, "并发 %d/%d", w->thread, w->i);
    u.role = PD_ROLE_AGENT;
    u.node_id = w->node_id;
    u.active = true;
    bool dup = false;
    pd_qs qs = db->ops->user_insert(db, &u, &dup);
    if (qs >= 0 && dup)
        return PD_QS_HARD; /* would mean a lost or doubled write */
    return qs;
}

static void *cw_main(void *p)
{
    struct cw *w = p;
    for (w->i = 0; w->i < CW_USERS; w->i++) {
        pd_qs qs = pd_tx_run(ct_store, "concurrent user", false, cw_insert, w);
        if (qs != PD_QS_ONE) {
            w->failures++;
            w->last_failure = qs;
        }
    }
    return NULL;
}

struct seen {
    int count;
    int64_t last_id;
    bool ordered;
    unsigned char hit[CW_THREADS][CW_USERS];
    int tag;
};

static int cw_seen(void *cls, const struct pd_user *u)
{
    struct seen *s = cls;
    int tag, t, i;
    if (sscanf(u->username, "cw%d-t%d-u%d", &tag, &t, &i) == 3 && tag == s->tag && t >= 0 &&
        t < CW_THREADS && i >= 0 && i < CW_USERS)
        s->hit[t][i]++;
    if (u->id <= s->last_id)
        s->ordered = false;
    s->last_id = u->id;
    s->count++;
    return 0;
}

struct cw_list {
    struct pd_user_filter f;
    struct seen *s;
};

static pd_qs cw_list(pd_db *db, void *cls)
{
    struct cw_list *l = cls;
    return db->ops->user_list(db, &l->f, cw_seen, l->s);
}

static void test_concurrent_writers(void **state)
{
    struct pd_node n;
    pd_db *db = ct_begin(ct_store);
    ct_node(db, "CW-", PD_NODE_HEAD_OFFICE, 0, &n);
    ct_commit(db);

    struct cw w[CW_THREADS];
    pthread_t th[CW_THREADS];
    int tag = ct_seq();
    for (int i = 0; i < CW_THREADS; i++) {
        w[i] = (struct cw){.thread = i, .node_id = n.id, .tag = tag};
        assert_int_equal(pthread_create(&th[i], NULL, cw_main, &w[i]), 0);
    }
    for (int i = 0; i < CW_THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < CW_THREADS; i++)
        if (w[i].failures)
            fail_msg("thread %d: %d failed transactions (last %d)", i, w[i].failures,
                     (int)w[i].last_failure);

    /* Every row is there exactly once; read them back in pages of 1000. */
    static struct seen s;
    memset(&s, 0, sizeof s);
    s.ordered = true;
    s.tag = tag;
    struct cw_list l = {.f = {.node_path = n.path, .role = -1, .limit = 1000}, .s = &s};
    int pages = 0;
    for (; pages < 10; pages++) {
        int before = s.count;
        l.f.after_id = s.last_id;
        assert_true(pd_tx_run(ct_store, "list", true, cw_list, &l) >= 0);
        if (s.count == before)
            break;
    }
    assert_int_equal(pages, 1); /* one full page, then an empty one */
    assert_true(s.ordered);
    assert_int_equal(s.count, CW_THREADS * CW_USERS);
    for (int t = 0; t < CW_THREADS; t++)
        for (int i = 0; i < CW_USERS; i++)
            if (s.hit[t][i] != 1)
                fail_msg("user t%d-u%d seen %d times", t, i, s.hit[t][i]);

    struct pd_store_stats st;
    pd_store_stats(ct_store, &st);
    assert_int_equal(st.in_use, 0);
    assert_true(st.acquired_total >= CW_THREADS * CW_USERS);
}

/* ---- lock conflicts are transient ------------------------------------------------- */

struct blocked_update {
    pd_db *db;
    struct pd_node n;
    pd_qs qs;
};

static void *blocked_update_main(void *p)
{
    struct blocked_update *b = p;
    b->qs = b->db->ops->node_update(b->db, &b->n);
    return NULL;
}

static void test_lock_conflict_is_soft(void **state)
{
    struct pd_node x, y;
    pd_db *db = ct_begin(ct_store);
    ct_node(db, "LK-", PD_NODE_HEAD_OFFICE, 0, &x);
    ct_node(db, "LK-", PD_NODE_HEAD_OFFICE, 0, &y);
    ct_commit(db);

    if (!is_pg) {
        /* A second writer that may not wait: SQLITE_BUSY is PD_QS_SOFT, and
         * once the first commits the second gets in. */
        struct pd_store_options o;
        pd_store_options_default(&o);
        o.busy_timeout_ms = 0;
        pd_store *other = ct_open(ct_store->url, &o);
        pd_db *a = pd_store_acquire(ct_store);
        pd_db *b = pd_store_acquire(other);
        assert_int_equal(a->ops->begin(a, false), PD_QS_NONE);
        assert_int_equal(a->ops->node_update(a, &x), PD_QS_ONE);
        assert_int_equal(b->ops->begin(b, false), PD_QS_SOFT);
        b->ops->rollback(b);
        assert_int_equal(a->ops->commit(a), PD_QS_NONE);
        assert_int_equal(b->ops->begin(b, false), PD_QS_NONE);
        assert_int_equal(b->ops->node_update(b, &y), PD_QS_ONE);
        assert_int_equal(b->ops->commit(b), PD_QS_NONE);
        pd_store_release(ct_store, a);
        pd_store_release(other, b);
        pd_store_close(other);
        return;
    }
    /* PostgreSQL: a real deadlock. A holds x and wants y; B holds y and
     * wants x. The server aborts one of them with 40P01 (after
     * deadlock_timeout, 1 s by default), which must come back as SOFT. */
    pd_db *a = pd_store_acquire(ct_store);
    pd_db *b = pd_store_acquire(ct_store);
    assert_int_equal(a->ops->begin(a, false), PD_QS_NONE);
    assert_int_equal(b->ops->begin(b, false), PD_QS_NONE);
    assert_int_equal(a->ops->node_update(a, &x), PD_QS_ONE);
    assert_int_equal(b->ops->node_update(b, &y), PD_QS_ONE);
    struct blocked_update ta = {.db = a, .n = y};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_update_main, &ta), 0);
    sleep_ms(100); /* let A queue behind B's lock */
    pd_qs qb = b->ops->node_update(b, &x);
    pthread_join(th, NULL);
    if (!((ta.qs == PD_QS_SOFT && qb == PD_QS_ONE) || (ta.qs == PD_QS_ONE && qb == PD_QS_SOFT)))
        fail_msg("deadlock: A got %d, B got %d; want one SOFT (-1) and one ONE", (int)ta.qs,
                 (int)qb);
    a->ops->rollback(a);
    b->ops->rollback(b);
    pd_store_release(ct_store, a);
    pd_store_release(ct_store, b);
}

/* ---- pool and connection state ----------------------------------------------------- */

struct waiter {
    pd_store *st;
    pd_db *got;
};

static void *waiter_main(void *p)
{
    struct waiter *w = p;
    w->got = pd_store_acquire(w->st);
    if (w->got)
        pd_store_release(w->st, w->got);
    return NULL;
}

static void test_pool_stats(void **state)
{
    struct pd_store_stats s;
    if (!is_pg) {
        /* SQLite: one connection per thread; a nested acquire on the same
         * thread gets the same connection. */
        pd_store *st = ct_open(ct_store->url, NULL);
        pd_store_stats(st, &s);
        assert_int_equal(s.in_use, 0);
        assert_int_equal(s.acquired_total, 0);
        pd_db *a = pd_store_acquire(st);
        pd_db *b = pd_store_acquire(st);
        assert_non_null(a);
        assert_ptr_equal(a, b);
        pd_store_stats(st, &s);
        assert_int_equal(s.in_use, 1);
        assert_true(s.pool_size >= 1);
        assert_int_equal(s.acquired_total, 2);
        pd_store_release(st, b);
        pd_store_stats(st, &s);
        assert_int_equal(s.in_use, 1);
        pd_store_release(st, a);
        pd_store_stats(st, &s);
        assert_int_equal(s.in_use, 0);
        assert_int_equal(s.waiting, 0);
        assert_int_equal(s.timeouts_total, 0);

        /* Another thread gets a connection of its own. */
        struct waiter w = {st, NULL};
        pthread_t th;
        a = pd_store_acquire(st);
        assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
        pthread_join(th, NULL);
        assert_non_null(w.got);
        assert_ptr_not_equal(w.got, a);
        pd_store_release(st, a);
        pd_store_stats(st, &s);
        assert_int_equal(s.pool_size, 2);
        assert_int_equal(s.in_use, 0);
        pd_store_close(st);
        return;
    }
    struct pd_store_options o;
    pd_store_options_default(&o);
    o.pool_size = 2;
    o.acquire_timeout_ms = 1000;
    pd_store *st = ct_open(ct_store->url, &o);
    pd_store_stats(st, &s);
    assert_int_equal(s.pool_size, 2);
    assert_int_equal(s.in_use, 0);
    assert_int_equal(s.acquired_total, 0);

    pd_db *a = pd_store_acquire(st);
    pd_db *b = pd_store_acquire(st);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->ops->ping(b), PD_QS_ONE); /* the lazily opened one works */
    pd_store_stats(st, &s);
    assert_int_equal(s.in_use, 2);
    assert_int_equal(s.acquired_total, 2);

    /* A third caller waits, and gets the first connection handed back. */
    struct waiter w = {st, NULL};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
    int waited = 0;
    do {
        sleep_ms(5);
        pd_store_stats(st, &s);
    } while (s.waiting != 1 && (waited += 5) < 900);
    assert_int_equal(s.waiting, 1);
    int64_t t_release = pd_mono_us();
    pd_store_release(st, a);
    pthread_join(th, NULL);
    assert_true(pd_mono_us() - t_release < 500 * 1000); /* woken, not timed out */
    assert_ptr_equal(w.got, a);
    pd_store_stats(st, &s);
    assert_int_equal(s.waiting, 0);
    assert_int_equal(s.in_use, 1);
    assert_int_equal(s.acquired_total, 3);
    assert_int_equal(s.timeouts_total, 0);

    /* With both taken and nobody giving back, acquire times out. */
    a = pd_store_acquire(st);
    assert_non_null(a);
    int64_t t0 = pd_mono_us();
    assert_null(pd_store_acquire(st));
    int64_t waited_us = pd_mono_us() - t0;
    assert_true(waited_us >= 900 * 1000);
    assert_true(waited_us < 5000 * 1000);
    pd_store_stats(st, &s);
    assert_int_equal(s.timeouts_total, 1);
    assert_int_equal(s.in_use, 2);
    pd_store_release(st, a);
    pd_store_release(st, b);
    pd_store_stats(st, &s);
    assert_int_equal(s.in_use, 0);
    pd_store_close(st);
}

static int admin_count(const char *sql)
{
    PGresult *r = PQexec(pg_admin, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("admin: %s: %s", sql, PQerrorMessage(pg_admin));
    int n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

static void kill_sessions(const char *app)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
             " WHERE application_name = '%s'",
             app);
    assert_true(admin_count(sql) >= 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'",
             app);
    for (int i = 0; i < 250 && admin_count(sql) > 0; i++)
        sleep_ms(20);
    assert_int_equal(admin_count(sql), 0);
    sleep_ms(50); /* let the FIN reach the client socket */
}

static pd_qs ping_cb(pd_db *db, void *cls)
{
    (*(int *)cls)++;
    return db->ops->ping(db);
}

static void test_pg_connection_recovery(void **state)
{
    if (!is_pg)
        skip();
    /* The database going away and coming back, in miniature: kill the
     * server sessions of a store (as a restart would) and check that it
     * reports the dead session and then heals by itself. */
    char url[600];
    snprintf(url, sizeof url, "%s?application_name=pd_ct_recover", ct_store->url);
    struct pd_store_options o;
    pd_store_options_default(&o);
    o.pool_size = 2;
    pd_store *st = ct_open(url, &o);

    pd_db *a = pd_store_acquire(st);
    assert_non_null(a);
    assert_int_equal(a->ops->ping(a), PD_QS_ONE);
    kill_sessions("pd_ct_recover");
    assert_int_equal(a->ops->ping(a), PD_QS_HARD); /* dead, and says so */
    pd_store_release(st, a);
    assert_true(pd_store_ping(st)); /* the next acquire reconnected */

    /* A session that died while idle in the pool is replaced before use:
     * the first transaction after the "restart" succeeds on its first try. */
    kill_sessions("pd_ct_recover");
    int calls = 0;
    assert_int_equal(pd_tx_run(st, "after restart", true, ping_cb, &calls), PD_QS_ONE);
    assert_int_equal(calls, 1);

    /* Statements prepared before the reconnect are prepared again. */
    struct pd_node n;
    pd_db *db = ct_begin(st);
    ct_node(db, "RC-", PD_NODE_HEAD_OFFICE, 0, &n);
    ct_commit(db);
    kill_sessions("pd_ct_recover");
    struct pd_node back;
    db = ct_begin(st);
    assert_int_equal(db->ops->node_get(db, n.id, &back), PD_QS_ONE);
    assert_string_equal(back.code, n.code);
    ct_commit(db);
    pd_store_close(st);
}

static void test_pg_unreachable(void **state)
{
    if (!is_pg)
        skip();
    /* A pool whose database is gone: acquire returns NULL promptly and
     * pd_tx_run reports HARD; nothing crashes or hangs. */
    char url[512];
    ct_fresh_url(url);
    struct pd_store_options o;
    pd_store_options_default(&o);
    o.pool_size = 1;
    char app_url[600];
    snprintf(app_url, sizeof app_url, "%s?application_name=pd_ct_gone", url);
    pd_store *st = ct_open(app_url, &o);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", pg_made[pg_nmade - 1]);
    admin_exec(sql);
    pg_made[pg_nmade - 1][0] = '\0'; /* nothing left to drop */
    sleep_ms(50);
    assert_false(pd_store_ping(st));
    int calls = 0;
    assert_int_equal(pd_tx_run(st, "gone", true, ping_cb, &calls), PD_QS_HARD);
    assert_int_equal(calls, 0);
    struct pd_store_stats s;
    pd_store_stats(st, &s);
    assert_int_equal(s.in_use, 0);
    pd_store_close(st);
}

const struct CMUnitTest ct_tests_core[] = {
    cmocka_unit_test_teardown(test_options_default, ct_cleanup),
    cmocka_unit_test_teardown(test_open_errors, ct_cleanup),
    cmocka_unit_test_teardown(test_backend_and_ping, ct_cleanup),
    cmocka_unit_test_teardown(test_migrate_from_empty, ct_cleanup),
    cmocka_unit_test_teardown(test_migrate_concurrent, ct_cleanup),
    cmocka_unit_test_teardown(test_tx_commit_returns_result, ct_cleanup),
    cmocka_unit_test_teardown(test_tx_abort_rolls_back, ct_cleanup),
    cmocka_unit_test_teardown(test_tx_soft_retried, ct_cleanup),
    cmocka_unit_test_teardown(test_tx_soft_gives_up, ct_cleanup),
    cmocka_unit_test_teardown(test_tx_hard_rolls_back, ct_cleanup),
    cmocka_unit_test_teardown(test_concurrent_writers, ct_cleanup),
    cmocka_unit_test_teardown(test_lock_conflict_is_soft, ct_cleanup),
    cmocka_unit_test_teardown(test_pool_stats, ct_cleanup),
    cmocka_unit_test_teardown(test_pg_connection_recovery, ct_cleanup),
    cmocka_unit_test_teardown(test_pg_unreachable, ct_cleanup),
};
const size_t ct_tests_core_n = sizeof ct_tests_core / sizeof *ct_tests_core;

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "pg") != 0)) {
        fprintf(stderr, "usage: %s sqlite|pg\n", argv[0]);
        return 2;
    }
    is_pg = strcmp(argv[1], "pg") == 0;
    if (is_pg) {
        pg_base = getenv("PD_TEST_PG_URL");
        if (!pg_base || !*pg_base) {
            const char *ci = getenv("CI");
            if (ci && strcmp(ci, "true") == 0) {
                fprintf(stderr, "store_contract pg: PD_TEST_PG_URL is not set, and under CI a "
                                "missing PostgreSQL is a failure (start one with "
                                "scripts/pg-cluster.sh start)\n");
                return 1;
            }
            printf("skipping: PD_TEST_PG_URL is not set (start PostgreSQL with "
                   "scripts/pg-cluster.sh start)\n");
            return 77;
        }
        pg_admin = PQconnectdb(pg_base);
        if (PQstatus(pg_admin) != CONNECTION_OK) {
            fprintf(stderr, "store_contract pg: cannot connect to PD_TEST_PG_URL: %s",
                    PQerrorMessage(pg_admin));
            PQfinish(pg_admin);
            return 1;
        }
        PGresult *r = PQexec(pg_admin, "SET client_min_messages = warning");
        PQclear(r);
    } else {
        snprintf(tmpdir, sizeof tmpdir, "%s/pd-contract-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            return 1;
        }
    }

    size_t n = ct_tests_core_n + ct_tests_org_n + ct_tests_auth_n + ct_tests_audit_n +
               ct_tests_orders_n + ct_tests_areas_n + ct_tests_rates_n + ct_tests_goods_n +
               ct_tests_notify_n + ct_tests_scans_n;
    n += ct_tests_ccrec_n;
    n += ct_tests_callcenter_n;
    n += ct_tests_problems_n;
    n += ct_tests_bags_n; /* contract_bags.c (issue 4 item 2) */
    /* contract_tickets.c (issue 5 part A) */
    n += ct_tests_tickets_n;
    n += ct_tests_service_n;
    n += ct_tests_trips_n; /* contract_trips.c (issue 4 item 2) */
    struct CMUnitTest *all = calloc(n, sizeof *all);
    size_t k = 0;
    memcpy(all + k, ct_tests_core, ct_tests_core_n * sizeof *all), k += ct_tests_core_n;
    memcpy(all + k, ct_tests_org, ct_tests_org_n * sizeof *all), k += ct_tests_org_n;
    memcpy(all + k, ct_tests_auth, ct_tests_auth_n * sizeof *all), k += ct_tests_auth_n;
    memcpy(all + k, ct_tests_audit, ct_tests_audit_n * sizeof *all), k += ct_tests_audit_n;
    memcpy(all + k, ct_tests_orders, ct_tests_orders_n * sizeof *all), k += ct_tests_orders_n;
    memcpy(all + k, ct_tests_rates, ct_tests_rates_n * sizeof *all), k += ct_tests_rates_n;
    memcpy(all + k, ct_tests_areas, ct_tests_areas_n * sizeof *all), k += ct_tests_areas_n;
    memcpy(all + k, ct_tests_goods, ct_tests_goods_n * sizeof *all), k += ct_tests_goods_n;
    memcpy(all + k, ct_tests_notify, ct_tests_notify_n * sizeof *all), k += ct_tests_notify_n;
    memcpy(all + k, ct_tests_scans, ct_tests_scans_n * sizeof *all), k += ct_tests_scans_n;
    memcpy(all + k, ct_tests_ccrec, ct_tests_ccrec_n * sizeof *all), k += ct_tests_ccrec_n;
    memcpy(all + k, ct_tests_callcenter, ct_tests_callcenter_n * sizeof *all),
        k += ct_tests_callcenter_n;
    memcpy(all + k, ct_tests_problems, ct_tests_problems_n * sizeof *all), k += ct_tests_problems_n;
    memcpy(all + k, ct_tests_bags, ct_tests_bags_n * sizeof *all), k += ct_tests_bags_n;
    memcpy(all + k, ct_tests_tickets, ct_tests_tickets_n * sizeof *all), k += ct_tests_tickets_n;
    memcpy(all + k, ct_tests_service, ct_tests_service_n * sizeof *all), k += ct_tests_service_n;
    memcpy(all + k, ct_tests_trips, ct_tests_trips_n * sizeof *all), k += ct_tests_trips_n;
    char name[32];
    snprintf(name, sizeof name, "store contract (%s)", is_pg ? "postgresql" : "sqlite");
    int failed = _cmocka_run_group_tests(name, all, n, group_setup, group_teardown);
    free(all);
    cleanup_databases();
    return failed ? 1 : 0;
}
