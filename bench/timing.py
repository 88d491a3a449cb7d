"""What the training benchmarks share: step timers around GRPOTrainer, peak memory, and the JSON they write."""

from __future__ import annotations

import functools
import json
import os
import platform
import resource
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

PHASES = ("generation", "reward", "optimisation")


def max_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MiB (ru_maxrss is KiB on Linux); for RUSAGE_CHILDREN, the largest child."""
    return resource.getrusage(who).ru_maxrss / 1024


class StepTimer(TrainerCallback):
    """Wall-clock time of each optimizer step, split into generation, reward and the rest (optimisation).

    The Trainer calls on_step_begin and on_step_end around generation, scoring, log-probs, loss, backward and
    the optimizer step; `instrument` times GRPOTrainer._generate and _calculate_rewards inside them.
    """

    def __init__(self) -> None:
        self.steps: list[dict[str, float]] = []
        self._inside: dict[str, float] = defaultdict(float)
        self._start = 0.0

    def instrument(self, trainer: Any) -> None:
        """Time the trainer's generation and reward phases, and receive its step events."""
        self._wrap(trainer, "_generate", "generation")
        self._wrap(trainer, "_calculate_rewards", "reward")
        trainer.add_callback(self)

    def _wrap(self, trainer: Any, method: str, phase: str) -> None:
        original: Callable[..., Any] = getattr(trainer, method)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._inside[phase] += time.perf_counter() - start

        setattr(trainer, method, timed)  # on the instance: the class and other trainers stay untouched

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._inside.clear()
        self._start = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        total = time.perf_counter() - self._start
        generation, reward = self._inside["generation"], self._inside["reward"]
        self.steps.append(
            {
                "total": total,
                "generation": generation,
                "reward": reward,
                "optimisation": total - generation - reward,
            }
        )

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        if logs and "completions/mean_length" in logs and self.steps:
            self.steps[-1]["completion_tokens_mean"] = float(logs["completions/mean_length"])


def summarise(steps: list[dict[str, float]], completions_per_step: int) -> dict[str, float]:
    """Mean per phase over the steps after the first (it pays one-off warm-up), or over the only step."""
    measured = steps[1:] or steps
    summary = {key: sum(step[key] for step in measured) / len(measured) for key in ("total", *PHASES)}
    summary["reward_share"] = summary["reward"] / summary["total"]
    summary["measured_steps"] = len(measured)
    tokens = [step["completion_tokens_mean"] for step in measured if "completion_tokens_mean" in step]
    if tokens and summary["generation"] > 0:
        generated = sum(tokens) / len(tokens) * completions_per_step
        summary["generated_tokens_per_s"] = generated / summary["generation"]
    return summary


def write_json(path: Path, benchmark: str, results: Any) -> None:
    """The figures with the date, machine and load average they were measured under."""
    payload = {
        "benchmark": benchmark,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": os.getloadavg(),
        },
        "results": results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2))
