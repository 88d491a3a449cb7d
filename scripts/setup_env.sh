#!/usr/bin/env bash
# Create ./.venv with the pinned CPU stack and the test tools (idempotent; seconds with uv).
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/make_venv.sh .venv requirements-cpu.txt requirements-dev.txt
