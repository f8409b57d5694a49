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
    PD_PG_PLAN_GENERIC,
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
    PD_PG_SCAN_LOG_LOCK,
    PD_PG_SCAN_LOG_APPEND,
    PD_PG_SCAN_LOG_TAKE,
    PD_PG_SCAN_LOG_TRIM,
    PD_PG_SCAN_LOG_STATE,
    PD_PG_TRACKING_PUT,
    PD_PG_TRACKING_GET,
    PD_PG_TRACKING_GET_MANY,
    PD_PG_TRACKING_GET_MANY_RO,
    PD_PG_TRACKING_PUT_MANY,
    PD_PG_TRACKING_STALE,
    /* pg_ccrec.c: call-centre records */
    PD_PG_CC_AGENT_INSERT,
    PD_PG_CC_AGENT_UPDATE,
    PD_PG_CC_AGENT_GET,
    PD_PG_CC_AGENT_LIST,
    PD_PG_CC_FORM_INSERT,
    PD_PG_CC_FORM_GET,
    PD_PG_CC_FORM_LATEST,
    PD_PG_CC_FORM_LIST,
    PD_PG_CC_FORM_LIST_ALL,
    PD_PG_CC_SCORE_INSERT,
    PD_PG_CC_SCORE_LIST,
    PD_PG_CC_AGENT_LOCK,
    PD_PG_CC_SHIFT_OVERLAP,
    PD_PG_CC_SHIFT_INSERT,
    PD_PG_CC_SHIFT_GET,
    PD_PG_CC_SHIFT_LIST,
    PD_PG_CC_ATT_PUT,
    PD_PG_CC_COST_INSERT,
    PD_PG_CC_COST_LIST,
    PD_PG_CC_OWN_QA,
    PD_PG_CC_OWN_SHIFTS,
    PD_PG_CC_OWN_WAYBILLS,
    PD_PG_CC_LOOKUP_CUSTOMERS,
    PD_PG_CC_LOOKUP_WAYBILLS,
    /* pg_problems.c: problem parcels, return receipts, the stale-parcel job (issue 4) */
    PD_PG_PROBLEM_OPEN,
    PD_PG_PROBLEM_OPEN_ID,
    PD_PG_PROBLEM_GET,
    PD_PG_PROBLEM_LIST,
    PD_PG_PROBLEM_CLOSE,
    PD_PG_MONITOR_QUIET,
    PD_PG_MONITOR_DELAYED,
    PD_PG_RECEIPT_INSERT,
    PD_PG_RECEIPT_GET,
    PD_PG_RECEIPT_STEP,
    PD_PG_RECEIPT_LIST,
    PD_PG_RECEIPT_OVERDUE,
    PD_PG_CC_LOG_INSERT, /* pg_callcenter.c */
    PD_PG_CC_LOG_STREAM,
    /* pg_bags.c: bags (issue 4 item 2) */
    PD_PG_BAG_GET,
    PD_PG_BAG_UPSERT,
    PD_PG_BAG_LEAVE_OTHERS,
    PD_PG_BAG_PUT_IN,
    PD_PG_BAG_REMOVE,
    PD_PG_BAG_REMOVE_ALL,
    PD_PG_BAG_CONTENTS_AT,
    PD_PG_BAG_CONTENTS_ALL,
    PD_PG_BAG_EVENT_FIND,
    PD_PG_BAG_EVENT_INSERT,
    PD_PG_BAG_EVENT_TOUCH,
    PD_PG_BAG_EVENT_LIST,
    /* pg_tickets.c: the service desk (issue 5 part A) */
    PD_PG_TK_SERIAL,
    PD_PG_TK_INSERT,
    PD_PG_TK_GET,
    PD_PG_TK_GET_LOCK,
    PD_PG_TK_GET_NO,
    PD_PG_TK_GET_NO_LOCK,
    PD_PG_TK_LIST,
    PD_PG_TK_UPDATE,
    PD_PG_TK_EVENT_INSERT,
    PD_PG_TK_EVENT_LIST,
    PD_PG_TK_PAUSE_OPEN,
    PD_PG_TK_PAUSE_CLOSE,
    PD_PG_TK_PAUSE_LIST,
    PD_PG_TK_CLOCK_INSERT,
    PD_PG_TK_CLOCK_UPDATE,
    PD_PG_TK_CLOCK_LIST,
    PD_PG_TK_CLOCK_DUE,
    PD_PG_TK_ESC_INSERT,
    PD_PG_TK_ESC_GET,
    PD_PG_TK_ESC_LIST,
    PD_PG_TK_ESC_READ,
    PD_PG_TK_SUPERVISOR,
    PD_PG_TK_CA_INSERT,
    PD_PG_TK_CA_GET,
    PD_PG_TK_CA_UPDATE,
    PD_PG_TK_CA_LIST_TICKET,
    PD_PG_TK_CA_LIST,
    PD_PG_TK_STATS_COMPLAINTS,
    PD_PG_TK_STATS_WAYBILLS,
    PD_PG_TK_STATS_CLOCKS,
    PD_PG_TK_STATS_CSAT,
    /* pg_service.c: service desk part B (issue 5: problems in full, knowledge base, handover) */
    PD_PG_SVC_OPEN_SCAN,
    PD_PG_SVC_EXC_SCANS,
    PD_PG_SVC_CURSOR_GET,
    PD_PG_SVC_CURSOR_PUT,
    PD_PG_SVC_MORE_GET,
    PD_PG_SVC_LIST_MORE,
    PD_PG_SVC_TOUCH,
    PD_PG_SVC_ACTION_INSERT,
    PD_PG_SVC_ACTION_LIST,
    PD_PG_SVC_CONTACT_INSERT,
    PD_PG_SVC_CONTACT_LIST,
    PD_PG_SVC_EVIDENCE_INSERT,
    PD_PG_SVC_EVIDENCE_GET,
    PD_PG_SVC_EVIDENCE_LIST,
    PD_PG_SVC_CASE_INSERT,
    PD_PG_SVC_CASE_LIST,
    PD_PG_SVC_STATS,
    PD_PG_SVC_KB_INSERT,
    PD_PG_SVC_KB_GET,
    PD_PG_SVC_KB_UPDATE,
    PD_PG_SVC_KB_DELETE,
    PD_PG_SVC_KB_LIST,
    PD_PG_SVC_KB_SEARCH,
    PD_PG_SVC_HO_INSERT,
    PD_PG_SVC_HO_GET,
    PD_PG_SVC_HO_ACK,
    PD_PG_SVC_HO_LIST,
    PD_PG_SVC_HO_LIST_OPEN,
    /* pg_trips.c: vehicles, trips, loading plans (issue 4 item 2) */
    PD_PG_VEHICLE_INSERT,
    PD_PG_VEHICLE_GET,
    PD_PG_VEHICLE_LIST,
    PD_PG_TRIP_INSERT,
    PD_PG_TRIP_STOP_INSERT,
    PD_PG_TRIP_GET,
    PD_PG_TRIP_GET_FOR_UPDATE,
    PD_PG_TRIP_STOPS,
    PD_PG_TRIP_LIST,
    PD_PG_TRIP_SET_STATE,
    PD_PG_TRIP_PLAN_RELEASE,
    PD_PG_TRIP_ITEM_ADD,
    PD_PG_TRIP_ITEM_HOLDER,
    PD_PG_TRIP_ITEM_REMOVE,
    PD_PG_TRIP_ITEM_LIST,
    PD_PG_TRIP_SCANS,
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
pd_qs pd__pg_scan_log_append(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup,
                             int64_t *last_id);
pd_qs pd__pg_scan_log_take(pd_db *db, int64_t after, int limit, pd_scan_log_cb cb, void *cls);
pd_qs pd__pg_scan_log_trim(pd_db *db, int64_t upto);
pd_qs pd__pg_scan_log_state(pd_db *db, int64_t *count, int64_t *last_id);
pd_qs pd__pg_tracking_put(pd_db *db, const struct pd_tracking *t);
pd_qs pd__pg_tracking_get_many(pd_db *db, const char *const *nos, int n, bool lock,
                               pd_tracking_cb cb, void *cls);
pd_qs pd__pg_tracking_put_many(pd_db *db, const struct pd_tracking *rows, int n);
pd_qs pd__pg_tracking_get(pd_db *db, const char *waybill_no, pd_tracking_cb cb, void *cls);
pd_qs pd__pg_tracking_list_stale(pd_db *db, const struct pd_stale_filter *f, pd_tracking_cb cb,
                                 void *cls);

/* pg_ccrec.c: the call centre's own records (issue 6 part B). */
pd_qs pd__pg_cc_agent_insert(pd_db *db, struct pd_cc_agent *a, bool *dup);
pd_qs pd__pg_cc_agent_update(pd_db *db, const struct pd_cc_agent *a);
pd_qs pd__pg_cc_agent_get(pd_db *db, int64_t id, struct pd_cc_agent *out);
pd_qs pd__pg_cc_agent_list(pd_db *db, const struct pd_cc_agent_filter *f, pd_cc_agent_cb cb,
                           void *cls);
pd_qs pd__pg_cc_qa_form_insert(pd_db *db, struct pd_cc_qa_form *f);
pd_qs pd__pg_cc_qa_form_get(pd_db *db, int64_t id, const char *code, pd_cc_form_cb cb, void *cls);
pd_qs pd__pg_cc_qa_form_list(pd_db *db, bool all_versions, pd_cc_form_cb cb, void *cls);
pd_qs pd__pg_cc_qa_score_insert(pd_db *db, struct pd_cc_qa_score *s);
pd_qs pd__pg_cc_qa_score_list(pd_db *db, const struct pd_cc_score_filter *f, pd_cc_score_cb cb,
                              void *cls);
pd_qs pd__pg_cc_shift_insert(pd_db *db, struct pd_cc_shift *s, int64_t *overlap_id);
pd_qs pd__pg_cc_shift_get(pd_db *db, int64_t id, struct pd_cc_shift *out);
pd_qs pd__pg_cc_shift_list(pd_db *db, const struct pd_cc_shift_filter *f, pd_cc_shift_cb cb,
                           void *cls);
pd_qs pd__pg_cc_attendance_put(pd_db *db, const struct pd_cc_attendance *a);
pd_qs pd__pg_cc_cost_insert(pd_db *db, struct pd_cc_cost *c);
pd_qs pd__pg_cc_cost_list(pd_db *db, const struct pd_cc_cost_filter *f, pd_cc_cost_cb cb,
                          void *cls);
pd_qs pd__pg_cc_own_qa(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls);
pd_qs pd__pg_cc_own_shifts(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls);
pd_qs pd__pg_cc_own_waybills(pd_db *db, int64_t user_id, int64_t from_ms, int64_t to_ms,
                             int64_t *entered, int64_t *corrected);
pd_qs pd__pg_cc_lookup_customers(pd_db *db, const char *phone, const char *node_path, int limit,
                                 pd_customer_cb cb, void *cls);
pd_qs pd__pg_cc_lookup_waybills(pd_db *db, const char *phone, const char *node_path, int scan_max,
                                int limit, pd_cc_lookup_cb cb, void *cls);

/* pg_problems.c: problem parcels, return receipts, the stale-parcel job (issue 4). */
pd_qs pd__pg_problem_open(pd_db *db, struct pd_problem *p, bool *opened);
pd_qs pd__pg_problem_get(pd_db *db, int64_t id, struct pd_problem *out);
pd_qs pd__pg_problem_list(pd_db *db, const struct pd_problem_filter *f, pd_problem_cb cb,
                          void *cls);
pd_qs pd__pg_problem_close(pd_db *db, int64_t id, int64_t at_ms, int64_t by, const char *note);
pd_qs pd__pg_monitor_quiet(pd_db *db, const struct pd_quiet_filter *f, pd_monitor_cb cb, void *cls);
pd_qs pd__pg_monitor_delayed(pd_db *db, const struct pd_delayed_filter *f, pd_monitor_cb cb,
                             void *cls);
pd_qs pd__pg_receipt_insert(pd_db *db, const struct pd_receipt *r);
pd_qs pd__pg_receipt_get(pd_db *db, const char *waybill_no, struct pd_receipt *out);
pd_qs pd__pg_receipt_step(pd_db *db, const struct pd_receipt *r, int from);
pd_qs pd__pg_receipt_list(pd_db *db, const struct pd_receipt_filter *f, pd_receipt_cb cb,
                          void *cls);
pd_qs pd__pg_receipt_overdue_count(pd_db *db, int64_t before_ms, int64_t *count);

/* pg_callcenter.c: the call centre's queue log (issue 6 part A). */
pd_qs pd__pg_cc_log_insert(pd_db *db, const struct pd_ql_row *rows, int n, bool *dup);
pd_qs pd__pg_cc_log_stream(pd_db *db, int64_t from_ms, int64_t to_ms,
                           int (*cb)(void *cls, const struct pd_ql_line *l), void *cls);

/* pg_bags.c: bags, their contents and bag events (issue 4 item 2). */
pd_qs pd__pg_bag_get(pd_db *db, const char *bag_no, struct pd_bag *out);
pd_qs pd__pg_bag_add(pd_db *db, const struct pd_scan_row *r);
pd_qs pd__pg_bag_remove(pd_db *db, const char *bag_no, const char *waybill_no,
                        const char *parcel_no, int64_t at_ms);
pd_qs pd__pg_bag_contents(pd_db *db, const char *bag_no, int64_t at_ms, int limit,
                          pd_bag_content_cb cb, void *cls);
pd_qs pd__pg_bag_event_find(pd_db *db, const char *device_id, int64_t device_seq,
                            struct pd_bag_event *out);
pd_qs pd__pg_bag_event_insert(pd_db *db, struct pd_bag_event *e);
pd_qs pd__pg_bag_event_list(pd_db *db, const char *bag_no, pd_bag_event_cb cb, void *cls);

/* pg_tickets.c: the service desk (issue 5 part A). */
pd_qs pd__pg_ticket_insert(pd_db *db, struct pd_ticket *t, const char *day);
pd_qs pd__pg_ticket_get(pd_db *db, int64_t id, const char *no, bool for_update,
                        struct pd_ticket *out);
pd_qs pd__pg_ticket_list(pd_db *db, const struct pd_ticket_filter *f, pd_ticket_cb cb, void *cls);
pd_qs pd__pg_ticket_update(pd_db *db, const struct pd_ticket *t);
pd_qs pd__pg_ticket_event_insert(pd_db *db, struct pd_ticket_event *e);
pd_qs pd__pg_ticket_event_list(pd_db *db, int64_t ticket_id, bool public_only,
                               pd_ticket_event_cb cb, void *cls);
pd_qs pd__pg_ticket_pause_open(pd_db *db, int64_t ticket_id, int64_t from_ms, bool *opened);
pd_qs pd__pg_ticket_pause_close(pd_db *db, int64_t ticket_id, int64_t to_ms);
pd_qs pd__pg_ticket_pause_list(pd_db *db, int64_t ticket_id, pd_ticket_pause_cb cb, void *cls);
pd_qs pd__pg_ticket_clock_insert(pd_db *db, struct pd_ticket_clock *k, bool *dup);
pd_qs pd__pg_ticket_clock_update(pd_db *db, const struct pd_ticket_clock *k);
pd_qs pd__pg_ticket_clock_list(pd_db *db, int64_t ticket_id, pd_ticket_clock_cb cb, void *cls);
pd_qs pd__pg_ticket_clock_due(pd_db *db, int64_t now_ms, int64_t after_warn_ms, int64_t after_id,
                              int limit, pd_ticket_clock_due_cb cb, void *cls);
pd_qs pd__pg_ticket_escalation_insert(pd_db *db, struct pd_ticket_escalation *e, bool *inserted);
pd_qs pd__pg_ticket_escalation_get(pd_db *db, int64_t id, struct pd_ticket_escalation *out);
pd_qs pd__pg_ticket_escalation_list(pd_db *db, const struct pd_escalation_filter *f,
                                    pd_ticket_escalation_cb cb, void *cls);
pd_qs pd__pg_ticket_escalation_read(pd_db *db, int64_t id, int64_t user_id, int64_t at_ms);
pd_qs pd__pg_ticket_supervisor_node(pd_db *db, const char *node_path, int64_t *node_id);
pd_qs pd__pg_ticket_corrective_insert(pd_db *db, struct pd_ticket_corrective *a);
pd_qs pd__pg_ticket_corrective_get(pd_db *db, int64_t id, struct pd_ticket_corrective *out);
pd_qs pd__pg_ticket_corrective_update(pd_db *db, const struct pd_ticket_corrective *a);
pd_qs pd__pg_ticket_corrective_list(pd_db *db, const struct pd_corrective_filter *f,
                                    pd_ticket_corrective_cb cb, void *cls);
pd_qs pd__pg_ticket_stats_complaints(pd_db *db, const char *node_path, int64_t from_ms,
                                     int64_t to_ms, pd_ticket_stat_cb cb, void *cls);
pd_qs pd__pg_ticket_stats_waybills(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                   pd_ticket_stat_cb cb, void *cls);
pd_qs pd__pg_ticket_stats_clocks(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                 int64_t now_ms, pd_ticket_stat_cb cb, void *cls);
pd_qs pd__pg_ticket_stats_csat(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                               pd_ticket_stat_cb cb, void *cls);

/* pg_service.c: service desk part B (issue 5: problems in full, knowledge base, handover). */
/* The problem columns of "problem_parcels p JOIN nodes n" in pd__pg_problem_row's order
 * (pg_problems.c), shared with pg_service.c. */
#define PD_PG_PROBLEM_COLS                                                                         \
    "p.id, p.waybill_no, p.type, p.source, p.node_id, n.code, n.path, p.state, p.opened_ms,"       \
    " COALESCE(p.opened_by, 0), p.closed_ms, COALESCE(p.closed_by, 0), p.reason, p.note"
#define PD_PG_PROBLEM_NCOLS 14
/** Read the PD_PG_PROBLEM_COLS of row @p i; PD_QS_HARD on a stored value out of range. */
pd_qs pd__pg_problem_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_problem *p);
pd_qs pd__pg_problem_open_scan(pd_db *db, struct pd_problem *p, const char *device_id,
                               int64_t device_seq, bool *opened);
pd_qs pd__pg_problem_exception_scans(pd_db *db, const struct pd_exception_scan_filter *f,
                                     pd_exception_scan_cb cb, void *cls);
pd_qs pd__pg_job_cursor_get(pd_db *db, const char *name, struct pd_job_cursor *out);
pd_qs pd__pg_job_cursor_put(pd_db *db, const char *name, const struct pd_job_cursor *c);
pd_qs pd__pg_problem_more_get(pd_db *db, int64_t id, struct pd_problem *p,
                              struct pd_problem_more *m);
pd_qs pd__pg_problem_list_more(pd_db *db, const struct pd_problem_filter *f, pd_problem_more_cb cb,
                               void *cls);
pd_qs pd__pg_problem_touch(pd_db *db, int64_t id, const char *resolution, const char *root_cause,
                           int64_t at_ms);
pd_qs pd__pg_problem_action_insert(pd_db *db, struct pd_problem_action_rec *a);
pd_qs pd__pg_problem_action_list(pd_db *db, int64_t problem_id, pd_problem_action_cb cb, void *cls);
pd_qs pd__pg_problem_contact_insert(pd_db *db, struct pd_problem_contact *c);
pd_qs pd__pg_problem_contact_list(pd_db *db, int64_t problem_id, pd_problem_contact_cb cb,
                                  void *cls);
pd_qs pd__pg_problem_evidence_insert(pd_db *db, struct pd_problem_evidence *e);
pd_qs pd__pg_problem_evidence_get(pd_db *db, int64_t id, struct pd_problem_evidence *out);
pd_qs pd__pg_problem_evidence_list(pd_db *db, int64_t problem_id, pd_problem_evidence_cb cb,
                                   void *cls);
pd_qs pd__pg_compensation_case_insert(pd_db *db, struct pd_compensation_case *c, bool *dup);
pd_qs pd__pg_compensation_case_list(pd_db *db, int64_t problem_id, pd_compensation_cb cb,
                                    void *cls);
pd_qs pd__pg_problem_stats(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                           pd_problem_stat_cb cb, void *cls);
pd_qs pd__pg_kb_insert(pd_db *db, struct pd_kb_article *a);
pd_qs pd__pg_kb_get(pd_db *db, int64_t id, pd_kb_cb cb, void *cls);
pd_qs pd__pg_kb_update(pd_db *db, const struct pd_kb_article *a, int expected_version);
pd_qs pd__pg_kb_delete(pd_db *db, int64_t id);
pd_qs pd__pg_kb_list(pd_db *db, const struct pd_kb_filter *f, pd_kb_cb cb, void *cls);
pd_qs pd__pg_kb_search(pd_db *db, const struct pd_kb_query *q, pd_kb_cb cb, void *cls);
pd_qs pd__pg_handover_insert(pd_db *db, struct pd_handover *h);
pd_qs pd__pg_handover_get(pd_db *db, int64_t id, pd_handover_cb cb, void *cls);
pd_qs pd__pg_handover_ack(pd_db *db, int64_t id, int64_t by, int64_t at_ms, const char *note);
pd_qs pd__pg_handover_list(pd_db *db, const struct pd_handover_filter *f, pd_handover_cb cb,
                           void *cls);

/* pg_trips.c: vehicles, trips, loading plans (issue 4 item 2). */
pd_qs pd__pg_vehicle_insert(pd_db *db, const struct pd_vehicle *v, bool *dup);
pd_qs pd__pg_vehicle_get(pd_db *db, const char *plate, struct pd_vehicle *out);
pd_qs pd__pg_vehicle_list(pd_db *db, const char *node_path, pd_vehicle_cb cb, void *cls);
pd_qs pd__pg_trip_insert(pd_db *db, const struct pd_trip *t, bool *dup);
pd_qs pd__pg_trip_get(pd_db *db, const char *trip_no, bool for_update, struct pd_trip *out);
pd_qs pd__pg_trip_list(pd_db *db, const struct pd_trip_filter *f, pd_trip_cb cb, void *cls);
pd_qs pd__pg_trip_set_state(pd_db *db, const char *trip_no, int from, int to, int64_t at_ms);
pd_qs pd__pg_trip_item_add(pd_db *db, const struct pd_trip_item *it, bool *dup);
pd_qs pd__pg_trip_item_holder(pd_db *db, int kind, const char *item_no,
                              char trip_no[PD_TRIP_NO_SIZE]);
pd_qs pd__pg_trip_item_remove(pd_db *db, const char *trip_no, int kind, const char *item_no);
pd_qs pd__pg_trip_item_list(pd_db *db, const char *trip_no, pd_trip_item_cb cb, void *cls);
pd_qs pd__pg_trip_scans(pd_db *db, const char *trip_no, int limit, pd_scan_cb cb, void *cls);

#endif
