"""Real GRPO runs (tiny GPT-OSS, CPU) in subprocesses: a kill, Ctrl-C and resume through train.py; a NaN stop."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.numpy import load_file

from tests.conftest import ROOT, tiny_args

pytestmark = pytest.mark.slow

RUNNER = Path(__file__).with_name("monitoring_runner.py")


def train_py(model: Path, out: Path, max_steps: int, *extra: str) -> list[str]:
    """`python train.py` on the tiny config: a checkpoint every 2 steps, TensorBoard on."""
    overrides = (f"grpo.max_steps={max_steps}", "grpo.save_steps=2", "grpo.report_to=tensorboard")
    return [sys.executable, str(ROOT / "train.py"), *tiny_args(model, out, *overrides), *extra]


def runner(model: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, str(RUNNER), str(model), str(out), *extra]


def run(command: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def start(command: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def steps_in(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [json.loads(line)["step"] for line in path.read_text().splitlines() if line.strip()]


def wait_for_step(out: Path, process: subprocess.Popen, wanted: int) -> None:
    """Poll metrics.jsonl until `wanted` is its last logged step (a step takes about a second here)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        steps = steps_in(out / "metrics.jsonl")
        if steps and steps[-1] == wanted:
            return
        assert process.poll() is None, process.communicate()[1][-3000:]
        time.sleep(0.02)
    raise AssertionError(f"step {wanted} never logged")


def test_kill_then_ctrl_c_then_resume_ends_at_max_steps_with_continuous_logs(tiny_gpt_oss, tmp_path):
    out, max_steps = tmp_path / "run", 7

    # 1. killed outright after step 3: checkpoint-2 is the newest, step 3's rows lie past it
    process = start(train_py(tiny_gpt_oss, out, max_steps))
    wait_for_step(out, process, 3)
    process.kill()
    process.communicate(timeout=60)
    assert steps_in(out / "metrics.jsonl") == [1, 2, 3]
    assert not (out / "checkpoint-4").exists()

    # 2. resumed from checkpoint-2, then Ctrl-C: the run stops at its next save point with a checkpoint
    process = start(train_py(tiny_gpt_oss, out, max_steps, "--resume"))
    wait_for_step(out, process, 4)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr
    stopped_at = steps_in(out / "metrics.jsonl")[-1]
    assert stopped_at in (4, 5)  # step 4's own save, or step 5 finished after the signal
    assert steps_in(out / "metrics.jsonl") == list(range(1, stopped_at + 1))  # step 3 redone once, not twice
    assert f"Stopped: interrupted by Ctrl-C. Saved {out / f'checkpoint-{stopped_at}'}" in stderr
    state = json.loads((out / f"checkpoint-{stopped_at}" / "trainer_state.json").read_text())
    assert state["global_step"] == stopped_at
    assert (out / "report.md").exists()

    # 3. resumed to the end: one continuous set of logs, as if nothing had happened
    done = run(train_py(tiny_gpt_oss, out, max_steps, "--resume"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert steps_in(out / "metrics.jsonl") == list(range(1, max_steps + 1))
    groups = [json.loads(line) for line in (out / "completions.jsonl").read_text().splitlines()]
    assert [group["step"] for group in groups] == list(range(1, max_steps + 1))  # one group a step
    assert all(len(group["completions"]) == 2 for group in groups)  # num_generations
    first = groups[0]["completions"][0]
    assert set(first) == {"completion", "reward", "rewards", "advantage", "extra"}
    assert set(first["extra"]) == {"matmul_verdict"}  # why the matmul rewards paid what they did
    assert set(groups[0]["columns"]) == {"reasoning_effort", "messages"}  # the row, for rescoring
    assert set(first["rewards"]) == {"function_works", "no_cheating", "correctness_check", "speed_check"}
    assert math.isclose(first["reward"], sum(first["rewards"].values()), rel_tol=1e-6)
    assert len(list((out / "runs").rglob("events.out.tfevents.*"))) == 3  # one per process
    assert (
        json.loads((out / f"checkpoint-{max_steps}" / "trainer_state.json").read_text())["global_step"] == 7
    )
    assert (out / "final_model" / "adapter_model.safetensors").exists()
    assert f"- Steps logged: {max_steps} (steps 1-{max_steps})" in (out / "report.md").read_text()
    assert {p.name for p in (out / "plots").iterdir()} >= {"reward.png", "kl.png", "loss.png"}
    assert f"step {max_steps}/{max_steps} | reward" in done.stdout  # the progress line
    assert str(out / "report.md") in done.stderr  # train.py lists where the results are


def test_nan_gradient_skips_the_update_saves_and_stops(tiny_gpt_oss, tmp_path):
    out = tmp_path / "run"
    done = run(runner(tiny_gpt_oss, out, "--max-steps", "8", "--nan-grad-at-step", "3"))
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "Stopped: non-finite gradient at step 3 (update skipped)." in done.stderr
    assert (
        "WARNING at step 3: loss, gradient or reward is not a finite number. grad_norm = nan." in done.stderr
    )
    assert steps_in(out / "metrics.jsonl") == [1, 2, 3]
    assert json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])["grad_norm"] is None
    weights = load_file(out / "checkpoint-3" / "adapter_model.safetensors")
    assert weights and all(bool((tensor == tensor).all()) for tensor in weights.values())
    assert not (out / "final_model").exists()
    assert "loss, gradient or reward is not a finite number" in (out / "report.md").read_text()
