#!/usr/bin/env bash
# Set up and run the whole test suite: bash scripts/test.sh
# On SQLite always (browser tests included, in /usr/bin/chromium); on PostgreSQL as well when
# TEST_DATABASE_URL is set, e.g. postgresql://postgres@127.0.0.1:5432/test, with the login throttle in
# Redis as in production when TEST_REDIS_URL is set too (e.g. redis://127.0.0.1:6379/14).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
echo "== tests on SQLite =="
env -u TEST_DATABASE_URL -u TEST_REDIS_URL .venv/bin/python -m pytest "$@"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== tests on PostgreSQL ($TEST_DATABASE_URL), Redis ${TEST_REDIS_URL:-off} =="
  .venv/bin/python -m pytest -m "not e2e" "$@"
fi
