#!/usr/bin/env bash
# Quotes per second computed in-process on one core (issue 3: target
# >= 1,000,000/s), beside an empty loop over the same inputs measured in the
# same run. The program lives next to the binary under test (same build dir).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR=$(dirname "${PD_BIN:-$ROOT/build/parceldesk}")
[ -x "$BIN_DIR/quote_bench" ] || { echo "bench: $BIN_DIR/quote_bench is missing (make build)" >&2; exit 2; }
PD_SOURCE_DIR=$ROOT exec "$BIN_DIR/quote_bench"
