"""Rows from a JSONL file in the original example's format; extra keys become columns the rewards receive."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.tasks.base import ReasoningEffort, Row, TaskBase, user_message


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    content: str


class _JsonlRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    prompt: list[_Message] | str
    answer: str | float | int | None = None
    reasoning_effort: ReasoningEffort | None = None


class JsonlTask(TaskBase):
    """Rows of {"prompt": [messages] or text, "answer": ..., "reasoning_effort": ...}; extra keys reach rewards."""

    default_rewards: ClassVar[tuple[str, ...]] = ("answer_match", "format_ok")
    success_reward: ClassVar[tuple[str, float]] = ("answer_match", 1.0)
    type: Literal["jsonl"]
    path: Path
    reasoning_effort: ReasoningEffort = Field("low", description="For rows that do not set their own.")

    @field_validator("path")
    @classmethod
    def _exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    def success(self, columns: Sequence[str]) -> tuple[str, float]:
        """Rows with a `tests` column pass when every test passes; others when the answer matches."""
        return ("tests_passed", 1.0) if "tests" in columns else self.success_reward

    def rows(self) -> list[Row]:
        """Read and validate every row; the first bad one is reported as `file:line: problem`."""
        rows = []
        for number, line in enumerate(Path(self.path).read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = _JsonlRow.model_validate_json(line)
            except ValidationError as exc:
                error = exc.errors()[0]
                field = ".".join(str(part) for part in error["loc"]) or "row"
                problem = "required key is missing" if error["type"] == "missing" else error["msg"]
                raise ConfigError(f"{self.path}:{number}: {field}: {problem}") from None
            prompt = (
                user_message(row.prompt)
                if isinstance(row.prompt, str)
                else [m.model_dump() for m in row.prompt]
            )
            rows.append(
                {
                    **(row.model_extra or {}),
                    "prompt": prompt,
                    "answer": None if row.answer is None else str(row.answer),
                    "reasoning_effort": row.reasoning_effort or self.reasoning_effort,
                }
            )
        if not rows:
            raise ConfigError(f"{self.path}: no rows")
        return rows
