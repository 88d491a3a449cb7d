"""Rewards in real GRPO runs on the tiny GPT-OSS: the original README's example as a user adds it, log_extra
verdicts and None scores in completions.jsonl and the metrics, and rescoring a finished run's completions.jsonl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, tiny_args
from tests.test_reward_registry import ORIGINAL_README_REWARD, USER_SUPPORT

pytestmark = pytest.mark.slow

# A user's extra reward, named by file path: logs a column and cannot judge the first completion of each call.
EXTRA_REWARD = '''
def chars(completions, log_extra, **kwargs):
    """Logs each completion's length; None (cannot judge) for the first of each call, 1.0 for the others."""
    log_extra("chars", [len(completion[0]["content"]) for completion in completions])
    return [None if index == 0 else 1.0 for index in range(len(completions))]
'''
MATMUL = ["function_works", "no_cheating", "correctness_check", "speed_check"]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _tiny_config(path: Path, rewards: list) -> Path:
    config = yaml.safe_load((ROOT / "configs/tiny-gpt-oss.yaml").read_text())
    config["rewards"] = rewards
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_original_readme_reward_pasted_into_reward_functions_trains_without_a_failure(
    tmp_path, tiny_gpt_oss
):
    """As a user does it: paste the example into reward_functions.py, name it in config.yaml, run train.py."""
    project = tmp_path / "project"
    shutil.copytree(
        ROOT / "gpt_oss_grpo", project / "gpt_oss_grpo", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "train.py", project / "train.py")
    rewards_file = project / "reward_functions.py"
    rewards_file.write_text(
        (ROOT / "reward_functions.py").read_text() + USER_SUPPORT + ORIGINAL_README_REWARD
    )
    _tiny_config(project / "config.yaml", ["my_custom_reward"])
    out = tmp_path / "run"
    command = [sys.executable, "train.py", *tiny_args(tiny_gpt_oss, out, "grpo.max_steps=2")]
    command[command.index("--config") + 1] = "config.yaml"
    result = subprocess.run(
        command, cwd=project, capture_output=True, text=True, timeout=600, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = _rows(out / "metrics.jsonl")
    assert [row["rewards/my_custom_reward/failures"] for row in metrics] == [0.0, 0.0]
    completions = [item for row in _rows(out / "completions.jsonl") for item in row["completions"]]
    assert len(completions) == 4
    for item in completions:  # evaluate_response is len / 100: each score is that of the text the model wrote
        assert item["rewards"]["my_custom_reward"] == pytest.approx(len(item["completion"]) / 100, rel=1e-6)


@pytest.fixture(scope="module")
def extras_run(tmp_path_factory, tiny_gpt_oss) -> Path:
    """Two steps with the matmul rewards plus a user reward from a file that logs a column and returns None."""
    import train
    from gpt_oss_grpo.errors import run_main

    folder = tmp_path_factory.mktemp("extras")
    extra = folder / "my_rewards.py"
    extra.write_text(EXTRA_REWARD)
    config = _tiny_config(folder / "config.yaml", [*MATMUL, {"name": f"{extra}:chars", "weight": 2.0}])
    out = folder / "run"
    args = tiny_args(tiny_gpt_oss, out, "grpo.max_steps=2")
    args[args.index("--config") + 1] = str(config)
    assert run_main(train.main, args) == 0
    return out


def test_log_extra_columns_reach_completions_jsonl_beside_their_completions(extras_run):
    rows = _rows(extras_run / "completions.jsonl")
    assert [row["step"] for row in rows] == [1, 2]
    for row in rows:
        assert row["columns"]["reasoning_effort"] == "low" and row["columns"]["messages"][0]["role"] == "user"
        for item in row["completions"]:
            assert item["extra"]["chars"] == len(item["completion"])  # aligned with its own completion
            # the random tiny model writes no code: the verdict says why the matmul rewards paid what they did
            assert item["extra"]["matmul_verdict"] in {
                "no code block",
                "no final answer (stopped while thinking)",
            }


def test_none_scores_are_left_out_of_the_mean_and_the_total(extras_run):
    metrics = _rows(extras_run / "metrics.jsonl")
    for row in metrics:
        assert row["rewards/chars/mean"] == 1.0  # the None of each pair is ignored, not averaged in as 0
        assert all(row[f"rewards/{name}/failures"] == 0.0 for name in [*MATMUL, "chars"])
    for row in _rows(extras_run / "completions.jsonl"):
        first, second = row["completions"]
        assert first["rewards"]["chars"] is None and second["rewards"]["chars"] == 1.0
        assert first["reward"] == pytest.approx(sum(first["rewards"][name] for name in MATMUL))
        assert second["reward"] == pytest.approx(sum(second["rewards"][name] for name in MATMUL) + 2.0)


def run_score(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "reward_functions.py"), "score", *args]
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def test_a_finished_run_is_rescored_from_its_completions_jsonl(extras_run):
    paid = [item["reward"] for row in _rows(extras_run / "completions.jsonl") for item in row["completions"]]
    same = run_score(str(extras_run / "completions.jsonl"))
    assert same.returncode == 0, same.stderr
    assert "run paid" in same.stdout and "chars ×2" in same.stdout and "matmul_verdict" not in same.stdout
    mean = sum(paid) / len(paid)
    assert f"mean total over 4 completions: {mean:.3f} (the run paid {mean:.3f})" in same.stdout
    assert "no code block" in same.stdout or "no final answer" in same.stdout  # the verdicts, rescored
    edited = run_score(str(extras_run / "completions.jsonl"), "--rewards", "function_works")
    assert edited.returncode == 0, edited.stderr
    assert f"mean total over 4 completions: -2.000 (the run paid {mean:.3f})" in edited.stdout
