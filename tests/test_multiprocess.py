"""Two real training processes: `accelerate launch --num_processes 2` (torchrun, gloo on CPU) through train.py.

Rank 1 runs under umask 077 and rank 0 under umask 022, so every file keeps a mark of the process that created
it: a rank-1 file has no group/other read bit. That shows both ranks took part (each saves its own RNG state)
and that rank 0 alone wrote everything else. Exception: safetensors always creates its files with mode 0600,
whoever writes them, so those files cannot be told apart and are left out of the mode check.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, tiny_args

RANK_UMASK = 'if [ "$RANK" = 0 ]; then umask 022; else umask 077; fi; exec "$@"'
RANK_1_FILES = {"rng_state_1.pth"}
# One reward fails on every completion of rank 1 only (a counter kept per process would show rank 0's zero);
# the other logs each completion's length as a completions-table column, on both ranks.
RANK_REWARDS = """
import os


def rank_1_fails(completions, **kwargs):
    if os.environ["RANK"] == "1":
        raise RuntimeError("rank 1 cannot score")
    return [1.0] * len(completions)


def chars(completions, log_extra, **kwargs):
    log_extra("chars", [len(completion[0]["content"]) for completion in completions])
    return [0.0] * len(completions)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(workdir: Path, model: Path, out: Path, rewards: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(ROOT / "configs/accelerate/ddp.yaml"),
        "--num_processes",
        "2",
        "--mixed_precision",
        "no",
        "--main_process_port",
        str(_free_port()),
        "--no_python",
        "bash",
        "-c",
        RANK_UMASK,
        "rank-umask",
        sys.executable,
        str(ROOT / "train.py"),
        *tiny_args(
            model,
            out,
            "grpo.max_steps=2",
            "grpo.save_steps=2",
            f"rewards=[function_works, '{rewards}:rank_1_fails', '{rewards}:chars']",
        ),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_two_cpu_processes_train_together_and_only_rank_0_writes(tmp_path, tiny_gpt_oss):
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    out = tmp_path / "run"
    rewards = tmp_path / "rank_rewards.py"
    rewards.write_text(RANK_REWARDS)
    result = _launch(workdir, tiny_gpt_oss, out, rewards)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]

    checkpoint = out / "checkpoint-2"
    assert (checkpoint / "rng_state_0.pth").is_file() and (checkpoint / "rng_state_1.pth").is_file()
    assert (checkpoint / "adapter_model.safetensors").is_file()
    assert sorted(path.name for path in out.glob("checkpoint-*")) == ["checkpoint-2"]
    assert (out / "final_model/adapter_model.safetensors").is_file()
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in metrics] == [1, 2], (
        "one metrics row per step: a second writer would duplicate"
    )
    # TRL's log_metric averages over both processes: half of each step's completions (rank 1's) failed.
    assert [row["rewards/rank_1_fails/failures"] for row in metrics] == [0.5, 0.5]
    assert [row["rewards/function_works/failures"] for row in metrics] == [0.0, 0.0]
    completions = [
        item
        for line in (out / "completions.jsonl").read_text().splitlines()
        for item in json.loads(line)["completions"]
    ]
    assert len(completions) == 8  # 2 steps x 2 processes x 2 completions, gathered by TRL with their columns
    assert all(item["extra"]["chars"] == len(item["completion"]) for item in completions)
    assert sorted(item["rewards"]["rank_1_fails"] for item in completions) == [0.0] * 4 + [1.0] * 4

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(checkpoint / "rng_state_1.pth") == 0o600, "rank 1's own file should carry its umask"
    written_by_rank_1 = sorted(
        str(path.relative_to(out))
        for path in out.rglob("*")
        if path.is_file()
        and path.suffix != ".safetensors"
        and path.name not in RANK_1_FILES
        and not mode(path) & stat.S_IROTH
    )
    assert written_by_rank_1 == [], f"files created by rank 1, not rank 0: {written_by_rank_1}"
    assert list(workdir.iterdir()) == [], "train.py wrote into the working directory"
