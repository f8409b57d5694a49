/*
 * The streaming CSV reader of csv.h: a byte-at-a-time RFC 4180 state machine
 * over a fixed read window, collecting one record into a buffer of bounded
 * size, then checking (UTF-8) or converting (GB18030, through glibc's iconv)
 * that record's fields. It knows nothing about orders or columns; the import
 * (http/api/order_import.c) gives the fields their meaning.
 *
 * Leniency, where Excel and WPS are lenient too: a quote inside an unquoted
 * field is kept as a character, and text after a closing quote is appended
 * ("ab"c → abc). What would lose data is an error: a quote still open at the
 * end of the file, a record over the limit, bytes that are not text.
 */
#include "util/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

struct pd_csv {
    FILE *f;                  /* file input, or NULL */
    const unsigned char *mem; /* memory input */
    size_t mem_len;
    enum pd_csv_encoding enc;
    size_t chunk, max_record;
    int64_t data_start; /* first byte after a byte-order mark */

    /* The read window: file input reads chunks into `buf`; memory input
     * points `in` at the whole input and never refills. */
    unsigned char *buf;
    const unsigned char *in;
    size_t ipos, ilen;
    int64_t off; /* offset of in[ipos] */

    long line, row; /* the line of the next byte; records returned so far */
    bool after_cr;
    bool failed; /* sticky until a seek */

    /* the current record: field contents, each NUL-terminated, in `raw` */
    long rec_line;
    char *raw;
    size_t nraw, raw_cap;
    size_t *fstart, *flen, *dstart, *dlen;
    size_t nfields, fcap;
    /* GB18030 only: the fields converted to UTF-8 */
    iconv_t cd;
    char *dec;
    size_t dec_cap;
};

static const unsigned char UTF8_BOM[3] = {0xEF, 0xBB, 0xBF};
static const unsigned char GB18030_BOM[4] = {0x84, 0x31, 0x95, 0x33};

static void set_err(struct pd_csv_error *err, enum pd_csv_errkind kind, long line, long row,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_err(struct pd_csv_error *err, enum pd_csv_errkind kind, long line, long row,
                    const char *fmt, ...)
{
    if (!err)
        return;
    err->kind = kind;
    err->line = line;
    err->row = row;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/*
 * Length of the valid UTF-8 prefix of p[0..n) (n when all of it is valid):
 * no overlong forms, surrogates, code points above U+10FFFF or NUL bytes.
 * @p truncated is set when the only fault is a sequence cut by the end.
 */
static size_t utf8_valid_prefix(const unsigned char *p, size_t n, bool *truncated)
{
    size_t i = 0;
    *truncated = false;
    while (i < n) {
        unsigned char b = p[i];
        if (b >= 0x01 && b < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF)
            need = 1;
        else if (b == 0xE0)
            need = 2, lo = 0xA0;
        else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
            need = 2;
        else if (b == 0xED)
            need = 2, hi = 0x9F; /* no surrogates */
        else if (b == 0xF0)
            need = 3, lo = 0x90;
        else if (b >= 0xF1 && b <= 0xF3)
            need = 3;
        else if (b == 0xF4)
            need = 3, hi = 0x8F;
        else
            return i; /* NUL, a stray continuation byte, C0, C1, F5..FF */
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n) {
                *truncated = true;
                return i;
            }
            unsigned char t = p[i + k];
            if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xBF))
                return i;
        }
        i += need + 1;
    }
    return n;
}

const char *pd_csv_encoding_name(enum pd_csv_encoding e)
{
    switch (e) {
    case PD_CSV_UTF8:
        return "utf-8";
    case PD_CSV_GB18030:
        return "gb18030";
    default:
        return "auto";
    }
}

bool pd_csv_encoding_parse(const char *s, enum pd_csv_encoding *out)
{
    static const struct {
        const char *name;
        enum pd_csv_encoding e;
    } names[] = {
        {"auto", PD_CSV_AUTO},       {"utf-8", PD_CSV_UTF8},  {"utf8", PD_CSV_UTF8},
        {"gb18030", PD_CSV_GB18030}, {"gbk", PD_CSV_GB18030}, {"gb2312", PD_CSV_GB18030},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].name)) {
            *out = names[i].e;
            return true;
        }
    return false;
}

enum pd_csv_encoding pd_csv_encoding(const pd_csv *c)
{
    return c->enc;
}

void pd_csv_free(pd_csv *c)
{
    if (!c)
        return;
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    free(c->buf);
    free(c->raw);
    free(c->fstart);
    free(c->flen);
    free(c->dstart);
    free(c->dlen);
    free(c->dec);
    free(c);
}

/* Choose the encoding and skip a byte-order mark, looking at the first
 * @p n bytes of the input (@p more: the input goes on beyond them). */
static bool settle_encoding(pd_csv *c, const unsigned char *p, size_t n, bool more,
                            struct pd_csv_error *err)
{
    if (n >= 3 && !memcmp(p, UTF8_BOM, 3)) {
        if (c->enc == PD_CSV_GB18030) {
            set_err(err, PD_CSV_E_ENCODING, 1, 0,
                    "line 1: the file starts with a UTF-8 byte-order mark, not GB18030 text");
            return false;
        }
        c->enc = PD_CSV_UTF8;
        c->data_start = 3;
    } else if (n >= 4 && !memcmp(p, GB18030_BOM, 4) && c->enc != PD_CSV_UTF8) {
        c->enc = PD_CSV_GB18030;
        c->data_start = 4;
    } else if (c->enc == PD_CSV_AUTO) {
        bool truncated;
        size_t ok = utf8_valid_prefix(p, n, &truncated);
        c->enc = ok == n || (truncated && more) ? PD_CSV_UTF8 : PD_CSV_GB18030;
    }
    if (c->enc == PD_CSV_GB18030) {
        c->cd = iconv_open("UTF-8", "GB18030");
        if (c->cd == (iconv_t)-1) {
            set_err(err, PD_CSV_E_IO, 0, 0, "cannot convert from GB18030: %s", strerror(errno));
            return false;
        }
    }
    return true;
}

static pd_csv *reader_new(const struct pd_csv_opts *o, struct pd_csv_error *err)
{
    pd_csv *c = calloc(1, sizeof *c);
    if (!c) {
        set_err(err, PD_CSV_E_NOMEM, 0, 0, "out of memory");
        return NULL;
    }
    c->cd = (iconv_t)-1;
    c->enc = o ? o->encoding : PD_CSV_AUTO;
    c->chunk = o && o->chunk ? o->chunk : PD_CSV_CHUNK;
    c->max_record = o && o->max_record ? o->max_record : PD_CSV_MAX_RECORD;
    c->line = 1;
    /* Contents plus one NUL per field never exceed the record's bytes + 1. */
    c->raw_cap = c->max_record + 2;
    c->raw = malloc(c->raw_cap);
    c->fcap = 32;
    c->fstart = malloc(c->fcap * sizeof *c->fstart);
    c->flen = malloc(c->fcap * sizeof *c->flen);
    c->dstart = malloc(c->fcap * sizeof *c->dstart);
    c->dlen = malloc(c->fcap * sizeof *c->dlen);
    if (!c->raw || !c->fstart || !c->flen || !c->dstart || !c->dlen) {
        pd_csv_free(c);
        set_err(err, PD_CSV_E_NOMEM, 0, 0, "out of memory");
        return NULL;
    }
    return c;
}

pd_csv *pd_csv_open_file(FILE *f, const struct pd_csv_opts *o, struct pd_csv_error *err)
{
    pd_csv *c = reader_new(o, err);
    if (!c)
        return NULL;
    c->f = f;
    c->buf = malloc(c->chunk > PD_CSV_DETECT_BYTES ? c->chunk : PD_CSV_DETECT_BYTES);
    if (!c->buf) {
        set_err(err, PD_CSV_E_NOMEM, 0, 0, "out of memory");
        pd_csv_free(c);
        return NULL;
    }
    if (fseeko(f, 0, SEEK_SET) != 0) {
        set_err(err, PD_CSV_E_IO, 0, 0, "the input cannot be rewound: %s", strerror(errno));
        pd_csv_free(c);
        return NULL;
    }
    size_t n = fread(c->buf, 1, PD_CSV_DETECT_BYTES, f);
    if (ferror(f)) {
        set_err(err, PD_CSV_E_IO, 0, 0, "read failed: %s", strerror(errno));
        pd_csv_free(c);
        return NULL;
    }
    if (!settle_encoding(c, c->buf, n, n == PD_CSV_DETECT_BYTES, err) ||
        fseeko(f, c->data_start, SEEK_SET) != 0) {
        if (err && err->kind == PD_CSV_E_NONE)
            set_err(err, PD_CSV_E_IO, 0, 0, "seek failed: %s", strerror(errno));
        pd_csv_free(c);
        return NULL;
    }
    c->in = c->buf;
    c->off = c->data_start;
    return c;
}

pd_csv *pd_csv_open_mem(const void *data, size_t len, const struct pd_csv_opts *o,
                        struct pd_csv_error *err)
{
    pd_csv *c = reader_new(o, err);
    if (!c)
        return NULL;
    c->mem = data;
    c->mem_len = len;
    size_t n = len < PD_CSV_DETECT_BYTES ? len : PD_CSV_DETECT_BYTES;
    if (!settle_encoding(c, c->mem, n, len > n, err)) {
        pd_csv_free(c);
        return NULL;
    }
    c->in = c->mem;
    c->ilen = len;
    c->ipos = (size_t)c->data_start;
    c->off = c->data_start;
    return c;
}

/* Refill the window. @return bytes available, 0 at the end, -1 on error. */
static int fill(pd_csv *c, struct pd_csv_error *err)
{
    if (!c->f)
        return 0; /* memory input is one window */
    size_t n = fread(c->buf, 1, c->chunk, c->f);
    if (n == 0 && ferror(c->f)) {
        set_err(err, PD_CSV_E_IO, c->line, 0, "line %ld: read failed: %s", c->line,
                strerror(errno));
        return -1;
    }
    c->in = c->buf;
    c->ipos = 0;
    c->ilen = n;
    return n > 0;
}

static bool end_field(pd_csv *c, size_t *start)
{
    if (c->nfields == c->fcap) {
        size_t cap = c->fcap * 2;
        size_t *a = realloc(c->fstart, cap * sizeof *a);
        if (a)
            c->fstart = a;
        size_t *b = realloc(c->flen, cap * sizeof *b);
        if (b)
            c->flen = b;
        size_t *d = realloc(c->dstart, cap * sizeof *d);
        if (d)
            c->dstart = d;
        size_t *e = realloc(c->dlen, cap * sizeof *e);
        if (e)
            c->dlen = e;
        if (!a || !b || !d || !e)
            return false;
        c->fcap = cap;
    }
    c->raw[c->nraw++] = '\0';
    c->fstart[c->nfields] = *start;
    c->flen[c->nfields] = c->nraw - 1 - *start;
    c->nfields++;
    *start = c->nraw;
    return true;
}

/* The line of byte @p at of the record's contents (line breaks sit only
 * inside quoted fields, whose bytes are kept as they were). */
static long line_of(const pd_csv *c, size_t at)
{
    long line = c->rec_line;
    for (size_t i = 0; i < at; i++)
        if (c->raw[i] == '\n' || (c->raw[i] == '\r' && c->raw[i + 1] != '\n'))
            line++;
    return line;
}

/* Check (UTF-8) or convert (GB18030) the fields of the record just read. */
static bool decode_record(pd_csv *c, struct pd_csv_error *err)
{
    long row = c->row;
    if (c->enc == PD_CSV_UTF8) {
        for (size_t i = 0; i < c->nfields; i++) {
            const unsigned char *s = (const unsigned char *)c->raw + c->fstart[i];
            bool truncated;
            size_t ok = utf8_valid_prefix(s, c->flen[i], &truncated);
            if (ok != c->flen[i]) {
                long line = line_of(c, c->fstart[i] + ok);
                if (s[ok] == 0)
                    set_err(err, PD_CSV_E_ENCODING, line, row, "line %ld: contains a NUL byte",
                            line);
                else
                    set_err(err, PD_CSV_E_ENCODING, line, row,
                            "line %ld: not valid UTF-8 (byte 0x%02x)", line, s[ok]);
                return false;
            }
            c->dstart[i] = c->fstart[i];
            c->dlen[i] = c->flen[i];
        }
        return true;
    }
    if (!c->dec) {
        /* A GB18030 character of 2 bytes becomes 3 in UTF-8, one of 4 stays 4. */
        c->dec_cap = c->raw_cap * 2 + 16;
        c->dec = malloc(c->dec_cap);
        if (!c->dec) {
            set_err(err, PD_CSV_E_NOMEM, c->rec_line, row, "out of memory");
            return false;
        }
    }
    size_t dn = 0;
    for (size_t i = 0; i < c->nfields; i++) {
        char *in = c->raw + c->fstart[i];
        size_t inleft = c->flen[i];
        const char *nul = memchr(in, '\0', inleft);
        if (nul) {
            long line = line_of(c, (size_t)(nul - c->raw));
            set_err(err, PD_CSV_E_ENCODING, line, row, "line %ld: contains a NUL byte", line);
            return false;
        }
        char *out = c->dec + dn;
        size_t outleft = c->dec_cap - dn - 1;
        iconv(c->cd, NULL, NULL, NULL, NULL);
        if (iconv(c->cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
            long line = line_of(c, (size_t)(in - c->raw));
            if (errno == EILSEQ || errno == EINVAL)
                set_err(err, PD_CSV_E_ENCODING, line, row,
                        "line %ld: not valid GB18030 (byte 0x%02x)", line, (unsigned char)*in);
            else
                set_err(err, PD_CSV_E_NOMEM, line, row, "line %ld: conversion failed: %s", line,
                        strerror(errno));
            return false;
        }
        *out = '\0';
        c->dstart[i] = dn;
        c->dlen[i] = (size_t)(out - (c->dec + dn));
        dn += c->dlen[i] + 1;
    }
    return true;
}

int pd_csv_next(pd_csv *c, struct pd_csv_error *err)
{
    if (c->failed) {
        set_err(err, PD_CSV_E_IO, c->line, 0, "the reader stopped at an earlier error");
        return -1;
    }
    enum { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE_IN_QUOTED } st = S_START;
    c->nraw = 0;
    c->nfields = 0;
    size_t start = 0;
    bool any = false;
    int64_t rec_off = c->off;
    c->rec_line = c->line;
    for (;;) {
        if (c->ipos == c->ilen) {
            int r = fill(c, err);
            if (r < 0)
                goto fail;
            if (r == 0) {
                if (st == S_QUOTED) {
                    set_err(err, PD_CSV_E_QUOTE, c->rec_line, c->row + 1,
                            "line %ld: a quoted field is still open at the end of the file",
                            c->rec_line);
                    goto fail;
                }
                if (!any)
                    return 0;
                if (!end_field(c, &start))
                    goto nomem;
                break;
            }
        }
        unsigned char b = c->in[c->ipos++];
        c->off++;
        bool was_cr = c->after_cr;
        c->after_cr = b == '\r';
        if (b == '\r' || (b == '\n' && !was_cr))
            c->line++;
        if (!any) {
            /* The LF of a CRLF that ended the previous record. */
            if (b == '\n' && was_cr) {
                rec_off = c->off;
                continue;
            }
            any = true;
        }
        if (c->off - rec_off > (int64_t)c->max_record) {
            set_err(err, PD_CSV_E_TOO_LONG, c->rec_line, c->row + 1,
                    "line %ld: the record is longer than %zu bytes (a quote left open?)",
                    c->rec_line, c->max_record);
            goto fail;
        }
        switch (st) {
        case S_START:
            if (b == '"') {
                st = S_QUOTED;
                break;
            }
            __attribute__((fallthrough));
        case S_UNQUOTED:
            if (b == ',') {
                if (!end_field(c, &start))
                    goto nomem;
                st = S_START;
            } else if (b == '\r' || b == '\n') {
                if (!end_field(c, &start))
                    goto nomem;
                goto record;
            } else {
                c->raw[c->nraw++] = (char)b;
                st = S_UNQUOTED;
            }
            break;
        case S_QUOTED:
            if (b == '"')
                st = S_QUOTE_IN_QUOTED;
            else
                c->raw[c->nraw++] = (char)b;
            break;
        case S_QUOTE_IN_QUOTED:
            if (b == '"') {
                c->raw[c->nraw++] = '"';
                st = S_QUOTED;
            } else if (b == ',') {
                if (!end_field(c, &start))
                    goto nomem;
                st = S_START;
            } else if (b == '\r' || b == '\n') {
                if (!end_field(c, &start))
                    goto nomem;
                goto record;
            } else {
                c->raw[c->nraw++] = (char)b;
                st = S_UNQUOTED;
            }
            break;
        }
    }
record:
    c->row++;
    if (!decode_record(c, err))
        goto fail;
    return 1;
nomem:
    set_err(err, PD_CSV_E_NOMEM, c->rec_line, c->row + 1, "out of memory");
fail:
    c->failed = true;
    c->nfields = 0;
    return -1;
}

size_t pd_csv_nfields(const pd_csv *c)
{
    return c->nfields;
}

const char *pd_csv_field(const pd_csv *c, size_t i, size_t *len)
{
    if (i >= c->nfields) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = c->dlen[i];
    return (c->enc == PD_CSV_GB18030 ? c->dec : c->raw) + c->dstart[i];
}

long pd_csv_line(const pd_csv *c)
{
    return c->rec_line;
}

long pd_csv_row(const pd_csv *c)
{
    return c->row;
}

void pd_csv_tell(const pd_csv *c, struct pd_csv_pos *pos)
{
    pos->offset = c->off;
    pos->line = c->line;
    pos->row = c->row;
    pos->after_cr = c->after_cr;
}

bool pd_csv_seek(pd_csv *c, const struct pd_csv_pos *pos, struct pd_csv_error *err)
{
    if (pos->offset < c->data_start) {
        set_err(err, PD_CSV_E_IO, 0, 0, "seek before the start of the data");
        return false;
    }
    if (c->f) {
        if (fseeko(c->f, (off_t)pos->offset, SEEK_SET) != 0) {
            set_err(err, PD_CSV_E_IO, pos->line, 0, "seek failed: %s", strerror(errno));
            return false;
        }
        clearerr(c->f);
        c->ipos = c->ilen = 0;
    } else {
        if ((uint64_t)pos->offset > c->mem_len) {
            set_err(err, PD_CSV_E_IO, pos->line, 0, "seek beyond the end of the input");
            return false;
        }
        c->ipos = (size_t)pos->offset;
    }
    c->off = pos->offset;
    c->line = pos->line;
    c->row = pos->row;
    c->after_cr = pos->after_cr;
    c->failed = false;
    c->nfields = 0;
    return true;
}
