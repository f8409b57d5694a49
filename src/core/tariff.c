/*
 * Quoting: zone, chargeable weight, freight under card, contract or special
 * rate, then the surcharges, insurance, COD and agency fees, each as a named
 * component in fen. Kept free of I/O and allocation so an HTTP handler, the
 * order review and the benchmark call the very same code.
 */
#include "core/tariff.h"

#include <string.h>

static const char *const service_codes[PD_SVC__COUNT] = {"standard", "express", "cold_chain",
                                                         "freight"};
static const char *const zone_codes[PD_ZONE__COUNT] = {"same_city", "same_province", "neighbouring",
                                                       "national", "remote"};

const char *pd_service_code(enum pd_service s)
{
    return (unsigned)s < PD_SVC__COUNT ? service_codes[s] : "?";
}

bool pd_service_from_code(const char *code, enum pd_service *out)
{
    for (int i = 0; code && i < PD_SVC__COUNT; i++)
        if (strcmp(code, service_codes[i]) == 0) {
            *out = (enum pd_service)i;
            return true;
        }
    return false;
}

const char *pd_zone_code(enum pd_zone z)
{
    return (unsigned)z < PD_ZONE__COUNT ? zone_codes[z] : "?";
}

const char *pd_pricing_code(enum pd_pricing p)
{
    switch (p) {
    case PD_PRICING_RATECARD:
        return "ratecard";
    case PD_PRICING_CONTRACT_DISCOUNT:
        return "contract_discount";
    case PD_PRICING_CONTRACT_OVERRIDE:
        return "contract_override";
    case PD_PRICING_SPECIAL:
        return "special";
    }
    return "?";
}

const struct pd_ratecard *pd_ratecard_pick(const struct pd_ratecard *cards, int n, int64_t at_ms)
{
    const struct pd_ratecard *best = NULL;
    for (int i = 0; i < n; i++) {
        const struct pd_ratecard *c = &cards[i];
        if (at_ms < c->effective_from_ms ||
            (c->effective_to_ms != 0 && at_ms >= c->effective_to_ms))
            continue;
        if (!best || c->version > best->version)
            best = c;
    }
    return best;
}

/* Province codes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macau). */
bool pd_province_code_valid(int p)
{
    static const unsigned char valid[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                          35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                          53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    for (size_t i = 0; i < sizeof valid; i++)
        if (valid[i] == p)
            return true;
    return false;
}

static bool is_municipality(int p)
{
    return p == 11 || p == 12 || p == 31 || p == 50;
}

static bool is_remote(const struct pd_ratecard *card, int p)
{
    for (int i = 0; i < card->n_remote; i++)
        if (card->remote[i] == p)
            return true;
    return false;
}

bool pd_tariff_zone(const struct pd_ratecard *card, int32_t origin, int32_t dest, enum pd_zone *out)
{
    if (origin < 110000 || origin > 829999 || dest < 110000 || dest > 829999)
        return false;
    int po = origin / 10000, pdst = dest / 10000;
    if (!pd_province_code_valid(po) || !pd_province_code_valid(pdst))
        return false;
    if (po == pdst && (is_municipality(po) || origin / 100 == dest / 100))
        *out = PD_ZONE_SAME_CITY;
    else if (po == pdst)
        *out = PD_ZONE_SAME_PROVINCE;
    else if (is_remote(card, po) || is_remote(card, pdst))
        *out = PD_ZONE_REMOTE;
    else if (card->neighbours[po][pdst / 64] >> (pdst % 64) & 1)
        *out = PD_ZONE_NEIGHBOURING;
    else
        *out = PD_ZONE_NATIONAL;
    return true;
}

/* Half up to the fen; x and bp are bounded so x * bp stays far below 2^63. */
static int64_t bp_of(int64_t x, int32_t bp)
{
    return (x * bp + 5000) / 10000;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

#define MAX_WEIGHT_G 1000000000LL
#define MAX_DIM_MM   20000LL

static pd_err fail(struct pd_quote *out, pd_err e, const char *field)
{
    out->error_field = field;
    return e;
}

static void add(struct pd_quote *out, const char *code, int64_t fen)
{
    out->components[out->n_components].code = code;
    out->components[out->n_components].amount_fen = fen;
    out->n_components++;
    out->total_fen += fen;
}

static bool in_effect(const struct pd_special_rate *s, int64_t at)
{
    return s->approved && at >= s->valid_from_ms && (s->valid_to_ms == 0 || at < s->valid_to_ms);
}

/* Contract and special cells come from the store, not through the card
 * loader: hold them to the same bounds, or a zero step would divide by zero
 * and a huge fee could overflow. */
static bool cell_ok(const struct pd_rate_cell *c)
{
    return c->first_weight_g >= 100 && c->first_weight_g <= 1000000 &&
           c->additional_step_g >= 100 && c->additional_step_g <= 1000000 &&
           c->first_fee_fen >= 0 && c->first_fee_fen <= PD_TARIFF_FEE_MAX &&
           c->additional_fee_fen >= 0 && c->additional_fee_fen <= PD_TARIFF_FEE_MAX;
}

static bool key_ok(const struct pd_cell_override *o)
{
    return (unsigned)o->service < PD_SVC__COUNT && (unsigned)o->zone < PD_ZONE__COUNT &&
           (!o->cell.available || cell_ok(&o->cell));
}

static const char *contract_problem(const struct pd_contract_rate *c)
{
    if (c->freight_discount_bp < 0 || c->freight_discount_bp > 10000)
        return "contract.freight_discount_bp";
    if (c->n_overrides < 0 || c->n_overrides > PD_CONTRACT_MAX_OVERRIDES)
        return "contract.overrides";
    for (int i = 0; i < c->n_overrides; i++)
        if (!key_ok(&c->overrides[i]))
            return "contract.overrides";
    return NULL;
}

pd_err pd_tariff_quote(const struct pd_ratecard *card, const struct pd_quote_input *in,
                       struct pd_quote *out)
{
    memset(out, 0, sizeof *out);
    out->ratecard_code = card->code;
    out->ratecard_version = card->version;
    out->pricing = PD_PRICING_RATECARD;

    if ((unsigned)in->service >= PD_SVC__COUNT)
        return fail(out, PD_E_QUOTE_INVALID, "service");
    if (in->weight_g <= 0)
        return fail(out, PD_E_QUOTE_INVALID, "goods.weight_g");
    if (in->weight_g > MAX_WEIGHT_G)
        return fail(out, PD_E_QUOTE_LIMIT, "goods.weight_g");
    bool no_dims = in->length_mm == 0 && in->width_mm == 0 && in->height_mm == 0;
    if (!no_dims) {
        static const char *const names[3] = {"goods.length_mm", "goods.width_mm",
                                             "goods.height_mm"};
        const int64_t dims[3] = {in->length_mm, in->width_mm, in->height_mm};
        for (int i = 0; i < 3; i++) {
            if (dims[i] <= 0)
                return fail(out, PD_E_QUOTE_INVALID, names[i]);
            if (dims[i] > MAX_DIM_MM)
                return fail(out, PD_E_QUOTE_LIMIT, names[i]);
        }
    }
    if (in->declared_value_fen < 0)
        return fail(out, PD_E_QUOTE_INVALID, "declared_value_fen");
    if (in->declared_value_fen > card->max_declared_value_fen)
        return fail(out, PD_E_QUOTE_LIMIT, "declared_value_fen");
    if (in->cod_fen < 0)
        return fail(out, PD_E_QUOTE_INVALID, "cod_fen");
    if (in->cod_fen > card->max_cod_fen)
        return fail(out, PD_E_QUOTE_LIMIT, "cod_fen");
    if (in->n_agency < 0 || in->n_agency > PD_QUOTE_MAX_AGENCY)
        return fail(out, PD_E_QUOTE_INVALID, "agency_fees");
    if (!pd_tariff_zone(card, in->origin_division, in->dest_division, &out->zone)) {
        bool origin_ok = pd_tariff_zone(card, in->origin_division, in->origin_division, &out->zone);
        return fail(out, PD_E_QUOTE_INVALID, origin_ok ? "recipient.division" : "sender.division");
    }

    /* Freight cell: an approved special rate beats a contract override,
     * which beats the card (a contract discount then applies to card freight). */
    const struct pd_rate_cell *cell = &card->cells[in->service][out->zone];
    if (in->contract) {
        const char *bad = contract_problem(in->contract);
        if (bad)
            return fail(out, PD_E_QUOTE_INVALID, bad);
    }
    if (in->special) {
        const struct pd_special_rate *s = in->special;
        if (!key_ok(&s->rate))
            return fail(out, PD_E_QUOTE_INVALID, "special_rate.rate");
        if (!in_effect(s, in->at_ms))
            return fail(out, PD_E_SPECIAL_RATE_INVALID, "special_rate");
        if (s->rate.service == in->service && s->rate.zone == out->zone) {
            cell = &s->rate.cell;
            out->pricing = PD_PRICING_SPECIAL;
            out->pricing_ref = s->approval_no;
        }
    }
    if (out->pricing == PD_PRICING_RATECARD && in->contract) {
        const struct pd_contract_rate *c = in->contract;
        for (int i = 0; i < c->n_overrides; i++)
            if (c->overrides[i].service == in->service && c->overrides[i].zone == out->zone) {
                cell = &c->overrides[i].cell;
                out->pricing = PD_PRICING_CONTRACT_OVERRIDE;
                out->pricing_ref = c->contract_no;
                break;
            }
        if (out->pricing == PD_PRICING_RATECARD && c->freight_discount_bp > 0) {
            out->pricing = PD_PRICING_CONTRACT_DISCOUNT;
            out->pricing_ref = c->contract_no;
        }
    }
    if (!cell->available)
        return fail(out, PD_E_QUOTE_UNAVAILABLE, "service");

    out->actual_weight_g = in->weight_g;
    out->volumetric_weight_g =
        no_dims ? 0
                : ceil_div(in->length_mm * in->width_mm * in->height_mm, card->volumetric_divisor);
    int64_t w = in->weight_g > out->volumetric_weight_g ? in->weight_g : out->volumetric_weight_g;
    w = ceil_div(w, card->weight_step_g) * card->weight_step_g;
    if (w < cell->first_weight_g)
        w = cell->first_weight_g;
    out->chargeable_weight_g = w;

    int64_t freight = cell->first_fee_fen;
    if (w > cell->first_weight_g)
        freight +=
            ceil_div(w - cell->first_weight_g, cell->additional_step_g) * cell->additional_fee_fen;
    if (out->pricing == PD_PRICING_CONTRACT_DISCOUNT)
        freight -= bp_of(freight, in->contract->freight_discount_bp);
    add(out, "freight", freight);

    if (card->fuel_bp > 0)
        add(out, "fuel_surcharge", bp_of(freight, card->fuel_bp));
    if (out->zone == PD_ZONE_REMOTE && card->remote_fen > 0)
        add(out, "remote_surcharge", card->remote_fen);
    if (in->service == PD_SVC_COLD_CHAIN)
        add(out, "cold_chain_surcharge",
            card->cold_chain_fixed_fen + ceil_div(w, 1000) * card->cold_chain_per_kg_fen);
    if (in->special_packaging)
        add(out, "packaging_surcharge", card->packaging_fen);
    if (in->declared_value_fen > 0) {
        int64_t premium = bp_of(in->declared_value_fen, card->insurance_bp);
        add(out, "insurance",
            premium < card->insurance_min_fen ? card->insurance_min_fen : premium);
    }
    if (in->cod_fen > 0) {
        int64_t fee = bp_of(in->cod_fen, card->cod_bp);
        add(out, "cod_fee", fee < card->cod_min_fen ? card->cod_min_fen : fee);
    }
    for (int i = 0; i < in->n_agency; i++) {
        const struct pd_agency_fee *found = NULL;
        for (int j = 0; in->agency[i] && j < card->n_agency; j++)
            if (strcmp(card->agency[j].code, in->agency[i]) == 0)
                found = &card->agency[j];
        if (!found)
            return fail(out, PD_E_QUOTE_AGENCY_UNKNOWN, "agency_fees");
        for (int k = 0; k < i; k++)
            if (strcmp(in->agency[k], in->agency[i]) == 0)
                return fail(out, PD_E_QUOTE_INVALID, "agency_fees");
        /* The card holds the prefixed name so the quote can borrow it. */
        add(out, found->component, found->fee_fen);
    }
    return PD_OK;
}
