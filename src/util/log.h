/*
 * Logging: one line per message on stderr (or a file), with time, level and
 * source location for "cannot happen" reports. The access log is separate
 * (http/server.c) because operators ship it elsewhere.
 *
 * PD_BREAK(cond) marks a bug: when cond is false it logs file:line at error
 * level and evaluates to true so the caller can bail out with an error —
 * the server fails one request and keeps serving. PD_BREAK_OP(cond) marks bad
 * input from a client or device, logged at debug level only.
 */
#ifndef PD_UTIL_LOG_H
#define PD_UTIL_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum pd_log_level { PD_LOG_DEBUG, PD_LOG_INFO, PD_LOG_WARN, PD_LOG_ERROR };

/** Set the minimum level (default INFO; PD_LOG_LEVEL=debug in the environment). */
void pd_log_set_level(enum pd_log_level lvl);
/** Parse "debug|info|warn|error"; @return false when unknown. */
bool pd_log_level_parse(const char *s, enum pd_log_level *out);
bool pd_log_enabled(enum pd_log_level lvl);

void pd_log_at(enum pd_log_level lvl, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define pd_debug(...) pd_log_at(PD_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define pd_info(...)  pd_log_at(PD_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define pd_warn(...)  pd_log_at(PD_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define pd_error(...) pd_log_at(PD_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

#define PD_BREAK(cond)                                                                             \
    (!(cond)                                                                                       \
         ? (pd_log_at(PD_LOG_ERROR, __FILE__, __LINE__, "internal check failed: %s", #cond), true) \
         : false)
#define PD_BREAK_OP(cond)                                                                          \
    (!(cond) ? (pd_log_at(PD_LOG_DEBUG, __FILE__, __LINE__, "bad input: %s", #cond), true) : false)

#endif
