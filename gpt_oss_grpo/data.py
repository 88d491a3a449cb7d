"""Build the training dataset for a task. Never loads a model: prompts stay chat messages here.

Every row has `prompt` (a list of chat messages) and `reasoning_effort`; task-specific columns (`tests` and
`entry_point` for code, `answer` for reasoning/JSONL/dataset, the generator's columns for reasoning_gym) reach
the reward functions as keyword arguments. A task may build its `Dataset` itself (the `datasets`-backed ones).
"""

from __future__ import annotations

from datasets import Dataset

from gpt_oss_grpo.tasks import TaskBase
from gpt_oss_grpo.tasks.base import Split


def build_dataset(task: TaskBase, split: Split = "all") -> Dataset:
    """The task's rows as a Dataset: all of them, or one side of its held-out split (`task.split_indices`).

    Training uses "train", evaluation "heldout"; "all" is what predict.sh's `--row` indexes.
    """
    rows = task.rows()
    if not isinstance(rows, Dataset):
        columns = dict.fromkeys(
            key for row in rows for key in row
        )  # JSONL rows may differ in their extra keys
        rows = Dataset.from_list([{column: row.get(column) for column in columns} for row in rows])
    if split == "all":
        return rows
    train, heldout = task.split_indices(rows["prompt"])
    return rows.select(train if split == "train" else heldout)
