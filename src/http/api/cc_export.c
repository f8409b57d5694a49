/*
 * The call-centre statistics as files (issue 6): one writer for
 * `GET /api/v1/callcenter/stats?format=csv|xlsx` and `parceldesk report
 * callcenter --format csv|xlsx`, so that a download and a report of the
 * same parameters are the same bytes but for the workbook's timestamps.
 * JSON and CSV are the fold's own writers (core/ccstats.h); the Excel
 * workbook is built here with libxlsxwriter — a sheet per table (queues,
 * agents, centre), the buckets when asked for, and the parameters — in a
 * temporary file that is read back and removed, because this version of
 * the library writes only to files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/ccstats.h"
#include "http/api/api.h"
#include "util/log.h"
#include "util/timeutil.h"

bool pd__cc_format_parse(const char *s, enum pd__cc_format *out)
{
    if (s && !strcmp(s, "json"))
        *out = PD__CC_JSON;
    else if (s && !strcmp(s, "csv"))
        *out = PD__CC_CSV;
    else if (s && !strcmp(s, "xlsx"))
        *out = PD__CC_XLSX;
    else
        return false;
    return true;
}

const char *pd__cc_format_media(enum pd__cc_format f)
{
    switch (f) {
    case PD__CC_CSV:
        return "text/csv; charset=utf-8";
    case PD__CC_XLSX:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    default:
        return "application/json";
    }
}

/* ---- the workbook ---------------------------------------------------------------------- */

struct xl {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *pct;
    const struct pd_ccstats_column *cols;
    int ncols;
    int first_col; /* column of the first cell (after name, or from and to) */
    lxw_row_t row;
    int offset_min;
};

static void xl_header(struct xl *x, const char *const *lead, int nlead)
{
    for (int k = 0; k < nlead; k++)
        worksheet_write_string(x->ws, 0, (lxw_col_t)k, lead[k], x->bold);
    for (int k = 0; k < x->ncols; k++)
        worksheet_write_string(x->ws, 0, (lxw_col_t)(k + nlead), x->cols[k].name, x->bold);
    x->first_col = nlead;
    x->row = 1;
}

static void xl_cells(struct xl *x, const struct pd_ccv *cells)
{
    for (int k = 0; k < x->ncols; k++) {
        const struct pd_ccv *v = &cells[k];
        lxw_col_t col = (lxw_col_t)(k + x->first_col);
        switch (v->kind) {
        case PD_CCV_NULL:
            break;
        case PD_CCV_INT:
            worksheet_write_number(x->ws, x->row, col, (double)v->i, NULL);
            break;
        case PD_CCV_RATE:
            worksheet_write_number(x->ws, x->row, col, v->d, x->pct);
            break;
        case PD_CCV_SECS:
        case PD_CCV_NUM:
            worksheet_write_number(x->ws, x->row, col, (double)llround(v->d * 100) / 100, NULL);
            break;
        case PD_CCV_BOOL:
            worksheet_write_boolean(x->ws, x->row, col, v->b, NULL);
            break;
        case PD_CCV_STR:
            worksheet_write_string(x->ws, x->row, col, v->s, NULL);
            break;
        }
    }
    x->row++;
}

static int xl_row(void *cls, const char *name, const struct pd_ccv *cells)
{
    struct xl *x = cls;
    worksheet_write_string(x->ws, x->row, 0, name[0] ? name : "centre", NULL);
    xl_cells(x, cells);
    return 0;
}

static int xl_bucket(void *cls, int64_t from_ms, int64_t to_ms, const struct pd_ccv *cells)
{
    struct xl *x = cls;
    char t[PD_RFC3339_MAX];
    worksheet_write_string(x->ws, x->row, 0, pd_time_format(from_ms, x->offset_min, t), NULL);
    worksheet_write_string(x->ws, x->row, 1, pd_time_format(to_ms, x->offset_min, t), NULL);
    xl_cells(x, cells);
    return 0;
}

static void xl_param(void *cls, const char *key, const char *value)
{
    struct xl *x = cls;
    worksheet_write_string(x->ws, x->row, 0, key, NULL);
    worksheet_write_string(x->ws, x->row, 1, value, NULL);
    x->row++;
}

static bool write_xlsx(pd_ccstats *s, const struct pd__cc_own_view *own, const char *path)
{
    struct xl x = {.offset_min = PD_CST_OFFSET_MIN};
    x.wb = workbook_new(path);
    if (!x.wb)
        return false;
    x.bold = workbook_add_format(x.wb);
    format_set_bold(x.bold);
    x.pct = workbook_add_format(x.wb);
    format_set_num_format(x.pct, "0.00%");
    static const struct {
        enum pd_ccstats_table t;
        const char *sheet;
    } tables[] = {{PD_CCT_QUEUES, "queues"}, {PD_CCT_AGENTS, "agents"}, {PD_CCT_CENTRE, "centre"}};
    static const char *const name_col[] = {"name"}, *const span_cols[] = {"from", "to"};
    bool ok = true;
    for (int i = 0; i < 3 && ok; i++) {
        x.ws = workbook_add_worksheet(x.wb, tables[i].sheet);
        x.cols = pd_ccstats_columns(tables[i].t, &x.ncols);
        xl_header(&x, name_col, 1);
        ok =
            pd_ccstats_rows(s, own && own->merged ? &own->own : NULL, tables[i].t, xl_row, &x) >= 0;
    }
    if (ok && pd_ccstats_nbuckets(s) > 0) {
        x.ws = workbook_add_worksheet(x.wb, "buckets");
        x.cols = pd_ccstats_columns(PD_CCT_QUEUES, &x.ncols);
        xl_header(&x, span_cols, 2);
        pd_ccstats_buckets(s, xl_bucket, &x);
    }
    x.ws = workbook_add_worksheet(x.wb, "parameters");
    worksheet_write_string(x.ws, 0, 0, "parameter", x.bold);
    worksheet_write_string(x.ws, 0, 1, "value", x.bold);
    x.row = 1;
    pd_ccstats_parameters(s, own && own->merged, xl_param, &x);
    return workbook_close(x.wb) == LXW_NO_ERROR && ok;
}

/* The workbook into @p out, through a temporary file. */
static bool xlsx_bytes(pd_ccstats *s, const struct pd__cc_own_view *own, pd_buf *out)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/pd-callcenter-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        pd_warn("callcenter export: cannot create a temporary file in %s: %s",
                dir && dir[0] ? dir : "/tmp", strerror(errno));
        return false;
    }
    close(fd);
    bool ok = write_xlsx(s, own, path);
    FILE *f = ok ? fopen(path, "rb") : NULL;
    if (f) {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            pd_buf_append(out, buf, n);
        ok = !ferror(f) && !out->oom;
        fclose(f);
    } else {
        ok = false;
    }
    unlink(path);
    return ok;
}

bool pd__cc_export(pd_ccstats *s, const struct pd__cc_own_view *own, enum pd__cc_format f,
                   pd_buf *out)
{
    const struct pd_ccstats_own *o = own && own->merged ? &own->own : NULL;
    switch (f) {
    case PD__CC_CSV:
        return pd_ccstats_nbuckets(s) > 0 ? pd_ccstats_buckets_csv(s, out)
                                          : pd_ccstats_csv(s, o, out);
    case PD__CC_XLSX:
        return xlsx_bytes(s, own, out);
    default:
        return pd_ccstats_json(s, o, out);
    }
}
