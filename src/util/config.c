/*
 * Configuration sources in order of precedence (defaults < INI file <
 * environment < flags). One table describes every key once — its INI
 * section and name, type, bounds and field — and drives all three parsers
 * and the dump, so a new setting is one line here plus its field.
 */
#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { K_STR, K_INT, K_LONG, K_BOOL };

struct key {
    const char *section;
    const char *name;
    enum kind kind;
    size_t off;
    size_t size; /* K_STR: buffer size */
    long min, max;
};

#define STR(sec, nm, field)                                                                        \
    {                                                                                              \
        sec, nm, K_STR, offsetof(struct pd_config, field), sizeof(((struct pd_config *)0)->field), \
            0, 0                                                                                   \
    }
#define INT(sec, nm, field, lo, hi)                                                                \
    {                                                                                              \
        sec, nm, K_INT, offsetof(struct pd_config, field), 0, lo, hi                               \
    }
#define LNG(sec, nm, field, lo, hi)                                                                \
    {                                                                                              \
        sec, nm, K_LONG, offsetof(struct pd_config, field), 0, lo, hi                              \
    }
#define BOOL(sec, nm, field)                                                                       \
    {                                                                                              \
        sec, nm, K_BOOL, offsetof(struct pd_config, field), 0, 0, 1                                \
    }

static const struct key keys[] = {
    STR("server", "listen", listen),
    INT("server", "threads", threads, 1, 256),
    INT("server", "max_connections", max_connections, 1, 100000),
    INT("server", "connection_timeout_s", connection_timeout_s, 1, 3600),
    LNG("server", "max_body_bytes", max_body_bytes, 1024, 1L << 30),
    INT("server", "max_url_bytes", max_url_bytes, 256, 65536),
    LNG("server", "max_header_bytes", max_header_bytes, 4096, 1L << 24),
    STR("server", "web_root", web_root),
    STR("server", "vendor_root", vendor_root),
    STR("server", "data_dir", data_dir),
    STR("server", "access_log", access_log),
    BOOL("server", "trust_proxy", trust_proxy),
    BOOL("server", "cookie_secure", cookie_secure),
    BOOL("server", "migrate_on_start", migrate_on_start),
    STR("database", "url", db_url),
    INT("database", "pool_size", pool_size, 1, 1000),
    INT("database", "busy_timeout_ms", busy_timeout_ms, 0, 600000),
    LNG("database", "cache_kib", cache_kib, 64, 64L * 1024 * 1024),
    INT("auth", "session_ttl_s", session_ttl_s, 1, 90 * 86400),
    INT("auth", "login_max_failures", login_max_failures, 1, 1000),
    INT("auth", "lockout_s", lockout_s, 1, 86400 * 30),
    STR("log", "level", log_level),
    BOOL("notify", "worker", notify_worker),
    BOOL("notify", "allow_private", notify_allow_private),
    STR("notify", "spool_dir", notify_spool_dir),
    INT("notify", "max_attempts", notify_max_attempts, 1, 50),
    LNG("notify", "backoff_base_ms", notify_backoff_base_ms, 1, 86400000L),
    LNG("notify", "backoff_max_ms", notify_backoff_max_ms, 1, 7L * 86400000L),
    INT("notify", "timeout_ms", notify_timeout_ms, 100, 120000),
    INT("notify", "poll_ms", notify_poll_ms, 10, 60000),
    INT("notify", "batch", notify_batch, 1, 100),
    INT("notify", "refresh_ms", notify_refresh_ms, 100, 3600000),
    INT("notify", "retention_days", notify_retention_days, 1, 3650),
    BOOL("notify", "sms", notify_sms),
    BOOL("notify", "email", notify_email),
    BOOL("monitor", "worker", monitor_worker),
    INT("monitor", "interval_s", monitor_interval_s, 1, 86400),
    INT("monitor", "quiet_h", monitor_quiet_h, 1, 24 * 365),
    INT("monitor", "delayed_same_city_h", monitor_delayed_same_city_h, 1, 24 * 365),
    INT("monitor", "delayed_other_h", monitor_delayed_other_h, 1, 24 * 365),
    INT("monitor", "lookback_days", monitor_lookback_days, 1, 3650),
    INT("monitor", "receipt_days", monitor_receipt_days, 1, 365),
    INT("monitor", "batch", monitor_batch, 1, 1000),
    STR("service", "evidence_dir", service_evidence_dir),
    LNG("service", "evidence_max_bytes", service_evidence_max_bytes, 1024, 16L << 20),
    INT("tickets", "reopen_days", tickets_reopen_days, 0, 3650),
    BOOL("tickets", "clock_worker", tickets_clock_worker),
    INT("tickets", "clock_interval_s", tickets_clock_interval_s, 1, 86400),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void pd_config_defaults(struct pd_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->listen, "127.0.0.1:8080");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = cores > 0 && cores < 64 ? (int)cores * 2 : 4;
    c->max_connections = 1024;
    c->connection_timeout_s = 30;
    c->max_body_bytes = 1L << 20;
    c->max_url_bytes = 2048;
    c->max_header_bytes = 32 * 1024;
    strcpy(c->web_root, "web");
    strcpy(c->vendor_root, "node_modules");
    strcpy(c->data_dir, "data");
    strcpy(c->access_log, "-");
    strcpy(c->db_url, "sqlite:var/parceldesk.db");
    c->pool_size = 8;
    c->busy_timeout_ms = 5000;
    c->cache_kib = 16384;
    c->session_ttl_s = 8 * 3600;
    c->login_max_failures = 5;
    c->lockout_s = 15 * 60;
    strcpy(c->log_level, "info");
    c->notify_worker = true;
    c->notify_allow_private = false;
    strcpy(c->notify_spool_dir, "var/spool");
    c->notify_max_attempts = 8;
    c->notify_backoff_base_ms = 30000;
    c->notify_backoff_max_ms = 3600000;
    c->notify_timeout_ms = 10000;
    c->notify_poll_ms = 1000;
    c->notify_batch = 20;
    c->notify_refresh_ms = 5000;
    c->notify_retention_days = 30;
    c->notify_sms = true;
    c->notify_email = false;
    c->monitor_worker = true;
    c->monitor_interval_s = 300;
    c->monitor_quiet_h = 48;
    c->monitor_delayed_same_city_h = 72;
    c->monitor_delayed_other_h = 168;
    c->monitor_lookback_days = 30;
    c->monitor_receipt_days = 7;
    c->monitor_batch = 50;
    snprintf(c->service_evidence_dir, sizeof c->service_evidence_dir, "var/evidence");
    c->service_evidence_max_bytes = 5L << 20;
    c->tickets_reopen_days = 30;
    c->tickets_clock_worker = true;
    c->tickets_clock_interval_s = 60;
}

/* HOST:PORT or [IPv6]:PORT with a port 0..65535 (0: any free port). */
static bool listen_ok(const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || !colon[1])
        return false;
    if (v[0] == '[' && colon[-1] != ']')
        return false;
    long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
            return false;
    }
    return true;
}

static bool set_value(struct pd_config *c, const struct key *k, const char *value, char err[256])
{
    char *base = (char *)c + k->off;
    switch (k->kind) {
    case K_STR: {
        size_t n = strlen(value);
        if (!strcmp(k->name, "listen") && !listen_ok(value)) {
            snprintf(err, 256, "server.listen: expected HOST:PORT or [IPv6]:PORT, got \"%.100s\"",
                     value);
            return false;
        }
        if (n >= k->size) {
            snprintf(err, 256, "%s.%s: value longer than %zu bytes", k->section, k->name,
                     k->size - 1);
            return false;
        }
        memcpy(base, value, n + 1);
        return true;
    }
    case K_INT:
    case K_LONG: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < k->min || v > k->max) {
            snprintf(err, 256, "%s.%s: expected an integer between %ld and %ld, got \"%s\"",
                     k->section, k->name, k->min, k->max, value);
            return false;
        }
        if (k->kind == K_INT)
            *(int *)base = (int)v;
        else
            *(long *)base = v;
        return true;
    }
    case K_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes") ||
            !strcmp(value, "on")) {
            *(bool *)base = true;
        } else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no") ||
                   !strcmp(value, "off")) {
            *(bool *)base = false;
        } else {
            snprintf(err, 256, "%s.%s: expected true or false, got \"%s\"", k->section, k->name,
                     value);
            return false;
        }
        return true;
    }
    return false;
}

/* Compare a user-written key with "section" + sep + "name", where the user
 * may write '-' for '_' (flags) and any case (environment). */
static bool key_matches(const struct key *k, const char *s, char sep)
{
    size_t ls = strlen(k->section), ln = strlen(k->name);
    if (strlen(s) != ls + 1 + ln)
        return false;
    for (size_t i = 0; i < ls; i++)
        if (tolower((unsigned char)s[i]) != k->section[i])
            return false;
    if (s[ls] != sep)
        return false;
    for (size_t i = 0; i < ln; i++) {
        char a = (char)tolower((unsigned char)s[ls + 1 + i]);
        char b = k->name[i];
        if (a != b && !(a == '-' && b == '_'))
            return false;
    }
    return true;
}

bool pd_config_set(struct pd_config *c, const char *key, const char *value, char err[256])
{
    const char *alias = NULL;
    if (!strcmp(key, "db"))
        alias = "database.url";
    else if (!strcmp(key, "listen"))
        alias = "server.listen";
    if (alias)
        key = alias;
    for (size_t i = 0; i < NKEYS; i++) {
        if (key_matches(&keys[i], key, '.') || key_matches(&keys[i], key, '-'))
            return set_value(c, &keys[i], value, err);
    }
    snprintf(err, 256, "unknown setting \"%s\"", key);
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

bool pd_config_load_file(struct pd_config *c, const char *path, char err[256])
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, 256, "%s: %s", path, strerror(errno));
        return false;
    }
    char line[1024], section[64] = "";
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, 256, "%s:%d: line too long", path, lineno);
            ok = false;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e || e[1] || e - s - 1 <= 0 || (size_t)(e - s - 1) >= sizeof section) {
                snprintf(err, 256, "%s:%d: malformed section header", path, lineno);
                ok = false;
                break;
            }
            *e = '\0';
            snprintf(section, sizeof section, "%s", trim(s + 1));
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq || !*section) {
            snprintf(err, 256, "%s:%d: expected key = value inside a [section]", path, lineno);
            ok = false;
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = '\0';
            v++;
        }
        char full[160], e2[256];
        snprintf(full, sizeof full, "%s.%s", section, k);
        if (!pd_config_set(c, full, v, e2)) {
            snprintf(err, 256, "%.60s:%d: %.180s", path, lineno, e2);
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

bool pd_config_load_env(struct pd_config *c, char err[256])
{
    for (size_t i = 0; i < NKEYS; i++) {
        char name[96];
        snprintf(name, sizeof name, "PD_%s_%s", keys[i].section, keys[i].name);
        for (char *p = name; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *v = getenv(name);
        if (v && !set_value(c, &keys[i], v, err))
            return false;
    }
    return true;
}

void pd_config_dump(const struct pd_config *c, FILE *out)
{
    const char *section = "";
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        const char *base = (const char *)c + k->off;
        if (strcmp(section, k->section)) {
            fprintf(out, "%s[%s]\n", *section ? "\n" : "", k->section);
            section = k->section;
        }
        switch (k->kind) {
        case K_STR:
            fprintf(out, "%s = %s\n", k->name, base);
            break;
        case K_INT:
            fprintf(out, "%s = %d\n", k->name, *(const int *)base);
            break;
        case K_LONG:
            fprintf(out, "%s = %ld\n", k->name, *(const long *)base);
            break;
        case K_BOOL:
            fprintf(out, "%s = %s\n", k->name, *(const bool *)base ? "true" : "false");
            break;
        }
    }
}
