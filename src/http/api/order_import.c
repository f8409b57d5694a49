/*
 * The order import engine (order_import.h): the column table (English paths
 * and Chinese headers), the header check, turning one row's cells into an
 * order document, and the two modes' transactions with a report that stays
 * small whatever the size of the file. The rules an order must pass are not
 * here: every row goes through pd_order_create_in (order_intake.c), so an
 * imported order is refused, priced, reviewed and audited exactly like one
 * typed into the console. Columns and values are documented in
 * docs/import.md; keep the two in step.
 */
#include "http/api/order_import.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/app.h"
#include "store/tx.h"
#include "util/utf8.h"

/* How a cell becomes a JSON value. */
enum conv {
    CV_STR,     /* text as written */
    CV_CHANNEL, /* enum codes, or the Chinese words for them */
    CV_SERVICE,
    CV_PAYMENT,
    CV_INT,  /* whole number (thousands separators and ".00" allowed) */
    CV_KG,   /* kilograms, at most 3 decimals → grams */
    CV_CM,   /* centimetres, at most 1 decimal → millimetres */
    CV_YUAN, /* yuan, at most 2 decimals → fen */
    CV_BOOL, /* 是/否, true/false, yes/no, 1/0 */
    CV_TIME, /* RFC 3339, or "YYYY-MM-DD HH:MM[:SS]" in China time */
};

struct coldef {
    const char *header; /* normalised: no spaces, ASCII parentheses, lower case */
    const char *path;   /* the order body's dotted path */
    enum conv conv;
};

static const struct coldef columns[] = {
    {"channel", "channel", CV_CHANNEL},
    {"service", "service", CV_SERVICE},
    {"payment", "payment", CV_PAYMENT},
    {"customer_code", "customer_code", CV_STR},
    {"customer_ref", "customer_ref", CV_STR},
    {"sender.name", "sender.name", CV_STR},
    {"sender.phone", "sender.phone", CV_STR},
    {"sender.company", "sender.company", CV_STR},
    {"sender.province", "sender.province", CV_STR},
    {"sender.city", "sender.city", CV_STR},
    {"sender.district", "sender.district", CV_STR},
    {"sender.district_code", "sender.district_code", CV_STR},
    {"sender.address", "sender.address", CV_STR},
    {"recipient.name", "recipient.name", CV_STR},
    {"recipient.phone", "recipient.phone", CV_STR},
    {"recipient.company", "recipient.company", CV_STR},
    {"recipient.province", "recipient.province", CV_STR},
    {"recipient.city", "recipient.city", CV_STR},
    {"recipient.district", "recipient.district", CV_STR},
    {"recipient.district_code", "recipient.district_code", CV_STR},
    {"recipient.address", "recipient.address", CV_STR},
    {"goods.name", "goods.name", CV_STR},
    {"goods.category", "goods.category", CV_STR},
    {"goods.quantity", "goods.quantity", CV_INT},
    {"goods.weight_g", "goods.weight_g", CV_INT},
    {"goods.length_mm", "goods.length_mm", CV_INT},
    {"goods.width_mm", "goods.width_mm", CV_INT},
    {"goods.height_mm", "goods.height_mm", CV_INT},
    {"declared_value_fen", "declared_value_fen", CV_INT},
    {"cod_fen", "cod_fen", CV_INT},
    {"parcels", "parcels", CV_INT},
    {"special_packaging", "special_packaging", CV_BOOL},
    {"pickup_window.from", "pickup_window.from", CV_TIME},
    {"pickup_window.to", "pickup_window.to", CV_TIME},
    {"remarks", "remarks", CV_STR},
    {"expected_total_fen", "expected_total_fen", CV_INT},

    {"渠道", "channel", CV_CHANNEL},
    {"服务类型", "service", CV_SERVICE},
    {"付款方式", "payment", CV_PAYMENT},
    {"客户编号", "customer_code", CV_STR},
    {"客户单号", "customer_ref", CV_STR},
    {"寄件人", "sender.name", CV_STR},
    {"寄件人电话", "sender.phone", CV_STR},
    {"寄件公司", "sender.company", CV_STR},
    {"寄件省", "sender.province", CV_STR},
    {"寄件市", "sender.city", CV_STR},
    {"寄件区县", "sender.district", CV_STR},
    {"寄件区县代码", "sender.district_code", CV_STR},
    {"寄件地址", "sender.address", CV_STR},
    {"收件人", "recipient.name", CV_STR},
    {"收件人电话", "recipient.phone", CV_STR},
    {"收件公司", "recipient.company", CV_STR},
    {"收件省", "recipient.province", CV_STR},
    {"收件市", "recipient.city", CV_STR},
    {"收件区县", "recipient.district", CV_STR},
    {"收件区县代码", "recipient.district_code", CV_STR},
    {"收件地址", "recipient.address", CV_STR},
    {"物品名称", "goods.name", CV_STR},
    {"物品类别", "goods.category", CV_STR},
    {"数量", "goods.quantity", CV_INT},
    {"重量(kg)", "goods.weight_g", CV_KG},
    {"重量(千克)", "goods.weight_g", CV_KG},
    {"重量(公斤)", "goods.weight_g", CV_KG},
    {"重量(克)", "goods.weight_g", CV_INT},
    {"重量(g)", "goods.weight_g", CV_INT},
    {"长(cm)", "goods.length_mm", CV_CM},
    {"宽(cm)", "goods.width_mm", CV_CM},
    {"高(cm)", "goods.height_mm", CV_CM},
    {"保价金额(元)", "declared_value_fen", CV_YUAN},
    {"代收货款(元)", "cod_fen", CV_YUAN},
    {"件数", "parcels", CV_INT},
    {"特殊包装", "special_packaging", CV_BOOL},
    {"备注", "remarks", CV_STR},
    {"预约取件开始", "pickup_window.from", CV_TIME},
    {"预约取件结束", "pickup_window.to", CV_TIME},
};

/* Chinese words for enum values; English codes pass through unchanged and
 * anything else reaches the intake, which refuses it as json.enum. */
struct alias {
    enum conv conv;
    const char *word, *code;
};
static const struct alias aliases[] = {
    {CV_CHANNEL, "电话", "phone"},
    {CV_CHANNEL, "传真", "fax"},
    {CV_CHANNEL, "邮件", "email"},
    {CV_CHANNEL, "电子邮件", "email"},
    {CV_CHANNEL, "网站", "web"},
    {CV_CHANNEL, "电商", "ecommerce"},
    {CV_CHANNEL, "即时通讯", "im"},
    {CV_CHANNEL, "柜台", "counter"},
    {CV_SERVICE, "标准快递", "standard"},
    {CV_SERVICE, "标准件", "standard"},
    {CV_SERVICE, "特快", "express"},
    {CV_SERVICE, "加急件", "express"},
    {CV_SERVICE, "冷链", "cold_chain"},
    {CV_SERVICE, "冷链件", "cold_chain"},
    {CV_SERVICE, "快运", "freight"},
    {CV_SERVICE, "零担", "freight"},
    {CV_PAYMENT, "寄付", "sender"},
    {CV_PAYMENT, "到付", "receiver"},
    {CV_PAYMENT, "月结", "monthly"},
    {CV_PAYMENT, "第三方", "third_party"},
    {CV_PAYMENT, "第三方付", "third_party"},
};

/* One import in progress. */
struct imp {
    struct pd_app *app;
    pd_csv *csv;
    const struct pd_order_actor *who;
    enum pd_import_mode mode;
    bool zh;
    int batch;
    const struct coldef **map; /* per CSV column */
    char (*hdr)[64];           /* per CSV column: its header as written, for messages */
    size_t ncols;
    /* the report so far */
    long rows, imported, rejected_count;
    json_t *rejected, *waybills;
    /* the batch being run: where it starts, where it ended */
    struct pd_csv_pos from, to;
    bool eof;
    bool read_failed; /* the file changed under us between the passes */
    struct pd_csv_error cerr;
};

/* What the report holds before a transaction, to restore on a retry. */
struct checkpoint {
    long rows, imported, rejected_count;
    size_t n_rejected, n_waybills;
};

/* ---- text helpers ---------------------------------------------------------- */

static bool is_space_at(const char *s, size_t n, size_t i, size_t *w)
{
    if (s[i] == ' ' || s[i] == '\t') {
        *w = 1;
        return true;
    }
    if (i + 3 <= n && !memcmp(s + i, "\xE3\x80\x80", 3)) { /* U+3000 ideographic space */
        *w = 3;
        return true;
    }
    if (i + 2 <= n && !memcmp(s + i, "\xC2\xA0", 2)) { /* no-break space */
        *w = 2;
        return true;
    }
    return false;
}

/* @p s without surrounding blanks; *n is its length in and out. */
static const char *trim(const char *s, size_t *n)
{
    size_t w;
    while (*n && is_space_at(s, *n, 0, &w)) {
        s += w;
        *n -= w;
    }
    for (bool again = true; again && *n;) {
        again = false;
        if (s[*n - 1] == ' ' || s[*n - 1] == '\t') {
            (*n)--;
            again = true;
        } else if (*n >= 3 && !memcmp(s + *n - 3, "\xE3\x80\x80", 3)) {
            *n -= 3;
            again = true;
        } else if (*n >= 2 && !memcmp(s + *n - 2, "\xC2\xA0", 2)) {
            *n -= 2;
            again = true;
        }
    }
    return s;
}

/* A header as compared with the table: blanks dropped, full-width
 * parentheses made ASCII, ASCII letters in lower case. */
static void normalise_header(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), o = 0, w;
    for (size_t i = 0; i < n && o + 4 < cap;) {
        if (is_space_at(s, n, i, &w)) {
            i += w;
        } else if (i + 3 <= n && !memcmp(s + i, "\xEF\xBC\x88", 3)) { /* （ */
            out[o++] = '(';
            i += 3;
        } else if (i + 3 <= n && !memcmp(s + i, "\xEF\xBC\x89", 3)) { /* ） */
            out[o++] = ')';
            i += 3;
        } else {
            char ch = s[i++];
            out[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        }
    }
    out[o] = '\0';
}

/* A cell quoted in a message: cut to a readable length on a character boundary. */
static const char *shorten(const char *s, size_t n, char out[64])
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 255 ? n : 255), s);
    pd_utf8_copy(out, 48, tmp);
    size_t len = strlen(out);
    if (n > len)
        snprintf(out + len, 64 - len, "…");
    return out;
}

/* ---- cell conversion --------------------------------------------------------- */

enum num_fault { NUM_OK, NUM_NOT_NUMBER, NUM_DECIMALS, NUM_RANGE };

/*
 * A decimal number as people type it into a spreadsheet ("1,234.5",
 * "-3", "¥12.50" for money) in units of 10^-scale, by string arithmetic so
 * that 0.1 kg is exactly 100 g. Decimals beyond @p scale must be zeros.
 */
static enum num_fault parse_scaled(const char *s, size_t n, int scale, bool money, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (money) {
        if (i + 2 <= n && !memcmp(s + i, "\xC2\xA5", 2)) /* ¥ */
            i += 2;
        else if (i + 3 <= n && !memcmp(s + i, "\xEF\xBF\xA5", 3)) /* ￥ */
            i += 3;
    }
    int64_t v = 0;
    size_t digits = 0, group = 0;
    bool grouped = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            if (v > (INT64_MAX - (ch - '0')) / 10)
                return NUM_RANGE;
            v = v * 10 + (ch - '0');
            digits++;
            group++;
        } else if (ch == ',') {
            /* thousands separators: 1-3 digits first, then groups of 3 */
            if (group == 0 || group > 3 || (grouped && group != 3))
                return NUM_NOT_NUMBER;
            grouped = true;
            group = 0;
        } else {
            break;
        }
    }
    if (grouped && group != 3)
        return NUM_NOT_NUMBER;
    int fd = 0;
    size_t frac = 0;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, frac++) {
            if (fd < scale) {
                if (v > (INT64_MAX - (s[i] - '0')) / 10)
                    return NUM_RANGE;
                v = v * 10 + (s[i] - '0');
                fd++;
            } else if (s[i] != '0') {
                return NUM_DECIMALS;
            }
        }
    }
    if (i != n || (digits == 0 && frac == 0))
        return NUM_NOT_NUMBER;
    for (; fd < scale; fd++) {
        if (v > INT64_MAX / 10)
            return NUM_RANGE;
        v *= 10;
    }
    *out = neg ? -v : v;
    return NUM_OK;
}

static bool digits_at(const char *s, size_t n, size_t *i, int min, int max, int *out)
{
    int v = 0, k = 0;
    while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[(*i)++] - '0');
        k++;
    }
    *out = v;
    return k >= min;
}

/*
 * "2026-03-01 09:00", "2026/3/1 9:00:30" (how spreadsheets write a time,
 * without an offset) as RFC 3339 in China time. Anything else is left to
 * the intake, which takes RFC 3339 and names the field otherwise.
 * @return true when @p out holds the converted text.
 */
static bool spreadsheet_time(const char *s, size_t n, char out[40])
{
    size_t i = 0;
    int y, mo, d, h, mi, sec = 0;
    if (!digits_at(s, n, &i, 4, 4, &y) || i >= n || (s[i] != '-' && s[i] != '/'))
        return false;
    char sep = s[i++];
    if (!digits_at(s, n, &i, 1, 2, &mo) || i >= n || s[i++] != sep ||
        !digits_at(s, n, &i, 1, 2, &d) || i >= n || (s[i] != ' ' && s[i] != 'T'))
        return false;
    while (i < n && s[i] == ' ')
        i++;
    if (i < n && s[i] == 'T')
        i++;
    if (!digits_at(s, n, &i, 1, 2, &h) || i >= n || s[i++] != ':' ||
        !digits_at(s, n, &i, 2, 2, &mi))
        return false;
    if (i < n && s[i] == ':') {
        i++;
        if (!digits_at(s, n, &i, 2, 2, &sec))
            return false;
    }
    if (i != n)
        return false;
    snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, h, mi, sec);
    return true;
}

static const char *enum_code(enum conv cv, const char *s, size_t n, char *lower, size_t cap)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (aliases[i].conv == cv && strlen(aliases[i].word) == n && !memcmp(aliases[i].word, s, n))
            return aliases[i].code;
    /* English codes in any case: "APP", "Standard" */
    size_t k = 0;
    for (; k < n && k + 1 < cap; k++)
        lower[k] = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] - 'A' + 'a') : s[k];
    lower[k] = '\0';
    return lower;
}

static int bool_value(const char *s, size_t n)
{
    static const char *const yes[] = {"是", "true", "yes", "y", "1", NULL};
    static const char *const no[] = {"否", "false", "no", "n", "0", NULL};
    char low[8];
    if (n >= sizeof low)
        return -1;
    for (size_t k = 0; k < n; k++)
        low[k] = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] - 'A' + 'a') : s[k];
    low[n] = '\0';
    for (int i = 0; yes[i]; i++)
        if (!strcmp(low, yes[i]))
            return 1;
    for (int i = 0; no[i]; i++)
        if (!strcmp(low, no[i]))
            return 0;
    return -1;
}

/* A cell that cannot become its field's value. */
static void cell_error(struct pd_order_error *e, pd_err code, const char *path, const char *detail)
{
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", path);
    snprintf(e->detail, sizeof e->detail, "%s", detail);
}

/* The JSON value of one non-empty cell of column @p col, or NULL with @p e filled. */
static json_t *convert(const struct coldef *d, const char *col, const char *s, size_t n, bool zh,
                       struct pd_order_error *e)
{
    char buf[64], q[64], detail[200];
    int64_t v;
    int scale = 0;
    switch (d->conv) {
    case CV_STR:
        return json_stringn(s, n);
    case CV_CHANNEL:
    case CV_SERVICE:
    case CV_PAYMENT:
        return json_string(enum_code(d->conv, s, n, buf, sizeof buf));
    case CV_BOOL: {
        int b = bool_value(s, n);
        if (b < 0) {
            snprintf(detail, sizeof detail,
                     zh ? "%s「%s」应填“是”或“否”" : "%s \"%s\": expected 是 or 否 (yes or no)",
                     col, shorten(s, n, q));
            cell_error(e, PD_E_JSON_TYPE, d->path, detail);
            return NULL;
        }
        return json_boolean(b);
    }
    case CV_TIME:
        return spreadsheet_time(s, n, buf) ? json_string(buf) : json_stringn(s, n);
    case CV_KG:
        scale = 3;
        break;
    case CV_CM:
        scale = 1;
        break;
    case CV_YUAN:
        scale = 2;
        break;
    case CV_INT:
        break;
    }
    enum num_fault f = parse_scaled(s, n, scale, d->conv == CV_YUAN, &v);
    if (f == NUM_OK)
        return json_integer(v);
    shorten(s, n, q);
    if (f == NUM_NOT_NUMBER) {
        snprintf(detail, sizeof detail, zh ? "%s「%s」不是数字" : "%s \"%s\" is not a number", col,
                 q);
        cell_error(e, PD_E_JSON_TYPE, d->path, detail);
    } else if (f == NUM_RANGE) {
        snprintf(detail, sizeof detail, zh ? "%s「%s」过大" : "%s \"%s\" is too large", col, q);
        cell_error(e, PD_E_JSON_RANGE, d->path, detail);
    } else {
        static const char *const zh_why[] = {"应为整数", "", "最多 1 位小数（精确到毫米）",
                                             "最多 2 位小数（精确到分）",
                                             "最多 3 位小数（精确到克）"};
        static const char *const en_why[] = {
            "expected a whole number", "", "at most 1 decimal (whole millimetres)",
            "at most 2 decimals (whole fen)", "at most 3 decimals (whole grams)"};
        int k = d->conv == CV_INT ? 0 : d->conv == CV_CM ? 2 : d->conv == CV_YUAN ? 3 : 4;
        snprintf(detail, sizeof detail, zh ? "%s「%s」%s" : "%s \"%s\": %s", col, q,
                 zh ? zh_why[k] : en_why[k]);
        cell_error(e, PD_E_JSON_FORMAT, d->path, detail);
    }
    return NULL;
}

/* Put @p v (stolen) at the dotted @p path of @p body ("sender.name"). */
static void set_path(json_t *body, const char *path, json_t *v)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        json_object_set_new(body, path, v);
        return;
    }
    char head[32];
    snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
    json_t *sub = json_object_get(body, head);
    if (!sub) {
        sub = json_object();
        json_object_set_new(body, head, sub);
    }
    json_object_set_new(sub, dot + 1, v);
}

/* ---- the header -------------------------------------------------------------- */

static const struct coldef *column_for(const char *header)
{
    char norm[256];
    normalise_header(header, norm, sizeof norm);
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        if (!strcmp(columns[i].header, norm))
            return &columns[i];
    return NULL;
}

static void refuse(struct pd_import_refusal *why, pd_err code, const char *field,
                   const char *detail)
{
    why->code = code;
    pd_utf8_copy(why->field, sizeof why->field, field ? field : "");
    pd_utf8_copy(why->detail, sizeof why->detail, detail ? detail : "");
}

/* Map every column of the header record; refuse unknown, unnamed or
 * repeated ones, naming the column. */
static bool map_header(struct imp *x, struct pd_import_refusal *why)
{
    x->ncols = pd_csv_nfields(x->csv);
    x->map = calloc(x->ncols, sizeof *x->map);
    x->hdr = calloc(x->ncols, sizeof *x->hdr);
    if (!x->map || !x->hdr) {
        refuse(why, PD_E_INTERNAL, NULL, "out of memory");
        return false;
    }
    char detail[300], q[64], q2[64];
    for (size_t i = 0; i < x->ncols; i++) {
        size_t n;
        const char *h = pd_csv_field(x->csv, i, &n);
        size_t tn = n;
        const char *t = trim(h, &tn);
        if (tn == 0) {
            snprintf(detail, sizeof detail, x->zh ? "第 %zu 列没有列名" : "column %zu has no name",
                     i + 1);
            refuse(why, PD_E_IMPORT_COLUMN_UNKNOWN, NULL, detail);
            return false;
        }
        x->map[i] = column_for(h);
        shorten(t, tn, x->hdr[i]);
        if (!x->map[i]) {
            snprintf(detail, sizeof detail, x->zh ? "第 %zu 列「%s」" : "column %zu \"%s\"", i + 1,
                     shorten(t, tn, q));
            char field[160];
            snprintf(field, sizeof field, "%.*s", (int)tn, t);
            refuse(why, PD_E_IMPORT_COLUMN_UNKNOWN, field, detail);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(x->map[j]->path, x->map[i]->path)) {
                size_t pn;
                const char *p = pd_csv_field(x->csv, j, &pn);
                p = trim(p, &pn);
                snprintf(detail, sizeof detail,
                         x->zh ? "第 %zu 列「%s」与第 %zu 列「%s」都对应 %s"
                               : "columns %zu \"%s\" and %zu \"%s\" both give %s",
                         j + 1, shorten(p, pn, q2), i + 1, shorten(t, tn, q), x->map[i]->path);
                char field[160];
                snprintf(field, sizeof field, "%.*s", (int)tn, t);
                refuse(why, PD_E_IMPORT_COLUMN_DUPLICATE, field, detail);
                return false;
            }
    }
    return true;
}

/* A reading error of the file as a refusal in the report's language. */
static void refuse_csv(struct imp *x, const struct pd_csv_error *e, struct pd_import_refusal *why)
{
    char detail[300];
    bool utf8 = pd_csv_encoding(x->csv) == PD_CSV_UTF8;
    switch (e->kind) {
    case PD_CSV_E_ENCODING:
        /* UTF-8 chosen (or given) for a GBK file is the usual case: say what to do. */
        if (x->zh)
            snprintf(detail, sizeof detail, "第 %ld 行不是有效的 %s 文本%s", e->line,
                     utf8 ? "UTF-8" : "GB18030",
                     utf8 ? "；如文件为 GBK/GB18030 编码，请选择该编码" : "");
        else
            snprintf(detail, sizeof detail, "%s%s", e->msg,
                     utf8 ? "; if the file was saved as GBK/GB18030, choose that encoding" : "");
        refuse(why, PD_E_IMPORT_ENCODING, NULL, detail);
        return;
    case PD_CSV_E_TOO_LONG:
    case PD_CSV_E_QUOTE:
        if (x->zh)
            snprintf(detail, sizeof detail,
                     e->kind == PD_CSV_E_QUOTE ? "第 %ld 行开始的引号直到文件结尾仍未闭合"
                                               : "第 %ld 行开始的记录超过 64 KiB（引号未闭合？）",
                     e->line);
        else
            snprintf(detail, sizeof detail, "%s", e->msg);
        refuse(why, PD_E_IMPORT_CSV, NULL, detail);
        return;
    default:
        refuse(why, PD_E_INTERNAL, NULL, e->msg);
        return;
    }
}

/* ---- rows -------------------------------------------------------------------- */

static bool row_blank(pd_csv *c)
{
    for (size_t i = 0; i < pd_csv_nfields(c); i++) {
        size_t n;
        const char *s = pd_csv_field(c, i, &n);
        trim(s, &n);
        if (n)
            return false;
    }
    return true;
}

static void reject(struct imp *x, long row, const struct pd_order_error *e)
{
    x->rejected_count++;
    if (json_array_size(x->rejected) >= PD_IMPORT_MAX_REJECTED)
        return;
    const char *lang = x->zh ? "zh" : "en";
    char msg[512];
    snprintf(msg, sizeof msg, "%s%s%s", pd_err_message(e->code, lang),
             e->detail[0] ? (x->zh ? "：" : ": ") : "", e->detail);
    json_array_append_new(x->rejected, json_pack("{s:I, s:s?, s:s, s:s}", "row", (json_int_t)row,
                                                 "field", e->field[0] ? e->field : NULL, "code",
                                                 pd_err_code(e->code), "message", msg));
}

/* The order document of the current row, or NULL with @p e filled. */
static json_t *row_body(struct imp *x, struct pd_order_error *e)
{
    size_t nf = pd_csv_nfields(x->csv);
    for (size_t i = x->ncols; i < nf; i++) {
        size_t n;
        const char *s = pd_csv_field(x->csv, i, &n);
        trim(s, &n);
        if (n) {
            char detail[100];
            snprintf(detail, sizeof detail,
                     x->zh ? "第 %zu 列（表头共 %zu 列）" : "column %zu (the header has %zu)",
                     i + 1, x->ncols);
            cell_error(e, PD_E_IMPORT_EXTRA_CELLS, "", detail);
            return NULL;
        }
    }
    json_t *body = json_object();
    for (size_t i = 0; i < x->ncols && i < nf; i++) {
        size_t n;
        const char *s = pd_csv_field(x->csv, i, &n);
        s = trim(s, &n);
        if (n == 0)
            continue; /* an empty cell is an absent field */
        json_t *v = convert(x->map[i], x->hdr[i], s, n, x->zh, e);
        if (!v) {
            json_decref(body);
            return NULL;
        }
        set_path(body, x->map[i]->path, v);
    }
    return body;
}

/* One row: refused (reported, nothing written), stored, or a failure. */
static pd_qs import_row(struct imp *x, pd_db *db)
{
    long row = pd_csv_row(x->csv);
    struct pd_order_result res;
    memset(&res, 0, sizeof res);
    json_t *body = row_body(x, &res.err);
    if (!body) {
        reject(x, row, &res.err);
        return PD_QS_ABORT;
    }
    struct pd_order_opts opts = {0};
    pd_qs qs = pd_order_create_in(x->app, db, body, x->who, &opts, &res);
    json_decref(body);
    if (qs == PD_QS_ABORT) {
        reject(x, row, &res.err);
        return qs;
    }
    if (qs < 0)
        return qs;
    x->imported++;
    if (json_array_size(x->waybills) < PD_IMPORT_MAX_WAYBILLS)
        json_array_append_new(x->waybills, json_string(res.waybill_no));
    return qs;
}

static void take_checkpoint(const struct imp *x, struct checkpoint *k)
{
    k->rows = x->rows;
    k->imported = x->imported;
    k->rejected_count = x->rejected_count;
    k->n_rejected = json_array_size(x->rejected);
    k->n_waybills = json_array_size(x->waybills);
}

static void back_to(struct imp *x, const struct checkpoint *k)
{
    x->rows = k->rows;
    x->imported = k->imported;
    x->rejected_count = k->rejected_count;
    while (json_array_size(x->rejected) > k->n_rejected)
        json_array_remove(x->rejected, json_array_size(x->rejected) - 1);
    while (json_array_size(x->waybills) > k->n_waybills)
        json_array_remove(x->waybills, json_array_size(x->waybills) - 1);
}

struct batch {
    struct imp *x;
    struct checkpoint k;
};

/* One transaction: rows from x->from until the batch is full (good rows)
 * or the file ends. A retry starts again from the same row with the report
 * as it was, so no row is counted twice. */
static pd_qs batch_tx(pd_db *db, void *cls)
{
    struct batch *b = cls;
    struct imp *x = b->x;
    back_to(x, &b->k);
    if (!pd_csv_seek(x->csv, &x->from, &x->cerr)) {
        x->read_failed = true;
        return PD_QS_HARD;
    }
    x->eof = false;
    int limit = x->mode == PD_IMPORT_GOOD_ROWS ? x->batch : INT_MAX;
    for (int n = 0; n < limit;) {
        int r = pd_csv_next(x->csv, &x->cerr);
        if (r == 0) {
            x->eof = true;
            break;
        }
        if (r < 0) {
            x->read_failed = true;
            return PD_QS_HARD;
        }
        if (row_blank(x->csv))
            continue;
        n++;
        x->rows++;
        pd_qs qs = import_row(x, db);
        if (qs < 0 && qs != PD_QS_ABORT)
            return qs;
    }
    pd_csv_tell(x->csv, &x->to);
    if (x->mode == PD_IMPORT_ALL_OR_NOTHING && x->rejected_count > 0)
        return PD_QS_ABORT; /* roll every row back; the report keeps the reasons */
    return PD_QS_ONE;
}

/* ---- the whole file ---------------------------------------------------------- */

const char *pd_import_mode_name(enum pd_import_mode m)
{
    return m == PD_IMPORT_ALL_OR_NOTHING ? "all_or_nothing" : "good_rows";
}

bool pd_import_mode_parse(const char *s, enum pd_import_mode *out)
{
    if (s && !strcmp(s, "good_rows"))
        *out = PD_IMPORT_GOOD_ROWS;
    else if (s && !strcmp(s, "all_or_nothing"))
        *out = PD_IMPORT_ALL_OR_NOTHING;
    else
        return false;
    return true;
}

/* The first pass: every record readable in the encoding, nothing stored. */
static bool check_file(struct imp *x, struct pd_import_refusal *why)
{
    struct pd_csv_pos start;
    pd_csv_tell(x->csv, &start);
    int r;
    while ((r = pd_csv_next(x->csv, &x->cerr)) == 1)
        ;
    if (r < 0) {
        refuse_csv(x, &x->cerr, why);
        return false;
    }
    if (!pd_csv_seek(x->csv, &start, &x->cerr)) {
        refuse_csv(x, &x->cerr, why);
        return false;
    }
    return true;
}

enum pd_import_outcome pd_order_import(struct pd_app *app, pd_csv *csv,
                                       const struct pd_order_actor *who,
                                       const struct pd_import_opts *opts, json_t **report,
                                       struct pd_import_refusal *why)
{
    *report = NULL;
    memset(why, 0, sizeof *why);
    struct imp x = {
        .app = app,
        .csv = csv,
        .who = who,
        .mode = opts->mode,
        .zh = !opts->lang || strcmp(opts->lang, "en") != 0,
        .batch = opts->batch_rows > 0 ? opts->batch_rows : PD_IMPORT_BATCH_ROWS,
    };
    int r = pd_csv_next(csv, &x.cerr);
    if (r <= 0) {
        if (r < 0)
            refuse_csv(&x, &x.cerr, why);
        else
            refuse(why, PD_E_IMPORT_NO_HEADER, NULL, NULL);
        return PD_IMPORT_REFUSED;
    }
    if (!map_header(&x, why) || !check_file(&x, why)) {
        free(x.map);
        free(x.hdr);
        return PD_IMPORT_REFUSED;
    }
    x.rejected = json_array();
    x.waybills = json_array();
    pd_csv_tell(csv, &x.from);

    pd_qs qs;
    struct batch b = {.x = &x};
    for (;;) {
        take_checkpoint(&x, &b.k);
        qs = pd_tx_run(app->store, "import orders", false, batch_tx, &b);
        if (qs < 0)
            break;
        x.from = x.to;
        if (x.eof)
            break;
    }
    bool committed = qs >= 0;
    enum pd_import_outcome out = PD_IMPORT_DONE;
    if (x.read_failed) {
        /* The first pass read this file to its end: it changed since. */
        back_to(&x, &b.k);
        refuse_csv(&x, &x.cerr, why);
        json_decref(x.rejected);
        json_decref(x.waybills);
        free(x.map);
        free(x.hdr);
        return PD_IMPORT_REFUSED;
    }
    if (qs == PD_QS_ABORT) {
        /* all or nothing with refused rows: every row rolled back */
        x.imported = 0;
        json_array_clear(x.waybills);
    } else if (qs < 0) {
        back_to(&x, &b.k); /* the failed batch left nothing */
        if (x.mode == PD_IMPORT_ALL_OR_NOTHING)
            json_array_clear(x.waybills);
        out = PD_IMPORT_DB_FAILED;
    }
    *report =
        json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:b, s:o, s:b}", "encoding",
                  pd_csv_encoding_name(pd_csv_encoding(csv)), "mode", pd_import_mode_name(x.mode),
                  "rows", (json_int_t)x.rows, "imported", (json_int_t)x.imported, "rejected_count",
                  (json_int_t)x.rejected_count, "rejected", x.rejected, "rejected_truncated",
                  x.rejected_count > (long)json_array_size(x.rejected), "waybills", x.waybills,
                  "committed", committed);
    if (out == PD_IMPORT_DB_FAILED) {
        const char *lang = x.zh ? "zh" : "en";
        json_object_set_new(*report, "error",
                            json_pack("{s:s, s:s}", "code", pd_err_code(PD_E_DB_UNAVAILABLE),
                                      "message", pd_err_message(PD_E_DB_UNAVAILABLE, lang)));
    }
    free(x.map);
    free(x.hdr);
    return out;
}
