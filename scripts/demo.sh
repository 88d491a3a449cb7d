#!/usr/bin/env bash
# The CPU demo: set up ./.venv if needed, then train SmolLM2-135M-Instruct (shipped in a wheel) with GRPO on the
# matmul task through the same pipeline as the GPU run. No GPU, no downloads. Extra arguments go to train.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh
.venv/bin/python train.py --config configs/cpu-demo.yaml "$@"
