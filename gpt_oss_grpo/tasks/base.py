"""What every task shares: the schema base with its two class-level facts, the reasoning effort, prompt helpers."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from datasets import Dataset

ReasoningEffort = Literal["low", "medium", "high"]
Row = dict[str, Any]


class TaskBase(BaseModel):
    """A task type: its config schema, the rewards it trains with by default, and the rows it builds.

    Rows are plain dicts with `prompt` (chat messages) and `reasoning_effort`; every other key becomes a dataset
    column that reaches the reward functions as a keyword argument. A task backed by `datasets` returns a
    `Dataset` with those columns instead, so large data never round-trips through Python dicts.
    """

    model_config = ConfigDict(extra="forbid", validate_default=True)
    default_rewards: ClassVar[tuple[str, ...]]

    def rows(self) -> list[Row] | Dataset:
        raise NotImplementedError


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
