"""Dataset building for every task type, offline, without a model."""

from __future__ import annotations

import json

import pytest

from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.tasks import CodeTask, JsonlTask, MatmulTask, ReasoningTask
from gpt_oss_grpo.tasks.code import humaneval_problems, humaneval_tests


def test_matmul_replicates_the_reference_prompt():
    dataset = build_dataset(MatmulTask(type="matmul", num_samples=7, reasoning_effort="high"))
    assert dataset.num_rows == 7
    assert dataset[0]["prompt"][0]["role"] == "user"
    assert "def matmul(A, B):" in dataset[6]["prompt"][0]["content"]
    assert set(dataset["reasoning_effort"]) == {"high"}


def test_code_problems_fill_the_template():
    task = CodeTask(
        type="code",
        problems=[
            {
                "task": "returns the sum of a list.",
                "entry_point": "total",
                "tests": ["assert total([1, 2]) == 3"],
            }
        ],
    )
    row = build_dataset(task)[0]
    assert "`total` that returns the sum of a list." in row["prompt"][0]["content"]
    assert row["tests"] == ["assert total([1, 2]) == 3"]
    assert row["entry_point"] == "total"


def test_humaneval_ships_164_problems_split_into_graded_tests():
    dataset = build_dataset(CodeTask(type="code", humaneval=True))
    assert dataset.num_rows == 164
    assert all(len(tests) >= 1 for tests in dataset["tests"])
    assert sum(len(tests) for tests in dataset["tests"]) > 164  # split, so partial credit exists


@pytest.mark.parametrize("index", [0, 32, 163])
def test_humaneval_canonical_solution_passes_every_split_test_and_a_wrong_one_fails(index):
    problem = humaneval_problems()[index]
    tests = humaneval_tests(problem["test"], problem["entry_point"])
    for snippet in tests:
        exec(problem["prompt"] + problem["canonical_solution"] + "\n" + snippet, {})
    failures = 0
    for snippet in tests:
        try:
            exec(problem["prompt"] + "    return None\n" + snippet, {})
        except Exception:
            failures += 1
    assert failures >= 1


def test_reasoning_rows_carry_the_answer_as_text():
    task = ReasoningTask(type="reasoning", problems=[{"question": "What is 6*7?", "answer": 42}])
    row = build_dataset(task)[0]
    assert "What is 6*7?" in row["prompt"][0]["content"]
    assert row["answer"] == "42"


def test_jsonl_rows_keep_their_own_effort_and_extra_columns(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [
        {
            "prompt": [{"role": "user", "content": "Calculate 15 * 23"}],
            "answer": 345,
            "reasoning_effort": "high",
        },
        {"prompt": "What is 2+2?", "answer": "4", "topic": "arithmetic"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    dataset = build_dataset(JsonlTask(type="jsonl", path=path, reasoning_effort="medium"))
    assert dataset["reasoning_effort"] == ["high", "medium"]
    assert dataset["answer"] == ["345", "4"]
    assert dataset[1]["prompt"] == [{"role": "user", "content": "What is 2+2?"}]
    assert "topic" in dataset.column_names


def test_empty_jsonl_is_an_error(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n")
    with pytest.raises(ConfigError, match="no rows"):
        build_dataset(JsonlTask(type="jsonl", path=path))


def test_original_example_layout_loads(tmp_path):
    """The original example's config.yaml layout (code_generation, lora.target_modules, batch 1) still loads."""
    path = tmp_path / "config.yaml"
    path.write_text(
        """
model: {name: unsloth/gpt-oss-20b, max_seq_length: 1024, load_in_4bit: true}
lora: {r: 8, lora_alpha: 16, target_modules: [q_proj, k_proj, v_proj, o_proj]}
grpo:
  beta: 0.1
  temperature: 1.0
  num_generations: 2
  per_device_train_batch_size: 1
  gradient_accumulation_steps: 1
  max_steps: 10
  learning_rate: 5.0e-5
  weight_decay: 0.01
  warmup_steps: 1
  logging_steps: 1
task:
  type: code_generation
  prompt: |
    Create a new fast matrix multiplication function using only native Python code.
"""
    )
    config = load_config(path)
    assert config.task.type == "matmul" and isinstance(config.task, MatmulTask)
    assert config.grpo.per_device_train_batch_size == 2  # adjusted so groups are whole
    assert config.grpo.model_dump()["warmup_steps"] == 1  # passed through to GRPOConfig
    assert config.lora.alpha == 16
    assert [spec.name for spec in config.reward_specs()] == [
        "function_works",
        "no_cheating",
        "correctness_check",
        "speed_check",
    ]
