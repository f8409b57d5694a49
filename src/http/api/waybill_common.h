/*
 * Helpers shared by the waybill handlers (waybills.c, pickup.c, labels.c):
 * the number in a path, loading a waybill within the caller's network, the
 * order actor of a request and the WAYBILL answer. Internal to src/http/api.
 *
 * Ownership: pd__waybill_load fills a pd_waybill_copy the caller frees with
 * pd_waybill_copy_free (also when the load failed); everything else borrows.
 */
#ifndef PD_HTTP_API_WAYBILL_COMMON_H
#define PD_HTTP_API_WAYBILL_COMMON_H

#include <stdbool.h>

#include "http/api/order_intake.h"
#include "http/req.h"
#include "store/store.h"

/** Fill the order actor of @p rq; @p idem_actor (40 bytes) backs a->idem_actor. */
void pd__order_actor(struct pd_req *rq, struct pd_order_actor *a, char idem_actor[40]);

/** The waybill number of @p arg (a waybill or parcel number as typed); false when invalid. */
bool pd__waybill_no_parse(const char *arg, char out[PD_WB_NO_SIZE]);

/**
 * The waybill number named by @p arg (a waybill or parcel number as typed).
 * @return true, or false after replying 400 waybill.no_invalid (field "no").
 */
bool pd__waybill_no_arg(struct pd_req *rq, const char *arg, char out[PD_WB_NO_SIZE]);

/**
 * Read waybill @p no into @p out (freed and refilled); *found only when it
 * exists within the caller's network. @return PD_QS_ONE when found.
 */
pd_qs pd__waybill_load(pd_db *db, struct pd_req *rq, const char *no, bool for_update,
                       struct pd_waybill_copy *out, bool *found);

/** Reply with the registry error of an order refusal. */
int pd__reply_order_error(struct pd_req *rq, const struct pd_order_error *e);

/** Whether the caller sees names and phones in full. */
bool pd__personal_ok(struct pd_req *rq);

/** Reply with the WAYBILL shape of @p no (status @p status); reads by staff are audited. */
int pd__reply_waybill(struct pd_req *rq, const char *no, unsigned status);

#endif
