#!/usr/bin/env bash
# Set up the portal on SQLite and start it: bash scripts/start.sh [--demo]
# --demo loads a realistic demo campaign and prints the demo logins.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
.venv/bin/flask --app app db upgrade
if [ "${1:-}" = "--demo" ]; then
  .venv/bin/flask --app app demo
  # So that the demo logins work without an authenticator app; production requires two factors of
  # reviewers and admins (TOTP_REQUIRED_ROLES, docs/deploy.md).
  export TOTP_REQUIRED_ROLES="${TOTP_REQUIRED_ROLES-}"
fi
echo "门户已启动： http://127.0.0.1:${PORT:-5000}/"
exec .venv/bin/flask --app app run --host 127.0.0.1 --port "${PORT:-5000}"
