/*
 * Internals of the SQLite backend, shared by its files: the connection and
 * store structs, the statement ids of the per-connection statement cache,
 * and the bind/step/column helpers. Only the files of src/store/sqlite
 * include it; the rest of the store sees pd__sqlite_open() in store_int.h.
 *
 * Statements: every query has an id below; pd__sq_prep() prepares its SQL
 * the first time a connection runs it and hands back the cached statement
 * afterwards. The SQL text stays beside the function that runs it. After use
 * a statement must go back through pd__sq_done() (reset + clear bindings).
 */
#ifndef PD_STORE_SQLITE_INT_H
#define PD_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_int.h"

enum pd_sq_stmt {
    PD_SQ_BEGIN,
    PD_SQ_BEGIN_IMMEDIATE,
    PD_SQ_COMMIT,
    PD_SQ_ROLLBACK,
    PD_SQ_PING,
    PD_SQ_SCHEMA_EXISTS,
    PD_SQ_SCHEMA_VERSION,
    PD_SQ_SCHEMA_VERSION_SET,
    PD_SQ_NODE_INSERT,
    PD_SQ_NODE_GET,
    PD_SQ_NODE_GET_BY_CODE,
    PD_SQ_NODE_LIST,
    PD_SQ_NODE_UPDATE,
    PD_SQ_NODE_DEPENDENTS,
    PD_SQ_USER_INSERT,
    PD_SQ_USER_GET,
    PD_SQ_USER_GET_BY_NAME,
    PD_SQ_USER_LIST,
    PD_SQ_USER_UPDATE,
    PD_SQ_USER_SET_PASSWORD,
    PD_SQ_USER_SET_LOGIN_STATE,
    PD_SQ_PERM_LIST,
    PD_SQ_PERM_GRANT,
    PD_SQ_PERM_REVOKE,
    PD_SQ_SESSION_INSERT,
    PD_SQ_SESSION_GET,
    PD_SQ_SESSION_TOUCH,
    PD_SQ_SESSION_DELETE,
    PD_SQ_SESSION_DELETE_USER,
    PD_SQ_SESSION_PURGE,
    PD_SQ_APIKEY_INSERT,
    PD_SQ_APIKEY_GET_BY_HASH,
    PD_SQ_APIKEY_GET,
    PD_SQ_APIKEY_LIST,
    PD_SQ_APIKEY_REVOKE,
    PD_SQ_APIKEY_TOUCH,
    PD_SQ_AUDIT_INSERT,
    PD_SQ_AUDIT_LIST,
    PD_SQ_WAYBILL_SERIAL,
    PD_SQ_WAYBILL_INSERT,
    PD_SQ_PARCEL_INSERT,
    PD_SQ_WAYBILL_GET,
    PD_SQ_WAYBILL_GET_BY_IDEM,
    PD_SQ_WAYBILL_UPDATE,
    PD_SQ_WAYBILL_LIST_PHONE,
    PD_SQ_WAYBILL_LIST_REF,
    PD_SQ_WAYBILL_LIST_CUSTOMER,
    PD_SQ_WAYBILL_LIST_COURIER,
    PD_SQ_WAYBILL_LIST_STATE,
    PD_SQ_WAYBILL_LIST_CREATED,
    PD_SQ_WAYBILL_LIST_ALL,
    PD_SQ_WAYBILL_LIST_WIDE,
    PD_SQ_WAYBILL_FIND_DUPLICATE,
    PD_SQ_PARCEL_LIST,
    PD_SQ_PARCEL_SET_WEIGHT,
    PD_SQ_CUSTOMER_INSERT,
    PD_SQ_CUSTOMER_GET,
    PD_SQ_CUSTOMER_GET_BY_CODE,
    PD_SQ_CUSTOMER_LIST,
    PD_SQ_CUSTOMER_UPDATE,
    PD_SQ_PICKUP_INSERT,
    PD_SQ_PICKUP_GET_OPEN,
    PD_SQ_PICKUP_SET_STATE,
    PD_SQ_PICKUP_LIST,
    PD_SQ_PICKUP_LOAD,
    PD_SQ_INSPECTION_INSERT,
    PD_SQ_INSPECTION_LIST,
    PD_SQ_AREAS_DELETE,
    PD_SQ_AREAS_INSERT,
    PD_SQ_AREAS_LIST,
    PD_SQ_AREAS_SERVING,
    PD_SQ_IDEM_ANSWER_PUT,
    PD_SQ_IDEM_ANSWER_GET,
    PD_SQ_SR_SERIAL,
    PD_SQ_SR_INSERT,
    PD_SQ_SR_GET,
    PD_SQ_SR_LIST,
    PD_SQ_SR_DECIDE,
    PD_SQ_SR_REVOKE,
    PD_SQ_GOODS_LIST,
    PD_SQ_GOODS_GET,
    PD_SQ_GOODS_UPSERT,
    PD_SQ_GOODS_INSERT_NEW,
    PD_SQ_GOODS_STAMP,
    /* sqlite_notify.c: notifications */
    PD_SQ_WEBHOOK_INSERT,
    PD_SQ_WEBHOOK_GET,
    PD_SQ_WEBHOOK_LIST,
    PD_SQ_WEBHOOK_DELETE,
    PD_SQ_WEBHOOK_CANCEL,
    PD_SQ_DELIVERY_INSERT,
    PD_SQ_DELIVERY_CLAIM,
    PD_SQ_DELIVERY_CLAIMED,
    PD_SQ_DELIVERY_FINISH,
    PD_SQ_DELIVERY_RELEASE,
    PD_SQ_ATTEMPT_INSERT,
    PD_SQ_DELIVERY_GET,
    PD_SQ_DELIVERY_LIST,
    PD_SQ_DELIVERY_LIST_STATE,
    PD_SQ_ATTEMPT_LIST,
    PD_SQ_DELIVERY_REVIVE,
    PD_SQ_OUTBOX_INSERT,
    PD_SQ_OUTBOX_CLAIM,
    PD_SQ_OUTBOX_CLAIMED,
    PD_SQ_OUTBOX_FINISH,
    PD_SQ_OUTBOX_LIST,
    PD_SQ_PURGE_DELIVERIES,
    PD_SQ_PURGE_OUTBOX,
    PD_SQ_SCAN_INSERT,
    PD_SQ_SCAN_LIST,
    PD_SQ_TRACKING_PUT,
    PD_SQ_TRACKING_GET,
    PD_SQ_TRACKING_STALE,
    PD_SQ__COUNT
};

/* One connection, owned by one thread at a time (see sqlite_db.c). */
struct pd__sq_conn {
    struct pd_db base;
    sqlite3 *h;
    sqlite3_stmt *stmt[PD_SQ__COUNT];
    int depth;                     /* nested acquires by the owning thread */
    struct pd__sq_conn *next_all;  /* every connection of the store */
    struct pd__sq_conn *next_free; /* connections whose thread has exited */
    char err[256];                 /* last failure, for logs and migrate's message */
    bool holds_write;              /* this connection holds the store's writer mutex */
};

/**
 * Map a failed SQLite result code @p rc to pd_qs: BUSY and LOCKED are
 * PD_QS_SOFT, anything else PD_QS_HARD. Records the message in c->err and
 * logs it; @p what names the operation.
 */
pd_qs pd__sq_fail(struct pd__sq_conn *c, int rc, const char *what);

/**
 * The cached statement @p id of connection @p c, preparing @p sql on first
 * use. @return NULL (logged) when the SQL does not prepare: a bug.
 */
sqlite3_stmt *pd__sq_prep(struct pd__sq_conn *c, enum pd_sq_stmt id, const char *sql);

/** Reset @p s and clear its bindings so the cache can hand it out again. */
void pd__sq_done(sqlite3_stmt *s);

/**
 * Step a statement that returns no rows (or whose rows are not needed).
 * @return the number of rows changed, or a negative pd_qs.
 */
pd_qs pd__sq_exec(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what);

/** Bind text; NULL binds SQL NULL. */
void pd__sq_text(sqlite3_stmt *s, int i, const char *v);
/** Bind text, with NULL and "" both binding SQL NULL ("no filter"). */
void pd__sq_opt(sqlite3_stmt *s, int i, const char *v);
void pd__sq_i64(sqlite3_stmt *s, int i, int64_t v);
/** Copy text column @p i into dst[cap] (NULL reads as ""). */
void pd__sq_col(sqlite3_stmt *s, int i, char *dst, size_t cap);

/* Operations, one file per aggregate: sqlite_db.c (connections,
 * transactions, schema), sqlite_org.c (nodes, users, permissions),
 * sqlite_auth.c (sessions, API keys), sqlite_audit.c. */
pd_qs pd__sq_node_insert(pd_db *db, struct pd_node *n, bool *dup);
pd_qs pd__sq_node_get(pd_db *db, int64_t id, struct pd_node *out);
pd_qs pd__sq_node_get_by_code(pd_db *db, const char *code, struct pd_node *out);
pd_qs pd__sq_node_list(pd_db *db, const char *path_prefix, pd_node_cb cb, void *cls);
pd_qs pd__sq_node_update(pd_db *db, const struct pd_node *n);
pd_qs pd__sq_node_dependents(pd_db *db, int64_t id, int64_t *count);
pd_qs pd__sq_user_insert(pd_db *db, struct pd_user *u, bool *dup);
pd_qs pd__sq_user_get(pd_db *db, int64_t id, struct pd_user *out);
pd_qs pd__sq_user_get_by_name(pd_db *db, const char *username, struct pd_user *out);
pd_qs pd__sq_user_list(pd_db *db, const struct pd_user_filter *f, pd_user_cb cb, void *cls);
pd_qs pd__sq_user_update(pd_db *db, const struct pd_user *u);
pd_qs pd__sq_user_set_password(pd_db *db, int64_t id, const char *hash, int64_t now_ms);
pd_qs pd__sq_user_set_login_state(pd_db *db, int64_t id, int failed_logins,
                                  int64_t locked_until_ms);
pd_qs pd__sq_perm_list(pd_db *db, pd_perm_cb cb, void *cls);
pd_qs pd__sq_perm_set(pd_db *db, const char *role, const char *perm, bool granted);

pd_qs pd__sq_session_insert(pd_db *db, struct pd_session *s);
pd_qs pd__sq_session_get(pd_db *db, const char *token_hash, struct pd_session *s,
                         struct pd_user *u);
pd_qs pd__sq_session_touch(pd_db *db, int64_t id, int64_t last_seen_ms, int64_t expires_ms);
pd_qs pd__sq_session_delete(pd_db *db, const char *token_hash);
pd_qs pd__sq_session_delete_user(pd_db *db, int64_t user_id);
pd_qs pd__sq_session_purge_expired(pd_db *db, int64_t now_ms);
pd_qs pd__sq_apikey_insert(pd_db *db, struct pd_apikey *k);
pd_qs pd__sq_apikey_get_by_hash(pd_db *db, const char *key_hash, struct pd_apikey *out);
pd_qs pd__sq_apikey_get(pd_db *db, int64_t id, struct pd_apikey *out);
pd_qs pd__sq_apikey_list(pd_db *db, const char *node_path, pd_apikey_cb cb, void *cls);
pd_qs pd__sq_apikey_revoke(pd_db *db, int64_t id, int64_t now_ms);
pd_qs pd__sq_apikey_touch(pd_db *db, int64_t id, int64_t now_ms);

pd_qs pd__sq_audit_insert(pd_db *db, struct pd_audit *a);
pd_qs pd__sq_audit_list(pd_db *db, const struct pd_audit_filter *f, pd_audit_cb cb, void *cls);

/* sqlite_orders.c: waybills, parcels, customers, pickup tasks, inspections. */
pd_qs pd__sq_waybill_insert(pd_db *db, struct pd_waybill *w);
pd_qs pd__sq_waybill_get(pd_db *db, const char *no, bool for_update, pd_waybill_cb cb, void *cls);
pd_qs pd__sq_waybill_get_by_idem(pd_db *db, const char *actor, const char *key, pd_waybill_cb cb,
                                 void *cls);
pd_qs pd__sq_waybill_update(pd_db *db, const struct pd_waybill *w, int expected_version);
pd_qs pd__sq_waybill_list(pd_db *db, const struct pd_waybill_filter *f, pd_waybill_cb cb,
                          void *cls);
pd_qs pd__sq_waybill_find_duplicate(pd_db *db, const char *fp, int64_t since_ms,
                                    char out_no[PD_WB_NO_SIZE]);
pd_qs pd__sq_parcel_list(pd_db *db, int64_t waybill_id, pd_parcel_cb cb, void *cls);
pd_qs pd__sq_parcel_set_weight(pd_db *db, const char *parcel_no, int64_t weight_g);
pd_qs pd__sq_customer_insert(pd_db *db, struct pd_customer *c, bool *dup);
pd_qs pd__sq_customer_get(pd_db *db, int64_t id, pd_customer_cb cb, void *cls);
pd_qs pd__sq_customer_get_by_code(pd_db *db, const char *code, pd_customer_cb cb, void *cls);
pd_qs pd__sq_customer_list(pd_db *db, const char *node_path, const char *q, int64_t after_id,
                           int limit, pd_customer_cb cb, void *cls);
pd_qs pd__sq_customer_update(pd_db *db, const struct pd_customer *c);
pd_qs pd__sq_pickup_insert(pd_db *db, struct pd_pickup_task *t);
pd_qs pd__sq_pickup_get_open(pd_db *db, int64_t waybill_id, struct pd_pickup_task *out);
pd_qs pd__sq_pickup_set_state(pd_db *db, int64_t id, int state, int64_t done_ms);
pd_qs pd__sq_pickup_list(pd_db *db, const struct pd_pickup_filter *f, pd_pickup_cb cb, void *cls);
pd_qs pd__sq_pickup_load(pd_db *db, const char *node_path,
                         int (*cb)(void *cls, int64_t courier_id, int64_t open), void *cls);
pd_qs pd__sq_inspection_insert(pd_db *db, struct pd_inspection *i);
pd_qs pd__sq_inspection_list(pd_db *db, int64_t waybill_id, pd_inspection_cb cb, void *cls);

/* sqlite_rates.c: special rates (特殊费率申请). */
pd_qs pd__sq_special_rate_insert(pd_db *db, struct pd_special_rate_rec *r, const char *day);
pd_qs pd__sq_special_rate_get(pd_db *db, const char *no, struct pd_special_rate_rec *out);
pd_qs pd__sq_special_rate_list(pd_db *db, const struct pd_special_rate_filter *f,
                               pd_special_rate_cb cb, void *cls);
pd_qs pd__sq_special_rate_set_state(pd_db *db, int64_t id, int from, int to, int64_t by,
                                    int64_t at_ms, const char *note);

/**
 * Read the user columns starting at column @p col of the current row in the
 * order of the PD_SQ_USER_COLS list in sqlite_org.c (shared with the session
 * query). @return PD_QS_ONE, or PD_QS_HARD when a stored value is unknown.
 */
pd_qs pd__sq_user_row(struct pd__sq_conn *c, sqlite3_stmt *s, int col, struct pd_user *u);

/* The user columns of "users u JOIN nodes n" in pd__sq_user_row's order. */
#define PD_SQ_USER_COLS                                                                            \
    "u.id, u.username, u.display_name, u.phone, u.role, u.node_id, n.code, n.path, "               \
    "u.password_hash, u.active, u.failed_logins, u.locked_until_ms, u.password_changed_ms, "       \
    "u.created_ms, n.name, n.type"
#define PD_SQ_USER_NCOLS 16

/* sqlite_areas.c: node service areas, kept idempotent answers */
pd_qs pd__sq_node_areas_set(pd_db *db, int64_t node_id, const char *const *divs, int n);
pd_qs pd__sq_node_areas_list(pd_db *db, int64_t node_id, int (*cb)(void *, const char *),
                             void *cls);
pd_qs pd__sq_node_for_division(pd_db *db, int32_t district, struct pd_node *out);
pd_qs pd__sq_idem_answer_put(pd_db *db, int64_t waybill_id, const char *answer);
pd_qs pd__sq_idem_answer_get(pd_db *db, int64_t waybill_id, int (*cb)(void *, const char *),
                             void *cls);

/* sqlite_goods.c: the prohibited/restricted goods list and its stamp. */
pd_qs pd__sq_goods_rule_list(pd_db *db, pd_goods_rule_cb cb, void *cls);
pd_qs pd__sq_goods_rule_get(pd_db *db, const char *term, struct pd_goods_rule_rec *out);
pd_qs pd__sq_goods_rule_upsert(pd_db *db, struct pd_goods_rule_rec *r, bool *created);
pd_qs pd__sq_goods_rule_insert_new(pd_db *db, struct pd_goods_rule_rec *r);
pd_qs pd__sq_goods_stamp(pd_db *db, struct pd_goods_stamp *out);

/* sqlite_notify.c: webhooks, their deliveries and attempts, the SMS/e-mail outbox. */
pd_qs pd__sq_webhook_insert(pd_db *db, struct pd_webhook *w);
pd_qs pd__sq_webhook_get(pd_db *db, int64_t id, struct pd_webhook *out);
pd_qs pd__sq_webhook_list(pd_db *db, const struct pd_webhook_filter *f, pd_webhook_cb cb,
                          void *cls);
pd_qs pd__sq_webhook_delete(pd_db *db, int64_t id, int64_t now_ms);
pd_qs pd__sq_delivery_insert(pd_db *db, struct pd_webhook_delivery *d);
pd_qs pd__sq_delivery_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit,
                            const char *claim, pd_delivery_cb cb, void *cls);
pd_qs pd__sq_delivery_finish(pd_db *db, const struct pd_delivery_outcome *o);
pd_qs pd__sq_delivery_get(pd_db *db, int64_t id, pd_delivery_cb cb, void *cls);
pd_qs pd__sq_delivery_list(pd_db *db, const struct pd_delivery_filter *f, pd_delivery_cb cb,
                           void *cls);
pd_qs pd__sq_delivery_attempts(pd_db *db, int64_t delivery_id, pd_attempt_cb cb, void *cls);
pd_qs pd__sq_delivery_revive(pd_db *db, int64_t id, int64_t now_ms);
pd_qs pd__sq_outbox_insert(pd_db *db, struct pd_outbox_msg *m);
pd_qs pd__sq_outbox_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit, const char *claim,
                          pd_outbox_cb cb, void *cls);
pd_qs pd__sq_outbox_finish(pd_db *db, const struct pd_outbox_outcome *o);
pd_qs pd__sq_outbox_list(pd_db *db, const struct pd_outbox_filter *f, pd_outbox_cb cb, void *cls);
pd_qs pd__sq_notify_purge(pd_db *db, int64_t before_ms, int limit);

/* sqlite_scans.c: scan events and tracking rows. */
pd_qs pd__sq_scan_insert(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup);
pd_qs pd__sq_scan_list(pd_db *db, const char *waybill_no, pd_scan_cb cb, void *cls);
pd_qs pd__sq_tracking_put(pd_db *db, const struct pd_tracking *t);
pd_qs pd__sq_tracking_get(pd_db *db, const char *waybill_no, pd_tracking_cb cb, void *cls);
pd_qs pd__sq_tracking_list_stale(pd_db *db, const struct pd_stale_filter *f, pd_tracking_cb cb,
                                 void *cls);

#endif
