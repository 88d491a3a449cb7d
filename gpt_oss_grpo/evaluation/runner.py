"""Evaluate one model on a task's problems: generate, score with the run's reward functions, count passes.

Generation is predict.py's (`generate_batch`); rewards are the callables `build_reward_funcs` returned, called
as the trainer calls them; "passed" is the task's own rule (`TaskBase.passed`). Used by evaluate.sh and by the
evaluation during training (callback.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gpt_oss_grpo.evaluation.passk import mean_pass_at_k, reported_ks
from gpt_oss_grpo.predict import generate_batch
from gpt_oss_grpo.scoring.registry import RewardSpec, build_reward_funcs
from gpt_oss_grpo.tasks import TaskBase

# Columns that are the prompt itself, not inputs of the reward functions.
PROMPT_COLUMNS = ("prompt", "messages", "reasoning_effort")


@dataclass(frozen=True)
class Generation:
    """How to generate: `samples` completions per problem (1 = greedy, else sampled at `temperature`)."""

    samples: int
    temperature: float
    max_new_tokens: int
    seed: int
    batch_size: int

    @property
    def sampling_temperature(self) -> float:
        return self.temperature if self.samples > 1 else 0.0


def load_problems(task: TaskBase, split: str, limit: int | None, tokenizer: Any) -> Any:
    """The task's rows of `split` with prompts rendered for `tokenizer`, the first `limit` of them."""
    from gpt_oss_grpo.data import build_dataset
    from gpt_oss_grpo.errors import ConfigError
    from gpt_oss_grpo.prompts import render_prompts

    dataset = build_dataset(task, split)
    if len(dataset) == 0:
        raise ConfigError(f"--split {split}: the task has no {split} problems (task.eval_fraction is 0?)")
    if limit is not None:
        dataset = dataset.select(range(min(limit, len(dataset))))
    return render_prompts(dataset, tokenizer)


def with_success_reward(
    task: TaskBase, columns: Sequence[str], funcs: Sequence[Callable[..., list]]
) -> list[Callable[..., list]]:
    """The run's reward functions, plus the task's success reward when the run does not train with it."""
    name, _ = task.success(columns)
    if any(func.__name__ == name for func in funcs):
        return list(funcs)
    return [*funcs, *build_reward_funcs([RewardSpec(name=name)])[0]]


def evaluate(
    model: Any,
    tokenizer: Any,
    task: TaskBase,
    dataset: Any,
    reward_funcs: Sequence[Callable[..., list]],
    generation: Generation,
) -> dict[str, Any]:
    """pass@1, pass@k (k = powers of two up to the samples), each reward's mean, and per-problem counts."""
    columns = [name for name in dataset.column_names if name not in PROMPT_COLUMNS]
    funcs = with_success_reward(task, columns, reward_funcs)
    was_training = model.training
    model.eval()
    texts: list[str] = []
    ids: list[list[int]] = []
    per_problem = max(1, generation.batch_size // generation.samples)
    try:
        for start in range(0, len(dataset), per_problem):
            prompts = dataset[start : start + per_problem]["prompt"]
            groups = generate_batch(
                model,
                tokenizer,
                prompts,
                generation.max_new_tokens,
                generation.sampling_temperature,
                generation.seed + start,
                generation.samples,
            )
            for group in groups:
                texts += [text for text, _ in group]
                ids += [token_ids for _, token_ids in group]
    finally:
        model.train(was_training)
    n = generation.samples
    repeat = [index for index in range(len(dataset)) for _ in range(n)]
    kwargs = {column: [dataset[index][column] for index in repeat] for column in columns}
    prompts = [dataset[index]["prompt"] for index in repeat]
    scores = {
        func.__name__: func(completions=texts, prompts=prompts, completion_ids=ids, **kwargs)
        for func in funcs
    }
    passed = [
        task.passed({name: values[i] for name, values in scores.items()}, columns) for i in range(len(texts))
    ]
    counts = [(n, sum(passed[p * n : (p + 1) * n])) for p in range(len(dataset))]
    return {
        "pass@1": mean_pass_at_k(counts, 1),
        "pass@k": {str(k): mean_pass_at_k(counts, k) for k in reported_ks(n)},
        "rewards": {name: _mean(values) for name, values in scores.items()},
        "problems": len(dataset),
        "samples": n,
        "per_problem": [
            {
                "index": p,
                "entry_point": dataset[p].get("entry_point"),
                "passed": c,
                "completion": texts[p * n],
            }
            for p, (_, c) in enumerate(counts)
        ],
    }


def _mean(values: Sequence[float | None]) -> float | None:
    numbers = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(numbers) / len(numbers) if numbers else None
