/*
 * Asterisk's queue_log (DOMAIN.md §10, issue 6): the verb table
 * (queuelog.def), a zero-copy parser for one line in either of the two forms
 * Asterisk writes, a reader that cuts a byte stream arriving in chunks into
 * lines, and the importer that turns lines into rows ready for the store,
 * numbering repeated identical lines so that a re-import adds nothing.
 *
 * The two forms:
 *   pipe  the native file:  `1543602677|1543602660.197|IT|NONE|ENTERQUEUE||1703822xxxx|1`
 *         epoch seconds (a fraction is accepted), then callid, queue, agent,
 *         verb and the verb's data fields separated by '|'.
 *   csv   the realtime/ODBC table exported as CSV (RFC 4180 quoting):
 *         `time,callid,queuename,agent,event,data1,data2,data3,data4,data5`
 *         where time is the database's datetime text, "2018-11-30 18:31:17"
 *         or "…17.896208", in the Asterisk server's local time unless it
 *         carries an offset ("+08", "+08:00", "Z"); an all-digit time is
 *         epoch seconds. A first line naming the columns is recognised and
 *         may reorder them, add an `id` column (ignored) or give one `data`
 *         column instead of data1..data5.
 * Both read into the same struct pd_ql_line, so a line has the same
 * canonical form (and hash) whichever form it came in: data fields beyond
 * the fifth are kept, '|'-joined, in the fifth (as Asterisk's own realtime
 * writer does), and trailing empty data fields are dropped.
 *
 * Ownership: parsing never allocates. A pd_ql_line points into the caller's
 * line buffer, which the CSV parser may rewrite in place (quotes removed), so
 * the line is valid only as long as that buffer. The reader and the importer
 * own their buffers: init/free pairs, free safe on a zeroed struct.
 * Thread safety: none; the tables are constant.
 */
#ifndef PD_CORE_QUEUELOG_H
#define PD_CORE_QUEUELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PD_QL_NDATA    5     /* data1..data5, as Asterisk's realtime table has */
#define PD_QL_ERR_MAX  160   /* bytes of a parse error message */
#define PD_QL_LINE_MAX 65536 /* bytes of a line (a CSV record); a longer one is refused */

enum pd_ql_verb {
    PD_QL_UNKNOWN = 0, /* any verb not in queuelog.def: kept and counted */
#define PD_QL_VERB(sym, name, cls, hold, wait, talk, ring, ring_ms, pos, text, login, doc)         \
    PD_QL_##sym,
#include "core/queuelog.def"
#undef PD_QL_VERB
    PD_QL__COUNT
};

/* What the fold does with a verb (CLASS column of queuelog.def). */
enum pd_ql_class {
    PD_QLC_NONE = 0, /* unknown verbs */
    PD_QLC_ENTER,
    PD_QLC_CONNECT,
    PD_QLC_COMPLETE,
    PD_QLC_TRANSFER,
    PD_QLC_ABANDON,
    PD_QLC_TIMEOUT,
    PD_QLC_WITHDRAW,
    PD_QLC_RING,
    PD_QLC_INFO,
    PD_QLC_REFUSED,
    PD_QLC_MEMBER_ADD,
    PD_QLC_MEMBER_REMOVE,
    PD_QLC_PAUSE,
    PD_QLC_UNPAUSE,
    PD_QLC_PAUSE_ALL,
    PD_QLC_UNPAUSE_ALL,
    PD_QLC_LOGIN,
    PD_QLC_LOGOFF,
    PD_QLC_SYSTEM
};

/** One row of queuelog.def: field numbers are 1..5, 0 when the verb has none. */
struct pd_ql_verb_info {
    const char *name;
    enum pd_ql_class cls;
    unsigned char hold, wait, talk, ring, ring_ms, pos, text, login;
    const char *fields; /* Asterisk's documented layout */
};

enum pd_ql_format { PD_QL_AUTO = 0, PD_QL_PIPE, PD_QL_CSV };

/** A slice of the caller's buffer (not NUL-terminated). */
struct pd_ql_str {
    const char *p;
    size_t n;
};

/** One parsed line; every slice points into the parsed buffer. */
struct pd_ql_line {
    int64_t at_ms; /* UTC epoch ms */
    struct pd_ql_str callid, queue, agent, event;
    struct pd_ql_str data[PD_QL_NDATA]; /* data1..data5; empty slices past ndata */
    int ndata;                          /* fields present after dropping trailing empties */
    enum pd_ql_verb verb;               /* PD_QL_UNKNOWN when not in queuelog.def */
};

/** The row of @p v (PD_QL_UNKNOWN has name NULL and class PD_QLC_NONE). */
const struct pd_ql_verb_info *pd_ql_verb_info(enum pd_ql_verb v);

/** The verb named exactly (case-sensitive, as Asterisk writes) @p p[0..n). */
enum pd_ql_verb pd_ql_verb_find(const char *p, size_t n);

/** "pipe", "csv" or "auto". */
const char *pd_ql_format_name(enum pd_ql_format f);
/** Parse "pipe" / "csv" / "auto". @return false when unknown. */
bool pd_ql_format_parse(const char *s, enum pd_ql_format *out);

/**
 * Parse one pipe-form line @p s[0..n) (no line terminator).
 * @param[out] err on failure, a message naming the field ("time: …").
 * @return true, or false when the line is malformed.
 */
bool pd_ql_parse_pipe(const char *s, size_t n, struct pd_ql_line *out, char err[PD_QL_ERR_MAX]);

/** Column positions of the CSV form (0-based; -1 absent). */
struct pd_ql_csv_cols {
    int time, callid, queue, agent, event;
    int data[PD_QL_NDATA]; /* data1..data5 */
    int data_joined;       /* one `data` column holding 'a|b|c', or -1 */
    int ncols;
};

/** The fixed layout: time, callid, queuename, agent, event, data1..data5. */
void pd_ql_csv_cols_default(struct pd_ql_csv_cols *c);

/**
 * If @p s[0..n) is a header line (its first cell is "time" or "id", any
 * case), fill @p c from its column names and return true; a header that
 * lacks time, callid, queuename (or queue), agent or event, or names a
 * column twice, is an error.
 * @param[out] err set when the header is recognised but unusable.
 * @return true when @p s is a usable header; false otherwise (err[0] says
 *         which: "" when it is simply not a header).
 */
bool pd_ql_csv_header(char *s, size_t n, struct pd_ql_csv_cols *c, char err[PD_QL_ERR_MAX]);

/**
 * Parse one CSV record @p s[0..n) (terminator removed; a quoted cell may
 * span lines) with the layout @p c. Quoted cells are unescaped in place.
 * @param tz_offset_min offset from UTC of times that carry none (the
 *        Asterisk server's local time; ParcelDesk's default is +480).
 * @return true, or false with @p err naming the field.
 */
bool pd_ql_parse_csv(char *s, size_t n, const struct pd_ql_csv_cols *c, int tz_offset_min,
                     struct pd_ql_line *out, char err[PD_QL_ERR_MAX]);

/**
 * Split a '|'-joined data text (as the store keeps it) into @p out's data
 * fields, the same way the pipe parser does.
 */
void pd_ql_split_data(const char *s, size_t n, struct pd_ql_line *out);

/**
 * Fill @p out from stored columns (as the store streams them back): the
 * slices point at the given strings, @p data is split as the pipe parser
 * splits it and the verb is looked up. Nothing is checked.
 */
void pd_ql_line_set(struct pd_ql_line *out, int64_t at_ms, struct pd_ql_str callid,
                    struct pd_ql_str queue, struct pd_ql_str agent, struct pd_ql_str event,
                    struct pd_ql_str data);

/**
 * Data field @p idx (1..5) as a non-negative whole number ("12", "12.0",
 * " 12"). @return false when the field is absent, empty or not a number.
 */
bool pd_ql_field_int(const struct pd_ql_line *l, int idx, int64_t *out);

/** Data field @p idx (1..5), or an empty slice. */
struct pd_ql_str pd_ql_field(const struct pd_ql_line *l, int idx);

/** Length of the '|'-joined canonical data text of @p l. */
size_t pd_ql_data_len(const struct pd_ql_line *l);
/** Write the canonical data text into @p out (at least pd_ql_data_len + 1 bytes). */
void pd_ql_data_join(const struct pd_ql_line *l, char *out);

/**
 * 64-bit FNV-1a of the canonical line: time (ms), callid, queue, agent,
 * event and data, separated so that no two different lines run together.
 * Not a security hash: with the time also in the key a collision needs two
 * different lines in the same millisecond with the same hash.
 */
uint64_t pd_ql_line_hash(const struct pd_ql_line *l);

/* ---- reader: a byte stream in chunks → records ---------------------------- */

/**
 * Called once per record with its first line number (1-based) and the
 * record without its terminator (CR LF, LF or CR), in the reader's own
 * buffer: writable, valid only during the call. A record longer than the
 * reader's max_record comes as @p rec NULL (and @p n the bytes seen): it
 * was not kept. @return 0 to go on, any other value to stop (the reader
 * returns it).
 */
typedef int (*pd_ql_record_fn)(void *cls, int64_t line_no, char *rec, size_t n);

struct pd_ql_reader {
    bool csv;  /* quote-aware splitting (a quoted cell may hold newlines) */
    char *buf; /* owned: bytes not yet cut into records */
    size_t len, cap;
    int64_t line; /* physical lines consumed so far */
    bool oom;
    /* 0: no limit. Otherwise a record that grows past it is reported (rec
     * NULL) and the input up to the next line feed skipped, so that the
     * buffer stays under max_record + one chunk whatever the input. */
    size_t max_record;
    bool skipping; /* inside a record too long to keep */
};

/** Start a reader (no record limit); @p csv makes the split quote-aware. */
void pd_ql_reader_init(struct pd_ql_reader *r, bool csv);
/**
 * Take @p n more bytes and pass each complete record to @p fn.
 * @return 0, the callback's stop value, or -1 when out of memory.
 */
int pd_ql_reader_feed(struct pd_ql_reader *r, const char *p, size_t n, pd_ql_record_fn fn,
                      void *cls);
/** End of input: pass the last record if it had no terminator. Same returns. */
int pd_ql_reader_finish(struct pd_ql_reader *r, pd_ql_record_fn fn, void *cls);
void pd_ql_reader_free(struct pd_ql_reader *r);

/**
 * Guess the form from the first record: digits (with an optional fraction)
 * then '|' is the pipe form, anything else CSV.
 */
enum pd_ql_format pd_ql_sniff(const char *rec, size_t n);

/* ---- importer: records → numbered rows in batches -------------------------- */

/*
 * Memory. The importer keeps one batch of rows, the reader's buffer (lines
 * of at most PD_QL_LINE_MAX bytes) and the occurrence counts of the lines
 * of the last PD_QL_OCC_HORIZON_MS of log time: identical lines have the
 * same time, so once the input has moved on by more than that an old count
 * can no longer grow and is dropped when the table fills. An input in time
 * order — a file, the live feed — is therefore imported in memory bounded
 * by the busiest hour of it, however long. An identical line that comes
 * back after the input has passed it by more than the horizon is numbered
 * from 1 again, as a duplicate of the first: re-importing still adds nothing.
 */
#define PD_QL_OCC_HORIZON_MS (3600LL * 1000)

/**
 * One line ready for the store. Slices point into the importer's batch
 * buffer (valid until the flush callback returns). @c occurrence is 1 for
 * the first line of the input with this exact content, 2 for the second
 * identical one, and so on: the store keeps (at_ms, hash, occurrence)
 * unique, so importing the same input twice stores nothing new while two
 * genuinely repeated lines in one input are both kept.
 */
struct pd_ql_row {
    int64_t line_no;
    int64_t at_ms;
    uint64_t hash;
    int occurrence;
    enum pd_ql_verb verb;
    struct pd_ql_str callid, queue, agent, event, data; /* data: canonical '|'-joined */
};

/**
 * Store @p n rows; set dup[i] when row i was stored before. Called with
 * batches of at most PD_QL_BATCH rows, in input order.
 * @return 0 on success, non-zero to stop the import (a database failure).
 */
typedef int (*pd_ql_flush_fn)(void *cls, const struct pd_ql_row *rows, int n, bool *dup);

#define PD_QL_BATCH         4096
#define PD_QL_MALFORMED_MAX 1000 /* malformed lines reported one by one; the rest only counted */

struct pd_ql_bad {
    int64_t line;
    char error[PD_QL_ERR_MAX];
};

/** What an import did (the answer of the feed and of `import queue-log`). */
struct pd_ql_report {
    int64_t lines;         /* records read, a CSV header and blank lines not counted */
    int64_t imported;      /* rows stored now */
    int64_t duplicates;    /* rows already stored */
    int64_t unknown_verbs; /* lines with a verb not in queuelog.def (kept) */
    int64_t malformed;     /* lines refused */
    struct pd_ql_bad *bad; /* the first PD_QL_MALFORMED_MAX of them (owned) */
    int nbad;
    enum pd_ql_format format; /* as given or as sniffed */
};

struct pd_ql_import;

/**
 * A new importer for input in @p format (PD_QL_AUTO: sniffed from the first
 * record). @return NULL when out of memory. Free with pd_ql_import_free.
 */
struct pd_ql_import *pd_ql_import_new(enum pd_ql_format format, int tz_offset_min,
                                      pd_ql_flush_fn flush, void *cls);
/**
 * Take @p n more bytes of input; full batches are flushed as they fill.
 * @return 0, 1 when a flush asked to stop (the import is over), -1 out of memory.
 */
int pd_ql_import_feed(struct pd_ql_import *im, const char *p, size_t n);
/** End of input: the last record and the last batch. Same returns. */
int pd_ql_import_finish(struct pd_ql_import *im);
/** The running report (owned by the importer). */
const struct pd_ql_report *pd_ql_import_report(const struct pd_ql_import *im);
void pd_ql_import_free(struct pd_ql_import *im);

#endif
