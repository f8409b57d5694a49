/* Shared JSON shapes and query parsing for the API handlers; see common.h. */
#include "http/api/common.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/privacy.h"
#include "http/reply.h"
#include "util/timeutil.h"

json_t *pd__json_time(int64_t ms)
{
    if (!ms)
        return json_null();
    char buf[PD_RFC3339_MAX];
    return json_string(pd_time_format(ms, PD_CST_OFFSET_MIN, buf));
}

json_t *pd__user_json(const struct pd_user *u, const struct pd_node *node, bool full_phone)
{
    char masked[32];
    json_t *jn;
    if (node)
        jn = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)node->id, "code", node->code,
                       "name", node->name, "type", pd_node_type_name(node->type));
    else
        jn = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)u->node_id, "code", u->node_code,
                       "name", u->node_name, "type", pd_node_type_name(u->node_type));
    const char *phone = full_phone ? u->phone : pd_mask_phone(u->phone, masked, sizeof masked);
    return json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s, s:o, s:b, s:o}", "id", (json_int_t)u->id,
                     "username", u->username, "display_name", u->display_name, "phone",
                     *u->phone ? phone : NULL, "role", pd_role_name(u->role), "role_name",
                     pd_role_zh(u->role), "node", jn, "active", u->active, "created_at",
                     pd__json_time(u->created_ms));
}

int pd__node_depth(const char *path)
{
    int slashes = 0;
    for (const char *p = path; *p; p++)
        slashes += *p == '/';
    return slashes >= 2 ? slashes - 2 : 0;
}

json_t *pd__node_json(const struct pd_node *n, const char *parent_code)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:i, s:s, s:i, s:b, s:o}", "id",
                     (json_int_t)n->id, "code", n->code, "name", n->name, "type",
                     pd_node_type_name(n->type), "type_name", pd_node_type_zh(n->type),
                     "parent_code", parent_code, "depth", pd__node_depth(n->path), "region",
                     n->region, "utc_offset_min", n->utc_offset_min, "active", n->active,
                     "created_at", pd__json_time(n->created_ms));
}

bool pd__parse_id(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return false;
    *out = v;
    return true;
}

bool pd__query_int(struct pd_req *rq, const char *key, int64_t lo, int64_t hi, int64_t def,
                   int64_t *out)
{
    const char *v = pd_req_query(rq, key);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        char detail[96];
        snprintf(detail, sizeof detail, "expected an integer between %lld and %lld", (long long)lo,
                 (long long)hi);
        pd_reply_err(rq, PD_E_QUERY_INVALID, key, detail);
        return false;
    }
    *out = x;
    return true;
}

bool pd__query_time(struct pd_req *rq, const char *key, int64_t *out)
{
    const char *v = pd_req_query(rq, key);
    *out = 0;
    if (!v)
        return true;
    if (pd_time_parse(v, out) || pd_date_parse(v, PD_CST_OFFSET_MIN, out))
        return true;
    pd_reply_err(rq, PD_E_QUERY_INVALID, key, "expected RFC 3339 time or YYYY-MM-DD");
    return false;
}

struct only {
    const char *const *allowed;
    const char *bad;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    struct only *o = cls;
    if (!strcmp(key, "lang"))
        return MHD_YES;
    for (const char *const *a = o->allowed; *a; a++)
        if (!strcmp(*a, key))
            return MHD_YES;
    o->bad = key;
    return MHD_NO;
}

bool pd__query_only(struct pd_req *rq, const char *const *allowed)
{
    struct only o = {allowed, NULL};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, check_arg, &o);
    if (!o.bad)
        return true;
    char field[64];
    snprintf(field, sizeof field, "%.60s", o.bad);
    pd_reply_err(rq, PD_E_QUERY_UNKNOWN, field, NULL);
    return false;
}

int pd__reply_db_error(struct pd_req *rq)
{
    return pd_reply_err(rq, PD_E_DB_UNAVAILABLE, NULL, NULL);
}
