#!/usr/bin/env bash
# Set up ./.venv if needed, then run lint and the whole test suite (CPU only, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests also cover task.type reasoning_gym, whose optional package the CPU demo leaves out.
scripts/setup_env.sh requirements-reasoning-gym.txt
# Unsloth's CPU fallback lives in its own venv (~2.7 GB, ~35 s cold) for tests/test_unsloth_backend.py.
[[ "${SKIP_UNSLOTH:-0}" == 1 ]] || scripts/setup_unsloth_env.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
status=0
.venv/bin/python -m pytest "$@" || status=$?
# pytest exits 5 when it collected no test: that is not a failure of the suite.
[[ $status -eq 5 ]] && status=0
exit $status
