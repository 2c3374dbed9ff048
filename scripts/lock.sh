#!/usr/bin/env bash
# Regenerate the lock files from the open ranges of requirements*.txt: every package, direct or not,
# at one exact version with the hashes of its files, so CI and production install exactly what was tested.
#   bash scripts/lock.sh                 # after changing requirements*.txt, or to take updates; commit the result
# Uses pip-compile (pip-tools) from .venv, installing it there if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/pip-compile ] || .venv/bin/pip install -q --disable-pip-version-check pip-tools
compile() {
  .venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-header \
    --annotation-style=line --no-emit-index-url --no-emit-find-links --output-file "$2" "$1"
}
rm -f requirements.lock requirements-dev.lock   # from scratch: a lock file is also an input to pip-compile
compile requirements.txt requirements.lock
compile requirements-dev.txt requirements-dev.lock
echo "requirements.lock and requirements-dev.lock written."
