"""Writes completions.jsonl: per step, each prompt's completions with per-function rewards and advantages."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from gpt_oss_grpo.monitoring.files import COMPLETIONS_FILE
from gpt_oss_grpo.monitoring.jsonl import StepLog


def completion_groups(
    step: int,
    prompts: list[str],
    completions: list[str],
    rewards: dict[str, list[float]],
    weights: dict[str, float],
    advantages: list[float],
    group_size: int,
) -> list[dict[str, Any]]:
    """One row per prompt: its `group_size` consecutive completions (TRL's grouping) with their scores."""
    rows = []
    for start in range(0, len(completions), group_size):
        items = []
        for i in range(start, min(start + group_size, len(completions))):
            scores = {name: values[i] for name, values in rewards.items()}
            total = sum(
                weights.get(name, 1.0) * value for name, value in scores.items() if not math.isnan(value)
            )
            items.append(
                {"completion": completions[i], "reward": total, "rewards": scores, "advantage": advantages[i]}
            )
        rows.append({"step": step, "prompt": prompts[start], "completions": items})
    return rows


class CompletionsCallback(TrainerCallback):
    """Copies TRL's latest generation batch (`trainer._logs`) to OUTPUT_DIR/completions.jsonl after each step.

    At step end, not at log time: TRL keeps only the latest batch, so with logging_steps > 1 logging would
    miss the steps in between.
    """

    def __init__(self, trainer: Any, weights: dict[str, float]) -> None:
        self.trainer = trainer
        self.weights = weights
        self.log = StepLog(Path(trainer.args.output_dir) / COMPLETIONS_FILE)
        self.last_written: list[str] = []

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.log.start(state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        batch = self.trainer._logs
        completions = list(batch["completion"])
        # With num_iterations > 1 a generation batch serves several steps: write it once.
        if not completions or completions == self.last_written:
            return
        self.last_written = completions
        rows = completion_groups(
            state.global_step,
            list(batch["prompt"]),
            completions,
            {name: list(values) for name, values in batch["rewards"].items()},
            self.weights,
            list(batch["advantages"]),
            self.trainer.num_generations,
        )
        for row in rows:
            self.log.append(row)
