#!/usr/bin/env bash
# Evaluate a model on its task's held-out problems: pass@1, pass@k and every reward's mean (--compare-base: vs its base).
#   ./evaluate.sh --model gpt-oss-grpo/final_model [--compare-base] [--samples N] [--json]
# Uses $PYTHON, else the bundle's .venv, else python3.
exec "$(dirname "$0")/scripts/run_module.sh" gpt_oss_grpo.evaluation "$@"
