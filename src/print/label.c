/*
 * Electronic waybill labels as PDF: checks a batch of pd_label records, then
 * draws one page per parcel with cairo (PDF surface streaming into the
 * caller's pd_buf), Pango (all text, Noto Sans CJK SC) and libzint (the Code
 * 128 bars, drawn from zint's vector rectangles). Layout is in millimetres:
 * the cairo context is scaled once per page and Pango's resolution set to
 * 25.4 dpi so that font sizes stay in points. Every text box is clipped and
 * Pango wraps and ellipsizes inside it, so long input can shorten a label but
 * never spill into a neighbouring box or over the barcode. This file does not
 * look anything up: masking uses core/privacy.h, the numbers are checked with
 * core/waybill_no.h, and the caller supplies every display string.
 */
#include "print/label.h"

#include "core/privacy.h"
#include "core/waybill_no.h"
#include "util/utf8.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <inttypes.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zint.h>

/* Pango takes a comma-separated family list and falls back along it. */
#define FONT_FAMILY  "Noto Sans CJK SC,Sans"
#define PT_PER_MM    (72.0 / 25.4)
#define DOT_MM       0.125 /* one dot of a 203 dpi thermal head */
#define PHONE_MAX    63
#define LINE_MM      0.3 /* box rules */
#define CARRIER_NAME "ParcelDesk 快递"

static void set_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(char *err, const char *fmt, ...)
{
    if (!err)
        return;
    /* Messages quote input: cut them at a character, never inside one,
     * so that they stay valid UTF-8 for a JSON error body. */
    char tmp[4 * PD_LABEL_ERR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    pd_utf8_copy(err, PD_LABEL_ERR_SIZE, tmp);
}

/* ------------------------------------------------------------------ sizes */

/*
 * Everything that differs between the two sizes. Heights are in mm and are
 * laid out top to bottom in this order; font sizes are in points. The main
 * part must end above the cut line and the stub above the bottom margin,
 * which the unit tests check by looking for every field in the PDF text.
 */
struct geo {
    const char *name;
    double w, h, margin;
    /* main part */
    double header_h, sort_h, code_pad, bar_h, hrt_h, master_h, rcpt_h, rcpt_line_h, send_h,
        send_line_h, info_h, goods_h, foot_h, marker_w, sign_w;
    double carrier_pt, service_pt, sort_max_pt, sort_min_pt, hrt_pt, master_pt, marker_pt, rcpt_pt,
        rcpt_addr_pt, send_pt, send_addr_pt, cod_pt, info_pt, goods_pt, foot_pt;
    double bar_max_module;
    /* stub (receipt part under the cut line) */
    double cut_gap, stub_head_h, stub_bar_h, stub_hrt_h, stub_rcpt_h, stub_line_h;
    double stub_head_pt, stub_hrt_pt, stub_pt;
    double stub_max_module;
};

static const struct geo GEO_100X180 = {
    .name = "100x180",
    .w = 100,
    .h = 180,
    .margin = 3,
    .header_h = 10,
    .sort_h = 17,
    .code_pad = 1.5,
    .bar_h = 18,
    .hrt_h = 4.6,
    .master_h = 3.6,
    .rcpt_h = 24,
    .rcpt_line_h = 6.5,
    .send_h = 15,
    .send_line_h = 5,
    .info_h = 14,
    .goods_h = 13,
    .foot_h = 4,
    .marker_w = 9,
    .sign_w = 30,
    .carrier_pt = 13,
    .service_pt = 12,
    .sort_max_pt = 34,
    .sort_min_pt = 14,
    .hrt_pt = 10,
    .master_pt = 7,
    .marker_pt = 18,
    .rcpt_pt = 12,
    .rcpt_addr_pt = 10.5,
    .send_pt = 9,
    .send_addr_pt = 8,
    .cod_pt = 15,
    .info_pt = 8,
    .goods_pt = 8,
    .foot_pt = 6.5,
    .bar_max_module = 0.5,
    .cut_gap = 1.5,
    .stub_head_h = 5,
    .stub_bar_h = 14,
    .stub_hrt_h = 4,
    .stub_rcpt_h = 9,
    .stub_line_h = 5,
    .stub_head_pt = 8,
    .stub_hrt_pt = 8.5,
    .stub_pt = 7.5,
    .stub_max_module = 0.375,
};

static const struct geo GEO_76X130 = {
    .name = "76x130",
    .w = 76,
    .h = 130,
    .margin = 2.5,
    .header_h = 7.5,
    .sort_h = 12,
    .code_pad = 1,
    .bar_h = 13,
    .hrt_h = 3.8,
    .master_h = 3,
    .rcpt_h = 18,
    .rcpt_line_h = 5,
    .send_h = 10,
    .send_line_h = 4,
    .info_h = 11,
    .goods_h = 8.5,
    .foot_h = 3.2,
    .marker_w = 7,
    .sign_w = 20,
    .carrier_pt = 10,
    .service_pt = 9,
    .sort_max_pt = 24,
    .sort_min_pt = 10,
    .hrt_pt = 8.5,
    .master_pt = 6,
    .marker_pt = 13,
    .rcpt_pt = 9.5,
    .rcpt_addr_pt = 8.5,
    .send_pt = 7,
    .send_addr_pt = 6.5,
    .cod_pt = 11,
    .info_pt = 6,
    .goods_pt = 6.5,
    .foot_pt = 5.5,
    .bar_max_module = 0.5,
    .cut_gap = 1.5,
    .stub_head_h = 3.6,
    .stub_bar_h = 8,
    .stub_hrt_h = 3.2,
    .stub_rcpt_h = 6.8,
    .stub_line_h = 3.5,
    .stub_head_pt = 6.5,
    .stub_hrt_pt = 7,
    .stub_pt = 6,
    .stub_max_module = 0.25,
};

static const struct geo *geo_of(enum pd_label_size size)
{
    switch (size) {
    case PD_LABEL_100X180:
        return &GEO_100X180;
    case PD_LABEL_76X130:
        return &GEO_76X130;
    }
    return NULL;
}

bool pd_label_size_parse(const char *s, enum pd_label_size *out)
{
    if (!s)
        return false;
    if (strcmp(s, "100x180") == 0)
        *out = PD_LABEL_100X180;
    else if (strcmp(s, "76x130") == 0)
        *out = PD_LABEL_76X130;
    else
        return false;
    return true;
}

const char *pd_label_size_name(enum pd_label_size size)
{
    const struct geo *g = geo_of(size);
    return g ? g->name : "";
}

/* ---------------------------------------------------------------- barcode */

/* Encode @p content as Code 128 vector rectangles, no quiet zones and no
 * human-readable text (both are ours to place). Caller ZBarcode_Delete()s. */
static struct zint_symbol *barcode_encode(const char *content, char *err)
{
    struct zint_symbol *sym = ZBarcode_Create();
    if (!sym) {
        set_err(err, "out of memory (barcode)");
        return NULL;
    }
    sym->symbology = BARCODE_CODE128;
    sym->show_hrt = 0;
    sym->output_options = BARCODE_NO_QUIET_ZONES;
    int rc = ZBarcode_Encode_and_Buffer_Vector(sym, (const unsigned char *)content,
                                               (int)strlen(content), 0);
    if (rc >= ZINT_ERROR || !sym->vector || sym->width <= 0) {
        set_err(err, "barcode: %s", sym->errtxt[0] ? sym->errtxt : "zint failed");
        ZBarcode_Delete(sym);
        return NULL;
    }
    return sym;
}

static bool barcode_fit(const struct zint_symbol *sym, const char *content, double avail_mm,
                        double max_mm, double *module_mm, char *err)
{
    int total = sym->width + 2 * PD__LABEL_QUIET_MODULES;
    /* The epsilon keeps exact multiples (0.25 = 2 dots) from flooring down. */
    double m = floor(avail_mm / total / DOT_MM + 1e-9) * DOT_MM;
    double cap = floor(max_mm / DOT_MM + 1e-9) * DOT_MM;
    if (m > cap)
        m = cap;
    if (m < PD__LABEL_MIN_MODULE_MM - 1e-9) {
        char q[28];
        set_err(err, "barcode of \"%s\" needs %.1f mm at %.2f mm per module, only %.1f mm fit",
                pd_utf8_copy(q, sizeof q, content), total * PD__LABEL_MIN_MODULE_MM,
                PD__LABEL_MIN_MODULE_MM, avail_mm);
        return false;
    }
    *module_mm = m;
    return true;
}

bool pd__label_barcode_fit(const char *content, double avail_mm, double max_mm, double *module_mm,
                           int *modules, char err[PD_LABEL_ERR_SIZE])
{
    if (!content || !*content) {
        set_err(err, "barcode content is empty");
        return false;
    }
    struct zint_symbol *sym = barcode_encode(content, err);
    if (!sym)
        return false;
    bool ok = barcode_fit(sym, content, avail_mm, max_mm, module_mm, err);
    if (ok && modules)
        *modules = sym->width;
    ZBarcode_Delete(sym);
    return ok;
}

/* Bars of @p sym with their left edge at @p x (quiet zones are the caller's
 * blank space), @p module_mm per module, @p bar_h tall. */
static void barcode_draw(cairo_t *cr, const struct zint_symbol *sym, double x, double y,
                         double module_mm, double bar_h)
{
    const struct zint_vector *v = sym->vector;
    double kx = module_mm * sym->width / v->width; /* vector units → mm */
    double ky = bar_h / v->height;
    for (const struct zint_vector_rect *r = v->rectangles; r; r = r->next)
        if (r->colour == -1) /* foreground; zint emits no others for Code 128 */
            cairo_rectangle(cr, x + r->x * kx, y + r->y * ky, r->width * kx, r->height * ky);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
}

/* ------------------------------------------------------------------- text */

enum align { LEFT, CENTER, RIGHT };

/* Longest text a box is asked to hold (the stub's goods-and-payment line). */
#define SCRATCH_SIZE (2 * PD_LABEL_TEXT_MAX + 256)

struct page {
    cairo_t *cr;
    PangoLayout *lay;
    PangoFontDescription *font;
    char clean[SCRATCH_SIZE];   /* the text of the box being drawn, controls replaced */
    char scratch[SCRATCH_SIZE]; /* the same, shortened to fit */
};

/*
 * Copy @p s into pg->clean with control characters (tabs, CR, and line
 * breaks unless @p keep_lines) turned into spaces: Pango would draw them as
 * boxes of hex digits. Overlong text is cut at a character boundary; it is
 * about to be shortened to fit its box anyway.
 */
static const char *text_clean(struct page *pg, const char *s, bool keep_lines)
{
    size_t n = strlen(s);
    if (n >= sizeof pg->clean) {
        n = sizeof pg->clean - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* s[n] continues a sequence: cut before the sequence's lead byte */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        pg->clean[i] = (c < 0x20 && !(keep_lines && c == '\n')) || c == 0x7f ? ' ' : (char)c;
    }
    pg->clean[n] = '\0';
    return pg->clean;
}

static void text_font(struct page *pg, double pt, bool bold, enum align al)
{
    pango_font_description_set_weight(pg->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_size(pg->font, (gint)lround(pt * PANGO_SCALE));
    pango_layout_set_font_description(pg->lay, pg->font);
    pango_layout_set_alignment(pg->lay, al == LEFT     ? PANGO_ALIGN_LEFT
                                        : al == CENTER ? PANGO_ALIGN_CENTER
                                                       : PANGO_ALIGN_RIGHT);
}

/* Height of one line of the font at @p pt: Noto Sans CJK's line spacing is 1.448 em. */
static double line_mm(double pt)
{
    return pt / PT_PER_MM * 1.45;
}

static bool text_fits(struct page *pg, double w, double h)
{
    PangoRectangle log;
    pango_layout_get_extents(pg->lay, NULL, &log);
    /* A hair of tolerance: a width measured at exactly w must not wrap. */
    return (double)log.width / PANGO_SCALE <= w - 0.01 && (double)log.height / PANGO_SCALE <= h;
}

/*
 * Give the layout @p s, or the longest prefix of it followed by "…" that
 * fits w × h as the layout is set up (wrapping or not). We shorten the text
 * ourselves rather than let Pango ellipsize: Pango keeps the omitted text in
 * the ellipsis glyph's cluster and cairo writes it into the PDF as
 * ActualText, so a PDF's text would hold words nobody can see on the paper.
 */
static void text_set_fitting(struct page *pg, const char *s, double w, double h)
{
    pango_layout_set_text(pg->lay, s, -1);
    if (text_fits(pg, w, h))
        return;
    size_t len = strlen(s);
    if (len + sizeof "…" > SCRATCH_SIZE)
        len = SCRATCH_SIZE - sizeof "…";
    /* Binary search over character counts: lo fits (0 = "…" alone, which
     * is what stays when nothing fits), hi does not. */
    long lo = 0, hi = g_utf8_strlen(s, (gssize)len) + 1;
    while (hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        size_t b = (size_t)(g_utf8_offset_to_pointer(s, mid) - s);
        memcpy(pg->scratch, s, b);
        memcpy(pg->scratch + b, "…", sizeof "…");
        pango_layout_set_text(pg->lay, pg->scratch, -1);
        if (text_fits(pg, w, h))
            lo = mid;
        else
            hi = mid;
    }
    size_t b = (size_t)(g_utf8_offset_to_pointer(s, lo) - s);
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\n'))
        b--;
    memcpy(pg->scratch, s, b);
    memcpy(pg->scratch + b, "…", sizeof "…");
    pango_layout_set_text(pg->lay, pg->scratch, -1);
}

static void text_show(struct page *pg, double x, double y, double w, double h, bool middle)
{
    PangoRectangle log;
    pango_layout_get_extents(pg->lay, NULL, &log);
    double th = (double)log.height / PANGO_SCALE;
    cairo_save(pg->cr);
    /* Fitting already keeps text inside; the clip is the guarantee. */
    cairo_rectangle(pg->cr, x, y, w, h);
    cairo_clip(pg->cr);
    cairo_move_to(pg->cr, x, middle && th < h ? y + (h - th) / 2 : y);
    pango_cairo_show_layout(pg->cr, pg->lay);
    cairo_restore(pg->cr);
}

/*
 * @p s in the box (x, y, w, h): wrapped at words or, for Chinese, at any
 * character, onto as many lines as the box holds, and cut with "…" when text
 * remains.
 */
static void text_box(struct page *pg, double x, double y, double w, double h, const char *s,
                     double pt, bool bold, enum align al, bool middle)
{
    if (!*s)
        return;
    s = text_clean(pg, s, true);
    text_font(pg, pt, bold, al);
    pango_layout_set_single_paragraph_mode(pg->lay, FALSE);
    pango_layout_set_wrap(pg->lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_width(pg->lay, (int)(w * PANGO_SCALE));
    text_set_fitting(pg, s, w + 1, h); /* width is the wrap width: only the height decides */
    text_show(pg, x, y, w, h, middle);
}

/*
 * @p s on one line, vertically centred in the box, at @p max_pt or smaller
 * (down to @p min_pt) so that it fits, and cut with "…" if it still does not.
 * Line breaks in the input show as spaces, never as extra lines.
 */
static void text_fit(struct page *pg, double x, double y, double w, double h, const char *s,
                     double max_pt, double min_pt, bool bold, enum align al)
{
    if (!*s)
        return;
    s = text_clean(pg, s, false);
    text_font(pg, max_pt, bold, al);
    pango_layout_set_single_paragraph_mode(pg->lay, TRUE);
    pango_layout_set_width(pg->lay, -1);
    pango_layout_set_text(pg->lay, s, -1);
    PangoRectangle log;
    pango_layout_get_extents(pg->lay, NULL, &log);
    double tw = (double)log.width / PANGO_SCALE, th = (double)log.height / PANGO_SCALE;
    double k = fmin(1, fmin((w - 0.01) / tw, h / th));
    double pt = max_pt;
    if (k < 1) {
        pt = fmax(min_pt, floor(max_pt * k * 2) / 2); /* half points: a visible, stable step */
        text_font(pg, pt, bold, al);
    }
    text_set_fitting(pg, s, w, fmax(h, th * pt / max_pt * 1.05));
    if (al != LEFT) { /* alignment needs a width; the text is known to fit it */
        pango_layout_set_width(pg->lay, (int)(w * PANGO_SCALE));
    }
    text_show(pg, x, y, w, h, true);
}

/* -------------------------------------------------------------- drawing */

static void hline(cairo_t *cr, double x0, double x1, double y)
{
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
}

static void vline(cairo_t *cr, double x, double y0, double y1)
{
    cairo_move_to(cr, x, y0);
    cairo_line_to(cr, x, y1);
    cairo_stroke(cr);
}

/* "¥12.34"; callers pass fen >= 0 (checked). */
static void fmt_money(char *out, size_t n, int64_t fen)
{
    snprintf(out, n, "¥%" PRId64 ".%02d", fen / 100, (int)(fen % 100));
}

/* "850 g" below a kilogram, else kilograms to 10 g, rounded half up. */
static void fmt_weight(char *out, size_t n, int64_t g)
{
    if (g < 1000) {
        snprintf(out, n, "%" PRId64 " g", g);
        return;
    }
    int64_t cg = (g + 5) / 10; /* 10 g units */
    snprintf(out, n, "%" PRId64 ".%02d kg", cg / 100, (int)(cg % 100));
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* The strings one label prints, masked and formatted once for both parts.
 * Each buffer holds its longest possible content (fields are at most
 * PD_LABEL_TEXT_MAX bytes, phones PHONE_MAX), so snprintf never cuts a
 * UTF-8 sequence in two. */
struct texts {
    char rline[PHONE_MAX + 80]; /* "李** 139****9000" */
    char sline[PHONE_MAX + 80];
    char cod[48];                      /* "代收 ¥12.34" or "" */
    char seq[24];                      /* "2/3" or "" */
    char master[48];                   /* "母单 PD…" or "" */
    char info[PD_LABEL_TEXT_MAX + 96]; /* right info cell, one item per line */
    char goods[PD_LABEL_TEXT_MAX + 16];
    char remarks[PD_LABEL_TEXT_MAX + 16];
    char stub_misc[2 * PD_LABEL_TEXT_MAX + 128]; /* goods and payment */
    char foot[PD_LABEL_TEXT_MAX + 64];
};

static void person_line(char *out, size_t n, const char *name, const char *phone)
{
    char mn[64], mp[PHONE_MAX + 1];
    pd_mask_name(nz(name), mn, sizeof mn);
    pd_mask_phone(nz(phone), mp, sizeof mp);
    snprintf(out, n, "%s%s%s", mn, *mn && *mp ? "  " : "", mp);
}

static void texts_make(struct texts *t, const struct pd_label *l)
{
    person_line(t->rline, sizeof t->rline, l->recipient_name, l->recipient_phone);
    person_line(t->sline, sizeof t->sline, l->sender_name, l->sender_phone);

    char m[40];
    t->cod[0] = '\0';
    if (l->cod_fen > 0) {
        fmt_money(m, sizeof m, l->cod_fen);
        snprintf(t->cod, sizeof t->cod, "代收 %s", m);
    }
    t->seq[0] = '\0';
    if (l->count > 1)
        snprintf(t->seq, sizeof t->seq, "%d/%d", l->seq, l->count);
    t->master[0] = '\0';
    if (l->waybill_no && *l->waybill_no && strcmp(l->waybill_no, l->parcel_no) != 0)
        snprintf(t->master, sizeof t->master, "母单 %s", l->waybill_no);

    /* With COD the left cell holds the amount and payment moves here. */
    size_t k = 0;
    t->info[0] = '\0';
    if (l->cod_fen > 0 && l->payment && *l->payment)
        k += (size_t)snprintf(t->info + k, sizeof t->info - k, "付款: %s\n", l->payment);
    if (l->weight_g > 0) {
        fmt_weight(m, sizeof m, l->weight_g);
        k += (size_t)snprintf(t->info + k, sizeof t->info - k, "重量: %s\n", m);
    }
    if (l->declared_value_fen > 0) {
        fmt_money(m, sizeof m, l->declared_value_fen);
        k += (size_t)snprintf(t->info + k, sizeof t->info - k, "保价: %s\n", m);
    }
    if (k && t->info[k - 1] == '\n')
        t->info[k - 1] = '\0';

    snprintf(t->goods, sizeof t->goods, "物品: %s", nz(l->goods));
    snprintf(t->remarks, sizeof t->remarks, "备注: %s", nz(l->remarks));
    snprintf(t->stub_misc, sizeof t->stub_misc, "物品: %s   %s   %s", nz(l->goods), nz(l->payment),
             t->cod);
    snprintf(t->foot, sizeof t->foot, "打印 %s   隐私面单", nz(l->printed_at));
}

/* A "收"/"寄" marker column and the person's masked line and address. */
static void person_block(struct page *pg, const struct geo *g, double y, double h, double line_h,
                         const char *marker, const char *line, const char *addr, double pt,
                         double addr_pt, bool bold)
{
    double x0 = g->margin, x1 = g->w - g->margin;
    vline(pg->cr, x0 + g->marker_w, y, y + h);
    text_fit(pg, x0, y, g->marker_w, h, marker, g->marker_pt, g->marker_pt / 2, true, CENTER);
    double x = x0 + g->marker_w + 1.5, w = x1 - x - 1;
    text_fit(pg, x, y + 0.5, w, line_h, line, pt, pt * 0.7, true, LEFT);
    text_box(pg, x, y + 0.5 + line_h, w, h - line_h - 1, addr, addr_pt, bold, LEFT, false);
}

static double draw_main(struct page *pg, const struct geo *g, const struct pd_label *l,
                        const struct texts *t, const struct zint_symbol *sym, double module)
{
    cairo_t *cr = pg->cr;
    double x0 = g->margin, x1 = g->w - g->margin, iw = x1 - x0;
    double y = g->margin, top = y;

    /* Header: carrier, parcel 2/3, service on black. */
    double sw = iw * 0.32;
    text_fit(pg, x0 + 1.5, y, iw * 0.48, g->header_h, CARRIER_NAME, g->carrier_pt,
             g->carrier_pt * 0.6, true, LEFT);
    text_fit(pg, x0 + iw * 0.5, y, iw - sw - iw * 0.5, g->header_h, t->seq, g->service_pt,
             g->service_pt * 0.6, true, CENTER);
    if (l->service && *l->service) {
        cairo_rectangle(cr, x1 - sw, y, sw, g->header_h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        text_fit(pg, x1 - sw + 0.8, y, sw - 1.6, g->header_h, l->service, g->service_pt,
                 g->service_pt * 0.5, true, CENTER);
        cairo_set_source_rgb(cr, 0, 0, 0);
    }
    y += g->header_h;
    hline(cr, x0, x1, y);

    /* Sort code (三段码), as big as fits. */
    text_fit(pg, x0 + 1, y, iw - 2, g->sort_h, nz(l->sort_code), g->sort_max_pt, g->sort_min_pt,
             true, CENTER);
    y += g->sort_h;
    hline(cr, x0, x1, y);

    /* Barcode, centred; the quiet zones are the blank space either side. */
    y += g->code_pad;
    barcode_draw(cr, sym, x0 + (iw - sym->width * module) / 2, y, module, g->bar_h);
    y += g->bar_h;
    text_fit(pg, x0, y, iw, g->hrt_h, l->parcel_no, g->hrt_pt, g->hrt_pt * 0.6, false, CENTER);
    y += g->hrt_h;
    text_fit(pg, x0, y, iw, g->master_h, t->master, g->master_pt, g->master_pt * 0.6, false,
             CENTER);
    y += g->master_h + g->code_pad / 2;
    hline(cr, x0, x1, y);

    person_block(pg, g, y, g->rcpt_h, g->rcpt_line_h, "收", t->rline, nz(l->recipient_address),
                 g->rcpt_pt, g->rcpt_addr_pt, true);
    y += g->rcpt_h;
    hline(cr, x0, x1, y);
    person_block(pg, g, y, g->send_h, g->send_line_h, "寄", t->sline, nz(l->sender_address),
                 g->send_pt, g->send_addr_pt, false);
    y += g->send_h;
    hline(cr, x0, x1, y);

    /* COD on black (the courier must collect it) or the payment mode big. */
    double lw = iw * 0.5;
    if (t->cod[0]) {
        cairo_rectangle(cr, x0 + 1, y + 1, lw - 2, g->info_h - 2);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        text_fit(pg, x0 + 2, y + 1, lw - 4, g->info_h - 2, t->cod, g->cod_pt, g->cod_pt * 0.5, true,
                 CENTER);
        cairo_set_source_rgb(cr, 0, 0, 0);
    } else {
        text_fit(pg, x0 + 1, y, lw - 2, g->info_h, nz(l->payment), g->cod_pt, g->cod_pt * 0.5, true,
                 CENTER);
    }
    vline(cr, x0 + lw, y, y + g->info_h);
    text_box(pg, x0 + lw + 1.5, y + 0.5, iw - lw - 2.5, g->info_h - 1, t->info, g->info_pt, false,
             LEFT, true);
    y += g->info_h;
    hline(cr, x0, x1, y);

    /* Goods on one line, remarks below; the signature box on the right. */
    double gw = iw - g->sign_w - 2.5, gl = line_mm(g->goods_pt);
    text_box(pg, x0 + 1.5, y + 0.5, gw, gl, t->goods, g->goods_pt, false, LEFT, false);
    text_box(pg, x0 + 1.5, y + 0.5 + gl, gw, g->goods_h - 1 - gl, t->remarks, g->goods_pt, false,
             LEFT, false);
    vline(cr, x1 - g->sign_w, y, y + g->goods_h);
    text_box(pg, x1 - g->sign_w + 1, y + 0.5, g->sign_w - 2, g->goods_h - 1,
             "签收人:\n时间:", g->goods_pt, false, LEFT, false);
    y += g->goods_h;
    hline(cr, x0, x1, y);

    text_fit(pg, x0 + 1.5, y, iw - 3, g->foot_h, t->foot, g->foot_pt, g->foot_pt * 0.7, false,
             LEFT);
    y += g->foot_h;
    cairo_rectangle(cr, x0, top, iw, y - top);
    cairo_stroke(cr);
    return y;
}

/* The receipt stub under the cut line: the barcode again, smaller, and the
 * parcel's essentials. Everything below @p y is the stub's. */
static void draw_stub(struct page *pg, const struct geo *g, const struct pd_label *l,
                      const struct texts *t, const struct zint_symbol *sym, double module, double y)
{
    cairo_t *cr = pg->cr;
    double x0 = g->margin, x1 = g->w - g->margin, iw = x1 - x0;

    /* Cut line. */
    y += g->cut_gap;
    cairo_save(cr);
    double dash[] = {1.5, 1};
    cairo_set_dash(cr, dash, 2, 0);
    hline(cr, 0, g->w, y);
    cairo_restore(cr);
    y += g->cut_gap;

    double top = y, bottom = g->h - g->margin;
    text_fit(pg, x0 + 1.5, y, iw * 0.4, g->stub_head_h, "客户联", g->stub_head_pt,
             g->stub_head_pt * 0.6, true, LEFT);
    text_fit(pg, x0 + iw * 0.4, y, iw * 0.2, g->stub_head_h, t->seq, g->stub_head_pt,
             g->stub_head_pt * 0.6, true, CENTER);
    text_fit(pg, x0 + iw * 0.6, y, iw * 0.4 - 1.5, g->stub_head_h, CARRIER_NAME, g->stub_head_pt,
             g->stub_head_pt * 0.6, false, RIGHT);
    y += g->stub_head_h;
    barcode_draw(cr, sym, x0 + (iw - sym->width * module) / 2, y, module, g->stub_bar_h);
    y += g->stub_bar_h;
    text_fit(pg, x0, y, iw, g->stub_hrt_h, l->parcel_no, g->stub_hrt_pt, g->stub_hrt_pt * 0.6,
             false, CENTER);
    y += g->stub_hrt_h;
    hline(cr, x0, x1, y);

    char line[PD_LABEL_TEXT_MAX + 200];
    double rest = bottom - y;
    double rh = fmin(g->stub_rcpt_h, rest);
    snprintf(line, sizeof line, "收 %s  %s", t->rline, nz(l->recipient_address));
    text_box(pg, x0 + 1.5, y + 0.4, iw - 3, rh - 0.4, line, g->stub_pt, false, LEFT, true);
    y += rh;
    snprintf(line, sizeof line, "寄 %s  %s", t->sline, nz(l->sender_address));
    text_box(pg, x0 + 1.5, y, iw - 3, fmin(g->stub_line_h, bottom - y), line, g->stub_pt, false,
             LEFT, true);
    y += g->stub_line_h;
    if (bottom - y > 1)
        text_box(pg, x0 + 1.5, y, iw - 3, fmin(g->stub_line_h, bottom - y), t->stub_misc,
                 g->stub_pt, false, LEFT, true);
    cairo_rectangle(cr, x0, top, iw, bottom - top);
    cairo_stroke(cr);
}

/* ------------------------------------------------------------- checking */

static bool check_text(const char *s, int i, const char *field, char *err)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > PD_LABEL_TEXT_MAX) {
        set_err(err, "label %d: %s is longer than %d bytes", i, field, PD_LABEL_TEXT_MAX);
        return false;
    }
    if (!pd_utf8_valid(s, n)) {
        set_err(err, "label %d: %s is not valid UTF-8", i, field);
        return false;
    }
    return true;
}

static bool check_label(const struct pd_label *l, int i, char *err)
{
    const struct {
        const char *name, *val;
    } fields[] = {
        {"parcel_no", l->parcel_no},
        {"waybill_no", l->waybill_no},
        {"sort_code", l->sort_code},
        {"service", l->service},
        {"payment", l->payment},
        {"recipient_name", l->recipient_name},
        {"recipient_phone", l->recipient_phone},
        {"recipient_address", l->recipient_address},
        {"sender_name", l->sender_name},
        {"sender_phone", l->sender_phone},
        {"sender_address", l->sender_address},
        {"goods", l->goods},
        {"remarks", l->remarks},
        {"printed_at", l->printed_at},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        if (!check_text(fields[k].val, i, fields[k].name, err))
            return false;
    if (!l->parcel_no || !*l->parcel_no) {
        set_err(err, "label %d: parcel_no is required", i);
        return false;
    }
    char master[PD_WAYBILL_NO_SIZE], q[28];
    int pseq = 0;
    bool is_parcel = pd_parcel_no_parse(l->parcel_no, master, &pseq);
    if (!is_parcel && !pd_waybill_no_valid(l->parcel_no)) {
        set_err(err, "label %d: parcel_no \"%s\" is not a valid waybill or parcel number", i,
                pd_utf8_copy(q, sizeof q, l->parcel_no));
        return false;
    }
    if (l->waybill_no && *l->waybill_no) {
        if (!pd_waybill_no_valid(l->waybill_no)) {
            set_err(err, "label %d: waybill_no \"%s\" is not a valid waybill number", i,
                    pd_utf8_copy(q, sizeof q, l->waybill_no));
            return false;
        }
        if (is_parcel && strcmp(master, l->waybill_no) != 0) {
            set_err(err, "label %d: parcel_no %s is not a parcel of waybill_no %s", i, l->parcel_no,
                    l->waybill_no);
            return false;
        }
    }
    if (l->count < 1 || l->count > PD_PARCEL_SEQ_MAX) {
        set_err(err, "label %d: count %d is not between 1 and %d", i, l->count, PD_PARCEL_SEQ_MAX);
        return false;
    }
    if (l->seq < 1 || l->seq > l->count) {
        set_err(err, "label %d: seq %d is not between 1 and count (%d)", i, l->seq, l->count);
        return false;
    }
    if (is_parcel && pseq != l->seq) {
        set_err(err, "label %d: seq %d does not match parcel_no %s (parcel %d)", i, l->seq,
                l->parcel_no, pseq);
        return false;
    }
    const struct {
        const char *name;
        int64_t v;
    } amounts[] = {
        {"cod_fen", l->cod_fen},
        {"declared_value_fen", l->declared_value_fen},
        {"weight_g", l->weight_g},
    };
    for (size_t k = 0; k < sizeof amounts / sizeof amounts[0]; k++)
        if (amounts[k].v < 0) {
            set_err(err, "label %d: %s is negative", i, amounts[k].name);
            return false;
        }
    if (l->recipient_phone && strlen(l->recipient_phone) > PHONE_MAX) {
        set_err(err, "label %d: recipient_phone is longer than %d bytes", i, PHONE_MAX);
        return false;
    }
    if (l->sender_phone && strlen(l->sender_phone) > PHONE_MAX) {
        set_err(err, "label %d: sender_phone is longer than %d bytes", i, PHONE_MAX);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------- rendering */

static cairo_status_t on_pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
    pd_buf *b = closure;
    pd_buf_append(b, data, len);
    return b->oom ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* One page. Pango objects are per page because a context is bound to the
 * cairo transformation it was created under. */
static bool render_page(cairo_t *cr, const struct geo *g, const struct pd_label *l, int i,
                        struct texts *t, char *err)
{
    struct zint_symbol *sym = barcode_encode(l->parcel_no, err);
    if (!sym)
        return false;
    double module, stub_module;
    double iw = g->w - 2 * g->margin;
    char why[PD_LABEL_ERR_SIZE];
    if (!barcode_fit(sym, l->parcel_no, iw, g->bar_max_module, &module, why) ||
        !barcode_fit(sym, l->parcel_no, iw, g->stub_max_module, &stub_module, why)) {
        set_err(err, "label %d: parcel_no: %s", i, why);
        ZBarcode_Delete(sym);
        return false;
    }

    cairo_save(cr);
    cairo_scale(cr, PT_PER_MM, PT_PER_MM);
    cairo_set_line_width(cr, LINE_MM);
    cairo_set_source_rgb(cr, 0, 0, 0);

    PangoContext *pc = pango_cairo_create_context(cr);
    /* 25.4 "dpi" makes one cairo unit one millimetre while sizes stay in
     * points; unhinted metrics and unrounded positions keep a layout
     * measured in mm from snapping glyphs to whole millimetres. */
    pango_cairo_context_set_resolution(pc, 25.4);
    pango_context_set_round_glyph_positions(pc, FALSE);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
    struct page pg = {
        .cr = cr,
        .lay = pango_layout_new(pc),
        .font = pango_font_description_from_string(FONT_FAMILY),
    };

    texts_make(t, l);
    double y = draw_main(&pg, g, l, t, sym, module);
    draw_stub(&pg, g, l, t, sym, stub_module, y);

    pango_font_description_free(pg.font);
    g_object_unref(pg.lay);
    g_object_unref(pc);
    ZBarcode_Delete(sym);
    cairo_restore(cr);
    cairo_show_page(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        set_err(err, "label %d: %s", i, cairo_status_to_string(cairo_status(cr)));
        return false;
    }
    return true;
}

bool pd_label_render(const struct pd_label *labels, int n, enum pd_label_size size, pd_buf *out,
                     char err[PD_LABEL_ERR_SIZE])
{
    const struct geo *g = geo_of(size);
    if (!g) {
        set_err(err, "size is not a label size");
        return false;
    }
    if (!out) {
        set_err(err, "out is NULL");
        return false;
    }
    if (n < 1) {
        set_err(err, "n must be at least 1 (got %d)", n);
        return false;
    }
    if (!labels) {
        set_err(err, "labels is NULL");
        return false;
    }
    if (n > PD_LABEL_BATCH_MAX) {
        set_err(err, "n %d is more than %d labels in one PDF", n, PD_LABEL_BATCH_MAX);
        return false;
    }
    for (int i = 0; i < n; i++)
        if (!check_label(&labels[i], i + 1, err))
            return false;
    if (out->oom) {
        set_err(err, "out of memory");
        return false;
    }

    /* The texts are big (long fields) and per page; one heap block per call. */
    struct texts *t = malloc(sizeof *t);
    if (!t) {
        set_err(err, "out of memory");
        return false;
    }
    size_t start = out->len;
    cairo_surface_t *surf =
        cairo_pdf_surface_create_for_stream(on_pdf_write, out, g->w * PT_PER_MM, g->h * PT_PER_MM);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "电子面单");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "ParcelDesk");
    cairo_t *cr = cairo_create(surf);
    bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    if (!ok)
        set_err(err, "pdf: %s", cairo_status_to_string(cairo_status(cr)));
    for (int i = 0; ok && i < n; i++)
        ok = render_page(cr, g, &labels[i], i + 1, t, err);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (ok && cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        set_err(err, "pdf: %s",
                out->oom ? "out of memory" : cairo_status_to_string(cairo_surface_status(surf)));
        ok = false;
    }
    cairo_surface_destroy(surf);
    free(t);
    if (!ok && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return ok;
}
