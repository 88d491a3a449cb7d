"""Task types: one module each, holding its config schema, its default rewards and the rows it builds.

Pure Python and pydantic at import time: never imports `datasets`, torch or a model (data.py turns rows into a
Dataset; the `datasets`- and reasoning-gym-backed tasks import their library only when they build rows).
Add a task: a new module with a `TaskBase` subclass, listed in `TASK_CLASSES`.
"""

from __future__ import annotations

import typing
from typing import Annotated

from pydantic import Field

from gpt_oss_grpo.tasks.base import ReasoningEffort, TaskBase
from gpt_oss_grpo.tasks.code import CodeProblem, CodeTask
from gpt_oss_grpo.tasks.dataset import DatasetTask
from gpt_oss_grpo.tasks.jsonl import JsonlTask
from gpt_oss_grpo.tasks.matmul import MATMUL_PROMPT, MatmulTask
from gpt_oss_grpo.tasks.reasoning import ReasoningProblem, ReasoningTask
from gpt_oss_grpo.tasks.reasoning_gym import ReasoningGymTask

TASK_CLASSES: tuple[type[TaskBase], ...] = (
    MatmulTask,
    CodeTask,
    ReasoningTask,
    JsonlTask,
    DatasetTask,
    ReasoningGymTask,
)
Task = Annotated[typing.Union[TASK_CLASSES], Field(discriminator="type")]  # noqa: UP007 (built from the tuple)
# Every accepted `type:` value (old names included) -> its schema, derived from each class's `type` literal.
TASK_TYPES: dict[str, type[TaskBase]] = {
    tag: cls for cls in TASK_CLASSES for tag in typing.get_args(cls.model_fields["type"].annotation)
}

__all__ = [
    "MATMUL_PROMPT",
    "TASK_CLASSES",
    "TASK_TYPES",
    "CodeProblem",
    "CodeTask",
    "DatasetTask",
    "JsonlTask",
    "MatmulTask",
    "ReasoningEffort",
    "ReasoningGymTask",
    "ReasoningProblem",
    "ReasoningTask",
    "Task",
    "TaskBase",
]
