/*
 * Records of the service desk (issue 5 part A, migration 012_tickets):
 * tickets, their history, the periods they waited for the customer, their
 * clocks, escalations and corrective actions, and the rows the statistics
 * read. Included by store.h, whose rules hold here too: records are filled
 * by value into caller-provided memory, text in fixed-size fields; `const
 * char *` members are borrowed from the caller on writes and valid only
 * during the callback on reads. The operations are at the end of struct
 * pd_store_ops ("service desk"). Vocabulary names (kind, status, category,
 * rule …) are stored as the text of core/ticket.def and core/timelimits.def;
 * the store checks only what the tables' CHECKs say, the API the rest.
 */
#ifndef PD_STORE_STORE_TICKETS_H
#define PD_STORE_STORE_TICKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/org.h"

#define PD_TICKET_NO_SIZE    24   /* "TS" + YYYYMMDD + serial + NUL (core/ticket.h) */
#define PD_TICKET_NAME_SIZE  24   /* a vocabulary name or a clock rule id + NUL */
#define PD_TICKET_SHORT_SIZE 801  /* subject, reasons, comments, measures: 200 characters + NUL */
#define PD_TICKET_TEXT_SIZE  8001 /* description: 2000 characters + NUL */

struct pd_ticket {
    int64_t id;
    char ticket_no[PD_TICKET_NO_SIZE]; /* filled by ticket_insert */
    char kind[PD_TICKET_NAME_SIZE];
    char channel[PD_TICKET_NAME_SIZE];
    char category[PD_TICKET_NAME_SIZE];
    char priority[PD_TICKET_NAME_SIZE];
    char status[PD_TICKET_NAME_SIZE];
    int64_t node_id;                 /* the owning node: scoping */
    char node_code[PD_CODE_MAX];     /* filled on reads */
    char node_path[PD_PATH_MAX];     /* filled on reads */
    char node_name[PD_NAME_MAX];     /* filled on reads */
    char node_region[16];            /* filled on reads: the node's calendar region */
    int node_utc_offset_min;         /* filled on reads */
    char waybill_no[PD_WB_NO_SIZE];  /* "" = none */
    int64_t customer_id;             /* 0 = none */
    char customer_code[PD_CODE_MAX]; /* filled on reads */
    char contact_name[PD_NAME_MAX];
    char contact_phone[32]; /* canonical (core/phone), "" = none */
    char phone_last4[5];
    char subject[PD_TICKET_SHORT_SIZE];
    char description[PD_TICKET_TEXT_SIZE];
    char department[PD_TICKET_NAME_SIZE];   /* "" = not assigned */
    int64_t responsible_id;                 /* 0 = nobody yet */
    char responsible_name[PD_USERNAME_MAX]; /* filled on reads */
    char responsible_display[PD_NAME_MAX];  /* filled on reads */
    int64_t owner_id;                       /* 首问责任人; 0 = not yet (public form) */
    char owner_name[PD_USERNAME_MAX];       /* filled on reads */
    int64_t parent_id;                      /* 0 = none */
    char parent_no[PD_TICKET_NO_SIZE];      /* filled on reads */
    bool major;
    bool investigated;
    int64_t incident_ms; /* 0 = not recorded */
    int satisfaction;    /* 0 = none, 1–5 */
    char satisfaction_comment[PD_TICKET_SHORT_SIZE];
    int64_t satisfaction_ms;
    char close_reason[PD_TICKET_SHORT_SIZE];
    int64_t resolved_ms;
    int64_t closed_ms;
    int64_t closed_by; /* 0 = none */
    int reopened;      /* times reopened */
    int64_t created_ms;
    int64_t created_by; /* 0 = the public form or the system */
    int64_t updated_ms;
};

/** Filter for ticket_list; zero/NULL fields do not filter. Newest first. */
struct pd_ticket_filter {
    const char *node_path; /* subtree of the ticket's node; required */
    const char *status;    /* a status name */
    bool open_only;        /* every status but closed */
    const char *kind;
    const char *category;
    const char *priority;
    const char *waybill_no;
    int64_t customer_id;
    int64_t responsible_id;
    int64_t mine_id;   /* responsible or first-contact owner is this user */
    int64_t parent_id; /* tickets linked to this one */
    /* a running clock, not held, of rule clock_rule (NULL: any) due before
     * clock_due_before_ms (0: any); only when either is set */
    const char *clock_rule;
    int64_t clock_due_before_ms;
    int64_t before_id; /* keyset pagination: id < before_id */
    int limit;         /* 1..1000 */
};

struct pd_ticket_event {
    int64_t id;
    int64_t ticket_id;
    int64_t at_ms;
    int64_t actor_id;               /* 0 = the system or the public */
    char actor_name[PD_NAME_MAX];   /* "" = the system */
    char kind[PD_TICKET_NAME_SIZE]; /* created, update, status, note, reply, action, … */
    bool public_;                   /* the customer may read it */
    const char *text;               /* NULL reads as "" on insert */
    const char *detail;             /* JSON text or NULL */
};

/** A period the ticket waited for the customer: [from_ms, to_ms), to_ms 0 while open. */
struct pd_ticket_pause {
    int64_t id;
    int64_t ticket_id;
    int64_t from_ms;
    int64_t to_ms;
};

struct pd_ticket_clock {
    int64_t id;
    int64_t ticket_id;
    char rule[PD_TICKET_NAME_SIZE]; /* core/timelimits.def id */
    int64_t started_ms;
    int64_t due_ms, warn_ms, base_due_ms; /* as last computed; meaningless while held */
    bool held;                            /* an open pause holds it */
    bool pausable;
    char state[16]; /* running, met, stopped */
    int64_t met_ms; /* met or stopped at; 0 while running */
    bool late;
    int escalated; /* enum pd_escalation_level reached */
};

/** A running clock the clock job looks at, with what it needs of its ticket. */
struct pd_ticket_clock_due {
    struct pd_ticket_clock c;
    char ticket_no[PD_TICKET_NO_SIZE];
    char status[PD_TICKET_NAME_SIZE];
    int64_t node_id;
    char node_path[PD_PATH_MAX];
    char node_region[16];
    int node_utc_offset_min;
    int64_t responsible_id, owner_id; /* 0 = none */
    bool major;
};

struct pd_ticket_escalation {
    int64_t id;
    int64_t clock_id;
    int64_t ticket_id;
    char level[16];    /* warn, due, head_office */
    char audience[16]; /* responsible, supervisor, head_office */
    int64_t user_id;   /* responsible: the person; 0 otherwise */
    int64_t node_id; /* supervisor, head_office: whose holders of tickets.supervise; 0 otherwise */
    int64_t at_ms;
    int64_t due_ms;  /* the clock's deadline when it was written */
    int64_t read_ms; /* 0 = unread */
    int64_t read_by;
    /* filled on reads */
    char ticket_no[PD_TICKET_NO_SIZE];
    char rule[PD_TICKET_NAME_SIZE];
    char node_code[PD_CODE_MAX];
    char ticket_status[PD_TICKET_NAME_SIZE];
    char ticket_path[PD_PATH_MAX]; /* the ticket's node path */
};

/** Filter for ticket_escalation_list: the inbox of one user. Newest first. */
struct pd_escalation_filter {
    int64_t user_id; /* rows addressed to this user */
    int64_t node_id; /* and, when > 0, rows addressed to this node's supervisors */
    bool unread_only;
    int64_t before_id;
    int limit; /* 1..1000 */
};

struct pd_ticket_corrective {
    int64_t id;
    int64_t ticket_id;
    char ticket_no[PD_TICKET_NO_SIZE]; /* filled on reads */
    int64_t node_id;                   /* the ticket's, filled on reads */
    char node_code[PD_CODE_MAX];       /* filled on reads */
    char node_path[PD_PATH_MAX];       /* filled on reads */
    char measure[PD_TICKET_SHORT_SIZE];
    int64_t owner_id;
    char owner_name[PD_USERNAME_MAX]; /* filled on reads */
    int64_t due_ms;
    int64_t created_ms;
    int64_t created_by;
    int64_t done_ms;                      /* 0 = not done */
    char evaluation[PD_TICKET_NAME_SIZE]; /* "" = not evaluated */
    char evaluation_note[PD_TICKET_SHORT_SIZE];
    int64_t evaluated_ms;
    int64_t evaluated_by;
};

/** Filter for ticket_corrective_list: one ticket's (by id), or a subtree's (newest first). */
struct pd_corrective_filter {
    int64_t ticket_id;     /* > 0: this ticket's actions, oldest first; the rest is ignored */
    const char *node_path; /* subtree of the ticket's node; required without ticket_id */
    int64_t overdue_at_ms; /* > 0: only not done with due_ms < this */
    int64_t before_id;
    int limit; /* 1..1000 */
};

/** One row of the statistics queries; which fields each fills is said at the operation. */
struct pd_ticket_stat_row {
    char key[PD_TICKET_NAME_SIZE];
    char key2[PD_TICKET_NAME_SIZE];
    int64_t node_id;
    char node_code[PD_CODE_MAX];
    char node_name[PD_NAME_MAX];
    int64_t day; /* days since 1970-01-01 in China time */
    int score;
    bool flag;
    int64_t count;
};

typedef int (*pd_ticket_cb)(void *cls, const struct pd_ticket *t);
typedef int (*pd_ticket_event_cb)(void *cls, const struct pd_ticket_event *e);
typedef int (*pd_ticket_pause_cb)(void *cls, const struct pd_ticket_pause *p);
typedef int (*pd_ticket_clock_cb)(void *cls, const struct pd_ticket_clock *c);
typedef int (*pd_ticket_clock_due_cb)(void *cls, const struct pd_ticket_clock_due *c);
typedef int (*pd_ticket_escalation_cb)(void *cls, const struct pd_ticket_escalation *e);
typedef int (*pd_ticket_corrective_cb)(void *cls, const struct pd_ticket_corrective *c);
typedef int (*pd_ticket_stat_cb)(void *cls, const struct pd_ticket_stat_row *r);

#endif
