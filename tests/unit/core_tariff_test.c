/* Unit tests of src/core/tariff: the rate card loader, zones, and every
 * worked example of docs/fees.md against data/ratecards/standard-2026.json
 * (found through $PD_SOURCE_DIR, else "..": the tests run in the build dir). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tariff.h"

#define SHENZHEN_NANSHAN 440305
#define SHENZHEN_FUTIAN  440304
#define GUANGZHOU_TIANHE 440106
#define NANNING_XINGNING 450102
#define SHANGHAI_PUDONG  310115
#define BEIJING_CHAOYANG 110105
#define BEIJING_MIYUN    110228 /* 1102: the old 县 prefix, still "Beijing" */
#define URUMQI_TIANSHAN  650102
#define LHASA_CHENGGUAN  540102
#define KASHGAR          653101

#define T_2026_06_01 1780243200000LL /* 2026-06-01T00:00:00+08:00 */

static json_t *load_doc(void)
{
    const char *dir = getenv("PD_SOURCE_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/data/ratecards/standard-2026.json", dir ? dir : "..");
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        fail_msg("cannot load %s: %s (set PD_SOURCE_DIR)", path, jerr.text);
    return doc;
}

static int setup(void **state)
{
    json_t *doc = load_doc();
    struct pd_ratecard *card = malloc(sizeof *card);
    struct pd_ratecard_error err;
    if (pd_ratecard_from_json(doc, card, &err) != PD_OK)
        fail_msg("shipped rate card refused at %s: %s", err.path, err.reason);
    json_decref(doc);
    *state = card;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static struct pd_quote_input base(enum pd_service svc, int32_t from, int32_t to, int64_t g)
{
    struct pd_quote_input in = {.service = svc,
                                .origin_division = from,
                                .dest_division = to,
                                .weight_g = g,
                                .at_ms = T_2026_06_01};
    return in;
}

static int64_t component(const struct pd_quote *q, const char *code)
{
    for (int i = 0; i < q->n_components; i++)
        if (strcmp(q->components[i].code, code) == 0)
            return q->components[i].amount_fen;
    return -1;
}

/* The quote must add up: total = sum of the components. */
static void check_sum(const struct pd_quote *q)
{
    int64_t sum = 0;
    for (int i = 0; i < q->n_components; i++)
        sum += q->components[i].amount_fen;
    assert_int_equal(sum, q->total_fen);
    assert_string_equal(q->components[0].code, "freight");
}

static void card_loads(void **state)
{
    const struct pd_ratecard *c = *state;
    assert_string_equal(c->code, "standard");
    assert_int_equal(c->version, 1);
    assert_int_equal(c->effective_from_ms, 1767196800000LL); /* 2026-01-01T00:00+08:00 */
    assert_int_equal(c->effective_to_ms, 0);
    assert_int_equal(c->volumetric_divisor, 6000);
    assert_true(c->cells[PD_SVC_STANDARD][PD_ZONE_NATIONAL].available);
    assert_int_equal(c->cells[PD_SVC_STANDARD][PD_ZONE_NATIONAL].first_fee_fen, 1800);
    assert_false(c->cells[PD_SVC_COLD_CHAIN][PD_ZONE_REMOTE].available);
    assert_int_equal(c->n_agency, 3);
}

static void zones(void **state)
{
    const struct pd_ratecard *c = *state;
    enum pd_zone z;
    assert_true(pd_tariff_zone(c, SHENZHEN_NANSHAN, SHENZHEN_FUTIAN, &z));
    assert_int_equal(z, PD_ZONE_SAME_CITY);
    assert_true(pd_tariff_zone(c, BEIJING_CHAOYANG, BEIJING_MIYUN, &z));
    assert_int_equal(z, PD_ZONE_SAME_CITY);
    assert_true(pd_tariff_zone(c, GUANGZHOU_TIANHE, SHENZHEN_NANSHAN, &z));
    assert_int_equal(z, PD_ZONE_SAME_PROVINCE);
    assert_true(pd_tariff_zone(c, URUMQI_TIANSHAN, KASHGAR, &z)); /* same province beats remote */
    assert_int_equal(z, PD_ZONE_SAME_PROVINCE);
    assert_true(pd_tariff_zone(c, SHENZHEN_NANSHAN, NANNING_XINGNING, &z));
    assert_int_equal(z, PD_ZONE_NEIGHBOURING);
    assert_true(pd_tariff_zone(c, NANNING_XINGNING, SHENZHEN_NANSHAN, &z)); /* symmetric */
    assert_int_equal(z, PD_ZONE_NEIGHBOURING);
    assert_true(pd_tariff_zone(c, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, &z));
    assert_int_equal(z, PD_ZONE_NATIONAL);
    assert_true(pd_tariff_zone(c, SHENZHEN_NANSHAN, URUMQI_TIANSHAN, &z));
    assert_int_equal(z, PD_ZONE_REMOTE);
    assert_true(pd_tariff_zone(c, LHASA_CHENGGUAN, SHANGHAI_PUDONG, &z)); /* remote origin */
    assert_int_equal(z, PD_ZONE_REMOTE);
    /* Tibet borders Xinjiang, but remote is decided before neighbouring. */
    assert_true(pd_tariff_zone(c, LHASA_CHENGGUAN, URUMQI_TIANSHAN, &z));
    assert_int_equal(z, PD_ZONE_REMOTE);
    assert_false(pd_tariff_zone(c, 990000, SHANGHAI_PUDONG, &z));
    assert_false(pd_tariff_zone(c, SHANGHAI_PUDONG, 12345, &z));
    assert_false(pd_tariff_zone(c, 400000, SHANGHAI_PUDONG, &z)); /* no province 40 */
}

/* docs/fees.md example 1 */
static void ex1_same_city_rounding(void **state)
{
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHENZHEN_FUTIAN, 1200);
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.zone, PD_ZONE_SAME_CITY);
    assert_int_equal(q.chargeable_weight_g, 1500);
    assert_int_equal(component(&q, "freight"), 1400);
    assert_int_equal(component(&q, "fuel_surcharge"), 42);
    assert_int_equal(q.total_fen, 1442);
    assert_int_equal(q.n_components, 2);
    assert_string_equal(q.ratecard_code, "standard");
    assert_int_equal(q.ratecard_version, 1);
    assert_int_equal(q.pricing, PD_PRICING_RATECARD);
    assert_null(q.pricing_ref);
    check_sum(&q);
}

/* example 2: the CONTRACT.md order, Shenzhen -> Shanghai */
static void ex2_national_actual_wins(void **state)
{
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 1200);
    in.length_mm = 300, in.width_mm = 200, in.height_mm = 100;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.zone, PD_ZONE_NATIONAL);
    assert_int_equal(q.volumetric_weight_g, 1000);
    assert_int_equal(q.chargeable_weight_g, 1500);
    assert_int_equal(component(&q, "freight"), 2400);
    assert_int_equal(component(&q, "fuel_surcharge"), 72);
    assert_int_equal(q.total_fen, 2472);
    check_sum(&q);
}

/* example 3 */
static void ex3_volumetric_wins(void **state)
{
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, NANNING_XINGNING, 800);
    in.length_mm = 400, in.width_mm = 300, in.height_mm = 250;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.zone, PD_ZONE_NEIGHBOURING);
    assert_int_equal(q.volumetric_weight_g, 5000);
    assert_int_equal(q.chargeable_weight_g, 5000);
    assert_int_equal(component(&q, "freight"), 3600);
    assert_int_equal(component(&q, "fuel_surcharge"), 108);
    assert_int_equal(q.total_fen, 3708);
    check_sum(&q);
    /* Volume rounds up to the gram: one more mm³ than 5 kg is 5001 g, then 5500. */
    in.length_mm = 401;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.volumetric_weight_g, 5013); /* 30,075,000 / 6000 = 5012.5 -> 5013 */
    assert_int_equal(q.chargeable_weight_g, 5500);
}

/* example 4 */
static void ex4_express_remote(void **state)
{
    struct pd_quote_input in = base(PD_SVC_EXPRESS, SHENZHEN_NANSHAN, URUMQI_TIANSHAN, 2300);
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.zone, PD_ZONE_REMOTE);
    assert_int_equal(q.chargeable_weight_g, 2500);
    assert_int_equal(component(&q, "freight"), 7840);
    assert_int_equal(component(&q, "fuel_surcharge"), 235);
    assert_int_equal(component(&q, "remote_surcharge"), 1000);
    assert_int_equal(q.total_fen, 9075);
    check_sum(&q);
}

/* example 5 */
static void ex5_first_weight_minimum_and_half_up(void **state)
{
    struct pd_quote_input in = base(PD_SVC_STANDARD, GUANGZHOU_TIANHE, SHENZHEN_NANSHAN, 500);
    in.declared_value_fen = 313100;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.zone, PD_ZONE_SAME_PROVINCE);
    assert_int_equal(q.chargeable_weight_g, 1000);
    assert_int_equal(component(&q, "freight"), 1400);
    assert_int_equal(component(&q, "fuel_surcharge"), 42);
    assert_int_equal(component(&q, "insurance"), 1566); /* 1565.5 rounds half up */
    assert_int_equal(q.total_fen, 3008);
    check_sum(&q);
    in.declared_value_fen = 313099; /* 1565.495 rounds down */
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(component(&q, "insurance"), 1565);
}

/* example 6 */
static void ex6_insurance_and_cod_minimums(void **state)
{
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHENZHEN_FUTIAN, 1000);
    in.declared_value_fen = 10000;
    in.cod_fen = 20000;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.chargeable_weight_g, 1000);
    assert_int_equal(component(&q, "freight"), 1200);
    assert_int_equal(component(&q, "fuel_surcharge"), 36);
    assert_int_equal(component(&q, "insurance"), 100);
    assert_int_equal(component(&q, "cod_fee"), 300);
    assert_int_equal(q.total_fen, 1636);
    check_sum(&q);
    in.cod_fen = 100000; /* 1 % of ¥1,000 = ¥10, above the minimum */
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(component(&q, "cod_fee"), 1000);
}

/* example 7 */
static void ex7_cold_chain_with_packaging(void **state)
{
    struct pd_quote_input in = base(PD_SVC_COLD_CHAIN, GUANGZHOU_TIANHE, SHENZHEN_NANSHAN, 3200);
    in.special_packaging = true;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.chargeable_weight_g, 3500);
    assert_int_equal(component(&q, "freight"), 5400);
    assert_int_equal(component(&q, "fuel_surcharge"), 162);
    assert_int_equal(component(&q, "cold_chain_surcharge"), 1800);
    assert_int_equal(component(&q, "packaging_surcharge"), 500);
    assert_int_equal(q.total_fen, 7862);
    check_sum(&q);
}

/* example 8 */
static void ex8_freight_with_agency_fees(void **state)
{
    struct pd_quote_input in = base(PD_SVC_FREIGHT, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 45200);
    in.agency[0] = "customs_declaration";
    in.agency[1] = "inspection";
    in.n_agency = 2;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.chargeable_weight_g, 45500);
    assert_int_equal(component(&q, "freight"), 9410);
    assert_int_equal(component(&q, "fuel_surcharge"), 282);
    assert_int_equal(component(&q, "agency_customs_declaration"), 15000);
    assert_int_equal(component(&q, "agency_inspection"), 8000);
    assert_int_equal(q.total_fen, 32692);
    check_sum(&q);
    /* Below the 30 kg first weight, freight is the first-weight price. */
    in.weight_g = 12000;
    in.n_agency = 0;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.chargeable_weight_g, 30000);
    assert_int_equal(component(&q, "freight"), 6000);
}

/* example 9 */
static void ex9_contract_discount(void **state)
{
    struct pd_contract_rate contract = {.contract_no = "HT-2026-0042", .freight_discount_bp = 1500};
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 1200);
    in.contract = &contract;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(component(&q, "freight"), 2040);
    assert_int_equal(component(&q, "fuel_surcharge"), 61);
    assert_int_equal(q.total_fen, 2101);
    assert_int_equal(q.pricing, PD_PRICING_CONTRACT_DISCOUNT);
    assert_string_equal(q.pricing_ref, "HT-2026-0042");
    assert_string_equal(pd_pricing_code(q.pricing), "contract_discount");
    check_sum(&q);
}

/* example 10 */
static void ex10_contract_override(void **state)
{
    struct pd_contract_rate contract = {
        .contract_no = "HT-2026-0042",
        .freight_discount_bp = 1500,
        .overrides = {{PD_SVC_STANDARD, PD_ZONE_NATIONAL, {true, 1000, 1000, 1500, 400}}},
        .n_overrides = 1,
    };
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 1200);
    in.contract = &contract;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(component(&q, "freight"), 1900); /* no discount on top of an override */
    assert_int_equal(component(&q, "fuel_surcharge"), 57);
    assert_int_equal(q.total_fen, 1957);
    assert_int_equal(q.pricing, PD_PRICING_CONTRACT_OVERRIDE);
    check_sum(&q);
    /* Another zone of the same contract falls back to the discount. */
    in.dest_division = SHENZHEN_FUTIAN;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(q.pricing, PD_PRICING_CONTRACT_DISCOUNT);
    assert_int_equal(component(&q, "freight"), 1190); /* 1400 - 210 */
}

/* example 11 */
static void ex11_special_rate(void **state)
{
    struct pd_contract_rate contract = {.contract_no = "HT-2026-0042", .freight_discount_bp = 1500};
    struct pd_special_rate special = {
        .approval_no = "TS-2026-0007",
        .approved = true,
        .valid_from_ms = T_2026_06_01 - 86400000,
        .valid_to_ms = T_2026_06_01 + 86400000,
        .rate = {PD_SVC_STANDARD, PD_ZONE_NATIONAL, {true, 1000, 1000, 1000, 300}},
    };
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 1200);
    in.contract = &contract;
    in.special = &special;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    assert_int_equal(component(&q, "freight"), 1300);
    assert_int_equal(component(&q, "fuel_surcharge"), 39);
    assert_int_equal(q.total_fen, 1339);
    assert_int_equal(q.pricing, PD_PRICING_SPECIAL);
    assert_string_equal(q.pricing_ref, "TS-2026-0007");
    check_sum(&q);

    in.at_ms = special.valid_to_ms; /* the end is exclusive */
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_E_SPECIAL_RATE_INVALID);
    assert_string_equal(q.error_field, "special_rate");
    in.at_ms = T_2026_06_01;
    special.approved = false;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_E_SPECIAL_RATE_INVALID);
}

static void bad_contract_and_special_cells(void **state)
{
    const struct pd_ratecard *c = *state;
    struct pd_contract_rate contract = {.contract_no = "HT-X", .freight_discount_bp = 10001};
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 1200);
    in.contract = &contract;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(c, &in, &q), PD_E_QUOTE_INVALID);
    assert_string_equal(q.error_field, "contract.freight_discount_bp");
    contract.freight_discount_bp = 10000; /* free freight is allowed */
    assert_int_equal(pd_tariff_quote(c, &in, &q), PD_OK);
    assert_int_equal(component(&q, "freight"), 0);
    /* A zero additional step would divide by zero: refused, not crashed. */
    contract.overrides[0] =
        (struct pd_cell_override){PD_SVC_STANDARD, PD_ZONE_NATIONAL, {true, 1000, 0, 1500, 400}};
    contract.n_overrides = 1;
    assert_int_equal(pd_tariff_quote(c, &in, &q), PD_E_QUOTE_INVALID);
    assert_string_equal(q.error_field, "contract.overrides");
    contract.n_overrides = 0;
    struct pd_special_rate special = {
        .approval_no = "TS-X",
        .approved = true,
        .rate = {PD_SVC_STANDARD, PD_ZONE_NATIONAL, {true, 1000, 1000, PD_TARIFF_FEE_MAX + 1, 0}},
    };
    in.contract = NULL;
    in.special = &special;
    assert_int_equal(pd_tariff_quote(c, &in, &q), PD_E_QUOTE_INVALID);
    assert_string_equal(q.error_field, "special_rate.rate");
    /* A valid special rate for another zone leaves the card's price. */
    special.rate =
        (struct pd_cell_override){PD_SVC_STANDARD, PD_ZONE_REMOTE, {true, 1000, 1000, 100, 100}};
    assert_int_equal(pd_tariff_quote(c, &in, &q), PD_OK);
    assert_int_equal(q.pricing, PD_PRICING_RATECARD);
    assert_int_equal(component(&q, "freight"), 2400);
}

static void expect_error(const struct pd_ratecard *c, const struct pd_quote_input *in, pd_err e,
                         const char *field)
{
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(c, in, &q), e);
    assert_non_null(q.error_field);
    assert_string_equal(q.error_field, field);
}

static void input_errors_name_the_field(void **state)
{
    const struct pd_ratecard *c = *state;
    struct pd_quote_input in = base(PD_SVC_STANDARD, SHENZHEN_NANSHAN, SHANGHAI_PUDONG, 0);
    expect_error(c, &in, PD_E_QUOTE_INVALID, "goods.weight_g");
    in.weight_g = 1000000001;
    expect_error(c, &in, PD_E_QUOTE_LIMIT, "goods.weight_g");
    in.weight_g = INT64_MAX;
    expect_error(c, &in, PD_E_QUOTE_LIMIT, "goods.weight_g");
    in.weight_g = 1000;
    in.length_mm = 100; /* dimensions come all three or not at all */
    expect_error(c, &in, PD_E_QUOTE_INVALID, "goods.width_mm");
    in.width_mm = 100, in.height_mm = 20001;
    expect_error(c, &in, PD_E_QUOTE_LIMIT, "goods.height_mm");
    in.length_mm = in.width_mm = in.height_mm = 0;
    in.declared_value_fen = 5000001;
    expect_error(c, &in, PD_E_QUOTE_LIMIT, "declared_value_fen");
    in.declared_value_fen = -1;
    expect_error(c, &in, PD_E_QUOTE_INVALID, "declared_value_fen");
    in.declared_value_fen = 0;
    in.cod_fen = INT64_MAX;
    expect_error(c, &in, PD_E_QUOTE_LIMIT, "cod_fen");
    in.cod_fen = 0;
    in.origin_division = 123;
    expect_error(c, &in, PD_E_QUOTE_INVALID, "sender.division");
    in.origin_division = SHENZHEN_NANSHAN;
    in.dest_division = 999999;
    expect_error(c, &in, PD_E_QUOTE_INVALID, "recipient.division");
    in.dest_division = SHANGHAI_PUDONG;
    in.agency[0] = "bribe";
    in.n_agency = 1;
    expect_error(c, &in, PD_E_QUOTE_AGENCY_UNKNOWN, "agency_fees");
    in.agency[0] = in.agency[1] = "inspection";
    in.n_agency = 2;
    expect_error(c, &in, PD_E_QUOTE_INVALID, "agency_fees");
    in.n_agency = 0;
    in.service = PD_SVC__COUNT;
    expect_error(c, &in, PD_E_QUOTE_INVALID, "service");
    in.service = PD_SVC_COLD_CHAIN;
    in.dest_division = URUMQI_TIANSHAN;
    expect_error(c, &in, PD_E_QUOTE_UNAVAILABLE, "service");
    assert_int_equal(pd_err_status(PD_E_QUOTE_UNAVAILABLE), 422);
    assert_int_equal(pd_err_status(PD_E_QUOTE_INVALID), 400);
    assert_string_equal(pd_err_code(PD_E_WAYBILL_NO_INVALID), "waybill.no_invalid");
}

static void extreme_inputs_do_not_overflow(void **state)
{
    /* The largest accepted parcel: 1,000 t, 20 m cube, maximum value and COD. */
    struct pd_quote_input in = base(PD_SVC_EXPRESS, LHASA_CHENGGUAN, SHANGHAI_PUDONG, 1000000000);
    in.length_mm = in.width_mm = in.height_mm = 20000;
    in.declared_value_fen = 5000000;
    in.cod_fen = 5000000;
    struct pd_quote q;
    assert_int_equal(pd_tariff_quote(*state, &in, &q), PD_OK);
    /* 8e12 mm³ / 6000 = 1,333,333,334 g volumetric, beyond the actual weight. */
    assert_int_equal(q.volumetric_weight_g, 1333333334);
    assert_int_equal(q.chargeable_weight_g, 1333333500);
    /* 4000 + ceil(1,333,332,500 / 1000) * 1920 */
    assert_int_equal(component(&q, "freight"), 4000 + 1333333LL * 1920);
    assert_true(q.total_fen > 0);
    check_sum(&q);
}

static void ratecard_pick(void **state)
{
    static struct pd_ratecard cards[3];
    memcpy(&cards[0], *state, sizeof cards[0]);
    memcpy(&cards[1], *state, sizeof cards[1]);
    memcpy(&cards[2], *state, sizeof cards[2]);
    cards[0].version = 1, cards[0].effective_from_ms = 1000, cards[0].effective_to_ms = 5000;
    cards[1].version = 2, cards[1].effective_from_ms = 3000, cards[1].effective_to_ms = 0;
    cards[2].version = 3, cards[2].effective_from_ms = 9000, cards[2].effective_to_ms = 0;
    assert_null(pd_ratecard_pick(cards, 3, 999));
    assert_int_equal(pd_ratecard_pick(cards, 3, 1000)->version, 1);
    assert_int_equal(pd_ratecard_pick(cards, 3, 3000)->version, 2); /* overlap: newer wins */
    assert_int_equal(pd_ratecard_pick(cards, 3, 8999)->version, 2);
    assert_int_equal(pd_ratecard_pick(cards, 3, 9000)->version, 3);
    assert_int_equal(pd_ratecard_pick(cards, 1, 5000) == NULL, 1); /* end is exclusive */
    assert_null(pd_ratecard_pick(cards, 0, 4000));
}

/* Apply @p patch (a JSON Merge-Patch style object; "__delete__" removes) at
 * dotted @p path of the shipped card and expect refusal naming @p want. */
static void expect_bad_card(const char *path, json_t *value, const char *want)
{
    json_t *doc = load_doc();
    json_t *obj = doc;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL, *key = strtok_r(buf, ".", &save), *next;
    while ((next = strtok_r(NULL, ".", &save))) {
        obj = json_object_get(obj, key);
        assert_non_null(obj);
        key = next;
    }
    if (value)
        json_object_set_new(obj, key, value);
    else
        json_object_del(obj, key);
    struct pd_ratecard *card = malloc(sizeof *card);
    struct pd_ratecard_error err;
    assert_int_equal(pd_ratecard_from_json(doc, card, &err), PD_E_RATECARD_INVALID);
    if (strcmp(err.path, want) != 0)
        fail_msg("path %s: got error at \"%s\" (%s), want \"%s\"", path, err.path, err.reason,
                 want);
    assert_true(strlen(err.reason) > 0);
    free(card);
    json_decref(doc);
}

static void ratecard_strict(void **state)
{
    (void)state;
    expect_bad_card("colour", json_string("red"), "colour");
    expect_bad_card("version", json_string("1"), "version");
    expect_bad_card("version", json_integer(0), "version");
    expect_bad_card("code", NULL, "code");
    expect_bad_card("effective_from", json_string("2026-01-01"), "effective_from");
    expect_bad_card("effective_to", json_string("2025-01-01T00:00:00Z"), "effective_to");
    expect_bad_card("volumetric_divisor", json_integer(0), "volumetric_divisor");
    expect_bad_card("services.express.remote.first_fee_fen", json_integer(-5),
                    "services.express.remote.first_fee_fen");
    expect_bad_card("services.express.remote.additional_step_g", json_integer(0),
                    "services.express.remote.additional_step_g");
    expect_bad_card("services.express.remote.discount", json_integer(1),
                    "services.express.remote.discount");
    expect_bad_card("services.freight.national", NULL, "services.freight.national");
    expect_bad_card("services.air", json_object(), "services.air");
    expect_bad_card("surcharges.fuel_bp", json_integer(10001), "surcharges.fuel_bp");
    expect_bad_card("surcharges.fuel_bp", json_real(3.5), "surcharges.fuel_bp");
    expect_bad_card("insurance.min_fen", NULL, "insurance.min_fen");
    expect_bad_card("cod.extra", json_true(), "cod.extra");
    expect_bad_card("agency_fees.Customs", json_integer(1), "agency_fees.Customs");
    expect_bad_card("agency_fees.inspection", json_integer(-1), "agency_fees.inspection");
    expect_bad_card("remote_provinces", json_pack("[i]", 99), "remote_provinces");
    expect_bad_card("neighbours", json_pack("[[i,i]]", 44, 44), "neighbours[0]");
    expect_bad_card("neighbours", json_pack("[[i]]", 44), "neighbours[0]");
}

/* Customer contracts as stored on the account: parsed strictly, the path of
 * the bad value named. */
static void contract_from_json(void **state)
{
    (void)state;
    struct pd_contract_rate c;
    struct pd_ratecard_error e;
    json_t *ok =
        json_loads("{\"contract_no\":\"HT-2026-001\",\"freight_discount_bp\":1500,\"overrides\":"
                   "[{\"service\":\"standard\",\"zone\":\"national\",\"first_weight_g\":1000,"
                   "\"first_fee_fen\":800,\"additional_step_g\":1000,\"additional_fee_fen\":300}]}",
                   0, NULL);
    assert_non_null(ok);
    assert_int_equal(pd_contract_from_json(ok, &c, &e), PD_OK);
    assert_string_equal(c.contract_no, "HT-2026-001");
    assert_int_equal(c.freight_discount_bp, 1500);
    assert_int_equal(c.n_overrides, 1);
    assert_int_equal(c.overrides[0].service, PD_SVC_STANDARD);
    assert_int_equal(c.overrides[0].zone, PD_ZONE_NATIONAL);
    assert_true(c.overrides[0].cell.available);
    assert_int_equal(c.overrides[0].cell.first_fee_fen, 800);
    json_decref(ok);

    static const char *const bad[][2] = {
        {"{\"contract_no\":\"A\",\"freight_discount_bp\":20000}", "freight_discount_bp"},
        {"{\"contract_no\":\"A\"}", "freight_discount_bp"},
        {"{\"freight_discount_bp\":0}", "contract_no"},
        {"{\"contract_no\":\"A\",\"freight_discount_bp\":0,\"x\":1}", "x"},
        {"{\"contract_no\":\"A\",\"freight_discount_bp\":0,\"overrides\":[{\"service\":"
         "\"boat\",\"zone\":\"national\"}]}",
         "overrides[0].service"},
        {"{\"contract_no\":\"A\",\"freight_discount_bp\":0,\"overrides\":[{\"service\":"
         "\"standard\",\"zone\":\"national\",\"first_weight_g\":1000}]}",
         "overrides[0].first_fee_fen"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i][0], 0, NULL);
        assert_non_null(j);
        assert_int_equal(pd_contract_from_json(j, &c, &e), PD_E_RATECARD_INVALID);
        assert_string_equal(e.path, bad[i][1]);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(card_loads),
        cmocka_unit_test(zones),
        cmocka_unit_test(ex1_same_city_rounding),
        cmocka_unit_test(ex2_national_actual_wins),
        cmocka_unit_test(ex3_volumetric_wins),
        cmocka_unit_test(ex4_express_remote),
        cmocka_unit_test(ex5_first_weight_minimum_and_half_up),
        cmocka_unit_test(ex6_insurance_and_cod_minimums),
        cmocka_unit_test(ex7_cold_chain_with_packaging),
        cmocka_unit_test(ex8_freight_with_agency_fees),
        cmocka_unit_test(ex9_contract_discount),
        cmocka_unit_test(ex10_contract_override),
        cmocka_unit_test(ex11_special_rate),
        cmocka_unit_test(input_errors_name_the_field),
        cmocka_unit_test(bad_contract_and_special_cells),
        cmocka_unit_test(extreme_inputs_do_not_overflow),
        cmocka_unit_test(ratecard_pick),
        cmocka_unit_test(ratecard_strict),
        cmocka_unit_test(contract_from_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
