/*
 * Order intake and review: decoding an order document into a normalised one,
 * the hard refusals (nothing is written), the review doubts (the order waits
 * in review with its reasons), pricing with the customer's contract, the
 * promised times, idempotency keys and the insert with its audit entry. See
 * order_intake.h for the contract and docs/orders.md for the rules.
 */
#include "http/api/order_intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/address.h"
#include "core/order_lifecycle.h"
#include "core/phone.h"
#include "core/privacy.h"
#include "core/promise.h"
#include "core/screening.h"
#include "core/tariff.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tracking_build.h"
#include "http/app.h"
#include "http/goods_list.h"
#include "http/json_spec.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define DEFAULT_CARD        "standard"
#define DUPLICATE_WINDOW_MS (24LL * 3600 * 1000)
/* Beyond these an order is doubtful, not impossible: it goes to review. */
#define MAX_PARCEL_G_EXPRESS 50000    /* heavier parcels belong to freight (快运): review */
#define MAX_PARCEL_G_HARD    100000   /* no parcel service carries more: refused */
#define MAX_FREIGHT_G        30000000 /* one truck (30 t): larger consignments are split */
#define DENSITY_MAX_MG_CM3   25000    /* 25 g/cm³: denser than any metal shipped */
#define DENSITY_MIN_MG_CM3   5        /* 5 mg/cm³: lighter than packing foam */
#define ADDRESS_MIN_CHARS    4

static const char *const services[] = {"standard", "express", "cold_chain", "freight", NULL};
static const char *const channels[] = {"phone",     "fax", "email",   "web", "app",
                                       "ecommerce", "im",  "counter", "api", NULL};
static const char *const payments[] = {"sender", "receiver", "monthly", "third_party", NULL};
enum { CHANNEL_WEB = 3, PAYMENT_MONTHLY = 2 }; /* indexes into the lists above */

struct party {
    const char *name, *phone, *company, *province, *city, *district, *district_code, *address;
    char phone_c[PD_PHONE_MAX];
    struct pd_division_ref div;
};

/* An order as decoded: strings live in the arena of the call. */
struct order {
    int channel, service, payment;
    const char *customer_code, *customer_ref, *remarks, *ratecard;
    const char *special_rate_no; /* an approved special rate (特殊费率) of the customer */
    struct party s, r;
    const char *goods_name, *goods_category;
    int64_t qty, weight, len, wid, hei, value, cod, parcels, expected_total;
    bool expected_present, packaging, submit;
    bool return_receipt; /* 签收回单: the signed receipt goes back to the sender (receipts.c) */
    int64_t window_from, window_to;
    const json_t *agency;
    const char *agency_codes[PD_QUOTE_MAX_AGENCY];
    int n_agency;
    struct pd_goods_match hits[4];
    size_t n_hits;
};

static void set_err(struct pd_order_error *err, pd_err code, const char *field, const char *detail)
{
    err->code = code;
    /* Field paths and details longer than the buffers are cut, not refused. */
    snprintf(err->field, sizeof err->field, "%.*s", (int)sizeof err->field - 1, field ? field : "");
    snprintf(err->detail, sizeof err->detail, "%.*s", (int)sizeof err->detail - 1,
             detail ? detail : "");
}

#define PARTY_SPECS(p, v)                                                                          \
    pd_spec_str(p ".name", &(v).name, PD_REQ, 1, 64),                                              \
        pd_spec_str(p ".phone", &(v).phone, PD_REQ, 1, 32),                                        \
        pd_spec_str(p ".company", &(v).company, PD_OPT, 0, 100),                                   \
        pd_spec_str(p ".province", &(v).province, PD_OPT, 0, 32),                                  \
        pd_spec_str(p ".city", &(v).city, PD_OPT, 0, 32),                                          \
        pd_spec_str(p ".district", &(v).district, PD_OPT, 0, 32),                                  \
        pd_spec_str(p ".district_code", &(v).district_code, PD_OPT, 0, 6),                         \
        pd_spec_str(p ".address", &(v).address, PD_REQ, 1, 200)

/* Phone and division of one party; refusals name "<prefix>.<part>". */
static bool party_check(const char *prefix, struct party *p, struct pd_order_error *err)
{
    char field[48];
    if (pd_phone_normalise(p->phone, p->phone_c, sizeof p->phone_c, NULL) != PD_OK) {
        snprintf(field, sizeof field, "%s.phone", prefix);
        set_err(err, PD_E_PHONE_INVALID, field, NULL);
        return false;
    }
    const char *bad = NULL;
    pd_err e =
        pd_address_resolve(p->province, p->city, p->district, p->district_code, &p->div, &bad);
    if (e != PD_OK) {
        snprintf(field, sizeof field, "%s.%s", prefix, bad ? bad : "province");
        set_err(err, e, field, NULL);
        return false;
    }
    return true;
}

/* Everything that needs no database: decode, formats, addresses, goods. */
static bool decode(struct pd_app *app, const json_t *body, bool public_form, pd_arena *arena,
                   struct order *o, struct pd_order_error *err)
{
    memset(o, 0, sizeof *o);
    o->qty = 1;
    o->parcels = 1;
    o->submit = true;
    o->ratecard = DEFAULT_CARD;
    bool expected_present = false, wfrom = false, wto = false;
    struct pd_spec spec[] = {
        pd_spec_enum("channel", &o->channel, public_form ? PD_OPT : PD_REQ, channels),
        pd_spec_enum("service", &o->service, PD_REQ, services),
        pd_spec_enum("payment", &o->payment, public_form ? PD_OPT : PD_REQ, payments),
        pd_spec_str("customer_code", &o->customer_code, PD_OPT, 1, 32),
        pd_spec_str("special_rate_no", &o->special_rate_no, PD_OPT, 1, 32),
        pd_spec_str("customer_ref", &o->customer_ref, PD_OPT, 0, 64),
        PARTY_SPECS("sender", o->s),
        PARTY_SPECS("recipient", o->r),
        pd_spec_str("goods.name", &o->goods_name, PD_REQ, 1, 100),
        pd_spec_str("goods.category", &o->goods_category, PD_OPT, 0, 32),
        pd_spec_int("goods.quantity", &o->qty, PD_OPT, 1, 100000),
        pd_spec_int("goods.weight_g", &o->weight, PD_REQ, 1, 1000000000),
        pd_spec_int("goods.length_mm", &o->len, PD_OPT, 1, 20000),
        pd_spec_int("goods.width_mm", &o->wid, PD_OPT, 1, 20000),
        pd_spec_int("goods.height_mm", &o->hei, PD_OPT, 1, 20000),
        pd_spec_int("declared_value_fen", &o->value, PD_OPT, 0, INT64_C(100000000000)),
        pd_spec_int("cod_fen", &o->cod, PD_OPT, 0, INT64_C(100000000000)),
        pd_spec_int("parcels", &o->parcels, PD_OPT, 1, 999),
        pd_spec_bool("special_packaging", &o->packaging, PD_OPT),
        pd_spec_json("agency_fees", &o->agency, PD_OPT),
        pd_spec_time("pickup_window.from", &o->window_from, PD_OPT),
        pd_spec_time("pickup_window.to", &o->window_to, PD_OPT),
        pd_spec_str("remarks", &o->remarks, PD_OPT, 0, 500),
        pd_spec_int("expected_total_fen", &o->expected_total, PD_OPT, 0, INT64_C(100000000000)),
        pd_spec_bool("submit", &o->submit, PD_OPT),
        pd_spec_bool("return_receipt", &o->return_receipt, PD_OPT),
        pd_spec_end(),
    };
    for (struct pd_spec *sp = spec; sp->path; sp++) {
        if (!strcmp(sp->path, "expected_total_fen"))
            sp->present = &expected_present;
        else if (!strcmp(sp->path, "pickup_window.from"))
            sp->present = &wfrom;
        else if (!strcmp(sp->path, "pickup_window.to"))
            sp->present = &wto;
    }
    struct pd_json_error je;
    if (!pd_json_decode(body, spec, arena, NULL, &je)) {
        set_err(err, je.code, je.field, je.detail);
        return false;
    }
    o->expected_present = expected_present;
    if (public_form) {
        o->channel = CHANNEL_WEB;
        o->submit = true;
        if (o->customer_code || o->payment == PAYMENT_MONTHLY) {
            set_err(err, PD_E_PAYMENT_NO_ACCOUNT, o->customer_code ? "customer_code" : "payment",
                    "the public form takes no customer accounts");
            return false;
        }
    }
    if ((o->len || o->wid || o->hei) && !(o->len && o->wid && o->hei)) {
        set_err(err, PD_E_JSON_MISSING,
                !o->len   ? "goods.length_mm"
                : !o->wid ? "goods.width_mm"
                          : "goods.height_mm",
                "give length, width and height together, or none");
        return false;
    }
    /* Weight per parcel decides what a parcel service can carry at all. */
    int64_t per_parcel = (o->weight + o->parcels - 1) / o->parcels;
    if (o->service != PD_SVC_FREIGHT && per_parcel > MAX_PARCEL_G_HARD) {
        set_err(err, PD_E_QUOTE_LIMIT, "goods.weight_g",
                "over 100 kg per parcel: choose freight (快运) or more parcels");
        return false;
    }
    if (o->service == PD_SVC_FREIGHT && o->weight > MAX_FREIGHT_G) {
        set_err(err, PD_E_QUOTE_LIMIT, "goods.weight_g",
                "over 30 t: split the consignment into several waybills");
        return false;
    }
    if (wfrom || wto) {
        if (!wfrom || !wto) {
            set_err(err, PD_E_JSON_MISSING, wfrom ? "pickup_window.to" : "pickup_window.from",
                    "give both ends of the window");
            return false;
        }
        if (o->window_to <= o->window_from) {
            set_err(err, PD_E_PICKUP_WINDOW, "pickup_window.to", NULL);
            return false;
        }
    }
    if (o->agency) {
        size_t i;
        const json_t *v;
        if (!json_is_array(o->agency)) {
            set_err(err, PD_E_JSON_TYPE, "agency_fees", "expected an array of codes");
            return false;
        }
        if (json_array_size(o->agency) > PD_QUOTE_MAX_AGENCY) {
            set_err(err, PD_E_JSON_TOO_LONG, "agency_fees", NULL);
            return false;
        }
        json_array_foreach(o->agency, i, v)
        {
            if (!json_is_string(v)) {
                char field[40];
                snprintf(field, sizeof field, "agency_fees[%u]", (unsigned)i);
                set_err(err, PD_E_JSON_TYPE, field, "expected a string");
                return false;
            }
            o->agency_codes[o->n_agency++] = json_string_value(v);
        }
    }
    if (!party_check("sender", &o->s, err) || !party_check("recipient", &o->r, err))
        return false;
    /* Prohibited goods are refused outright; restricted ones are kept as hits
     * and become a review reason. */
    o->n_hits = pd_goods_list_check(app->goods, o->goods_name, o->hits, 4, arena);
    if (o->n_hits > 4)
        o->n_hits = 4;
    for (size_t i = 0; i < o->n_hits; i++)
        if (o->hits[i].level == PD_GOODS_PROHIBITED) {
            char d[160];
            snprintf(d, sizeof d, "%s (%s)", o->hits[i].term, o->hits[i].category);
            set_err(err, PD_E_GOODS_PROHIBITED, "goods.name", d);
            return false;
        }
    return true;
}

bool pd_order_check(struct pd_app *app, const json_t *body, bool public_form,
                    struct pd_order_error *err)
{
    pd_arena a;
    pd_arena_init(&a, 1 << 20);
    struct order o;
    bool ok = decode(app, body, public_form, &a, &o, err);
    pd_arena_free(&a);
    return ok;
}

/* ---- the normalised document ---------------------------------------------- */

static json_t *party_doc(const struct party *p)
{
    char code[8];
    snprintf(code, sizeof code, "%06u", p->div.district_code);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", p->name, "phone",
                     p->phone_c, "company", p->company ? p->company : "", "province",
                     p->div.province_name, "city", p->div.city_display, "district",
                     p->div.district_name ? p->div.district_name : "", "district_code", code,
                     "address", p->address);
}

static json_t *order_doc(const struct order *o)
{
    json_t *d = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:{s:s, s:s, s:I, s:I}, s:I, s:I, s:I, s:b, s:s}",
        "channel", channels[o->channel], "service", services[o->service], "payment",
        payments[o->payment], "customer_code", o->customer_code, "customer_ref",
        o->customer_ref ? o->customer_ref : "", "sender", party_doc(&o->s), "recipient",
        party_doc(&o->r), "goods", "name", o->goods_name, "category",
        o->goods_category ? o->goods_category : "", "quantity", (json_int_t)o->qty, "weight_g",
        (json_int_t)o->weight, "declared_value_fen", (json_int_t)o->value, "cod_fen",
        (json_int_t)o->cod, "parcels", (json_int_t)o->parcels, "special_packaging", o->packaging,
        "remarks", o->remarks ? o->remarks : "");
    json_t *g = json_object_get(d, "goods");
    if (o->len) {
        json_object_set_new(g, "length_mm", json_integer(o->len));
        json_object_set_new(g, "width_mm", json_integer(o->wid));
        json_object_set_new(g, "height_mm", json_integer(o->hei));
    }
    json_t *ag = json_array();
    for (int i = 0; i < o->n_agency; i++)
        json_array_append_new(ag, json_string(o->agency_codes[i]));
    json_object_set_new(d, "agency_fees", ag);
    if (o->window_from) {
        char a[PD_RFC3339_MAX], b[PD_RFC3339_MAX];
        json_object_set_new(d, "pickup_window",
                            json_pack("{s:s, s:s}", "from",
                                      pd_time_format(o->window_from, PD_CST_OFFSET_MIN, a), "to",
                                      pd_time_format(o->window_to, PD_CST_OFFSET_MIN, b)));
    }
    if (o->expected_present)
        json_object_set_new(d, "expected_total_fen", json_integer(o->expected_total));
    if (o->special_rate_no) /* kept, so that edits and re-weighing price with it again */
        json_object_set_new(d, "special_rate_no", json_string(o->special_rate_no));
    json_object_set_new(d, "return_receipt", json_boolean(o->return_receipt));
    return d;
}

/* ---- pricing and review ---------------------------------------------------- */

static const struct pd_ratecard *card_now(struct pd_app *app, const char *code, int64_t at)
{
    int first = 0, count = 0;
    while (first < app->n_ratecards && strcmp(app->ratecards[first].code, code) != 0)
        first++;
    while (first + count < app->n_ratecards && !strcmp(app->ratecards[first + count].code, code))
        count++;
    return count ? pd_ratecard_pick(app->ratecards + first, count, at) : NULL;
}

struct customer_ctx {
    bool found, active, monthly;
    int64_t id;
    struct pd_contract_rate contract;
    bool has_contract, contract_bad;
    struct pd_special_rate special; /* the order's special_rate_no, checked */
    bool has_special;
};

static int customer_cb(void *cls, const struct pd_customer *c)
{
    struct customer_ctx *x = cls;
    x->found = true;
    x->id = c->id;
    x->active = c->active;
    x->monthly = c->monthly;
    if (c->contract && c->contract[0]) {
        json_t *j = json_loads(c->contract, 0, NULL);
        x->has_contract = j && pd_contract_from_json(j, &x->contract, NULL) == PD_OK;
        x->contract_bad = !x->has_contract;
        json_decref(j);
    }
    return 0;
}

/* The special rate the order names: the customer's own, approved and in
 * effect now; refusals name special_rate_no. The fee engine would refuse one
 * not approved or not in effect too, but only the store knows whose it is. */
static pd_qs special_rate_check(pd_db *db, const struct order *o, struct customer_ctx *cu,
                                int64_t at_ms, bool agreed, struct pd_order_error *err)
{
    if (!o->customer_code) {
        set_err(err, PD_E_SPECIAL_RATE_CUSTOMER, "special_rate_no",
                "a special rate needs the customer's account (customer_code)");
        return PD_QS_ABORT;
    }
    struct pd_special_rate_rec r;
    pd_qs qs = db->ops->special_rate_get(db, o->special_rate_no, &r);
    if (qs <= 0) {
        if (qs == 0)
            set_err(err, PD_E_SPECIAL_RATE_UNKNOWN, "special_rate_no", NULL);
        return qs < 0 ? qs : PD_QS_ABORT;
    }
    if (r.customer_id != cu->id) {
        set_err(err, PD_E_SPECIAL_RATE_CUSTOMER, "special_rate_no", NULL);
        return PD_QS_ABORT;
    }
    int64_t now = at_ms;
    char detail[64] = "", t[PD_RFC3339_MAX];
    /* An order accepted on a rate keeps it if the rate is revoked later. */
    bool binding = r.state == PD_SR_APPROVED || (agreed && r.state == PD_SR_REVOKED);
    if (!binding)
        snprintf(detail, sizeof detail, "%s",
                 r.state == PD_SR_PENDING    ? "pending"
                 : r.state == PD_SR_REJECTED ? "rejected"
                                             : "revoked");
    else if (now < r.valid_from_ms)
        snprintf(detail, sizeof detail, "valid from %s",
                 pd_time_format(r.valid_from_ms, PD_CST_OFFSET_MIN, t));
    else if (r.valid_to_ms && now >= r.valid_to_ms)
        snprintf(detail, sizeof detail, "expired %s",
                 pd_time_format(r.valid_to_ms, PD_CST_OFFSET_MIN, t));
    if (detail[0]) {
        set_err(err, PD_E_SPECIAL_RATE_INVALID, "special_rate_no", detail);
        return PD_QS_ABORT;
    }
    if (!pd__special_rate_from_rec(&r, &cu->special)) {
        pd_error("special rate %s: stored service or zone is unknown", r.approval_no);
        return PD_QS_HARD;
    }
    cu->special.approved = binding; /* a revoked rate still binds an accepted order */
    cu->has_special = true;
    return PD_QS_ONE;
}

/* The customer account named by the order, checked against its payment,
 * at @p at_ms. @p agreed: re-pricing an order already accepted (the pickup
 * inspection's re-weighing), which keeps the terms it was accepted on even
 * if the account has been closed since. */
static pd_qs customer_check_at(pd_db *db, const struct order *o, struct customer_ctx *cu,
                               struct pd_order_error *err, int64_t at_ms, bool agreed)
{
    memset(cu, 0, sizeof *cu);
    if (o->customer_code) {
        pd_qs qs = db->ops->customer_get_by_code(db, o->customer_code, customer_cb, cu);
        if (qs < 0)
            return qs;
        if (!cu->found) {
            set_err(err, PD_E_CUSTOMER_UNKNOWN, "customer_code", NULL);
            return PD_QS_ABORT;
        }
        if (!cu->active && !agreed) {
            set_err(err, PD_E_CUSTOMER_INACTIVE, "customer_code", NULL);
            return PD_QS_ABORT;
        }
        if (cu->contract_bad)
            pd_warn("customer %s: stored contract does not parse; priced on the card",
                    o->customer_code);
    }
    if (o->payment == PAYMENT_MONTHLY && !(cu->found && cu->monthly)) {
        set_err(err, PD_E_PAYMENT_NO_ACCOUNT, "payment", NULL);
        return PD_QS_ABORT;
    }
    if (o->special_rate_no)
        return special_rate_check(db, o, cu, at_ms, agreed, err);
    return PD_QS_ONE;
}

static pd_qs customer_check(pd_db *db, const struct order *o, struct customer_ctx *cu,
                            struct pd_order_error *err)
{
    return customer_check_at(db, o, cu, err, pd_now_ms(), false);
}

pd_qs pd_order_terms(pd_db *db, const char *customer_code, const char *special_rate_no,
                     struct pd_order_terms *out, struct pd_order_error *err)
{
    memset(out, 0, sizeof *out);
    struct order o = {.customer_code = customer_code, .special_rate_no = special_rate_no};
    struct customer_ctx cu;
    pd_qs qs = customer_check(db, &o, &cu, err);
    if (qs <= 0)
        return qs;
    out->contract = cu.contract;
    out->has_contract = cu.has_contract;
    out->special = cu.special;
    out->has_special = cu.has_special;
    return PD_QS_ONE;
}

static bool price(struct pd_app *app, const struct order *o, const struct customer_ctx *cu,
                  int64_t at, struct pd_quote *q, struct pd_order_error *err)
{
    const struct pd_ratecard *card = card_now(app, o->ratecard, at);
    if (!card) {
        set_err(err, PD_E_RATECARD_NONE, "service", NULL);
        return false;
    }
    struct pd_quote_input in = {
        .service = (enum pd_service)o->service,
        .origin_division = (int32_t)o->s.div.district_code,
        .dest_division = (int32_t)o->r.div.district_code,
        .weight_g = o->weight,
        .length_mm = o->len,
        .width_mm = o->wid,
        .height_mm = o->hei,
        .declared_value_fen = o->value,
        .cod_fen = o->cod,
        .special_packaging = o->packaging,
        .n_agency = o->n_agency,
        .at_ms = at,
        .contract = cu && cu->has_contract ? &cu->contract : NULL,
        .special = cu && cu->has_special ? &cu->special : NULL,
    };
    memcpy(in.agency, o->agency_codes, sizeof in.agency);
    pd_err e = pd_tariff_quote(card, &in, q);
    if (e != PD_OK) {
        /* Unreachable destinations name the service the customer chose. */
        /* The engine's "special_rate…" fields are the order's special_rate_no (the rate can
         * end between customer_check and here). */
        bool special = q->error_field && !strncmp(q->error_field, "special_rate", 12);
        set_err(err, e,
                e == PD_E_QUOTE_UNAVAILABLE ? "service"
                : special                   ? "special_rate_no"
                                            : q->error_field,
                NULL);
        return false;
    }
    return true;
}

static json_t *quote_json(const struct pd_quote *q)
{
    json_t *comp = json_array();
    for (int i = 0; i < q->n_components; i++)
        json_array_append_new(comp,
                              json_pack("{s:s, s:I}", "code", q->components[i].code, "amount_fen",
                                        (json_int_t)q->components[i].amount_fen));
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:s, s:o, s:{s:s, s:i}, s:s, s:s?}", "total_fen",
        (json_int_t)q->total_fen, "chargeable_weight_g", (json_int_t)q->chargeable_weight_g,
        "actual_weight_g", (json_int_t)q->actual_weight_g, "volumetric_weight_g",
        (json_int_t)q->volumetric_weight_g, "zone", pd_zone_code(q->zone), "components", comp,
        "ratecard", "code", q->ratecard_code, "version", (int)q->ratecard_version, "pricing",
        pd_pricing_code(q->pricing), "pricing_ref", q->pricing_ref);
}

static void reason(json_t *arr, const char *code, const char *field, const char *zh, const char *en)
{
    json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:s}", "code", code, "field", field,
                                         "message", zh, "message_en", en));
}

/* The doubts that need no database: restricted goods, weight, addresses, price. */
static json_t *review_reasons(const struct order *o, const struct pd_quote *q)
{
    json_t *r = json_array();
    char zh[256], en[256];
    for (size_t i = 0; i < o->n_hits; i++) {
        const struct pd_goods_match *m = &o->hits[i];
        snprintf(zh, sizeof zh, "限寄物品「%s」（%s）%s%s", m->term, m->category,
                 m->condition[0] ? "：" : "", m->condition);
        snprintf(en, sizeof en, "restricted goods '%s' (%s)%s%s", m->term, m->category,
                 m->condition[0] ? ": " : "", m->condition);
        reason(r, "goods.restricted", "goods.name", zh, en);
    }
    if (o->service != PD_SVC_FREIGHT &&
        (o->weight + o->parcels - 1) / o->parcels > MAX_PARCEL_G_EXPRESS)
        reason(r, "goods.weight_doubtful", "goods.weight_g", "单件重量超过 50 kg，宜改用快运",
               "over 50 kg per parcel: freight (快运) is the service for this");
    if (o->len) {
        /* weight (mg) per cm³; the volume in mm³ / 1000 is cm³. */
        int64_t vol_cm3 = o->len * o->wid * o->hei / 1000;
        if (vol_cm3 < 1)
            vol_cm3 = 1;
        int64_t density = o->weight * 1000 / vol_cm3;
        if (density > DENSITY_MAX_MG_CM3)
            reason(r, "goods.weight_doubtful", "goods.weight_g", "重量与体积不符（过重）",
                   "weight does not fit the size (too heavy)");
        else if (density < DENSITY_MIN_MG_CM3)
            reason(r, "goods.weight_doubtful", "goods.length_mm", "重量与体积不符（过轻）",
                   "weight does not fit the size (too light)");
    }
    const struct party *ps[2] = {&o->s, &o->r};
    for (int i = 0; i < 2; i++)
        if (pd_utf8_chars(ps[i]->address, strlen(ps[i]->address)) < ADDRESS_MIN_CHARS)
            reason(r, "address.doubtful", i ? "recipient.address" : "sender.address",
                   "详细地址过短，无法上门", "the detailed address is too short to find the door");
    if (o->expected_present && o->expected_total != q->total_fen) {
        snprintf(zh, sizeof zh, "客户所知价格 %lld 分与计费 %lld 分不符",
                 (long long)o->expected_total, (long long)q->total_fen);
        snprintf(en, sizeof en, "the customer was told %lld fen, the tariff says %lld fen",
                 (long long)o->expected_total, (long long)q->total_fen);
        reason(r, "price.mismatch", "expected_total_fen", zh, en);
    }
    return r;
}

/* Duplicate key: same sender phone, recipient phone, destination, address,
 * goods name and weight. Changing any of them makes a different order. */
static void fingerprint(const struct order *o, char out[PD_SHA256_HEX])
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s\x1f%s\x1f%06u\x1f%s\x1f%s\x1f%lld", o->s.phone_c,
                     o->r.phone_c, o->r.div.district_code, o->r.address, o->goods_name,
                     (long long)o->weight);
    pd_sha256_hex(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1, out);
}

/* Everything of the row that follows from the decoded order and its quote. */
static void fill_row(struct pd_waybill *w, const struct order *o, const struct pd_quote *q,
                     int64_t now)
{
    snprintf(w->channel, sizeof w->channel, "%s", channels[o->channel]);
    snprintf(w->service, sizeof w->service, "%s", services[o->service]);
    snprintf(w->payment, sizeof w->payment, "%s", payments[o->payment]);
    snprintf(w->customer_ref, sizeof w->customer_ref, "%s", o->customer_ref ? o->customer_ref : "");
    snprintf(w->sender_phone, sizeof w->sender_phone, "%s", o->s.phone_c);
    snprintf(w->recipient_phone, sizeof w->recipient_phone, "%s", o->r.phone_c);
    w->origin_division = (int32_t)o->s.div.district_code;
    w->dest_division = (int32_t)o->r.div.district_code;
    w->weight_g = o->weight;
    w->chargeable_weight_g = q->chargeable_weight_g;
    w->total_fen = q->total_fen;
    w->cod_fen = o->cod;
    w->declared_value_fen = o->value;
    w->pickup_from_ms = o->window_from;
    w->pickup_to_ms = o->window_to;
    struct pd_promise pr;
    pd_promise_compute((enum pd_service)o->service, q->zone, now, o->window_from, &pr);
    w->promised_pickup_ms = pr.planned_pickup_ms;
    w->promised_delivery_ms = pr.promised_delivery_ms;
    fingerprint(o, w->fingerprint);
}

/* ---- create ---------------------------------------------------------------- */

struct create_ctx {
    struct pd_app *app;
    const json_t *body;
    const struct pd_order_actor *who;
    const struct pd_order_opts *opts;
    struct pd_order_result *res;
    struct order o;
    pd_arena arena;
    bool decoded;
};

struct idem_hit {
    bool found;
    int64_t id;
    char no[PD_WB_NO_SIZE];
    char hash[65];
};

static int idem_cb(void *cls, const struct pd_waybill *w)
{
    struct idem_hit *h = cls;
    h->found = true;
    h->id = w->id;
    memcpy(h->no, w->waybill_no, sizeof h->no);
    memcpy(h->hash, w->idem_hash, sizeof h->hash);
    return 0;
}

/* The answer to the caller, built in the creating transaction so that an
 * order costs one commit: the stored row as GET shows it (a replay: the
 * kept first answer, or the row when none was kept). */
struct answer_ctx {
    pd_db *db;
    bool personal;
    json_t *out;
};

static int answer_row_cb(void *cls, const struct pd_waybill *w)
{
    struct answer_ctx *a = cls;
    a->out = pd_waybill_json(a->db, w, a->personal);
    return a->out ? 0 : PD_QS_HARD;
}

static int kept_answer_cb(void *cls, const char *text)
{
    struct answer_ctx *a = cls;
    a->out = json_loads(text, 0, NULL);
    return a->out ? 0 : PD_QS_HARD;
}

static pd_qs build_answer(pd_db *db, const struct pd_order_opts *opts, struct pd_order_result *res,
                          int64_t kept_of)
{
    if (!opts->want_answer)
        return PD_QS_ONE;
    json_decref(res->answer);
    res->answer = NULL;
    struct answer_ctx a = {.db = db, .personal = opts->personal_answer};
    pd_qs qs;
    if (kept_of && (qs = db->ops->idem_answer_get(db, kept_of, kept_answer_cb, &a)) < 0)
        return qs;
    if (!a.out && (qs = db->ops->waybill_get(db, res->waybill_no, false, answer_row_cb, &a)) < 0)
        return qs;
    if (!a.out)
        return PD_QS_HARD;
    res->answer = a.out;
    return PD_QS_ONE;
}

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_ctx *x = cls;
    struct pd_order_result *res = x->res;
    const struct pd_order_opts *opts = x->opts;
    bool idem = opts->idem_key && opts->idem_key[0] && x->who->idem_actor;
    if (idem) {
        struct idem_hit h = {0};
        pd_qs qs =
            db->ops->waybill_get_by_idem(db, x->who->idem_actor, opts->idem_key, idem_cb, &h);
        if (qs < 0)
            return qs;
        if (h.found) {
            if (strcmp(h.hash, opts->idem_hash) != 0) {
                set_err(&res->err, PD_E_IDEM_MISMATCH, NULL, NULL);
                return PD_QS_ABORT;
            }
            res->replayed = true;
            memcpy(res->waybill_no, h.no, sizeof res->waybill_no);
            return build_answer(db, opts, res, h.id);
        }
    }
    /* Decoding once is enough: a retried transaction sees the same body. */
    if (!x->decoded) {
        if (!decode(x->app, x->body, opts->public_form, &x->arena, &x->o, &res->err))
            return PD_QS_ABORT;
        x->decoded = true;
    }
    struct order *o = &x->o;
    struct customer_ctx cu;
    pd_qs qs = customer_check(db, o, &cu, &res->err);
    if (qs < 0)
        return qs;
    int64_t now = pd_now_ms();
    struct pd_quote q;
    if (!price(x->app, o, &cu, now, &q, &res->err))
        return PD_QS_ABORT;

    struct pd_waybill w = {0};
    fill_row(&w, o, &q, now);
    w.node_id = x->who->node_id;
    if (opts->node_by_area) {
        struct pd_node area;
        if ((qs = db->ops->node_for_division(db, w.origin_division, &area)) < 0)
            return qs;
        if (qs > 0)
            w.node_id = area.id;
    }
    w.customer_id = cu.id;
    w.parcels = (int)o->parcels;
    w.created_by = x->who->user_id;
    /* The actor is kept even without a key: it tells which API key created
     * the order, and a customer system sees only its own (waybills.c). */
    if (x->who->idem_actor)
        snprintf(w.idem_actor, sizeof w.idem_actor, "%s", x->who->idem_actor);
    if (idem) {
        snprintf(w.idem_key, sizeof w.idem_key, "%s", opts->idem_key);
        snprintf(w.idem_hash, sizeof w.idem_hash, "%s", opts->idem_hash);
    }
    json_t *reasons = review_reasons(o, &q);
    char dup_no[PD_WB_NO_SIZE] = "";
    qs = db->ops->waybill_find_duplicate(db, w.fingerprint, now - DUPLICATE_WINDOW_MS, dup_no);
    if (qs < 0) {
        json_decref(reasons);
        return qs;
    }
    if (qs > 0) {
        char zh[96], en[96];
        snprintf(zh, sizeof zh, "疑似重复订单：%s", dup_no);
        snprintf(en, sizeof en, "looks like a duplicate of %s", dup_no);
        json_t *rs = json_pack("{s:s, s:n, s:s, s:s, s:s}", "code", "order.duplicate", "field",
                               "message", zh, "message_en", en, "duplicate_of", dup_no);
        json_array_append_new(reasons, rs);
    }
    enum pd_order_state st = PD_ORDER_DRAFT;
    if (o->submit)
        pd_order_transition(PD_ORDER_DRAFT,
                            json_array_size(reasons) ? PD_ORDER_EV_FLAG : PD_ORDER_EV_SUBMIT, &st);
    w.state = (int)st;
    json_t *doc = order_doc(o), *quote = quote_json(&q);
    char *doc_s = json_dumps(doc, JSON_COMPACT), *quote_s = json_dumps(quote, JSON_COMPACT);
    char *review_s = json_dumps(reasons, JSON_COMPACT);
    json_decref(doc);
    json_decref(quote);
    w.doc = doc_s;
    w.quote = quote_s;
    w.review = review_s;
    qs = db->ops->waybill_insert(db, &w);
    if (qs > 0) {
        memcpy(res->waybill_no, w.waybill_no, sizeof res->waybill_no);
        char *detail = NULL;
        json_t *dj = json_pack("{s:s, s:s, s:I, s:o}", "state", pd_order_state_name(st), "channel",
                               w.channel, "total_fen", (json_int_t)w.total_fen, "review",
                               json_incref(reasons));
        detail = json_dumps(dj, JSON_COMPACT);
        json_decref(dj);
        struct pd_audit a = x->who->audit;
        snprintf(a.action, sizeof a.action, "waybill.create");
        snprintf(a.object_type, sizeof a.object_type, "waybill");
        snprintf(a.object_id, sizeof a.object_id, "%s", w.waybill_no);
        a.node_id = w.node_id;
        a.detail = detail;
        qs = db->ops->audit_insert(db, &a);
        free(detail);
    }
    if (qs > 0 && o->return_receipt) { /* the receipt to bring back (receipts.c) */
        struct pd_receipt rr = {.node_id = w.node_id, .required_ms = w.created_ms};
        memcpy(rr.waybill_no, w.waybill_no, sizeof rr.waybill_no);
        pd_qs rq = db->ops->receipt_insert(db, &rr);
        if (rq < 0)
            qs = rq;
    }
    if (qs > 0) {
        /* Scans may have come before the order: tracking now has both. */
        pd_qs tq = pd_tracking_rebuild(x->app, db, w.waybill_no);
        if (tq < 0)
            qs = tq;
    }
    if (qs > 0)
        qs = build_answer(db, opts, res, 0);
    if (qs > 0 && idem && res->answer) {
        /* The first answer is kept: a retry gets it verbatim. */
        char *text = json_dumps(res->answer, JSON_COMPACT);
        qs = text ? db->ops->idem_answer_put(db, w.id, text) : PD_QS_HARD;
        free(text);
    }
    json_decref(reasons);
    free(doc_s);
    free(quote_s);
    free(review_s);
    return qs;
}

void pd_order_create(struct pd_app *app, const json_t *body, const struct pd_order_actor *who,
                     const struct pd_order_opts *opts, struct pd_order_result *res)
{
    memset(res, 0, sizeof *res);
    struct create_ctx x = {.app = app, .body = body, .who = who, .opts = opts, .res = res};
    pd_arena_init(&x.arena, 1 << 20);
    /* Decoding and the checks that need no database happen before the
     * transaction: on SQLite the write lock is then held only for the
     * statements. */
    pd_qs qs = PD_QS_ABORT;
    x.decoded = decode(app, body, opts->public_form, &x.arena, &x.o, &res->err);
    if (x.decoded)
        qs = pd_tx_run(app->store, "waybill.create", false, create_tx, &x);
    pd_arena_free(&x.arena);
    res->qs = qs;
    res->ok = qs > 0;
    if (!res->ok) {
        json_decref(res->answer);
        res->answer = NULL;
    }
    if (qs < 0 && qs != PD_QS_ABORT)
        set_err(&res->err, PD_E_DB_UNAVAILABLE, NULL, NULL);
}

pd_qs pd_order_create_in(struct pd_app *app, pd_db *db, const json_t *body,
                         const struct pd_order_actor *who, const struct pd_order_opts *opts,
                         struct pd_order_result *res)
{
    memset(res, 0, sizeof *res);
    struct create_ctx x = {.app = app, .body = body, .who = who, .opts = opts, .res = res};
    pd_arena_init(&x.arena, 1 << 20);
    pd_qs qs = create_tx(db, &x);
    pd_arena_free(&x.arena);
    res->qs = qs;
    res->ok = qs > 0;
    return qs;
}

/* ---- reading ----------------------------------------------------------------- */

void pd_waybill_copy_from(struct pd_waybill_copy *dst, const struct pd_waybill *src)
{
    dst->w = *src;
    dst->doc = strdup(src->doc ? src->doc : "{}");
    dst->quote = strdup(src->quote ? src->quote : "{}");
    dst->review = strdup(src->review ? src->review : "[]");
    dst->w.doc = dst->doc;
    dst->w.quote = dst->quote;
    dst->w.review = dst->review;
}

void pd_waybill_copy_free(struct pd_waybill_copy *c)
{
    free(c->doc);
    free(c->quote);
    free(c->review);
    c->doc = c->quote = c->review = NULL;
}

static int parcel_cb(void *cls, const struct pd_parcel *p)
{
    json_array_append_new(cls, json_pack("{s:s, s:i, s:I}", "parcel_no", p->parcel_no, "seq",
                                         p->seq, "weight_g", (json_int_t)p->weight_g));
    return 0;
}

static void mask_party(json_t *p)
{
    char buf[PD_NAME_MAX];
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *phone = json_string_value(json_object_get(p, "phone"));
    if (name)
        json_object_set_new(p, "name", json_string(pd_mask_name(name, buf, sizeof buf)));
    if (phone)
        json_object_set_new(p, "phone", json_string(pd_mask_phone(phone, buf, sizeof buf)));
}

json_t *pd_waybill_json(pd_db *db, const struct pd_waybill *w, bool personal)
{
    json_t *doc = json_loads(w->doc ? w->doc : "{}", 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        doc = json_object();
    }
    json_t *parcels = json_array();
    if (db->ops->parcel_list(db, w->id, parcel_cb, parcels) < 0) {
        json_decref(parcels);
        json_decref(doc);
        return NULL;
    }
    if (!personal) {
        mask_party(json_object_get(doc, "sender"));
        mask_party(json_object_get(doc, "recipient"));
    }
    json_t *quote = json_loads(w->quote ? w->quote : "{}", 0, NULL);
    json_t *review = json_loads(w->review ? w->review : "[]", 0, NULL);
    enum pd_order_state st = (enum pd_order_state)w->state;
    json_object_set_new(doc, "waybill_no", json_string(w->waybill_no));
    json_object_set_new(doc, "state", json_string(pd_order_state_name(st)));
    json_object_set_new(doc, "state_zh", json_string(pd_order_state_zh(st)));
    json_object_set_new(doc, "node", json_string(w->node_code));
    json_object_set_new(doc, "customer_code",
                        w->customer_code[0] ? json_string(w->customer_code) : json_null());
    json_object_set_new(doc, "parcel_count", json_integer(w->parcels));
    json_object_set_new(doc, "parcels", parcels);
    json_object_set_new(doc, "quote", quote ? quote : json_object());
    json_object_set_new(doc, "total_fen", json_integer(w->total_fen));
    json_object_set_new(doc, "chargeable_weight_g", json_integer(w->chargeable_weight_g));
    /* Open doubts under "review"; those a reviewer accepted, for the record. */
    json_t *open, *accepted;
    pd_review_split(review, &open, &accepted);
    json_decref(review);
    json_object_set_new(doc, "review", open);
    json_object_set_new(doc, "review_accepted", accepted);
    enum pd_service svc = PD_SVC_STANDARD;
    pd_service_from_code(w->service, &svc);
    json_t *zone = json_object_get(json_object_get(doc, "quote"), "zone");
    int days = 0;
    for (int z = 0; z < PD_ZONE__COUNT && json_is_string(zone); z++)
        if (!strcmp(json_string_value(zone), pd_zone_code((enum pd_zone)z)))
            days = pd_promise_days(svc, (enum pd_zone)z);
    json_object_set_new(doc, "promise",
                        json_pack("{s:o, s:o, s:i}", "planned_pickup_at",
                                  pd__json_time(w->promised_pickup_ms), "promised_delivery_at",
                                  pd__json_time(w->promised_delivery_ms), "days", days));
    json_t *courier = json_null();
    if (w->courier_id) {
        struct pd_user u;
        if (db->ops->user_get(db, w->courier_id, &u) > 0)
            courier = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u.id, "username", u.username,
                                "display_name", u.display_name);
    }
    json_object_set_new(doc, "courier", courier);
    json_object_set_new(doc, "created_at", pd__json_time(w->created_ms));
    json_object_set_new(doc, "updated_at", pd__json_time(w->updated_ms));
    json_object_set_new(doc, "version", json_integer(w->version));
    if (!json_object_get(doc, "pickup_window"))
        json_object_set_new(doc, "pickup_window", json_null());
    if (!json_object_get(doc, "expected_total_fen"))
        json_object_set_new(doc, "expected_total_fen", json_null());
    return doc;
}

/* ---- edits ------------------------------------------------------------------- */

/* Every path of the normalised document and the edit group it belongs to,
 * in the order a refusal names them. */
static const struct {
    const char *path;
    unsigned group;
} edit_paths[] = {
    {"sender.name", PD_EDIT_CONTACT},
    {"sender.phone", PD_EDIT_CONTACT},
    {"sender.company", PD_EDIT_CONTACT},
    {"recipient.name", PD_EDIT_CONTACT},
    {"recipient.phone", PD_EDIT_CONTACT},
    {"recipient.company", PD_EDIT_CONTACT},
    {"sender.district_code", PD_EDIT_SENDER_ADDRESS},
    {"sender.address", PD_EDIT_SENDER_ADDRESS},
    {"recipient.district_code", PD_EDIT_RECIPIENT_ADDRESS},
    {"recipient.address", PD_EDIT_RECIPIENT_ADDRESS},
    {"goods.name", PD_EDIT_GOODS},
    {"goods.category", PD_EDIT_GOODS},
    {"goods.quantity", PD_EDIT_GOODS},
    {"goods.weight_g", PD_EDIT_GOODS},
    {"goods.length_mm", PD_EDIT_GOODS},
    {"goods.width_mm", PD_EDIT_GOODS},
    {"goods.height_mm", PD_EDIT_GOODS},
    {"special_packaging", PD_EDIT_GOODS},
    {"service", PD_EDIT_VALUE},
    {"payment", PD_EDIT_VALUE},
    {"customer_code", PD_EDIT_VALUE},
    {"special_rate_no", PD_EDIT_VALUE},
    {"declared_value_fen", PD_EDIT_VALUE},
    {"cod_fen", PD_EDIT_VALUE},
    {"agency_fees", PD_EDIT_VALUE},
    {"expected_total_fen", PD_EDIT_VALUE},
    {"pickup_window", PD_EDIT_PICKUP_WINDOW},
    {"remarks", PD_EDIT_REMARKS},
    {"customer_ref", PD_EDIT_REMARKS},
    {"channel", PD_EDIT_REMARKS},
};

static const json_t *at_path(const json_t *doc, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot)
        return json_object_get(doc, path);
    char head[32];
    snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
    return json_object_get(json_object_get(doc, head), dot + 1);
}

/* The groups whose values differ, and the first differing path of each. */
static unsigned changed_groups(const json_t *a, const json_t *b, const char *first[8])
{
    unsigned groups = 0;
    for (size_t i = 0; i < sizeof edit_paths / sizeof edit_paths[0]; i++) {
        const json_t *x = at_path(a, edit_paths[i].path), *y = at_path(b, edit_paths[i].path);
        bool same = (!x && !y) || (x && y && json_equal(x, y));
        if (same)
            continue;
        unsigned g = edit_paths[i].group;
        if (!(groups & g))
            first[__builtin_ctz(g)] = edit_paths[i].path;
        groups |= g;
    }
    return groups;
}

/* Reasons that a recomputation cannot see again: a reviewer's flag, and a
 * duplicate — kept when the order's key is the same as before, and also
 * when it changed unless the editor is a reviewer, so that nudging a value
 * is not a way round the review queue. */
static void carry_reasons(json_t *dst, const json_t *old, bool same_fingerprint, bool reviewer)
{
    size_t i;
    json_t *r;
    json_array_foreach(old, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        if (code && (!strcmp(code, "review.flagged") ||
                     (!strcmp(code, "order.duplicate") && (same_fingerprint || !reviewer))))
            json_array_append(dst, r);
    }
}

/* A recomputed doubt a reviewer already accepted stays accepted: same code,
 * field and message (a different restricted item is a new doubt). */
static void keep_accepted(json_t *fresh, const json_t *old)
{
    size_t i, j;
    json_t *r, *o;
    json_array_foreach(fresh, i, r)
    {
        if (json_object_get(r, "accepted"))
            continue;
        json_array_foreach(old, j, o)
        {
            if (json_is_true(json_object_get(o, "accepted")) &&
                json_equal(json_object_get(o, "code"), json_object_get(r, "code")) &&
                json_equal(json_object_get(o, "field"), json_object_get(r, "field")) &&
                json_equal(json_object_get(o, "message"), json_object_get(r, "message"))) {
                json_object_set(r, "accepted", json_true());
                json_object_set(r, "accepted_by", json_object_get(o, "accepted_by"));
                json_object_set(r, "accepted_at", json_object_get(o, "accepted_at"));
                break;
            }
        }
    }
}

void pd_review_split(const json_t *review, json_t **open, json_t **accepted)
{
    *open = json_array();
    if (accepted)
        *accepted = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(review, i, r)
    {
        if (!json_is_true(json_object_get(r, "accepted")))
            json_array_append(*open, r);
        else if (accepted)
            json_array_append(*accepted, r);
    }
}

size_t pd_review_open_count(const json_t *review)
{
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(review, i, r) n += !json_is_true(json_object_get(r, "accepted"));
    return n;
}

/* Drop the division fields of a party the patch rewrites, so that a new
 * province is not checked against the old district code. */
static void clear_divisions(json_t *merged, const json_t *patch, const char *party)
{
    const json_t *pp = json_object_get(patch, party);
    json_t *mp = json_object_get(merged, party);
    if (!json_is_object(pp) || !json_is_object(mp))
        return;
    static const char *const keys[] = {"province", "city", "district", "district_code"};
    bool touches = false;
    for (int i = 0; i < 4; i++)
        touches |= json_object_get(pp, keys[i]) != NULL;
    if (touches)
        for (int i = 0; i < 4; i++)
            json_object_del(mp, keys[i]);
}

static pd_qs audit_change(pd_db *db, const struct pd_order_actor *who, const char *action,
                          const struct pd_waybill *w, json_t *detail /* stolen */)
{
    char *d = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    struct pd_audit a = who->audit;
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.object_type, sizeof a.object_type, "waybill");
    snprintf(a.object_id, sizeof a.object_id, "%s", w->waybill_no);
    a.node_id = w->node_id;
    a.detail = d;
    pd_qs qs = db->ops->audit_insert(db, &a);
    free(d);
    return qs;
}

pd_qs pd_order_apply_patch(struct pd_app *app, pd_db *db, const struct pd_waybill *cur,
                           const json_t *patch, const struct pd_order_actor *who,
                           struct pd_order_error *err)
{
    if (json_object_get(patch, "parcels")) {
        set_err(err, PD_E_ORDER_LOCKED, "parcels",
                "the number of parcels is fixed once numbered; cancel and re-create");
        return PD_QS_ABORT;
    }
    json_t *old = json_loads(cur->doc, 0, NULL);
    if (!json_is_object(old)) {
        json_decref(old);
        pd_error("waybill %s: stored document does not parse", cur->waybill_no);
        return PD_QS_HARD;
    }
    json_t *merged = json_deep_copy(old);
    clear_divisions(merged, patch, "sender");
    clear_divisions(merged, patch, "recipient");
    json_object_update_recursive(merged, (json_t *)patch);
    json_object_del(merged, "submit");

    pd_arena arena;
    pd_arena_init(&arena, 1 << 20);
    struct order o;
    pd_qs qs = PD_QS_ABORT;
    json_t *doc = NULL, *reasons = NULL;
    char *doc_s = NULL, *quote_s = NULL, *review_s = NULL;
    if (!decode(app, merged, false, &arena, &o, err))
        goto out;
    struct customer_ctx cu;
    if ((qs = customer_check(db, &o, &cu, err)) < 0)
        goto out;
    int64_t now = pd_now_ms();
    struct pd_quote q;
    qs = PD_QS_ABORT;
    if (!price(app, &o, &cu, now, &q, err))
        goto out;
    doc = order_doc(&o);
    const char *first[8] = {0};
    unsigned groups = changed_groups(old, doc, first);
    enum pd_order_state st = (enum pd_order_state)cur->state, to = st;
    unsigned refused = 0;
    if (groups == 0) {
        qs = PD_QS_ONE; /* nothing changes: nothing to write or audit */
        goto out;
    }
    if (pd_order_edit_check(st, groups, &refused) != PD_OK) {
        set_err(err, PD_E_ORDER_LOCKED, first[__builtin_ctz(refused)], NULL);
        goto out;
    }
    struct pd_waybill w = *cur;
    fill_row(&w, &o, &q, cur->created_ms);
    w.customer_id = cu.id;
    w.updated_ms = now;
    reasons = review_reasons(&o, &q);
    bool same_fp = strcmp(w.fingerprint, cur->fingerprint) == 0;
    json_t *old_review = json_loads(cur->review ? cur->review : "[]", 0, NULL);
    if (!json_is_array(old_review)) {
        json_decref(old_review);
        old_review = json_array();
    }
    carry_reasons(reasons, old_review, same_fp, who->reviewer);
    keep_accepted(reasons, old_review);
    json_decref(old_review);
    if (!same_fp) {
        char dup_no[PD_WB_NO_SIZE] = "";
        qs = db->ops->waybill_find_duplicate(db, w.fingerprint, now - DUPLICATE_WINDOW_MS, dup_no);
        if (qs < 0)
            goto out;
        if (qs > 0 && strcmp(dup_no, cur->waybill_no) != 0) {
            char zh[96], en[96];
            snprintf(zh, sizeof zh, "疑似重复订单：%s", dup_no);
            snprintf(en, sizeof en, "looks like a duplicate of %s", dup_no);
            json_array_append_new(reasons, json_pack("{s:s, s:n, s:s, s:s, s:s}", "code",
                                                     "order.duplicate", "field", "message", zh,
                                                     "message_en", en, "duplicate_of", dup_no));
        }
    }
    /* Open doubts decide: an accepted order goes back to review; one with a
     * courier already can no longer be reviewed, so the edit is refused; an
     * order in review whose doubts are all gone is accepted. */
    size_t open = pd_review_open_count(reasons);
    if (open > 0 && (st == PD_ORDER_PICKUP_ASSIGNED || st == PD_ORDER_PICKED_UP)) {
        size_t i;
        json_t *r;
        json_array_foreach(reasons, i, r) if (!json_is_true(json_object_get(r, "accepted")))
        {
            set_err(err, PD_E_ORDER_EDIT_DOUBTFUL, json_string_value(json_object_get(r, "field")),
                    json_string_value(json_object_get(r, "message_en")));
            break;
        }
        qs = PD_QS_ABORT;
        goto out;
    }
    if (st == PD_ORDER_ACCEPTED && open > 0)
        pd_order_transition(st, PD_ORDER_EV_FLAG, &to);
    else if (st == PD_ORDER_IN_REVIEW && open == 0)
        pd_order_transition(st, PD_ORDER_EV_APPROVE, &to); /* fixed: nothing left to review */
    w.state = (int)to;
    json_t *qj = quote_json(&q);
    doc_s = json_dumps(doc, JSON_COMPACT);
    quote_s = json_dumps(qj, JSON_COMPACT);
    review_s = json_dumps(reasons, JSON_COMPACT);
    json_decref(qj);
    w.doc = doc_s;
    w.quote = quote_s;
    w.review = review_s;
    qs = db->ops->waybill_update(db, &w, cur->version);
    if (qs <= 0)
        goto out;
    json_t *changed = json_array();
    for (int g = 0; g < 8; g++)
        if (first[g])
            json_array_append_new(changed, json_string(first[g]));
    qs = audit_change(db, who, "waybill.update", &w,
                      json_pack("{s:o, s:s, s:s, s:I, s:I}", "changed", changed, "from",
                                pd_order_state_name(st), "to", pd_order_state_name(to),
                                "total_fen_before", (json_int_t)cur->total_fen, "total_fen",
                                (json_int_t)w.total_fen));
    /* What tracking keeps of the order (phones' last digits, destination,
     * service, promise, state) changed: its row follows. */
    if (qs > 0 && (strcmp(w.sender_phone, cur->sender_phone) != 0 ||
                   strcmp(w.recipient_phone, cur->recipient_phone) != 0 ||
                   w.dest_division != cur->dest_division || strcmp(w.service, cur->service) != 0 ||
                   w.promised_delivery_ms != cur->promised_delivery_ms || w.state != cur->state)) {
        pd_qs tq = pd_tracking_rebuild(app, db, w.waybill_no);
        if (tq < 0)
            qs = tq;
    }
out:
    json_decref(old);
    json_decref(merged);
    json_decref(doc);
    json_decref(reasons);
    free(doc_s);
    free(quote_s);
    free(review_s);
    pd_arena_free(&arena);
    return qs;
}

bool pd_order_recheck_goods(struct pd_app *app, const struct pd_waybill *cur,
                            struct pd_order_error *err)
{
    json_t *doc = json_loads(cur->doc, 0, NULL);
    bool ok = doc && pd_order_check(app, doc, false, err);
    if (!doc)
        set_err(err, PD_E_INTERNAL, NULL, "stored document does not parse");
    json_decref(doc);
    return ok;
}

bool pd_order_requote(struct pd_app *app, pd_db *db, const struct pd_waybill *cur, int64_t weight_g,
                      int64_t len, int64_t wid, int64_t hei, char **quote_out, int64_t *total_fen,
                      int64_t *chargeable_g, char **doc_out, struct pd_order_error *err)
{
    json_t *doc = json_loads(cur->doc, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        set_err(err, PD_E_INTERNAL, NULL, "stored document does not parse");
        return false;
    }
    json_t *g = json_object_get(doc, "goods");
    json_object_set_new(g, "weight_g", json_integer(weight_g));
    if (len) {
        json_object_set_new(g, "length_mm", json_integer(len));
        json_object_set_new(g, "width_mm", json_integer(wid));
        json_object_set_new(g, "height_mm", json_integer(hei));
    }
    pd_arena arena;
    pd_arena_init(&arena, 1 << 20);
    struct order o;
    struct customer_ctx cu;
    struct pd_quote q;
    /* Re-weighing prices the new weight on the terms the order was accepted
     * on: its customer's contract and special rate as of its creation. */
    bool ok = decode(app, doc, false, &arena, &o, err) &&
              customer_check_at(db, &o, &cu, err, cur->created_ms, true) > 0 &&
              price(app, &o, &cu, cur->created_ms, &q, err);
    if (ok) {
        json_t *qj = quote_json(&q), *nd = order_doc(&o);
        *quote_out = json_dumps(qj, JSON_COMPACT);
        *doc_out = json_dumps(nd, JSON_COMPACT);
        json_decref(qj);
        json_decref(nd);
        *total_fen = q.total_fen;
        *chargeable_g = q.chargeable_weight_g;
    }
    pd_arena_free(&arena);
    json_decref(doc);
    return ok;
}
