/*
 * The route table: every endpoint of the API in one place, with the
 * permission it needs. Permissions are checked by the server before the
 * handler runs (router.h); network scope is checked by the handler.
 */
#include "http/api/api.h"
#include "http/api/system.h"

#define P(x) PD_PERM_##x

const struct pd_route pd_api_routes[] = {
    {PD_GET, "/healthz", PD_ROUTE_PUBLIC, 0, pd_api_healthz},
    {PD_GET, "/metrics", PD_ROUTE_PUBLIC, 0, pd_api_metrics},

    {PD_POST, "/api/v1/auth/login", PD_ROUTE_PUBLIC, PD_ROUTE_JSON, pd_api_auth_login},
    {PD_POST, "/api/v1/auth/logout", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_auth_logout},
    {PD_POST, "/api/v1/auth/password", PD_ROUTE_AUTH, PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_auth_password},
    {PD_GET, "/api/v1/me", PD_ROUTE_AUTH, 0, pd_api_me},

    {PD_GET, "/api/v1/nodes", P(NODES_READ), 0, pd_api_nodes_list},
    {PD_POST, "/api/v1/nodes", P(NODES_MANAGE), PD_ROUTE_JSON, pd_api_nodes_create},
    {PD_GET, "/api/v1/nodes/{code}", P(NODES_READ), 0, pd_api_nodes_get},
    {PD_PATCH, "/api/v1/nodes/{code}", P(NODES_MANAGE), PD_ROUTE_JSON, pd_api_nodes_update},
    {PD_GET, "/api/v1/nodes/{code}/areas", P(NODES_READ), 0, pd_api_node_areas_get},
    {PD_PUT, "/api/v1/nodes/{code}/areas", P(NODES_MANAGE), PD_ROUTE_JSON, pd_api_node_areas_put},

    {PD_GET, "/api/v1/users", P(USERS_READ), 0, pd_api_users_list},
    {PD_POST, "/api/v1/users", P(USERS_MANAGE), PD_ROUTE_JSON, pd_api_users_create},
    {PD_GET, "/api/v1/users/{id}", P(USERS_READ), 0, pd_api_users_get},
    {PD_PATCH, "/api/v1/users/{id}", P(USERS_MANAGE), PD_ROUTE_JSON, pd_api_users_update},

    {PD_GET, "/api/v1/apikeys", P(APIKEYS_MANAGE), 0, pd_api_apikeys_list},
    {PD_POST, "/api/v1/apikeys", P(APIKEYS_MANAGE), PD_ROUTE_JSON, pd_api_apikeys_create},
    {PD_DELETE, "/api/v1/apikeys/{id}", P(APIKEYS_MANAGE), 0, pd_api_apikeys_revoke},

    {PD_GET, "/api/v1/audit", P(AUDIT_READ), 0, pd_api_audit_list},

    {PD_POST, "/api/v1/quotes", P(QUOTES), PD_ROUTE_JSON, pd_api_quotes_create},
    {PD_GET, "/api/v1/divisions", PD_ROUTE_AUTH, 0, pd_api_divisions_list},
    {PD_GET, "/api/v1/public/divisions", PD_ROUTE_PUBLIC, 0, pd_api_divisions_list},
    {PD_GET, "/api/v1/goods/screen", PD_ROUTE_AUTH, 0, pd_api_goods_screen},
    /* The goods list: staff read it; its edits are a person's, audited. */
    {PD_GET, "/api/v1/goods/rules", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_goods_rules_list},
    {PD_PUT, "/api/v1/goods/rules/{term}", P(GOODS_MANAGE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_goods_rules_put},

    {PD_POST, "/api/v1/waybills", P(ORDERS_CREATE), PD_ROUTE_JSON, pd_api_waybills_create},
    {PD_GET, "/api/v1/waybills", P(ORDERS_READ), 0, pd_api_waybills_list},
    {PD_GET, "/api/v1/waybills/{no}", P(ORDERS_READ), 0, pd_api_waybills_get},
    {PD_PATCH, "/api/v1/waybills/{no}", P(ORDERS_CREATE), PD_ROUTE_JSON, pd_api_waybills_patch},
    {PD_GET, "/api/v1/waybills/{no}/label.pdf", P(ORDERS_READ), 0, pd_api_labels_one},
    {PD_POST, "/api/v1/labels", P(ORDERS_READ), PD_ROUTE_JSON, pd_api_labels_batch},
    {PD_GET, "/api/v1/waybills/{no}/history", P(ORDERS_READ), 0, pd_api_waybills_history},
    {PD_POST, "/api/v1/waybills/{no}/submit", P(ORDERS_CREATE), PD_ROUTE_JSON_OPT,
     pd_api_waybills_submit},
    {PD_POST, "/api/v1/waybills/{no}/approve", P(ORDERS_REVIEW), PD_ROUTE_JSON_OPT,
     pd_api_waybills_approve},
    {PD_POST, "/api/v1/waybills/{no}/flag", P(ORDERS_REVIEW), PD_ROUTE_JSON, pd_api_waybills_flag},
    {PD_POST, "/api/v1/waybills/{no}/cancel", P(ORDERS_CREATE), PD_ROUTE_JSON,
     pd_api_waybills_cancel},
    {PD_POST, "/api/v1/waybills/{no}/pickup", P(DISPATCH), PD_ROUTE_JSON_OPT, pd_api_pickup_assign},
    {PD_DELETE, "/api/v1/waybills/{no}/pickup", P(DISPATCH), 0, pd_api_pickup_unassign},
    {PD_POST, "/api/v1/waybills/{no}/inspection", P(SCANS_WRITE), PD_ROUTE_JSON,
     pd_api_pickup_inspection},
    {PD_GET, "/api/v1/pickup-tasks", P(DISPATCH), 0, pd_api_pickup_tasks},
    {PD_GET, "/api/v1/couriers", P(DISPATCH), 0, pd_api_pickup_couriers},
    {PD_POST, "/api/v1/public/waybills", PD_ROUTE_PUBLIC, PD_ROUTE_JSON,
     pd_api_public_waybills_create},

    {PD_POST, "/api/v1/imports/orders", P(ORDERS_CREATE), PD_ROUTE_RAW | PD_ROUTE_BIG_BODY,
     pd_api_imports_orders},

    {PD_GET, "/api/v1/customers", P(CUSTOMERS), 0, pd_api_customers_list},
    {PD_POST, "/api/v1/customers", P(CUSTOMERS), PD_ROUTE_JSON, pd_api_customers_create},
    {PD_GET, "/api/v1/customers/{code}", P(CUSTOMERS), 0, pd_api_customers_get},
    {PD_PATCH, "/api/v1/customers/{code}", P(CUSTOMERS), PD_ROUTE_JSON, pd_api_customers_update},

    /* Special rates: read by those who apply (customers) or decide (orders.review),
     * which the handler checks; applying and deciding are acts of a person. */
    {PD_GET, "/api/v1/special-rates", PD_ROUTE_AUTH, 0, pd_api_special_rates_list},
    {PD_POST, "/api/v1/special-rates", P(CUSTOMERS), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_special_rates_create},
    {PD_GET, "/api/v1/special-rates/{no}", PD_ROUTE_AUTH, 0, pd_api_special_rates_get},
    {PD_POST, "/api/v1/special-rates/{no}/approve", P(ORDERS_REVIEW),
     PD_ROUTE_JSON_OPT | PD_ROUTE_USER_ONLY, pd_api_special_rates_approve},
    {PD_POST, "/api/v1/special-rates/{no}/reject", P(ORDERS_REVIEW),
     PD_ROUTE_JSON | PD_ROUTE_USER_ONLY, pd_api_special_rates_reject},
    {PD_POST, "/api/v1/special-rates/{no}/revoke", P(ORDERS_REVIEW),
     PD_ROUTE_JSON_OPT | PD_ROUTE_USER_ONLY, pd_api_special_rates_revoke},

    /* Scans from devices (NDJSON or a JSON array, read raw); tracking for
     * staff, and for anyone without login (the hot path). */
    {PD_POST, "/api/v1/scans", P(SCANS_WRITE), PD_ROUTE_RAW | PD_ROUTE_BIG_BODY,
     pd_api_scans_create},
    {PD_GET, "/api/v1/tracking/{no}", P(TRACKING_READ), 0, pd_api_tracking_get},
    {PD_GET, "/api/v1/public/tracking/{no}", PD_ROUTE_PUBLIC, 0, pd_api_public_tracking_get},
    /* Bags (issue 4 item 2, bags.c): staff, within their network. */
    {PD_GET, "/api/v1/bags/{bag_no}", P(TRACKING_READ), 0, pd_api_bag_get},
    /* Vehicles, trips and loading plans (issue 4 item 2, trips.c): planned by
     * dispatch, read with tracking.read; network scope in the handler. */
    {PD_GET, "/api/v1/vehicles", P(TRACKING_READ), 0, pd_api_vehicles_list},
    {PD_POST, "/api/v1/vehicles", P(TRIPS_MANAGE), PD_ROUTE_JSON, pd_api_vehicles_create},
    {PD_GET, "/api/v1/trips", P(TRACKING_READ), 0, pd_api_trips_list},
    {PD_POST, "/api/v1/trips", P(TRIPS_MANAGE), PD_ROUTE_JSON, pd_api_trips_create},
    {PD_GET, "/api/v1/trips/{no}", P(TRACKING_READ), 0, pd_api_trips_get},
    {PD_POST, "/api/v1/trips/{no}/plan", P(TRIPS_MANAGE), PD_ROUTE_JSON, pd_api_trips_plan},
    {PD_DELETE, "/api/v1/trips/{no}/plan/{kind}/{item_no}", P(TRIPS_MANAGE), 0,
     pd_api_trips_unplan},
    {PD_POST, "/api/v1/trips/{no}/state", P(TRIPS_MANAGE), PD_ROUTE_JSON, pd_api_trips_state},
    {PD_GET, "/api/v1/trips/{no}/loading-order", P(TRACKING_READ), 0, pd_api_trips_loading_order},

    /* Webhooks: holders of `customers` and customer systems, which the
     * handler checks (a customer system sees only its own). */
    {PD_GET, "/api/v1/webhooks", PD_ROUTE_AUTH, 0, pd_api_webhooks_list},
    {PD_POST, "/api/v1/webhooks", PD_ROUTE_AUTH, PD_ROUTE_JSON, pd_api_webhooks_create},
    {PD_DELETE, "/api/v1/webhooks/{id}", PD_ROUTE_AUTH, 0, pd_api_webhooks_delete},
    {PD_GET, "/api/v1/webhooks/deliveries", PD_ROUTE_AUTH, 0, pd_api_webhook_deliveries_list},
    {PD_GET, "/api/v1/webhooks/deliveries/{id}", PD_ROUTE_AUTH, 0, pd_api_webhook_deliveries_get},
    {PD_POST, "/api/v1/webhooks/deliveries/{id}/retry", PD_ROUTE_AUTH, PD_ROUTE_JSON_OPT,
     pd_api_webhook_deliveries_retry},

    {PD_GET, "/api/v1/permissions", P(USERS_READ), 0, pd_api_permissions_get},
    {PD_PUT, "/api/v1/permissions/{role}", P(PERMISSIONS_MANAGE), PD_ROUTE_JSON,
     pd_api_permissions_put},

    /* Problem parcels the stale-parcel job opens, and return receipts
     * (issue 4): read by service staff; receipt steps posted by devices and
     * couriers like scans. */
    {PD_GET, "/api/v1/problems", P(TRACKING_READ), 0, pd_api_problems_list},
    {PD_POST, "/api/v1/waybills/{no}/receipt/events", P(SCANS_WRITE), PD_ROUTE_JSON,
     pd_api_receipts_event},
    {PD_GET, "/api/v1/waybills/{no}/receipt", P(TRACKING_READ), 0, pd_api_receipts_get},
    {PD_GET, "/api/v1/receipts", P(TRACKING_READ), 0, pd_api_receipts_list},

    /* The call centre's own records (issue 6 part B, docs/callcenter.md). Lists
     * are for any staff member: holders of a callcenter permission read their
     * network, an agent only its own scores and shifts (the handler decides).
     * Writes are a person's. The screen pop is for whoever takes orders' calls. */
    {PD_GET, "/api/v1/callcenter/agents", PD_ROUTE_AUTH, 0, pd_api_cc_agents_list},
    {PD_POST, "/api/v1/callcenter/agents", P(CALLCENTER_MANAGE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_cc_agents_create},
    {PD_PATCH, "/api/v1/callcenter/agents/{id}", P(CALLCENTER_MANAGE),
     PD_ROUTE_JSON | PD_ROUTE_USER_ONLY, pd_api_cc_agents_update},
    {PD_GET, "/api/v1/callcenter/qa-forms", PD_ROUTE_AUTH, 0, pd_api_cc_qa_forms_list},
    {PD_POST, "/api/v1/callcenter/qa-forms", P(CALLCENTER_QA), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_cc_qa_forms_create},
    {PD_GET, "/api/v1/callcenter/qa-scores", PD_ROUTE_AUTH, 0, pd_api_cc_qa_scores_list},
    {PD_POST, "/api/v1/callcenter/qa-scores", P(CALLCENTER_QA), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_cc_qa_scores_create},
    {PD_GET, "/api/v1/callcenter/shifts", PD_ROUTE_AUTH, 0, pd_api_cc_shifts_list},
    {PD_POST, "/api/v1/callcenter/shifts", P(CALLCENTER_MANAGE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_cc_shifts_create},
    {PD_POST, "/api/v1/callcenter/attendance", P(CALLCENTER_MANAGE),
     PD_ROUTE_JSON | PD_ROUTE_USER_ONLY, pd_api_cc_attendance_create},
    {PD_GET, "/api/v1/callcenter/costs", P(CALLCENTER), 0, pd_api_cc_costs_list},
    {PD_POST, "/api/v1/callcenter/costs", P(CALLCENTER_MANAGE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_cc_costs_create},
    {PD_GET, "/api/v1/callcenter/own", P(CALLCENTER), 0, pd_api_cc_own_get},
    {PD_GET, "/api/v1/callcenter/lookup", P(ORDERS_READ), 0, pd_api_cc_lookup},

    /* The call centre's telephone log (issue 6 part A): indicators, and the
     * telephone system's live feed of queue_log lines (read raw, in pieces). */
    {PD_GET, "/api/v1/callcenter/stats", P(CALLCENTER), 0, pd_api_callcenter_stats},
    {PD_POST, "/api/v1/callcenter/queue-log", P(CALLCENTER_IMPORT), PD_ROUTE_STREAM,
     pd_api_callcenter_feed},
    {PD_GET, "/api/v1/callcenter/live", P(CALLCENTER), 0, pd_api_callcenter_live},
    /* The service desk, part B (issue 5: docs/service-desk-problems.md). Problem
     * parcels: read like the queue (tracking.read, the handler refuses customer
     * systems), handled by tickets.write holders in person; evidence read raw.
     * The monthly review needs reports. Knowledge base: every staff member
     * reads, kb.edit writes. Handover: any staff member of a node. */
    {PD_POST, "/api/v1/problems", P(TICKETS_WRITE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_problems_create},
    {PD_GET, "/api/v1/problems/{id}", P(TRACKING_READ), 0, pd_api_problems_get},
    {PD_POST, "/api/v1/problems/{id}/actions", P(TICKETS_WRITE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_problems_action},
    {PD_POST, "/api/v1/problems/{id}/contacts", P(TICKETS_WRITE),
     PD_ROUTE_JSON | PD_ROUTE_USER_ONLY, pd_api_problems_contact},
    {PD_POST, "/api/v1/problems/{id}/close", P(TICKETS_WRITE), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_problems_close},
    {PD_POST, "/api/v1/problems/{id}/evidence", P(TICKETS_WRITE),
     PD_ROUTE_RAW | PD_ROUTE_BIG_BODY | PD_ROUTE_USER_ONLY, pd_api_problems_evidence_upload},
    {PD_GET, "/api/v1/problems/{id}/evidence/{eid}", P(TRACKING_READ), 0,
     pd_api_problems_evidence_get},
    {PD_GET, "/api/v1/stats/problems", P(REPORTS), 0, pd_api_problems_stats},
    {PD_GET, "/api/v1/kb/search", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_kb_search},
    {PD_GET, "/api/v1/kb/articles", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_kb_list},
    {PD_POST, "/api/v1/kb/articles", P(KB_EDIT), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_kb_create},
    {PD_GET, "/api/v1/kb/articles/{id}", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_kb_get},
    {PD_PATCH, "/api/v1/kb/articles/{id}", P(KB_EDIT), PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_kb_update},
    {PD_DELETE, "/api/v1/kb/articles/{id}", P(KB_EDIT), PD_ROUTE_USER_ONLY, pd_api_kb_delete},
    {PD_POST, "/api/v1/handovers", PD_ROUTE_AUTH, PD_ROUTE_JSON | PD_ROUTE_USER_ONLY,
     pd_api_handovers_create},
    {PD_GET, "/api/v1/handovers", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_handovers_list},
    {PD_GET, "/api/v1/handovers/{id}", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, pd_api_handovers_get},
    {PD_POST, "/api/v1/handovers/{id}/ack", PD_ROUTE_AUTH, PD_ROUTE_JSON_OPT | PD_ROUTE_USER_ONLY,
     pd_api_handovers_ack},
    /* The service desk, part A (issue 5; docs/service-desk.md): tickets for staff,
     * the escalation inbox, statistics, and the public complaint pages. */
    {PD_GET, "/api/v1/ticket-refdata", PD_ROUTE_AUTH, 0, pd_api_ticket_refdata},
    {PD_GET, "/api/v1/public/ticket-refdata", PD_ROUTE_PUBLIC, 0, pd_api_ticket_refdata},
    {PD_POST, "/api/v1/tickets", P(TICKETS_WRITE), PD_ROUTE_JSON, pd_api_tickets_create},
    {PD_GET, "/api/v1/tickets", P(TICKETS_READ), 0, pd_api_tickets_list},
    {PD_GET, "/api/v1/tickets/{no}", P(TICKETS_READ), 0, pd_api_tickets_get},
    {PD_PATCH, "/api/v1/tickets/{no}", P(TICKETS_WRITE), PD_ROUTE_JSON, pd_api_tickets_patch},
    {PD_POST, "/api/v1/tickets/{no}/status", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_tickets_status},
    {PD_POST, "/api/v1/tickets/{no}/notes", P(TICKETS_WRITE), PD_ROUTE_JSON, pd_api_tickets_note},
    {PD_POST, "/api/v1/tickets/{no}/replies", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_tickets_reply},
    {PD_POST, "/api/v1/tickets/{no}/actions", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_tickets_action},
    {PD_POST, "/api/v1/tickets/{no}/reopen", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_tickets_reopen},
    {PD_POST, "/api/v1/tickets/{no}/satisfaction", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_tickets_satisfaction},
    {PD_POST, "/api/v1/tickets/{no}/corrective-actions", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_tickets_corrective_create},
    {PD_GET, "/api/v1/corrective-actions", P(TICKETS_READ), 0, pd_api_corrective_list},
    {PD_PATCH, "/api/v1/corrective-actions/{id}", P(TICKETS_WRITE), PD_ROUTE_JSON,
     pd_api_corrective_patch},
    {PD_GET, "/api/v1/me/notifications", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY,
     pd_api_me_notifications},
    {PD_POST, "/api/v1/me/notifications/{id}/read", PD_ROUTE_AUTH,
     PD_ROUTE_USER_ONLY | PD_ROUTE_JSON_OPT, pd_api_me_notification_read},
    {PD_GET, "/api/v1/stats/complaints", P(REPORTS), 0, pd_api_stats_complaints},
    {PD_GET, "/api/v1/stats/csat", P(REPORTS), 0, pd_api_stats_csat},
    {PD_POST, "/api/v1/public/complaints", PD_ROUTE_PUBLIC, PD_ROUTE_JSON,
     pd_api_public_complaints_create},
    {PD_GET, "/api/v1/public/complaints/{no}", PD_ROUTE_PUBLIC, 0, pd_api_public_complaints_get},
    {PD_POST, "/api/v1/public/complaints/{no}/reopen", PD_ROUTE_PUBLIC, PD_ROUTE_JSON,
     pd_api_public_complaints_reopen},
};

const size_t pd_api_nroutes = sizeof(pd_api_routes) / sizeof(pd_api_routes[0]);
