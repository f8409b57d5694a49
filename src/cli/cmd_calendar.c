/*
 * `parceldesk calendar due`: the deadline of a time limit on the business
 * calendar, printed as RFC 3339 in the node's local time (China time by
 * default) — the command line face of core/calendar.c, for operators
 * checking a clock by hand and for the acceptance checks of CONTRACT.md.
 * The calendars are the ones compiled into the binary (data/calendar at
 * build time), or those of --calendar-dir DIR instead. This file is only
 * argument checking and exit statuses: 2 for a bad argument, naming the
 * flag; 1 when the calendar cannot answer (a year it does not hold, a bad
 * calendar file), with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/calendar.h"
#include "core/timelimits.h"
#include "util/timeutil.h"

#define CMD "calendar due"

static const char help[] =
    "usage: parceldesk calendar due --from RFC3339\n"
    "           (--working-days N | --calendar-days N | --hours N | --months N | --by-day D\n"
    "            | --rule ID)\n"
    "           [--region CN] [--workdays mon-fri] [--day-start HH:MM] [--day-end HH:MM]\n"
    "           [--utc-offset +08:00] [--pause FROM/TO ...] [--calendar-dir DIR]\n"
    "\n"
    "Print the deadline of a time limit counted from --from on the business calendar,\n"
    "as RFC 3339 in the node's local time (China time unless --utc-offset), e.g.\n"
    "2026-02-24T23:59:59+08:00: the last second that is still in time. The event's own\n"
    "local date is day 0; rules and examples are in docs/calendar.md.\n"
    "\n"
    "  --working-days N   by the end of the Nth working day after day 0\n"
    "  --calendar-days N  by the end of the Nth day after day 0\n"
    "  --hours N          N clock hours after --from\n"
    "  --months N         by the end of the same date N months later (clamped to month end)\n"
    "  --by-day D         by the end of day D of the month after --from's month\n"
    "  --rule ID          a rule of the time-limit table (investigation, apology_letter,\n"
    "                     ..., regulatory_reply; docs/calendar.md lists them)\n"
    "  --region R         calendar region (default CN)\n"
    "  --workdays LIST    the node's week, e.g. mon-fri (default), mon-sat, mon-fri,sun\n"
    "  --day-start HH:MM  working time starts (default 00:00; counts for pauses only)\n"
    "  --day-end HH:MM    a working day ends (default 24:00)\n"
    "  --utc-offset +HH:MM  the node's local time (default +08:00)\n"
    "  --pause FROM/TO    the clock stood still from FROM to TO (RFC 3339); repeatable\n"
    "  --calendar-dir DIR load REGION-YEAR.tsv files from DIR instead of the shipped ones\n"
    "\n"
    "Exit status: 0 and the deadline on stdout; 2 for a bad argument; 1 when the\n"
    "calendar cannot answer (e.g. a year it does not hold), with the reason on stderr.\n";

static int usage_error(const char *flag, const char *why)
{
    fprintf(stderr, "parceldesk " CMD ": --%s %s\n", flag, why);
    return PD_EXIT_USAGE;
}

/* A whole number 1..max, nothing else. */
static bool parse_amount(const char *s, int max, int *out)
{
    if (!*s || strlen(s) > 9)
        return false;
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* "HH:MM" with 00:00 <= t <= 24:00 -> minutes. */
static bool parse_hhmm(const char *s, int *min)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return false;
    *min = h * 60 + m;
    return true;
}

/* "+08:00", "-05:30", "Z" -> minutes east of UTC. */
static bool parse_offset(const char *s, int *min)
{
    if (!strcmp(s, "Z")) {
        *min = 0;
        return true;
    }
    int v;
    if ((s[0] != '+' && s[0] != '-') || !parse_hhmm(s + 1, &v) || v > 14 * 60)
        return false;
    *min = s[0] == '-' ? -v : v;
    return true;
}

static int day_index(const char *s, size_t n)
{
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7; i++)
        if (n == 3 && !strncmp(s, names[i], 3))
            return i;
    return -1;
}

/* "mon-fri", "mon-fri,sat", "tue,thu": comma-separated days or ranges within one week. */
static bool parse_workdays(const char *s, unsigned *bits)
{
    unsigned b = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        const char *dash = memchr(s, '-', n);
        int from = day_index(s, dash ? (size_t)(dash - s) : n);
        int to = dash ? day_index(dash + 1, n - (size_t)(dash - s) - 1) : from;
        if (from < 0 || to < from)
            return false;
        for (int d = from; d <= to; d++)
            b |= 1u << d;
        s += n;
        if (comma && !*++s)
            return false;
    }
    if (!b)
        return false;
    *bits = b;
    return true;
}

static bool parse_pause(const char *s, struct pd_calendar_pause *p)
{
    const char *slash = strchr(s, '/');
    char from[64];
    if (!slash || (size_t)(slash - s) >= sizeof from)
        return false;
    memcpy(from, s, (size_t)(slash - s));
    from[slash - s] = '\0';
    return pd_time_parse(from, &p->from_ms) && pd_time_parse(slash + 1, &p->to_ms);
}

int pd_cmd_calendar(int argc, char **argv)
{
    static const char *const flags[] = {
        "from",    "working-days", "calendar-days", "hours",        "months",
        "by-day",  "rule",         "region",        "workdays",     "day-start",
        "day-end", "utc-offset",   "pause",         "calendar-dir", NULL};
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return PD_EXIT_OK;
        }
    if (argc < 1 || strcmp(argv[0], "due") != 0) {
        fprintf(stderr, "parceldesk calendar: expected `calendar due` (%s)\n\n%s",
                argc < 1 ? "no subcommand given" : "unknown subcommand", help);
        return PD_EXIT_USAGE;
    }
    struct pd_cli c;
    int rc = pd_cli_parse(&c, CMD, argc - 1, argv + 1, flags, NULL);
    if (rc)
        return rc;
    if (c.npos) {
        fprintf(stderr, "parceldesk " CMD ": unexpected argument \"%s\"\n", c.pos[0]);
        return PD_EXIT_USAGE;
    }

    const char *from_s = pd_cli_need(&c, "from");
    if (!from_s)
        return PD_EXIT_USAGE;
    int64_t from_ms;
    if (!pd_time_parse(from_s, &from_ms))
        return usage_error("from", "must be RFC 3339 with an offset, e.g. "
                                   "2026-02-13T10:00:00+08:00");

    /* Exactly one way of saying the limit. */
    static const struct {
        const char *flag;
        enum pd_calendar_unit unit;
    } amounts[] = {{"working-days", PD_CAL_WORKING_DAYS},
                   {"calendar-days", PD_CAL_CALENDAR_DAYS},
                   {"hours", PD_CAL_HOURS},
                   {"months", PD_CAL_MONTHS},
                   {"by-day", PD_CAL_MONTHLY_BY_DAY}};
    const char *given = NULL;
    struct pd_calendar_limit limit = {PD_CAL_WORKING_DAYS, 0};
    const struct pd_timelimit *rule = NULL;
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
        const char *v = pd_cli_flag(&c, amounts[i].flag);
        if (!v)
            continue;
        if (given) {
            fprintf(stderr, "parceldesk " CMD ": give only one of --%s and --%s\n", given,
                    amounts[i].flag);
            return PD_EXIT_USAGE;
        }
        given = amounts[i].flag;
        int max = pd_calendar_unit_max(amounts[i].unit);
        limit.unit = amounts[i].unit;
        if (!parse_amount(v, max, &limit.amount)) {
            fprintf(stderr,
                    "parceldesk " CMD ": --%s must be a whole number from 1 to %d, not "
                    "\"%s\"\n",
                    given, max, v);
            return PD_EXIT_USAGE;
        }
    }
    const char *rule_s = pd_cli_flag(&c, "rule");
    if (rule_s) {
        if (given) {
            fprintf(stderr, "parceldesk " CMD ": give only one of --%s and --rule\n", given);
            return PD_EXIT_USAGE;
        }
        if (!(rule = pd_timelimit_find(rule_s))) {
            fprintf(stderr, "parceldesk " CMD ": --rule \"%s\" is not a rule; one of:", rule_s);
            for (size_t i = 0; i < pd_timelimit_count(); i++)
                fprintf(stderr, " %s", pd_timelimit_get((enum pd_timelimit_id)i)->id);
            fputc('\n', stderr);
            return PD_EXIT_USAGE;
        }
        given = "rule";
    }
    if (!given) {
        fprintf(stderr, "parceldesk " CMD ": give one of --working-days, --calendar-days, "
                        "--hours, --months, --by-day or --rule\n");
        return PD_EXIT_USAGE;
    }

    struct pd_calendar_node node;
    pd_calendar_node_default(&node);
    const char *v;
    if ((v = pd_cli_flag(&c, "region"))) {
        if (strlen(v) < 2 || strlen(v) >= sizeof node.region)
            return usage_error("region", "must be 2-15 characters, e.g. CN");
        snprintf(node.region, sizeof node.region, "%s", v);
    }
    if ((v = pd_cli_flag(&c, "workdays")) && !parse_workdays(v, &node.workdays))
        return usage_error("workdays", "must list days like mon-fri, mon-sat or mon-fri,sun");
    if ((v = pd_cli_flag(&c, "day-start")) && !parse_hhmm(v, &node.day_start_min))
        return usage_error("day-start", "must be HH:MM");
    if ((v = pd_cli_flag(&c, "day-end")) && !parse_hhmm(v, &node.day_end_min))
        return usage_error("day-end", "must be HH:MM, at most 24:00");
    if ((v = pd_cli_flag(&c, "utc-offset")) && !parse_offset(v, &node.utc_offset_min))
        return usage_error("utc-offset", "must be +HH:MM or -HH:MM (at most 14:00) or Z");
    if (node.day_end_min <= node.day_start_min)
        return usage_error("day-end", "must be after --day-start");
    char detail[PD_CALENDAR_DETAIL_MAX];
    if (pd_calendar_node_check(&node, detail) != PD_OK) /* all that is left: the region */
        return usage_error("region", "must be 2-15 characters A-Z, 0-9 or '-', e.g. CN");

    struct pd_calendar_pause pauses[32];
    size_t np = 0;
    for (int i = 0; i < c.nflags; i++) {
        if (strcmp(c.names[i], "pause") != 0)
            continue;
        if (!parse_pause(c.values[i], &pauses[np]))
            return usage_error("pause", "must be FROM/TO, two RFC 3339 times");
        if (pauses[np].to_ms <= pauses[np].from_ms)
            return usage_error("pause", "must end after it starts");
        np++;
    }

    pd_calendar *cal = pd_calendar_new();
    if (!cal) {
        fputs("parceldesk " CMD ": out of memory\n", stderr);
        return PD_EXIT_FAIL;
    }
    const char *dir = pd_cli_flag(&c, "calendar-dir");
    pd_err e = dir ? pd_calendar_load_dir(cal, dir, detail) : pd_calendar_load_shipped(cal, detail);
    if (e != PD_OK) {
        fprintf(stderr, "parceldesk " CMD ": %s: %s\n", pd_err_code(e), detail);
        pd_calendar_free(cal);
        return PD_EXIT_FAIL;
    }
    if (!pd_calendar_has_region(cal, node.region)) {
        fprintf(stderr,
                "parceldesk " CMD ": --region %s: no business calendar is loaded for "
                "that region\n",
                node.region);
        pd_calendar_free(cal);
        return PD_EXIT_USAGE;
    }

    struct pd_calendar_due due;
    e = rule ? pd_timelimit_due(rule, from_ms, pauses, np, cal, &node, &due, detail)
             : pd_calendar_due(cal, &node, limit, from_ms, pauses, np, 0, &due, detail);
    pd_calendar_free(cal);
    if (e != PD_OK) {
        fprintf(stderr, "parceldesk " CMD ": %s: %s\n", pd_err_code(e), detail);
        return e == PD_E_CALENDAR_YEAR_UNKNOWN || e == PD_E_INTERNAL ? PD_EXIT_FAIL : PD_EXIT_USAGE;
    }
    char out[PD_RFC3339_MAX];
    puts(pd_time_format(due.due_ms, node.utc_offset_min, out));
    return PD_EXIT_OK;
}
