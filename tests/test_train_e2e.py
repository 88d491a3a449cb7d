"""train.py end to end through TRL's real GRPOTrainer on the tiny random GPT-OSS with LoRA r8."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import ROOT, tiny_args


def _metrics(output_dir):
    return [json.loads(line) for line in (output_dir / "metrics.jsonl").read_text().splitlines()]


def test_matmul_run_writes_checkpoint_final_adapter_metrics_and_config(tmp_path, run_train, tiny_gpt_oss):
    out = tmp_path / "run"
    code, _, err = run_train(*tiny_args(tiny_gpt_oss, out, "grpo.max_steps=2", "grpo.save_steps=1"))
    assert code == 0, err
    assert (out / "checkpoint-1").is_dir() and (out / "checkpoint-2").is_dir()
    adapter = json.loads((out / "final_model/adapter_config.json").read_text())
    assert adapter["r"] == 8 and set(adapter["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert (out / "final_model/adapter_model.safetensors").is_file()
    assert (out / "final_model/tokenizer_config.json").is_file()
    resolved = yaml.safe_load((out / "config.resolved.yaml").read_text())
    assert resolved["grpo"]["max_steps"] == 2 and resolved["model"]["name"] == str(tiny_gpt_oss)
    rows = _metrics(out)
    assert [row["step"] for row in rows] == [1, 2]
    for name in ("function_works", "no_cheating", "correctness_check", "speed_check"):
        assert f"rewards/{name}/mean" in rows[-1]


def _train_task(tmp_path, run_train, tiny_gpt_oss, task_yaml: str) -> list[dict]:
    """One GRPO step of the tiny-model config with its task (and maybe rewards) section replaced."""
    config = yaml.safe_load((ROOT / "configs/tiny-gpt-oss.yaml").read_text())
    config.update(yaml.safe_load(task_yaml))
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    args = tiny_args(tiny_gpt_oss, out, "grpo.max_steps=1", "grpo.save_steps=1")
    args[args.index("--config") + 1] = str(path)
    code, _, err = run_train(*args)
    assert code == 0, err
    assert (out / "final_model/adapter_model.safetensors").is_file()
    return _metrics(out)


def _scored_without_failures(tmp_path, run_train, tiny_gpt_oss, task_yaml: str, names: list[str]) -> dict:
    """Train one step and return the last metrics row, checking that every reward scored without failing.

    A reward that fails scores its penalty (0.0 for these), which equals an honest 0.0: only the failure metric
    (the share of the step's completions it raised on) tells a reward that broke from one that paid nothing.
    """
    row = _train_task(tmp_path, run_train, tiny_gpt_oss, task_yaml)[-1]
    for name in names:
        assert row[f"rewards/{name}/failures"] == 0.0, f"{name} failed during the run"
        assert f"rewards/{name}/mean" in row
    return row


def test_code_task_trains_with_its_default_reward(tmp_path, run_train, tiny_gpt_oss):
    row = _scored_without_failures(
        tmp_path,
        run_train,
        tiny_gpt_oss,
        "task:\n  type: code\n  problems:\n    - {task: adds two numbers., entry_point: add, tests: ['assert add(1, 2) == 3']}\n",
        ["tests_passed"],
    )
    # The random tiny model writes no code block: the tests ran (no failure) and none passed.
    assert row["rewards/tests_passed/mean"] == 0.0


def test_reasoning_task_trains_with_its_default_rewards(tmp_path, run_train, tiny_gpt_oss):
    row = _scored_without_failures(
        tmp_path,
        run_train,
        tiny_gpt_oss,
        "task:\n  type: reasoning\n  problems:\n    - {question: 'What is 6 times 7?', answer: 42}\n",
        ["answer_match", "format_ok"],
    )
    assert row["rewards/answer_match/mean"] == 0.0 and row["rewards/format_ok/mean"] == 0.0


def test_jsonl_task_trains(tmp_path, run_train, tiny_gpt_oss):
    rows_file = tmp_path / "rows.jsonl"
    rows_file.write_text(
        '{"prompt": [{"role": "user", "content": "Calculate 15 * 23"}], "answer": 345, "reasoning_effort": "high"}\n'
    )
    row = _scored_without_failures(
        tmp_path,
        run_train,
        tiny_gpt_oss,
        f"task:\n  type: jsonl\n  path: {rows_file}\n",
        ["answer_match", "format_ok"],
    )
    assert row["rewards/answer_match/mean"] == 0.0


def test_a_failing_reward_scores_its_penalty_and_is_counted_in_the_metrics(tmp_path, run_train, tiny_gpt_oss):
    """A reward that raises on every completion: each scores its penalty, training goes on, the metric says so."""
    broken = tmp_path / "broken_rewards.py"
    broken.write_text(
        "from gpt_oss_grpo.scoring.registry import reward\n\n\n"
        "@reward(penalty=-1.0)\n"
        "def my_custom_reward(completions, **kwargs):\n"
        "    return [len(completion['content']) for completion in completions]  # a message list, not a dict\n"
    )
    rows = _train_task(
        tmp_path, run_train, tiny_gpt_oss, f"rewards: [function_works, '{broken}:my_custom_reward']\n"
    )
    assert rows[-1]["rewards/my_custom_reward/failures"] == 1.0  # every completion of the step
    assert rows[-1]["rewards/my_custom_reward/mean"] == -1.0  # its penalty
    assert rows[-1]["rewards/function_works/failures"] == 0.0


def test_a_reward_needing_a_column_the_task_lacks_stops_before_training(tmp_path, run_train, tiny_gpt_oss):
    out = tmp_path / "run"
    code, _, err = run_train(*tiny_args(tiny_gpt_oss, out, "rewards=[function_works, answer_match]"))
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "error: rewards: answer_match needs the dataset column 'answer', which this task does not have; "
        "its columns: prompt, reasoning_effort, messages"
    )
    assert not (out / "metrics.jsonl").exists()


def test_dry_run_prints_config_prompt_and_rewards_without_training(tmp_path, run_train, tiny_gpt_oss):
    out = tmp_path / "run"
    code, stdout, err = run_train(*tiny_args(tiny_gpt_oss, out, "task.reasoning_effort=medium"), "--dry-run")
    assert code == 0, err
    assert "resolved config" in stdout
    assert "Reasoning: medium" in stdout
    for name in ("function_works", "no_cheating", "correctness_check", "speed_check"):
        assert name in stdout
    assert not out.exists()


@pytest.mark.parametrize("flag", [["--resume"], ["--resume", "does/not/exist"]])
def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path, run_train, tiny_gpt_oss, flag):
    code, _, err = run_train(*tiny_args(tiny_gpt_oss, tmp_path / "run"), *flag)
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("error: --resume:")
