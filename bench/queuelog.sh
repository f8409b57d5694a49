#!/usr/bin/env bash
# The call centre's queue log (issue 6): a generated realistic log of
# 1,000,000 lines (bench/queuelog_gen.c: a month of 100 agents in 4 queues),
# then, each beside a baseline measured in the same run,
#   1. the in-process parse rate in lines/s (target >= 1,000,000), beside a
#      raw pass that only finds the line ends;
#   2. `parceldesk import queue-log` into a fresh SQLite database (target
#      < 10 s), beside `wc -l` and `cat` of the same file;
#   3. `parceldesk report callcenter` over the month (100 agents), beside an
#      awk pass that only counts ENTERQUEUE lines.
# Targets print PASS/FAIL; nothing here asserts on time. QL_LINES=N changes
# the size (default 1000000).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PD_BIN=${PD_BIN:-$ROOT/build/parceldesk}
BIN_DIR=$(dirname "$PD_BIN")
GEN=$BIN_DIR/queuelog_gen
[ -x "$GEN" ] || { echo "bench: $GEN is missing (make build)" >&2; exit 2; }
N=${QL_LINES:-1000000}
TMP=$(mktemp -d /tmp/pd-bench-ql-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
LOG=$TMP/queue_log
DB=$TMP/cc.db

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }

"$GEN" gen "$N" 1 >"$LOG"
lines=$(wc -l <"$LOG")
echo "queue log: $lines lines, $(du -m "$LOG" | cut -f1) MB generated"

# 1. parse rate in-process
read -r p_lines _ _ p_rate _ raw_rate _ < <("$GEN" parse "$LOG" | tr '=' ' ' | awk '{print $2, $4, $6, $8, $10, $12, $14}')
p_rate=${p_rate%.*}; raw_rate=${raw_rate%.*}
verdict=FAIL; [ "$p_rate" -ge 1000000 ] && verdict=PASS
printf '%-34s %14s lines/s   baseline (find line ends) %14s lines/s   target >= 1000000  %s\n' \
    "parse (in-process)" "$p_rate" "$raw_rate" "$verdict"

# 2. import into SQLite
t0=$(now); wc -l "$LOG" >/dev/null; t1=$(now); wc_s=$(elapsed "$t0" "$t1")
t0=$(now); cat "$LOG" >/dev/null; t1=$(now); cat_s=$(elapsed "$t0" "$t1")
"$PD_BIN" migrate --db "sqlite:$DB" >/dev/null 2>&1
t0=$(now)
"$PD_BIN" import queue-log --db "sqlite:$DB" "$LOG" >"$TMP/report.json" 2>"$TMP/import.err" || {
    cat "$TMP/import.err" >&2; exit 1; }
t1=$(now); imp_s=$(elapsed "$t0" "$t1")
imported=$(python3 -c "import json;print(json.load(open('$TMP/report.json'))['imported'])")
rate=$(python3 -c "print(int($imported / $imp_s))")
verdict=$(python3 -c "print('PASS' if $imp_s < 10 else 'FAIL')")
printf '%-34s %10s s (%s lines, %s lines/s)   baseline wc -l %s s, cat %s s   target < 10 s  %s\n' \
    "import queue-log (SQLite)" "$imp_s" "$imported" "$rate" "$wc_s" "$cat_s" "$verdict"

# 3. a month's indicators for 100 agents
t0=$(now); awk -F'|' '$5=="ENTERQUEUE"{n++} END{print n}' "$LOG" >/dev/null; t1=$(now)
awk_s=$(elapsed "$t0" "$t1")
t0=$(now)
"$PD_BIN" report callcenter --db "sqlite:$DB" --from 2026-11-01 --to 2026-12-01 >"$TMP/stats.json"
t1=$(now); rep_s=$(elapsed "$t0" "$t1")
summary=$(python3 -c "
import json; d=json.load(open('$TMP/stats.json'))
print(f\"{len(d['agents'])} agents, {d['centre']['offered']} calls offered, {d['source']['lines']} lines read\")")
printf '%-34s %10s s (%s)   baseline awk count of ENTERQUEUE %s s\n' \
    "report callcenter (a month)" "$rep_s" "$summary" "$awk_s"
