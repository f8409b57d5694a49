/*
 * Notifications (DOMAIN.md §5 主动通知; docs/operations.md "Notifications"):
 * when a waybill's tracking status changes, its customers' webhooks get a
 * signed POST and the recipient an SMS (and, when configured, an e-mail).
 *
 * Two halves:
 *   - pd_notify_enqueue(), called inside the transaction that changes a
 *     tracking status, queues one delivery per matching subscription and
 *     one outbox message per channel, in that same transaction: a status
 *     change and its notices commit or vanish together.
 *   - the worker (pd_notify_start), a thread of `parceldesk serve`, claims
 *     due deliveries and messages from the store (store.h "notifications"),
 *     POSTs the deliveries with libcurl and hands the messages to a sender,
 *     records every attempt, retries failures with exponential back-off and
 *     moves a delivery that failed notify.max_attempts times to the
 *     dead-letter list. Delivery is at least once: a receiver deduplicates
 *     by the event id.
 *
 * Matching. A subscription receives an event when its kinds include the
 * event's kind (or status_changed, which is every kind), its customer_code
 * is empty or the waybill's customer, the waybill's node lies in the
 * subscription's node subtree, and — for a subscription made by an API key
 * — the waybill was created by that key. Events of numbers without an
 * order (scans that arrived first) notify nobody.
 *
 * Subscriptions are read from an in-memory snapshot, so that a status
 * change with no subscriber costs no query on the ingestion path; this
 * server's own changes reload it at once (pd_notify_subscriptions_changed),
 * other servers' within notify.refresh_ms. Without a running worker
 * (notify.worker off) the store is asked each time.
 *
 * Ownership: pd_notify_start allocates the worker state, pd_notify_stop
 * frees it (NULL is a no-op). Event fields are borrowed for the call.
 * Thread safety: pd_notify_enqueue and pd_notify_subscriptions_changed may
 * be called from any request thread.
 */
#ifndef PD_HTTP_NOTIFY_H
#define PD_HTTP_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "store/store.h"
#include "util/buf.h"

struct pd_app;
struct pd_config;

/* ---- event kinds ---------------------------------------------------------- */

enum pd_notify_kind {
    PD_NOTIFY_STATUS_CHANGED, /* every change; subscribing to it means every kind */
    PD_NOTIFY_DELIVERED,      /* delivered, by whoever signed */
    PD_NOTIFY_FAILED_ATTEMPT, /* attempt failed, recipient unreachable */
    PD_NOTIFY_EXCEPTION,      /* refused, address, damaged, lost, other exceptions */
    PD_NOTIFY_DELAYED,        /* no update for too long */
    PD_NOTIFY_RETURNED,       /* returning to the sender, returned */
    PD_NOTIFY__COUNT
};

#define PD_NOTIFY_BIT(k) (1u << (unsigned)(k))

/** "status_changed", "delivered", …: index = enum value, NULL-terminated. */
extern const char *const pd_notify_kind_names[];

/** The name of @p k, or NULL when out of range. */
const char *pd_notify_kind_name(enum pd_notify_kind k);

/** @return false when @p s names no kind. */
bool pd_notify_kind_parse(const char *s, enum pd_notify_kind *out);

/** The kind of a change to status @p st (status_changed when none more specific). */
enum pd_notify_kind pd_notify_kind_of(enum pd_status st);

/** Whether subscription kinds @p mask take an event of kind @p k. */
bool pd_notify_kinds_match(uint32_t mask, enum pd_notify_kind k);

/* ---- queuing ---------------------------------------------------------------- */

/** A tracking status change. Every pointer is borrowed for the call. */
struct pd_notify_event {
    const char *waybill_no;
    const char *customer_code; /* the order's customer account; NULL or "" = none */
    const char *node_path;     /* the order's node path; NULL or "" = no order (nothing sent) */
    const char *created_by;    /* the order's creator, pd_waybill.idem_actor ("k:3"); may be "" */
    enum pd_status status;     /* the waybill's summary status after the change */
    enum pd_status previous;   /* before it; PD_ST__COUNT when there was no tracking row */
    int64_t at_ms;             /* when it happened: the last event's time (or now) */
    /* The public tracking answer, a JSON object: appended by this callback
     * to a webhook's body, so that it is only written when some subscriber
     * wants the event (most scans change a status nobody subscribed to). */
    void (*write_tracking)(void *cls, pd_buf *b);
    void *write_cls;
};

/**
 * Queue the notices of @p ev in the caller's transaction on @p db: a
 * delivery for each matching subscription, and an SMS (notify.sms) and an
 * e-mail (notify.email) for kinds delivered, failed_attempt, exception and
 * delayed. Nothing when the status did not change, there is no order, or
 * app->notify is NULL: a process notifies only once it called
 * pd_notify_start (`serve` does; a command that should queue notices for a
 * server to send calls it with notify.worker off; `generate` does not).
 *
 * Webhook body (the same bytes on every retry):
 *   {"id":"evt_…","kind":"delivered","created_at":RFC3339,
 *    "data":{"waybill_no":…,"status":…,"previous_status":…|null,
 *            "occurred_at":RFC3339,"tracking":{…the public answer…}}}
 *
 * @return the number of rows queued (0 is fine), or a failure: the
 *         caller's transaction must then end (pd_tx_run retries SOFT).
 */
pd_qs pd_notify_enqueue(struct pd_app *app, pd_db *db, const struct pd_notify_event *ev);

/**
 * Reload the subscription snapshot now (after this server created or
 * deleted a subscription and committed). Does nothing without a worker.
 */
void pd_notify_subscriptions_changed(struct pd_app *app);

/* ---- subscription URLs ------------------------------------------------------- */

enum pd_notify_url { PD_NOTIFY_URL_OK, PD_NOTIFY_URL_INVALID, PD_NOTIFY_URL_PRIVATE };

/**
 * Check a webhook URL as it is subscribed: http or https, a host, printable
 * ASCII only, at most 500 bytes, no user name or password, no fragment;
 * and, unless @p allow_private, a host that is not "localhost" nor a
 * literal loopback, private, link-local or otherwise non-public address.
 * (A host name is checked again, address by address, at every connection:
 * see the worker.)
 * @param[out] why a short reason in English when not OK (128 bytes).
 */
enum pd_notify_url pd_notify_url_check(const char *url, bool allow_private, char why[128]);

/* ---- the outbox's sender -------------------------------------------------- */

/**
 * Sends one outbox message: the pluggable part. The default writes each
 * message as a JSON file into <notify.spool_dir>/sms/ or …/email/ (written
 * to a hidden temporary name, flushed, then renamed, so a gateway reading
 * *.json never sees half a file).
 */
struct pd_notify_sender {
    const char *name;
    /**
     * Send @p m to @p recipient (a canonical mobile number, or an e-mail
     * address). Called from the worker thread only.
     * @param[out] err a reason on failure (PD_NOTIFY_ERROR_SIZE bytes).
     * @return 0 sent; < 0 a transient failure (retried with back-off);
     *         > 0 a permanent one (the message goes dead at once).
     */
    int (*send)(void *cls, const struct pd_outbox_msg *m, const char *recipient, char *err);
    void *cls;
};

/* ---- the worker ----------------------------------------------------------- */

struct pd_notify;

/**
 * Turn notifications on for this process: when app->cfg.notify_worker is
 * on, load the subscription snapshot and start the worker thread; when it
 * is off, notices are only queued (for a server to send). Call after
 * pd_app_init and before serving; store the result in app->notify.
 * @param sender the outbox's sender, or NULL for the spool sender; borrowed,
 *        must outlive the worker.
 * @param[out] err reason on failure (256 bytes).
 * @return the state (free with pd_notify_stop), or NULL.
 */
struct pd_notify *pd_notify_start(struct pd_app *app, const struct pd_notify_sender *sender,
                                  char err[256]);

/**
 * Stop the worker: transfers in flight are abandoned and their deliveries
 * released (due again at once, the attempt not counted), then the thread
 * is joined and everything freed. Call before pd_app_free (and set
 * app->notify to NULL first if requests may still run). NULL is a no-op.
 */
void pd_notify_stop(struct pd_notify *n);

/**
 * The wait before the next try after @p failures consecutive failed
 * attempts (1 = the first failed): notify.backoff_base_ms doubled per
 * failure, capped at notify.backoff_max_ms, then spread by ±20 % with
 * @p rnd (any 32 random bits) so that many deliveries failing together do
 * not retry together.
 */
int64_t pd_notify_backoff_ms(const struct pd_config *cfg, int failures, uint32_t rnd);

#endif
