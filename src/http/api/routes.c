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
};

const size_t pd_api_nroutes = sizeof(pd_api_routes) / sizeof(pd_api_routes[0]);
