#!/usr/bin/env bash
# Try a trained model: generate for a prompt and score it with the reward functions; or export it.
#   ./predict.sh --model gpt-oss-grpo/final_model [--prompt TEXT] [--max-new-tokens N]
#   ./predict.sh --model gpt-oss-grpo/final_model --merge merged-16bit     (GGUF: --gguf DIR, Unsloth + GPU)
# Uses $PYTHON, else the bundle's .venv, else python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$here/.venv/bin/python" ]]; then python="$here/.venv/bin/python"; else python=python3; fi
fi
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
exec "$python" -m gpt_oss_grpo.predict "$@"
