"""task.type: reasoning_gym: generated rows, scored by each generator's own scorer, in training too."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest
import yaml

import reward_functions as rf
from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.errors import ConfigError
from tests.conftest import ROOT
from tests.test_train_e2e import _scored_without_failures

MIX = [
    {"name": "basic_arithmetic", "weight": 2, "config": {"min_terms": 2, "max_terms": 3}},
    {"name": "chain_sum"},
    {"name": "letter_counting"},
    {"name": "word_ladder"},  # its entries depend on the hash seed: generated and scored in one child kind
]


@pytest.fixture(scope="module", autouse=True)
def _reasoning_gym_installed():
    import importlib.util

    if importlib.util.find_spec("reasoning_gym") is None:
        pytest.fail(
            "reasoning-gym not installed: pip install -r requirements-reasoning-gym.txt (scripts/test.sh does)"
        )


def task_config(tmp_path, **task):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"task": {"type": "reasoning_gym", **task}}))
    return load_config(path).task


def score(dataset, answers: list[str]) -> list[float]:
    columns = {name: dataset[name] for name in ("rg_dataset", "rg_config", "rg_index")}
    return rf.reasoning_gym_score(answers, **columns)


def test_a_weighted_mix_is_split_by_weight_shuffled_and_reproducible(tmp_path):
    dataset = build_dataset(task_config(tmp_path, datasets=MIX, size=25, seed=3))
    assert Counter(dataset["rg_dataset"]) == {"basic_arithmetic": 10, "chain_sum": 5, "letter_counting": 5,
                                              "word_ladder": 5}  # fmt: skip
    assert len(set(dataset["rg_dataset"][:5])) > 1  # mixed, not one generator after the other
    assert dataset["prompt"][0][0]["content"].endswith("End your reply with a line 'Answer: <your answer>'.")
    assert dataset.to_list() == build_dataset(task_config(tmp_path, datasets=MIX, size=25, seed=3)).to_list()
    assert dataset["prompt"] != build_dataset(task_config(tmp_path, datasets=MIX, size=25, seed=4))["prompt"]


def test_rows_score_with_their_generators_own_scorer(tmp_path):
    dataset = build_dataset(task_config(tmp_path, datasets=MIX, size=12, seed=5))
    right = [f"analysisLet me count.assistantfinalAnswer: {answer}" for answer in dataset["answer"]]
    assert score(dataset, right) == [1.0] * 12
    assert score(dataset, ["Answer: certainly not this"] * 12) == [0.0] * 12
    assert score(dataset, ["analysisthinking, cut off"] * 12) == [0.0] * 12


def test_the_scores_are_reasoning_gyms_own_including_partial_credit(tmp_path):
    import reasoning_gym

    dataset = build_dataset(
        task_config(tmp_path, name="basic_arithmetic", config={"min_terms": 2}, size=4, seed=9)
    )
    for number, row in enumerate(dataset):
        generator = reasoning_gym.create_dataset("basic_arithmetic", **json.loads(row["rg_config"]))
        entry = generator[row["rg_index"]]
        assert entry["answer"] == row["answer"] and entry["question"] in row["prompt"][0]["content"]
        for answer in (row["answer"], f"{row['answer']} is the result", "7.5"):
            got = score(dataset.select([number]), [f"Answer: {answer}"])
            assert got == [generator.score_answer(answer, entry)]


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            {"name": "chain_sun"},
            "task.name: unknown generator 'chain_sun'; did you mean 'chain_sum'? available: ",
        ),
        (
            {"name": "chain_sum", "config": {"difficulty": 3}},
            "task.config: unknown option 'difficulty' for chain_sum; allowed: min_terms, max_terms, min_digits",
        ),
        (
            {
                "datasets": [
                    {"name": "chain_sum"},
                    {"name": "chain_sum", "config": {"min_terms": 5, "max_terms": 2}},
                ]
            },
            "task.datasets.1.config: invalid for chain_sum: max_terms must be >= min_terms",
        ),
    ],
)
def test_bad_generators_and_options_are_one_line_when_rows_are_built(tmp_path, task, expected):
    with pytest.raises(ConfigError) as error:
        build_dataset(task_config(tmp_path, size=4, **task))
    assert str(error.value).startswith(expected) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({}, "task: set name (one generator) or datasets (a weighted mix), not both or neither"),
        ({"name": "chain_sum", "datasets": [{"name": "chain_sum"}]}, "not both or neither"),
        ({"datasets": [{"name": "chain_sum"}], "config": {"min_terms": 2}}, "task: config goes with name"),
        ({"name": "chain_sum", "config": {"seed": 1}}, "seed is set for the whole task (task.seed)"),
        (
            {"datasets": [{"name": "chain_sum", "weight": 0}]},
            "task.datasets.0.weight: Input should be greater than 0",
        ),
        (
            {"name": "chain_sum", "prompt_template": "Solve it."},
            "task.prompt_template: must contain {question}",
        ),
    ],
)
def test_bad_task_sections_are_one_line_at_config_load(tmp_path, task, expected):
    with pytest.raises(ConfigError) as error:
        task_config(tmp_path, **task)
    assert expected in str(error.value) and "\n" not in str(error.value)


BLOCK_AND_LOAD = """
import sys
from pathlib import Path
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "reasoning_gym":
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, NotInstalled())
from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.errors import run_main
sys.exit(run_main(lambda argv: load_config(Path(argv[0])), sys.argv[1:]))
"""


def test_without_the_optional_package_the_config_says_how_to_install_it(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("task: {type: reasoning_gym, name: chain_sum}\n")
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_AND_LOAD, str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: task: needs the optional package reasoning-gym: pip install -r requirements-reasoning-gym.txt "
        '(got {"type": "reasoning_gym", "name": "chain_sum"})'
    )


def test_a_reasoning_gym_curriculum_trains_on_the_tiny_gpt_oss(tmp_path, run_train, tiny_gpt_oss):
    task = {"task": {"type": "reasoning_gym", "datasets": MIX, "size": 8}}
    row = _scored_without_failures(
        tmp_path, run_train, tiny_gpt_oss, yaml.safe_dump(task), ["reasoning_gym_score", "format_ok"]
    )
    assert row["rewards/reasoning_gym_score/mean"] == 0.0  # random weights: scored, nothing right
