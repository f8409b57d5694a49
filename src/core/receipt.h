/*
 * Return receipts (签收回单, DOMAIN.md §4 "Last mile"): an order may ask for
 * the recipient's signed receipt to be brought back to the sender. Its life
 * is a straight line, one step at a time, each step with its time, node and
 * operator (docs/tracking.md "Return receipts"):
 *
 *   required ──collected──▶ collected ──sent_back──▶ sent_back ──returned──▶ returned
 *   (order intake)   (the courier took the       (on its way back, with     (back with
 *                     signed receipt at delivery) its return waybill number) the sender)
 *
 * Invariants: a receipt exists only for an order that asked for one; it
 * moves only to the next state (pd_receipt_step); returned is final.
 *
 * Pure: no I/O; strings are static.
 */
#ifndef PD_CORE_RECEIPT_H
#define PD_CORE_RECEIPT_H

#include <stdbool.h>

#include "core/errors.h"

enum pd_receipt_state {
    PD_RECEIPT_REQUIRED,
    PD_RECEIPT_COLLECTED,
    PD_RECEIPT_SENT_BACK,
    PD_RECEIPT_RETURNED,
    PD_RECEIPT__COUNT
};

/** "required", …: index = enum value, NULL-terminated. */
extern const char *const pd_receipt_state_names[];
/** Chinese name of @p s; "" when out of range. */
const char *pd_receipt_state_zh(enum pd_receipt_state s);
/** @return false when @p s names no state. */
bool pd_receipt_state_parse(const char *s, enum pd_receipt_state *out);

/**
 * Whether a receipt in state @p from may move to @p to: only to the very
 * next state. @return PD_OK, or PD_E_RECEIPT_STATE_ORDER (skipped, repeated
 * or backwards step).
 */
pd_err pd_receipt_step(enum pd_receipt_state from, enum pd_receipt_state to);

#endif
