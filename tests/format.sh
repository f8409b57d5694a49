#!/usr/bin/env bash
# Checks that every C source and header under src/, tests/ and bench/ is
# formatted the way the committed .clang-format says. Prints the files that
# are not (with the first differences of a few) and exits 1; fix them with
# `make format`. Exits 0 when everything is formatted or there is nothing to
# check. Called by scripts/test.sh; runnable on its own.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v clang-format >/dev/null || { echo "format: clang-format is not installed (scripts/deps.sh)" >&2; exit 1; }

dirs=()
for d in src tests bench; do [ -d "$d" ] && dirs+=("$d"); done
files=()
if [ ${#dirs[@]} -gt 0 ]; then
    mapfile -d '' files < <(find "${dirs[@]}" -type f -name '*.[ch]' -print0 | sort -z)
fi
if [ ${#files[@]} -eq 0 ]; then
    echo "format: no C files to check"
    exit 0
fi

bad=()
for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done

if [ ${#bad[@]} -eq 0 ]; then
    echo "format: ${#files[@]} files OK"
    exit 0
fi
echo "format: ${#bad[@]} of ${#files[@]} files are not clang-formatted (run: make format):" >&2
printf '  %s\n' "${bad[@]}" >&2
for f in "${bad[@]:0:3}"; do
    echo "--- first differences in $f:" >&2
    clang-format --dry-run "$f" 2>&1 | head -n 12 >&2 || true
done
exit 1
