"""The reference task: one prompt asking for a fast pure-Python matmul, replicated."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from gpt_oss_grpo.tasks.base import ReasoningEffort, Row, TaskBase, user_message

MATMUL_PROMPT = """Create a new fast matrix multiplication function using only native Python code.
You are given a list of list of numbers.
Output your new function in backticks using the format below:
```python
def matmul(A, B):
    return ...
```"""


class MatmulTask(TaskBase):
    """`code_generation` is the original example's name for this task; it is read as `matmul`."""

    default_rewards: ClassVar[tuple[str, ...]] = (
        "function_works",
        "no_cheating",
        "correctness_check",
        "speed_check",
    )
    success_reward: ClassVar[tuple[str, float]] = ("correctness_check", 10.0)
    type: Literal["matmul", "code_generation"]
    prompt: str = MATMUL_PROMPT
    num_samples: int = Field(1000, ge=1)
    reasoning_effort: ReasoningEffort = "low"

    @field_validator("type")
    @classmethod
    def _old_name(cls, value: str) -> str:
        return "matmul"

    def rows(self) -> list[Row]:
        return [
            {"prompt": user_message(self.prompt), "reasoning_effort": self.reasoning_effort}
        ] * self.num_samples
