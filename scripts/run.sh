#!/usr/bin/env bash
# `make run`: migrate and seed the embedded database (first time only: the
# demo users' password is then set again so the printed logins always work),
# then serve until Ctrl-C.
#   scripts/run.sh [DB_URL] [HOST:PORT]
set -euo pipefail
cd "$(dirname "$0")/.."

DB="${1:-sqlite:var/parceldesk.db}"
LISTEN="${2:-127.0.0.1:8080}"
PASSWORD="${PD_DEMO_PASSWORD:-Demo2026pass}"
BIN=build/parceldesk

mkdir -p var
"$BIN" migrate --db "$DB"
echo
"$BIN" seed-demo --db "$DB" --password "$PASSWORD"

cat <<MSG

  ParcelDesk 客服运营系统 — console: http://${LISTEN}/
  Log in as any user above (admin: 系统管理员) with the password ${PASSWORD}
  (set PD_DEMO_PASSWORD to choose another). Stop with Ctrl-C.

MSG
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
