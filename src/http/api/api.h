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

#endif
