/*
 * Internals of the PostgreSQL backend, shared by its files: the pooled
 * connection struct, the statement ids, the text-parameter builder and the
 * run/column helpers. Only the files of src/store/pg include it; the rest of
 * the store sees pd__pg_open() in store_int.h.
 *
 * Statements: every query has an id below; pd__pg_run() prepares its SQL on
 * a connection the first time it runs there (again after a reconnect) under
 * the name "pd<id>", then executes it with PQexecPrepared. Parameters go as
 * text and each carries its type in the SQL ($1::bigint), so no statement
 * depends on type inference. The SQL text stays beside the function.
 */
#ifndef PD_STORE_PG_INT_H
#define PD_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_int.h"

enum pd_pg_stmt {
    PD_PG_BEGIN,
    PD_PG_BEGIN_RO,
    PD_PG_COMMIT,
    PD_PG_ROLLBACK,
    PD_PG_PING,
    PD_PG_SCHEMA_EXISTS,
    PD_PG_SCHEMA_VERSION,
    PD_PG_SCHEMA_VERSION_SET,
    PD_PG_NODE_INSERT,
    PD_PG_NODE_GET,
    PD_PG_NODE_GET_BY_CODE,
    PD_PG_NODE_LIST,
    PD_PG_NODE_UPDATE,
    PD_PG_NODE_DEPENDENTS,
    PD_PG_USER_INSERT,
    PD_PG_USER_GET,
    PD_PG_USER_GET_BY_NAME,
    PD_PG_USER_LIST,
    PD_PG_USER_UPDATE,
    PD_PG_USER_SET_PASSWORD,
    PD_PG_USER_SET_LOGIN_STATE,
    PD_PG_PERM_LIST,
    PD_PG_PERM_GRANT,
    PD_PG_PERM_REVOKE,
    PD_PG_SESSION_INSERT,
    PD_PG_SESSION_GET,
    PD_PG_SESSION_TOUCH,
    PD_PG_SESSION_DELETE,
    PD_PG_SESSION_DELETE_USER,
    PD_PG_SESSION_PURGE,
    PD_PG_APIKEY_INSERT,
    PD_PG_APIKEY_GET_BY_HASH,
    PD_PG_APIKEY_GET,
    PD_PG_APIKEY_LIST,
    PD_PG_APIKEY_REVOKE,
    PD_PG_APIKEY_TOUCH,
    PD_PG_AUDIT_INSERT,
    PD_PG_AUDIT_LIST,
    PD_PG_WAYBILL_SERIAL,
    PD_PG_WAYBILL_INSERT,
    PD_PG_PARCEL_INSERT,
    PD_PG_WAYBILL_GET,
    PD_PG_WAYBILL_GET_FOR_UPDATE,
    PD_PG_WAYBILL_GET_BY_IDEM,
    PD_PG_WAYBILL_UPDATE,
    PD_PG_WAYBILL_LIST_PHONE,
    PD_PG_WAYBILL_LIST_REF,
    PD_PG_WAYBILL_LIST_CUSTOMER,
    PD_PG_WAYBILL_LIST_COURIER,
    PD_PG_WAYBILL_LIST_STATE,
    PD_PG_WAYBILL_LIST_CREATED,
    PD_PG_WAYBILL_LIST_ALL,
    PD_PG_WAYBILL_FIND_DUPLICATE,
    PD_PG_PARCEL_LIST,
    PD_PG_PARCEL_SET_WEIGHT,
    PD_PG_CUSTOMER_INSERT,
    PD_PG_CUSTOMER_GET,
    PD_PG_CUSTOMER_GET_BY_CODE,
    PD_PG_CUSTOMER_LIST,
    PD_PG_CUSTOMER_UPDATE,
    PD_PG_PICKUP_INSERT,
    PD_PG_PICKUP_GET_OPEN,
    PD_PG_PICKUP_SET_STATE,
    PD_PG_PICKUP_LIST,
    PD_PG_PICKUP_LOAD,
    PD_PG_INSPECTION_INSERT,
    PD_PG_INSPECTION_LIST,
    PD_PG_AREAS_DELETE,
    PD_PG_AREAS_INSERT,
    PD_PG_AREAS_LIST,
    PD_PG_AREAS_SERVING,
    PD_PG_IDEM_ANSWER_PUT,
    PD_PG_IDEM_ANSWER_GET,
    PD_PG_SR_SERIAL,
    PD_PG_SR_INSERT,
    PD_PG_SR_GET,
    PD_PG_SR_LIST,
    PD_PG_SR_DECIDE,
    PD_PG_SR_REVOKE,
    PD_PG_GOODS_LIST,
    PD_PG_GOODS_GET,
    PD_PG_GOODS_UPSERT,
    PD_PG_GOODS_INSERT_NEW,
    PD_PG_GOODS_STAMP,
    /* pg_notify.c: notifications */
    PD_PG_WEBHOOK_INSERT,
    PD_PG_WEBHOOK_GET,
    PD_PG_WEBHOOK_LIST,
    PD_PG_WEBHOOK_DELETE,
    PD_PG_WEBHOOK_CANCEL,
    PD_PG_DELIVERY_INSERT,
    PD_PG_DELIVERY_CLAIM,
    PD_PG_DELIVERY_CLAIMED,
    PD_PG_DELIVERY_FINISH,
    PD_PG_DELIVERY_RELEASE,
    PD_PG_ATTEMPT_INSERT,
    PD_PG_DELIVERY_GET,
    PD_PG_DELIVERY_LIST,
    PD_PG_DELIVERY_LIST_STATE,
    PD_PG_ATTEMPT_LIST,
    PD_PG_DELIVERY_REVIVE,
    PD_PG_OUTBOX_INSERT,
    PD_PG_OUTBOX_CLAIM,
    PD_PG_OUTBOX_CLAIMED,
    PD_PG_OUTBOX_FINISH,
    PD_PG_OUTBOX_LIST,
    PD_PG_PURGE_DELIVERIES,
    PD_PG_PURGE_OUTBOX,
    PD_PG_SCAN_INSERT,
    PD_PG_SCAN_LIST,
    PD_PG_TRACKING_PUT,
    PD_PG_TRACKING_GET,
    PD_PG_TRACKING_STALE,
    PD_PG__COUNT
};

/* One pooled connection (see pg_db.c for the pool's rules). */
struct pd__pg_conn {
    struct pd_db base;
    PGconn *pg;                  /* NULL until first used */
    bool prepared[PD_PG__COUNT]; /* per connection generation */
    bool broken;                 /* a connection-level failure was seen */
    struct pd__pg_conn *next_free;
    char err[256]; /* last failure, for logs and migrate's message */
};

/* waybill_insert binds 32 (every column of a waybill). */
#define PD_PG_MAX_PARAMS 40

/** Text parameters for one statement; fill with the pd__pg_p_* calls in order. */
struct pd__pg_params {
    int n;
    const char *v[PD_PG_MAX_PARAMS];
    char num[PD_PG_MAX_PARAMS][24]; /* storage for formatted numbers */
};

/** Append text; NULL is SQL NULL. The string is borrowed until the run. */
void pd__pg_p_text(struct pd__pg_params *p, const char *s);
/** Append text, with NULL and "" both SQL NULL ("no filter"). */
void pd__pg_p_opt(struct pd__pg_params *p, const char *s);
void pd__pg_p_i64(struct pd__pg_params *p, int64_t v);
void pd__pg_p_bool(struct pd__pg_params *p, bool v);

/**
 * Run statement @p id (preparing @p sql first if this connection has not).
 * @param[out] qs on success the row count (tuples returned, or rows changed
 *             for commands without RETURNING); on failure PD_QS_SOFT for
 *             serialization failures and deadlocks, PD_QS_HARD otherwise.
 * @return the result, which the caller PQclear()s, or NULL on failure
 *         (logged, and the connection marked broken if it was lost).
 */
PGresult *pd__pg_run(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                     const struct pd__pg_params *p, pd_qs *qs);

/** Run a statement whose result is only its row count; see pd__pg_run. */
pd_qs pd__pg_cmd(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                 const struct pd__pg_params *p);

/** Column readers: copy text (NULL as ""), parse int64 and booleans. */
void pd__pg_col(const PGresult *r, int row, int col, char *dst, size_t cap);
int64_t pd__pg_i64(const PGresult *r, int row, int col);
bool pd__pg_bool(const PGresult *r, int row, int col);

/* Operations, one file per aggregate: pg_db.c (pool, transactions,
 * schema), pg_org.c (nodes, users, permissions), pg_auth.c (sessions,
 * API keys), pg_audit.c. */
pd_qs pd__pg_node_insert(pd_db *db, struct pd_node *n, bool *dup);
pd_qs pd__pg_node_get(pd_db *db, int64_t id, struct pd_node *out);
pd_qs pd__pg_node_get_by_code(pd_db *db, const char *code, struct pd_node *out);
pd_qs pd__pg_node_list(pd_db *db, const char *path_prefix, pd_node_cb cb, void *cls);
pd_qs pd__pg_node_update(pd_db *db, const struct pd_node *n);
pd_qs pd__pg_node_dependents(pd_db *db, int64_t id, int64_t *count);
pd_qs pd__pg_user_insert(pd_db *db, struct pd_user *u, bool *dup);
pd_qs pd__pg_user_get(pd_db *db, int64_t id, struct pd_user *out);
pd_qs pd__pg_user_get_by_name(pd_db *db, const char *username, struct pd_user *out);
pd_qs pd__pg_user_list(pd_db *db, const struct pd_user_filter *f, pd_user_cb cb, void *cls);
pd_qs pd__pg_user_update(pd_db *db, const struct pd_user *u);
pd_qs pd__pg_user_set_password(pd_db *db, int64_t id, const char *hash, int64_t now_ms);
pd_qs pd__pg_user_set_login_state(pd_db *db, int64_t id, int failed_logins,
                                  int64_t locked_until_ms);
pd_qs pd__pg_perm_list(pd_db *db, pd_perm_cb cb, void *cls);
pd_qs pd__pg_perm_set(pd_db *db, const char *role, const char *perm, bool granted);

pd_qs pd__pg_session_insert(pd_db *db, struct pd_session *s);
pd_qs pd__pg_session_get(pd_db *db, const char *token_hash, struct pd_session *s,
                         struct pd_user *u);
pd_qs pd__pg_session_touch(pd_db *db, int64_t id, int64_t last_seen_ms, int64_t expires_ms);
pd_qs pd__pg_session_delete(pd_db *db, const char *token_hash);
pd_qs pd__pg_session_delete_user(pd_db *db, int64_t user_id);
pd_qs pd__pg_session_purge_expired(pd_db *db, int64_t now_ms);
pd_qs pd__pg_apikey_insert(pd_db *db, struct pd_apikey *k);
pd_qs pd__pg_apikey_get_by_hash(pd_db *db, const char *key_hash, struct pd_apikey *out);
pd_qs pd__pg_apikey_get(pd_db *db, int64_t id, struct pd_apikey *out);
pd_qs pd__pg_apikey_list(pd_db *db, const char *node_path, pd_apikey_cb cb, void *cls);
pd_qs pd__pg_apikey_revoke(pd_db *db, int64_t id, int64_t now_ms);
pd_qs pd__pg_apikey_touch(pd_db *db, int64_t id, int64_t now_ms);

pd_qs pd__pg_audit_insert(pd_db *db, struct pd_audit *a);
pd_qs pd__pg_audit_list(pd_db *db, const struct pd_audit_filter *f, pd_audit_cb cb, void *cls);

/* pg_orders.c: waybills, parcels, customers, pickup tasks, inspections. */
pd_qs pd__pg_waybill_insert(pd_db *db, struct pd_waybill *w);
pd_qs pd__pg_waybill_get(pd_db *db, const char *no, bool for_update, pd_waybill_cb cb, void *cls);
pd_qs pd__pg_waybill_get_by_idem(pd_db *db, const char *actor, const char *key, pd_waybill_cb cb,
                                 void *cls);
pd_qs pd__pg_waybill_update(pd_db *db, const struct pd_waybill *w, int expected_version);
pd_qs pd__pg_waybill_list(pd_db *db, const struct pd_waybill_filter *f, pd_waybill_cb cb,
                          void *cls);
pd_qs pd__pg_waybill_find_duplicate(pd_db *db, const char *fp, int64_t since_ms,
                                    char out_no[PD_WB_NO_SIZE]);
pd_qs pd__pg_parcel_list(pd_db *db, int64_t waybill_id, pd_parcel_cb cb, void *cls);
pd_qs pd__pg_parcel_set_weight(pd_db *db, const char *parcel_no, int64_t weight_g);
pd_qs pd__pg_customer_insert(pd_db *db, struct pd_customer *c, bool *dup);
pd_qs pd__pg_customer_get(pd_db *db, int64_t id, pd_customer_cb cb, void *cls);
pd_qs pd__pg_customer_get_by_code(pd_db *db, const char *code, pd_customer_cb cb, void *cls);
pd_qs pd__pg_customer_list(pd_db *db, const char *node_path, const char *q, int64_t after_id,
                           int limit, pd_customer_cb cb, void *cls);
pd_qs pd__pg_customer_update(pd_db *db, const struct pd_customer *c);
pd_qs pd__pg_pickup_insert(pd_db *db, struct pd_pickup_task *t);
pd_qs pd__pg_pickup_get_open(pd_db *db, int64_t waybill_id, struct pd_pickup_task *out);
pd_qs pd__pg_pickup_set_state(pd_db *db, int64_t id, int state, int64_t done_ms);
pd_qs pd__pg_pickup_list(pd_db *db, const struct pd_pickup_filter *f, pd_pickup_cb cb, void *cls);
pd_qs pd__pg_pickup_load(pd_db *db, const char *node_path,
                         int (*cb)(void *cls, int64_t courier_id, int64_t open), void *cls);
pd_qs pd__pg_inspection_insert(pd_db *db, struct pd_inspection *i);
pd_qs pd__pg_inspection_list(pd_db *db, int64_t waybill_id, pd_inspection_cb cb, void *cls);

/* pg_rates.c: special rates (特殊费率申请). */
pd_qs pd__pg_special_rate_insert(pd_db *db, struct pd_special_rate_rec *r, const char *day);
pd_qs pd__pg_special_rate_get(pd_db *db, const char *no, struct pd_special_rate_rec *out);
pd_qs pd__pg_special_rate_list(pd_db *db, const struct pd_special_rate_filter *f,
                               pd_special_rate_cb cb, void *cls);
pd_qs pd__pg_special_rate_set_state(pd_db *db, int64_t id, int from, int to, int64_t by,
                                    int64_t at_ms, const char *note);

/**
 * Read the user columns starting at column @p col of row @p row, in the
 * order of PD_PG_USER_COLS. @return PD_QS_ONE, or PD_QS_HARD when a stored
 * value is unknown.
 */
pd_qs pd__pg_user_row(struct pd__pg_conn *c, const PGresult *r, int row, int col,
                      struct pd_user *u);

#define PD_PG_USER_COLS                                                                            \
    "u.id, u.username, u.display_name, u.phone, u.role, u.node_id, n.code, n.path, "               \
    "u.password_hash, u.active, u.failed_logins, u.locked_until_ms, u.password_changed_ms, "       \
    "u.created_ms, n.name, n.type"

/* pg_areas.c: node service areas, kept idempotent answers */
pd_qs pd__pg_node_areas_set(pd_db *db, int64_t node_id, const char *const *divs, int n);
pd_qs pd__pg_node_areas_list(pd_db *db, int64_t node_id, int (*cb)(void *, const char *),
                             void *cls);
pd_qs pd__pg_node_for_division(pd_db *db, int32_t district, struct pd_node *out);
pd_qs pd__pg_idem_answer_put(pd_db *db, int64_t waybill_id, const char *answer);
pd_qs pd__pg_idem_answer_get(pd_db *db, int64_t waybill_id, int (*cb)(void *, const char *),
                             void *cls);

/* pg_goods.c: the prohibited/restricted goods list and its stamp. */
pd_qs pd__pg_goods_rule_list(pd_db *db, pd_goods_rule_cb cb, void *cls);
pd_qs pd__pg_goods_rule_get(pd_db *db, const char *term, struct pd_goods_rule_rec *out);
pd_qs pd__pg_goods_rule_upsert(pd_db *db, struct pd_goods_rule_rec *r, bool *created);
pd_qs pd__pg_goods_rule_insert_new(pd_db *db, struct pd_goods_rule_rec *r);
pd_qs pd__pg_goods_stamp(pd_db *db, struct pd_goods_stamp *out);

/* pg_notify.c: webhooks, their deliveries and attempts, the SMS/e-mail outbox. */
pd_qs pd__pg_webhook_insert(pd_db *db, struct pd_webhook *w);
pd_qs pd__pg_webhook_get(pd_db *db, int64_t id, struct pd_webhook *out);
pd_qs pd__pg_webhook_list(pd_db *db, const struct pd_webhook_filter *f, pd_webhook_cb cb,
                          void *cls);
pd_qs pd__pg_webhook_delete(pd_db *db, int64_t id, int64_t now_ms);
pd_qs pd__pg_delivery_insert(pd_db *db, struct pd_webhook_delivery *d);
pd_qs pd__pg_delivery_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit,
                            const char *claim, pd_delivery_cb cb, void *cls);
pd_qs pd__pg_delivery_finish(pd_db *db, const struct pd_delivery_outcome *o);
pd_qs pd__pg_delivery_get(pd_db *db, int64_t id, pd_delivery_cb cb, void *cls);
pd_qs pd__pg_delivery_list(pd_db *db, const struct pd_delivery_filter *f, pd_delivery_cb cb,
                           void *cls);
pd_qs pd__pg_delivery_attempts(pd_db *db, int64_t delivery_id, pd_attempt_cb cb, void *cls);
pd_qs pd__pg_delivery_revive(pd_db *db, int64_t id, int64_t now_ms);
pd_qs pd__pg_outbox_insert(pd_db *db, struct pd_outbox_msg *m);
pd_qs pd__pg_outbox_claim(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit, const char *claim,
                          pd_outbox_cb cb, void *cls);
pd_qs pd__pg_outbox_finish(pd_db *db, const struct pd_outbox_outcome *o);
pd_qs pd__pg_outbox_list(pd_db *db, const struct pd_outbox_filter *f, pd_outbox_cb cb, void *cls);
pd_qs pd__pg_notify_purge(pd_db *db, int64_t before_ms, int limit);

/* pg_scans.c: scan events and tracking rows. */
pd_qs pd__pg_scan_insert(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup);
pd_qs pd__pg_scan_list(pd_db *db, const char *waybill_no, pd_scan_cb cb, void *cls);
pd_qs pd__pg_tracking_put(pd_db *db, const struct pd_tracking *t);
pd_qs pd__pg_tracking_get(pd_db *db, const char *waybill_no, pd_tracking_cb cb, void *cls);
pd_qs pd__pg_tracking_list_stale(pd_db *db, const struct pd_stale_filter *f, pd_tracking_cb cb,
                                 void *cls);

#endif
