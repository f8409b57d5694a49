/*
 * The loading plan's arithmetic (loadplan.h): trip states and their one
 * rule, the capacity check that makes a plan all or nothing, and the
 * loading order with its two-lane balance model. No storage and no JSON:
 * http/api/trips.c measures the items and says what the figures mean.
 */
#include "core/loadplan.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const pd_trip_state_names[] = {
    [PD_TRIP_PLANNED] = "planned", [PD_TRIP_LOADING] = "loading", [PD_TRIP_DEPARTED] = "departed",
    [PD_TRIP_ARRIVED] = "arrived", [PD_TRIP__COUNT] = NULL,
};

static const char *const state_zh[PD_TRIP__COUNT] = {
    [PD_TRIP_PLANNED] = "已配载",
    [PD_TRIP_LOADING] = "装车中",
    [PD_TRIP_DEPARTED] = "已发车",
    [PD_TRIP_ARRIVED] = "已到达",
};

const char *pd_trip_state_zh(enum pd_trip_state s)
{
    return (unsigned)s < PD_TRIP__COUNT ? state_zh[s] : "";
}

bool pd_trip_state_parse(const char *s, enum pd_trip_state *out)
{
    for (int i = 0; s && i < PD_TRIP__COUNT; i++)
        if (!strcmp(s, pd_trip_state_names[i])) {
            *out = (enum pd_trip_state)i;
            return true;
        }
    return false;
}

bool pd_trip_state_step_ok(enum pd_trip_state from, enum pd_trip_state to)
{
    /* The states are in the order a trip lives them: a dispatcher who
     * forgot to say "loading" may still say "departed". */
    return (unsigned)from < PD_TRIP__COUNT && (unsigned)to < PD_TRIP__COUNT && to > from;
}

bool pd_trip_state_plan_open(enum pd_trip_state s)
{
    return s == PD_TRIP_PLANNED || s == PD_TRIP_LOADING;
}

int64_t pd_loadplan_volume_cm3(int64_t l_mm, int64_t w_mm, int64_t h_mm)
{
    if (l_mm <= 0 || w_mm <= 0 || h_mm <= 0)
        return 0;
    /* Order intake caps each side at 20,000 mm: 8e12 mm³ fits an int64. */
    return (l_mm * w_mm * h_mm + 999) / 1000;
}

int64_t pd_loadplan_share(int64_t total, int parts)
{
    if (parts <= 1)
        return total;
    return (total + parts - 1) / parts;
}

static bool items_ok(const struct pd_lp_item *items, int n)
{
    if (n < 0 || (n > 0 && !items))
        return false;
    for (int i = 0; i < n; i++)
        if (items[i].weight_g < 0 || items[i].volume_cm3 < 0 || items[i].stop < 0)
            return false;
    return true;
}

bool pd_loadplan_check(int64_t base_weight_g, int64_t base_volume_cm3,
                       const struct pd_lp_item *items, int n, int64_t cap_weight_g,
                       int64_t cap_volume_cm3, struct pd_lp_check *out)
{
    if (!out || !items_ok(items, n) || base_weight_g < 0 || base_volume_cm3 < 0)
        return false;
    memset(out, 0, sizeof *out);
    out->weight_item = out->volume_item = -1;
    int64_t w = base_weight_g, v = base_volume_cm3;
    for (int i = 0; i < n; i++) {
        w += items[i].weight_g;
        v += items[i].volume_cm3;
        if (out->weight_item < 0 && w > cap_weight_g)
            out->weight_item = i;
        if (out->volume_item < 0 && v > cap_volume_cm3)
            out->volume_item = i;
    }
    out->weight_g = w;
    out->volume_cm3 = v;
    out->over_weight_g = w > cap_weight_g ? w - cap_weight_g : 0;
    out->over_volume_cm3 = v > cap_volume_cm3 ? v - cap_volume_cm3 : 0;
    return true;
}

/* Loading order: later stops first, then heavy before light, big before
 * small; the id and the input index only make the order total, so the same
 * plan always loads the same way. */
static int slot_order(const void *pa, const void *pb)
{
    const struct pd_lp_slot *a = pa, *b = pb;
    if (a->stop != b->stop)
        return a->stop > b->stop ? -1 : 1;
    if (a->weight_g != b->weight_g)
        return a->weight_g > b->weight_g ? -1 : 1;
    if (a->volume_cm3 != b->volume_cm3)
        return a->volume_cm3 > b->volume_cm3 ? -1 : 1;
    int c = strcmp(a->id ? a->id : "", b->id ? b->id : "");
    if (c)
        return c;
    return (a->item > b->item) - (a->item < b->item);
}

static int per_mille(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return 0;
    int64_t pm = part * 1000 / whole;
    return pm > 1000000 ? 1000000 : (int)pm; /* a figure, not an overflow */
}

bool pd_loadplan_order(const struct pd_lp_item *items, int n, int64_t cap_weight_g,
                       int64_t cap_volume_cm3, struct pd_lp_slot *out, struct pd_lp_balance *bal)
{
    if (!bal || !items_ok(items, n) || (n > 0 && !out) || cap_weight_g <= 0 || cap_volume_cm3 <= 0)
        return false;
    memset(bal, 0, sizeof *bal);
    for (int i = 0; i < n; i++)
        out[i] = (struct pd_lp_slot){.item = i,
                                     .stop = items[i].stop,
                                     .weight_g = items[i].weight_g,
                                     .volume_cm3 = items[i].volume_cm3,
                                     .id = items[i].id};
    if (n > 1)
        qsort(out, (size_t)n, sizeof *out, slot_order);

    int64_t lane_w[2] = {0, 0}, lane_v[2] = {0, 0};
    int64_t moment = 0; /* Σ weight × position, for the centre of gravity */
    for (int i = 0; i < n; i++) {
        struct pd_lp_slot *s = &out[i];
        s->seq = i + 1;
        int side =
            lane_w[PD_LP_RIGHT] < lane_w[PD_LP_LEFT] ||
            (lane_w[PD_LP_RIGHT] == lane_w[PD_LP_LEFT] && lane_v[PD_LP_RIGHT] < lane_v[PD_LP_LEFT]);
        s->side = side ? PD_LP_RIGHT : PD_LP_LEFT;
        /* Centre of the item in its lane, whose length stands for half the
         * vehicle's volume: (used + v/2) / (cap/2). A lane filled past its
         * half (one bulky item) is put at the doors, not beyond. */
        int64_t pos = (2 * lane_v[side] + s->volume_cm3) * 1000 / cap_volume_cm3;
        s->position_pm = pos > 1000 ? 1000 : (int)pos;
        lane_w[side] += s->weight_g;
        lane_v[side] += s->volume_cm3;
        if (s->position_pm < 500)
            bal->front_g += s->weight_g;
        else
            bal->rear_g += s->weight_g;
        moment += s->weight_g * s->position_pm;
    }
    bal->left_g = lane_w[PD_LP_LEFT];
    bal->right_g = lane_w[PD_LP_RIGHT];
    bal->weight_g = bal->left_g + bal->right_g;
    bal->volume_cm3 = lane_v[PD_LP_LEFT] + lane_v[PD_LP_RIGHT];
    int64_t diff = bal->left_g - bal->right_g;
    bal->lateral_pm = per_mille(diff < 0 ? -diff : diff, bal->weight_g);
    bal->centre_pm = bal->weight_g > 0 ? (int)(moment / bal->weight_g) : 0;
    bal->fill_weight_pm = per_mille(bal->weight_g, cap_weight_g);
    bal->fill_volume_pm = per_mille(bal->volume_cm3, cap_volume_cm3);
    return true;
}
