#!/usr/bin/env bash
# Usage: scripts/setup_env.sh [EXTRA_REQUIREMENTS_FILE...]
# Create ./.venv with the pinned CPU stack and the test tools, plus any optional extras named (idempotent;
# seconds with uv). scripts/test.sh adds requirements-reasoning-gym.txt; the CPU demo needs none.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/make_venv.sh .venv requirements-cpu.txt requirements-dev.txt "$@"
