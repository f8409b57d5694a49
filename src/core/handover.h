/*
 * Shift handover (交接班, DOMAIN.md §1): every shift of a node writes a
 * handover entry — what happened, and the open items the next shift must
 * take on, each linked to a ticket, a problem parcel or a waybill — and the
 * next shift acknowledges it. This header holds the vocabularies and the
 * acknowledgement rule; the entries are stored by the store and served by
 * http/api/handovers.c.
 *
 * Invariants:
 *   1. An entry belongs to one node; it is acknowledged at most once.
 *   2. Only a user of the same node who is not its author acknowledges it
 *      (the next shift, never the shift that wrote it).
 *
 * Pure: no I/O, no allocation; strings returned are static.
 */
#ifndef PD_CORE_HANDOVER_H
#define PD_CORE_HANDOVER_H

#include <stdbool.h>
#include <stdint.h>

enum pd_handover_shift {
    PD_SHIFT_EARLY,  /* 早班 */
    PD_SHIFT_DAY,    /* 白班 */
    PD_SHIFT_MIDDLE, /* 中班 */
    PD_SHIFT_LATE,   /* 晚班 */
    PD_SHIFT_NIGHT,  /* 夜班 */
    PD_SHIFT__COUNT
};

enum pd_handover_item_kind { PD_HANDOVER_TICKET, PD_HANDOVER_PROBLEM, PD_HANDOVER_WAYBILL };

/** "early", "day", "middle", "late", "night", NULL. */
extern const char *const pd_handover_shift_names[];
/** "ticket", "problem", "waybill", NULL. */
extern const char *const pd_handover_item_kinds[];
/** Chinese name of shift @p s; "" when out of range. */
const char *pd_handover_shift_zh(int s);

#define PD_HANDOVER_ITEMS_MAX 50 /* open items in one entry */

enum pd_handover_ack_status {
    PD_HANDOVER_ACK_OK,
    PD_HANDOVER_ACK_DONE,       /* acknowledged already (invariant 1) */
    PD_HANDOVER_ACK_AUTHOR,     /* the author cannot acknowledge its own entry (invariant 2) */
    PD_HANDOVER_ACK_OTHER_NODE, /* a user of another node (invariant 2) */
};

/**
 * Whether user @p user_id of node @p user_node may acknowledge an entry of
 * node @p node written by @p author_id, acknowledged already when
 * @p acked_ms > 0.
 */
enum pd_handover_ack_status pd_handover_may_ack(int64_t node, int64_t author_id, int64_t acked_ms,
                                                int64_t user_id, int64_t user_node);

#endif
