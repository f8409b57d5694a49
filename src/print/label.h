/*
 * Electronic waybill labels (电子面单, DOMAIN.md §2) rendered as PDF: one page
 * per parcel at 100×180 mm or 76×130 mm, with a Code 128 barcode of the
 * parcel number, the sort code printed big, and the recipient's and sender's
 * names and phone numbers masked (隐私面单). The layout is described in
 * docs/labels.md.
 *
 * Thread safety: pd_label_render() may run in several threads at once. Every
 * call owns its cairo surface, its zint symbols and its Pango context; fonts
 * come from Pango's default font map, which is per thread (Pango >= 1.32), so
 * each server thread keeps its own font cache for the life of the thread.
 */
#ifndef PD_PRINT_LABEL_H
#define PD_PRINT_LABEL_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/** The paper sizes thermal label printers take (width × height, portrait). */
enum pd_label_size {
    PD_LABEL_100X180, /* 一联/二联面单: full layout with a receipt stub */
    PD_LABEL_76X130,  /* 便携面单: compact layout, compact stub */
};

/** Most labels one call renders (one page each): bounds the memory of one request. */
#define PD_LABEL_BATCH_MAX 500
/** Longest text field accepted, in bytes; the layout ellipsizes long of it anyway. */
#define PD_LABEL_TEXT_MAX 1024
/** Size of the caller's error buffer. */
#define PD_LABEL_ERR_SIZE 128

/**
 * Parse a size name: exactly "100x180" or "76x130".
 * @param s may be NULL (→ false).
 * @param[out] out set only on success.
 * @return false for anything else.
 */
bool pd_label_size_parse(const char *s, enum pd_label_size *out);

/** @return the size's name ("100x180", "76x130"), a static string; "" for an invalid value. */
const char *pd_label_size_name(enum pd_label_size size);

/**
 * One label, i.e. one parcel and one page. All strings are borrowed for the
 * duration of the call, UTF-8, at most PD_LABEL_TEXT_MAX bytes; NULL counts
 * as "" everywhere except parcel_no, which is required.
 */
struct pd_label {
    /* Barcode content (Code 128) and printed under the bars: a valid waybill
     * or parcel number (core/waybill_no.h), check digits included. */
    const char *parcel_no;
    /* Master number; printed small when it differs from parcel_no. When
     * given, it must be a valid waybill number and, if parcel_no is a parcel
     * number, its master. */
    const char *waybill_no;
    /* Parcel seq of count ("2/3"); count 1 prints nothing. 1 <= seq <= count,
     * and seq must equal the sequence inside a parcel number. */
    int seq, count;
    const char *sort_code;      /* 三段码/大头笔, e.g. "粤B-南山 518": printed big */
    const char *service;        /* display text, e.g. "标准快递" */
    const char *payment;        /* display text, e.g. "寄付" */
    int64_t cod_fen;            /* 代收货款: "代收 ¥12.34" printed prominently when > 0 */
    int64_t declared_value_fen; /* 保价: printed when > 0 */
    int64_t weight_g;           /* printed when > 0 */
    /* Raw personal data: the name and phone are masked here (core/privacy.h);
     * the address is printed in full because the courier needs it. Phones
     * are at most 63 bytes. */
    const char *recipient_name, *recipient_phone, *recipient_address;
    const char *sender_name, *sender_phone, *sender_address;
    const char *goods;      /* goods name and quantity */
    const char *remarks;    /* 备注 */
    const char *printed_at; /* local time as the caller wants it shown, e.g. "2026-11-23 10:00" */
};

/**
 * Render @p n labels, one per page, into one PDF appended to @p out.
 *
 * Every label is checked before anything is drawn; a bad field fails the
 * whole batch with a message naming the label (1-based) and the field, e.g.
 * "label 2: parcel_no is required".
 *
 * @param labels array of @p n labels (borrowed; may be NULL only when n is 0,
 *        which is an error).
 * @param n 1 … PD_LABEL_BATCH_MAX.
 * @param[in,out] out the caller's buffer (initialised; the caller frees it).
 *        On failure its length is restored to what it was; its `oom` flag
 *        stays set if memory ran out.
 * @param[out] err PD_LABEL_ERR_SIZE bytes for a one-line English reason on
 *        failure (may be NULL); untouched on success.
 * @return true on success.
 */
bool pd_label_render(const struct pd_label *labels, int n, enum pd_label_size size, pd_buf *out,
                     char err[PD_LABEL_ERR_SIZE]);

/*
 * Internal, exported for the unit tests.
 */

/**
 * The Code 128 module width (X dimension) for @p content within @p avail_mm,
 * quiet zones of PD__LABEL_QUIET_MODULES on either side included: the largest
 * multiple of 1/8 mm (one dot of a 203 dpi thermal printer, so every bar is a
 * whole number of dots) not above @p max_mm. Fails when even
 * PD__LABEL_MIN_MODULE_MM does not fit or zint refuses the content.
 * @param[out] module_mm the module width in mm (on success).
 * @param[out] modules the symbol's width in modules, quiet zones excluded
 *        (may be NULL).
 * @param[out] err as for pd_label_render().
 */
bool pd__label_barcode_fit(const char *content, double avail_mm, double max_mm, double *module_mm,
                           int *modules, char err[PD_LABEL_ERR_SIZE]);

#define PD__LABEL_QUIET_MODULES 10
#define PD__LABEL_MIN_MODULE_MM 0.25

#endif
