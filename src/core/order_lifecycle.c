/* The order lifecycle before pickup; the table is order_lifecycle.def, the
 * invariants and the diagram are in order_lifecycle.h. */
#include "core/order_lifecycle.h"

#include <string.h>

const char *const pd_order_state_names[] = {
#define PD_ORDER_STATE(sym, name, zh) name,
#include "core/order_lifecycle.def"
#undef PD_ORDER_STATE
    NULL};

static const char *const state_zh[] = {
#define PD_ORDER_STATE(sym, name, zh) zh,
#include "core/order_lifecycle.def"
#undef PD_ORDER_STATE
};

const char *const pd_order_event_names[] = {
#define PD_ORDER_EVENT(sym, name, zh) name,
#include "core/order_lifecycle.def"
#undef PD_ORDER_EVENT
    NULL};

struct move {
    enum pd_order_state from;
    enum pd_order_event ev;
    enum pd_order_state to;
};

static const struct move moves[] = {
#define PD_ORDER_MOVE(from, ev, to) {PD_ORDER_##from, PD_ORDER_EV_##ev, PD_ORDER_##to},
#include "core/order_lifecycle.def"
#undef PD_ORDER_MOVE
};

static const unsigned editable[PD_ORDER__COUNT] = {
#define PD_ORDER_EDIT(state, groups) [PD_ORDER_##state] = (groups),
#include "core/order_lifecycle.def"
#undef PD_ORDER_EDIT
};

const char *pd_order_state_name(enum pd_order_state s)
{
    return (unsigned)s < PD_ORDER__COUNT ? pd_order_state_names[s] : "unknown";
}

const char *pd_order_state_zh(enum pd_order_state s)
{
    return (unsigned)s < PD_ORDER__COUNT ? state_zh[s] : "未知";
}

static bool parse(const char *const *names, int n, const char *s, int *out)
{
    for (int i = 0; s && i < n; i++) {
        if (!strcmp(names[i], s)) {
            *out = i;
            return true;
        }
    }
    return false;
}

bool pd_order_state_parse(const char *s, enum pd_order_state *out)
{
    int i;
    if (!parse(pd_order_state_names, PD_ORDER__COUNT, s, &i))
        return false;
    *out = (enum pd_order_state)i;
    return true;
}

const char *pd_order_event_name(enum pd_order_event e)
{
    return (unsigned)e < PD_ORDER_EV__COUNT ? pd_order_event_names[e] : "unknown";
}

bool pd_order_event_parse(const char *s, enum pd_order_event *out)
{
    int i;
    if (!parse(pd_order_event_names, PD_ORDER_EV__COUNT, s, &i))
        return false;
    *out = (enum pd_order_event)i;
    return true;
}

pd_err pd_order_transition(enum pd_order_state from, enum pd_order_event ev,
                           enum pd_order_state *to)
{
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        if (moves[i].from == from && moves[i].ev == ev) {
            *to = moves[i].to;
            return PD_OK;
        }
    }
    return PD_E_ORDER_TRANSITION;
}

unsigned pd_order_editable(enum pd_order_state s)
{
    return (unsigned)s < PD_ORDER__COUNT ? editable[s] : 0;
}

pd_err pd_order_edit_check(enum pd_order_state s, unsigned groups, unsigned *refused)
{
    unsigned bad = groups & ~pd_order_editable(s);
    *refused = bad & (~bad + 1); /* lowest refused group */
    return bad ? PD_E_ORDER_LOCKED : PD_OK;
}
