"""Writes metrics.jsonl (one row per logged step) and feeds each row to the warning-signs monitor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from gpt_oss_grpo.monitoring.files import METRICS_FILE
from gpt_oss_grpo.monitoring.jsonl import StepLog
from gpt_oss_grpo.monitoring.monitor import WarningMonitor
from gpt_oss_grpo.monitoring.signs import REPETITION_KEY
from gpt_oss_grpo.monitoring.text import mean_repeated_ngram_share


def metrics_row(logs: dict[str, Any], step: int) -> dict[str, Any] | None:
    """The numeric training metrics of one `on_log` call, or None for evaluation and end-of-run summaries."""
    if "loss" not in logs and "reward" not in logs:
        return None
    row: dict[str, Any] = {"step": step}
    row.update(
        (key, value)
        for key, value in logs.items()
        if isinstance(value, int | float | type(None)) and not isinstance(value, bool)
    )
    return row


class MetricsCallback(TrainerCallback):
    """Appends TRL's logged metrics (plus the completions' repeated n-gram share) to OUTPUT_DIR/metrics.jsonl."""

    def __init__(self, trainer: Any, monitor: WarningMonitor, ngram: int) -> None:
        self.trainer = trainer
        self.monitor = monitor
        self.ngram = ngram
        self.log = StepLog(Path(trainer.args.output_dir) / METRICS_FILE)

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.monitor.start(self.log.start(state.global_step), state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        row = metrics_row(logs or {}, state.global_step)
        if row is None or not state.is_world_process_zero:
            return
        # TRL keeps the latest generation batch's decoded completions in `_logs`; reuse them, do not re-decode.
        completions = list(self.trainer._logs["completion"])
        if completions:
            row[REPETITION_KEY] = mean_repeated_ngram_share(completions, self.ngram)
        self.log.append(row)
        self.monitor.observe(row)
