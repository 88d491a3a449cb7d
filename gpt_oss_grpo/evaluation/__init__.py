"""Evaluation: pass@k and mean rewards on a task's held-out problems (evaluate.sh, and during training).

`EvalSettings` imports without torch (config loading stays fast); the rest loads torch on use.
"""

from importlib import import_module
from typing import Any

from gpt_oss_grpo.evaluation.settings import EvalSettings

_LAZY = {"install_evaluation": "callback", "eval_metrics_row": "metrics", "is_eval_row": "metrics"}

__all__ = ["EvalSettings", "eval_metrics_row", "install_evaluation", "is_eval_row"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"gpt_oss_grpo.evaluation.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
