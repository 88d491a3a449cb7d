"""The report and plots built from a crafted output folder, through the function and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gpt_oss_grpo.monitoring.plots import trailing_mean
from gpt_oss_grpo.monitoring.report import write_report
from tests.monitoring_runs import crafted_output_dir

REPO = Path(__file__).resolve().parents[1]
PLOTS = ["reward", "reward_functions", "kl", "loss", "completion_length"]


def test_trailing_mean_uses_what_is_there_at_the_start():
    assert trailing_mean([1.0, 3.0, 5.0, 7.0], 2) == [1.0, 2.0, 4.0, 6.0]


def test_report_has_plots_figures_warnings_completions_and_config(tmp_path):
    out = crafted_output_dir(tmp_path / "run")
    report = write_report(out)
    assert report == out / "report.md"
    for name in PLOTS:
        png = out / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(plots/{name}.png)" in report.read_text()
    text = report.read_text()
    assert "- Steps logged: 100 (steps 1-100)" in text
    assert "- Training time: 1.9 h (70 s per step, generation included)" in text
    assert "| reward `correct` |" in text and "| KL |" in text
    assert "**step 42: most groups give no learning signal.**" in text
    # best completion: step 100, k = 3 -> reward 13; worst: step 1, k = 0 -> reward 0.1
    best = text.index("### Best completions")
    worst = text.index("### Worst completions")
    assert text.index("**step 100, reward 13**") in range(best, worst)
    assert text.index("**step 1, reward 0.1**") > worst
    assert text.index("matmul_verdict: no code block") > text.index("**step 1, reward 0.1**")
    # completions hold ``` fences, so they are shown inside a longer fence
    assert "````text\n```python\ndef matmul(A, B):\n    return 300\n```\n````" in text
    assert "unsloth/gpt-oss-20b" in text and "learning_rate: 5.0e-05" in text


def test_report_command_line_and_its_error(tmp_path):
    out = crafted_output_dir(tmp_path / "run", steps=12)
    command = [sys.executable, "-m", "gpt_oss_grpo.monitoring.report"]
    done = subprocess.run([*command, str(out)], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(out / "report.md")
    empty = tmp_path / "empty"
    empty.mkdir()
    failed = subprocess.run([*command, str(empty)], cwd=REPO, capture_output=True, text=True)
    assert failed.returncode == 2
    assert (
        failed.stderr.strip()
        == f"error: no training metrics in {empty / 'metrics.jsonl'}: is this a run's output_dir?"
    )
