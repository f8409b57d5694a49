/*
 * Evidence files of problem parcels (问题件的证据照片):
 * POST /api/v1/problems/{id}/evidence takes one JPEG, PNG or PDF, either as
 * the raw body with its Content-Type or as the "file" part of a
 * multipart/form-data form (http/multipart.h); GET …/evidence/{eid} serves
 * it back to staff who may read the problem (problem_desk.h) and nobody
 * else — 403 for roles that may not read problems, 404 outside the
 * caller's network, as for every record.
 *
 * Invariants:
 *   1. A file is accepted only when its magic bytes say it is the type its
 *      Content-Type declares (core/evidence.h): a renamed script is
 *      refused whatever its name or header say.
 *   2. Its size is at most service.evidence_max_bytes (default 5 MiB).
 *   3. It is stored under service.evidence_dir as 32 random hex digits and
 *      the extension of its real type — never a name the client chose —
 *      written to a temporary name, flushed and renamed, so a half-written
 *      file never carries a real name.
 *   4. The row is inserted after the file is in place, in a transaction
 *      that checks the problem again; when that transaction fails the file
 *      is removed. (A crash between the two leaves an orphan file without a
 *      row, which nothing serves.)
 *   5. Files are served only by their row's name, checked against the
 *      pattern of invariant 3, with nosniff and, for PDFs, as attachments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/evidence.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/problem_desk.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/multipart.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

#define NAME_HEX 32 /* random hex digits of a stored name (16 bytes) */

/* mkdir -p for @p dir (0750). @return false with errno set. */
static bool make_dirs(const char *dir)
{
    char tmp[600];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(tmp, 0750) == 0 || errno == EEXIST;
}

/* Invariant 5: only names this file made are ever opened. */
static bool stored_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n != NAME_HEX + 4 || name[NAME_HEX] != '.')
        return false;
    for (size_t i = 0; i < NAME_HEX; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    const char *ext = name + NAME_HEX + 1;
    for (int k = 0; k < PD_EVIDENCE__COUNT; k++)
        if (!strcmp(ext, pd_evidence_ext(k)))
            return true;
    return false;
}

/* Write @p data to dir/name through a temporary name (invariant 3). */
static bool store_file(const char *dir, const char *name, const void *data, size_t len,
                       char err[512])
{
    char path[700], tmp[720];
    if (!make_dirs(dir)) {
        snprintf(err, 512, "cannot create %.300s: %s", dir, strerror(errno));
        return false;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, 512, "cannot create %.300s: %s", tmp, strerror(errno));
        return false;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, 512, "cannot write %.300s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return false;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, 512, "cannot store %.300s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

static void remove_file(const char *dir, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (unlink(path) != 0)
        pd_warn("evidence: cannot remove %s: %s", path, strerror(errno));
}

/* ---- upload ------------------------------------------------------------------------- */

struct upload_tx {
    struct pd_req *rq;
    int64_t id;
    bool check_only; /* the first pass: is the problem there, in scope and open? */
    struct pd_problem_evidence e;
    pd_err err;
    json_t *out;
};

static pd_qs upload_tx(pd_db *db, void *cls)
{
    struct upload_tx *t = cls;
    struct pd_problem p;
    struct pd_problem_more m;
    pd_qs qs = pd__problem_get_scoped(t->rq, db, t->id, &p, &m);
    if (qs < 0)
        return qs;
    if (qs == PD_QS_NONE || p.state == PD_PROBLEM_CLOSED) {
        t->err = qs == PD_QS_NONE ? PD_E_PROBLEM_NOT_FOUND : PD_E_PROBLEM_CLOSED;
        return PD_QS_ABORT;
    }
    if (t->check_only)
        return PD_QS_NONE;
    t->e.problem_id = p.id;
    if ((qs = db->ops->problem_evidence_insert(db, &t->e)) < 0 ||
        (qs = db->ops->problem_touch(db, p.id, NULL, NULL, t->e.uploaded_ms)) < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)p.id);
    json_t *d = json_pack("{s:I, s:s, s:I, s:s}", "evidence_id", (json_int_t)t->e.id,
                          "content_type", t->e.content_type, "size_bytes",
                          (json_int_t)t->e.size_bytes, "sha256", t->e.sha256);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "problem.evidence", "problem", id, p.node_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    snprintf(t->e.uploaded_by_name, sizeof t->e.uploaded_by_name, "%s", t->rq->who.name);
    json_decref(t->out);
    t->out = pd__evidence_json(&t->e);
    return PD_QS_ONE;
}

int pd_api_problems_evidence_upload(struct pd_req *rq)
{
    struct upload_tx t = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_PROBLEM_NOT_FOUND, NULL, NULL);
    const char *ct = pd_req_header(rq, "Content-Type");
    const char *data = rq->body.data;
    size_t len = rq->body.len;
    const char *declared = ct;
    struct pd_multipart_file f; /* declared points into it: it lives as long */
    if (pd_multipart_is(ct)) {
        char err[128];
        if (!pd_multipart_find(ct, rq->body.data, rq->body.len, "file", &f, err))
            return pd_reply_err(rq, PD_E_EVIDENCE_MULTIPART, "file", err);
        data = f.data;
        len = f.len;
        /* The part's own type; a part without one is judged by its bytes alone. */
        declared = f.content_type[0] ? f.content_type : NULL;
    }
    int kind = declared ? pd_evidence_type_parse(declared) : pd_evidence_sniff(data, len);
    if (kind < 0)
        return pd_reply_err(rq, PD_E_EVIDENCE_TYPE, "file",
                            "Content-Type must be image/jpeg, image/png or application/pdf");
    if (len == 0)
        return pd_reply_err(rq, PD_E_EVIDENCE_EMPTY, "file", NULL);
    const long max = rq->app->cfg.service_evidence_max_bytes;
    if ((long long)len > (long long)max) { /* invariant 2 */
        char detail[64];
        snprintf(detail, sizeof detail, "at most %ld bytes", max);
        return pd_reply_err(rq, PD_E_EVIDENCE_TOO_LARGE, "file", detail);
    }
    if (pd_evidence_sniff(data, len) != kind) /* invariant 1 */
        return pd_reply_err(rq, PD_E_EVIDENCE_TYPE, "file",
                            "the file's content is not the type it claims to be");

    t.check_only = true;
    pd_qs qs = pd_tx_run(rq->app->store, "problems.evidence check", true, upload_tx, &t);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, NULL, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);

    char hex[NAME_HEX + 1];
    pd_random_hex(hex, NAME_HEX / 2);
    snprintf(t.e.file_name, sizeof t.e.file_name, "%s.%s", hex, pd_evidence_ext(kind));
    snprintf(t.e.content_type, sizeof t.e.content_type, "%s", pd_evidence_content_types[kind]);
    t.e.size_bytes = (int64_t)len;
    pd_sha256_hex(data, len, t.e.sha256);
    t.e.uploaded_by = rq->who.id;
    t.e.uploaded_ms = pd_now_ms();
    const char *dir = rq->app->cfg.service_evidence_dir;
    char err[512];
    if (!store_file(dir, t.e.file_name, data, len, err)) {
        pd_error("evidence: %s", err);
        return pd_reply_err(rq, PD_E_EVIDENCE_STORAGE, NULL, NULL);
    }
    t.check_only = false;
    qs = pd_tx_run(rq->app->store, "problems.evidence", false, upload_tx, &t);
    if (qs < 0) { /* invariant 4 */
        remove_file(dir, t.e.file_name);
        json_decref(t.out);
        return qs == PD_QS_ABORT ? pd_reply_err(rq, t.err, NULL, NULL) : pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, 201, t.out);
}

/* ---- serve --------------------------------------------------------------------------- */

struct serve_tx {
    struct pd_req *rq;
    int64_t id, eid;
    bool problem_found, evidence_found;
    struct pd_problem_evidence e;
};

static pd_qs serve_tx(pd_db *db, void *cls)
{
    struct serve_tx *t = cls;
    struct pd_problem p;
    struct pd_problem_more m;
    pd_qs qs = pd__problem_get_scoped(t->rq, db, t->id, &p, &m);
    t->problem_found = qs > 0;
    if (qs <= 0)
        return qs;
    qs = db->ops->problem_evidence_get(db, t->eid, &t->e);
    t->evidence_found = qs > 0 && t->e.problem_id == p.id;
    return qs;
}

/* Read dir/name into @p b. @return false (errno set) when it cannot be read. */
static bool read_file(const char *dir, const char *name, int64_t size, pd_buf *b)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    if (size > 0)
        pd_buf_reserve(b, (size_t)size);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pd_buf_append(b, chunk, n);
    bool ok = !ferror(f) && !b->oom;
    fclose(f);
    return ok;
}

int pd_api_problems_evidence_get(struct pd_req *rq)
{
    struct serve_tx t = {.rq = rq};
    if (!pd__problem_may_read(rq))
        return PD_HANDLED;
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_PROBLEM_NOT_FOUND, NULL, NULL);
    if (!pd__parse_id(rq->args[1], &t.eid))
        return pd_reply_err(rq, PD_E_EVIDENCE_NOT_FOUND, NULL, NULL);
    if (pd_tx_run(rq->app->store, "problems.evidence get", true, serve_tx, &t) < 0)
        return pd__reply_db_error(rq);
    if (!t.problem_found)
        return pd_reply_err(rq, PD_E_PROBLEM_NOT_FOUND, NULL, NULL);
    if (!t.evidence_found)
        return pd_reply_err(rq, PD_E_EVIDENCE_NOT_FOUND, NULL, NULL);
    if (!stored_name_ok(t.e.file_name)) {
        pd_error("evidence %lld: stored name \"%.80s\" is not one this server makes",
                 (long long)t.e.id, t.e.file_name);
        return pd_reply_err(rq, PD_E_EVIDENCE_NOT_FOUND, NULL, NULL);
    }
    pd_buf b;
    pd_buf_init(&b);
    if (!read_file(rq->app->cfg.service_evidence_dir, t.e.file_name, t.e.size_bytes, &b)) {
        pd_warn("evidence %lld: cannot read %s/%s: %s", (long long)t.e.id,
                rq->app->cfg.service_evidence_dir, t.e.file_name, strerror(errno));
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_EVIDENCE_NOT_FOUND, NULL, "the file is missing");
    }
    bool pdf = !strcmp(t.e.content_type, "application/pdf");
    int r = pd_reply_buf_steal(rq, 200, t.e.content_type, &b);
    if (rq->resp && rq->status == 200) {
        char disp[96];
        snprintf(disp, sizeof disp, "%s; filename=\"evidence-%lld.%s\"",
                 pdf ? "attachment" : "inline", (long long)t.e.id, strrchr(t.e.file_name, '.') + 1);
        pd_reply_header(rq, "Content-Disposition", disp);
        pd_reply_header(rq, "Cache-Control", "private, no-store");
        pd_reply_header(rq, "Content-Security-Policy", "default-src 'none'; sandbox");
    }
    return r;
}
