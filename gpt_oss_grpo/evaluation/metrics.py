"""Evaluation rows in the training logs: `eval/pass@1`, `eval/pass@k`, `eval/rewards/<name>` per evaluated step.

They are logged through `trainer.log` with TRL's and transformers' `eval_` prefix, which TensorBoard and W&B show
as `eval/...`; metrics.jsonl stores them under the same `eval/` names, in rows of their own.
"""

from __future__ import annotations

from typing import Any

PREFIX = "eval/"


def log_keys(result: dict[str, Any]) -> dict[str, float]:
    """An evaluation result as trainer.log keys (`eval_` prefixed; transformers renames them `eval/`)."""
    logs = {"eval_pass@1": result["pass@1"]}
    logs.update({f"eval_pass@{k}": value for k, value in result["pass@k"].items() if k != "1"})
    logs.update(
        {f"eval_rewards/{name}": value for name, value in result["rewards"].items() if value is not None}
    )
    return logs


def eval_metrics_row(logs: dict[str, Any], step: int) -> dict[str, Any] | None:
    """The metrics.jsonl row of an evaluation `on_log` call (None for any other log call)."""
    values = {
        PREFIX + key.removeprefix("eval_"): value
        for key, value in logs.items()
        if key.startswith("eval_") and isinstance(value, int | float) and not isinstance(value, bool)
    }
    return {"step": step, **values} if values else None


def is_eval_row(row: dict[str, Any]) -> bool:
    return any(key.startswith(PREFIX) for key in row)
