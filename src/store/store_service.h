/*
 * Records of the service desk, part B (issue 5 items 2, 5, 6; migrations
 * 013_service; sqlite_service.c / pg_service.c): problem parcels in full —
 * what 013 added to the stale-parcel job's problem_parcels, resolution
 * actions, contacts with the sender and recipient, evidence files,
 * compensation cases, the listing of exception scans the job's round opens
 * problems from, and the monthly statistics — the knowledge base, and shift
 * handovers. Included by store.h (this header needs its pd_qs, pd_db and
 * pd_problem); the operations are in store.h's struct pd_store_ops, in the
 * section "service desk, part B".
 *
 * Ownership as in store.h: records have fixed-size text filled by value;
 * the few long texts (an article's body, a handover's body and items) are
 * `const char *` borrowed from the caller on writes and valid only during
 * the callback on reads.
 */
#ifndef PD_STORE_STORE_SERVICE_H
#define PD_STORE_STORE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#define PD_PROBLEM_NAME_SIZE 24 /* names of core/problem.def: causes, actions, channels … */
#define PD_PROBLEM_SCAN_SIZE 96 /* "DEVICE/SEQ" of the opening exception scan */

/** What migration 013 added to a problem parcel. */
struct pd_problem_more {
    char root_cause[PD_PROBLEM_NAME_SIZE];  /* core/problem.def cause; "" until closed */
    char resolution[PD_PROBLEM_NAME_SIZE];  /* the last action taken; "" for none */
    char source_scan[PD_PROBLEM_SCAN_SIZE]; /* "" unless an exception scan opened it */
    int64_t updated_ms;                     /* last action, contact, upload or close; 0 = none */
};

/** A resolution action (core/problem.def PD_PROBLEM_ACTION). */
struct pd_problem_action_rec {
    int64_t id;
    int64_t problem_id;
    char action[PD_PROBLEM_NAME_SIZE];
    int64_t at_ms;
    int64_t by_user;               /* user id, 0 = the system */
    char by_name[PD_USERNAME_MAX]; /* filled on reads */
    char note[PD_PROBLEM_TEXT_SIZE];
    char address[PD_PROBLEM_TEXT_SIZE]; /* redirect: the new address; "" otherwise */
    int64_t amount_fen;                 /* compensate: the amount claimed; 0 otherwise */
    int64_t case_id;                    /* compensate: the case opened; 0 otherwise */
};

/** A contact with the sender or recipient. */
struct pd_problem_contact {
    int64_t id;
    int64_t problem_id;
    int64_t at_ms;                      /* when it happened */
    char party[16];                     /* "sender" or "recipient" */
    char channel[PD_PROBLEM_NAME_SIZE]; /* core/problem.def PD_PROBLEM_CHANNEL */
    char outcome[PD_PROBLEM_NAME_SIZE]; /* core/problem.def PD_PROBLEM_OUTCOME */
    char note[PD_PROBLEM_TEXT_SIZE];
    int64_t by_user;
    char by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t recorded_ms;           /* when it was logged */
};

#define PD_EVIDENCE_FILE_SIZE 80 /* random hex + extension */

/** An evidence file's row (the file itself is under service.evidence_dir). */
struct pd_problem_evidence {
    int64_t id;
    int64_t problem_id;
    char file_name[PD_EVIDENCE_FILE_SIZE];
    char content_type[32]; /* image/jpeg, image/png, application/pdf */
    int64_t size_bytes;
    char sha256[65]; /* hex */
    int64_t uploaded_by;
    char uploaded_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t uploaded_ms;
};

/** A compensation case opened by the "compensate" action (for the claims module). */
struct pd_compensation_case {
    int64_t id;
    int64_t problem_id;
    char waybill_no[PD_WB_NO_SIZE];
    int64_t node_id;
    int64_t amount_fen; /* claimed, > 0 */
    char state[16];     /* "open" as opened here */
    char note[PD_PROBLEM_TEXT_SIZE];
    int64_t created_ms;
    int64_t created_by;
};

/** An exception scan the stale-parcel job's round looks at (problem_exception_scans). */
struct pd_exception_scan {
    char waybill_no[PD_WB_NO_SIZE];
    char device_id[65];
    int64_t device_seq;
    int64_t received_ms;
    int64_t at_ms;
    char node_code[PD_CODE_MAX]; /* the scan's node, "" when none */
    char reason[PD_SCAN_TEXT_SIZE];
    /* the node that should act: the scan's node when the network knows it,
     * else the order's node, else 0 (no order yet: the job skips it) */
    int64_t node_id;
};

/**
 * Filter of problem_exception_scans: exception scans not from
 * @c skip_device, received before @c before_ms, after the key
 * (after_ms, after_device, after_seq) in the order (received_ms,
 * device_id, device_seq).
 */
struct pd_exception_scan_filter {
    const char *skip_device; /* the job's own scans (PD-MONITOR); NULL: none skipped */
    int64_t before_ms;
    int64_t after_ms;
    const char *after_device; /* NULL reads as "" */
    int64_t after_seq;
    int limit; /* 1..1000 */
};

/** Where a periodic job stopped reading (job_cursors). */
struct pd_job_cursor {
    int64_t at_ms;
    char key_text[65];
    int64_t key_seq;
};

/** One group of the monthly problem statistics (problem_stats). */
struct pd_problem_stat_row {
    char type[PD_PROBLEM_TYPE_SIZE];
    char node_code[PD_CODE_MAX];
    char root_cause[PD_PROBLEM_NAME_SIZE]; /* "" for problems still open */
    int state;                             /* enum pd_problem_state */
    int64_t count;
    int64_t closed_ms_sum; /* closed ones: the sum of (closed_ms - opened_ms) */
};

typedef int (*pd_problem_more_cb)(void *cls, const struct pd_problem *p,
                                  const struct pd_problem_more *m);
typedef int (*pd_problem_action_cb)(void *cls, const struct pd_problem_action_rec *a);
typedef int (*pd_problem_contact_cb)(void *cls, const struct pd_problem_contact *c);
typedef int (*pd_problem_evidence_cb)(void *cls, const struct pd_problem_evidence *e);
typedef int (*pd_compensation_cb)(void *cls, const struct pd_compensation_case *c);
typedef int (*pd_exception_scan_cb)(void *cls, const struct pd_exception_scan *s);
typedef int (*pd_problem_stat_cb)(void *cls, const struct pd_problem_stat_row *r);

/* ---- the knowledge base ---------------------------------------------------- */

#define PD_KB_TITLE_CHARS 100
#define PD_KB_TITLE_SIZE  (4 * PD_KB_TITLE_CHARS + 1)
#define PD_KB_TAGS_SIZE   (4 * 200 + 1) /* tags joined by blanks: 200 characters */
#define PD_KB_CAT_SIZE    32

struct pd_kb_article {
    int64_t id;
    char title[PD_KB_TITLE_SIZE];
    char category[PD_KB_CAT_SIZE];         /* core/kb.def name */
    char tags[PD_KB_TAGS_SIZE];            /* single words joined by one blank */
    int status;                            /* enum pd_kb_status (core/kb.h) */
    int64_t author_id;                     /* 0 = the seed */
    char author_name[PD_USERNAME_MAX];     /* filled on reads */
    int64_t updated_by;                    /* 0 = the seed */
    char updated_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t created_ms;
    int64_t updated_ms;
    int version;   /* 1 on insert, +1 with every update */
    int64_t score; /* kb_search only: the rank (higher first) */
    /* borrowed on insert/update; on reads valid during the callback; NULL from kb_list */
    const char *body;
};

/** Filter of kb_list; newest first. */
struct pd_kb_filter {
    int status;           /* enum pd_kb_status, -1: any */
    const char *category; /* NULL or "": any */
    int64_t before_id;    /* keyset pagination: id < before_id */
    int limit;            /* 1..1000 */
};

#define PD_KB_SEARCH_TERMS 8

/**
 * A search (kb_search): every term must occur in the title, tags or body
 * (ASCII letters without case). short_term[i] says the term has fewer than
 * three characters and cannot be looked up in a trigram index (core/kb.h);
 * the store matches it by scanning. Ranked by the score of
 * docs/service-desk-problems.md: per term, 10 when in the title, 5 when in
 * the tags, plus its occurrences in the body (at most 10); ties by
 * updated_ms then id, newest first.
 */
struct pd_kb_query {
    const char *terms[PD_KB_SEARCH_TERMS];
    bool short_term[PD_KB_SEARCH_TERMS];
    int n;
    bool include_drafts;
    const char *category; /* NULL or "": any */
    int limit;            /* 1..100 */
};

typedef int (*pd_kb_cb)(void *cls, const struct pd_kb_article *a);

/* ---- shift handover ------------------------------------------------------ */

#define PD_HANDOVER_TEXT_SIZE 801 /* the acknowledgement note: 200 characters */

struct pd_handover {
    int64_t id;
    int64_t node_id;
    char node_code[PD_CODE_MAX]; /* filled on reads */
    char node_path[PD_PATH_MAX]; /* filled on reads */
    char shift[16];              /* core/handover.h name */
    char shift_date[11];         /* YYYY-MM-DD, China time */
    int64_t author_id;
    char author_name[PD_USERNAME_MAX];   /* filled on reads */
    char author_display[PD_NAME_MAX];    /* filled on reads */
    int64_t created_ms;                  /* filled by handover_insert (now) unless given */
    int open_items;                      /* number of items */
    int64_t acked_by;                    /* 0 until acknowledged */
    char acked_by_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t acked_ms;                    /* 0 until acknowledged */
    char ack_note[PD_HANDOVER_TEXT_SIZE];
    /* borrowed on insert; on reads valid during the callback */
    const char *body;
    const char *items; /* JSON array text */
};

/** Filter of handover_list; newest first. */
struct pd_handover_filter {
    const char *node_path; /* subtree of the entry's node; required */
    int64_t node_id;       /* only this node's; 0: any in the subtree */
    bool unacknowledged;   /* only entries nobody acknowledged yet */
    int64_t before_id;     /* keyset pagination */
    int limit;             /* 1..1000 */
};

typedef int (*pd_handover_cb)(void *cls, const struct pd_handover *h);

#endif
