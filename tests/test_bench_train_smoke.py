"""bench/train_step.py and bench/gpu_step.py run end to end at their smallest sizes and write what they print."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_bench(script: str, *args: str, out: Path) -> tuple[dict, str]:
    command = [sys.executable, str(ROOT / "bench" / script), *args, "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=out.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text()), result.stdout


def check_step(step: dict) -> None:
    assert step["total"] > 0 and step["generation"] > 0 and step["optimisation"] > 0 and step["reward"] > 0
    assert abs(step["generation"] + step["reward"] + step["optimisation"] - step["total"]) < 1e-6
    assert step["completion_tokens_mean"] > 0


def test_train_step_tiny_one_step_baseline_and_config(tmp_path):
    figures, stdout = run_bench(
        "train_step.py",
        "--model",
        "tiny",
        "--steps",
        "1",
        "--levers",
        "baseline,config",
        out=tmp_path / "train.json",
    )
    baseline, shipped = figures["results"]
    assert (baseline["lever"], shipped["lever"]) == ("baseline", "config")
    assert baseline["generation"]["eval_mode"] is False and baseline["gradient_checkpointing"] is True
    assert shipped["generation"]["eval_mode"] is True and shipped["overrides"] == []
    for result in (baseline, shipped):
        assert result["model"] == "tiny" and result["backend"] == "transformers"
        assert result["rewards"] == ["function_works", "no_cheating", "correctness_check", "speed_check"]
        assert len(result["steps"]) == 1
        check_step(result["steps"][0])
        summary = result["summary"]
        assert summary["total"] == result["steps"][0]["total"] and 0 < summary["reward_share"] < 1
        assert summary["generated_tokens_per_s"] > 0
        assert 0 < result["trainable_parameters"] < result["parameters"]  # LoRA only
        assert result["peak_rss_mib"] >= result["rss_before_model_mib"] > 100
    assert baseline["vs_baseline"]["total"] == 1.0
    ratio = baseline["summary"]["generation"] / shipped["summary"]["generation"]
    assert shipped["vs_baseline"]["generation"] == pytest.approx(ratio)
    assert "GRPO step on CPU" in stdout and "x tok/s" in stdout


def test_train_step_unknown_lever_is_one_line(tmp_path):
    command = [sys.executable, str(ROOT / "bench" / "train_step.py"), "--levers", "warp_drive"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: --levers: unknown lever 'warp_drive'")


def test_gpu_step_scaled_down_one_step(tmp_path):
    figures, stdout = run_bench("gpu_step.py", "--scale-down", "--steps", "1", out=tmp_path / "gpu.json")
    result = figures["results"]
    assert result["label"] == "CPU scaled-down" and result["device"] == "cpu"
    arch = result["architecture"]
    assert (arch["num_hidden_layers"], arch["num_local_experts"], arch["num_experts_per_tok"]) == (2, 32, 4)
    assert result["num_generations"] == result["completions_per_step"] == 2
    assert result["lora"]["r"] == 8 and 0 < result["trainable_parameters"] < result["parameters"]["total"]
    check_step(result["steps"][0])
    assert result["summary"]["generated_tokens_per_s"] > 0 and result["peak_rss_mib"] > 0
    assert "CPU scaled-down" in stdout


def test_gpu_step_dry_run_counts_gpt_oss_20b(tmp_path):
    figures, stdout = run_bench("gpu_step.py", "--dry-run", out=tmp_path / "dry.json")
    counts = figures["results"]["parameters"]
    assert 20.5e9 < counts["total"] < 21.5e9  # published: ~21B total
    assert 3.4e9 < counts["active"] < 3.8e9  # published: ~3.6B active per token
    assert "20.91B" in stdout and "3.61B" in stdout
