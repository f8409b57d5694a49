/*
 * Streaming CSV reader for bulk imports: RFC 4180 records (quoted fields
 * with commas, doubled quotes and line breaks inside; CRLF, LF or CR line
 * ends; a UTF-8 byte-order mark skipped) in UTF-8 or GB18030, handed to the
 * caller one record at a time as UTF-8 text.
 *
 * Memory is bounded by the record, not the file: the reader keeps one read
 * chunk and one record (at most PD_CSV_MAX_RECORD raw bytes; a longer one is
 * an error naming its line), so a 1 GB file costs what a 1 KB one does.
 *
 * Encodings. Records are found in the raw bytes and each record is then
 * decoded on its own: GB18030 never uses the bytes of '"', ',', CR or LF
 * inside a multi-byte character (its trail bytes are 0x30-0x39, 0x40-0x7E,
 * 0x80-0xFE), so the structure is the same in both encodings, a character
 * split between two reads is simply part of the record being collected, and
 * every record boundary is an exact byte offset in the file. AUTO chooses
 * UTF-8 when the first 64 KiB are valid UTF-8 (or start with a UTF-8 BOM),
 * GB18030 otherwise; pd_csv_encoding() says which.
 *
 * Positions. pd_csv_tell() gives the position after the current record;
 * pd_csv_seek() goes back to such a position, so a transaction that is
 * retried can read its rows again. File input must be seekable (fseeko).
 *
 * Numbering. Lines are physical lines of the file (1-based; a line break
 * inside a quoted field starts a new line). Rows are records, as a
 * spreadsheet numbers them: the first record is row 1, a record with line
 * breaks inside is one row, and an empty line is a row (with one empty
 * field).
 *
 * Ownership: pd_csv_open_* return a reader the caller frees with
 * pd_csv_free() (NULL is fine). The FILE or memory it reads is borrowed and
 * must outlive the reader. Field texts belong to the reader and are valid
 * until the next pd_csv_next(), pd_csv_seek() or pd_csv_free().
 * Thread safety: none; one reader belongs to one thread at a time.
 */
#ifndef PD_UTIL_CSV_H
#define PD_UTIL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PD_CSV_MAX_RECORD   (64 * 1024) /* raw bytes of one record */
#define PD_CSV_DETECT_BYTES (64 * 1024) /* what AUTO looks at */
#define PD_CSV_CHUNK        (64 * 1024) /* default read size */

enum pd_csv_encoding { PD_CSV_AUTO, PD_CSV_UTF8, PD_CSV_GB18030 };

struct pd_csv_opts {
    enum pd_csv_encoding encoding;
    size_t chunk;      /* bytes per read; 0 = PD_CSV_CHUNK (tests use tiny ones) */
    size_t max_record; /* raw bytes of one record; 0 = PD_CSV_MAX_RECORD */
};

enum pd_csv_errkind {
    PD_CSV_E_NONE,
    PD_CSV_E_IO,       /* read or seek failed */
    PD_CSV_E_NOMEM,    /* out of memory */
    PD_CSV_E_TOO_LONG, /* a record over the limit (often an unclosed quote) */
    PD_CSV_E_QUOTE,    /* the file ends inside a quoted field */
    PD_CSV_E_ENCODING, /* bytes that are not text in the encoding (or a NUL) */
};

struct pd_csv_error {
    enum pd_csv_errkind kind;
    long line;     /* the line at fault (for TOO_LONG/QUOTE: where the record starts) */
    long row;      /* the record's row number; 0 when not about a record */
    char msg[200]; /* English, names the line: "line 7: not valid UTF-8 (byte 0xd5)" */
};

/** A record boundary (from pd_csv_tell). Plain value; copy it freely. */
struct pd_csv_pos {
    int64_t offset; /* byte offset in the input */
    long line;      /* line number at that offset */
    long row;       /* records before it */
    bool after_cr;  /* the byte before was a CR (an LF right here ends nothing) */
};

typedef struct pd_csv pd_csv;

/**
 * Read CSV from @p f (borrowed, seekable, read from its start). AUTO reads
 * the first 64 KiB to choose and seeks back.
 * @param o options; NULL = AUTO and the defaults.
 * @param[out] err reason when NULL is returned (I/O, memory, a UTF-8 BOM
 *             given with GB18030).
 * @return a new reader, or NULL.
 */
pd_csv *pd_csv_open_file(FILE *f, const struct pd_csv_opts *o, struct pd_csv_error *err);

/** As pd_csv_open_file over @p len bytes at @p data (borrowed; read in place). */
pd_csv *pd_csv_open_mem(const void *data, size_t len, const struct pd_csv_opts *o,
                        struct pd_csv_error *err);

/** Release the reader (not the FILE or memory it reads). NULL is a no-op. */
void pd_csv_free(pd_csv *c);

/** The encoding in use (never AUTO once opened). */
enum pd_csv_encoding pd_csv_encoding(const pd_csv *c);

/** "utf-8" or "gb18030" ("auto" for PD_CSV_AUTO). Static string. */
const char *pd_csv_encoding_name(enum pd_csv_encoding e);

/**
 * Parse an encoding name: auto, utf-8 (utf8), gb18030 (gbk and gb2312,
 * which it contains), case-insensitive. @return false when unknown.
 */
bool pd_csv_encoding_parse(const char *s, enum pd_csv_encoding *out);

/**
 * Read the next record.
 * @return 1 with a record, 0 at the end of the input, -1 on an error
 *         (@p err filled). After an error only pd_csv_seek() or
 *         pd_csv_free() make sense.
 */
int pd_csv_next(pd_csv *c, struct pd_csv_error *err);

/** Fields of the current record (at least 1). */
size_t pd_csv_nfields(const pd_csv *c);

/**
 * Field @p i of the current record: NUL-terminated UTF-8 (never NULL; ""
 * for an empty or missing field, i >= nfields). @p len (may be NULL) gets
 * its length in bytes.
 */
const char *pd_csv_field(const pd_csv *c, size_t i, size_t *len);

/** The line on which the current record starts. */
long pd_csv_line(const pd_csv *c);

/** The current record's row number (1 = the first record). */
long pd_csv_row(const pd_csv *c);

/** The position just after the current record (the start before the first). */
void pd_csv_tell(const pd_csv *c, struct pd_csv_pos *pos);

/**
 * Go back (or forward) to @p pos, a value pd_csv_tell gave for this input.
 * @return true, or false with @p err filled (seek failed).
 */
bool pd_csv_seek(pd_csv *c, const struct pd_csv_pos *pos, struct pd_csv_error *err);

#endif
