"""What every task shares: the schema base with its two class-level facts, the reasoning effort, prompt helpers."""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from datasets import Dataset

ReasoningEffort = Literal["low", "medium", "high"]
Row = dict[str, Any]
Split = Literal["train", "heldout", "all"]


class TaskBase(BaseModel):
    """A task type: its config schema, the rewards it trains with by default, and the rows it builds.

    Rows are plain dicts with `prompt` (chat messages) and `reasoning_effort`; every other key becomes a dataset
    column that reaches the reward functions as a keyword argument. A task backed by `datasets` returns a
    `Dataset` with those columns instead, so large data never round-trips through Python dicts.
    """

    model_config = ConfigDict(extra="forbid", validate_default=True)
    default_rewards: ClassVar[tuple[str, ...]]
    # What "solved" means for this task: (reward function, the score a pass needs: its top grade).
    success_reward: ClassVar[tuple[str, float]]

    eval_fraction: float = Field(
        0.2, ge=0.0, lt=1.0, description="Share of the distinct prompts held out of training for evaluation."
    )
    eval_seed: int = Field(0, description="Seed of the held-out split (the same seed gives the same split).")

    def rows(self) -> list[Row] | Dataset:
        raise NotImplementedError

    def success(self, columns: Sequence[str]) -> tuple[str, float]:
        """The reward function that decides a pass and its top score; `columns` are the dataset's columns."""
        return self.success_reward

    def passed(self, scores: Mapping[str, float | None], columns: Sequence[str]) -> bool:
        """The task's own success for one completion: its success reward at its top grade."""
        name, top = self.success(columns)
        value = scores.get(name)
        return value is not None and value >= top - 1e-9

    def split_indices(self, prompts: Sequence[Any]) -> tuple[list[int], list[int]]:
        """(train, held-out) row indices. A seeded hash of each distinct prompt decides, so duplicates stay on
        one side and the split does not depend on row order or on rows added later. A task with a single
        distinct prompt (matmul) evaluates fresh samples of it: training keeps every row, evaluation one."""
        keys = [json.dumps(prompt, sort_keys=True) for prompt in prompts]
        distinct = sorted(
            set(keys), key=lambda key: hashlib.sha256(f"{self.eval_seed}:{key}".encode()).digest()
        )
        if len(distinct) == 1:
            return list(range(len(keys))), [0]
        held = set(distinct[: max(1, round(self.eval_fraction * len(distinct))) if self.eval_fraction else 0])
        train = [index for index, key in enumerate(keys) if key not in held]
        return train, [index for index, key in enumerate(keys) if key in held]


def user_message(content: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": content}]


def check_template(template: str, allowed: set[str], required: str) -> str:
    """A prompt template may use only `allowed` {placeholders} and must use `required`."""
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    if unknown := used - allowed:
        raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; allowed: {sorted(allowed)}")
    if required not in used:
        raise ValueError(f"must contain {{{required}}}")
    return template
