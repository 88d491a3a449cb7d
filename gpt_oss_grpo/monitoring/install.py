"""Attach the monitoring callbacks to a built GRPOTrainer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers.trainer_callback import ProgressCallback

from gpt_oss_grpo.monitoring.completions_log import CompletionsCallback
from gpt_oss_grpo.monitoring.files import REWARD_WEIGHTS_FILE, RUN_CONFIG_FILE
from gpt_oss_grpo.monitoring.metrics_log import MetricsCallback
from gpt_oss_grpo.monitoring.monitor import WarningMonitor
from gpt_oss_grpo.monitoring.progress import RewardProgressCallback
from gpt_oss_grpo.monitoring.settings import MonitorSettings
from gpt_oss_grpo.monitoring.stopping import SafeStopCallback


def reward_weights(trainer: Any) -> dict[str, float]:
    """Reward function name -> weight in TRL's total reward (the names of its `rewards/<name>/mean` metrics)."""
    return {
        name: float(w)
        for name, w in zip(trainer.reward_func_names, trainer.reward_weights.tolist(), strict=True)
    }


def install_monitoring(trainer: Any, settings: MonitorSettings, run_config: dict[str, Any]) -> None:
    """Add metrics/completions logs, warning signs, a reward progress bar and safe stopping to `trainer`.

    Files go to `trainer.args.output_dir`: metrics.jsonl, completions.jsonl, warnings.jsonl, plus
    run_config.json and reward_weights.json for the report.
    """
    output_dir = Path(trainer.args.output_dir)
    weights = reward_weights(trainer)
    if trainer.is_world_process_zero():
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / RUN_CONFIG_FILE).write_text(json.dumps(run_config, indent=2, default=str) + "\n")
        (output_dir / REWARD_WEIGHTS_FILE).write_text(json.dumps(weights, indent=2) + "\n")

    monitor = WarningMonitor(settings, weights, output_dir)
    trainer.add_callback(MetricsCallback(trainer, monitor, settings.repetition_ngram))
    if settings.completions_log:
        trainer.add_callback(CompletionsCallback(trainer, weights))
    if any(isinstance(cb, ProgressCallback) for cb in trainer.callback_handler.callbacks):
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(RewardProgressCallback())
    trainer.add_callback(SafeStopCallback(trainer, settings.stop_on_nonfinite))
