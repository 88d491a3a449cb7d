"""Build the training dataset for a task. Never loads a model: prompts stay chat messages here.

Every row has `prompt` (a list of chat messages) and `reasoning_effort`; task-specific columns (`tests` and
`entry_point` for code, `answer` for reasoning/JSONL/dataset, the generator's columns for reasoning_gym) reach
the reward functions as keyword arguments. A task may build its `Dataset` itself (the `datasets`-backed ones).
"""

from __future__ import annotations

from datasets import Dataset

from gpt_oss_grpo.tasks import TaskBase


def build_dataset(task: TaskBase) -> Dataset:
    rows = task.rows()
    if isinstance(rows, Dataset):
        return rows
    columns = dict.fromkeys(key for row in rows for key in row)  # JSONL rows may differ in their extra keys
    return Dataset.from_list([{column: row.get(column) for column in columns} for row in rows])
