#!/usr/bin/env bash
# Evaluate a model on its task's held-out problems: pass@1, pass@k and every reward's mean (--compare-base: vs its base).
#   ./evaluate.sh --model gpt-oss-grpo/final_model [--compare-base] [--samples N] [--json]
# Uses $PYTHON, else the bundle's .venv, else python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then python="$here/.venv/bin/python"; else python=python3; fi
fi
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m gpt_oss_grpo.evaluation "$@"
