/*
 * The tracking row builder (DOMAIN.md §4–§5, docs/tracking.md): from a
 * waybill's order (when there is one) and its scan events, the status of
 * each parcel and of the waybill through core/status.h, and the answers
 * written straight into a buffer — the masked public answer kept in the
 * tracking row (so a public look-up sends stored bytes), the full view a
 * phone check unlocks, and the staff view.
 *
 * Every change that can move a waybill's tracking calls pd_tracking_rebuild
 * inside its own transaction: a scan batch for each waybill it touched,
 * order intake after the insert, every state move of an order, edits of
 * the recipient's phone, district, service or promise, and the pickup
 * inspection after it stored its pickup event. When the waybill's status
 * changes, the rebuild queues its notifications (http/notify.h) in that
 * same transaction.
 *
 * Ownership: pd_tracking_load fills a caller-provided pd_tracking_data
 * whose arrays it allocates; pd_tracking_data_free releases them (also
 * after a failed load, and on a zeroed struct). Writers append to the
 * caller's pd_buf. Nothing here keeps state between calls.
 */
#ifndef PD_HTTP_API_TRACKING_BUILD_H
#define PD_HTTP_API_TRACKING_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "store/store.h"
#include "util/buf.h"

struct pd_app;

/** A margin of six hours: less than that before the promise, and not out for delivery, is at risk.
 */
#define PD_TRACKING_RISK_MARGIN_MS (6LL * 3600 * 1000)

struct pd_tracking_parcel {
    char parcel_no[PD_PCL_NO_SIZE];
    enum pd_status status;
    int64_t last_event_ms; /* 0 when no event concerns it */
};

/** A waybill's tracking, read and derived. */
struct pd_tracking_data {
    char waybill_no[PD_WB_NO_SIZE];
    /* the order, when has_order */
    bool has_order;
    int order_state; /* enum pd_order_state */
    int parcel_count;
    int32_t dest_division;
    char service[16];
    int64_t node_id;             /* the order's node */
    char node_code[PD_CODE_MAX]; /* the order's node */
    char node_path[PD_PATH_MAX];
    char customer_code[PD_CODE_MAX]; /* "" = no customer account */
    char created_by[40];             /* pd_waybill.idem_actor ("k:3"), "" when none */
    char last4_sender[5], last4_recipient[5];
    int64_t created_ms, promised_ms;
    /* the events, oldest first (store order: event time, then arrival) */
    struct pd_scan_row *ev;
    enum pd_status *ev_status; /* the status each event leads to */
    int n_ev;
    /* derived */
    struct pd_tracking_parcel *parcels;
    int n_parcels;
    enum pd_status status; /* the waybill's summary (status.h rule 4) */
    int64_t last_event_ms; /* 0 without events */
    int64_t delivered_ms;  /* when the last parcel was delivered, 0 unless the summary is */
};

/**
 * Read the order and the events of @p waybill_no on @p db (inside the
 * caller's transaction) and derive every status.
 * @param[out] out filled; free with pd_tracking_data_free whatever the result.
 * @return PD_QS_ONE; PD_QS_NONE when there is neither an order nor an
 *         event with this number; or a failure.
 */
pd_qs pd_tracking_load(struct pd_app *app, pd_db *db, const char *waybill_no,
                       struct pd_tracking_data *out);

/** Release what pd_tracking_load allocated. Safe on a zeroed struct. */
void pd_tracking_data_free(struct pd_tracking_data *d);

enum pd_tracking_view {
    PD_TRACKING_PUBLIC, /* anyone: signers masked, no reasons in free text, no photos */
    PD_TRACKING_FULL,   /* after a phone check: signers, reasons, photos; never phone numbers */
    PD_TRACKING_STAFF,  /* tracking.read: every field, the order, risk and ETA */
};

/**
 * Append the answer of @p d for @p view to @p b (JSON object; see
 * docs/openapi.yaml TrackingPublic and TrackingStaff).
 * @param personal STAFF only: signer names in full (personal_data.read);
 *        masked otherwise.
 * @param now_ms STAFF only: the clock risk and ETA are judged at.
 * Check b->oom afterwards.
 */
void pd_tracking_write(struct pd_app *app, const struct pd_tracking_data *d,
                       enum pd_tracking_view view, bool personal, int64_t now_ms, pd_buf *b);

/**
 * Rebuild and store the tracking row of @p waybill_no inside the caller's
 * transaction on @p db: read the row it replaces, load, derive, write the
 * public answer, tracking_put, and — when the summary status changed (or
 * there was no row) — pd_notify_enqueue (which does nothing in a process
 * without a notification worker, or for a number without an order).
 * On PostgreSQL the row is first claimed (an upsert that waits for any
 * other transaction rebuilding the same number) so that two concurrent
 * rebuilds cannot each miss the other's events under READ COMMITTED.
 * A number with neither order nor events stores nothing.
 * @return PD_QS_ONE when stored, PD_QS_NONE when there was nothing to
 *         store, or a failure (the caller's transaction must end).
 */
pd_qs pd_tracking_rebuild(struct pd_app *app, pd_db *db, const char *waybill_no);

/** What a rebuild changed, for those who act on a new status (notifications). */
struct pd_tracking_change {
    bool had_row;              /* a tracking row existed before */
    enum pd_status old_status; /* its status (PD_ST_INFO_RECEIVED when !had_row) */
    enum pd_status new_status; /* the status stored now */
    int64_t last_event_ms;     /* of the stored row */
};

/**
 * As pd_tracking_rebuild, telling what changed.
 * @param[out] change (not NULL) filled when the result is PD_QS_ONE.
 */
pd_qs pd_tracking_rebuild_ex(struct pd_app *app, pd_db *db, const char *waybill_no,
                             struct pd_tracking_change *change);

/**
 * Merge new events into the tracking rows of their waybills, inside the
 * caller's write transaction: @p ev[0..n) are rows scan_insert just stored
 * (none a duplicate), sorted by waybill number (ascending, any order within
 * one waybill). Each row's compact timeline plus its new events give every
 * status again, without reading the order or the other events (the scan hot
 * path); rows are read and written a chunk of waybills at a time (one
 * statement each on PostgreSQL), locked in number order. A number without a
 * row yet, or a row from before the compact form, is rebuilt whole
 * (pd_tracking_rebuild). Reorders @p ev within each waybill.
 * @return PD_QS_ONE, or < 0 on a database failure.
 */
pd_qs pd_tracking_add_events(struct pd_app *app, pd_db *db, const struct pd_scan_row **ev, int n);

/**
 * qsort comparator of two `const struct pd_scan_row *`: the timeline's
 * order (the store's scan_list): event time, then arrival; among events
 * that arrived together, device and sequence settle ties.
 */
int pd_tracking_event_cmp(const void *a, const void *b);

/**
 * Append the public answer of the stored row @p t (as tracking_get passed
 * it) to @p b: the same bytes pd_tracking_write writes for the public view,
 * written from the compact timeline in place (the look-up's hot path: no
 * allocation but @p b's for up to 16 parcels).
 * @return false when the row has no compact timeline (a row from before
 *         migration 014: rebuild it) or on a malformed one or out of memory;
 *         @p b may then hold part of an answer, for the caller to discard.
 */
bool pd_tracking_write_public_row(struct pd_app *app, const struct pd_tracking *t, pd_buf *b);

/**
 * The pickup inspection's scan: store a `pickup` event for the whole
 * waybill @p waybill_no (device "parceldesk-inspection", sequence
 * @p inspection_id, at @p at_ms, node @p node_code, operator @p operator_)
 * and rebuild its tracking, inside the caller's transaction. A repeat of
 * the same inspection id is stored once.
 * @return PD_QS_ONE, or a failure.
 */
pd_qs pd_tracking_record_pickup(struct pd_app *app, pd_db *db, const char *waybill_no,
                                const char *node_code, const char *operator_, int64_t inspection_id,
                                int64_t at_ms);

#endif
