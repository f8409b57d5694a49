/*
 * /api/v1/kb: the knowledge base (知识库, DOMAIN.md §7; docs/service-desk-
 * problems.md "Knowledge base"). Every staff member searches and reads
 * published articles — GET /kb/search?q=… ranks them and cuts a highlighted
 * snippet (core/kb.h), which the console offers beside a ticket while it is
 * typed — and editors (kb.edit: supervisors, managers, the administrator)
 * write drafts, publish, edit under an optimistic version and delete.
 *
 * Invariants:
 *   1. A reader never sees a draft: not in search, list or by id (404).
 *   2. An edit names the version it read; a stale one is refused (409
 *      kb.version_conflict) and changes nothing.
 *   3. Every write is audited in its transaction (node 0: the knowledge
 *      base belongs to the whole network).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kb.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/utf8.h"

#define BODY_CHARS     20000 /* an article's text */
#define TAGS_MAX       10
#define TAG_CHARS      20
#define SNIPPET_CHARS  80
#define SNIPPET_BYTES  2048
#define SEARCH_DEFAULT 20

static bool may_edit(struct pd_req *rq)
{
    return pd_app_role_has(rq->app, rq->who.role, PD_PERM_KB_EDIT);
}

/* Tags as stored (words joined by one blank) → a JSON array. */
static json_t *tags_json(const char *tags)
{
    json_t *arr = json_array();
    const char *p = tags;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
    }
    return arr;
}

/* Index of category @p s in core/kb.def, -1 when none. */
static int category_index(const char *s)
{
    for (int i = 0; s && pd_kb_category_names[i]; i++)
        if (!strcmp(pd_kb_category_names[i], s))
            return i;
    return -1;
}

static json_t *article_json(const struct pd_kb_article *a, bool with_body)
{
    int cat = category_index(a->category);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s?, s:s?, s:o, s:o, s:i}", "id",
                          (json_int_t)a->id, "title", a->title, "category", a->category,
                          "category_zh", pd_kb_category_zh(cat), "tags", tags_json(a->tags),
                          "status", pd_kb_status_names[a->status], "author",
                          a->author_name[0] ? a->author_name : NULL, "updated_by",
                          a->updated_by_name[0] ? a->updated_by_name : NULL, "created_at",
                          pd__json_time(a->created_ms), "updated_at", pd__json_time(a->updated_ms),
                          "version", a->version);
    if (with_body && a->body)
        json_object_set_new(j, "body", json_string(a->body));
    return j;
}

/* The {id} argument, or a 404 reply. */
static bool article_id(struct pd_req *rq, int64_t *id)
{
    if (pd__parse_id(rq->args[0], id))
        return true;
    pd_reply_err(rq, PD_E_KB_NOT_FOUND, NULL, NULL);
    return false;
}

/* ---- search --------------------------------------------------------------------------- */

struct search_tx {
    struct pd_kb_terms terms;
    struct pd_kb_query q;
    json_t *items;
};

static int search_cb(void *cls, const struct pd_kb_article *a)
{
    struct search_tx *t = cls;
    json_t *j = article_json(a, false);
    char snippet[SNIPPET_BYTES];
    pd_kb_snippet(a->body, &t->terms, SNIPPET_CHARS, snippet, sizeof snippet);
    json_object_set_new(j, "snippet", json_string(snippet));
    json_object_set_new(j, "score", json_integer(a->score));
    json_array_append_new(t->items, j);
    return 0;
}

static pd_qs search_tx(pd_db *db, void *cls)
{
    struct search_tx *t = cls;
    json_array_clear(t->items);
    return db->ops->kb_search(db, &t->q, search_cb, t);
}

int pd_api_kb_search(struct pd_req *rq)
{
    static const char *const allowed[] = {"q", "category", "limit", "drafts", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct search_tx t;
    memset(&t, 0, sizeof t);
    const char *q = pd_req_query(rq, "q");
    static const char *const why[] = {
        [PD_KB_QUERY_OK] = "",
        [PD_KB_QUERY_EMPTY] = "type something to search for",
        [PD_KB_QUERY_TOO_LONG] = "at most 100 characters",
        [PD_KB_QUERY_TOO_MANY] = "at most 8 words",
        [PD_KB_QUERY_TERM_LONG] = "a word of at most 32 characters",
        [PD_KB_QUERY_UTF8] = "not valid UTF-8",
    };
    enum pd_kb_query_status s = pd_kb_terms_parse(q, &t.terms);
    if (s != PD_KB_QUERY_OK)
        return pd_reply_err(rq, PD_E_KB_QUERY_INVALID, "q", why[s]);
    const char *cat = pd_req_query(rq, "category");
    if (cat && category_index(cat) < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "category", "a knowledge-base category");
    int64_t limit = 0, drafts = 0;
    if (!pd__query_int(rq, "limit", 1, 100, SEARCH_DEFAULT, &limit) ||
        !pd__query_int(rq, "drafts", 0, 1, 0, &drafts))
        return PD_HANDLED;
    if (drafts && !may_edit(rq)) /* invariant 1 */
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, "drafts", "drafts are for editors (kb.edit)");
    t.q = (struct pd_kb_query){
        .n = t.terms.n, .include_drafts = drafts, .category = cat, .limit = (int)limit};
    json_t *terms = json_array(), *scanned = json_array();
    for (int i = 0; i < t.terms.n; i++) {
        t.q.terms[i] = t.terms.term[i];
        t.q.short_term[i] = pd_kb_term_short(&t.terms, i);
        json_array_append_new(t.q.short_term[i] ? scanned : terms, json_string(t.terms.term[i]));
    }
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "kb.search", true, search_tx, &t) < 0) {
        json_decref(t.items);
        json_decref(terms);
        json_decref(scanned);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:s, s:o, s:o, s:o}", "q", q, "indexed_terms", terms,
                                         "scanned_terms", scanned, "items", t.items));
}

/* ---- read ------------------------------------------------------------------------------- */

struct get_tx {
    int64_t id;
    bool found;
    bool drafts;
    json_t *out;
};

static int get_cb(void *cls, const struct pd_kb_article *a)
{
    struct get_tx *t = cls;
    if (a->status == PD_KB_DRAFT && !t->drafts)
        return 0; /* invariant 1 */
    t->found = true;
    json_decref(t->out);
    t->out = article_json(a, true);
    return 0;
}

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    t->found = false;
    return db->ops->kb_get(db, t->id, get_cb, t);
}

int pd_api_kb_get(struct pd_req *rq)
{
    struct get_tx t = {.drafts = may_edit(rq)};
    if (!article_id(rq, &t.id))
        return PD_HANDLED;
    if (pd_tx_run(rq->app->store, "kb.get", true, get_tx, &t) < 0) {
        json_decref(t.out);
        return pd__reply_db_error(rq);
    }
    if (!t.found) {
        json_decref(t.out);
        return pd_reply_err(rq, PD_E_KB_NOT_FOUND, NULL, NULL);
    }
    return pd_reply_json_steal(rq, 200, t.out);
}

struct list_tx {
    struct pd_kb_filter f;
    json_t *items;
    int64_t last;
    int n;
};

static int list_cb(void *cls, const struct pd_kb_article *a)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, article_json(a, false));
    t->last = a->id;
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->kb_list(db, &t->f, list_cb, t);
}

int pd_api_kb_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"category", "status", "before", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.f = {.status = PD_KB_PUBLISHED}};
    const char *status = pd_req_query(rq, "status");
    if (status) {
        if (!strcmp(status, "any"))
            t.f.status = -1;
        else if (!strcmp(status, "draft"))
            t.f.status = PD_KB_DRAFT;
        else if (strcmp(status, "published") != 0)
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "status", "draft, published or any");
        if (t.f.status != PD_KB_PUBLISHED && !may_edit(rq)) /* invariant 1 */
            return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, "status",
                                "drafts are for editors (kb.edit)");
    }
    t.f.category = pd_req_query(rq, "category");
    if (t.f.category && category_index(t.f.category) < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "category", "a knowledge-base category");
    int64_t before = 0, limit = 0;
    if (!pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "kb.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}

/* ---- write ------------------------------------------------------------------------------ */

/* True when @p s holds something other than white space. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return true;
    return false;
}

/* Validate "tags" (an array of single words) into the stored form; replies on failure. */
static bool parse_tags(struct pd_req *rq, const json_t *tags, char out[PD_KB_TAGS_SIZE])
{
    out[0] = '\0';
    if (!json_is_array(tags))
        return pd_reply_err(rq, PD_E_JSON_TYPE, "tags", "an array of words"), false;
    if (json_array_size(tags) > TAGS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "tags", "at most 10 tags"), false;
    size_t i, n = 0;
    const json_t *v;
    json_array_foreach(tags, i, v)
    {
        char field[32];
        snprintf(field, sizeof field, "tags[%zu]", i);
        const char *s = json_string_value(v);
        if (!s)
            return pd_reply_err(rq, PD_E_JSON_TYPE, field, "a word"), false;
        size_t len = json_string_length(v);
        if (!pd_utf8_valid(s, len) || strlen(s) != len)
            return pd_reply_err(rq, PD_E_JSON_UTF8, field, NULL), false;
        size_t chars = pd_utf8_chars(s, len);
        if (chars == 0)
            return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, field, NULL), false;
        if (chars > TAG_CHARS)
            return pd_reply_err(rq, PD_E_JSON_TOO_LONG, field, "at most 20 characters"), false;
        if (strpbrk(s, " \t\r\n") || strstr(s, "\xe3\x80\x80"))
            return pd_reply_err(rq, PD_E_JSON_FORMAT, field, "one word, without blanks"), false;
        if (n + len + 2 > PD_KB_TAGS_SIZE)
            return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "tags", NULL), false;
        if (n)
            out[n++] = ' ';
        memcpy(out + n, s, len);
        n += len;
        out[n] = '\0';
    }
    return true;
}

struct write_tx {
    struct pd_req *rq;
    const char *action;
    struct pd_kb_article a;
    int version; /* update: the version the editor read */
    bool delete_;
    /* update: which fields the request gave */
    bool has_title, has_body, has_category, has_tags, has_status;
    pd_err err;
    const char *field;
    json_t *out;
};

static int copy_cb(void *cls, const struct pd_kb_article *a)
{
    struct write_tx *t = cls;
    struct pd_kb_article u = t->a;
    /* Fields the request did not give keep their stored values. */
    if (!t->has_title)
        snprintf(u.title, sizeof u.title, "%s", a->title);
    if (!t->has_category)
        snprintf(u.category, sizeof u.category, "%s", a->category);
    if (!t->has_tags)
        snprintf(u.tags, sizeof u.tags, "%s", a->tags);
    if (!t->has_status)
        u.status = a->status;
    u.version = a->version;
    t->a = u;
    if (!t->has_body) {
        /* The stored body lives only during the callback: keep a copy. */
        size_t n = strlen(a->body) + 1;
        char *copy = pd_arena_alloc(&t->rq->arena, n);
        if (!copy)
            return PD_QS_HARD;
        memcpy(copy, a->body, n);
        t->a.body = copy;
    }
    return 0;
}

static int back_cb(void *cls, const struct pd_kb_article *a)
{
    struct write_tx *t = cls;
    json_decref(t->out);
    t->out = article_json(a, true);
    return 0;
}

static pd_qs audit_kb(struct write_tx *t, pd_db *db, int64_t id)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    json_t *d = json_pack("{s:s, s:s, s:s}", "title", t->a.title, "category", t->a.category,
                          "status", pd_kb_status_names[t->a.status]);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit au;
    pd_audit_for(&au, t->rq, t->action, "kb_article", sid, 0, ds);
    pd_qs qs = db->ops->audit_insert(db, &au);
    free(ds);
    return qs;
}

static pd_qs write_tx(pd_db *db, void *cls)
{
    struct write_tx *t = cls;
    pd_qs qs;
    if (t->delete_) {
        struct write_tx probe = *t;
        if ((qs = db->ops->kb_get(db, t->a.id, copy_cb, &probe)) < 0)
            return qs;
        if (qs == PD_QS_NONE) {
            t->err = PD_E_KB_NOT_FOUND;
            return PD_QS_ABORT;
        }
        t->a = probe.a;
        if ((qs = db->ops->kb_delete(db, t->a.id)) < 0 || (qs = audit_kb(t, db, t->a.id)) < 0)
            return qs;
        return PD_QS_ONE;
    }
    if (t->a.id == 0) {
        if ((qs = db->ops->kb_insert(db, &t->a)) < 0)
            return qs;
    } else {
        struct write_tx probe = *t;
        if ((qs = db->ops->kb_get(db, t->a.id, copy_cb, &probe)) < 0)
            return qs;
        if (qs == PD_QS_NONE) {
            t->err = PD_E_KB_NOT_FOUND;
            return PD_QS_ABORT;
        }
        if (probe.a.version != t->version) { /* invariant 2 */
            t->err = PD_E_KB_VERSION_CONFLICT;
            t->field = "version";
            return PD_QS_ABORT;
        }
        struct pd_kb_article u = probe.a;
        u.id = t->a.id;
        u.updated_by = t->rq->who.id;
        if ((qs = db->ops->kb_update(db, &u, t->version)) < 0)
            return qs;
        if (qs == PD_QS_NONE) {
            t->err = PD_E_KB_VERSION_CONFLICT;
            t->field = "version";
            return PD_QS_ABORT;
        }
        t->a = u;
    }
    if ((qs = audit_kb(t, db, t->a.id)) < 0)
        return qs;
    return db->ops->kb_get(db, t->a.id, back_cb, t);
}

static int run_write(struct pd_req *rq, struct write_tx *t, unsigned status)
{
    pd_qs qs = pd_tx_run(rq->app->store, t->action, false, write_tx, t);
    if (qs < 0)
        json_decref(t->out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t->err, t->field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (t->delete_)
        return pd_reply_empty(rq, 204);
    return pd_reply_json_steal(rq, status, t->out);
}

/* Decode the article fields of a create (@p create) or an update. */
static bool decode(struct pd_req *rq, struct write_tx *t, bool create)
{
    const char *title = NULL, *body = NULL;
    const json_t *tags = NULL;
    int category = 0, status = PD_KB_DRAFT;
    int64_t version = 0;
    unsigned req = create ? PD_REQ : PD_OPT;
    struct pd_spec spec[] = {
        pd_spec_str("title", &title, req, 1, PD_KB_TITLE_CHARS),
        pd_spec_str("body", &body, req, 1, BODY_CHARS),
        pd_spec_enum("category", &category, req, pd_kb_category_names),
        pd_spec_json("tags", &tags, PD_OPT),
        pd_spec_enum("status", &status, PD_OPT, pd_kb_status_names),
        pd_spec_int("version", &version, create ? PD_OPT : PD_REQ, 1, 1000000000),
        pd_spec_end(),
    };
    spec[0].present = &t->has_title;
    spec[1].present = &t->has_body;
    spec[2].present = &t->has_category;
    spec[3].present = &t->has_tags;
    spec[4].present = &t->has_status;
    bool has_version = false;
    spec[5].present = &has_version;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return false;
    if (create && has_version)
        return pd_reply_err(rq, PD_E_JSON_UNKNOWN_FIELD, "version", "only when editing"), false;
    if (t->has_title && !has_text(title))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "title", NULL), false;
    if (t->has_body && !has_text(body))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "body", NULL), false;
    if (t->has_tags && !parse_tags(rq, tags, t->a.tags))
        return false;
    if (t->has_title)
        snprintf(t->a.title, sizeof t->a.title, "%s", title);
    if (t->has_category)
        snprintf(t->a.category, sizeof t->a.category, "%s", pd_kb_category_names[category]);
    t->a.body = body;
    t->a.status = status;
    t->version = (int)version;
    return true;
}

int pd_api_kb_create(struct pd_req *rq)
{
    struct write_tx t = {.rq = rq, .action = "kb.create"};
    if (!decode(rq, &t, true))
        return PD_HANDLED;
    t.a.author_id = rq->who.id;
    return run_write(rq, &t, 201);
}

int pd_api_kb_update(struct pd_req *rq)
{
    struct write_tx t = {.rq = rq, .action = "kb.update"};
    if (!article_id(rq, &t.a.id) || !decode(rq, &t, false))
        return PD_HANDLED;
    return run_write(rq, &t, 200);
}

int pd_api_kb_delete(struct pd_req *rq)
{
    struct write_tx t = {.rq = rq, .action = "kb.delete", .delete_ = true};
    if (!article_id(rq, &t.a.id))
        return PD_HANDLED;
    return run_write(rq, &t, 204);
}
