#!/usr/bin/env bash
# Create ./.venv-unsloth: the CPU stack plus Unsloth (~2.7 GB, kept apart from .venv), so the tests exercise the
# Unsloth backend without a GPU. torchvision is removed: see requirements-unsloth.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/make_venv.sh .venv-unsloth --remove torchvision requirements-cpu.txt requirements-unsloth.txt
