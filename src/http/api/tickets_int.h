/*
 * Shared by the service-desk handlers (tickets.c, tickets_more.c,
 * tickets_public.c, tickets_stats.c; docs/service-desk.md): loading a
 * ticket within the caller's network, writing its history and audit lines,
 * starting, meeting, stopping and recomputing its clocks, inserting a new
 * ticket with everything that goes with it, and the TICKET answer. All of
 * it runs inside the caller's transaction on the db it is given. Internal
 * to src/http/api (pd__ prefix).
 *
 * Ownership: json_t results are new references the caller owns; a NULL
 * result means the transaction must fail with *qs (set on every path).
 * struct pd__tk_fail is the caller's: helpers fill it and return
 * PD_QS_ABORT for a refusal the handler answers (error, field, detail).
 */
#ifndef PD_HTTP_API_TICKETS_INT_H
#define PD_HTTP_API_TICKETS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ticket.h"
#include "http/req.h"
#include "store/store.h"

struct pd_app;

#define PD__TK_TEXT_MAX  2000     /* characters of a description, note or reply */
#define PD__TK_SHORT_MAX 200      /* characters of a subject, reason, comment, measure */
#define PD__TK_FUTURE_MS 300000LL /* how far ahead of the server's clock a stated time may be */

/* A refusal decided inside a transaction, answered after it. */
struct pd__tk_fail {
    pd_err err;
    char field[64];
    char detail[256];
};

/** True when @p s (may be NULL) holds something other than white space. */
bool pd__tk_has_text(const char *s);

/** Fill @p f and return PD_QS_ABORT. @p field and @p detail may be NULL. */
pd_qs pd__tk_refuse(struct pd__tk_fail *f, pd_err err, const char *field, const char *detail);

/** Reply with a refusal (or 503 for a failure) after a transaction that returned @p qs. */
int pd__tk_reply_fail(struct pd_req *rq, pd_qs qs, const struct pd__tk_fail *f);

/** The last four digits of canonical phone @p canon's main number (an extension is not part of it).
 */
void pd__tk_last4(const char *canon, char out[5]);

/** "YYYYMMDD" of @p ms in China time into @p day (9 bytes): the ticket number's day. */
void pd__tk_day(int64_t ms, char day[9]);

/**
 * Ticket @p no into @p out when it exists within the caller's network
 * (@p rq NULL: anywhere — the public pages and the job); *found says so.
 * @return PD_QS_ONE when found, PD_QS_NONE when not, or a failure.
 */
pd_qs pd__tk_load(pd_db *db, struct pd_req *rq, const char *no, bool for_update,
                  struct pd_ticket *out, bool *found);

/**
 * Append a history line to ticket @p t at @p at_ms by the caller of @p rq
 * (NULL: the system; a request without login: the customer). @p text and
 * @p detail (JSON text) may be NULL.
 */
pd_qs pd__tk_event(pd_db *db, struct pd_req *rq, const struct pd_ticket *t, int64_t at_ms,
                   const char *kind, bool public_, const char *text, const char *detail);

/** Audit @p action on ticket @p t by the caller of @p rq; @p detail JSON text or NULL. */
pd_qs pd__tk_audit(pd_db *db, struct pd_req *rq, const char *action, const struct pd_ticket *t,
                   const char *detail);

/** The first staff member to act on an ownerless (public-form) ticket becomes its owner. */
void pd__tk_take(struct pd_req *rq, struct pd_ticket *t);

/**
 * Insert @p t (every column set but the number), its "created" history
 * line, its audit entry (@p action) and the clocks its kind opens with,
 * all at t->created_ms. Fills t->id and t->ticket_no.
 * @return PD_QS_ONE, PD_QS_ABORT with @p f (a calendar that cannot count
 *         the clocks), or a failure.
 */
pd_qs pd__tk_insert(pd_db *db, struct pd_app *app, struct pd_req *rq, struct pd_ticket *t,
                    const char *action, struct pd__tk_fail *f);

/**
 * Start the clock of @p rule on @p t at @p start_ms.
 * @param[out] dup true when the ticket already has that clock (nothing written).
 */
pd_qs pd__tk_clock_start(pd_db *db, struct pd_app *app, const struct pd_ticket *t,
                         const struct pd_timelimit *rule, int64_t start_ms, bool *dup,
                         struct pd__tk_fail *f);

/**
 * Meet the running clock of @p rule on @p t at @p at_ms.
 * @param[out] found false when there is no running clock of that rule.
 * @return PD_QS_ABORT (ticket.time_invalid, field "at") when @p at_ms is
 *         before the clock started.
 */
pd_qs pd__tk_clock_meet(pd_db *db, struct pd_app *app, const struct pd_ticket *t, const char *rule,
                        int64_t at_ms, bool *found, struct pd__tk_fail *f);

/** Stop every running clock of @p t at @p at_ms (the ticket closes). */
pd_qs pd__tk_clocks_stop(pd_db *db, struct pd_app *app, const struct pd_ticket *t, int64_t at_ms,
                         struct pd__tk_fail *f);

/** Recompute the deadlines of every running clock of @p t (a waiting period opened or ended). */
pd_qs pd__tk_clocks_recompute(pd_db *db, struct pd_app *app, const struct pd_ticket *t,
                              struct pd__tk_fail *f);

/**
 * Move @p t to @p to at @p at_ms with what the move implies: waiting
 * periods open and close (and the clocks follow), closing stops the clocks,
 * records @p reason and, for a complaint, opens its callback task (its
 * number into @p callback_no, "" otherwise); resolving records the
 * resolution (a reply the customer reads) and meets the regulatory reply.
 * Writes the ticket, its history and its audit entry. The caller checked
 * the move and the texts.
 */
pd_qs pd__tk_move(pd_db *db, struct pd_app *app, struct pd_req *rq, struct pd_ticket *t,
                  enum pd_ticket_status to, int64_t at_ms, const char *reason,
                  const char *resolution, char callback_no[PD_TICKET_NO_SIZE],
                  struct pd__tk_fail *f);

/** Levels of detail of the TICKET answer. */
enum pd__tk_detail {
    PD__TK_SUMMARY, /* the queue: the ticket and its clocks */
    PD__TK_FULL,    /* the view: + waiting periods, history, corrective actions, linked tickets */
};

/**
 * The TICKET answer of @p t at @p now_ms. @p personal: contact name and
 * phone in full (else masked).
 */
json_t *pd__tk_json(pd_db *db, struct pd_app *app, const struct pd_ticket *t, int64_t now_ms,
                    enum pd__tk_detail detail, bool personal, pd_qs *qs);

/** The CORRECTIVE_ACTION answer of @p a. */
json_t *pd__tk_corrective_json(const struct pd_ticket_corrective *a, int64_t now_ms);

/**
 * A date as people give a due date: "YYYY-MM-DD" (the end of that day,
 * 23:59:59 China time) or an RFC 3339 time. @return false when neither.
 */
bool pd__tk_due_parse(const char *s, int64_t *ms);

#endif
