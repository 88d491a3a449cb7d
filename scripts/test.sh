#!/usr/bin/env bash
# Set up ./.venv if needed, then run lint and the whole test suite (CPU only, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
status=0
.venv/bin/python -m pytest "$@" || status=$?
# pytest exits 5 when it collected no test: that is not a failure of the suite.
[[ $status -eq 5 ]] && status=0
exit $status
