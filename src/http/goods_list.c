/*
 * The server's copy of the goods list (goods_list.h): snapshots of the
 * screening index, their reference counts, the rebuild after an edit and the
 * lazy stamp check, the seed from the TSV file, and the one validation of a
 * rule shared by the API and the seed. It is not the matcher (core/
 * screening.c) and not the storage (sqlite_goods.c, pg_goods.c).
 *
 * Invariants:
 *  1. gl->cur is never NULL after open, and holds one reference to its
 *     snapshot; every ticket handed out holds one more.
 *  2. gl->cur changes only under gl->mu, and a reference is only taken under
 *     gl->mu while the snapshot is current: so its count is at least 1 when
 *     taken, and a snapshot whose count reaches 0 is unreachable — whoever
 *     drops the last reference frees it, outside any lock.
 *  3. One rebuild at a time (gl->load_mu). The lazy check only try-locks it:
 *     a request never waits for another's rebuild.
 *  4. A snapshot built from an older stamp version never replaces a newer
 *     one, so two rebuilds racing cannot go back in time.
 *  5. The stamp is read before the rules: a snapshot may hold rules newer
 *     than its version (the next check rebuilds once more, harmlessly),
 *     never older, so no change is missed.
 */
#include "http/goods_list.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/tx.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/utf8.h"

struct snap {
    struct pd_screening *idx;
    int64_t version;
    atomic_int refs;
};

struct pd_goods_list {
    pd_store *store;
    int64_t check_us;
    pthread_mutex_t mu; /* guards cur and next_check_us; held only for pointer work */
    struct snap *cur;
    int64_t next_check_us;   /* monotonic time of the next lazy stamp check */
    pthread_mutex_t load_mu; /* one rebuild at a time */
};

static void snap_unref(struct snap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        pd_screening_free(s->idx);
        free(s);
    }
}

/* ---- validation ----------------------------------------------------------- */

/* Control characters would break the TSV form and every display of a term;
 * a note may span lines. */
static bool has_control(const char *s, bool allow_newline)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 || *p == 0x7F) && !(allow_newline && *p == '\n'))
            return true;
    return false;
}

/* ASCII space or the ideographic space U+3000 (E3 80 80) at either end. */
static bool padded(const char *s)
{
    size_t n = strlen(s);
    return n && (s[0] == ' ' || s[n - 1] == ' ' || !strncmp(s, "\xE3\x80\x80", 3) ||
                 (n >= 3 && !strcmp(s + n - 3, "\xE3\x80\x80")));
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\n')
            return false;
    return true;
}

/* Length and encoding of one text field; 0 when fine. */
static pd_err text_check(const char *s, size_t min_chars, size_t max_chars, const char *too_long,
                         bool allow_newline, const char **detail)
{
    size_t len = strlen(s);
    if (!pd_utf8_valid(s, len)) {
        *detail = "not valid UTF-8";
        return PD_E_JSON_UTF8;
    }
    size_t chars = pd_utf8_chars(s, len);
    if (chars < min_chars) {
        *detail = "must not be empty";
        return PD_E_JSON_TOO_SHORT;
    }
    if (chars > max_chars) {
        *detail = too_long;
        return PD_E_JSON_TOO_LONG;
    }
    if (has_control(s, allow_newline)) {
        *detail = "contains control characters (tab, line break …)";
        return PD_E_JSON_FORMAT;
    }
    return PD_OK;
}

pd_err pd_goods_rule_validate(const char *term, const char *category, int level,
                              const char *condition, const char *note, const char **field,
                              const char **detail)
{
    pd_err e;
    *field = "term";
    if ((e = text_check(term ? term : "", 1, PD_GOODS_TERM_CHARS, "at most 50 characters", false,
                        detail)))
        return e;
    if (padded(term)) {
        *detail = "no spaces before or after the term";
        return PD_E_JSON_FORMAT;
    }
    /* One Latin letter or digit is inside almost every name: such a term
     * would refuse most orders. */
    if (strlen(term) == 1) {
        *detail = "a single ASCII character would match almost every goods name";
        return PD_E_JSON_TOO_SHORT;
    }
    *field = "category";
    if ((e = text_check(category ? category : "", 1, PD_GOODS_CATEGORY_CHARS,
                        "at most 32 characters", false, detail)))
        return e;
    if (padded(category)) {
        *detail = "no spaces before or after the category";
        return PD_E_JSON_FORMAT;
    }
    *field = "level";
    if (level != PD_GOODS_PROHIBITED && level != PD_GOODS_RESTRICTED) {
        *detail = "prohibited or restricted";
        return PD_E_JSON_ENUM;
    }
    *field = "condition";
    if ((e = text_check(condition ? condition : "", 0, PD_GOODS_TEXT_CHARS,
                        "at most 200 characters", false, detail)))
        return e;
    if (level == PD_GOODS_RESTRICTED && blank(condition)) {
        *detail = "a restricted term needs the condition it may be sent under (限寄条件)";
        return PD_E_JSON_MISSING;
    }
    *field = "note";
    if ((e = text_check(note ? note : "", 0, PD_GOODS_TEXT_CHARS, "at most 200 characters", true,
                        detail)))
        return e;
    *field = NULL;
    *detail = NULL;
    return PD_OK;
}

/* ---- reading the store ---------------------------------------------------- */

struct loaded {
    bool force;
    int64_t known; /* version of the current snapshot */
    bool unchanged;
    struct pd_goods_stamp stamp;
    struct pd_goods_rule *rows; /* active rules, strings malloc'd */
    size_t n, cap;
    bool oom;
};

static void loaded_clear(struct loaded *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->rows[i].term);
        free((char *)l->rows[i].category);
        free((char *)l->rows[i].condition);
    }
    free(l->rows);
    l->rows = NULL;
    l->n = l->cap = 0;
    l->oom = false;
    l->unchanged = false;
}

static int on_rule(void *cls, const struct pd_goods_rule_rec *r)
{
    struct loaded *l = cls;
    if (!r->active)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        struct pd_goods_rule *rows = realloc(l->rows, cap * sizeof *rows);
        if (!rows) {
            l->oom = true;
            return PD_QS_HARD;
        }
        l->rows = rows;
        l->cap = cap;
    }
    struct pd_goods_rule *g = &l->rows[l->n];
    g->term = strdup(r->term);
    g->category = strdup(r->category);
    g->condition = strdup(r->condition);
    g->level = (enum pd_goods_level)r->level;
    l->n++; /* counted even when a copy failed, so loaded_clear frees the rest */
    if (!g->term || !g->category || !g->condition) {
        l->oom = true;
        return PD_QS_HARD;
    }
    return 0;
}

/* Stamp first, then the rules (invariant 5). Runs inside pd_tx_run or, for
 * the lazy check, on a bare connection; either way it may run again. */
static pd_qs read_list(pd_db *db, void *cls)
{
    struct loaded *l = cls;
    loaded_clear(l);
    pd_qs qs = db->ops->goods_stamp(db, &l->stamp);
    if (qs < 0)
        return qs;
    if (!l->force && l->stamp.version == l->known) {
        l->unchanged = true;
        return PD_QS_NONE;
    }
    qs = db->ops->goods_rule_list(db, on_rule, l);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* Build a snapshot from what read_list found. NULL (logged) when the rules
 * do not build: only possible through plain-SQL edits the API would refuse. */
static struct snap *build(const struct loaded *l)
{
    struct snap *s = calloc(1, sizeof *s);
    if (!s) {
        pd_error("goods list: out of memory");
        return NULL;
    }
    struct pd_screening_error se = {0, 0, NULL};
    pd_err e = pd_screening_new(l->rows, l->n, &s->idx, &se);
    if (e != PD_OK) {
        const char *term = se.line >= 1 && se.line <= l->n ? l->rows[se.line - 1].term : "?";
        pd_error("goods list: version %lld does not build: rule \"%s\", column %zu: %s",
                 (long long)l->stamp.version, term, se.column, se.reason ? se.reason : "invalid");
        free(s);
        return NULL;
    }
    s->version = l->stamp.version;
    atomic_init(&s->refs, 1);
    return s;
}

/* Make @p s current unless a newer one already is (invariant 4). */
static void install(struct pd_goods_list *gl, struct snap *s)
{
    pthread_mutex_lock(&gl->mu);
    struct snap *old = gl->cur;
    if (old && old->version > s->version) {
        pthread_mutex_unlock(&gl->mu);
        snap_unref(s);
        return;
    }
    gl->cur = s;
    pthread_mutex_unlock(&gl->mu);
    snap_unref(old);
    pd_info("goods list: version %lld in use, %zu active terms", (long long)s->version,
            pd_screening_size(s->idx));
}

static int64_t current_version(struct pd_goods_list *gl)
{
    pthread_mutex_lock(&gl->mu);
    int64_t v = gl->cur ? gl->cur->version : -1;
    pthread_mutex_unlock(&gl->mu);
    return v;
}

/* With gl->load_mu held: read (in a transaction when @p in_tx), build, install. */
static bool rebuild_locked(struct pd_goods_list *gl, bool force, bool in_tx)
{
    struct loaded l = {.force = force, .known = current_version(gl)};
    pd_qs qs;
    if (in_tx) {
        qs = pd_tx_run(gl->store, "goods list", true, read_list, &l);
    } else {
        pd_db *db = pd_store_acquire(gl->store);
        qs = db ? read_list(db, &l) : PD_QS_HARD;
        if (db)
            pd_store_release(gl->store, db);
    }
    bool ok = qs >= 0 && !l.oom;
    if (!ok)
        pd_warn("goods list: cannot read the list%s; keeping version %lld",
                l.oom ? " (out of memory)" : "", (long long)l.known);
    else if (!l.unchanged) {
        struct snap *s = build(&l);
        ok = s != NULL;
        if (s)
            install(gl, s);
    }
    loaded_clear(&l);
    return ok;
}

bool pd_goods_list_reload(struct pd_goods_list *gl)
{
    pthread_mutex_lock(&gl->load_mu);
    bool ok = rebuild_locked(gl, true, true);
    pthread_mutex_unlock(&gl->load_mu);
    return ok;
}

/* ---- snapshots ------------------------------------------------------------ */

const struct pd_screening *pd_goods_list_acquire(struct pd_goods_list *gl, void **ticket)
{
    int64_t now = pd_mono_us();
    pthread_mutex_lock(&gl->mu);
    bool check = now >= gl->next_check_us;
    if (check)
        gl->next_check_us = now + gl->check_us; /* this thread claims the interval */
    pthread_mutex_unlock(&gl->mu);
    /* The caller may be inside its own transaction: read on a bare
     * connection, never through pd_tx_run (invariant 3 for the lock). */
    if (check && pthread_mutex_trylock(&gl->load_mu) == 0) {
        rebuild_locked(gl, false, false);
        pthread_mutex_unlock(&gl->load_mu);
    }
    pthread_mutex_lock(&gl->mu);
    struct snap *s = gl->cur;
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&gl->mu);
    *ticket = s;
    return s->idx;
}

void pd_goods_list_release(struct pd_goods_list *gl, void *ticket)
{
    (void)gl;
    snap_unref(ticket);
}

size_t pd_goods_list_check(struct pd_goods_list *gl, const char *name,
                           struct pd_goods_match *matches, size_t max, pd_arena *arena)
{
    void *ticket;
    const struct pd_screening *idx = pd_goods_list_acquire(gl, &ticket);
    size_t found = pd_screening_check(idx, name, matches, max);
    for (size_t i = 0; i < found && i < max; i++) {
        struct pd_goods_match *m = &matches[i];
        const char *term = pd_arena_strdup(arena, m->term);
        const char *category = pd_arena_strdup(arena, m->category);
        const char *condition = pd_arena_strdup(arena, m->condition);
        m->term = term ? term : "";
        m->category = category ? category : "";
        m->condition = condition ? condition : "";
    }
    pd_goods_list_release(gl, ticket);
    return found;
}

void pd_goods_list_info(struct pd_goods_list *gl, int64_t *version, size_t *terms)
{
    pthread_mutex_lock(&gl->mu);
    *version = gl->cur->version;
    *terms = pd_screening_size(gl->cur->idx);
    pthread_mutex_unlock(&gl->mu);
}

/* ---- the seed ------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len, char err[256])
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, 256, "goods list seed %.200s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t n = 0, cap = 0, got;
    char chunk[8192];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + got + 1 > cap) {
            cap = (n + got + 1) * 2;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                snprintf(err, 256, "out of memory");
                return NULL;
            }
            text = t;
        }
        memcpy(text + n, chunk, got);
        n += got;
    }
    fclose(f);
    if (!text && !(text = calloc(1, 1))) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    text[n] = '\0';
    *len = n;
    return text;
}

struct seed {
    char *text; /* the file, split in place into lines and columns */
    struct {
        char *f[5];
        size_t line;
    } * rows;
    size_t n;
    int64_t now_ms;
    int inserted;
};

/* Split the file's rows, after pd_screening_parse_tsv has accepted it (so
 * every row has its five columns), and check each one as the API would. */
static bool seed_split(struct seed *sd, size_t len, const char *path, char err[256])
{
    sd->rows = calloc(len / 8 + 4, sizeof *sd->rows); /* a row takes at least 8 bytes */
    if (!sd->rows) {
        snprintf(err, 256, "out of memory");
        return false;
    }
    bool header = false;
    size_t lineno = 0;
    for (char *p = sd->text, *end = sd->text + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        lineno++;
        *le = '\0';
        if (le > p && le[-1] == '\r')
            le[-1] = '\0';
        char *line = p;
        p = nl ? nl + 1 : end;
        if (!line[0] || line[0] == '#')
            continue;
        if (!header) {
            header = true;
            continue;
        }
        char **f = sd->rows[sd->n].f;
        f[0] = line;
        for (int k = 1; k < 5; k++) {
            char *tab = strchr(f[k - 1], '\t');
            if (PD_BREAK(tab != NULL)) { /* parse_tsv accepted it */
                snprintf(err, 256, "goods list seed %.200s:%zu: malformed", path, lineno);
                return false;
            }
            *tab = '\0';
            f[k] = tab + 1;
        }
        const char *field, *detail;
        int level = !strcmp(f[2], "restricted") ? PD_GOODS_RESTRICTED : PD_GOODS_PROHIBITED;
        if (pd_goods_rule_validate(f[0], f[1], level, f[3], f[4], &field, &detail) != PD_OK) {
            snprintf(err, 256, "goods list seed %.150s:%zu: %s: %s", path, lineno, field, detail);
            return false;
        }
        sd->rows[sd->n++].line = lineno;
    }
    return true;
}

static pd_qs seed_tx(pd_db *db, void *cls)
{
    struct seed *sd = cls;
    sd->inserted = 0;
    struct pd_goods_stamp st;
    pd_qs qs = db->ops->goods_stamp(db, &st);
    if (qs < 0 || st.count > 0) /* another server seeded first */
        return qs;
    for (size_t i = 0; i < sd->n; i++) {
        struct pd_goods_rule_rec r;
        memset(&r, 0, sizeof r);
        pd_utf8_copy(r.term, sizeof r.term, sd->rows[i].f[0]);
        pd_utf8_copy(r.category, sizeof r.category, sd->rows[i].f[1]);
        r.level =
            !strcmp(sd->rows[i].f[2], "restricted") ? PD_GOODS_RESTRICTED : PD_GOODS_PROHIBITED;
        pd_utf8_copy(r.condition, sizeof r.condition, sd->rows[i].f[3]);
        pd_utf8_copy(r.note, sizeof r.note, sd->rows[i].f[4]);
        r.active = true;
        r.updated_ms = sd->now_ms;
        if ((qs = db->ops->goods_rule_insert_new(db, &r)) < 0)
            return qs;
        sd->inserted += qs == PD_QS_ONE;
    }
    return PD_QS_ONE;
}

static pd_qs stamp_tx(pd_db *db, void *cls)
{
    return db->ops->goods_stamp(db, cls);
}

/* Seed an empty list from @p path. The count is read again inside the
 * writing transaction, so a list someone filled meanwhile is left alone;
 * terms inserted concurrently by another server are skipped row by row. */
static bool seed(struct pd_goods_list *gl, const char *path, char err[256])
{
    struct pd_goods_stamp st;
    if (pd_tx_run(gl->store, "goods stamp", true, stamp_tx, &st) < 0) {
        snprintf(err, 256, "cannot read the goods list (is the database migrated?)");
        return false;
    }
    if (st.count > 0)
        return true;
    struct seed sd = {.now_ms = pd_now_ms()};
    size_t len = 0;
    if (!(sd.text = read_file(path, &len, err)))
        return false;
    struct pd_screening *check = NULL;
    struct pd_screening_error se = {0, 0, NULL};
    bool ok = false;
    if (pd_screening_parse_tsv(sd.text, len, &check, &se) != PD_OK)
        snprintf(err, 256, "goods list seed %.200s:%zu:%zu: %s", path, se.line, se.column,
                 se.reason ? se.reason : "invalid");
    else if (seed_split(&sd, len, path, err)) {
        ok = pd_tx_run(gl->store, "seed goods list", false, seed_tx, &sd) >= 0;
        if (!ok)
            snprintf(err, 256, "cannot seed the goods list: database error");
        else if (sd.inserted)
            pd_info("goods list: seeded %d rules from %s", sd.inserted, path);
    }
    pd_screening_free(check);
    free(sd.rows);
    free(sd.text);
    return ok;
}

/* ---- life cycle ----------------------------------------------------------- */

struct pd_goods_list *pd_goods_list_open(pd_store *store, const char *seed_path, int64_t check_ms,
                                         char err[256])
{
    struct pd_goods_list *gl = calloc(1, sizeof *gl);
    if (!gl) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    gl->store = store;
    gl->check_us = check_ms * 1000;
    gl->next_check_us = pd_mono_us() + gl->check_us;
    pthread_mutex_init(&gl->mu, NULL);
    pthread_mutex_init(&gl->load_mu, NULL);
    if (!seed(gl, seed_path, err)) {
        pd_goods_list_free(gl);
        return NULL;
    }
    if (!pd_goods_list_reload(gl) || !gl->cur) {
        snprintf(err, 256, "cannot load the goods list from the database (see the log)");
        pd_goods_list_free(gl);
        return NULL;
    }
    return gl;
}

void pd_goods_list_free(struct pd_goods_list *gl)
{
    if (!gl)
        return;
    /* A ticket still out is a bug above; dropping only the list's own
     * reference leaves that snapshot to its holder rather than freeing it
     * under them. */
    if (gl->cur && atomic_load(&gl->cur->refs) != 1)
        pd_error("goods list: freed with %d snapshot tickets outstanding",
                 atomic_load(&gl->cur->refs) - 1);
    snap_unref(gl->cur);
    pthread_mutex_destroy(&gl->mu);
    pthread_mutex_destroy(&gl->load_mu);
    free(gl);
}
