/* Shift handover vocabularies and the acknowledgement rule (handover.h). */
#include "core/handover.h"

#include <stddef.h>

const char *const pd_handover_shift_names[] = {
    [PD_SHIFT_EARLY] = "early", [PD_SHIFT_DAY] = "day",     [PD_SHIFT_MIDDLE] = "middle",
    [PD_SHIFT_LATE] = "late",   [PD_SHIFT_NIGHT] = "night", [PD_SHIFT__COUNT] = NULL,
};

static const char *const shift_zh[] = {
    [PD_SHIFT_EARLY] = "早班", [PD_SHIFT_DAY] = "白班",   [PD_SHIFT_MIDDLE] = "中班",
    [PD_SHIFT_LATE] = "晚班",  [PD_SHIFT_NIGHT] = "夜班",
};

const char *const pd_handover_item_kinds[] = {
    [PD_HANDOVER_TICKET] = "ticket",
    [PD_HANDOVER_PROBLEM] = "problem",
    [PD_HANDOVER_WAYBILL] = "waybill",
    NULL,
};

const char *pd_handover_shift_zh(int s)
{
    return s >= 0 && s < PD_SHIFT__COUNT ? shift_zh[s] : "";
}

enum pd_handover_ack_status pd_handover_may_ack(int64_t node, int64_t author_id, int64_t acked_ms,
                                                int64_t user_id, int64_t user_node)
{
    if (acked_ms > 0)
        return PD_HANDOVER_ACK_DONE;
    if (user_node != node)
        return PD_HANDOVER_ACK_OTHER_NODE;
    if (user_id == author_id)
        return PD_HANDOVER_ACK_AUTHOR;
    return PD_HANDOVER_ACK_OK;
}
