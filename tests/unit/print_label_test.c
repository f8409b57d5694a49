/* Unit tests of src/print/label: the PDF's page count and size (pdfinfo), the
 * barcodes as a scanner reads them (pdftoppm at 300 dpi, then zbarimg), the
 * printed text (pdftotext: masking, COD, ellipsized long fields), the input
 * checks, and concurrent rendering. The poppler and zbar tools are external:
 * a missing one skips the test, or fails it under CI=true. With
 * PD_LABEL_KEEP_TMP set, the PDFs and PNGs stay in /tmp/pd-label-XXXXXX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/privacy.h"
#include "core/waybill_no.h"
#include "print/label.h"

static char tmpdir[64];

/*
 * Sanitizer hooks (read before main; unused without -fsanitize). Leaks inside
 * fontconfig and cairo's PDF font subsetter are the libraries' own and are
 * suppressed by tests/lsan.supp, found beside this file's directory. The full
 * unwind lets those rules see past Debian's frame-pointer-less libcairo, so
 * they match only what cairo allocates while writing the PDF.
 */
const char *__lsan_default_options(void);
/* Runs while the sanitizer starts: no libc calls, no instrumentation. */
__attribute__((no_sanitize("address", "undefined"))) const char *__lsan_default_options(void)
{
    static const char head[] = "fast_unwind_on_malloc=0:suppressions=";
    static const char tail[] = "/../lsan.supp"; /* tests/unit/.. = tests/ */
    static char opts[600];
    const char *file = __FILE__;
    size_t n = 0, dir = 0;
    for (size_t i = 0; file[i]; i++)
        if (file[i] == '/')
            dir = i;
    if (dir == 0 || dir + sizeof head + sizeof tail > sizeof opts)
        return "fast_unwind_on_malloc=0";
    for (size_t i = 0; head[i]; i++)
        opts[n++] = head[i];
    for (size_t i = 0; i < dir; i++)
        opts[n++] = file[i];
    for (size_t i = 0; tail[i]; i++)
        opts[n++] = tail[i];
    opts[n] = '\0';
    return opts;
}

/* ------------------------------------------------------------- helpers */

/* Skip (or fail under CI=true) when an external tool is not installed. */
#define NEED_TOOLS()                                                                               \
    do {                                                                                           \
        if (!tools_ok())                                                                           \
            return;                                                                                \
    } while (0)

static bool tools_ok(void)
{
    static const char *tools[] = {"pdfinfo", "pdftoppm", "pdftotext", "zbarimg"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tools[i]);
        if (system(cmd) != 0) {
            const char *ci = getenv("CI");
            if (ci && strcmp(ci, "true") == 0)
                fail_msg("%s is not installed (poppler-utils / zbar-tools) and CI=true", tools[i]);
            print_message("SKIP: %s is not installed (poppler-utils / zbar-tools)\n", tools[i]);
            skip();
            return false;
        }
    }
    return true;
}

/* Run a shell command; its stdout goes to @p out (NUL-terminated). @return the exit status. */
static int run(const char *cmd, char *out, size_t n)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = 0, got;
    while (len + 1 < n && (got = fread(out + len, 1, n - 1 - len, p)) > 0)
        len += got;
    out[len] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {
    }
    return pclose(p);
}

static void write_file(const char *path, const pd_buf *b)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
}

/* Render, check it is a PDF and write it to tmpdir/name.pdf; the path goes to @p path. */
static void render_to(const struct pd_label *l, int n, enum pd_label_size size, const char *name,
                      char path[256])
{
    pd_buf b = PD_BUF_INIT;
    char err[PD_LABEL_ERR_SIZE] = "";
    if (!pd_label_render(l, n, size, &b, err))
        fail_msg("render failed: %s", err);
    assert_true(b.len > 1000);
    assert_memory_equal(b.data, "%PDF-", 5);
    assert_non_null(strstr(b.data + b.len - 8, "%%EOF"));
    snprintf(path, 256, "%s/%s.pdf", tmpdir, name);
    write_file(path, &b);
    pd_buf_free(&b);
}

static void pdf_info(const char *path, int *pages, double *w_pt, double *h_pt)
{
    char cmd[512], out[4096];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s'", path);
    assert_int_equal(run(cmd, out, sizeof out), 0);
    const char *p = strstr(out, "Pages:");
    assert_non_null(p);
    *pages = atoi(p + 6);
    p = strstr(out, "Page size:");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "Page size: %lf x %lf pts", w_pt, h_pt), 2);
}

/*
 * Barcodes on page @p page as a scanner sees them: rendered at 300 dpi in
 * grey, optionally cropped to the band between @p top and @p bottom (fractions
 * of the page height), decoded as Code 128 only. zbar reports identical
 * symbols once per image, so one line may stand for two barcodes.
 */
static void decode(const char *pdf, int page, double top, double bottom, char *out, size_t n)
{
    char cmd[1024], png[256], info[4096];
    snprintf(cmd, sizeof cmd, "pdfinfo -f %d -l %d '%s'", page, page, pdf);
    assert_int_equal(run(cmd, info, sizeof info), 0);
    double w_pt = 0, h_pt = 0;
    char key[32];
    snprintf(key, sizeof key, "Page %4d size:", page);
    const char *p = strstr(info, key);
    assert_non_null(p);
    assert_int_equal(sscanf(p + strlen(key), "%lf x %lf", &w_pt, &h_pt), 2);
    int wpx = (int)(w_pt / 72 * 300), hpx = (int)(h_pt / 72 * 300);
    int y0 = (int)(top * hpx), y1 = (int)(bottom * hpx);
    snprintf(png, sizeof png, "%s/p%d-%d", tmpdir, page, y0);
    snprintf(cmd, sizeof cmd,
             "pdftoppm -r 300 -gray -png -singlefile -f %d -l %d -x 0 -y %d -W %d -H %d '%s' '%s'",
             page, page, y0, wpx, y1 - y0, pdf, png);
    assert_int_equal(run(cmd, out, n), 0);
    snprintf(cmd, sizeof cmd, "zbarimg --raw -q -Sdisable -Scode128.enable '%s.png' 2>/dev/null",
             png);
    run(cmd, out, n); /* exit 4 = nothing found: the caller's assertion says what was expected */
    size_t len = strlen(out);
    while (len && out[len - 1] == '\n')
        out[--len] = '\0';
}

/* Every decoded line equals @p want (and there is at least one). */
static void assert_decodes_to(const char *got, const char *want)
{
    assert_true(*got);
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", got);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        assert_string_equal(line, want);
}

static void page_text(const char *pdf, int page, char *out, size_t n)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "pdftotext -f %d -l %d '%s' -", page, page, pdf);
    assert_int_equal(run(cmd, out, n), 0);
    /* Join wrapped lines: a wrapped address or a masked name split across
     * lines must still be found (or found missing) as a whole. */
    char *w = out;
    for (const char *r = out; *r; r++)
        if (*r != '\n')
            *w++ = *r;
    *w = '\0';
}

/* A complete label of parcel @p seq of 3 of waybill serial 1234. */
struct sample {
    char waybill[PD_WAYBILL_NO_SIZE];
    char parcel[PD_PARCEL_NO_SIZE];
    struct pd_label l;
};

static void sample_init(struct sample *s, int seq, int count)
{
    assert_true(pd_waybill_no_format(1234, s->waybill));
    if (count > 1)
        assert_true(pd_parcel_no_format(s->waybill, seq, s->parcel));
    else
        snprintf(s->parcel, sizeof s->parcel, "%s", s->waybill);
    s->l = (struct pd_label){
        .parcel_no = s->parcel,
        .waybill_no = s->waybill,
        .seq = seq,
        .count = count,
        .sort_code = "粤B-南山 518",
        .service = "标准快递",
        .payment = "寄付",
        .cod_fen = 1234,
        .declared_value_fen = 200000,
        .weight_g = 1250,
        .recipient_name = "李四光",
        .recipient_phone = "13900139000",
        .recipient_address = "广东省深圳市南山区粤海街道科技园南区深南大道10000号",
        .sender_name = "张三丰",
        .sender_phone = "13800138000",
        .sender_address = "上海市浦东新区张江高科技园区碧波路690号",
        .goods = "文件 ×1",
        .remarks = "易碎，轻放",
        .printed_at = "2026-11-23 10:00",
    };
}

/* --------------------------------------------------------------- tests */

static void size_parse(void **state)
{
    (void)state;
    enum pd_label_size s = PD_LABEL_76X130;
    assert_true(pd_label_size_parse("100x180", &s));
    assert_int_equal(s, PD_LABEL_100X180);
    assert_true(pd_label_size_parse("76x130", &s));
    assert_int_equal(s, PD_LABEL_76X130);
    assert_string_equal(pd_label_size_name(PD_LABEL_100X180), "100x180");
    assert_string_equal(pd_label_size_name(PD_LABEL_76X130), "76x130");
    assert_string_equal(pd_label_size_name((enum pd_label_size)7), "");

    const char *bad[] = {"", "100X180", "100x180 ", " 76x130", "76x131", "180x100", "A4", "100"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = PD_LABEL_100X180;
        assert_false(pd_label_size_parse(bad[i], &s));
        assert_int_equal(s, PD_LABEL_100X180); /* untouched */
    }
    assert_false(pd_label_size_parse(NULL, &s));
}

static void page_size(enum pd_label_size size, double w_mm, double h_mm)
{
    struct sample s;
    sample_init(&s, 1, 1);
    char path[256];
    render_to(&s.l, 1, size, pd_label_size_name(size), path);
    int pages = 0;
    double w = 0, h = 0;
    pdf_info(path, &pages, &w, &h);
    assert_int_equal(pages, 1);
    assert_true(w > w_mm * 72 / 25.4 - 1 && w < w_mm * 72 / 25.4 + 1);
    assert_true(h > h_mm * 72 / 25.4 - 1 && h < h_mm * 72 / 25.4 + 1);
}

static void one_page_100x180(void **state)
{
    (void)state;
    NEED_TOOLS();
    page_size(PD_LABEL_100X180, 100, 180); /* 283.46 x 510.24 pt */
}

static void one_page_76x130(void **state)
{
    (void)state;
    NEED_TOOLS();
    page_size(PD_LABEL_76X130, 76, 130); /* 215.43 x 368.50 pt */
}

/* Both barcodes of the page (main part above, stub below the cut line) read back as the number. */
static void barcode_scans(enum pd_label_size size, int seq, int count)
{
    struct sample s;
    sample_init(&s, seq, count);
    char path[256], out[1024], name[64];
    snprintf(name, sizeof name, "scan-%s-%d", pd_label_size_name(size), count);
    render_to(&s.l, 1, size, name, path);
    decode(path, 1, 0, 1, out, sizeof out);
    assert_decodes_to(out, s.parcel);
    decode(path, 1, 0, 0.45, out, sizeof out); /* main part only */
    assert_decodes_to(out, s.parcel);
    decode(path, 1, 0.7, 1, out, sizeof out); /* the stub only */
    assert_decodes_to(out, s.parcel);
}

static void barcode_decodes(void **state)
{
    (void)state;
    NEED_TOOLS();
    /* 19-character parcel number of a multi-parcel waybill, and a plain waybill number. */
    barcode_scans(PD_LABEL_100X180, 3, 3);
    barcode_scans(PD_LABEL_76X130, 3, 3);
    barcode_scans(PD_LABEL_100X180, 1, 1);
    barcode_scans(PD_LABEL_76X130, 1, 1);
}

static void batch(void **state)
{
    (void)state;
    NEED_TOOLS();
    struct sample s[3];
    struct pd_label l[3];
    for (int i = 0; i < 3; i++) {
        sample_init(&s[i], i + 1, 3);
        l[i] = s[i].l;
    }
    for (int z = 0; z < 2; z++) {
        enum pd_label_size size = z ? PD_LABEL_76X130 : PD_LABEL_100X180;
        char path[256], out[4096], want[16];
        render_to(l, 3, size, z ? "batch76" : "batch100", path);
        int pages = 0;
        double w, h;
        pdf_info(path, &pages, &w, &h);
        assert_int_equal(pages, 3);
        for (int p = 1; p <= 3; p++) {
            decode(path, p, 0, 1, out, sizeof out);
            assert_decodes_to(out, s[p - 1].parcel);
            page_text(path, p, out, sizeof out);
            snprintf(want, sizeof want, "%d/3", p);
            assert_non_null(strstr(out, want));
            assert_non_null(strstr(out, s[p - 1].parcel));
            assert_non_null(strstr(out, s[0].waybill)); /* 母单 */
        }
    }
}

static void masking(void **state)
{
    (void)state;
    NEED_TOOLS();
    struct sample s;
    sample_init(&s, 1, 1);
    char rphone[32], sphone[32], rname[32], sname[32];
    pd_mask_phone(s.l.recipient_phone, rphone, sizeof rphone);
    pd_mask_phone(s.l.sender_phone, sphone, sizeof sphone);
    pd_mask_name(s.l.recipient_name, rname, sizeof rname);
    pd_mask_name(s.l.sender_name, sname, sizeof sname);
    assert_string_equal(rphone, "139****9000");
    assert_string_equal(rname, "李**");
    for (int z = 0; z < 2; z++) {
        char path[256], text[8192];
        render_to(&s.l, 1, z ? PD_LABEL_76X130 : PD_LABEL_100X180, z ? "mask76" : "mask100", path);
        page_text(path, 1, text, sizeof text);
        assert_null(strstr(text, "13900139000"));
        assert_null(strstr(text, "李四光"));
        assert_null(strstr(text, "13800138000"));
        assert_null(strstr(text, "张三丰"));
        assert_non_null(strstr(text, rphone));
        assert_non_null(strstr(text, sphone));
        assert_non_null(strstr(text, rname));
        assert_non_null(strstr(text, sname));
        /* What the courier needs stays whole. */
        assert_non_null(strstr(text, "粤B-南山 518"));
        assert_non_null(strstr(text, "深南大道10000号"));
        assert_non_null(strstr(text, "标准快递"));
        assert_non_null(strstr(text, "文件 ×1"));
        assert_non_null(strstr(text, "易碎，轻放"));
        assert_non_null(strstr(text, "2026-11-23 10:00"));
        assert_non_null(strstr(text, "1.25 kg"));
        assert_non_null(strstr(text, "保价"));
        assert_non_null(strstr(text, "2000.00"));
        /* A single-parcel label prints no "1/1" and no master line. */
        assert_null(strstr(text, "1/1"));
        assert_null(strstr(text, "母单"));
    }
}

static void cod_shown(void **state)
{
    (void)state;
    NEED_TOOLS();
    struct sample s;
    sample_init(&s, 1, 1);
    char path[256], text[8192];
    for (int z = 0; z < 2; z++) {
        enum pd_label_size size = z ? PD_LABEL_76X130 : PD_LABEL_100X180;
        s.l.cod_fen = 1234;
        s.l.payment = "到付";
        render_to(&s.l, 1, size, "cod", path);
        page_text(path, 1, text, sizeof text);
        assert_non_null(strstr(text, "代收"));
        assert_non_null(strstr(text, "12.34"));
        assert_non_null(strstr(text, "到付"));

        s.l.cod_fen = 0;
        s.l.declared_value_fen = 0;
        render_to(&s.l, 1, size, "nocod", path);
        page_text(path, 1, text, sizeof text);
        assert_null(strstr(text, "代收"));
        assert_null(strstr(text, "12.34"));
        assert_null(strstr(text, "保价"));
        assert_non_null(strstr(text, "到付"));
        s.l.declared_value_fen = 200000;
    }
}

/* Too much text is cut with an ellipsis inside its box: the page count stays
 * 1, the tail never appears, and the barcodes still scan (nothing was drawn
 * over them). Input that looks like Pango markup prints as itself. */
static void long_text_stays_in_its_box(void **state)
{
    (void)state;
    NEED_TOOLS();
    static char addr[PD_LABEL_TEXT_MAX + 1], sort[200];
    addr[0] = '\0';
    while (strlen(addr) + 40 < PD_LABEL_TEXT_MAX)
        strcat(addr, "广东省深圳市南山区科技园");
    strcat(addr, "TAILMARK");
    snprintf(sort, sizeof sort, "粤B-南山区科技园南区粤海街道深南大道一千号 518-001-TAILMARK");
    struct sample s;
    sample_init(&s, 2, 3);
    s.l.recipient_address = addr;
    s.l.sender_address = addr;
    s.l.remarks = addr;
    s.l.goods = addr;
    s.l.sort_code = sort;
    s.l.service = "<b>&amp;</b> 特快专递次日达加急服务TAILMARK";
    s.l.recipient_name = "<i>王</i>";
    for (int z = 0; z < 2; z++) {
        char path[256], text[16384], out[1024];
        render_to(&s.l, 1, z ? PD_LABEL_76X130 : PD_LABEL_100X180, z ? "long76" : "long100", path);
        int pages = 0;
        double w, h;
        pdf_info(path, &pages, &w, &h);
        assert_int_equal(pages, 1);
        page_text(path, 1, text, sizeof text);
        assert_null(strstr(text, "TAILMARK"));
        assert_non_null(strstr(text, "…"));
        assert_non_null(strstr(text, "<b>&amp;</b>"));
        assert_non_null(strstr(text, "<***"));
        decode(path, 1, 0, 0.45, out, sizeof out);
        assert_decodes_to(out, s.parcel);
        decode(path, 1, 0.7, 1, out, sizeof out);
        assert_decodes_to(out, s.parcel);
    }
}

/* Control characters print as spaces (Pango would draw hex boxes), and a
 * line break in a one-line field does not add a line. */
static void controls_become_spaces(void **state)
{
    (void)state;
    NEED_TOOLS();
    struct sample s;
    sample_init(&s, 1, 1);
    s.l.sort_code = "粤B\n南山\t518";
    s.l.recipient_phone = "139\r00139000";
    char path[256], text[8192];
    render_to(&s.l, 1, PD_LABEL_100X180, "controls", path);
    page_text(path, 1, text, sizeof text);
    assert_non_null(strstr(text, "粤B 南山 518"));
    assert_null(strstr(text, "00139000"));
}

static void errors(void **state)
{
    (void)state;
    struct sample s;
    sample_init(&s, 2, 3);
    pd_buf b = PD_BUF_INIT;
    pd_buf_puts(&b, "kept");
    char err[PD_LABEL_ERR_SIZE];

#define EXPECT_ERR(labels, n, size, ...)                                                           \
    do {                                                                                           \
        err[0] = '\0';                                                                             \
        assert_false(pd_label_render(labels, n, size, &b, err));                                   \
        const char *want[] = {__VA_ARGS__};                                                        \
        for (size_t k_ = 0; k_ < sizeof want / sizeof want[0]; k_++)                               \
            if (!strstr(err, want[k_]))                                                            \
                fail_msg("error \"%s\" does not mention \"%s\"", err, want[k_]);                   \
        assert_int_equal(b.len, 4); /* out untouched */                                            \
        assert_string_equal(b.data, "kept");                                                       \
    } while (0)

    EXPECT_ERR(&s.l, 0, PD_LABEL_100X180, "n must be at least 1");
    EXPECT_ERR(&s.l, -1, PD_LABEL_100X180, "n must be at least 1");
    EXPECT_ERR(NULL, 1, PD_LABEL_100X180, "labels");
    EXPECT_ERR(&s.l, PD_LABEL_BATCH_MAX + 1, PD_LABEL_100X180, "n 501");
    EXPECT_ERR(&s.l, 1, (enum pd_label_size)9, "size");

    struct pd_label l = s.l;
    l.parcel_no = "";
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "label 1", "parcel_no", "required");
    l.parcel_no = NULL;
    EXPECT_ERR(&l, 1, PD_LABEL_76X130, "label 1", "parcel_no", "required");
    char typo[PD_PARCEL_NO_SIZE];
    memcpy(typo, s.parcel, sizeof typo);
    typo[10] = typo[10] == '9' ? '8' : (char)(typo[10] + 1); /* one wrong digit */
    l.parcel_no = typo;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "parcel_no", typo, "not a valid");
    l.parcel_no = "PD-ÄÖÜ-字";
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "parcel_no", "not a valid");

    l = s.l;
    l.waybill_no = "PD123";
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "waybill_no", "not a valid waybill number");
    char other[PD_WAYBILL_NO_SIZE];
    assert_true(pd_waybill_no_format(999, other));
    l.waybill_no = other;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "is not a parcel of waybill_no");

    l = s.l;
    l.seq = 1; /* the number says parcel 2 */
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "seq 1 does not match parcel_no");
    l.seq = 4;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "seq 4 is not between 1 and count");
    l = s.l;
    l.count = 0;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "count 0");

    l = s.l;
    l.cod_fen = -1;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "cod_fen is negative");
    l = s.l;
    l.declared_value_fen = -5;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "declared_value_fen is negative");
    l = s.l;
    l.weight_g = -1;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "weight_g is negative");

    l = s.l;
    l.recipient_address = "深圳\xff\xfe";
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "recipient_address is not valid UTF-8");
    l = s.l;
    l.recipient_phone = "1390013900013900139000139001390013900013900139001390013900013900";
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "recipient_phone is longer");
    static char huge[PD_LABEL_TEXT_MAX + 2];
    memset(huge, 'a', sizeof huge - 1);
    l = s.l;
    l.remarks = huge;
    EXPECT_ERR(&l, 1, PD_LABEL_100X180, "remarks is longer than 1024 bytes");

    /* The whole batch is checked first; the message names the bad label. */
    struct sample s3;
    sample_init(&s3, 3, 3);
    struct pd_label two[2] = {s.l, s3.l};
    two[1].sender_address = "\xc3";
    EXPECT_ERR(two, 2, PD_LABEL_76X130, "label 2: sender_address");
#undef EXPECT_ERR

    /* Success appends after what the buffer held. */
    assert_true(pd_label_render(&s.l, 1, PD_LABEL_76X130, &b, err));
    assert_memory_equal(b.data, "kept%PDF-", 9);
    pd_buf_free(&b);
}

static void barcode_fit(void **state)
{
    (void)state;
    char err[PD_LABEL_ERR_SIZE], wb[PD_WAYBILL_NO_SIZE], pn[PD_PARCEL_NO_SIZE];
    assert_true(pd_waybill_no_format(PD_WAYBILL_SERIAL_MAX, wb));
    assert_true(pd_parcel_no_format(wb, PD_PARCEL_SEQ_MAX, pn));
    double m = 0;
    int modules = 0;
    /* The label widths less the margins: 94 mm and 71 mm. */
    const struct {
        const char *no;
        double avail, max, want;
    } cases[] = {
        {pn, 94, 0.5, 0.5},   {pn, 71, 0.5, 0.375},   {pn, 71, 0.25, 0.25}, {wb, 94, 0.5, 0.5},
        {wb, 71, 0.5, 0.375}, {pn, 94, 0.375, 0.375}, {pn, 94, 0.3, 0.25}, /* caps round down to
                                                                              whole dots too */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(
            pd__label_barcode_fit(cases[i].no, cases[i].avail, cases[i].max, &m, &modules, err));
        assert_true(m >= PD__LABEL_MIN_MODULE_MM);
        assert_true(m > cases[i].want - 1e-9 && m < cases[i].want + 1e-9);
        /* The bars and both quiet zones fit the width given. */
        assert_true((modules + 2 * PD__LABEL_QUIET_MODULES) * m <= cases[i].avail + 1e-9);
    }
    /* Code 128 of a 19-character parcel number: 167 modules. */
    assert_true(pd__label_barcode_fit(pn, 94, 0.5, &m, &modules, err));
    assert_int_equal(modules, 167);

    /* A number too long for the width fails with the reason, not thin bars. */
    err[0] = '\0';
    assert_false(pd__label_barcode_fit("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 71,
                                       0.5, &m, &modules, err));
    assert_non_null(strstr(err, "needs"));
    assert_non_null(strstr(err, "only 71.0 mm fit"));
    assert_false(pd__label_barcode_fit(pn, 45, 0.5, &m, NULL, err));
    assert_non_null(strstr(err, "0.25 mm per module"));
    assert_false(pd__label_barcode_fit("", 94, 0.5, &m, NULL, err));
    assert_non_null(strstr(err, "empty"));
}

/* ------------------------------------------------------- concurrency */

struct job {
    const struct pd_label *l;
    int n;
    enum pd_label_size size;
    pd_buf out;
    bool ok;
    char err[PD_LABEL_ERR_SIZE];
};

static void *render_job(void *arg)
{
    struct job *j = arg;
    j->ok = true;
    for (int rep = 0; rep < 3 && j->ok; rep++) {
        pd_buf_reset(&j->out);
        j->ok = pd_label_render(j->l, j->n, j->size, &j->out, j->err);
    }
    return NULL;
}

/* The PDF's CreationDate is the only part that depends on the clock. */
static void blank_date(pd_buf *b)
{
    char *p = memmem(b->data, b->len, "/CreationDate (", 15);
    if (!p)
        return;
    for (p += 15; p < b->data + b->len && *p != ')'; p++)
        *p = 'x';
}

static void concurrent_renders_match_serial(void **state)
{
    (void)state;
    enum { THREADS = 4 };
    struct sample s[3];
    struct pd_label l[3];
    for (int i = 0; i < 3; i++) {
        sample_init(&s[i], i + 1, 3);
        l[i] = s[i].l;
    }
    struct job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (struct job){.l = &l[t % 3], .n = 3 - t % 3, .size = (enum pd_label_size)(t % 2)};
        pd_buf_init(&jobs[t].out);
    }
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, render_job, &jobs[t]), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < THREADS; t++) {
        if (!jobs[t].ok)
            fail_msg("thread %d: %s", t, jobs[t].err);
        pd_buf ref = PD_BUF_INIT;
        char err[PD_LABEL_ERR_SIZE];
        assert_true(pd_label_render(jobs[t].l, jobs[t].n, jobs[t].size, &ref, err));
        blank_date(&ref);
        blank_date(&jobs[t].out);
        assert_int_equal(ref.len, jobs[t].out.len);
        assert_memory_equal(ref.data, jobs[t].out.data, ref.len);
        pd_buf_free(&ref);
        pd_buf_free(&jobs[t].out);
    }
}

/* --------------------------------------------------------------- setup */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pd-label-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    return rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    (void)argc;
    /* GObjects come from GSlice magazines that stay reachable, which would
     * hide a leaked layout from LeakSanitizer; plain malloc makes it visible.
     * GLib reads G_SLICE before main, hence the re-exec. */
    if (!getenv("G_SLICE")) {
        setenv("G_SLICE", "always-malloc", 1);
        execv("/proc/self/exe", argv);
        perror("print_label_test: re-exec with G_SLICE=always-malloc");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(size_parse),
        cmocka_unit_test(one_page_100x180),
        cmocka_unit_test(one_page_76x130),
        cmocka_unit_test(barcode_decodes),
        cmocka_unit_test(batch),
        cmocka_unit_test(masking),
        cmocka_unit_test(cod_shown),
        cmocka_unit_test(long_text_stays_in_its_box),
        cmocka_unit_test(controls_become_spaces),
        cmocka_unit_test(errors),
        cmocka_unit_test(barcode_fit),
        cmocka_unit_test(concurrent_renders_match_serial),
    };
    return cmocka_run_group_tests(tests, setup, getenv("PD_LABEL_KEEP_TMP") ? NULL : teardown);
}
