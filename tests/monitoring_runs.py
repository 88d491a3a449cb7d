"""Crafted metric rows and output folders shared by the monitoring tests."""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

from gpt_oss_grpo.monitoring.signs import REPETITION_KEY

WEIGHTS = {"works": 1.0, "correct": 1.0, "fast": 0.5}
STEPS = 60


def healthy_run(steps: int = STEPS, seed: int = 0) -> list[dict]:
    """A run that learns: reward climbs with noise, shared by the functions; KL small; lengths steady."""
    rng = random.Random(seed)
    rows = []
    for step in range(1, steps + 1):
        progress = step / steps
        works, correct, fast = 1 + progress, 0.5 + 2 * progress, 1 + progress
        rows.append(
            {
                "step": step,
                "loss": 0.001 * rng.random(),
                "grad_norm": 1 + rng.random(),
                "learning_rate": 5e-5,
                "rewards/works/mean": works + rng.gauss(0, 0.2),
                "rewards/correct/mean": correct + rng.gauss(0, 0.2),
                "rewards/fast/mean": fast + rng.gauss(0, 0.2),
                "reward": works + correct + 0.5 * fast + rng.gauss(0, 0.3),
                "reward_std": 1.0,
                "kl": 0.01 + 0.05 * progress,
                "completions/mean_length": 200 + rng.gauss(0, 10),
                "frac_reward_zero_std": 0.2 * rng.random(),
                REPETITION_KEY: 0.05 * rng.random(),
                "step_time": 70.0,
            }
        )
    return rows


def crafted_output_dir(folder: Path, steps: int = 100) -> Path:
    """An output_dir as a run leaves it: metrics, completions (with ``` fences), warnings, run config."""
    rows = healthy_run(steps)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    groups = []
    for step in range(1, steps + 1):
        items = [
            {
                "completion": f"```python\ndef matmul(A, B):\n    return {step * k}\n```",
                "reward": step / 10 + k,
                "rewards": {"works": 1.0, "correct": step / 10 + k - 1, "fast": 0.0},
                "advantage": k - 1.5,
                "extra": {"matmul_verdict": "correct" if k else "no code block"},
            }
            for k in range(4)
        ]
        groups.append({"step": step, "prompt": "Write matmul", "completions": items})
    (folder / "completions.jsonl").write_text("".join(json.dumps(group) + "\n" for group in groups))
    warning = {
        "kind": "zero_reward_spread",
        "step": 42,
        "title": "most groups give no learning signal",
        "detail": "70% of groups had zero reward spread over steps 33-42 (threshold 50%)",
        "action": "raise num_generations or temperature",
    }
    (folder / "warnings.jsonl").write_text(json.dumps(warning) + "\n")
    config = {
        "model": {"name": "unsloth/gpt-oss-20b"},
        "grpo": {"max_steps": steps, "learning_rate": 5e-5},
    }
    (folder / "config.resolved.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder
