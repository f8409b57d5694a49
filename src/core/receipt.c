/* The return receipt's states and its one rule: a step goes to the next
 * state and nowhere else (receipt.h). A table, so that a state added later
 * (say, "lost_in_return") is a row and a name, not a new branch. */
#include "core/receipt.h"

#include <stddef.h>
#include <string.h>

const char *const pd_receipt_state_names[] = {
    [PD_RECEIPT_REQUIRED] = "required",   [PD_RECEIPT_COLLECTED] = "collected",
    [PD_RECEIPT_SENT_BACK] = "sent_back", [PD_RECEIPT_RETURNED] = "returned",
    [PD_RECEIPT__COUNT] = NULL,
};

static const char *const state_zh[PD_RECEIPT__COUNT] = {
    [PD_RECEIPT_REQUIRED] = "待取回单",
    [PD_RECEIPT_COLLECTED] = "回单已取",
    [PD_RECEIPT_SENT_BACK] = "回单寄回中",
    [PD_RECEIPT_RETURNED] = "回单已返还寄件人",
};

/* The state each one may move to; returned moves nowhere. */
static const int next_state[PD_RECEIPT__COUNT] = {
    [PD_RECEIPT_REQUIRED] = PD_RECEIPT_COLLECTED,
    [PD_RECEIPT_COLLECTED] = PD_RECEIPT_SENT_BACK,
    [PD_RECEIPT_SENT_BACK] = PD_RECEIPT_RETURNED,
    [PD_RECEIPT_RETURNED] = -1,
};

const char *pd_receipt_state_zh(enum pd_receipt_state s)
{
    return (unsigned)s < PD_RECEIPT__COUNT ? state_zh[s] : "";
}

bool pd_receipt_state_parse(const char *s, enum pd_receipt_state *out)
{
    for (int i = 0; s && i < PD_RECEIPT__COUNT; i++)
        if (!strcmp(pd_receipt_state_names[i], s)) {
            *out = (enum pd_receipt_state)i;
            return true;
        }
    return false;
}

pd_err pd_receipt_step(enum pd_receipt_state from, enum pd_receipt_state to)
{
    if ((unsigned)from >= PD_RECEIPT__COUNT || (unsigned)to >= PD_RECEIPT__COUNT)
        return PD_E_RECEIPT_STATE_ORDER;
    return next_state[from] == (int)to ? PD_OK : PD_E_RECEIPT_STATE_ORDER;
}
