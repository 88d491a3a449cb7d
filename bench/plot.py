"""Draw docs/benchmarks.png from the benchmark JSON files: where a GRPO step's time goes, and reward scoring.

    python bench/plot.py [--results bench/results] [--out docs/benchmarks.png]

Left: each model's GRPO step split into generation, reward and optimisation (share of the step, seconds
written on the bars). Right: seconds to score one batch with the four matmul rewards, by batch size and worker
count, against the notebook-style in-process scorer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
PHASE_COLOURS = {"generation": "#4C72B0", "reward": "#DD8452", "optimisation": "#55A868"}


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def honest_reward_seconds(rewards: dict, completions: int) -> float:
    """Seconds to score `completions` working matmul functions: the smallest measured batch, all workers, per
    completion. The demo model writes no working code yet, so its own reward time is the cost of rejecting."""
    batch = min(
        (b for b in rewards["batches"] if b["scorer"] == "sandbox"), key=lambda b: (b["batch"], -b["workers"])
    )
    return batch["seconds"] / batch["batch"] * completions


def step_rows(results: Path) -> list[tuple[str, dict]]:
    """(label, summary) for each measured GRPO step, smallest model first, plus the demo's estimated step
    if its completions were working code (reward time from the reward-pipeline benchmark)."""
    rows = []
    rewards = load(results / "reward_pipeline.json")
    if train := load(results / "train_step.json"):
        names = {"tiny": "tiny GPT-OSS (0.2M)", "demo": "CPU demo: SmolLM2-135M"}
        for result in train["results"]:
            rows.append((names[result["model"]], result["summary"]))
            if result["model"] == "demo" and rewards:
                estimate = dict(result["summary"])
                estimate["reward"] = honest_reward_seconds(rewards, result["completions_per_step"])
                estimate["total"] = estimate["generation"] + estimate["reward"] + estimate["optimisation"]
                rows.append(("CPU demo, if all completions\nwere working code (estimate)", estimate))
    if gpu := load(results / "gpu_step_scaled_down.json"):
        rows.append((f"GPT-OSS-20B arch., {gpu['results']['label']}", gpu["results"]["summary"]))
    return rows


def draw_steps(axis: plt.Axes, rows: list[tuple[str, dict]]) -> None:
    labels = [label for label, _ in rows]
    left = [0.0] * len(rows)
    for phase, colour in PHASE_COLOURS.items():
        parts = [s[phase] for _, s in rows]
        sums = [sum(s[p] for p in PHASE_COLOURS) for _, s in rows]
        shares = [100 * part / total for part, total in zip(parts, sums, strict=True)]
        bars = axis.barh(labels, shares, left=left, color=colour, label=phase)
        for bar, share, seconds in zip(bars, shares, parts, strict=True):
            if share >= 8:
                axis.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{seconds:.2f} s",
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=9,
                )
        left = [a + b for a, b in zip(left, shares, strict=True)]
    for index, (_, s) in enumerate(rows):
        axis.text(101, index, f"{s['total']:.2f} s/step", va="center", fontsize=9)
    axis.set_xlim(0, 125)
    axis.set_xlabel("share of one GRPO step (%), CPU, 2 cores")
    axis.set_title("Where a GRPO step's time goes")
    axis.invert_yaxis()
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=9, frameon=False)


def draw_rewards(axis: plt.Axes, figures: dict) -> None:
    batches = figures["batches"]
    for workers, marker in ((1, "o"), (max(b["workers"] for b in batches), "s")):
        points = sorted(
            (b["batch"], b["seconds"])
            for b in batches
            if b["scorer"] == "sandbox" and b["workers"] == workers
        )
        axis.plot(*zip(*points, strict=True), marker=marker, label=f"this project, {workers} worker(s)")
    for b in batches:
        if b["scorer"] == "notebook":
            axis.scatter([b["batch"]], [b["seconds"]], color="#C44E52", marker="X", s=90, zorder=3)
            axis.annotate(
                f"notebook-style, in-process\n{b['seconds']:.1f} s ({figures['speedup_vs_notebook']:.0f}x slower)",
                (b["batch"], b["seconds"]),
                xytext=(10, -22),
                textcoords="offset points",
                fontsize=9,
            )
    axis.set_yscale("log")
    axis.set_xticks(sorted({b["batch"] for b in batches}))
    axis.set_xlabel("completions in the batch (all honest matmul code)")
    axis.set_ylabel("seconds to score the batch (log scale)")
    axis.set_title("Scoring one batch with the four matmul rewards")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(loc="lower right", fontsize=9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.png")
    options = parser.parse_args(argv)
    rows = step_rows(options.results)
    rewards = load(options.results / "reward_pipeline.json")
    if not rows and not rewards:
        print(
            f"error: no benchmark JSON in {options.results}; run bench/train_step.py first", file=sys.stderr
        )
        return 2
    panels = [panel for panel in (rows, rewards) if panel]
    figure, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 4.8), squeeze=False)
    axes = list(axes[0])
    if rows:
        draw_steps(axes.pop(0), rows)
    if rewards:
        draw_rewards(axes.pop(0), rewards)
    figure.tight_layout()
    options.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(options.out, dpi=110)
    print(options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
