/*
 * The order (运单) lifecycle before pickup: states, events, transitions and
 * what may still change in each state, from the table in
 * order_lifecycle.def. Pure; the store records the state, handlers ask here.
 *
 * Invariants (tests/unit/core_order_lifecycle_test.c cites them by number):
 *   1. Every transition is a row of the table; nothing else moves an order.
 *   2. Cancelled and picked-up orders take no further event here (after
 *      pickup the parcel's scans drive its status: core/status, a later issue).
 *   3. Every state but draft is reachable from draft.
 *   4. Nothing may be edited once cancelled; after pickup only contact
 *      details and remarks (the address needs a redirect request, the goods
 *      and price the pickup inspection).
 *   5. Whether an allowed edit sends an order back to review is not a
 *      property of the fields touched: every edit re-runs the intake checks,
 *      and open doubts decide (src/http/api/order_intake.c, docs/orders.md).
 *
 *                 submit                 assign_pickup            pick_up
 *     draft ─────────────────▶ accepted ───────────────▶ pickup_  ──────────▶ picked_up
 *       │  flag        ▲ │ flag   ◀─────────────────────  assigned
 *       ▼     approve  │ ▼          unassign_pickup          │
 *     in_review ───────┘ in_review                           │
 *       │                                                    │
 *       └──────────── cancel (from every state before picked_up) ──▶ cancelled
 */
#ifndef PD_CORE_ORDER_LIFECYCLE_H
#define PD_CORE_ORDER_LIFECYCLE_H

#include <stdbool.h>

#include "core/errors.h"

enum pd_order_state {
#define PD_ORDER_STATE(sym, name, zh) PD_ORDER_##sym,
#include "core/order_lifecycle.def"
#undef PD_ORDER_STATE
    PD_ORDER__COUNT
};

enum pd_order_event {
#define PD_ORDER_EVENT(sym, name, zh) PD_ORDER_EV_##sym,
#include "core/order_lifecycle.def"
#undef PD_ORDER_EVENT
    PD_ORDER_EV__COUNT
};

/* Groups of order fields, for the edit rules. */
#define PD_EDIT_CONTACT           0x01u /* names, phones, company of both parties */
#define PD_EDIT_SENDER_ADDRESS    0x02u /* the pickup address */
#define PD_EDIT_RECIPIENT_ADDRESS 0x04u
#define PD_EDIT_GOODS             0x08u /* name, category, quantity, weight, size */
#define PD_EDIT_VALUE             0x10u /* service, payment, declared value, COD */
#define PD_EDIT_PICKUP_WINDOW     0x20u
#define PD_EDIT_REMARKS           0x40u /* remarks, customer reference */
#define PD_EDIT_ALL               0x7Fu

extern const char *const pd_order_state_names[]; /* NULL-terminated */
extern const char *const pd_order_event_names[]; /* NULL-terminated */

const char *pd_order_state_name(enum pd_order_state s);
const char *pd_order_state_zh(enum pd_order_state s);
bool pd_order_state_parse(const char *s, enum pd_order_state *out);
const char *pd_order_event_name(enum pd_order_event e);
bool pd_order_event_parse(const char *s, enum pd_order_event *out);

/**
 * Apply @p ev to an order in state @p from.
 * @param[out] to the new state (unchanged on refusal).
 * @return PD_OK, or PD_E_ORDER_TRANSITION when the table has no such move.
 */
pd_err pd_order_transition(enum pd_order_state from, enum pd_order_event ev,
                           enum pd_order_state *to);

/** The PD_EDIT_* groups that may change in state @p s. */
unsigned pd_order_editable(enum pd_order_state s);

/**
 * Check an edit touching the PD_EDIT_* groups in @p groups in state @p s.
 * @param[out] refused the first group that may not change (0 when allowed).
 * @return PD_OK or PD_E_ORDER_LOCKED.
 */
pd_err pd_order_edit_check(enum pd_order_state s, unsigned groups, unsigned *refused);

#endif
