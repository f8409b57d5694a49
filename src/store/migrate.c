/*
 * Forward-only migrations (migrate.h). Each step is one transaction through
 * pd_tx_run(): take the migration lock, make sure schema_version exists, read
 * the version, run the next script and record it. Re-reading the version
 * under the lock is what makes two processes migrating at once safe: the
 * second waits for the first's commit and then finds nothing left to do.
 * The lock is the database's own: PostgreSQL's transaction-scoped advisory
 * lock, and for SQLite the write lock that BEGIN IMMEDIATE takes.
 */
#include "store/migrate.h"

#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "store/tx.h"
#include "util/log.h"

/* Valid on both backends; 001 repeats it with IF NOT EXISTS so that either
 * may run first. */
static const char schema_version_ddl[] = "CREATE TABLE IF NOT EXISTS schema_version ("
                                         " version INTEGER PRIMARY KEY,"
                                         " name TEXT NOT NULL,"
                                         " applied_ms BIGINT NOT NULL)";

/* Any constant works as long as nothing else in the database uses it:
 * 0x50444D49 is "PDMI". */
static const char pg_lock_sql[] = "SELECT pg_advisory_xact_lock(1346653513)";

struct mig_ctx {
    const struct pd_migration *table;
    bool is_pg;
    int latest;
    int before; /* version when the first step looked; -1 until then */
    int now;    /* version after the last committed step */
    bool done;  /* the last step found nothing to run */
    char err[256];
};

static const struct pd_migration *table_of(const pd_store *st, bool *is_pg)
{
    *is_pg = strcmp(pd_store_backend(st), "sqlite") != 0;
    return *is_pg ? pd_migrations_pg : pd_migrations_sqlite;
}

static int latest_of(const struct pd_migration *t)
{
    int v = 0;
    for (; t->version; t++)
        if (t->version > v)
            v = t->version;
    return v;
}

int pd_store_latest_version(const pd_store *st)
{
    bool is_pg;
    return latest_of(table_of(st, &is_pg));
}

static pd_qs step(pd_db *db, void *cls)
{
    struct mig_ctx *m = cls;
    const struct pd_store_ops *ops = db->ops;
    pd_qs qs;
    m->done = false;
    m->err[0] = '\0';

    if (m->is_pg && (qs = ops->exec_script(db, pg_lock_sql)) < 0) {
        snprintf(m->err, sizeof m->err, "cannot take the migration lock: %s",
                 pd__db_last_error(db));
        return qs;
    }
    if ((qs = ops->exec_script(db, schema_version_ddl)) < 0) {
        snprintf(m->err, sizeof m->err, "cannot create schema_version: %s", pd__db_last_error(db));
        return qs;
    }
    int cur = 0;
    if ((qs = ops->schema_version(db, &cur)) < 0) {
        snprintf(m->err, sizeof m->err, "cannot read schema_version: %s", pd__db_last_error(db));
        return qs;
    }
    if (m->before < 0)
        m->before = cur;
    m->now = cur;
    if (cur > m->latest) {
        snprintf(m->err, sizeof m->err,
                 "the database is at schema version %d, newer than this program knows (%d); "
                 "upgrade parceldesk",
                 cur, m->latest);
        return PD_QS_ABORT;
    }
    const struct pd_migration *next = NULL;
    for (const struct pd_migration *t = m->table; t->version; t++)
        if (t->version > cur && (!next || t->version < next->version))
            next = t;
    if (!next) {
        m->done = true;
        return PD_QS_NONE;
    }
    if ((qs = ops->exec_script(db, next->sql)) < 0) {
        snprintf(m->err, sizeof m->err, "migration %s failed: %s", next->name,
                 pd__db_last_error(db));
        return qs;
    }
    if ((qs = ops->schema_version_set(db, next->version, next->name)) < 0) {
        snprintf(m->err, sizeof m->err, "cannot record migration %s: %s", next->name,
                 pd__db_last_error(db));
        return qs;
    }
    m->now = next->version;
    return PD_QS_ONE;
}

bool pd_store_migrate(pd_store *st, int *from, int *to, char err[256])
{
    struct mig_ctx m = {.before = -1};
    m.table = table_of(st, &m.is_pg);
    m.latest = latest_of(m.table);
    err[0] = '\0';
    bool ok = false;
    /* One transaction per script; the loop ends when a step finds nothing to
     * run. The bound only guards against a table that never converges. */
    for (int guard = 0; guard <= m.latest + 1; guard++) {
        pd_qs qs = pd_tx_run(st, "migrate", false, step, &m);
        if (qs < 0) {
            snprintf(err, 256, "%s",
                     m.err[0] ? m.err
                     : qs == PD_QS_SOFT
                         ? "the database stayed busy; another migration may be running"
                         : "cannot reach the database");
            break;
        }
        if (m.done) {
            ok = true;
            break;
        }
        pd_info("migrate: applied version %d", m.now);
    }
    if (ok && m.now != m.latest) {
        snprintf(err, 256, "migrations stopped at version %d of %d", m.now, m.latest);
        ok = false;
    }
    if (from)
        *from = m.before < 0 ? 0 : m.before;
    if (to)
        *to = m.now;
    return ok;
}
