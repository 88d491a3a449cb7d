"""The trainer callbacks that watch a run, and `install_monitoring`, which attaches them all to a GRPOTrainer.

metrics.jsonl (one row per logged step, fed to the warning signs), completions.jsonl (each step's completions
with their rewards and advantages), a progress bar with the mean reward, and safe stopping (stopping.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm
from transformers import TrainerCallback
from transformers.trainer_callback import ProgressCallback

from gpt_oss_grpo.monitoring.jsonl import StepLog
from gpt_oss_grpo.monitoring.settings import MonitorSettings
from gpt_oss_grpo.monitoring.signs import REPETITION_KEY, WarningMonitor, mean_repeated_ngram_share
from gpt_oss_grpo.monitoring.stopping import SafeStopCallback
from gpt_oss_grpo.run_files import COMPLETIONS_FILE, METRICS_FILE, REWARD_WEIGHTS_FILE


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
        if row is None and state.is_world_process_zero:
            from gpt_oss_grpo.evaluation import eval_metrics_row

            if (evaluated := eval_metrics_row(logs or {}, state.global_step)) is not None:
                self.log.append(evaluated)  # eval/* rows: kept apart from the warning signs
        if row is None or not state.is_world_process_zero:
            return
        # TRL keeps the latest generation batch's decoded completions in `_logs`; reuse them, do not re-decode.
        completions = list(self.trainer._logs["completion"])
        if completions:
            row[REPETITION_KEY] = mean_repeated_ngram_share(completions, self.ngram)
        self.log.append(row)
        self.monitor.observe(row)


def completion_groups(
    step: int,
    prompts: list[str],
    completions: list[str],
    rewards: dict[str, list[float]],
    weights: dict[str, float],
    advantages: list[float],
    group_size: int,
    extra: dict[str, list] | None = None,
    columns: Callable[[str], dict[str, Any] | None] = lambda prompt: None,
) -> list[dict[str, Any]]:
    """One row per prompt: its `group_size` consecutive completions (TRL's grouping) with their scores.

    `extra` holds the columns rewards logged with TRL's `log_extra` (one value per completion: the evaluators'
    verdicts), kept on each completion; `columns` maps a prompt to its dataset row's other columns, so the
    file can be rescored (`python reward_functions.py score completions.jsonl`).
    """
    extra = extra or {}
    rows = []
    for start in range(0, len(completions), group_size):
        items = []
        for i in range(start, min(start + group_size, len(completions))):
            scores = {name: values[i] for name, values in rewards.items()}
            total = sum(
                weights.get(name, 1.0) * value for name, value in scores.items() if not math.isnan(value)
            )
            item = {
                "completion": completions[i],
                "reward": total,
                "rewards": scores,
                "advantage": advantages[i],
            }
            if extra:
                item["extra"] = {column: values[i] for column, values in extra.items() if i < len(values)}
            items.append(item)
        row = {"step": step, "prompt": prompts[start], "completions": items}
        if (found := columns(prompts[start])) is not None:
            row["columns"] = found
        rows.append(row)
    return rows


class PromptColumns:
    """Each prompt's other dataset columns (answer, tests, messages, ...), looked up in the training dataset.

    TRL logs a prompt as its tokens decoded without special tokens, not as the dataset's text: the dataset's
    distinct prompts are turned into that form the same way, once, when first needed. A prompt whose rows
    disagree on their columns gets none rather than a guess.
    """

    def __init__(self, dataset: Any, tokenizer: Any) -> None:
        self.dataset = dataset
        self.tokenizer = tokenizer
        self.rows: dict[str, list[int]] | None = None
        self.found: dict[str, dict[str, Any] | None] = {}

    def get(self, logged_prompt: str) -> dict[str, Any] | None:
        if logged_prompt not in self.found:
            indexes = self._rows().get(logged_prompt, [])
            distinct = {
                json.dumps(row, sort_keys=True, default=str): row for row in self.dataset.select(indexes)
            }
            only = next(iter(distinct.values())) if len(distinct) == 1 else None
            self.found[logged_prompt] = (
                None if only is None else {k: v for k, v in only.items() if k != "prompt"}
            )
        return self.found[logged_prompt]

    def _rows(self) -> dict[str, list[int]]:
        if self.rows is None:
            texts = list(self.dataset["prompt"]) if self.dataset is not None else []
            distinct = list(dict.fromkeys(texts))
            ids = self.tokenizer(text=distinct)["input_ids"] if distinct else []
            logged = dict(
                zip(distinct, self.tokenizer.batch_decode(ids, skip_special_tokens=True), strict=True)
            )
            self.rows = {}
            for index, text in enumerate(texts):
                self.rows.setdefault(logged[text], []).append(index)
        return self.rows


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
        self.columns = PromptColumns(trainer.train_dataset, trainer.processing_class)

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
            {column: list(values) for column, values in batch["extra"].items()},
            self.columns.get,
        )
        for row in rows:
            self.log.append(row)


def _fmt(logs: dict, key: str, spec: str = ".4g") -> str | None:
    value = logs.get(key)
    return None if not isinstance(value, int | float) else format(value, spec)


class RewardProgressCallback(ProgressCallback):
    """transformers' progress bar, started at the resumed step, with the mean reward beside the ETA."""

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.training_bar = tqdm(
                total=state.max_steps, initial=state.global_step, desc="GRPO", unit="step", dynamic_ncols=True
            )
        self.current_step = state.global_step

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or self.training_bar is None or not logs or "reward" not in logs:
            return
        reward = _fmt(logs, "reward")
        self.training_bar.set_postfix_str(f"reward {reward}", refresh=True)
        spread = _fmt(logs, "reward_std", ".3g")
        fields = {
            "reward": reward if spread is None else f"{reward} ± {spread}",
            "kl": _fmt(logs, "kl", ".3g"),
            "loss": _fmt(logs, "loss", ".3g"),
            "grad": _fmt(logs, "grad_norm", ".3g"),
            "len": _fmt(logs, "completions/mean_length", ".0f"),
            "s/step": _fmt(logs, "step_time", ".1f"),
        }
        parts = [f"{name} {value}" for name, value in fields.items() if value is not None]
        self.training_bar.write(f"step {state.global_step}/{state.max_steps} | " + " | ".join(parts))


def reward_weights(trainer: Any) -> dict[str, float]:
    """Reward function name -> weight in TRL's total reward (the names of its `rewards/<name>/mean` metrics)."""
    return {
        name: float(w)
        for name, w in zip(trainer.reward_func_names, trainer.reward_weights.tolist(), strict=True)
    }


def install_monitoring(trainer: Any, settings: MonitorSettings) -> None:
    """Add metrics/completions logs, warning signs, a reward progress bar and safe stopping to `trainer`.

    Files go to `trainer.args.output_dir`: metrics.jsonl, completions.jsonl, warnings.jsonl, plus
    reward_weights.json for the report.
    """
    output_dir = Path(trainer.args.output_dir)
    weights = reward_weights(trainer)
    if trainer.is_world_process_zero():
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / REWARD_WEIGHTS_FILE).write_text(json.dumps(weights, indent=2) + "\n")

    monitor = WarningMonitor(settings, weights, output_dir)
    trainer.add_callback(MetricsCallback(trainer, monitor, settings.repetition_ngram))
    if settings.completions_log:
        trainer.add_callback(CompletionsCallback(trainer, weights))
    if any(isinstance(cb, ProgressCallback) for cb in trainer.callback_handler.callbacks):
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(RewardProgressCallback())
    trainer.add_callback(SafeStopCallback(trainer, settings.stop_on_nonfinite))
