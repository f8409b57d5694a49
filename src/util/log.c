/* Line-oriented logger; each message is written with one fputs under the stdio lock. */
#include "util/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static enum pd_log_level min_level = PD_LOG_INFO;
static bool env_checked;

static const char *const names[] = {"debug", "info", "warn", "error"};

void pd_log_set_level(enum pd_log_level lvl)
{
    min_level = lvl;
    env_checked = true;
}

bool pd_log_level_parse(const char *s, enum pd_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (s && strcmp(s, names[i]) == 0) {
            *out = (enum pd_log_level)i;
            return true;
        }
    }
    return false;
}

bool pd_log_enabled(enum pd_log_level lvl)
{
    if (!env_checked) {
        enum pd_log_level l;
        if (pd_log_level_parse(getenv("PD_LOG_LEVEL"), &l))
            min_level = l;
        env_checked = true;
    }
    return lvl >= min_level;
}

void pd_log_at(enum pd_log_level lvl, const char *file, int line, const char *fmt, ...)
{
    if (!pd_log_enabled(lvl))
        return;
    char ts[PD_RFC3339_MAX];
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    char line_buf[2300];
    if (lvl >= PD_LOG_WARN || lvl == PD_LOG_DEBUG)
        snprintf(line_buf, sizeof line_buf, "%s %s %s:%d %s\n",
                 pd_time_format(pd_now_ms(), PD_CST_OFFSET_MIN, ts), names[lvl],
                 base ? base + 1 : file, line, msg);
    else
        snprintf(line_buf, sizeof line_buf, "%s %s %s\n",
                 pd_time_format(pd_now_ms(), PD_CST_OFFSET_MIN, ts), names[lvl], msg);
    fputs(line_buf, stderr);
}
