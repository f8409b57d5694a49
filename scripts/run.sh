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
"$BIN" seed-demo --db "$DB" --password "$PASSWORD" >/dev/null

cat <<MSG

  ParcelDesk 客服运营系统 — console: http://${LISTEN}/

  Demo logins (password for all: ${PASSWORD}):
    admin              系统管理员 (head office)
    supervisor         王主管 (广东省分公司)
    agent              张晓明 (深圳市分公司)
    courier            林快递 (深圳南山营业部)
    … one user per role: see \`build/parceldesk node list --db ${DB}\` and the users page.

  Stop with Ctrl-C.

MSG
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
