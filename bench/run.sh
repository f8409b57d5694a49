#!/usr/bin/env bash
# What `make bench` runs once `make build` has built build/parceldesk: every
# benchmark in bench/, one after the other (they share two cores, so never in
# parallel), each printing its own table. PD_BIN points at another binary
# (e.g. PD_BIN=build-h4/parceldesk). A benchmark that misses its target only
# says FAIL in its table; one whose measurement broke makes this script exit
# non-zero, naming it. BENCH_ONLY=name runs a single benchmark.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PD_BIN=${PD_BIN:-$ROOT/build/parceldesk}

# Each entry is bench/<name>.sh. Later issues append theirs (tracking
# look-ups, scan ingestion, …).
BENCHES=(me_vs_nginx quote orders import tracking ingest queuelog)

if [ -n "${BENCH_ONLY:-}" ]; then
    found=0
    for b in "${BENCHES[@]}"; do [ "$b" = "$BENCH_ONLY" ] && found=1; done
    [ "$found" = 1 ] || { echo "bench: BENCH_ONLY=$BENCH_ONLY is not one of: ${BENCHES[*]}" >&2; exit 2; }
    BENCHES=("$BENCH_ONLY")
fi

[ -x "$PD_BIN" ] || {
    echo "bench: PD_BIN=$PD_BIN is not an executable (run 'make build' or set PD_BIN)" >&2
    exit 2
}

failed=()
for b in "${BENCHES[@]}"; do
    echo "== bench/$b.sh" >&2
    rc=0
    bash "$ROOT/bench/$b.sh" || rc=$?
    [ "$rc" -eq 0 ] || failed+=("$b (exit $rc)")
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "bench: measurement failed: ${failed[*]}" >&2
    exit 1
fi
