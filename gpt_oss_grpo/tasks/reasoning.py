"""Questions with a known short answer; graded by comparing the final answer with the reference."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gpt_oss_grpo.tasks.base import ReasoningEffort, Row, TaskBase, check_template, user_message


class ReasoningProblem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str | int | float = Field(
        description="Expected final answer; numbers are compared with a tolerance."
    )


class ReasoningTask(TaskBase):
    default_rewards: ClassVar[tuple[str, ...]] = ("answer_match", "format_ok")
    success_reward: ClassVar[tuple[str, float]] = ("answer_match", 1.0)
    type: Literal["reasoning"]
    prompt_template: str = "Think step-by-step to answer: {question}\nEnd with a line 'Answer: <answer>'."
    problems: list[ReasoningProblem] = Field(min_length=1)
    reasoning_effort: ReasoningEffort = "low"

    @field_validator("prompt_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return check_template(value, {"question"}, "question")

    def rows(self) -> list[Row]:
        return [
            {
                "prompt": user_message(self.prompt_template.format(question=problem.question)),
                "answer": str(problem.answer),
                "reasoning_effort": self.reasoning_effort,
            }
            for problem in self.problems
        ]
