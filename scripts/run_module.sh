#!/usr/bin/env bash
# Run `python -m MODULE ARGS...` of the bundle with $PYTHON, else the bundle's .venv, else python3
# (predict.sh and evaluate.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then python="$here/.venv/bin/python"; else python=python3; fi
fi
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m "$@"
