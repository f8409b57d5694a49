/*
 * The declarative JSON decoder behind json_spec.h: walks a field-spec array
 * over a jansson document, fills the caller's C variables and stops at the
 * first field that is wrong, naming it by its full dotted path. It checks,
 * for each spec in order, presence, type, and the kind's own limits, then
 * refuses any key of the document no spec accounts for — so a typo in a
 * client ("recipent") is an error, not silently ignored data.
 * pd_json_decode() does not touch libmicrohttpd; pd_json_parse() is the thin
 * request-side wrapper that queues the error reply. Details (the text after
 * the registry message) come in English from pd_json_decode() and in the
 * request's language from pd_json_parse().
 */
#include "http/json_spec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http/reply.h"
#include "http/req.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define PATH_MAX_LEN 256

struct ctx {
    const char *prefix;
    bool zh;
    pd_arena *arena;
    struct pd_json_error *err;
};

/* Full path of a field for error reports: prefix + "." + path, truncated to fit. */
static void set_field(struct ctx *c, const char *path, size_t len)
{
    char *f = c->err->field;
    size_t cap = sizeof c->err->field;
    if (c->prefix && *c->prefix)
        snprintf(f, cap, "%s%s%.*s", c->prefix, len ? "." : "", (int)len, path);
    else
        snprintf(f, cap, "%.*s", (int)len, path);
}

static bool fail(struct ctx *c, pd_err code, const char *path, size_t len, const char *detail)
{
    c->err->code = code;
    set_field(c, path, len);
    snprintf(c->err->detail, sizeof c->err->detail, "%s", detail ? detail : "");
    return false;
}

static const char *tr(const struct ctx *c, const char *en, const char *zh)
{
    return c->zh ? zh : en;
}

static const char *expected_type(const struct ctx *c, enum pd_spec_kind k)
{
    switch (k) {
    case PD_SPEC_STR:
    case PD_SPEC_ENUM:
        return tr(c, "expected a string", "应为字符串");
    case PD_SPEC_INT:
        return tr(c, "expected an integer", "应为整数");
    case PD_SPEC_BOOL:
        return tr(c, "expected true or false", "应为 true 或 false");
    case PD_SPEC_TIME:
        return tr(c, "expected an RFC 3339 time string", "应为 RFC 3339 时间字符串");
    default:
        return NULL;
    }
}

/*
 * Find the value a spec path names. Intermediate members must be objects;
 * a missing or null one makes the value absent (*out = NULL).
 * @return false (error set) when an intermediate member is not an object.
 */
static bool resolve(struct ctx *c, const json_t *root, const char *path, const json_t **out)
{
    const json_t *cur = root;
    const char *seg = path;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
        const json_t *v = json_object_getn(cur, seg, len);
        if (!dot) {
            *out = v;
            return true;
        }
        if (!v || json_is_null(v)) {
            *out = NULL;
            return true;
        }
        if (!json_is_object(v))
            return fail(c, PD_E_JSON_TYPE, path, (size_t)(dot - path),
                        tr(c, "expected an object", "应为对象"));
        cur = v;
        seg = dot + 1;
    }
}

static bool check_str(struct ctx *c, const struct pd_spec *s, const json_t *v)
{
    size_t plen = strlen(s->path);
    const char *str = json_string_value(v);
    size_t n = json_string_length(v);
    char detail[64];
    if (!pd_utf8_valid(str, n))
        return fail(c, PD_E_JSON_UTF8, s->path, plen, NULL);
    size_t chars = pd_utf8_chars(str, n);
    if (s->min > 0 && chars < (uint64_t)s->min) {
        snprintf(detail, sizeof detail,
                 c->zh ? "至少 %" PRId64 " 个字符" : "at least %" PRId64 " characters", s->min);
        return fail(c, PD_E_JSON_TOO_SHORT, s->path, plen, detail);
    }
    if (s->max > 0 && chars > (uint64_t)s->max) {
        snprintf(detail, sizeof detail,
                 c->zh ? "最多 %" PRId64 " 个字符" : "at most %" PRId64 " characters", s->max);
        return fail(c, PD_E_JSON_TOO_LONG, s->path, plen, detail);
    }
    if (s->check && !s->check(str))
        return fail(c, PD_E_JSON_FORMAT, s->path, plen, NULL);
    char *copy = pd_arena_strndup(c->arena, str, n);
    if (!copy)
        return fail(c, PD_E_BODY_TOO_LARGE, s->path, plen, NULL);
    *(const char **)s->dst = copy;
    return true;
}

static bool check_enum(struct ctx *c, const struct pd_spec *s, const json_t *v)
{
    const char *str = json_string_value(v);
    size_t n = json_string_length(v);
    for (int i = 0; s->values && s->values[i]; i++) {
        if (strlen(s->values[i]) == n && memcmp(s->values[i], str, n) == 0) {
            *(int *)s->dst = i;
            return true;
        }
    }
    /* List the allowed values; a long list ends with "…" rather than a cut word. */
    char detail[sizeof c->err->detail];
    size_t o = (size_t)snprintf(detail, sizeof detail, "%s", tr(c, "one of: ", "可选值："));
    for (int i = 0; s->values && s->values[i]; i++) {
        size_t need = strlen(s->values[i]) + (i ? 2 : 0);
        if (o + need + sizeof ", …" > sizeof detail) {
            snprintf(detail + o, sizeof detail - o, "%s…", i ? ", " : "");
            break;
        }
        o += (size_t)snprintf(detail + o, sizeof detail - o, "%s%s", i ? ", " : "", s->values[i]);
    }
    return fail(c, PD_E_JSON_ENUM, s->path, strlen(s->path), detail);
}

static bool check_one(struct ctx *c, const struct pd_spec *s, const json_t *root)
{
    const json_t *v;
    if (!resolve(c, root, s->path, &v))
        return false;
    size_t plen = strlen(s->path);
    if (!v || json_is_null(v)) {
        if (s->flags & PD_REQ)
            return fail(c, PD_E_JSON_MISSING, s->path, plen, NULL);
        if (s->present)
            *s->present = false;
        return true;
    }
    char detail[64];
    switch (s->kind) {
    case PD_SPEC_STR:
        if (!json_is_string(v))
            return fail(c, PD_E_JSON_TYPE, s->path, plen, expected_type(c, s->kind));
        if (!check_str(c, s, v))
            return false;
        break;
    case PD_SPEC_INT: {
        if (!json_is_integer(v))
            return fail(c, PD_E_JSON_TYPE, s->path, plen, expected_type(c, s->kind));
        int64_t x = (int64_t)json_integer_value(v);
        if (x < s->min || x > s->max) {
            snprintf(detail, sizeof detail,
                     c->zh ? "应在 %" PRId64 " 到 %" PRId64 " 之间"
                           : "between %" PRId64 " and %" PRId64,
                     s->min, s->max);
            return fail(c, PD_E_JSON_RANGE, s->path, plen, detail);
        }
        *(int64_t *)s->dst = x;
        break;
    }
    case PD_SPEC_BOOL:
        if (!json_is_boolean(v))
            return fail(c, PD_E_JSON_TYPE, s->path, plen, expected_type(c, s->kind));
        *(bool *)s->dst = json_is_true(v);
        break;
    case PD_SPEC_ENUM:
        if (!json_is_string(v))
            return fail(c, PD_E_JSON_TYPE, s->path, plen, expected_type(c, s->kind));
        if (!check_enum(c, s, v))
            return false;
        break;
    case PD_SPEC_TIME: {
        if (!json_is_string(v))
            return fail(c, PD_E_JSON_TYPE, s->path, plen, expected_type(c, s->kind));
        int64_t ms;
        if (!pd_time_parse(json_string_value(v), &ms))
            return fail(c, PD_E_JSON_FORMAT, s->path, plen,
                        tr(c, "expected RFC 3339 with an offset, e.g. 2026-11-23T10:00:00+08:00",
                           "应为带时区的 RFC 3339 时间，例如 2026-11-23T10:00:00+08:00"));
        *(int64_t *)s->dst = ms;
        break;
    }
    case PD_SPEC_JSON:
        *(const json_t **)s->dst = v;
        break;
    case PD_SPEC_END:
        break;
    }
    if (s->present)
        *s->present = true;
    return true;
}

/*
 * How the specs account for document path @p path: 0 not at all, 1 a spec
 * names it exactly (2 when that spec is PD_SPEC_JSON, whose contents are
 * not checked), 3 it is the parent object of some spec path.
 */
static int coverage(const struct pd_spec *spec, const char *path, size_t len)
{
    int how = 0;
    for (const struct pd_spec *s = spec; s->kind != PD_SPEC_END; s++) {
        if (strncmp(s->path, path, len) != 0)
            continue;
        if (s->path[len] == '\0')
            return s->kind == PD_SPEC_JSON ? 2 : 1;
        if (s->path[len] == '.')
            how = 3;
    }
    return how;
}

static bool check_unknown(struct ctx *c, const struct pd_spec *spec, const json_t *obj, char *path,
                          size_t len)
{
    const char *key;
    size_t klen;
    json_t *v;
    void *tmp;
    json_object_keylen_foreach_safe((json_t *)obj, tmp, key, klen, v)
    {
        size_t n = len + (len ? 1 : 0) + klen;
        if (n >= PATH_MAX_LEN) {
            /* Deeper than any spec path can be: nothing covers it. */
            return fail(c, PD_E_JSON_UNKNOWN_FIELD, path, len, NULL);
        }
        if (len)
            path[len] = '.';
        memcpy(path + len + (len ? 1 : 0), key, klen);
        path[n] = '\0';
        /* A key with a dot in it cannot be told apart from nesting: refuse it. */
        int how = memchr(key, '.', klen) ? 0 : coverage(spec, path, n);
        if (how == 0)
            return fail(c, PD_E_JSON_UNKNOWN_FIELD, path, n, NULL);
        if (how == 3 && json_is_object(v) && !check_unknown(c, spec, v, path, n))
            return false;
        path[len] = '\0';
    }
    return true;
}

static bool decode(const json_t *root, const struct pd_spec *spec, pd_arena *arena,
                   const char *prefix, bool zh, struct pd_json_error *err)
{
    struct ctx c = {prefix, zh, arena, err};
    memset(err, 0, sizeof *err);
    if (!json_is_object(root))
        return fail(&c, PD_E_JSON_NOT_OBJECT, "", 0, NULL);
    for (const struct pd_spec *s = spec; s->kind != PD_SPEC_END; s++)
        if (!check_one(&c, s, root))
            return false;
    char path[PATH_MAX_LEN];
    path[0] = '\0';
    return check_unknown(&c, spec, root, path, 0);
}

bool pd_json_decode(const json_t *root, const struct pd_spec *spec, pd_arena *arena,
                    const char *prefix, struct pd_json_error *err)
{
    return decode(root, spec, arena, prefix, false, err);
}

int pd_json_parse(struct pd_req *rq, const struct pd_spec *spec)
{
    if (PD_BREAK(rq->json != NULL)) {
        /* The route lacks PD_ROUTE_JSON, so the server never parsed a body. */
        pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
        return PD_JSON_REPLIED;
    }
    bool zh = !(rq->lang && strcmp(rq->lang, "en") == 0);
    struct pd_json_error err;
    if (decode(rq->json, spec, &rq->arena, NULL, zh, &err))
        return PD_JSON_OK;
    pd_reply_err(rq, err.code, err.field[0] ? err.field : NULL, err.detail[0] ? err.detail : NULL);
    return PD_JSON_REPLIED;
}
