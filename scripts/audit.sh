#!/usr/bin/env bash
# Known vulnerabilities in the locked dependencies (requirements-dev.lock: the runtime set and the tests'):
#   bash scripts/audit.sh
# pip-audit reads PyPI's advisory data. A vulnerability found fails (exit 1); when the data cannot be
# reached (offline CI, a mirror without the JSON API) this says so and goes on (exit 0).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/pip-audit ] || .venv/bin/pip install -q --disable-pip-version-check pip-audit >/dev/null 2>&1
if [ ! -x .venv/bin/pip-audit ]; then
  echo "pip-audit: could not be installed; the dependencies were NOT audited. Going on."
  exit 0
fi
if audit=$(.venv/bin/pip-audit --strict --disable-pip --progress-spinner off -r requirements-dev.lock 2>&1); then
  echo "$audit"
  exit 0
fi
echo "$audit" | grep -v "^WARNING" | head -60
if grep -Eq "Found [0-9]+ known vulnerabilit" <<<"$audit"; then
  echo "pip-audit: known vulnerabilities in the locked set: update them (bash scripts/lock.sh) and commit the lock."
  exit 1
fi
echo "pip-audit: PyPI's advisory data could not be reached for every package; the dependencies were NOT audited. Going on."
exit 0
