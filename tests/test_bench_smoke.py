"""bench/reward_pipeline.py runs end to end at its smallest size and writes the figures it prints."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_reward_pipeline_bench_smallest(tmp_path):
    out = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "bench" / "reward_pipeline.py"), "--smallest", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    scorers = {(b["scorer"], b["workers"]) for b in figures["batches"]}
    assert ("notebook", 1) in scorers and ("sandbox", 1) in scorers
    assert all(b["seconds"] > 0 for b in figures["batches"])
    assert all(b["min_total"] > 0 for b in figures["batches"] if b["scorer"] == "sandbox")
    assert set(figures["speed_reward_spread"]) == {
        "sandbox_alone",
        "sandbox_in_parallel_batch",
        "sandbox_fresh_processes",
        "notebook",
    }
    assert "speed-up vs notebook-style scorer" in result.stdout
    assert figures["humaneval"]["full_marks"] == figures["humaneval"]["problems"] == 8
