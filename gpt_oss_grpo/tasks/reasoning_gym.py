"""Procedural reasoning tasks from reasoning-gym (optional package), each graded by its generator's own scorer.

One generator (`name` + `config`) or a weighted mix (`datasets`), `size` rows in all, reproducible from
`seed`. Rows are generated in the reasoning-gym scoring child (scoring/worker.py), which later regenerates
each row's entry to score it: the trainer never imports the library, whose scorers eval() some answers.
"""

from __future__ import annotations

import importlib.util
import json
import random
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.scoring.worker import START_TIMEOUT_S, worker
from gpt_oss_grpo.tasks.base import ReasoningEffort, Row, TaskBase, check_template, user_message

INSTALL = "pip install -r requirements-reasoning-gym.txt"
_CHUNK = 64  # rows per request to the child


class Generator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        description="A reasoning-gym generator, e.g. basic_arithmetic, chain_sum, letter_counting."
    )
    weight: float = Field(1.0, gt=0, description="Share of the rows, relative to the other generators.")
    config: dict[str, Any] = Field(
        default_factory=dict, description="The generator's own options (difficulty), e.g. {min_terms: 2}."
    )

    @field_validator("config")
    @classmethod
    def _not_seed_or_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        if taken := sorted({"seed", "size"} & set(value)):
            raise ValueError(f"{taken[0]} is set for the whole task (task.{taken[0]}), not per generator")
        return value


class ReasoningGymTask(TaskBase):
    default_rewards: ClassVar[tuple[str, ...]] = ("reasoning_gym_score", "format_ok")
    success_reward: ClassVar[tuple[str, float]] = ("reasoning_gym_score", 1.0)
    type: Literal["reasoning_gym"]
    name: str | None = Field(None, description="One generator; or list several under `datasets`.")
    config: dict[str, Any] = Field(default_factory=dict, description="Options of the `name` generator.")
    datasets: list[Generator] = Field(default_factory=list, description="A weighted mix of generators.")
    size: int = Field(500, ge=1, description="Rows in all, split across the generators by weight.")
    seed: int = 42
    prompt_template: str = "{question}\n\nEnd your reply with a line 'Answer: <your answer>'."
    reasoning_effort: ReasoningEffort = "low"

    @field_validator("prompt_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return check_template(value, {"question"}, "question")

    @model_validator(mode="after")
    def _one_way_and_installed(self) -> ReasoningGymTask:
        if (self.name is None) == (not self.datasets):
            raise ValueError("set name (one generator) or datasets (a weighted mix), not both or neither")
        if self.config and self.name is None:
            raise ValueError("config goes with name; under datasets each generator has its own config")
        if self.name is not None:
            Generator(name=self.name, config=self.config)  # the same checks as for one of `datasets`
        if not _installed():
            raise ValueError(f"needs the optional package reasoning-gym: {INSTALL}")
        return self

    def generators(self) -> list[tuple[str, Generator]]:
        """Each generator with the config key that names it in errors."""
        if self.name is not None:
            return [("task", Generator(name=self.name, config=self.config))]
        return [(f"task.datasets.{i}", spec) for i, spec in enumerate(self.datasets)]

    def rows(self) -> list[Row]:
        specs = self.generators()
        rows = []
        for number, ((where, spec), count) in enumerate(zip(specs, _shares(self.size, specs), strict=True)):
            config = json.dumps({**spec.config, "seed": self.seed + number, "size": count}, sort_keys=True)
            for start in range(0, count, _CHUNK):
                for index, entry in enumerate(
                    _generate(where, spec.name, config, start, min(count, start + _CHUNK))
                ):
                    rows.append(
                        {
                            "prompt": user_message(self.prompt_template.format(question=entry["question"])),
                            "answer": entry["answer"],
                            "rg_dataset": spec.name,
                            "rg_config": config,
                            "rg_index": start + index,
                            "reasoning_effort": self.reasoning_effort,
                        }
                    )
        random.Random(self.seed).shuffle(rows)  # mix the generators
        return rows


def _shares(size: int, specs: list[tuple[str, Generator]]) -> list[int]:
    """`size` split by weight, rounding by largest remainder so the counts add up."""
    total = sum(spec.weight for _, spec in specs)
    exact = [size * spec.weight / total for _, spec in specs]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: size - sum(counts)]:
        counts[i] += 1
    return counts


def _generate(where: str, name: str, config: str, start: int, stop: int) -> list[dict[str, str]]:
    if start == stop:
        return []
    reply = worker("reasoning_gym").request(
        {"generate": {"dataset": name, "config": config, "start": start, "stop": stop}},
        timeout=START_TIMEOUT_S,
    )
    if reply is None:
        raise ConfigError(f"{where}: generating {name} rows took longer than {START_TIMEOUT_S:.0f} s")
    if not reply["ok"]:
        raise ConfigError(f"{where}: {name} failed to generate rows: {reply['error']}")
    if "problem" in reply["value"]:
        raise ConfigError(f"{where}.{reply['value']['problem']}")
    return reply["value"]["entries"]


def _installed() -> bool:
    try:
        return importlib.util.find_spec("reasoning_gym") is not None
    except (ImportError, ValueError):
        return False
