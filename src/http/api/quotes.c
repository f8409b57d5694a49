/*
 * POST /api/v1/quotes: price an order before it exists (the live quote of
 * the order form, customer systems asking "how much?"). The body has the
 * order's shape (CONTRACT.md "Core shapes"); only the parts that affect the
 * price are needed, the rest of an order is accepted and ignored so the
 * console can send its form as it stands. Addresses are resolved against
 * GB/T 2260 as people write them; the rate card in effect now prices it;
 * every component comes back in fen with the card's code and version.
 */
#include <stdio.h>
#include <string.h>

#include "core/address.h"
#include "core/tariff.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/api/order_intake.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define DEFAULT_CARD "standard"

struct party {
    const char *name, *phone, *company, *province, *city, *district, *district_code, *address;
};

#define PARTY_SPECS(p, v)                                                                          \
    pd_spec_str(p ".name", &(v).name, PD_OPT, 0, 64),                                              \
        pd_spec_str(p ".phone", &(v).phone, PD_OPT, 0, 32),                                        \
        pd_spec_str(p ".company", &(v).company, PD_OPT, 0, 100),                                   \
        pd_spec_str(p ".province", &(v).province, PD_OPT, 0, 32),                                  \
        pd_spec_str(p ".city", &(v).city, PD_OPT, 0, 32),                                          \
        pd_spec_str(p ".district", &(v).district, PD_OPT, 0, 32),                                  \
        pd_spec_str(p ".district_code", &(v).district_code, PD_OPT, 0, 6),                         \
        pd_spec_str(p ".address", &(v).address, PD_OPT, 0, 200)

static const char *const services[] = {"standard", "express", "cold_chain", "freight", NULL};
static const char *const channels[] = {"phone",     "fax", "email",   "web", "app",
                                       "ecommerce", "im",  "counter", "api", NULL};
static const char *const payments[] = {"sender", "receiver", "monthly", "third_party", NULL};

/* Resolve one party's division; on failure reply naming "<prefix>.<part>". */
static bool resolve(struct pd_req *rq, const char *prefix, const struct party *p,
                    struct pd_division_ref *out)
{
    const char *bad = NULL;
    pd_err e = pd_address_resolve(p->province, p->city, p->district, p->district_code, out, &bad);
    if (e == PD_OK)
        return true;
    char field[48];
    snprintf(field, sizeof field, "%s.%s", prefix, bad ? bad : "province");
    pd_reply_err(rq, e, field, NULL);
    return false;
}

static json_t *division_json(const struct pd_division_ref *d)
{
    char code[8];
    snprintf(code, sizeof code, "%06u", d->district_code);
    return json_pack("{s:s, s:s, s:s?, s:s}", "province", d->province_name, "city", d->city_display,
                     "district", d->district_name, "district_code", code);
}

struct terms_tx {
    const char *customer_code, *special_rate_no;
    struct pd_order_terms terms;
    struct pd_order_error err;
};

static pd_qs terms_tx(pd_db *db, void *cls)
{
    struct terms_tx *t = cls;
    return pd_order_terms(db, t->customer_code, t->special_rate_no, &t->terms, &t->err);
}

int pd_api_quotes_create(struct pd_req *rq)
{
    struct party s = {0}, r = {0};
    const char *customer_ref = NULL, *ratecard = DEFAULT_CARD, *goods_name = NULL;
    const char *goods_category = NULL, *remarks = NULL;
    const char *customer_code = NULL, *special_rate_no = NULL;
    int service = 0, channel = 0, payment = 0;
    int64_t weight = 0, len = 0, wid = 0, hei = 0, qty = 1, value = 0, cod = 0, parcels = 1;
    bool packaging = false;
    const json_t *agency = NULL;
    struct pd_spec spec[] = {
        pd_spec_enum("service", &service, PD_REQ, services),
        pd_spec_enum("channel", &channel, PD_OPT, channels),
        pd_spec_enum("payment", &payment, PD_OPT, payments),
        pd_spec_str("customer_ref", &customer_ref, PD_OPT, 0, 64),
        pd_spec_str("customer_code", &customer_code, PD_OPT, 1, 32),
        pd_spec_str("special_rate_no", &special_rate_no, PD_OPT, 1, 32),
        pd_spec_str("ratecard", &ratecard, PD_OPT, 1, 32),
        PARTY_SPECS("sender", s),
        PARTY_SPECS("recipient", r),
        pd_spec_str("goods.name", &goods_name, PD_OPT, 0, 100),
        pd_spec_str("goods.category", &goods_category, PD_OPT, 0, 32),
        pd_spec_int("goods.quantity", &qty, PD_OPT, 1, 100000),
        pd_spec_int("goods.weight_g", &weight, PD_REQ, 1, 1000000000),
        pd_spec_int("goods.length_mm", &len, PD_OPT, 1, 20000),
        pd_spec_int("goods.width_mm", &wid, PD_OPT, 1, 20000),
        pd_spec_int("goods.height_mm", &hei, PD_OPT, 1, 20000),
        pd_spec_int("declared_value_fen", &value, PD_OPT, 0, INT64_C(100000000000)),
        pd_spec_int("cod_fen", &cod, PD_OPT, 0, INT64_C(100000000000)),
        pd_spec_int("parcels", &parcels, PD_OPT, 1, 999),
        pd_spec_bool("special_packaging", &packaging, PD_OPT),
        pd_spec_json("agency_fees", &agency, PD_OPT),
        pd_spec_str("remarks", &remarks, PD_OPT, 0, 500),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    /* Dimensions come all three or not at all. */
    if ((len || wid || hei) && !(len && wid && hei)) {
        const char *missing = !len   ? "goods.length_mm"
                              : !wid ? "goods.width_mm"
                                     : "goods.height_mm";
        return pd_reply_err(rq, PD_E_JSON_MISSING, missing,
                            "give length, width and height together, or none");
    }
    struct pd_quote_input in = {
        .service = (enum pd_service)service,
        .weight_g = weight,
        .length_mm = len,
        .width_mm = wid,
        .height_mm = hei,
        .declared_value_fen = value,
        .cod_fen = cod,
        .special_packaging = packaging,
        .at_ms = pd_now_ms(),
    };
    if (agency) {
        if (!json_is_array(agency))
            return pd_reply_err(rq, PD_E_JSON_TYPE, "agency_fees", "expected an array of codes");
        if (json_array_size(agency) > PD_QUOTE_MAX_AGENCY)
            return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "agency_fees", NULL);
        size_t i;
        const json_t *v;
        json_array_foreach(agency, i, v)
        {
            if (!json_is_string(v)) {
                char field[40];
                snprintf(field, sizeof field, "agency_fees[%u]", (unsigned)i);
                return pd_reply_err(rq, PD_E_JSON_TYPE, field, "expected a string");
            }
            in.agency[in.n_agency++] = json_string_value(v);
        }
    }
    struct pd_division_ref from, to;
    if (!resolve(rq, "sender", &s, &from) || !resolve(rq, "recipient", &r, &to))
        return PD_HANDLED;
    in.origin_division = (int32_t)from.district_code;
    in.dest_division = (int32_t)to.district_code;

    /* The card of that code in effect now (app->ratecards is sorted by code). */
    struct pd_app *app = rq->app;
    const struct pd_ratecard *card = NULL;
    int first = 0;
    while (first < app->n_ratecards && strcmp(app->ratecards[first].code, ratecard) != 0)
        first++;
    int count = 0;
    while (first + count < app->n_ratecards &&
           !strcmp(app->ratecards[first + count].code, ratecard))
        count++;
    if (count > 0)
        card = pd_ratecard_pick(app->ratecards + first, count, in.at_ms);
    if (!card)
        return pd_reply_err(rq, PD_E_RATECARD_NONE, "ratecard", NULL);

    /* A customer's contract and special rate price the quote as they would
     * price the order (the live quote of the order form). */
    struct terms_tx tt = {.customer_code = customer_code, .special_rate_no = special_rate_no};
    if (customer_code || special_rate_no) {
        pd_qs qs = pd_tx_run(app->store, "quote terms", true, terms_tx, &tt);
        if (qs == PD_QS_ABORT)
            return pd_reply_err(rq, tt.err.code, tt.err.field[0] ? tt.err.field : NULL,
                                tt.err.detail[0] ? tt.err.detail : NULL);
        if (qs < 0)
            return pd__reply_db_error(rq);
        in.contract = tt.terms.has_contract ? &tt.terms.contract : NULL;
        in.special = tt.terms.has_special ? &tt.terms.special : NULL;
    }
    struct pd_quote q;
    pd_err e = pd_tariff_quote(card, &in, &q);
    if (e != PD_OK)
        return pd_reply_err(rq, e, q.error_field, NULL);

    json_t *components = json_array();
    for (int i = 0; i < q.n_components; i++)
        json_array_append_new(components,
                              json_pack("{s:s, s:I}", "code", q.components[i].code, "amount_fen",
                                        (json_int_t)q.components[i].amount_fen));
    json_t *body = json_pack(
        "{s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:{s:s, s:i}, s:s, s:o, s:o}", "total_fen",
        (json_int_t)q.total_fen, "chargeable_weight_g", (json_int_t)q.chargeable_weight_g,
        "actual_weight_g", (json_int_t)q.actual_weight_g, "volumetric_weight_g",
        (json_int_t)q.volumetric_weight_g, "service", services[service], "zone",
        pd_zone_code(q.zone), "components", components, "ratecard", "code", q.ratecard_code,
        "version", (int)q.ratecard_version, "pricing", pd_pricing_code(q.pricing), "origin",
        division_json(&from), "destination", division_json(&to));
    json_object_set_new(body, "pricing_ref",
                        q.pricing_ref ? json_string(q.pricing_ref) : json_null());
    return pd_reply_json_steal(rq, 200, body);
}
