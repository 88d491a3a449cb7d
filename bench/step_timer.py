"""Step timers around GRPOTrainer for the training benchmarks (imports transformers: load it where it trains)."""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from transformers import TrainerCallback


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
