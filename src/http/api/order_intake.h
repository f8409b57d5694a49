/*
 * Order intake and review (DOMAIN.md §2): the one path every order takes,
 * whether it arrives through POST /api/v1/waybills, the console, the public
 * "send a parcel" page or a bulk import file. It decodes an order document,
 * refuses what can never be shipped (malformed fields, unknown addresses,
 * prohibited goods, unreachable destinations) and prices the rest, collects
 * the doubts that send an order to the review queue, and stores it with its
 * promised times and an audit entry in one transaction.
 *
 * The stored document (pd_waybill.doc) has the shape of the order body with
 * every value normalised (canonical phones, GB/T 2260 names and codes,
 * defaults filled), so an edit is "stored document + patch, decoded again"
 * and the same checks run on every change.
 *
 * Ownership: json_t results are new references owned by the caller;
 * structs are caller-provided; nothing here keeps state between calls.
 */
#ifndef PD_HTTP_API_ORDER_INTAKE_H
#define PD_HTTP_API_ORDER_INTAKE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"
#include "core/tariff.h"
#include "store/store.h"

struct pd_app;

/** Why an order was refused: the registry error, the field at fault, a detail. */
struct pd_order_error {
    pd_err code;
    char field[96];
    char detail[200];
};

/** Who takes the order, for the row, the audit entry and the idempotency key. */
struct pd_order_actor {
    struct pd_audit audit;  /* template: actor, ip, request id (pd_audit_for/_system) */
    int64_t user_id;        /* created_by (0 for keys, the public, the command line) */
    int64_t node_id;        /* the node the order belongs to */
    const char *idem_actor; /* "u:12", "k:3" …; NULL = no idempotency */
    bool reviewer;          /* holds orders.review: may clear duplicates by an edit */
};

/**
 * Review reasons are kept in one JSON array; a reviewer's approval marks
 * them "accepted" (with accepted_by, accepted_at) instead of deleting them,
 * so a later edit does not raise an accepted doubt again. The open ones are
 * those without "accepted": true. @return their number.
 */
size_t pd_review_open_count(const json_t *review);

/**
 * Split @p review (may be NULL) into new arrays of the open reasons and of
 * the accepted ones (@p accepted may be NULL when not wanted); the caller
 * owns both.
 */
void pd_review_split(const json_t *review, json_t **open, json_t **accepted);

/** How an intake should treat the document. */
struct pd_order_opts {
    const char *idem_key;  /* NULL or "" = none */
    const char *idem_hash; /* SHA-256 hex of the request body when idem_key is set */
    bool public_form;      /* /p/send: channel web, always submitted, no customer account */
    bool want_answer;      /* build res->answer (the WAYBILL shape) in the same transaction */
    bool personal_answer;  /* … with names and phones in full */
    bool node_by_area;     /* the order belongs to the node serving the sender's district
                              (node_areas) when there is one, else to who->node_id */
};

/** The outcome of pd_order_create. */
struct pd_order_result {
    bool ok;
    bool replayed;                  /* an Idempotency-Key retry: nothing new was written */
    char waybill_no[PD_WB_NO_SIZE]; /* the new (or replayed) waybill */
    struct pd_order_error err;      /* when !ok */
    pd_qs qs;                       /* < 0: the database failed (answer 503) */
    json_t *answer;                 /* opts->want_answer: the caller owns it (NULL otherwise) */
};

/**
 * Decode, check, price and store one order document @p body in its own
 * transaction (retried on transient failures). Refusals fill res->err and
 * write nothing. @p app supplies rate cards and the goods list.
 */
void pd_order_create(struct pd_app *app, const json_t *body, const struct pd_order_actor *who,
                     const struct pd_order_opts *opts, struct pd_order_result *res);

/**
 * As pd_order_create, inside the caller's transaction on @p db (bulk
 * import: many orders per transaction). A refusal (PD_QS_ABORT, res->err
 * filled) has written nothing, so the caller may go on with the next order;
 * a failure (< 0 otherwise) must end the transaction.
 */
pd_qs pd_order_create_in(struct pd_app *app, pd_db *db, const json_t *body,
                         const struct pd_order_actor *who, const struct pd_order_opts *opts,
                         struct pd_order_result *res);

/** The pricing terms of a customer account: its contract and a special rate. */
struct pd_order_terms {
    struct pd_contract_rate contract;
    bool has_contract;
    struct pd_special_rate special;
    bool has_special;
};

/**
 * Look up the terms an order of @p customer_code (may be NULL: none) with
 * @p special_rate_no (may be NULL) would be priced on, with the checks of
 * intake (unknown or inactive account, the rate's owner, approval and
 * validity now), for quotes. @return PD_QS_ONE, PD_QS_ABORT with @p err
 * filled, or a failure.
 */
pd_qs pd_order_terms(pd_db *db, const char *customer_code, const char *special_rate_no,
                     struct pd_order_terms *out, struct pd_order_error *err);

/**
 * Check an order document without storing it (the import's dry run and the
 * all-or-nothing pass): everything pd_order_create refuses is refused here,
 * except what needs the database (customer accounts).
 * @return true when acceptable; otherwise @p err is filled.
 */
bool pd_order_check(struct pd_app *app, const json_t *body, bool public_form,
                    struct pd_order_error *err);

/**
 * The WAYBILL JSON shape of docs/openapi.yaml for @p w with its parcels
 * (read in @p db). Names and phones are masked unless @p personal.
 * @return a new object, or NULL when the parcels could not be read.
 */
json_t *pd_waybill_json(pd_db *db, const struct pd_waybill *w, bool personal);

/**
 * Copy of the row @p src whose JSON texts live in @p dst_texts (jansson
 * strings owned by the copy; free with pd_waybill_copy_free). Used to keep a
 * row read by a callback beyond it.
 */
struct pd_waybill_copy {
    struct pd_waybill w;
    char *doc, *quote, *review;
};
void pd_waybill_copy_from(struct pd_waybill_copy *dst, const struct pd_waybill *src);
void pd_waybill_copy_free(struct pd_waybill_copy *c);

/**
 * Apply @p patch (a subset of the order body) to the stored waybill @p cur
 * under the lifecycle's edit rules; the whole order is decoded and checked
 * again, re-priced, and sent back to review when the rules say so. Runs
 * inside the caller's transaction on @p db, writes the row and an audit
 * entry. @return PD_QS_ONE on success, PD_QS_ABORT with @p err filled on a
 * refusal, PD_QS_NONE when the row's version moved, or a failure.
 */
pd_qs pd_order_apply_patch(struct pd_app *app, pd_db *db, const struct pd_waybill *cur,
                           const json_t *patch, const struct pd_order_actor *who,
                           struct pd_order_error *err);

/**
 * Re-run the checks of stored waybill @p cur for an approval (prohibited
 * goods are refused even when the list changed since intake).
 * @return true when it may be accepted; @p err filled otherwise.
 */
bool pd_order_recheck_goods(struct pd_app *app, const struct pd_waybill *cur,
                            struct pd_order_error *err);

/**
 * Re-price @p cur with a new weight (and dimensions when given, else the
 * stored ones) for the pickup inspection. Fills @p quote_out (new JSON text,
 * caller frees with free()) and the new totals.
 * @return true, or false with @p err filled (the quote refused the values).
 */
bool pd_order_requote(struct pd_app *app, pd_db *db, const struct pd_waybill *cur, int64_t weight_g,
                      int64_t len, int64_t wid, int64_t hei, char **quote_out, int64_t *total_fen,
                      int64_t *chargeable_g, char **doc_out, struct pd_order_error *err);

#endif
