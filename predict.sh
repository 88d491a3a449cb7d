#!/usr/bin/env bash
# Try a trained model: generate for a prompt and score it with the reward functions; or export it.
#   ./predict.sh --model gpt-oss-grpo/final_model [--prompt TEXT] [--max-new-tokens N]
#   ./predict.sh --model gpt-oss-grpo/final_model --merge merged-16bit     (GGUF: --gguf DIR, Unsloth + GPU)
# Uses $PYTHON, else the bundle's .venv, else python3.
exec "$(dirname "$0")/scripts/run_module.sh" gpt_oss_grpo.predict "$@"
