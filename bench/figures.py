"""What the training benchmarks report: per-phase summaries, peak memory, and the JSON they write.

Light on purpose (no torch): the parent process of bench/train_step.py only summarises and prints.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path
from typing import Any

PHASES = ("generation", "reward", "optimisation")


def max_rss_mib() -> float:
    """Peak resident memory of this process in MiB (ru_maxrss is KiB on Linux).

    Sandbox children are left out on purpose: a forked child's ru_maxrss counts the parent pages it shares
    before exec, so it would restate the trainer's own size.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summarise(steps: list[dict[str, float]], completions_per_generation: int) -> dict[str, float]:
    """Mean per phase over the steps after the first, or the only step.

    The first step pays one-off warm-up. Means, not medians: with steps_per_generation > 1 only every k-th step
    generates, and the mean over whole cycles is the generation cost each step carries. Tokens/s counts the
    tokens generated in the measured steps (TRL logs the mean completion length of each generation batch) over
    the time spent generating them.
    """
    measured = steps[1:] or steps
    summary = {key: statistics.fmean(step[key] for step in measured) for key in ("total", *PHASES)}
    summary["first_step"] = steps[0]["total"]
    summary["reward_share"] = summary["reward"] / summary["total"]
    summary["measured_steps"] = len(measured)
    tokens = sum(step.get("completion_tokens_mean", 0.0) for step in measured) * completions_per_generation
    if tokens and summary["generation"] > 0:
        summary["generated_tokens_per_s"] = tokens / (summary["generation"] * len(measured))
    return summary


def write_json(path: Path, benchmark: str, results: Any) -> None:
    """The figures with the date, machine and load average they were measured under."""
    payload = {
        "benchmark": benchmark,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": os.getloadavg(),
        },
        "results": results,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2))
