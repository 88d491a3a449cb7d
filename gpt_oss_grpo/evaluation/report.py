"""The evaluation part of report.md: a before/after table of the eval/* rows and their curve (plots/eval.png)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gpt_oss_grpo.evaluation.metrics import PREFIX

EVAL_PLOT = "eval.png"


def eval_keys(rows: Sequence[dict[str, Any]]) -> list[str]:
    """eval/* metric names in first-seen order, pass rates first."""
    keys = list(dict.fromkeys(key for row in rows for key in row if key.startswith(PREFIX)))
    return sorted(keys, key=lambda key: not key.startswith(PREFIX + "pass@"))


def before_after(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown lines: held-out metrics at the first and the last evaluated step, and the change."""
    if not rows:
        return []
    first, last = rows[0], rows[-1]
    lines = [
        f"Held-out evaluation (`eval:`), at step {first['step']} (before training) and step {last['step']}:",
        "",
        f"| metric | step {first['step']} | step {last['step']} | change |",
        "|---|---|---|---|",
    ]
    for key in eval_keys(rows):
        a, b = first.get(key), last.get(key)
        change = f"{b - a:+.3f}" if a is not None and b is not None else "n/a"
        cells = ["n/a" if v is None else f"{v:.3f}" for v in (a, b)]
        lines.append(f"| {key.removeprefix(PREFIX)} | {cells[0]} | {cells[1]} | {change} |")
    return lines


def write_eval_plot(rows: Sequence[dict[str, Any]], folder: Path) -> Path | None:
    """pass@1 (and pass@k) by step on the left, each reward's held-out mean by step on the right."""
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = eval_keys(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, title, picked in (
        (axes[0], "held-out pass rate", [k for k in keys if k.startswith(PREFIX + "pass@")]),
        (axes[1], "held-out mean reward", [k for k in keys if not k.startswith(PREFIX + "pass@")]),
    ):
        for key in picked:
            points = [(row["step"], row[key]) for row in rows if row.get(key) is not None]
            ax.plot(*zip(*points, strict=True), marker="o", label=key.removeprefix(PREFIX))
        ax.set_title(title)
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
        if picked:
            ax.legend(fontsize=8)
    fig.tight_layout()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / EVAL_PLOT
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _main(argv: Sequence[str]) -> None:
    """Print a run's held-out before/after table (scripts/demo.sh ends with it)."""
    import argparse

    from gpt_oss_grpo.evaluation.metrics import is_eval_row
    from gpt_oss_grpo.monitoring.jsonl import read_rows
    from gpt_oss_grpo.run_files import METRICS_FILE

    parser = argparse.ArgumentParser(
        description="Print a run's held-out evaluation before and after training."
    )
    parser.add_argument("output_dir", type=Path, help="the run's output_dir (holds metrics.jsonl)")
    path = parser.parse_args(argv).output_dir / METRICS_FILE
    rows = [row for row in read_rows(path) if is_eval_row(row)]
    if not rows:
        raise FileNotFoundError(f"no eval/* rows in {path}: was the run trained with eval.steps set?")
    print("\n".join(before_after(rows)))


if __name__ == "__main__":
    import sys

    from gpt_oss_grpo.errors import run_main

    sys.exit(run_main(_main, sys.argv[1:], expected=(FileNotFoundError,)))
