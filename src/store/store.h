/*
 * The storage interface: everything ParcelDesk keeps goes through a struct of
 * operations with two real implementations, SQLite (sqlite/) and PostgreSQL
 * (pg/). Nothing above this header knows which one it talks to; both pass the
 * same contract suite (tests/store/).
 *
 * Connections. A pd_store is an opened database. pd_store_acquire() gives the
 * calling thread a connection (pd_db): for SQLite the thread's own connection
 * (one per thread, opened on first use); for PostgreSQL one from a pool sized
 * by configuration, waiting a bounded time for a free one. A pd_db is used by
 * one thread at a time and handed back with pd_store_release().
 *
 * Transactions. Application code never calls begin/commit: it passes a
 * callback to pd_tx_run() (tx.h), which begins, runs it, commits, and retries
 * the whole callback a bounded number of times on transient failures.
 *
 * Query status. Every operation returns pd_qs: negative on failure,
 * PD_QS_NONE (0) when no row matched, PD_QS_ONE (1) or a row count otherwise.
 * Business outcomes (a duplicate code, say) come back through out-parameters,
 * never as failures. One `if (qs < 0)` handles every failure.
 *
 * Ownership. Record structs (pd_node, pd_user, …) have fixed-size text
 * fields and are filled by value into caller-provided memory; nothing
 * returned needs freeing. List operations call a callback once per row; the
 * row passed to it is valid only during the call.
 */
#ifndef PD_STORE_STORE_H
#define PD_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/org.h"

typedef enum pd_qs {
    PD_QS_ABORT = -3, /* the transaction callback chose to roll back (business rule) */
    PD_QS_HARD = -2,  /* hard failure: bug, constraint we did not expect, database gone */
    PD_QS_SOFT = -1,  /* transient: SQLITE_BUSY, serialization failure, deadlock: retry */
    PD_QS_NONE = 0,   /* success, no row */
    PD_QS_ONE = 1     /* success, one row (larger values: that many rows) */
} pd_qs;

typedef struct pd_store pd_store;
typedef struct pd_db pd_db;
struct pd_store_ops;

/* ---- records ---------------------------------------------------------- */

struct pd_node {
    int64_t id;
    char code[PD_CODE_MAX];
    char name[PD_NAME_MAX];
    enum pd_node_type type;
    int64_t parent_id;      /* 0 for the root */
    char path[PD_PATH_MAX]; /* "/1/4/9/": ids from the root down to this node */
    char region[16];        /* calendar region, "CN" by default */
    int utc_offset_min;     /* local time of the node, 480 (UTC+8) by default */
    bool active;
    int64_t created_ms;
};

struct pd_user {
    int64_t id;
    char username[PD_USERNAME_MAX];
    char display_name[PD_NAME_MAX];
    char phone[32];
    enum pd_role role;
    int64_t node_id;
    char node_code[PD_CODE_MAX]; /* filled on reads (join) */
    char node_path[PD_PATH_MAX]; /* filled on reads (join) */
    char node_name[PD_NAME_MAX]; /* filled on reads (join) */
    enum pd_node_type node_type; /* filled on reads (join) */
    char password_hash[128];
    bool active;
    int failed_logins;       /* consecutive failures since the last success */
    int64_t locked_until_ms; /* 0 = not locked */
    int64_t password_changed_ms;
    int64_t created_ms;
};

struct pd_session {
    int64_t id;
    char token_hash[65]; /* SHA-256 hex of the token; the token itself is never stored */
    int64_t user_id;
    int64_t created_ms;
    int64_t expires_ms;
    int64_t last_seen_ms;
    char ip[64];
    char user_agent[256];
};

struct pd_apikey {
    int64_t id;
    char prefix[16];   /* public part shown in lists: "pdk_" + 8 chars */
    char key_hash[65]; /* SHA-256 hex of the whole key */
    char name[PD_NAME_MAX];
    enum pd_role role;
    int64_t node_id;
    char node_code[PD_CODE_MAX]; /* filled on reads */
    char node_path[PD_PATH_MAX]; /* filled on reads */
    int64_t created_by;          /* user id */
    int64_t created_ms;
    int64_t revoked_ms; /* 0 = active */
    int64_t last_used_ms;
};

enum pd_actor_kind { PD_ACTOR_SYSTEM, PD_ACTOR_USER, PD_ACTOR_APIKEY, PD_ACTOR_PUBLIC };

struct pd_audit {
    int64_t id;
    int64_t at_ms;
    enum pd_actor_kind actor_kind;
    int64_t actor_id; /* user or key id; 0 for system/public */
    char actor_name[PD_NAME_MAX];
    char action[64];      /* "user.create", "user.read_personal", … */
    char object_type[32]; /* "user", "node", "waybill", … */
    char object_id[64];
    int64_t node_id;             /* node the record belongs to (0 if none) */
    char node_code[PD_CODE_MAX]; /* filled on reads ("" when node 0 or deleted) */
    char ip[64];
    char request_id[72];
    const char *detail; /* JSON text or NULL; borrowed on insert, valid during callback on read */
};

/** Filter for audit_list; zero/empty fields do not filter. */
struct pd_audit_filter {
    const char *node_path; /* only entries whose node is in this subtree (or node 0) */
    int64_t actor_id;
    const char *action;
    const char *object_type;
    const char *object_id;
    int64_t from_ms, to_ms; /* [from, to) */
    int64_t before_id;      /* keyset pagination: entries with id < before_id */
    int limit;              /* 1..1000 */
};

struct pd_user_filter {
    const char *node_path; /* subtree; required */
    int role;              /* -1: any */
    const char *q;         /* substring of username or display name, or NULL */
    int64_t after_id;      /* keyset pagination */
    int limit;
};

struct pd_store_stats {
    int pool_size; /* connections allowed (SQLite: threads seen) */
    int in_use;    /* connections handed out now */
    int waiting;   /* threads waiting for one (PostgreSQL) */
    long long acquired_total;
    long long timeouts_total;
};

/* ---- orders (waybills, parcels, customers, pickup) ------------------------
 *
 * A waybill row keeps in columns what is searched, scoped, counted or
 * changed by state moves; the whole normalised order (parties, goods,
 * remarks …) is one JSON document (`doc`), the last quote another
 * (`quote`), and the open review reasons a third (`review`, a JSON array).
 * The handler owns the shape of those documents (docs/orders.md); the store
 * keeps them verbatim.
 */

#define PD_WB_NO_SIZE  16 /* "PD" + 12 + 1 check digit + NUL (core/waybill_no.h) */
#define PD_PCL_NO_SIZE 20 /* parcel number + NUL */

struct pd_waybill {
    int64_t id;
    char waybill_no[PD_WB_NO_SIZE]; /* filled by waybill_insert from the allocated serial */
    int state;                      /* enum pd_order_state (core/order_lifecycle.h) */
    char channel[16];               /* CONTRACT.md channel codes */
    char service[16];
    char payment[16];
    int64_t node_id;                 /* the owning node (where the order was taken) */
    char node_path[PD_PATH_MAX];     /* filled on reads (join) */
    char node_code[PD_CODE_MAX];     /* filled on reads (join) */
    int64_t customer_id;             /* 0 = walk-in customer */
    char customer_code[PD_CODE_MAX]; /* filled on reads ("" when none) */
    char customer_ref[65];
    char sender_phone[32]; /* canonical (core/phone); searchable */
    char recipient_phone[32];
    int32_t origin_division; /* GB/T 2260 district codes */
    int32_t dest_division;
    int64_t weight_g;
    int64_t chargeable_weight_g;
    int64_t total_fen;
    int64_t cod_fen;
    int64_t declared_value_fen;
    int parcels;            /* 1 … 999 */
    int64_t pickup_from_ms; /* 0 = not given */
    int64_t pickup_to_ms;
    int64_t promised_pickup_ms; /* 完美订单: planned pickup */
    int64_t promised_delivery_ms;
    char fingerprint[65]; /* duplicate detection key (hex), "" for none */
    char idem_actor[40];  /* "u:12" or "k:3": whose Idempotency-Key */
    char idem_key[129];   /* "" when the request had none */
    char idem_hash[65];   /* SHA-256 hex of the request body */
    int64_t courier_id;   /* the assigned pickup courier, 0 = none */
    int64_t created_by;   /* user id (0 = system / API key / public) */
    int64_t created_ms;
    int64_t updated_ms;
    int version; /* optimistic lock: +1 on every update; set to 1 by insert */
    /* JSON texts: borrowed from the caller on insert/update; on reads valid
     * only during the callback. Never NULL on reads ("{}" / "[]" at least). */
    const char *doc;
    const char *quote;
    const char *review;
};

struct pd_parcel {
    int64_t id;
    int64_t waybill_id;
    char parcel_no[PD_PCL_NO_SIZE]; /* the waybill number itself for a 1-parcel waybill */
    int seq;                        /* 1 … parcels */
    int64_t weight_g;               /* 0 until weighed per parcel */
    int64_t created_ms;
};

/** Filter for waybill_list; zero/empty fields do not filter. Newest first. */
struct pd_waybill_filter {
    const char *node_path;    /* subtree; required */
    int state;                /* -1: any */
    const char *phone;        /* canonical; sender or recipient */
    const char *customer_ref; /* exact */
    int64_t customer_id;
    int64_t courier_id;
    int64_t from_ms, to_ms; /* created in [from, to) */
    int64_t before_id;      /* keyset pagination: id < before_id */
    int limit;              /* 1..1000 */
};

struct pd_customer {
    int64_t id;
    char code[PD_CODE_MAX]; /* account number, unique */
    char name[PD_NAME_MAX];
    char phone[32];
    int64_t node_id;             /* the serving node */
    char node_path[PD_PATH_MAX]; /* filled on reads */
    char node_code[PD_CODE_MAX]; /* filled on reads */
    bool monthly;                /* 月结 account */
    bool active;
    int64_t created_ms;
    const char *contract; /* JSON text of the contract rate or NULL; borrowed as for waybills */
};

enum pd_pickup_task_state { PD_PICKUP_OPEN, PD_PICKUP_DONE, PD_PICKUP_CANCELLED };

struct pd_pickup_task {
    int64_t id;
    int64_t waybill_id;
    char waybill_no[PD_WB_NO_SIZE]; /* filled on reads */
    int64_t courier_id;
    char courier_name[PD_NAME_MAX]; /* filled on reads */
    int64_t node_id;                /* the courier's node */
    char node_path[PD_PATH_MAX];    /* filled on reads */
    int32_t area_division;          /* the pickup district */
    int state;                      /* enum pd_pickup_task_state */
    int64_t assigned_ms;
    int64_t due_ms; /* end of the pickup window or the promised pickup time */
    int64_t done_ms;
    int64_t assigned_by; /* user id */
};

struct pd_pickup_filter {
    const char *node_path; /* subtree; required */
    int64_t courier_id;    /* 0: any */
    int state;             /* -1: any */
    int64_t due_before_ms; /* only tasks due before this (late view), 0: any */
    int64_t after_id;
    int limit;
};

struct pd_inspection {
    int64_t id;
    int64_t waybill_id;
    int64_t inspector_id;
    int64_t at_ms;
    bool goods_ok;         /* the goods are what the order says */
    bool prohibited_found; /* refused on the spot */
    int64_t weight_before_g;
    int64_t weight_after_g;
    int64_t fee_before_fen;
    int64_t fee_after_fen;
    const char *detail; /* JSON text (packaging, quantity, condition notes …); borrowed */
};

typedef int (*pd_waybill_cb)(void *cls, const struct pd_waybill *w);
typedef int (*pd_parcel_cb)(void *cls, const struct pd_parcel *p);
typedef int (*pd_customer_cb)(void *cls, const struct pd_customer *c);
typedef int (*pd_pickup_cb)(void *cls, const struct pd_pickup_task *t);
typedef int (*pd_inspection_cb)(void *cls, const struct pd_inspection *i);

/* ---- special rates (特殊费率申请) -------------------------------------------
 *
 * One service × zone freight cell for one customer, applied for by one
 * person and approved or rejected by another; an approved rate can later be
 * revoked. The rate belongs to its customer: scoping follows the customer's
 * node (joined on reads, never copied). States move only pending →
 * approved | rejected and approved → revoked (the handler decides; the
 * store moves a row only from the state the caller saw).
 */

#define PD_SR_NO_SIZE   33  /* "SR" + YYYYMMDD + serial + NUL; fits core/tariff.h approval_no */
#define PD_SR_TEXT_SIZE 801 /* reason and notes: 200 characters of UTF-8 + NUL */

enum pd_special_rate_state { PD_SR_PENDING, PD_SR_APPROVED, PD_SR_REJECTED, PD_SR_REVOKED };

struct pd_special_rate_rec {
    int64_t id;
    char approval_no[PD_SR_NO_SIZE]; /* filled by special_rate_insert */
    int state;                       /* enum pd_special_rate_state */
    int64_t customer_id;
    char customer_code[PD_CODE_MAX]; /* filled on reads */
    int64_t node_id;                 /* the customer's node, filled on reads */
    char node_path[PD_PATH_MAX];     /* filled on reads */
    char node_code[PD_CODE_MAX];     /* filled on reads */
    char service[16];                /* core/tariff.h service code ("standard") */
    char zone[16];                   /* core/tariff.h zone code ("national") */
    int32_t first_weight_g;          /* the cell: bounds of core/tariff.c cell_ok */
    int32_t additional_step_g;
    int64_t first_fee_fen;
    int64_t additional_fee_fen;
    int64_t valid_from_ms; /* inclusive */
    int64_t valid_to_ms;   /* exclusive; 0 = open-ended */
    char reason[PD_SR_TEXT_SIZE];
    int64_t applied_by;                    /* user id (0 = none) */
    char applied_by_name[PD_USERNAME_MAX]; /* filled on reads ("" when none) */
    int64_t applied_ms;                    /* filled by special_rate_insert (now) */
    int64_t decided_by;                    /* approved or rejected by; 0 while pending */
    char decided_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t decided_ms;
    char decision_note[PD_SR_TEXT_SIZE];
    int64_t revoked_by;                    /* 0 unless revoked */
    char revoked_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t revoked_ms;
    char revoke_note[PD_SR_TEXT_SIZE];
};

/** Filter for special_rate_list; zero/negative fields do not filter. Newest first. */
struct pd_special_rate_filter {
    const char *node_path; /* subtree of the customer's node; required */
    int state;             /* enum pd_special_rate_state, -1: any */
    int64_t customer_id;   /* 0: any */
    int64_t before_id;     /* keyset pagination: id < before_id */
    int limit;             /* 1..1000 */
};

typedef int (*pd_special_rate_cb)(void *cls, const struct pd_special_rate_rec *r);

/* ---- scans and tracking ----------------------------------------------------
 *
 * Scan events are kept as devices send them, keyed for idempotency by
 * (device_id, device_seq), clustered by waybill and event time so that a
 * waybill's timeline is one range read. Events may name numbers no waybill
 * has yet: they are kept, and the tracking row is rebuilt when the waybill
 * appears. The tracking row holds what a public look-up needs, ready to
 * send: the derived status, and the masked public answer as JSON text.
 */

#define PD_SCAN_TEXT_SIZE 201 /* operator, signer, reason, photo: 200 bytes + NUL */

struct pd_scan_row {
    char waybill_no[PD_WB_NO_SIZE];
    char parcel_no[PD_PCL_NO_SIZE]; /* "" = the whole waybill */
    int type;                       /* enum pd_scan_type (core/scan.h); stored by name */
    int64_t at_ms;                  /* event time */
    char node_code[PD_CODE_MAX];    /* "" when none */
    char operator_[PD_SCAN_TEXT_SIZE];
    char device_id[65];
    int64_t device_seq;
    char bag_no[33];
    char trip_no[33];
    bool has_temperature;
    int32_t temperature_mc; /* milli-°C */
    char signer[PD_SCAN_TEXT_SIZE];
    int signer_type; /* enum pd_signer_type; 0 = none */
    bool has_consent;
    bool consent;
    char reason[PD_SCAN_TEXT_SIZE];
    char photo[PD_SCAN_TEXT_SIZE];
    int64_t received_ms; /* when the server stored it; orders ties of at_ms */
};

struct pd_tracking {
    char waybill_no[PD_WB_NO_SIZE];
    bool has_order;  /* a waybill with this number exists */
    int order_state; /* enum pd_order_state when has_order */
    int parcels;     /* 1 … 999 (1 when no order yet) */
    int32_t dest_division;
    char service[16];
    char last4_sender[5]; /* the last four digits of the phones, for the full view */
    char last4_recipient[5];
    int64_t created_ms;  /* the order's */
    int64_t promised_ms; /* promised delivery, 0 = none */
    int status;          /* enum pd_status (core/status.h): the waybill's summary */
    int events;          /* number of scan events */
    int64_t last_event_ms;
    int64_t delivered_ms; /* when the summary became delivered, 0 = not */
    int64_t updated_ms;
    /* JSON text of the masked public answer; borrowed on put, valid during
     * the callback on get. Never NULL on reads. */
    const char *public_json;
};

/** Filter of tracking_list_stale: open waybills without an event since. */
struct pd_stale_filter {
    int64_t no_event_since_ms; /* last event (or creation) before this */
    int64_t after_created_ms;  /* created after this (the totally-delayed limit window) */
    int limit;
};

typedef int (*pd_scan_cb)(void *cls, const struct pd_scan_row *s);
typedef int (*pd_tracking_cb)(void *cls, const struct pd_tracking *t);

typedef int (*pd_node_cb)(void *cls, const struct pd_node *n);
typedef int (*pd_user_cb)(void *cls, const struct pd_user *u);
typedef int (*pd_apikey_cb)(void *cls, const struct pd_apikey *k);
typedef int (*pd_audit_cb)(void *cls, const struct pd_audit *a);
typedef int (*pd_perm_cb)(void *cls, const char *role, const char *perm);

/* ---- the goods list (禁寄/限寄物品) -----------------------------------------
 *
 * The maintained list the screening index (core/screening.h) is built from.
 * Terms are unique ignoring ASCII case, as the matcher compares them. Rules
 * are deactivated, never deleted. Every change moves the list stamp (by
 * trigger, so plain-SQL edits count too), which is how a server notices that
 * another process changed the list.
 */

#define PD_GOODS_TERM_CHARS     50 /* limits in characters, checked by the API */
#define PD_GOODS_CATEGORY_CHARS 32
#define PD_GOODS_TEXT_CHARS     200 /* condition and note */
#define PD_GOODS_TERM_SIZE      (4 * PD_GOODS_TERM_CHARS + 1)
#define PD_GOODS_CATEGORY_SIZE  (4 * PD_GOODS_CATEGORY_CHARS + 1)
#define PD_GOODS_TEXT_SIZE      (4 * PD_GOODS_TEXT_CHARS + 1)

struct pd_goods_rule_rec {
    int64_t id;
    char term[PD_GOODS_TERM_SIZE];         /* matched as a substring of goods names */
    char category[PD_GOODS_CATEGORY_SIZE]; /* e.g. "易燃易爆物品" */
    int level;                             /* enum pd_goods_level (core/screening.h) */
    char condition[PD_GOODS_TEXT_SIZE];    /* "" for prohibited; required for restricted */
    char note[PD_GOODS_TEXT_SIZE];
    bool active;
    int64_t updated_ms;
    int64_t updated_by;                    /* user id; 0 for the system (the seed) */
    char updated_by_name[PD_USERNAME_MAX]; /* filled on reads ("" when 0) */
};

/** The list stamp: version moves with every change; count is the number of rules. */
struct pd_goods_stamp {
    int64_t version;
    int64_t count;
};

typedef int (*pd_goods_rule_cb)(void *cls, const struct pd_goods_rule_rec *r);

/* ---- notifications (webhooks, the SMS/e-mail outbox) ------------------------
 *
 * Customers' webhook subscriptions; the deliveries queued for them when a
 * waybill's tracking status changes (one per matching subscription, each
 * with the exact JSON body the worker in http/notify.c signs and POSTs);
 * the log of every attempt; and the outbox of SMS and e-mail notices.
 *
 * Claims. The worker takes due rows with a lease: a claim moves their
 * next_at_ms to the end of the lease and stamps them with a random token,
 * so several servers sharing one database never send the same row at once
 * (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the single writer), and a
 * server that dies mid-send leaves its rows due again when the lease ends.
 * Only the holder of the token records an outcome.
 *
 * Subscriptions are deleted softly (deleted_ms), so that old deliveries keep
 * naming theirs; deleting one cancels its pending deliveries. Secrets are
 * kept as given (they are needed to sign), and no read except a claim
 * returns them.
 */

#define PD_WEBHOOK_URL_SIZE    501 /* 500 bytes + NUL (the API accepts ASCII URLs only) */
#define PD_WEBHOOK_SECRET_SIZE 129 /* 128 + NUL */
#define PD_NOTIFY_ID_SIZE      40  /* event ids ("evt_" + 32 hex), claim tokens */
#define PD_NOTIFY_KIND_SIZE    24  /* "failed_attempt" … (http/notify.h) */
#define PD_NOTIFY_OWNER_SIZE   40  /* "u:12" (a user) or "k:3" (an API key) */
#define PD_NOTIFY_ERROR_SIZE   301 /* an attempt's error or response excerpt: 300 bytes + NUL */
#define PD_OUTBOX_TEXT_SIZE    1024
#define PD_OUTBOX_SUBJECT_SIZE 256
#define PD_OUTBOX_TO_SIZE      129 /* a phone number or an e-mail address */

struct pd_webhook {
    int64_t id;
    char url[PD_WEBHOOK_URL_SIZE];
    char secret[PD_WEBHOOK_SECRET_SIZE]; /* filled on insert only, and by nothing that reads */
    uint32_t kinds;                      /* bit mask of enum pd_notify_kind; never 0 */
    char customer_code[PD_CODE_MAX];     /* "" = waybills of every customer */
    int64_t node_id;                     /* scope: waybills of this node's subtree */
    char node_code[PD_CODE_MAX];         /* filled on reads */
    char node_path[PD_PATH_MAX];         /* filled on reads */
    char owner[PD_NOTIFY_OWNER_SIZE];    /* "k:3": only waybills that API key created */
    int64_t created_ms;                  /* filled by webhook_insert (now) */
    int64_t deleted_ms;                  /* 0 = active */
};

/** Filter for webhook_list; by id. */
struct pd_webhook_filter {
    const char *node_path; /* subtree of the subscription's node; required */
    const char *owner;     /* only this owner's; NULL or "" = anyone's */
    bool include_deleted;
    int64_t after_id; /* keyset pagination: id > after_id */
    int limit;        /* 1..1000 */
};

enum pd_delivery_state {
    PD_DELIVERY_PENDING,
    PD_DELIVERY_DELIVERED,
    PD_DELIVERY_DEAD,     /* the dead-letter list: every attempt failed */
    PD_DELIVERY_CANCELLED /* its subscription was deleted before it went out */
};

struct pd_webhook_delivery {
    int64_t id;
    int64_t webhook_id;
    char event_id[PD_NOTIFY_ID_SIZE];
    char kind[PD_NOTIFY_KIND_SIZE];
    char waybill_no[PD_WB_NO_SIZE];
    int state;          /* enum pd_delivery_state */
    int attempts;       /* made so far */
    int attempt_base;   /* attempts when it was last revived: retries count from here */
    int64_t next_at_ms; /* pending: when due (while claimed: the end of the lease) */
    int last_status;    /* HTTP status of the last attempt; 0 = none or no answer */
    char last_error[PD_NOTIFY_ERROR_SIZE];
    int64_t created_ms; /* filled by delivery_insert (now) */
    int64_t done_ms;    /* when it became delivered, dead or cancelled; 0 while pending */
    /* filled on reads, from the subscription */
    char url[PD_WEBHOOK_URL_SIZE];
    char node_path[PD_PATH_MAX];
    char owner[PD_NOTIFY_OWNER_SIZE];
    bool webhook_deleted;
    char secret[PD_WEBHOOK_SECRET_SIZE]; /* delivery_claim only; "" on other reads */
    /* JSON text: borrowed on insert; on reads (get, claim) valid during the
     * callback; NULL from delivery_list */
    const char *body;
};

/** Filter for delivery_list; zero/empty fields do not filter. Newest first. */
struct pd_delivery_filter {
    const char *node_path;  /* subtree of the subscription's node; required */
    const char *owner;      /* only deliveries of this owner's subscriptions; NULL or "" = any */
    int state;              /* enum pd_delivery_state, -1: any */
    int64_t webhook_id;     /* 0: any */
    const char *waybill_no; /* NULL or "": any */
    int64_t before_id;      /* keyset pagination: id < before_id */
    int limit;              /* 1..1000 */
};

struct pd_webhook_attempt {
    int64_t id;
    int64_t delivery_id;
    int attempt; /* 1, 2, … in the order made */
    int64_t at_ms;
    int duration_ms;
    int status; /* HTTP status; 0 when no answer came (connection, timeout, refused address) */
    char error[PD_NOTIFY_ERROR_SIZE];
};

/** What became of a claimed delivery (delivery_finish). */
struct pd_delivery_outcome {
    int64_t id;
    const char *claim; /* the token of the claim that handed it out */
    /* true: an attempt was made: it is logged with at_ms, duration_ms,
     * status and error, attempts grows by one and the state becomes
     * @c state. false: nothing was sent; @c state is PENDING (release the
     * claim: due again at next_at_ms) or CANCELLED. */
    bool attempted;
    int64_t at_ms;
    int duration_ms;
    int status;
    const char *error;  /* NULL reads as "" */
    int state;          /* enum pd_delivery_state after this */
    int64_t next_at_ms; /* PENDING: when to try again */
};

enum pd_outbox_channel { PD_OUTBOX_SMS, PD_OUTBOX_EMAIL };
enum pd_outbox_state {
    PD_OUTBOX_PENDING,
    PD_OUTBOX_SENT,
    PD_OUTBOX_DEAD,   /* the sender failed every try */
    PD_OUTBOX_SKIPPED /* nobody to send it to (no order, no mobile number, no address) */
};

struct pd_outbox_msg {
    int64_t id;
    int channel; /* enum pd_outbox_channel */
    char event_id[PD_NOTIFY_ID_SIZE];
    char waybill_no[PD_WB_NO_SIZE];
    char kind[PD_NOTIFY_KIND_SIZE];
    char recipient[PD_OUTBOX_TO_SIZE]; /* "" until the worker resolved it */
    char subject[PD_OUTBOX_SUBJECT_SIZE];
    char text[PD_OUTBOX_TEXT_SIZE];
    int state; /* enum pd_outbox_state */
    int attempts;
    int64_t next_at_ms;
    char last_error[PD_NOTIFY_ERROR_SIZE];
    int64_t created_ms; /* filled by outbox_insert (now) */
    int64_t done_ms;
};

/** What became of a claimed outbox message (outbox_finish); as pd_delivery_outcome. */
struct pd_outbox_outcome {
    int64_t id;
    const char *claim;
    bool attempted;        /* false: released unsent (state PENDING) */
    int state;             /* enum pd_outbox_state after this */
    const char *recipient; /* who it went (or would have gone) to; NULL keeps the stored one */
    const char *error;     /* NULL reads as "" */
    int64_t at_ms;
    int64_t next_at_ms; /* PENDING: when to try again */
};

/** Filter for outbox_list; newest first. */
struct pd_outbox_filter {
    int state;              /* enum pd_outbox_state, -1: any */
    const char *waybill_no; /* NULL or "": any */
    int64_t before_id;
    int limit; /* 1..1000 */
};

typedef int (*pd_webhook_cb)(void *cls, const struct pd_webhook *w);
typedef int (*pd_delivery_cb)(void *cls, const struct pd_webhook_delivery *d);
typedef int (*pd_attempt_cb)(void *cls, const struct pd_webhook_attempt *a);
typedef int (*pd_outbox_cb)(void *cls, const struct pd_outbox_msg *m);

/* ---- options ----------------------------------------------------------- */

struct pd_store_options {
    int pool_size;          /* PostgreSQL connections (default 8) */
    int acquire_timeout_ms; /* wait for a pooled connection (default 5000) */
    int busy_timeout_ms;    /* SQLite busy timeout (default 5000) */
    long cache_kib;         /* SQLite page cache per connection in KiB (default 16384) */
    long mmap_bytes;        /* SQLite mmap_size (default 256 MiB) */
};

/* ---- the operations ---------------------------------------------------- */

/*
 * Common to every operation: `db` is a connection acquired by the calling
 * thread; inside pd_tx_run() the callback's db is in a transaction.
 */
struct pd_store_ops {
    const char *backend; /* "sqlite" or "postgresql" */

    /* connections and transactions (used by tx.c and migrate.c only) */
    pd_db *(*acquire)(pd_store *st);
    void (*release)(pd_store *st, pd_db *db);
    pd_qs (*begin)(pd_db *db, bool read_only);
    pd_qs (*commit)(pd_db *db);
    void (*rollback)(pd_db *db);
    pd_qs (*ping)(pd_db *db);
    void (*stats)(pd_store *st, struct pd_store_stats *out);
    void (*close)(pd_store *st);

    /* schema (migrate.c): run a whole script; read/record the version */
    pd_qs (*exec_script)(pd_db *db, const char *sql);
    pd_qs (*schema_version)(pd_db *db, int *version); /* 0 when the table is missing */
    pd_qs (*schema_version_set)(pd_db *db, int version, const char *name);

    /* nodes */
    /** Insert; fills n->id, n->path (from parent), n->created_ms. *dup when the code exists. */
    pd_qs (*node_insert)(pd_db *db, struct pd_node *n, bool *dup);
    pd_qs (*node_get)(pd_db *db, int64_t id, struct pd_node *out);
    pd_qs (*node_get_by_code)(pd_db *db, const char *code, struct pd_node *out);
    /** Nodes whose path starts with @p path_prefix, ordered by path. */
    pd_qs (*node_list)(pd_db *db, const char *path_prefix, pd_node_cb cb, void *cls);
    /** Update name, active, region, utc_offset_min of node n->id. */
    pd_qs (*node_update)(pd_db *db, const struct pd_node *n);
    /** Number of child nodes plus users of node @p id. */
    pd_qs (*node_dependents)(pd_db *db, int64_t id, int64_t *count);

    /* users */
    /** Insert; fills u->id, created_ms. *dup when the user name exists. */
    pd_qs (*user_insert)(pd_db *db, struct pd_user *u, bool *dup);
    pd_qs (*user_get)(pd_db *db, int64_t id, struct pd_user *out);
    pd_qs (*user_get_by_name)(pd_db *db, const char *username, struct pd_user *out);
    pd_qs (*user_list)(pd_db *db, const struct pd_user_filter *f, pd_user_cb cb, void *cls);
    /** Update display_name, phone, role, node_id, active of user u->id. */
    pd_qs (*user_update)(pd_db *db, const struct pd_user *u);
    pd_qs (*user_set_password)(pd_db *db, int64_t id, const char *hash, int64_t now_ms);
    /** Record a login outcome: failed_logins and locked_until_ms. */
    pd_qs (*user_set_login_state)(pd_db *db, int64_t id, int failed_logins,
                                  int64_t locked_until_ms);

    /* sessions */
    pd_qs (*session_insert)(pd_db *db, struct pd_session *s);
    /** Session by token hash joined with its user (any state; caller checks expiry/active). */
    pd_qs (*session_get)(pd_db *db, const char *token_hash, struct pd_session *s,
                         struct pd_user *u);
    pd_qs (*session_touch)(pd_db *db, int64_t id, int64_t last_seen_ms, int64_t expires_ms);
    pd_qs (*session_delete)(pd_db *db, const char *token_hash);
    /** Delete every session of a user (password change, disable). */
    pd_qs (*session_delete_user)(pd_db *db, int64_t user_id);
    pd_qs (*session_purge_expired)(pd_db *db, int64_t now_ms);

    /* API keys */
    pd_qs (*apikey_insert)(pd_db *db, struct pd_apikey *k);
    pd_qs (*apikey_get_by_hash)(pd_db *db, const char *key_hash, struct pd_apikey *out);
    pd_qs (*apikey_get)(pd_db *db, int64_t id, struct pd_apikey *out);
    pd_qs (*apikey_list)(pd_db *db, const char *node_path, pd_apikey_cb cb, void *cls);
    pd_qs (*apikey_revoke)(pd_db *db, int64_t id, int64_t now_ms);
    pd_qs (*apikey_touch)(pd_db *db, int64_t id, int64_t now_ms);

    /* audit log: append-only (no update or delete operation exists) */
    pd_qs (*audit_insert)(pd_db *db, struct pd_audit *a);
    /** Newest first. */
    pd_qs (*audit_list)(pd_db *db, const struct pd_audit_filter *f, pd_audit_cb cb, void *cls);

    /* waybills */
    /**
     * Insert a waybill and its parcels (w->parcels of them, numbered by
     * core/waybill_no) in the caller's transaction. The serial comes from a
     * database counter (never reused, unique under concurrency on both
     * backends); fills w->id, w->waybill_no, w->created_ms = w->updated_ms
     * (now), w->version = 1. When w->idem_key is not empty and another
     * waybill already holds (idem_actor, idem_key), returns PD_QS_SOFT so
     * the transaction is retried and the caller's idempotency look-up finds
     * the winner.
     */
    pd_qs (*waybill_insert)(pd_db *db, struct pd_waybill *w);
    /**
     * The waybill numbered @p no, passed to @p cb. @p for_update locks the
     * row until the transaction ends (PostgreSQL SELECT … FOR UPDATE;
     * SQLite's write transaction already excludes other writers).
     */
    pd_qs (*waybill_get)(pd_db *db, const char *no, bool for_update, pd_waybill_cb cb, void *cls);
    /** The waybill holding Idempotency-Key (@p actor, @p key), if any. */
    pd_qs (*waybill_get_by_idem)(pd_db *db, const char *actor, const char *key, pd_waybill_cb cb,
                                 void *cls);
    /**
     * Update every mutable column of w->id (state, service, payment,
     * customer, phones, divisions, weights, money, parcels count unchanged,
     * pickup window, promised times, fingerprint, courier, updated_ms, doc,
     * quote, review) when its version is still @p expected_version; the
     * stored version becomes expected_version + 1.
     * @return PD_QS_ONE, or PD_QS_NONE when the version moved (the caller
     *         answers 409) or the row is gone.
     */
    pd_qs (*waybill_update)(pd_db *db, const struct pd_waybill *w, int expected_version);
    pd_qs (*waybill_list)(pd_db *db, const struct pd_waybill_filter *f, pd_waybill_cb cb,
                          void *cls);
    /**
     * An open waybill (not cancelled) with fingerprint @p fp created at or
     * after @p since_ms; its number goes to @p out_no. PD_QS_NONE when none.
     */
    pd_qs (*waybill_find_duplicate)(pd_db *db, const char *fp, int64_t since_ms,
                                    char out_no[PD_WB_NO_SIZE]);
    /** Parcels of a waybill, by sequence. */
    pd_qs (*parcel_list)(pd_db *db, int64_t waybill_id, pd_parcel_cb cb, void *cls);
    /** Set the weight of parcel @p parcel_no. */
    pd_qs (*parcel_set_weight)(pd_db *db, const char *parcel_no, int64_t weight_g);

    /* customers */
    /** Insert; fills c->id, c->created_ms. *dup when the code exists. */
    pd_qs (*customer_insert)(pd_db *db, struct pd_customer *c, bool *dup);
    pd_qs (*customer_get)(pd_db *db, int64_t id, pd_customer_cb cb, void *cls);
    pd_qs (*customer_get_by_code)(pd_db *db, const char *code, pd_customer_cb cb, void *cls);
    /** Customers of a subtree, by code; @p q (may be NULL) a substring of code or name. */
    pd_qs (*customer_list)(pd_db *db, const char *node_path, const char *q, int64_t after_id,
                           int limit, pd_customer_cb cb, void *cls);
    /** Update name, phone, node_id, monthly, active and contract of c->id. */
    pd_qs (*customer_update)(pd_db *db, const struct pd_customer *c);

    /* pickup tasks and inspections */
    /** Insert; fills t->id. */
    pd_qs (*pickup_insert)(pd_db *db, struct pd_pickup_task *t);
    /** The open task of a waybill (PD_QS_NONE when none). */
    pd_qs (*pickup_get_open)(pd_db *db, int64_t waybill_id, struct pd_pickup_task *out);
    /** Set state and done_ms of task @p id. */
    pd_qs (*pickup_set_state)(pd_db *db, int64_t id, int state, int64_t done_ms);
    /** Tasks of a subtree by due time, then id. */
    pd_qs (*pickup_list)(pd_db *db, const struct pd_pickup_filter *f, pd_pickup_cb cb, void *cls);
    /** Open tasks per courier of a subtree: cb(cls, courier_id, count) for those with any. */
    pd_qs (*pickup_load)(pd_db *db, const char *node_path,
                         int (*cb)(void *cls, int64_t courier_id, int64_t open), void *cls);
    /** Insert; fills i->id. */
    pd_qs (*inspection_insert)(pd_db *db, struct pd_inspection *i);
    /** Inspections of a waybill, oldest first. */
    pd_qs (*inspection_list)(pd_db *db, int64_t waybill_id, pd_inspection_cb cb, void *cls);

    /* special rates (特殊费率申请) */
    /**
     * Insert @p r (state, customer_id, service, zone, the cell, validity,
     * reason, applied_by; names and decision fields are ignored) numbered
     * "SR" + @p day (8 digits, YYYYMMDD, chosen by the caller) + the day's
     * next serial (at least 4 digits), drawn from a per-day counter in the
     * caller's transaction: unique under concurrency on both backends.
     * Fills r->id, r->approval_no and r->applied_ms (now).
     */
    pd_qs (*special_rate_insert)(pd_db *db, struct pd_special_rate_rec *r, const char *day);
    /** The rate numbered @p no into @p out (caller-provided); PD_QS_NONE when none. */
    pd_qs (*special_rate_get)(pd_db *db, const char *no, struct pd_special_rate_rec *out);
    /** Rates whose customer is in a subtree, newest first. */
    pd_qs (*special_rate_list)(pd_db *db, const struct pd_special_rate_filter *f,
                               pd_special_rate_cb cb, void *cls);
    /**
     * Move rate @p id from state @p from to state @p to, recording @p by
     * (user id), @p at_ms and @p note (NULL reads as ""): into decided_*
     * when @p to is approved or rejected, into revoked_* when it is revoked.
     * @return PD_QS_ONE, or PD_QS_NONE when the rate is no longer in @p from
     *         (someone else decided first) or does not exist.
     */
    pd_qs (*special_rate_set_state)(pd_db *db, int64_t id, int from, int to, int64_t by,
                                    int64_t at_ms, const char *note);

    /* service areas of nodes (which divisions a node serves) */
    /**
     * Replace the areas of node @p node_id by @p divs[0..n): GB/T 2260
     * codes of 2 (province), 4 (city) or 6 (district) digits.
     */
    pd_qs (*node_areas_set)(pd_db *db, int64_t node_id, const char *const *divs, int n);
    /** Areas of node @p node_id, by code: cb(cls, division). */
    pd_qs (*node_areas_list)(pd_db *db, int64_t node_id, int (*cb)(void *cls, const char *division),
                             void *cls);
    /**
     * The active node serving district @p district (6 digits): the most
     * specific area wins (district over city over province), then the
     * deepest node. Fills id, code, name, type, path of @p out.
     * @return PD_QS_ONE, or PD_QS_NONE when no node serves it.
     */
    pd_qs (*node_for_division)(pd_db *db, int32_t district, struct pd_node *out);

    /* idempotent answers: the first answer to an order with an Idempotency-Key */
    /** Keep @p answer (JSON text, borrowed) for waybill @p waybill_id. */
    pd_qs (*idem_answer_put)(pd_db *db, int64_t waybill_id, const char *answer);
    /** The kept answer of @p waybill_id, cb(cls, text) (text valid during the call). */
    pd_qs (*idem_answer_get)(pd_db *db, int64_t waybill_id,
                             int (*cb)(void *cls, const char *answer), void *cls);

    /* permission matrix (data) */
    pd_qs (*perm_list)(pd_db *db, pd_perm_cb cb, void *cls);
    pd_qs (*perm_set)(pd_db *db, const char *role, const char *perm, bool granted);

    /* the goods list (禁寄/限寄物品) */
    /** Every rule, active or not, in byte order of term. */
    pd_qs (*goods_rule_list)(pd_db *db, pd_goods_rule_cb cb, void *cls);
    /** The rule whose term equals @p term ignoring ASCII case; PD_QS_NONE when none. */
    pd_qs (*goods_rule_get)(pd_db *db, const char *term, struct pd_goods_rule_rec *out);
    /**
     * Insert @p r, or update the rule with the same term (ignoring ASCII
     * case): its spelling, category, level, condition, note, active,
     * updated_ms and updated_by become those of @p r. Fills r->id.
     * @param[out] created true when a new rule was inserted.
     * @return PD_QS_ONE; a row breaking the table's checks (empty term,
     *         restricted without condition …) is PD_QS_HARD: callers validate.
     */
    pd_qs (*goods_rule_upsert)(pd_db *db, struct pd_goods_rule_rec *r, bool *created);
    /**
     * Insert @p r unless its term exists (ignoring ASCII case), leaving an
     * existing rule untouched: the seed, safe when two servers seed at once.
     * @return PD_QS_ONE when inserted (r->id filled), PD_QS_NONE when the term existed.
     */
    pd_qs (*goods_rule_insert_new)(pd_db *db, struct pd_goods_rule_rec *r);
    /** The list stamp (one cheap query). */
    pd_qs (*goods_stamp)(pd_db *db, struct pd_goods_stamp *out);

    /* scans and tracking */
    /**
     * Store @p n events in the caller's transaction. An event whose
     * (device_id, device_seq) is already stored is a duplicate: it is not
     * written again and dup[i] is set true (dup has n entries). Events need
     * no waybill to exist. @return the number of events written, or a failure.
     */
    pd_qs (*scan_insert)(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup);
    /** Events of a waybill (all its parcels), by event time then received time. */
    pd_qs (*scan_list)(pd_db *db, const char *waybill_no, pd_scan_cb cb, void *cls);
    /** Insert or replace the tracking row of t->waybill_no. */
    pd_qs (*tracking_put)(pd_db *db, const struct pd_tracking *t);
    /** The tracking row of @p waybill_no to @p cb; PD_QS_NONE when there is none. */
    pd_qs (*tracking_get)(pd_db *db, const char *waybill_no, pd_tracking_cb cb, void *cls);
    /** Orders not delivered, returned or cancelled whose last event is older than the filter's. */
    pd_qs (*tracking_list_stale)(pd_db *db, const struct pd_stale_filter *f, pd_tracking_cb cb,
                                 void *cls);

    /* notifications: webhooks and the SMS/e-mail outbox */
    /** Insert @p w (url, secret, kinds, customer_code, node_id, owner); fills id, created_ms. */
    pd_qs (*webhook_insert)(pd_db *db, struct pd_webhook *w);
    /** Subscription @p id, deleted or not, into @p out (secret left ""); PD_QS_NONE when none. */
    pd_qs (*webhook_get)(pd_db *db, int64_t id, struct pd_webhook *out);
    /** Subscriptions matching @p f, by id (secrets left ""). */
    pd_qs (*webhook_list)(pd_db *db, const struct pd_webhook_filter *f, pd_webhook_cb cb,
                          void *cls);
    /**
     * Delete subscription @p id (softly, at @p now_ms) and cancel its pending
     * deliveries. @return PD_QS_ONE, or PD_QS_NONE when it does not exist or
     * was already deleted.
     */
    pd_qs (*webhook_delete)(pd_db *db, int64_t id, int64_t now_ms);
    /**
     * Queue @p d (webhook_id, event_id, kind, waybill_no, next_at_ms, body)
     * as pending; fills id and created_ms.
     * @return PD_QS_ONE; PD_QS_NONE when the subscription is deleted (or
     *         gone) or already has a delivery of this event (nothing written).
     */
    pd_qs (*delivery_insert)(pd_db *db, struct pd_webhook_delivery *d);
    /**
     * Claim up to @p limit pending deliveries due at @p now_ms, earliest
     * first, for @p lease_ms under token @p claim, and pass each, with its
     * subscription's URL, secret and deletion mark and its body, to @p cb.
     * Rows another transaction holds are skipped, never waited for.
     * @return the number claimed, or a failure.
     */
    pd_qs (*delivery_claim)(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit,
                            const char *claim, pd_delivery_cb cb, void *cls);
    /**
     * Record @p o for a delivery claimed under o->claim (see
     * pd_delivery_outcome). @return PD_QS_ONE, or PD_QS_NONE when the claim
     * is no longer held (the lease ran out and someone else took it, or the
     * delivery was cancelled): then nothing is recorded.
     */
    pd_qs (*delivery_finish)(pd_db *db, const struct pd_delivery_outcome *o);
    /** Delivery @p id with its body to @p cb; PD_QS_NONE when none. */
    pd_qs (*delivery_get)(pd_db *db, int64_t id, pd_delivery_cb cb, void *cls);
    /** Deliveries matching @p f, newest first, without bodies. */
    pd_qs (*delivery_list)(pd_db *db, const struct pd_delivery_filter *f, pd_delivery_cb cb,
                           void *cls);
    /** The attempts of delivery @p delivery_id, in the order made. */
    pd_qs (*delivery_attempts)(pd_db *db, int64_t delivery_id, pd_attempt_cb cb, void *cls);
    /**
     * Put dead delivery @p id back as pending, due at @p now_ms, with a
     * fresh retry budget (attempt_base = attempts).
     * @return PD_QS_ONE, or PD_QS_NONE when it is not dead (or does not exist).
     */
    pd_qs (*delivery_revive)(pd_db *db, int64_t id, int64_t now_ms);
    /** Queue @p m (channel, event_id, waybill_no, kind, subject, text, next_at_ms) as pending;
     * fills id, created_ms. */
    pd_qs (*outbox_insert)(pd_db *db, struct pd_outbox_msg *m);
    /** As delivery_claim, for outbox messages. */
    pd_qs (*outbox_claim)(pd_db *db, int64_t now_ms, int64_t lease_ms, int limit, const char *claim,
                          pd_outbox_cb cb, void *cls);
    /** As delivery_finish, for outbox messages (no attempt log: attempts and last_error only). */
    pd_qs (*outbox_finish)(pd_db *db, const struct pd_outbox_outcome *o);
    /** Outbox messages matching @p f, newest first. */
    pd_qs (*outbox_list)(pd_db *db, const struct pd_outbox_filter *f, pd_outbox_cb cb, void *cls);
    /**
     * Delete at most @p limit finished deliveries (delivered, dead,
     * cancelled; with their attempts) and at most @p limit finished outbox
     * messages (sent, dead, skipped) that finished before @p before_ms.
     * @return the number of rows deleted (attempts not counted).
     */
    pd_qs (*notify_purge)(pd_db *db, int64_t before_ms, int limit);
};

/** Every backend connection starts with this header. */
struct pd_db {
    const struct pd_store_ops *ops;
    pd_store *store;
};

/** Every backend store starts with this header. */
struct pd_store {
    const struct pd_store_ops *ops;
    char url[512];
};

/**
 * Open the database named by @p url: "sqlite:PATH" (the file is created if
 * missing; PATH may be ":memory:" only for single-threaded tests) or
 * "postgresql://…" / "postgres://…" (libpq syntax). Does not migrate.
 * @param opts may be NULL for defaults.
 * @param[out] err_msg on failure, a reason (static or into a buffer of 256).
 * @return the store (free with pd_store_close) or NULL.
 */
pd_store *pd_store_open(const char *url, const struct pd_store_options *opts, char err[256]);

/** Close every connection and free the store. NULL is a no-op. */
void pd_store_close(pd_store *st);

/** A connection for the calling thread; NULL when the database is unreachable. */
pd_db *pd_store_acquire(pd_store *st);
void pd_store_release(pd_store *st, pd_db *db);

/** Backend name: "sqlite" or "postgresql". */
const char *pd_store_backend(const pd_store *st);

/** true when the database answers a trivial query now. */
bool pd_store_ping(pd_store *st);

void pd_store_stats(pd_store *st, struct pd_store_stats *out);

/** The default options filled in. */
void pd_store_options_default(struct pd_store_options *o);

#endif
