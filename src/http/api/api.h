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
/* labels.c */
int pd_api_labels_one(struct pd_req *rq);
int pd_api_labels_batch(struct pd_req *rq);
/* customers.c */
int pd_api_customers_create(struct pd_req *rq);
int pd_api_customers_list(struct pd_req *rq);
int pd_api_customers_get(struct pd_req *rq);
int pd_api_customers_update(struct pd_req *rq);
/* permissions.c */
int pd_api_permissions_get(struct pd_req *rq);
int pd_api_permissions_put(struct pd_req *rq);

#endif
