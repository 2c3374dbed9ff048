#!/usr/bin/env bash
# Set up and run the whole test suite: bash scripts/test.sh
# On SQLite always; on PostgreSQL as well, side by side, when TEST_DATABASE_URL is set, e.g.
# postgresql://postgres@127.0.0.1:5432/test, with the login throttle in Redis as in production when
# TEST_REDIS_URL is set too (e.g. redis://127.0.0.1:6379/14); then the browser journeys in
# /usr/bin/chromium, alone. Exits non-zero if any pass failed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
status=0
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  # The PostgreSQL pass runs beside the SQLite one (two cores, two databases); its output follows.
  postgres_log=$(mktemp)
  .venv/bin/python -m pytest -m "not e2e" "$@" > "$postgres_log" 2>&1 &
  postgres=$!
fi
echo "== tests on SQLite =="
env -u TEST_DATABASE_URL -u TEST_REDIS_URL .venv/bin/python -m pytest -m "not e2e" "$@" || status=1
if [ -n "${postgres:-}" ]; then
  wait "$postgres" || status=1
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL), Redis ${TEST_REDIS_URL:-off} =="
  cat "$postgres_log"
  rm -f "$postgres_log"
fi
# The browser journeys alone, so that no other pass slows the pages they wait for.
echo "== browser journeys in Chromium (SQLite) =="
env -u TEST_DATABASE_URL -u TEST_REDIS_URL .venv/bin/python -m pytest -m e2e "$@" || status=1
exit "$status"
