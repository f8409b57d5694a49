/*
 * The fee engine (DOMAIN.md §3): rate cards as versioned data, zones from
 * GB/T 2260 division codes, chargeable weight, freight, surcharges,
 * insurance, COD and agency fees, customer contract rates and approved
 * special rates. Everything is integer: money in int64 fen, rates in basis
 * points (1 bp = 0.01 %), weights in grams, lengths in millimetres.
 *
 * Rounding: every percentage is rounded half up to the fen,
 * round(x * bp / 10000) = (x * bp + 5000) / 10000 for x >= 0. Weights round
 * up (to the gram for volume, to the card's step for chargeable weight).
 * docs/fees.md states every rule with worked examples.
 *
 * Pure module: no I/O, no globals, no allocation. Bounds on the card
 * (pd_ratecard_from_json) and on the input (pd_tariff_quote) keep every
 * product below 2^62, so no arithmetic can overflow.
 */
#ifndef PD_CORE_TARIFF_H
#define PD_CORE_TARIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"

/** Largest fee of one item on a card or contract cell (¥10,000): far above any real tariff. */
#define PD_TARIFF_FEE_MAX 1000000LL

enum pd_service {
    PD_SVC_STANDARD,
    PD_SVC_EXPRESS,
    PD_SVC_COLD_CHAIN,
    PD_SVC_FREIGHT,
    PD_SVC__COUNT
};

/* Order matters only for display; zone_of() decides by the rules below. */
enum pd_zone {
    PD_ZONE_SAME_CITY,
    PD_ZONE_SAME_PROVINCE,
    PD_ZONE_NEIGHBOURING,
    PD_ZONE_NATIONAL,
    PD_ZONE_REMOTE,
    PD_ZONE__COUNT
};

/** "standard", "express", "cold_chain", "freight"; "?" when out of range. Never NULL. */
const char *pd_service_code(enum pd_service s);
/** Look a service up by code. @return false when unknown or NULL. */
bool pd_service_from_code(const char *code, enum pd_service *out);
/** "same_city", "same_province", "neighbouring", "national", "remote". Never NULL. */
const char *pd_zone_code(enum pd_zone z);

/** One service × zone cell of a rate card. */
struct pd_rate_cell {
    bool available;             /* false: this service does not serve this zone */
    int32_t first_weight_g;     /* 首重 */
    int32_t additional_step_g;  /* 续重 unit */
    int64_t first_fee_fen;      /* price of the first weight */
    int64_t additional_fee_fen; /* price of each started additional unit */
};

#define PD_RATECARD_CODE_SIZE  33
#define PD_AGENCY_CODE_SIZE    33
#define PD_RATECARD_MAX_AGENCY 8
#define PD_RATECARD_MAX_REMOTE 16

struct pd_agency_fee {
    char code[PD_AGENCY_CODE_SIZE];          /* e.g. "customs_declaration" */
    char component[PD_AGENCY_CODE_SIZE + 7]; /* "agency_" + code: the quote component */
    int64_t fee_fen;
};

/**
 * A rate card: plain data, filled by pd_ratecard_from_json (or by hand in
 * tests). The caller owns it; quoting only reads it.
 */
struct pd_ratecard {
    char code[PD_RATECARD_CODE_SIZE];
    int32_t version;
    int64_t effective_from_ms; /* inclusive */
    int64_t effective_to_ms;   /* exclusive; 0 = open-ended */
    /* volumetric_g = ceil(L_mm * W_mm * H_mm / volumetric_divisor): with the
     * trade's "cm³ per kg" divisor D, L*W*H mm³ / 1000 / D kg is exactly
     * L*W*H / D grams. */
    int32_t volumetric_divisor;
    int32_t weight_step_g; /* chargeable weight rounds up to a multiple of this */
    struct pd_rate_cell cells[PD_SVC__COUNT][PD_ZONE__COUNT];
    int32_t fuel_bp;               /* of freight */
    int64_t remote_fen;            /* fixed, remote zone only */
    int64_t cold_chain_fixed_fen;  /* cold_chain service only */
    int64_t cold_chain_per_kg_fen; /* per started kg of chargeable weight */
    int64_t packaging_fen;         /* when special packaging is asked for */
    int32_t insurance_bp;          /* of declared value */
    int64_t insurance_min_fen;
    int64_t max_declared_value_fen;
    int32_t cod_bp; /* of the COD amount */
    int64_t cod_min_fen;
    int64_t max_cod_fen;
    struct pd_agency_fee agency[PD_RATECARD_MAX_AGENCY];
    int n_agency;
    uint8_t remote[PD_RATECARD_MAX_REMOTE]; /* 2-digit province codes */
    int n_remote;
    uint64_t neighbours[100][2]; /* bit p of row q: provinces q and p share a border */
};

/** A parse failure: the JSON path of the offending value ("services.express.remote"). */
struct pd_ratecard_error {
    char path[96];
    char reason[96];
};

/**
 * Fill @p card from a rate card document (format: docs/fees.md). Strict:
 * unknown keys, missing keys, wrong types and out-of-range values are
 * refused. @p card is zeroed first; @p err (may be NULL) receives the path.
 * @return PD_OK or PD_E_RATECARD_INVALID.
 */
pd_err pd_ratecard_from_json(const json_t *doc, struct pd_ratecard *card,
                             struct pd_ratecard_error *err);

/**
 * The card in effect at @p at_ms (a handler answers NULL with
 * PD_E_RATECARD_NONE) among @p cards[0..n) with the same meaning
 * (callers pass one code's versions): effective_from <= at < effective_to;
 * when several qualify, the highest version wins. @return a pointer into
 * @p cards, or NULL when none is in effect.
 */
const struct pd_ratecard *pd_ratecard_pick(const struct pd_ratecard *cards, int n, int64_t at_ms);

/**
 * Zone between two 6-digit division codes under @p card, in this order:
 * same_city (same first 4 digits; all of 11/12/31/50 count as one city),
 * same_province (first 2 digits), remote (either end in card->remote),
 * neighbouring (provinces adjacent in card->neighbours), national.
 * @return false when a code is not a plausible division code.
 */
bool pd_tariff_zone(const struct pd_ratecard *card, int32_t origin, int32_t dest,
                    enum pd_zone *out);

/** True for the 2-digit province codes of GB/T 2260 (11 北京 … 65 新疆, 71, 81, 82). */
bool pd_province_code_valid(int p);

#define PD_CONTRACT_MAX_OVERRIDES 8

struct pd_cell_override {
    enum pd_service service;
    enum pd_zone zone;
    struct pd_rate_cell cell;
};

/**
 * A customer contract (月结客户协议价): overrides for some cells win over the
 * discount, which applies to the card's freight elsewhere. Owned by the caller.
 */
struct pd_contract_rate {
    char contract_no[PD_RATECARD_CODE_SIZE];
    int32_t freight_discount_bp; /* 0 … 10000: 1500 = 15 % off freight */
    struct pd_cell_override overrides[PD_CONTRACT_MAX_OVERRIDES];
    int n_overrides;
};

/**
 * An approved special rate (特殊费率申请): one cell for one service and zone,
 * in effect in [valid_from_ms, valid_to_ms) (valid_to_ms 0 = open). When it
 * matches the quote's service and zone it beats the contract and the card;
 * otherwise it is ignored. Passing one that is not approved or not in
 * effect at in->at_ms is an error, never a silent fallback.
 */
struct pd_special_rate {
    char approval_no[PD_RATECARD_CODE_SIZE];
    bool approved;
    int64_t valid_from_ms;
    int64_t valid_to_ms;
    struct pd_cell_override rate;
};

/**
 * Fill @p c from a contract document:
 *   {"contract_no": "HT-2026-001", "freight_discount_bp": 1500,
 *    "overrides": [{"service": "standard", "zone": "national", "first_weight_g": 1000,
 *                   "first_fee_fen": 800, "additional_step_g": 1000, "additional_fee_fen": 300}]}
 * Strict as pd_ratecard_from_json. @return PD_OK or PD_E_RATECARD_INVALID (path in @p err).
 */
pd_err pd_contract_from_json(const json_t *doc, struct pd_contract_rate *c,
                             struct pd_ratecard_error *err);

#define PD_QUOTE_MAX_AGENCY 4

/** What a quote needs. Strings are borrowed for the call only. */
struct pd_quote_input {
    enum pd_service service;
    int32_t origin_division; /* 6-digit GB/T 2260 district code */
    int32_t dest_division;
    int64_t weight_g;                       /* 1 … 1,000,000,000 (1,000 t) */
    int64_t length_mm, width_mm, height_mm; /* all 0 = unknown; else each 1 … 20,000 */
    int64_t declared_value_fen;             /* 0 = no insurance */
    int64_t cod_fen;                        /* 0 = no COD */
    bool special_packaging;
    const char *agency[PD_QUOTE_MAX_AGENCY]; /* agency fee codes, n_agency of them */
    int n_agency;
    int64_t at_ms;                           /* when the special rate must be in effect */
    const struct pd_contract_rate *contract; /* may be NULL */
    const struct pd_special_rate *special;   /* may be NULL */
};

struct pd_quote_component {
    const char *code; /* static string, e.g. "freight"; "agency_<code>" points into the card */
    int64_t amount_fen;
};

#define PD_QUOTE_MAX_COMPONENTS (8 + PD_QUOTE_MAX_AGENCY)

/** How freight was priced. */
enum pd_pricing {
    PD_PRICING_RATECARD,
    PD_PRICING_CONTRACT_DISCOUNT,
    PD_PRICING_CONTRACT_OVERRIDE,
    PD_PRICING_SPECIAL,
};

/** "ratecard", "contract_discount", "contract_override", "special". */
const char *pd_pricing_code(enum pd_pricing p);

struct pd_quote {
    enum pd_zone zone;
    int64_t actual_weight_g;
    int64_t volumetric_weight_g;
    int64_t chargeable_weight_g;
    struct pd_quote_component components[PD_QUOTE_MAX_COMPONENTS];
    int n_components; /* freight first, then only the components that apply */
    int64_t total_fen;
    const char *ratecard_code; /* points into the card */
    int32_t ratecard_version;
    enum pd_pricing pricing;
    const char *pricing_ref; /* contract_no / approval_no, into the input; NULL for the card */
    const char *error_field; /* on failure: the offending field ("goods.weight_g"); static */
};

/**
 * Price @p in under @p card (loaded by pd_ratecard_from_json, or holding
 * to the same bounds) into @p out (caller-owned; pointers in it borrow
 * from @p card and @p in, so keep those alive while using it).
 * @return PD_OK, PD_E_QUOTE_INVALID (malformed input), PD_E_QUOTE_LIMIT,
 * PD_E_QUOTE_UNAVAILABLE, PD_E_QUOTE_AGENCY_UNKNOWN or
 * PD_E_SPECIAL_RATE_INVALID, with out->error_field naming the field.
 */
pd_err pd_tariff_quote(const struct pd_ratecard *card, const struct pd_quote_input *in,
                       struct pd_quote *out);

#endif
