/*
 * Configuration: built-in defaults, then an INI file, then environment
 * variables (PD_*), then command-line flags — each later source overrides
 * the earlier ones. Every key has one name used in all three places:
 * INI `[section] key` ↔ environment PD_SECTION_KEY ↔ flag --section-key,
 * with two short flags fixed by the contract: --db (database.url) and
 * --listen (server.listen).
 *
 * Ownership: pd_config is a plain value; strings are fixed-size arrays.
 */
#ifndef PD_UTIL_CONFIG_H
#define PD_UTIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pd_config {
    /* [server] */
    char listen[128];         /* HOST:PORT, default 127.0.0.1:8080 */
    int threads;              /* worker threads, default 2×cores */
    int max_connections;      /* default 1024 */
    int connection_timeout_s; /* idle keep-alive timeout, default 30 */
    long max_body_bytes;      /* default 1 MiB */
    int max_url_bytes;        /* default 2048 */
    long max_header_bytes;    /* per-connection memory for headers, default 32 KiB */
    char web_root[512];       /* console and public pages, default "web" */
    char vendor_root[512];    /* npm packages served under /vendor/, default "node_modules" */
    char data_dir[512];       /* reference data (rate cards, …), default "data" */
    char access_log[512];     /* "-" stderr (default), "off", or a file path */
    bool trust_proxy;         /* take the client address from X-Forwarded-For */
    bool cookie_secure;       /* mark the session cookie Secure (behind TLS) */
    bool migrate_on_start;    /* serve runs migrations first */
    /* [database] */
    char db_url[512];    /* default sqlite:var/parceldesk.db */
    int pool_size;       /* PostgreSQL pool, default 8 */
    int busy_timeout_ms; /* SQLite, default 5000 */
    long cache_kib;      /* SQLite page cache per connection, default 16384 */
    /* [auth] */
    int session_ttl_s;      /* idle session lifetime, default 8 h */
    int login_max_failures; /* lock after this many consecutive failures, default 5 */
    int lockout_s;          /* lock duration, default 15 min */
    /* [log] */
    char log_level[16]; /* debug|info|warn|error */
    /* [notify] webhooks and the SMS/e-mail outbox (http/notify.h) */
    bool notify_worker;          /* serve runs the delivery worker, default true */
    bool notify_allow_private;   /* webhooks to loopback/private addresses, default false */
    char notify_spool_dir[512];  /* the spool sender's directory, default "var/spool" */
    int notify_max_attempts;     /* attempts before the dead-letter list, default 8 */
    long notify_backoff_base_ms; /* wait after the first failure, doubling, default 30 s */
    long notify_backoff_max_ms;  /* longest wait between attempts, default 1 h */
    int notify_timeout_ms;       /* one HTTP attempt, default 10 s */
    int notify_poll_ms;          /* idle worker looks for due work this often, default 1 s */
    int notify_batch;          /* deliveries claimed (and sent concurrently) at once, default 20 */
    int notify_refresh_ms;     /* re-read subscriptions other servers changed, default 5 s */
    int notify_retention_days; /* finished deliveries and messages kept, default 30 */
    bool notify_sms;           /* queue SMS notices, default true */
    bool notify_email;         /* queue e-mail notices, default false */
    /* [monitor] the stale-parcel job (http/monitor.h, docs/operations.md) */
    bool monitor_worker;             /* serve runs the job, default true */
    int monitor_interval_s;          /* between rounds, default 300 (5 min) */
    int monitor_quiet_h;             /* no event for this long (standard; shares per service), 48 */
    int monitor_delayed_same_city_h; /* totally delayed: promise + this within a city, 72 */
    int monitor_delayed_other_h;     /* … and elsewhere, 168 (DOMAIN.md §8: 3 and 7 days) */
    int monitor_lookback_days;       /* waybills created / promised within this many days, 30 */
    int monitor_receipt_days; /* a return receipt not back this long after delivery is overdue, 7 */
    int monitor_batch;        /* waybills flagged per transaction, default 50 */
    /* [service] the service desk, part B (docs/service-desk-problems.md) */
    char service_evidence_dir[512];  /* problem evidence files, default "var/evidence" */
    long service_evidence_max_bytes; /* one evidence file, default 5 MiB (at most 16 MiB) */

    /* [tickets] the service desk (issue 5 part A: docs/service-desk.md) */
    int tickets_reopen_days;      /* a closed ticket reopens within this many days, default 30 */
    bool tickets_clock_worker;    /* serve runs the clock job (http/clockwork.h), default true */
    int tickets_clock_interval_s; /* between rounds of the clock job, default 60 */
};

/** Fill the defaults. */
void pd_config_defaults(struct pd_config *c);

/**
 * Apply an INI file. Unknown sections or keys and bad values are errors
 * (a typo in a config file must not be silently ignored).
 * @param[out] err "FILE:LINE: reason" on failure (256 bytes).
 */
bool pd_config_load_file(struct pd_config *c, const char *path, char err[256]);

/** Apply PD_* environment variables. @param[out] err on a bad value. */
bool pd_config_load_env(struct pd_config *c, char err[256]);

/**
 * Set one key by its INI name ("server.listen") or flag name
 * ("server-listen", "db", "listen").
 * @return false with err set when the key is unknown or the value invalid.
 */
bool pd_config_set(struct pd_config *c, const char *key, const char *value, char err[256]);

/** Write the effective configuration as INI (for `parceldesk config show`). */
void pd_config_dump(const struct pd_config *c, FILE *out);

#endif
