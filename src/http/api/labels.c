/*
 * Labels (电子面单): GET /api/v1/waybills/{no}/label.pdf?size=100x180|76x130
 * prints one page per parcel of a waybill; POST /api/v1/labels prints many
 * waybills into one PDF for a printer queue. Only accepted orders (and later
 * states, for reprints) have a label: a draft or an order in review may
 * still change, a cancelled one must not travel. Printing reads personal
 * data, so it is audited like a full read; the label itself masks names and
 * phones (src/print/label.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/sortcode.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "print/label.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define BATCH_WAYBILLS_MAX 200

static const char *service_zh(const char *code)
{
    return !strcmp(code, "express")      ? "特快专递"
           : !strcmp(code, "cold_chain") ? "冷链快递"
           : !strcmp(code, "freight")    ? "快运"
                                         : "标准快递";
}

static const char *payment_zh(const char *code)
{
    return !strcmp(code, "receiver")      ? "到付"
           : !strcmp(code, "monthly")     ? "月结"
           : !strcmp(code, "third_party") ? "第三方付"
                                          : "寄付";
}

/* Everything the labels of one waybill borrow, kept alive until rendering. */
struct wb_labels {
    struct pd_waybill_copy c;
    json_t *doc;
    char sort[96], printed[32], goods[160];
    char *to_addr, *from_addr;
    struct pd_parcel *parcels;
    int n;
};

static int parcel_cb(void *cls, const struct pd_parcel *p)
{
    struct wb_labels *l = cls;
    struct pd_parcel *np = realloc(l->parcels, (size_t)(l->n + 1) * sizeof *np);
    if (!np)
        return PD_QS_HARD;
    l->parcels = np;
    l->parcels[l->n++] = *p;
    return 0;
}

static void wb_labels_free(struct wb_labels *l)
{
    pd_waybill_copy_free(&l->c);
    json_decref(l->doc);
    free(l->to_addr);
    free(l->from_addr);
    free(l->parcels);
    memset(l, 0, sizeof *l);
}

static const char *s_of(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static char *full_address(const json_t *p)
{
    const char *prov = s_of(p, "province"), *city = s_of(p, "city");
    char *out = NULL;
    /* A municipality's city repeats the province: print it once. */
    if (asprintf(&out, "%s%s%s%s", prov, strcmp(prov, city) ? city : "", s_of(p, "district"),
                 s_of(p, "address")) < 0)
        out = NULL;
    return out;
}

/* Fill @p out[0..l->n) from the loaded waybill. */
static void make_labels(struct wb_labels *l, struct pd_label *out)
{
    const json_t *r = json_object_get(l->doc, "recipient"), *s = json_object_get(l->doc, "sender");
    const json_t *g = json_object_get(l->doc, "goods");
    pd_sort_code(l->c.w.dest_division, s_of(r, "city"), s_of(r, "district"), l->sort,
                 sizeof l->sort);
    char rfc[PD_RFC3339_MAX];
    pd_time_format(pd_now_ms(), PD_CST_OFFSET_MIN, rfc); /* "2026-11-23T10:00:00+08:00" */
    snprintf(l->printed, sizeof l->printed, "%.10s %.5s", rfc, rfc + 11);
    snprintf(l->goods, sizeof l->goods, "%.120s ×%lld", s_of(g, "name"),
             (long long)json_integer_value(json_object_get(g, "quantity")));
    l->to_addr = full_address(r);
    l->from_addr = full_address(s);
    for (int i = 0; i < l->n; i++) {
        out[i] = (struct pd_label){
            .parcel_no = l->parcels[i].parcel_no,
            .waybill_no = l->c.w.waybill_no,
            .seq = l->parcels[i].seq,
            .count = l->n,
            .sort_code = l->sort,
            .service = service_zh(l->c.w.service),
            .payment = payment_zh(l->c.w.payment),
            .cod_fen = l->c.w.cod_fen,
            .declared_value_fen = l->c.w.declared_value_fen,
            .weight_g = l->n == 1 ? l->c.w.weight_g : l->parcels[i].weight_g,
            .recipient_name = s_of(r, "name"),
            .recipient_phone = s_of(r, "phone"),
            .recipient_address = l->to_addr ? l->to_addr : "",
            .sender_name = s_of(s, "name"),
            .sender_phone = s_of(s, "phone"),
            .sender_address = l->from_addr ? l->from_addr : "",
            .goods = l->goods,
            .remarks = s_of(l->doc, "remarks"),
            .printed_at = l->printed,
        };
    }
}

struct print_tx {
    struct pd_req *rq;
    char (*nos)[PD_WB_NO_SIZE];
    int n_nos;
    struct wb_labels *wb;
    const char *missing;     /* a number not found (404) */
    const char *unprintable; /* a number not printable (409) */
};

static pd_qs print_tx(pd_db *db, void *cls)
{
    struct print_tx *t = cls;
    for (int i = 0; i < t->n_nos; i++) {
        struct wb_labels *l = &t->wb[i];
        wb_labels_free(l);
        bool found;
        pd_qs qs = pd__waybill_load(db, t->rq, t->nos[i], false, &l->c, &found);
        if (qs < 0)
            return qs;
        if (!found) {
            t->missing = t->nos[i];
            return PD_QS_ABORT;
        }
        enum pd_order_state st = (enum pd_order_state)l->c.w.state;
        if (st == PD_ORDER_DRAFT || st == PD_ORDER_IN_REVIEW || st == PD_ORDER_CANCELLED) {
            t->unprintable = t->nos[i];
            return PD_QS_ABORT;
        }
        l->doc = json_loads(l->c.w.doc, 0, NULL);
        if (!l->doc || (qs = db->ops->parcel_list(db, l->c.w.id, parcel_cb, l)) < 0)
            return l->doc ? qs : PD_QS_HARD;
        struct pd_audit a;
        pd_audit_for(&a, t->rq, "waybill.print_label", "waybill", l->c.w.waybill_no, l->c.w.node_id,
                     NULL);
        if ((qs = db->ops->audit_insert(db, &a)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

static int print(struct pd_req *rq, char (*nos)[PD_WB_NO_SIZE], int n, enum pd_label_size size)
{
    struct print_tx t = {.rq = rq, .nos = nos, .n_nos = n};
    t.wb = calloc((size_t)n, sizeof *t.wb);
    if (!t.wb)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.label", false, print_tx, &t);
    int ret;
    if (qs == PD_QS_ABORT && t.missing) {
        ret = pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, n > 1 ? "waybills" : NULL, t.missing);
    } else if (qs == PD_QS_ABORT) {
        ret = pd_reply_err(rq, PD_E_LABEL_NOT_PRINTABLE, n > 1 ? "waybills" : NULL, t.unprintable);
    } else if (qs < 0) {
        ret = pd__reply_db_error(rq);
    } else {
        int pages = 0;
        for (int i = 0; i < n; i++)
            pages += t.wb[i].n;
        struct pd_label *labels = calloc((size_t)(pages ? pages : 1), sizeof *labels);
        char err[PD_LABEL_ERR_SIZE] = "";
        pd_buf pdf;
        pd_buf_init(&pdf);
        bool ok = labels && pages <= PD_LABEL_BATCH_MAX;
        if (!ok && labels)
            snprintf(err, sizeof err, "at most %d labels per PDF", PD_LABEL_BATCH_MAX);
        for (int i = 0, at = 0; ok && i < n; at += t.wb[i].n, i++)
            make_labels(&t.wb[i], labels + at);
        ok = ok && pd_label_render(labels, pages, size, &pdf, err);
        free(labels);
        if (ok) {
            ret = pd_reply_buf_steal(rq, 200, "application/pdf", &pdf);
            char disp[96];
            snprintf(disp, sizeof disp, "inline; filename=\"%s-%s.pdf\"",
                     n == 1 ? nos[0] : "labels", pd_label_size_name(size));
            pd_reply_header(rq, "Content-Disposition", disp);
        } else {
            ret = pages > PD_LABEL_BATCH_MAX ? pd_reply_err(rq, PD_E_JSON_TOO_LONG, "waybills", err)
                                             : pd_reply_err(rq, PD_E_LABEL_FAILED, NULL, err);
        }
        pd_buf_free(&pdf);
    }
    for (int i = 0; i < n; i++)
        wb_labels_free(&t.wb[i]);
    free(t.wb);
    return ret;
}

static bool size_arg(struct pd_req *rq, const char *s, const char *field, enum pd_label_size *out)
{
    if (!s) {
        *out = PD_LABEL_100X180;
        return true;
    }
    if (pd_label_size_parse(s, out))
        return true;
    pd_reply_err(rq, field[0] == 's' && rq->method == PD_GET ? PD_E_QUERY_INVALID : PD_E_JSON_ENUM,
                 field, "100x180 or 76x130");
    return false;
}

int pd_api_labels_one(struct pd_req *rq)
{
    static const char *const allowed[] = {"size", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    char no[1][PD_WB_NO_SIZE];
    if (!pd__waybill_no_arg(rq, rq->args[0], no[0]))
        return PD_HANDLED;
    enum pd_label_size size;
    if (!size_arg(rq, pd_req_query(rq, "size"), "size", &size))
        return PD_HANDLED;
    return print(rq, no, 1, size);
}

int pd_api_labels_batch(struct pd_req *rq)
{
    const json_t *list = NULL;
    const char *size_s = NULL;
    struct pd_spec spec[] = {
        pd_spec_json("waybills", &list, PD_REQ),
        pd_spec_str("size", &size_s, PD_OPT, 1, 16),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    enum pd_label_size size;
    if (!size_arg(rq, size_s, "size", &size))
        return PD_HANDLED;
    if (!json_is_array(list) || json_array_size(list) < 1)
        return pd_reply_err(rq, PD_E_JSON_TYPE, "waybills", "a non-empty array of numbers");
    if (json_array_size(list) > BATCH_WAYBILLS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "waybills", "at most 200 waybills");
    int n = (int)json_array_size(list);
    char(*nos)[PD_WB_NO_SIZE] = pd_arena_alloc(&rq->arena, (size_t)n * PD_WB_NO_SIZE);
    if (!nos)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    for (int i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(list, (size_t)i));
        char field[32], canon[PD_WB_NO_SIZE];
        snprintf(field, sizeof field, "waybills[%d]", i);
        if (!s)
            return pd_reply_err(rq, PD_E_JSON_TYPE, field, "a waybill number");
        if (!pd__waybill_no_parse(s, canon))
            return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, field, NULL);
        for (int j = 0; j < i; j++)
            if (!strcmp(nos[j], canon))
                return pd_reply_err(rq, PD_E_JSON_FORMAT, field, "listed twice");
        memcpy(nos[i], canon, PD_WB_NO_SIZE);
    }
    return print(rq, nos, n, size);
}
