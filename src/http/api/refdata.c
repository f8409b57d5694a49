/*
 * Reference data the console needs while an agent types: the GB/T 2260
 * divisions level by level (the cascading province → city → district
 * selector, with a search within a level), and the prohibited/restricted
 * goods screening of a goods name (the warning shown as the name is typed).
 * Both are read-only and answer from memory; any authenticated caller may
 * ask.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/divisions.h"
#include "core/screening.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/goods_list.h"
#include "http/reply.h"
#include "util/utf8.h"

#define MAX_MATCHES 32

static const char *level_name(uint32_t code)
{
    switch (pd_division_level_of(code)) {
    case PD_DIVISION_PROVINCE:
        return "province";
    case PD_DIVISION_CITY:
        return "city";
    default:
        return "district";
    }
}

/* The name as people write it: GB/T 2260's placeholders for the city level
 * of a municipality (市辖区, 县) and of counties under a province read as the
 * municipality, or as what they are. */
static const char *label_of(const struct pd_division *d, char *buf, size_t n)
{
    if (pd_division_level_of(d->code) != PD_DIVISION_CITY)
        return d->name;
    const struct pd_division *p = pd_division_find(d->parent);
    bool municipality = d->parent == 11 || d->parent == 12 || d->parent == 31 || d->parent == 50;
    if (municipality && p && !strcmp(d->name, "市辖区"))
        return p->name;
    if (municipality && p && !strcmp(d->name, "县")) {
        snprintf(buf, n, "%s（县）", p->name);
        return buf;
    }
    if (!strcmp(d->name, "省直辖县级行政区划"))
        return "省直辖县级市";
    return d->name;
}

static json_t *division_json(const struct pd_division *d)
{
    char code[8], buf[96];
    snprintf(code, sizeof code, "%u", d->code);
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "code", code, "name", d->name, "label",
                     label_of(d, buf, sizeof buf), "level", level_name(d->code), "leaf",
                     pd_division_level_of(d->code) == PD_DIVISION_DISTRICT);
}

int pd_api_divisions_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"parent", "q", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *parent = pd_req_query(rq, "parent");
    const char *q = pd_req_query(rq, "q");
    if (q && (!pd_utf8_valid(q, strlen(q)) || pd_utf8_chars(q, strlen(q)) > 32))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "q", "at most 32 characters of UTF-8");
    const struct pd_division *first;
    size_t n;
    char buf[96];
    json_t *parent_json = json_null();
    if (parent && *parent) {
        int64_t code = 0;
        size_t len = strlen(parent);
        const struct pd_division *p = NULL;
        if ((len == 2 || len == 4) && pd__parse_id(parent, &code))
            p = pd_division_find((uint32_t)code);
        if (!p)
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "parent",
                                "a 2-digit province or 4-digit city code");
        first = pd_division_children(p->code, &n);
        json_decref(parent_json);
        parent_json = division_json(p);
    } else {
        first = pd_division_table(PD_DIVISION_PROVINCE, &n);
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        if (!q || !*q || strstr(first[i].name, q) ||
            strstr(label_of(&first[i], buf, sizeof buf), q))
            json_array_append_new(items, division_json(&first[i]));
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "parent", parent_json, "items", items));
}

int pd_api_goods_screen(struct pd_req *rq)
{
    static const char *const allowed[] = {"name", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *name = pd_req_query(rq, "name");
    if (!name)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "name", "the goods name to screen");
    if (!pd_utf8_valid(name, strlen(name)) || pd_utf8_chars(name, strlen(name)) > 100)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "name", "at most 100 characters of UTF-8");
    struct pd_goods_match m[MAX_MATCHES];
    void *ticket; /* the hits point into the snapshot until it is released */
    const struct pd_screening *idx = pd_goods_list_acquire(rq->app->goods, &ticket);
    size_t found = pd_screening_check(idx, name, m, MAX_MATCHES);
    size_t shown = found < MAX_MATCHES ? found : MAX_MATCHES;
    const char *verdict = "ok";
    json_t *matches = json_array();
    for (size_t i = 0; i < shown; i++) {
        if (m[i].level == PD_GOODS_PROHIBITED)
            verdict = "prohibited";
        else if (strcmp(verdict, "ok") == 0)
            verdict = "restricted";
        json_array_append_new(matches,
                              json_pack("{s:s, s:s, s:s, s:s}", "term", m[i].term, "category",
                                        m[i].category, "level", pd_goods_level_name(m[i].level),
                                        "condition", m[i].condition));
    }
    pd_goods_list_release(rq->app->goods, ticket);
    return pd_reply_json_steal(
        rq, 200,
        json_pack("{s:s, s:s, s:o}", "name", name, "verdict", verdict, "matches", matches));
}
