/*
 * The JSON API's handlers, one file per resource, and the route table that
 * binds them to methods, paths and permissions (routes.c). Every handler
 * follows req.h: it queues exactly one response and returns PD_HANDLED, or
 * PD_FAIL to drop the connection after a hard failure.
 */
#ifndef PD_HTTP_API_API_H
#define PD_HTTP_API_API_H

#include <stddef.h>

#include "http/router.h"
#include "store/store.h"

/* The whole route table. */
extern const struct pd_route pd_api_routes[];
extern const size_t pd_api_nroutes;

/* auth.c */
int pd_api_auth_login(struct pd_req *rq);
int pd_api_auth_logout(struct pd_req *rq);
int pd_api_auth_password(struct pd_req *rq);
int pd_api_me(struct pd_req *rq);

/* nodes.c */
int pd_api_nodes_list(struct pd_req *rq);
int pd_api_nodes_get(struct pd_req *rq);
int pd_api_nodes_create(struct pd_req *rq);
int pd_api_nodes_update(struct pd_req *rq);

/* node_areas.c */
int pd_api_node_areas_get(struct pd_req *rq);
int pd_api_node_areas_put(struct pd_req *rq);
/* users.c */
int pd_api_users_list(struct pd_req *rq);
int pd_api_users_get(struct pd_req *rq);
int pd_api_users_create(struct pd_req *rq);
int pd_api_users_update(struct pd_req *rq);

/* apikeys.c */
int pd_api_apikeys_list(struct pd_req *rq);
int pd_api_apikeys_create(struct pd_req *rq);
int pd_api_apikeys_revoke(struct pd_req *rq);

/* audit.c */
int pd_api_audit_list(struct pd_req *rq);

/* quotes.c */
int pd_api_quotes_create(struct pd_req *rq);

/* refdata.c */
int pd_api_divisions_list(struct pd_req *rq);
int pd_api_goods_screen(struct pd_req *rq);
/* goods.c */
int pd_api_goods_rules_list(struct pd_req *rq);
int pd_api_goods_rules_put(struct pd_req *rq);

/* waybills.c */
int pd_api_waybills_create(struct pd_req *rq);
int pd_api_public_waybills_create(struct pd_req *rq);
int pd_api_waybills_list(struct pd_req *rq);
int pd_api_waybills_get(struct pd_req *rq);
int pd_api_waybills_patch(struct pd_req *rq);
int pd_api_waybills_history(struct pd_req *rq);
int pd_api_waybills_submit(struct pd_req *rq);
int pd_api_waybills_approve(struct pd_req *rq);
int pd_api_waybills_flag(struct pd_req *rq);
int pd_api_waybills_cancel(struct pd_req *rq);
/* pickup.c */
int pd_api_pickup_assign(struct pd_req *rq);
int pd_api_pickup_unassign(struct pd_req *rq);
int pd_api_pickup_tasks(struct pd_req *rq);
int pd_api_pickup_inspection(struct pd_req *rq);
int pd_api_pickup_couriers(struct pd_req *rq);
/* labels.c */
int pd_api_labels_one(struct pd_req *rq);
int pd_api_labels_batch(struct pd_req *rq);
/* imports.c */
int pd_api_imports_orders(struct pd_req *rq);
/* customers.c */
int pd_api_customers_create(struct pd_req *rq);
int pd_api_customers_list(struct pd_req *rq);
int pd_api_customers_get(struct pd_req *rq);
int pd_api_customers_update(struct pd_req *rq);
/* special_rates.c */
int pd_api_special_rates_create(struct pd_req *rq);
int pd_api_special_rates_list(struct pd_req *rq);
int pd_api_special_rates_get(struct pd_req *rq);
int pd_api_special_rates_approve(struct pd_req *rq);
int pd_api_special_rates_reject(struct pd_req *rq);
int pd_api_special_rates_revoke(struct pd_req *rq);
struct pd_special_rate;
struct pd_special_rate_rec;
/**
 * The fee engine's view (core/tariff.h) of stored rate @p r, into @p out
 * (caller-owned; nothing is borrowed from @p r). Order intake passes it as
 * pd_quote_input.special. @return false when the stored service or zone
 * code is unknown (a bug: the handler stores only known codes).
 */
bool pd__special_rate_from_rec(const struct pd_special_rate_rec *r, struct pd_special_rate *out);
/* scans.c */
int pd_api_scans_create(struct pd_req *rq);
/** The scan log's projector (http/ingest.h pd_ingest_project_fn; @p app a
 *  struct pd_app *): @p rows into scans and the tracking rows. */
pd_qs pd_api_scans_project(void *app, pd_db *db, const struct pd_scan_row *rows, int n);
/* tracking.c */
int pd_api_tracking_get(struct pd_req *rq);
int pd_api_public_tracking_get(struct pd_req *rq);
/* webhooks.c */
int pd_api_webhooks_create(struct pd_req *rq);
int pd_api_webhooks_list(struct pd_req *rq);
int pd_api_webhooks_delete(struct pd_req *rq);
int pd_api_webhook_deliveries_list(struct pd_req *rq);
int pd_api_webhook_deliveries_get(struct pd_req *rq);
int pd_api_webhook_deliveries_retry(struct pd_req *rq);
/* permissions.c */
int pd_api_permissions_get(struct pd_req *rq);
int pd_api_permissions_put(struct pd_req *rq);

/* problems.c: the problem-parcel queue (issue 4, the stale-parcel job) */
int pd_api_problems_list(struct pd_req *rq);
/* receipts.c: return receipts (签收回单) */
int pd_api_receipts_event(struct pd_req *rq);
int pd_api_receipts_get(struct pd_req *rq);
int pd_api_receipts_list(struct pd_req *rq);

/* cc_records.c, cc_own.c, cc_lookup.c: the call centre's own records (issue 6 part B) */
int pd_api_cc_agents_list(struct pd_req *rq);
int pd_api_cc_agents_create(struct pd_req *rq);
int pd_api_cc_agents_update(struct pd_req *rq);
int pd_api_cc_qa_forms_list(struct pd_req *rq);
int pd_api_cc_qa_forms_create(struct pd_req *rq);
int pd_api_cc_qa_scores_list(struct pd_req *rq);
int pd_api_cc_qa_scores_create(struct pd_req *rq);
int pd_api_cc_shifts_list(struct pd_req *rq);
int pd_api_cc_shifts_create(struct pd_req *rq);
int pd_api_cc_attendance_create(struct pd_req *rq);
int pd_api_cc_costs_list(struct pd_req *rq);
int pd_api_cc_costs_create(struct pd_req *rq);
int pd_api_cc_own_get(struct pd_req *rq);
int pd_api_cc_lookup(struct pd_req *rq);

/* callcenter.c: the telephone log and its indicators (issue 6 part A) */
int pd_api_callcenter_stats(struct pd_req *rq);
int pd_api_callcenter_feed(struct pd_req *rq);
#include "core/ccstats.h"
#include "store/store.h"
/**
 * Fold the stored queue log of @p p's period into a new pd_ccstats (one
 * read-only transaction). @return the fold (caller pd_ccstats_free()s) or
 * NULL on a database failure or out of memory.
 */
pd_ccstats *pd__cc_stats_compute(pd_store *st, const struct pd_ccstats_params *p);
/** The own-record figures (cc_own.h) in the fold's terms; owned, see below. */
struct pd__cc_own_view {
    struct pd_ccstats_own own;
    struct pd_ccstats_own_agent *agents; /* owned */
    void *raw;                           /* owned: the struct pd_cc_own loaded */
    bool merged;                         /* false while part B is not linked */
};
/**
 * Load them for @p p into @p out (always zeroed first; free with
 * pd__cc_own_view_free, also after a failure). @return false on a database failure.
 */
bool pd__cc_own_figures(pd_store *st, const struct pd_ccstats_params *p,
                        struct pd__cc_own_view *out);
void pd__cc_own_view_free(struct pd__cc_own_view *v);
/** pd_ql_flush_fn storing a batch in one transaction; @p cls is the pd_store. */
int pd__cc_import_flush(void *cls, const struct pd_ql_row *rows, int n, bool *dup);
/** The import report as JSON (the feed's answer and the CLI's stdout) appended to @p b. */
void pd__cc_import_report_json(const struct pd_ql_report *r, pd_buf *b);
/* callcenter.c, cc_export.c: the call centre now, statistics as files (issue 6) */
int pd_api_callcenter_live(struct pd_req *rq);
enum pd__cc_format { PD__CC_JSON, PD__CC_CSV, PD__CC_XLSX };
/** Parse "json" / "csv" / "xlsx". @return false when none of them. */
bool pd__cc_format_parse(const char *s, enum pd__cc_format *out);
/** The Content-Type of format @p f (static). */
const char *pd__cc_format_media(enum pd__cc_format f);
/**
 * The statistics @p s as a file of format @p f appended to @p out: the JSON
 * object; CSV (the buckets' table when the fold is bucketed, else the
 * tables: ccstats.h); an Excel workbook with a sheet per table, "buckets"
 * when bucketed, and "parameters". Ends the fold. @p own may be NULL.
 * @return false when out of memory or the workbook could not be written.
 */
bool pd__cc_export(pd_ccstats *s, const struct pd__cc_own_view *own, enum pd__cc_format f,
                   pd_buf *out);
/* bags.c (issue 4 item 2) */
int pd_api_bag_get(struct pd_req *rq);
/* problem_desk.c, problem_evidence.c, kb.c, handovers.c: the service desk, part B
 * (issue 5: problem parcels in full, knowledge base, shift handover) */
int pd_api_problems_create(struct pd_req *rq);
int pd_api_problems_get(struct pd_req *rq);
int pd_api_problems_action(struct pd_req *rq);
int pd_api_problems_contact(struct pd_req *rq);
int pd_api_problems_close(struct pd_req *rq);
int pd_api_problems_stats(struct pd_req *rq);
int pd_api_problems_evidence_upload(struct pd_req *rq);
int pd_api_problems_evidence_get(struct pd_req *rq);
int pd_api_kb_search(struct pd_req *rq);
int pd_api_kb_list(struct pd_req *rq);
int pd_api_kb_get(struct pd_req *rq);
int pd_api_kb_create(struct pd_req *rq);
int pd_api_kb_update(struct pd_req *rq);
int pd_api_kb_delete(struct pd_req *rq);
int pd_api_handovers_create(struct pd_req *rq);
int pd_api_handovers_list(struct pd_req *rq);
int pd_api_handovers_get(struct pd_req *rq);
int pd_api_handovers_ack(struct pd_req *rq);

/* tickets*.c: the service desk, part A (issue 5; docs/service-desk.md) */
int pd_api_tickets_create(struct pd_req *rq);
int pd_api_tickets_list(struct pd_req *rq);
int pd_api_tickets_get(struct pd_req *rq);
int pd_api_tickets_patch(struct pd_req *rq);
int pd_api_tickets_status(struct pd_req *rq);
int pd_api_tickets_note(struct pd_req *rq);
int pd_api_tickets_reply(struct pd_req *rq);
int pd_api_tickets_action(struct pd_req *rq);
int pd_api_tickets_reopen(struct pd_req *rq);
int pd_api_tickets_satisfaction(struct pd_req *rq);
int pd_api_tickets_corrective_create(struct pd_req *rq);
int pd_api_corrective_patch(struct pd_req *rq);
int pd_api_corrective_list(struct pd_req *rq);
int pd_api_me_notifications(struct pd_req *rq);
int pd_api_me_notification_read(struct pd_req *rq);
int pd_api_ticket_refdata(struct pd_req *rq);
int pd_api_public_complaints_create(struct pd_req *rq);
int pd_api_public_complaints_get(struct pd_req *rq);
int pd_api_public_complaints_reopen(struct pd_req *rq);
int pd_api_stats_complaints(struct pd_req *rq);
int pd_api_stats_csat(struct pd_req *rq);
/* trips.c (issue 4 item 2): vehicles, trips, loading plans */
int pd_api_vehicles_create(struct pd_req *rq);
int pd_api_vehicles_list(struct pd_req *rq);
int pd_api_trips_create(struct pd_req *rq);
int pd_api_trips_list(struct pd_req *rq);
int pd_api_trips_get(struct pd_req *rq);
int pd_api_trips_plan(struct pd_req *rq);
int pd_api_trips_unplan(struct pd_req *rq);
int pd_api_trips_state(struct pd_req *rq);
int pd_api_trips_loading_order(struct pd_req *rq);
#endif
