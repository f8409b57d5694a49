/*
 * Reading a rate card from its JSON document (the files in data/ratecards, format
 * in docs/fees.md). Strict on purpose: a typo in pricing data must fail at
 * load time naming the path, never silently price a parcel at zero. The
 * bounds enforced here are what lets pd_tariff_quote multiply without
 * overflow checks.
 */
#include "core/tariff.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

#define FEE_MAX PD_TARIFF_FEE_MAX

static pd_err bad(struct pd_ratecard_error *err, const char *path, const char *key,
                  const char *reason)
{
    if (err) {
        if (path[0] && key)
            snprintf(err->path, sizeof err->path, "%.60s.%.30s", path, key);
        else
            snprintf(err->path, sizeof err->path, "%.90s", key ? key : path);
        snprintf(err->reason, sizeof err->reason, "%s", reason);
    }
    return PD_E_RATECARD_INVALID;
}

/* Refuse keys outside @p allowed (NULL-terminated). */
static pd_err only_keys(const json_t *obj, const char *const *allowed, const char *path,
                        struct pd_ratecard_error *err)
{
    if (!json_is_object(obj))
        return bad(err, path, NULL, "must be an object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok)
            return bad(err, path, key, "unknown key");
    }
    return PD_OK;
}

static pd_err get_int(const json_t *obj, const char *key, int64_t min, int64_t max,
                      const char *path, struct pd_ratecard_error *err, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return bad(err, path, key, "missing");
    if (!json_is_integer(v))
        return bad(err, path, key, "must be an integer");
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return bad(err, path, key, "out of range");
    *out = x;
    return PD_OK;
}

#define INT(obj, key, min, max, path, dst)                                                         \
    do {                                                                                           \
        int64_t v_;                                                                                \
        pd_err e_ = get_int(obj, key, min, max, path, err, &v_);                                   \
        if (e_)                                                                                    \
            return e_;                                                                             \
        (dst) = v_;                                                                                \
    } while (0)

static pd_err get_cell(const json_t *v, const char *path, struct pd_ratecard_error *err,
                       struct pd_rate_cell *cell)
{
    if (json_is_null(v)) { /* the service does not serve this zone */
        cell->available = false;
        return PD_OK;
    }
    static const char *const keys[] = {"first_weight_g", "first_fee_fen", "additional_step_g",
                                       "additional_fee_fen", NULL};
    pd_err e = only_keys(v, keys, path, err);
    if (e)
        return e;
    INT(v, "first_weight_g", 100, 1000000, path, cell->first_weight_g);
    INT(v, "first_fee_fen", 0, FEE_MAX, path, cell->first_fee_fen);
    INT(v, "additional_step_g", 100, 1000000, path, cell->additional_step_g);
    INT(v, "additional_fee_fen", 0, FEE_MAX, path, cell->additional_fee_fen);
    cell->available = true;
    return PD_OK;
}

static pd_err get_time(const json_t *doc, const char *key, bool nullable,
                       struct pd_ratecard_error *err, int64_t *out)
{
    const json_t *v = json_object_get(doc, key);
    if (!v)
        return bad(err, "", key, "missing");
    if (nullable && json_is_null(v)) {
        *out = 0;
        return PD_OK;
    }
    if (!json_is_string(v) || !pd_time_parse(json_string_value(v), out))
        return bad(err, "", key, "must be an RFC 3339 timestamp with offset");
    return PD_OK;
}

static pd_err get_services(const json_t *v, struct pd_ratecard_error *err, struct pd_ratecard *c)
{
    static const char *const svc[] = {"standard", "express", "cold_chain", "freight", NULL};
    static const char *const zones[] = {"same_city", "same_province", "neighbouring",
                                        "national",  "remote",        NULL};
    pd_err e = only_keys(v, svc, "services", err);
    if (e)
        return e;
    for (int s = 0; s < PD_SVC__COUNT; s++) {
        char path[64];
        snprintf(path, sizeof path, "services.%s", svc[s]);
        const json_t *sv = json_object_get(v, svc[s]);
        if (!sv)
            return bad(err, "services", svc[s], "missing");
        if ((e = only_keys(sv, zones, path, err)))
            return e;
        for (int z = 0; z < PD_ZONE__COUNT; z++) {
            const json_t *cv = json_object_get(sv, zones[z]);
            if (!cv)
                return bad(err, path, zones[z], "missing (null if not served)");
            char cpath[96];
            snprintf(cpath, sizeof cpath, "%s.%s", path, zones[z]);
            if ((e = get_cell(cv, cpath, err, &c->cells[s][z])))
                return e;
        }
    }
    return PD_OK;
}

static bool province_code_ok(json_int_t p)
{
    return p >= 0 && p < 100 && pd_province_code_valid((int)p);
}

static pd_err get_provinces(const json_t *doc, struct pd_ratecard_error *err, struct pd_ratecard *c)
{
    const json_t *r = json_object_get(doc, "remote_provinces");
    if (!r)
        return bad(err, "", "remote_provinces", "missing");
    if (!json_is_array(r) || json_array_size(r) > PD_RATECARD_MAX_REMOTE)
        return bad(err, "", "remote_provinces", "must be an array of at most 16 province codes");
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x)
    {
        if (!json_is_integer(x) || !province_code_ok(json_integer_value(x)))
            return bad(err, "", "remote_provinces", "must hold 2-digit province codes");
        c->remote[c->n_remote++] = (uint8_t)json_integer_value(x);
    }
    const json_t *nb = json_object_get(doc, "neighbours");
    if (!nb)
        return bad(err, "", "neighbours", "missing");
    if (!json_is_array(nb))
        return bad(err, "", "neighbours", "must be an array of [province, province] pairs");
    json_array_foreach(nb, i, x)
    {
        char path[48];
        snprintf(path, sizeof path, "neighbours[%zu]", i);
        if (!json_is_array(x) || json_array_size(x) != 2 ||
            !json_is_integer(json_array_get(x, 0)) || !json_is_integer(json_array_get(x, 1)))
            return bad(err, path, NULL, "must be a pair of province codes");
        json_int_t a = json_integer_value(json_array_get(x, 0));
        json_int_t b = json_integer_value(json_array_get(x, 1));
        if (!province_code_ok(a) || !province_code_ok(b) || a == b)
            return bad(err, path, NULL, "must be two different 2-digit province codes");
        c->neighbours[a][b / 64] |= 1ULL << (b % 64);
        c->neighbours[b][a / 64] |= 1ULL << (a % 64);
    }
    return PD_OK;
}

pd_err pd_ratecard_from_json(const json_t *doc, struct pd_ratecard *c,
                             struct pd_ratecard_error *err)
{
    memset(c, 0, sizeof *c);
    if (err)
        memset(err, 0, sizeof *err);
    static const char *const top[] = {
        "code",          "version",          "effective_from", "effective_to", "volumetric_divisor",
        "weight_step_g", "services",         "surcharges",     "insurance",    "cod",
        "agency_fees",   "remote_provinces", "neighbours",     "description",  NULL};
    pd_err e = only_keys(doc, top, "", err);
    if (e)
        return e;
    const json_t *code = json_object_get(doc, "code");
    if (!json_is_string(code) || json_string_length(code) < 1 ||
        json_string_length(code) >= PD_RATECARD_CODE_SIZE)
        return bad(err, "", "code", "must be a string of 1-32 characters");
    memcpy(c->code, json_string_value(code), json_string_length(code));
    const json_t *desc = json_object_get(doc, "description");
    if (desc && !json_is_string(desc))
        return bad(err, "", "description", "must be a string");
    INT(doc, "version", 1, 1000000, "", c->version);
    if ((e = get_time(doc, "effective_from", false, err, &c->effective_from_ms)) ||
        (e = get_time(doc, "effective_to", true, err, &c->effective_to_ms)))
        return e;
    if (c->effective_to_ms != 0 && c->effective_to_ms <= c->effective_from_ms)
        return bad(err, "", "effective_to", "must be after effective_from");
    INT(doc, "volumetric_divisor", 1000, 100000, "", c->volumetric_divisor);
    INT(doc, "weight_step_g", 1, 10000, "", c->weight_step_g);
    const json_t *svc = json_object_get(doc, "services");
    if (!svc)
        return bad(err, "", "services", "missing");
    if ((e = get_services(svc, err, c)))
        return e;

    static const char *const sur_keys[] = {
        "fuel_bp",       "remote_fen", "cold_chain_fixed_fen", "cold_chain_per_kg_fen",
        "packaging_fen", NULL};
    const json_t *sur = json_object_get(doc, "surcharges");
    if (!sur)
        return bad(err, "", "surcharges", "missing");
    if ((e = only_keys(sur, sur_keys, "surcharges", err)))
        return e;
    INT(sur, "fuel_bp", 0, 10000, "surcharges", c->fuel_bp);
    INT(sur, "remote_fen", 0, FEE_MAX, "surcharges", c->remote_fen);
    INT(sur, "cold_chain_fixed_fen", 0, FEE_MAX, "surcharges", c->cold_chain_fixed_fen);
    INT(sur, "cold_chain_per_kg_fen", 0, FEE_MAX, "surcharges", c->cold_chain_per_kg_fen);
    INT(sur, "packaging_fen", 0, FEE_MAX, "surcharges", c->packaging_fen);

    static const char *const ins_keys[] = {"rate_bp", "min_fen", "max_declared_value_fen", NULL};
    const json_t *ins = json_object_get(doc, "insurance");
    if (!ins)
        return bad(err, "", "insurance", "missing");
    if ((e = only_keys(ins, ins_keys, "insurance", err)))
        return e;
    INT(ins, "rate_bp", 0, 10000, "insurance", c->insurance_bp);
    INT(ins, "min_fen", 0, FEE_MAX, "insurance", c->insurance_min_fen);
    INT(ins, "max_declared_value_fen", 0, 1000000000000LL, "insurance", c->max_declared_value_fen);

    static const char *const cod_keys[] = {"rate_bp", "min_fen", "max_fen", NULL};
    const json_t *cod = json_object_get(doc, "cod");
    if (!cod)
        return bad(err, "", "cod", "missing");
    if ((e = only_keys(cod, cod_keys, "cod", err)))
        return e;
    INT(cod, "rate_bp", 0, 10000, "cod", c->cod_bp);
    INT(cod, "min_fen", 0, FEE_MAX, "cod", c->cod_min_fen);
    INT(cod, "max_fen", 0, 1000000000000LL, "cod", c->max_cod_fen);

    const json_t *ag = json_object_get(doc, "agency_fees");
    if (!ag)
        return bad(err, "", "agency_fees", "missing");
    if (!json_is_object(ag) || json_object_size(ag) > PD_RATECARD_MAX_AGENCY)
        return bad(err, "", "agency_fees", "must be an object of at most 8 code: fen items");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ag, key, v)
    {
        size_t n = strlen(key);
        bool name_ok = n >= 1 && n < PD_AGENCY_CODE_SIZE;
        for (size_t i = 0; i < n; i++)
            name_ok = name_ok && ((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_');
        if (!name_ok)
            return bad(err, "agency_fees", key, "code must be 1-32 of a-z and _");
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > FEE_MAX)
            return bad(err, "agency_fees", key, "must be an integer fen amount in range");
        struct pd_agency_fee *f = &c->agency[c->n_agency++];
        memcpy(f->code, key, n + 1);
        memcpy(f->component, "agency_", 7);
        memcpy(f->component + 7, key, n + 1);
        f->fee_fen = json_integer_value(v);
    }
    return get_provinces(doc, err, c);
}

/* ---- customer contracts --------------------------------------------------- */

static bool zone_from_code(const char *s, enum pd_zone *out)
{
    for (int z = 0; z < PD_ZONE__COUNT; z++)
        if (!strcmp(s, pd_zone_code((enum pd_zone)z))) {
            *out = (enum pd_zone)z;
            return true;
        }
    return false;
}

pd_err pd_contract_from_json(const json_t *doc, struct pd_contract_rate *c,
                             struct pd_ratecard_error *err)
{
    memset(c, 0, sizeof *c);
    if (err)
        memset(err, 0, sizeof *err);
    static const char *const keys[] = {"contract_no", "freight_discount_bp", "overrides", NULL};
    pd_err e = only_keys(doc, keys, "", err);
    if (e)
        return e;
    const json_t *no = json_object_get(doc, "contract_no");
    if (!json_is_string(no) || json_string_length(no) < 1 ||
        json_string_length(no) >= sizeof c->contract_no)
        return bad(err, "", "contract_no", "must be a string of 1 to 32 characters");
    memcpy(c->contract_no, json_string_value(no), json_string_length(no) + 1);
    INT(doc, "freight_discount_bp", 0, 10000, "", c->freight_discount_bp);
    const json_t *ov = json_object_get(doc, "overrides");
    if (!ov)
        return PD_OK;
    if (!json_is_array(ov) || json_array_size(ov) > PD_CONTRACT_MAX_OVERRIDES)
        return bad(err, "", "overrides", "must be an array of at most 8 cells");
    size_t i;
    const json_t *o;
    json_array_foreach(ov, i, o)
    {
        char path[32];
        snprintf(path, sizeof path, "overrides[%u]", (unsigned)i);
        static const char *const okeys[] = {"service",
                                            "zone",
                                            "first_weight_g",
                                            "first_fee_fen",
                                            "additional_step_g",
                                            "additional_fee_fen",
                                            NULL};
        if ((e = only_keys(o, okeys, path, err)))
            return e;
        struct pd_cell_override *co = &c->overrides[c->n_overrides];
        const json_t *sv = json_object_get(o, "service"), *zv = json_object_get(o, "zone");
        if (!json_is_string(sv) || !pd_service_from_code(json_string_value(sv), &co->service))
            return bad(err, path, "service", "unknown service");
        if (!json_is_string(zv) || !zone_from_code(json_string_value(zv), &co->zone))
            return bad(err, path, "zone", "unknown zone");
        json_t *cell = json_deep_copy(o);
        json_object_del(cell, "service");
        json_object_del(cell, "zone");
        e = get_cell(cell, path, err, &co->cell);
        json_decref(cell);
        if (e)
            return e;
        c->n_overrides++;
    }
    return PD_OK;
}
