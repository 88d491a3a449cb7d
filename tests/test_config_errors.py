"""Every kind of bad input ends in one clear line on stderr and exit code 2, before any weights load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


CASES = [
    ("grpo:\n  max_step: 5\n", "grpo.max_step: not a field of TRL's GRPOConfig; did you mean 'max_steps'?"),
    ("lora:\n  alfa: 8\n", "lora.alfa: unknown key; did you mean 'alpha'?"),
    ("modle:\n  name: x\n", "modle: unknown key; did you mean 'model'?"),
    ("task:\n  type: matmul\n  promt: hi\n", "task.promt: unknown key; did you mean 'prompt'?"),
    ("grpo:\n  max_steps: ten\n", "grpo.max_steps: Input should be a valid integer"),
    ("grpo:\n  num_generations: 1\n", "grpo.num_generations: Input should be greater than or equal to 2"),
    ("lora:\n  dropout: 1.5\n", "lora.dropout: Input should be less than 1"),
    (
        "model:\n  backend: tensorrt\n",
        "model.backend: got 'tensorrt'; allowed: 'auto', 'unsloth' or 'transformers'",
    ),
    ("task:\n  type: poetry\n", "task.type: got 'poetry'; allowed:"),
    ("task:\n  type: jsonl\n  path: missing.jsonl\n", "task.path: file not found: missing.jsonl"),
    ("task:\n  type: code\n", "task: needs 'problems'"),
    (
        "task:\n  type: reasoning\n  problems: [{question: q}]\n",
        "task.problems.0.answer: required key is missing",
    ),
    (
        "task:\n  type: reasoning\n  prompt_template: '{q}'\n  problems: [{question: q, answer: 1}]\n",
        "unknown placeholder {q}",
    ),
    ("sandbox:\n  timout_s: 1\n", "sandbox.timout_s: unknown key; did you mean 'timeout_s'?"),
    ("sandbox:\n  workers: 0\n", "sandbox.workers: Input should be greater than or equal to 1"),
    ("monitoring:\n  windw: 5\n", "monitoring.windw: unknown key; did you mean 'window'?"),
    ("monitoring:\n  kl_max: -1\n", "monitoring.kl_max: Input should be greater than 0"),
    (
        "task:\n  type: code_generation\n  num_sample: 3\n",
        "task.num_sample: unknown key; did you mean 'num_samples'?",
    ),
    ("rewards: [function_works, speed_chek]\n", "speed_chek"),
    ("grpo: [1, 2]\n", "grpo: Input should be a valid dictionary"),
    ("model: {name: x\n", "not valid YAML"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[1].split(":")[0] for c in CASES])
def test_bad_config_is_one_line_and_exit_2(tmp_path, run_train, text, expected):
    code, out, err = run_train("--config", str(_write(tmp_path, text)), "--dry-run")
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert "Traceback" not in err + out


def test_unknown_reward_names_the_allowed_ones(tmp_path, run_train):
    code, _, err = run_train("--config", str(_write(tmp_path, "rewards: [speed_chek]\n")), "--dry-run")
    assert code == 2
    assert "speed_check" in err  # did-you-mean / allowed list


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ('{"answer": 1}\n', "rows.jsonl:1: prompt: required key is missing"),
        ('{"prompt": "ok", "answer": 1}\n{"prompt": [{"role": "user"}]}\n', "rows.jsonl:2: prompt"),
        ('{"prompt": "ok", "reasoning_effort": "max"}\n', "rows.jsonl:1: reasoning_effort"),
        ("not json\n", "rows.jsonl:1:"),
    ],
)
def test_bad_jsonl_row_names_file_and_line(tmp_path, run_train, rows, expected):
    (tmp_path / "rows.jsonl").write_text(rows)
    config = _write(tmp_path, f"task:\n  type: jsonl\n  path: {tmp_path / 'rows.jsonl'}\n")
    code, _, err = run_train("--config", str(config), "--dry-run")
    assert code == 2
    assert expected in err


def test_bad_set_override_and_missing_config(tmp_path, run_train):
    code, _, err = run_train("--config", str(tmp_path / "nope.yaml"))
    assert (code, err.strip()) == (2, f"error: config file not found: {tmp_path / 'nope.yaml'}")
    code, _, err = run_train("--set", "grpo.max_steps")
    assert code == 2 and "expected KEY=VALUE" in err


def test_lora_target_that_matches_nothing(tmp_path, run_train, tiny_gpt_oss):
    from tests.conftest import tiny_args

    code, _, err = run_train(*tiny_args(tiny_gpt_oss, tmp_path / "out", "lora.target_modules=[gate_proj]"))
    assert code == 2
    assert "lora.target_modules: 'gate_proj' matches no linear layer" in err
    assert "q_proj" in err


def test_unsloth_without_gpu_is_a_clear_error(run_train):
    code, _, err = run_train("--set", "model.backend=unsloth", "--dry-run")
    assert code == 2
    assert "unsloth needs a CUDA GPU" in err


def test_real_process_exit_code_and_no_traceback(tmp_path):
    """The same contract through a real `python train.py` process."""
    config = _write(tmp_path, "grpo:\n  learning_rate: -1\n")
    result = subprocess.run(
        [sys.executable, "train.py", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: grpo.learning_rate:")
    assert "Traceback" not in result.stderr
