"""Evaluation: the pass@k estimator, held-out splits, the basic problem set, evaluate.sh end to end on the tiny
GPT-OSS (base and adapter, files written), eval/* rows during training, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.evaluation.passk import mean_pass_at_k, pass_at_k, reported_ks
from gpt_oss_grpo.monitoring.jsonl import read_rows
from gpt_oss_grpo.tasks import CodeTask, MatmulTask, ReasoningTask
from gpt_oss_grpo.tasks.basic import BASIC_PROBLEMS
from tests.conftest import ROOT

# --- pass@k --------------------------------------------------------------------------------------------


def test_pass_at_k_matches_hand_computed_values():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 3, 4) == pytest.approx(1 - 35 / 210)  # 1 - C(7,4)/C(10,4) = 0.8333
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 8, 3) == 1.0  # fewer than 3 failures: any 3 draws include a pass
    assert pass_at_k(4, 2, 2) == pytest.approx(1 - 1 / 6)
    assert mean_pass_at_k([(10, 3), (10, 0)], 1) == pytest.approx(0.15)


def test_reported_ks_are_the_powers_of_two_up_to_the_samples():
    assert reported_ks(1) == [1]
    assert reported_ks(12) == [1, 2, 4, 8]
    assert reported_ks(16) == [1, 2, 4, 8, 16]
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)


# --- held-out splits -----------------------------------------------------------------------------------


def test_basic_split_is_deterministic_disjoint_and_covers_every_problem():
    task = CodeTask(type="code", basic=True)
    train, heldout = build_dataset(task, "train"), build_dataset(task, "heldout")
    assert len(heldout) == round(0.2 * len(BASIC_PROBLEMS)) and len(train) + len(heldout) == len(
        BASIC_PROBLEMS
    )
    assert not set(train["entry_point"]) & set(heldout["entry_point"])
    assert (
        build_dataset(CodeTask(type="code", basic=True), "heldout")["entry_point"] == heldout["entry_point"]
    )
    reseeded = build_dataset(CodeTask(type="code", basic=True, eval_seed=1), "heldout")["entry_point"]
    assert reseeded != heldout["entry_point"]


def test_duplicate_prompts_stay_on_one_side_and_order_does_not_matter():
    problems = [{"question": f"{i} + 1?", "answer": i + 1} for i in range(20)] * 2
    task = ReasoningTask(type="reasoning", problems=problems, eval_fraction=0.25)
    reordered = ReasoningTask(type="reasoning", problems=problems[::-1], eval_fraction=0.25)
    held = build_dataset(task, "heldout")["answer"]
    assert len(held) == 10 and len(set(held)) == 5  # 5 of 20 questions, each with both copies
    assert not set(held) & set(build_dataset(task, "train")["answer"])
    assert set(build_dataset(reordered, "heldout")["answer"]) == set(held)


def test_a_single_prompt_task_evaluates_fresh_samples_of_it():
    task = MatmulTask(type="matmul", num_samples=6)
    assert len(build_dataset(task, "train")) == 6 and len(build_dataset(task, "heldout")) == 1


# --- the basic problem set ---------------------------------------------------------------------------


def test_basic_problems_are_many_distinct_and_not_vacuous():
    names = [name for name, _, _ in BASIC_PROBLEMS]
    assert len(names) >= 80 and len(set(names)) == len(names)
    assert all(len(tests) >= 3 for _, _, tests in BASIC_PROBLEMS)
    for name, _, tests in BASIC_PROBLEMS:
        # A function that returns None must fail at least one test of every problem.
        failures = 0
        for test in tests:
            try:
                exec(f"def {name}(*args, **kwargs):\n    return None\n{test}", {})
            except Exception:
                failures += 1
        assert failures, name


# --- evaluate.sh and evaluation during training (tiny GPT-OSS) ------------------------------------------


def tiny_code_config(tmp_path: Path, model: Path, out: Path, **eval_settings) -> Path:
    raw = yaml.safe_load((ROOT / "configs/tiny-gpt-oss.yaml").read_text())
    raw["model"]["name"] = str(model)
    raw["grpo"].update(output_dir=str(out), max_steps=2, report_to="tensorboard")
    raw["task"] = {"type": "code", "basic": True}
    raw["eval"] = {"limit": 3, "max_new_tokens": 8, **eval_settings}
    path = tmp_path / "tiny-code.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def evaluate_sh(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON": sys.executable}
    command = ["bash", str(ROOT / "evaluate.sh"), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_gpt_oss):
    """A two-step train.py run on the tiny GPT-OSS with evaluation at steps 0, 1 and 2."""
    import train
    from gpt_oss_grpo.errors import run_main

    tmp = tmp_path_factory.mktemp("eval")
    out = tmp / "run"
    assert run_main(train.main, ["--config", str(tiny_code_config(tmp, tiny_gpt_oss, out, steps=1))]) == 0
    return out


@pytest.mark.slow
def test_evaluation_during_training_writes_eval_rows_and_the_report_table(trained):
    rows = read_rows(trained / "metrics.jsonl")
    evaluated = [row for row in rows if "eval/pass@1" in row]
    assert [row["step"] for row in evaluated] == [0, 1, 2]
    assert all("eval/rewards/tests_passed" in row for row in evaluated)
    assert [row["step"] for row in rows if "loss" in row] == [1, 2]  # training rows are still logged
    report = (trained / "report.md").read_text()
    assert "| pass@1 | 0.000 |" in report.split("## Summary")[0]  # the before/after table comes first
    assert (trained / "plots" / "eval.png").stat().st_size > 0
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(next((trained / "runs").iterdir())))
    events.Reload()
    assert [event.step for event in events.Scalars("eval/pass@1")] == [0, 1, 2]


@pytest.mark.slow
def test_evaluate_compares_base_and_adapter_in_one_json_object(trained, tiny_gpt_oss, tmp_path):
    done = evaluate_sh(
        "--model", str(trained / "final_model"), "--compare-base", "--json", "--samples", "4", "--output",
        str(tmp_path / "ev"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)  # stdout holds the JSON object and nothing else
    base, adapter = result["models"]
    assert base["model"] == str(tiny_gpt_oss)  # the adapter's base, named in adapter_config.json
    assert adapter["model"] == str(trained / "final_model")
    for row in (base, adapter):
        assert set(row) >= {"model", "pass@1", "pass@k", "rewards", "problems"}
        assert row["problems"] == 3 and set(row["pass@k"]) == {"1", "2", "4"}
        assert set(row["rewards"]) == {"tests_passed"}
        assert row["pass@1"] == row["pass@k"]["1"]
    saved = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert [m["role"] for m in saved["models"]] == ["base", "adapter"]
    assert len(saved["models"][1]["per_problem"]) == 3
    assert (tmp_path / "ev" / "evaluation.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "outputs/no-such-run/final_model"], "is not a model folder"),
        (["--model", "embedded:smollm2", "--samples", "0"], "--samples"),
        (["--model", "embedded:smollm2", "--split", "test"], "--split"),
        (["--model", "embedded:smollm2", "--temperature", "0"], "--temperature"),
        (["--model", "embedded:smollm2", "--bogus"], "unrecognized arguments: --bogus"),
        (["--model", "{tiny}", "--config", "missing.yaml"], "config file not found"),
        (["--model", "{tiny}", "--split", "heldout", "--set", "task.eval_fraction=2"], "task.eval_fraction"),
    ],
)
def test_bad_flags_and_missing_models_are_one_line_errors(args, message, tiny_gpt_oss):
    done = evaluate_sh(*(arg.format(tiny=tiny_gpt_oss) for arg in args))
    assert done.returncode == 2, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    # one error line (a config's own notes, e.g. the batch-size one, may come before it), no traceback
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in done.stderr, done.stderr


def test_compare_base_needs_an_adapter(tiny_gpt_oss):
    done = evaluate_sh("--model", str(tiny_gpt_oss), "--compare-base")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: --compare-base: {tiny_gpt_oss} is not a LoRA adapter folder, so it has no base to compare"
    ]
