"""python -m gpt_oss_grpo.evaluation: see cli.py (evaluate.sh)."""

import sys

from gpt_oss_grpo.evaluation.cli import main

sys.exit(main())
