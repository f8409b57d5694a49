/*
 * GET /api/v1/bags/{bag_no}: a bag (集包) as the scans left it — its state,
 * where it was filled, every stay of a parcel in it (inside or taken out)
 * and the events that named only the bag, with how many scans each
 * expanded into (docs/tracking.md "Bags"). Staff with tracking.read, held
 * to their network by the bag's node: a bag filled outside the caller's
 * subtree answers as if it did not exist (404), as waybills do. Bags come
 * into being through POST /api/v1/scans only (scans.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/node_cache.h"
#include "http/reply.h"
#include "store/tx.h"

static const char *const state_names[PD_BAG__COUNT] = {"open", "sealed", "opened"};

struct bag_tx {
    struct pd_req *rq;
    const char *bag_no;
    struct pd_bag bag;
    json_t *contents, *events;
};

static int content_cb(void *cls, const struct pd_bag_content *c)
{
    json_t *o = json_pack(
        "{s:s, s:s?, s:o, s:o, s:b}", "waybill_no", c->waybill_no, "parcel_no",
        c->parcel_no[0] ? c->parcel_no : NULL, "added_at", pd__json_time(c->added_ms), "removed_at",
        c->removed_ms ? pd__json_time(c->removed_ms) : json_null(), "inside", c->removed_ms == 0);
    return o && json_array_append_new(cls, o) == 0 ? 0 : PD_QS_HARD;
}

static int event_cb(void *cls, const struct pd_bag_event *e)
{
    json_t *o =
        json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:o}", "type",
                  pd_scan_type_name((enum pd_scan_type)e->type), "type_zh",
                  pd_scan_type_zh((enum pd_scan_type)e->type), "at", pd__json_time(e->at_ms),
                  "node", e->node_code, "operator", e->operator_, "device_id", e->device_id,
                  "device_seq", (json_int_t)e->device_seq, "trip_no", e->trip_no, "reason",
                  e->reason, "expanded", e->expanded, "received_at", pd__json_time(e->received_ms));
    return o && json_array_append_new(cls, o) == 0 ? 0 : PD_QS_HARD;
}

static pd_qs bag_tx(pd_db *db, void *cls)
{
    struct bag_tx *t = cls;
    json_array_clear(t->contents);
    json_array_clear(t->events);
    pd_qs qs = db->ops->bag_get(db, t->bag_no, &t->bag);
    if (qs <= 0)
        return qs;
    /* every stay, in and out: a bag is reused, but holds at most 9,999 at once */
    if ((qs = db->ops->bag_contents(db, t->bag_no, 0, 100000, content_cb, t->contents)) < 0)
        return qs;
    if ((qs = db->ops->bag_event_list(db, t->bag_no, event_cb, t->events)) < 0)
        return qs;
    return PD_QS_ONE;
}

/* The bag's node within the caller's network; a bag of an unknown node only
 * for the staff of the network's root. */
static bool in_scope(struct pd_req *rq, const char *node_code)
{
    if (rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return false; /* a customer's system sees its waybills, not the network's bags */
    const struct pd_node_snapshot *nodes = pd_node_cache_acquire(rq->app->nodes);
    const struct pd_node_entry *n = pd_node_snapshot_find(nodes, node_code);
    bool ok = n ? pd_req_in_scope(rq, n->path) : pd__node_depth(rq->who.node_path) == 0;
    pd_node_cache_release(rq->app->nodes, nodes);
    return ok;
}

int pd_api_bag_get(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *no = rq->args[0];
    if (!no || !*no || strlen(no) > PD_BAG_NO_SIZE - 1)
        return pd_reply_err(rq, PD_E_JSON_FORMAT, "bag_no", "1 to 32 bytes");
    struct bag_tx t = {.rq = rq, .bag_no = no, .contents = json_array(), .events = json_array()};
    pd_qs qs = pd_tx_run(rq->app->store, "bags.read", true, bag_tx, &t);
    if (qs < 0) {
        json_decref(t.contents);
        json_decref(t.events);
        return pd__reply_db_error(rq);
    }
    if (qs == PD_QS_NONE || !in_scope(rq, t.bag.node_code)) {
        json_decref(t.contents);
        json_decref(t.events);
        return pd_reply_err(rq, PD_E_BAG_NOT_FOUND, NULL, NULL);
    }
    const struct pd_bag *b = &t.bag;
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:o, s:o}", "bag_no", b->bag_no, "state",
                          state_names[b->state], "node", b->node_code, "first_at",
                          pd__json_time(b->first_ms), "last_at", pd__json_time(b->last_ms),
                          "inside", b->inside, "contents", t.contents, "events", t.events);
    if (!o)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    return pd_reply_json_steal(rq, 200, o);
}
