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
#include "core/queuelog.h"

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
    /* What notices about the waybill need without reading the order again
     * (pd_notify_event): "" when no order or none. */
    char customer_code[33];
    char node_path[256];
    char created_by[40];
    /* The public timeline in the compact form of http/api/tracking_build.c
     * (events with what the public view shows: time, type, parcel, node,
     * signer and reason code), from which the public answer is written on
     * each read. Borrowed on put, valid during the callback on get. NULL
     * (timeline_len 0) when the row predates that form (migration 014):
     * such a row is rebuilt from the order and the events. */
    const unsigned char *timeline;
    size_t timeline_len;
};

/** Filter of tracking_list_stale: open waybills without an event since. */
struct pd_stale_filter {
    int64_t no_event_since_ms; /* last event (or creation) before this */
    int64_t after_created_ms;  /* created after this (the totally-delayed limit window) */
    int limit;
};

typedef int (*pd_scan_cb)(void *cls, const struct pd_scan_row *s);
/** A scan of the scan log with its id (the order of arrival). */
typedef int (*pd_scan_log_cb)(void *cls, int64_t id, const struct pd_scan_row *s);
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

/* ---- call-centre records (issue 6 part B; src/http/api/cc_records.c) -------
 *
 * ParcelDesk's own call-centre records: the roster of agents as the
 * telephone system names them, versioned QA forms (监听评分表) and the
 * scores filled with them, shifts with their attendance, and cost entries.
 * The handler checks every business rule (weights summing to 100, scores
 * within their maximum, dates in order); the store adds only what needs the
 * database: unique agent names, the next form version, and shifts of one
 * agent never overlapping. Records are scoped by node (the agent's, the
 * shift's, the cost entry's); list filters take a subtree, NULL or "" for
 * the whole network (the statistics merge reads everything).
 */

#define PD_CC_NAME_SIZE   64  /* agent and queue names as the queue log writes them: 63 + NUL */
#define PD_CC_QUEUES_MAX  16  /* queues one agent serves */
#define PD_CC_CODE_SIZE   33  /* QA form codes: 32 + NUL */
#define PD_CC_TEXT_SIZE   801 /* names, comments, reasons, notes: 200 characters + NUL */
#define PD_CC_CALLID_SIZE 65  /* the queue log's call id ("1520932412.1234"): 64 + NUL */

struct pd_cc_agent {
    int64_t id;
    char agent[PD_CC_NAME_SIZE];                    /* unique */
    int64_t user_id;                                /* 0 = not mapped to a user */
    char username[PD_USERNAME_MAX];                 /* filled on reads ("" when unmapped) */
    char display_name[PD_NAME_MAX];                 /* filled on reads */
    int64_t node_id;                                /* where the agent works: scoping */
    char node_code[PD_CODE_MAX];                    /* filled on reads */
    char node_path[PD_PATH_MAX];                    /* filled on reads */
    int n_queues;                                   /* 0 … PD_CC_QUEUES_MAX */
    char queues[PD_CC_QUEUES_MAX][PD_CC_NAME_SIZE]; /* [A-Za-z0-9_.-]+, no duplicates */
    int64_t start_ms; /* first day employed (start of the day, China time) */
    int64_t leave_ms; /* the day no longer employed; 0 = still employed */
    int64_t created_ms;
    int64_t updated_ms;
};

/** Filter for cc_agent_list; zero/empty fields do not filter. By agent name. */
struct pd_cc_agent_filter {
    const char *node_path; /* subtree of the agent's node; NULL or "" = all */
    int64_t user_id;       /* only agents mapped to this user */
    const char *queue;     /* only agents serving this queue */
    const char *agent;     /* exactly this agent name */
};

struct pd_cc_qa_form {
    int64_t id;
    char code[PD_CC_CODE_SIZE]; /* stable across versions */
    int version;                /* 1, 2, … filled by cc_qa_form_insert */
    char name[PD_CC_TEXT_SIZE];
    int64_t created_by;                    /* user id, 0 = none */
    char created_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t created_ms;
    /* JSON text [{"key","label","weight","max_score"}]: borrowed on insert,
     * valid during the callback on reads. Never NULL on reads. */
    const char *items;
};

struct pd_cc_qa_score {
    int64_t id;
    int64_t form_id;
    char form_code[PD_CC_CODE_SIZE]; /* filled on reads */
    int form_version;                /* filled on reads */
    int64_t agent_id;
    char agent[PD_CC_NAME_SIZE];           /* filled on reads */
    int64_t agent_user_id;                 /* filled on reads (0 = unmapped) */
    int64_t node_id;                       /* the agent's node, filled on reads */
    char node_path[PD_PATH_MAX];           /* filled on reads */
    int64_t supervisor_id;                 /* user id, 0 = none */
    char supervisor_name[PD_USERNAME_MAX]; /* filled on reads */
    char call_id[PD_CC_CALLID_SIZE];       /* "" when none; call_id or waybill_no is set */
    char waybill_no[PD_WB_NO_SIZE];        /* "" when none */
    int score_x100;                        /* weighted score 0–100, in hundredths */
    char comment[PD_CC_TEXT_SIZE];
    int64_t created_ms; /* when filled: the period it counts in */
    const char *items;  /* JSON text [{"key","score"}]; borrowed as for forms */
};

/** Filter for cc_qa_score_list; zero/empty fields do not filter. Newest first. */
struct pd_cc_score_filter {
    const char *node_path; /* subtree of the agent's node; NULL or "" = all */
    int64_t agent_id;
    int64_t user_id;        /* only scores of agents mapped to this user */
    int64_t from_ms, to_ms; /* filled in [from, to); 0 = open */
    int64_t before_id;      /* keyset pagination: id < before_id */
    int limit;              /* 1..1000 */
};

enum pd_cc_attendance_status { PD_CC_NOT_RECORDED, PD_CC_PRESENT, PD_CC_ABSENT };

struct pd_cc_attendance {
    int64_t shift_id;
    int status;                   /* enum pd_cc_attendance_status (never NOT_RECORDED on put) */
    int64_t clock_in_ms;          /* present: > 0 */
    int64_t clock_out_ms;         /* 0 = not clocked out (yet) */
    int late_min;                 /* whole minutes after the shift's start, 0 when on time */
    char reason[PD_CC_TEXT_SIZE]; /* absent: why */
    int64_t recorded_by;          /* user id */
    int64_t recorded_ms;
};

struct pd_cc_shift {
    int64_t id;
    int64_t agent_id;
    char agent[PD_CC_NAME_SIZE]; /* filled on reads */
    int64_t agent_user_id;       /* filled on reads */
    int64_t node_id;
    char node_code[PD_CODE_MAX]; /* filled on reads */
    char node_path[PD_PATH_MAX]; /* filled on reads */
    int64_t start_ms, end_ms;    /* [start, end) */
    int64_t created_by;
    int64_t created_ms;
    struct pd_cc_attendance att; /* filled on reads; status NOT_RECORDED when none */
};

/** Filter for cc_shift_list; zero/empty fields do not filter. By start, then id. */
struct pd_cc_shift_filter {
    const char *node_path; /* subtree of the shift's node; NULL or "" = all */
    int64_t agent_id;
    int64_t user_id;        /* only shifts of agents mapped to this user */
    int64_t from_ms, to_ms; /* starting in [from, to); 0 = open */
    int limit;              /* 1..1000; the caller narrows the period for more */
};

#define PD_CC_COST_CATEGORY_SIZE 16

struct pd_cc_cost {
    int64_t id;
    int64_t node_id;
    char node_code[PD_CODE_MAX];             /* filled on reads */
    char node_path[PD_PATH_MAX];             /* filled on reads */
    char queue[PD_CC_NAME_SIZE];             /* "" = the whole call centre */
    int64_t from_ms, to_ms;                  /* [from, to) */
    int64_t amount_fen;                      /* >= 0 */
    char category[PD_CC_COST_CATEGORY_SIZE]; /* staff, telecom, equipment, premises, outsourcing,
                                                other */
    char note[PD_CC_TEXT_SIZE];
    int64_t created_by;
    char created_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t created_ms;
};

/** Filter for cc_cost_list; newest first. */
struct pd_cc_cost_filter {
    const char *node_path;  /* subtree; NULL or "" = all */
    int64_t from_ms, to_ms; /* entries overlapping [from, to); 0 = open */
    const char *queue;      /* NULL = any; "" = whole-centre entries only */
    int64_t before_id;
    int limit; /* 1..1000 */
};

/** Per-agent sums of the own-record figures (cc_own_* operations). */
struct pd_cc_own_row {
    int64_t agent_id;
    int64_t n;       /* QA: forms filled; shifts: shifts scheduled */
    int64_t sum;     /* QA: sum of score_x100; shifts: shifts attended */
    int64_t seconds; /* shifts: scheduled seconds within the period */
};

/** A waybill as the screen pop shows it (cc_lookup_waybills). */
struct pd_cc_lookup_waybill {
    int64_t id;
    char waybill_no[PD_WB_NO_SIZE];
    char state[24];  /* core/order_lifecycle.def name */
    char status[24]; /* core/status.def name of the tracking row, "" when none */
    int64_t node_id;
    char node_code[PD_CODE_MAX];
    char node_path[PD_PATH_MAX];
    char sender_phone[32];
    char recipient_phone[32];
    int64_t created_ms;
    const char *doc; /* the order's JSON text, valid during the callback */
};

typedef int (*pd_cc_agent_cb)(void *cls, const struct pd_cc_agent *a);
typedef int (*pd_cc_form_cb)(void *cls, const struct pd_cc_qa_form *f);
typedef int (*pd_cc_score_cb)(void *cls, const struct pd_cc_qa_score *s);
typedef int (*pd_cc_shift_cb)(void *cls, const struct pd_cc_shift *s);
typedef int (*pd_cc_cost_cb)(void *cls, const struct pd_cc_cost *c);
typedef int (*pd_cc_own_cb)(void *cls, const struct pd_cc_own_row *r);
typedef int (*pd_cc_lookup_cb)(void *cls, const struct pd_cc_lookup_waybill *w);

/* ---- problem parcels and return receipts (issue 4: the stale-parcel job;
 * src/http/monitor.c, src/http/api/problems.c, receipts.c) -----------------
 *
 * Problem parcels (问题件) the stale-parcel job opens for waybills with no
 * event for too long and for totally delayed ones (core/problem.h), at most
 * one open problem of a type per waybill (a rule of the table); return
 * receipts (签收回单) and their steps (core/receipt.h). Both are scoped by
 * their node's path, like waybills.
 */

#define PD_PROBLEM_TYPE_SIZE 24  /* core/problem.def names */
#define PD_PROBLEM_TEXT_SIZE 801 /* reason, note: 200 characters + NUL */

enum pd_problem_state { PD_PROBLEM_OPEN, PD_PROBLEM_CLOSED };
enum pd_problem_source { PD_PROBLEM_SOURCE_AUTO, PD_PROBLEM_SOURCE_STAFF };

struct pd_problem {
    int64_t id;
    char waybill_no[PD_WB_NO_SIZE];
    char type[PD_PROBLEM_TYPE_SIZE]; /* "no_update", "delayed", … (core/problem.def) */
    int source;                      /* enum pd_problem_source */
    int64_t node_id;                 /* the node that should act */
    char node_code[PD_CODE_MAX];     /* filled on reads */
    char node_path[PD_PATH_MAX];     /* filled on reads */
    int state;                       /* enum pd_problem_state */
    int64_t opened_ms;
    int64_t opened_by; /* user id, 0 = the system */
    int64_t closed_ms; /* 0 while open */
    int64_t closed_by;
    char reason[PD_PROBLEM_TEXT_SIZE];
    char note[PD_PROBLEM_TEXT_SIZE];
};

/** Filter for problem_list; newest first. */
struct pd_problem_filter {
    const char *node_path;  /* subtree of the problem's node; required */
    int state;              /* enum pd_problem_state, -1: any */
    const char *type;       /* NULL or "": any */
    const char *waybill_no; /* NULL or "": any */
    int64_t before_id;      /* keyset pagination: id < before_id */
    int limit;              /* 1..1000 */
};

/** An open waybill the stale-parcel job looks at (a tracking row with its order). */
struct pd_monitor_candidate {
    char waybill_no[PD_WB_NO_SIZE];
    char service[16];
    int status; /* enum pd_status of the tracking row */
    int events; /* events stored for it */
    int64_t created_ms, last_event_ms, promised_ms;
    int64_t quiet_since_ms; /* max(last_event_ms, created_ms): the listing's key */
    int32_t origin_division, dest_division;
    int64_t node_id; /* the node of its last scan at a known node, else the order's */
    int64_t
        key_id; /* keyset: the tracking serial (monitor_quiet), the waybill id (monitor_delayed) */
};

#define PD_MONITOR_SERVICES 4

/**
 * Filter of monitor_quiet: open waybills created after after_created_ms,
 * quiet since before the limit of their service — since_ms[i] for
 * service[i], default_since_ms for any other — whose status is none of
 * skip_status (enum pd_status values, -1 for unused slots); in the order of
 * (quiet_since_ms, serial), after the key (after_quiet_ms, after_serial).
 */
struct pd_quiet_filter {
    const char *service[PD_MONITOR_SERVICES]; /* NULL: unused */
    int64_t since_ms[PD_MONITOR_SERVICES];
    int64_t default_since_ms;
    int64_t after_created_ms;
    int skip_status[2];
    int64_t after_quiet_ms, after_serial; /* keyset; 0, 0 from the start */
    int limit;                            /* 1..1000 */
};

/**
 * Filter of monitor_delayed: open waybills promised after promised_after_ms
 * and before same_city_before_ms when origin and destination share a city
 * (core/problem.h), before other_before_ms otherwise, that never had a
 * problem of type @c type; by (promised_ms, waybill id) after the key.
 */
struct pd_delayed_filter {
    int64_t promised_after_ms;
    int64_t same_city_before_ms;
    int64_t other_before_ms;
    const char *type;                    /* "delayed" */
    int64_t after_promised_ms, after_id; /* keyset; 0, 0 from the start */
    int limit;                           /* 1..1000 */
};

struct pd_receipt {
    char waybill_no[PD_WB_NO_SIZE];
    int64_t node_id;             /* the order's node */
    char node_code[PD_CODE_MAX]; /* filled on reads */
    char node_path[PD_PATH_MAX]; /* filled on reads */
    int state;                   /* enum pd_receipt_state (core/receipt.h) */
    int64_t required_ms;
    /* each step: when (0 = not yet), at which node (code), by whom */
    int64_t collected_ms;
    char collected_node[PD_CODE_MAX];
    char collected_by[PD_SCAN_TEXT_SIZE];
    int64_t sent_back_ms;
    char sent_back_node[PD_CODE_MAX];
    char sent_back_by[PD_SCAN_TEXT_SIZE];
    char return_waybill_no[PD_WB_NO_SIZE]; /* "" when none was given */
    int64_t returned_ms;
    char returned_node[PD_CODE_MAX];
    char returned_by[PD_SCAN_TEXT_SIZE];
    int64_t updated_ms;
    int64_t delivered_ms; /* filled on reads: the waybill's delivery (tracking row), 0 = not yet */
};

/** Filter for receipt_list; by waybill number. */
struct pd_receipt_filter {
    const char *node_path; /* subtree of the order's node; required */
    int state;             /* enum pd_receipt_state, -1: any */
    /* > 0: only receipts not returned whose waybill was delivered before
     * this (the overdue listing) */
    int64_t delivered_before_ms;
    const char *after_no; /* keyset pagination: waybill_no > after_no; NULL or "" from the start */
    int limit;            /* 1..1000 */
};

typedef int (*pd_problem_cb)(void *cls, const struct pd_problem *p);
typedef int (*pd_monitor_cb)(void *cls, const struct pd_monitor_candidate *c);
typedef int (*pd_receipt_cb)(void *cls, const struct pd_receipt *r);

/* ---- bags (集包; issue 4 item 2, sqlite_bags.c / pg_bags.c, migrations 009_bags) ----
 *
 * A bag holds parcels (or whole waybills) between a bag scan and an unbag;
 * a scan that names only the bag is a bag event, stored once and expanded
 * by the scan ingestion into one scan per content (docs/tracking.md "Bags").
 * Strings are fixed arrays: nothing to free.
 */
#define PD_BAG_NO_SIZE 33 /* 32 bytes + NUL, as scans.bag_no */

enum pd_bag_state { PD_BAG_OPEN, PD_BAG_SEALED, PD_BAG_OPENED, PD_BAG__COUNT };

struct pd_bag {
    char bag_no[PD_BAG_NO_SIZE];
    char node_code[PD_CODE_MAX]; /* where it was (re)filled */
    int state;                   /* enum pd_bag_state */
    int64_t first_ms, last_ms;   /* event times of its first and latest event */
    int inside;                  /* filled on reads: contents inside now */
};

/** One stay of a parcel (or whole waybill: parcel_no "") in a bag. */
struct pd_bag_content {
    int64_t id;
    char bag_no[PD_BAG_NO_SIZE];
    char waybill_no[PD_WB_NO_SIZE];
    char parcel_no[PD_PCL_NO_SIZE];
    int64_t added_ms;
    int64_t removed_ms; /* 0 while inside */
};

/** A scan that named only a bag (type: enum pd_scan_type). */
struct pd_bag_event {
    int64_t id;
    char bag_no[PD_BAG_NO_SIZE];
    int type;
    int64_t at_ms;
    char node_code[PD_CODE_MAX];
    char operator_[PD_SCAN_TEXT_SIZE];
    char device_id[65];
    int64_t device_seq;
    char trip_no[33];
    char reason[PD_SCAN_TEXT_SIZE];
    int expanded; /* scans it expanded into */
    int64_t received_ms;
};

typedef int (*pd_bag_content_cb)(void *cls, const struct pd_bag_content *c);
typedef int (*pd_bag_event_cb)(void *cls, const struct pd_bag_event *e);

/* ---- service desk (issue 5 part A): records in their own header ----------- */

#include "store/store_tickets.h"

/* ---- service desk (issue 5 part B): records in their own header ----------- */

#include "store/store_service.h"

/* ---- trips (issue 4 item 2): records in their own header ------------------ */

#include "store/store_trips.h"

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
    /** Size this connection's page cache (SQLite; a no-op on PostgreSQL), for a
     *  connection one thread keeps for itself (the scan writer, http/ingest.h). */
    pd_qs (*set_cache_kib)(pd_db *db, long kib);
    /** Inside a transaction whose statements are all key look-ups and
     *  array-wide writes (scan ingestion, `parceldesk generate`): plan each
     *  statement once per connection and reuse the plan until the
     *  transaction ends, instead of planning it again for every run.
     *  PostgreSQL: SET LOCAL plan_cache_mode = force_generic_plan (sessions
     *  plan every run by default, which the scoped lists need; much of
     *  PostgreSQL's time in `parceldesk generate` was the planner; it now
     *  takes 28 % less time; bench/README.md). SQLite: a no-op, its statements
     *  are compiled once. Outside a transaction it is a bug (PD_QS_HARD). */
    pd_qs (*plan_generic)(pd_db *db);
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
     * (now, or the caller's w->created_ms when it is > 0: `parceldesk
     * generate` keeps its simulated order times), w->version = 1. When w->idem_key is not empty and
     * another waybill already holds (idem_actor, idem_key), returns PD_QS_SOFT so the transaction
     * is retried and the caller's idempotency look-up finds the winner.
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
    /* The scan log (migration 016_scan_log; docs/tracking.md "The scan log"):
     * events acknowledged to devices and waiting to be projected into scans
     * and the tracking rows. Appends and projections must not interleave:
     * SQLite's one writer serialises them; on PostgreSQL each of these takes
     * the same transaction-level advisory lock. */
    /**
     * Append @p n events to the log in the caller's transaction. An event
     * whose (device_id, device_seq) is in the log or in scans already is a
     * duplicate: not written, dup[i] set true. @p last_id receives the id of
     * the last event written (untouched when none was).
     * @return the number written, or a failure.
     */
    pd_qs (*scan_log_append)(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup,
                             int64_t *last_id);
    /** Up to @p limit events of the log with id > @p after, by id, to @p cb. */
    pd_qs (*scan_log_take)(pd_db *db, int64_t after, int limit, pd_scan_log_cb cb, void *cls);
    /** Remove the events with id <= @p upto (projected). @return how many. */
    pd_qs (*scan_log_trim)(pd_db *db, int64_t upto);
    /** Events in the log and the highest id among them (0, 0 when empty). */
    pd_qs (*scan_log_state)(pd_db *db, int64_t *count, int64_t *last_id);
    /** Insert or replace the tracking row of t->waybill_no. */
    pd_qs (*tracking_put)(pd_db *db, const struct pd_tracking *t);
    /** The tracking rows of @p nos[0..n) (distinct, in ascending order) to @p cb, in
     *  that order; numbers without a row are skipped. @p lock: each row locked for
     *  this transaction first (PostgreSQL FOR UPDATE, in that order, so that two
     *  transactions cannot deadlock on them). One statement on PostgreSQL. */
    pd_qs (*tracking_get_many)(pd_db *db, const char *const *nos, int n, bool lock,
                               pd_tracking_cb cb, void *cls);
    /** tracking_put of @p rows[0..n) (distinct numbers): one statement on PostgreSQL. */
    pd_qs (*tracking_put_many)(pd_db *db, const struct pd_tracking *rows, int n);
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

    /* ---- call-centre records (issue 6 part B, sqlite_ccrec.c / pg_ccrec.c) ---- */
    /** Insert @p a (agent, user_id, node_id, queues, start, leave); fills id,
     * created_ms = updated_ms (now). *dup (nothing written) when the agent name exists. */
    pd_qs (*cc_agent_insert)(pd_db *db, struct pd_cc_agent *a, bool *dup);
    /** Update user_id, node_id, queues, start_ms, leave_ms of a->id; updated_ms = now. */
    pd_qs (*cc_agent_update)(pd_db *db, const struct pd_cc_agent *a);
    /** Agent @p id into @p out; PD_QS_NONE when none. */
    pd_qs (*cc_agent_get)(pd_db *db, int64_t id, struct pd_cc_agent *out);
    /** Agents matching @p f, by name. */
    pd_qs (*cc_agent_list)(pd_db *db, const struct pd_cc_agent_filter *f, pd_cc_agent_cb cb,
                           void *cls);
    /**
     * Insert @p f (code, name, items, created_by) as the next version of its
     * code (1 for a new code); fills id, version, created_ms. Two concurrent
     * inserts of one code: the loser gets PD_QS_SOFT (the runner retries).
     */
    pd_qs (*cc_qa_form_insert)(pd_db *db, struct pd_cc_qa_form *f);
    /** Form version @p id, or (id 0) the latest version of @p code, to @p cb. */
    pd_qs (*cc_qa_form_get)(pd_db *db, int64_t id, const char *code, pd_cc_form_cb cb, void *cls);
    /** The latest version of every code (@p all_versions: every version), by code then version. */
    pd_qs (*cc_qa_form_list)(pd_db *db, bool all_versions, pd_cc_form_cb cb, void *cls);
    /** Insert @p s (form_id, agent_id, supervisor_id, call_id, waybill_no,
     * score_x100, items, comment); fills id, created_ms (now). */
    pd_qs (*cc_qa_score_insert)(pd_db *db, struct pd_cc_qa_score *s);
    pd_qs (*cc_qa_score_list)(pd_db *db, const struct pd_cc_score_filter *f, pd_cc_score_cb cb,
                              void *cls);
    /**
     * Insert shift @p s (agent_id, node_id, start, end, created_by) unless
     * another shift of the agent overlaps [start, end): then *overlap_id
     * holds that shift's id and nothing is written. Fills id, created_ms.
     * Overlap is checked holding the agent's row, so it holds under
     * concurrency on both backends.
     */
    pd_qs (*cc_shift_insert)(pd_db *db, struct pd_cc_shift *s, int64_t *overlap_id);
    /** Shift @p id with its attendance into @p out; PD_QS_NONE when none. */
    pd_qs (*cc_shift_get)(pd_db *db, int64_t id, struct pd_cc_shift *out);
    pd_qs (*cc_shift_list)(pd_db *db, const struct pd_cc_shift_filter *f, pd_cc_shift_cb cb,
                           void *cls);
    /** Insert or replace the attendance record of shift a->shift_id. */
    pd_qs (*cc_attendance_put)(pd_db *db, const struct pd_cc_attendance *a);
    /** Insert @p c; fills id, created_ms (now). */
    pd_qs (*cc_cost_insert)(pd_db *db, struct pd_cc_cost *c);
    pd_qs (*cc_cost_list)(pd_db *db, const struct pd_cc_cost_filter *f, pd_cc_cost_cb cb,
                          void *cls);
    /** Per agent: QA forms filled in [from, to) (n) and the sum of their score_x100. */
    pd_qs (*cc_own_qa)(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls);
    /**
     * Per agent: shifts starting in [from, to) (n), how many have a present
     * record (sum), and their scheduled seconds clipped to [from, to).
     */
    pd_qs (*cc_own_shifts)(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls);
    /**
     * Waybill accuracy of user @p user_id: waybills it created in [from, to)
     * into *entered, and how many of those have a later correction into
     * *corrected (an audit row waybill.update made outside the draft state,
     * or waybill.flag; docs/callcenter.md).
     */
    pd_qs (*cc_own_waybills)(pd_db *db, int64_t user_id, int64_t from_ms, int64_t to_ms,
                             int64_t *entered, int64_t *corrected);
    /** Customers of a subtree (NULL: all) whose phone is @p phone (canonical), by code. */
    pd_qs (*cc_lookup_customers)(pd_db *db, const char *phone, const char *node_path, int limit,
                                 pd_customer_cb cb, void *cls);
    /**
     * Open waybills of a subtree (NULL: all) whose sender or recipient phone
     * is @p phone, newest first, at most @p limit: not cancelled, and not
     * delivered or returned by their tracking row. Only the @p scan_max
     * newest waybills of each phone column are looked at, so the cost is
     * bounded however many the number has sent.
     */
    pd_qs (*cc_lookup_waybills)(pd_db *db, const char *phone, const char *node_path, int scan_max,
                                int limit, pd_cc_lookup_cb cb, void *cls);

    /* ---- problem parcels and return receipts (issue 4, the stale-parcel job;
     * sqlite_problems.c / pg_problems.c) ---- */
    /**
     * Open @p p (waybill_no, type, source, node_id, opened_ms, opened_by,
     * reason, note; state is open) unless the waybill has an open problem of
     * that type. @param[out] opened true when inserted (p->id filled);
     * false when one was open already (nothing written, p->id is the open one's).
     */
    pd_qs (*problem_open)(pd_db *db, struct pd_problem *p, bool *opened);
    /** Problem @p id into @p out; PD_QS_NONE when none. */
    pd_qs (*problem_get)(pd_db *db, int64_t id, struct pd_problem *out);
    /** Problems matching @p f, newest first. */
    pd_qs (*problem_list)(pd_db *db, const struct pd_problem_filter *f, pd_problem_cb cb,
                          void *cls);
    /**
     * Close problem @p id at @p at_ms by user @p by (0 = the system) with @p note.
     * @return PD_QS_ONE, or PD_QS_NONE when it is not open (or does not exist).
     */
    pd_qs (*problem_close)(pd_db *db, int64_t id, int64_t at_ms, int64_t by, const char *note);
    /** The stale-parcel job's quiet waybills (struct pd_quiet_filter), oldest quiet first. */
    pd_qs (*monitor_quiet)(pd_db *db, const struct pd_quiet_filter *f, pd_monitor_cb cb, void *cls);
    /** The stale-parcel job's totally delayed waybills (struct pd_delayed_filter). */
    pd_qs (*monitor_delayed)(pd_db *db, const struct pd_delayed_filter *f, pd_monitor_cb cb,
                             void *cls);
    /**
     * Insert the receipt of r->waybill_no in state required (node_id,
     * required_ms; updated_ms = required_ms). A second call for the same
     * number changes nothing. @return PD_QS_ONE when inserted, PD_QS_NONE when it existed.
     */
    pd_qs (*receipt_insert)(pd_db *db, const struct pd_receipt *r);
    /** The receipt of @p waybill_no into @p out (with delivered_ms); PD_QS_NONE when none. */
    pd_qs (*receipt_get)(pd_db *db, const char *waybill_no, struct pd_receipt *out);
    /**
     * Record step r->state (collected, sent_back or returned) of
     * r->waybill_no with its time, node and operator (and, for sent_back,
     * return_waybill_no), when the stored state is still @p from;
     * updated_ms = r->updated_ms. The caller checks the order of steps
     * (core/receipt.h). @return PD_QS_ONE, or PD_QS_NONE when the state
     * moved meanwhile or the receipt does not exist.
     */
    pd_qs (*receipt_step)(pd_db *db, const struct pd_receipt *r, int from);
    /** Receipts matching @p f, by waybill number. */
    pd_qs (*receipt_list)(pd_db *db, const struct pd_receipt_filter *f, pd_receipt_cb cb,
                          void *cls);
    /** How many receipts are not returned although their waybill was delivered before @p before_ms.
     */
    pd_qs (*receipt_overdue_count)(pd_db *db, int64_t before_ms, int64_t *count);

    /* ---- call-centre queue log (issue 6 part A: the telephone log;
     * sqlite_callcenter.c / pg_callcenter.c, migrations 010_callcenter) ---- */
    /**
     * Store @p n queue_log rows (struct pd_ql_row, core/queuelog.h; text
     * borrowed) in the caller's transaction. A row whose (at_ms, hash,
     * occurrence) is stored already is a duplicate: not written again and
     * dup[i] set (dup has n entries). Rows keep the order given within a
     * second. @return the number of rows written, or a failure.
     */
    pd_qs (*cc_log_insert)(pd_db *db, const struct pd_ql_row *rows, int n, bool *dup);
    /**
     * Every stored line with @p from_ms <= at_ms < @p to_ms, by time and,
     * within a time, in the order stored, to @p cb (the line and its text
     * are valid during the call only). A non-zero return from @p cb stops
     * the stream (a success). Run it in a read-only transaction.
     * @return the number of lines passed, or a failure.
     */
    pd_qs (*cc_log_stream)(pd_db *db, int64_t from_ms, int64_t to_ms,
                           int (*cb)(void *cls, const struct pd_ql_line *l), void *cls);
    /* ---- bags (issue 4 item 2, the bags helper: sqlite_bags.c / pg_bags.c,
     * migrations 009_bags; docs/tracking.md "Bags") ---- */
    /** Bag @p bag_no with the number of contents inside now; PD_QS_NONE when unknown. */
    pd_qs (*bag_get)(pd_db *db, const char *bag_no, struct pd_bag *out);
    /**
     * The bag scan @p r (bag_no, waybill_no, parcel_no, at_ms, node_code):
     * create the bag (state open) or, when it is not open, open it again at
     * r->node_code; take the parcel out of any other bag it is in (removed
     * at r->at_ms); put it in unless it is inside already. last_ms becomes
     * the later of last_ms and r->at_ms.
     * @return PD_QS_ONE when put in, PD_QS_NONE when it was inside already.
     */
    pd_qs (*bag_add)(pd_db *db, const struct pd_scan_row *r);
    /**
     * Take out of bag @p bag_no, at @p at_ms, what is inside and was put in
     * at or before @p at_ms: the parcel @p parcel_no of @p waybill_no
     * (parcel_no "": every stay of that waybill), or, with @p waybill_no
     * NULL, everything (the bag becomes opened). @return how many stays ended.
     */
    pd_qs (*bag_remove)(pd_db *db, const char *bag_no, const char *waybill_no,
                        const char *parcel_no, int64_t at_ms);
    /**
     * Contents of @p bag_no by added_ms then id: with @p at_ms > 0 those
     * inside at that time (added_ms <= at_ms, not removed by then), at most
     * @p limit; with at_ms 0 every stay, in or out.
     */
    pd_qs (*bag_contents)(pd_db *db, const char *bag_no, int64_t at_ms, int limit,
                          pd_bag_content_cb cb, void *cls);
    /** The bag event stored under (@p device_id, @p device_seq); PD_QS_NONE when none. */
    pd_qs (*bag_event_find)(pd_db *db, const char *device_id, int64_t device_seq,
                            struct pd_bag_event *out);
    /**
     * Insert @p e (its bag must exist); fills e->id. The bag's last_ms
     * moves to e->at_ms when later, and its state becomes opened for an
     * unbag, sealed for any other type when it was open.
     * @return PD_QS_ONE; PD_QS_NONE when (device_id, device_seq) is stored
     *         already (nothing written: a concurrent re-send won the race).
     */
    pd_qs (*bag_event_insert)(pd_db *db, struct pd_bag_event *e);
    /** Events of @p bag_no by event time then id. */
    pd_qs (*bag_event_list)(pd_db *db, const char *bag_no, pd_bag_event_cb cb, void *cls);

    /* ---- service desk: tickets, clocks, escalations, corrective actions, statistics
     * (issue 5 part A; records in store_tickets.h; sqlite_tickets.c / pg_tickets.c,
     * migrations 012_tickets) ---- */
    /**
     * Insert @p t (every column but the filled ones) numbered "TS" + @p day
     * (8 digits, YYYYMMDD, the caller's China date) + the day's next serial
     * (at least 4 digits), drawn from a per-day counter in the caller's
     * transaction: unique under concurrency on both backends. Fills t->id,
     * t->ticket_no; created_ms and updated_ms are the caller's.
     */
    pd_qs (*ticket_insert)(pd_db *db, struct pd_ticket *t, const char *day);
    /**
     * The ticket with id @p id (when > 0) or number @p no into @p out, with
     * its names joined. @p for_update locks the row until the transaction
     * ends (PostgreSQL; SQLite's write transaction excludes other writers).
     * @return PD_QS_ONE, or PD_QS_NONE when there is none.
     */
    pd_qs (*ticket_get)(pd_db *db, int64_t id, const char *no, bool for_update,
                        struct pd_ticket *out);
    /** Tickets matching @p f, newest first. */
    pd_qs (*ticket_list)(pd_db *db, const struct pd_ticket_filter *f, pd_ticket_cb cb, void *cls);
    /**
     * Write every mutable column of t->id (category, priority, status, node,
     * waybill, customer, contact, subject, description, department,
     * responsible, owner, major, investigated, incident, satisfaction and
     * its comment and time, close reason, resolved, closed, closed_by,
     * reopened, updated_ms). @return PD_QS_ONE, or PD_QS_NONE when gone.
     */
    pd_qs (*ticket_update)(pd_db *db, const struct pd_ticket *t);
    /** Append @p e to its ticket's history; fills e->id. */
    pd_qs (*ticket_event_insert)(pd_db *db, struct pd_ticket_event *e);
    /** The history of @p ticket_id, oldest first; @p public_only: what the customer may read. */
    pd_qs (*ticket_event_list)(pd_db *db, int64_t ticket_id, bool public_only,
                               pd_ticket_event_cb cb, void *cls);
    /**
     * Open a waiting period of @p ticket_id at @p from_ms. @param[out] opened
     * false when one is open already (nothing written).
     */
    pd_qs (*ticket_pause_open)(pd_db *db, int64_t ticket_id, int64_t from_ms, bool *opened);
    /** End the open waiting period of @p ticket_id at @p to_ms; PD_QS_NONE when none is open. */
    pd_qs (*ticket_pause_close)(pd_db *db, int64_t ticket_id, int64_t to_ms);
    /** The waiting periods of @p ticket_id, by start. */
    pd_qs (*ticket_pause_list)(pd_db *db, int64_t ticket_id, pd_ticket_pause_cb cb, void *cls);
    /**
     * Insert clock @p c (every column); fills c->id. @param[out] dup true
     * when the ticket already has a clock of that rule (nothing written).
     */
    pd_qs (*ticket_clock_insert)(pd_db *db, struct pd_ticket_clock *c, bool *dup);
    /** Write due, warn, base_due, held, state, met_ms, late and escalated of c->id. */
    pd_qs (*ticket_clock_update)(pd_db *db, const struct pd_ticket_clock *c);
    /** The clocks of @p ticket_id, by id (the order they were started). */
    pd_qs (*ticket_clock_list)(pd_db *db, int64_t ticket_id, pd_ticket_clock_cb cb, void *cls);
    /**
     * Running clocks not held that have an escalation to make at @p now_ms:
     * not warned with warn_ms <= now, or warned but not escalated as due
     * with the deadline passed (due_ms + 1 s <= now); by (warn_ms, id) after
     * (@p after_warn_ms, @p after_id), at most @p limit, with their tickets.
     */
    pd_qs (*ticket_clock_due)(pd_db *db, int64_t now_ms, int64_t after_warn_ms, int64_t after_id,
                              int limit, pd_ticket_clock_due_cb cb, void *cls);
    /**
     * Insert escalation @p e (clock_id, ticket_id, level, audience, user_id
     * or node_id, at_ms, due_ms) unless the clock has one of that level.
     * @param[out] inserted false when it existed (nothing written); e->id filled when true.
     */
    pd_qs (*ticket_escalation_insert)(pd_db *db, struct pd_ticket_escalation *e, bool *inserted);
    /** Escalation @p id into @p out; PD_QS_NONE when none. */
    pd_qs (*ticket_escalation_get)(pd_db *db, int64_t id, struct pd_ticket_escalation *out);
    /** The inbox of @p f, newest first. */
    pd_qs (*ticket_escalation_list)(pd_db *db, const struct pd_escalation_filter *f,
                                    pd_ticket_escalation_cb cb, void *cls);
    /** Mark escalation @p id read by @p user_id at @p at_ms (the first reader stays). */
    pd_qs (*ticket_escalation_read)(pd_db *db, int64_t id, int64_t user_id, int64_t at_ms);
    /**
     * The deepest node on @p node_path (the node itself or an ancestor)
     * where an active user's role holds tickets.supervise, into *node_id.
     * @return PD_QS_ONE, or PD_QS_NONE when no node on the path has one.
     */
    pd_qs (*ticket_supervisor_node)(pd_db *db, const char *node_path, int64_t *node_id);
    /** Insert @p c (ticket_id, measure, owner_id, due_ms, created_ms, created_by); fills id. */
    pd_qs (*ticket_corrective_insert)(pd_db *db, struct pd_ticket_corrective *c);
    /** Corrective action @p id into @p out (with its ticket's node); PD_QS_NONE when none. */
    pd_qs (*ticket_corrective_get)(pd_db *db, int64_t id, struct pd_ticket_corrective *out);
    /** Write done_ms, evaluation, evaluation_note, evaluated_ms, evaluated_by of c->id. */
    pd_qs (*ticket_corrective_update)(pd_db *db, const struct pd_ticket_corrective *c);
    pd_qs (*ticket_corrective_list)(pd_db *db, const struct pd_corrective_filter *f,
                                    pd_ticket_corrective_cb cb, void *cls);
    /**
     * Complaints opened in [@p from_ms, @p to_ms) whose node is in the
     * subtree, counted per (category → key, department → key2, node).
     */
    pd_qs (*ticket_stats_complaints)(pd_db *db, const char *node_path, int64_t from_ms,
                                     int64_t to_ms, pd_ticket_stat_cb cb, void *cls);
    /** Waybills created in [from, to) whose node is in the subtree, counted per node. */
    pd_qs (*ticket_stats_waybills)(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                   pd_ticket_stat_cb cb, void *cls);
    /**
     * Clocks started in [from, to) on tickets of the subtree, counted per
     * (rule → key, state → key2, flag): flag = met or stopped late, or, for
     * running clocks not held, past the deadline at @p now_ms.
     */
    pd_qs (*ticket_stats_clocks)(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                                 int64_t now_ms, pd_ticket_stat_cb cb, void *cls);
    /**
     * Callback tickets whose satisfaction was recorded in [from, to), on
     * tickets of the subtree, counted per (China day → day, score, node,
     * the linked complaint's category → key; the callback's own when
     * unlinked).
     */
    pd_qs (*ticket_stats_csat)(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                               pd_ticket_stat_cb cb, void *cls);

    /* ---- service desk, part B (issue 5 items 2, 5, 6: problem parcels in full,
     * the knowledge base, shift handover; store_service.h, sqlite_service.c /
     * pg_service.c, migrations 013_service) ---- */
    /**
     * Open @p p (as problem_open; source auto) for the exception scan
     * (@p device_id, @p device_seq), recorded as its source_scan. Nothing is
     * written when that scan opened a problem already, or when the waybill
     * has an open problem of the type. @param[out] opened true when inserted
     * (p->id filled).
     */
    pd_qs (*problem_open_scan)(pd_db *db, struct pd_problem *p, const char *device_id,
                               int64_t device_seq, bool *opened);
    /** Exception scans of @p f (struct pd_exception_scan_filter), in its order. */
    pd_qs (*problem_exception_scans)(pd_db *db, const struct pd_exception_scan_filter *f,
                                     pd_exception_scan_cb cb, void *cls);
    /** The cursor named @p name into @p out; PD_QS_NONE when it was never set. */
    pd_qs (*job_cursor_get)(pd_db *db, const char *name, struct pd_job_cursor *out);
    /** Set the cursor named @p name to @p c (updated_ms = now). */
    pd_qs (*job_cursor_put)(pd_db *db, const char *name, const struct pd_job_cursor *c);
    /** Problem @p id with what 013 added; PD_QS_NONE when none. */
    pd_qs (*problem_more_get)(pd_db *db, int64_t id, struct pd_problem *p,
                              struct pd_problem_more *m);
    /** As problem_list, each problem with what 013 added. */
    pd_qs (*problem_list_more)(pd_db *db, const struct pd_problem_filter *f, pd_problem_more_cb cb,
                               void *cls);
    /**
     * Set the resolution (@p resolution, NULL keeps it) and root cause
     * (@p root_cause, NULL keeps it) of problem @p id; updated_ms = @p at_ms.
     * @return PD_QS_ONE, or PD_QS_NONE when the problem does not exist.
     */
    pd_qs (*problem_touch)(pd_db *db, int64_t id, const char *resolution, const char *root_cause,
                           int64_t at_ms);
    /** Insert @p a (problem_id, action, at_ms, by_user, note, address, amount_fen, case_id). */
    pd_qs (*problem_action_insert)(pd_db *db, struct pd_problem_action_rec *a);
    /** The actions of problem @p problem_id, in the order taken. */
    pd_qs (*problem_action_list)(pd_db *db, int64_t problem_id, pd_problem_action_cb cb, void *cls);
    /** Insert @p c (problem_id, at_ms, party, channel, outcome, note, by_user, recorded_ms). */
    pd_qs (*problem_contact_insert)(pd_db *db, struct pd_problem_contact *c);
    /** The contacts of problem @p problem_id, in the order logged. */
    pd_qs (*problem_contact_list)(pd_db *db, int64_t problem_id, pd_problem_contact_cb cb,
                                  void *cls);
    /** Insert @p e (every field but the names); fills id. */
    pd_qs (*problem_evidence_insert)(pd_db *db, struct pd_problem_evidence *e);
    /** Evidence @p id into @p out; PD_QS_NONE when none. */
    pd_qs (*problem_evidence_get)(pd_db *db, int64_t id, struct pd_problem_evidence *out);
    /** The evidence of problem @p problem_id, in the order uploaded. */
    pd_qs (*problem_evidence_list)(pd_db *db, int64_t problem_id, pd_problem_evidence_cb cb,
                                   void *cls);
    /**
     * Insert @p c (problem_id, waybill_no, node_id, amount_fen, note,
     * created_ms, created_by; state open) unless the problem has an open
     * case: then *dup and nothing is written. Fills id.
     */
    pd_qs (*compensation_case_insert)(pd_db *db, struct pd_compensation_case *c, bool *dup);
    /** The compensation cases of problem @p problem_id, by id. */
    pd_qs (*compensation_case_list)(pd_db *db, int64_t problem_id, pd_compensation_cb cb,
                                    void *cls);
    /**
     * Problems of the subtree @p node_path opened in [@p from_ms, @p to_ms),
     * counted per (type, node, root cause, state).
     */
    pd_qs (*problem_stats)(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                           pd_problem_stat_cb cb, void *cls);
    /** Insert @p a (title, body, category, tags, status, author_id); fills id,
     * created_ms = updated_ms (now), updated_by = author_id, version 1. */
    pd_qs (*kb_insert)(pd_db *db, struct pd_kb_article *a);
    /** Article @p id with its body to @p cb; PD_QS_NONE when none. */
    pd_qs (*kb_get)(pd_db *db, int64_t id, pd_kb_cb cb, void *cls);
    /**
     * Write title, body, category, tags, status and updated_by of a->id
     * when its version is still @p expected_version; version + 1,
     * updated_ms = now. @return PD_QS_ONE, or PD_QS_NONE when the version
     * moved or the article is gone.
     */
    pd_qs (*kb_update)(pd_db *db, const struct pd_kb_article *a, int expected_version);
    /** Delete article @p id. @return PD_QS_ONE, or PD_QS_NONE when none. */
    pd_qs (*kb_delete)(pd_db *db, int64_t id);
    /** Articles of @p f, newest first, without bodies. */
    pd_qs (*kb_list)(pd_db *db, const struct pd_kb_filter *f, pd_kb_cb cb, void *cls);
    /** The articles matching @p q, best first (score filled), with bodies. */
    pd_qs (*kb_search)(pd_db *db, const struct pd_kb_query *q, pd_kb_cb cb, void *cls);
    /** Insert @p h (node_id, shift, shift_date, author_id, body, items,
     * open_items; created_ms now when 0); fills id, created_ms. */
    pd_qs (*handover_insert)(pd_db *db, struct pd_handover *h);
    /** Entry @p id to @p cb; PD_QS_NONE when none. */
    pd_qs (*handover_get)(pd_db *db, int64_t id, pd_handover_cb cb, void *cls);
    /**
     * Acknowledge entry @p id by user @p by at @p at_ms with @p note (NULL
     * reads as ""). @return PD_QS_ONE, or PD_QS_NONE when it was
     * acknowledged already (or does not exist): nothing is written.
     */
    pd_qs (*handover_ack)(pd_db *db, int64_t id, int64_t by, int64_t at_ms, const char *note);
    /** Entries of @p f, newest first. */
    pd_qs (*handover_list)(pd_db *db, const struct pd_handover_filter *f, pd_handover_cb cb,
                           void *cls);

    /* ---- trips: vehicles, trips and loading plans (配载; issue 4 item 2, records in
     * store_trips.h; sqlite_trips.c / pg_trips.c, migrations 015_trips) ---- */
    /**
     * Insert @p v (every field but the node's code and path).
     * @param[out] dup true when the plate exists (nothing written).
     */
    pd_qs (*vehicle_insert)(pd_db *db, const struct pd_vehicle *v, bool *dup);
    /** Vehicle @p plate into @p out with its node's code and path; PD_QS_NONE when none. */
    pd_qs (*vehicle_get)(pd_db *db, const char *plate, struct pd_vehicle *out);
    /** Vehicles whose node is in the subtree @p node_path, by plate (at most 1000). */
    pd_qs (*vehicle_list)(pd_db *db, const char *node_path, pd_vehicle_cb cb, void *cls);
    /**
     * Insert trip @p t (trip_no, plate, origin_id, state, planned_departure_ms,
     * created_ms — also its updated_ms —, created_by) and its stops
     * (stop_ids[0..n_stops), in calling order).
     * @param[out] dup true when the number exists (nothing written).
     */
    pd_qs (*trip_insert)(pd_db *db, const struct pd_trip *t, bool *dup);
    /**
     * Trip @p trip_no into @p out with its stops and the nodes' codes and
     * paths. @p for_update locks the trip until the transaction ends
     * (PostgreSQL; SQLite's write transaction already excludes other
     * writers): what a change of its plan or state takes first.
     * @return PD_QS_ONE, or PD_QS_NONE when there is none.
     */
    pd_qs (*trip_get)(pd_db *db, const char *trip_no, bool for_update, struct pd_trip *out);
    /** Trips of @p f (each with its stops), the newest planned departure first. */
    pd_qs (*trip_list)(pd_db *db, const struct pd_trip_filter *f, pd_trip_cb cb, void *cls);
    /**
     * Move trip @p trip_no from state @p from to @p to at @p at_ms
     * (updated_ms; departed_ms or arrived_ms when @p to is departed or
     * arrived). Moving to arrived releases its plan: the items may then be
     * planned on another trip.
     * @return PD_QS_ONE, or PD_QS_NONE when the trip is not in @p from.
     */
    pd_qs (*trip_set_state)(pd_db *db, const char *trip_no, int from, int to, int64_t at_ms);
    /**
     * Add @p it (every field) to its trip's plan.
     * @param[out] dup true when the item is on this trip's plan already or
     *             on the plan of another trip that has not arrived (nothing
     *             written; trip_item_holder says which).
     */
    pd_qs (*trip_item_add)(pd_db *db, const struct pd_trip_item *it, bool *dup);
    /**
     * The trip, not arrived, whose plan holds item (@p kind, @p item_no),
     * into @p trip_no. @return PD_QS_ONE, or PD_QS_NONE when none does.
     */
    pd_qs (*trip_item_holder)(pd_db *db, int kind, const char *item_no,
                              char trip_no[PD_TRIP_NO_SIZE]);
    /** Take item (@p kind, @p item_no) off the plan of @p trip_no; PD_QS_NONE when not on it. */
    pd_qs (*trip_item_remove)(pd_db *db, const char *trip_no, int kind, const char *item_no);
    /** The plan of @p trip_no in the order it was made (added_ms, kind, item_no). */
    pd_qs (*trip_item_list)(pd_db *db, const char *trip_no, pd_trip_item_cb cb, void *cls);
    /**
     * The load and unload scans carrying @p trip_no, by event time (then
     * received time, device, sequence), at most @p limit, read through the
     * partial index scans_trip. Each row has waybill_no, parcel_no, type,
     * at_ms, node_code, operator_, device_id, device_seq, bag_no, trip_no
     * and received_ms; the other fields are zero.
     */
    pd_qs (*trip_scans)(pd_db *db, const char *trip_no, int limit, pd_scan_cb cb, void *cls);
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
