/*
 * The PostgreSQL backend's connection pool, transactions and schema
 * operations, the shared statement helpers, and its operations table.
 *
 * The pool. pool_size connection slots, handed out most-recently-used first
 * (warm sessions, warm prepared statements) under one mutex; a thread finding
 * none free waits on a condition variable up to acquire_timeout_ms and then
 * gets NULL (counted in timeouts_total). Sessions are opened lazily, on the
 * first acquire of a slot, except the first one, which pd_store_open() opens
 * to report a bad URL or password at once.
 *
 * Surviving the database. A slot whose session failed at the connection
 * level (PQstatus bad, SQLSTATE class 08, 57P0x) is marked broken and the
 * operation returns PD_QS_HARD. Before a slot is handed out, libpq reads
 * whatever the server sent while it sat idle (PQconsumeInput does not
 * block), which is how a session killed by a server restart is noticed
 * before it fails a request. A broken or dead session is re-established
 * with PQreset() once per acquire; if that fails the acquire returns NULL,
 * so while the database is away callers get a clean "unavailable" and, once
 * it is back, the next acquire reconnects. A reconnect forgets the session's
 * prepared statements, so their flags are cleared.
 *
 * Transactions are READ COMMITTED (READ ONLY for readers); 40001 and 40P01
 * map to PD_QS_SOFT for the runner to retry.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

struct pg_store {
    struct pd_store base;
    struct pd_store_options opt;
    char url[512];
    pthread_mutex_t mu; /* guards the free list and counters */
    pthread_cond_t cv;  /* signalled when a slot comes back */
    struct pd__pg_conn *slots;
    struct pd__pg_conn *free_list;
    int in_use;
    int waiting;
    long long acquired_total;
    long long timeouts_total;
};

/* PostgreSQL's cache is the server's shared buffers: nothing per connection. */
static pd_qs pg_set_cache_kib(pd_db *db, long kib)
{
    (void)db;
    (void)kib;
    return PD_QS_NONE;
}

static pd_qs pg_plan_generic(pd_db *db)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    if (PD_BREAK(PQtransactionStatus(c->pg) == PQTRANS_INTRANS))
        return PD_QS_HARD;
    /* SET LOCAL: the session's force_custom_plan (connect_db) is back at
     * COMMIT or ROLLBACK, so no pooled connection keeps generic plans. */
    pd_qs qs =
        pd__pg_cmd(c, PD_PG_PLAN_GENERIC, "SET LOCAL plan_cache_mode = force_generic_plan", NULL);
    return qs < 0 ? qs : PD_QS_NONE;
}

static const struct pd_store_ops pg_ops;

/* ---- helpers ------------------------------------------------------------ */

void pd__pg_p_text(struct pd__pg_params *p, const char *s)
{
    if (PD_BREAK(p->n < PD_PG_MAX_PARAMS))
        return;
    p->v[p->n++] = s;
}

void pd__pg_p_opt(struct pd__pg_params *p, const char *s)
{
    pd__pg_p_text(p, s && *s ? s : NULL);
}

void pd__pg_p_i64(struct pd__pg_params *p, int64_t v)
{
    if (PD_BREAK(p->n < PD_PG_MAX_PARAMS))
        return;
    snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

void pd__pg_p_bool(struct pd__pg_params *p, bool v)
{
    pd__pg_p_text(p, v ? "t" : "f");
}

void pd__pg_col(const PGresult *r, int row, int col, char *dst, size_t cap)
{
    pd__copy_text(dst, cap, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

int64_t pd__pg_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool pd__pg_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

const char *pd__pg_last_error(pd_db *db)
{
    return ((struct pd__pg_conn *)db)->err;
}

/* libpq's messages span lines ("…\n\tThis probably means…"); the log
 * wants one line per message. */
static void set_err(struct pd__pg_conn *c, const char *what, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s: %s", what, msg && *msg ? msg : "unknown error");
    size_t n = 0;
    for (const char *p = c->err; *p; p++) {
        char ch = *p == '\n' || *p == '\t' ? ' ' : *p;
        if (ch == ' ' && (n == 0 || c->err[n - 1] == ' '))
            continue;
        c->err[n++] = ch;
    }
    while (n > 0 && c->err[n - 1] == ' ')
        n--;
    c->err[n] = '\0';
}

/* Map a failed result to pd_qs, marking the session broken when the failure
 * was the connection's rather than the statement's. */
static pd_qs fail(struct pd__pg_conn *c, const PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    set_err(c, what,
            r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (PQstatus(c->pg) != CONNECTION_OK ||
        (state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))) {
        c->broken = true;
        pd_warn("postgresql: connection lost: %s", c->err);
        return PD_QS_HARD;
    }
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
        pd_debug("postgresql: %s", c->err);
        return PD_QS_SOFT;
    }
    pd_warn("postgresql: %s%s%s", c->err, state ? " SQLSTATE " : "", state ? state : "");
    return PD_QS_HARD;
}

PGresult *pd__pg_run(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                     const struct pd__pg_params *p, pd_qs *qs)
{
    static const struct pd__pg_params none;
    char name[16];
    if (!p)
        p = &none;
    snprintf(name, sizeof name, "pd%d", (int)id);
    if (!c->prepared[id]) {
        PGresult *r = PQprepare(c->pg, name, sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char what[32];
            snprintf(what, sizeof what, "prepare %s", name);
            *qs = fail(c, r, what);
            PQclear(r);
            return NULL;
        }
        PQclear(r);
        c->prepared[id] = true;
    }
    PGresult *r = PQexecPrepared(c->pg, name, p->n, p->v, NULL, NULL, 0);
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK:
        *qs = (pd_qs)PQntuples(r);
        return r;
    case PGRES_COMMAND_OK:
        *qs = (pd_qs)atoi(PQcmdTuples(r)); /* "" for commands that count nothing */
        return r;
    default:
        *qs = fail(c, r, name);
        PQclear(r);
        return NULL;
    }
}

pd_qs pd__pg_cmd(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                 const struct pd__pg_params *p)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(c, id, sql, p, &qs);
    PQclear(r);
    return qs;
}

/* ---- sessions and the pool --------------------------------------------- */

static void on_notice(void *arg, const char *msg)
{
    /* NOTICEs ("table exists, skipping") are not for users' stderr. */
    size_t n = strlen(msg);
    pd_debug("postgresql: %.*s", (int)(n && msg[n - 1] == '\n' ? n - 1 : n), msg);
}

static PGconn *connect_db(const struct pg_store *st)
{
    /* Keywords before dbname are defaults the URL may override; the one
     * after it is forced: every string in ParcelDesk is UTF-8.
     * plan_cache_mode: after five runs PostgreSQL may switch a prepared
     * statement to a generic plan, which misjudges how many rows a subtree
     * range on nodes.path matches (measured: a state-filtered waybill list
     * over 300k rows went from 10 ms to 300 ms). Our statements are small
     * and planned in microseconds, so a custom plan every time is cheap. */
    const char *const keys[] = {"connect_timeout", "application_name", "options",
                                "dbname",          "client_encoding",  NULL};
    const char *const vals[] = {"5",     "parceldesk", "-c plan_cache_mode=force_custom_plan",
                                st->url, "UTF8",       NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (pg && PQstatus(pg) == CONNECTION_OK)
        PQsetNoticeProcessor(pg, on_notice, NULL);
    return pg;
}

/* Whether an idle session is still there. An idle session receives nothing
 * unless the server is going away: a terminated backend sends a FATAL
 * message and closes. libpq takes a message that arrives while idle for a
 * notice and keeps the status OK, and only the read after it sees the end of
 * the stream, so keep reading while the socket has something to read. In
 * the healthy case this costs one poll() with a zero timeout. */
static bool idle_alive(PGconn *pg)
{
    struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
    for (int i = 0; i < 8 && PQstatus(pg) == CONNECTION_OK; i++) {
        if (poll(&p, 1, 0) <= 0)
            return true;
        if (!PQconsumeInput(pg))
            return false;
    }
    return PQstatus(pg) == CONNECTION_OK;
}

/* Make slot @p c's session usable; false (logged) when the database cannot
 * be reached. Runs without the pool lock: connecting may take a while. */
static bool conn_ready(struct pg_store *st, struct pd__pg_conn *c)
{
    if (!c->pg) {
        c->pg = connect_db(st);
        if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
            set_err(c, "cannot connect", c->pg ? PQerrorMessage(c->pg) : "out of memory");
            pd_warn("postgresql: %s", c->err);
            PQfinish(c->pg);
            c->pg = NULL;
            return false;
        }
    } else if (c->broken || !idle_alive(c->pg)) {
        PQreset(c->pg);
        if (PQstatus(c->pg) != CONNECTION_OK) {
            c->broken = true;
            set_err(c, "reconnect failed", PQerrorMessage(c->pg));
            pd_warn("postgresql: %s", c->err);
            return false;
        }
        pd_info("postgresql: reconnected");
    } else {
        return true;
    }
    memset(c->prepared, 0, sizeof c->prepared);
    c->broken = false;
    return true;
}

static void put_back(struct pg_store *st, struct pd__pg_conn *c)
{
    pthread_mutex_lock(&st->mu);
    c->next_free = st->free_list;
    st->free_list = c;
    st->in_use--;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static pd_db *pg_acquire(pd_store *base)
{
    struct pg_store *st = (struct pg_store *)base;
    pthread_mutex_lock(&st->mu);
    if (!st->free_list) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        long ns = deadline.tv_nsec + (long)(st->opt.acquire_timeout_ms % 1000) * 1000000L;
        deadline.tv_sec += st->opt.acquire_timeout_ms / 1000 + ns / 1000000000L;
        deadline.tv_nsec = ns % 1000000000L;
        while (!st->free_list) {
            st->waiting++;
            int rc = pthread_cond_timedwait(&st->cv, &st->mu, &deadline);
            st->waiting--;
            if (rc == ETIMEDOUT && !st->free_list) {
                st->timeouts_total++;
                pthread_mutex_unlock(&st->mu);
                pd_warn("postgresql: no free connection within %d ms (pool_size %d)",
                        st->opt.acquire_timeout_ms, st->opt.pool_size);
                return NULL;
            }
        }
    }
    struct pd__pg_conn *c = st->free_list;
    st->free_list = c->next_free;
    c->next_free = NULL;
    st->in_use++;
    pthread_mutex_unlock(&st->mu);

    if (!conn_ready(st, c)) {
        put_back(st, c);
        return NULL;
    }
    pthread_mutex_lock(&st->mu);
    st->acquired_total++;
    pthread_mutex_unlock(&st->mu);
    return &c->base;
}

static void pg_release(pd_store *base, pd_db *db)
{
    struct pg_store *st = (struct pg_store *)base;
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    PGTransactionStatusType ts = c->pg ? PQtransactionStatus(c->pg) : PQTRANS_UNKNOWN;
    /* A transaction left open is a bug above; it must not reach the next
     * user of the session. */
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        pd_error("postgresql: connection released inside a transaction; rolling back");
        PGresult *r = PQexec(c->pg, "ROLLBACK");
        PQclear(r);
    } else if (ts == PQTRANS_ACTIVE || ts == PQTRANS_UNKNOWN) {
        c->broken = true;
    }
    put_back(st, c);
}

static void pg_stats(pd_store *base, struct pd_store_stats *out)
{
    struct pg_store *st = (struct pg_store *)base;
    pthread_mutex_lock(&st->mu);
    out->pool_size = st->opt.pool_size;
    out->in_use = st->in_use;
    out->waiting = st->waiting;
    out->acquired_total = st->acquired_total;
    out->timeouts_total = st->timeouts_total;
    pthread_mutex_unlock(&st->mu);
}

static void pg_close(pd_store *base)
{
    struct pg_store *st = (struct pg_store *)base;
    if (st->in_use > 0)
        pd_error("postgresql: closing the store with %d connections in use", st->in_use);
    for (int i = 0; i < st->opt.pool_size; i++)
        PQfinish(st->slots[i].pg);
    free(st->slots);
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

pd_store *pd__pg_open(const char *url, const struct pd_store_options *opts, char err[256])
{
    char *perr = NULL;
    PQconninfoOption *info = PQconninfoParse(url, &perr);
    if (!info) {
        snprintf(err, 256, "database URL is not a valid PostgreSQL URL: %s",
                 perr ? perr : "out of memory");
        PQfreemem(perr);
        return NULL;
    }
    PQconninfoFree(info);

    struct pg_store *st = calloc(1, sizeof *st);
    if (!st || !(st->slots = calloc((size_t)opts->pool_size, sizeof *st->slots))) {
        free(st);
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    st->base.ops = &pg_ops;
    st->opt = *opts;
    snprintf(st->url, sizeof st->url, "%s", url);
    pthread_mutex_init(&st->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines immune to clock steps */
    pthread_cond_init(&st->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* Slot 0 ends on top of the free list: it is the one opened now. */
    for (int i = opts->pool_size - 1; i >= 0; i--) {
        struct pd__pg_conn *c = &st->slots[i];
        c->base.ops = &pg_ops;
        c->base.store = &st->base;
        c->next_free = st->free_list;
        st->free_list = c;
    }
    struct pd__pg_conn *c0 = &st->slots[0];
    c0->pg = connect_db(st);
    if (!c0->pg || PQstatus(c0->pg) != CONNECTION_OK) {
        set_err(c0, "cannot connect to PostgreSQL",
                c0->pg ? PQerrorMessage(c0->pg) : "out of memory");
        snprintf(err, 256, "%s", c0->err);
        pg_close(&st->base);
        return NULL;
    }
    return &st->base;
}

/* ---- transactions -------------------------------------------------------- */

static pd_qs pg_begin(pd_db *db, bool read_only)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    c->err[0] = '\0';
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        pd_error("postgresql: begin inside a transaction (nested pd_tx_run?)");
        return PD_QS_HARD;
    }
    pd_qs qs = read_only ? pd__pg_cmd(c, PD_PG_BEGIN_RO,
                                      "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY", NULL)
                         : pd__pg_cmd(c, PD_PG_BEGIN, "BEGIN ISOLATION LEVEL READ COMMITTED", NULL);
    return qs < 0 ? qs : PD_QS_NONE;
}

static pd_qs pg_commit(pd_db *db)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_COMMIT, "COMMIT", NULL, &qs);
    if (!r)
        return qs;
    /* COMMIT of a transaction that had already failed succeeds as a
     * ROLLBACK: the callback ignored an error. Nothing was written. */
    bool committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
    PQclear(r);
    if (!committed) {
        set_err(c, "commit", "the transaction had failed and was rolled back");
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_NONE;
}

static void pg_rollback(pd_db *db)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
        pd__pg_cmd(c, PD_PG_ROLLBACK, "ROLLBACK", NULL);
}

static pd_qs pg_ping(pd_db *db)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_PING, "SELECT 1", NULL, &qs);
    PQclear(r);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* ---- schema ----------------------------------------------------------------- */

static pd_qs pg_exec_script(pd_db *db, const char *sql)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    /* Simple query protocol: a script is several statements, and holds no
     * parameters (migrations are compiled in, never built from input). */
    PGresult *r = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(r);
    pd_qs qs = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY
                   ? PD_QS_NONE
                   : fail(c, r, "script");
    PQclear(r);
    return qs;
}

static pd_qs pg_schema_version(pd_db *db, int *version)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    *version = 0;
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SCHEMA_EXISTS,
                             "SELECT to_regclass('schema_version') IS NOT NULL", NULL, &qs);
    if (!r)
        return qs;
    bool exists = pd__pg_bool(r, 0, 0);
    PQclear(r);
    if (!exists)
        return PD_QS_NONE;
    r = pd__pg_run(c, PD_PG_SCHEMA_VERSION, "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                   NULL, &qs);
    if (!r)
        return qs;
    *version = (int)pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

static pd_qs pg_schema_version_set(pd_db *db, int version, const char *name)
{
    struct pd__pg_conn *c = (struct pd__pg_conn *)db;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, version);
    pd__pg_p_text(&p, name);
    pd__pg_p_i64(&p, pd_now_ms());
    return pd__pg_cmd(c, PD_PG_SCHEMA_VERSION_SET,
                      "INSERT INTO schema_version (version, name, applied_ms)"
                      " VALUES ($1::integer, $2::text, $3::bigint)",
                      &p);
}

static const struct pd_store_ops pg_ops = {
    .backend = "postgresql",
    .acquire = pg_acquire,
    .release = pg_release,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .ping = pg_ping,
    .set_cache_kib = pg_set_cache_kib,
    .plan_generic = pg_plan_generic,
    .stats = pg_stats,
    .close = pg_close,
    .exec_script = pg_exec_script,
    .schema_version = pg_schema_version,
    .schema_version_set = pg_schema_version_set,
    .node_insert = pd__pg_node_insert,
    .node_get = pd__pg_node_get,
    .node_get_by_code = pd__pg_node_get_by_code,
    .node_list = pd__pg_node_list,
    .node_update = pd__pg_node_update,
    .node_dependents = pd__pg_node_dependents,
    .user_insert = pd__pg_user_insert,
    .user_get = pd__pg_user_get,
    .user_get_by_name = pd__pg_user_get_by_name,
    .user_list = pd__pg_user_list,
    .user_update = pd__pg_user_update,
    .user_set_password = pd__pg_user_set_password,
    .user_set_login_state = pd__pg_user_set_login_state,
    .session_insert = pd__pg_session_insert,
    .session_get = pd__pg_session_get,
    .session_touch = pd__pg_session_touch,
    .session_delete = pd__pg_session_delete,
    .session_delete_user = pd__pg_session_delete_user,
    .session_purge_expired = pd__pg_session_purge_expired,
    .apikey_insert = pd__pg_apikey_insert,
    .apikey_get_by_hash = pd__pg_apikey_get_by_hash,
    .apikey_get = pd__pg_apikey_get,
    .apikey_list = pd__pg_apikey_list,
    .apikey_revoke = pd__pg_apikey_revoke,
    .apikey_touch = pd__pg_apikey_touch,
    .audit_insert = pd__pg_audit_insert,
    .audit_list = pd__pg_audit_list,
    .waybill_insert = pd__pg_waybill_insert,
    .waybill_get = pd__pg_waybill_get,
    .waybill_get_by_idem = pd__pg_waybill_get_by_idem,
    .waybill_update = pd__pg_waybill_update,
    .waybill_list = pd__pg_waybill_list,
    .waybill_find_duplicate = pd__pg_waybill_find_duplicate,
    .parcel_list = pd__pg_parcel_list,
    .parcel_set_weight = pd__pg_parcel_set_weight,
    .customer_insert = pd__pg_customer_insert,
    .customer_get = pd__pg_customer_get,
    .customer_get_by_code = pd__pg_customer_get_by_code,
    .customer_list = pd__pg_customer_list,
    .customer_update = pd__pg_customer_update,
    .pickup_insert = pd__pg_pickup_insert,
    .pickup_get_open = pd__pg_pickup_get_open,
    .pickup_set_state = pd__pg_pickup_set_state,
    .pickup_list = pd__pg_pickup_list,
    .pickup_load = pd__pg_pickup_load,
    .inspection_insert = pd__pg_inspection_insert,
    .inspection_list = pd__pg_inspection_list,
    .special_rate_insert = pd__pg_special_rate_insert,
    .special_rate_get = pd__pg_special_rate_get,
    .special_rate_list = pd__pg_special_rate_list,
    .special_rate_set_state = pd__pg_special_rate_set_state,
    .node_areas_set = pd__pg_node_areas_set,
    .node_areas_list = pd__pg_node_areas_list,
    .node_for_division = pd__pg_node_for_division,
    .idem_answer_put = pd__pg_idem_answer_put,
    .idem_answer_get = pd__pg_idem_answer_get,
    .perm_list = pd__pg_perm_list,
    .perm_set = pd__pg_perm_set,
    .goods_rule_list = pd__pg_goods_rule_list,
    .goods_rule_get = pd__pg_goods_rule_get,
    .goods_rule_upsert = pd__pg_goods_rule_upsert,
    .goods_rule_insert_new = pd__pg_goods_rule_insert_new,
    .goods_stamp = pd__pg_goods_stamp,
    .scan_insert = pd__pg_scan_insert,
    .scan_list = pd__pg_scan_list,
    .scan_log_append = pd__pg_scan_log_append,
    .scan_log_take = pd__pg_scan_log_take,
    .scan_log_trim = pd__pg_scan_log_trim,
    .scan_log_state = pd__pg_scan_log_state,
    .tracking_put = pd__pg_tracking_put,
    .tracking_get_many = pd__pg_tracking_get_many,
    .tracking_put_many = pd__pg_tracking_put_many,
    .tracking_get = pd__pg_tracking_get,
    .tracking_list_stale = pd__pg_tracking_list_stale,
    .webhook_insert = pd__pg_webhook_insert,
    .webhook_get = pd__pg_webhook_get,
    .webhook_list = pd__pg_webhook_list,
    .webhook_delete = pd__pg_webhook_delete,
    .delivery_insert = pd__pg_delivery_insert,
    .delivery_claim = pd__pg_delivery_claim,
    .delivery_finish = pd__pg_delivery_finish,
    .delivery_get = pd__pg_delivery_get,
    .delivery_list = pd__pg_delivery_list,
    .delivery_attempts = pd__pg_delivery_attempts,
    .delivery_revive = pd__pg_delivery_revive,
    .outbox_insert = pd__pg_outbox_insert,
    .outbox_claim = pd__pg_outbox_claim,
    .outbox_finish = pd__pg_outbox_finish,
    .outbox_list = pd__pg_outbox_list,
    .notify_purge = pd__pg_notify_purge,
    /* call-centre records (issue 6 part B) */
    .cc_agent_insert = pd__pg_cc_agent_insert,
    .cc_agent_update = pd__pg_cc_agent_update,
    .cc_agent_get = pd__pg_cc_agent_get,
    .cc_agent_list = pd__pg_cc_agent_list,
    .cc_qa_form_insert = pd__pg_cc_qa_form_insert,
    .cc_qa_form_get = pd__pg_cc_qa_form_get,
    .cc_qa_form_list = pd__pg_cc_qa_form_list,
    .cc_qa_score_insert = pd__pg_cc_qa_score_insert,
    .cc_qa_score_list = pd__pg_cc_qa_score_list,
    .cc_shift_insert = pd__pg_cc_shift_insert,
    .cc_shift_get = pd__pg_cc_shift_get,
    .cc_shift_list = pd__pg_cc_shift_list,
    .cc_attendance_put = pd__pg_cc_attendance_put,
    .cc_cost_insert = pd__pg_cc_cost_insert,
    .cc_cost_list = pd__pg_cc_cost_list,
    .cc_own_qa = pd__pg_cc_own_qa,
    .cc_own_shifts = pd__pg_cc_own_shifts,
    .cc_own_waybills = pd__pg_cc_own_waybills,
    .cc_lookup_customers = pd__pg_cc_lookup_customers,
    .cc_lookup_waybills = pd__pg_cc_lookup_waybills,
    /* problem parcels, return receipts, the stale-parcel job (issue 4) */
    .problem_open = pd__pg_problem_open,
    .problem_get = pd__pg_problem_get,
    .problem_list = pd__pg_problem_list,
    .problem_close = pd__pg_problem_close,
    .monitor_quiet = pd__pg_monitor_quiet,
    .monitor_delayed = pd__pg_monitor_delayed,
    .receipt_insert = pd__pg_receipt_insert,
    .receipt_get = pd__pg_receipt_get,
    .receipt_step = pd__pg_receipt_step,
    .receipt_list = pd__pg_receipt_list,
    .receipt_overdue_count = pd__pg_receipt_overdue_count,
    /* the call centre's queue log (issue 6 part A) */
    .cc_log_insert = pd__pg_cc_log_insert,
    .cc_log_stream = pd__pg_cc_log_stream,
    /* bags (issue 4 item 2) */
    .bag_get = pd__pg_bag_get,
    .bag_add = pd__pg_bag_add,
    .bag_remove = pd__pg_bag_remove,
    .bag_contents = pd__pg_bag_contents,
    .bag_event_find = pd__pg_bag_event_find,
    .bag_event_insert = pd__pg_bag_event_insert,
    .bag_event_list = pd__pg_bag_event_list,
    /* service desk (issue 5 part A): pg_tickets.c */
    .ticket_insert = pd__pg_ticket_insert,
    .ticket_get = pd__pg_ticket_get,
    .ticket_list = pd__pg_ticket_list,
    .ticket_update = pd__pg_ticket_update,
    .ticket_event_insert = pd__pg_ticket_event_insert,
    .ticket_event_list = pd__pg_ticket_event_list,
    .ticket_pause_open = pd__pg_ticket_pause_open,
    .ticket_pause_close = pd__pg_ticket_pause_close,
    .ticket_pause_list = pd__pg_ticket_pause_list,
    .ticket_clock_insert = pd__pg_ticket_clock_insert,
    .ticket_clock_update = pd__pg_ticket_clock_update,
    .ticket_clock_list = pd__pg_ticket_clock_list,
    .ticket_clock_due = pd__pg_ticket_clock_due,
    .ticket_escalation_insert = pd__pg_ticket_escalation_insert,
    .ticket_escalation_get = pd__pg_ticket_escalation_get,
    .ticket_escalation_list = pd__pg_ticket_escalation_list,
    .ticket_escalation_read = pd__pg_ticket_escalation_read,
    .ticket_supervisor_node = pd__pg_ticket_supervisor_node,
    .ticket_corrective_insert = pd__pg_ticket_corrective_insert,
    .ticket_corrective_get = pd__pg_ticket_corrective_get,
    .ticket_corrective_update = pd__pg_ticket_corrective_update,
    .ticket_corrective_list = pd__pg_ticket_corrective_list,
    .ticket_stats_complaints = pd__pg_ticket_stats_complaints,
    .ticket_stats_waybills = pd__pg_ticket_stats_waybills,
    .ticket_stats_clocks = pd__pg_ticket_stats_clocks,
    .ticket_stats_csat = pd__pg_ticket_stats_csat,
    /* service desk part B (issue 5: problems in full, knowledge base, handover) */
    .problem_open_scan = pd__pg_problem_open_scan,
    .problem_exception_scans = pd__pg_problem_exception_scans,
    .job_cursor_get = pd__pg_job_cursor_get,
    .job_cursor_put = pd__pg_job_cursor_put,
    .problem_more_get = pd__pg_problem_more_get,
    .problem_list_more = pd__pg_problem_list_more,
    .problem_touch = pd__pg_problem_touch,
    .problem_action_insert = pd__pg_problem_action_insert,
    .problem_action_list = pd__pg_problem_action_list,
    .problem_contact_insert = pd__pg_problem_contact_insert,
    .problem_contact_list = pd__pg_problem_contact_list,
    .problem_evidence_insert = pd__pg_problem_evidence_insert,
    .problem_evidence_get = pd__pg_problem_evidence_get,
    .problem_evidence_list = pd__pg_problem_evidence_list,
    .compensation_case_insert = pd__pg_compensation_case_insert,
    .compensation_case_list = pd__pg_compensation_case_list,
    .problem_stats = pd__pg_problem_stats,
    .kb_insert = pd__pg_kb_insert,
    .kb_get = pd__pg_kb_get,
    .kb_update = pd__pg_kb_update,
    .kb_delete = pd__pg_kb_delete,
    .kb_list = pd__pg_kb_list,
    .kb_search = pd__pg_kb_search,
    .handover_insert = pd__pg_handover_insert,
    .handover_get = pd__pg_handover_get,
    .handover_ack = pd__pg_handover_ack,
    .handover_list = pd__pg_handover_list,
    /* trips (issue 4 item 2) */
    .vehicle_insert = pd__pg_vehicle_insert,
    .vehicle_get = pd__pg_vehicle_get,
    .vehicle_list = pd__pg_vehicle_list,
    .trip_insert = pd__pg_trip_insert,
    .trip_get = pd__pg_trip_get,
    .trip_list = pd__pg_trip_list,
    .trip_set_state = pd__pg_trip_set_state,
    .trip_item_add = pd__pg_trip_item_add,
    .trip_item_holder = pd__pg_trip_item_holder,
    .trip_item_remove = pd__pg_trip_item_remove,
    .trip_item_list = pd__pg_trip_item_list,
    .trip_scans = pd__pg_trip_scans,
};
